"""The AccessKey secret never shows in live mode: every output channel of pytest, every file
pytest writes, with and without pytest-xdist (``plugin/scrub.py``).

The end-to-end tests run pytest in live mode against ``ecs-sim serve`` (the cloud's stand-in,
``tests/helpers/live.py``) with a recognisable secret. The inner test files read the secret
from the environment, so their sources never hold it; afterwards stdout, stderr and every file
under the run's directory are searched for it.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_ecs_events.live.credentials import Scrubber
from tests.helpers.live import SECRET, Live, live_runner, serving
from tests.helpers.serve import Server

# Every channel a test can put text into (the secret read from the environment).
LEAKY_TESTS = """
import logging
import os
import warnings

import pytest

SECRET = os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]


def test_xfail_call(ecs_sim):
    pytest.xfail(f"xfail says {SECRET}")


@pytest.mark.xfail(reason=f"marker says {SECRET}")
def test_xfail_marker():
    assert False


@pytest.mark.xfail(reason=f"strict marker says {SECRET}", strict=True)
def test_xpass_strict():
    pass


@pytest.mark.skip(reason=f"skip says {SECRET}")
def test_skipped():
    pass


def test_warns():
    warnings.warn(f"warning says {SECRET}", UserWarning)


@pytest.mark.parametrize("value", [SECRET, f"x-{SECRET}"])
def test_automatic_ids(value):
    assert value != "else"


@pytest.mark.parametrize("value", [1], ids=[f"id-{SECRET}"])
def test_explicit_id_fails(value):
    assert value == 2


@pytest.mark.parametrize("value", [pytest.param(1, id=f"param-{SECRET}")])
def test_param_id(value):
    pass


def test_properties(request, record_property, record_testsuite_property, record_xml_attribute):
    record_property(f"name-{SECRET}", f"property says {SECRET}")
    record_testsuite_property("suite", f"suite says {SECRET}")
    record_xml_attribute("attribute", f"attribute says {SECRET}")
    request.config.cache.set("ecs/mine", {"cached": f"cache says {SECRET}"})


def test_failing_assertion(ecs_sim):
    secret = SECRET
    print("printed:", secret)
    print("environ:", os.environ)
    sys_err = __import__("sys").stderr
    print("to stderr:", secret, file=sys_err)
    logging.getLogger("handler").warning("logged: %s", secret)
    assert secret == "else"
"""

BROKEN_MODULE = """
import os

raise RuntimeError("collection says " + os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
"""

INTERRUPTED = """
import os
import signal
import time


def interrupt(secret):  # the full trace shows the arguments of each frame
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(30)


def test_interrupted(ecs_sim):
    interrupt(os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
"""


@pytest.fixture(scope="module")
def live_server() -> Iterator[Server]:
    with serving() as server:
        yield server


@pytest.fixture
def live(
    ecs_pytester: pytest.Pytester, live_server: Server, monkeypatch: pytest.MonkeyPatch
) -> Live:
    live_server.request("/_sim/reset", {})
    runner = live_runner(ecs_pytester, live_server, monkeypatch)
    runner.use_the_cache()
    return runner


def files_holding(root: Path, secret: str) -> list[str]:
    """Every file under ``root`` whose bytes hold ``secret``."""
    needle = secret.encode()
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and needle in p.read_bytes()
    )


def output_of(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


# ================================================================================= e2e
def test_the_secret_shows_in_no_channel_and_no_file(live: Live) -> None:
    live.pytester.makepyfile(test_leaky=LEAKY_TESTS, test_broken=BROKEN_MODULE)
    common = (
        "-rA", "-vv", "-l", "--tb=long", "--continue-on-collection-errors",
        "--log-level=DEBUG", "-o", "log_cli=true", "--log-cli-level=DEBUG",
        "--log-file-level=DEBUG", "-o", "junit_logging=all", "-o", "junit_family=xunit1",
    )  # fmt: skip
    captured = live.run(*common, "--junitxml=junit.xml", "--log-file=log.txt")
    captured.assert_outcomes(failed=3, passed=5, xfailed=2, skipped=1, errors=1, warnings=2)
    text = output_of(captured)
    xml = (live.pytester.path / "junit.xml").read_text()
    # each channel was exercised, and shows *** where the secret was
    for shown in (
        "xfail says ***", "marker says ***", "[XPASS(strict)] strict marker says ***",
        "skip says ***", "warning says ***", "test_automatic_ids[***]", "test_automatic_ids[x-***]",
        "test_explicit_id_fails[id-***]", "test_param_id[param-***]", "printed: ***",
        "to stderr: ***", "logged: ***", "collection says ***",
    ):  # fmt: skip
        assert shown in text, shown
    assert re.search(r"secret +(= |: )'\*\*\*'", text)  # -l: the test's locals
    assert "'ALIBABA_CLOUD_ACCESS_KEY_SECRET': '***'" in text  # print(os.environ), captured
    assert 'name="suite" value="suite says ***"' in xml
    assert 'name="name-***" value="property says ***"' in xml
    assert 'attribute="attribute says ***"' in xml  # record_xml_attribute
    assert "xfail says ***" in xml
    assert "collection says ***" in xml
    assert (
        "test_explicit_id_fails[id-***]"
        in (live.pytester.path / ".pytest_cache" / "v" / "cache" / "lastfailed").read_text()
    )
    cache = live.pytester.path / ".pytest_cache" / "v" / "ecs" / "mine"
    assert "cache says ***" in cache.read_text()  # config.cache.set by a test
    assert "logged: ***" in (live.pytester.path / "log.txt").read_text()
    assert SECRET not in text

    # -s: what the test prints goes straight to the terminal, scrubbed on its way
    uncaptured = live.run(*common, "-s", "--junitxml=junit-s.xml", "--log-file=log-s.txt")
    uncaptured.assert_outcomes(failed=3, passed=5, xfailed=2, skipped=1, errors=1, warnings=2)
    text = output_of(uncaptured)
    assert "printed: ***" in text
    assert "to stderr: ***" in text
    assert "'ALIBABA_CLOUD_ACCESS_KEY_SECRET': '***'" in text  # print(os.environ) under -s
    assert SECRET not in text

    # pytest-xdist: the workers scrub, and the controller (terminal, junit, cache) again
    xdist = live.run("-p", "xdist.plugin", "-n", "2", *common, "--junitxml=junit-n.xml")
    # each worker reports the collection error
    xdist.assert_outcomes(failed=3, passed=5, xfailed=2, skipped=1, errors=2, warnings=2)
    text = output_of(xdist)
    assert "test_explicit_id_fails[id-***]" in text
    assert "warning says ***" in text
    # (record_testsuite_property is a no-op in a worker: junit lives in the controller)
    assert 'value="property says ***"' in (live.pytester.path / "junit-n.xml").read_text()
    assert SECRET not in text

    # --collect-only lists the scrubbed ids
    listed = live.run("--collect-only", "-q", "test_leaky.py")
    listed.stdout.fnmatch_lines(["test_leaky.py::test_automatic_ids[[]x-***[]]"])
    assert SECRET not in output_of(listed)

    # --lf reads the cache written above: the scrubbed ids still select the failures
    rerun = live.run("--lf", "-rf", "test_leaky.py")
    rerun.assert_outcomes(failed=3, deselected=8)
    rerun.stdout.fnmatch_lines(["FAILED test_leaky.py::test_explicit_id_fails[[]id-***[]] - *"])
    assert SECRET not in output_of(rerun)

    assert files_holding(live.pytester.path, SECRET) == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to itself")
def test_the_secret_shows_not_in_a_full_trace_on_ctrl_c(live: Live) -> None:
    live.pytester.makepyfile(test_interrupted=INTERRUPTED)
    result = live.run("--fulltrace", "-l", "--junitxml=junit.xml")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    text = output_of(result)
    assert "KeyboardInterrupt" in text
    assert re.search(r"secret +(= |: )'\*\*\*'", text)  # the arguments, scrubbed
    assert SECRET not in text
    assert files_holding(live.pytester.path, SECRET) == []


@pytest.mark.parametrize(
    ("option", "why"),
    [
        (["--debug"], "*--debug writes every hook's arguments*"),
        (["--capture=tee-sys"], "*--capture=tee-sys*before live mode can scrub it*"),
        (["--pastebin=all"], "*--pastebin*uploads*"),
    ],
)
def test_options_that_cannot_be_scrubbed_are_refused(
    live: Live, option: list[str], why: str
) -> None:
    live.pytester.makepyfile(test_ok="def test_ok():\n    pass\n")
    result = live.run(*option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([why])
    assert files_holding(live.pytester.path, SECRET) == []


def test_offline_runs_are_untouched(ecs_pytester: pytest.Pytester) -> None:
    """Offline, nothing is scrubbed or refused: ids and options stay as given."""
    ecs_pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.parametrize("value", [{SECRET!r}])
        def test_ids(value):
            pass
        """
    )
    result = ecs_pytester.runpytest_subprocess("-v", "--capture=tee-sys", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert f"test_ids[{SECRET}]" in result.stdout.str()


# ================================================================================ units
def test_ids_that_differ_only_in_a_secret_stay_two_tests(ecs_pytester: pytest.Pytester) -> None:
    """The scrubbing hooks alone (no live session): the secret and the STS token both become
    ``***``, the second test gets a suffix so that node ids stay unique."""
    ecs_pytester.makeconftest(
        """
        from pytest_ecs_events.live.credentials import Scrubber
        from pytest_ecs_events.plugin.scrub import Scrubbing

        def pytest_configure(config):
            scrub = Scrubber(["s3cr3t-value", "t0ken-value"])
            config.pluginmanager.register(Scrubbing(config, scrub), "scrubbing")
        """
    )
    ecs_pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("v", ["s3cr3t-value", "t0ken-value", "plain"])
        def test_v(v):
            assert v == "plain"
        """
    )
    result = ecs_pytester.runpytest_subprocess("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*::test_v[[]***[]] FAILED*",
            "*::test_v[[]***-1[]] FAILED*",
            "*::test_v[[]plain[]] PASSED*",
            "*assert '***' == 'plain'*",
        ]
    )
    assert "s3cr3t" not in result.stdout.str()
    assert "t0ken" not in result.stdout.str()


def test_a_stream_holds_back_what_may_be_the_start_of_a_secret() -> None:
    from pytest_ecs_events.plugin.scrub import ScrubbingStream

    sink = io.StringIO()
    stream = ScrubbingStream(sink, Scrubber([SECRET]))
    stream.write("before " + SECRET[:5])
    stream.flush()
    assert sink.getvalue() == "before "  # the start of the secret waits for what follows
    stream.write(SECRET[5:] + " after\n")
    assert sink.getvalue() == "before *** after\n"
    stream.write("ends with " + SECRET[0])
    stream.release()  # at the end, what waits is written: it was not the secret
    assert sink.getvalue().endswith("ends with " + SECRET[0])
    assert stream.isatty() is False  # everything else is the stream's


@pytest.mark.parametrize("split", [1, 7, len(SECRET) - 1])
def test_a_secret_written_in_pieces_is_scrubbed(split: int) -> None:
    from pytest_ecs_events.plugin.scrub import ScrubbingStream

    sink = io.StringIO()
    stream = ScrubbingStream(sink, Scrubber([SECRET]))
    for piece in ("x", SECRET[:split], SECRET[split:], "y"):
        stream.write(piece)
        stream.flush()
    stream.release()
    assert sink.getvalue() == "x***y"
