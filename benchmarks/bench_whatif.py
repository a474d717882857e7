"""Where a What-if's time goes: 20,000 residents x 5 years x 4 replicates, baseline cached.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_whatif.py [--residents 20000] [--days 1826] [--replicates 4]

Stages, each timed on its own (wall and CPU seconds):
  process start   a fresh ``python -c pass`` (a spawned worker pays this once)
  imports         ``import sim.experiments.runner`` in a fresh process (a worker pays this once)
  build           SurveillanceModel(...) for one replicate
  loop            model.run() of one replicate
  recording       ReplicateOutputs -> tidy Results (4 replicates), then the comparison's summary
  drawing         the page's four charts and the headline (dashboard.charts)
and end to end, as the page runs it: a dashboard Data with a warm pool of 2 workers and the
baseline in its cache, from the request to a finished job, then drawing. Prints figures
only (no timed assertions); on a shared machine, compare CPU seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def fresh(code: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=1826)
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows: list[tuple[str, float, float]] = []

    start = fresh("pass")
    rows.append(("process start (python -c pass)", start, float("nan")))
    imports = fresh("import sim.experiments.runner") - start
    rows.append(("imports in a fresh process", imports, float("nan")))

    from dashboard import charts, whatif
    from dashboard.data import Bundle, Data, new_session
    from dashboard.urlstate import WhatIfView
    from dashboard.compact import Runs
    from sim.experiments.runner import run_replicate
    from sim.model import SurveillanceModel
    from sim.output.results import ReplicateOutput
    from sim.params import Params
    from sim.policy.policies import parse

    view = WhatIfView(warrant=True, residents=args.residents, days=args.days, replicates=args.replicates,
                      start=min(365, args.days // 2))
    base, sc = whatif.build(view)
    params = sc.params.model_dump(mode="json")
    run_replicate(base.params.model_dump(mode="json") | {"run": {**params["run"], "days": 5}}, 0)  # warm caches

    model, w, c = timed(lambda: SurveillanceModel(Params.model_validate(params), seed=1,
                                                  policies=parse(list(sc.policies), "scenario")))
    rows.append(("build one replicate", w, c))
    _, w, c = timed(model.run)
    rows.append(("loop one replicate", w, c))
    out = ReplicateOutput(1, model.recorder.total, model.recorder.by_group)
    outs = [out] * args.replicates
    # The dashboard keeps compact arrays (dashboard.compact.Runs), not tidy tables.
    res, w1, c1 = timed(lambda: Runs.from_outputs(sc, 1, outs))
    ref = Runs.from_outputs(base, 1, outs)
    items = [(base, args.replicates, 1), (sc, args.replicates, 1)]

    class Kept:  # the runner's part a bundle reads: runs by scenario
        def cached(self, s, reps, seed):
            return {base.name: ref, sc.name: res}[s.name]

    bundle, w2, c2 = timed(lambda: Bundle.of(items, [ref, res], Kept()))
    rows.append((f"recording: compact runs ({args.replicates} replicates)", w1, c1))
    rows.append(("recording: bundle and summary", w2, c2))
    _, w, c = timed(lambda: ([charts.figure(bundle, view, k) for k in charts.KINDS], charts.headline(bundle)))
    rows.append(("drawing: 4 charts and the headline", w, c))

    with tempfile.TemporaryDirectory() as tmp:
        data = Data(Path(tmp), workers=args.workers)
        sid = new_session()
        for f in data.runner.warm():
            f.result()
        t = time.perf_counter()
        data.runner.run([(base, view.replicates, view.seed)])
        rows.append(("(setup) baseline into the cache", time.perf_counter() - t, float("nan")))
        t = time.perf_counter()
        job = data.jobs.wait(sid, data.request(sid, "whatif", view), timeout=900)
        run_s = time.perf_counter() - t
        assert job.status == "done", job.error
        _, w, _ = timed(lambda: [charts.figure(job.result, view, k) for k in charts.KINDS])
        rows.append((f"END TO END: what-if job on {args.workers} warm workers", run_s, float("nan")))
        rows.append(("END TO END: then drawing the 4 charts", w, float("nan")))
        rows.append(("END TO END: total", run_s + w, float("nan")))
        data.close()

    print(f"What-if, {args.residents:,} residents x {args.days} days x {args.replicates} replicates "
          f"(baseline cached), {args.workers} workers")
    print(f"{'stage':<50} {'wall s':>8} {'CPU s':>8}")
    for name, w, c in rows:
        print(f"{name:<50} {w:8.2f} {c:8.2f}")


if __name__ == "__main__":
    main()
