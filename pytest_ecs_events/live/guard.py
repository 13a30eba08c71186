"""The guard every live call passes before it is sent: the one place that says what live
mode may do to a real account. ``LiveClient.call`` (:mod:`pytest_ecs_events.live.client`) is
the only way out, and it asks :meth:`LiveGuard.check` first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping

from .errors import LiveGuardError

__all__ = [
    "EVENT_ACTIONS",
    "INSTANCE_ACTIONS",
    "INSTANCE_PARAMS",
    "READ_ACTIONS",
    "READ_PREFIXES",
    "LiveGuard",
]

#: Reads: they act on nothing (an account-wide read is allowed, e.g. the quota check).
READ_ACTIONS = frozenset(
    {
        "DescribeInstanceHistoryEvents",
        "DescribeInstancesFullStatus",
        "DescribeInstances",
        "DescribeInstanceStatus",
        "DescribeInstanceMaintenanceAttributes",
    }
)
#: Writes on instances: each must name instances, all of them in the allowlist.
INSTANCE_ACTIONS = frozenset(
    {
        "CreateSimulatedSystemEvents",
        "RebootInstance",
        "RebootInstances",
        "StopInstance",
        "StartInstance",
        "RedeployInstance",
    }
)
#: Writes on events: each must name events, all of them created by this run.
EVENT_ACTIONS = frozenset(
    {"CancelSimulatedSystemEvents", "AcceptInquiredSystemEvent", "ModifySystemEventAttribute"}
)
#: Actions a handler's client may send unchecked (they read, they act on nothing).
READ_PREFIXES = ("Describe", "List")
#: Parameters (any case, any ``.N``) that name an instance.
INSTANCE_PARAMS = ("instanceid", "resourceid")


class LiveGuard:
    """Checks every live call before it is sent; :meth:`check` raises :class:`LiveGuardError`.

    - the action must be one live mode uses (reads, instance actions, event actions);
    - every instance a parameter names (``InstanceId``, ``InstanceId.N``, ``ResourceId.N``,
      the JSON ``InstanceIds``) must be in the allowlist;
    - instance and event writes must name what they act on;
    - every event a write names must be one this run created (:meth:`own`);
    - no parameter may be ``TriggerRealOps`` (a drill that really stops or releases instances).
    """

    def __init__(self, allowlist: Iterable[str]) -> None:
        self.allowlist = frozenset(allowlist)
        self._owned: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def own(self, event_ids: Iterable[str], instance_id: str | None = None) -> None:
        """Record events as created by this run (so that they may be cancelled)."""
        if instance_id is not None and instance_id not in self.allowlist:
            raise LiveGuardError(
                f"refusing to take over events of instance {instance_id}: it is not in the "
                f"allowlist ({', '.join(sorted(self.allowlist))})"
            )
        with self._lock:
            for event_id in event_ids:
                self._owned[event_id] = instance_id

    def owns(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._owned

    def check(self, action: str, params: Mapping[str, str]) -> None:
        """The plugin's own calls (``LiveClient.call``): only the actions live mode uses."""
        if action not in READ_ACTIONS | INSTANCE_ACTIONS | EVENT_ACTIONS:
            raise LiveGuardError(
                f"refusing to send {action!r}: live mode only sends "
                f"{', '.join(sorted(READ_ACTIONS | INSTANCE_ACTIONS | EVENT_ACTIONS))}"
            )
        instances, events = self._scan(action, params, own_events=action in EVENT_ACTIONS)
        if action in INSTANCE_ACTIONS and not instances:
            raise LiveGuardError(f"refusing to send {action} without an instance id")
        if action in EVENT_ACTIONS and not events:
            raise LiveGuardError(f"refusing to send {action} without an event id")

    def check_intercepted(self, action: str, params: Mapping[str, str]) -> None:
        """Any other SDK call of the process (the handler's), seen by the interception.

        Reads (``Describe*``, ``List*``) pass as they are. Every other action is checked by
        the same rules as :meth:`check`: each instance it names in the allowlist, each
        event it names created by this run, never ``TriggerRealOps``; and it must name what
        it acts on (an instance or an event): a write that names neither (``RunInstances``,
        ``DeleteDisk``) acts on something the allowlist cannot vouch for.
        """
        if action.startswith(READ_PREFIXES):
            return
        instances, events = self._scan(action, params, own_events=True)
        if not instances and not events:
            raise LiveGuardError(
                f"refusing to send {action}: it names no instance of the allowlist and no "
                "simulated event this run created, and live mode lets a handler write only "
                f"to those ({', '.join(sorted(self.allowlist))})"
            )

    def _scan(
        self, action: str, params: Mapping[str, str], *, own_events: bool
    ) -> tuple[list[str], list[str]]:
        """The instances and events a call names, each checked (the events only with
        ``own_events``: a read may name any event); raises on the first refusal."""
        instances: list[str] = []
        events: list[str] = []
        for name, value in params.items():
            base = name.split(".", 1)[0].lower()
            if base == "triggerrealops":
                raise LiveGuardError(
                    f"refusing to send {action} with {name}={value!r}: live mode never sets "
                    "TriggerRealOps (a drill with it really stops or releases the instance)"
                )
            if base in INSTANCE_PARAMS:
                instances.append(value)
            elif base == "instanceids":
                try:
                    listed = json.loads(value)
                except ValueError:
                    listed = None
                if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
                    raise LiveGuardError(
                        f"refusing to send {action}: InstanceIds must be a JSON list of ids, "
                        f"got {value!r}"
                    )
                instances.extend(listed)
            elif base == "eventid":
                events.append(value)
        outside = [i for i in instances if i not in self.allowlist]
        if outside:
            raise LiveGuardError(
                f"refusing to send {action} for {', '.join(outside)}: not in the allowlist of "
                f"this run ({', '.join(sorted(self.allowlist))}); live mode acts only on the "
                "instances given with --ecs-live-instances"
            )
        foreign = [e for e in events if not self.owns(e)] if own_events else []
        if foreign:
            raise LiveGuardError(
                f"refusing to send {action} for {', '.join(foreign)}: live mode acts only "
                "on simulated events this run created"
            )
        return instances, events

    def __repr__(self) -> str:
        return f"<LiveGuard allowlist={sorted(self.allowlist)} owned={len(self._owned)}>"
