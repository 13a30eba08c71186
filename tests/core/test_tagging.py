"""The tag rules (core/tagging) and the simulation's tag operations: validation, limits,
all-or-nothing changes, and read-only mappings replaced on change."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.core import tagging
from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.simulation import Simulation

R = "cn-hangzhou"


def _code(call: object, *args: object, **kwargs: object) -> tuple[str, int]:
    with pytest.raises(EcsApiError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return info.value.code, info.value.status


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "key",
    ["", "k" * 129, "aliyun-x", "Aliyun", "acs:rm", "ACS:x", "a http://b", "HTTPS://x"],
)
def test_bad_keys_are_refused(key: str) -> None:
    assert _code(tagging.check_new_tags, [(key, "v")]) == ("InvalidTagKey.Malformed", 400)


@pytest.mark.parametrize("value", ["v" * 129, "see http://x", "https://y"])
def test_bad_values_are_refused(value: str) -> None:
    assert _code(tagging.check_new_tags, [("k", value)]) == ("InvalidTagValue.Malformed", 400)


def test_limits_and_duplicates() -> None:
    many = [(f"k{i}", "") for i in range(21)]
    assert _code(tagging.check_new_tags, many) == ("NumberExceed.Tags", 400)
    assert tagging.check_new_tags(many[:20]) == dict(many[:20])
    assert _code(tagging.check_new_tags, [("a", "1"), ("a", "2")]) == ("Duplicate.TagKey", 400)
    assert tagging.check_new_tags([("k" * 128, "v" * 128), ("e", "")]) == {
        "k" * 128: "v" * 128,
        "e": "",
    }
    assert _code(tagging.check_keys, ["a", "a"]) == ("Duplicate.TagKey", 400)


keys = st.text(max_size=140)


@given(key=keys, value=st.text(max_size=140))
def test_validation_matches_the_documented_rules(key: str, value: str) -> None:
    """A pair is accepted exactly when the key is 1-128 characters, starts with neither
    aliyun nor acs:, the value has at most 128, and neither holds http:// or https://."""
    low_key, low_value = key.lower(), value.lower()
    key_ok = (
        0 < len(key) <= 128
        and not low_key.startswith(("aliyun", "acs:"))
        and "http://" not in low_key
        and "https://" not in low_key
    )
    value_ok = len(value) <= 128 and "http://" not in low_value and "https://" not in low_value
    if key_ok and value_ok:
        assert tagging.check_new_tags([(key, value)]) == {key: value}
    else:
        expected = "InvalidTagKey.Malformed" if not key_ok else "InvalidTagValue.Malformed"
        assert _code(tagging.check_new_tags, [(key, value)]) == (expected, 400)


# --------------------------------------------------------------------------- simulation
def test_tagging_replaces_the_mapping_and_counts_a_mutation(sim: Simulation) -> None:
    instance = sim.get_instance("i-a")
    before, mutations = instance.tags, sim.mutations
    sim.tag_resources("instance", ["i-a", "i-b"], {"env": "prod"}, region=R)
    assert instance.tags == {"env": "prod"}
    assert before == {}
    assert isinstance(instance.tags, MappingProxyType)
    assert sim.get_instance("i-b").tags == {"env": "prod"}
    assert sim.mutations > mutations
    unchanged = sim.mutations
    sim.tag_resources("instance", ["i-a"], {"env": "prod"}, region=R)
    assert sim.mutations == unchanged  # the same tags again change nothing
    sim.tag_resources("instance", ["i-a"], {"env": "dev", "team": "x"}, region=R)
    assert dict(instance.tags) == {"env": "dev", "team": "x"}


def test_a_refused_change_changes_no_resource(sim: Simulation) -> None:
    sim.tag_resources("instance", ["i-a"], {f"k{i}": "" for i in range(19)}, region=R)
    snapshot = {i: dict(sim.get_instance(i).tags) for i in ("i-a", "i-b")}
    code = _code(sim.tag_resources, "instance", ["i-b", "i-a"], {"x": "1", "y": "2"}, region=R)
    assert code == ("OperationDenied.QuotaExceed", 400)
    assert {i: dict(sim.get_instance(i).tags) for i in ("i-a", "i-b")} == snapshot
    code = _code(sim.tag_resources, "instance", ["i-b", "i-nope"], {"x": "1"}, region=R)
    assert code == ("InvalidResourceId.NotFound", 404)
    assert sim.get_instance("i-b").tags == {}


def test_resources_are_found_in_their_region_and_type(sim: Simulation) -> None:
    assert _code(sim.tag_resources, "instance", ["i-bj"], {"a": ""}, region=R)[1] == 404
    sim.tag_resources("instance", ["i-bj"], {"a": ""}, region="cn-beijing")
    assert _code(sim.tag_resources, "snapshot", ["i-a"], {"a": ""}, region=R)[1] == 404
    disk = sim.store.disks_of_instance("i-a")[0]
    sim.tag_resources("disk", [disk.disk_id], {"role": "system"}, region=R)
    assert disk.tags == {"role": "system"}
    assert _code(tagging.check_resource_type, "Instance") == ("InvalidResourceType.NotFound", 404)
    ids = [f"i-{n}" for n in range(51)]
    assert _code(sim.tag_resources, "instance", ids, {"a": ""}, region=R)[0] == (
        "NumberExceed.ResourceIds"
    )


def test_untag_removes_keys_or_everything(sim: Simulation) -> None:
    sim.tag_resources("instance", ["i-a", "i-b"], {"a": "1", "b": "2"}, region=R)
    sim.untag_resources("instance", ["i-a"], ["a", "missing"], region=R)
    assert dict(sim.get_instance("i-a").tags) == {"b": "2"}
    sim.untag_resources("instance", ["i-a", "i-b"], None, region=R)
    assert sim.get_instance("i-a").tags == {}
    assert sim.get_instance("i-b").tags == {}
