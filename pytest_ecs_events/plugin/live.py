"""Live mode's pytest glue: options, header, the fixture body, session-level clean-up hooks.

Registered by ``plugin.py``; everything here is inert unless ``--ecs-live`` is given. The
handle, the guard and the clean-up logic are in :mod:`pytest_ecs_events.live`, the journal in
:mod:`pytest_ecs_events.live_journal`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest

from .config import ini_region

if TYPE_CHECKING:  # live mode's client loads only in a live run (see _live())
    from ..live import LiveSession, LiveSettings, Scrubber
    from ..live_journal import JournalState

__all__ = ["LIVE_SESSION", "LiveRun", "live_ecs_sim", "live_session", "settings_from_config"]

LIVE_SESSION: pytest.StashKey[LiveSession] = pytest.StashKey()
_LEFTOVERS: pytest.StashKey[list[JournalState]] = pytest.StashKey()


def _usage(message: str) -> pytest.UsageError:
    return pytest.UsageError(f"--ecs-live: {message}")


def settings_from_config(config: pytest.Config) -> LiveSettings:
    """The live options, checked; a :class:`pytest.UsageError` says what to fix."""
    from ..live import (
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


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Read earlier runs' journals before anything (``--cache-clear``) can remove them."""
    if config.getoption("ecs_live", False) and _worker_id(config) is None:
        from ..live_journal import journal_files, read_journal

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
@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("ecs_live", False):
        return
    from ..live import Credentials, CredentialsMissing, LiveSession

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
    config.pluginmanager.register(LiveRun(config, session), "ecs-live-run")


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


class _ScrubFilter(logging.Filter):
    """Takes secrets out of log records before any handler formats them."""

    def __init__(self, scrub: Scrubber) -> None:
        super().__init__()
        self.scrub = scrub

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        if self.scrub.found_in(message):
            record.msg, record.args = self.scrub(message), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if self.scrub.found_in(text):
                record.exc_text = self.scrub(text)
        return True


def _scrub_report(report: pytest.TestReport, scrub: Scrubber) -> None:
    """No secret in what a report carries: the failure text, captured output and logs."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        path, lineno, reason = longrepr
        report.longrepr = (path, lineno, scrub(reason))
    elif isinstance(longrepr, str):
        report.longrepr = scrub(longrepr)
    elif longrepr is not None and scrub.found_in(str(longrepr)):
        _scrub_fields(longrepr, scrub, depth=0)
        if scrub.found_in(str(longrepr)):  # a shape not walked: fall back to plain text
            report.longrepr = scrub(str(longrepr))
    report.sections = [(title, scrub(content)) for title, content in report.sections]
    report.user_properties = [
        (name, scrub(value) if isinstance(value, str) else value)
        for name, value in report.user_properties
    ]


def _scrub_fields(value: Any, scrub: Scrubber, *, depth: int) -> Any:
    """Scrub the strings inside pytest's failure representation, keeping its structure."""
    if depth > 12:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        value[:] = [_scrub_fields(v, scrub, depth=depth + 1) for v in value]
        return value
    if type(value) is tuple:
        return tuple(_scrub_fields(v, scrub, depth=depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            current = getattr(value, item.name, None)
            cleaned = _scrub_fields(current, scrub, depth=depth + 1)
            if cleaned is not current:
                object.__setattr__(value, item.name, cleaned)
    return value


class LiveRun:
    """The hooks of one live run (registered by ``pytest_configure`` in live mode only)."""

    def __init__(self, config: pytest.Config, session: LiveSession) -> None:
        self.config = config
        self.session = session
        self.worker = _worker_id(config)
        self._filter = _ScrubFilter(session.scrub)
        self._filtered: list[logging.Logger | logging.Handler] = []
        self._previous_sigterm: Any = None
        self._scrub_sdk_logs()
        self._sigterm_interrupts()

    def _scrub_sdk_logs(self) -> None:
        names = [n for n in list(logging.root.manager.loggerDict) if n.startswith("aliyunsdkcore.")]
        for name in ["aliyunsdkcore", *names]:
            logger = logging.getLogger(name)
            logger.addFilter(self._filter)
            self._filtered.append(logger)

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
        for target in self._filtered:
            target.removeFilter(self._filter)
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

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        logging_plugin = self.config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "log_file_handler", "caplog_handler", "report_handler"):
            handler = getattr(logging_plugin, name, None)
            if isinstance(handler, logging.Handler):
                handler.addFilter(self._filter)
                self._filtered.append(handler)

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
        if "ecs_server" in getattr(item, "fixturenames", ()):
            pytest.skip(
                "live mode (--ecs-live): the ecs_server fixture serves the offline simulator; "
                "point clients at ecs_sim.endpoint instead"
            )

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # the outermost: it sees every section
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        _scrub_report(report, self.session.scrub)
        return report

    def pytest_keyboard_interrupt(self) -> None:
        self.session.settle("interrupted")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        # trylast: after pytest's own teardown of the fixtures still set up
        self.session.close()


# ============================================================================== fixture
def live_ecs_sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The body of ``ecs_sim`` in live mode (``fixtures.py`` branches here)."""
    from ..live import prepare_handle
    from .markers import MarkerError

    item = request.node
    session = live_session(item.config)
    if session is None:  # pragma: no cover - the branch is taken only in live mode
        pytest.fail("ecs_sim: live mode is not configured", pytrace=False)
    handle, marks = prepare_handle(session, item)  # may skip: nothing created yet
    problem = None
    try:
        try:
            handle.apply_marks(marks)
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
