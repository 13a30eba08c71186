"""Instances, disks and system events: the records the simulator keeps.

The handle hands these objects out as they live in the store, so a test that holds an event
sees its state change as the clock moves. Treat them as read-only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from .catalog import EventState, InstanceStatus
from .images import DEFAULT_IMAGE_ID
from .instance_types import DEFAULT_INSTANCE_TYPE

NO_EXTENDED: Mapping[str, Any] = MappingProxyType({})
#: Event states by the small code :attr:`SystemEvent.trail` keeps, and back.
STATES: tuple[EventState, ...] = tuple(EventState)
STATE_CODES: Mapping[EventState, int] = MappingProxyType({s: i for i, s in enumerate(STATES)})


@dataclass(eq=False, slots=True)
class Instance:
    """An ECS instance the simulated account owns."""

    instance_id: str
    region: str
    zone: str
    name: str
    status: InstanceStatus
    #: Read-only: a new mapping replaces it when the tags change (TagResources, ...).
    tags: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    #: True once a Delete-type event released it; it then no longer exists for the API.
    released: bool = False
    #: Maintenance attributes (ModifyInstanceMaintenanceAttributes).
    maintenance: dict[str, Any] = field(default_factory=dict)
    # What DescribeInstances shows of it (the simulation fills them in when it adds the
    # instance: see core/provisioning.py).
    instance_type: str = DEFAULT_INSTANCE_TYPE
    image_id: str = DEFAULT_IMAGE_ID
    host_name: str = ""
    description: str = ""
    vpc_id: str = ""
    vswitch_id: str = ""
    private_ip: str = ""
    #: The public address assigned with the instance ("" if none; an EIP is separate).
    public_ip: str = ""
    eip_address: str = ""
    eip_allocation_id: str = ""
    network_interface_id: str = ""
    mac_address: str = ""
    security_group_ids: tuple[str, ...] = ()
    #: ``PostPaid`` (pay-as-you-go) or ``PrePaid`` (subscription).
    charge_type: str = "PostPaid"
    internet_charge_type: str = "PayByTraffic"
    internet_max_bandwidth_out: int = 0
    #: When a subscription ends (None: pay-as-you-go, shown as 2099-12-31T15:59Z).
    expired_at: datetime | None = None
    resource_group_id: str = ""
    deletion_protection: bool = False
    key_pair_name: str = ""
    serial_number: str = ""
    #: When it last started (DescribeInstances ``StartTime``).
    started_at: datetime | None = None
    #: DescribeInstances ``StoppedMode``: Not-applicable unless stopped, then KeepCharging or
    #: StopCharging (as StopInstance(s) asked).
    stopped_mode: str = "Not-applicable"
    #: What ModifyInstanceAttribute set that DescribeInstances does not show as such.
    user_data: str = ""
    #: Burstable instances' ``CreditSpecification`` (Standard or Unlimited; "" otherwise).
    credit_specification: str = ""
    #: ``OperationLocks`` reasons (financial, security, ...).
    lock_reasons: tuple[str, ...] = ()
    #: ModifyInstanceAttribute ``EnableJumboFrame`` (DescribeInstanceAttribute shows it).
    jumbo_frame: bool = False
    #: Bumped by the core whenever a field the API renders changes (a kept rendering is
    #: valid while it holds: api/speedups/render_cache.py).
    revision: int = 0

    def __repr__(self) -> str:
        return (
            f"Instance({self.instance_id!r}, status={self.status.value!r}, "
            f"region={self.region!r}, zone={self.zone!r}, name={self.name!r})"
        )


@dataclass(eq=False, slots=True)
class Disk:
    """A cloud disk of the account: an instance's system disk, or a data disk."""

    disk_id: str
    region: str
    zone: str
    #: ``system`` or ``data`` (DescribeDisks ``Type``).
    kind: str
    category: str = "cloud_essd"
    size_gib: int = 40
    #: The instance it is attached to ("" when it is not attached).
    instance_id: str = ""
    device: str = ""
    #: DescribeDisks ``Status``: In_use, Available, Attaching, Detaching, Creating, ReIniting.
    status: str = "In_use"
    name: str = ""
    description: str = ""
    image_id: str = ""
    performance_level: str = "PL0"
    delete_with_instance: bool = True
    charge_type: str = "PostPaid"
    serial_number: str = ""
    #: Read-only: a new mapping replaces it when the tags change.
    tags: Mapping[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    attached_at: datetime | None = None
    #: True once it was released (with its instance, or on its own).
    released: bool = False
    resource_group_id: str = ""
    #: When it was last detached (DescribeDisks ``DetachedTime``; None: never).
    detached_at: datetime | None = None
    #: Bumped by the core whenever a field the API renders changes (render_cache.py).
    revision: int = 0

    def __repr__(self) -> str:
        return (
            f"Disk({self.disk_id!r}, {self.kind}, {self.category}, {self.size_gib} GiB, "
            f"instance={self.instance_id!r}, status={self.status!r})"
        )


@dataclass(eq=False, slots=True)
class SystemEvent:
    """One instance system event with everything DescribeInstanceHistoryEvents returns."""

    event_id: str
    instance_id: str
    region: str
    event_type: str
    state: EventState
    not_before: datetime | None
    publish_time: datetime
    simulated: bool
    reason: str = ""
    reason_code: str = ""
    impact_level: str = ""
    finish_time: datetime | None = None
    execute_start_time: datetime | None = None
    #: ExtendedAttribute fields, e.g. InitialNotBefore after a reschedule.
    #: Read-only; a new mapping replaces it on change. Most events have none, and share one
    #: empty mapping (one object less per event for the cyclic GC to scan).
    extended: Mapping[str, Any] = field(default_factory=lambda: NO_EXTENDED)
    #: Every state the event has been in and when it entered it, flat: time, state code,
    #: time, state code... (creation first); read it as :attr:`history`. A tuple of times and
    #: small ints holds nothing the cyclic GC tracks, so the GC untracks it: with 100,000
    #: events, a tuple per entry holding an EventState was most of what the GC scanned.
    trail: tuple[Any, ...] = field(default=(), repr=False)
    #: Creation order, used to sort and page without comparing times.
    seq: int = 0
    #: Bumped whenever the pending timer of the event changes, to invalidate old heap entries.
    version: int = 0
    #: Bumped whenever a field the API returns changes, so that whoever keeps something
    #: derived from the event (the API layer keeps its rendering) can tell it is stale.
    revision: int = 0

    @property
    def history(self) -> list[tuple[datetime, EventState]]:
        """Every state the event has been in, with the virtual time it entered it; creation
        first (a new list at each read)."""
        trail = self.trail
        return [(trail[i], STATES[trail[i + 1]]) for i in range(0, len(trail), 2)]

    @classmethod
    def created(cls, **fields: Any) -> SystemEvent:
        """A new event (the record's fields as keywords), its history starting at
        ``publish_time`` in ``state``: how the simulation and live mode both first see one."""
        return cls(**fields, trail=(fields["publish_time"], STATE_CODES[fields["state"]]))

    def record(self, when: datetime, state: EventState) -> None:
        """Note that the event entered ``state`` at ``when`` (the store does, with the state)."""
        self.trail += (when, STATE_CODES[state])

    def __repr__(self) -> str:
        return (
            f"SystemEvent({self.event_id!r}, {self.event_type!r}, instance={self.instance_id!r}, "
            f"state={self.state.value!r}, not_before={self.not_before!s}, "
            f"simulated={self.simulated})"
        )
