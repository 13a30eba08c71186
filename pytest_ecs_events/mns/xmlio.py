"""MNS's XML: the documents the service answers with, and the request bodies it reads.

Every document is in the namespace ``http://mns.aliyuncs.com/doc/v1/``. The SDK's decoders
(``mns/mns_xml_handler.py``) read child elements by name and fail on an empty element in
``ListQueue`` answers, so elements without a value are left out there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from xml.etree import ElementTree

from ..core.errors import EcsApiError

__all__ = [
    "XMLNS",
    "document",
    "flat_items",
    "list_document",
    "message_document",
    "message_text",
    "parse",
    "sdk_message_body",
    "sent_document",
    "sent_text",
    "text_items",
]

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
    """``"".join(f"<{k}>{_text(v)}</{k}>" ...)``: a plain ``int`` needs no escaping and a
    ``str`` without ``&``, ``<`` or ``>`` is its own escape, so only the rest is escaped
    (every answer document is made here). Held equal by tests/property/test_mns_general.py."""
    parts = []
    for k, v in fields.items():
        if type(v) is str:
            text = v if "&" not in v and "<" not in v and ">" not in v else escape(v)
        elif type(v) is int:
            text = str(v)
        else:
            text = _text(v)
        parts.append(f"<{k}>{text}</{k}>")
    return "".join(parts)


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


# -- the hot path: SendMessage's body in, a message's answers out ---------------------------
# A flat document as the SDKs write it (an optional declaration, the root, its namespace or
# none, then only ``<Name>text</Name>`` children) is read by two regular expressions; anything
# else (comments, attributes, nesting, CDATA, a character entity, a carriage return or any
# character XML refuses or expat might treat otherwise) goes through ElementTree, which then
# answers or refuses it exactly as before (and so does a long body, which expat reads
# faster than the regular expressions). Held equal to the ElementTree route by
# tests/property/test_mns_fast_paths.py.
_CHAR = r"[^<>&\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]"
_TEXT = rf"{_CHAR}*(?:&(?:amp|lt|gt|quot|apos);{_CHAR}*)*"
_FLAT = re.compile(
    r'(?:<\?xml version="1\.0" encoding="(?:utf|UTF)-8"\?>)?'
    rf'<([A-Za-z]+)(?: xmlns="{re.escape(XMLNS)}")?>'
    rf"((?:<([A-Za-z][A-Za-z0-9]*)>{_TEXT}</\3>)*)"
    r"</\1>"
)
_CHILD = re.compile(rf"<([A-Za-z][A-Za-z0-9]*)>({_TEXT})</\1>")
_FLAT_MAX = 4096
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}
_ENTITY = re.compile("&(?:amp|lt|gt|quot|apos);")


def _entity(match: re.Match[str]) -> str:
    return _ENTITIES[match.group()]


def flat_items(body: bytes, roots: tuple[str, ...]) -> dict[str, str]:
    """``text_items(parse(body, roots))``, the SDKs' flat documents read without ElementTree."""
    try:
        text = body.decode("utf-8") if len(body) <= _FLAT_MAX else ""
    except UnicodeDecodeError:
        text = ""
    match = _FLAT.fullmatch(text)
    if match is None or match.group(1) not in roots:
        return text_items(parse(body, roots))
    return {
        name: _ENTITY.sub(_entity, value) if "&" in value else value
        for name, value in _CHILD.findall(match.group(2))
    }


#: SendMessage's body as the MNS SDK writes it by default, around the message body.
_SDK_HEAD = f'<?xml version="1.0" encoding="utf-8"?><Message xmlns="{XMLNS}"><MessageBody>'.encode()
_SDK_TAIL = b"</MessageBody></Message>"


def sdk_message_body(body: bytes) -> str | None:
    """``flat_items(body, ("Message",))["MessageBody"]`` for the document the MNS SDK
    writes by default (the declaration, the root with its namespace, one ``MessageBody``
    whose text is printable and has no markup or entity), read by slicing; ``None`` for any
    other document (``flat_items`` reads it). Held equal to ``flat_items`` by
    tests/property/test_mns_fast_paths.py."""
    if len(body) > _FLAT_MAX or not body.startswith(_SDK_HEAD) or not body.endswith(_SDK_TAIL):
        return None
    try:
        text = body[len(_SDK_HEAD) : len(body) - len(_SDK_TAIL)].decode("utf-8")
    except UnicodeDecodeError:
        return None
    # isprintable() refuses every character _CHAR refuses (and tabs and line ends, which
    # flat_items then reads)
    if not text.isprintable() or "<" in text or ">" in text or "&" in text:
        return None
    return text


#: What every Message document starts with.
MESSAGE_HEAD = f'{_HEAD}<Message xmlns="{XMLNS}">'


def sent_document(message_id: str, body_md5: str) -> bytes:
    """``document("Message", {"MessageId": ..., "MessageBodyMD5": ...})``, SendMessage's answer."""
    return sent_text(message_id, body_md5).encode()


def sent_text(message_id: str, body_md5: str) -> str:
    """:func:`sent_document` as text (what the MNS SDK's response holds)."""
    return (
        f"{MESSAGE_HEAD}<MessageId>{escape(message_id)}</MessageId>"
        f"<MessageBodyMD5>{escape(body_md5)}</MessageBodyMD5></Message>"
    )


def message_document(fields: tuple[str, str, str, str, int, int, int, int, int]) -> bytes:
    """``document("Message", ...)`` of a received message: MessageId, ReceiptHandle,
    MessageBodyMD5, MessageBody, EnqueueTime, NextVisibleTime, FirstDequeueTime,
    DequeueCount, Priority (in that order)."""
    return message_text(fields).encode()


def message_text(fields: tuple[str, str, str, str, int, int, int, int, int]) -> str:
    """:func:`message_document` as text (what the MNS SDK's response holds)."""
    mid, handle, md5, body, enqueued, visible, first, count, priority = fields
    return (
        f"{MESSAGE_HEAD}<MessageId>{escape(mid)}</MessageId>"
        f"<ReceiptHandle>{escape(handle)}</ReceiptHandle>"
        f"<MessageBodyMD5>{escape(md5)}</MessageBodyMD5>"
        f"<MessageBody>{escape(body)}</MessageBody>"
        f"<EnqueueTime>{enqueued}</EnqueueTime><NextVisibleTime>{visible}</NextVisibleTime>"
        f"<FirstDequeueTime>{first}</FirstDequeueTime><DequeueCount>{count}</DequeueCount>"
        f"<Priority>{priority}</Priority></Message>"
    )
