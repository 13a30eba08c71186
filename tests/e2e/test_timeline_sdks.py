"""``ecs_sim.timeline`` over calls made through both SDK generations (a rolling reboot)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as new_models
from aliyunsdkecs.request.v20140526.RebootInstanceRequest import RebootInstanceRequest

from pytest_ecs_events.simulator import EcsSimulator

from ..helpers.sdk import legacy_call, legacy_client, new_client

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)

pytestmark = pytest.mark.ecs_sim(now="2024-05-01T08:00:00Z", instances=["i-1", "i-2"], seed=1)


def reboot_legacy(sim: Any, instance_id: str) -> None:
    request = RebootInstanceRequest()
    request.set_InstanceId(instance_id)
    legacy_call(legacy_client(sim), request)


def reboot_new(sim: Any, instance_id: str) -> None:
    new_client(sim).reboot_instance(new_models.RebootInstanceRequest(instance_id=instance_id))


@pytest.mark.parametrize("reboot", [reboot_legacy, reboot_new], ids=["legacy", "new"])
def test_one_at_a_time_is_seen_in_the_timeline(ecs_sim: EcsSimulator, reboot: Any) -> None:
    reboot(ecs_sim, "i-1")
    ecs_sim.advance("1m")
    reboot(ecs_sim, "i-2")
    ecs_sim.advance("1m")
    t = ecs_sim.timeline
    assert t.start == T0
    assert t.end == ecs_sim.now
    assert [c.instance_id for c in t.of(kind="call", action="RebootInstance")] == ["i-1", "i-2"]
    assert not t.overlapping("instance", value=lambda v: v != "Running")
    second = t.first(kind="instance", instance="i-2", value="Stopping")
    assert second is not None
    assert t.status_at("i-1", second) == "Running"
    # the call comes right after the change it made, at the same virtual time
    assert t.after(second)[0].kind == "call"


@pytest.mark.parametrize("reboot", [reboot_legacy, reboot_new], ids=["legacy", "new"])
def test_both_at_once_is_caught(ecs_sim: EcsSimulator, reboot: Any) -> None:
    reboot(ecs_sim, "i-1")
    reboot(ecs_sim, "i-2")
    ecs_sim.advance("1m")
    t = ecs_sim.timeline
    (pair,) = t.overlapping("instance", value=("Stopping", "Starting"))
    assert {pair[0].instance_id, pair[1].instance_id} == {"i-1", "i-2"}
    assert t.most_at_once("instance", value=("Stopping", "Starting")) == 2
    # a snapshot: what happens next is in the next one
    ecs_sim.call("StopInstance", InstanceId="i-1")
    assert len(ecs_sim.timeline) == len(t) + 2
