"""The dashboard in a real headless Chromium (dash[testing]'s Browser + selenium + chromedriver).

One server and one browser for the module, small runs given in the URL (1,000 residents,
60 days, 2 replicates). The browser is configured here, not in a conftest hook, so other
tests are not affected. Skipped when selenium, dash[testing] or chromedriver is missing.
"""

from __future__ import annotations

import json
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
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from dashboard import urlstate  # noqa: E402
from dashboard.app import create_app  # noqa: E402

# selenium 4.2 (pinned by dash[testing]) calls urllib3's deprecated getheader() on every request
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SMALL = "days=60&residents=1000&replicates=2"
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 90


def chrome_options() -> Options:
    opts = Options()
    if CHROMIUM.is_file():
        opts.binary_location = str(CHROMIUM)
    for arg in ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"):
        opts.add_argument(arg)
    return opts


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    results = tmp_path_factory.mktemp("dash_browser")
    app = create_app(results)
    data = app.server.extensions["survsim"]
    path = data._calibration_file()  # a computed calibration table (the real one takes ~20 s)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": [{"target": "households with a doorbell", "source": "Parks 2017",
                                          "published": 0.04, "model": 0.04, "low": 0.035, "high": 0.045,
                                          "passed": True}]}))
    yield app
    data.close()


@pytest.fixture(scope="module")
def duo(app, tmp_path_factory):
    """A browser on the app, served by werkzeug in a thread that is shut down cleanly (dash's
    ThreadedRunner stops by raising SystemExit in every thread started after it, which
    would kill the app's job and process-pool threads)."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="dash-test-server")
    thread.start()
    # headless=True adds --headless (Chromium's new headless mode) and allows downloads
    with Browser(browser="Chrome", headless=True, options=[chrome_options()], percy_run=False,
                 download_path=str(tmp_path_factory.mktemp("downloads")), wait_timeout=TIMEOUT) as browser:
        browser.server_url = f"http://127.0.0.1:{server.server_port}"
        yield browser
    server.shutdown()
    thread.join(10)


def visit(duo, path: str) -> None:
    duo.driver.get(duo.server_url.rstrip("/") + path)
    duo.wait_for_element_by_id("page-content")


def ready(duo, page: str) -> None:
    duo.wait_for_text_to_equal(f"#{page}-status", "Results ready.", timeout=TIMEOUT)


def graph_title(duo, graph_id: str) -> str:
    return duo.find_element(f"#{graph_id} .gtitle").text


def until(check, message: str, timeout: float = TIMEOUT) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, message
        time.sleep(0.1)


def pick(duo, selector: str, starts: str) -> None:
    """Choose the dropdown option whose text starts with ``starts`` (and close the menu)."""
    duo.find_element(selector).click()
    until(lambda: any(o.text.startswith(starts) for o in duo.driver.find_elements(By.CSS_SELECTOR,
                                                                                  ".dash-dropdown-option")),
          f"no option starting with {starts!r}", timeout=10)
    next(o for o in duo.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option")
         if o.text.startswith(starts)).click()
    ActionChains(duo.driver).send_keys(Keys.ESCAPE).perform()


def no_errors(duo) -> None:
    logs = [e for e in duo.get_logs() if e["level"] == "SEVERE"]
    assert logs == [], f"browser console errors: {logs}"


@pytest.mark.parametrize("path, ready_check", [
    (f"/compare?{SMALL}&scenarios=warrant_required", "compare"),
    (f"/whatif?{SMALL}", "whatif"),
    ("/educator", "educator"),
    ("/calibration", "calibration"),
])
def test_page_loads_without_console_errors(duo, path, ready_check):
    duo.reset_log_timestamp()
    visit(duo, path)
    if ready_check in ("compare", "whatif"):
        ready(duo, ready_check)
        duo.wait_for_element(f"#{ready_check}-graph-timeseries .main-svg")
    elif ready_check == "educator":
        duo.wait_for_contains_text("#educator-day", "Day 0")
        duo.wait_for_element("#educator-map .heatmaplayer, #educator-map .hm")
    else:
        duo.wait_for_contains_text("#calibration-status", "1 of 1 fitted targets within tolerance")
    time.sleep(0.5)
    no_errors(duo)


def test_compare_chart_follows_scenario_and_metric(duo):
    visit(duo, f"/compare?{SMALL}&scenarios=warrant_required&metric=cameras")
    ready(duo, "compare")
    duo.wait_for_contains_text("#compare-graph-timeseries", "warrant_required")
    assert "no_credit_program" not in duo.find_element("#compare-graph-timeseries").text
    duo.select_dcc_dropdown("#compare-scenarios", value="No free-camera credits")  # plain name of no_credit_program
    duo.wait_for_contains_text("#compare-graph-timeseries", "no_credit_program", timeout=TIMEOUT)
    ready(duo, "compare")
    assert "no_credit_program" in duo.driver.current_url  # the URL follows the view
    ActionChains(duo.driver).send_keys(Keys.ESCAPE).perform()  # close the menu
    duo.select_dcc_dropdown("#compare-metric", value="Mean fear of crime")
    duo.wait_for_contains_text("#compare-graph-timeseries .gtitle", "Mean fear of crime")
    assert "metric=fear_mean" in duo.driver.current_url
    no_errors(duo)


def test_whatif_runs_in_background_with_progress(duo):
    visit(duo, "/whatif?days=200&residents=2000&replicates=4&seed=11")
    ready(duo, "whatif")
    duo.find_element("#whatif-warrant input").click()
    duo.find_element("#whatif-apply").click()  # settings that need runs wait for Apply
    seen_running = False
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        # Read status and bar in one script call: two separate reads could straddle the
        # moment the job finishes (seen once in CI: "Running" then a full bar).
        status, value = duo.driver.execute_script(
            "return [document.querySelector('#whatif-status').innerText.trim(),"
            " document.querySelector('#whatif-progress').value];")
        if status.startswith("Running"):
            seen_running = True
            assert float(value) < 1
        if status == "Results ready." and seen_running:
            break
        time.sleep(0.1)
    assert seen_running, "the progress bar never showed a running job"
    ready(duo, "whatif")
    assert float(duo.find_element("#whatif-progress").get_attribute("value")) == 1
    assert "warrant=1" in duo.driver.current_url
    until(lambda: "warrant required for footage"  # inside a closed <details>: not visible text
          in duo.find_element("#whatif-scenarios-info").get_attribute("textContent"), "scenario list not updated")
    no_errors(duo)


def test_educator_step_play_pause(duo):
    visit(duo, "/educator?seed=4")
    duo.wait_for_text_to_equal("#educator-day", "Day 0 (1 Jan 2017)")
    before = graph_title(duo, "educator-map")
    duo.find_element("#educator-step").click()
    duo.wait_for_text_to_equal("#educator-day", "Day 1 (2 Jan 2017)")
    duo.wait_for_contains_text("#educator-map .gtitle", "day 1 (")
    assert graph_title(duo, "educator-map") != before
    duo.find_element("#educator-play").click()
    duo.wait_for_text_to_equal("#educator-play", "Pause")
    for _ in range(100):
        if int(duo.find_element("#educator-day").text.split()[1]) >= 10:
            break
        time.sleep(0.1)
    duo.find_element("#educator-play").click()
    duo.wait_for_text_to_equal("#educator-play", "Play")
    time.sleep(1.0)
    day = duo.find_element("#educator-day").text
    time.sleep(2.0)
    assert duo.find_element("#educator-day").text == day, "still running after pause"
    # cut the fear loop mid-run: the switch is logged and marked on the charts
    duo.find_element("#educator-loops input[value='fear']").click()
    duo.wait_for_contains_text("#educator-log", "fear loop off")
    no_errors(duo)


def test_shared_link_reproduces_the_view(duo):
    search = f"?{SMALL}&scenarios=federal_fr_moratorium&metric=fr_searches&group=black_f&flow=rolling&seed=2"
    visit(duo, "/compare" + search)
    ready(duo, "compare")
    duo.wait_for_contains_text("#compare-graph-timeseries .gtitle", "Black")
    link = duo.find_element("#compare-link").get_attribute("value")
    title = graph_title(duo, "compare-graph-timeseries")
    code = duo.find_element("#compare-code").text
    view, msgs = urlstate.decode("compare", search)
    assert link.endswith("/compare" + urlstate.encode(view)) and msgs == []
    duo.driver.get("about:blank")
    duo.driver.get(link)
    ready(duo, "compare")
    duo.wait_for_contains_text("#compare-graph-timeseries .gtitle", "Black")
    assert graph_title(duo, "compare-graph-timeseries") == title
    assert duo.find_element("#compare-link").get_attribute("value") == link
    assert duo.find_element("#compare-code").text == code
    assert duo.find_element("#compare-flow input[value='rolling']").is_selected()
    no_errors(duo)


def test_chart_and_data_downloads(duo):
    visit(duo, f"/compare?{SMALL}&scenarios=warrant_required&metric=cameras")
    ready(duo, "compare")
    folder = Path(duo.download_path)
    duo.driver.find_element(By.XPATH, "//div[@class='card'][.//*[@id='compare-graph-timeseries']]"
                                      "//button[text()='SVG']").click()
    svg = folder / "survsim_compare_timeseries_cameras.svg"
    until(lambda: svg.is_file() and svg.stat().st_size > 0, "no SVG downloaded", timeout=60)
    text = svg.read_text()
    assert "<svg" in text and "survsim" in text and "warrant_required" in text  # caption in the footer
    duo.find_element("#compare-csv-summary").click()
    csv = folder / "survsim_compare_summary.csv"
    until(lambda: csv.is_file() and csv.stat().st_size > 0, "no CSV downloaded", timeout=30)
    assert csv.read_text().startswith("scenario,metric,group,statistic,median,p10,p90,diff_median")
    no_errors(duo)


def test_malformed_link_shows_a_message_not_a_traceback(duo):
    visit(duo, f"/whatif?{SMALL}&threshold=7&seed=x&nonsense=1")
    duo.wait_for_contains_text("#url-messages", "threshold = '7'")
    text = duo.find_element("#url-messages").text
    assert "seed = 'x'" in text and "nonsense" in text and "Traceback" not in duo.driver.page_source
    ready(duo, "whatif")
    no_errors(duo)


def test_analyses_page_shows_what_the_command_line_wrote(duo, app):
    """Empty state first; then a small frontier and decomposition are written where the CLI
    writes them, the list is refreshed, and each is picked: its chart is drawn, its
    numbers and the command that reproduces it are shown, and the URL names it."""
    from analysis_folders import write_both

    visit(duo, "/analyses")
    duo.wait_for_contains_text("#analyses-empty", "No analyses yet")
    assert "survsim frontier baseline --vary threshold" in duo.find_element("#analyses-empty").text
    assert not duo.find_element("#analyses-content").is_displayed()
    write_both(app.server.extensions["survsim"].results_dir)  # ~10 s of model runs
    duo.find_element("#analyses-refresh").click()
    duo.wait_for_contains_text("#analyses-title", "in baseline")
    options = {"Frontier": ("survsim frontier baseline --vary threshold --values 0.8,0.99", "Similarity threshold",
                            "show=frontier%2Fbaseline-threshold"),
               "Decomposition": ("survsim decompose baseline --groups black_m white_m", "What drives",
                                 "show=decompose%2Fbaseline-black_m-white_m")}
    for kind, (command, title, search) in options.items():
        pick(duo, "#analyses-show", kind)
        duo.wait_for_contains_text("#analyses-command", command)
        duo.wait_for_contains_text("#analyses-graph .gtitle", title)
        traces = duo.driver.find_elements(By.CSS_SELECTOR, "#analyses-graph .scatterlayer .trace, "
                                                           "#analyses-graph .barlayer .trace")
        assert len(traces) >= 4, f"{kind}: the chart has {len(traces)} traces"
        until(lambda: search in duo.driver.current_url, f"{kind}: the URL does not name it")
        assert duo.find_elements("#analyses-table tbody tr"), f"{kind}: no numbers table"
        assert "Replicates" in duo.find_element("#analyses-facts").text
        duo.driver.save_screenshot(f"/tmp/survsim_analyses_{kind.lower()}.png")
    assert "Traceback" not in duo.driver.page_source
    no_errors(duo)


TABLE_ROWS = 16  # scenarios/example_tracts.csv, the city of the shipped city_from_table scenario


def map_points(duo) -> tuple[int, int, list[str]]:
    """(table rows drawn in the figure's data, circles in the SVG, their ids) of the educator map."""
    return tuple(duo.driver.execute_script("""
        const gd = document.querySelector('#educator-map .js-plotly-plot');
        const i = gd.data.findIndex(t => t.meta && t.meta.role === 'neighbourhoods');
        if (i < 0) return [0, 0, []];
        const trace = gd.querySelectorAll('.scatterlayer .trace')[i];
        return [gd._fullData[i].x.length, trace ? trace.querySelectorAll('.point').length : 0, gd.data[i].text];"""))


def test_educator_table_city_map(duo):
    """Choosing the shipped table city on the educator page draws its map: one circle per
    table row (no grid squares), the row's id on hover, the layer named for its groups; a
    link opens it directly. Screenshots of both maps: /tmp/tablemap_*.png."""
    visit(duo, "/educator?seed=7&city=educator")  # a new seed: a fresh grid city on day 0
    duo.wait_for_element("#educator-map .heatmaplayer, #educator-map .hm")
    duo.wait_for_contains_text("#educator-map .gtitle", "day 0")
    time.sleep(0.5)  # let the figure settle before the screenshot
    duo.find_element("#educator-map").screenshot("/tmp/tablemap_grid_educator_map.png")
    duo.find_element("#educator-city input[value='city_from_table']").click()
    duo.wait_for_contains_text("#educator-map", f"{TABLE_ROWS} neighbourhoods from example_tracts.csv")
    until(lambda: map_points(duo)[:2] == (TABLE_ROWS, TABLE_ROWS), f"the table's neighbourhoods are not drawn: "
                                                                     f"{map_points(duo)}")
    assert map_points(duo)[2][:2] == ["T00", "T01"]
    assert duo.driver.find_elements("css selector", "#educator-map .hm") == []
    assert "city=city_from_table" in duo.driver.current_url
    duo.wait_for_contains_text("#educator-lead", "example_tracts.csv")
    duo.wait_for_contains_text("#educator-layer", "Share of residents who are Black")
    # hover a circle: its id is named
    gd_point = duo.driver.execute_script("""
        const gd = document.querySelector('#educator-map .js-plotly-plot');
        const i = gd.data.findIndex(t => t.meta && t.meta.role === 'neighbourhoods');
        return gd.querySelectorAll('.scatterlayer .trace')[i].querySelectorAll('.point')[5];""")
    ActionChains(duo.driver).move_to_element(gd_point).perform()
    until(lambda: "T05" in " ".join(e.text for e in duo.driver.find_elements("css selector",
                                                                            "#educator-map .hovertext")),
          "hovering a circle does not name its id", timeout=10)
    ActionChains(duo.driver).move_to_element(duo.find_element("#educator-lead")).perform()  # hover away
    duo.find_element("#educator-play").click()  # play about two months so stops show on the map
    duo.wait_for_text_to_equal("#educator-play", "Pause")
    until(lambda: int(duo.find_element("#educator-day").text.split()[1]) >= 60, "the table city does not play")
    duo.find_element("#educator-play").click()
    duo.wait_for_text_to_equal("#educator-play", "Play")
    time.sleep(1.0)
    day = duo.find_element("#educator-day").text.split()[1]
    duo.find_element("#educator-layer input[value='group_b']").click()
    duo.wait_for_contains_text("#educator-map .gtitle", f"day {day} (")
    duo.wait_for_contains_text("#educator-map", "Share of residents who are Black")
    time.sleep(0.5)
    duo.find_element("#educator-map").screenshot("/tmp/tablemap_educator_map.png")
    duo.find_element("#educator-charts").screenshot("/tmp/tablemap_educator_charts.png")
    # a link opens the table city directly
    visit(duo, "/educator?city=city_from_table&layer=coverage&seed=2")
    duo.wait_for_contains_text("#educator-map", f"{TABLE_ROWS} neighbourhoods from example_tracts.csv")
    until(lambda: map_points(duo)[:2] == (TABLE_ROWS, TABLE_ROWS), "a link to the table city does not draw it")
    assert duo.find_element("#educator-city input[value='city_from_table']").is_selected()
    no_errors(duo)


def test_compare_offers_the_table_city(duo):
    """The shipped table city can be picked among the scenarios on the compare page and runs."""
    visit(duo, f"/compare?{SMALL}&scenarios=warrant_required")
    ready(duo, "compare")
    duo.select_dcc_dropdown("#compare-scenarios", value="City read from a tract table")
    until(lambda: "city_from_table" in duo.driver.current_url, "picking the table city did not change the view")
    ActionChains(duo.driver).send_keys(Keys.ESCAPE).perform()
    ready(duo, "compare")
    duo.wait_for_contains_text("#compare-graph-timeseries", "city_from_table")
    duo.wait_for_contains_text("#compare-messages", "Residents (1,000) does not apply")
    time.sleep(0.5)
    duo.driver.save_screenshot("/tmp/tablemap_compare_page.png")
    no_errors(duo)
