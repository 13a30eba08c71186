"""RequestIds (api/speedups/request_ids.py): unique version-4 UUIDs, made ahead in batches."""

from __future__ import annotations

import os
import uuid
import warnings

import pytest

from pytest_ecs_events.api.speedups.request_ids import new_request_id


def test_request_ids_are_unique_version_4_uuids() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for request_id in ids[:100]:
        parsed = uuid.UUID(request_id)
        assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)
        assert str(parsed).upper() == request_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_does_not_repeat_its_parents_request_ids() -> None:
    read, write = os.pipe()
    with warnings.catch_warnings():  # 3.12+ warns about forking while other threads run
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: send one id and leave at once
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    parent = new_request_id()
    assert uuid.UUID(child).version == 4
    assert child[:23] != parent[:23]  # another prefix
