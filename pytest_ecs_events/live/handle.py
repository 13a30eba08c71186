"""``LiveEcs``: the ``ecs_sim`` handle against a real account (``pytest --ecs-live``).

The same members as the offline :class:`~pytest_ecs_events.EcsSimulator` where the cloud
allows: both implement :class:`~pytest_ecs_events.handle.EcsHandle`, which takes the friendly
arguments and calls the primitives below. Instance names are *aliases* mapped to real
instances by ``--ecs-live-instances``; every call goes through the guarded client of the run's
:class:`~pytest_ecs_events.live.session.LiveSession`.

What a real account cannot do (a platform event on demand, an injected error, an instance
outside the allowlist, another region) raises
:class:`~pytest_ecs_events.live.errors.LiveUnsupported`; the pytest plugin skips the test
with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from ..core.catalog import DEFAULT_CATALOG, Catalog, EventState
from ..core.clock import format_api_time, wall_clock_now
from ..core.cloud_assistant import CommandRun
from ..core.lifecycle import Transition
from ..core.load_balancers import BackendChange, LoadBalancerSnapshot
from ..core.models import Disk, Instance, SystemEvent
from ..core.queues import QueueSnapshot
from ..core.rule_deliveries import RuleDelivery
from ..handle import EcsHandle, Target, TimeAt
from .client import IDS_PER_CALL, LiveClient, indexed
from .errors import LiveApiError, LiveGuardError, LiveUnsupported
from .events import CancelReport, describe_events
from .guard import INSTANCE_PARAMS
from .records import instance_from, read_event
from .session import LiveSession
from .waiting import due_time, wait_until

__all__ = ["OFFLINE_ONLY", "LiveEcs"]

#: The offline members a real account cannot offer, and why (the reason a test skips with).
OFFLINE_ONLY = {
    "inject_event": "a real account cannot get platform events on demand (only "
    "CreateSimulatedSystemEvents drills)",
    "fail_next": "the real API's errors cannot be injected",
    "fail_event": "the cloud decides when an event fails",
    "subscribe": "real notifications go to CloudMonitor or EventBridge, not to the test",
    "subscriber_errors": "real notifications go to CloudMonitor or EventBridge, not to the test",
    "on_change": "the cloud's state changes are not observed as they happen",
    "on_call": "real calls are relayed to the real API as they are, not recorded or answered here",
    "calls": "real calls are relayed to the real API as they are, not recorded",
    "simulation": "there is no simulation: the account is real",
    "api": "there is no simulated API: the account is real",
    "handle": "there is no simulated API: the account is real",
    "credentials": "live credentials come from the environment and are never exposed",
    "internal_errors": "there is no simulator",
    "start": "nothing is intercepted in live mode",
    "stop": "nothing is intercepted in live mode",
    "latency": "the real API's latency is the network's",
    "patch_time": "live mode runs on the wall clock, which the test cannot move",
    "subscribe_url": "real notifications go to CloudMonitor or EventBridge, not to the test",
    "add_disk": "live mode never creates disks (the handler reads the real ones with "
    "DescribeDisks)",
    "disks": "a real account's disks are read with DescribeDisks, by the handler",
    "disk": "a real account's disks are read with DescribeDisks, by the handler",
    "inject_disk_event": "a real account cannot get disk events on demand",
    "end_disk_event": "the cloud decides when a disk event ends",
    "disk_events": "a real account's disk events are read with DescribeDisksFullStatus",
    "create_queue": "live mode never creates MNS queues (the simulated MNS is offline only)",
    "queue": "the simulated MNS is offline only; a real queue is read with the MNS SDK",
    "queues": "the simulated MNS is offline only; real queues are listed with the MNS SDK",
    "send_message": "the simulated MNS is offline only; send to a real queue with the MNS SDK",
    "mns": "there is no simulated MNS: the account is real",
    "mns_endpoint": "a real account's MNS endpoint comes from its settings, not the simulator",
    "add_event_rule": "live mode never creates CloudMonitor event rules (the rule -> MNS "
    "bridge is simulated offline only)",
    "mns_delivery": "real CloudMonitor deliveries cannot be made to duplicate or reorder",
    "rule_deliveries": "real CloudMonitor deliveries are not observed by the test",
    "from_state": "a real account cannot be loaded from a scenario",
    "state": "a real account is not saved as a scenario (it is read with the API)",
    "save_state": "a real account is not saved as a scenario (it is read with the API)",
    "timeline": "the cloud's state changes are not observed as they happen",
    "recorder": "the cloud's state changes are not observed as they happen",
    "on_command": "real Cloud Assistant commands run on the real instance; their outcome "
    "cannot be scripted",
    "invocations": "real Cloud Assistant runs are read with DescribeInvocationResults, by the "
    "handler",
    "set_cloud_assistant": "a real instance's Cloud Assistant agent is installed or not on the "
    "instance itself",
    "add_load_balancer": "live mode never creates Server Load Balancer instances (the "
    "simulated SLB is offline only)",
    "load_balancer": "the simulated SLB is offline only; a real load balancer is read with the "
    "SLB API, by the handler",
    "load_balancers": "the simulated SLB is offline only; real ones are listed with the SLB API",
    "backends_of": "the simulated SLB is offline only; real backends are read with the SLB API",
    "backend_changes": "real backend health changes are not observed by the test",
}
#: ``add_instance()`` keywords, and the values that leave a real instance as it is.
_AS_IT_IS: dict[str, object] = {"tags": {}, "status": "Running"}


def _offline_only(name: str) -> Callable[..., NoReturn]:
    """A method that raises :class:`LiveUnsupported` with the reason of ``OFFLINE_ONLY``."""

    def member(self: LiveEcs, *args: Any, **kwargs: Any) -> NoReturn:
        raise LiveUnsupported(f"ecs_sim.{name}() is offline only: {OFFLINE_ONLY[name]}")

    member.__name__ = member.__qualname__ = name
    member.__doc__ = f"Offline only: {OFFLINE_ONLY[name]} (raises LiveUnsupported)."
    return member


class LiveEcs(EcsHandle):
    """The ``ecs_sim`` handle in live mode: the offline members, against a real account.

    Instance names are aliases (``--ecs-live-instances web=i-2ze...``); an instance id of the
    allowlist works too. Objects it returns carry the alias as ``instance_id``, so assertions
    written offline hold; :meth:`resolve` gives the real id (to hand to a handler).
    """

    def __init__(
        self,
        session: LiveSession,
        *,
        execution_duration: timedelta = timedelta(seconds=30),
        catalog: Catalog = DEFAULT_CATALOG,
    ) -> None:
        self._session = session
        self._execution_duration = execution_duration
        self._catalog = catalog
        self._created: list[str] = []
        self._events: dict[str, SystemEvent] = {}
        self._reverse: dict[str, str] = {
            real: alias for alias, real in list(session.settings.aliases.items())[::-1]
        }
        session.listen(self._adopt)

    def _adopt(self, event_ids: list[str]) -> None:
        """Events the handler created during this test (seen by the interception): this
        test lists them and cancels them at its end, as its own."""
        self._created.extend(e for e in event_ids if e not in self._created)

    # ---------------------------------------------------------------------- the account
    @property
    def now(self) -> datetime:
        """The wall clock (UTC, whole seconds): the cloud's clock."""
        return wall_clock_now()

    @property
    def region(self) -> str:
        """The run's region (``--ecs-live-region``): the only one live mode acts in."""
        return self._session.region

    @property
    def live(self) -> bool:
        """True: a test may branch on it (the offline handle has no such member)."""
        return True

    @property
    def endpoint(self) -> str:
        """The endpoint an SDK client should use: the real one or ``--ecs-live-endpoint``."""
        return self._session.endpoint

    @property
    def aliases(self) -> dict[str, str]:
        """``{alias: real instance id}`` as given with ``--ecs-live-instances``."""
        return dict(self._session.settings.aliases)

    @property
    def protocol(self) -> str:
        """``http`` or ``https`` (``--ecs-live-protocol``), for an SDK client's settings."""
        return self._session.settings.protocol

    @property
    def created_event_ids(self) -> list[str]:
        """The simulated events created during this test, in order."""
        return list(self._created)

    @property
    def catalog(self) -> Catalog:
        """The event types (as the conftests' ``configure_catalog`` hooks left them)."""
        return self._catalog

    # ------------------------------------------------------------------------ aliases
    def resolve(self, name: str) -> str:
        """The real id of an alias (or of an allowlisted id); :class:`LiveUnsupported` if
        unmapped (the test is skipped rather than run on another instance)."""
        settings = self._session.settings
        if name in settings.aliases:
            return settings.aliases[name]
        if name in settings.allowlist:
            return name
        raise LiveUnsupported(
            f"instance {name!r} is not mapped by --ecs-live-instances (mapped: "
            f"{settings.alias_text()}); the test is skipped rather than run on another instance"
        )

    def _alias(self, real: str) -> str:
        return self._reverse.get(real, real)

    # ---------------------------------------------------------------------- offline only
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in OFFLINE_ONLY:  # every offline member live mode lacks (a test holds this)
            raise LiveUnsupported(f"ecs_sim.{name} is offline only: {OFFLINE_ONLY[name]}")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    _inject_event = _offline_only("inject_event")  # the primitives of EcsHandle's members
    _fail_next = _offline_only("fail_next")
    fail_event = _offline_only("fail_event")
    subscribe = _offline_only("subscribe")
    _add_disk = _offline_only("add_disk")
    disk = _offline_only("disk")
    _inject_disk_event = _offline_only("inject_disk_event")
    _end_disk_event = _offline_only("end_disk_event")
    _disk_event_candidates = _offline_only("disk_events")
    _create_queue = _offline_only("create_queue")
    queue = _offline_only("queue")
    send_message = _offline_only("send_message")
    _add_event_rule = _offline_only("add_event_rule")
    mns_delivery = _offline_only("mns_delivery")
    _on_command = _offline_only("on_command")
    set_cloud_assistant = _offline_only("set_cloud_assistant")

    @property
    def invocations(self) -> list[CommandRun]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(f"ecs_sim.invocations is offline only: {OFFLINE_ONLY['invocations']}")

    _add_load_balancer = _offline_only("add_load_balancer")
    load_balancer = _offline_only("load_balancer")
    backends_of = _offline_only("backends_of")

    @property
    def load_balancers(self) -> list[LoadBalancerSnapshot]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(
            f"ecs_sim.load_balancers is offline only: {OFFLINE_ONLY['load_balancers']}"
        )

    @property
    def backend_changes(self) -> list[BackendChange]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(
            f"ecs_sim.backend_changes is offline only: {OFFLINE_ONLY['backend_changes']}"
        )

    @property
    def rule_deliveries(self) -> list[RuleDelivery]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(
            f"ecs_sim.rule_deliveries is offline only: {OFFLINE_ONLY['rule_deliveries']}"
        )

    @property
    def queues(self) -> list[QueueSnapshot]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(f"ecs_sim.queues is offline only: {OFFLINE_ONLY['queues']}")

    @property
    def disks(self) -> list[Disk]:
        """Offline only (raises LiveUnsupported)."""
        raise LiveUnsupported(f"ecs_sim.disks is offline only: {OFFLINE_ONLY['disks']}")

    # ----------------------------------------------------------------------- instances
    def _add_instance(self, instance_id: str | None, attributes: dict[str, Any]) -> Instance:
        """A mapped instance as it is. Creating one, or setting its attributes, is offline
        only."""
        if instance_id is None:
            raise LiveUnsupported("ecs_sim.add_instance() without an id creates an instance: "
                                  "offline only")  # fmt: skip
        settings = self._session.settings
        if instance_id not in settings.aliases and instance_id not in settings.allowlist:
            raise LiveUnsupported(
                f"ecs_sim.add_instance({instance_id!r}) is offline only: {instance_id!r} is not "
                f"mapped by --ecs-live-instances (mapped: {settings.alias_text()}),"
                " and live mode never creates or borrows instances"
            )
        as_it_is = {**_AS_IT_IS, "region": self.region}
        if any(v is not None and v != as_it_is.get(k) for k, v in attributes.items()):
            raise LiveUnsupported(
                f"ecs_sim.add_instance({instance_id!r}, ...) sets attributes of the instance: "
                "offline only (a real instance is what it is)"
            )
        return self.instance(instance_id)

    def instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        found = self._describe_instances([self.resolve(instance_id)])
        if not found:
            raise LiveApiError(
                "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404
            )
        return found[0]

    @property
    def instances(self) -> list[Instance]:
        """The mapped instances (the allowlist), as the cloud describes them."""
        return self._describe_instances(sorted(self._session.settings.allowlist))

    def _describe_instances(self, reals: Sequence[str]) -> list[Instance]:
        result: list[Instance] = []
        for start in range(0, len(reals), IDS_PER_CALL):
            body = self.client.call(
                "DescribeInstances",
                {"RegionId": self.region, "InstanceIds": list(reals[start : start + IDS_PER_CALL]),
                 "PageSize": 100},
            )  # fmt: skip
            for item in (body.get("Instances") or {}).get("Instance") or []:
                result.append(instance_from(item, alias=self._alias, region=self.region))
        return result

    # -------------------------------------------------------------------------- events
    def _create_events(
        self, event_type: str, instance_ids: list[str], at: TimeAt, region: str | None
    ) -> list[SystemEvent]:
        """CreateSimulatedSystemEvents on the mapped instances (never TriggerRealOps)."""
        __tracebackhide__ = True
        if region not in (None, self.region):
            raise LiveUnsupported(
                f"creating events in {region} while this live run uses {self.region}"
            )
        reals = [self.resolve(i) for i in instance_ids]
        when = at(self.now)
        created = self._session.create(event_type, reals, when)
        self._created.extend(created)
        spec = self._catalog.event_types.get(event_type)
        start = spec.start_state if spec is not None else EventState.Scheduled
        now = self.now
        for event_id, real in zip(created, reals, strict=False):
            self._events[event_id] = SystemEvent.created(
                event_id=event_id, instance_id=self._alias(real), region=self.region,
                event_type=event_type, state=start, not_before=when, publish_time=now,
                simulated=True,
            )  # fmt: skip
        return self._refresh(created)

    def _cancel_events(self, event_ids: list[str], region: str | None) -> list[SystemEvent]:
        """CancelSimulatedSystemEvents, for events created during this test only."""
        __tracebackhide__ = True
        foreign = [i for i in event_ids if i not in self._created]
        if foreign:
            raise LiveGuardError(
                f"refusing to cancel {', '.join(foreign)}: live mode cancels only the simulated "
                "events created during this test"
            )
        self.client.call(
            "CancelSimulatedSystemEvents",
            {"RegionId": region or self.region, **indexed("EventId", event_ids)},
        )
        self._session.journal.cancelled(event_ids)
        return self._refresh(event_ids)

    def accept_event(self, event_id: str) -> SystemEvent:
        """AcceptInquiredSystemEvent (on an event created during this test)."""
        __tracebackhide__ = True
        self.client.call(
            "AcceptInquiredSystemEvent", {"RegionId": self.region, "EventId": event_id}
        )
        return self.event(event_id)

    def _reschedule_event(self, event_id: str, at: TimeAt) -> SystemEvent:
        """ModifySystemEventAttribute (on an event created during this test)."""
        __tracebackhide__ = True
        event = self.event(event_id)
        self.client.call(
            "ModifySystemEventAttribute",
            {
                "RegionId": self.region,
                "EventId": event_id,
                "InstanceId": self.resolve(event.instance_id),
                "NotBefore": format_api_time(at(self.now)),
            },
        )
        return self.event(event_id)

    def _event_candidates(self, instance_id: str | None) -> list[SystemEvent]:
        """The events created during this test (read now from the cloud), oldest first."""
        __tracebackhide__ = True
        events = self._refresh(self._created)
        if instance_id is None:
            return events
        alias = self._alias(self.resolve(instance_id))
        return [e for e in events if e.instance_id == alias]

    def event(self, event_id: str) -> SystemEvent:
        """One event, read now from the cloud (with the status filters that show active ones)."""
        __tracebackhide__ = True
        found = self._refresh([event_id])
        if not found:
            raise LiveApiError("InvalidEventId.NotFound", "Cannot find EventId.", 404)
        return found[0]

    def _refresh(self, event_ids: Sequence[str]) -> list[SystemEvent]:
        """These events as the cloud describes them now (a created one it does not list yet
        as it was created)."""
        if not event_ids:
            return []
        records = describe_events(self.client, event_ids, region=self.region)
        now = self.now
        result = []
        for event_id in dict.fromkeys(event_ids):
            record = records.get(event_id)
            if record is not None:
                self._events[event_id] = read_event(
                    record, self._events.get(event_id), alias=self._alias, region=self.region,
                    simulated=event_id in self._created, now=now,
                )  # fmt: skip
            if event_id in self._events:
                result.append(self._events[event_id])
        return result

    # ------------------------------------------------------------------ instance actions
    def _act_on(self, action: str, instance_id: str) -> Instance:
        __tracebackhide__ = True
        self.client.call(action, {"InstanceId": self.resolve(instance_id)})
        return self.instance(instance_id)

    def reboot_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        return self._act_on("RebootInstance", instance_id)

    def stop_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        return self._act_on("StopInstance", instance_id)

    def start_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        return self._act_on("StartInstance", instance_id)

    def _reboot_instances(self, instance_ids: list[str]) -> list[Instance]:
        __tracebackhide__ = True
        reals = [self.resolve(i) for i in instance_ids]
        self.client.call(
            "RebootInstances", {"RegionId": self.region, **indexed("InstanceId", reals)}
        )
        return [self.instance(i) for i in instance_ids]

    def redeploy_instance(self, instance_id: str) -> str:
        """Returns the TaskId, as RedeployInstance does."""
        __tracebackhide__ = True
        body = self.client.call("RedeployInstance", {"InstanceId": self.resolve(instance_id)})
        return str(body.get("TaskId", ""))

    @property
    def client(self) -> LiveClient:
        """The guarded client live mode sends its calls through."""
        return self._session.client

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """Send any action live mode allows, through the guard; aliases in instance params.

        Values are sent as the API's text (:func:`~pytest_ecs_events.api.params.param_text`).
        """
        __tracebackhide__ = True
        aliases = self._session.settings.aliases
        sent: dict[str, object] = {}
        for key, value in params.items():
            base = key.split(".", 1)[0].lower()
            if base in INSTANCE_PARAMS and isinstance(value, str):
                value = aliases.get(value, value)
            elif base == "instanceids" and isinstance(value, list | tuple):
                value = [aliases.get(v, v) for v in value]
            sent[key] = value
        return self.client.call(action, sent)

    # ---------------------------------------------------------------------------- time
    @property
    def execution_duration(self) -> timedelta:
        """How long a maintenance event is expected to stay Executing (for ``advance``)."""
        return self._execution_duration

    def _advance(self, target: Target) -> list[Transition]:
        """Wait (showing progress) until the cloud has reached that time; bounded by the
        timeout (see :mod:`pytest_ecs_events.live.waiting`)."""
        move_to, label = target
        now = self.now
        end = move_to(now)
        if end < now - timedelta(seconds=1):
            raise ValueError(
                f"the clock cannot go backwards: it is {format_api_time(now)}, "
                f"asked for {format_api_time(end)}"
            )
        return self._wait_until(end, f"advance({label})")

    def advance_to_next(self) -> list[Transition]:
        """Wait until the next change due to an event of this test (if any)."""
        dues = [d for e in self._refresh(self._created) if (d := self._due(e)) is not None]
        return [] if not dues else self._wait_until(max(min(dues), self.now), "advance_to_next()")

    def _due(self, event: SystemEvent) -> datetime | None:
        return due_time(event, execution_duration=self._execution_duration, catalog=self._catalog)

    def _wait_until(self, target: datetime, label: str) -> list[Transition]:
        return wait_until(
            target,
            label,
            timeout=self._session.settings.timeout,
            refresh=lambda: self._refresh(self._created),
            due=self._due,
            say=self._session.say,
        )

    # ------------------------------------------------------------------------ lifecycle
    @property
    def journal_path(self) -> Path:
        """The journal file of this process (what ``ecs-sim live-cleanup --journal`` takes)."""
        return self._session.journal.path

    def close(self) -> CancelReport:
        """Cancel every event created during this test that is still active."""
        self._session.unlisten(self._adopt)
        if not self._created:
            return CancelReport()
        return self._session.cancel(self._created)

    def __repr__(self) -> str:
        return (
            f"<LiveEcs region={self.region!r} endpoint={self.endpoint!r} "
            f"instances={self._session.settings.alias_text()!r} created={len(self._created)}>"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError("the live handle holds a client with credentials and cannot be pickled")
