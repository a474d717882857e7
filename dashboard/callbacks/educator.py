"""Educator page: play/pause, step, reset, loop switches, map layer; one live model per session."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, ctx, html, no_update

from dashboard import ids, livefigures, urlstate
from dashboard.data import Data, valid_session
from dashboard.educator import EducatorSession
from dashboard.pages import educator as educator_page
from dashboard.pages.common import messages


def act(s: EducatorSession, trigger: str | None, speed: Any, loops: list[str] | None, seed: Any,
        city: Any = None) -> list[str]:
    """Apply one user action (or a timer tick) to the session; return log lines. Whether
    the city is playing is the session's state, so a tick already in flight when the user
    pauses does not restart it. ``city``: the city chosen (None: the session's)."""
    log: list[str] = []
    wanted = urlstate.validate("educator", {"seed": seed})[0].seed
    place = s.city if city is None else urlstate.validate("educator", {"city": city})[0].city
    if trigger is None:  # the page was (re)opened: paused, on the linked city
        s.playing = False
        if wanted != s.seed or place != s.city:
            s.reset(wanted, place)
    elif trigger == ids.EDU_CITY:
        s.playing = False
        s.reset(wanted, place)
    elif trigger == ids.EDU_PLAY:
        s.playing = not s.playing and not s.finished
    elif trigger == ids.EDU_STEP:
        s.playing = False
        s.step(1)
    elif trigger == ids.EDU_RESET:
        s.playing = False
        s.reset()
    elif trigger == ids.EDU_SEED:
        s.playing = False
        s.reset(wanted)
    elif trigger == ids.EDU_LOOPS:
        log = s.set_loops({k: k in (loops or []) for k in s.loops()})
    elif trigger == ids.EDU_TIMER and s.playing:
        s.step(urlstate.validate("educator", {"speed": speed})[0].speed)
    if s.finished:
        s.playing = False
    return log


REPEAT = "repeat"


def once(s: EducatorSession, trigger: str | None, clicks: dict[str, Any]) -> str | None:
    """The trigger, or REPEAT for a button click already acted on (Dash may send a pending
    click again together with a timer tick; a Pause toggled twice never pauses)."""
    if trigger is None:  # the page was (re)opened: its buttons count from 0 again
        s.clicks = {}
    elif trigger in clicks:
        n = clicks[trigger] or 0
        if n <= s.clicks.get(trigger, 0):
            return REPEAT
        s.clicks[trigger] = n
    return trigger


def user_trigger(triggered: dict[str, str]) -> str | None:
    """The component that fired, a user's click before a timer tick: Dash sends one request
    for inputs that change together, so a Pause clicked as a tick fires must not be lost."""
    ids_ = [k.split(".")[0] for k in (triggered or {})]
    users = [i for i in ids_ if i != ids.EDU_TIMER]
    return users[0] if users else (ids_[0] if ids_ else None)


def end_message(day: int) -> Any:
    """Said when the run is over, so Play and Step doing nothing is explained."""
    return html.Div([html.Strong("The run is over "), f"(day {day:,}, its last day). Press Reset to watch the "
                     "same city again, or type a new seed for a new city."], className="notice", role="status")


def render(s: EducatorSession, layer: str) -> tuple[str, Any, Any, Any]:
    """(day counter, map, charts, switch log) of the session now."""
    snap = s.snapshot(layer)
    day = livefigures.date_of(snap["day"], snap["start_date"]) + (" \u2014 end of the run" if s.finished else "")
    names = {k: t[0] for k, t in educator_page.loops_shown().items()}
    switches = [html.Li(f"day {d}: {names.get(k, k).lower()} {'on' if on else 'off'}") for d, k, on in s.switches]
    log = [html.Strong("Loop switches"), html.Ul(switches)] if switches else None
    return day, livefigures.city_map(snap), livefigures.running_charts(snap), log


def register(app: dash.Dash, data: Data) -> None:
    @app.callback(Output(ids.EDU_DAY, "children"), Output(ids.EDU_MAP, "figure"), Output(ids.EDU_CHARTS, "figure"),
                  Output(ids.EDU_LOG, "children"), Output(ids.EDU_TIMER, "disabled"), Output(ids.EDU_PLAY, "children"),
                  Output(ids.EDU_LOOPS, "value"), Output(ids.EDU_MESSAGES, "children"),
                  Input(ids.EDU_PLAY, "n_clicks"), Input(ids.EDU_STEP, "n_clicks"), Input(ids.EDU_RESET, "n_clicks"),
                  Input(ids.EDU_TIMER, "n_intervals"), Input(ids.EDU_LOOPS, "value"), Input(ids.EDU_LAYER, "value"),
                  Input(ids.EDU_SEED, "value"), Input(ids.EDU_CITY, "value"),
                  State(ids.EDU_SPEED, "value"), State(ids.EDU_STATE, "data"), State(ids.SESSION, "data"))
    def update(_play, _step, _reset, _tick, loops, layer, seed, city, speed, state, sid):
        if not valid_session(sid):
            return (no_update,) * 7 + (messages(["This browser session has no valid id; reload the page."]),)
        view = urlstate.from_store("educator", state)
        s = data.educators.get(sid, view.seed, view.city)
        with s.lock:
            trigger = once(s, user_trigger(ctx.triggered_prop_ids),
                           {ids.EDU_PLAY: _play, ids.EDU_STEP: _step, ids.EDU_RESET: _reset})
            if trigger != REPEAT:
                act(s, trigger, speed, loops, seed, city)
            playing = s.playing
            day, city_fig, charts, log = render(s, urlstate.validate("educator", {"layer": layer})[0].layer)
            on = [k for k, v in s.loops().items() if v]
            ended = end_message(s.model.day) if s.finished else None
        return day, city_fig, charts, log, not playing, ("Pause" if playing else "Play"), on, ended

    @app.callback(Output(ids.EDU_STATE, "data"), Output(ids.URL, "search", allow_duplicate=True),
                  Input(ids.EDU_SPEED, "value"), Input(ids.EDU_LAYER, "value"), Input(ids.EDU_SEED, "value"),
                  Input(ids.EDU_CITY, "value"), prevent_initial_call=True)
    def update_view(speed, layer, seed, city):
        view, _ = urlstate.validate("educator", {"speed": speed, "layer": layer, "seed": seed, "city": city})
        return urlstate.as_dict(view), urlstate.encode(view)

    @app.callback(Output(ids.EDU_LEAD, "children"), Output(ids.EDU_LAYER, "options"),
                  Input(ids.EDU_CITY, "value"), prevent_initial_call=True)
    def describe_city(city):
        """The opening sentence and the layer names follow the city chosen."""
        view, _ = urlstate.validate("educator", {"city": city})
        return educator_page.lead(view.city), educator_page.layer_options(view.city)
