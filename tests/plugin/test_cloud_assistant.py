"""on_command, invocations and strict commands through the plugin (pytester)."""

from __future__ import annotations

import pytest


def test_on_command_scripts_what_a_handler_sees(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(instances=["i-1"])
        def test_drain(ecs_sim):
            ecs_sim.on_command(r"drain", output="ok", duration="2s")
            ecs_sim.on_command(lambda instance, content: {"exit_code": 9}
                               if "oops" in content else None)
            ecs_sim.call("RunCommand", RegionId=ecs_sim.region, Type="RunShellScript",
                         CommandContent="drain oops", **{"InstanceId.1": "i-1"})
            ecs_sim.advance("10s")
            (run,) = ecs_sim.invocations
            assert (run.instance_id, run.status, run.exit_code) == ("i-1", "Failed", 9)
            assert run.scripted
        """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


STRICT_TEST = """
    import pytest

    @pytest.mark.ecs_sim(instances=["i-1"])
    def test_unscripted(ecs_sim):
        ecs_sim.call("RunCommand", RegionId=ecs_sim.region, Type="RunShellScript",
                     CommandContent="systemctl stop nginx", **{"InstanceId.1": "i-1"})
        ecs_sim.advance("10s")
        assert ecs_sim.invocations[0].status == "Success"
"""


def test_unscripted_commands_succeed_unless_strict(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(STRICT_TEST)
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    result = ecs_pytester.runpytest("-p", "no:cacheprovider", "-o", "ecs_sim_strict_commands=true")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*1 Cloud Assistant command run(s) matched no ecs_sim.on_command() script*",
        "*i-1 (t-* (no name)): systemctl stop nginx",
    ])  # fmt: skip


def test_the_marker_wins_over_the_ini_option(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_strict_commands = true\n")
    ecs_pytester.makepyfile(
        STRICT_TEST.replace('instances=["i-1"]', 'instances=["i-1"], strict_commands=False')
        + """
    @pytest.mark.ecs_sim(instances=["i-1"])
    def test_scripted(ecs_sim):
        ecs_sim.on_command("nginx")
        ecs_sim.call("RunCommand", RegionId=ecs_sim.region, Type="RunShellScript",
                     CommandContent="systemctl stop nginx", **{"InstanceId.1": "i-1"})
    """
    )
    ecs_pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_bad_marker_value_is_reported(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.ecs_sim(strict_commands="yes")
        def test_x(ecs_sim):
            pass
        """
    )
    result = ecs_pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*strict_commands='yes' is not valid: expected True or False*"])
