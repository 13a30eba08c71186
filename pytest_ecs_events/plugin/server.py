"""The ``ecs_server`` fixture: the test's ``ecs_sim`` served over HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

# The server (http.server, ssl) and the network facts (ipaddress) are imported when a test
# asks for ``ecs_server``: every pytest start-up imports this module.
if TYPE_CHECKING:
    from ..simulator import EcsSimulator
    from ..transports.server.ecs_server import EcsServer

__all__ = ["ecs_server"]


@pytest.fixture
def ecs_server(
    ecs_sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[EcsServer]:
    """The test's ``ecs_sim`` served on ``127.0.0.1``: give clients ``.endpoint`` or ``.url``.

    The clock is the test's virtual clock (it moves with ``ecs_sim.advance()`` or
    ``POST /_sim/advance``). Proxy variables are removed for the test (the SDKs ignore
    ``NO_PROXY``). An exception inside the server fails the test at teardown.
    """
    from ..core.network import PROXY_VARIABLES
    from ..transports.server.ecs_server import EcsServer

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)

    server = EcsServer(ecs_sim)
    with server:
        yield server
    if server.errors:
        first = server.errors[0]
        pytest.fail(
            f"{request.node.nodeid}: the ECS simulator's HTTP server met {len(server.errors)} "
            f"error(s) while answering (each was answered with HTTP 500 InternalError); "
            f"first: {type(first).__name__}: {first}. Please report it.",
            pytrace=False,
        )
