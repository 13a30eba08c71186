"""Tags on the account's resources: the rules TagResources and UntagResources check, and the
all-or-nothing change they make.

Tags are their own concern: they change no event or instance status, so the rule book
(``core/simulation.py``) only takes the lock, calls :func:`tag` or :func:`untag` and counts
the change. Instances and disks keep their tags as a read-only mapping that a new one
replaces, so a reader holding the old mapping never sees it change under it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

from .errors import EcsApiError
from .store import Store

#: Tags one resource may carry (TagResources, "Tag limits").
MAX_TAGS_PER_RESOURCE = 20
#: Resource ids and tags one call may name.
MAX_RESOURCE_IDS = 50
MAX_TAGS_PER_CALL = 20
MAX_KEY_LENGTH = 128
MAX_VALUE_LENGTH = 128
#: Prefixes reserved for the cloud's own tags; checked without regard to case (our choice).
RESERVED_KEY_PREFIXES = ("aliyun", "acs:")
FORBIDDEN_PARTS = ("http://", "https://")

#: The ResourceType values the tag actions document.
RESOURCE_TYPES = (
    "instance", "disk", "snapshot", "image", "securitygroup", "volume", "eni", "ddh",
    "ddhcluster", "keypair", "launchtemplate", "reservedinstance", "snapshotpolicy",
    "elasticityassurance", "capacityreservation", "command", "invocation", "activation",
    "managedinstance",
)  # fmt: skip
#: The types the simulator keeps records of; the others exist, but the account has none.
SIMULATED_TYPES = ("instance", "disk")

MSG_KEY_MALFORMED = "The specified Tag.n.Key is not valid."
MSG_VALUE_MALFORMED = "The specified Tag.n.Value is not valid."
MSG_RESOURCE_NOT_FOUND = "The specified ResourceIds are not found in our records."
MSG_TYPE_NOT_FOUND = "The ResourceType provided does not exist in our records."
MSG_QUOTA = "The quota of tags on resource is beyond permitted range."
MSG_DUPLICATE = "The Tag.N.Key contain duplicate key."
MSG_TOO_MANY_TAGS = "The Tags parameter's number is exceed , Valid : 20"
MSG_TOO_MANY_IDS = "The ResourceIds parameter's number is exceed , Valid : 50"


class Tagged(Protocol):
    """A record that carries tags (an Instance or a Disk)."""

    region: str
    released: bool
    tags: Mapping[str, str]
    revision: int


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a tag key (None if it can)."""
    if not key:
        return "a tag key cannot be empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"a tag key has at most {MAX_KEY_LENGTH} characters"
    if key.lower().startswith(RESERVED_KEY_PREFIXES):
        return "a tag key cannot start with aliyun or acs:"
    if any(part in key.lower() for part in FORBIDDEN_PARTS):
        return "a tag key cannot contain http:// or https://"
    return None


def value_problem(value: str) -> str | None:
    """Why ``value`` cannot be a tag value (None if it can; the empty string can)."""
    if len(value) > MAX_VALUE_LENGTH:
        return f"a tag value has at most {MAX_VALUE_LENGTH} characters"
    if any(part in value.lower() for part in FORBIDDEN_PARTS):
        return "a tag value cannot contain http:// or https://"
    return None


def check_new_tags(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The tags of a TagResources call as a mapping, or the API's refusal."""
    if len(pairs) > MAX_TAGS_PER_CALL:
        raise EcsApiError("NumberExceed.Tags", MSG_TOO_MANY_TAGS, 400)
    tags: dict[str, str] = {}
    for key, value in pairs:
        problem = key_problem(key)
        if problem is not None:
            raise EcsApiError("InvalidTagKey.Malformed", f"{MSG_KEY_MALFORMED} ({problem})", 400)
        problem = value_problem(value)
        if problem is not None:
            raise EcsApiError(
                "InvalidTagValue.Malformed", f"{MSG_VALUE_MALFORMED} ({problem})", 400
            )
        if key in tags:
            raise EcsApiError("Duplicate.TagKey", MSG_DUPLICATE, 400)
        tags[key] = value
    return tags


def check_keys(keys: Sequence[str]) -> list[str]:
    """The keys of an UntagResources call, or the API's refusal."""
    if len(keys) > MAX_TAGS_PER_CALL:
        raise EcsApiError("NumberExceed.Tags", MSG_TOO_MANY_TAGS, 400)
    if len(set(keys)) != len(keys):
        raise EcsApiError("Duplicate.TagKey", MSG_DUPLICATE, 400)
    for key in keys:
        if len(key) > MAX_KEY_LENGTH:
            raise EcsApiError("InvalidTagKey.Malformed", MSG_KEY_MALFORMED, 400)
    return list(keys)


def check_resource_type(resource_type: str) -> str:
    if resource_type not in RESOURCE_TYPES:
        raise EcsApiError("InvalidResourceType.NotFound", MSG_TYPE_NOT_FOUND, 404)
    return resource_type


def all_resources(store: Store, resource_type: str) -> Iterable[tuple[str, Tagged]]:
    """Every live resource of a type, with its id, in creation order."""
    if resource_type == "instance":
        return ((i, r) for i, r in store.instances.items() if not r.released)
    if resource_type == "disk":
        return ((i, r) for i, r in store.disks.items() if not r.released)
    return ()


def find_resources(
    store: Store, resource_type: str, resource_ids: Sequence[str], region: str
) -> list[Tagged]:
    """The live resources of ``resource_ids`` in the region, or InvalidResourceId.NotFound."""
    if len(resource_ids) > MAX_RESOURCE_IDS:
        raise EcsApiError("NumberExceed.ResourceIds", MSG_TOO_MANY_IDS, 400)
    kept: Mapping[str, Tagged] = (
        store.instances if resource_type == "instance"
        else store.disks if resource_type == "disk"
        else {}
    )  # fmt: skip
    found: list[Tagged] = []
    for resource_id in dict.fromkeys(resource_ids):
        resource = kept.get(resource_id)
        if resource is None or resource.released or resource.region != region:
            raise EcsApiError(
                "InvalidResourceId.NotFound", f"{MSG_RESOURCE_NOT_FOUND} {resource_id}", 404
            )
        found.append(resource)
    return found


def tag(resources: Sequence[Tagged], tags: Mapping[str, str]) -> bool:
    """Add or overwrite ``tags`` on every resource, or change none (OperationDenied.QuotaExceed
    when one would carry more than 20). True if anything changed."""
    merged = [{**resource.tags, **tags} for resource in resources]
    if any(len(m) > MAX_TAGS_PER_RESOURCE for m in merged):
        raise EcsApiError("OperationDenied.QuotaExceed", MSG_QUOTA, 400)
    return _replace(resources, merged)


def untag(resources: Sequence[Tagged], keys: Sequence[str] | None) -> bool:
    """Remove ``keys`` (every tag when None) from every resource; absent keys are ignored.
    True if anything changed."""
    gone = None if keys is None else set(keys)
    kept = [
        {} if gone is None else {k: v for k, v in resource.tags.items() if k not in gone}
        for resource in resources
    ]
    return _replace(resources, kept)


def _replace(resources: Sequence[Tagged], new_tags: Sequence[dict[str, str]]) -> bool:
    changed = False
    for resource, tags in zip(resources, new_tags, strict=True):
        if tags != dict(resource.tags):
            resource.tags = MappingProxyType(tags)
            resource.revision += 1
            changed = True
    return changed
