"""Every kept answer (api/speedups/answer_cache.py, render_cache.py) is, byte for byte, the
answer a dispatcher keeping nothing computes, after every step of random scripts; so are the
CloudMonitor system events kept per event (cms/system_events.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
from datetime import timedelta
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
                               "command", "stop_command", "no_agent", "lb_add", "lb_remove",
                               "lb_set", "group_add", "group_remove", "group_weight",
                               "health_wait", "modify", "stop_charging", "tag_disk",
                               "keep_disk", "release", "typed"]),
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
    {"Action": "DescribeInstances", "NeedSaleCycle": "true", "PageSize": "2"},
    {"Action": "DescribeInstanceAttribute", "InstanceId": "i-1"},
    {"Action": "DescribeInstanceMaintenanceAttributes"},
    {"Action": "DescribeDisks"},
    {"Action": "DescribeDisks", "InstanceId": "i-2", "DiskType": "data"},
    {"Action": "DescribeDisks", "AdditionalAttributes.1": "Placement", "DiskType": "data"},
    {"Action": "DescribeDisksFullStatus"},
    {"Action": "ListTagResources", "ResourceType": "instance", "ResourceId.1": "i-0",
     "ResourceId.2": "i-1"},
    {"Action": "ListTagResources", "ResourceType": "disk"},
    {"Action": "DescribeTags"},
    {"Action": "DescribeZones"},
    {"Action": "DescribeZones", "Verbose": "false", "AcceptLanguage": "en-US"},
    {"Action": "DescribeInstanceTypes", "InstanceTypeFamily": "ecs.g7"},
    {"Action": "DescribeInstanceTypes"},
    {"Action": "DescribeInstanceTypes", "MaxResults": "3", "NextToken": "0" * 31 + "2"},
    {"Action": "DescribeInvocations", "IncludeOutput": "true"},
    {"Action": "DescribeInvocationResults", "InstanceId": "i-1"},
    {"Action": "DescribeInvocations"},
    {"Action": "DescribeInvocations", "ContentEncoding": "PlainText", "IncludeOutput": "true",
     "PageSize": "2"},
    {"Action": "DescribeInvocations", "InvokeStatus": "Running"},
    {"Action": "DescribeInvocationResults"},
    {"Action": "DescribeInvocationResults", "InvokeRecordStatus": "Running",
     "ContentEncoding": "PlainText"},
    {"Action": "DescribeCloudAssistantStatus"},
    {"Action": "DescribeCommands"},
    {"Action": "DescribeLoadBalancers"},
    {"Action": "DescribeLoadBalancers", "ServerId": "i-1"},
    {"Action": "DescribeLoadBalancerAttribute", "LoadBalancerId": "lb-web"},
    {"Action": "DescribeHealthStatus", "LoadBalancerId": "lb-web"},
    {"Action": "DescribeHealthStatus", "LoadBalancerId": "lb-web", "ListenerPort": "8080"},
    {"Action": "DescribeVServerGroups", "LoadBalancerId": "lb-web"},
    {"Action": "DescribeVServerGroupAttribute", "VServerGroupId": "<api>"},
]  # fmt: skip
#: CloudMonitor's questions (their renderings are kept per derived system event; the
#: counts while the list of system events is the same).
CMS_HOST = "metrics.cn-hangzhou.aliyuncs.com"
CMS_QUESTIONS = [
    {"Action": "DescribeSystemEventAttribute", "Product": "ECS", "PageSize": "5"},
    {"Action": "DescribeSystemEventAttribute", "Product": "ECS", "Status": "Executed"},
    {"Action": "DescribeSystemEventCount"},
    {"Action": "DescribeSystemEventCount", "Product": "ECS", "Status": "Executed"},
    {"Action": "DescribeSystemEventHistogram"},
    {
        "Action": "DescribeSystemEventHistogram",
        "Product": "ECS",
        "StartTime": "1714521600000",
        "EndTime": "1767830400000",
    },
]


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
    elif what.startswith(("lb_", "group_")):
        with contextlib.suppress(EcsApiError):  # already a backend, not one, not running...
            _slb(sim, what, instance, hours)
    elif what == "health_wait":  # a few seconds: health verdicts land (6 s, 4 s here)
        sim.advance(f"{hours % 9 + 1}s")
    elif what == "minutes":  # a command run's steps land one at a time
        sim.advance(f"{hours}m")
    elif what == "modify":
        with contextlib.suppress(EcsApiError):  # EnableJumboFrame needs Running or Stopped
            sim.call("ModifyInstanceAttribute", InstanceId=instance, Description=f"d{hours}",
                     HostName=f"host-{hours}", DeletionProtection=hours % 2 == 0,
                     EnableJumboFrame=hours % 3 == 0)  # fmt: skip
    elif what == "stop_charging":
        with contextlib.suppress(EcsApiError):
            sim.call("StopInstance", InstanceId=instance, StoppedMode="StopCharging")
    elif what == "tag_disk" and sim.disks:
        disk = sim.disks[hours % len(sim.disks)]
        sim.call(
            "TagResources",
            RegionId=sim.region,
            ResourceType="disk",
            **{"ResourceId.1": disk.disk_id, "Tag.1.Key": "k", "Tag.1.Value": f"v{hours}"},
        )
    elif what == "keep_disk":  # a data disk that outlives its instance: detached on release
        with contextlib.suppress(EcsApiError, ValueError):
            sim.add_disk(instance, size=20 + hours, delete_with_instance=False)
    elif what == "release":
        with contextlib.suppress(EcsApiError, ValueError):
            sim.create_events("SystemFailure.Delete", instance, f"+{hours}m")
    elif what == "typed":  # an instance of another type or zone (or an unlisted type)
        types = ("ecs.g7.large", "ecs.c7.xlarge", "ecs.zz9.large", "ecs.g7.16xlarge")
        with contextlib.suppress(EcsApiError, ValueError):  # the id is taken: nothing changes
            sim.add_instance(f"i-t{hours}", instance_type=types[hours % 4],
                             zone=f"{sim.region}-{'bhijk'[index]}")  # fmt: skip
    # "nothing": poll again with nothing changed


def _slb(sim: EcsSimulator, what: str, instance: str, n: int) -> None:
    one = json.dumps([{"ServerId": instance, "Weight": n * 2}])
    at = json.dumps([{"ServerId": instance, "Port": 8080, "Weight": n * 2}])
    group = sim.load_balancers[0].vserver_group_ids["api"]
    if what == "lb_add":
        sim.call("AddBackendServers", LoadBalancerId="lb-web", BackendServers=one)
    elif what == "lb_remove":
        sim.call("RemoveBackendServers", LoadBalancerId="lb-web", BackendServers=one)
    elif what == "lb_set":
        sim.call("SetBackendServers", LoadBalancerId="lb-web", BackendServers=one)
    elif what == "group_add":
        sim.call("AddVServerGroupBackendServers", VServerGroupId=group, BackendServers=at)
    elif what == "group_remove":
        sim.call("RemoveVServerGroupBackendServers", VServerGroupId=group, BackendServers=at)
    else:
        old = json.dumps([{"ServerId": instance, "Port": 8080}])
        sim.call("ModifyVServerGroupBackendServers", VServerGroupId=group,
                 OldBackendServers=old, NewBackendServers=at)  # fmt: skip


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
    sim.add_load_balancer(
        "web", load_balancer_id="lb-web", backends=["i-0", ("i-1", 50)],
        listeners=[80, {"port": 8080, "vserver_group": "api", "interval": 2,
                        "healthy_threshold": 2, "unhealthy_threshold": 2}],
        vserver_groups={"api": [("i-1", 100, 8080), ("i-2", 20, 8080)]},
    )  # fmt: skip
    group = sim.load_balancers[0].vserver_group_ids["api"]
    for step in [("nothing", 0, 1), *steps]:
        _apply(sim, *step)
        asked = [
            ApiRequest(params={
                **{k: group if v == "<api>" else v for k, v in q.items()}, "RegionId": sim.region
            })
            for q in QUESTIONS
        ]  # fmt: skip
        asked += [ApiRequest(params=q, host=CMS_HOST) for q in CMS_QUESTIONS]
        for request in asked:
            response = sim.handle(request)
            assert response.content() == encode_json(response.body)  # the kept bytes
            kept = _without_request_id(response)
            assert kept == _without_request_id(EcsApi(sim.simulation).handle(request))


#: Cloud Assistant's questions, whose answers are kept while ``CloudAssistant.revision`` holds.
CA_QUESTIONS = [q for q in QUESTIONS if q["Action"].startswith("DescribeInvocation")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from(["command", "health_wait", "minutes", "stop_command", "stop",
                                   "start", "no_agent", "release", "advance", "nothing"]),
                  st.integers(0, 2), st.integers(1, 50)),
        max_size=15,
    )
)  # fmt: skip
def test_kept_cloud_assistant_answers_are_the_ones_computed_afresh(
    steps: list[tuple[str, int, int]],
) -> None:
    """DescribeInvocations and DescribeInvocationResults keep their answer (and each
    invocation's and run's rendering) while the assistant's revision holds: a run's every
    step (delivered, started, ended, timed out, stopped, interrupted) lands between polls,
    and each answer is byte for byte what a new dispatcher computes."""
    sim = EcsSimulator(now=START, instances=["i-0", "i-1", "i-2"], seed=2)
    for step in [("nothing", 0, 1), *steps]:
        _apply(sim, *step)
        for question in CA_QUESTIONS:
            request = ApiRequest(params={**question, "RegionId": sim.region})
            response = sim.handle(request)
            assert response.content() == encode_json(response.body)
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


#: Relative times as ``not_before`` takes them (and text that is not one, or is not valid).
time_texts = st.one_of(
    st.tuples(st.sampled_from(["+", "-", " +", "+ ", "", "++"]), duration_texts).map("".join),
    st.sampled_from(["+999999999d", "-999999999d", "+1e400s", "2024-05-01T00:00:00Z", " "]),
)


class _Text(str):
    """A str subclass: the uncached route of ``parse_time`` and ``advance``."""


def _time_outcome(text: str, now: Any) -> object:
    from pytest_ecs_events.core.clock import TimeFormatError, parse_time

    try:
        return parse_time(text, now=now)
    except TimeFormatError as exc:
        return ("error", str(exc), str(exc.__cause__))


@settings(max_examples=200, deadline=None)
@given(st.lists(time_texts, min_size=1, max_size=10),
       st.sampled_from(["2024-05-01T00:00:00Z", "0001-01-01T00:00:05Z",
                        "9999-12-31T23:59:00Z"]))  # fmt: skip
def test_kept_relative_times_are_the_ones_parsed_afresh(texts: list[str], start: str) -> None:
    from pytest_ecs_events.core.clock import _kept_offset, _relative_offset, parse_datetime

    now = parse_datetime(start)
    for text in texts + texts:  # the second pass reads the kept ones
        assert _outcome(_kept_offset, text) == _outcome(_relative_offset, text), text
        # parse_time keeps only a plain str's: a subclass takes the uncached route
        assert _time_outcome(text, now) == _time_outcome(_Text(text), now), text


def test_only_a_plain_str_is_kept() -> None:
    """A plain str's relative time and advance target are kept; a subclass's never are (it
    may carry a behaviour of its own: the uncached route reads it afresh)."""
    from pytest_ecs_events.core.clock import _kept_offset, parse_datetime, parse_time
    from pytest_ecs_events.handle import _kept_target

    now = parse_datetime("2024-05-01T00:00:00Z")
    for kept, use, text in (
        (_kept_offset, lambda text: parse_time(text, now=now), "+7h"),
        (_kept_target, lambda text: EcsSimulator(now=now).advance(text), "7h"),
    ):
        kept.cache_clear()
        use(_Text(text))
        assert kept.cache_info().currsize == 0
        use(text)
        use(text)
        assert (kept.cache_info().currsize, kept.cache_info().hits) == (1, 1)


@settings(max_examples=100, deadline=None)
@given(st.lists(duration_texts, min_size=1, max_size=6),
       st.sampled_from(["2024-05-01T00:00:00Z", "9999-12-31T23:00:00Z"]))  # fmt: skip
def test_kept_advance_targets_are_the_ones_made_afresh(texts: list[str], start: str) -> None:
    from pytest_ecs_events.core.clock import parse_datetime
    from pytest_ecs_events.handle import _kept_target, advance_target

    def outcome(make: Any, text: str) -> object:
        try:
            move_to, label = make(text)
        except ValueError as exc:  # TimeFormatError included
            return ("error", type(exc).__name__, str(exc))
        try:
            return label, move_to(parse_datetime(start))
        except ValueError as exc:
            return label, ("error", str(exc))

    fresh = lambda text: advance_target(text, to=None, parts=timedelta(0))  # noqa: E731
    for text in texts + texts:
        assert outcome(_kept_target, text) == outcome(fresh, text), text

    def moved(text: str) -> object:
        sim = EcsSimulator(now=start)
        try:
            applied = sim.advance(text)
        except ValueError as exc:
            return ("error", type(exc).__name__, str(exc))
        return applied, sim.now

    for text in texts:  # advance(str) takes the kept route, a subclass the other
        assert moved(text) == moved(_Text(text)), text


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


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(['[{"ServerId":"i-1","Port":80}]', '[{"ServerId":"i-1"}]', "[]"]),
            st.lists(
                st.fixed_dictionaries(
                    {"ServerId": st.sampled_from(["i-1", "i-2", ""])},
                    optional={"Weight": st.sampled_from([0, 50, "100", "x", 101]),
                              "Port": st.sampled_from([80, "8080", 0]),
                              "Description": st.sampled_from(["web", ""])},
                ),
                max_size=3,
            ).map(json.dumps),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)  # fmt: skip
def test_kept_backend_server_lists_are_the_ones_parsed_afresh(
    texts: list[str], port_required: bool
) -> None:
    """SLB's ``BackendServers`` lists, parsed once per text (slb/backend_servers.py), are
    the lists (or the refusals) a parse afresh gives, and a caller's copy is its own."""
    from pytest_ecs_events.slb.backend_servers import _parsed, parse_backend_servers

    def outcome(parse: Any, text: str) -> object:
        try:
            return list(parse(text, "BackendServers", port_required))
        except EcsApiError as exc:
            return ("error", exc.code, exc.message, exc.status)

    for text in texts + texts:  # the second pass reads the kept ones
        kept = outcome(lambda *a: parse_backend_servers(a[0], a[1], port_required=a[2]), text)
        assert kept == outcome(_parsed.__wrapped__, text), text
        if isinstance(kept, list) and kept:
            kept.clear()  # a caller changing its list changes no kept one
            assert parse_backend_servers(text, port_required=port_required), text
