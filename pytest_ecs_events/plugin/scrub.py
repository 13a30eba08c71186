"""Live mode keeps the AccessKey secret out of everything pytest shows or writes.

A test (or the handler under test) may put the secret anywhere pytest carries text: a failure,
captured output, a log record, an xfail or skip reason, a warning, a parametrize id, a
recorded property, a collection error, the traceback of a Ctrl-C. Each is scrubbed where
pytest hands it on, before any reporter (terminal, junit XML, the cache, pytest-xdist's wire,
a report log) reads it:

- test and collection reports, in ``pytest_runtest_makereport`` (outermost) and again, first,
  in ``pytest_runtest_logreport`` / ``pytest_collectreport`` (under pytest-xdist the
  controller gets the workers' reports through those hooks);
- test names: a parametrize id is scrubbed when the item is made
  (``pytest_pycollect_makeitem``), before anything stores its node id;
- warnings, in ``pytest_warning_recorded``; the Ctrl-C traceback pytest keeps for the summary;
- what pytest writes without a report: junit's properties and attributes (before junit writes
  its file), ``config.cache`` values;
- log records, by a filter on the SDK's loggers and on pytest's log handlers;
- the streams themselves as a last line: the terminal reporter writes through a
  :class:`ScrubbingStream`, and so do ``sys.stdout`` / ``sys.stderr`` under ``-s``.

Options whose output cannot be scrubbed (``--debug``, ``--capture=tee-sys``, ``--pastebin``)
are refused in live mode (:func:`refuse_unscrubbable_options`).

Imported by ``plugin/live.py``, in live runs only; it imports only pytest and the standard
library.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..live.credentials import Scrubber

__all__ = [
    "ScrubFilter",
    "Scrubbing",
    "ScrubbingStream",
    "refuse_unscrubbable_options",
    "scrub_report",
]


# ============================================================================== options
def refuse_unscrubbable_options(config: pytest.Config) -> None:
    """A :class:`pytest.UsageError` for an option live mode cannot keep the secret out of."""
    option = config.option
    why = None
    if getattr(option, "debug", None):
        why = (
            "--debug writes every hook's arguments (reports, warnings, parametrize values) "
            "to a file as pytest passes them, before live mode can scrub the AccessKey secret "
            "out of them"
        )
    elif getattr(option, "capture", None) == "tee-sys":
        why = (
            "--capture=tee-sys copies a test's output to the terminal as it is written, "
            "before live mode can scrub it: use the default capture (the output is shown "
            "scrubbed in the report) or -s (scrubbed on its way to the terminal)"
        )
    elif getattr(option, "pastebin", None):
        why = (
            "--pastebin uploads the run's output to a public paste service; a live run's "
            "output is about a real account"
        )
    if why is not None:
        raise pytest.UsageError(f"--ecs-live: {why}.")


# ============================================================================== streams
class ScrubbingStream:
    """A text stream that writes to ``stream`` with every secret replaced by ``***``.

    A secret may arrive in pieces (``print`` writes its arguments one by one; a progress line
    is written in bits): text that could be the start of a secret is held back until what
    follows shows that it is not, or until :meth:`release`.
    """

    def __init__(self, stream: Any, scrub: Scrubber) -> None:
        self._stream = stream
        self._scrub = scrub
        self._pending = ""

    @property
    def wrapped(self) -> Any:
        return self._stream

    def write(self, text: str) -> int:
        self._pending += text
        self._emit(final=False)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._emit(final=False)
        self._stream.flush()

    def release(self) -> None:
        """Write what is held back (the stream ends here or is handed back)."""
        self._emit(final=True)
        with contextlib.suppress(Exception):
            self._stream.flush()

    def _emit(self, *, final: bool) -> None:
        text = self._scrub(self._pending)
        keep = 0 if final else self._scrub.prefix_at_end(text)
        ready = text[: len(text) - keep]
        self._pending = text[len(text) - keep :]
        if ready:
            self._stream.write(ready)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


# ============================================================================== reports
class ScrubFilter(logging.Filter):
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


def scrub_report(report: pytest.TestReport | pytest.CollectReport, scrub: Scrubber) -> None:
    """No secret in what a report carries: its node id, location, keywords, the failure or
    skip text, the xfail reason, captured output and logs, user properties."""
    report.nodeid = scrub(report.nodeid)
    if isinstance(report, pytest.TestReport):  # a collect report's location is derived
        path, lineno, domain = report.location
        report.location = (path, lineno, scrub(domain))
    keywords = getattr(report, "keywords", None)
    if isinstance(keywords, dict) and any(scrub.found_in(str(k)) for k in keywords):
        report.keywords = {scrub(str(k)): v for k, v in keywords.items()}  # type: ignore[union-attr]
    wasxfail = getattr(report, "wasxfail", None)
    if isinstance(wasxfail, str):
        report.wasxfail = scrub(wasxfail)  # type: ignore[union-attr]
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):
        path, lineno, reason = longrepr
        report.longrepr = (path, lineno, scrub(reason))
    elif isinstance(longrepr, str):
        report.longrepr = scrub(longrepr)
    elif longrepr is not None and scrub.found_in(str(longrepr)):
        scrub_fields(longrepr, scrub)
        if scrub.found_in(str(longrepr)):  # a shape not walked: fall back to plain text
            report.longrepr = scrub(str(longrepr))
    report.sections = [(scrub(title), scrub(content)) for title, content in report.sections]
    properties = getattr(report, "user_properties", None)
    if properties:
        report.user_properties = [  # type: ignore[union-attr]
            (scrub(str(name)), scrub_data(value, scrub)) for name, value in properties
        ]


def scrub_data(value: Any, scrub: Scrubber) -> Any:
    """``value`` with the secret scrubbed from its text (a value without it is kept as is)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_data(k, scrub): scrub_data(v, scrub) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_data(v, scrub) for v in value)
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return scrub(text) if scrub.found_in(text) else value


def scrub_fields(value: Any, scrub: Scrubber, *, depth: int = 0) -> Any:
    """Scrub the strings inside pytest's failure representation, keeping its structure."""
    if depth > 12:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        value[:] = [scrub_fields(v, scrub, depth=depth + 1) for v in value]
        return value
    if type(value) is tuple:
        return tuple(scrub_fields(v, scrub, depth=depth + 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            current = getattr(value, item.name, None)
            cleaned = scrub_fields(current, scrub, depth=depth + 1)
            if cleaned is not current:
                object.__setattr__(value, item.name, cleaned)
    return value


def _rename(item: pytest.Item, scrub: Scrubber, taken: set[str]) -> None:
    """Give a freshly made item whose name holds the secret a scrubbed name and node id."""
    old = item.name
    new = scrub(old)
    if new in taken:  # two ids that differ only in the secret stay two tests: test_x[***-1]
        stem, bracket = (new[:-1], "]") if new.endswith("]") else (new, "")
        n = 1
        while f"{stem}-{n}{bracket}" in taken:
            n += 1
        new = f"{stem}-{n}{bracket}"
    taken.add(new)
    nodeid = item.nodeid
    item.name = new
    _set_nodeid(
        item,
        scrub(nodeid[: len(nodeid) - len(old)]) + new if nodeid.endswith(old) else scrub(nodeid),
    )
    item.__dict__.pop("location", None)
    markers = getattr(item.keywords, "_markers", None)
    if isinstance(markers, dict) and old in markers:
        markers[new] = markers.pop(old)


def _set_nodeid(item: pytest.Item, nodeid: str) -> None:
    """Give an item a new node id. pytest has no public way: before 9.2 it keeps the text in
    ``_nodeid``; from 9.2 a structured ``_id`` (a slot, parsed from the text)."""
    if hasattr(item, "_id"):
        from _pytest import nodes

        parsed = nodes.coerce_node_id(nodeid)  # type: ignore[attr-defined,unused-ignore]
        object.__setattr__(item, "_id", parsed)
    else:
        object.__setattr__(item, "_nodeid", nodeid)


# ================================================================================ hooks
class Scrubbing:
    """The hooks that scrub a live run's output (registered in live mode only)."""

    def __init__(self, config: pytest.Config, scrub: Scrubber) -> None:
        self.config = config
        self.scrub = scrub
        self.filter = ScrubFilter(scrub)
        self._filtered: list[logging.Logger | logging.Handler] = []
        self._streams: dict[int, ScrubbingStream] = {}
        self._replaced: list[tuple[str, Any]] = []
        self._scrub_sdk_logs()
        self._scrub_streams()
        self._scrub_cache()

    # -- set-up -------------------------------------------------------------------------
    def _scrub_sdk_logs(self) -> None:
        names = [n for n in list(logging.root.manager.loggerDict) if n.startswith("aliyunsdkcore.")]
        for name in ["aliyunsdkcore", *names]:
            logger = logging.getLogger(name)
            logger.addFilter(self.filter)
            self._filtered.append(logger)

    def _wrap(self, stream: Any) -> ScrubbingStream:
        if isinstance(stream, ScrubbingStream):
            return stream
        wrapped = self._streams.get(id(stream))
        if wrapped is None:
            wrapped = self._streams[id(stream)] = ScrubbingStream(stream, self.scrub)
        return wrapped

    def _scrub_streams(self) -> None:
        """The terminal reporter's stream, and under ``-s`` the test's own streams."""
        if self.config.option.capture == "no":
            for name in ("stdout", "stderr"):
                original = getattr(sys, name)
                if original is not None:
                    self._replaced.append((name, original))
                    setattr(sys, name, self._wrap(original))
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        writer = getattr(reporter, "_tw", None)
        if writer is not None and hasattr(writer, "_file"):
            writer._file = self._wrap(writer._file)

    def _scrub_cache(self) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is None:
            return
        original: Callable[[str, object], None] = cache.set
        scrub = self.scrub

        def set_scrubbed(key: str, value: object) -> None:
            original(scrub(key), scrub_data(value, scrub))

        with contextlib.suppress(AttributeError, TypeError):
            cache.set = set_scrubbed

    # -- hooks --------------------------------------------------------------------------
    def pytest_sessionstart(self) -> None:
        logging_plugin = self.config.pluginmanager.get_plugin("logging-plugin")
        for name in ("log_cli_handler", "log_file_handler", "caplog_handler", "report_handler"):
            handler = getattr(logging_plugin, name, None)
            if isinstance(handler, logging.Handler):
                handler.addFilter(self.filter)
                self._filtered.append(handler)

    @pytest.hookimpl(wrapper=True)
    def pytest_pycollect_makeitem(self) -> Generator[None, Any, Any]:
        result = yield
        items = result if isinstance(result, list) else [result]
        made = [i for i in items if isinstance(i, pytest.Item)]
        if any(self.scrub.found_in(i.name) for i in made):
            taken = {i.name for i in made if not self.scrub.found_in(i.name)}
            for item in made:
                if self.scrub.found_in(item.name):
                    _rename(item, self.scrub, taken)
        return result

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # the outermost: it sees every section
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        scrub_report(report, self.scrub)
        return report

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        scrub_report(report, self.scrub)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        scrub_report(report, self.scrub)

    @pytest.hookimpl(tryfirst=True)
    def pytest_warning_recorded(self, warning_message: Any) -> None:
        message = warning_message.message
        if not self.scrub.found_in(str(message)):
            return
        if isinstance(message, BaseException):
            with contextlib.suppress(Exception):
                message.args = tuple(scrub_data(a, self.scrub) for a in message.args)
            if not self.scrub.found_in(str(message)):
                return
        # a message whose text comes from elsewhere: a plain one, of the same category
        warning_message.message = Warning(self.scrub(str(message)))

    @pytest.hookimpl(trylast=True)  # after the terminal reporter kept the traceback
    def pytest_keyboard_interrupt(self) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        memo = getattr(reporter, "_keyboardinterrupt_memo", None)
        if memo is not None and self.scrub.found_in(str(memo)):
            scrub_fields(memo, self.scrub)

    @pytest.hookimpl(tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for report in terminalreporter.stats.get("warnings", []):
            with contextlib.suppress(AttributeError):
                report.message = self.scrub(report.message)
                report.nodeid = self.scrub(report.nodeid) if report.nodeid else report.nodeid

    @pytest.hookimpl(tryfirst=True)  # before junit writes its file
    def pytest_sessionfinish(self) -> None:
        try:
            from _pytest.junitxml import xml_key
        except ImportError:  # pragma: no cover - a pytest without it
            return
        xml = self.config.stash.get(xml_key, None)
        if xml is None:
            return
        scrub = self.scrub
        xml.global_properties = [(scrub(n), scrub(v)) for n, v in xml.global_properties]
        for reporter in getattr(xml, "node_reporters_ordered", []):
            if "attrs" in vars(reporter):  # not finalized yet
                reporter.attrs = {scrub(k): scrub(v) for k, v in reporter.attrs.items()}
                reporter.properties = [(scrub(n), scrub(v)) for n, v in reporter.properties]
            else:  # finalized: its element is built (``record_xml_attribute`` is in it)
                for element in reporter.to_xml().iter():
                    element.attrib = {scrub(k): scrub(v) for k, v in element.attrib.items()}
                    element.text = scrub(element.text) if element.text else element.text
                    element.tail = scrub(element.tail) if element.tail else element.tail

    @pytest.hookimpl(trylast=True)  # after the terminal reporter's last words
    def pytest_unconfigure(self) -> None:
        for target in self._filtered:
            target.removeFilter(self.filter)
        for name, original in self._replaced:
            if isinstance(getattr(sys, name), ScrubbingStream):
                setattr(sys, name, original)
        for stream in self._streams.values():
            stream.release()
