"""Educator mode: a small city run live; loops switched mid-run; things to notice and try
(after NetLogo's "Rebellion" Info tab)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.urlstate import as_dict
from dashboard.educator import loop_fields
from dashboard.livefigures import layer_title, placeholder
from dashboard.pages.common import settings_toggle, field, section
from dashboard.urlstate import EDUCATOR_CITY, EducatorView, educator_cities, scenario_description
from sim.output.style import scenario_label
from sim.policy.scenario import load

PATH = "/educator"
TITLE = "Educator mode"

# loop: (name, how it works, what to notice, what to try). Plain words; every prompt points at
# something on this page (the map, its marks, the three charts, the counts under them).
LOOP_TEXT = {
    "fear": ("Fear loop",
             "Cameras film crimes. People post the clips in the neighbourhood app. Reading the posts makes people "
             "more afraid, and afraid people buy cameras.",
             "The crime posts count under the charts grows, the “Fear of crime” lines rise, and so does "
             "the “Homes with a camera” line.",
             "Play to about day 200, then untick the fear loop. Does the fear line flatten? Does the camera line "
             "climb more slowly?"),
    "credit": ("Free-camera loop",
               "When people join the app, a police department that partnered with the camera company earns "
               "credits. It spends them on free cameras, which bring more people into the app.",
               "The map's caption says when each police area partners. After that, the free cameras count under "
               "the charts starts to grow.",
               "Reset, play until both areas have partnered, then untick this loop. Does the free cameras count "
               "stop? Compare the camera chart on day 365 with a run (same seed) that keeps the loop on."),
    "gallery": ("Gallery loop",
                "Every arrest adds a photo to the police photo gallery. Face recognition searches that gallery; "
                "the bigger it is, the more often it finds someone who only looks like the suspect.",
                "The photos in the gallery count under the charts, and the orange crosses on the map: each cross "
                "is an innocent person stopped.",
                "Untick this loop early and play a year: the gallery count stops growing. Are there fewer orange "
                "crosses than in a run (same seed) with the loop on?"),
    "attention": ("Attention loop",
                  "Police patrol where crimes get recorded. Cameras get more crimes recorded, so patrols follow the "
                  "cameras, and patrols stop people.",
                  "Show “Patrol attention” on the map: darker neighbourhoods get more patrols. Are the stop "
                  "marks bunched there? Then show the share of residents in Group B (in a city from a table: "
                  "who are Black): who lives there?",
                  "Untick the attention loop. On the “Stops per 1,000 people” chart, do the two groups' "
                  "lines keep drifting apart?"),
    "trust": ("Trust loop",
              "When police stop the wrong person, or ask for camera footage without a warrant, the people it "
              "happens to and their friends trust the police a little less. People who trust less hand over "
              "footage less often, report fewer crimes and use the neighbourhood app less.",
              "Trust moves slowly: over a few months of play, watch the stop marks and the crime posts count.",
              "Untick this loop, play a year, then compare with a run (same seed) that keeps it on: are there "
              "more crime posts when trust cannot fall? The difference is small: trust changes slowly."),
}
# A loop the model gains gets its switch from the model's parameters at once, worded from the
# field's description until it has words here.


def loop_text(key: str, description: str) -> tuple[str, str, str, str]:
    """(name, how it works, what to notice, what to try) of a loop: the words above, or for a
    loop without them, its parameter description ("trust loop: stops lower trust ...")."""
    if key in LOOP_TEXT:
        return LOOP_TEXT[key]
    head, _, rest = description.partition(":")
    name = head.strip() if rest else f"{key.replace('_', ' ')} loop"
    how = (rest or description).strip()
    return (name[:1].upper() + name[1:], how[:1].upper() + how[1:] + ("" if how.endswith(".") else "."), "", "")


def loops_shown() -> dict[str, tuple[str, str, str, str]]:
    """Every loop of the model's parameters (in their order), with its words."""
    return {k: loop_text(k, d) for k, d in loop_fields().items()}


def prompt(name: str, how: str, notice: str, tryit: str) -> html.Div:
    return html.Div([html.H3(name), html.P(how),
                     *([html.P([html.Strong("Notice: "), notice])] if notice else []),
                     *([html.P([html.Strong("Try: "), tryit])] if tryit else [])], className="prompt")


PLAY = " Press Play to let the days go by; untick a feedback loop while it runs and watch what changes."


def lead(city: str) -> str:
    """The page's opening sentence for a city."""
    if city == EDUCATOR_CITY:
        return "A small made-up city of about 3,000 people in two groups (A: 70%, B: 30%)." + PLAY
    p = load(city).params
    return (f"A city read from the neighbourhood table {p.city.neighbourhoods} (scenario “{scenario_label(city)}”, "
            "with that scenario's settings)." + PLAY)


def city_options() -> list[dict[str, str]]:
    """The grid preset, then each shipped scenario whose city is a table."""
    return [{"label": "Made-up grid city (groups A and B)" if c == EDUCATOR_CITY
             else f"From a table: {scenario_label(c)}", "value": c,
             "title": scenario_description(c)} for c in educator_cities()]


def layer_options(city: str) -> list[dict[str, str]]:
    """The map's layers; the third names the group it shows for this city's groups."""
    from dashboard.educator import focus_category

    focus = focus_category(load(city).params.group_keys)
    return [{"label": layer_title(k, focus), "value": k} for k in ("coverage", "attention", "group_b")]


def layout(view: EducatorView) -> html.Div:
    loops = loops_shown()
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P(lead(view.city), id=ids.EDU_LEAD, className="lead"),
        settings_toggle(),
        html.Div("Day 0", id=ids.EDU_DAY, className="day-counter keep", role="status"),
        html.Div([
            html.Button("Play", id=ids.EDU_PLAY, className="button primary", n_clicks=0),
            html.Button("Step 1 day", id=ids.EDU_STEP, className="button", n_clicks=0),
            html.Button("Reset", id=ids.EDU_RESET, className="button", n_clicks=0),
        ], className="button-row keep"),
        field("Days per tick while playing", dcc.Slider(id=ids.EDU_SPEED, min=1, max=30, step=1, value=view.speed,
                                                        marks={1: "1", 10: "10", 20: "20", 30: "30"})),
        section("Feedback loops", dcc.Checklist(
            id=ids.EDU_LOOPS, options=[{"label": t[0], "value": k, "title": t[1]} for k, t in loops.items()],
            value=list(loops),
            className="loops", labelClassName="switch-label"),
            hint="Unticked loops are cut from the next day on.", keep=True),
        section("Map shows", dcc.RadioItems(
            id=ids.EDU_LAYER, value=view.layer, className="radio stacked", options=layer_options(view.city))),
        section("City",
                field("City", dcc.RadioItems(id=ids.EDU_CITY, value=view.city, className="radio stacked",
                                             options=city_options())),
                field("Seed", dcc.Input(id=ids.EDU_SEED, type="number", value=view.seed, min=0,
                                        max=2**31 - 1, step=1, debounce=True, className="number-input")),
                hint="Another city, or a new seed, builds a new city (and resets). A table city is the "
                     "scenario's table of neighbourhoods, drawn at the table's positions."),
        html.Div(id=ids.EDU_LOG, className="hint log"),
    ], className="sidebar")
    prompts = html.Div([prompt(*t) for t in loops.values()], className="prompts")
    return html.Div([
        dcc.Store(id=ids.EDU_STATE, data=as_dict(view)),
        dcc.Interval(id=ids.EDU_TIMER, interval=700, disabled=True),
        sidebar,
        html.Main([
            html.Div(id=ids.EDU_MESSAGES),
            html.Div([
                html.Div(dcc.Graph(id=ids.EDU_MAP, figure=placeholder("Building the city..."),
                                   config={"displaylogo": False, "responsive": True}, className="graph map"),
                         className="card map-card"),
                html.Div([html.H2("Things to notice, things to try", className="card-title"), prompts],
                         className="card prompts-card"),
            ], className="edu-top"),
            html.Div(dcc.Graph(id=ids.EDU_CHARTS, figure=placeholder("..."), className="graph charts",
                               config={"displaylogo": False, "responsive": True}), className="card"),
        ], className="main"),
    ], className="columns")
