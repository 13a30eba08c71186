"""What the server needs of the account it serves (protocols.py): ``EcsSimulator`` has it all,
and no module of the server imports the glue layer to get it, not even for type checking."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports import server
from pytest_ecs_events.transports.server import EcsServer
from pytest_ecs_events.transports.server.protocols import (
    Clocked,
    ClockFollower,
    ServedAccount,
    ServerHost,
    SimulatedAccount,
)
from pytest_ecs_events.transports.server.wallclock import WallClockFollower

GLUE = ("simulator", "handle", "live", "plugin", "cli", "timepatch")
#: The keywords the control API passes to the members the Protocols type as callables.
CONTROL_KEYWORDS = {"add_instance": {"instance_id", "name", "region", "zone", "status", "tags"}}


def members(protocol: type) -> set[str]:
    """The methods and properties a Protocol declares (its own and its bases')."""
    return {
        name
        for klass in protocol.__mro__
        if klass.__module__ == protocol.__module__
        for name, value in vars(klass).items()
        if not name.startswith("__") and (inspect.isfunction(value) or isinstance(value, property))
    }


@pytest.mark.parametrize("protocol", [Clocked, SimulatedAccount, ServedAccount])
def test_ecs_simulator_is_a_served_account(protocol: type) -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z", instances=["i-a"])
    assert isinstance(sim, protocol)
    for name in members(protocol):
        wanted = getattr(protocol, name)
        have = getattr(EcsSimulator, name)
        if isinstance(wanted, property) and inspect.isfunction(have):
            # a member typed as a callable: it takes every keyword the control API passes
            offered = inspect.signature(have).parameters
            assert CONTROL_KEYWORDS[name] <= set(offered), name
            continue
        if isinstance(wanted, property):
            assert isinstance(have, property), name
            continue
        # every parameter the server passes is accepted, under the same name and kind
        offered = inspect.signature(have).parameters
        for param in inspect.signature(wanted).parameters.values():
            assert param.name in offered, (name, param.name)
            assert offered[param.name].kind == param.kind, (name, param.name)
            if param.default is not inspect.Parameter.empty:
                assert offered[param.name].default is not inspect.Parameter.empty


def test_the_server_and_the_follower_fit_their_protocols() -> None:
    sim = EcsSimulator(now="2030-01-01T00:00:00Z")
    follower = WallClockFollower(sim)
    srv = EcsServer(sim, clock=follower)
    for name in members(ClockFollower):
        assert hasattr(follower, name), name
    for name in members(ServerHost):
        assert hasattr(srv, name), name


def test_the_server_imports_no_glue() -> None:
    """The layering rule, for every import (TYPE_CHECKING and function-local ones too)."""
    package = Path(server.__file__).parent
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
                if node.level:  # relative: resolve against pytest_ecs_events.transports.server
                    base = ["pytest_ecs_events", "transports", "server"]
                    base = base[: len(base) - node.level + 1]
                    names = [".".join([*base, node.module] if node.module else base)]
                    names += [f"{names[0]}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "pytest_ecs_events" and len(parts) > 1 and parts[1] in GLUE:
                    offenders.append(f"{path.name}:{node.lineno} imports {name}")
    assert offenders == []
