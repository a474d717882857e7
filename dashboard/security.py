"""What keeps other web sites from driving the dashboard.

- Every response forbids framing (``X-Frame-Options: DENY`` and a CSP with
  ``frame-ancestors 'none'``): a page elsewhere cannot iframe ``/whatif?...`` and make the
  server run its simulation in a visitor's browser.
- A request whose ``Host`` header names no allowed host is refused (403): the localhost
  names, the bound address and any ``--allow-host``. This also defeats DNS rebinding
  (another site's name pointed at 127.0.0.1 arrives with that name as Host).
- A POST (every Dash callback) whose ``Origin`` names another host is refused: a page
  elsewhere cannot post to the callbacks from a visitor's browser.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

import flask

LOCAL = ("localhost", "127.0.0.1", "::1")
HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def hostname(value: str) -> str:
    """'Example.org:8050' -> 'example.org', '[::1]:8050' -> '::1' ('' if malformed)."""
    try:
        name = urlsplit(f"//{value.strip()}").hostname
    except ValueError:
        return ""
    return (name or "").rstrip(".").lower()


def allowed_hosts(bound: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The host names a request may use: localhost names, the bound address (unless it is a
    wildcard such as 0.0.0.0, which no client names) and ``extra``."""
    names = {*LOCAL, *(hostname(h) or h.lower() for h in extra)}
    try:
        if not ipaddress.ip_address(bound.strip("[]")).is_unspecified:
            names.add(bound.strip("[]").lower())
    except ValueError:
        names.add(hostname(bound))
    names.discard("")
    return frozenset(names)


def protect(server: flask.Flask, hosts: frozenset[str]) -> None:
    """Install the checks and headers on the app's Flask server."""

    @server.before_request
    def _check() -> flask.Response | None:
        host = hostname(flask.request.headers.get("Host", ""))
        if host not in hosts:
            return flask.Response(f"Host {host or '(none)'!r} is not served here; allowed: "
                                  f"{', '.join(sorted(hosts))} (survsim dashboard --allow-host NAME)\n",
                                  status=403, mimetype="text/plain")
        origin = flask.request.headers.get("Origin")
        if flask.request.method not in ("GET", "HEAD", "OPTIONS") and origin is not None \
                and hostname(urlsplit(origin).netloc) not in hosts:
            return flask.Response("cross-origin request refused\n", status=403, mimetype="text/plain")
        return None

    @server.after_request
    def _headers(response: flask.Response) -> flask.Response:
        for k, v in HEADERS.items():
            response.headers[k] = v
        return response
