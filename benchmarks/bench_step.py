"""Benchmark of survsim's day: ns per resident-day, build time, peak memory, how the cost
grows with residents and with days, and the same adoption + fear rules written as plain
per-agent Mesa code for comparison.

    .venv/bin/python benchmarks/bench_step.py [--sizes 10000 100000 1000000] [--days N] [--quick] [--scaling]

Prints figures only (no timed assertions). Each size runs in a fresh subprocess
(hidden ``--one SIZE`` mode) so its peak RSS is its own; so does the run over days
(hidden ``--days-one SIZE`` mode).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

import mesa
import numpy as np
import scipy

import sim
from sim.mechanisms import adoption
from sim.experiments.fitting import with_values
from sim.model import SurveillanceModel

SEED = 1
WARM_DAY = 500  # after partnerships (day 455) and the app (day 485): every mechanism runs
SCALING_SIZES = (10_000, 30_000, 100_000, 300_000, 1_000_000)
DAY_BLOCKS = (100, 200, 400)  # consecutive blocks of days timed at one size


def params(n: int, days: int = 1095, **extra):
    # run.days only sizes the recorder: raised so timed days past the horizon fit.
    return with_values(sim.load("baseline").params, **{"city.n_residents": n, "run.days": days, **extra})


def best_ns(run, days: int, n: int, repeats: int) -> float:
    """Best of ``repeats`` timings of ``run(days)``, in ns per resident-day."""
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        run(days)
        best = min(best, time.perf_counter() - t)
    return best / (days * n) * 1e9


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # ru_maxrss is KiB on Linux


def one_size(n: int, days: int, repeats: int) -> dict:
    """Build, warm up, time full days and the bare adoption kernel at one size (own process)."""
    t = time.perf_counter()
    m = SurveillanceModel(params(n, WARM_DAY + days * repeats + 1), SEED)
    build = time.perf_counter() - t
    rss_build = peak_rss_gb()
    m.run(WARM_DAY)
    full = best_ns(m.run, days, n, repeats)
    # Bare kernel: one log_hazard + advance_clock on copies of the model's own arrays.
    a, pop = m.p.adoption, m.pop
    fear, slow, hazard, clock = pop.fear.copy(), m.slow_hazard.copy(), pop.app_hazard.copy(), pop.app_clock.copy()

    def kernel(d: int) -> None:
        for _ in range(d):
            adoption.advance_clock(hazard, clock, adoption.log_hazard(a, fear, slow))

    return {"n": n, "days": days, "build_s": build, "rss_build_gb": rss_build, "rss_peak_gb": peak_rss_gb(),
            "full_ns": full, "kernel_ns": best_ns(kernel, days, n, repeats)}


def day_blocks(n: int, blocks: tuple[int, ...] = DAY_BLOCKS) -> dict:
    """Seconds for consecutive blocks of ``blocks`` days from the warm-up day (own process):
    if a day's cost does not grow with the simulated date, time is proportional to days."""
    m = SurveillanceModel(params(n, WARM_DAY + sum(blocks) + 1), SEED)
    m.run(WARM_DAY)
    seconds = []
    for d in blocks:
        t = time.perf_counter()
        m.run(d)
        seconds.append(time.perf_counter() - t)
    return {"n": n, "days": list(blocks), "seconds": seconds}


def slope(x, y) -> float:
    """Least-squares slope of log(y) on log(x): the exponent b of y ~ x^b (1 = linear)."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def subprocess_json(*argv: str) -> dict:
    """Run this script in a fresh process (hidden mode) and parse its last output line."""
    out = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_scaling(by_n: dict[int, dict], days: dict) -> None:
    """Cost against residents (from the per-size runs) and against days (one run)."""
    ns = sorted(by_n)
    ms = [by_n[n]["full_ns"] * n / 1e6 for n in ns]  # ms per day
    print("\nScaling with residents (full day, fresh process per size; exponent b of time ~ residents^b)")
    print(f"{'residents':>10} {'ms/day':>8} {'ns/res-day':>11} {'b vs previous':>14}")
    for i, n in enumerate(ns):
        local = f"{slope(ns[i - 1:i + 1], ms[i - 1:i + 1]):>14.2f}" if i else f"{'':>14}"
        print(f"{n:>10,} {ms[i]:>8.2f} {by_n[n]['full_ns']:>11.1f} {local}")
    big = [i for i, n in enumerate(ns) if n >= 100_000]
    print(f"log-log fit: b = {slope(ns, ms):.2f} over {ns[0]:,}-{ns[-1]:,}"
          + (f", b = {slope([ns[i] for i in big], [ms[i] for i in big]):.2f} over {ns[big[0]]:,}-{ns[-1]:,}"
             if len(big) >= 2 else ""))
    fixed, per = np.polynomial.polynomial.polyfit(ns, ms, 1, w=1 / np.asarray(ms))  # relative errors
    worst = max(abs(fixed + per * n - t) / t for n, t in zip(ns, ms))
    print(f"linear fit: ms/day = {fixed:.2f} + {per * 1e6:.1f} ns x residents (fixed per-day cost + cost per "
          f"resident; worst point off by {worst:.0%}). b < 1 at small sizes is the fixed cost being amortised.")
    n, d, sec = days["n"], days["days"], days["seconds"]
    print(f"\nScaling with days at {n:,} residents (consecutive blocks from day {WARM_DAY}, one process)")
    print(f"{'days':>6} {'seconds':>8} {'ns/res-day':>11}")
    for di, si in zip(d, sec):
        print(f"{di:>6} {si:>8.3f} {si / (di * n) * 1e9:>11.1f}")
    print(f"log-log fit: time ~ days^{slope(d, sec):.2f}")


# --- the same rules, per agent, the way a typical Mesa model is written ------------------
class PlainResident(mesa.Agent):
    def __init__(self, model, fear, fear_base, privacy, nbh, app, on_platform, app_clock, app_hazard):
        super().__init__(model)
        self.fear, self.fear_base, self.privacy, self.nbh = fear, fear_base, privacy, nbh
        self.app, self.on_platform, self.app_clock, self.app_hazard = app, on_platform, app_clock, app_hazard
        self.contacts: list[PlainResident] = []
        self.members: list[PlainResident] = []  # set on the household head only: it buys the camera
        self.camera = False
        self.in_market = True
        self.share = self.next_fear = 0.0

    def step(self) -> None:
        # Synchronous update (like the vectorised model): read contacts' state of yesterday.
        fear_sum, on = 0.0, 0
        for c in self.contacts:
            fear_sum += c.fear
            if c.on_platform:
                on += 1
        k = len(self.contacts)
        self.share = on / k if k else 0.0
        peer = fear_sum / k if k else 0.0
        f = self.model.p.fear
        exposure = 1.0 if self.app else f.media_weight
        target = self.fear_base + f.post_weight * exposure * self.model.posts[self.nbh]
        self.next_fear = min(1.0, self.fear + f.decay * (target - self.fear) + f.peer_weight * (peer - self.fear))

    def advance(self) -> None:
        self.fear = self.next_fear
        m, a = self.model, self.model.p.adoption
        x = (a.beta_fear * (self.fear - m.p.fear.baseline) + a.beta_peer * self.share
             + a.beta_marketing * m.marketing[self.nbh] - a.beta_privacy * self.privacy)
        if self.members and not self.camera and self.in_market:
            price = a.beta_price * self.price_sens * (m.p.vendor.price / a.reference_price - 1)
            self.cam_hazard += a.camera_hazard * math.exp(x - price - self.segregation)
            if self.cam_hazard >= self.cam_clock:
                self.camera = True
                for r in self.members:
                    r.on_platform = True
                if m.app_live and not self.app and -math.expm1(-self.app_clock) < a.app_with_camera:
                    self.install_app()
        if m.app_live and not self.app:
            self.app_hazard += a.app_hazard * math.exp(x)
            if self.app_hazard >= self.app_clock:
                self.install_app()

    def install_app(self) -> None:
        self.app = self.on_platform = True


class PlainModel(mesa.Model):
    """Adoption + fear only, initialised from a SurveillanceModel's current state and network."""

    def __init__(self, sm: SurveillanceModel):
        super().__init__(rng=sm.seed)
        self.p, self.day = sm.p, sm.day
        self.posts, self.marketing = sm.posts_1k.tolist(), sm.marketing.tolist()  # inputs, per neighbourhood
        pop, c = sm.pop, sm.city
        cols = (pop.fear, pop.fear_base, pop.privacy, c.nbh, pop.app, sm.platform, pop.app_clock, pop.app_hazard)
        self.people = [PlainResident(self, *row) for row in zip(*(x.tolist() for x in cols))]
        adj = sm.adjacency
        for i, r in enumerate(self.people):
            r.contacts = [self.people[j] for j in adj.indices[adj.indptr[i]:adj.indptr[i + 1]].tolist()]
        # Fewer purchases where over-policed groups live (adoption.segregation_gap, centred).
        gap = sm.p.adoption.segregation_gap * (sm.over_policed_share - sm.over_policed.mean())
        hh = zip(c.hh_head.tolist(), c.hh_size.tolist(), pop.camera.tolist(), pop.cam_clock.tolist(),
                 pop.cam_hazard.tolist(), pop.price_sens.tolist(), gap[c.hh_nbh].tolist(), sm.market.tolist())
        for head, size, cam, clock, hazard, sens, seg, market in hh:
            r = self.people[head]
            r.members = self.people[head:head + size]
            r.camera, r.cam_clock, r.cam_hazard, r.price_sens, r.segregation = cam, clock, hazard, sens, seg
            r.in_market = market  # households outside the camera market never buy (price fixed in check())

    @property
    def app_live(self) -> bool:
        return self.day >= self.p.adoption.app_launch_day

    def step(self) -> None:
        # Two phases, so order is irrelevant: do() rather than shuffle_do(), whose random
        # order costs ~2x more at 100k (cache misses) and would flatter survsim.
        self.day += 1
        self.agents.do("step")
        self.agents.do("advance")


def check(n: int = 2000, days: int = 10) -> str:
    """Per-agent vs the model's own spread_fear + adopt on the same network, fear and posts.
    Adoption hazards are raised so that many clocks fire in ``days`` days; the price is held
    fixed (so is the market) and the trust loop is off (trust would act only through the app term)."""
    m = SurveillanceModel(params(n, **{"adoption.app_hazard": 0.02, "adoption.camera_hazard": 0.02,
                                       "vendor.price_decline": 0.0, "loops.trust": False}), SEED)
    m.day = m.p.adoption.app_launch_day  # app live; no partnerships (no marketing, no free cameras)
    plain = PlainModel(m)
    for _ in range(days):
        m.day += 1
        m.commit_crime()
        m.spread_fear()
        m.adopt()
        plain.posts = m.posts_1k.tolist()  # the same exposures
        plain.step()
    ppl = plain.people
    fear_err = np.abs(m.pop.fear - np.array([r.fear for r in ppl])).max()
    app = np.array([r.app for r in ppl])
    cam = np.array([ppl[h].camera for h in m.city.hh_head])
    waiting = ~app  # cumulative hazard of residents still waiting to install
    haz_err = np.abs(m.pop.app_hazard[waiting] / np.array([r.app_hazard for r in ppl])[waiting] - 1).max()
    ok = fear_err < 1e-5 and haz_err < 1e-4 and (app == m.pop.app).all() and (cam == m.pop.camera).all()
    return (f"check at {n:,} residents, {days} days: max |fear diff| {fear_err:.1e}, app hazard max rel diff "
            f"{haz_err:.1e}, app installs {app.sum()} vs {m.pop.app.sum()}, cameras {cam.sum()} vs "
            f"{m.pop.camera.sum()}: {'MATCH' if ok else 'MISMATCH'}")


def per_agent_ns(n: int, days: int, repeats: int) -> float:
    sm = SurveillanceModel(params(n), SEED)
    sm.run(WARM_DAY)  # same state as the timed full model: app live, marketing on
    plain = PlainModel(sm)
    plain.step()  # untimed first day
    return best_ns(lambda d: [plain.step() for _ in range(d)], days, n, repeats)


def print_sizes(rows: list[dict]) -> None:
    print("Full model, all mechanisms")
    print(f"{'residents':>10} {'days':>5} {'ns/res-day':>11} {'build s':>8} {'RSS build GB':>13} "
          f"{'RSS peak GB':>12} {'kernel ns':>10} {'full/kernel':>12}")
    for r in rows:
        print(f"{r['n']:>10,} {r['days']:>5} {r['full_ns']:>11.1f} {r['build_s']:>8.2f} {r['rss_build_gb']:>13.2f} "
              f"{r['rss_peak_gb']:>12.2f} {r['kernel_ns']:>10.2f} {r['full_ns'] / r['kernel_ns']:>11.1f}x")
    by_n = {r["n"]: r for r in rows}
    print("kernel = one adoption.log_hazard + advance_clock over all residents (the adoption rule alone)")
    for n in (100_000, 1_000_000):
        if n in by_n:
            v = by_n[n]["full_ns"]
            print(f"target: <= 30 ns/resident-day at {n:,}: {v:.1f} -> {'met' if v <= 30 else 'MISSED'}")
    if 1_000_000 in by_n:
        r = by_n[1_000_000]
        print(f"target: 1M built in <= 15 s, peak RSS (build and run) <= 1.5 GB: {r['build_s']:.1f} s, "
              f"{r['rss_peak_gb']:.2f} GB -> {'met' if r['build_s'] <= 15 and r['rss_peak_gb'] <= 1.5 else 'MISSED'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+")
    ap.add_argument("--days", type=int, help="timed days per repeat (default: 200, 20 at 1M)")
    ap.add_argument("--quick", action="store_true", help="10k and 100k only, fewer days, no scaling")
    ap.add_argument("--scaling", action="store_true",
                    help="only the scaling with residents (10k-1M) and days (100-400 at 100k)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--days-one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr progress in order
    if args.one:
        print(json.dumps(one_size(args.one, args.days, args.repeats)))
        return
    if args.days_one:
        print(json.dumps(day_blocks(args.days_one)))
        return
    if args.scaling:
        sizes = list(SCALING_SIZES)
    else:
        sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    scaling = args.scaling or not (args.quick or args.sizes)
    repeats = 2 if args.quick else args.repeats
    try:  # the CPU model (Linux); platform.processor() is often empty
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.machine()
    print(f"python {platform.python_version()} | numpy {np.__version__} | scipy {scipy.__version__} | "
          f"mesa {mesa.__version__} | {os.cpu_count()} cpus | {cpu} | load average {os.getloadavg()[0]:.2f} "
          "(timings need an idle machine)")
    print(f"baseline scenario, seed {SEED}; timed after warm-up to day {WARM_DAY}; best of {repeats} repeats\n")

    by_n = {}
    for n in sorted(set(sizes) | (set(SCALING_SIZES) if scaling else set())):
        days = args.days or (100 if args.quick else max(10, min(200, 20_000_000 // n)))
        print(f"  ... {n:,} residents (fresh process)", file=sys.stderr, flush=True)
        by_n[n] = subprocess_json("--one", str(n), "--days", str(days), "--repeats", str(repeats))
    if not args.scaling:
        print_sizes([by_n[n] for n in sizes])
    if scaling:
        print(f"  ... {sum(DAY_BLOCKS)} days at 100,000 residents (fresh process)", file=sys.stderr, flush=True)
        print_scaling(by_n, subprocess_json("--days-one", "100000"))
    if args.scaling:
        return

    print("\nPlain per-agent Mesa (adoption + fear only, agents.do('step') then do('advance'))")
    print(f"{'residents':>10} {'days':>5} {'ns/res-day':>11} {'survsim full':>13} {'speed-up':>9}  (target >= 100x)")
    for n in [n for n in sizes if n <= 100_000]:
        days = 1 if args.quick and n >= 100_000 else (3 if n >= 100_000 else 10)
        print(f"  ... per-agent {n:,}", file=sys.stderr, flush=True)
        slow = per_agent_ns(n, days, 1 if args.quick else 3)
        full = by_n[n]["full_ns"]
        print(f"{n:>10,} {days:>5} {slow:>11.0f} {full:>13.1f} {slow / full:>8.0f}x")
    print(check())


if __name__ == "__main__":
    main()
