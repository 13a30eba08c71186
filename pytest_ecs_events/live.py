"""Live mode: the ``ecs_sim`` handle against a real account, and the guard in front of it.

With ``pytest --ecs-live`` nothing is intercepted. ``ecs_sim`` is a :class:`LiveEcs`: the same
members as the offline :class:`~pytest_ecs_events.EcsSimulator` where the cloud allows, backed
by real calls through ``aliyun-python-sdk-core`` (``CommonRequest``). Instance names in
markers and calls are *aliases* mapped to real instances by ``--ecs-live-instances``.

Safety, in one place each:

- :class:`LiveGuard` sees every call before it is sent (:meth:`LiveClient.call` is the only
  way out): only known actions, only instances of the allowlist, only events this run
  created, and never a ``TriggerRealOps`` parameter.
- Every simulated event is journaled (:mod:`pytest_ecs_events.live_journal`) before and after
  it is created, and cancelled at the end of its test, at the end of the session, on Ctrl-C,
  or by the next run / ``ecs-sim live-cleanup`` after a crash (:func:`settle`).
- The AccessKey secret lives only in :class:`Credentials` (masked ``repr``, not picklable) and
  the SDK client; every text the plugin prints or raises goes through a :class:`Scrubber`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import quote

import pytest

from .api.protocol import API_VERSION
from .core.catalog import DEFAULT_CATALOG, FINAL_STATES, Catalog, EventState, InstanceStatus
from .core.clock import (
    TimeFormatError,
    format_api_time,
    parse_api_time,
    parse_datetime,
    parse_duration,
    parse_time,
    wall_clock_now,
)
from .core.errors import EcsApiError
from .core.lifecycle import Transition
from .core.models import Instance, SystemEvent
from .core.network import is_loopback_endpoint
from .core.regions import default_endpoint
from .live_journal import EventRecord, Intent, Journal, JournalState

if TYPE_CHECKING:
    from .plugin.markers import EventMark

__all__ = [
    "ACCESS_KEY_ID_ENV",
    "ACCESS_KEY_SECRET_ENV",
    "SIMULATED_EVENT_QUOTA",
    "CancelReport",
    "Credentials",
    "CredentialsMissing",
    "LiveApiError",
    "LiveClient",
    "LiveConnectionError",
    "LiveEcs",
    "LiveGuard",
    "LiveGuardError",
    "LiveSession",
    "LiveSettings",
    "Scrubber",
    "SettleReport",
    "parse_endpoint",
    "parse_instance_map",
    "settle",
]

ACCESS_KEY_ID_ENV = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ACCESS_KEY_SECRET_ENV = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
SECURITY_TOKEN_ENV = "ALIBABA_CLOUD_SECURITY_TOKEN"
#: At most this many simulated events may be Scheduled at once in an account.
SIMULATED_EVENT_QUOTA = 1000
#: Ids per call (InstanceId.N, EventId.N) the API accepts.
IDS_PER_CALL = 100
DEFAULT_TIMEOUT = 600.0
ALL_STATES = tuple(s.value for s in EventState)
ACTIVE_SIMULATED_STATES = ("Scheduled", "Executing")


# =============================================================================== secrets
class Scrubber:
    """Replaces every secret (as is, and percent-encoded) in a text by ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe=""), quote(secret, safe="~")})
        # longest first, so that a secret containing another is replaced whole
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, "***")
        return text

    def found_in(self, text: str) -> bool:
        return any(form in text for form in self._forms)

    def __repr__(self) -> str:
        return f"<Scrubber of {len(self._forms)} form(s)>"


class CredentialsMissing(ValueError):
    """The environment lacks the AccessKey variables (the message names them, not values)."""


class Credentials:
    """An AccessKey pair whose secret is never shown: ``repr`` masks it, pickling refuses."""

    __slots__ = ("_secret", "_token", "access_key_id")

    def __init__(self, access_key_id: str, secret: str, security_token: str | None = None):
        self.access_key_id = access_key_id
        self._secret = secret
        self._token = security_token or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        key = env.get(ACCESS_KEY_ID_ENV, "").strip()
        secret = env.get(ACCESS_KEY_SECRET_ENV, "").strip()
        missing = [
            n for n, v in ((ACCESS_KEY_ID_ENV, key), (ACCESS_KEY_SECRET_ENV, secret)) if not v
        ]
        if missing:
            raise CredentialsMissing(
                "--ecs-live needs an AccessKey of the account: set "
                f"{' and '.join(missing)} in the environment (missing or empty). A RAM user "
                "limited to the ECS actions live mode uses is enough (see docs/live.md)."
            )
        return cls(key, secret, env.get(SECURITY_TOKEN_ENV, "").strip() or None)

    def reveal_secret(self) -> str:
        return self._secret

    @property
    def security_token(self) -> str | None:
        return self._token

    @property
    def masked_key(self) -> str:
        key = self.access_key_id
        return key[:4] + "****" if len(key) > 8 else "****"

    def scrubber(self) -> Scrubber:
        return Scrubber([self._secret, *([self._token] if self._token else [])])

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.masked_key!r}, secret=<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials are not picklable: the secret must not be stored")


# ============================================================================== settings
def parse_instance_map(text: str) -> dict[str, str]:
    """``"web=i-2ze1,db=i-2ze2"`` -> ``{"web": "i-2ze1", "db": "i-2ze2"}``.

    A bare id (``i-2ze1``) is its own alias.
    """
    mapping: dict[str, str] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        alias, sep, instance_id = part.partition("=")
        alias, instance_id = alias.strip(), instance_id.strip()
        if not sep:
            alias, instance_id = part, part
        if not alias or not instance_id:
            raise ValueError(f"expected ALIAS=INSTANCE_ID, got {part!r}")
        if not instance_id.startswith("i-") or any(c.isspace() for c in instance_id):
            raise ValueError(
                f"{alias}={instance_id!r}: an ECS instance id starts with 'i-' "
                "(for example web=i-2zeXXXXXXXXXXXXXXXXX)"
            )
        if alias in mapping and mapping[alias] != instance_id:
            raise ValueError(f"alias {alias!r} is mapped twice ({mapping[alias]}, {instance_id})")
        mapping[alias] = instance_id
    if not mapping:
        raise ValueError("no instance given")
    return mapping


def parse_endpoint(text: str) -> str:
    """``HOST[:PORT]`` without a scheme (the protocol is a separate option)."""
    value = text.strip()
    if "://" in value:
        raise ValueError(
            f"give HOST[:PORT] without a scheme, got {text!r}; "
            "choose the scheme with --ecs-live-protocol http|https"
        )
    if not value or "/" in value or any(c.isspace() for c in value):
        raise ValueError(
            f"expected HOST[:PORT], for example ecs.cn-beijing.aliyuncs.com, got {text!r}"
        )
    port = ""
    if value.startswith("["):  # [::1]:8080
        _, _, rest = value.partition("]")
        port = rest[1:] if rest.startswith(":") else rest
    elif value.count(":") == 1:
        port = value.partition(":")[2]
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"the port of {text!r} must be a number from 1 to 65535")
    return value


def parse_timeout(text: str | float) -> float:
    """Seconds, as a number (``"90"``) or a duration (``"90s"``, ``"10m"``)."""
    try:
        seconds = parse_duration(float(text) if _is_number(text) else text).total_seconds()
    except (TimeFormatError, ValueError):
        raise ValueError(
            f"expected seconds (e.g. 600) or a duration (e.g. 10m), got {text!r}"
        ) from None
    if seconds <= 0:
        raise ValueError(f"the timeout must be positive, got {text!r}")
    return seconds


def _is_number(text: object) -> bool:
    if isinstance(text, int | float):
        return True
    try:
        float(str(text))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class LiveSettings:
    """The live options of a run (no secret: the credentials are kept apart)."""

    aliases: Mapping[str, str]
    region: str = "cn-hangzhou"
    endpoint: str | None = None
    protocol: str = "https"
    timeout: float = DEFAULT_TIMEOUT
    journal_dir: Path = Path(".pytest_cache/d/ecs-live")

    @property
    def allowlist(self) -> frozenset[str]:
        return frozenset(self.aliases.values())

    @property
    def resolved_endpoint(self) -> str:
        return self.endpoint or default_endpoint(self.region)

    def alias_text(self) -> str:
        return ", ".join(
            alias if alias == real else f"{alias}={real}" for alias, real in self.aliases.items()
        )


# ================================================================================ errors
class LiveGuardError(Exception):
    """The guard refused a call before it was sent (the message says what and why)."""


class LiveConnectionError(Exception):
    """A call got no answer (network, TLS, timeout): whether it took effect is unknown."""


class LiveApiError(EcsApiError):
    """An error the real API answered (code, HTTP status, message; plus the RequestId)."""

    def __init__(self, code: str, message: str, status: int, request_id: str | None = None):
        super().__init__(code, message, status)
        self.request_id = request_id


# ================================================================================= guard
#: Reads: they act on nothing (an account-wide read is allowed, e.g. the quota check).
READ_ACTIONS = frozenset(
    {
        "DescribeInstanceHistoryEvents",
        "DescribeInstancesFullStatus",
        "DescribeInstances",
        "DescribeInstanceStatus",
        "DescribeInstanceMaintenanceAttributes",
    }
)
#: Writes on instances: each must name instances, all of them in the allowlist.
INSTANCE_ACTIONS = frozenset(
    {
        "CreateSimulatedSystemEvents",
        "RebootInstance",
        "RebootInstances",
        "StopInstance",
        "StartInstance",
        "RedeployInstance",
    }
)
#: Writes on events: each must name events, all of them created by this run.
EVENT_ACTIONS = frozenset(
    {"CancelSimulatedSystemEvents", "AcceptInquiredSystemEvent", "ModifySystemEventAttribute"}
)
_INSTANCE_PARAMS = ("instanceid", "resourceid")


class LiveGuard:
    """Checks every live call before it is sent; :meth:`check` raises :class:`LiveGuardError`.

    - the action must be one live mode uses (reads, instance actions, event actions);
    - every instance a parameter names (``InstanceId``, ``InstanceId.N``, ``ResourceId.N``,
      the JSON ``InstanceIds``) must be in the allowlist;
    - instance and event writes must name what they act on;
    - every event a write names must be one this run created (:meth:`own`);
    - no parameter may be ``TriggerRealOps`` (a drill that really stops or releases instances).
    """

    def __init__(self, allowlist: Iterable[str]) -> None:
        self.allowlist = frozenset(allowlist)
        self._owned: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def own(self, event_ids: Iterable[str], instance_id: str | None = None) -> None:
        """Record events as created by this run (so that they may be cancelled)."""
        if instance_id is not None and instance_id not in self.allowlist:
            raise LiveGuardError(
                f"refusing to take over events of instance {instance_id}: it is not in the "
                f"allowlist ({', '.join(sorted(self.allowlist))})"
            )
        with self._lock:
            for event_id in event_ids:
                self._owned[event_id] = instance_id

    def owns(self, event_id: str) -> bool:
        with self._lock:
            return event_id in self._owned

    def check(self, action: str, params: Mapping[str, str]) -> None:
        if action not in READ_ACTIONS | INSTANCE_ACTIONS | EVENT_ACTIONS:
            raise LiveGuardError(
                f"refusing to send {action!r}: live mode only sends "
                f"{', '.join(sorted(READ_ACTIONS | INSTANCE_ACTIONS | EVENT_ACTIONS))}"
            )
        instances: list[str] = []
        events: list[str] = []
        for name, value in params.items():
            base = name.split(".", 1)[0].lower()
            if base == "triggerrealops":
                raise LiveGuardError(
                    f"refusing to send {action} with {name}={value!r}: live mode never sets "
                    "TriggerRealOps (a drill with it really stops or releases the instance)"
                )
            if base in _INSTANCE_PARAMS:
                instances.append(value)
            elif base == "instanceids":
                try:
                    listed = json.loads(value)
                except ValueError:
                    listed = None
                if not isinstance(listed, list) or not all(isinstance(i, str) for i in listed):
                    raise LiveGuardError(
                        f"refusing to send {action}: InstanceIds must be a JSON list of ids, "
                        f"got {value!r}"
                    )
                instances.extend(listed)
            elif base == "eventid":
                events.append(value)
        outside = [i for i in instances if i not in self.allowlist]
        if outside:
            raise LiveGuardError(
                f"refusing to send {action} for {', '.join(outside)}: not in the allowlist of "
                f"this run ({', '.join(sorted(self.allowlist))}); live mode acts only on the "
                "instances given with --ecs-live-instances"
            )
        if action in INSTANCE_ACTIONS and not instances:
            raise LiveGuardError(f"refusing to send {action} without an instance id")
        if action in EVENT_ACTIONS:
            if not events:
                raise LiveGuardError(f"refusing to send {action} without an event id")
            foreign = [e for e in events if not self.owns(e)]
            if foreign:
                raise LiveGuardError(
                    f"refusing to send {action} for {', '.join(foreign)}: live mode acts only "
                    "on simulated events this run created"
                )

    def __repr__(self) -> str:
        return f"<LiveGuard allowlist={sorted(self.allowlist)} owned={len(self._owned)}>"


# ================================================================================ client
@dataclass(frozen=True)
class LiveCall:
    """One call live mode sent (or tried to)."""

    action: str
    params: Mapping[str, str]
    status: int | None
    error_code: str | None
    time: datetime


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_api_time(value)
    return str(value)


def indexed(name: str, values: Iterable[object]) -> dict[str, str]:
    """``InstanceId.1=a&InstanceId.2=b`` as a dict."""
    return {f"{name}.{n}": _text(v) for n, v in enumerate(values, 1)}


class LiveClient:
    """Sends ECS calls through aliyun-python-sdk-core; :meth:`call` is the only way out."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        region: str,
        endpoint: str,
        protocol: str = "https",
        guard: LiveGuard,
        connect_timeout: float = 5.0,
        read_timeout: float = 15.0,
    ) -> None:
        from aliyunsdkcore.client import AcsClient

        self.region = region
        self.endpoint = endpoint
        self.protocol = protocol
        self.guard = guard
        self.scrub = credentials.scrubber()
        self.calls: list[LiveCall] = []
        # The SDKs ignore NO_PROXY: a loopback endpoint (tests, a tunnel) must bypass a proxy.
        proxy = {"http": "", "https": ""} if is_loopback_endpoint(endpoint) else None
        token = credentials.security_token
        if token:
            from aliyunsdkcore.auth.credentials import StsTokenCredential

            self._acs = AcsClient(
                region_id=region,
                credential=StsTokenCredential(
                    credentials.access_key_id, credentials.reveal_secret(), token
                ),
                connect_timeout=connect_timeout,
                timeout=read_timeout,
                proxy=proxy,
            )
        else:
            self._acs = AcsClient(
                credentials.access_key_id,
                credentials.reveal_secret(),
                region,
                connect_timeout=connect_timeout,
                timeout=read_timeout,
                proxy=proxy,
            )
        self._lock = threading.Lock()

    def call(self, action: str, params: Mapping[str, object]) -> dict[str, Any]:
        """Send one call once the guard allowed it; returns the body.

        Raises :class:`LiveGuardError` (refused, nothing sent), :class:`LiveApiError` (the API
        answered an error) or :class:`LiveConnectionError` (no answer).
        """
        __tracebackhide__ = True  # a failing test shows its own line, not these internals
        flat = {str(k): _text(v) for k, v in params.items()}
        try:
            self.guard.check(action, flat)  # refuses before anything is sent
        except LiveGuardError as exc:
            raise LiveGuardError(self.scrub(str(exc))) from None
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
        from aliyunsdkcore.request import CommonRequest

        request = CommonRequest(
            domain=self.endpoint, version=API_VERSION, action_name=action, product="Ecs"
        )
        request.set_method("POST")
        request.set_protocol_type(self.protocol)
        request.set_accept_format("JSON")
        for key, value in flat.items():
            request.add_query_param(key, value)
        error: Exception | None = None
        status: int | None = 200
        code: str | None = None
        try:
            raw = self._acs.do_action_with_exception(request)
        except ServerException as exc:
            status, code = int(exc.get_http_status() or 0), str(exc.get_error_code())
            error = LiveApiError(
                code, self.scrub(str(exc.get_error_msg())), status, exc.get_request_id()
            )
        except ClientException as exc:
            status, code = None, str(exc.get_error_code())
            error = LiveConnectionError(
                self.scrub(
                    f"{action} to {self.protocol}://{self.endpoint} got no answer: "
                    f"{exc.get_error_code()}: {exc.get_error_msg()}"
                )
            )
        finally:
            with self._lock:
                self.calls.append(LiveCall(action, flat, status, code, wall_clock_now()))
        if error is not None:
            raise error
        try:
            body = json.loads(raw)
        except ValueError:
            raise LiveConnectionError(
                f"{action} to {self.endpoint} answered something that is not JSON"
            ) from None
        if not isinstance(body, dict):
            raise LiveConnectionError(f"{action} to {self.endpoint} answered a non-object")
        return body

    def __repr__(self) -> str:
        return f"<LiveClient {self.protocol}://{self.endpoint} region={self.region}>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a LiveClient holds credentials and cannot be pickled")


# ==================================================================== event reads, cancel
def _records(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    items = (body.get("InstanceSystemEventSet") or {}).get("InstanceSystemEventType") or []
    return [i for i in items if isinstance(i, dict)]


def describe_events(
    client: LiveClient, event_ids: Sequence[str], *, region: str | None = None
) -> dict[str, dict[str, Any]]:
    """The API records of these events, in every state, by id (missing ones left out)."""
    found: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(event_ids))
    for start in range(0, len(ids), IDS_PER_CALL):
        batch = ids[start : start + IDS_PER_CALL]
        params: dict[str, object] = {
            "RegionId": region or client.region,
            **indexed("EventId", batch),
            **indexed("InstanceEventCycleStatus", ALL_STATES),
            "MaxResults": IDS_PER_CALL,
        }
        for record in _paged(client, params):
            found[str(record.get("EventId"))] = record
    return found


def _paged(client: LiveClient, params: dict[str, object]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for _ in range(1000):  # a bound, not a limit anyone should reach
        body = client.call("DescribeInstanceHistoryEvents", params)
        records.extend(_records(body))
        token = body.get("NextToken")
        if not token:
            break
        params = {**params, "NextToken": token}
    return records


def scheduled_count(client: LiveClient, *, region: str | None = None) -> int:
    """How many events of the account are Scheduled in the region (the quota's measure)."""
    body = client.call(
        "DescribeInstanceHistoryEvents",
        {
            "RegionId": region or client.region,
            "InstanceEventCycleStatus.1": "Scheduled",
            "MaxResults": 10,
        },
    )
    try:
        return int(body.get("TotalCount", 0))
    except (TypeError, ValueError):
        return 0


def _state_of(record: Mapping[str, Any]) -> str:
    status = record.get("EventCycleStatus")
    return str(status.get("Name") if isinstance(status, dict) else status or "")


@dataclass
class CancelReport:
    """What a clean-up did: cancelled, already finished, gone, or failed (with the reason)."""

    cancelled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def settled(self) -> list[str]:
        return self.cancelled + self.finished + self.missing

    def merge(self, other: CancelReport) -> None:
        self.cancelled += other.cancelled
        self.finished += other.finished
        self.missing += other.missing
        self.failed.update(other.failed)


def cancel_events(client: LiveClient, event_ids: Sequence[str], *, region: str) -> CancelReport:
    """Cancel whichever of these (own) events are still active; never raises for one event.

    Finished events are left alone; an event the API no longer knows counts as gone. A batch
    the API refuses is retried event by event, so one bad id does not keep the others alive.
    """
    report = CancelReport()
    ids = list(dict.fromkeys(event_ids))
    if not ids:
        return report
    try:
        states = {i: _state_of(r) for i, r in describe_events(client, ids, region=region).items()}
    except (EcsApiError, LiveConnectionError):
        states = {}  # cancel them all: cancelling is harmless, leaving them is not
    report.finished = [i for i in ids if states.get(i) in _FINAL_NAMES]
    active = [i for i in ids if i not in report.finished]
    for start in range(0, len(active), IDS_PER_CALL):
        batch = active[start : start + IDS_PER_CALL]
        try:
            client.call(
                "CancelSimulatedSystemEvents", {"RegionId": region, **indexed("EventId", batch)}
            )
            report.cancelled += batch
        except (EcsApiError, LiveConnectionError):
            for event_id in batch:
                _cancel_one(client, event_id, region, report)
    return report


_FINAL_NAMES = frozenset(s.value for s in FINAL_STATES)


def _cancel_one(client: LiveClient, event_id: str, region: str, report: CancelReport) -> None:
    try:
        client.call("CancelSimulatedSystemEvents", {"RegionId": region, "EventId.1": event_id})
        report.cancelled.append(event_id)
        return
    except LiveConnectionError as exc:
        report.failed[event_id] = str(exc)
        return
    except EcsApiError as exc:
        if exc.code.startswith("InvalidEventId.NotFound"):
            report.missing.append(event_id)
            return
        if exc.code == "CannotCancelSystemEvent.NotSimulated":
            report.missing.append(event_id)  # not a drill: not ours to cancel
            return
        reason = f"{exc.code}: {exc.message}"
    try:  # it may have finished between the read and the cancel
        record = describe_events(client, [event_id], region=region).get(event_id)
    except (EcsApiError, LiveConnectionError):
        record = None
    if record is not None and _state_of(record) in _FINAL_NAMES:
        report.finished.append(event_id)
    elif record is None:
        report.failed[event_id] = reason
    else:
        report.failed[event_id] = reason


def find_intent_events(client: LiveClient, intent: Intent) -> list[EventRecord]:
    """Events a create may have made before its outcome was journaled (found by their fields)."""
    found: list[EventRecord] = []
    for instance_id in intent.instance_ids:
        params: dict[str, object] = {
            "RegionId": intent.region,
            "InstanceId": instance_id,
            "EventType": intent.event_type,
            **indexed("InstanceEventCycleStatus", ACTIVE_SIMULATED_STATES),
            "NotBefore.Start": format_api_time(intent.not_before),
            "NotBefore.End": format_api_time(intent.not_before),
            "EventPublishTime.Start": format_api_time(intent.time - timedelta(minutes=15)),
            "MaxResults": IDS_PER_CALL,
        }
        for record in _paged(client, params):
            found.append(
                EventRecord(
                    event_id=str(record.get("EventId")),
                    instance_id=str(record.get("InstanceId") or instance_id),
                    event_type=intent.event_type,
                    region=intent.region,
                    endpoint=intent.endpoint,
                    protocol=intent.protocol,
                )
            )
    return found


@dataclass
class SettleReport:
    """The outcome of settling a journal."""

    report: CancelReport = field(default_factory=CancelReport)
    adopted: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.report.failed and not self.skipped and not self.errors


def settle(
    client: LiveClient,
    journal: Journal,
    *,
    only: Callable[[str, str, str], bool] | None = None,
) -> SettleReport:
    """Cancel everything a journal still has open: found intents first, then its events.

    ``only(region, endpoint, protocol)`` limits the clean-up to what this client may reach;
    the rest is reported as skipped (with the reason) and stays in the journal.
    """
    result = SettleReport()
    state = journal.state
    for intent in list(state.open_intents.values()):
        if only is not None and not only(intent.region, intent.endpoint, intent.protocol):
            result.skipped[intent.token] = f"created through {intent.endpoint} in {intent.region}"
            continue
        outside = [i for i in intent.instance_ids if i not in client.guard.allowlist]
        if outside:
            result.skipped[intent.token] = f"instances outside the allowlist: {', '.join(outside)}"
            continue
        try:
            found = find_intent_events(client, intent)
        except (EcsApiError, LiveConnectionError, LiveGuardError) as exc:
            result.errors.append(f"looking for the events of an unfinished create: {exc}")
            continue
        journal.adopt(found)
        journal.resolved(intent.token)
        result.adopted += len(found)
    groups: dict[str, list[EventRecord]] = {}
    for record in list(state.outstanding.values()):
        if only is not None and not only(record.region, record.endpoint, record.protocol):
            result.skipped[record.event_id] = (
                f"created through {record.endpoint} in {record.region}"
            )
            continue
        if record.instance_id not in client.guard.allowlist:
            result.skipped[record.event_id] = (
                f"instance {record.instance_id} is outside the allowlist"
            )
            continue
        client.guard.own([record.event_id], record.instance_id)
        groups.setdefault(record.region, []).append(record)
    for region, records in groups.items():
        report = cancel_events(client, [r.event_id for r in records], region=region)
        journal.cancelled(report.cancelled, how="cancelled")
        journal.cancelled(report.finished, how="finished")
        journal.cancelled(report.missing, how="missing")
        result.report.merge(report)
    return result


# =============================================================================== session
class LiveSession:
    """Live mode for one pytest process (or xdist worker): client, guard, journal, output."""

    def __init__(
        self,
        settings: LiveSettings,
        credentials: Credentials,
        *,
        worker: str = "main",
        write: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.worker = worker
        self.scrub = credentials.scrubber()
        self.masked_key = credentials.masked_key
        self.guard = LiveGuard(settings.allowlist)
        self.client = LiveClient(
            credentials,
            region=settings.region,
            endpoint=settings.resolved_endpoint,
            protocol=settings.protocol,
            guard=self.guard,
        )
        self.journal = Journal(settings.journal_dir, worker=worker)
        self._write = write
        self._lock = threading.Lock()

    # -- output -------------------------------------------------------------------------
    def say(self, line: str) -> None:
        text = self.scrub(line)
        if self._write is not None:
            try:
                self._write(text)
                return
            except Exception:  # the terminal went away: fall back to stderr
                pass
        import sys

        stream = sys.__stderr__
        if stream is not None:
            stream.write(text + "\n")
            stream.flush()

    @property
    def region(self) -> str:
        return self.settings.region

    @property
    def endpoint(self) -> str:
        return self.settings.resolved_endpoint

    def matches(self, region: str, endpoint: str, protocol: str) -> bool:
        return (region, endpoint, protocol) == (self.region, self.endpoint, self.settings.protocol)

    def header(self) -> str:
        return (
            f"ecs-events: LIVE mode against a real account: region {self.region}, endpoint "
            f"{self.settings.protocol}://{self.endpoint}, instances {self.settings.alias_text()}, "
            f"AccessKey {self.masked_key}, timeout {self.settings.timeout:g}s, "
            f"journal {self.settings.journal_dir}"
        )

    # -- creating and cancelling ------------------------------------------------------------
    def create(
        self, event_type: str, instance_ids: Sequence[str], not_before: datetime
    ) -> list[str]:
        """CreateSimulatedSystemEvents after the quota check, journaled before and after."""
        ids = list(instance_ids)
        if len(ids) > IDS_PER_CALL:
            raise EcsApiError(
                "InstanceIdLimitExceeded",
                f"at most {IDS_PER_CALL} instances per call, {len(ids)} were given",
                403,
            )
        with self._lock:
            scheduled = scheduled_count(self.client)
            if scheduled + len(ids) > SIMULATED_EVENT_QUOTA:
                raise EcsApiError(
                    "SimulatedEventLimitExceeded",
                    f"not created (checked before creating): region {self.region} already has "
                    f"{scheduled} Scheduled events and {len(ids)} more would pass the limit of "
                    f"{SIMULATED_EVENT_QUOTA} active simulated events. Cancel drills you no "
                    "longer need (ecs-sim live-cleanup cancels leftovers of crashed runs).",
                    403,
                )
            token = self.journal.intent(
                region=self.region,
                endpoint=self.endpoint,
                protocol=self.settings.protocol,
                event_type=event_type,
                instance_ids=ids,
                not_before=not_before,
            )
            try:
                body = self.client.call(
                    "CreateSimulatedSystemEvents",
                    {
                        "RegionId": self.region,
                        "EventType": event_type,
                        "NotBefore": format_api_time(not_before),
                        **indexed("InstanceId", ids),
                    },
                )
            except EcsApiError as exc:
                self.journal.failed(token, exc.code)
                raise
            # LiveConnectionError: the intent stays open; settle() looks for what it made.
            created = [str(e) for e in ((body.get("EventIdSet") or {}).get("EventId") or [])]
            owners = [ids[min(n, len(ids) - 1)] for n in range(len(created))]
            self.journal.created(token, created, owners)
            for event_id, owner in zip(created, owners, strict=True):
                self.guard.own([event_id], owner)
            return created

    def cancel(self, event_ids: Sequence[str]) -> CancelReport:
        report = cancel_events(self.client, event_ids, region=self.region)
        self.journal.cancelled(report.cancelled, how="cancelled")
        self.journal.cancelled(report.finished, how="finished")
        self.journal.cancelled(report.missing, how="missing")
        return report

    def settle(self, why: str) -> SettleReport:
        """Cancel everything this process still has open; say what was done."""
        if self.journal.state.settled:
            return SettleReport()
        result = settle(self.client, self.journal, only=self.matches)
        done = result.report
        if done.cancelled or done.failed or result.errors:
            self.say(
                f"ecs-live: {why}: cancelled {len(done.cancelled)} simulated event(s) this run "
                f"created ({', '.join(done.cancelled) or 'none'})"
            )
        self._warn_leftovers(result, self.journal.path)
        return result

    def _warn_leftovers(self, result: SettleReport, path: Path) -> None:
        problems = [f"{i}: {why}" for i, why in result.report.failed.items()]
        problems += [f"{i}: {why}" for i, why in result.skipped.items()]
        problems += result.errors
        if problems:
            self.say(
                f"ecs-live: WARNING: {len(problems)} simulated event(s) or create(s) could not "
                f"be cancelled yet: {'; '.join(problems)}. They stay in the journal {path}: the "
                f"next run cancels them, or run: ecs-sim live-cleanup --journal {path}"
            )

    def recover(self, states: Sequence[JournalState] | None = None) -> None:
        """Cancel what earlier runs (now dead) left in journals of this directory.

        ``states`` are journals read before the run began (``--cache-clear`` may have removed
        the files since); without them the directory is read now.
        """
        from .live_journal import journal_files, read_journal

        if states is None:
            states = [read_journal(p) for p in journal_files(self.settings.journal_dir)]
        for state in states:
            path = state.path
            if path is None or path == self.journal.path or state.owner_alive():
                continue
            if state.settled:
                path.unlink(missing_ok=True)
                continue
            journal = Journal.resume(state)
            result = settle(self.client, journal, only=self.matches)
            done = result.report
            self.say(
                f"ecs-live: {path.name}: a previous run (pid {state.pid}) did not finish; "
                f"cancelled {len(done.cancelled)} simulated event(s) it left "
                f"({', '.join(done.cancelled) or 'none active'})"
            )
            self._warn_leftovers(result, path)
            if journal.state.settled:
                path.unlink(missing_ok=True)
            elif not path.exists():
                journal.materialize()  # keep what is left for the next run

    def close(self) -> None:
        self.settle("end of session")
        if not self.journal.finish():
            self.say(
                f"ecs-live: the journal {self.journal.path} keeps the events not cancelled; "
                f"run: ecs-sim live-cleanup --journal {self.journal.path}"
            )

    def __repr__(self) -> str:
        return (
            f"<LiveSession {self.settings.protocol}://{self.endpoint} region={self.region} "
            f"worker={self.worker} instances={self.settings.alias_text()}>"
        )


# ================================================================================ handle
_OFFLINE_ONLY = {
    "inject_event": "a real account cannot get platform events on demand (only "
    "CreateSimulatedSystemEvents drills)",
    "fail_next": "the real API's errors cannot be injected",
    "fail_event": "the cloud decides when an event fails",
    "subscribe": "real notifications go to CloudMonitor or EventBridge, not to the test",
    "subscriber_errors": "real notifications go to CloudMonitor or EventBridge, not to the test",
    "on_change": "the cloud's state changes are not observed as they happen",
    "on_call": "calls to the real API are not intercepted",
    "calls": "calls to the real API are not intercepted, so a handler's calls are unknown",
    "simulation": "there is no simulation: the account is real",
    "api": "there is no simulated API: the account is real",
    "handle": "there is no simulated API: the account is real",
    "credentials": "live credentials come from the environment and are never exposed",
    "internal_errors": "there is no simulator",
    "start": "nothing is intercepted in live mode",
    "stop": "nothing is intercepted in live mode",
}


def _skip(reason: str) -> NoReturn:
    """Skip the test, reported at the test's location (not this module's)."""
    text = f"live mode (--ecs-live): {reason}"
    try:
        exc = pytest.skip.Exception(text, _use_item_location=True)
    except TypeError:  # pragma: no cover - a pytest without the private keyword
        pytest.skip(text)
    raise exc


def _id_list(value: str | Iterable[str], what: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(i, str) for i in items):
        raise TypeError(f"{what} must be a str or a list of str, got {value!r}")
    return items


def _api_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_api_time(value)
    except TimeFormatError:
        try:
            return parse_datetime(value)
        except TimeFormatError:
            return None


class LiveEcs:
    """The ``ecs_sim`` handle in live mode: the offline members, against a real account.

    Instance names are aliases (``--ecs-live-instances web=i-2ze...``); an instance id of the
    allowlist works too. Objects it returns carry the alias as ``instance_id``, so assertions
    written offline hold; :meth:`resolve` gives the real id (to hand to a handler).
    """

    def __init__(
        self,
        session: LiveSession,
        *,
        execution_duration: timedelta = timedelta(seconds=30),
        catalog: Catalog = DEFAULT_CATALOG,
    ) -> None:
        self._session = session
        self._execution_duration = execution_duration
        self._catalog = catalog
        self._created: list[str] = []
        self._events: dict[str, SystemEvent] = {}
        self._reverse: dict[str, str] = {
            real: alias for alias, real in list(session.settings.aliases.items())[::-1]
        }

    # ---------------------------------------------------------------------- properties
    @property
    def now(self) -> datetime:
        """The wall clock (UTC, whole seconds): the cloud's clock."""
        return wall_clock_now()

    @property
    def region(self) -> str:
        return self._session.region

    @property
    def endpoint(self) -> str:
        """The endpoint an SDK client should use: the real one or ``--ecs-live-endpoint``."""
        return self._session.endpoint

    @property
    def protocol(self) -> str:
        return self._session.settings.protocol

    @property
    def live(self) -> bool:
        return True

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    @property
    def aliases(self) -> dict[str, str]:
        """``{alias: real instance id}`` as given with ``--ecs-live-instances``."""
        return dict(self._session.settings.aliases)

    @property
    def client(self) -> LiveClient:
        """The guarded client live mode sends its calls through."""
        return self._session.client

    @property
    def journal_path(self) -> Path:
        return self._session.journal.path

    @property
    def created_event_ids(self) -> list[str]:
        """The simulated events created during this test, in order."""
        return list(self._created)

    @property
    def execution_duration(self) -> timedelta:
        """How long a maintenance event is expected to stay Executing (for ``advance``)."""
        return self._execution_duration

    # ------------------------------------------------------------------------ aliases
    def resolve(self, name: str) -> str:
        """The real id of an alias (or of an allowlisted id); skips the test if unmapped."""
        aliases = self._session.settings.aliases
        if name in aliases:
            return aliases[name]
        if name in self._session.settings.allowlist:
            return name
        _skip(
            f"instance {name!r} is not mapped by --ecs-live-instances (mapped: "
            f"{self._session.settings.alias_text()}); the test is skipped rather than run on "
            "another instance"
        )

    def _alias(self, real: str) -> str:
        return self._reverse.get(real, real)

    # ---------------------------------------------------------------------- offline only
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from .simulator import EcsSimulator

        if name in _OFFLINE_ONLY:
            _skip(f"ecs_sim.{name} is offline only: {_OFFLINE_ONLY[name]}")
        if hasattr(EcsSimulator, name):
            _skip(f"ecs_sim.{name} is offline only")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def inject_event(self, *args: Any, **kwargs: Any) -> NoReturn:
        _skip(f"ecs_sim.inject_event() is offline only: {_OFFLINE_ONLY['inject_event']}")

    def fail_next(self, *args: Any, **kwargs: Any) -> NoReturn:
        _skip(f"ecs_sim.fail_next() is offline only: {_OFFLINE_ONLY['fail_next']}")

    def fail_event(self, *args: Any, **kwargs: Any) -> NoReturn:
        _skip(f"ecs_sim.fail_event() is offline only: {_OFFLINE_ONLY['fail_event']}")

    def subscribe(self, *args: Any, **kwargs: Any) -> NoReturn:
        _skip(f"ecs_sim.subscribe() is offline only: {_OFFLINE_ONLY['subscribe']}")

    # ----------------------------------------------------------------------- instances
    def add_instance(
        self,
        instance_id: str | None = None,
        *,
        name: str | None = None,
        region: str | None = None,
        zone: str | None = None,
        status: InstanceStatus | str = "Running",
        tags: Mapping[str, str] | None = None,
    ) -> Instance:
        """A mapped instance as it is; a new or described instance is offline only (skips)."""
        if instance_id is None:
            _skip("ecs_sim.add_instance() without an id creates an instance: offline only")
        aliases = self._session.settings.aliases
        if instance_id not in aliases and instance_id not in self._session.settings.allowlist:
            _skip(
                f"ecs_sim.add_instance({instance_id!r}) is offline only: {instance_id!r} is not "
                f"mapped by --ecs-live-instances (mapped: {self._session.settings.alias_text()}),"
                " and live mode never creates or borrows instances"
            )
        if (
            name is not None
            or zone is not None
            or tags
            or region not in (None, self.region)
            or str(status) != "Running"
        ):
            _skip(
                f"ecs_sim.add_instance({instance_id!r}, ...) sets attributes of the instance: "
                "offline only (a real instance is what it is)"
            )
        return self.instance(instance_id)

    def instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        real = self.resolve(instance_id)
        found = self._describe_instances([real])
        if not found:
            raise LiveApiError(
                "InvalidInstanceId.NotFound", "The specified InstanceId does not exist.", 404
            )
        return found[0]

    @property
    def instances(self) -> list[Instance]:
        """The mapped instances (the allowlist), as the cloud describes them."""
        return self._describe_instances(sorted(self._session.settings.allowlist))

    def _describe_instances(self, reals: Sequence[str]) -> list[Instance]:
        result: list[Instance] = []
        for start in range(0, len(reals), IDS_PER_CALL):
            batch = list(reals[start : start + IDS_PER_CALL])
            body = self.client.call(
                "DescribeInstances",
                {"RegionId": self.region, "InstanceIds": json.dumps(batch), "PageSize": 100},
            )
            for item in (body.get("Instances") or {}).get("Instance") or []:
                result.append(self._instance(item))
        return result

    def _instance(self, item: Mapping[str, Any]) -> Instance:
        try:
            status = InstanceStatus(str(item.get("Status")))
        except ValueError:
            status = InstanceStatus.Pending
        tags = {
            str(t.get("TagKey")): str(t.get("TagValue") or "")
            for t in (item.get("Tags") or {}).get("Tag") or []
            if isinstance(t, dict)
        }
        real = str(item.get("InstanceId"))
        return Instance(
            instance_id=self._alias(real),
            region=str(item.get("RegionId") or self.region),
            zone=str(item.get("ZoneId") or ""),
            name=str(item.get("InstanceName") or real),
            status=status,
            tags=tags,
        )

    # -------------------------------------------------------------------------- events
    def create_events(
        self,
        event_type: str,
        instance_ids: str | Sequence[str],
        not_before: datetime | timedelta | str = "+1h",
        *,
        region: str | None = None,
    ) -> list[SystemEvent]:
        """CreateSimulatedSystemEvents on the mapped instances (never TriggerRealOps)."""
        __tracebackhide__ = True
        if region not in (None, self.region):
            _skip(f"creating events in {region} while this live run uses {self.region}")
        reals = [self.resolve(i) for i in _id_list(instance_ids, "instance_ids")]
        when = parse_time(not_before, now=self.now)
        created = self._session.create(event_type, reals, when)
        self._created.extend(created)
        spec = self._spec(event_type)
        start = spec.start_state if spec is not None else EventState.Scheduled
        now = self.now
        for event_id, real in zip(created, reals, strict=False):
            self._events[event_id] = SystemEvent(
                event_id=event_id,
                instance_id=self._alias(real),
                region=self.region,
                event_type=event_type,
                state=start,
                not_before=when,
                publish_time=now,
                simulated=True,
            )
            self._events[event_id].record(now, start)
        return self._refresh(created)

    def cancel_events(
        self, event_ids: str | Sequence[str], *, region: str | None = None
    ) -> list[SystemEvent]:
        """CancelSimulatedSystemEvents, for events created during this test only."""
        __tracebackhide__ = True
        ids = _id_list(event_ids, "event_ids")
        foreign = [i for i in ids if i not in self._created]
        if foreign:
            raise LiveGuardError(
                f"refusing to cancel {', '.join(foreign)}: live mode cancels only the simulated "
                "events created during this test"
            )
        self.client.call(
            "CancelSimulatedSystemEvents",
            {"RegionId": region or self.region, **indexed("EventId", ids)},
        )
        self._session.journal.cancelled(ids)
        return self._refresh(ids)

    def accept_event(self, event_id: str) -> SystemEvent:
        """AcceptInquiredSystemEvent (on an event created during this test)."""
        __tracebackhide__ = True
        self.client.call(
            "AcceptInquiredSystemEvent", {"RegionId": self.region, "EventId": event_id}
        )
        return self.event(event_id)

    def reschedule_event(
        self, event_id: str, not_before: datetime | timedelta | str
    ) -> SystemEvent:
        """ModifySystemEventAttribute (on an event created during this test)."""
        __tracebackhide__ = True
        event = self.event(event_id)
        self.client.call(
            "ModifySystemEventAttribute",
            {
                "RegionId": self.region,
                "EventId": event_id,
                "InstanceId": self.resolve(event.instance_id),
                "NotBefore": format_api_time(parse_time(not_before, now=self.now)),
            },
        )
        return self.event(event_id)

    def events(
        self,
        *,
        instance_id: str | None = None,
        state: EventState | str | Iterable[EventState | str] | None = None,
        event_type: str | None = None,
    ) -> list[SystemEvent]:
        """The events created during this test (read now from the cloud), oldest first."""
        __tracebackhide__ = True
        events = self._refresh(self._created)
        alias = self._alias(self.resolve(instance_id)) if instance_id is not None else None
        states = None
        if state is not None:
            states = (
                {EventState(state)} if isinstance(state, str) else {EventState(s) for s in state}
            )
        return [
            e
            for e in events
            if (alias is None or e.instance_id == alias)
            and (states is None or e.state in states)
            and (event_type is None or e.event_type == event_type)
        ]

    def event(self, event_id: str) -> SystemEvent:
        """One event, read now from the cloud (with the status filters that show active ones)."""
        __tracebackhide__ = True
        found = self._refresh([event_id])
        if not found:
            raise LiveApiError("InvalidEventId.NotFound", "Cannot find EventId.", 404)
        return found[0]

    def _refresh(self, event_ids: Sequence[str]) -> list[SystemEvent]:
        if not event_ids:
            return []
        records = describe_events(self.client, event_ids, region=self.region)
        now = self.now
        result = []
        for event_id in dict.fromkeys(event_ids):
            record = records.get(event_id)
            if record is not None:
                result.append(self._update(event_id, record, now))
            elif event_id in self._events:  # created, not yet listed by the cloud
                result.append(self._events[event_id])
        return result

    def _update(self, event_id: str, record: Mapping[str, Any], now: datetime) -> SystemEvent:
        type_field = record.get("EventType")
        event_type = str(type_field.get("Name") if isinstance(type_field, dict) else type_field)
        try:
            state = EventState(_state_of(record))
        except ValueError:
            state = EventState.Scheduled
        finish = _api_time(record.get("EventFinishTime"))
        event = self._events.get(event_id)
        if event is None:
            event = SystemEvent(
                event_id=event_id,
                instance_id=self._alias(str(record.get("InstanceId"))),
                region=self.region,
                event_type=event_type,
                state=state,
                not_before=_api_time(record.get("NotBefore")),
                publish_time=_api_time(record.get("EventPublishTime")) or now,
                simulated=event_id in self._created,
            )
            self._events[event_id] = event
            event.record(event.publish_time, state)
        elif event.state != state:
            event.record(finish if finish and state.is_final else now, state)
        event.state = state
        event.event_type = event_type
        event.not_before = _api_time(record.get("NotBefore")) or event.not_before
        event.publish_time = _api_time(record.get("EventPublishTime")) or event.publish_time
        event.finish_time = finish
        event.reason = str(record.get("Reason") or "")
        event.reason_code = str(record.get("ReasonCode") or "")
        event.impact_level = str(record.get("ImpactLevel") or "")
        extended = record.get("ExtendedAttribute")
        event.extended = dict(extended) if isinstance(extended, dict) else {}
        return event

    def _spec(self, event_type: str) -> Any:
        try:
            return self._catalog.spec(event_type)
        except KeyError:
            return None

    # ------------------------------------------------------------------ instance actions
    def reboot_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        self.client.call("RebootInstance", {"InstanceId": self.resolve(instance_id)})
        return self.instance(instance_id)

    def reboot_instances(self, instance_ids: str | Sequence[str]) -> list[Instance]:
        __tracebackhide__ = True
        names = _id_list(instance_ids, "instance_ids")
        reals = [self.resolve(i) for i in names]
        self.client.call(
            "RebootInstances", {"RegionId": self.region, **indexed("InstanceId", reals)}
        )
        return [self.instance(i) for i in names]

    def stop_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        self.client.call("StopInstance", {"InstanceId": self.resolve(instance_id)})
        return self.instance(instance_id)

    def start_instance(self, instance_id: str) -> Instance:
        __tracebackhide__ = True
        self.client.call("StartInstance", {"InstanceId": self.resolve(instance_id)})
        return self.instance(instance_id)

    def redeploy_instance(self, instance_id: str) -> str:
        """Returns the TaskId, as RedeployInstance does."""
        __tracebackhide__ = True
        body = self.client.call("RedeployInstance", {"InstanceId": self.resolve(instance_id)})
        return str(body.get("TaskId", ""))

    def call(self, action: str, **params: Any) -> dict[str, Any]:
        """Send any action live mode allows, through the guard; aliases in instance params."""
        __tracebackhide__ = True
        flat: dict[str, object] = {}
        aliases = self._session.settings.aliases
        for key, value in params.items():
            base = key.split(".", 1)[0].lower()
            if base in _INSTANCE_PARAMS and isinstance(value, str):
                value = aliases.get(value, value)
            elif base == "instanceids" and isinstance(value, list | tuple):
                value = json.dumps([aliases.get(v, v) for v in value])
            flat[key] = value
        return self.client.call(action, flat)

    # ---------------------------------------------------------------------------- time
    def advance(
        self,
        by: timedelta | str | float | None = None,
        *,
        to: datetime | str | None = None,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> list[Transition]:
        """Wait (showing progress) until the cloud has reached that time; bounded by the timeout.

        "Reached" means: the wall clock is past the target, and every event of this test that
        was due by then has moved on (Scheduled past its NotBefore, a failure past its
        NotBefore, a maintenance past NotBefore + ``execution_duration``). Returns the
        transitions observed.
        """
        parts = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        now = self.now
        if to is not None:
            if by is not None or parts:
                raise TypeError("advance() takes either 'to' or a duration, not both")
            target = parse_datetime(to)
            if target < now - timedelta(seconds=1):
                raise ValueError(
                    f"the clock cannot go backwards: it is {format_api_time(now)}, "
                    f"asked for {format_api_time(target)}"
                )
            label = f"to={format_api_time(target)}"
        else:
            delta = parse_duration(by) if by is not None else timedelta(0)
            if parts < timedelta(0):
                raise ValueError(f"advance() cannot go backwards, got {parts}")
            target = now + delta + parts
            label = repr(by) if by is not None and not parts else str(delta + parts)
        return self._wait_until(target, f"advance({label})")

    def advance_to_next(self) -> list[Transition]:
        """Wait until the next change due to an event of this test (if any)."""
        dues = [d for e in self._refresh(self._created) if (d := self._due(e)) is not None]
        return [] if not dues else self._wait_until(max(min(dues), self.now), "advance_to_next()")

    def _due(self, event: SystemEvent) -> datetime | None:
        if event.not_before is None or event.state.is_final:
            return None
        if event.state is EventState.Scheduled:
            return event.not_before
        if event.state is EventState.Executing:
            spec = self._spec(event.event_type)
            if spec is not None and spec.start_state is EventState.Executing:
                return event.not_before
            return event.not_before + self._execution_duration
        return None

    def _wait_until(self, target: datetime, label: str) -> list[Transition]:
        timeout = self._session.settings.timeout
        started = time.monotonic()
        deadline = started + timeout
        wait = (target - self.now).total_seconds()
        if wait > timeout:
            pytest.fail(
                f"{label}: the cloud reaches {format_api_time(target)} in {wait:.0f}s, longer "
                f"than --ecs-live-timeout={timeout:g}s. In live mode time passes for real: "
                "give the events a shorter not_before (e.g. '+30s') or raise the timeout.",
                pytrace=False,
            )
        before = {e.event_id: e.state for e in self._refresh(self._created)}
        say = self._session.say
        if wait > 0:
            say(
                f"ecs-live: {label}: waiting {wait:.0f}s for the cloud to reach "
                f"{format_api_time(target)} ({len(before)} event(s) of this test)"
            )
        next_note = time.monotonic() + 10
        while (left := (target - datetime.now(target.tzinfo)).total_seconds()) > 0:
            time.sleep(min(left, 1.0))
            if time.monotonic() >= next_note and left > 1:
                say(f"ecs-live: {label}: {left:.0f}s to go")
                next_note = time.monotonic() + 10
        delay = 0.25
        while True:
            events = self._refresh(self._created)
            late = [e for e in events if (d := self._due(e)) is not None and d <= target]
            if not late:
                break
            if time.monotonic() >= deadline:
                pending = "; ".join(
                    f"{e.event_id} ({e.event_type} on {e.instance_id}) is still {e.state.value}, "
                    f"due {format_api_time(self._due(e) or target)}"
                    for e in late
                )
                pytest.fail(
                    f"{label}: the cloud had not caught up with {format_api_time(target)} after "
                    f"--ecs-live-timeout={timeout:g}s: {pending}. Real drills may lag; raise "
                    "--ecs-live-timeout, or check execution_duration (marker or ini "
                    "ecs_sim_execution_duration) against how long the cloud takes.",
                    pytrace=False,
                )
            say(
                f"ecs-live: {label}: waiting for the cloud to move {len(late)} due event(s) "
                f"({', '.join(f'{e.event_id} {e.state.value}' for e in late)})"
            )
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            delay = min(delay * 2, 10.0)
        transitions = self._transitions(before, events)
        if wait > 0 or transitions:
            say(
                f"ecs-live: {label}: reached {format_api_time(target)} after "
                f"{time.monotonic() - started:.1f}s, {len(transitions)} transition(s)"
            )
        return transitions

    def _transitions(
        self, before: Mapping[str, EventState], events: Sequence[SystemEvent]
    ) -> list[Transition]:
        result = []
        for event in events:
            old = before.get(event.event_id)
            if old is None or old == event.state:
                continue
            steps = [(old, event.state)]
            if old is EventState.Scheduled and event.state is EventState.Executed:
                steps = [(old, EventState.Executing), (EventState.Executing, event.state)]
            history = event.history  # the store's encoding stays the model's own
            when = history[-1][0] if history else self.now
            for step_old, step_new in steps:
                result.append(
                    Transition(
                        time=when,
                        event_id=event.event_id,
                        instance_id=event.instance_id,
                        event_type=event.event_type,
                        old_state=step_old,
                        new_state=step_new,
                        simulated=True,
                        trigger="observed",
                    )
                )
        result.sort(key=lambda t: t.time)
        return result

    # ------------------------------------------------------------------------ lifecycle
    def apply_marks(self, marks: Sequence[EventMark]) -> None:
        """Create the events of the item's ``ecs_event`` markers (already checked)."""
        from .plugin.markers import MarkerError

        for mark in marks:
            try:
                self.create_events(mark.event_type, list(mark.instances), mark.not_before)
            except (EcsApiError, LiveConnectionError, LiveGuardError, ValueError) as exc:
                raise MarkerError(f"{mark.text}: {exc}") from None

    def close(self) -> CancelReport:
        """Cancel every event created during this test that is still active."""
        if not self._created:
            return CancelReport()
        return self._session.cancel(self._created)

    def __repr__(self) -> str:
        return (
            f"<LiveEcs region={self.region!r} endpoint={self.endpoint!r} "
            f"instances={self._session.settings.alias_text()!r} created={len(self._created)}>"
        )

    def __reduce__(self) -> NoReturn:
        raise TypeError("the live handle holds a client with credentials and cannot be pickled")


# ======================================================================= markers -> handle
def _ini_duration(config: pytest.Config) -> timedelta:
    from .plugin.markers import MarkerError

    raw = config.getini("ecs_sim_execution_duration") or "30s"
    try:
        return parse_duration(raw)
    except TimeFormatError as exc:
        raise MarkerError(f"ini option ecs_sim_execution_duration = {raw!r}: {exc}") from None


def prepare_handle(session: LiveSession, item: pytest.Item) -> tuple[LiveEcs, list[EventMark]]:
    """The live handle for a test and its checked ``ecs_event`` marks; nothing created yet.

    Skips (with the reason) a test that needs what live mode cannot do: a pinned clock
    (``now=``), another region, an unmapped alias, a platform event, an event marker without
    an instance. Marker misuse fails the test at setup, as offline.
    """
    from .plugin.markers import MarkerError, event_marks, sim_settings

    config = item.config
    catalog: Catalog = (
        config.hook.pytest_ecs_events_configure_catalog(catalog=DEFAULT_CATALOG, config=config)
        or DEFAULT_CATALOG
    )
    try:
        settings = sim_settings(item)
        duration = settings.execution_duration or _ini_duration(config)
        marks = event_marks(item, now=wall_clock_now(), catalog=catalog)
    except MarkerError as exc:
        pytest.fail(f"{item.nodeid}: {exc}", pytrace=False)
    if settings.now is not None:
        _skip(
            "@pytest.mark.ecs_sim(now=...) pins the clock, which is offline only: "
            "live mode runs on the wall clock"
        )
    if settings.region is not None and settings.region != session.region:
        _skip(
            f"the test wants region {settings.region!r}; this run uses {session.region!r} "
            "(--ecs-live-region)"
        )
    handle = LiveEcs(session, execution_duration=duration, catalog=catalog)
    for name in settings.instances:
        handle.resolve(name)
    for mark in marks:
        if mark.platform:
            _skip(f"{mark.text} is a platform event, offline only: {_OFFLINE_ONLY['inject_event']}")
        if not mark.instances:
            _skip(
                f"{mark.text} names no instance; offline it creates one, live mode never "
                "does: name a mapped alias"
            )
        for name in mark.instances:
            handle.resolve(name)
    return handle, marks


# ============================================================================ live-cleanup
DEFAULT_JOURNAL_DIR = Path(".pytest_cache") / "d" / "ecs-live"


def cleanup_journals(
    location: Path,
    credentials: Credentials,
    *,
    region: str | None = None,
    endpoint: str | None = None,
    protocol: str | None = None,
    instances: Iterable[str] | None = None,
    force: bool = False,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> bool:
    """Cancel what crashed runs left in the journals at ``location`` (``ecs-sim live-cleanup``).

    The allowlist is the instances each journal names (they were in the allowlist of the run
    that wrote it), narrowed by ``instances``. ``region`` limits the clean-up to that region;
    ``endpoint``/``protocol`` replace the recorded ones. Journals of a live process are left
    alone unless ``force``. Returns whether everything is settled.
    """
    from .live_journal import journal_files, read_journal

    scrub = credentials.scrubber()
    paths = journal_files(location)
    if not paths:
        say(f"no journal at {location}: nothing to clean up")
        return True
    clean = True
    for path in paths:
        state = read_journal(path)
        name = path.name
        if state.settled:
            say(f"{name}: nothing left to cancel")
            if not state.owner_alive() and not dry_run:
                path.unlink(missing_ok=True)
            continue
        if state.owner_alive() and not force:
            say(
                f"{name}: its run (pid {state.pid}) is still going and cleans up after itself; "
                "skipped (--force to clean up anyway)"
            )
            clean = False
            continue
        allow = state.instance_ids
        if instances is not None:
            allow &= set(instances)
        groups: set[tuple[str, str, str]] = {
            (r.region, r.endpoint, r.protocol) for r in state.outstanding.values()
        } | {(i.region, i.endpoint, i.protocol) for i in state.open_intents.values()}
        journal = Journal.resume(state)
        for group_region, group_endpoint, group_protocol in sorted(groups):
            if region is not None and group_region != region:
                say(f"{name}: events in {group_region} left alone (--region {region})")
                clean = False
                continue
            target = endpoint or group_endpoint
            scheme = protocol or group_protocol
            todo = [r.event_id for r in state.outstanding.values() if r.region == group_region]
            if dry_run:
                say(
                    f"{name}: would cancel {len(todo)} event(s) in {group_region} through "
                    f"{scheme}://{target}: {', '.join(todo) or 'none'} (and look for the "
                    f"events of {len(state.open_intents)} unfinished create(s))"
                )
                clean = False
                continue
            client = LiveClient(
                credentials,
                region=group_region,
                endpoint=target,
                protocol=scheme,
                guard=LiveGuard(allow),
            )

            def same_group(
                r: str,
                e: str,
                p: str,
                g: tuple[str, str, str] = (group_region, group_endpoint, group_protocol),
            ) -> bool:
                return (r, e, p) == g

            try:
                result = settle(client, journal, only=same_group)
            except (EcsApiError, LiveConnectionError, LiveGuardError) as exc:
                say(scrub(f"{name}: clean-up in {group_region} failed: {exc}"))
                clean = False
                continue
            done = result.report
            say(
                f"{name}: cancelled {len(done.cancelled)} simulated event(s) in {group_region}"
                f"{' (' + ', '.join(done.cancelled) + ')' if done.cancelled else ''}; "
                f"{len(done.finished)} had already finished, {len(done.missing)} were gone"
                + (f", {result.adopted} found for unfinished creates" if result.adopted else "")
            )
            problems = [f"{i}: {why}" for i, why in {**done.failed, **result.skipped}.items()]
            problems += result.errors
            for problem in problems:
                say(scrub(f"{name}: NOT settled: {problem}"))
            clean = clean and not problems
        if journal.state.settled and not dry_run:
            path.unlink(missing_ok=True)
            say(f"{name}: settled, removed")
        elif not dry_run:
            clean = False
            say(f"{name}: kept ({len(journal.state.outstanding)} event(s) still open)")
    return clean
