"""The ``ecs_sim`` fixture: one fresh simulated account per test, markers applied."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .config import configured_catalog, marked_region, setup_values
from .marker_names import MarkerError

if TYPE_CHECKING:
    from ..simulator import EcsSimulator
    from ..timepatch import ClockCoupling
    from .config import SetupValues
    from .markers import SimSettings


class _Stack:
    """The names of the simulator stack that every ``ecs_sim`` set-up uses: imported where a
    test first uses them (every pytest start-up imports this module, and a run that never
    asks for ``ecs_sim`` needs none of them), then kept (an import statement in the set-up
    would run again at every test)."""

    def __init__(self) -> None:
        from ..core.clock import parse_time, wall_clock_now
        from ..core.errors import EcsApiError
        from ..simulator import EcsSimulator
        from .markers import event_marks, item_marks, sim_settings
        from .report import attach, call_passed

        self.attach_timeline = attach
        self.call_passed = call_passed
        self.parse_time = parse_time
        self.wall_clock_now = wall_clock_now
        self.EcsApiError = EcsApiError
        self.EcsSimulator = EcsSimulator
        self.event_marks = event_marks
        self.item_marks = item_marks
        self.sim_settings = sim_settings


@functools.cache
def _stack() -> _Stack:
    return _Stack()


def build_simulator(
    item: pytest.Item,
    settings: SimSettings | None = None,
    event_markers: list[pytest.Mark] | None = None,
    values: SetupValues | None = None,
) -> EcsSimulator:
    """An :class:`EcsSimulator` configured by the item's markers (``settings``: their merged
    ``ecs_sim`` settings, if already read; ``event_markers``: its ``ecs_event`` markers,
    closest first, if already read; ``values``: the configuration's set-up values, if already
    read), its events created."""
    stack = _stack()
    parse_time, EcsApiError, event_marks = stack.parse_time, stack.EcsApiError, stack.event_marks
    config = item.config
    if settings is None:
        settings = stack.sim_settings(item)
    catalog = configured_catalog(config)
    if values is None:
        values = setup_values(config)
    region = values.region if settings.region is None else marked_region(settings.region, config)
    duration = values.execution_duration(settings.execution_duration)
    sim = stack.EcsSimulator(
        now=settings.now or stack.wall_clock_now(),
        region=region,
        instances=(),
        credentials=settings.credentials,
        execution_duration=duration,
        seed=settings.seed,
        catalog=catalog,
        extra_regions=values.extra_regions,
        **({"account_id": settings.account_id} if settings.account_id else {}),
    )
    for instance_id in settings.instances:
        attributes = settings.instance_attributes.get(instance_id, {})
        try:
            sim.add_instance(instance_id, **attributes)
        except (EcsApiError, TypeError, ValueError) as exc:
            given = {"instance_id": instance_id, **attributes} if attributes else instance_id
            raise MarkerError(
                f"@pytest.mark.ecs_sim(instances=...): the instance {given!r} is not valid: {exc}"
            ) from None
    for spec in settings.load_balancers:
        try:
            sim.add_load_balancer(**spec)
        except (EcsApiError, TypeError, ValueError) as exc:
            raise MarkerError(
                f"@pytest.mark.ecs_sim(load_balancers=...): the load balancer {spec!r} is not "
                f"valid: {exc}"
            ) from None
    _wire_hooks(sim, config)
    stack.attach_timeline(item, sim)  # before the marker events, so that the timeline has them
    for mark in event_marks(item, now=sim.now, catalog=catalog, marks=event_markers):
        instances = list(mark.instances) or [sim.add_instance().instance_id]
        for instance_id in instances:
            sim.add_instance(instance_id)
        try:
            if mark.platform:
                when = parse_time(mark.not_before, now=sim.now) if mark.not_before else None
                for instance_id in instances:
                    sim.simulation.inject_event(
                        mark.event_type, instance_id, not_before=when, state=mark.state,
                        reason=mark.reason,
                    )  # fmt: skip
            else:
                sim.create_events(mark.event_type, instances, mark.not_before)
        except (EcsApiError, ValueError) as exc:
            raise MarkerError(f"{mark.text}: {exc}") from None
    return sim


def _wire_hooks(sim: EcsSimulator, config: pytest.Config) -> None:
    hook = config.hook
    if hook.pytest_ecs_events_transition.get_hookimpls() or (
        hook.pytest_ecs_events_instance_change.get_hookimpls()
    ):
        from ..core.lifecycle import Transition

        def observe(change: Any) -> None:
            if isinstance(change, Transition):
                hook.pytest_ecs_events_transition(transition=change, simulator=sim)
            elif change.kind == "instance":  # other areas' kinds are not instance changes
                hook.pytest_ecs_events_instance_change(change=change, simulator=sim)

        sim.on_change(observe)
    if hook.pytest_ecs_events_api_call.get_hookimpls():
        sim.on_call(lambda call: hook.pytest_ecs_events_api_call(call=call, simulator=sim))


#: The running test of each session, innermost last (a test that runs pytest in-process nests
#: another session's): ``ecs_sim`` takes its test from here rather than from pytest's
#: ``request`` fixture, which pytest 9 builds anew at each of its look-ups (five a test, about
#: a tenth of what ``ecs_sim`` costs a test). Kept by the plugin's ``pytest_runtest_setup``
#: and ``pytest_sessionfinish``.
RUNNING_ITEMS: list[pytest.Item] = []


def running_item() -> pytest.Item:
    """The test being set up, run or torn down (the innermost session's)."""
    if not RUNNING_ITEMS:
        raise pytest.UsageError(
            "ecs_sim: no test is running (the fixture is only available to tests, "
            "between their set-up and teardown)"
        )
    return RUNNING_ITEMS[-1]


@pytest.fixture
def ecs_sim() -> Iterator[EcsSimulator]:
    """A simulated ECS account answering both official SDKs for this test.

    Configure it with ``@pytest.mark.ecs_sim(...)``; create events with
    ``@pytest.mark.ecs_event(...)``.
    """
    item = running_item()
    values = setup_values(item.config)
    if values.live:  # --ecs-live: a real account (plugin/live.py)
        from .live import live_ecs_sim

        yield from live_ecs_sim(item)
        return
    problem = None
    try:
        # read once for the set-up, in one walk of the nodes
        stack = _stack()
        sim_markers, event_markers = stack.item_marks(item)
        settings = stack.sim_settings(item, sim_markers)
        sim = build_simulator(item, settings, event_markers, values)
    except MarkerError as exc:
        problem = str(exc)
    if problem is not None:
        pytest.fail(f"{item.nodeid}: {problem}", pytrace=False)
    created = item.config.hook.pytest_ecs_events_simulator_created
    if created.get_hookimpls():  # most runs implement none: a look costs less than a call
        created(simulator=sim, item=item)
    coupling = _couple_clock(sim, item, settings, values.patch_time)
    try:
        with sim:
            yield sim
    finally:
        if coupling is not None:
            coupling.stop()
    observer_errors = sim.simulation.observer_errors
    if observer_errors:
        first = observer_errors[0]
        pytest.fail(
            f"{item.nodeid}: {len(observer_errors)} change observer(s) (on_change callbacks or "
            f"pytest_ecs_events_transition / _instance_change hooks) raised; first: "
            f"{type(first).__name__}: {first}",
            pytrace=False,
        )
    subscriber_errors = sim.subscriber_errors
    if subscriber_errors:
        first = subscriber_errors[0]
        pytest.fail(
            f"{item.nodeid}: {len(subscriber_errors)} notification callback(s) given to "
            f"ecs_sim.subscribe() raised; first: {type(first).__name__}: {first}",
            pytrace=False,
        )
    _check_unused_faults(sim, item)
    _check_unscripted_commands(sim, item)
    errors = sim.internal_errors
    if errors:
        pytest.fail(
            f"{item.nodeid}: the ECS simulator met {len(errors)} internal error(s) while "
            f"answering (each was answered with HTTP 500 InternalError); first: "
            f"{type(errors[0]).__name__}: {errors[0]}. Please report it.",
            pytrace=False,
        )


def _check_unused_faults(sim: EcsSimulator, item: pytest.Item) -> None:
    """Fail a passing test that ends with ``fail_next`` faults never met: the code under test
    did not do what the test meant to check (a failing test keeps its own failure)."""
    api = sim._api_if_made()  # faults are queued on the API: none made, none queued
    unused = api.unused_faults() if api is not None else []
    if not unused or not _stack().call_passed(item):
        return
    if not item.config.getini("ecs_sim_strict_faults"):
        return
    from ..api.faults import describe_fault

    lines = "\n".join(f"  {describe_fault(f)}" for f in unused)
    pytest.fail(
        f"{item.nodeid}: {len(unused)} fault(s) queued with ecs_sim.fail_next() were not used "
        f"up when the test ended:\n{lines}\nThe code under test never made those calls. "
        f"Pass required=False to fail_next for a fault that may go unused, or set the ini "
        f"option ecs_sim_strict_faults = false.",
        pytrace=False,
    )


def _check_unscripted_commands(sim: EcsSimulator, item: pytest.Item) -> None:
    """Strict commands: fail a passing test in which a Cloud Assistant command ran that no
    ``ecs_sim.on_command()`` script matched (its default success proved nothing)."""
    unscripted = [run for run in sim.invocations if not run.scripted]
    if not unscripted:  # first: most tests run no command, and the markers need not be read
        return
    from .markers import sim_settings

    strict = sim_settings(item).strict_commands
    source = "@pytest.mark.ecs_sim(strict_commands=True)"
    if strict is None:
        strict = bool(item.config.getini("ecs_sim_strict_commands"))
        source = "the ini option ecs_sim_strict_commands = true"
    if not strict or not _stack().call_passed(item):
        return
    lines = "\n".join(
        f"  {run.instance_id} ({run.invoke_id} {run.command_name or '(no name)'}): "
        f"{_first_line(run.content)}"
        for run in unscripted
    )
    pytest.fail(
        f"{item.nodeid}: {len(unscripted)} Cloud Assistant command run(s) matched no "
        f"ecs_sim.on_command() script ({source}):\n{lines}\nScript them with "
        f"ecs_sim.on_command(regex, output=..., exit_code=...).",
        pytrace=False,
    )


def _first_line(content: str) -> str:
    lines = content.strip().splitlines()
    return lines[0] if lines else repr(content)


def _couple_clock(
    sim: EcsSimulator, item: pytest.Item, settings: SimSettings, ini_patch_time: bool
) -> ClockCoupling | None:
    """Start the clock coupling if the marker (``settings``) or the ini option
    (``ini_patch_time``) asks for it."""
    wanted = settings.patch_time
    source = "@pytest.mark.ecs_sim(patch_time=True)"
    if wanted is None:
        wanted = ini_patch_time
        source = "the ini option ecs_sim_patch_time = true"
    if not wanted:
        return None
    from ..timepatch import TimeMachineMissing

    try:
        return sim.patch_time()
    except TimeMachineMissing as exc:
        problem = f"{item.nodeid}: {source}: {exc}"
    pytest.fail(problem, pytrace=False)
