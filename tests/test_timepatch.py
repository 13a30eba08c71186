"""Clock coupling: ``time.time()`` and ``datetime.now()`` follow the virtual clock (time-machine).

The handler under test is the usual kind: it reads NotBefore from
DescribeInstancesFullStatus and compares it with ``datetime.now(timezone.utc)`` to decide
whether to reboot early.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
    DescribeInstancesFullStatusRequest,
)
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.signatures import legacy_string_to_sign, sign_legacy

time_machine = pytest.importorskip("time_machine")

UTC = timezone.utc
PAST = "2018-08-22T10:39:49Z"


def real_now() -> datetime:
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(UTC)  # type: ignore[no-any-return]
    return datetime.now(UTC)


def reboot_if_due(client: AcsClient, *, within: timedelta = timedelta(hours=1)) -> list[str]:
    """The handler under test: reboot instances whose maintenance reboot is due within 1 h."""
    body = json.loads(client.do_action_with_exception(DescribeInstancesFullStatusRequest()))
    now = datetime.now(UTC)
    rebooted = []
    for status in body["InstanceFullStatusSet"]["InstanceFullStatusType"]:
        for event in status["ScheduledSystemEventSet"]["ScheduledSystemEventType"]:
            not_before = datetime.strptime(event["NotBefore"], "%Y-%m-%dT%H:%M:%SZ")
            if not_before.replace(tzinfo=UTC) - now <= within:
                request = RebootInstanceRequest()
                request.set_InstanceId(status["InstanceId"])
                client.do_action_with_exception(request)
                rebooted.append(status["InstanceId"])
    return rebooted


@pytest.mark.ecs_sim(now=PAST, patch_time=True, instances=["i-a"])
@pytest.mark.ecs_event("SystemMaintenance.Reboot", instance="i-a", not_before="+2h")
def test_a_handler_comparing_not_before_with_now(ecs_sim: EcsSimulator) -> None:
    assert datetime.now(UTC) == ecs_sim.now == datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)
    assert time.time() == ecs_sim.now.timestamp()
    client = AcsClient("AK", "SECRET", ecs_sim.region, auto_retry=False)

    assert reboot_if_due(client) == []  # two hours left
    ecs_sim.advance("90m")
    assert datetime.now(UTC) == ecs_sim.now
    assert reboot_if_due(client) == ["i-a"]  # thirty minutes left

    (event,) = ecs_sim.events()
    assert event.state == "Avoided"


@pytest.mark.ecs_sim(now=PAST, patch_time=True, instances=["i-a"])
def test_callbacks_see_the_time_of_each_change(ecs_sim: EcsSimulator) -> None:
    seen: list[tuple[str, datetime, float]] = []
    ecs_sim.subscribe(lambda p: seen.append((p["name"], datetime.now(UTC), time.time())))
    ecs_sim.create_events("SystemMaintenance.Stop", "i-a", "+1h")
    ecs_sim.advance("1d")
    start = datetime(2018, 8, 22, 10, 39, 49, tzinfo=UTC)
    expected = [
        ("Instance:SystemMaintenance.Stop:Scheduled", start),
        ("Instance:SystemMaintenance.Stop:Executing", start + timedelta(hours=1)),
        ("Instance:SystemMaintenance.Stop:Executed", start + timedelta(hours=1, seconds=30)),
    ]
    assert [(name, when) for name, when, _ in seen] == expected
    assert [stamp for _, _, stamp in seen] == [when.timestamp() for _, when in expected]
    assert datetime.now(UTC) == start + timedelta(days=1)
    ecs_sim.advance_to_next()  # nothing pending: the clock stays
    assert datetime.now(UTC) == ecs_sim.now


def test_the_coupling_by_hand_and_after_it() -> None:
    sim = EcsSimulator(now=PAST)
    with sim.patch_time() as coupling:
        assert coupling.active
        assert datetime.now(UTC) == sim.now
        sim.advance(to="2018-09-01T00:00:00Z")
        assert datetime.now(UTC) == datetime(2018, 9, 1, tzinfo=UTC)
    assert not coupling.active
    assert abs(datetime.now(UTC) - real_now()) < timedelta(minutes=1)
    assert sim.simulation.observers == [sim.recorder.record]  # the timeline's recorder only
    coupling.stop()  # twice is harmless


# ------------------------------------------------------------------------------ signatures
CREDENTIALS = {"LTAI5tTimeKey": "time-secret"}


@pytest.mark.ecs_sim(now=PAST, patch_time=True, credentials=CREDENTIALS, instances=["i-a"])
def test_signed_calls_work_while_time_is_patched(ecs_sim: EcsSimulator) -> None:
    """Both SDKs sign with the patched clock (the virtual one); the verifier agrees."""
    from alibabacloud_ecs20140526 import models
    from alibabacloud_ecs20140526.client import Client
    from alibabacloud_tea_openapi.models import Config

    legacy = AcsClient("LTAI5tTimeKey", "time-secret", ecs_sim.region, auto_retry=False)
    new = Client(
        Config(
            access_key_id="LTAI5tTimeKey",
            access_key_secret="time-secret",
            region_id=ecs_sim.region,
        )
    )
    request = models.DescribeInstancesFullStatusRequest(region_id=ecs_sim.region)
    for _ in range(2):  # now, and two virtual hours later
        body = json.loads(legacy.do_action_with_exception(DescribeInstancesFullStatusRequest()))
        assert body["TotalCount"] == 1
        assert new.describe_instances_full_status(request).body.total_count == 1
        ecs_sim.advance("2h")
    assert all(c.ok for c in ecs_sim.calls)

    # A client whose clock is the real one (another process, say) is years away from the
    # simulated cloud's "now": refused, as a real server refuses a skewed client.
    with pytest.raises(EcsApiError) as refused:
        _send_signed(ecs_sim, real_now())
    assert refused.value.code == "InvalidTimeStamp.Expired"


@pytest.mark.ecs_sim(now=PAST, credentials=CREDENTIALS, instances=["i-a"])
def test_without_the_coupling_the_real_clock_is_the_reference(ecs_sim: EcsSimulator) -> None:
    legacy = AcsClient("LTAI5tTimeKey", "time-secret", ecs_sim.region, auto_retry=False)
    assert json.loads(legacy.do_action_with_exception(DescribeInstancesFullStatusRequest()))
    _send_signed(ecs_sim, real_now())  # accepted
    with pytest.raises(EcsApiError, match="expired"):
        _send_signed(ecs_sim, ecs_sim.now)  # the virtual time is years off the real one


def test_the_verifier_clock_is_restored() -> None:
    sim = EcsSimulator(now=PAST, credentials=CREDENTIALS)
    with sim.patch_time():
        _send_signed(sim, sim.now)
    _send_signed(sim, real_now())


def _send_signed(sim: EcsSimulator, when: datetime) -> None:
    params = {
        "Action": "DescribeRegions",
        "Version": "2014-05-26",
        "Format": "JSON",
        "AccessKeyId": "LTAI5tTimeKey",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": str(uuid.uuid4()),
        "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "RegionId": "cn-hangzhou",
    }
    params["Signature"] = sign_legacy(legacy_string_to_sign("GET", params), "time-secret")
    response = sim.handle(
        ApiRequest(params=params, headers={"host": sim.endpoint}, method="GET", host=sim.endpoint)
    )
    if response.status >= 400:
        body: dict[str, Any] = dict(response.body)
        raise EcsApiError(body["Code"], body["Message"], response.status)


# -------------------------------------------------------------------- ini option, errors
def test_ini_option_and_marker_override(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_patch_time = true\n")
    ecs_pytester.makepyfile(
        """
        from datetime import datetime, timezone

        import pytest

        @pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z")
        def test_patched(ecs_sim):
            assert datetime.now(timezone.utc) == ecs_sim.now
            ecs_sim.advance("3h")
            assert datetime.now(timezone.utc).hour == 13

        @pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z", patch_time=False)
        def test_not_patched(ecs_sim):
            assert datetime.now(timezone.utc).year > 2020

        def test_no_simulator_no_patch():
            assert datetime.now(timezone.utc).year > 2020
        """
    )
    result = ecs_pytester.runpytest()
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["ecs-events settings: *patch_time on"])


def test_the_clock_is_real_again_after_the_test(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        from datetime import datetime, timezone

        import pytest

        @pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z", patch_time=True)
        def test_1_fails_while_patched(ecs_sim):
            assert datetime.now(timezone.utc).year == 2018
            assert False, "a failing test must not leave the clock patched"

        def test_2_after():
            assert datetime.now(timezone.utc).year > 2020
        """
    )
    ecs_pytester.runpytest().assert_outcomes(passed=1, failed=1)


def test_missing_time_machine_is_explained(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeconftest(
        """
        import sys

        sys.modules["time_machine"] = None  # as if it were not installed
        """
    )
    ecs_pytester.makeini("[pytest]\necs_sim_patch_time = true\n")
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(patch_time=True)
        def test_marker(ecs_sim):
            pass

        def test_ini(ecs_sim):
            pass

        def test_unrelated():
            pass
        """
    )
    result = ecs_pytester.runpytest()
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "ecs-events settings: *patch_time on (time-machine is not installed!)",
            "*test_marker: @pytest.mark.ecs_sim(patch_time=True): patch_time needs time-machine,"
            " which is not installed: pip install 'pytest-ecs-events[[]time[]]'*",
            "*test_ini: the ini option ecs_sim_patch_time = true: patch_time needs time-machine*",
        ]
    )


def test_bad_marker_value(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(patch_time="yes")
        def test_it(ecs_sim):
            pass
        """
    )
    result = ecs_pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*patch_time='yes' is not valid: expected True or False*"])
