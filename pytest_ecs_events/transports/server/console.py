"""The web console: three static files from the package, and who gets them.

The page (``console_assets/index.html``), its style sheet and its script are served as they
are shipped (no build step, nothing from the internet). The script draws everything from the
control API's JSON and changes state only through it, so the console and a test see one
account. What keeps it safe is here:

- it is served only to a browser's plain ``GET /`` (no query, no ``x-acs-action`` header,
  an ``Accept`` that asks for HTML): every SDK or curl call to ``/`` is still an API call.
  ``/_console/`` serves it to anything, for a direct link;
- every answer carries a strict ``Content-Security-Policy`` (scripts and styles from this
  origin only, no inline script, no framing), ``X-Content-Type-Options: nosniff``, no
  referrer, no caching;
- the script inserts text with ``textContent`` and DOM calls only, never as markup;
- a control-API request sent by a page of another origin (a browser names it in ``Origin``)
  is refused, so a web page cannot drive the simulator through the visitor's browser; on a
  loopback server a browser must name a loopback host, so a site rebinding its DNS name to
  127.0.0.1 cannot read or drive it either.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

from ...core.network import is_loopback_endpoint
from .replies import Reply
from .routes import CONSOLE_PREFIX

__all__ = [
    "CONSOLE_PREFIX",
    "SECURITY_HEADERS",
    "asset",
    "check_browser",
    "wants_console",
]

#: Path under ``/_console/`` -> (file in console_assets, content type).
ASSETS: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/console.css": ("console.css", "text/css; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/icon.svg": ("icon.svg", "image/svg+xml"),
}

#: Sent with every console file.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def wants_console(method: str, raw_query: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """True for a browser opening ``/``; False for anything that could be an API call."""
    if method != "GET" or raw_query or body or headers.get("x-acs-action"):
        return False
    accept = headers.get("accept", "")
    return "text/html" in accept.lower()


@cache
def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath("console_assets").joinpath(name).read_bytes()


def asset(path: str) -> tuple[bytes, str]:
    """The content and content type of the console file at ``path`` (``/_console/...``)."""
    sub = path[len(CONSOLE_PREFIX) :] or "/"
    found = ASSETS.get(sub)
    if found is None:
        raise Reply(
            404,
            "InvalidPath.NotFound",
            f"The console has no file {sub[:100]!r}; open {CONSOLE_PREFIX}/ or / in a browser.",
        )
    name, content_type = found
    return _read(name), content_type


def check_browser(headers: Mapping[str, str], *, loopback: bool) -> None:
    """Refuse a browser's request made by a page of another origin than this server, and,
    on a loopback server (``loopback``), one that names a host other than loopback (a DNS
    rebinding: a site's name made to resolve to 127.0.0.1).

    Browsers name the page in ``Origin`` and say where the request comes from in
    ``Sec-Fetch-Site``; clients that are not browsers send neither and are not concerned.
    """
    origin = headers.get("origin")
    if origin is None and "sec-fetch-site" not in headers:
        return
    host = headers.get("host", "")
    if loopback and not is_loopback_endpoint(host):
        raise Reply(
            403,
            "Forbidden.Host",
            f"This server listens on loopback; a browser must reach it as 127.0.0.1 or "
            f"localhost, not as {host[:100]!r}.",
        )
    if origin is None:
        return
    try:
        same = origin != "null" and urlsplit(origin).netloc.lower() == host.lower()
    except ValueError:
        same = False
    if not same:
        raise Reply(
            403,
            "Forbidden.CrossOrigin",
            f"A page of another origin ({origin[:100]!r}) may not drive the simulator; "
            "use the console this server serves, or a client that is not a browser.",
        )
