"""The per-call records' ``__init__``: all fields set in one step, the instance still frozen.

Benchmark: P1 (``benchmarks/run.py``). Every call builds an ``ApiRequest``, an ``ApiCall``
and an ``ApiResponse``; a frozen dataclass's own ``__init__`` sets each field with one
``object.__setattr__`` call (to get past its own frozen ``__setattr__``), which costs more
than the rest of building the record (``docs/performance.md``, "What makes the hot path
fast"). :func:`one_step_init` writes an ``__init__`` with the same signature that fills the
instance ``__dict__`` with a single ``update``. Equality, ``repr``, ``replace`` and the frozen
``__setattr__`` stay the dataclass's own.

Guarded by ``tests/api/speedups/test_frozen_init.py``: the written ``__init__`` takes exactly the
dataclass's fields and defaults, and the instance stays frozen.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["one_step_init"]

T = TypeVar("T", bound=type[Any])


def one_step_init(cls: T) -> T:
    """Replace the frozen dataclass ``cls``'s ``__init__`` with a one-step one.

    A field's ``default_factory`` is called once, here, and its value is the parameter's
    default for every instance: use one only for a shared read-only value (a mapping proxy,
    which ``dataclasses`` refuses as a plain default).
    """
    params = dataclasses.fields(cls)
    if not cls.__dataclass_params__.frozen or any(not f.init for f in params):
        raise TypeError(f"one_step_init: {cls.__name__} must be a frozen dataclass, all init")
    defaults: dict[str, object] = {}
    signature = []
    for f in params:
        if f.default is not dataclasses.MISSING:
            defaults[f"_default_{f.name}"] = f.default
            signature.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            defaults[f"_default_{f.name}"] = f.default_factory()
            signature.append(f"{f.name}=_default_{f.name}")
        else:
            signature.append(f.name)
    assignments = ", ".join(f"{f.name}={f.name}" for f in params)
    source = (
        f"def __init__(self, {', '.join(signature)}):\n    self.__dict__.update({assignments})\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, defaults, namespace)  # as dataclasses itself writes __init__
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = f"Set every field of {cls.__name__} in one step (see {__name__})."
    cls.__init__ = init
    return cls
