"""Which hosts belong to a simulated product, and the refusal text."""

from __future__ import annotations

import pytest

from pytest_ecs_events.core.regions import REGIONS, default_endpoint
from pytest_ecs_events.transports.endpoints import (
    EndpointRefused,
    is_simulated_host,
    is_simulated_url,
    refusal_message,
)


@pytest.mark.parametrize(
    "host",
    [
        "ecs.aliyuncs.com",
        "ecs-cn-hangzhou.aliyuncs.com",
        "ecs.cn-beijing.aliyuncs.com",
        "ecs-vpc.cn-shanghai.aliyuncs.com",
        "ECS.AP-SOUTHEAST-1.ALIYUNCS.COM",
        "ecs.eu-central-1.aliyuncs.com.",  # a fully qualified name
        b"ecs.cn-beijing.aliyuncs.com",  # getaddrinfo accepts bytes
        *(default_endpoint(region) for region in REGIONS),
    ],
)
def test_simulated_hosts(host: str | bytes) -> None:
    assert is_simulated_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "example.com",
        "oss-cn-hangzhou.aliyuncs.com",  # another product: not simulated
        "location-readonly.aliyuncs.com",
        "ecs.aliyuncs.com.evil.example",
        "notecs.aliyuncs.com",
        "",
        None,
        80,
    ],
)
def test_other_hosts(host: object) -> None:
    assert not is_simulated_host(host)


def test_urls() -> None:
    assert is_simulated_url("https://ecs-cn-hangzhou.aliyuncs.com/?Action=DescribeRegions")
    assert is_simulated_url("http://ecs.cn-beijing.aliyuncs.com:80")
    assert not is_simulated_url("http://127.0.0.1:8080/?Action=DescribeRegions")
    assert not is_simulated_url("ftp://ecs.aliyuncs.com/")


def test_the_refusal_says_how_to_serve_it() -> None:
    text = refusal_message("ecs.cn-beijing.aliyuncs.com", 443, "http.client")
    assert "ecs.cn-beijing.aliyuncs.com:443" in text
    assert "http.client" in text
    assert "ecs_server" in text
    assert "ecs-sim serve" in text
    error = EndpointRefused("ecs.aliyuncs.com", None, "urllib")
    assert isinstance(error, ConnectionRefusedError)
    assert str(error).startswith("pytest-ecs-events refused a connection to ecs.aliyuncs.com:")
