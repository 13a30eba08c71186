"""``ecs_sim(load_balancers=[...])`` and the load-balancer handle members, through pytester."""

from __future__ import annotations

import textwrap

import pytest


def test_marker_load_balancers_reach_both_the_handle_and_the_api(
    ecs_pytester: pytest.Pytester,
) -> None:
    ecs_pytester.makepyfile(textwrap.dedent('''
        import pytest

        @pytest.mark.ecs_sim(
            instances=["i-a"],
            load_balancers=[{"name": "web", "listeners": [80, {"port": 443, "vserver_group": "tls",
                                                               "interval": 5}],
                             "backends": ["i-a", ("i-b", 20)],
                             "vserver_groups": {"tls": [("i-a", 100, 8443)]}}],
        )
        def test_it(ecs_sim):
            (lb,) = ecs_sim.load_balancers
            assert lb.name == "web"
            assert [(b.server_id, b.weight) for b in lb.backends] == [("i-a", 100), ("i-b", 20)]
            assert ecs_sim.instance("i-b").status == "Running"  # added for the backend
            assert lb.listeners[1].health_check.interval == 5
            body = ecs_sim.call("DescribeVServerGroupAttribute", RegionId=ecs_sim.region,
                                VServerGroupId=lb.vserver_group_ids["tls"])
            assert body["BackendServers"]["BackendServer"][0]["Port"] == 8443
            ecs_sim.stop_instance("i-a")
            ecs_sim.advance("14s")
            group = ecs_sim.load_balancer(lb.load_balancer_id).vserver_groups["tls"]
            assert group.backends[0].health == {443: "normal"}
            ecs_sim.advance("1s")  # 5 s x 3
            views = ecs_sim.backends_of("i-a")
            assert [dict(v.health) for v in views] == [{80: "abnormal"}, {443: "abnormal"}]
            assert {c.change for c in ecs_sim.backend_changes} == {"added", "health"}
    '''))  # fmt: skip
    ecs_pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('[{"name": "x", "colour": "red"}]', "unknown key(s) colour"),
        ('["web"]', "expected dicts"),
        ('[{"backends": [("i-a", 101)]}]', "weight must be an integer 0-100"),
        ('[{"listeners": [80], "vserver_groups": {"g": [("i-a", 1)]}}]', "(id, weight, port)"),
        ('[{"listeners": [(80, "missing")]}]', "'missing', which is not in vserver_groups"),
    ],
)
def test_a_bad_load_balancer_fails_the_test_naming_it(
    ecs_pytester: pytest.Pytester, value: str, expected: str
) -> None:
    ecs_pytester.makepyfile(textwrap.dedent(f'''
        import pytest

        @pytest.mark.ecs_sim(load_balancers={value})
        def test_bad(ecs_sim):
            pass
    '''))  # fmt: skip
    result = ecs_pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*load_balancers*{expected}*"])


def test_the_load_balancer_members_skip_in_live_mode() -> None:
    from pytest_ecs_events.live.errors import LiveUnsupported
    from pytest_ecs_events.live.handle import OFFLINE_ONLY, LiveEcs

    for member in ("add_load_balancer", "load_balancer", "load_balancers", "backends_of",
                   "backend_changes"):  # fmt: skip
        assert member in OFFLINE_ONLY
    with pytest.raises(LiveUnsupported, match="offline only"):
        LiveEcs._add_load_balancer(None, "x", [], [], {}, None, None)  # type: ignore[arg-type]
