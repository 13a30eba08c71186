"""The ``/_sim/`` control API: tests written in any language drive the simulated account.

Advance the clock, add instances, create, inject or cancel events, reboot, stop or start an
instance, list events, instances and calls, read the clock, reset; and, for the web console,
a cheap version to poll and the timeline's data. Arguments come as a JSON object body, a
form body or the query; every answer is a JSON object. Bad input is a 4xx
:class:`~.replies.Reply` and changes nothing. The routes are in
:data:`~.routes.CONTROL_ROUTES`; docs/server.md shows them in use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from ...api.calls import ApiCall
from ...core.changes import Change
from ...core.clock import format_api_time, parse_datetime, parse_duration
from ...core.errors import EcsApiError
from ...core.lifecycle import Transition
from ...core.models import Instance, SystemEvent
from ...core.provisioning import INSTANCE_ATTRIBUTES
from ...core.timeline import fields_of, is_failure, subject_of, summary_of, value_of
from .framing import FORM, MAX_FIELDS, media_type
from .protocols import ClockFollower, SimulatedAccount
from .replies import Reply
from .routes import control_endpoint

__all__ = [
    "MAX_TIMELINE_CHANGES",
    "ControlApi",
    "call_json",
    "change_json",
    "event_json",
    "instance_json",
    "transition_json",
]

Args = dict[str, Any]

#: Changes in one ``/_sim/timeline`` answer; a longer history comes in several (``more``).
MAX_TIMELINE_CHANGES = 2000
#: Kinds ``/_sim/timeline`` leaves out of ``changes``: the calls have ``/_sim/calls``, the
#: events come whole (with their history) in ``events``.
_NOT_CHANGES = frozenset({"call", "event"})
_CURSOR = re.compile(r"([0-9a-f]{1,16}):([0-9]{1,12})")


# --------------------------------------------------------------------------- JSON views
def _iso(value: datetime | None) -> str | None:
    return None if value is None else format_api_time(value)


def event_json(event: SystemEvent) -> dict[str, Any]:
    """An event as ``GET /_sim/events`` lists it."""
    return {
        "event_id": event.event_id,
        "instance_id": event.instance_id,
        "event_type": event.event_type,
        "state": event.state.value,
        "not_before": _iso(event.not_before),
        "publish_time": _iso(event.publish_time),
        "finish_time": _iso(event.finish_time),
        "simulated": event.simulated,
        "region": event.region,
        "reason": event.reason,
        "history": [{"time": _iso(when), "state": state.value} for when, state in event.history],
    }


def instance_json(instance: Instance) -> dict[str, Any]:
    """An instance as ``GET /_sim/instances`` lists it."""
    return {
        "instance_id": instance.instance_id,
        "region": instance.region,
        "zone": instance.zone,
        "name": instance.name,
        "status": instance.status.value,
        "tags": dict(instance.tags),
        "instance_type": instance.instance_type,
        "image_id": instance.image_id,
        "host_name": instance.host_name,
        "description": instance.description,
        "vpc_id": instance.vpc_id,
        "vswitch_id": instance.vswitch_id,
        "private_ip": instance.private_ip,
        "public_ip": instance.public_ip,
        "eip": instance.eip_address,
        "security_group_ids": list(instance.security_group_ids),
        "charge_type": instance.charge_type,
        "expired_time": _iso(instance.expired_at) if instance.expired_at else None,
        "resource_group_id": instance.resource_group_id,
        "deletion_protection": instance.deletion_protection,
        "key_pair_name": instance.key_pair_name,
        "internet_max_bandwidth_out": instance.internet_max_bandwidth_out,
        "creation_time": _iso(instance.created_at) if instance.created_at else None,
    }


def transition_json(transition: Transition) -> dict[str, Any]:
    """A state change as ``POST /_sim/advance`` reports it."""
    return {
        "time": _iso(transition.time),
        "event_id": transition.event_id,
        "instance_id": transition.instance_id,
        "event_type": transition.event_type,
        "from": transition.old_state.value if transition.old_state else None,
        "to": transition.new_state.value,
    }


def _old_value(change: Change) -> str | None:
    """What a change changed from: its ``old_*`` field, else ``old`` (None: nothing)."""
    fields = fields_of(change)
    names = [n for n in fields if n.startswith("old_")] or [n for n in ("old",) if n in fields]
    if not names:
        return None
    old = fields[names[0]]
    old = getattr(old, "value", old)  # an enum
    return None if old is None or old == "" else str(old)


def change_json(change: Change) -> dict[str, Any]:
    """A recorded change as ``GET /_sim/timeline`` lists it: the readings every kind shares
    (docs/timeline.md) and a one-line summary."""
    return {
        "time": _iso(change.time),
        "kind": change.kind,
        "instance_id": change.instance_id,
        "subject": subject_of(change),
        "value": value_of(change),
        "old": _old_value(change),
        "failure": is_failure(change),
        "summary": summary_of(change),
    }


def call_json(call: ApiCall) -> dict[str, Any]:
    """An answered API call as ``GET /_sim/calls`` lists it."""
    return {
        "action": call.action,
        "params": dict(call.params),
        "status": call.status,
        "error_code": call.error_code,
        "time": _iso(call.time),
        "request_id": call.request_id,
    }


# -------------------------------------------------------------------------- the endpoints
class ControlApi:
    """The control API over one account: :meth:`answer` takes a request, gives a JSON object.

    ``follower`` (the server's wall-clock follower, if any) is what ``advance`` moves, so that
    an advanced clock keeps ticking; ``reset`` builds the fresh account ``POST /_sim/reset``
    switches to (None: reset is refused, the account belongs to a test).
    """

    def __init__(
        self,
        account: SimulatedAccount,
        *,
        follower: ClockFollower | None = None,
        reset: Callable[[], SimulatedAccount] | None = None,
    ) -> None:
        self.account = account
        self.follower = follower
        self._reset = reset

    def answer(
        self, method: str, path: str, query: Mapping[str, str], body: bytes, content_type: str
    ) -> dict[str, Any]:
        """The answer to ``method path``; raises a :class:`Reply` for anything refused."""
        path = path.rstrip("/") or "/"
        endpoint: Callable[[Args], dict[str, Any]] = getattr(self, control_endpoint(method, path))
        args = self._arguments(path, query, body, media_type(content_type))
        try:
            return endpoint(args)
        except Reply:
            raise
        except EcsApiError as exc:
            raise Reply(exc.status, exc.code, exc.message) from None
        except (ValueError, TypeError, KeyError, OverflowError) as exc:
            raise Reply(400, "InvalidParameter", f"{path}: {exc}") from None
        except RecursionError:  # a value nested too deeply to compare or copy
            raise Reply(400, "InvalidParameter", f"{path}: a value is nested too deeply.") from None

    # -- arguments ---------------------------------------------------------------------------
    @staticmethod
    def _arguments(path: str, query: Mapping[str, str], body: bytes, content_type: str) -> Args:
        args: Args = dict(query)
        text = body.strip()
        if not text:
            return args
        # curl -d '{...}' sends a form content type: a body that looks like JSON is JSON
        if content_type == FORM and not text.startswith(b"{"):
            try:
                form = parse_qsl(
                    text.decode("utf-8"),
                    keep_blank_values=True,
                    errors="strict",
                    max_num_fields=MAX_FIELDS,
                )
            except (UnicodeError, ValueError):
                raise Reply(
                    400, "InvalidParameter.Encoding", "The form body is not valid UTF-8 form data."
                ) from None
            args.update(form)
            return args
        try:
            data = json.loads(text.decode("utf-8"))
        except RecursionError:  # not a ValueError: deep nesting exhausts the parser's stack
            raise Reply(
                400,
                "InvalidParameter.Json",
                f"The body of {path} is nested too deeply; send a flat JSON object, for "
                'example {"by": "2h"}.',
            ) from None
        except (UnicodeError, ValueError):
            raise Reply(
                400,
                "InvalidParameter.Json",
                f"The body of {path} must be a JSON object, for example "
                '{"by": "2h"}; it is not valid JSON.',
            ) from None
        if not isinstance(data, dict):
            raise Reply(
                400,
                "InvalidParameter.Json",
                f"The body of {path} must be a JSON object, got {type(data).__name__}.",
            )
        args.update(data)
        return args

    @staticmethod
    def _text(args: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
        value = args.get(name)
        if value is None or value == "":
            if required:
                raise Reply(400, "MissingParameter", f'The parameter "{name}" is required.')
            return None
        if not isinstance(value, str):
            raise Reply(400, "InvalidParameter", f'"{name}" must be a string, got {value!r}.')
        return value

    @staticmethod
    def _ids(args: Mapping[str, Any], what: str) -> list[str]:
        """``<what>_ids`` (a list of ids) or ``<what>_id`` (one), required."""
        ids = args.get(f"{what}_ids", args.get(f"{what}_id"))
        if isinstance(ids, str):
            ids = [ids]
        if not ids or not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise Reply(
                400,
                "MissingParameter",
                f'"{what}_ids" (a list of {what} ids) or "{what}_id" is required.',
            )
        return ids

    @staticmethod
    def _unknown(args: Mapping[str, Any], allowed: Iterable[str]) -> None:
        extra = sorted(set(args) - set(allowed))
        if extra:
            raise Reply(
                400,
                "InvalidParameter",
                f"Unknown parameter(s) {', '.join(map(repr, extra))}; expected some of "
                f"{', '.join(sorted(allowed))}.",
            )

    # -- endpoints ---------------------------------------------------------------------------
    def advance(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ("by", "to"))
        by, to = args.get("by"), self._text(args, "to")
        if (by is None) == (to is None):
            raise Reply(
                400,
                "MissingParameter",
                'Give exactly one of "by" (a duration such as "2h", or seconds) '
                'or "to" (an ISO 8601 time such as "2030-01-01T00:00:00Z").',
            )
        if isinstance(by, bool) or not isinstance(by, (str, int, float, type(None))):
            raise Reply(400, "InvalidParameter", f'"by" must be a duration, got {by!r}.')
        delta = parse_duration(by) if by is not None else None
        target = parse_datetime(to) if to is not None else None
        # The account refuses to go backwards (ValueError -> 400 with its message).
        mover = self.follower if self.follower is not None else self.account
        applied = mover.advance(delta, to=target)
        return {
            "now": _iso(self.account.now),
            "transitions": [transition_json(t) for t in applied],
        }

    def add_instance(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ("instance_id", "name", "region", "zone", "status", "tags",
                             *INSTANCE_ATTRIBUTES))  # fmt: skip
        tags = args.get("tags")
        if tags is not None and not (
            isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())
        ):
            raise Reply(
                400,
                "InvalidParameter",
                '"tags" must be an object of strings, {"team": "sre"} for example.',
            )
        # The attributes are checked by add_instance itself (ValueError -> 400 naming one).
        attributes = {k: args[k] for k in INSTANCE_ATTRIBUTES if k in args}
        instance = self.account.add_instance(
            self._text(args, "instance_id"),
            name=self._text(args, "name"),
            region=self._text(args, "region"),
            zone=self._text(args, "zone"),
            status=self._text(args, "status") or "Running",
            tags=tags,
            **attributes,
        )
        return {"instance": instance_json(instance)}

    def list_instances(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ())
        return {"instances": [instance_json(i) for i in self.account.instances]}

    def add_events(self, args: Args) -> dict[str, Any]:
        simulated = args.get("simulated", False)
        if isinstance(simulated, str):
            simulated = simulated.lower() in ("true", "1", "yes")
        if not isinstance(simulated, bool):
            raise Reply(
                400, "InvalidParameter", f'"simulated" must be true or false, got {simulated!r}.'
            )
        event_type = self._text(args, "event_type", required=True)
        assert event_type is not None
        not_before = self._text(args, "not_before")
        if simulated:
            self._unknown(
                args, ("simulated", "event_type", "instance_id", "instance_ids", "not_before")
            )
            ids = self._ids(args, "instance")
            events = self.account.create_events(event_type, ids, not_before or "+1h")
        else:
            self._unknown(
                args, ("simulated", "event_type", "instance_id", "not_before", "state", "reason")
            )
            instance_id = self._text(args, "instance_id", required=True)
            assert instance_id is not None
            events = [
                self.account.inject_event(
                    event_type,
                    instance_id,
                    not_before=not_before,
                    state=self._text(args, "state"),
                    reason=self._text(args, "reason"),
                )
            ]
        return {"events": [event_json(e) for e in events]}

    def list_events(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ("instance_id", "state", "event_type"))
        events = self.account.events(
            instance_id=self._text(args, "instance_id"),
            state=self._text(args, "state"),
            event_type=self._text(args, "event_type"),
        )
        return {"events": [event_json(e) for e in events]}

    def list_calls(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ("action",))
        action = self._text(args, "action")
        calls = self.account.calls
        return {"calls": [call_json(c) for c in calls if action is None or c.action == action]}

    def clock(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ())
        follower = self.follower
        return {
            "now": _iso(self.account.now),
            "follows_wall_clock": follower is not None,
            "offset_seconds": follower.offset.total_seconds() if follower else None,
        }

    def reset(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ())
        if self._reset is None:
            raise Reply(
                409,
                "OperationConflict",
                "This server serves the simulator of a test (the ecs_server fixture), which "
                "the test owns: reset is only available from `ecs-sim serve`.",
            )
        fresh = self._reset()
        self.account = fresh
        return {"now": _iso(fresh.now), "instances": [i.instance_id for i in fresh.instances]}

    # -- what the console's forms do ----------------------------------------------------------
    def cancel_events(self, args: Args) -> dict[str, Any]:
        self._unknown(args, ("event_ids", "event_id"))
        ids = self._ids(args, "event")
        # What CancelSimulatedSystemEvents does, its errors included (platform events too).
        return {"events": [event_json(e) for e in self.account.cancel_events(ids)]}

    def _instance_action(self, args: Args, act: Callable[[str], Instance]) -> dict[str, Any]:
        self._unknown(args, ("instance_id",))
        instance_id = self._text(args, "instance_id", required=True)
        assert instance_id is not None
        return {"instance": instance_json(act(instance_id))}

    def reboot_instance(self, args: Args) -> dict[str, Any]:
        return self._instance_action(args, self.account.reboot_instance)

    def stop_instance(self, args: Args) -> dict[str, Any]:
        return self._instance_action(args, self.account.stop_instance)

    def start_instance(self, args: Args) -> dict[str, Any]:
        return self._instance_action(args, self.account.start_instance)

    def version(self, args: Args) -> dict[str, Any]:
        """What the console polls: a token that changes with every change of state."""
        self._unknown(args, ())
        simulation = self.account.simulation
        return {
            "version": f"{id(simulation):x}-{simulation.mutations}",
            "now": _iso(self.account.now),
        }

    def timeline(self, args: Args) -> dict[str, Any]:
        """The console's chart, read from the simulator's recorder: every change since the
        account was made (instance statuses, command runs, backend health and weight...),
        and every event with its history.

        Polled, so it answers only what is new: ``since`` is the ``cursor`` of an earlier
        answer, and ``changes`` then holds the changes after it (``full`` false). A cursor
        of another account (after a reset) gets the whole history (``full`` true). At most
        :data:`MAX_TIMELINE_CHANGES` come at once; ``more`` says to ask again from
        ``cursor``.
        """
        self._unknown(args, ("since",))
        since = self._text(args, "since")
        simulation = self.account.simulation
        recorder = self.account.recorder
        source = f"{id(simulation):x}"
        count = recorder.mark()[0]
        start, full = 0, True
        if since is not None:
            match = _CURSOR.fullmatch(since)
            if match is None:
                raise Reply(
                    400,
                    "InvalidParameter",
                    '"since" must be the "cursor" of an earlier /_sim/timeline answer, '
                    f"got {since[:40]!r}.",
                )
            if match.group(1) == source:
                start, full = int(match.group(2)), False
                if start > count:
                    raise Reply(
                        400,
                        "InvalidParameter",
                        f'"since" is past the end of the recording ({count} changes).',
                    )
        taken = recorder.changes(start, limit=MAX_TIMELINE_CHANGES)
        end = start + len(taken)
        return {
            "now": _iso(self.account.now),
            "start": _iso(recorder.start),
            "cursor": f"{source}:{end}",
            "full": full,
            "more": end < count,
            "instances": [
                {
                    "instance_id": i.instance_id,
                    "name": i.name,
                    "status": i.status.value,
                    "creation_time": _iso(i.created_at),
                }
                for i in self.account.instances
            ],
            "changes": [change_json(c) for c in taken if c.kind not in _NOT_CHANGES],
            "events": [event_json(e) for e in self.account.events()],
        }

    def event_types(self, args: Args) -> dict[str, Any]:
        """The catalog's event types, for the console's forms to offer."""
        self._unknown(args, ())
        catalog = self.account.simulation.catalog
        return {
            "event_types": [
                {"name": name, "category": spec.category.value, "simulatable": spec.simulatable}
                for name, spec in sorted(catalog.event_types.items())
            ]
        }
