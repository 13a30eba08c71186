"""The rules of the instance actions around events: StartInstances / StopInstances batches,
ModifyInstanceAttribute's checks, and what a status change does to StartTime and StoppedMode.

Pure functions of the records, so :class:`~.simulation.Simulation` keeps only thin methods
that call them under its lock. Every check raises the API's own error before anything changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .catalog import InstanceStatus
from .errors import EcsApiError
from .images import image
from .instance_types import instance_type
from .lazy import pattern_on_first_use
from .models import Instance

__all__ = [
    "MAX_SECURITY_GROUPS",
    "MODIFIABLE",
    "check_batch",
    "check_batch_size",
    "check_changes",
    "malformed_ids",
    "note_status",
    "stopped_mode_for",
]

MSG_INCORRECT_STATUS = "The current status of the resource does not support this operation."
#: Security groups one instance may join (the default quota of a VPC instance's ENI).
MAX_SECURITY_GROUPS = 5
#: ModifyInstanceAttribute's changes: Instance field (or None: checked, not kept) by key.
MODIFIABLE: Mapping[str, str | None] = {
    "instance_name": "name",
    "description": "description",
    "host_name": "host_name",
    "password": None,
    "user_data": "user_data",
    "deletion_protection": "deletion_protection",
    "security_group_ids": "security_group_ids",
    "credit_specification": "credit_specification",
    "network_interface_queue_number": None,
    "enable_jumbo_frame": "jumbo_frame",
    "cpu_options": None,
}
_ID = pattern_on_first_use(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_NAME_TAIL = pattern_on_first_use(r"[\w:\-]*")
_HOST_SEGMENT = pattern_on_first_use(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
_WINDOWS_HOST = pattern_on_first_use(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*")
_PASSWORD_SPECIAL = set("()`~!@#$%^&*-_+=|{}[]:;'<>,.?/\\\"")
#: Raw user data may be 32 KiB; Base64 makes that 4/3 as long.
MAX_USER_DATA = 32 * 1024 * 4 // 3 + 4
CREDIT_MODES = ("Standard", "Unlimited")


def malformed_ids(ids: Sequence[str]) -> list[str]:
    """The instance ids that cannot be ids at all (blank, spaces, commas, brackets, too long):
    ``Abs.InvalidInstanceIds.MalFormed`` rather than "not found"."""
    return [i for i in ids if not _ID().fullmatch(i)]


def stopped_mode_for(instance: Instance, requested: str | None) -> str:
    """The StoppedMode a stop leaves: StopCharging only for a pay-as-you-go VPC instance that
    asks for it (the API stops any other instance in KeepCharging without an error)."""
    if requested == "StopCharging" and instance.charge_type == "PostPaid":
        return "StopCharging"
    return "KeepCharging"


def note_status(
    instance: Instance, old: InstanceStatus, new: InstanceStatus, now: datetime
) -> None:
    """What a status change does besides the status: a start sets StartTime, a running
    instance has no StoppedMode, a stop keeps the mode it was asked for (KeepCharging if
    none, e.g. an event stopped it)."""
    if new is InstanceStatus.Running:
        if old is InstanceStatus.Starting:
            instance.started_at = now
        instance.stopped_mode = "Not-applicable"
    elif new is InstanceStatus.Stopped and instance.stopped_mode == "Not-applicable":
        instance.stopped_mode = "KeepCharging"


def check_batch_size(ids: Sequence[str], limit: int) -> None:
    """A batch names at least one instance and at most ``limit`` distinct ones."""
    if not ids:
        raise EcsApiError(
            "MissingParameter",
            'The input parameter "InstanceId.1" that is mandatory for processing this '
            "request is not supplied.",
            400,
        )
    if len(set(ids)) > limit:
        raise EcsApiError(
            "InvalidParameter.TooManyInstanceIds",
            f"The number of InstanceId exceeds the limit of {limit}.",
            403,
        )


def check_batch(
    ids: Sequence[str],
    instances: Sequence[Instance | None],
    needed: InstanceStatus,
    *,
    dry_run: bool,
    all_together: bool,
) -> list[Instance]:
    """StartInstances / StopInstances checks, in the service's order; the instances found.

    ``instances`` holds the live instance of each distinct id in order (None if missing).
    With SuccessFirst a dry run answers DRYRUN.SUCCESS whatever the instances are.
    """
    if dry_run and not all_together:
        raise EcsApiError(
            "DRYRUN.SUCCESS", "This request is a dryrun request with successful result.", 400
        )
    bad = malformed_ids(ids)
    if bad:
        raise EcsApiError(
            "Abs.InvalidInstanceIds.MalFormed", "The specified instanceIds is not valid.", 403
        )
    distinct = list(dict.fromkeys(ids))
    missing = [i for i, found in zip(distinct, instances, strict=True) if found is None]
    if missing:
        raise EcsApiError(
            "InvalidInstanceIds.NotFound",
            f"The specified InstanceIds does not exist: {', '.join(missing)}",
            404,
        )
    found = [i for i in instances if i is not None]
    wrong = [i for i in found if i.status is not needed]
    if wrong and all_together:
        raise EcsApiError(
            "IncorrectInstanceStatus",
            f"{MSG_INCORRECT_STATUS} Not {needed.value}: "
            + ", ".join(f"{i.instance_id} ({i.status.value})" for i in wrong),
            403,
        )
    if dry_run:
        raise EcsApiError(
            "DRYRUN.SUCCESS", "This request is a dryrun request with successful result.", 400
        )
    return found


def _invalid(what: str, value: object, rule: str) -> str:
    return f"The specified {what} {value!r} is not valid: {rule}"


def _needs(instance: Instance, what: str, allowed: set[InstanceStatus]) -> None:
    if instance.status not in allowed:
        raise EcsApiError(
            "IncorrectInstanceStatus",
            f"{MSG_INCORRECT_STATUS} Changing {what} needs the instance "
            f"{' or '.join(sorted(s.value for s in allowed))}; {instance.instance_id} is "
            f"{instance.status.value}.",
            403,
        )


def _no_url(value: str) -> bool:
    return not value.lower().startswith(("http://", "https://"))


def check_name(value: str) -> None:
    """InstanceName: 2 to 128 characters, a letter first, then letters, digits, colons,
    underscores and hyphens; not a URL."""
    if not (2 <= len(value) <= 128 and value[0].isalpha() and _no_url(value)
            and _NAME_TAIL().fullmatch(value[1:])):  # fmt: skip
        rule = "2 to 128 characters, a letter first; letters, digits, ':', '_', '-'; not a URL"
        raise EcsApiError(
            "InvalidInstanceName.Malformed", _invalid("InstanceName", value, rule), 400
        )


def check_host_name(value: str, *, windows: bool) -> None:
    """HostName: Windows 2 to 15 characters, letters, digits and single inner hyphens, not
    only digits; others 2 to 64, dot-separated segments of letters, digits and single inner
    hyphens."""
    if windows:
        ok = 2 <= len(value) <= 15 and bool(_WINDOWS_HOST().fullmatch(value))
        ok = ok and not value.isdigit()
        rule = "2 to 15 letters, digits and inner single hyphens, not only digits (Windows)"
    else:
        ok = 2 <= len(value) <= 64 and all(_HOST_SEGMENT().fullmatch(s) for s in value.split("."))
        rule = ("2 to 64 characters: segments of letters, digits and inner single hyphens, "
                "separated by single periods")  # fmt: skip
    if not ok:
        raise EcsApiError("InvalidHostName.Malformed", _invalid("HostName", value, rule), 400)


def check_password(value: str, *, windows: bool) -> None:
    """Password: 8 to 30 characters of at least three kinds (upper, lower, digit, special
    from the documented set); a Windows password does not start with '/'."""
    kinds = [
        any(c.isupper() for c in value),
        any(c.islower() for c in value),
        any(c.isdigit() for c in value),
        any(c in _PASSWORD_SPECIAL for c in value),
    ]
    allowed = all(c.isascii() and (c.isalnum() or c in _PASSWORD_SPECIAL) for c in value)
    if not (8 <= len(value) <= 30 and sum(kinds) >= 3 and allowed) or (
        windows and value.startswith("/")
    ):
        # The password itself is never echoed back.
        raise EcsApiError(
            "InvalidPassword.Malformed",
            "The specified parameter Password is not valid: 8 to 30 characters with at least "
            "three of upper-case letters, lower-case letters, digits and special characters.",
            400,
        )


def check_changes(instance: Instance, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The Instance fields to set for ModifyInstanceAttribute's ``changes`` (keys of
    :data:`MODIFIABLE`, None values ignored); EcsApiError for the first bad one."""
    unknown = set(changes) - set(MODIFIABLE)
    if unknown:
        raise ValueError(f"unknown instance attribute(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in changes.items() if v is not None}
    windows = image(instance.image_id).os_type == "windows"
    anything = set(InstanceStatus)
    if "instance_name" in given:
        check_name(given["instance_name"])
    if "description" in given:
        value = given["description"]
        if not (2 <= len(value) <= 256 and _no_url(value)):
            rule = "2 to 256 characters, not http:// or https://"
            raise EcsApiError(
                "InvalidDescription.Malformed", _invalid("Description", value, rule), 400
            )
    if "host_name" in given:
        check_host_name(given["host_name"], windows=windows)
        _needs(instance, "HostName", anything - {InstanceStatus.Pending, InstanceStatus.Starting})
    if "password" in given:
        check_password(given["password"], windows=windows)
        _needs(instance, "Password", anything - {InstanceStatus.Starting})
    if "user_data" in given:
        if len(given["user_data"]) > MAX_USER_DATA:
            raise EcsApiError("InvalidUserData.SizeExceeded",
                              "The specified parameter UserData exceeds the size limit of 32 KB.",
                              400)  # fmt: skip
        _needs(instance, "UserData", {InstanceStatus.Stopped})
    if "security_group_ids" in given:
        groups = tuple(given["security_group_ids"])
        if len(set(groups)) != len(groups):
            raise EcsApiError(
                "InvalidSecurityGroupId.Duplicated",
                "The specified SecurityGroupIds contain duplicates.",
                400,
            )
        if len(groups) > MAX_SECURITY_GROUPS:
            raise EcsApiError("InvalidSecurityGroupId.MultiGroupLimit",
                              f"An instance can join at most {MAX_SECURITY_GROUPS} security "
                              "groups.", 403)  # fmt: skip
        bad = [g for g in groups if not g.startswith("sg-")]
        if bad:
            raise EcsApiError(
                "InvalidSecurityGroupId.NotFound",
                f"The specified SecurityGroupId does not exist: {bad[0]}",
                404,
            )
        given["security_group_ids"] = groups
    if "credit_specification" in given:
        value = given["credit_specification"]
        if value not in CREDIT_MODES:
            rule = "Standard or Unlimited"
            raise EcsApiError("InvalidParameter", _invalid("CreditSpecification", value, rule), 400)
        if not instance_type(instance.instance_type).family.startswith(("ecs.t5", "ecs.t6")):
            raise EcsApiError("InvalidInstanceType.NotSupportCredit",
                              f"The instance type {instance.instance_type} is not a burstable "
                              "type: CreditSpecification does not apply.", 403)  # fmt: skip
    if "network_interface_queue_number" in given:
        _needs(instance, "NetworkInterfaceQueueNumber", {InstanceStatus.Stopped})
    if "cpu_options" in given:
        _needs(instance, "CpuOptions", {InstanceStatus.Stopped})
    if "enable_jumbo_frame" in given:
        _needs(instance, "EnableJumboFrame", {InstanceStatus.Running, InstanceStatus.Stopped})
    return {MODIFIABLE[k]: v for k, v in given.items() if MODIFIABLE[k] is not None}  # type: ignore[misc]
