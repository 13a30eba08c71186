"""Every kept answer (api/speedups/answer_cache.py, render_cache.py) is, byte for byte, the
answer a dispatcher keeping nothing computes, after every step of random scripts; so are the
CloudMonitor system events kept per event (cms/system_events.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events import EcsApiError, EcsSimulator
from pytest_ecs_events.api.dispatch import EcsApi
from pytest_ecs_events.api.messages import ApiRequest, ApiResponse
from pytest_ecs_events.api.speedups.json_output import encode_json
from pytest_ecs_events.cms.system_events import derive_system_events, system_events

START = "2024-05-01T00:00:00Z"


# One step of a script: (what, instance index, hours), and the questions polled after each.
script_steps = st.lists(
    st.tuples(st.sampled_from(["drill", "inquire", "advance", "cancel", "reboot", "nothing",
                               "tag", "rename", "stop", "start", "disk", "disk_event",
                               "command", "stop_command", "no_agent"]),
              st.integers(0, 2), st.integers(1, 50)),
    max_size=15,
)  # fmt: skip
QUESTIONS = [
    {"Action": "DescribeInstanceHistoryEvents"},
    {"Action": "DescribeInstanceHistoryEvents", "MaxResults": "2"},
    {"Action": "DescribeInstanceHistoryEvents", "InstanceEventCycleStatus.1": "Scheduled",
     "InstanceEventCycleStatus.2": "Inquiring", "InstanceEventCycleStatus.3": "Executed"},
    {"Action": "DescribeInstanceHistoryEvents", "InstanceId": "i-1", "PageSize": "1",
     "PageNumber": "2"},
    {"Action": "DescribeInstancesFullStatus"},
    {"Action": "DescribeInstanceStatus"},
    {"Action": "DescribeInstances"},
    {"Action": "DescribeInstances", "Tag.1.Key": "team", "Tag.1.Value": "t1"},
    {"Action": "DescribeInstanceAttribute", "InstanceId": "i-1"},
    {"Action": "DescribeInstanceMaintenanceAttributes"},
    {"Action": "DescribeDisks"},
    {"Action": "DescribeDisks", "InstanceId": "i-2", "DiskType": "data"},
    {"Action": "DescribeDisksFullStatus"},
    {"Action": "ListTagResources", "ResourceType": "instance", "ResourceId.1": "i-0",
     "ResourceId.2": "i-1"},
    {"Action": "DescribeTags"},
    {"Action": "DescribeZones"},
    {"Action": "DescribeInstanceTypes", "InstanceTypeFamily": "ecs.g7"},
    {"Action": "DescribeInvocations", "IncludeOutput": "true"},
    {"Action": "DescribeInvocationResults", "InstanceId": "i-1"},
    {"Action": "DescribeCloudAssistantStatus"},
    {"Action": "DescribeCommands"},
]  # fmt: skip


def _apply(sim: EcsSimulator, what: str, index: int, hours: int) -> None:
    instance = f"i-{index}"
    if what == "drill":
        sim.create_events("SystemMaintenance.Reboot", instance, f"+{hours}h")
    elif what == "inquire":
        sim.inject_event("SystemMaintenance.Reboot", instance, state="Inquiring")
    elif what == "advance":
        sim.advance(f"{hours}h")
    elif what == "cancel" and (drills := [e for e in sim.events(state="Scheduled") if e.simulated]):
        sim.cancel_events([drills[-1].event_id])
    elif what == "reboot":
        with contextlib.suppress(EcsApiError):  # refused unless Running: nothing changes
            sim.reboot_instance(instance)
    elif what in ("stop", "start"):
        with contextlib.suppress(EcsApiError):
            sim.call(f"{what.title()}Instances", RegionId=sim.region, **{"InstanceId.1": instance})
    elif what == "tag":
        sim.call(
            "TagResources",
            RegionId=sim.region,
            ResourceType="instance",
            **{"ResourceId.1": instance, "Tag.1.Key": "team", "Tag.1.Value": f"t{hours % 3}"},
        )
    elif what == "rename":
        sim.call("ModifyInstanceAttribute", InstanceId=instance, InstanceName=f"web-{hours}")
    elif what == "disk":
        sim.add_disk(instance, size=20 + hours)
    elif what == "disk_event":
        disk = sim.disks[index]  # a system disk: every instance has one
        sim.inject_disk_event("Stalled", disk.disk_id, duration=f"{hours}m")
    elif what == "command":
        sim.on_command("sleep", output=f"slept {hours}", duration=f"{hours}m")
        with contextlib.suppress(EcsApiError):  # refused unless Running with an agent
            sim.call("RunCommand", RegionId=sim.region, Type="RunShellScript",
                     CommandContent=f"sleep {hours}", KeepCommand=hours % 2 == 0,
                     Timeout=30 * 60, **{"InstanceId.1": instance})  # fmt: skip
    elif what == "stop_command" and sim.invocations:
        sim.call("StopInvocation", RegionId=sim.region, InvokeId=sim.invocations[-1].invoke_id)
    elif what == "no_agent":
        sim.set_cloud_assistant(instance, installed=hours % 2 == 0)
    # "nothing": poll again with nothing changed


def _without_request_id(response: ApiResponse) -> bytes:
    request_id = response.headers["x-acs-request-id"].encode()
    return response.content().replace(request_id, b"")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script_steps)
def test_every_kept_answer_is_the_answer_computed_afresh(
    steps: list[tuple[str, int, int]],
) -> None:
    """The dispatcher keeps answers (and a query its last page) while nothing they show has
    changed: polled after every step, each answer is byte for byte what a new dispatcher,
    keeping nothing, computes."""
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=2)
    for step in [("nothing", 0, 1), *steps]:
        _apply(sim, *step)
        for question in QUESTIONS:
            request = ApiRequest(params={**question, "RegionId": sim.region})
            response = sim.handle(request)
            assert response.content() == encode_json(response.body)  # the kept bytes
            kept = _without_request_id(response)
            assert kept == _without_request_id(EcsApi(sim.simulation).handle(request))


def _cms_bytes(events: list[Any]) -> bytes:
    return json.dumps([dataclasses.asdict(e) for e in events], default=str).encode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["drill", "inquire", "advance", "cancel", "reboot", "rename",
                                   "reschedule", "stop", "nothing"]),
                  st.integers(0, 2), st.integers(1, 50)),
        max_size=15,
    )
)  # fmt: skip
def test_kept_cloudmonitor_system_events_are_the_ones_derived_afresh(
    steps: list[tuple[str, int, int]],
) -> None:
    """The CloudMonitor system events kept per ECS event (cms/system_events.py) are, byte for
    byte, the ones derived afresh from every event, polled after every step."""
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=2)
    core = sim.simulation
    for what, index, hours in [("nothing", 0, 1), *steps]:
        if what == "reschedule":
            scheduled = sim.events(state="Scheduled")
            if scheduled:
                with contextlib.suppress(EcsApiError):  # a NotBefore out of range: refused
                    sim.reschedule_event(scheduled[0].event_id, f"+{hours}h")
        else:
            _apply(sim, what, index, hours)
        with core.lock:
            assert _cms_bytes(system_events(core)) == _cms_bytes(derive_system_events(core))


# The kept pieces of a simulator's construction (the ``suite`` rows): durations parsed once
# per text (core/clock.py) and vSwitch blocks computed once per (VPC block, count)
# (core/addressing.py) are what computing them afresh gives, in any order of asking.
duration_texts = st.one_of(
    st.sampled_from(["3h", "+2h", "1h30m", "PT2H", "90", " 2 h ", "1.5d", "P1D", "PT", "-1h"]),
    st.from_regex(r"\A[0-9]{1,4}(\.[0-9])?[smhd]?\Z", fullmatch=True),
    st.text(max_size=8),
)


def _outcome(parse: Any, text: str) -> object:
    from pytest_ecs_events.core.clock import TimeFormatError

    try:
        return parse(text)
    except TimeFormatError as exc:
        return ("error", str(exc))


@settings(max_examples=200, deadline=None)
@given(st.lists(duration_texts, min_size=1, max_size=10))
def test_kept_durations_are_the_ones_parsed_afresh(texts: list[str]) -> None:
    from pytest_ecs_events.core.clock import _parse_duration_text

    for text in texts + texts:  # the second pass reads the kept ones
        kept = _outcome(_parse_duration_text, text)
        assert kept == _outcome(_parse_duration_text.__wrapped__, text), text


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-k"]),
                max_size=6), st.integers(0, 3))  # fmt: skip
def test_kept_vswitch_blocks_are_the_ones_computed_afresh(zones: list[str], seed: int) -> None:
    from pytest_ecs_events.core import addressing

    for zone in zones:
        book = addressing.AddressBook(random.Random(seed))
        vpc = book.vpc("cn-hangzhou")
        for other in zones:
            count = len(vpc.vswitches)
            made = book.vswitch(vpc, other)
            if len(vpc.vswitches) > count:  # a new one (else the zone's own, made before)
                assert made.cidr == addressing._vswitch_cidr.__wrapped__(vpc.cidr, count)
        assert len({v.cidr for v in vpc.vswitches.values()}) == len(vpc.vswitches), zone
