"""``lower_case_headers`` (transports/speedups.py) reads requests' ``CaseInsensitiveDict``
storage directly; it must give what the public ``lower_items()`` gives, in both copies of
requests, and the same for a plain mapping."""

from __future__ import annotations

import pytest
from aliyunsdkcore.vendored.requests.structures import (
    CaseInsensitiveDict as VendoredCaseInsensitiveDict,
)
from hypothesis import given
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from pytest_ecs_events.transports.speedups import lower_case_headers

NAMES = st.text(alphabet="aAbBxX-_", min_size=1, max_size=6)
HEADERS = st.lists(st.tuples(NAMES, st.text(max_size=5)), max_size=8)


@pytest.mark.parametrize("kind", [CaseInsensitiveDict, VendoredCaseInsensitiveDict])
@given(pairs=HEADERS)
def test_the_storage_read_equals_the_public_route(kind: type, pairs: list[tuple[str, str]]) -> None:
    headers = kind()
    for name, value in pairs:
        headers[name] = value
    assert lower_case_headers(headers) == dict(headers.lower_items())


@given(pairs=HEADERS)
def test_a_plain_mapping_is_lower_cased(pairs: list[tuple[str, str]]) -> None:
    plain = dict(pairs)
    assert lower_case_headers(plain) == {k.lower(): v for k, v in plain.items()}
