"""CloudMonitor event rules as the bridge to MNS: each matching change becomes a queue message.

A CloudMonitor event rule whose target is an MNS queue (``PutEventRuleTargets`` with
``MnsParameters``, or ``ecs_sim.add_event_rule(queue=...)``) makes every ECS event state
change it matches arrive in that queue as the CloudMonitor notification payload, at the
virtual time of the change. :class:`RuleBridge` is a simulation observer: it runs inside
the change, under the simulation's lock, and puts the message with
``Simulation.queues.send(name, body, change.time)``, so the message's ``EnqueueTime`` is the
change's virtual time and the messages of one queue arrive in the order of the changes.

It sits in ``cms`` because delivering to a rule's targets is CloudMonitor's behaviour, and it
needs the CloudMonitor event type (``Maintenance``...) that ``cms.system_events`` knows.

Opt-in delivery faults (:class:`DeliveryPolicy`): duplicate delivery (a message sent twice)
and out-of-order delivery (each message gets a random MNS priority, so the messages waiting
in a queue are received in a shuffled order), drawn from a random generator seeded per rule,
so a test sees the same duplicates and the same order on every run (docs/notifications.md).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import datetime

from ..core.changes import Change
from ..core.errors import EcsApiError
from ..core.event_rules import EventRule, RuleTarget
from ..core.lifecycle import InstanceChange, Transition
from ..core.rule_deliveries import DeliveryPolicy, RuleDelivery, encode_body
from ..core.simulation import Simulation
from ..notifications.payloads import (
    Payload,
    cloudmonitor_event,
    cloudmonitor_state_change,
)
from .system_events import payload_event_type, system_event_id

__all__ = ["STATE_CHANGE_EVENT_TYPE", "RuleBridge"]

#: CloudMonitor's event type of ``Instance:StateChange`` (the console files it under
#: "StatusNotification", the type of the state-change rule in the ECS best-practice page).
STATE_CHANGE_EVENT_TYPE = "StatusNotification"
_MNS = "MnsParameters"
# Stable ids for the state-change payloads (the event payloads use system_event_id).
_STATE_CHANGE_IDS = uuid.UUID("0d6c6f8e-55a4-4a9b-9f0e-7b1e2c3d4f50")


class RuleBridge:
    """The observer that delivers each matching change to the rules' MNS queues.

    Install it with ``sim.observers.append(bridge)`` (the simulator does once a rule gets an
    MNS target, so an account without one pays nothing per change). ``wake`` is called after
    a message is put (the loopback server's long-polling receivers wait on it).
    """

    def __init__(
        self,
        sim: Simulation,
        *,
        seed: int | str | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._sim = sim
        self.seed: int | str = seed if seed is not None else (sim.config.seed or 0)
        self.wake = wake
        #: Every delivery attempt, in order (failed ones too).
        self.deliveries: list[RuleDelivery] = []
        #: The policy of rules without their own.
        self.default_policy = DeliveryPolicy()
        #: Per-rule policies, by rule name (``add_event_rule(duplicates=..., reorder=...)``).
        self.policies: dict[str, DeliveryPolicy] = {}
        self._rngs: dict[str, random.Random] = {}

    def reseed(self, seed: int | str) -> None:
        """Draw from new generators seeded with ``seed`` (``ecs_sim.mns_delivery(seed=...)``)."""
        self.seed = seed
        self._rngs.clear()

    def policy(self, rule: str) -> DeliveryPolicy:
        return self.policies.get(rule, self.default_policy)

    def _rng(self, rule: str) -> random.Random:
        rng = self._rngs.get(rule)
        if rng is None:
            # one generator per rule: a rule's draws do not depend on the other rules
            rng = self._rngs[rule] = random.Random(f"{self.seed}:{rule}")
        return rng

    def __call__(self, change: Change) -> None:
        book = self._sim.event_rules
        if not book:
            return
        wanting = [r for r in book.rules() if r.enabled and r.targets_of(_MNS)]
        if not wanting:
            return
        built = self._payload(change)
        if built is None:
            return
        payload, event_type = built
        sent = False
        for rule in wanting:
            if rule.matches(payload, event_type=event_type):
                for target in rule.targets_of(_MNS):
                    sent = self._deliver(rule, target, payload, change.time) or sent
        if sent and self.wake is not None:
            self.wake()

    def _payload(self, change: Change) -> tuple[Payload, str | None] | None:
        sim = self._sim
        if isinstance(change, Transition):
            payload = cloudmonitor_event(change, sim)
            payload["id"] = system_event_id(change.event_id, change.new_state.value)
            return payload, payload_event_type(payload, sim)
        # a new instance (or another kind of change): no notification, as subscribe()
        if not isinstance(change, InstanceChange) or change.old_status is None:
            return None
        payload = cloudmonitor_state_change(change, sim)
        key = f"{change.instance_id}:{change.time.isoformat()}:{payload['content']['state']}"
        payload["id"] = str(uuid.uuid5(_STATE_CHANGE_IDS, key)).upper()
        return payload, STATE_CHANGE_EVENT_TYPE

    def _deliver(
        self, rule: EventRule, target: RuleTarget, payload: Payload, when: datetime
    ) -> bool:
        def record(message_id: str | None, error: str | None, duplicate: bool = False) -> None:
            self.deliveries.append(
                RuleDelivery(when, rule.name, target.id, queue, payload, message_id, error,
                             duplicate, priority)
            )  # fmt: skip

        queue = target.fields.get("Queue", "")
        priority: int | None = None
        if not queue:
            record(None, f"MNS topics are not simulated (topic {target.fields.get('Topic')!r})")
            return False
        policy = self.policy(rule.name)
        copies = 1
        if policy.faulty:
            rng = self._rng(rule.name)
            if policy.reorder:
                priority = rng.randint(1, 16)
            if policy.duplicates > 0 and rng.random() < policy.duplicates:
                copies = 2
        body = encode_body(payload)
        for copy in range(copies):
            try:
                message = self._sim.queues.send(queue, body, when, priority=priority)
            except EcsApiError as exc:
                # CloudMonitor cannot put it: the delivery fails and is not retried
                record(None, f"{exc.code}: {exc.message}", copy > 0)
                return False
            record(message.message_id, None, copy > 0)
        return True
