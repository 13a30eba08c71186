"""The interception leaves nothing behind (transports/intercept.py). In a module of its own:
every test of ``test_intercept.py`` carries its ``ecs_sim`` marker, so it uses the fixture,
and the interception is active during the test (issue 17)."""

from __future__ import annotations

from pytest_ecs_events import EcsSimulator


def _patched() -> list[str]:
    import aliyunsdkcore.vendored.requests.adapters as vendored
    import darabonba.core
    import requests.adapters

    found = []
    if "send" in vars(darabonba.core._TLSAdapter):
        found.append("darabonba")
    if requests.adapters.HTTPAdapter.send.__module__ != "requests.adapters":
        found.append("requests")
    if vendored.HTTPAdapter.send.__module__ != "aliyunsdkcore.vendored.requests.adapters":
        found.append("vendored requests")
    return found


def test_interception_is_removed_after_the_fixture() -> None:
    """Runs after the ``ecs_sim`` tests of ``test_intercept.py`` (in file order): none of the
    patched ``send`` methods is left behind."""
    assert _patched() == []


def test_interception_is_removed_when_the_simulator_stops() -> None:
    with EcsSimulator():
        assert _patched() == ["darabonba", "requests", "vendored requests"]
    assert _patched() == []
