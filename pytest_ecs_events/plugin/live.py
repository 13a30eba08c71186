"""Live mode's pytest glue: its settings from the options, the header, the fixture body,
session-level clean-up hooks, and live mode's outcomes as pytest's (the options themselves
are registered in :mod:`.options`).

Loaded only in a live run: :mod:`.live_hooks`, which every run registers, imports it when
``--ecs-live`` is given, and its objects are registered as plugins from there.
The client, handle, guard, journal and clean-up are in :mod:`pytest_ecs_events.live`, which
imports no pytest: where it cannot do what a test asks it raises
:class:`~pytest_ecs_events.live.errors.LiveUnsupported` (the test is skipped here) or
:class:`~pytest_ecs_events.live.errors.LiveTimeout` (the test fails, without a traceback).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from .config import configured_catalog, execution_duration, ini_region
from .marker_names import MarkerError
from .scrub import Scrubbing, refuse_unscrubbable_options

if TYPE_CHECKING:  # live mode's client loads only in a live run (function-local imports)
    from ..live.handle import LiveEcs
    from ..live.journal import JournalState
    from ..live.session import LiveSession
    from ..live.settings import LiveSettings
    from .markers import EventMark  # and the markers' parsing with it, as offline

__all__ = [
    "LIVE_SESSION",
    "LiveOutcomes",
    "LiveRun",
    "live_ecs_sim",
    "live_outcomes",
    "live_session",
    "prepare_handle",
    "read_leftover_journals",
    "settings_from_config",
    "start_live_run",
]

LIVE_SESSION: pytest.StashKey[LiveSession] = pytest.StashKey()
_LEFTOVERS: pytest.StashKey[list[JournalState]] = pytest.StashKey()


def _usage(message: str) -> pytest.UsageError:
    return pytest.UsageError(f"--ecs-live: {message}")


def settings_from_config(config: pytest.Config) -> LiveSettings:
    """The live options, checked; a :class:`pytest.UsageError` says what to fix."""
    from ..live.settings import (
        DEFAULT_TIMEOUT,
        LiveSettings,
        parse_endpoint,
        parse_instance_map,
        parse_timeout,
    )

    option = config.option
    instances = option.ecs_live_instances
    if not instances:
        raise _usage(
            "live mode needs the allowlist of instances it may act on: give "
            "--ecs-live-instances ALIAS=INSTANCE_ID[,...], e.g. "
            "--ecs-live-instances web=i-2zeXXXX,db=i-2zeYYYY (aliases are the instance names "
            "your tests use)"
        )
    try:
        aliases = parse_instance_map(instances)
    except ValueError as exc:
        raise _usage(f"--ecs-live-instances {instances!r}: {exc}") from None
    region = option.ecs_live_region or ini_region(config)
    endpoint = None
    if option.ecs_live_endpoint:
        try:
            endpoint = parse_endpoint(option.ecs_live_endpoint)
        except ValueError as exc:
            raise _usage(f"--ecs-live-endpoint: {exc}") from None
    timeout = DEFAULT_TIMEOUT
    if option.ecs_live_timeout is not None:
        try:
            timeout = parse_timeout(option.ecs_live_timeout)
        except ValueError as exc:
            raise _usage(f"--ecs-live-timeout: {exc}") from None
    return LiveSettings(
        aliases=aliases,
        region=region,
        endpoint=endpoint,
        protocol=option.ecs_live_protocol or "https",
        timeout=timeout,
        journal_dir=_journal_dir(config),
    )


def _journal_dir(config: pytest.Config) -> Path:
    """``--ecs-live-journal``, else ``d/ecs-live`` in pytest's cache directory."""
    given = config.option.ecs_live_journal
    if given:
        return Path(given).expanduser().resolve()
    cache_dir = Path(os.path.expandvars(str(config.getini("cache_dir") or ".pytest_cache")))
    cache_dir = cache_dir.expanduser()
    if not cache_dir.is_absolute():
        cache_dir = config.rootpath / cache_dir
    return cache_dir / "d" / "ecs-live"


def read_leftover_journals(config: pytest.Config) -> None:
    """Read earlier runs' journals before anything (``--cache-clear``) can remove them (a live
    run's ``pytest_cmdline_main``, first)."""
    if _worker_id(config) is None:
        refuse_unscrubbable_options(config)  # before anything is written
        from ..live.journal import journal_files, read_journal

        try:
            directory = _journal_dir(config)
            config.stash[_LEFTOVERS] = [read_journal(p) for p in journal_files(directory)]
        except OSError:
            pass


def live_session(config: pytest.Config) -> LiveSession | None:
    """The run's live session, or None offline."""
    return config.stash.get(LIVE_SESSION, None)


def _worker_id(config: pytest.Config) -> str | None:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput.get("workerid", "gw")) if isinstance(workerinput, dict) else None


# ============================================================================ configure
def start_live_run(config: pytest.Config) -> None:
    """Open the live session and register live mode's plugins (a live run's
    ``pytest_configure``, last)."""
    from ..live.credentials import Credentials, CredentialsMissing
    from ..live.session import LiveSession

    settings = settings_from_config(config)
    try:
        credentials = Credentials.from_env()
    except CredentialsMissing as exc:
        raise _usage(str(exc)) from None
    worker = _worker_id(config)
    session = LiveSession(
        settings, credentials, worker=worker or "main", write=_writer(config, worker)
    )
    config.stash[LIVE_SESSION] = session
    config.pluginmanager.register(Scrubbing(config, session.scrub), "ecs-live-scrubbing")
    config.pluginmanager.register(LiveRun(config, session), "ecs-live-run")
    config.pluginmanager.register(LiveOutcomes(), "ecs-live-outcomes")


def _writer(config: pytest.Config, worker: str | None) -> Callable[[str], None]:
    """Write a line on the terminal now, even while output is captured."""

    def write(line: str) -> None:
        capman = config.pluginmanager.get_plugin("capturemanager")
        reporter = None if worker else config.pluginmanager.get_plugin("terminalreporter")

        def out() -> None:
            if reporter is not None:
                reporter.write_line(line)
                # Now, also when stdout is a file or a pipe (a CI log): block-buffered there.
                reporter.flush()
            else:
                stream = sys.__stderr__
                if stream is not None:
                    stream.write(f"[{worker or 'ecs-live'}] {line}\n")
                    stream.flush()

        if capman is not None:
            with capman.global_and_fixture_disabled():
                out()
        else:
            out()

    return write


class LiveRun:
    """The hooks of one live run (registered by ``pytest_configure`` in live mode only)."""

    def __init__(self, config: pytest.Config, session: LiveSession) -> None:
        self.config = config
        self.session = session
        self.worker = _worker_id(config)
        self._previous_sigterm: Any = None
        self._sigterm_interrupts()
        from ..live.relay import start_relay

        # Every SDK call of the process to an ECS endpoint passes the live guard from now on.
        self.interception = start_relay(session)

    def _sigterm_interrupts(self) -> None:
        """SIGTERM (a CI job cancelled) interrupts like Ctrl-C, so that clean-up runs."""
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt(f"signal {signum}")

        try:
            self._previous_sigterm = signal.signal(signal.SIGTERM, handler)
        except (ValueError, OSError):
            self._previous_sigterm = None

    def pytest_unconfigure(self) -> None:
        self.interception.stop()
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_header(self) -> Generator[None, list[Any], list[Any]]:
        results = yield
        # the offline line ("... offline simulator ...") would mislead: the live line replaces it
        lines: list[str] = []
        for result in results:
            lines.extend([result] if isinstance(result, str) else result)
        return [self.session.header(), *(x for x in lines if "offline simulator" not in x)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> None:
        if session.config.option.collectonly:
            return
        if self.worker is None:  # the controller (or a run without xdist) cleans up dead runs
            try:
                self.session.recover(self.config.stash.get(_LEFTOVERS, None))
            except Exception as exc:  # others' leftovers must not stop this run
                self.session.say(f"ecs-live: WARNING: could not clean up after earlier runs: {exc}")

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.interception.refresh()  # an SDK the test modules loaded since is relayed too
        if "ecs_server" in getattr(item, "fixturenames", ()):
            _skip(
                "the ecs_server fixture serves the offline simulator; "
                "point clients at ecs_sim.endpoint instead"
            )

    def pytest_keyboard_interrupt(self) -> None:
        self.session.settle("interrupted")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        # trylast: after pytest's own teardown of the fixtures still set up
        self.session.close()


# ============================================================================= outcomes
def _skip(reason: str) -> NoReturn:
    """Skip the test, reported at the test's location (not live mode's)."""
    text = f"live mode (--ecs-live): {reason}"
    try:
        exc = pytest.skip.Exception(text, _use_item_location=True)
    except TypeError:  # pragma: no cover - a pytest without the private keyword
        pytest.skip(text)
    raise exc


@contextlib.contextmanager
def live_outcomes() -> Iterator[None]:
    """Live mode's outcomes as pytest's: :class:`LiveUnsupported` skips the test with its
    reason, :class:`LiveTimeout` fails it with its message and no traceback."""
    from ..live.errors import LiveTimeout, LiveUnsupported

    try:
        yield
    except LiveUnsupported as exc:
        _skip(exc.reason)
    except LiveTimeout as exc:
        raise pytest.fail.Exception(exc.reason, pytrace=False) from None


class LiveOutcomes:
    """Live mode's outcomes as pytest's in each phase of a test: in ``ecs_sim``'s setup or a
    fixture using it, in the body, in a fixture's teardown (registered in live mode only)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self) -> Generator[None, None, None]:
        with live_outcomes():
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self) -> Generator[None, None, None]:
        with live_outcomes():
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self) -> Generator[None, None, None]:
        with live_outcomes():
            return (yield)


# ============================================================================== fixture
def prepare_handle(session: LiveSession, item: pytest.Item) -> tuple[LiveEcs, list[EventMark]]:
    """The live handle for a test and its checked ``ecs_event`` marks; nothing created yet.

    Skips (with the reason) a test that needs what live mode cannot do: a pinned clock
    (``now=``), another region, an unmapped alias, a platform event, an event marker without
    an instance. Marker misuse fails the test at setup, as offline.
    """
    from ..core.clock import wall_clock_now
    from ..live.errors import LiveUnsupported
    from ..live.handle import OFFLINE_ONLY, LiveEcs
    from .markers import event_marks, sim_settings

    config = item.config
    catalog = configured_catalog(config)
    try:
        settings = sim_settings(item)
        duration = execution_duration(settings.execution_duration, config)
        marks = event_marks(item, now=wall_clock_now(), catalog=catalog)
    except MarkerError as exc:
        pytest.fail(f"{item.nodeid}: {exc}", pytrace=False)
    with live_outcomes():
        if settings.now is not None:
            raise LiveUnsupported(
                "@pytest.mark.ecs_sim(now=...) pins the clock, which is offline only: "
                "live mode runs on the wall clock"
            )
        if settings.region is not None and settings.region != session.region:
            raise LiveUnsupported(
                f"the test wants region {settings.region!r}; this run uses {session.region!r} "
                "(--ecs-live-region)"
            )
        handle = LiveEcs(session, execution_duration=duration, catalog=catalog)
        for name in settings.instances:
            handle.resolve(name)
        if settings.instance_attributes:
            first = next(iter(settings.instance_attributes))
            raise LiveUnsupported(
                f"@pytest.mark.ecs_sim(instances=[{{'instance_id': {first!r}, ...}}]) sets "
                "attributes of the instance: offline only (a real instance is what it is)"
            )
        for mark in marks:
            if mark.platform:
                raise LiveUnsupported(
                    f"{mark.text} is a platform event, offline only: {OFFLINE_ONLY['inject_event']}"
                )
            if not mark.instances:
                raise LiveUnsupported(
                    f"{mark.text} names no instance; offline it creates one, live mode never "
                    "does: name a mapped alias"
                )
            for name in mark.instances:
                handle.resolve(name)
    return handle, marks


def _create_marked_events(handle: LiveEcs, marks: Sequence[EventMark]) -> None:
    """Create the events of the item's ``ecs_event`` markers (already checked)."""
    from ..core.errors import EcsApiError
    from ..live.errors import LiveConnectionError, LiveGuardError

    for mark in marks:
        try:
            handle.create_events(mark.event_type, list(mark.instances), mark.not_before)
        except (EcsApiError, LiveConnectionError, LiveGuardError, ValueError) as exc:
            raise MarkerError(f"{mark.text}: {exc}") from None


def live_ecs_sim(item: pytest.Item) -> Iterator[Any]:
    """The body of ``ecs_sim`` in live mode (``fixtures.py`` branches here)."""
    session = live_session(item.config)
    if session is None:  # pragma: no cover - the branch is taken only in live mode
        pytest.fail("ecs_sim: live mode is not configured", pytrace=False)
    handle, marks = prepare_handle(session, item)  # may skip: nothing created yet
    problem = None
    try:
        try:
            _create_marked_events(handle, marks)
        except MarkerError as exc:
            problem = session.scrub(f"{item.nodeid}: {exc}")
        if problem is not None:
            pytest.fail(problem, pytrace=False)
        yield handle
    finally:
        report = handle.close()
    if report.failed:
        pytest.fail(
            session.scrub(
                f"{item.nodeid}: could not cancel {len(report.failed)} simulated event(s) this "
                f"test created: {'; '.join(f'{i}: {r}' for i, r in report.failed.items())}. "
                f"They stay in the journal {session.journal.path}; the end of the session, "
                f"the next run, or `ecs-sim live-cleanup --journal {session.journal.path}` "
                "cancels them."
            ),
            pytrace=False,
        )
