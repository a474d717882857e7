"""Details users see, in a real headless Chromium at 1440x900 and 390x844: the threshold
slider's value does not cover its label, the funnel reads on a phone, Apply stays on screen
on a phone and says the link now reproduces the view, the search-mode control. Same set-up
as test_dashboard_ux_browser.py (whose server and browser fixtures are reused).
Screenshots go to $SURVSIM_SCREENSHOTS when it is set (for people to look at).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("selenium")
import test_dashboard_ux_browser as ux  # noqa: E402
from test_dashboard_ux_browser import DESKTOP, PHONE, SHOTS, SMALL, TIMEOUT, js, loaded, until, viewport  # noqa: E402

from dashboard.callbacks.results import APPLIED  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
browser, served = ux.browser, ux.served   # that module's fixtures (one server, one Chromium per module)


def shot(browser, name: str) -> None:
    if SHOTS:
        browser.driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def open_settings(browser) -> None:
    """On a phone the settings are folded until "Show settings" is tapped."""
    toggle = browser.find_element(".settings-toggle")
    if toggle.is_displayed() and toggle.text == "Show settings":
        js(browser, "window.scrollTo(0, 0);")
        browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
        toggle.click()
        until(lambda: toggle.text == "Hide settings", "the settings do not open", 5)


COVERS = """
const label = document.querySelector(arguments[0]);
const r = label.getBoundingClientRect();
const foreign = [];
for (const fx of [0.05, 0.3, 0.6, 0.95]) for (const fy of [0.25, 0.75]) {
  const el = document.elementFromPoint(r.left + fx * r.width, r.top + fy * r.height);
  if (el && !label.contains(el) && el !== label.parentElement) foreign.push(el.tagName + '.' + el.className);
}
return {text: label.innerText, foreign: foreign, top: r.top, bottom: r.bottom};
"""


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1440x900", "390x844"])
def test_threshold_value_is_in_the_label_and_nothing_covers_the_label(browser, served, size):
    viewport(browser, size)
    browser.driver.get(served.url + f"/whatif?{SMALL}&threshold=0.93")
    loaded(browser, "whatif")
    open_settings(browser)
    label = "label[for='whatif-threshold']"
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", browser.find_element(label))
    time.sleep(0.3)
    out = js(browser, COVERS.replace("arguments[0]", repr(label)))
    assert "Similarity threshold of face searches: 0.93" in out["text"]
    assert out["foreign"] == [], f"drawn over the slider's label: {out['foreign']}"
    shot(browser, f"slider_{size[0]}x{size[1]}")
    thumb = browser.find_element("#whatif-threshold [role='slider']")
    thumb.click()
    thumb.send_keys("\ue014")  # arrow right: one step
    until(lambda: "0.94" in browser.find_element(label).text, "the label does not follow the slider", 10)
    out = js(browser, COVERS.replace("arguments[0]", repr(label)))
    assert out["foreign"] == [], f"while the slider has focus, something covers its label: {out['foreign']}"


FUNNEL = """
const g = document.querySelector('#compare-graph-funnel');
const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
const panels = [...g.querySelectorAll('.draglayer .nsewdrag')].map(box);
const titles = [...g.querySelectorAll('.annotation')].filter(a => a.textContent.includes('for scale')).map(box);
const legend = g.querySelector('.legend') ? box(g.querySelector('.legend')) : null;
const title = g.querySelector('.gtitle') ? box(g.querySelector('.gtitle')) : null;
return {panels, titles, legend, title, width: box(g.querySelector('.main-svg'))};
"""


def overlap(a, b) -> bool:
    return a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1 and b[1] < a[3] - 1


def test_funnel_reads_on_a_phone(browser, served):
    """390 px: one funnel panel per row, each as wide as the screen allows; panel titles,
    the legend and the chart title do not overlap; nothing runs off the chart's right edge."""
    viewport(browser, PHONE)
    browser.driver.get(served.url + f"/compare?{SMALL}&scenarios=warrant_required,federal_fr_moratorium")
    loaded(browser, "compare")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -60)",
                                  browser.find_element("#compare-graph-funnel"))
    time.sleep(0.5)
    out = js(browser, FUNNEL)
    assert len(out["panels"]) == 3 and len(out["titles"]) == 3
    widths = [p[2] - p[0] for p in out["panels"]]
    assert min(widths) >= 250, f"funnel panels too narrow on a phone: {widths}"
    assert len({round(p[0]) for p in out["panels"]}) == 1, "panels are one under another"
    boxes = out["titles"] + [out["legend"], out["title"]]
    clashes = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if overlap(a, b)]
    assert not clashes, f"titles, notes or legend overlap: {clashes}"
    right = out["width"][2]
    assert all(b[2] <= right + 1 for b in boxes), "text runs off the chart"
    shot(browser, "funnel_390x844")
    for kind in ("timeseries", "difference", "disparity", "funnel"):  # every chart: no text cut off at the right
        cut = js(browser, f"const g = document.querySelector('#compare-graph-{kind}');"
                          " const right = g.querySelector('.main-svg').getBoundingClientRect().right;"
                          " return [...g.querySelectorAll('.gtitle, .annotation, .legend')]"
                          ".filter(e => e.getBoundingClientRect().right > right + 1)"
                          ".map(e => e.textContent.slice(0, 40));")
        assert cut == [], f"{kind}: text runs past the chart's right edge on a phone: {cut}"


def test_apply_stays_on_screen_on_a_phone_and_says_the_link_reproduces_the_view(browser, served):
    viewport(browser, PHONE)
    browser.driver.get(served.url + f"/whatif?{SMALL}&start=20")
    loaded(browser, "whatif")
    open_settings(browser)
    assert browser.find_element("#whatif-pending").text == "Settings applied.", "nothing was applied yet"
    box = browser.find_element("#whatif-warrant input")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    until(lambda: browser.find_element("#whatif-apply").is_enabled(), "Apply is not enabled by a change", 10)
    on_screen = js(browser, "const b = document.querySelector('#whatif-apply'); const r = b.getBoundingClientRect();"
                            " const el = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
                            " return [r.top >= 52 && r.bottom <= innerHeight, !!el && b.contains(el)];")
    assert on_screen == [True, True], "Apply is off screen (or covered) right after changing a setting"
    shot(browser, "whatif_apply_390x844")
    browser.find_element("#whatif-apply").click()
    until(lambda: "warrant=1" in browser.driver.current_url, "Apply did not put the settings in the address", 30)
    browser.wait_for_text_to_equal("#whatif-pending", APPLIED, timeout=30)
    assert "link reproduces this view" in APPLIED
    browser.wait_for_text_to_equal("#whatif-status", "Results ready.", timeout=TIMEOUT)


def test_search_mode_control_runs_on_apply_and_shows_in_the_link_and_caption(browser, served):
    viewport(browser, DESKTOP)
    browser.driver.get(served.url + f"/whatif?{SMALL}&start=20")
    loaded(browser, "whatif")
    choice = browser.find_element("#whatif-search input[value='top_k']")
    assert "the top 5 candidates" in browser.find_element("#whatif-search").text
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", choice)
    choice.click()
    until(lambda: "not used: the search returns the top 5 candidates" in
          browser.find_element("label[for='whatif-threshold']").text, "the threshold does not say it is unused", 10)
    browser.find_element("#whatif-apply").click()
    until(lambda: "search=top_k" in browser.driver.current_url, "the search mode is not in the address", 30)
    browser.wait_for_text_to_equal("#whatif-status", "Results ready.", timeout=TIMEOUT)
    until(lambda: "the top 5 candidates" in browser.find_element("#whatif-graph-timeseries").text,
          "the chart's caption does not name the search mode", 30)
    assert "search=top_k" in browser.find_element("#whatif-link").get_attribute("value")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                                  browser.find_element("#whatif-search"))
    shot(browser, "whatif_search_1440x900")
