"""The 2019 ``alibaba-cloud-python-sdk-v2`` itself, where it is installed.

It is not a dev dependency: a plain ``pip install`` of it fails (its ``setup.py`` imports
the package, which needs ``jmespath`` in the build environment); ``pip install
--no-build-isolation alibaba-cloud-python-sdk-v2`` with ``jmespath`` and ``wheel`` present
works. ``tests/e2e/test_no_escape.py`` covers its transport without it.
"""

from __future__ import annotations

import warnings

import pytest

from pytest_ecs_events import EcsSimulator

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ImportWarning)
    pytest.importorskip("alibabacloud.vendored.requests")

# Its vendored six predates find_spec(): every import after it warns.
pytestmark = pytest.mark.filterwarnings("ignore::ImportWarning")

A = "i-bp1aaaaaaaaaaaaaaaaa"


def test_v2_client_is_answered_in_process() -> None:
    from alibabacloud import get_client

    with EcsSimulator(instances=[A]) as sim:
        sim.inject_event("SystemMaintenance.Reboot", A, not_before="+2h")
        client = get_client(
            "ecs", region_id="cn-hangzhou", access_key_id="AK", access_key_secret="SECRET"
        )
        listed = client.describe_instance_history_events(
            region_id="cn-hangzhou", list_of_instance_event_cycle_status=["Scheduled"]
        )
        assert listed["TotalCount"] == 1
        client.reboot_instance(instance_id=A)
        assert [call.action for call in sim.calls] == [
            "DescribeInstanceHistoryEvents",
            "RebootInstance",
        ]
        assert sim.calls[0].host == "ecs-cn-hangzhou.aliyuncs.com"


def test_v2_client_errors_and_faults() -> None:
    from alibabacloud import get_client
    from alibabacloud.exceptions import HttpErrorException, ServerException

    with EcsSimulator(instances=[A]) as sim:
        client = get_client(
            "ecs", region_id="cn-hangzhou", access_key_id="AK", access_key_secret="SECRET"
        )
        with pytest.raises(ServerException) as missing:
            client.reboot_instance(instance_id="i-missing")
        assert missing.value.error_code == "InvalidInstanceId.NotFound"
        assert missing.value.http_status == 404
        sim.fail_next("RebootInstance", fault="reset", times=10)
        with pytest.raises(HttpErrorException, match="simulated by pytest-ecs-events"):
            client.reboot_instance(instance_id=A)
