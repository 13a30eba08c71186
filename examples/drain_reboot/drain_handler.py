"""Reboot an instance ahead of its maintenance, taken out of its load balancers first.

For each ``Scheduled`` ``SystemMaintenance.Reboot`` event, most urgent first and one instance
at a time (so that the rest of the fleet carries the traffic):

1. find the instance's backends in every vServer group of every load balancer
   (DescribeLoadBalancers by ``ServerId``, DescribeVServerGroups,
   DescribeVServerGroupAttribute);
2. set their weight to 0 (ModifyVServerGroupBackendServers);
3. run the drain script on the instance with Cloud Assistant (RunCommand) and poll
   DescribeInvocationResults until it finishes; if it fails or times out, restore the weights
   and leave the instance alone: the event is reported, not rebooted;
4. reboot it (RebootInstance, which makes the event ``Avoided``);
5. wait until it is ``Running`` (DescribeInstanceStatus) and every backend of it is
   ``normal`` again (DescribeHealthStatus);
6. restore the original weights, and report.

Why weight 0 rather than removing the backend: it is how Alibaba Cloud's CLB documentation
says to take a server out gracefully. At weight 0 the server gets no new connections while
the existing ones finish, and the health check keeps running, so step 5 can see the
instance come back before it gets traffic again. The backend also keeps its port and its
place in the group, so restoring it is one call with the weight we saved. A removed backend
would lose its open connections at once, and once added back it would be ``unavailable``
until its first health-check verdict.

Every wait goes through the injected ``sleep`` (``time.sleep`` in production). The tests
pass ``ecs_sim.advance``, so the polling moves the simulator's virtual clock and the
commands, reboots and health checks happen as the handler waits for them.

The handler talks to the cloud through :class:`Cloud`. ``drain_clients.LegacyCloud`` (the
``aliyunsdkcore`` SDKs) and ``drain_clients.NewCloud`` (``alibabacloud_*``) implement it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

#: What the instance runs before it is rebooted: stop taking work and let the requests in
#: flight finish. Yours will differ; the tests script its outcome by matching "drain".
DRAIN_SCRIPT = "systemctl start drain.service && /opt/app/bin/wait-drained --max 120"

#: Cloud Assistant's per-instance statuses while the command has not finished.
UNFINISHED = {"Pending", "Scheduled", "Running", "Stopping"}


@dataclass(frozen=True)
class Backend:
    """The instance as one backend of a vServer group, with the weight it had."""

    load_balancer_id: str
    vserver_group_id: str
    port: int
    weight: int


@dataclass(frozen=True)
class CommandResult:
    status: str  # Success, Failed, Timeout, ... (InvocationStatus of the instance)
    exit_code: int | None
    output: str  # decoded
    error_code: str = ""


class Cloud(Protocol):
    """What the handler needs of ECS and SLB, whatever the SDK."""

    def scheduled_reboots(self) -> list[dict[str, Any]]: ...
    def backends_of(self, instance_id: str) -> list[Backend]: ...
    def set_weight(self, instance_id: str, backend: Backend, old: int, new: int) -> None: ...
    def run_command(self, instance_id: str, script: str, timeout: int) -> str: ...
    def command_result(self, invoke_id: str, instance_id: str) -> CommandResult: ...
    def reboot(self, instance_id: str) -> None: ...
    def status(self, instance_id: str) -> str: ...
    def health(self, instance_id: str, load_balancer_id: str) -> list[str]: ...


@dataclass
class Outcome:
    """What happened to one event's instance."""

    instance_id: str
    event_id: str
    rebooted: bool = False
    restored: bool = False  # the original weights are back
    reason: str = ""  # why not, when something went wrong
    drained: list[Backend] = field(default_factory=list)
    drain_output: str = ""


class DrainRebooter:
    def __init__(
        self,
        cloud: Cloud,
        *,
        sleep: Callable[[float], object] = time.sleep,
        drain_timeout: int = 300,
        poll_every: float = 5,
        back_within: float = 600,
    ) -> None:
        self.cloud = cloud
        self.sleep = sleep
        self.drain_timeout = drain_timeout  # seconds, RunCommand's Timeout
        self.poll_every = poll_every  # seconds between two polls
        self.back_within = back_within  # seconds allowed to be Running and healthy again

    def run_once(self) -> list[Outcome]:
        events = sorted(self.cloud.scheduled_reboots(), key=lambda e: e["NotBefore"])
        return [self.handle(event["InstanceId"], event["EventId"]) for event in events]

    def handle(self, instance_id: str, event_id: str) -> Outcome:
        outcome = Outcome(instance_id, event_id, drained=self.cloud.backends_of(instance_id))
        for backend in outcome.drained:
            self.cloud.set_weight(instance_id, backend, backend.weight, 0)

        result = self._run_drain_command(instance_id)
        outcome.drain_output = result.output
        if result.status != "Success":
            exit_code = "" if result.exit_code is None else f", exit code {result.exit_code}"
            outcome.reason = f"drain command {result.status}{exit_code}: not rebooted"
            return self._restore(outcome)
        try:
            self.cloud.reboot(instance_id)
        except Exception as error:  # either SDK's exception; the instance still runs
            outcome.reason = f"RebootInstance failed: {error}"
            return self._restore(outcome)
        outcome.rebooted = True

        if not self._wait_until_back(outcome):
            # Traffic to an instance that did not come back would fail: leave it at weight 0
            # for a human to look at.
            outcome.reason = f"not Running and healthy within {self.back_within:g}s: left drained"
            return outcome
        return self._restore(outcome)

    def _run_drain_command(self, instance_id: str) -> CommandResult:
        invoke_id = self.cloud.run_command(instance_id, DRAIN_SCRIPT, self.drain_timeout)
        waited = 0.0
        while True:
            result = self.cloud.command_result(invoke_id, instance_id)
            # Cloud Assistant ends the run itself at its Timeout; the margin is for delivery.
            if result.status not in UNFINISHED or waited > self.drain_timeout + 60:
                return result
            self.sleep(self.poll_every)
            waited += self.poll_every

    def _wait_until_back(self, outcome: Outcome) -> bool:
        """Poll until the instance is Running and healthy again; False if it never was."""
        load_balancers = sorted({b.load_balancer_id for b in outcome.drained})
        waited = 0.0
        while waited < self.back_within:
            self.sleep(self.poll_every)
            waited += self.poll_every
            if self._is_back(outcome.instance_id, load_balancers):
                return True
        return False

    def _is_back(self, instance_id: str, load_balancers: list[str]) -> bool:
        """Running, and ``normal`` on every listener that checks any backend of it."""
        if self.cloud.status(instance_id) != "Running":
            return False
        health = [h for lb in load_balancers for h in self.cloud.health(instance_id, lb)]
        return all(h == "normal" for h in health)

    def _restore(self, outcome: Outcome) -> Outcome:
        for backend in outcome.drained:
            self.cloud.set_weight(outcome.instance_id, backend, 0, backend.weight)
        outcome.restored = True
        return outcome
