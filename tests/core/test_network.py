"""The loopback rule and the proxy variables (core/network.py), shared by the server, the
webhooks and live mode: one rule, so that what one layer accepts the others accept too."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.network import (
    LOOPBACK_NAMES,
    PROXY_VARIABLES,
    is_loopback,
    is_loopback_endpoint,
)

FAST = settings(max_examples=200, deadline=None, database=None, derandomize=True)
PORTS = st.integers(min_value=1, max_value=65535)
LOOPBACK_V4 = st.ip_addresses(network="127.0.0.0/8")
# An IPv4-mapped ::ffff:127.x is loopback from Python 3.13 only: left out, the rule follows
# the interpreter's ipaddress there.
V6 = st.ip_addresses(v=6).filter(lambda a: a.ipv4_mapped is None)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "0:0:0:0:0:0:0:1",
     "localhost", "LocalHost", "localhost.localdomain", "ip6-localhost"],
)  # fmt: skip
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["10.0.0.1", "0.0.0.0", "128.0.0.1", "::", "::2", "example.com", "localhost.example.com",
     "127.0.0.1.example.com", "", "[]", "127.0.0.1:8080", "[::1", "::1]", "[127.0.0.1"],
)  # fmt: skip
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


def test_the_names_are_lowercase() -> None:
    assert all(name == name.lower() for name in LOOPBACK_NAMES)
    assert "localhost" in LOOPBACK_NAMES


@pytest.mark.parametrize(
    "endpoint",
    ["127.0.0.1", "127.0.0.1:8080", "localhost:80", "LOCALHOST:443", "[::1]:8443", "[::1]",
     "::1", "ip6-localhost:9000"],
)  # fmt: skip
def test_loopback_endpoints(endpoint: str) -> None:
    assert is_loopback_endpoint(endpoint)


@pytest.mark.parametrize(
    "endpoint",
    ["example.com:80", "10.0.0.1:8080", "[::2]:80", "ecs.cn-hangzhou.aliyuncs.com", "",
     ":8080", "127.0.0.1.nip.io:80"],
)  # fmt: skip
def test_other_endpoints(endpoint: str) -> None:
    assert not is_loopback_endpoint(endpoint)


@FAST
@given(address=st.ip_addresses(v=4))
def test_ipv4_loopback_is_exactly_127_slash_8(address: ipaddress.IPv4Address) -> None:
    expected = address in ipaddress.ip_network("127.0.0.0/8")
    assert is_loopback(str(address)) is expected


@FAST
@given(address=V6)
def test_ipv6_loopback_is_exactly_colon_colon_1(address: ipaddress.IPv6Address) -> None:
    expected = address == ipaddress.IPv6Address("::1")
    assert is_loopback(str(address)) is expected
    assert is_loopback(f"[{address}]") is expected


@FAST
@given(address=st.one_of(st.ip_addresses(v=4), LOOPBACK_V4), port=PORTS)
def test_an_ipv4_endpoint_is_loopback_when_its_host_is(
    address: ipaddress.IPv4Address, port: int
) -> None:
    host = str(address)
    assert is_loopback_endpoint(f"{host}:{port}") is is_loopback(host)
    assert is_loopback_endpoint(host) is is_loopback(host)


@FAST
@given(address=V6, port=PORTS)
def test_an_ipv6_endpoint_is_loopback_when_its_host_is(
    address: ipaddress.IPv6Address, port: int
) -> None:
    host = str(address)
    assert is_loopback_endpoint(f"[{host}]:{port}") is is_loopback(host)
    assert is_loopback_endpoint(host) is is_loopback(host)


@FAST
@given(name=st.sampled_from(sorted(LOOPBACK_NAMES)), port=PORTS, upper=st.booleans())
def test_a_named_endpoint_with_any_port(name: str, port: int, upper: bool) -> None:
    host = name.upper() if upper else name
    assert is_loopback_endpoint(f"{host}:{port}")


def test_proxy_variables_in_both_cases() -> None:
    names = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    assert set(PROXY_VARIABLES) == names | {n.lower() for n in names}
    assert len(PROXY_VARIABLES) == len(set(PROXY_VARIABLES))
