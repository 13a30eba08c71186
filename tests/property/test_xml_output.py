"""For any JSON-shaped body, the XML answer is well-formed and reads back to the same data by
the nesting rules of :mod:`pytest_ecs_events.api.xml_output`."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.api.xml_output import (
    NESTED_LIST_ITEM,
    XML_DECLARATION,
    encode_xml,
    xml_scalar,
)

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True)
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=20) | st.text(
    "<>&\r\n\t\x00\x01\x1f ]\ufffe\ud800a", max_size=10
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=25,
)
bodies = st.dictionaries(names, values, max_size=6)


def _expected(value: Any) -> Any:
    """What the XML of ``value`` reads back as: a dict where an element has children, a list
    where a name repeats, the text ("" for none) where it has no children."""
    if isinstance(value, dict):
        members: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, list):
                read = [_expected(each) for each in item]
                if read:
                    members[key] = read if len(read) > 1 else read[0]
            else:
                members[key] = _expected(item)
        return members or ""
    if isinstance(value, list):  # a list inside a list: its items under NESTED_LIST_ITEM
        return _expected({NESTED_LIST_ITEM: value})
    return _FORBIDDEN.sub("\ufffd", xml_scalar(value))


def _read(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return element.text or ""
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(child.tag, []).append(_read(child))
    return {tag: read if len(read) > 1 else read[0] for tag, read in grouped.items()}


@given(bodies)
def test_xml_is_well_formed_and_reads_back_to_the_same_data(body: dict[str, Any]) -> None:
    document = encode_xml("DescribeThingsResponse", body)
    text = document.decode("utf-8")  # valid UTF-8: no lone surrogate left
    assert text.startswith(XML_DECLARATION)
    root = ET.fromstring(document)  # expat refuses anything not well-formed
    assert root.tag == "DescribeThingsResponse"
    assert _read(root) == _expected(body)
