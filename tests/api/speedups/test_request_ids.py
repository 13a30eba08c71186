"""RequestIds (api/speedups/request_ids.py), made ahead in batches: the RPC APIs' unique
version-4 UUIDs, MNS's ``uuid4().hex[:24].upper()``; a forked child never repeats them."""

from __future__ import annotations

import os
import re
import uuid
import warnings
from collections.abc import Callable

import pytest

from pytest_ecs_events.api.speedups.request_ids import new_mns_request_id, new_request_id

#: Each pool, the form of its ids, and how long a prefix a process keeps.
POOLS = [
    pytest.param(
        new_request_id,
        r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}",
        23,
        id="rpc",
    ),
    # 24 upper-case hex digits; the 13th is a version-4 UUID's "4", the 17th its variant
    pytest.param(new_mns_request_id, r"[0-9A-F]{12}4[0-9A-F]{3}[89AB][0-9A-F]{7}", 17, id="mns"),
]


@pytest.mark.parametrize(("new_id", "form", "prefix"), POOLS)
def test_request_ids_have_their_form_and_are_unique(
    new_id: Callable[[], str], form: str, prefix: int
) -> None:
    ids = [new_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(form, request_id) for request_id in ids)


def test_rpc_request_ids_are_version_4_uuids() -> None:
    for _ in range(300):  # across a batch's end
        request_id = new_request_id()
        parsed = uuid.UUID(request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed).upper() == request_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
@pytest.mark.parametrize(("new_id", "form", "prefix"), POOLS)
def test_a_forked_child_does_not_repeat_its_parents_request_ids(
    new_id: Callable[[], str], form: str, prefix: int
) -> None:
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns about forking while other threads run
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: send one id and leave at once
        os.write(write, new_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = new_id()
    assert re.fullmatch(form, child)
    assert child[:prefix] != parent[:prefix]  # another prefix
