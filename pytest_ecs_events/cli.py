"""The ``ecs-sim`` command: ``ecs-sim serve`` runs the simulator as a loopback HTTP server.

For handlers written in other languages, shell scripts and programs in a subprocess. The
server's clock follows the wall clock unless a test advances it (``POST /_sim/advance``);
see docs/server.md for the control API.

``ecs-sim live-cleanup`` cancels the simulated events a crashed ``pytest --ecs-live`` run left
in a real account (from its journal; see docs/live.md).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta
from types import FrameType
from typing import Any, TextIO

from ._version import __version__
from .core.clock import TimeFormatError, parse_duration
from .simulator import EcsSimulator
from .transports.server.framing import (
    BODY_TIMEOUT,
    CONNECTION_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    HEADER_TIMEOUT,
)

__all__ = ["build_parser", "main"]


def _credentials(text: str) -> tuple[str, str]:
    key, sep, secret = text.partition(":")
    if not sep or not key or not secret:
        raise argparse.ArgumentTypeError(
            f"expected ACCESS_KEY_ID:SECRET, for example AK:SECRET, got {text!r}"
        )
    return key, secret


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except TimeFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    """A read deadline: a duration ("10s", "500ms", "0.5") as positive seconds."""
    seconds = _duration(text).total_seconds()
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive duration, got {text!r}")
    return seconds


def _connections(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of connections, got {text!r}")
    return count


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}")
    return port


def _instances(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _event(text: str) -> tuple[str, str, str]:
    """TYPE:INSTANCE:NOT_BEFORE. An ISO time holds colons: the first two fields are taken
    from the left and the rest, colons and all, is the time."""
    event_type, _, rest = text.partition(":")
    instance_id, _, not_before = rest.partition(":")
    if not event_type or not instance_id or not not_before:
        raise argparse.ArgumentTypeError(
            "expected TYPE:INSTANCE:NOT_BEFORE, for example "
            f"SystemMaintenance.Reboot:i-a:+2h, got {text!r}"
        )
    return event_type.strip(), instance_id.strip(), not_before.strip()


def _platform_event(text: str) -> tuple[str, str, str]:
    """TYPE:INSTANCE[:NOT_BEFORE|STATE] for a platform event."""
    event_type, _, rest = text.partition(":")
    instance_id, _, when = rest.partition(":")
    if not event_type or not instance_id:
        raise argparse.ArgumentTypeError(
            "expected TYPE:INSTANCE[:NOT_BEFORE or STATE], for example "
            f"SystemMaintenance.Stop:i-a:Inquiring, got {text!r}"
        )
    return event_type.strip(), instance_id.strip(), when.strip()


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-sim",
        description="Simulated Alibaba Cloud ECS system-event API (pytest-ecs-events).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve the simulated ECS API over HTTP on loopback",
        description=(
            "Serve the simulated ECS OpenAPI on loopback for any client (SDKs in any "
            "language, curl). Point an SDK at the printed endpoint with protocol http. The "
            "clock follows the wall clock unless advanced with POST /_sim/advance; the "
            "control API is under /_sim/. Unset HTTP_PROXY/HTTPS_PROXY for the clients: "
            "the Alibaba Cloud SDKs ignore NO_PROXY."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8080, help="port (default 8080; 0 picks a free one)"
    )
    serve.add_argument(
        "--region", default=None, help="default region (cn-hangzhou, or the state file's)"
    )
    serve.add_argument(
        "--instances",
        type=_instances,
        default=[],
        metavar="I-A,I-B",
        help="comma-separated instance ids the account owns",
    )
    serve.add_argument(
        "--credentials",
        type=_credentials,
        action="append",
        default=[],
        metavar="AK:SECRET",
        help="accept only this AccessKey (repeatable); without it any key is accepted",
    )
    serve.add_argument(
        "--execution-duration",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="how long maintenance events stay Executing (default 30s, or the state file's)",
    )
    serve.add_argument(
        "--now",
        metavar="TIME",
        help="start the clock at TIME (ISO 8601, or relative to the wall clock: +2h, -1d); "
        "it ticks on from there. With --state-file: at least the saved time",
    )
    serve.add_argument(
        "--seed", type=_seed, metavar="N", help="seed of the generated ids and addresses"
    )
    serve.add_argument(
        "--event",
        type=_event,
        action="append",
        default=[],
        metavar="TYPE:INSTANCE:NOT_BEFORE",
        help="a simulated event, as CreateSimulatedSystemEvents makes it (repeatable); "
        "NOT_BEFORE is relative (+2h) or ISO 8601; the instance is added if missing",
    )
    serve.add_argument(
        "--platform-event",
        type=_platform_event,
        action="append",
        default=[],
        metavar="TYPE:INSTANCE[:WHEN]",
        help="a platform event (repeatable); WHEN is a NotBefore (+2h or ISO 8601) or a "
        "starting state (Inquiring, Executing); the instance is added if missing",
    )
    serve.add_argument(
        "--state-file",
        metavar="F",
        help="load the scenario in F (JSON, or YAML with PyYAML) if it exists, and save the "
        "state to F at exit; see docs/scenarios.md",
    )
    serve.add_argument("--certfile", help="serve https with this certificate (PEM)")
    serve.add_argument("--keyfile", help="private key of --certfile (PEM)")
    serve.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback address (the simulator accepts any caller)",
    )
    serve.add_argument(
        "--max-connections",
        type=_connections,
        default=DEFAULT_MAX_CONNECTIONS,
        metavar="N",
        help="connections served at once; one more is answered 503 ServiceUnavailable "
        f"(default {DEFAULT_MAX_CONNECTIONS})",
    )
    serve.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEADER_TIMEOUT,
        metavar="DURATION",
        help="time a request's line and headers may take, from its first byte; slower "
        f"is 408 RequestTimeout (default {HEADER_TIMEOUT:g}s)",
    )
    serve.add_argument(
        "--body-timeout",
        type=_seconds,
        default=BODY_TIMEOUT,
        metavar="DURATION",
        help=f"time a request's body may take after its headers (default {BODY_TIMEOUT:g}s)",
    )
    serve.add_argument(
        "--idle-timeout",
        type=_seconds,
        default=CONNECTION_TIMEOUT,
        metavar="DURATION",
        help="time a keep-alive connection may wait for its next request "
        f"(default {CONNECTION_TIMEOUT:g}s)",
    )
    serve.add_argument("--quiet", action="store_true", help="no access log")
    _add_live_cleanup(commands)
    return parser


def _add_live_cleanup(commands: Any) -> None:
    cleanup = commands.add_parser(
        "live-cleanup",
        help="cancel the simulated events a crashed `pytest --ecs-live` run left behind",
        description=(
            "Read the journals of `pytest --ecs-live` runs and cancel (CancelSimulatedSystemEvents)"
            " every simulated event they created and did not cancel, e.g. after kill -9. Only "
            "events recorded in a journal are touched, only on the instances it names. "
            "Credentials come from ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET."
        ),
    )
    cleanup.add_argument(
        "--journal",
        default=".pytest_cache/d/ecs-live",
        metavar="PATH",
        help="a journal file or a directory of them (default .pytest_cache/d/ecs-live)",
    )
    cleanup.add_argument("--region", help="only the events of this region (default: all)")
    cleanup.add_argument(
        "--endpoint", metavar="HOST:PORT", help="endpoint to call (default: the recorded one)"
    )
    cleanup.add_argument(
        "--protocol", choices=("http", "https"), help="protocol (default: the recorded one)"
    )
    cleanup.add_argument(
        "--instances",
        type=_instances,
        metavar="I-A,I-B",
        help="act only on these instance ids (default: those the journal names)",
    )
    cleanup.add_argument(
        "--force", action="store_true", help="also journals whose run still seems alive"
    )
    cleanup.add_argument(
        "--dry-run", action="store_true", help="say what would be cancelled, call nothing"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "live-cleanup":
        return live_cleanup(args, out=sys.stdout, err=sys.stderr)
    if args.command != "serve":
        parser.print_help()
        return 2
    if args.keyfile and not args.certfile:
        parser.error("--keyfile needs --certfile")
    return serve(args, out=sys.stdout, err=sys.stderr)


def live_cleanup(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """``ecs-sim live-cleanup``: 0 when everything is settled, 1 when something is left."""
    from pathlib import Path

    from .live.cleanup import cleanup_journals
    from .live.credentials import Credentials, CredentialsMissing
    from .live.settings import parse_endpoint

    try:
        endpoint = parse_endpoint(args.endpoint) if args.endpoint else None
        credentials = Credentials.from_env()
    except (CredentialsMissing, ValueError) as exc:
        print(f"ecs-sim live-cleanup: error: {exc}", file=err, flush=True)
        return 2

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    settled = cleanup_journals(
        Path(args.journal),
        credentials,
        region=args.region,
        endpoint=endpoint,
        protocol=args.protocol,
        instances=args.instances,
        force=args.force,
        dry_run=args.dry_run,
        say=say,
    )
    return 0 if settled else 1


def serve(args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    """Run the server until SIGINT or SIGTERM; returns the exit status."""
    from .transports.server import EcsServer
    from .transports.server.access import AccessRecord
    from .transports.server.wallclock import WallClockFollower

    try:
        factory = _simulator_factory(args)
        simulator = factory()
    except Exception as exc:  # a bad region, instance id, event or state file: no traceback
        print(f"ecs-sim: error: {exc}", file=err, flush=True)
        return 2

    def log(record: AccessRecord) -> None:
        print(record.line(), file=out, flush=True)

    try:
        server = EcsServer(
            simulator,
            args.host,
            args.port,
            certfile=args.certfile,
            keyfile=args.keyfile,
            access_log=None if args.quiet else log,
            clock=WallClockFollower(simulator, anchored=True),
            factory=factory,
            allow_remote=args.allow_remote,
            max_connections=args.max_connections,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            idle_timeout=args.idle_timeout,
        )
        server.start()
    except (OSError, ValueError) as exc:
        print(
            f"ecs-sim: error: cannot serve on {args.host}:{args.port}: {exc}", file=err, flush=True
        )
        return 1

    stop = threading.Event()
    previous = _install_signal_handlers(lambda: stop.set())
    try:
        print(f"ecs-sim serving on {server.url}", file=out, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        _restore_signal_handlers(previous)
    if args.state_file and not _save_state(server.simulator, args.state_file, err):
        return 1
    if server.errors:
        first = server.errors[0]
        print(
            f"ecs-sim: {len(server.errors)} internal error(s) while serving; first: "
            f"{type(first).__name__}: {first}",
            file=err,
            flush=True,
        )
        return 1
    print("ecs-sim stopped", file=err, flush=True)
    return 0


def _simulator_factory(args: argparse.Namespace) -> Callable[[], EcsSimulator]:
    """What builds the served simulator, at start and on ``POST /_sim/reset``: the state
    file's scenario (as it was at start) or a fresh account, then the command's options.
    Raises (ScenarioError, ValueError, EcsApiError) with a message naming what is wrong."""
    from pathlib import Path

    from .core import scenario
    from .core.catalog import EventState
    from .core.clock import parse_time, wall_clock_now

    data: dict[str, Any] | None = None
    if args.state_file and Path(args.state_file).exists():
        loaded = scenario.read_file(args.state_file)
        scenario.settings(loaded)  # checked now, so a bad file fails at start
        data = dict(loaded)
    try:
        # absolute once: a reset restarts from the same time
        start = parse_time(args.now, now=wall_clock_now()) if args.now else None
    except TimeFormatError as exc:
        raise ValueError(f"--now: {exc}") from None
    options: dict[str, Any] = {"credentials": dict(args.credentials) or None}
    overrides: dict[str, Any] = {}
    if args.region is not None:
        overrides["region"] = args.region
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.execution_duration is not None:
        overrides["execution_duration"] = args.execution_duration.total_seconds()
    states = {s.value for s in EventState}

    def build() -> EcsSimulator:
        if data is None:
            defaults = {"region": "cn-hangzhou", "execution_duration": timedelta(seconds=30)}
            simulator = EcsSimulator(now=start, **{**defaults, **overrides}, **options)
        else:
            source = f"--state-file {args.state_file}"
            try:
                simulator = EcsSimulator.from_state({**data, **overrides}, **options)
            except scenario.ScenarioError as exc:
                raise scenario.ScenarioError(f"{source}: {exc}") from None
            if start is not None:
                if start < simulator.now:
                    raise ValueError(
                        f"--now {args.now} is before the time saved in {args.state_file} "
                        f"({simulator.now:%Y-%m-%dT%H:%M:%SZ}): the clock cannot go back"
                    )
                simulator.advance(to=start)
        for instance_id in args.instances:
            simulator.add_instance(instance_id)
        for event_type, instance_id, not_before in args.event:
            simulator.add_instance(instance_id)
            try:
                simulator.create_events(event_type, instance_id, not_before=not_before)
            except Exception as exc:
                raise ValueError(
                    f"--event {event_type}:{instance_id}:{not_before}: {exc}"
                ) from None
        for event_type, instance_id, when in args.platform_event:
            simulator.add_instance(instance_id)
            try:
                if when in states:
                    simulator.inject_event(event_type, instance_id, state=when)
                else:
                    simulator.inject_event(event_type, instance_id, not_before=when or None)
            except Exception as exc:
                raise ValueError(f"--platform-event {event_type}:{instance_id}: {exc}") from None
        return simulator

    return build


def _save_state(simulator: Any, path: str, err: TextIO) -> bool:
    from .core.scenario import ScenarioError

    try:
        simulator.save_state(path)
    except (OSError, ScenarioError) as exc:
        print(f"ecs-sim: error: cannot save the state to {path}: {exc}", file=err, flush=True)
        return False
    print(f"ecs-sim saved the state to {path}", file=err, flush=True)
    return True


_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


def _install_signal_handlers(on_signal: Callable[[], None]) -> dict[int, _Handler]:
    previous: dict[int, _Handler] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous

    def handler(signum: int, frame: FrameType | None) -> None:
        on_signal()

    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handler)
    return previous


def _restore_signal_handlers(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
