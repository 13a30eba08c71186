"""Cloud Assistant actions: RunCommand, CreateCommand, DescribeCommands, DeleteCommand,
InvokeCommand, DescribeInvocations, DescribeInvocationResults, StopInvocation,
DescribeCloudAssistantStatus.

The rules (statuses on the virtual clock, parameters, error codes) are in
``core/cloud_assistant.py``; this module reads the parameters as the SDKs send them
(``InstanceId.N``, ``Tag.N.Key``, ``Parameters`` as one JSON object) and renders the answers
through ``api/render_commands.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ...core.cloud_assistant import (
    COMMAND_TYPES,
    MAX_WORKING_DIR,
    REPEAT_MODES,
    Command,
    CommandRun,
    InvokeRequest,
    check_timeout,
    decode_content,
    tags_match,
)
from ...core.errors import EcsApiError
from ...core.models import Instance
from ...core.simulation import Simulation
from .. import render_commands as render
from ..paging import PageRequest, page_request
from ..params import Params
from ..registry import ActionContext, Query, action, query_action
from ..speedups.answer_cache import KeptAnswer

#: DescribeInvocations' and DescribeInvocationResults' ``InvokeStatus`` /
#: ``InvokeRecordStatus`` values, as documented.
INVOKE_STATUSES = ("Running", "Finished", "Success", "Failed", "PartialFailed", "Stopped",
                   "Stopping", "Pending", "Scheduled")  # fmt: skip
RECORD_STATUSES = ("Running", "Finished", "Failed", "Stopped", "Stopping", "Pending",
                   "Scheduled")  # fmt: skip
TERMINATION_MODES = ("Process", "ProcessTree")
DRY_RUN_MESSAGE = "Request validation has been passed with DryRun flag set."
#: Paging of the Cloud Assistant lists: at most 50 a page (documented), 10 by default.
PAGE_MAX = 50
#: Texts whose documented limit the core checks with its own code.
LONG = 10**7


# ------------------------------------------------------------------------------ reading
def _timeout(p: Params) -> int | None:
    if p.text("Timeout") is None:
        return None
    timeout = p.integer("Timeout", default=0, minimum=-(10**9), maximum=10**9)
    check_timeout(timeout)
    return timeout


def _parameters(p: Params) -> dict[str, Any] | None:
    """``Parameters``: one JSON object of names and values (the SDKs send it as text)."""
    text = p.text("Parameters", max_length=100_000)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        raise p.invalid("Parameters", 'expected a JSON object such as {"name":"value"}')
    return value


def _resource_tags(p: Params) -> list[tuple[str, str | None]]:
    """``ResourceTag.N.Key`` / ``.Value``: the instances to run on, chosen by their tags."""
    pairs: list[tuple[str, str | None]] = []
    for index, entry in p.structs("ResourceTag").items():
        key = entry.get("Key")
        if not key:
            raise p.invalid(f"ResourceTag.{index}.Key", "a resource tag needs a key")
        pairs.append((key, entry.get("Value")))
    if len(pairs) > 20:
        raise p.invalid("ResourceTag", f"at most 20 tags are allowed, got {len(pairs)}")
    return pairs


def _target_ids(ctx: ActionContext, region: str) -> list[str]:
    """``InstanceId.N``, or the region's instances carrying every ``ResourceTag.N``."""
    p = ctx.params
    ids = p.items("InstanceId", limit=100, limit_code="InstanceIds.ExceedLimit", limit_status=403)
    wanted = _resource_tags(p)
    if not ids and not wanted:
        raise EcsApiError(
            "MissingParameter.InstanceIds",
            'The input parameter "InstanceIds" that is mandatory for processing this request '
            "is not supplied.",
            400,
        )
    if wanted:
        tagged = [i.instance_id for i in ctx.sim.instances(region) if tags_match(i.tags, wanted)]
        if not tagged and not ids:
            raise EcsApiError(
                "InvalidInstance.NotFound",
                "The specified instance does not exist: no instance carries the ResourceTag.N.",
                404,
            )
        ids = list(dict.fromkeys([*ids, *tagged]))
    return ids


#: Every parameter :func:`_read_invoke_request` reads besides the target instances (and
#: ``Tag.N``): a call naming none of them, as a plain RunCommand, asks for the defaults.
_INVOKE_OPTIONS = frozenset({
    "WorkingDir", "RepeatMode", "Parameters", "Timeout", "Username", "ContainerId",
    "ContainerName", "Launcher", "TerminationMode", "OssOutputDelivery", "ResourceGroupId",
    "Frequency", "Timed", "ClientToken", "WindowsPasswordName",
})  # fmt: skip


def _invoke_request(ctx: ActionContext, region: str) -> InvokeRequest:
    raw = ctx.params.raw
    if raw.keys().isdisjoint(_INVOKE_OPTIONS) and not any(k.startswith("Tag.") for k in raw):
        return InvokeRequest(instance_ids=_target_ids(ctx, region))
    return _read_invoke_request(ctx, region)


def _read_invoke_request(ctx: ActionContext, region: str) -> InvokeRequest:
    p = ctx.params
    working_dir = p.text("WorkingDir", max_length=MAX_WORKING_DIR)
    mode = p.choice("RepeatMode", REPEAT_MODES)
    return InvokeRequest(
        instance_ids=_target_ids(ctx, region),
        parameters=_parameters(p),
        repeat_mode=mode,
        timeout=_timeout(p),
        working_dir=working_dir,
        username=p.text("Username", max_length=10_000) or "",
        container_id=p.text("ContainerId", max_length=256) or "",
        container_name=p.text("ContainerName", max_length=256) or "",
        launcher=p.text("Launcher"),
        termination_mode=p.choice("TerminationMode", TERMINATION_MODES) or "",
        oss_output_delivery=p.text("OssOutputDelivery") or "",
        resource_group_id=p.text("ResourceGroupId") or "",
        frequency=p.text("Frequency") or "",
        timed=p.flag("Timed"),
        tags=_record_tags(p),
        client_token=p.text("ClientToken", max_length=64),
        windows_password_name=p.text("WindowsPasswordName", max_length=255) or "",
    )


def _record_tags(p: Params) -> dict[str, str]:
    return {key: value or "" for key, value in p.tags(limit=20)}


def _command_type(p: Params) -> str:
    value = p.required("Type", max_length=LONG)
    if value not in COMMAND_TYPES:
        raise EcsApiError(
            "InvalidCmdType.NotFound",
            f"The specified command type does not exist: {value!r} (expected "
            f"{', '.join(COMMAND_TYPES)}).",
            403,
        )
    return value


def _content(p: Params) -> str:
    return decode_content(p.required("CommandContent", max_length=LONG), p.text("ContentEncoding"))


# ------------------------------------------------------------------------------ actions
@action("CreateCommand")
def create_command(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    command = ctx.sim.cloud_assistant.create_command(
        region=region,
        name=p.required("Name", max_length=LONG),
        command_type=_command_type(p),
        content=_content(p),
        description=p.text("Description", max_length=10**6) or "",
        working_dir=p.text("WorkingDir", max_length=MAX_WORKING_DIR) or "",
        timeout=_timeout(p),
        enable_parameter=p.flag("EnableParameter"),
        launcher=p.text("Launcher") or "",
        resource_group_id=p.text("ResourceGroupId") or "",
        tags=_record_tags(p),
    )
    p.text("ClientToken", max_length=64)  # accepted; a new command each call (our choice)
    return {"CommandId": command.command_id}


@action("RunCommand")
def run_command(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    command_type = _command_type(p)
    content = _content(p)
    request = _invoke_request(ctx, region)
    assistant = ctx.sim.cloud_assistant
    with ctx.sim.lock:
        command = assistant.new_command(
            region=region,
            name=p.text("Name", max_length=10**6) or "",
            command_type=command_type,
            content=content,
            description=p.text("Description", max_length=10**6) or "",
            working_dir=request.working_dir or "",
            timeout=request.timeout,
            enable_parameter=p.flag("EnableParameter"),
            launcher=request.launcher or "",
            resource_group_id=request.resource_group_id,
            tags=request.tags,
            kept=p.flag("KeepCommand"),
        )
        invocation = assistant.run_command(command, request)
    if invocation is None:
        raise EcsApiError("DryRunOperation", DRY_RUN_MESSAGE, 400)
    return {"CommandId": invocation.command_id, "InvokeId": invocation.invoke_id}


@action("InvokeCommand")
def invoke_command(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    command_id = p.required("CommandId", max_length=LONG)
    request = _invoke_request(ctx, region)
    invocation = ctx.sim.cloud_assistant.invoke_command(command_id, region, request)
    if invocation is None:
        raise EcsApiError("DryRunOperation", DRY_RUN_MESSAGE, 400)
    return {"InvokeId": invocation.invoke_id}


@action("DeleteCommand")
def delete_command(ctx: ActionContext) -> dict[str, Any]:
    region = ctx.region()
    ctx.sim.cloud_assistant.delete_command(
        ctx.params.required("CommandId", max_length=LONG), region
    )
    return {}


@action("StopInvocation")
def stop_invocation(ctx: ActionContext) -> dict[str, Any]:
    p = ctx.params
    region = ctx.region()
    invoke_id = p.required("InvokeId", max_length=LONG)
    ids = p.items("InstanceId", limit=100, limit_code="InstanceIds.ExceedLimit", limit_status=403)
    ctx.sim.cloud_assistant.stop_invocation(invoke_id, region, ids)
    return {}


# ------------------------------------------------------------------------ the lists
def _page(p: Params) -> PageRequest:
    """PageNumber/PageSize (refused with the documented ``InvalidParam.*`` codes) or
    MaxResults/NextToken (MaxResults clamped into 1..50)."""
    number, size = p.raw.get("PageNumber"), p.raw.get("PageSize")
    if number and not _in_range(number, 10**9):
        raise EcsApiError(
            "InvalidParam.PageNumber",
            f"The specified parameter is invalid: PageNumber={number}.",
            403,
        )
    if size and not _in_range(size, PAGE_MAX):
        raise EcsApiError(
            "InvalidParam.PageSize", f"The specified parameter is invalid: PageSize={size}.", 403
        )
    return page_request(p, default_size=10, max_size=PAGE_MAX, tokens=True,
                        results_range=(1, PAGE_MAX))  # fmt: skip


def _in_range(text: str, top: int) -> bool:
    return text.strip().isdigit() and 1 <= int(text) <= top


def _encoding(p: Params) -> str:
    """``ContentEncoding`` of an answer: PlainText (any case) or Base64 (the default)."""
    value = p.text("ContentEncoding") or "Base64"
    return "PlainText" if value.lower() == "plaintext" else "Base64"


def _paged(items: list[Any], page: PageRequest, render_one: Callable[[Any], dict[str, Any]],
           ) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    shown = items[page.offset : page.offset + page.size]
    return [render_one(i) for i in shown], page.fields(len(items), with_token=True)


@query_action("DescribeCommands")
def describe_commands(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    command_id = p.text("CommandId")
    name = p.text("Name", max_length=10**6)
    command_type = p.text("Type")
    description = p.text("Description", max_length=10**6)
    provider = p.text("Provider")
    p.flag("Latest")  # every command of the account is at its latest (and only) version
    group = p.text("ResourceGroupId")
    tags = p.tags(limit=20)
    encoding = _encoding(p)
    page = _page(p)

    def keep(c: Command) -> bool:
        # The account has no common commands (every one of a Provider): Provider keeps none.
        return (
            provider is None
            and command_id in (None, c.command_id)
            and name in (None, c.name)
            and command_type in (None, c.type)
            and description in (None, c.description)
            and group in (None, c.resource_group_id)
            and tags_match(c.tags, tags)
        )

    def query(sim: Simulation) -> dict[str, Any]:
        with sim.lock:
            found = [c for c in sim.cloud_assistant.listed_commands(region) if keep(c)]
            rows, fields = _paged(found, page, lambda c: render.command(c, encoding))
        return {"Commands": {"Command": rows}, **fields}

    return query


@query_action("DescribeInvocations")
def describe_invocations(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    invoke_id = p.text("InvokeId")
    command_id = p.text("CommandId")
    command_name = p.text("CommandName", max_length=10**6)
    command_type = p.text("CommandType")
    status = p.choice("InvokeStatus", INVOKE_STATUSES)
    instance_id = p.text("InstanceId")
    repeat_mode = p.choice("RepeatMode", REPEAT_MODES)
    timed = p.flag("Timed")
    group = p.text("ResourceGroupId")
    tags = p.tags(limit=20)
    output = p.flag("IncludeOutput")
    encoding = _encoding(p)
    page = _page(p)

    kept = KeptAnswer()
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        with sim.lock:
            assistant = sim.cloud_assistant
            last = kept.get(assistant, assistant.revision)
            if last is not None:
                return last
            found = [
                i
                for i in reversed(assistant.invocations.values())
                if i.region == region
                and invoke_id in (None, i.invoke_id)
                and command_id in (None, i.command_id)
                and command_name in (None, i.command_name)
                and command_type in (None, i.command_type)
                and status in (None, i.status, i.invoke_status)
                and repeat_mode in (None, i.repeat_mode)
                and not timed  # every simulated invocation runs once
                and group in (None, i.resource_group_id)
                and tags_match(i.tags, tags)
                and (instance_id is None or any(r.instance_id == instance_id for r in i.runs))
            ]
            shown = found[page.offset : page.offset + page.size]
            rows = [renderings.invocation(i, encoding, output=output) for i in shown]
            body = {
                "Invocations": {"Invocation": rows},
                **page.fields(len(found), with_token=True),
            }
            return kept.keep(assistant, assistant.revision, body)

    return query


@query_action("DescribeInvocationResults")
def describe_invocation_results(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    invoke_id = p.text("InvokeId")
    instance_id = p.text("InstanceId")
    command_id = p.text("CommandId")
    status = p.choice("InvokeRecordStatus", RECORD_STATUSES)
    p.flag("IncludeHistory")  # a run-once invocation has no history beyond its one run
    group = p.text("ResourceGroupId")
    tags = p.tags(limit=20)
    encoding = _encoding(p)
    page = _page(p)

    def keep(run: CommandRun) -> bool:
        record = run.invocation
        return (
            record.region == region
            and invoke_id in (None, record.invoke_id)
            and instance_id in (None, run.instance_id)
            and command_id in (None, record.command_id)
            and status in (None, run.record_status)
            and group in (None, record.resource_group_id)
            and tags_match(record.tags, tags)
        )

    kept = KeptAnswer()
    renderings = ctx.renderings

    def query(sim: Simulation) -> dict[str, Any]:
        with sim.lock:
            assistant = sim.cloud_assistant
            last = kept.get(assistant, assistant.revision)
            if last is not None:
                return last
            found = [r for i in reversed(assistant.invocations.values()) for r in i.runs if keep(r)]
            shown = found[page.offset : page.offset + page.size]
            rows = [renderings.invocation_result(r, encoding) for r in shown]
            fields = page.fields(len(found), with_token=True)
            body = {"Invocation": {"InvocationResults": {"InvocationResult": rows}, **fields}}
            return kept.keep(assistant, assistant.revision, body)

    return query


@query_action("DescribeCloudAssistantStatus")
def describe_cloud_assistant_status(ctx: ActionContext) -> Query:
    p = ctx.params
    region = ctx.region()
    ids = p.items("InstanceId", limit=50, limit_code="InstanceIds.ExceedLimit", limit_status=403)
    os_type = p.choice("OSType", ("Linux", "Windows", "linux", "windows"))
    page = _page(p)

    def query(sim: Simulation) -> dict[str, Any]:
        with sim.lock:
            if ids:
                found: list[Instance] = []
                for instance_id in dict.fromkeys(ids):
                    instance = sim.store.live_instance(instance_id)
                    if instance is None or instance.region != region:
                        raise EcsApiError(
                            "InvalidInstance.NotFound",
                            f"The specified instance does not exist: {instance_id}.",
                            404,
                        )
                    found.append(instance)
            else:
                found = sim.instances(region)
            assistant = sim.cloud_assistant
            rows = [
                render.assistant_status(
                    i,
                    installed=assistant.agent_installed(i.instance_id),
                    active=assistant.active_count(i.instance_id),
                    runs=assistant.runs_of(i.instance_id),
                    now=sim.now,
                )
                for i in found
            ]
            if os_type is not None:
                rows = [r for r in rows if r["OSType"].lower() == os_type.lower()]
            shown = rows[page.offset : page.offset + page.size]
        return {
            "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": shown},
            **page.fields(len(rows), with_token=True),
        }

    return query
