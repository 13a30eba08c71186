"""Cloud Assistant records as the API shows them (DescribeCommands, DescribeInvocations,
DescribeInvocationResults, DescribeCloudAssistantStatus).

Field names and types are those of the new SDK's ``_describe_*_response_body.py`` models.
Content and output are Base64 unless the call asks for ``ContentEncoding=PlainText``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..core.clock import format_api_time
from ..core.cloud_assistant import AGENT_VERSIONS, Command, CommandRun, Invocation, encode
from ..core.images import image
from ..core.models import Instance

__all__ = ["assistant_status", "command", "invocation", "invocation_result", "text_in"]


def text_in(value: str, encoding: str) -> str:
    """``value`` Base64-encoded, or as it is for ``PlainText`` (any case)."""
    return value if encoding.lower() == "plaintext" else encode(value)


def _time(value: datetime | None) -> str:
    return format_api_time(value) if value is not None else ""


def _tags(tags: Mapping[str, str]) -> dict[str, Any]:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in tags.items()]}


def command(record: Command, encoding: str) -> dict[str, Any]:
    """One ``Commands.Command`` of DescribeCommands."""
    return {
        "Category": "",
        "CommandContent": text_in(record.content, encoding),
        "CommandId": record.command_id,
        "CreationTime": format_api_time(record.created_at),
        "Description": record.description,
        "EnableParameter": record.enable_parameter,
        "InvokeTimes": record.invoke_times,
        "Latest": True,
        "Launcher": record.launcher,
        "Name": record.name,
        "ParameterDefinitions": {
            "ParameterDefinition": [
                {
                    "DefaultValue": "",
                    "Description": "",
                    "ParameterName": name,
                    "PatternRegex": "",
                    "PossibleValues": {"PossibleValue": []},
                    "Required": True,
                }
                for name in record.parameter_names
            ]
        },
        "ParameterNames": {"ParameterName": list(record.parameter_names)},
        "Provider": "",
        "ResourceGroupId": record.resource_group_id,
        "Tags": _tags(record.tags),
        "Timeout": record.timeout,
        "Type": record.type,
        "Version": 1,
        "WorkingDir": record.working_dir,
    }


def _run_common(run: CommandRun, encoding: str, *, output: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Dropped": run.dropped,
        "ErrorCode": run.error_code,
        "ErrorInfo": run.error_info,
    }
    # A run that has not ended (or was stopped, interrupted, timed out) has no exit code
    # of its own: the field is left out rather than shown as a misleading 0 (our choice).
    if run.exit_code is not None:
        body["ExitCode"] = run.exit_code
    body["InstanceId"] = run.instance_id
    body["InvocationStatus"] = run.status
    if output:
        body["Output"] = text_in(run.output, encoding)
    body["Repeats"] = run.repeats
    body["StartTime"] = _time(run.start_time)
    body["StopTime"] = _time(run.stop_time)
    return body


def invoke_instance(run: CommandRun, encoding: str, *, output: bool) -> dict[str, Any]:
    """One ``InvokeInstances.InvokeInstance`` of DescribeInvocations."""
    return {
        "CreationTime": format_api_time(run.created_at),
        **_run_common(run, encoding, output=output),
        "FinishTime": _time(run.finish_time),
        "InstanceInvokeStatus": run.record_status,
        "OssOutputErrorCode": "",
        "OssOutputErrorInfo": "",
        "OssOutputStatus": "",
        "OssOutputUri": "",
        "Timed": False,
        "UpdateTime": _time(run.updated_at),
    }


def invocation(record: Invocation, encoding: str, *, output: bool) -> dict[str, Any]:
    """One ``Invocations.Invocation`` of DescribeInvocations."""
    return {
        "CommandContent": text_in(record.content, encoding),
        "CommandDescription": record.command_description,
        "CommandId": record.command_id,
        "CommandName": record.command_name,
        "CommandType": record.command_type,
        "ContainerId": record.container_id,
        "ContainerName": record.container_name,
        "CreationTime": format_api_time(record.created_at),
        "Frequency": record.frequency,
        "InvocationStatus": record.status,
        "InvokeId": record.invoke_id,
        "InvokeInstances": {
            "InvokeInstance": [invoke_instance(r, encoding, output=output) for r in record.runs]
        },
        "InvokeStatus": record.invoke_status,
        "Launcher": record.launcher,
        "OssOutputDelivery": record.oss_output_delivery,
        "Parameters": json.dumps(dict(record.parameters), ensure_ascii=False)
        if record.parameters
        else "",
        "RepeatMode": record.repeat_mode,
        "Tags": _tags(record.tags),
        "TerminationMode": record.termination_mode,
        "Timed": False,
        "Timeout": record.timeout,
        "Username": record.username,
        "WorkingDir": record.working_dir,
    }


def invocation_result(run: CommandRun, encoding: str) -> dict[str, Any]:
    """One ``Invocation.InvocationResults.InvocationResult`` of DescribeInvocationResults."""
    record = run.invocation
    return {
        "CommandId": record.command_id,
        "ContainerId": record.container_id,
        "ContainerName": record.container_name,
        **_run_common(run, encoding, output=True),
        "FinishedTime": _time(run.finish_time),
        "InvokeId": record.invoke_id,
        "InvokeRecordStatus": run.record_status,
        "Launcher": record.launcher,
        "OssOutputDelivery": record.oss_output_delivery,
        "OssOutputErrorCode": "",
        "OssOutputErrorInfo": "",
        "OssOutputStatus": "",
        "OssOutputUri": "",
        "Tags": _tags(record.tags),
        "TerminationMode": record.termination_mode,
        "Username": record.username,
    }


def assistant_status(
    instance: Instance,
    *,
    installed: bool,
    active: int,
    runs: list[CommandRun],
    now: datetime,
) -> dict[str, Any]:
    """One ``InstanceCloudAssistantStatus`` of DescribeCloudAssistantStatus: the agent is
    ``"true"`` when installed and its instance is running (our choice: a stopped instance's
    agent sends no heartbeat)."""
    os_type = image(instance.image_id).os_type
    running = installed and instance.status.value == "Running"
    last = max((r.created_at for r in runs), default=None)
    return {
        "ActiveTaskCount": active,
        "CloudAssistantStatus": "true" if running else "false",
        "CloudAssistantVersion": AGENT_VERSIONS[os_type] if installed else "",
        "InstanceId": instance.instance_id,
        "InvocationCount": len(runs),
        "LastHeartbeatTime": format_api_time(now) if running else "",
        "LastInvokedTime": _time(last),
        "OSType": os_type.capitalize(),
        "SupportSessionManager": installed,
    }
