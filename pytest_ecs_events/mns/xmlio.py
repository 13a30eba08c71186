"""MNS's XML: the documents the service answers with, and the request bodies it reads.

Every document is in the namespace ``http://mns.aliyuncs.com/doc/v1/``. The SDK's decoders
(``mns/mns_xml_handler.py``) read child elements by name and fail on an empty element in
``ListQueue`` answers, so elements without a value are left out there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.etree import ElementTree

from ..core.errors import EcsApiError

__all__ = ["XMLNS", "document", "list_document", "parse", "text_items"]

XMLNS = "http://mns.aliyuncs.com/doc/v1/"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'

Value = str | int | bool


def escape(text: str) -> str:
    """XML character data (what xml.sax.saxutils.escape does, without importing
    urllib.request with it)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return escape(str(value))


def _fields(fields: Mapping[str, Value]) -> str:
    return "".join(f"<{k}>{_text(v)}</{k}>" for k, v in fields.items())


def document(root: str, fields: Mapping[str, Value]) -> bytes:
    """``<root xmlns=...><k>v</k>...</root>``."""
    return (f'{_HEAD}<{root} xmlns="{XMLNS}">{_fields(fields)}</{root}>').encode()


def list_document(
    root: str, item: str, items: Iterable[Mapping[str, Value]], tail: Mapping[str, Value] = {}
) -> bytes:
    """``<root xmlns=...><item>...</item>...(tail fields)</root>``."""
    inner = "".join(f"<{item}>{_fields(fields)}</{item}>" for fields in items)
    return (f'{_HEAD}<{root} xmlns="{XMLNS}">{inner}{_fields(tail)}</{root}>').encode()


def malformed() -> EcsApiError:
    return EcsApiError("MalformedXML", "The XML you provided was not well-formed.", 400)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes, roots: tuple[str, ...]) -> ElementTree.Element:
    """The root element of ``body``, which must be one of ``roots`` (namespace ignored)."""
    if not body.strip():
        raise malformed()
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise malformed() from None
    if _local(root.tag) not in roots:
        raise EcsApiError(
            "InvalidArgument",
            f"The XML you provided did not validate against our published schema, cause by "
            f"Element {_local(root.tag)}.",
            400,
        )
    return root


def text_items(element: ElementTree.Element) -> dict[str, str]:
    """The child elements of ``element`` as ``{name: text}`` (an empty element is "")."""
    return {_local(child.tag): (child.text or "") for child in element}


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element if _local(child.tag) == name]
