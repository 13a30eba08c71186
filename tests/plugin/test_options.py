"""Every option of the plugin (plugin/options.py): registered once, offline and live, with
the defaults the documentation gives."""

from __future__ import annotations

import pytest

from pytest_ecs_events.plugin.options import DEFAULT_LIVE_TIMEOUT_TEXT

COMMAND_LINE = [
    "--ecs-timeline",
    "--ecs-live",
    "--ecs-live-instances=ALIAS=ID,...",
    "--ecs-live-region=REGION",
    "--ecs-live-endpoint=HOST:PORT",
    "--ecs-live-protocol={http,https}",
    "--ecs-live-timeout=S",
    "--ecs-live-journal=DIR",
]
INI = ["ecs_sim_region", "ecs_sim_execution_duration", "ecs_sim_patch_time"]


def test_help_lists_every_option_in_its_group(ecs_pytester: pytest.Pytester) -> None:
    result = ecs_pytester.runpytest("--help")
    assert result.ret == 0
    output = result.stdout.str()
    for option in COMMAND_LINE:
        assert option in output, option
    for name in INI:
        assert f"{name} (" in output, name
    result.stdout.fnmatch_lines(["ecs-events:", "*--ecs-timeline*"])
    result.stdout.fnmatch_lines(["pytest-ecs-events live mode (a real Alibaba Cloud account):"])
    assert f"(default {DEFAULT_LIVE_TIMEOUT_TEXT})" in " ".join(output.split())


def test_defaults(ecs_pytester: pytest.Pytester) -> None:
    config = ecs_pytester.parseconfig()
    assert config.getini("ecs_sim_region") == "cn-hangzhou"
    assert config.getini("ecs_sim_execution_duration") == "30s"
    assert config.getini("ecs_sim_patch_time") is False
    assert config.getoption("ecs_timeline") is False
    assert config.getoption("ecs_live") is False
    for dest in ("ecs_live_instances", "ecs_live_region", "ecs_live_endpoint",
                 "ecs_live_protocol", "ecs_live_timeout", "ecs_live_journal"):  # fmt: skip
        assert config.getoption(dest) is None, dest


def test_values_are_read(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makeini("[pytest]\necs_sim_patch_time = true\necs_sim_region = cn-beijing\n")
    config = ecs_pytester.parseconfig(
        "--ecs-timeline", "--ecs-live-instances", "web=i-1", "--ecs-live-protocol", "http"
    )
    assert config.getini("ecs_sim_patch_time") is True
    assert config.getini("ecs_sim_region") == "cn-beijing"
    assert config.getoption("ecs_timeline") is True
    assert config.getoption("ecs_live_instances") == "web=i-1"
    assert config.getoption("ecs_live_protocol") == "http"


def test_a_protocol_other_than_http_or_https_is_refused(ecs_pytester: pytest.Pytester) -> None:
    result = ecs_pytester.runpytest("--ecs-live-protocol", "ftp")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--ecs-live-protocol*invalid choice*'ftp'*"])
