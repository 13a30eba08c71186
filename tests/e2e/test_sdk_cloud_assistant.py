"""Cloud Assistant end to end through both official SDKs, each new-SDK answer round-tripped
through its response model."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as m
from aliyunsdkcore.client import AcsClient
from aliyunsdkecs.request.v20140526 import (
    CreateCommandRequest,
    DeleteCommandRequest,
    DescribeCloudAssistantStatusRequest,
    DescribeCommandsRequest,
    DescribeInvocationResultsRequest,
    DescribeInvocationsRequest,
    InvokeCommandRequest,
    RunCommandRequest,
    StopInvocationRequest,
)

from tests.helpers.sdk import (
    API_TIME,
    RecordingClient,
    legacy_call,
    legacy_client,
    legacy_error,
    new_client,
    new_error,
    round_trip,
)

A, B = "i-bp1" + "a" * 17, "i-bp1" + "b" * 17
WIN = "i-bp1" + "w" * 17
R = "cn-hangzhou"

pytestmark = pytest.mark.ecs_sim(
    now="2024-05-01T00:00:00Z",
    instances=[A, B, {"instance_id": WIN, "image_id": "win2022_21H2_x64_dtc_en-us_40G.vhd"}],
)


@pytest.fixture
def client(ecs_sim: Any) -> AcsClient:
    return legacy_client(ecs_sim)


@pytest.fixture
def rec(ecs_sim: Any) -> RecordingClient:
    client = new_client(ecs_sim, client_class=RecordingClient)
    assert isinstance(client, RecordingClient)
    return client


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ------------------------------------------------------------------------------- legacy SDK
def test_legacy_run_command_then_results(ecs_sim: Any, client: AcsClient) -> None:
    ecs_sim.on_command(r"^drain --host (\S+)$", output="drained\n", duration="20s")
    run = RunCommandRequest.RunCommandRequest()
    run.set_Type("RunShellScript")
    run.set_CommandContent(b64("drain --host {{host}}"))
    run.set_ContentEncoding("Base64")
    run.set_EnableParameter(True)
    run.set_Parameters(json.dumps({"host": "web-1"}))
    run.set_InstanceIds([A, B])
    run.set_Name("drain")
    run.set_Timeout(60)
    body = legacy_call(client, run)
    invoke_id = body["InvokeId"]
    assert body["CommandId"].startswith("c-")
    assert invoke_id.startswith("t-")

    ecs_sim.advance("10s")
    results = DescribeInvocationResultsRequest.DescribeInvocationResultsRequest()
    results.set_InvokeId(invoke_id)
    rows = legacy_call(client, results)["Invocation"]["InvocationResults"]["InvocationResult"]
    assert [(r["InstanceId"], r["InvocationStatus"], r["InvokeRecordStatus"]) for r in rows] == [
        (A, "Running", "Running"), (B, "Running", "Running"),
    ]  # fmt: skip
    ecs_sim.advance("20s")
    rows = legacy_call(client, results)["Invocation"]["InvocationResults"]["InvocationResult"]
    assert {r["InvocationStatus"] for r in rows} == {"Success"}
    assert rows[0]["Output"] == b64("drained\n")  # Base64 unless PlainText is asked
    assert rows[0]["ExitCode"] == 0
    assert API_TIME.match(rows[0]["StartTime"])
    assert API_TIME.match(rows[0]["FinishedTime"])
    assert [r.content for r in ecs_sim.invocations] == ["drain --host web-1"] * 2

    # RunCommand's command without KeepCommand is not listed
    listing = DescribeCommandsRequest.DescribeCommandsRequest()
    assert legacy_call(client, listing)["Commands"]["Command"] == []


def test_legacy_create_invoke_stop_delete(ecs_sim: Any, client: AcsClient) -> None:
    ecs_sim.on_command("sleep", duration="10m")
    create = CreateCommandRequest.CreateCommandRequest()
    create.set_Name("nap")
    create.set_Type("RunShellScript")
    create.set_CommandContent("sleep 600")
    create.set_Timeout(3600)
    command_id = legacy_call(client, create)["CommandId"]

    invoke = InvokeCommandRequest.InvokeCommandRequest()
    invoke.set_CommandId(command_id)
    invoke.set_InstanceIds([A])
    invoke_id = legacy_call(client, invoke)["InvokeId"]
    ecs_sim.advance("5s")

    stop = StopInvocationRequest.StopInvocationRequest()
    stop.set_InvokeId(invoke_id)
    legacy_call(client, stop)
    listing = DescribeInvocationsRequest.DescribeInvocationsRequest()
    listing.set_InvokeId(invoke_id)
    found = legacy_call(client, listing)["Invocations"]["Invocation"]
    assert found[0]["InvocationStatus"] == "Stopped"
    instance = found[0]["InvokeInstances"]["InvokeInstance"][0]
    assert (instance["InvocationStatus"], instance["InstanceInvokeStatus"]) == (
        "Terminated", "Stopped",
    )  # fmt: skip

    delete = DeleteCommandRequest.DeleteCommandRequest()
    delete.set_CommandId(command_id)
    legacy_call(client, delete)
    error = legacy_error(client, delete)
    assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidCmdId.NotFound")


def test_legacy_errors(ecs_sim: Any, client: AcsClient) -> None:
    run = RunCommandRequest.RunCommandRequest()
    run.set_Type("RunShellScript")
    run.set_CommandContent("echo hi")
    run.set_InstanceIds([WIN])
    error = legacy_error(client, run)
    assert (error.get_http_status(), error.get_error_code()) == (403, "InvalidInstance.NotMatch")

    ecs_sim.stop_instance(B)
    run.set_InstanceIds([A, B])
    error = legacy_error(client, run)
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidInstanceStatus")
    assert ecs_sim.invocations == []  # all or nothing: A did not run it either

    ecs_sim.set_cloud_assistant(A, installed=False)
    run.set_InstanceIds([A])
    error = legacy_error(client, run)
    assert (error.get_http_status(), error.get_error_code()) == (400, "InvalidInstance.NoClient")

    run.set_InstanceIds(["i-missing"])
    error = legacy_error(client, run)
    assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidInstance.NotFound")

    run.set_InstanceIds([WIN])
    run.set_Type("RunPythonScript")
    error = legacy_error(client, run)
    assert (error.get_http_status(), error.get_error_code()) == (403, "InvalidCmdType.NotFound")

    invoke = InvokeCommandRequest.InvokeCommandRequest()
    invoke.set_CommandId("c-missing")
    invoke.set_InstanceIds([WIN])
    error = legacy_error(client, invoke)
    assert (error.get_http_status(), error.get_error_code()) == (404, "InvalidCmdId.NotFound")


def test_legacy_assistant_status(ecs_sim: Any, client: AcsClient) -> None:
    ecs_sim.set_cloud_assistant(B, installed=False)
    status = DescribeCloudAssistantStatusRequest.DescribeCloudAssistantStatusRequest()
    status.set_InstanceIds([A, B, WIN])
    rows = legacy_call(client, status)["InstanceCloudAssistantStatusSet"][
        "InstanceCloudAssistantStatus"
    ]
    assert [(r["InstanceId"], r["CloudAssistantStatus"], r["OSType"]) for r in rows] == [
        (A, "true", "Linux"), (B, "false", "Linux"), (WIN, "true", "Windows"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------- new SDK
def test_new_sdk_round_trips_every_answer(ecs_sim: Any, rec: RecordingClient) -> None:
    ecs_sim.on_command("exit 2", output="boom", exit_code=2, duration="3s")
    created = rec.create_command(m.CreateCommandRequest(
        region_id=R, name="check", type="RunShellScript", command_content="echo {{x}}; exit 2",
        enable_parameter=True, description="d", working_dir="/root",
        tag=[m.CreateCommandRequestTag(key="team", value="ops")],
    ))  # fmt: skip
    round_trip(rec, m.CreateCommandResponseBody)
    command_id = created.body.command_id

    rec.describe_commands(m.DescribeCommandsRequest(region_id=R, content_encoding="PlainText"))
    body = round_trip(rec, m.DescribeCommandsResponseBody)
    command = body["Commands"]["Command"][0]
    assert command["CommandContent"] == "echo {{x}}; exit 2"
    assert command["ParameterNames"] == {"ParameterName": ["x"]}
    assert command["Tags"] == {"Tag": [{"TagKey": "team", "TagValue": "ops"}]}

    invoked = rec.invoke_command(m.InvokeCommandRequest(
        region_id=R, command_id=command_id, instance_id=[A, B], parameters={"x": "1"},
        timeout=30,
    ))  # fmt: skip
    round_trip(rec, m.InvokeCommandResponseBody)
    invoke_id = invoked.body.invoke_id
    ecs_sim.advance("10s")

    rec.describe_invocations(m.DescribeInvocationsRequest(
        region_id=R, invoke_id=invoke_id, include_output=True, content_encoding="PlainText",
    ))  # fmt: skip
    body = round_trip(rec, m.DescribeInvocationsResponseBody)
    invocation = body["Invocations"]["Invocation"][0]
    assert invocation["InvocationStatus"] == "Failed"
    assert json.loads(invocation["Parameters"]) == {"x": "1"}
    outputs = [i["Output"] for i in invocation["InvokeInstances"]["InvokeInstance"]]
    assert outputs == ["boom", "boom"]

    rec.describe_invocation_results(m.DescribeInvocationResultsRequest(
        region_id=R, invoke_id=invoke_id, invoke_record_status="Finished",
    ))  # fmt: skip
    body = round_trip(rec, m.DescribeInvocationResultsResponseBody)
    rows = body["Invocation"]["InvocationResults"]["InvocationResult"]
    assert [(r["ExitCode"], r["ErrorCode"]) for r in rows] == [(2, "ExitCodeNonzero")] * 2

    rec.run_command(m.RunCommandRequest(
        region_id=R, type="RunShellScript", command_content="uptime", instance_id=[A],
        keep_command=True, name="up",
    ))  # fmt: skip
    round_trip(rec, m.RunCommandResponseBody)
    rec.stop_invocation(m.StopInvocationRequest(region_id=R, invoke_id=invoke_id))
    round_trip(rec, m.StopInvocationResponseBody)
    rec.describe_cloud_assistant_status(
        m.DescribeCloudAssistantStatusRequest(region_id=R, instance_id=[A])
    )
    body = round_trip(rec, m.DescribeCloudAssistantStatusResponseBody)
    assert (
        body["InstanceCloudAssistantStatusSet"]["InstanceCloudAssistantStatus"][0][
            "ActiveTaskCount"
        ]
        == 1
    )
    rec.delete_command(m.DeleteCommandRequest(region_id=R, command_id=command_id))
    round_trip(rec, m.DeleteCommandResponseBody)


def test_new_sdk_reboot_mid_command_fails_it(ecs_sim: Any, rec: RecordingClient) -> None:
    ecs_sim.on_command("long", duration="5m")
    invoke_id = rec.run_command(m.RunCommandRequest(
        region_id=R, type="RunShellScript", command_content="long job", instance_id=[A],
    )).body.invoke_id  # fmt: skip
    ecs_sim.advance("30s")
    ecs_sim.reboot_instance(A)
    rows = rec.describe_invocation_results(
        m.DescribeInvocationResultsRequest(region_id=R, invoke_id=invoke_id)
    ).body.invocation.invocation_results.invocation_result
    assert (rows[0].invocation_status, rows[0].invoke_record_status, rows[0].error_code) == (
        "Failed", "Failed", "ExecutionInterrupted",
    )  # fmt: skip


def test_new_sdk_timeout_and_errors(ecs_sim: Any, rec: RecordingClient) -> None:
    ecs_sim.on_command("slow", duration="2m")
    invoke_id = rec.run_command(m.RunCommandRequest(
        region_id=R, type="RunShellScript", command_content="slow", instance_id=[A], timeout=30,
    )).body.invoke_id  # fmt: skip
    ecs_sim.advance("1m")
    result = rec.describe_invocation_results(
        m.DescribeInvocationResultsRequest(region_id=R, invoke_id=invoke_id)
    ).body.invocation.invocation_results.invocation_result[0]
    assert (result.invocation_status, result.error_code) == ("Timeout", "ExecutionTimeout")
    assert result.finished_time == "2024-05-01T00:00:31Z"  # 1 s delivery + 30 s timeout

    error = new_error(rec.run_command, m.RunCommandRequest(
        region_id=R, type="RunShellScript", command_content="x", instance_id=[A],
        parameters={"x": "1"},
    ))  # fmt: skip
    assert (error.code, error.status_code) == ("Parameter.Disabled", 404)
    error = new_error(rec.stop_invocation, m.StopInvocationRequest(region_id=R, invoke_id="t-x"))
    assert (error.code, error.status_code) == ("InvalidInvokeId.NotFound", 400)
    error = new_error(rec.describe_invocations,
                      m.DescribeInvocationsRequest(region_id=R, page_size=51))  # fmt: skip
    assert (error.code, error.status_code) == ("InvalidParam.PageSize", 403)
