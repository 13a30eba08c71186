"""The per-call records' one-step ``__init__`` (api/speedups/frozen_init.py)."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from pytest_ecs_events.api.calls import ApiCall
from pytest_ecs_events.api.messages import ApiRequest, ApiResponse
from pytest_ecs_events.api.speedups.frozen_init import one_step_init


@pytest.mark.parametrize("cls", [ApiRequest, ApiResponse, ApiCall])
def test_hand_written_inits_take_exactly_the_dataclass_fields(cls: type[Any]) -> None:
    """The hot-path classes write their own __init__: it must match their fields."""

    def default(f: dataclasses.Field[object]) -> object:
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
        return inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default

    wanted = [(f.name, default(f)) for f in dataclasses.fields(cls)]
    parameters = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in parameters] == wanted
    values = {f.name: object() for f in dataclasses.fields(cls)}
    instance = cls(**values)
    assert all(getattr(instance, name) is value for name, value in values.items())
    assert dataclasses.replace(instance) == instance
    with pytest.raises(dataclasses.FrozenInstanceError):
        instance.status = 1


def test_only_frozen_dataclasses_get_a_one_step_init() -> None:
    @dataclasses.dataclass
    class Thawed:
        a: int

    with pytest.raises(TypeError, match="frozen dataclass"):
        one_step_init(Thawed)


def test_a_default_factory_gives_one_shared_default() -> None:
    @one_step_init
    @dataclasses.dataclass(frozen=True)
    class Record:
        a: int
        b: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    assert Record(1).b is Record(2).b
    assert Record(1, (2,)) == Record(a=1, b=(2,))
    assert (
        repr(Record(1))
        == "test_a_default_factory_gives_one_shared_default.<locals>.Record(a=1, b=())"
    )
