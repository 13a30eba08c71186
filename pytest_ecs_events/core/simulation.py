"""The simulation: store + clock + catalog + lifecycle, and every operation on them.

Each public method is one ECS operation with the service's rules: it validates everything
first and raises :class:`EcsApiError` without touching the state, or applies the whole change
(all-or-nothing). Every method holds the simulation's lock, so handlers may call the API from
thread pools. Time only moves in :meth:`Simulation.advance_to`.

This module holds the account's set-up, its instances, the instance actions and tags; the
rest of :class:`Simulation` comes from the parts it is built on (:mod:`.sim_base` says which
part holds what).
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from . import tagging
from .addressing import AddressBook
from .catalog import DEFAULT_CATALOG, Catalog, InstanceStatus
from .changes import Observer
from .clock import VirtualClock
from .errors import EcsApiError
from .instance_ops import (
    MSG_INCORRECT_STATUS,
    check_batch,
    check_batch_size,
    check_changes,
    stopped_mode_for,
)
from .lifecycle import Trigger, new_instance_change
from .models import Instance
from .provisioning import STATUS_BY_TEXT, check_attributes, new_instance, system_disk
from .regions import new_resource_id
from .regions import region as region_info
from .sim_base import (
    LATEST_TIME,
    MSG_ACCEPT_INSTANCE_STATUS,
    MSG_ACCEPT_NOT_SUPPORTED,
    MSG_CANNOT_FIND_EVENT,
    MSG_CANNOT_FIND_INSTANCE,
    MSG_DRY_RUN,
    MSG_INSTANCE_NOT_FOUND,
    MSG_LIMIT_EXCEEDED,
    MSG_NOT_BEFORE_PASSED,
    MSG_NOT_SIMULATED,
    SIMULATED_IMPACT_LEVEL,
    SIMULATED_REASON,
    SimulationConfig,
)
from .sim_events import EventOps
from .store import Store

if TYPE_CHECKING:  # the account's areas: each is made, and its module imported, on first use
    from .cloud_assistant import CloudAssistant, CommandRun
    from .event_rules import EventRule, EventRuleBook
    from .load_balancers import LoadBalancerStore
    from .queues import QueueStore

#: What this module offers (the constants are defined in :mod:`.sim_base`).
__all__ = [
    "LATEST_TIME",
    "MSG_ACCEPT_INSTANCE_STATUS",
    "MSG_ACCEPT_NOT_SUPPORTED",
    "MSG_CANNOT_FIND_EVENT",
    "MSG_CANNOT_FIND_INSTANCE",
    "MSG_DRY_RUN",
    "MSG_INSTANCE_NOT_FOUND",
    "MSG_LIMIT_EXCEEDED",
    "MSG_NOT_BEFORE_PASSED",
    "MSG_NOT_SIMULATED",
    "SIMULATED_IMPACT_LEVEL",
    "SIMULATED_REASON",
    "Simulation",
    "SimulationConfig",
]


#: The batch instance actions: the status plan each instance goes through, and the status it
#: must be in.
_BATCH_ACTIONS: dict[str, tuple[str, InstanceStatus]] = {
    "RebootInstances": ("reboot", InstanceStatus.Running),
    "StartInstances": ("start", InstanceStatus.Stopped),
    "StopInstances": ("stop", InstanceStatus.Running),
}


#: The generator of every account made without a seed. Seeding a ``random.Random`` fills its
#: 624-word state (a cost each unseeded test would pay for ids that need no stream of their
#: own). Each draw of its state is one C call under the GIL (a ``randint`` is a few of them),
#: so accounts in several threads share it safely, as the :mod:`random` module's own
#: generator is shared; threads' draws may interleave, which no unseeded id depends on. A
#: forked child reseeds it, as :mod:`random` does for its own, so that forked processes do
#: not draw the same ids.
_UNSEEDED = random.Random()
if hasattr(os, "register_at_fork"):  # pragma: no branch (every POSIX system)
    os.register_at_fork(after_in_child=_UNSEEDED.seed)


_Area = TypeVar("_Area")


def _new_rng(seed: int | None) -> random.Random:
    """The account's generator: ``seed``'s, or without one the process's unseeded one."""
    if seed is None:
        return _UNSEEDED
    return random.Random(seed)


class Simulation(EventOps):
    """One simulated ECS account: its instances, events and virtual clock."""

    def __init__(
        self,
        *,
        now: datetime,
        config: SimulationConfig | None = None,
        catalog: Catalog = DEFAULT_CATALOG,
    ) -> None:
        self.config = config or SimulationConfig()
        self.catalog = catalog
        self.clock = VirtualClock(now)
        self.store = Store()
        self.lock = threading.RLock()
        self.observers: list[Observer] = []
        #: Exceptions raised by observers (kept, so the test that caused them can fail).
        self.observer_errors: list[BaseException] = []
        self._rng = _new_rng(self.config.seed)
        #: The account's VPCs, vSwitches and the addresses handed out in them.
        self.network = AddressBook(self._rng)
        #: Bumped by every change of state an API answer could show (the API layer keys its
        #: cache of read-only answers on it, with the clock).
        self.mutations = 0
        #: The event rule book's ``target_listeners`` (the very list), kept here so that
        #: listeners can be added before the book is made.
        self.rule_target_listeners: list[Callable[[EventRule], None]] = []
        # queues, event_rules, cloud_assistant and load_balancers are made on first use
        # (below), the load balancers seeded from the seed given here
        self._queues: QueueStore | None = None
        self._event_rules: EventRuleBook | None = None
        self._cloud_assistant: CloudAssistant | None = None
        self._load_balancers: LoadBalancerStore | None = None
        self._lb_seed = self.config.seed
        # Remaining status steps of each instance's running action: (due, status).
        self._plans: dict[str, list[tuple[datetime, InstanceStatus]]] = {}

    # Made on first use, each with its module: an account that never meets an area does
    # not import it. Cloud Assistant and the load balancers hold the account, and the
    # account them: made in __init__, every account would be a reference cycle left to the
    # cyclic collector. None of them draws from the account's generator when made.
    @property
    def queues(self) -> QueueStore:  # type: ignore[override]
        """The account's MNS queues (core/queues.py): read against the clock, no timers."""
        made = self._queues
        if made is None:
            from .queues import QueueStore

            made = self._area("_queues", QueueStore)
        return made

    @property
    def event_rules(self) -> EventRuleBook:  # type: ignore[override]
        """The account's CloudMonitor event rules (core/event_rules.py)."""
        made = self._event_rules
        if made is None:
            from .event_rules import EventRuleBook

            made = self._area("_event_rules", partial(EventRuleBook, self.rule_target_listeners))
        return made

    @property
    def cloud_assistant(self) -> CloudAssistant:  # type: ignore[override]
        """The account's Cloud Assistant: commands and their runs (core/cloud_assistant.py)."""
        made = self._cloud_assistant
        if made is None:
            from .cloud_assistant import CloudAssistant

            made = self._area("_cloud_assistant", partial(CloudAssistant, self))
        return made

    def command_runs(self) -> list[CommandRun]:
        """Cloud Assistant's command runs so far, without making it (an account that never
        used it ran nothing)."""
        made = self._cloud_assistant
        return [] if made is None else list(made.runs)

    @property
    def load_balancers(self) -> LoadBalancerStore:  # type: ignore[override]
        """The account's Server Load Balancer instances (core/load_balancers.py)."""
        made = self._load_balancers
        if made is None:
            from .load_balancers import LoadBalancerStore

            made = self._area("_load_balancers", partial(LoadBalancerStore, self, self._lb_seed))
        return made

    def _area(self, attribute: str, make: Callable[[], _Area]) -> _Area:
        """The area kept in ``attribute``, made by ``make`` if it is not yet (under the lock:
        two threads' first uses make one)."""
        with self.lock:
            made: _Area | None = getattr(self, attribute)
            if made is None:
                made = make()
                setattr(self, attribute, made)
            return made

    # ------------------------------------------------------------------------ instances
    def add_instance(
        self,
        instance_id: str | None = None,
        *,
        name: str | None = None,
        region: str | None = None,
        zone: str | None = None,
        status: InstanceStatus | str = InstanceStatus.Running,
        tags: dict[str, str] | None = None,
        **attributes: Any,
    ) -> Instance:
        """Register an instance of the account (or return it if it exists with that id), with
        its system disk. ``attributes`` are those of
        :data:`~.provisioning.INSTANCE_ATTRIBUTES`; the rest is generated."""
        with self.lock:
            if type(status) is not InstanceStatus:  # a member is itself
                member = STATUS_BY_TEXT.get(status) if type(status) is str else None
                status = member if member is not None else InstanceStatus(status)
            region = region or self.config.region
            store = self.store
            if instance_id is None:
                instance_id = self._new_id("i", region, store.instances.__contains__)
            elif not isinstance(instance_id, str) or not instance_id.strip():
                raise ValueError(f"an instance id must be a non-empty string, got {instance_id!r}")
            existing = store.instances.get(instance_id)
            if existing is not None and not existing.released:
                return existing
            zone = zone or region_info(region).zones[0]  # first, as before: its error first
            now = self.clock.now
            checked = check_attributes(attributes, now=now)
            instance = new_instance(
                instance_id,
                region=region,
                zone=zone,
                name=name if name is not None else instance_id,
                status=status,
                tags=tags or {},
                attributes=checked,
                now=now,
                rng=self._rng,
                network=self.network,
            )
            store.add_instance(instance)
            if checked:
                disk = system_disk(
                    instance,
                    rng=self._rng,
                    size_gib=checked.get("system_disk_size", 40),
                    category=checked.get("system_disk_category", "cloud_essd"),
                )
            else:
                disk = system_disk(instance, rng=self._rng)
            store.add_disk(disk)
            self.notify(new_instance_change(now, instance_id, None, status, "created"))
            return instance

    def instances(self, region: str | None = None) -> list[Instance]:
        with self.lock:
            return [
                i
                for i in self.store.instances.values()
                if not i.released and (region is None or i.region == region)
            ]

    # ------------------------------------------------------------------ instance actions
    def reboot_instance(self, instance_id: str, *, dry_run: bool = False) -> Instance:
        """RebootInstance: Running -> Stopping -> Starting -> Running; avoids reboot events."""
        with self.lock:
            instance = self._instance_for_action(instance_id, {InstanceStatus.Running})
            if dry_run:
                raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)
            self._run_instance_action(instance, "reboot", "RebootInstance")
            return instance

    def reboot_instances(
        self,
        instance_ids: Sequence[str],
        *,
        dry_run: bool = False,
        all_together: bool = True,
        region: str | None = None,
    ) -> list[tuple[Instance, InstanceStatus, EcsApiError | None]]:
        """RebootInstances; returns (instance, previous status, error or None) per instance."""
        return self.batch_instance_action(
            "RebootInstances", instance_ids, region=region or self.config.region,
            dry_run=dry_run, all_together=all_together,
        )  # fmt: skip

    def stop_instance(
        self, instance_id: str, *, dry_run: bool = False, stopped_mode: str | None = None
    ) -> Instance:
        """StopInstance: Running -> Stopping -> Stopped (``stopped_mode``: see
        :func:`~.instance_ops.stopped_mode_for`)."""
        with self.lock:
            instance = self._instance_for_action(instance_id, {InstanceStatus.Running})
            if dry_run:
                raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)
            instance.stopped_mode = stopped_mode_for(instance, stopped_mode)
            instance.revision += 1
            self._run_instance_action(instance, "stop", "StopInstance")
            return instance

    def start_instance(self, instance_id: str, *, dry_run: bool = False) -> Instance:
        """StartInstance: Stopped -> Starting -> Running."""
        with self.lock:
            instance = self._instance_for_action(instance_id, {InstanceStatus.Stopped})
            if dry_run:
                raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)
            self._run_instance_action(instance, "start", "StartInstance")
            return instance

    def batch_instance_action(
        self,
        action: str,
        instance_ids: Sequence[str],
        *,
        region: str,
        dry_run: bool = False,
        all_together: bool = True,
        stopped_mode: str | None = None,
    ) -> list[tuple[Instance, InstanceStatus, EcsApiError | None]]:
        """RebootInstances, StartInstances or StopInstances (``action``); (instance, previous
        status, error or None) per instance. The checks are
        :func:`~.instance_ops.check_batch`'s; each instance then goes through what the single
        action does, and avoids the events the batch action avoids."""
        plan, needed = _BATCH_ACTIONS[action]
        with self.lock:
            check_batch_size(instance_ids, self.config.max_ids_per_call)
            instances = [self._live_in_region(i, region) for i in dict.fromkeys(instance_ids)]
            found = check_batch(instance_ids, instances, needed, dry_run=dry_run,
                                all_together=all_together)  # fmt: skip
            results: list[tuple[Instance, InstanceStatus, EcsApiError | None]] = []
            for instance in found:
                previous = instance.status
                if previous is not needed:
                    error = EcsApiError("IncorrectInstanceStatus", MSG_INCORRECT_STATUS, 403)
                    results.append((instance, previous, error))
                    continue
                if plan == "stop":
                    instance.stopped_mode = stopped_mode_for(instance, stopped_mode)
                    instance.revision += 1
                # Start/stop batches avoid exactly what the single action avoids; a reboot
                # batch avoids what RebootInstances itself is listed for.
                cause = action if plan == "reboot" else action.removesuffix("s")
                self._run_instance_action(instance, plan, cause)
                results.append((instance, previous, None))
            return results

    def modify_instance_attribute(self, instance_id: str, changes: dict[str, Any]) -> Instance:
        """ModifyInstanceAttribute: ``changes`` as :func:`~.instance_ops.check_changes`
        takes them; all checked before any is applied."""
        with self.lock:
            instance = self.get_instance(instance_id)
            for name, value in check_changes(instance, changes).items():
                setattr(instance, name, value)
            instance.revision += 1
            self.mutations += 1
            return instance

    def redeploy_instance(self, instance_id: str) -> str:
        """RedeployInstance: moves the instance; handles platform events only. Returns TaskId."""
        with self.lock:
            instance = self._instance_for_action(
                instance_id, {InstanceStatus.Running, InstanceStatus.Stopped}
            )
            plan = (
                "redeploy_running"
                if instance.status is InstanceStatus.Running
                else "redeploy_stopped"
            )
            self._run_instance_action(instance, plan, "RedeployInstance")
            return new_resource_id("t", instance.region, self._rng)

    def delete_instance(
        self, instance_id: str, *, force: bool = False, dry_run: bool = False
    ) -> None:
        """DeleteInstance: release the instance now (Stopped, or any status with ``force``).

        A release event that is still active (SystemFailure.Delete) is Avoided: the user released
        the instance first.
        """
        with self.lock:
            allowed = set(InstanceStatus) if force else {InstanceStatus.Stopped}
            instance = self._instance_for_action(instance_id, allowed)
            if dry_run:
                raise EcsApiError("DryRunOperation", MSG_DRY_RUN, 400)
            for event in list(self.store.events_of_instance(instance.instance_id)):
                spec = self.catalog.spec(event.event_type)
                if not event.simulated and "DeleteInstance" in spec.platform_avoided_by:
                    self._fire(event, Trigger.RELEASED, "DeleteInstance")
            old = instance.status
            instance.released = True
            self._plans.pop(instance.instance_id, None)
            self.store.clear_instance_timer(instance)
            self.mutations += 1
            self.notify(
                new_instance_change(self.now, instance.instance_id, old, None, "DeleteInstance")
            )

    def set_maintenance_attributes(
        self, instance_ids: Sequence[str], attributes: dict[str, object], *, region: str
    ) -> None:
        """ModifyInstanceMaintenanceAttributes (it never moves an event's NotBefore)."""
        with self.lock:
            instances = []
            for iid in instance_ids:
                instance = self._live_in_region(iid, region)
                if instance is None:
                    raise EcsApiError(
                        "InvalidInstanceId.NotFound", f"{MSG_INSTANCE_NOT_FOUND} {iid}", 404
                    )
                instances.append(instance)
            for instance in instances:
                instance.maintenance.update(attributes)
            self.mutations += 1

    # ----------------------------------------------------------------------------- tags
    def tag_resources(
        self, resource_type: str, resource_ids: Sequence[str], tags: dict[str, str], *, region: str
    ) -> None:
        """TagResources: add or overwrite ``tags`` on every resource, or on none
        (the rules are in :mod:`.tagging`)."""
        with self.lock:
            resources = tagging.find_resources(self.store, resource_type, resource_ids, region)
            if tagging.tag(resources, tags):
                self.mutations += 1

    def untag_resources(
        self,
        resource_type: str,
        resource_ids: Sequence[str],
        keys: Sequence[str] | None,
        *,
        region: str,
    ) -> None:
        """UntagResources: remove ``keys`` (every tag when None) from every resource."""
        with self.lock:
            resources = tagging.find_resources(self.store, resource_type, resource_ids, region)
            if tagging.untag(resources, keys):
                self.mutations += 1

    # ---------------------------------------------------------------------- internals
    def _live_in_region(self, instance_id: str, region: str) -> Instance | None:
        instance = self.store.live_instance(instance_id)
        if instance is None or instance.region != region:
            return None
        return instance

    def _instance_for_action(self, instance_id: str, allowed: set[InstanceStatus]) -> Instance:
        instance = self.get_instance(instance_id)
        if instance.status not in allowed:
            raise EcsApiError(
                "IncorrectInstanceStatus",
                f"{MSG_INCORRECT_STATUS} Instance {instance_id} is {instance.status.value}; "
                f"this action needs {' or '.join(sorted(s.value for s in allowed))}.",
                403,
            )
        return instance
