"""``EcsSimulator``: the handle a test gets as ``ecs_sim`` (and that plain code can use too).

It owns one :class:`~pytest_ecs_events.core.Simulation`, the :class:`~pytest_ecs_events.api.EcsApi`
over it, and the in-process interception of both SDKs. Its methods take the friendly forms
(``"+2h"``, a str or a list of ids) and do exactly what the API actions do, raising
:class:`EcsApiError` with the code and status the API would answer.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import weakref
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from .api.deferrals import when_registry_loads
from .api.params import param_text
from .core.catalog import DEFAULT_CATALOG, Catalog, EventState
from .core.changes import Change
from .core.clock import parse_datetime, parse_duration, wall_clock_now
from .core.disk_events import DiskEvent
from .core.errors import EcsApiError
from .core.lazy import lazy_exports, module_on_first_use
from .core.lifecycle import Transition
from .core.models import Disk, Instance, SystemEvent
from .core.regions import check_region, default_endpoint, known_region, unknown_region_text
from .core.regions import region as region_info
from .core.simulation import Simulation, SimulationConfig
from .core.timeline import Recorder, Timeline
from .handle import EcsHandle, Target, TimeAt

if TYPE_CHECKING:
    from . import cms
    from .api.calls import ApiCall
    from .api.dispatch import EcsApi
    from .api.messages import ApiRequest, ApiResponse
    from .api.signatures import SignatureVerifier
    from .core.cloud_assistant import CommandRun
    from .core.event_rules import EventPattern, EventRule
    from .core.load_balancers import (
        BackendChange,
        BackendView,
        ListenerSetup,
        LoadBalancerSnapshot,
    )
    from .core.queues import Message, QueueSnapshot
    from .core.rule_deliveries import RuleDelivery
    from .mns import MnsService
    from .notifications.payloads import Payload
    from .notifications.subscribers import Subscription
    from .notifications.webhooks import WebhookSubscription
    from .timepatch import ClockCoupling

__all__ = ["EcsSimulator"]

# The API layer loads on the first use that needs it (the ``_api`` and ``_signatures``
# properties, ``call``): a process whose tests make no API call never imports the
# dispatcher, the actions and their renderers. The names this module has always had stay
# readable here.
__getattr__, __dir__ = lazy_exports(__name__, globals(), {
    "ApiCall": f"{__package__}.api.calls",
    "EcsApi": f"{__package__}.api.dispatch",
    "TransportFault": f"{__package__}.api.faults",
    "ApiRequest": f"{__package__}.api.messages",
    "ApiResponse": f"{__package__}.api.messages",
    "SignatureVerifier": f"{__package__}.api.signatures",
})  # fmt: skip
_dispatch = module_on_first_use(".api.dispatch", __package__)
_faults = module_on_first_use(".api.faults", __package__)
_messages = module_on_first_use(".api.messages", __package__)
_signature_schemes = module_on_first_use(".api.signatures", __package__)


def _fill_registries() -> None:
    """CloudMonitor's and Server Load Balancer's actions, listed in their registries without
    importing their packages (nor the core areas they serve): the first use of one imports
    its package, which registers the handlers in their place. (ECS's own actions register
    as the modules that read them import ``api.actions``: not here, where the registry is
    still loading and an import of the actions would make a cycle.)
    (tests/test_import_cost.py holds these lists equal to what the packages register.)"""
    from .api.registry import defer_actions

    defer_actions("cms", f"{__package__}.cms", (
        "DescribeSystemEventAttribute", "DescribeSystemEventCount",
        "DescribeSystemEventHistogram", "PutEventRule", "PutEventRuleTargets",
        "DescribeEventRuleList", "DescribeEventRuleTargetList", "DeleteEventRules",
        "DeleteEventRuleTargets", "EnableEventRules", "DisableEventRules",
    ))  # fmt: skip
    defer_actions("slb", f"{__package__}.slb", (
        "DescribeLoadBalancers", "DescribeLoadBalancerAttribute", "DescribeHealthStatus",
        "DescribeVServerGroups", "DescribeVServerGroupAttribute", "AddBackendServers",
        "RemoveBackendServers", "SetBackendServers", "AddVServerGroupBackendServers",
        "RemoveVServerGroupBackendServers", "ModifyVServerGroupBackendServers",
    ))  # fmt: skip


# Done as the registry loads (with the first use of the API), or now if it is loaded: a
# process whose tests make no API call loads neither the registry nor the actions.
when_registry_loads(_fill_registries)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _then_deliver(
    method: Callable[Concatenate[EcsSimulator, _P], _R],
) -> Callable[Concatenate[EcsSimulator, _P], _R]:
    """After a method that may change state: POST the notifications it queued for webhooks."""

    @functools.wraps(method)
    def wrapper(self: EcsSimulator, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        finally:
            if self._webhooks:
                self._deliver_webhooks()

    return wrapper


def _given_keywords(attributes: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``add_instance`` given (not None, by identity: a value's own ``==``
    takes no part), and ``status`` even if None (to be refused by the simulation): each None
    one is a default of the simulation's add_instance, and one it would gather into its
    ``attributes`` (and bind by name the slow way) only to drop it."""
    return {k: v for k, v in attributes.items() if v is not None or k == "status"}


#: The interception modules, imported by the first start (started at every test).
_transports = module_on_first_use(".transports.intercept", __package__)
_mns_transport = module_on_first_use(".transports.mns_intercept", __package__)


class EcsSimulator(EcsHandle):
    """A simulated ECS account answering the official SDKs; see the README for a tour."""

    def __init__(
        self,
        *,
        now: datetime | str | None = None,
        region: str = "cn-hangzhou",
        instances: Iterable[str] = (),
        credentials: Mapping[str, str] | None = None,
        execution_duration: timedelta | str | float = timedelta(seconds=30),
        seed: int | None = None,
        catalog: Catalog = DEFAULT_CATALOG,
        account_id: str = "1234567890123456",
        extra_regions: Iterable[str] = (),
    ) -> None:
        extra = tuple(extra_regions)
        if isinstance(extra_regions, str) or (
            extra and not all(isinstance(r, str) and r for r in extra)
        ):
            raise TypeError(f"extra_regions must be a list of region ids, got {extra_regions!r}")
        if not known_region(region, extra):
            raise ValueError(unknown_region_text(region, extra))
        config = SimulationConfig(
            region=region,
            execution_duration=parse_duration(execution_duration),
            account_id=account_id,
            seed=seed,
            extra_regions=extra,
        )
        start = parse_datetime(now) if now is not None else wall_clock_now()
        self._sim = Simulation(now=start, config=config, catalog=catalog)
        # The API layer (``_api``, ``_signatures``) is made by the first use that needs it
        # (below): a test that makes no API call makes neither. Its list of calls is made
        # here, so that the recorder reads the calls from the API's own list (``timeline``:
        # every change as it comes, one append; answering a call costs nothing more).
        self._calls: list[ApiCall] = []
        self._recorder = Recorder(start, self._calls)
        self._sim.observers.append(self._recorder.record)
        self.credentials: dict[str, str] = dict(credentials or {})
        #: The dict the signature verifier reads (the one made here, as if it were made here).
        self._verified_credentials = self.credentials
        self._api_made: EcsApi | None = None
        self._signatures_made: SignatureVerifier | None = None
        self._interceptor: Any = None
        # Built on first use (start() or .mns): a simulator that never meets MNS does not
        # import the MNS wire package.
        self._mns_service: MnsService | None = None
        self._mns_interceptor: Any = None
        #: The credentials the MNS service is built with, if start() came first.
        self._mns_credentials: dict[str, str] | None = None
        self._subscriptions: list[Subscription] = []
        self._webhooks: list[WebhookSubscription] = []
        self._outbox: deque[tuple[WebhookSubscription, datetime, Payload]] = deque()
        self._outbox_lock = threading.Lock()
        self._delivering = False
        #: Called after ``advance()`` moved the clock (the clock coupling listens).
        self._clock_listeners: list[Callable[[], None]] = []
        # CloudMonitor event rules -> MNS queues (cms/rule_delivery.py): made when a rule or
        # a delivery setting first needs it (seeded from the seed given here, as if made
        # here), and it observes the changes only once a rule has a target, so an account
        # without one pays nothing
        self._rules = _RuleWatch(self._sim, self._sim.config.seed or 0)
        self._sim.rule_target_listeners.append(self._rules)
        for instance_id in instances:
            self.add_instance(instance_id)

    # ----------------------------------------------------------------------- API layer
    # Plain properties, not functools.cached_property: up to Python 3.11 that holds one lock
    # of its own (shared by every simulator) while the getter runs, and these take the
    # simulation's lock, which the ``mns`` property holds while it reads ``_signatures``:
    # two opposite lock orders, a deadlock.
    @property
    def _api(self) -> EcsApi:
        """The account's API, made on first use with its signature verifier."""
        made = self._api_made
        if made is None:
            with self._sim.lock:  # two threads' first uses: one API
                made = self._api_made
                if made is None:
                    made = _dispatch().EcsApi(self._sim)
                    made.calls = self._calls
                    # Always installed: without ``credentials`` only the form of a signature
                    # is checked; with them the key, signature, timestamp and nonce too.
                    # Unsigned requests without any header (``call()``,
                    # ``handle(ApiRequest(params=...))``) are in-process and trusted. See
                    # :mod:`pytest_ecs_events.api.signatures`.
                    made.authenticator = self._signatures
                    self._api_made = made
        return made

    @property
    def _signatures(self) -> SignatureVerifier:
        """The signature verifier of the API and the clock coupling, made on first use."""
        made = self._signatures_made
        if made is None:
            with self._sim.lock:
                made = self._signatures_made
                if made is None:
                    made = self._signatures_made = _signature_schemes().SignatureVerifier(
                        self._verified_credentials
                    )
        return made

    def _api_if_made(self) -> EcsApi | None:
        """The API if a use has made it (else no call was answered and no fault queued)."""
        return self._api_made

    # ------------------------------------------------------------------- interception
    def start(self) -> EcsSimulator:
        """Answer every SDK call to an ECS endpoint in this process until :meth:`stop`."""
        interceptor = self._interceptor
        if interceptor is None:
            interceptor = self._interceptor = _transports().Interceptor(self.handle, timeouts=True)
        interceptor.start()
        mns_interceptor = self._mns_interceptor
        if mns_interceptor is None:
            if self._mns_service is None and self._mns_credentials is None:
                # the service is built on the first MNS request (or .mns), with the
                # credentials it would have been given here
                self._mns_credentials = self.credentials
            mns_interceptor = self._mns_interceptor = _mns_transport().MnsInterceptor(
                provider=lambda: self.mns
            )
        mns_interceptor.start()
        return self

    def stop(self) -> None:
        # The interceptors hold this simulator (their handler, the MNS provider): dropped
        # once stopped (start() makes new ones), so that an account nobody holds any more
        # is freed at once rather than left to the cyclic collector.
        interceptor, self._interceptor = self._interceptor, None
        if interceptor is not None:
            interceptor.stop()
        mns_interceptor, self._mns_interceptor = self._mns_interceptor, None
        if mns_interceptor is not None:
            mns_interceptor.stop()

    def __enter__(self) -> EcsSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def handle(self, request: ApiRequest, *, timeout: float | None = None) -> ApiResponse:
        """Answer one API request (what every transport calls).

        ``timeout`` is the client's read timeout where the transport knows it. Raises
        :class:`~pytest_ecs_events.api.faults.TransportFault` for an injected transport
        fault (the transport then answers nothing).
        """
        if not self._webhooks:
            return self._api.handle(request, timeout=timeout)
        try:
            return self._api.handle(request, timeout=timeout)
        finally:
            self._deliver_webhooks()

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """Call an action directly with API parameters; returns the body or raises EcsApiError.

        An injected transport fault raises :class:`TimeoutError` or :class:`ConnectionResetError`.
        """
        flat = {"Action": action, **{k: param_text(v) for k, v in params.items()}}
        flat.pop("Format", None)  # the body comes back as a dict: never ask for XML
        try:
            response = self.handle(_messages().ApiRequest(params=flat, host=self.endpoint))
        except _faults().TransportFault as fault:
            error = TimeoutError if fault.kind == "timeout" else ConnectionResetError
            raise error(str(fault)) from None
        body: dict[str, Any] = json.loads(response.content())  # a private copy to keep
        if response.status >= 400:
            raise EcsApiError(str(body.get("Code")), str(body.get("Message")), response.status)
        return body

    # ------------------------------------------------------------------------ scenarios
    @classmethod
    def from_state(
        cls, source: str | os.PathLike[str] | Mapping[str, Any], **options: Any
    ) -> EcsSimulator:
        """A simulator loaded from a scenario: a file path (JSON, or YAML with PyYAML) or the
        document itself (docs/scenarios.md). ``options`` are ``EcsSimulator`` keywords
        (``credentials``, ``catalog``...); the scenario's own settings win over them. Raises
        :class:`~pytest_ecs_events.core.scenario.ScenarioError` naming the bad field."""
        from .core import scenario

        data = source if isinstance(source, Mapping) else scenario.read_file(source)
        simulator = cls(**{**options, **scenario.settings(data)})
        scenario.restore(simulator._sim, data)
        return simulator

    def state(self) -> dict[str, Any]:
        """The simulated account as a scenario document (what :meth:`save_state` writes)."""
        from .core import scenario

        return scenario.dump(self._sim)

    def save_state(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`state` to ``path`` (JSON, or YAML for .yaml/.yml), atomically."""
        from .core import scenario

        scenario.write_file(path, self.state())

    # ---------------------------------------------------------------------- properties
    @property
    def simulation(self) -> Simulation:
        """The core simulation (for advanced use and extensions)."""
        return self._sim

    @property
    def api(self) -> EcsApi:
        return self._api

    @property
    def now(self) -> datetime:
        return self._sim.now

    @property
    def region(self) -> str:
        return self._sim.config.region

    @property
    def endpoint(self) -> str:
        """The endpoint host an SDK client should use: the region's default (intercepted)."""
        return default_endpoint(self.region)

    @property
    def catalog(self) -> Catalog:
        return self._sim.catalog

    @property
    def calls(self) -> list[ApiCall]:
        """Every API call answered so far, in order."""
        return list(self._calls)

    @property
    def instances(self) -> list[Instance]:
        return self._sim.instances()

    @property
    def internal_errors(self) -> list[BaseException]:
        """Bugs of the simulator met while answering (each was answered with InternalError)."""
        api = self._api_if_made()
        return list(api.internal_errors) if api is not None else []

    # ---------------------------------------------------------------------------- time
    def _advance(self, target: Target) -> list[Transition]:
        move_to, _ = target
        sim = self._sim
        if not self._webhooks:  # _advance_to's first case, without its closure's frames
            with sim.lock:  # "now" is read under the lock, with the move: threads may advance
                applied = sim.advance_to(move_to(sim.clock.now))
            return self._moved(applied)
        return self._moved(self._advance_to(lambda: move_to(self.now)))

    def advance_to_next(self) -> list[Transition]:
        """Advance just far enough for the next pending change to happen (if any)."""
        due = self._sim.next_due()
        if due is None:
            return []
        return self._moved(self._advance_to(lambda: max(due, self.now)))

    def _advance_to(self, target: Callable[[], datetime]) -> list[Transition]:
        if not self._webhooks:
            with self._sim.lock:
                return self._sim.advance_to(target())
        # With webhooks: stop at each due time and POST what it caused before going on, with
        # the lock released (the webhook's handler may call the API back, from any thread).
        with self._sim.lock:
            end = target()
            if end < self.now:
                self._sim.advance_to(end)  # raises: the clock cannot go backwards
        applied: list[Transition] = []
        while True:
            with self._sim.lock:
                due = self._sim.next_due()
                step = end if due is None or due > end else max(due, self.now)
                applied.extend(self._sim.advance_to(step))
            self._deliver_webhooks()
            if step >= end:
                return applied

    def _moved(self, applied: list[Transition]) -> list[Transition]:
        if self._clock_listeners:  # most simulators have none: no copy to loop over
            for listener in list(self._clock_listeners):
                listener()
        return applied

    def patch_time(self) -> ClockCoupling:
        """Move the process clock (``time.time()``, ``datetime.now()``) with the virtual clock.

        Needs time-machine. Returns the started coupling; ``stop()`` it, or use it in a
        ``with`` block. The ``ecs_sim`` fixture does this for ``@pytest.mark.ecs_sim(
        patch_time=True)`` or the ``ecs_sim_patch_time`` ini option.
        """
        from .timepatch import ClockCoupling

        coupling = ClockCoupling(
            lambda: self.now,
            observers=self._sim.observers,
            clock_listeners=self._clock_listeners,
            verifier=self._signatures,
        )
        return coupling.start()

    # ----------------------------------------------------------------------- instances
    def _add_instance(self, instance_id: str | None, attributes: dict[str, Any]) -> Instance:
        if attributes.get("region") is not None:  # else the account's own region
            self._check_region(attributes["region"])
        return self._sim.add_instance(instance_id, **_given_keywords(attributes))

    def _check_region(self, region: str | None) -> None:
        """A region given to a setup member: a ``ValueError`` if the API would not know it."""
        if region is not None and not known_region(region, self._sim.config.extra_regions):
            raise ValueError(unknown_region_text(region, self._sim.config.extra_regions))

    def instance(self, instance_id: str) -> Instance:
        return self._sim.get_instance(instance_id)

    # --------------------------------------------------------------------------- disks
    @property
    def disks(self) -> list[Disk]:
        return self._sim.disks()

    def disk(self, disk_id: str) -> Disk:
        return self._sim.get_disk(disk_id)

    def _add_disk(
        self, instance_id: str | None, region: str | None, zone: str | None,
        options: dict[str, Any],
    ) -> Disk:  # fmt: skip
        self._check_region(region)
        return self._sim.add_disk(instance_id, region=region, zone=zone, **options)

    def _inject_disk_event(
        self, event_type: str, disk_id: str, at: TimeAt | None, duration: timedelta | None,
        impact_level: str,
    ) -> DiskEvent:  # fmt: skip
        with self._sim.lock:
            start = at(self.now) if at is not None else self.now
            end = start + duration if duration is not None else None
            return self._sim.inject_disk_event(
                event_type, disk_id, at=start, end=end, impact_level=impact_level
            )

    def _end_disk_event(self, event_id: str, at: TimeAt | None) -> DiskEvent:
        with self._sim.lock:
            return self._sim.end_disk_event(event_id, at=at(self.now) if at else None)

    def _disk_event_candidates(self, disk_id: str | None) -> list[DiskEvent]:
        with self._sim.lock:
            log = self._sim.store.disk_events
            return list(log.of_disk(disk_id) if disk_id is not None else log)

    # -------------------------------------------------------------------------- events
    @_then_deliver
    def _create_events(
        self, event_type: str, instance_ids: list[str], at: TimeAt, region: str | None
    ) -> list[SystemEvent]:
        if region is not None:  # what CreateSimulatedSystemEvents answers (ActionContext)
            check_region(region, (self.region, *self._sim.config.extra_regions))
        sim = self._sim
        with sim.lock:
            when = at(sim.clock.now)
            return sim.create_simulated_events(event_type, instance_ids, when, region=region)

    @_then_deliver
    def _cancel_events(self, event_ids: list[str], region: str | None) -> list[SystemEvent]:
        if region is not None:
            check_region(region, (self.region, *self._sim.config.extra_regions))
        return self._sim.cancel_simulated_events(event_ids, region=region)

    @_then_deliver
    def _inject_event(
        self,
        event_type: str,
        instance_id: str,
        at: TimeAt | None,
        state: EventState | str | None,
        reason: str | None,
    ) -> SystemEvent:
        with self._sim.lock:
            when = at(self.now) if at is not None else None
            return self._sim.inject_event(
                event_type, instance_id, not_before=when, state=state, reason=reason
            )

    @_then_deliver
    def accept_event(self, event_id: str) -> SystemEvent:
        """What AcceptInquiredSystemEvent does."""
        return self._sim.accept_inquired_event(event_id)

    @_then_deliver
    def _reschedule_event(self, event_id: str, at: TimeAt) -> SystemEvent:
        with self._sim.lock:
            event = self._sim.get_event(event_id)
            return self._sim.reschedule_event(event_id, event.instance_id, at(self.now))

    @_then_deliver
    def fail_event(self, event_id: str, reason_code: str = "") -> SystemEvent:
        """Force an active event to Failed (the cloud decides this; tests may need it)."""
        return self._sim.fail_event(event_id, reason_code)

    def _reading(self) -> AbstractContextManager[object]:
        return self._sim.lock

    def _event_candidates(self, instance_id: str | None) -> Collection[SystemEvent]:
        store = self._sim.store  # read under _reading(), the simulation's lock: no copy
        if instance_id is not None:
            return store.events_of_instance(instance_id)
        return store.events.values()

    def event(self, event_id: str) -> SystemEvent:
        return self._sim.get_event(event_id)

    # ---------------------------------------------------------------- instance actions
    @_then_deliver
    def reboot_instance(self, instance_id: str) -> Instance:
        return self._sim.reboot_instance(instance_id)

    @_then_deliver
    def _reboot_instances(self, instance_ids: list[str]) -> list[Instance]:
        results = self._sim.reboot_instances(instance_ids)
        return [instance for instance, _, _ in results]

    @_then_deliver
    def stop_instance(self, instance_id: str) -> Instance:
        return self._sim.stop_instance(instance_id)

    @_then_deliver
    def start_instance(self, instance_id: str) -> Instance:
        return self._sim.start_instance(instance_id)

    @_then_deliver
    def redeploy_instance(self, instance_id: str) -> str:
        """Returns the TaskId, as RedeployInstance does."""
        return self._sim.redeploy_instance(instance_id)

    # ----------------------------------------------------------------- faults, observers
    def _fail_next(self, action: str, fault: dict[str, Any]) -> None:
        self._api.fail_next(action, **fault)

    @property
    def latency(self) -> timedelta:
        """How long (real time) each API call waits before it is served; 0 by default.

        Set it to a duration (``"200ms"``, ``0.2``, a ``timedelta``). It is wall-clock time,
        not virtual time: the virtual clock moves only when a test moves it. A latency at
        least as long as the client's read timeout becomes a read timeout (in process).
        """
        return timedelta(seconds=self._api.latency)

    @latency.setter
    def latency(self, value: timedelta | str | float) -> None:
        self._api.latency = parse_duration(value).total_seconds()

    def subscribe(
        self,
        callback: Callable[[dict[str, Any]], object],
        *,
        format: str = "cloudmonitor",
        instance_changes: bool = False,
    ) -> Subscription:
        """Call ``callback(payload)`` for every event state change, at its virtual time.

        ``format`` is ``"cloudmonitor"`` (ECS event notification) or ``"eventbridge"``
        (CloudEvents envelope); ``instance_changes=True`` adds ``Instance:StateChange``
        payloads. A callback that raises does not stop the simulation: the error is kept
        (``subscription.errors``) and the ``ecs_sim`` fixture fails the test with it.
        """
        from .notifications.payloads import check_format
        from .notifications.subscribers import Subscription

        subscription = Subscription(callback, check_format(format), instance_changes)
        self._subscriptions.append(subscription)
        self._sim.observers.append(lambda change: subscription(change, self._sim))
        return subscription

    def subscribe_url(
        self,
        url: str,
        *,
        format: str = "cloudmonitor",
        instance_changes: bool = False,
        timeout: float = 2.0,
    ) -> WebhookSubscription:
        """POST every notification as JSON to ``url``, a webhook on this machine.

        Only loopback hosts are accepted (``127.0.0.1``, ``::1``, ``localhost``). Each
        payload is POSTed at the virtual time of its change, as soon as the operation that
        caused it returns (``advance()`` stops at each change to deliver it), so the
        webhook's handler may call the API back. Each attempt is recorded in the returned
        subscription's ``deliveries`` (status, error, time); failures never raise.
        """
        from .notifications.payloads import check_format
        from .notifications.webhooks import WebhookSubscription, check_webhook_url

        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        hook = WebhookSubscription(
            check_webhook_url(url), check_format(format), instance_changes, float(timeout),
            outbox=self._queue_delivery,
        )  # fmt: skip
        self._webhooks.append(hook)
        self._sim.observers.append(lambda change: hook(change, self._sim))
        return hook

    def _queue_delivery(self, hook: WebhookSubscription, when: datetime, payload: Payload) -> None:
        with self._outbox_lock:
            self._outbox.append((hook, when, payload))

    def _deliver_webhooks(self) -> None:
        """POST the queued payloads in order, unless this thread is inside the simulation
        (then its outermost operation will) or another thread is already delivering (it
        will deliver these too, after the one in flight: never two at once)."""
        is_owned = getattr(self._sim.lock, "_is_owned", None)
        if is_owned is not None and is_owned():
            return
        with self._outbox_lock:
            if self._delivering or not self._outbox:
                return
            self._delivering = True
        try:
            while True:
                with self._outbox_lock:
                    if not self._outbox:
                        self._delivering = False
                        return
                    hook, when, payload = self._outbox.popleft()
                hook.deliver(when, payload)
        except BaseException:
            with self._outbox_lock:
                self._delivering = False
            raise

    @property
    def subscriber_errors(self) -> list[BaseException]:
        """Exceptions raised by ``subscribe`` callbacks."""
        return [e for s in self._subscriptions for e in s.errors]

    def on_change(self, callback: Callable[[Change], None]) -> None:
        """Call ``callback`` with every event transition and instance status change."""
        self._sim.observers.append(callback)

    def on_call(self, callback: Callable[[ApiCall], None]) -> None:
        """Call ``callback`` with every API call answered."""
        self._api.call_observers.append(callback)

    @property
    def timeline(self) -> Timeline:
        """Everything that happened so far, in virtual-time order: event transitions,
        instance status changes, API calls and every other kind of change, with queries
        (``of``, ``between``, ``status_at``, ``intervals``, ``overlapping``...; see
        docs/timeline.md). A snapshot: read it again after more happened."""
        return self._recorder.timeline(self._sim.clock.now)

    @property
    def recorder(self) -> Recorder:
        """What ``timeline`` reads: the records as they came (the report reads it too)."""
        return self._recorder

    # ----------------------------------------------------------------------------- MNS
    @property
    def mns(self) -> MnsService:
        """The simulated MNS API (what the MNS SDK's requests are answered by)."""
        service = self._mns_service
        if service is None:
            from .mns import MnsService

            with self._sim.lock:  # the first MNS requests of two threads: one service
                service = self._mns_service
                if service is None:
                    credentials = self._mns_credentials
                    service = MnsService(
                        self._sim,
                        self._api,
                        self.credentials if credentials is None else credentials,
                    )
                    self._mns_service = self._rules.mns = service
        return service

    @property
    def mns_endpoint(self) -> str:
        """The MNS endpoint of the account, for ``mns.account.Account(endpoint, ...)``."""
        return f"http://{self._sim.config.account_id}.mns.{self.region}.aliyuncs.com"

    def _create_queue(self, name: str, attributes: dict[str, Any]) -> QueueSnapshot:
        with self._sim.lock:
            self._sim.queues.create(name, attributes, self.now)
            return self._sim.queues.snapshot(name, self.now)

    def queue(self, name: str) -> QueueSnapshot:
        with self._sim.lock:
            return self._sim.queues.snapshot(name, self.now)

    @property
    def queues(self) -> list[QueueSnapshot]:
        with self._sim.lock:
            now = self.now
            return [self._sim.queues.snapshot(n, now) for n in self._sim.queues.names()]

    def send_message(
        self,
        queue: str,
        body: str,
        *,
        delay_seconds: int | None = None,
        priority: int | None = None,
    ) -> Message:
        with self._sim.lock:
            message = self._sim.queues.send(
                queue, body, self.now, delay_seconds=delay_seconds, priority=priority
            )
        self.mns._wake()
        return message

    @property
    def _rule_bridge(self) -> cms.RuleBridge:
        return self._rules.bridge_of(self._sim)

    @property
    def _bridge(self) -> cms.RuleBridge | None:
        """The rule bridge, if made."""
        return self._rules.bridge

    # ------------------------------------------------------- CloudMonitor event rules
    def _add_event_rule(
        self, name: str, pattern: EventPattern, queue: str | None, enabled: bool,
        region: str | None, faults: dict[str, Any],
    ) -> EventRule:  # fmt: skip
        from .core.event_rules import RuleTarget
        from .core.rule_deliveries import DeliveryPolicy

        given = {k: v for k, v in faults.items() if v is not None}
        policy = None
        if given:
            policy = DeliveryPolicy(**{**vars(self._rule_bridge.policy(name)), **given})
        if not isinstance(enabled, bool):
            raise TypeError(f"enabled must be True or False, got {enabled!r}")
        if queue is not None and (not isinstance(queue, str) or not queue):
            raise TypeError(f"queue must be a queue name, got {queue!r}")
        self._check_region(region)
        state = "ENABLED" if enabled else "DISABLED"
        with self._sim.lock:
            book = self._sim.event_rules
            rule = book.put(name, [pattern], state=state)
            if queue is not None:
                fields = {"Queue": queue, "Region": region or self.region}
                rule = book.put_targets(name, [RuleTarget("MnsParameters", f"mns-{queue}", fields)])
            self._sim.mutations += 1
        if policy is not None:
            self._rule_bridge.policies[name] = policy
        return rule

    def mns_delivery(
        self,
        *,
        duplicates: float = 0.0,
        reorder: bool = False,
        seed: int | str | None = None,
    ) -> None:
        from .core.rule_deliveries import DeliveryPolicy

        policy = DeliveryPolicy(duplicates, reorder)
        with self._sim.lock:
            self._rule_bridge.default_policy = policy
            if seed is not None:
                self._rule_bridge.reseed(seed)

    @property
    def rule_deliveries(self) -> list[RuleDelivery]:
        with self._sim.lock:
            return list(self._rule_bridge.deliveries)

    # ----------------------------------------------------------------- Cloud Assistant
    def _on_command(self, script: Callable[[Instance, str], Any]) -> None:
        self._sim.cloud_assistant.add_script(script)

    @property
    def invocations(self) -> list[CommandRun]:
        with self._sim.lock:
            return self._sim.command_runs()

    def set_cloud_assistant(self, instance_id: str, *, installed: bool = True) -> None:
        if not isinstance(installed, bool):
            raise TypeError(f"installed must be True or False, got {installed!r}")
        self._sim.cloud_assistant.set_agent(instance_id, installed)

    # ----------------------------------------------------------- Server Load Balancer
    def _add_load_balancer(
        self, name: str | None, listeners: list[ListenerSetup], backends: list[tuple[str, int]],
        vserver_groups: dict[str, list[tuple[str, int, int]]], region: str | None,
        load_balancer_id: str | None,
    ) -> LoadBalancerSnapshot:  # fmt: skip
        region = region or self.region
        check_region(region, self._sim.config.extra_regions)
        with self._sim.lock:
            servers = [s for s, _ in backends]
            servers += [s for rows in vserver_groups.values() for s, _, _ in rows]
            for server_id in dict.fromkeys(servers):  # as the ecs_event marker does
                if isinstance(server_id, str) and self._sim.store.live_instance(server_id) is None:
                    self._sim.add_instance(server_id, region=region)
            first = self._sim.store.live_instance(servers[0]) if servers else None
            lb = self._sim.load_balancers.create(
                name=name or "",
                region=region,
                zone=first.zone if first is not None else region_info(region).zones[0],
                listeners=listeners,
                backends=backends,
                vserver_groups=vserver_groups,
                load_balancer_id=load_balancer_id,
                vpc_id=first.vpc_id if first is not None else "",
                vswitch_id=first.vswitch_id if first is not None else "",
            )
            return self._sim.load_balancers.snapshot(lb.load_balancer_id)

    def load_balancer(self, load_balancer_id: str) -> LoadBalancerSnapshot:
        with self._sim.lock:
            return self._sim.load_balancers.snapshot(load_balancer_id)

    @property
    def load_balancers(self) -> list[LoadBalancerSnapshot]:
        with self._sim.lock:
            store = self._sim.load_balancers
            return [store.snapshot(lb_id) for lb_id in store.balancers]

    def backends_of(self, instance_id: str) -> list[BackendView]:
        with self._sim.lock:
            return self._sim.load_balancers.backends_of(instance_id)

    @property
    def backend_changes(self) -> list[BackendChange]:
        from .core.load_balancers import BackendChange

        # the recorder has every change already: no second log in the store
        with self._sim.lock:
            return [c for c in self._recorder.changes() if isinstance(c, BackendChange)]

    def __repr__(self) -> str:
        store = self._sim.store
        return (
            f"<EcsSimulator region={self.region!r} now={self.now:%Y-%m-%dT%H:%M:%SZ} "
            f"instances={len(store.instances)} events={len(store.events)} "
            f"calls={len(self._calls)}>"
        )


class _RuleWatch:
    """CloudMonitor event rules -> MNS queues (cms/rule_delivery.py): the rule book's target
    listener. The bridge is made when a rule or a delivery setting first needs it, seeded
    from the seed the account was made with (as if made with it), and it observes the changes
    only once a rule has an MNS target, so an account without one pays nothing.

    It holds the simulation weakly and never the simulator: it sits in the simulation's own
    rule book, and a strong link back would make every account a reference cycle, left to
    the cyclic collector (a gone simulation has no observers to add the bridge to).
    """

    __slots__ = ("_simulation", "bridge", "mns", "seed")

    def __init__(self, simulation: Simulation, seed: int) -> None:
        self._simulation = weakref.ref(simulation)
        self.seed = seed
        self.bridge: cms.RuleBridge | None = None
        #: The simulator's MNS service once built (its receivers are woken by a delivery).
        self.mns: MnsService | None = None

    def bridge_of(self, simulation: Simulation) -> cms.RuleBridge:
        bridge = self.bridge
        if bridge is None:
            with simulation.lock:
                if self.bridge is None:
                    from .cms import RuleBridge

                    self.bridge = RuleBridge(simulation, seed=self.seed, wake=self.wake)
                bridge = self.bridge
        return bridge

    def wake(self) -> None:
        if self.mns is not None:  # nobody can be waiting on an MNS never built
            self.mns._wake()

    def __call__(self, rule: EventRule) -> None:
        simulation = self._simulation()
        if simulation is None or not rule.targets_of("MnsParameters"):
            return
        bridge = self.bridge_of(simulation)
        if bridge not in simulation.observers:
            simulation.observers.append(bridge)
