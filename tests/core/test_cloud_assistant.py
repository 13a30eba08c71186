"""The Cloud Assistant rules: statuses on the virtual clock, scripts, checks, changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pytest_ecs_events.core.changes import Change
from pytest_ecs_events.core.cloud_assistant import (
    CommandChange,
    InvokeRequest,
    Outcome,
    parameter_names,
    substitute,
)
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.simulation import Simulation

R = "cn-hangzhou"


def command_changes(sim: Simulation) -> list[CommandChange]:
    seen: list[CommandChange] = []

    def observe(change: Change) -> None:
        if isinstance(change, CommandChange):
            seen.append(change)

    sim.observers.append(observe)
    return seen


def create(sim: Simulation, content: str = "echo hi", **options: object) -> str:
    defaults: dict[str, object] = {"name": "c", "command_type": "RunShellScript"}
    command = sim.cloud_assistant.create_command(
        region=R,
        content=content,
        **{**defaults, **options},  # type: ignore[arg-type]
    )
    return command.command_id


def advance(sim: Simulation, seconds: float) -> None:
    sim.advance_to(sim.now + timedelta(seconds=seconds))


def test_a_run_goes_pending_running_success_with_changes(sim: Simulation) -> None:
    changes = command_changes(sim)
    invocation = sim.cloud_assistant.invoke_command(create(sim), R, InvokeRequest(["i-a"]))
    assert invocation is not None
    run = invocation.runs[0]
    assert (run.status, invocation.status, invocation.invoke_status) == (
        "Pending", "Pending", "Running",
    )  # fmt: skip
    advance(sim, 1)
    assert (run.status, run.start_time) == ("Running", sim.now)
    advance(sim, 5)
    assert (run.status, run.exit_code, run.record_status) == ("Success", 0, "Finished")
    assert invocation.invoke_status == "Finished"
    assert [(c.old_status, c.new_status) for c in changes] == [
        (None, "Pending"), ("Pending", "Running"), ("Running", "Success"),
    ]  # fmt: skip
    assert all(c.kind == "command" and c.instance_id == "i-a" for c in changes)
    assert changes[-1].exit_code == 0


def test_the_latest_script_that_applies_wins(sim: Simulation) -> None:
    assistant = sim.cloud_assistant
    assistant.add_script(lambda i, c: Outcome("old", 1) if "x" in c else None)
    assistant.add_script(lambda i, c: Outcome("new", 0) if "x" in c else None)
    assistant.add_script(lambda i, c: None)  # falls through
    invocation = assistant.invoke_command(create(sim, "x"), R, InvokeRequest(["i-a"]))
    assert invocation is not None
    advance(sim, 10)
    assert (invocation.runs[0].output, invocation.runs[0].scripted) == ("new", True)


def test_exit_code_failed_and_partial_failure(sim: Simulation) -> None:
    sim.cloud_assistant.add_script(
        lambda i, c: Outcome("bad", 7) if i.instance_id == "i-b" else None
    )
    invocation = sim.cloud_assistant.invoke_command(create(sim), R, InvokeRequest(["i-a", "i-b"]))
    assert invocation is not None
    advance(sim, 10)
    failed = invocation.runs[1]
    assert (failed.status, failed.exit_code, failed.error_code) == ("Failed", 7, "ExitCodeNonzero")
    assert failed.record_status == "Finished"
    assert invocation.status == "PartialFailed"


def test_a_duration_longer_than_the_timeout_ends_timeout(sim: Simulation) -> None:
    sim.cloud_assistant.add_script(lambda i, c: Outcome("partial", 0, timedelta(minutes=5)))
    command_id = create(sim, timeout=20)
    invocation = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    assert invocation is not None
    advance(sim, 21)
    run = invocation.runs[0]
    assert (run.status, run.record_status, run.exit_code) == ("Timeout", "Failed", None)
    assert run.finish_time == run.start_time + timedelta(seconds=20)  # type: ignore[operator]
    assert invocation.status == "Failed"


def test_stop_cancels_pending_and_terminates_running(sim: Simulation) -> None:
    sim.cloud_assistant.add_script(lambda i, c: Outcome(duration=timedelta(hours=1)))
    command_id = create(sim, timeout=86400)
    first = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    advance(sim, 2)
    second = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-b"]))
    assert first is not None
    assert second is not None
    sim.cloud_assistant.stop_invocation(first.invoke_id, R)
    sim.cloud_assistant.stop_invocation(second.invoke_id, R)
    assert first.runs[0].status == "Terminated"
    assert second.runs[0].status == "Cancelled"
    assert first.runs[0].stop_time == sim.now
    assert (first.status, first.runs[0].record_status) == ("Stopped", "Stopped")
    advance(sim, 7200)  # their timers were dropped
    assert second.runs[0].status == "Cancelled"
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.stop_invocation("t-missing", R)
    assert caught.value.code == "InvalidInvokeId.NotFound"


@pytest.mark.parametrize(
    ("act", "pending", "running"),
    [
        ("stop", ("Aborted", "InstanceNotRunning"), ("Failed", "ExecutionInterrupted")),
        ("reboot", ("Aborted", "InstanceNotRunning"), ("Failed", "ExecutionInterrupted")),
        ("delete", ("Failed", "InstanceReleased"), ("Failed", "InstanceReleased")),
    ],
)
def test_an_instance_leaving_running_ends_its_runs(
    sim: Simulation, act: str, pending: tuple[str, str], running: tuple[str, str]
) -> None:
    sim.cloud_assistant.add_script(lambda i, c: Outcome(duration=timedelta(minutes=10)))
    command_id = create(sim, timeout=3600)
    early = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    advance(sim, 2)
    late = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    other = sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-b"]))
    assert early is not None
    assert late is not None
    assert other is not None
    {"stop": sim.stop_instance, "reboot": sim.reboot_instance,
     "delete": lambda i: sim.delete_instance(i, force=True)}[act]("i-a")  # fmt: skip
    assert (late.runs[0].status, late.runs[0].error_code) == pending
    assert (early.runs[0].status, early.runs[0].error_code) == running
    assert early.runs[0].record_status == "Failed"
    assert other.runs[0].status == "Pending"  # another instance is not touched


def test_refused_invocations_change_nothing(sim: Simulation) -> None:
    command_id = create(sim)
    sim.stop_instance("i-b")
    before = sim.mutations
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a", "i-b"]))
    assert (caught.value.code, caught.value.status) == ("InvalidInstanceStatus", 400)
    assert sim.cloud_assistant.runs == []
    assert sim.mutations == before
    sim.cloud_assistant.set_agent("i-a", installed=False)
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    assert caught.value.code == "InvalidInstance.NoClient"
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-bj"]))
    assert caught.value.code == "InvalidInstance.NotFound"  # another region's instance
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-c"] * 101))
    assert caught.value.code == "InstanceIds.ExceedLimit"


def test_parameters_and_built_ins_are_substituted_per_instance(sim: Simulation) -> None:
    command_id = create(sim, "echo {{ Who }} {{ACS::InstanceId}} {{acs::invokeid}} {{other}}",
                        enable_parameter=True)  # fmt: skip
    invocation = sim.cloud_assistant.invoke_command(
        command_id, R, InvokeRequest(["i-a", "i-b"], parameters={"who": "me"})
    )
    assert invocation is not None
    assert [run.content for run in invocation.runs] == [
        f"echo me i-a {invocation.invoke_id} ", f"echo me i-b {invocation.invoke_id} ",
    ]  # fmt: skip
    cases = [({"nope": "1"}, "Parameter.NotMatched"),
             ({f"k{i}": "" for i in range(11)}, "ParameterCount.ExceedLimit")]  # fmt: skip
    for bad, code in cases:
        request = InvokeRequest(["i-a"], parameters=bad)
        with pytest.raises(EcsApiError) as caught:
            sim.cloud_assistant.invoke_command(command_id, R, request)
        assert caught.value.code == code


def test_client_token_makes_invoke_idempotent(sim: Simulation) -> None:
    command_id = create(sim)
    request = InvokeRequest(["i-a"], client_token="tok-1")
    first = sim.cloud_assistant.invoke_command(command_id, R, request)
    again = sim.cloud_assistant.invoke_command(command_id, R, request)
    assert first is again
    assert len(sim.cloud_assistant.runs) == 1


def test_command_checks_and_delete(sim: Simulation) -> None:
    for options, code in (
        ({"command_type": "RunPython"}, "InvalidCmdType.NotFound"),
        ({"name": "n" * 129}, "CmdName.ExceedLimit"),
        ({"description": "d" * 513}, "CmdDesc.ExceedLimit"),
    ):
        with pytest.raises(EcsApiError) as caught:
            create(sim, **options)
        assert caught.value.code == code
    with pytest.raises(EcsApiError) as caught:
        create(sim, "x" * 20_000)
    assert caught.value.code == "CmdContent.ExceedLimit"
    command_id = create(sim)
    sim.cloud_assistant.delete_command(command_id, R)
    with pytest.raises(EcsApiError) as caught:
        sim.cloud_assistant.invoke_command(command_id, R, InvokeRequest(["i-a"]))
    assert (caught.value.code, caught.value.status) == ("InvalidCmdId.NotFound", 404)


def test_parameter_names_and_substitute() -> None:
    assert parameter_names("{{a}} {{ B }} {{A}} {{ACS::RegionId}}") == ["a", "B"]
    assert substitute("{{a}}-{{ACS::RegionId}}", {"a": "1"}, {"ACS::RegionId": R}) == f"1-{R}"
    with pytest.raises(EcsApiError) as caught:
        parameter_names("{{a b}}")
    assert caught.value.code == "CmdParam.InvalidParamName"
    with pytest.raises(EcsApiError) as caught:
        parameter_names("{{" + "n" * 65 + "}}")
    assert caught.value.code == "CmdParamName.ExceedLimit"
