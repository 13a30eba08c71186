"""``EcsServer`` (ecs_server.py): loopback only unless told, its settings checked, its
endpoint and URLs, a start and stop that can be repeated."""

from __future__ import annotations

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.core.network import is_loopback
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.http import HISTORY, get
from tests.helpers.simulators import START


def test_refuses_non_loopback_hosts(sim: EcsSimulator) -> None:
    with pytest.raises(ValueError, match="not a loopback"):
        EcsServer(sim, host="0.0.0.0")
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1"):
        assert is_loopback(host)
    for host in ("10.0.0.1", "0.0.0.0", "example.com", ""):
        assert not is_loopback(host)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keyfile": "key.pem"}, "keyfile needs a certfile too"),
        ({"max_body": -1}, "max_body must be a non-negative number"),
        ({"max_body": 1.5}, "max_body must be a non-negative number"),
    ],
)
def test_settings_are_checked(sim: EcsSimulator, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EcsServer(sim, **kwargs)  # type: ignore[arg-type]


def test_remote_needs_allow_remote(sim: EcsSimulator) -> None:
    srv = EcsServer(sim, host="10.1.2.3", allow_remote=True)  # built, not started
    assert srv.endpoint == "10.1.2.3:0"
    assert not srv.running


def test_endpoint_url_and_metadata_url(sim: EcsSimulator) -> None:
    srv = EcsServer(sim, host="::1", port=8080)
    assert (srv.endpoint, srv.url) == ("[::1]:8080", "http://[::1]:8080")
    assert srv.metadata_url("i-a") == "http://[::1]:8080/i-a"
    assert repr(srv) == "<EcsServer http://[::1]:8080 stopped errors=0>"


def test_start_and_stop_twice(sim: EcsSimulator) -> None:
    srv = EcsServer(sim)
    assert srv.start() is srv.start()  # the second start is a no-op
    port = srv.port
    assert port != 0
    assert "serving" in repr(srv)
    assert get(f"{srv.url}/?{HISTORY}")[0] == 200
    srv.stop()
    srv.stop()
    assert not srv.running
    assert srv.port == port


def test_reset_needs_a_factory(sim: EcsSimulator) -> None:
    with pytest.raises(RuntimeError, match="factory"):
        EcsServer(sim).reset_account()
    fresh = EcsSimulator(now=START)
    srv = EcsServer(sim, factory=lambda: fresh)
    assert srv.reset_account() is fresh
    assert srv.simulator is fresh
