"""The implemented actions, by name, and the decorators that register them.

A handler takes an :class:`ActionContext` and returns the body (without RequestId) or raises
:class:`~pytest_ecs_events.core.errors.EcsApiError`. Read-only actions register a *preparer*
with :func:`query_action` instead, so their answers can be kept
(:mod:`~pytest_ecs_events.api.speedups.answer_cache`). The handlers live in ``api/actions/``;
the dispatcher (``api/dispatch.py``) imports them, which fills :data:`ACTIONS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.regions import check_region
from ..core.simulation import Simulation
from .deferrals import run_waiting
from .messages import ApiRequest
from .params import Params
from .products import ECS, PRODUCTS
from .speedups.answer_cache import Query
from .speedups.render_cache import RenderCache

__all__ = [
    "ACTIONS",
    "OTHER_PRODUCT_ACTIONS",
    "REGISTRIES",
    "ActionContext",
    "ActionSpec",
    "Handler",
    "LazyActionSpec",
    "Preparer",
    "Query",
    "action",
    "actions_of",
    "check_action_name",
    "closest_action",
    "defer_actions",
    "query_action",
]


@dataclass
class ActionContext:
    """What an action handler gets: its parameters, the simulation, the request, and the
    dispatcher's rendering cache (a read-only action's query renders events through it)."""

    params: Params
    sim: Simulation
    request: ApiRequest
    renderings: RenderCache = field(default_factory=RenderCache)

    def region(self, *, required: bool = True) -> str:
        """RegionId, required where the API requires it (the legacy SDK always sends it), and
        one the account knows (else ``InvalidRegionId.NotFound``, see :meth:`known_region`)."""
        value = self.params.text("RegionId", required=required)
        return self.known_region(value) if value else self.sim.config.region

    def known_region(self, value: str) -> str:
        """``value`` if DescribeRegions lists it (or it is the account's own or an extra
        region), else the API's ``InvalidRegionId.NotFound`` (404). Every action that takes
        a RegionId checks it here; read-only actions do it once per question (their
        preparers are kept), so the pollers' hot path does not pay for it."""
        config = self.sim.config
        if value == config.region:
            return value
        return check_region(value, config.extra_regions)


Handler = Callable[[ActionContext], dict[str, Any]]
#: Parses a read-only action's parameters into its :data:`Query`. It reads nothing that can
#: change (only the parameters, the catalog and the configuration), so the query is kept
#: and reused for every call with the same parameters.
Preparer = Callable[[ActionContext], Query]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    handler: Handler
    #: HTTP status of the generic codes for this action, where it differs from 400.
    statuses: Mapping[str, int] = field(default_factory=dict)
    #: Set for read-only actions (registered with :func:`query_action`). The dispatcher runs
    #: ``prepare`` for them; their ``handler`` is ``prepare(ctx)(ctx.sim)``, for direct use
    #: only, so replace both to change such an action.
    prepare: Preparer | None = None

    @property
    def read_only(self) -> bool:
        """Read-only actions change nothing: their answers may be reused while state holds."""
        return self.prepare is not None


class LazyActionSpec(ActionSpec):
    """The entry of an action whose module is not imported yet (see :func:`defer_actions`).

    Its name is known; its ``handler``, ``statuses`` and ``prepare`` are the registered
    spec's, read by importing the module that defines the action (which replaces this entry
    with its own :class:`ActionSpec`, at the same place). Made by :meth:`deferred`;
    calling the class makes a plain :class:`ActionSpec` (so ``dataclasses.replace`` of an
    entry gives one; a copy is a deferred entry still).
    """

    product: str
    module: str

    def __new__(cls, *args: Any, **kwargs: Any) -> ActionSpec:  # type: ignore[misc]
        if not args and not kwargs:  # copy and pickle make the object, then fill it
            return object.__new__(cls)
        return ActionSpec(*args, **kwargs)

    @classmethod
    def deferred(cls, name: str, product: str, module: str) -> LazyActionSpec:
        spec = object.__new__(cls)
        for attribute, value in (("name", name), ("product", product), ("module", module)):
            object.__setattr__(spec, attribute, value)
        return spec

    def resolve(self) -> ActionSpec:
        """The spec the module registers (importing the module on the first look-up)."""
        importlib.import_module(self.module)
        spec = REGISTRIES.get(self.product, {}).get(self.name)
        if spec is None or isinstance(spec, LazyActionSpec):
            raise LookupError(
                f"{self.module} does not register the {self.product} action {self.name}"
            )
        return spec

    @property
    def handler(self) -> Handler:
        return self.resolve().handler

    @property
    def statuses(self) -> Mapping[str, int]:
        return self.resolve().statuses

    @property
    def prepare(self) -> Preparer | None:
        return self.resolve().prepare


#: ECS's actions (the first product; kept under this name for every existing use).
ACTIONS: dict[str, ActionSpec] = {}
#: Each product's actions by its key (``api/products.py``): ``"ecs"`` is :data:`ACTIONS`,
#: ``"cms"`` is filled by ``pytest_ecs_events/cms/``.
REGISTRIES: dict[str, dict[str, ActionSpec]] = {ECS.key: ACTIONS}


def actions_of(product: str) -> dict[str, ActionSpec]:
    """The registry of ``product`` (a key of ``api/products.py``), created empty if new."""
    return REGISTRIES.setdefault(product, {})


def defer_actions(product: str, module: str, names: Iterable[str]) -> None:
    """List the actions ``names`` of ``product``, defined by ``module`` (a dotted name), in
    its registry without importing the module: each entry is a :class:`LazyActionSpec`
    until the module is imported (by the first look-up of its handler, statuses or
    preparer, or by anyone). Actions already registered keep their spec."""
    registry = actions_of(product)
    for name in names:
        registry.setdefault(name, LazyActionSpec.deferred(name, product, module))


def _all_actions() -> dict[str, str]:
    """Every implemented action name, with the key of its product."""
    return {name: key for key, registry in REGISTRIES.items() for name in registry}


def _statuses(statuses: Mapping[str, int]) -> dict[str, int]:
    return {k.replace("_", "."): v for k, v in statuses.items()}


def action(name: str, *, product: str = ECS.key, **statuses: int) -> Callable[[Handler], Handler]:
    """Register a handler for an action of ``product`` (ECS unless named); ``statuses`` maps
    codes (``MissingParameter=404``)."""

    def register(handler: Handler) -> Handler:
        actions_of(product)[name] = ActionSpec(name, handler, _statuses(statuses))
        return handler

    return register


def query_action(
    name: str, *, product: str = ECS.key, **statuses: int
) -> Callable[[Preparer], Preparer]:
    """Register a read-only action as a :data:`Preparer`: parse the parameters, return the
    query. Pollers ask the same question again and again; only the query runs each time."""

    def register(prepare: Preparer) -> Preparer:
        def handler(ctx: ActionContext) -> dict[str, Any]:
            return prepare(ctx)(ctx.sim)

        actions_of(product)[name] = ActionSpec(name, handler, _statuses(statuses), prepare)
        return prepare

    return register


def closest_action(name: str, product: str | None = None) -> str | None:
    """The implemented action ``name`` most likely meant (a typo, another case), if any:
    among ``product``'s actions, or every product's."""
    import difflib  # only on the error path

    names = REGISTRIES.get(product, {}) if product is not None else _all_actions()
    by_lower = {known.lower(): known for known in names}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.8)
    return by_lower[close[0]] if close else None


#: Operations of other simulated products (MNS, ...) that ``fail_next`` accepts too; each
#: product's package adds its names when it is imported.
OTHER_PRODUCT_ACTIONS: set[str] = set()


def check_action_name(name: object, what: str) -> str:
    """``name`` if it is an implemented action of any product (MNS operations included), or
    ``"*"`` (any action); else a ``ValueError`` for ``what`` (the member that takes it, e.g.
    ``"fail_next"``) with the action meant. The registries must be filled (``api.actions``
    and ``pytest_ecs_events.cms`` imported, as the simulator does)."""
    if name == "*" or (
        isinstance(name, str)
        and (name in OTHER_PRODUCT_ACTIONS or any(name in r for r in REGISTRIES.values()))
    ):
        return name
    if not isinstance(name, str) or not name:
        raise ValueError(f"{what}() needs an action name (or '*' for any), got {name!r}")
    hint = not_found_hint(name, None)
    known = ", ".join(sorted(_all_actions()))
    raise ValueError(
        f"{what}({name!r}): the simulator does not implement the action {name!r}, so no "
        f"call could ever meet it.{hint or ' It implements: ' + known + '.'}"
    )


#: Actions people send to ECS that belong to another product, and the product's endpoint
#: (a hint even where that product's actions are not registered, or not implemented).
OTHER_PRODUCTS: Mapping[str, str] = dict.fromkeys(
    (
        "DescribeSystemEventHistogram",
        "DescribeSystemEventCount",
        "DescribeSystemEventAttribute",
        "DescribeSystemEventMetaList",
    ),
    PRODUCTS["cms"].describe(),
)


def not_found_hint(name: str, product: str | None = ECS.key) -> str:
    """What to tell a caller whose action ``product`` (ECS unless named; ``None``: no
    product) does not have: the product it belongs to, or the action of ``product`` it most
    likely meant ("" if neither)."""
    this = PRODUCTS.get(product) if product is not None else None
    owner = _all_actions().get(name)
    if owner is not None and owner != product:
        where = PRODUCTS[owner].describe() if owner in PRODUCTS else owner
        return f" {name} is an action of {where}" + (
            f", not of {this.title}." if this is not None else "."
        )  # fmt: skip
    other = OTHER_PRODUCTS.get(name) if product != "cms" else None
    if other is not None:
        return f" {name} is an action of {other}" + (
            f", not of {this.title}." if this is not None else "."
        )  # fmt: skip
    meant = closest_action(name, product)
    return f" Did you mean {meant!r}?" if meant is not None else ""


# What a layer above asked for before this module loaded (api/deferrals.py): here, where
# every name of the module is defined, so a step may import the modules that register.
run_waiting()
