"""Every command-line and ini option of the plugin, in one place (offline and live mode)."""

from __future__ import annotations

import pytest

from .config import DEFAULT_REGION

__all__ = ["DEFAULT_LIVE_TIMEOUT_TEXT", "add_options"]

#: ``live.settings.DEFAULT_TIMEOUT`` as the option's help gives it (a test holds the two
#: together; live mode's client is not imported just to print the help).
DEFAULT_LIVE_TIMEOUT_TEXT = "600"


def add_options(parser: pytest.Parser) -> None:
    """Register the offline options and ini values, then live mode's."""
    _add_offline(parser)
    _add_live(parser)


def _add_offline(parser: pytest.Parser) -> None:
    parser.addini(
        "ecs_sim_region", "default region of the ecs_sim fixture (default cn-hangzhou)",
        default=DEFAULT_REGION,
    )  # fmt: skip
    parser.addini(
        "ecs_sim_execution_duration",
        "how long simulated maintenance events stay Executing (default 30s)",
        default="30s",
    )
    parser.addini(
        "ecs_sim_extra_regions",
        "regions of your own the simulator accepts besides those DescribeRegions lists "
        "(space-separated region ids)",
        type="args",
        default=[],
    )
    parser.addini(
        "ecs_sim_strict_faults",
        "fail a test that ends with ecs_sim.fail_next() faults never used (default true; "
        "fail_next(..., required=False) exempts one fault)",
        type="bool",
        default=True,
    )
    parser.addini(
        "ecs_sim_strict_commands",
        "fail a test in which a Cloud Assistant command ran that no ecs_sim.on_command() "
        "script matched (default false; @pytest.mark.ecs_sim(strict_commands=...) wins)",
        type="bool",
        default=False,
    )
    parser.addini(
        "ecs_sim_patch_time",
        "move time.time() and datetime.now() with the virtual clock in every ecs_sim test "
        "(needs time-machine; default false)",
        type="bool",
        default=False,
    )
    parser.getgroup("ecs-events").addoption(
        "--ecs-timeline",
        action="store_true",
        default=False,
        dest="ecs_timeline",
        help="show the 'ecs events' timeline (event changes and API calls) for passing tests "
        "too, not only for failing ones",
    )
    parser.getgroup("ecs-events").addoption(
        "--ecs-timeline-html",
        dest="ecs_timeline_html",
        metavar="DIR",
        default=None,
        help="write an HTML page with an SVG timeline for each test that used ecs_sim, and "
        "an index.html linking them (failures first), into DIR",
    )
    parser.getgroup("ecs-events").addoption(
        "--ecs-timeline-json",
        dest="ecs_timeline_json",
        metavar="DIR",
        default=None,
        help="write each ecs_sim test's timeline as a JSON document (and an index.json) into DIR",
    )


def _add_live(parser: pytest.Parser) -> None:
    group = parser.getgroup(
        "ecs-live", "pytest-ecs-events live mode (a real Alibaba Cloud account)"
    )
    group.addoption(
        "--ecs-live",
        action="store_true",
        dest="ecs_live",
        default=False,
        help="run ecs_sim tests against a real account (CreateSimulatedSystemEvents drills on "
        "the instances of --ecs-live-instances); credentials from ALIBABA_CLOUD_ACCESS_KEY_ID "
        "and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    )
    group.addoption(
        "--ecs-live-instances",
        dest="ecs_live_instances",
        metavar="ALIAS=ID,...",
        help="the allowlist: test aliases mapped to real instances, e.g. "
        "web=i-2zeXXXX,db=i-2zeYYYY (required with --ecs-live)",
    )
    group.addoption(
        "--ecs-live-region",
        dest="ecs_live_region",
        metavar="REGION",
        help="region of the instances (default: ini ecs_sim_region, cn-hangzhou)",
    )
    group.addoption(
        "--ecs-live-endpoint",
        dest="ecs_live_endpoint",
        metavar="HOST:PORT",
        help="ECS endpoint to call (default: the region's public endpoint)",
    )
    group.addoption(
        "--ecs-live-protocol",
        dest="ecs_live_protocol",
        choices=("http", "https"),
        default=None,
        help="protocol of the endpoint (default https)",
    )
    group.addoption(
        "--ecs-live-timeout",
        dest="ecs_live_timeout",
        metavar="S",
        help="longest ecs_sim.advance() may wait, in seconds "
        f"(default {DEFAULT_LIVE_TIMEOUT_TEXT})",
    )
    group.addoption(
        "--ecs-live-journal",
        dest="ecs_live_journal",
        metavar="DIR",
        help="directory of the journals of created events (default .pytest_cache/d/ecs-live)",
    )
