"""Starting and stopping the interception, test after test: each stop leaves every patched
attribute exactly as it found it, nested simulators answer innermost first, and what a
start patches is decided afresh at each start (which vendored copies, what is there now)."""

from __future__ import annotations

import json
import socket
import sys
import types

import aiohttp
import pytest
import requests
import responses
from mns import mns_http

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports import intercept

URL = "https://ecs.cn-hangzhou.aliyuncs.com/?Action=DescribeRegions&Format=JSON"


def _patched_attributes() -> list[tuple[object, str]]:
    """Every (owner, name) a start patches, read off a started simulator."""
    with EcsSimulator():
        found = [(owner, name) for owner, name, _had, _old in intercept._SWITCHBOARD._patches]
    found.append((aiohttp.ClientSession, "_request"))
    found.append((mns_http.MNSHttp, "send_request"))
    return found


def _snapshot(attributes: list[tuple[object, str]]) -> list[tuple[bool, object]]:
    return [(name in owner.__dict__, owner.__dict__.get(name)) for owner, name in attributes]


def _regions(sim: EcsSimulator) -> int:
    answer = requests.get(URL, timeout=5)
    assert answer.status_code == 200
    return len(sim.calls)


def test_every_stop_leaves_each_patched_attribute_as_it_was() -> None:
    attributes = _patched_attributes()
    assert (socket, "getaddrinfo") in attributes
    assert (requests.adapters.HTTPAdapter, "send") in attributes
    before = _snapshot(attributes)
    for _ in range(3):
        with EcsSimulator() as sim:
            assert _snapshot(attributes) != before
            assert _regions(sim) == 1
        assert _snapshot(attributes) == before


def test_nested_simulators_answer_innermost_first_then_the_outer_again() -> None:
    before = requests.adapters.HTTPAdapter.send
    with EcsSimulator() as outer:
        assert _regions(outer) == 1
        with EcsSimulator() as inner:
            assert _regions(inner) == 1
            assert len(outer.calls) == 1
        assert _regions(outer) == 2
        assert len(inner.calls) == 1
        started_again = EcsSimulator().start()  # started and stopped out of order
        outer.stop()
        assert requests.adapters.HTTPAdapter.send is not before
        assert _regions(started_again) == 1
        started_again.stop()
    assert requests.adapters.HTTPAdapter.send is before


def test_a_responses_mock_around_several_simulators_keeps_its_own_answers() -> None:
    before = requests.adapters.HTTPAdapter.send
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get("http://example.com/own", body="mine")
        for _ in range(2):
            with EcsSimulator() as sim:
                assert _regions(sim) == 1
                assert requests.get("http://example.com/own", timeout=5).text == "mine"
            assert requests.get("http://example.com/own", timeout=5).text == "mine"
            with pytest.raises(requests.ConnectionError):  # the mock's: nothing registered
                requests.get(URL, timeout=5)
    assert requests.adapters.HTTPAdapter.send is before


def test_a_responses_mock_inside_a_simulator_then_a_later_simulator() -> None:
    before = requests.adapters.HTTPAdapter.send
    with EcsSimulator() as sim:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
            mocked.get("http://example.com/own", body="mine")
            assert requests.get("http://example.com/own", timeout=5).text == "mine"
            with pytest.raises(requests.ConnectionError):  # plain requests: the test's mock
                requests.get(URL, timeout=5)
        assert _regions(sim) == 1
    assert requests.adapters.HTTPAdapter.send is before
    with EcsSimulator() as again:
        assert json.loads(requests.get(URL, timeout=5).text)["Regions"]
        assert len(again.calls) == 1


@pytest.mark.parametrize("loaded", [(), ("alibabacloud",)])
def test_the_vendored_copies_asked_at_each_start_are_the_ones_loaded(
    monkeypatch: pytest.MonkeyPatch, loaded: tuple[str, ...]
) -> None:
    for name in intercept._ONLY_ONCE_LOADED.values():
        if name in loaded:
            monkeypatch.setitem(sys.modules, name, sys.modules.get(name, types.ModuleType(name)))
        else:
            monkeypatch.delitem(sys.modules, name, raising=False)
    generic = tuple(
        package
        for package in intercept.VENDORED_REQUESTS
        if package not in intercept._ONLY_ONCE_LOADED
        or intercept._ONLY_ONCE_LOADED[package] in sys.modules
    )
    assert intercept.vendored_packages() == generic
    assert ("alibabacloud.vendored.requests" in generic) == bool(loaded)


def test_a_start_finds_darabonba_again_after_its_module_was_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pytester's in-process runs drop the modules imported during them: a start after such a
    run patches the ``darabonba.core`` there is now (importing it again), never fails on the
    one it saw before."""
    import darabonba
    import darabonba.core

    dropped = sys.modules["darabonba.core"]
    with EcsSimulator():  # the look-up's answer is remembered: darabonba.core has adapters
        assert "adapters" in vars(dropped)
    # Both put back at the end: the package's attribute and sys.modules' entry.
    monkeypatch.setattr(darabonba, "core", dropped)
    monkeypatch.delitem(sys.modules, "darabonba.core")
    with EcsSimulator():
        current = sys.modules["darabonba.core"]
        assert current is not dropped
        patched = vars(current)["adapters"]
    assert sys.modules["darabonba.core"] is current
    assert vars(current)["adapters"] is not patched  # patched there, and put back at the stop
