"""``ecs_sim(instances=[...])`` with dicts of add_instance keywords, through pytester."""

from __future__ import annotations

import textwrap

import pytest


def test_dict_instances_reach_every_action(ecs_pytester: pytest.Pytester) -> None:
    ecs_pytester.makepyfile(textwrap.dedent('''
        import pytest

        @pytest.mark.ecs_sim(instances=["i-a", {"instance_id": "i-b", "private_ip": "10.0.0.5",
                                                "instance_type": "ecs.c7.large",
                                                "tags": {"team": "sre"}, "name": "web"}])
        def test_it(ecs_sim):
            b = ecs_sim.instance("i-b")
            assert (b.private_ip, b.instance_type, b.name) == ("10.0.0.5", "ecs.c7.large", "web")
            assert dict(b.tags) == {"team": "sre"}
            body = ecs_sim.call("DescribeInstances", RegionId=ecs_sim.region,
                                PrivateIpAddresses=["10.0.0.5"])
            assert [i["InstanceId"] for i in body["Instances"]["Instance"]] == ["i-b"]
            assert [i.instance_id for i in ecs_sim.instances] == ["i-a", "i-b"]
    '''))  # fmt: skip
    ecs_pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('[{"private_ip": "10.0.0.5"}]', 'needs an "instance_id"'),
        ('[{"instance_id": "i-b", "colour": "red"}]', "unknown key(s) colour"),
        ('[{"instance_id": "i-b", "private_ip": "10.0.0.999"}]', "private_ip='10.0.0.999'"),
        ('[{"instance_id": "i-b", "charge_type": "Free"}]', "charge_type='Free'"),
        ("[42]", "got 42"),
    ],
)
def test_a_bad_dict_fails_the_test_naming_it(
    ecs_pytester: pytest.Pytester, value: str, expected: str
) -> None:
    ecs_pytester.makepyfile(textwrap.dedent(f'''
        import pytest

        @pytest.mark.ecs_sim(instances={value})
        def test_bad(ecs_sim):
            pass
    '''))  # fmt: skip
    result = ecs_pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(errors=1)
    text = result.stdout.str()
    assert "test_bad" in text
    assert expected in text
