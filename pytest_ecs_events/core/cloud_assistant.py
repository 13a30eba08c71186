"""Cloud Assistant: commands, invocations and their per-instance runs, on the virtual clock.

An area of its own (issue 15): it changes no event or instance status, it reacts to them.
The :class:`CloudAssistant` store is held by the simulation as one attribute
(``sim.cloud_assistant``); its operations validate everything before they change anything,
move each run through its statuses with ``Simulation.call_at``, notify every per-instance
status change as a :class:`CommandChange` (``kind = "command"``), and watch the instances'
status changes (an observer appended on the first invocation) to fail the runs of an
instance that stops, reboots or is released mid-command.

What a command *does* is the test's script (:meth:`CloudAssistant.add_script`): an
:class:`Outcome` (output, exit code, duration) chosen when the command is invoked. The rules
and their sources are in ``docs/cloud-assistant.md`` and ``docs/fidelity.md``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from .catalog import InstanceStatus
from .changes import AreaHost
from .errors import EcsApiError
from .images import image
from .lifecycle import InstanceChange
from .models import Instance

if TYPE_CHECKING:
    from .store import Timer


class _Config(Protocol):
    @property
    def account_id(self) -> str: ...


class Host(AreaHost, Protocol):
    """What the Cloud Assistant needs of its simulation besides what every area does."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    @property
    def config(self) -> _Config: ...

    def get_instance(self, instance_id: str, *, region: str | None = None) -> Instance: ...

    def _new_id(self, kind: str, region: str, taken: Callable[[str], bool]) -> str: ...


__all__ = [
    "COMMAND_TYPES",
    "CloudAssistant",
    "Command",
    "CommandChange",
    "CommandOutcome",
    "CommandRun",
    "Invocation",
    "Outcome",
    "decode_content",
    "parameter_names",
    "substitute",
]

#: The command types, and the OS each runs on.
COMMAND_TYPES: Mapping[str, str] = {
    "RunShellScript": "linux",
    "RunPowerShellScript": "windows",
    "RunBatScript": "windows",
}
#: The repeat modes the simulator runs (the others are refused, our choice).
REPEAT_MODES = ("Once", "DryRun", "Period", "NextRebootOnly", "EveryReboot")
SIMULATED_REPEAT_MODES = ("Once", "DryRun")

DEFAULT_TIMEOUT = 60  # seconds (CreateCommand and RunCommand: "Default value: 60")
MIN_TIMEOUT, MAX_TIMEOUT = 10, 86400
MAX_NAME, MAX_DESCRIPTION, MAX_WORKING_DIR, MAX_USERNAME = 128, 512, 200, 255
#: The Base64-encoded content, parameters substituted, may be at most 24 KB.
MAX_CONTENT_BASE64 = 24 * 1024
MAX_CUSTOM_PARAMETERS = 20  # defined in a command
MAX_PASSED_PARAMETERS = 10  # passed in one Parameters object
MAX_PARAMETER_NAME = 64
MAX_INSTANCES = 100
#: Output kept per run; what is beyond is counted in ``Dropped`` (24 KB, as documented).
MAX_OUTPUT = 24 * 1024
#: How long the service takes to deliver a command to the agent (our choice).
DELIVERY_DELAY = timedelta(seconds=1)
DEFAULT_DURATION = timedelta(seconds=5)
#: The agent's version DescribeCloudAssistantStatus reports (our choice).
AGENT_VERSIONS = {"linux": "2.2.3.857", "windows": "2.1.3.857"}

#: ``{{ name }}``: a custom parameter, or a built-in ``ACS::`` one.
_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9_-]+")
BUILT_INS = ("ACS::RegionId", "ACS::AccountId", "ACS::InstanceId", "ACS::InstanceName",
             "ACS::InvokeId", "ACS::CommandId")  # fmt: skip
_BUILT_IN_BY_LOWER = {name.lower(): name for name in BUILT_INS}

#: Per-instance statuses (``InvocationStatus``) that are final.
FINAL = frozenset({"Success", "Failed", "Timeout", "Error", "Aborted", "Invalid", "Cancelled",
                   "Terminated"})  # fmt: skip
_FAILURES = frozenset({"Failed", "Timeout", "Error", "Aborted", "Invalid"})
_STOPPED = frozenset({"Cancelled", "Terminated"})
#: ``InvokeRecordStatus`` (and DescribeInvocations' ``InstanceInvokeStatus``) of each
#: per-instance status: a failed exit code still *finished*, a timeout *failed*.
RECORD_STATUS: Mapping[str, str] = {
    "Pending": "Pending", "Running": "Running", "Stopping": "Stopping", "Success": "Finished",
    "Failed": "Finished", "Timeout": "Failed", "Error": "Failed", "Aborted": "Failed",
    "Invalid": "Failed", "Cancelled": "Stopped", "Terminated": "Stopped",
}  # fmt: skip
#: ``ErrorInfo`` of each ``ErrorCode`` (DescribeInvocationResults).
ERROR_INFO: Mapping[str, str] = {
    "InstanceReleased": "the instance has released when create task",
    "InstanceNotRunning": "the instance is not running when create task",
    "ExecutionTimeout": "the command execution has been timeout",
    "ExecutionInterrupted": "the command execution has been interrupted",
    "ExitCodeNonzero": "the command execution exit code is not zero",
}


# ------------------------------------------------------------------------------ parsing
def decode_content(text: str, encoding: str | None) -> str:
    """``CommandContent`` as the agent runs it: Base64 decoded when ``encoding`` says so
    (any case); any other value counts as PlainText, as documented. Bad Base64 or bytes
    that are not UTF-8 are ``InvalidParameter`` (our choice)."""
    if (encoding or "").lower() != "base64":
        return text
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise EcsApiError(
            "InvalidParameter",
            'The specified parameter "CommandContent" is not valid: ContentEncoding is '
            "Base64, but the content is not Base64-encoded UTF-8 text.",
            400,
        ) from None


def encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def parameter_names(content: str) -> list[str]:
    """The custom parameters ``{{name}}`` of ``content`` in first-use order, each once
    (names are case-insensitive: the first spelling is kept); built-ins are not listed.
    A name with other characters than letters, digits, ``-`` and ``_`` is
    ``CmdParam.InvalidParamName``; more than 20 names ``CmdParamCount.ExceedLimit``
    (our code); a name over 64 characters ``CmdParamName.ExceedLimit``."""
    names: dict[str, str] = {}
    for match in _PLACEHOLDER.finditer(content):
        name = match.group(1)
        if name.lower() in _BUILT_IN_BY_LOWER:
            continue
        if not name:
            raise EcsApiError("CmdParam.EmptyKey", "You must specify the parameter names.", 403)
        if not _PARAMETER_NAME.fullmatch(name):
            raise EcsApiError(
                "CmdParam.InvalidParamName",
                f"Invalid parameter name {name!r}. The name can contain only lowercase letters "
                "(a to z), uppercase letters (A to Z), numbers (0 to 9), hyphens (-), and "
                "underscores (_).",
                403,
            )
        if len(name) > MAX_PARAMETER_NAME:
            raise EcsApiError(
                "CmdParamName.ExceedLimit",
                f"The maximum length of a parameter name is exceeded: {name[:20]}... has "
                f"{len(name)} characters (at most {MAX_PARAMETER_NAME}).",
                403,
            )
        names.setdefault(name.lower(), name)
    if len(names) > MAX_CUSTOM_PARAMETERS:
        raise EcsApiError(
            "CmdParamCount.ExceedLimit",
            f"The command defines {len(names)} custom parameters; at most "
            f"{MAX_CUSTOM_PARAMETERS} are allowed.",
            403,
        )
    return list(names.values())


def check_parameters(
    given: Mapping[str, Any] | None, defined: Sequence[str], *, enabled: bool
) -> dict[str, str]:
    """The ``Parameters`` of an invocation checked against the command's parameters: every
    key defined (case-insensitive), at most 10, keys up to 64 characters, values strings.
    Returns them by lower-cased name."""
    if not given:
        return {}
    if not enabled:
        raise EcsApiError(
            "Parameter.Disabled",
            "Parameters cannot be passed in when the command customization function is disabled.",
            404,
        )
    if len(given) > MAX_PASSED_PARAMETERS:
        raise EcsApiError(
            "ParameterCount.ExceedLimit",
            f"The maximum number of parameters is exceeded: {len(given)} were given, at most "
            f"{MAX_PASSED_PARAMETERS} are allowed.",
            403,
        )
    known = {name.lower() for name in defined}
    result: dict[str, str] = {}
    for key, value in given.items():
        if not key:
            raise EcsApiError("CmdParam.EmptyKey", "You must specify the parameter names.", 403)
        if len(key) > MAX_PARAMETER_NAME:
            raise EcsApiError(
                "ParameterKey.ExceedLimit", "The maximum length of a parameter name is exceeded.",
                403,
            )  # fmt: skip
        if key.lower() in result:
            raise EcsApiError("ParameterKey.Duplicate", "Parameter names cannot be duplicated.",
                              403)  # fmt: skip
        if key.lower() not in known:
            raise EcsApiError(
                "Parameter.NotMatched",
                f"The passed-in parameters do not match the parameters defined when you created "
                f"the command: {key!r} is not one of {sorted(defined) or 'none'}.",
                403,
            )
        if not isinstance(value, str | int | float | bool) or value is None:
            raise EcsApiError(
                "InvalidParameter",
                f'The specified parameter "Parameters" is not valid: the value of {key!r} must '
                "be a string.",
                400,
            )
        result[key.lower()] = value if isinstance(value, str) else _json_scalar(value)
    return result


def _json_scalar(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(content: str, values: Mapping[str, str], built_ins: Mapping[str, str]) -> str:
    """``content`` with each ``{{name}}`` replaced: custom parameters from ``values`` (by
    lower-cased name; a parameter not passed becomes the empty string), built-ins from
    ``built_ins`` (by their canonical name)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        built_in = _BUILT_IN_BY_LOWER.get(name.lower())
        if built_in is not None:
            return built_ins.get(built_in, "")
        return values.get(name.lower(), "")

    return _PLACEHOLDER.sub(replace, content)


# ------------------------------------------------------------------------------ records
@dataclass(frozen=True)
class Outcome:
    """What a command does on an instance: its output, exit code and how long it runs."""

    output: str = ""
    exit_code: int = 0
    duration: timedelta = DEFAULT_DURATION


#: The public name of :class:`Outcome` (``from pytest_ecs_events import CommandOutcome``).
CommandOutcome = Outcome

#: A script: (does it apply to this instance and content, the outcome) -> outcome or None.
Script = Callable[[Instance, str], Outcome | None]


@dataclass(eq=False)
class Command:
    """A Cloud Assistant command (CreateCommand, or RunCommand's own)."""

    command_id: str
    region: str
    name: str
    type: str
    #: The content as written (decoded), placeholders and all.
    content: str
    created_at: datetime
    description: str = ""
    working_dir: str = ""
    timeout: int = DEFAULT_TIMEOUT
    enable_parameter: bool = False
    parameter_names: tuple[str, ...] = ()
    launcher: str = ""
    resource_group_id: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    invoke_times: int = 0
    #: False for RunCommand's command without ``KeepCommand``: deleted once it has run.
    kept: bool = True
    deleted: bool = False


@dataclass(eq=False)
class CommandRun:
    """One instance's run of an invocation: what ``DescribeInvocationResults`` shows and
    ``ecs_sim.invocations`` lists. Its status changes as the clock moves (read-only)."""

    invocation: Invocation
    instance_id: str
    #: The content run on this instance (decoded, parameters substituted).
    content: str
    outcome: Outcome
    #: True when a test's script decided the outcome (False: the default success).
    scripted: bool
    created_at: datetime
    status: str = "Pending"
    exit_code: int | None = None
    output: str = ""
    dropped: int = 0
    error_code: str = ""
    start_time: datetime | None = None
    finish_time: datetime | None = None
    stop_time: datetime | None = None
    updated_at: datetime | None = None
    repeats: int = 0
    timer: Timer | None = field(default=None, repr=False)
    #: Bumped whenever a field the API shows changes (the API layer keeps renderings by it).
    revision: int = field(default=0, repr=False)

    @property
    def invoke_id(self) -> str:
        return self.invocation.invoke_id

    @property
    def command_id(self) -> str:
        return self.invocation.command_id

    @property
    def command_name(self) -> str:
        return self.invocation.command_name

    @property
    def record_status(self) -> str:
        """``InvokeRecordStatus``: Pending, Running, Stopping, Finished, Failed or Stopped.
        A run that exited non-zero *finished*; one interrupted or released *failed*."""
        if self.status == "Failed" and self.error_code != "ExitCodeNonzero":
            return "Failed"
        return RECORD_STATUS[self.status]

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    @property
    def error_info(self) -> str:
        return ERROR_INFO.get(self.error_code, "")

    def __repr__(self) -> str:
        return (
            f"CommandRun({self.invoke_id!r}, instance={self.instance_id!r}, "
            f"status={self.status!r}, exit_code={self.exit_code!r}, content={self.content!r})"
        )


@dataclass(eq=False)
class Invocation:
    """One RunCommand or InvokeCommand call: the command as it was run, on its instances."""

    invoke_id: str
    region: str
    command_id: str
    command_name: str
    command_type: str
    command_description: str
    #: The command's content (placeholders and all; each run holds its substituted text).
    content: str
    created_at: datetime
    timeout: int
    parameters: Mapping[str, str]
    repeat_mode: str = "Once"
    working_dir: str = ""
    username: str = ""
    container_id: str = ""
    container_name: str = ""
    launcher: str = ""
    termination_mode: str = ""
    oss_output_delivery: str = ""
    resource_group_id: str = ""
    frequency: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    runs: list[CommandRun] = field(default_factory=list)
    #: Bumped whenever one of its runs changes (the API layer keeps renderings by it).
    revision: int = field(default=0, repr=False)

    @property
    def status(self) -> str:
        """The overall ``InvocationStatus``: Pending, Running, Stopping, Success, Failed,
        PartialFailed or Stopped, from the runs as DescribeInvocations documents it."""
        statuses = [run.status for run in self.runs]
        for busy in ("Pending", "Running", "Stopping"):
            if busy in statuses:
                return busy
        failed = sum(s in _FAILURES for s in statuses)
        succeeded = statuses.count("Success")
        if failed and succeeded:
            return "PartialFailed"
        if failed:
            return "Failed"
        return "Success" if succeeded else "Stopped"

    @property
    def invoke_status(self) -> str:
        """The older ``InvokeStatus``: Running, Finished, Failed, PartialFailed or Stopped."""
        overall = self.status
        return {"Pending": "Running", "Stopping": "Running", "Success": "Finished"}.get(
            overall, overall
        )


@dataclass(frozen=True, slots=True)
class CommandChange:
    """One per-instance status change of a command run, as observers receive it."""

    kind: ClassVar[str] = "command"

    time: datetime
    instance_id: str
    invoke_id: str
    command_id: str
    command_name: str
    old_status: str | None  # None when the run was just created
    new_status: str
    exit_code: int | None
    error_code: str = ""

    def __str__(self) -> str:
        old = self.old_status or "(new)"
        code = f" exit {self.exit_code}" if self.exit_code is not None else ""
        return (
            f"{self.time:%Y-%m-%dT%H:%M:%SZ} {self.invoke_id} {self.command_name or '-'} "
            f"{self.instance_id}: {old} -> {self.new_status}{code}"
        )


@dataclass(frozen=True)
class InvokeRequest:
    """What RunCommand and InvokeCommand ask, read and checked by the API layer."""

    instance_ids: Sequence[str]
    parameters: Mapping[str, Any] | None = None
    repeat_mode: str | None = None
    timeout: int | None = None
    working_dir: str | None = None
    username: str = ""
    container_id: str = ""
    container_name: str = ""
    launcher: str | None = None
    termination_mode: str = ""
    oss_output_delivery: str = ""
    resource_group_id: str = ""
    frequency: str = ""
    timed: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    client_token: str | None = None
    windows_password_name: str = ""


# -------------------------------------------------------------------------------- store
class CloudAssistant:
    """The account's Cloud Assistant: its commands, invocations, scripts and agents."""

    def __init__(self, sim: Host) -> None:
        self._sim = sim
        self.commands: dict[str, Command] = {}
        self.invocations: dict[str, Invocation] = {}
        #: Every run, in creation order (``ecs_sim.invocations``).
        self.runs: list[CommandRun] = []
        #: The test's scripts, most recent last (the last that applies wins).
        self.scripts: list[Script] = []
        #: Instances whose agent is not installed (every other instance has one running).
        self.without_agent: set[str] = set()
        #: Runs not finished, by instance (what an instance's status change may interrupt).
        self._active: dict[str, list[CommandRun]] = {}
        self._tokens: dict[str, tuple[str, str]] = {}
        self._watching = False
        #: Bumped whenever an invocation is added or a run changes: what DescribeInvocations
        #: and DescribeInvocationResults show (the API layer keeps their answers by it).
        self.revision = 0

    # -------------------------------------------------------------------- the agent
    def agent_installed(self, instance_id: str) -> bool:
        return instance_id not in self.without_agent

    def set_agent(self, instance_id: str, installed: bool) -> None:
        with self._sim.lock:
            self._sim.get_instance(instance_id)
            if installed:
                self.without_agent.discard(instance_id)
            else:
                self.without_agent.add(instance_id)
            self._sim.mutations += 1

    def add_script(self, script: Script) -> None:
        with self._sim.lock:
            self.scripts.append(script)

    def outcome_for(self, instance: Instance, content: str) -> tuple[Outcome, bool]:
        """The outcome of the most recent script that applies, or the default success."""
        for script in reversed(self.scripts):
            outcome = script(instance, content)
            if outcome is not None:
                return outcome, True
        return Outcome(), False

    # ----------------------------------------------------------------------- commands
    def create_command(
        self,
        *,
        region: str,
        name: str,
        command_type: str,
        content: str,
        description: str = "",
        working_dir: str = "",
        timeout: int | None = None,
        enable_parameter: bool = False,
        launcher: str = "",
        resource_group_id: str = "",
        tags: Mapping[str, str] | None = None,
        kept: bool = True,
    ) -> Command:
        """CreateCommand (and RunCommand's own command): checked, then registered."""
        with self._sim.lock:
            command = self.new_command(
                region=region, name=name, command_type=command_type, content=content,
                description=description, working_dir=working_dir, timeout=timeout,
                enable_parameter=enable_parameter, launcher=launcher,
                resource_group_id=resource_group_id, tags=tags, kept=kept,
            )  # fmt: skip
            self.commands[command.command_id] = command
            self._sim.mutations += 1
            return command

    def new_command(self, *, region: str, name: str, command_type: str, content: str,
                     description: str, working_dir: str, timeout: int | None,
                     enable_parameter: bool, launcher: str, resource_group_id: str,
                     tags: Mapping[str, str] | None, kept: bool) -> Command:  # fmt: skip
        if command_type not in COMMAND_TYPES:
            raise EcsApiError(
                "InvalidCmdType.NotFound",
                f"The specified command type does not exist: {command_type!r} (expected "
                f"{', '.join(COMMAND_TYPES)}).",
                403,
            )
        if len(name) > MAX_NAME:
            raise EcsApiError(
                "CmdName.ExceedLimit",
                "The length of the command name exceeds the upper limit.",
                403,
            )
        if len(description) > MAX_DESCRIPTION:
            raise EcsApiError("CmdDesc.ExceedLimit",
                              "The length of the command description exceeds the upper limit.",
                              403)  # fmt: skip
        check_content_size(content)
        names = tuple(parameter_names(content)) if enable_parameter else ()
        return Command(
            command_id=self._sim._new_id("c", region, self.commands.__contains__),
            region=region, name=name, type=command_type, content=content,
            created_at=self._sim.now, description=description, working_dir=working_dir,
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            enable_parameter=enable_parameter, parameter_names=names, launcher=launcher,
            resource_group_id=resource_group_id, tags=dict(tags or {}), kept=kept,
        )  # fmt: skip

    def get_command(self, command_id: str, region: str) -> Command:
        command = self.commands.get(command_id)
        if command is None or command.deleted or not command.kept or command.region != region:
            raise EcsApiError("InvalidCmdId.NotFound", "The specified command ID does not exist.",
                              404)  # fmt: skip
        return command

    def delete_command(self, command_id: str, region: str) -> None:
        """DeleteCommand: the command is gone; its invocations and their runs remain."""
        with self._sim.lock:
            self.get_command(command_id, region).deleted = True
            self._sim.mutations += 1

    def listed_commands(self, region: str) -> list[Command]:
        """The commands DescribeCommands shows, newest first."""
        with self._sim.lock:
            kept = [c for c in self.commands.values()
                    if c.region == region and c.kept and not c.deleted]  # fmt: skip
        return kept[::-1]

    # --------------------------------------------------------------------- invocations
    def run_command(self, command: Command, request: InvokeRequest) -> Invocation | None:
        """RunCommand: register ``command`` and run it (all checked first; nothing is
        registered when a check fails). None for ``RepeatMode=DryRun`` after the checks."""
        with self._sim.lock:
            known = self._by_token(request.client_token)
            if known is not None:
                return known
            plan = self._plan(command, request)
            if plan is None:
                return None
            self.commands[command.command_id] = command
            return self._start(command, request, plan)

    def invoke_command(self, command_id: str, region: str,
                       request: InvokeRequest) -> Invocation | None:  # fmt: skip
        """InvokeCommand: run a created command on instances."""
        with self._sim.lock:
            known = self._by_token(request.client_token)
            if known is not None:
                return known
            command = self.get_command(command_id, region)
            plan = self._plan(command, request)
            if plan is None:
                return None
            return self._start(command, request, plan)

    def _by_token(self, token: str | None) -> Invocation | None:
        """The invocation an earlier call with this ``ClientToken`` made (idempotence)."""
        if token is None or token not in self._tokens:
            return None
        return self.invocations[self._tokens[token][1]]

    def _plan(self, command: Command, request: InvokeRequest) -> list[tuple[Instance, str]] | None:
        """Every check of an invocation; the instances and the content each runs."""
        sim = self._sim
        mode = request.repeat_mode or ("Period" if request.frequency or request.timed else "Once")
        if mode == "Period" and not request.frequency:
            raise EcsApiError("MissingParam.Frequency",
                              "The frequency must be specified when you create a timed task.",
                              403)  # fmt: skip
        if mode not in SIMULATED_REPEAT_MODES:
            raise EcsApiError(
                "InvalidParameter",
                f'The specified parameter "RepeatMode" is not valid: the simulator runs '
                f"commands Once (or DryRun); {mode} is not simulated.",
                400,
            )
        timeout = command.timeout if request.timeout is None else request.timeout
        check_timeout(timeout)
        if len(request.username) > MAX_USERNAME:
            raise EcsApiError(
                "Username.ExceedLimit", "The length of the username exceeds the upper limit.", 403
            )
        ids = list(dict.fromkeys(request.instance_ids))
        if len(request.instance_ids) > MAX_INSTANCES:
            raise EcsApiError(
                "InstanceIds.ExceedLimit",
                f"The number of instance IDs exceeds the upper limit: {len(request.instance_ids)}"
                f" were given, at most {MAX_INSTANCES}.",
                403,
            )
        values = check_parameters(request.parameters, command.parameter_names,
                                   enabled=command.enable_parameter)  # fmt: skip
        instances: list[Instance] = []
        for instance_id in ids:
            instance = sim.store.live_instance(instance_id)
            if instance is None or instance.region != command.region:
                raise EcsApiError(
                    "InvalidInstance.NotFound",
                    f"The specified instance does not exist: {instance_id}.",
                    404,
                )
            instances.append(instance)
        for instance in instances:
            if image(instance.image_id).os_type != COMMAND_TYPES[command.type]:
                raise EcsApiError(
                    "InvalidInstance.NotMatch",
                    f"The specified instance type does not match the command: {command.type} "
                    f"cannot run on {instance.instance_id} "
                    f"({image(instance.image_id).os_type}).",
                    403,
                )
            if not self.agent_installed(instance.instance_id):
                raise EcsApiError(
                    "InvalidInstance.NoClient",
                    f"The specified instances have no cloud assistant client installed: "
                    f"{instance.instance_id}.",
                    400,
                )
            if instance.status is not InstanceStatus.Running:
                raise EcsApiError(
                    "InvalidInstanceStatus",
                    f"The specified instance's status can not execute this operation: "
                    f"{instance.instance_id} is {instance.status.value}, not Running.",
                    400,
                )
        content = command.content
        if instances and "{{" not in content:  # no placeholder: each instance runs it as is
            check_content_size(content)
            return None if mode == "DryRun" else [(instance, content) for instance in instances]
        plan: list[tuple[Instance, str]] = []
        for instance in instances:
            text = substitute(content, values,
                              self._built_ins(instance, command.command_id, ""))  # fmt: skip
            check_content_size(text)
            plan.append((instance, text))
        return None if mode == "DryRun" else plan

    def _start(
        self, command: Command, request: InvokeRequest, plan: list[tuple[Instance, str]]
    ) -> Invocation:
        sim = self._sim
        now = sim.now
        invoke_id = sim._new_id("t", command.region, self.invocations.__contains__)
        values = check_parameters(request.parameters, command.parameter_names,
                                  enabled=command.enable_parameter)  # fmt: skip
        invocation = Invocation(
            invoke_id=invoke_id, region=command.region, command_id=command.command_id,
            command_name=command.name, command_type=command.type,
            command_description=command.description, content=command.content,
            created_at=now,
            timeout=command.timeout if request.timeout is None else request.timeout,
            parameters={k: v for k, v in (request.parameters or {}).items()
                        if k.lower() in values},
            repeat_mode=request.repeat_mode or "Once",
            working_dir=request.working_dir if request.working_dir is not None
            else command.working_dir,
            username=request.username, container_id=request.container_id,
            container_name=request.container_name,
            launcher=request.launcher if request.launcher is not None else command.launcher,
            termination_mode=request.termination_mode,
            oss_output_delivery=request.oss_output_delivery,
            resource_group_id=request.resource_group_id, frequency=request.frequency,
            tags=dict(request.tags),
        )  # fmt: skip
        self.invocations[invoke_id] = invocation
        if request.client_token is not None:
            self._tokens[request.client_token] = (command.command_id, invoke_id)
        command.invoke_times += 1
        self._watch()
        plain = "{{" not in command.content
        for instance, _ in plan:
            content = command.content if plain else substitute(
                command.content, values, self._built_ins(instance, command.command_id, invoke_id)
            )  # fmt: skip
            outcome, scripted = self.outcome_for(instance, content)
            run = CommandRun(invocation, instance.instance_id, content, outcome, scripted, now,
                             updated_at=now)  # fmt: skip
            invocation.runs.append(run)
            self.runs.append(run)
            self._active.setdefault(instance.instance_id, []).append(run)
            self._notify(run, None)
            run.timer = sim.call_at(now + DELIVERY_DELAY, functools.partial(self._begin, run))
        self.revision += 1
        return invocation

    def _built_ins(self, instance: Instance, command_id: str, invoke_id: str) -> dict[str, str]:
        """The values of the ``{{ACS::...}}`` parameters on ``instance``."""
        return {
            "ACS::RegionId": instance.region, "ACS::AccountId": self._sim.config.account_id,
            "ACS::InstanceId": instance.instance_id, "ACS::InstanceName": instance.name,
            "ACS::CommandId": command_id, "ACS::InvokeId": invoke_id,
        }  # fmt: skip

    # ------------------------------------------------------------------ the run's steps
    def _begin(self, run: CommandRun) -> None:
        """The agent starts the command: Running, then it ends or times out."""
        now = self._sim.now
        old = run.status
        run.status, run.start_time, run.updated_at, run.repeats = "Running", now, now, 1
        self._changed(run)
        self._notify(run, old)
        limit = timedelta(seconds=run.invocation.timeout)
        if run.outcome.duration > limit:
            run.timer = self._sim.call_at(now + limit, lambda: self._time_out(run))
        else:
            run.timer = self._sim.call_at(now + run.outcome.duration, lambda: self._finish(run))

    def _finish(self, run: CommandRun) -> None:
        code = run.outcome.exit_code
        self._set_output(run, run.outcome.output)
        self._end(run, "Success" if code == 0 else "Failed", exit_code=code,
                  error_code="" if code == 0 else "ExitCodeNonzero")  # fmt: skip

    def _time_out(self, run: CommandRun) -> None:
        # What the command printed before it was killed: the scripted output (our choice).
        self._set_output(run, run.outcome.output)
        self._end(run, "Timeout", exit_code=None, error_code="ExecutionTimeout")

    def _set_output(self, run: CommandRun, output: str) -> None:
        raw = output.encode("utf-8")
        kept = raw[:MAX_OUTPUT]
        run.output = kept.decode("utf-8", errors="ignore")
        run.dropped = len(raw) - len(kept)

    def _end(self, run: CommandRun, status: str, *, exit_code: int | None,
             error_code: str = "") -> None:  # fmt: skip
        now = self._sim.now
        old = run.status
        run.status, run.exit_code, run.error_code = status, exit_code, error_code
        run.updated_at = now
        if status in _STOPPED:
            run.stop_time = now
        else:
            run.finish_time = now
        if run.timer is not None:
            self._sim.cancel_timer(run.timer)
            run.timer = None
        active = self._active.get(run.instance_id)
        if active is not None and run in active:
            active.remove(run)
            if not active:
                del self._active[run.instance_id]
        self._changed(run)
        self._notify(run, old)

    def _changed(self, run: CommandRun) -> None:
        """A field of ``run`` the API shows changed (its output, set just before an end,
        included): its, its invocation's and the assistant's revisions move."""
        run.revision += 1
        run.invocation.revision += 1
        self.revision += 1

    def _notify(self, run: CommandRun, old: str | None) -> None:
        self._sim.notify(CommandChange(
            self._sim.now, run.instance_id, run.invoke_id, run.command_id, run.command_name,
            old, run.status, run.exit_code, run.error_code,
        ))  # fmt: skip

    # ------------------------------------------------------------- StopInvocation
    def stop_invocation(self, invoke_id: str, region: str,
                        instance_ids: Sequence[str] = ()) -> Invocation:  # fmt: skip
        """StopInvocation: the unfinished runs (of the instances named, or all) stop: a
        Pending one is Cancelled, a Running one Terminated; finished ones stay as they are."""
        with self._sim.lock:
            invocation = self.invocations.get(invoke_id)
            if invocation is None or invocation.region != region:
                raise EcsApiError("InvalidInvokeId.NotFound",
                                  "The specified InvokeId does not exist.", 400)  # fmt: skip
            wanted = set(instance_ids)
            unknown = sorted(wanted - {run.instance_id for run in invocation.runs})
            if unknown:
                raise EcsApiError(
                    "InvalidInstance.NotFound",
                    f"The specified instance does not exist in invocation {invoke_id}: "
                    f"{', '.join(unknown)}.",
                    404,
                )
            for run in invocation.runs:
                if run.finished or (wanted and run.instance_id not in wanted):
                    continue
                self._end(run, "Cancelled" if run.status == "Pending" else "Terminated",
                          exit_code=None)  # fmt: skip
            return invocation

    # ------------------------------------------------------ instances changing status
    def _watch(self) -> None:
        if not self._watching:
            self._sim.observers.append(self._instance_changed)
            self._watching = True

    def _instance_changed(self, change: Any) -> None:
        """An instance that leaves Running (stops, reboots, is released) ends its runs: a
        Pending one is Aborted (InstanceNotRunning), a Running one Failed
        (ExecutionInterrupted; InstanceReleased when it was released)."""
        if not isinstance(change, InstanceChange) or change.instance_id not in self._active:
            return
        if change.new_status is InstanceStatus.Running:
            return
        for run in list(self._active.get(change.instance_id, ())):
            if change.new_status is None:
                self._end(run, "Failed", exit_code=None, error_code="InstanceReleased")
            elif run.status == "Pending":
                self._end(run, "Aborted", exit_code=None, error_code="InstanceNotRunning")
            else:
                self._end(run, "Failed", exit_code=None, error_code="ExecutionInterrupted")

    # ------------------------------------------------------------ saving and restoring
    def client_tokens(self) -> dict[str, str]:
        """The ``ClientToken`` of each invocation made with one, by invoke id."""
        return {invoke_id: token for token, (_, invoke_id) in self._tokens.items()}

    def restore_invocation(self, invocation: Invocation, client_token: str | None) -> None:
        """Register an invocation rebuilt from a scenario (core/scenario.py, which checked
        it; its command is in :attr:`commands`). Each unfinished run's next step comes back
        with :meth:`resume_run`."""
        self.invocations[invocation.invoke_id] = invocation
        if client_token is not None:
            self._tokens[client_token] = (invocation.command_id, invocation.invoke_id)
        for run in invocation.runs:
            self.runs.append(run)
            if not run.finished:
                self._active.setdefault(run.instance_id, []).append(run)
        self._watch()
        self.revision += 1
        self._sim.mutations += 1

    def next_step_due(self, run: CommandRun) -> datetime:
        """When an unfinished run's next step falls due, as the simulation sets it."""
        if run.status == "Pending":
            return run.created_at + DELIVERY_DELAY
        limit = timedelta(seconds=run.invocation.timeout)
        return (run.start_time or run.created_at) + min(run.outcome.duration, limit)

    def resume_run(self, run: CommandRun, due: datetime) -> None:
        """An unfinished run of a restored invocation: a new timer for its next step (the
        agent starts it, or it ends or times out)."""
        step: Callable[[CommandRun], None]
        if run.status == "Pending":
            step = self._begin
        elif run.outcome.duration > timedelta(seconds=run.invocation.timeout):
            step = self._time_out
        else:
            step = self._finish
        run.timer = self._sim.call_at(due, functools.partial(step, run))

    # ------------------------------------------------------------------- reading
    def runs_of(self, instance_id: str) -> list[CommandRun]:
        with self._sim.lock:
            return [run for run in self.runs if run.instance_id == instance_id]

    def active_count(self, instance_id: str) -> int:
        return len(self._active.get(instance_id, ()))


def check_content_size(content: str) -> None:
    if len(encode(content)) > MAX_CONTENT_BASE64:
        raise EcsApiError(
            "CmdContent.ExceedLimit",
            f"The maximum length of a command is exceeded: the Base64-encoded content has "
            f"{len(encode(content))} bytes, at most {MAX_CONTENT_BASE64}.",
            403,
        )


def check_timeout(timeout: int) -> None:
    if not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        raise EcsApiError(
            "InvalidParameter",
            f'The specified parameter "Timeout" is not valid: expected {MIN_TIMEOUT} to '
            f"{MAX_TIMEOUT} seconds, got {timeout}.",
            400,
        )


def tags_match(tags: Mapping[str, str], wanted: Iterable[tuple[str, str | None]]) -> bool:
    """The record carries every wanted key (with the value, when one is given)."""
    return all(key in tags and (value is None or tags[key] == value) for key, value in wanted)
