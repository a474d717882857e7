"""The dashboard for people, in a real headless Chromium: a phone-sized window on every
page, the first visit, honest loading on What-if. Same set-up as test_dashboard_browser.py
(werkzeug on port 0 in a thread, dash[testing]'s Browser). Screenshots of every page at
both sizes go to $SURVSIM_SCREENSHOTS when it is set (for people to look at, not checked).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("selenium")
pytest.importorskip("dash.testing.browser")
if shutil.which("chromedriver") is None:
    pytest.skip("chromedriver not installed (apt-get install chromium-driver)", allow_module_level=True)

from dash.testing.browser import Browser  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard import precomputed  # noqa: E402
from dashboard.app import create_app  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 120
SMALL = "days=60&residents=1000&replicates=2"
PHONE, DESKTOP = (390, 844), (1440, 900)
PAGES = {"compare": f"/compare?{SMALL}&scenarios=warrant_required,federal_fr_moratorium",
         "whatif": f"/whatif?{SMALL}", "educator": "/educator", "analyses": "/analyses",
         "calibration": "/calibration"}
SHOTS = os.environ.get("SURVSIM_SCREENSHOTS")


def chrome_options() -> Options:
    opts = Options()
    if CHROMIUM.is_file():
        opts.binary_location = str(CHROMIUM)
    for arg in ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,900"):
        opts.add_argument(arg)
    return opts


class Served:
    """An app on a free port, served in a thread that shuts down cleanly."""

    def __init__(self, results: Path):
        self.app = create_app(results)
        self.server = make_server("127.0.0.1", 0, self.app.server, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="dash-ux-server")
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(10)
        self.app.server.extensions["survsim"].close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Browser(browser="Chrome", headless=True, options=[chrome_options()], percy_run=False,
                 download_path=str(tmp_path_factory.mktemp("downloads")), wait_timeout=TIMEOUT) as b:
        yield b


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    s = Served(tmp_path_factory.mktemp("dash_ux_browser"))
    path = s.app.server.extensions["survsim"]._calibration_file()  # the real table takes ~20-50 s
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": [{"target": "households with a doorbell", "source": "Parks 2017",
                                          "published": 0.04, "model": 0.04, "low": 0.035, "high": 0.045,
                                          "passed": True}]}))
    yield s
    s.close()


def viewport(browser, size: tuple[int, int]) -> None:
    """The page's width and height exactly (innerWidth), as on a phone held upright."""
    browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})


def until(check, message: str, timeout: float = TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, message
        time.sleep(0.1)


def js(browser, script: str):
    return browser.driver.execute_script(script)


def loaded(browser, page: str) -> None:
    """Wait until the page has drawn what it draws."""
    if page in ("compare", "whatif"):
        browser.wait_for_text_to_equal(f"#{page}-status", "Results ready.", timeout=TIMEOUT)
    elif page == "educator":
        browser.wait_for_contains_text("#educator-day", "Day 0", timeout=TIMEOUT)
        browser.wait_for_element("#educator-map .main-svg")
    elif page == "analyses":
        browser.wait_for_contains_text("#analyses-empty", "No analyses yet", timeout=TIMEOUT)
    else:
        browser.wait_for_element("#calibration-status")
    time.sleep(0.8)  # plotly's responsive resize


LAYOUT = """
const w = window.innerWidth;
const nav = document.querySelector('header.top').getBoundingClientRect();
const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.offsetParent !== null)
  .map(p => [p.id || p.parentElement.id, Math.round(p.getBoundingClientRect().width)]);
// what is drawn on top at points spread over the header: it must be the header itself
const covered = [];
for (const fx of [0.02, 0.25, 0.5, 0.75, 0.98]) for (const fy of [0.2, 0.5, 0.8]) {
  const x = nav.left + fx * nav.width, y = nav.top + fy * nav.height;
  const el = document.elementFromPoint(x, y);
  if (el && !el.closest('header.top')) covered.push([x, y, el.tagName + '.' + el.className]);
}
return {scroll: document.documentElement.scrollWidth, inner: w, plots: plots, covered: covered};
"""


@pytest.mark.parametrize("page", list(PAGES))
def test_phone_layout(browser, served, page):
    """390 x 844: no sideways scrolling, every chart at least 300 px wide, nothing drawn
    over the navigation (also after scrolling), and the menu opens with every page in it."""
    viewport(browser, PHONE)
    browser.driver.get(served.url + PAGES[page])
    loaded(browser, page)
    out = js(browser, LAYOUT)
    assert out["inner"] == PHONE[0]
    assert out["scroll"] <= out["inner"], f"{page}: the page scrolls sideways ({out['scroll']} > {out['inner']})"
    if page in ("compare", "whatif", "educator"):
        assert out["plots"], f"{page}: no chart visible"
    narrow = [p for p in out["plots"] if p[1] < 300]
    assert not narrow, f"{page}: charts narrower than 300 px: {narrow}"
    assert not out["covered"], f"{page}: something is drawn over the navigation: {out['covered']}"
    js(browser, "window.scrollTo(0, 900);")
    time.sleep(0.3)
    assert not js(browser, LAYOUT)["covered"], f"{page}: after scrolling, content covers the navigation"
    if SHOTS:
        js(browser, "window.scrollTo(0, 0);")
        browser.driver.save_screenshot(str(Path(SHOTS) / f"{page}_390x844.png"))
    # the menu: closed, then open with every link reachable (on top, not covered)
    links = "[...document.querySelectorAll('#nav .nav-link')]"
    assert js(browser, f"return {links}.every(a => a.offsetParent === null)"), "the menu is not collapsed"
    browser.find_element(".menu-toggle").click()
    until(lambda: js(browser, f"return {links}.every(a => a.offsetParent !== null)"), "the menu does not open", 5)
    hits = js(browser, f"return {links}.map(a => {{ const r = a.getBoundingClientRect();"
                       " const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
                       " return !!el && a.contains(el); })")
    assert all(hits), f"{page}: a menu link is covered: {hits}"
    browser.find_element(".menu-toggle").click()
    until(lambda: js(browser, f"return {links}.every(a => a.offsetParent === null)"), "the menu does not close", 5)
    if page in ("compare", "whatif", "educator"):  # the settings are folded above the charts until asked for
        toggle = browser.find_element(".settings-toggle")
        assert toggle.text == "Show settings"
        # below the sticky header, as a reader scrolls to it (a click at the header's height lands on the brand)
        browser.driver.execute_script("window.scrollTo(0, 0); arguments[0].scrollIntoView({block: 'center'})", toggle)
        toggle.click()
        until(lambda: toggle.text == "Hide settings", "the settings do not open", 5)
        assert js(browser, "return document.documentElement.scrollWidth") <= PHONE[0]


@pytest.mark.parametrize("page", list(PAGES))
def test_desktop_screenshots(browser, served, page):
    """1440 x 900: the same pages on a wide screen (no sideways scrolling; screenshots)."""
    viewport(browser, DESKTOP)
    browser.driver.get(served.url + PAGES[page])
    loaded(browser, page)
    out = js(browser, LAYOUT)
    assert out["scroll"] <= out["inner"] and not out["covered"]
    assert js(browser, "return getComputedStyle(document.querySelector('.menu-toggle')).display") == "none"
    if SHOTS:
        browser.driver.save_screenshot(str(Path(SHOTS) / f"{page}_1440x900.png"))


@pytest.mark.skipif(not (precomputed.DIR / "manifest.json").is_file(), reason="no shipped default comparison")
def test_first_visit_shows_the_headline_and_chart_from_shipped_results(browser, tmp_path):
    """A fresh server, nothing run: / shows the introduction, four headline numbers and
    the time series of the default comparison, drawn from the results shipped with the
    package (no simulation runs); the seconds it took are printed."""
    s = Served(tmp_path)
    try:
        viewport(browser, DESKTOP)
        warm = time.monotonic()
        assert s.app.server.extensions["survsim"].first_view.wait(120), "the first view was never prepared"
        print(f"server start: the shipped first view loaded and drawn in {time.monotonic() - warm:.1f} s")
        t0 = time.monotonic()
        browser.driver.get(s.url + "/")
        seen: dict[str, float] = {}
        probe = ("return [!!document.querySelector('#compare-status'),"
                 " (document.querySelector('#compare-status') || {}).innerText || '',"
                 " document.querySelectorAll('#compare-headline .headline-card').length,"
                 " document.querySelectorAll('#compare-graph-timeseries .scatterlayer .trace').length];")

        def shown() -> bool:
            page, status, cards, traces = js(browser, probe)
            for name, ok in (("page", page), ("status", bool(status)), ("headline", cards == 4),
                             ("time series", traces > 0)):
                if ok and name not in seen:
                    seen[name] = round(time.monotonic() - t0, 1)
            return cards == 4 and traces > 0

        until(shown, "no headline and time series", timeout=60)  # a hang guard, not a timing check
        print(f"first visit, seconds after the request: {seen}")
        # Within seconds because nothing runs: the shipped results are drawn, no worker started.
        # (The working agreement forbids timed assertions on this shared machine; the seconds
        # are printed: 10-16 s measured at a load average of ~20 on 2 cores.)
        data = s.app.server.extensions["survsim"]
        assert data.runner._ex is None, "the first visit started simulation workers"
        text = browser.find_element("#compare-headline").text
        assert "Wrongful stops" in text and "10-90%" in text
        assert "What happens when a city fills with doorbell cameras?" in browser.find_element(".intro").text
        legend = browser.find_element("#compare-graph-timeseries .legend").text
        assert "Warrant required for footage" in legend and "warrant_required" not in legend
        browser.wait_for_text_to_equal("#compare-status", "Results ready.", timeout=20)
        if SHOTS:
            browser.driver.save_screenshot(str(Path(SHOTS) / "first_visit_1440x900.png"))
            viewport(browser, PHONE)
            time.sleep(1)
            browser.driver.save_screenshot(str(Path(SHOTS) / "first_visit_390x844.png"))
    finally:
        s.close()


RUNNING = re.compile(r"Running ([\d,]+) of ([\d,]+) replicate-days")


def test_whatif_recompute_marks_old_charts_and_counts_honestly(browser, served):
    """Apply a change, then another while the first runs (the old run is replaced): the old
    charts say "not current" until the new ones are drawn, the counter never passes its
    total, and "Results ready." comes with every card drawn."""
    viewport(browser, DESKTOP)
    browser.driver.get(served.url + "/whatif?days=300&residents=3000&replicates=4&seed=21")
    loaded(browser, "whatif")
    assert not browser.find_element(".stale-mark").is_displayed()
    browser.find_element("#whatif-warrant input").click()
    assert browser.find_element("#whatif-status").text == "Results ready."  # nothing runs before Apply
    browser.find_element("#whatif-apply").click()
    seen, replaced = [], False
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        status, cls, marks = js(browser, "return [document.querySelector('#whatif-status').innerText.trim(),"
                                         " document.querySelector('#whatif-results').className,"
                                         " [...document.querySelectorAll('.stale-mark')]"
                                         ".filter(m => m.offsetParent !== null).length];")
        m = RUNNING.match(status)
        if m:
            done, total = (int(g.replace(",", "")) for g in m.groups())
            assert 0 <= done <= total, status
            assert "stale" in cls and marks >= 4, "old charts are not marked 'not current' while running"
            seen.append(done)
            if not replaced and done > 0:  # replace the running job by another
                browser.find_element("#whatif-consent input").click()
                browser.find_element("#whatif-apply").click()
                until(lambda: "consent=1" in browser.driver.current_url, "the second Apply did not take", 30)
                replaced = True
                continue
        if status == "Results ready." and replaced:
            break
        time.sleep(0.1)
    assert seen, "never saw the run in progress"
    assert replaced
    assert status == "Results ready.", f"the replacing run did not finish within {TIMEOUT} s: {status!r}"
    assert "stale" not in browser.find_element("#whatif-results").get_attribute("class")
    assert "consent=1" in browser.driver.current_url and "warrant=1" in browser.driver.current_url
    logs = [e for e in browser.get_logs() if e["level"] == "SEVERE"]
    assert logs == [], logs
