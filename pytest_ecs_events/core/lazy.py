"""Package attributes loaded on first use, and old names that moved (PEP 562).

pytest imports the plugin, and with it this package, in every run, whether a test uses the
simulator or not: a package's public names are bound when first read, not at import.
"""

from __future__ import annotations

import functools
import importlib
import re
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any


def lazy_values(
    module: str, namespace: dict[str, Any], makers: Mapping[str, Callable[[], Any]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``module``: ``makers`` maps each public name to the
    function that makes its value on the first read; the value then becomes a plain
    attribute (``namespace`` is the module's ``globals()``)."""

    def __getattr__(name: str) -> Any:
        make = makers.get(name)
        if make is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = namespace[name] = make()
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *makers})

    return __getattr__, __dir__


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """:func:`lazy_values` for names defined elsewhere: ``exports`` maps each public name to
    the module that defines it (relative to ``package`` if it starts with a dot)."""
    makers = {
        name: functools.partial(_attribute_of, module, package, name)
        for name, module in exports.items()
    }
    return lazy_values(package, namespace, makers)


def _attribute_of(module: str, package: str, name: str) -> Any:
    return getattr(importlib.import_module(module, package), name)


def module_on_first_use(name: str, package: str | None = None) -> Callable[[], types.ModuleType]:
    """A function that returns the module ``name`` (relative to ``package`` if it starts with
    a dot), imported by its first call and then kept: for a module that only some runs need,
    asked for on a path taken at every test or call, where an import statement would cost more
    than the look-up."""
    return functools.cache(functools.partial(importlib.import_module, name, package))


def pattern_on_first_use(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function that returns ``re.compile(pattern, flags)``, compiled by its first call and
    then kept: for a pattern that only some runs or actions use, in a module every test
    imports (compiling a pattern is pure-Python work, paid at import otherwise)."""
    return functools.cache(functools.partial(re.compile, pattern, flags))


def moved_exports(
    old: str, namespace: dict[str, Any], exports: Mapping[str, str], *, removal: str = "0.3"
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a module whose names moved: ``exports`` maps each
    old name to the (absolute) module that now defines it. Every read warns with a
    :class:`DeprecationWarning` that names the new place, for one release."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warnings.warn(
            f"{old}.{name} moved to {module}.{name}: import it from there "
            f"(the old path is deprecated and stops working in {removal})",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
