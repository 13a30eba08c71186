"""Which service answers which method and path (routes.py): the OpenAPI on ``/``, the
``/_sim/`` control API, the metadata paths; a 404 or 405 in the API's format for the rest."""

from __future__ import annotations

import pytest

from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.control import ControlApi
from pytest_ecs_events.transports.server.replies import Reply
from pytest_ecs_events.transports.server.routes import (
    API_METHODS,
    CONTROL_ROUTES,
    Route,
    control_endpoint,
    resolve,
)
from tests.helpers.http import assert_api_error, assert_still_serving, raw_exchange

MISROUTED = [
    pytest.param(
        b"GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n",
        404,
        "InvalidPath.NotFound",
        id="unknown-path",
    ),
    pytest.param(
        b"GET /_sim/nope HTTP/1.1\r\nConnection: close\r\n\r\n",
        404,
        "InvalidPath.NotFound",
        id="unknown-control-path",
    ),
    pytest.param(
        b"DELETE / HTTP/1.1\r\nConnection: close\r\n\r\n", 405, "UnsupportedHTTPMethod", id="delete"
    ),
    pytest.param(
        b"BREW / HTTP/1.1\r\nConnection: close\r\n\r\n",
        405,
        "UnsupportedHTTPMethod",
        id="unknown-method",
    ),
]


@pytest.mark.parametrize(("data", "status", "code"), MISROUTED)
def test_misrouted_requests_get_api_errors(
    server: EcsServer, data: bytes, status: int, code: str
) -> None:
    answer_status, body = raw_exchange(server.port, data)
    assert_api_error(answer_status, body, status, code)
    assert_still_serving(server)


def test_the_services() -> None:
    assert resolve("/") == Route("api", API_METHODS)
    assert resolve("") == Route("api", API_METHODS)
    assert resolve("/_sim/events") == Route("control", ("GET", "POST"), "/_sim/events")
    assert resolve("/_sim") == Route("control", ("GET", "POST"), "/_sim")
    assert resolve("/i-a/latest/maintenance/active-system-events/") == Route(
        "metadata",
        ("GET", "HEAD"),
        "/i-a/latest/maintenance/active-system-events/",
        "i-a",
        "maintenance/active-system-events",
    )
    assert resolve("/latest/meta-data/region-id").instance_id is None
    assert resolve("/latest/meta-data/region-id").item == "meta-data/region-id"


@pytest.mark.parametrize(
    "path", ["/nope", "/_simulator", "/latest/meta-data/secret", "//", "/i-a/latest/"]
)
def test_unknown_paths_are_404(path: str) -> None:
    with pytest.raises(Reply) as raised:
        resolve(path)
    assert (raised.value.status, raised.value.code) == (404, "InvalidPath.NotFound")
    assert "'/_sim/'" in raised.value.message


def test_control_endpoints() -> None:
    assert control_endpoint("POST", "/_sim/advance/") == "advance"
    assert control_endpoint("GET", "/_sim/events") == "list_events"
    with pytest.raises(Reply) as raised:
        control_endpoint("DELETE", "/_sim/events")
    assert (raised.value.status, raised.value.headers) == (405, {"Allow": "GET, POST"})
    assert "/_sim/events takes GET or POST, not DELETE." in raised.value.message
    with pytest.raises(Reply) as raised:
        control_endpoint("GET", "/_sim/nope")
    assert raised.value.status == 404
    assert "GET /_sim/clock" in raised.value.message


def test_every_control_route_has_an_endpoint() -> None:
    for (method, path), name in CONTROL_ROUTES.items():
        assert method in API_METHODS
        assert path.startswith("/_sim/")
        assert callable(getattr(ControlApi, name)), name
