"""The web console's files and who gets them (console.py), over HTTP with urllib: the page for
a browser's plain ``GET /`` only, the security headers, the refusal of cross-origin control
requests, and static checks of the shipped HTML and script (no inline script, no markup
built from data, a label for every control). tests/browser/ looks at it in Chromium."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import pytest

import pytest_ecs_events
from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.server import EcsServer, console
from pytest_ecs_events.transports.server.console import SECURITY_HEADERS, wants_console
from pytest_ecs_events.transports.server.replies import Reply
from tests.helpers.http import HISTORY, assert_api_error, open_json

ASSETS = Path(console.__file__).parent / "console_assets"
ROOT = Path(__file__).resolve().parents[3]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers.items()), exc.read()


# ------------------------------------------------------------------ who gets the page
@pytest.mark.parametrize(
    ("method", "query", "body", "headers", "console_page"),
    [
        ("GET", "", b"", {"accept": BROWSER_ACCEPT}, True),
        ("GET", "", b"", {"accept": "TEXT/HTML"}, True),
        ("GET", "", b"", {}, False),  # curl, urllib: the API's MissingParameter, as before
        ("GET", "", b"", {"accept": "application/json"}, False),
        ("GET", "", b"", {"accept": "*/*"}, False),
        ("GET", "Action=DescribeRegions", b"", {"accept": BROWSER_ACCEPT}, False),
        ("GET", "", b"", {"accept": BROWSER_ACCEPT, "x-acs-action": "DescribeRegions"}, False),
        ("POST", "", b"", {"accept": BROWSER_ACCEPT}, False),
        ("POST", "", b"Action=DescribeRegions", {"accept": BROWSER_ACCEPT}, False),
        ("GET", "", b"Action=DescribeRegions", {"accept": BROWSER_ACCEPT}, False),
    ],
)
def test_only_a_browsers_plain_get_gets_the_page(
    method: str, query: str, body: bytes, headers: dict[str, str], console_page: bool
) -> None:
    assert wants_console(method, query, body, headers) is console_page


def test_the_page_and_its_files_with_their_headers(server: EcsServer) -> None:
    status, headers, page = fetch(server.url + "/", Accept=BROWSER_ACCEPT)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert page == (ASSETS / "index.html").read_bytes()
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    for path, content_type in [
        ("/_console/", "text/html; charset=utf-8"),
        ("/_console/console.js", "text/javascript; charset=utf-8"),
        ("/_console/console.css", "text/css; charset=utf-8"),
        ("/_console/icon.svg", "image/svg+xml"),
    ]:
        status, headers, content = fetch(server.url + path)  # any client, no Accept needed
        assert (status, headers["Content-Type"]) == (200, content_type), path
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert int(headers["Content-Length"]) == len(content) > 100


def test_console_errors_are_the_apis_format(server: EcsServer) -> None:
    status, body = open_json(urllib.request.Request(server.url + "/_console/secret.txt"))
    assert_api_error(status, body, 404, "InvalidPath.NotFound")
    status, body = open_json(
        urllib.request.Request(server.url + "/_console/", data=b"x", method="POST")
    )
    assert_api_error(status, body, 405, "UnsupportedHTTPMethod")
    head = urllib.request.Request(server.url + "/_console/console.js", method="HEAD")
    with urllib.request.urlopen(head, timeout=10) as resp:
        assert resp.status == 200
        assert resp.read() == b""


def test_api_calls_to_the_root_are_unaffected(sim: EcsSimulator, server: EcsServer) -> None:
    """With a browser's Accept header, a request that names an action is still the API."""
    status, headers, body = fetch(f"{server.url}/?{HISTORY}", Accept=BROWSER_ACCEPT)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert b'"TotalCount"' in body
    assert "Content-Security-Policy" not in headers
    status, headers, body = fetch(
        f"{server.url}/", Accept=BROWSER_ACCEPT, **{"x-acs-action": "DescribeInstanceStatus"}
    )
    assert status == 400  # the API answering (RegionId is missing), not the page
    assert b'"MissingParameter"' in body
    assert b"RegionId" in body
    status, body_json = open_json(
        urllib.request.Request(f"{server.url}/", data=b"", headers={"Accept": BROWSER_ACCEPT})
    )
    assert_api_error(status, body_json, 400, "MissingParameter")
    assert [c.action for c in sim.calls][:1] == ["DescribeInstanceHistoryEvents"]
    assert "DescribeInstanceStatus" in [c.action for c in sim.calls]


# -------------------------------------------------------------- cross-origin requests
@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1:1"])
def test_control_requests_from_another_origin_are_refused(
    sim: EcsSimulator, server: EcsServer, origin: str
) -> None:
    before = sim.now
    req = urllib.request.Request(
        server.url + "/_sim/advance",
        data=b"by=2h",  # what a hostile page's plain form would send
        headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
    )
    status, body = open_json(req)
    assert_api_error(status, body, 403, "Forbidden.CrossOrigin")
    assert sim.now == before


def test_control_requests_from_the_console_or_no_browser_pass(
    sim: EcsSimulator, server: EcsServer
) -> None:
    for headers in ({"Origin": server.url}, {}):
        req = urllib.request.Request(
            server.url + "/_sim/advance",
            data=b'{"by": "1h"}',
            headers={"Content-Type": "application/json", **headers},
        )
        status, body = open_json(req)
        assert status == 200, body
    assert sim.now.isoformat() == "2030-01-01T02:00:00+00:00"


# ---------------------------------------------------------------- the shipped files
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.inline: list[str] = []
        self._stack: list[str] = []
        self._script: dict[str, str | None] | None = None
        self._script_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.inline += [f"{tag} {n}" for n in a if n.startswith("on") or n == "style"]
        if tag == "script":
            self._script, self._script_text = a, ""
        if tag == "label":
            if a.get("for"):
                self.label_for.add(str(a["for"]))
            self._stack.append("label")
        if tag in ("input", "select", "textarea"):
            self.controls.append({**a, "_wrapped": "1" if "label" in self._stack else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, self._script_text))
            self._script = None
        if tag == "label" and "label" in self._stack:
            self._stack.remove("label")

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text += data


def test_the_page_has_no_inline_script_and_a_label_for_every_control() -> None:
    parsed = _Page()
    parsed.feed((ASSETS / "index.html").read_text(encoding="utf-8"))
    assert parsed.scripts == [({"src": "/_console/console.js", "defer": None}, "")]
    assert parsed.inline == []
    assert len(parsed.controls) >= 10
    unlabeled = [
        c for c in parsed.controls if not c["_wrapped"] and c.get("id") not in parsed.label_for
    ]
    assert unlabeled == []


def test_the_script_never_builds_markup_from_text() -> None:
    script = (ASSETS / "console.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink
    assert not re.search(r"new\s+Function|setTimeout\(\s*['\"]", script)
    assert "textContent" in script
    assert "createTextNode" in script


def test_the_files_are_package_data() -> None:
    """A wheel ships what the server serves: every asset matches pyproject's package-data."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    line = re.search(r"^pytest_ecs_events = \[(.*)\]$", section, re.MULTILINE)
    assert line is not None
    globs = re.findall(r'"([^"]+)"', line.group(1))
    package = Path(pytest_ecs_events.__file__).parent  # installed (tox) or the checkout
    served = {name for name, _ in console.ASSETS.values()}
    assert served == {p.name for p in ASSETS.iterdir()}
    for name in served:
        relative = (ASSETS / name).relative_to(package).as_posix()
        assert any(fnmatch(relative, pattern) for pattern in globs), relative


def test_a_browser_must_name_a_loopback_host(sim: EcsSimulator, server: EcsServer) -> None:
    """DNS rebinding: a site's name resolving to 127.0.0.1 gets nothing from a browser."""
    rebound = {"Host": f"evil.example:{server.port}", "Sec-Fetch-Site": "same-origin"}
    for path in ("/_sim/instances", "/_console/console.js"):
        status, body = open_json(urllib.request.Request(server.url + path, headers=rebound))
        assert_api_error(status, body, 403, "Forbidden.Host")
    req = urllib.request.Request(
        server.url + "/_sim/advance",
        data=b'{"by": "1h"}',
        headers={**rebound, "Origin": f"http://evil.example:{server.port}"},
    )
    status, body = open_json(req)
    assert_api_error(status, body, 403, "Forbidden.Host")
    assert sim.now.isoformat() == "2030-01-01T00:00:00+00:00"
    # a browser on localhost, and a client that is not a browser under any name, are served
    for headers in (
        {"Host": f"localhost:{server.port}", "Sec-Fetch-Site": "none"},
        {"Host": f"sim.internal:{server.port}"},
    ):
        status, body = open_json(
            urllib.request.Request(server.url + "/_sim/instances", headers=headers)
        )
        assert status == 200, body


def test_a_server_bound_beyond_loopback_takes_any_host_name() -> None:
    headers = {"host": "sim.example:8080", "sec-fetch-site": "same-origin"}
    console.check_browser(headers, loopback=False)  # --allow-remote: its own name is fine
    with pytest.raises(Reply) as raised:
        console.check_browser(headers, loopback=True)
    assert (raised.value.status, raised.value.code) == (403, "Forbidden.Host")
    with pytest.raises(Reply) as raised:
        console.check_browser({**headers, "origin": "http://other.example"}, loopback=False)
    assert raised.value.code == "Forbidden.CrossOrigin"
