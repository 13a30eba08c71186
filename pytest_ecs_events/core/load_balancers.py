"""Server Load Balancer (classic) state: load balancers, their backends, and backend health.

A drain takes an instance out of its load balancers before it reboots; a test wants to see
that it did, and that the backends' health followed the instance. So the account keeps its
load balancers here (listeners, the default server group, vServer groups), and each
backend's health on each listener that checks it moves on the virtual clock with its
instance: the health check notices an instance that stopped running after
``interval x unhealthy_threshold`` seconds (``abnormal``), and one that runs again after
``interval x healthy_threshold`` (``normal``), counted from the status change. An outage
shorter than that is never seen, as with a real health check.

Every change (health, weight, membership) is a :class:`BackendChange` (``kind = "backend"``)
sent through the account's ``notify``, and kept in :attr:`LoadBalancerStore.changes`.

The store watches the account's instance status changes only once it has a load balancer,
so accounts without one pay nothing. Each operation validates everything first (raising
:class:`~.errors.EcsApiError` as the SLB API does) and then applies the whole change.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from .catalog import InstanceStatus
from .changes import AreaHost, Change
from .errors import EcsApiError
from .lifecycle import InstanceChange
from .models import Instance
from .regions import new_resource_id
from .store import Timer

__all__ = [
    "ABNORMAL",
    "DEFAULT_HEALTH_CHECK",
    "HEALTH_STATUSES",
    "MAX_BACKENDS_PER_CALL",
    "NORMAL",
    "UNAVAILABLE",
    "Backend",
    "BackendChange",
    "BackendSpec",
    "BackendView",
    "HealthCheck",
    "Listener",
    "LoadBalancer",
    "LoadBalancerSnapshot",
    "LoadBalancerStore",
    "VServerGroup",
    "VServerGroupView",
    "backend_setup",
    "group_setup",
    "listener_setup",
]

#: ``DescribeHealthStatus``'s ``ServerHealthStatus`` values (documented).
NORMAL, ABNORMAL, UNAVAILABLE = "normal", "abnormal", "unavailable"
HEALTH_STATUSES = (NORMAL, ABNORMAL, UNAVAILABLE)
#: At most 20 backend servers in each call (documented for every BackendServers parameter).
MAX_BACKENDS_PER_CALL = 20
#: Backend server types of the API; only ECS instances are simulated.
BACKEND_TYPES = ("ecs", "eni", "eci")

MSG_LB_NOT_FOUND = "The specified LoadBalancerId does not exist."
MSG_GROUP_NOT_FOUND = "The specified VServerGroupId does not exist."
MSG_OBTAIN_IP_FAIL = (
    "The specified BackendServers is invalid; some of the specified backend servers do not "
    "exist or are not running."
)


@dataclass(frozen=True)
class HealthCheck:
    """A listener's health-check settings (``HealthCheckInterval``, ``HealthyThreshold``,
    ``UnhealthyThreshold``: the documented ranges 1-50 s, 2-10, 2-10)."""

    interval: int = 2
    healthy_threshold: int = 3
    unhealthy_threshold: int = 3

    def __post_init__(self) -> None:
        for name, low, high in (
            ("interval", 1, 50),
            ("healthy_threshold", 2, 10),
            ("unhealthy_threshold", 2, 10),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"health check {name} must be an integer {low}-{high}, "
                                 f"got {value!r}")  # fmt: skip

    @property
    def to_abnormal(self) -> timedelta:
        """How long an instance is down before its backend shows ``abnormal``."""
        return timedelta(seconds=self.interval * self.unhealthy_threshold)

    @property
    def to_normal(self) -> timedelta:
        """How long an instance runs again before its backend shows ``normal``."""
        return timedelta(seconds=self.interval * self.healthy_threshold)


DEFAULT_HEALTH_CHECK = HealthCheck()


@dataclass(frozen=True)
class Listener:
    """A listener: its frontend port and protocol, and the server group it forwards to
    (``vserver_group_id`` "" is the default server group, on ``backend_port``)."""

    port: int
    protocol: str = "tcp"
    vserver_group_id: str = ""
    backend_port: int = 0
    health_check: HealthCheck = DEFAULT_HEALTH_CHECK


@dataclass
class Backend:
    """A backend server of a server group (``port`` 0 in the default server group)."""

    server_id: str
    weight: int = 100
    port: int = 0
    type: str = "ecs"
    description: str = ""


@dataclass(frozen=True)
class BackendSpec:
    """One entry of a ``BackendServers`` parameter, parsed (``None``: not given)."""

    server_id: str
    weight: int | None = None
    port: int | None = None
    type: str = "ecs"
    description: str | None = None


@dataclass
class VServerGroup:
    vserver_group_id: str
    name: str
    load_balancer_id: str
    created: datetime
    #: By (server id, port), in the order they were added.
    backends: dict[tuple[str, int], Backend] = field(default_factory=dict)


#: A health entry: (listener port, vServer group id or "", server id, backend port).
HealthKey = tuple[int, str, str, int]


@dataclass
class _Health:
    status: str
    #: The verdict the health check is on its way to, and when it lands.
    target: str | None = None
    timer: Timer | None = None


@dataclass
class LoadBalancer:
    load_balancer_id: str
    name: str
    region: str
    zone: str
    address: str
    created: datetime
    listeners: list[Listener] = field(default_factory=list)
    #: The default server group, by server id, in the order they were added.
    backends: dict[str, Backend] = field(default_factory=dict)
    #: vServer groups by id, in creation order.
    vserver_groups: dict[str, VServerGroup] = field(default_factory=dict)
    status: str = "active"
    vpc_id: str = ""
    vswitch_id: str = ""
    health: dict[HealthKey, _Health] = field(default_factory=dict)

    def listeners_of(self, group_id: str) -> list[Listener]:
        return [listener for listener in self.listeners if listener.vserver_group_id == group_id]

    def listener(self, port: int) -> Listener | None:
        return next((listener for listener in self.listeners if listener.port == port), None)

    def members(self) -> Iterator[tuple[str, Backend]]:
        """Every (group id or "", backend) of the load balancer."""
        for backend in self.backends.values():
            yield "", backend
        for group in self.vserver_groups.values():
            for backend in group.backends.values():
                yield group.vserver_group_id, backend


@dataclass(frozen=True)
class BackendChange:
    """One change of a backend: its health on a listener, its weight, or its membership.

    ``change`` says which: ``"health"`` (``old``/``new`` are ``normal``, ``abnormal`` or
    ``unavailable``; ``listener_port`` is the listener whose check it is), ``"weight"``
    (``old``/``new`` are the weights, as text), ``"added"`` or ``"removed"`` (``old`` / ``new``
    is "" on the missing side). ``weight`` is the traffic weight the backend has after the
    change (0 once removed), so "out of every load balancer" is every backend of the
    instance at weight 0. ``port`` is the backend port (in the default server group, the
    listener's backend port for health, else 0).

    In a timeline a health verdict is kind ``"backend"`` and any other change kind
    ``"weight"``, so a query for one is not mixed with the other: ``values_at(t,
    kind="weight", instance=i)`` is the traffic each of the instance's backends gets at ``t``
    (``"0"`` once removed), ``values_at(t, kind="backend")`` their health.
    """

    time: datetime
    instance_id: str
    load_balancer_id: str
    vserver_group_id: str
    port: int
    change: str
    old: str
    new: str
    weight: int
    listener_port: int = 0
    cause: str = ""

    @property
    def kind(self) -> str:
        return "backend" if self.change == "health" else "weight"

    @property
    def value(self) -> str:
        """The timeline's value: the new health, else the traffic weight after the change."""
        return self.new if self.change == "health" else str(self.weight)

    @property
    def subject(self) -> str:
        """The timeline's subject: the backend (``lb``, or ``lb/group:port`` in a vServer
        group, where an instance may be a backend on several ports), and for a health verdict
        the listener whose check it is (``@80``), each listener checking at its own pace."""
        group = f"/{self.vserver_group_id}:{self.port}" if self.vserver_group_id else ""
        listener = f"@{self.listener_port}" if self.change == "health" else ""
        return f"{self.load_balancer_id}{group}{listener}"

    def __str__(self) -> str:
        group = f"/{self.vserver_group_id}" if self.vserver_group_id else ""
        where = f"{self.load_balancer_id}{group}" + (f":{self.port}" if self.port else "")
        if self.change == "health":
            what = f"health on :{self.listener_port} {self.old} -> {self.new}"
        elif self.change == "weight":
            what = f"weight {self.old} -> {self.new}"
        else:
            what = self.change + (f" (weight {self.weight})" if self.change == "added" else "")
        return (f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.instance_id} in {where}: {what}"
                + (f" ({self.cause})" if self.cause else ""))  # fmt: skip


@dataclass(frozen=True)
class BackendView:
    """A backend as a test sees it: its weight, and its health on each listener that checks
    it (listener port -> ``normal`` / ``abnormal`` / ``unavailable``)."""

    server_id: str
    weight: int
    port: int
    vserver_group_id: str
    health: Mapping[int, str]
    type: str = "ecs"
    description: str = ""
    load_balancer_id: str = ""


@dataclass(frozen=True)
class VServerGroupView:
    vserver_group_id: str
    name: str
    backends: tuple[BackendView, ...]


@dataclass(frozen=True)
class LoadBalancerSnapshot:
    """A load balancer at one moment (copies: later changes do not show in it)."""

    load_balancer_id: str
    name: str
    region: str
    address: str
    status: str
    listeners: tuple[Listener, ...]
    #: The default server group.
    backends: tuple[BackendView, ...]
    #: vServer groups by name.
    vserver_groups: Mapping[str, VServerGroupView]

    @property
    def vserver_group_ids(self) -> dict[str, str]:
        """vServer group id by name."""
        return {name: g.vserver_group_id for name, g in self.vserver_groups.items()}


class LoadBalancerStore:
    """The account's load balancers and vServer groups. Callers hold the account's lock."""

    def __init__(self, account: AreaHost, seed: int | str | None = None) -> None:
        self._account = account
        self._seed = seed
        self._rng_made: random.Random | None = None
        self.balancers: dict[str, LoadBalancer] = {}
        #: vServer group id -> its load balancer's id.
        self.group_owner: dict[str, str] = {}
        #: Instance id -> ids of the load balancers it is a backend of.
        self._by_instance: dict[str, set[str]] = {}
        self._watching = False

    @property
    def _rng(self) -> random.Random:
        """Seeded on first use (from the seed alone, so the ids are the same as if seeded at
        construction): an account that never makes a load balancer does not pay for it."""
        if self._rng_made is None:
            self._rng_made = random.Random(f"slb:{self._seed}")
        return self._rng_made

    # ------------------------------------------------------------------------- lookups
    def get(self, load_balancer_id: str, region: str | None = None) -> LoadBalancer:
        """The load balancer (of ``region`` if given), else ``InvalidLoadBalancerId.NotFound``."""
        lb = self.balancers.get(load_balancer_id)
        if lb is None or (region is not None and lb.region != region):
            raise EcsApiError("InvalidLoadBalancerId.NotFound", MSG_LB_NOT_FOUND, 404)
        return lb

    def group(self, group_id: str, region: str | None = None) -> tuple[LoadBalancer, VServerGroup]:
        """The vServer group and its load balancer, else ``InvalidParameter`` (404)."""
        owner = self.group_owner.get(group_id)
        lb = self.balancers.get(owner) if owner is not None else None
        if lb is None or (region is not None and lb.region != region):
            raise EcsApiError("InvalidParameter", MSG_GROUP_NOT_FOUND, 404)
        return lb, lb.vserver_groups[group_id]

    def health_of(self, lb: LoadBalancer, key: HealthKey) -> str:
        entry = lb.health.get(key)
        return entry.status if entry is not None else UNAVAILABLE

    def snapshot(self, load_balancer_id: str) -> LoadBalancerSnapshot:
        lb = self.get(load_balancer_id)
        return LoadBalancerSnapshot(
            lb.load_balancer_id,
            lb.name,
            lb.region,
            lb.address,
            lb.status,
            tuple(lb.listeners),
            tuple(self._view(lb, "", b) for b in lb.backends.values()),
            MappingProxyType({
                g.name: VServerGroupView(
                    g.vserver_group_id, g.name,
                    tuple(self._view(lb, g.vserver_group_id, b) for b in g.backends.values()),
                )
                for g in lb.vserver_groups.values()
            }),
        )  # fmt: skip

    def backends_of(self, instance_id: str) -> list[BackendView]:
        """Every backend the instance is, in every load balancer, in creation order."""
        found = []
        for lb_id in sorted(self._by_instance.get(instance_id, ()), key=self._order):
            lb = self.balancers[lb_id]
            for group_id, backend in lb.members():
                if backend.server_id == instance_id:
                    found.append(self._view(lb, group_id, backend))
        return found

    def _order(self, lb_id: str) -> int:
        return list(self.balancers).index(lb_id)

    def _view(self, lb: LoadBalancer, group_id: str, backend: Backend) -> BackendView:
        health = {
            key[0]: entry.status
            for key, entry in lb.health.items()
            if key[1] == group_id and key[2] == backend.server_id
            and (group_id == "" or key[3] == backend.port)
        }  # fmt: skip
        return BackendView(
            backend.server_id, backend.weight, backend.port, group_id,
            MappingProxyType(health), backend.type, backend.description, lb.load_balancer_id,
        )  # fmt: skip

    # ------------------------------------------------------------------------ creation
    def create(
        self,
        *,
        name: str,
        region: str,
        zone: str,
        listeners: Sequence[ListenerSetup],
        backends: Sequence[tuple[str, int]],
        vserver_groups: Mapping[str, Sequence[tuple[str, int, int]]],
        load_balancer_id: str | None = None,
        vpc_id: str = "",
        vswitch_id: str = "",
    ) -> LoadBalancer:
        """A load balancer set up by the test (not an API action): ``listeners`` are (port,
        protocol, vServer group name or None, backend port, health check); the backends'
        instances must exist in ``region``. Backends start ``normal`` if their instance is
        running, ``abnormal`` if not (a steady state, no check under way)."""
        if load_balancer_id is not None and load_balancer_id in self.balancers:
            raise ValueError(f"a load balancer {load_balancer_id!r} already exists")
        ports = [spec[0] for spec in listeners]
        if len(set(ports)) != len(ports):
            raise ValueError(f"listener ports must differ, got {ports}")
        for port, protocol, group_name, backend_port, _ in listeners:
            _check_port(port, "listener port")
            _check_port(backend_port, "listener backend port")
            if protocol not in ("tcp", "udp", "http", "https"):
                raise ValueError(f"listener protocol must be tcp, udp, http or https, "
                                 f"got {protocol!r}")  # fmt: skip
            if group_name is not None and group_name not in vserver_groups:
                raise ValueError(f"listener {port} forwards to vServer group {group_name!r}, "
                                 f"which is not in vserver_groups")  # fmt: skip
        seen: set[str] = set()
        for server_id, weight in backends:
            self._check_setup_backend(server_id, weight, region)
            if server_id in seen:
                raise ValueError(f"backend {server_id!r} is given twice")
            seen.add(server_id)
        for group_name, members in vserver_groups.items():
            if not isinstance(group_name, str) or not group_name:
                raise ValueError(f"vServer group names must be non-empty strings, got "
                                 f"{group_name!r}")  # fmt: skip
            pairs: set[tuple[str, int]] = set()
            for server_id, weight, port in members:
                self._check_setup_backend(server_id, weight, region)
                _check_port(port, "backend port")
                if (server_id, port) in pairs:
                    raise ValueError(f"backend {server_id!r} port {port} is given twice in "
                                     f"vServer group {group_name!r}")  # fmt: skip
                pairs.add((server_id, port))
        account = self._account
        now = account.now
        lb_id = load_balancer_id or self._new_id("lb", region, self.balancers.__contains__)
        lb = LoadBalancer(
            lb_id, name or lb_id, region, zone, self._new_address(), now,
            vpc_id=vpc_id, vswitch_id=vswitch_id,
        )  # fmt: skip
        group_ids: dict[str, str] = {}
        for group_name in vserver_groups:
            group_id = self._new_id("rsp", region, self.group_owner.__contains__)
            lb.vserver_groups[group_id] = VServerGroup(group_id, group_name, lb_id, now)
            self.group_owner[group_id] = lb_id
            group_ids[group_name] = group_id
        lb.listeners = [
            Listener(port, protocol, group_ids[group] if group else "", backend_port, check)
            for port, protocol, group, backend_port, check in listeners
        ]
        self.balancers[lb_id] = lb
        account.mutations += 1
        self._watch()
        cause = "add_load_balancer"
        for server_id, weight in backends:
            self._attach(lb, "", Backend(server_id, weight), cause, checking=False)
        for group_name, members in vserver_groups.items():
            group_id = group_ids[group_name]
            for server_id, weight, port in members:
                self._attach(lb, group_id, Backend(server_id, weight, port), cause,
                             checking=False)  # fmt: skip
        return lb

    def _check_setup_backend(self, server_id: object, weight: object, region: str) -> None:
        if not isinstance(server_id, str) or not server_id:
            raise ValueError(f"a backend needs an instance id, got {server_id!r}")
        _check_weight(weight)
        instance = self._account.store.live_instance(server_id)
        if instance is None or instance.region != region:
            raise ValueError(f"backend {server_id!r} is not an instance of region {region}")

    def _new_id(self, kind: str, region: str, taken: Callable[[str], bool]) -> str:
        while True:
            candidate = new_resource_id(kind, region, self._rng)
            if kind == "rsp":  # vServer group ids are short: rsp-cige6j5e7p
                candidate = candidate[:14]
            if not taken(candidate):
                return candidate

    def _new_address(self) -> str:
        n = len(self.balancers)
        return f"192.168.{200 + n // 250 % 50}.{n % 250 + 2}"

    # ------------------------------------------------------- the default server group
    def add_backends(self, lb: LoadBalancer, specs: Sequence[BackendSpec], cause: str) -> None:
        """AddBackendServers: running instances of the region; a server given twice counts
        once (documented); one already a backend is refused."""
        fresh = _first_of_each(specs, lambda s: s.server_id)
        for spec in fresh:
            if spec.server_id in lb.backends:
                raise EcsApiError("InvalidParameter", "The specified resource already exists.", 400)
        self._check_running(lb, [s.server_id for s in fresh])
        for spec in fresh:
            backend = Backend(spec.server_id, _weight(spec, 100), 0, spec.type,
                              spec.description or "")  # fmt: skip
            self._attach(lb, "", backend, cause, checking=True)

    def remove_backends(self, lb: LoadBalancer, specs: Sequence[BackendSpec], cause: str) -> None:
        """RemoveBackendServers: servers that are not backends are ignored (as documented
        for the vServer group form)."""
        for server_id in dict.fromkeys(s.server_id for s in specs):
            backend = lb.backends.get(server_id)
            if backend is not None:
                self._detach(lb, "", backend, cause)

    def set_weights(self, lb: LoadBalancer, specs: Sequence[BackendSpec], cause: str) -> None:
        """SetBackendServers: every server must already be a backend."""
        for spec in specs:
            if spec.server_id not in lb.backends:
                raise EcsApiError("InvalidParameter", "The specified resource does not exist.", 400)
        for spec in specs:
            if spec.weight is not None:
                self._reweigh(lb, "", lb.backends[spec.server_id], spec.weight, cause)
            if spec.description is not None:
                lb.backends[spec.server_id].description = spec.description
        self._account.mutations += 1

    # ------------------------------------------------------------------ vServer groups
    def add_group_backends(
        self, lb: LoadBalancer, group: VServerGroup, specs: Sequence[BackendSpec], cause: str
    ) -> None:
        fresh = _first_of_each(specs, _group_key)
        for spec in fresh:
            if _group_key(spec) in group.backends:
                raise EcsApiError("InvalidParameter", "The specified resource already exists.", 400)
        self._check_running(lb, [s.server_id for s in fresh])
        for spec in fresh:
            backend = Backend(spec.server_id, _weight(spec, 100), _port(spec), spec.type,
                              spec.description or "")  # fmt: skip
            self._attach(lb, group.vserver_group_id, backend, cause, checking=True)

    def remove_group_backends(
        self, lb: LoadBalancer, group: VServerGroup, specs: Sequence[BackendSpec], cause: str
    ) -> None:
        """Backends not in the group are ignored, no error (documented)."""
        for key in dict.fromkeys(_group_key(s) for s in specs):
            backend = group.backends.get(key)
            if backend is not None:
                self._detach(lb, group.vserver_group_id, backend, cause)

    def modify_group_backends(
        self,
        lb: LoadBalancer,
        group: VServerGroup,
        old: Sequence[BackendSpec],
        new: Sequence[BackendSpec],
        cause: str,
    ) -> None:
        """ModifyVServerGroupBackendServers: the ``old`` backends (which must be in the
        group) are replaced by the ``new`` ones. A new backend already in the group (the
        same server and port) keeps its membership and takes the new weight; only servers
        that join must be running."""
        old_keys = list(dict.fromkeys(_group_key(s) for s in old))
        for key in old_keys:
            if key not in group.backends:
                raise EcsApiError("InvalidParameter", "The specified resource does not exist.", 400)
        fresh = _first_of_each(new, _group_key)
        new_keys = {_group_key(s) for s in fresh}
        staying = set(group.backends) - set(old_keys)
        for spec in fresh:
            if _group_key(spec) in staying:
                raise EcsApiError("InvalidParameter", "The specified resource already exists.", 400)
        joining = [s.server_id for s in fresh if _group_key(s) not in group.backends]
        self._check_running(lb, joining)
        group_id = group.vserver_group_id
        for key in old_keys:
            if key not in new_keys:
                self._detach(lb, group_id, group.backends[key], cause)
        for spec in fresh:
            key = _group_key(spec)
            current = group.backends.get(key)
            if current is None:
                backend = Backend(spec.server_id, _weight(spec, 100), key[1], spec.type,
                                  spec.description or "")  # fmt: skip
                self._attach(lb, group_id, backend, cause, checking=True)
            else:
                self._reweigh(lb, group_id, current, _weight(spec, 100), cause)
                if spec.description is not None:
                    current.description = spec.description
        self._account.mutations += 1

    # ------------------------------------------------------------- saving and restoring
    def health_entries(
        self, lb: LoadBalancer
    ) -> list[tuple[HealthKey, str, str | None, datetime | None]]:
        """Each health entry as a scenario saves it: (key, status, the verdict on its way or
        None, when it lands or None)."""
        return [
            (key, entry.status, entry.target, entry.timer.due if entry.timer else None)
            for key, entry in lb.health.items()
        ]

    def new_id(self, kind: str, region: str) -> str:
        """A fresh load balancer (``lb``) or vServer group (``rsp``) id of the region."""
        taken = self.balancers.__contains__ if kind == "lb" else self.group_owner.__contains__
        return self._new_id(kind, region, taken)

    def new_address(self) -> str:
        return self._new_address()

    def restore(self, lb: LoadBalancer, health: Mapping[HealthKey, str]) -> None:
        """Register a load balancer rebuilt from a scenario (core/scenario.py, which checked
        it): its indexes and the status of each health entry. A verdict on its way comes back
        with :meth:`resume_verdict`."""
        lb_id = lb.load_balancer_id
        self.balancers[lb_id] = lb
        for group_id in lb.vserver_groups:
            self.group_owner[group_id] = lb_id
        for _, backend in lb.members():
            self._by_instance.setdefault(backend.server_id, set()).add(lb_id)
        for key, status in health.items():
            lb.health[key] = _Health(status)
        self._watch()
        self._account.mutations += 1

    def resume_verdict(self, lb: LoadBalancer, key: HealthKey, target: str, due: datetime) -> None:
        """A verdict that was on its way when the scenario was saved: a new timer, so that it
        still lands at ``due`` after the load."""
        entry = lb.health[key]
        entry.target = target
        entry.timer = self._account.call_at(
            due, functools.partial(self._verdict, lb.load_balancer_id, key, target)
        )

    # ------------------------------------------------------------------------ internals
    def _check_running(self, lb: LoadBalancer, server_ids: Iterable[str]) -> None:
        """``ObtainIpFail`` unless each server is a running instance of the region."""
        store = self._account.store
        for server_id in server_ids:
            instance = store.live_instance(server_id)
            if (
                instance is None
                or instance.region != lb.region
                or instance.status is not InstanceStatus.Running
            ):
                raise EcsApiError("ObtainIpFail", MSG_OBTAIN_IP_FAIL, 400)

    def _watch(self) -> None:
        if not self._watching:
            self._account.observers.append(self._observe)
            self._watching = True

    def _attach(
        self, lb: LoadBalancer, group_id: str, backend: Backend, cause: str, *, checking: bool
    ) -> None:
        """Add ``backend`` to a group, with a health entry on each listener of the group:
        ``checking`` (an API call) starts it ``unavailable`` until the first verdict; set up
        by the test, it starts where its instance's status puts it."""
        if group_id:
            lb.vserver_groups[group_id].backends[(backend.server_id, backend.port)] = backend
        else:
            lb.backends[backend.server_id] = backend
        self._by_instance.setdefault(backend.server_id, set()).add(lb.load_balancer_id)
        up = self._running(backend.server_id)
        self._record(lb, group_id, backend, backend.port, "added", "", str(backend.weight),
                     backend.weight, cause)  # fmt: skip
        for listener in lb.listeners_of(group_id):
            key = _health_key(listener, group_id, backend)
            if checking:
                entry = lb.health[key] = _Health(UNAVAILABLE)
                self._aim(lb, key, entry, up)
            else:
                lb.health[key] = _Health(NORMAL if up else ABNORMAL)

    def _detach(self, lb: LoadBalancer, group_id: str, backend: Backend, cause: str) -> None:
        if group_id:
            del lb.vserver_groups[group_id].backends[(backend.server_id, backend.port)]
        else:
            del lb.backends[backend.server_id]
        for listener in lb.listeners_of(group_id):
            entry = lb.health.pop(_health_key(listener, group_id, backend), None)
            if entry is not None and entry.timer is not None:
                self._account.cancel_timer(entry.timer)
        if not any(b.server_id == backend.server_id for _, b in lb.members()):
            ids = self._by_instance.get(backend.server_id)
            if ids is not None:
                ids.discard(lb.load_balancer_id)
                if not ids:
                    del self._by_instance[backend.server_id]
        self._record(lb, group_id, backend, backend.port, "removed", str(backend.weight), "",
                     0, cause)  # fmt: skip

    def _reweigh(
        self, lb: LoadBalancer, group_id: str, backend: Backend, weight: int, cause: str
    ) -> None:
        old = backend.weight
        if old == weight:
            return
        backend.weight = weight
        self._record(lb, group_id, backend, backend.port, "weight", str(old), str(weight),
                     weight, cause)  # fmt: skip

    def _running(self, server_id: str) -> bool:
        instance: Instance | None = self._account.store.live_instance(server_id)
        return instance is not None and instance.status is InstanceStatus.Running

    def _observe(self, change: Change) -> None:
        """Instance status changes move the health checks of its backends."""
        if change.kind != "instance" or change.instance_id not in self._by_instance:
            return
        assert isinstance(change, InstanceChange)
        if change.new_status is None:  # released: it leaves every server group
            for lb_id in list(self._by_instance.get(change.instance_id, ())):
                lb = self.balancers[lb_id]
                for group_id, backend in list(lb.members()):
                    if backend.server_id == change.instance_id:
                        self._detach(lb, group_id, backend, "released")
            return
        up = change.new_status is InstanceStatus.Running
        if up == (change.old_status is InstanceStatus.Running):
            return  # Stopping -> Stopped, ...: the check sees no difference
        for lb_id in self._by_instance[change.instance_id]:
            lb = self.balancers[lb_id]
            for key, entry in lb.health.items():
                if key[2] == change.instance_id:
                    self._aim(lb, key, entry, up)

    def _aim(self, lb: LoadBalancer, key: HealthKey, entry: _Health, up: bool) -> None:
        """Point a health entry at the verdict its instance's status calls for: it lands
        after the listener's threshold x interval, unless the status turns back first."""
        target = NORMAL if up else ABNORMAL
        if entry.timer is not None:
            self._account.cancel_timer(entry.timer)
            entry.timer, entry.target = None, None
        if entry.status == target:
            return
        listener = lb.listener(key[0])
        check = listener.health_check if listener is not None else DEFAULT_HEALTH_CHECK
        delay = check.to_normal if up else check.to_abnormal
        entry.target = target
        lb_id = lb.load_balancer_id
        entry.timer = self._account.call_at(
            self._account.now + delay, lambda: self._verdict(lb_id, key, target)
        )

    def _verdict(self, lb_id: str, key: HealthKey, target: str) -> None:
        lb = self.balancers.get(lb_id)
        entry = lb.health.get(key) if lb is not None else None
        if lb is None or entry is None or entry.target != target:
            return
        old, entry.status, entry.target, entry.timer = entry.status, target, None, None
        listener_port, group_id, server_id, port = key
        backend = (
            lb.vserver_groups[group_id].backends.get((server_id, port))
            if group_id
            else lb.backends.get(server_id)
        )
        weight = backend.weight if backend is not None else 0
        self._account.notify(BackendChange(
            self._account.now, server_id, lb_id, group_id, port, "health", old, target,
            weight, listener_port, "health check",
        ))  # fmt: skip

    def _record(
        self, lb: LoadBalancer, group_id: str, backend: Backend, port: int, change: str,
        old: str, new: str, weight: int, cause: str,
    ) -> None:  # fmt: skip
        self._account.notify(BackendChange(
            self._account.now, backend.server_id, lb.load_balancer_id, group_id, port, change,
            old, new, weight, 0, cause,
        ))  # fmt: skip


def _health_key(listener: Listener, group_id: str, backend: Backend) -> HealthKey:
    port = backend.port if group_id else listener.backend_port
    return (listener.port, group_id, backend.server_id, port)


def _group_key(spec: BackendSpec) -> tuple[str, int]:
    return (spec.server_id, _port(spec))


def _port(spec: BackendSpec) -> int:
    if spec.port is None:  # the API layer requires Port for vServer groups
        raise EcsApiError(
            "InvalidParameter",
            "The specified BackendServers is invalid, as the Port value should be in [1, 65535].",
            400,
        )
    return spec.port


def _weight(spec: BackendSpec, default: int) -> int:
    return spec.weight if spec.weight is not None else default


def _first_of_each(
    specs: Sequence[BackendSpec], key: Callable[[BackendSpec], object]
) -> list[BackendSpec]:
    """The specs with a key given twice kept once, the first (documented for AddBackendServers)."""
    seen: dict[object, BackendSpec] = {}
    for spec in specs:
        seen.setdefault(key(spec), spec)
    return list(seen.values())


def _check_port(port: object, what: str) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"{what} must be an integer 1-65535, got {port!r}")


def _check_weight(weight: object) -> None:
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 100:
        raise ValueError(f"a backend weight must be an integer 0-100, got {weight!r}")


# -------------------------------------------------------------- the test's friendly setup
#: A listener as :meth:`LoadBalancerStore.create` takes it: (port, protocol, vServer group
#: name or None, backend port, health check).
ListenerSetup = tuple[int, str, "str | None", int, HealthCheck]
_LISTENER_KEYS = (
    "port", "protocol", "vserver_group", "backend_port", "interval", "healthy_threshold",
    "unhealthy_threshold",
)  # fmt: skip
_CHECK_KEYS = ("interval", "healthy_threshold", "unhealthy_threshold")


def listener_setup(listeners: object, health_check: object = None) -> list[ListenerSetup]:
    """``listeners`` as a test writes them: ``80`` (TCP, the default server group),
    ``(80, "web")`` (forwarding to the vServer group named ``web``), or a dict with
    ``port``, ``protocol``, ``vserver_group``, ``backend_port`` and the health-check keys
    ``interval``, ``healthy_threshold``, ``unhealthy_threshold`` (``health_check``, a dict of
    those keys, is every listener's default)."""
    defaults = _check_settings(health_check, "health_check")
    items = [listeners] if isinstance(listeners, int | Mapping) else listeners
    if not isinstance(items, Iterable) or isinstance(items, str):
        raise TypeError(f"listeners must be a port, a dict or a list of them, got {listeners!r}")
    result: list[ListenerSetup] = []
    for item in items:
        if isinstance(item, Mapping):
            unknown = sorted(set(item) - set(_LISTENER_KEYS))
            if unknown or "port" not in item:
                raise TypeError(f"a listener dict needs port and may have "
                                f"{', '.join(_LISTENER_KEYS[1:])}; got {dict(item)!r}")  # fmt: skip
            port = item["port"]
            check = HealthCheck(**{**defaults, **{k: item[k] for k in _CHECK_KEYS if k in item}})
            result.append((port, item.get("protocol", "tcp"), item.get("vserver_group"),
                           item.get("backend_port", port), check))  # fmt: skip
        elif isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[1], str):
            result.append((item[0], "tcp", item[1], item[0], HealthCheck(**defaults)))
        elif isinstance(item, int) and not isinstance(item, bool):
            result.append((item, "tcp", None, item, HealthCheck(**defaults)))
        else:
            raise TypeError(f"a listener is a port, (port, vserver_group) or a dict, got {item!r}")
    return result


def _check_settings(value: object, what: str) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or set(value) - set(_CHECK_KEYS):
        raise TypeError(f"{what} must be a dict of {', '.join(_CHECK_KEYS)}, got {value!r}")
    return dict(value)


def backend_setup(backends: object) -> list[tuple[str, int]]:
    """The default server group as a test writes it: ``"i-1"`` (weight 100) or
    ``("i-1", weight)``."""
    items = [backends] if isinstance(backends, str) else backends
    if not isinstance(items, Iterable):
        raise TypeError(f"backends must be a list of ids or (id, weight), got {backends!r}")
    result = []
    for item in items:
        if isinstance(item, str):
            result.append((item, 100))
        elif isinstance(item, tuple | list) and len(item) == 2:
            result.append((item[0], item[1]))
        else:
            raise TypeError(f"a backend is an instance id or (id, weight), got {item!r}")
    return result


def group_setup(vserver_groups: object) -> dict[str, list[tuple[str, int, int]]]:
    """vServer groups as a test writes them: ``{"web": [("i-1", 100, 80), ...]}`` (instance
    id, weight, backend port)."""
    if vserver_groups is None:
        return {}
    if not isinstance(vserver_groups, Mapping):
        raise TypeError(f"vserver_groups must be a dict of name -> list, got {vserver_groups!r}")
    result: dict[str, list[tuple[str, int, int]]] = {}
    for name, members in vserver_groups.items():
        if not isinstance(members, Iterable) or isinstance(members, str | Mapping):
            raise TypeError(f"vServer group {name!r} must list (id, weight, port), "
                            f"got {members!r}")  # fmt: skip
        rows = []
        for item in members:
            if not isinstance(item, tuple | list) or len(item) != 3:
                raise TypeError(f"a vServer group backend is (id, weight, port), got {item!r}")
            rows.append((item[0], item[1], item[2]))
        result[name] = rows
    return result
