"""Fixtures of the pytest glue's tests."""

from __future__ import annotations

import pytest

# What an inner test file needs to call the SDKs against the simulator.
SDK_HELPERS = """
import json


def legacy_client(sim, key="AK", secret="SECRET"):
    from aliyunsdkcore.client import AcsClient

    return AcsClient(key, secret, sim.region, auto_retry=False)


def legacy_call(sim, name, **params):
    import importlib

    module = importlib.import_module(f"aliyunsdkecs.request.v20140526.{name}Request")
    request = getattr(module, f"{name}Request")()
    for key, value in params.items():
        getattr(request, f"set_{key}")(value)
    return json.loads(legacy_client(sim).do_action_with_exception(request))


def new_client(sim):
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    return Client(Config(access_key_id="AK", access_key_secret="SECRET",
                         region_id=sim.region, endpoint=sim.endpoint))
"""


@pytest.fixture
def sdk_pytester(ecs_pytester: pytest.Pytester) -> pytest.Pytester:
    pytest.importorskip("aliyunsdkecs")
    pytest.importorskip("alibabacloud_ecs20140526")
    ecs_pytester.makepyfile(ecs_sdk_helpers=SDK_HELPERS)
    ecs_pytester.syspathinsert()
    return ecs_pytester
