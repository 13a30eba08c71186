"""MNS RequestIds (mns/request_ids.py): the form of ``uuid4().hex[:24].upper()``, unique."""

from __future__ import annotations

import os
import re
import warnings

import pytest

from pytest_ecs_events.mns.request_ids import new_request_id


def test_request_ids_have_the_form_and_are_unique() -> None:
    ids = [new_request_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    for request_id in ids:
        # 24 upper-case hex digits; the 13th is a version-4 UUID's "4", the 17th its variant
        assert re.fullmatch(r"[0-9A-F]{12}4[0-9A-F]{3}[89AB][0-9A-F]{7}", request_id)


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
    assert len(child) == 24
    assert child[:17] != parent[:17]  # another prefix
