"""Answers in the API's XML form, for the clients that ask for it with ``Format=XML``.

The ECS RPC API answers XML when the request says ``Format=XML`` (the value is taken in any
case: the reference writes ``xml``, Apache libcloud sends ``XML``). The XML says what the
JSON says, by these rules:

- a success is ``<{Action}Response>`` holding the body's keys; an error is ``<Error>``
  holding RequestId, HostId, Code, Message and Recommend, as its JSON does;
- an object's key is an element of the same name, in the same order;
- a list under key ``K`` is one ``<K>`` element per item, side by side: JSON
  ``{"Instances": {"Instance": [a, b]}}`` is
  ``<Instances><Instance>a</Instance><Instance>b</Instance></Instances>`` and
  ``{"SecurityGroupIds": {"SecurityGroupId": ["sg-1"]}}`` is
  ``<SecurityGroupIds><SecurityGroupId>sg-1</SecurityGroupId></SecurityGroupIds>``; an empty
  list writes nothing, so its parent is an empty element (``<InnerIpAddress/>``), as in the
  responses the libcloud ECS driver was written against;
- ``true`` / ``false`` for booleans, numbers as JSON writes them, ``null`` and an empty
  object as an empty element.

Text is escaped so the answer is always well-formed: ``& < >`` as entities, a carriage
return as ``&#13;`` (a parser would turn a bare one into a line feed), and each character
XML 1.0 cannot carry at all (other control characters, lone surrogates, U+FFFE, U+FFFF) as
U+FFFD. A key that is not an XML name has each offending character replaced by ``_``.
Nothing the API answers needs the last two rules; they keep a user's odd data from breaking
the document. A list directly inside a list (which no ECS answer has) becomes one element
holding an ``<item>`` per inner item.

Pure: no HTTP stack. The JSON path is untouched; XML answers are built on each call, with no
cache, since only the clients that ask for XML pay for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.lazy import pattern_on_first_use

__all__ = [
    "XML_CONTENT_TYPE",
    "XML_DECLARATION",
    "encode_xml",
    "wants_xml",
    "xml_answer",
    "xml_name",
    "xml_scalar",
    "xml_text",
]

#: The Content-Type of an XML answer. The new SDK reads an error body as XML only when the
#: Content-Type is exactly this (alibabacloud_tea_openapi ``Client.do_request``).
XML_CONTENT_TYPE = "text/xml;charset=utf-8"

#: The declaration every XML answer starts with (the reference's samples).
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'

#: The element a list directly inside a list is written as (see the module docstring).
NESTED_LIST_ITEM = "item"

# Characters to escape, and characters XML 1.0 cannot carry in any form.
_SPECIAL = pattern_on_first_use("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN = pattern_on_first_use("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = pattern_on_first_use(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_NOT_NAME_CHAR = pattern_on_first_use(r"[^A-Za-z0-9_.-]")


def wants_xml(format_value: str | None) -> bool:
    """Whether a request's ``Format`` asks for XML (any case). Anything else gets JSON."""
    return format_value is not None and format_value.lower() == "xml"


def xml_text(value: str) -> str:
    """``value`` as element text: escaped, with what XML cannot carry replaced."""
    if _SPECIAL().search(value) is None:
        return value
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _FORBIDDEN().sub("\ufffd", value.replace("\r", "&#13;"))


def xml_name(key: object) -> str:
    """A JSON key as an element name: itself when it is an XML name, else made into one."""
    name = str(key)
    if _NAME().match(name) is not None:
        return name
    name = _NOT_NAME_CHAR().sub("_", name)
    return name if name[:1].isalpha() or name[:1] == "_" else "_" + name


def xml_scalar(value: object) -> str:
    """A JSON scalar as the text the XML carries (before escaping)."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # what json.dumps writes for a finite float
    return str(value)


def _element(name: str, value: Any, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append(f"<{name}/>")
            return
        out.append(f"<{name}>")
        for key, item in value.items():
            _member(xml_name(key), item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):  # only inside a list: see NESTED_LIST_ITEM
        out.append(f"<{name}>")
        _member(NESTED_LIST_ITEM, value, out)
        out.append(f"</{name}>")
    elif value is None:
        out.append(f"<{name}/>")
    else:
        out.append(f"<{name}>{xml_text(xml_scalar(value))}</{name}>")


def _member(name: str, value: Any, out: list[str]) -> None:
    """One key of an object: a list is one element per item, anything else one element."""
    if isinstance(value, list | tuple):
        for item in value:
            _element(name, item, out)
    else:
        _element(name, value, out)


def encode_xml(root: str, body: Mapping[str, Any]) -> bytes:
    """``body`` as a UTF-8 XML document whose root element is ``root``."""
    out = [XML_DECLARATION]
    _element(xml_name(root), body, out)
    return "".join(out).encode("utf-8")


def xml_answer(action: str, body: Mapping[str, Any], *, error: bool) -> bytes:
    """An answer as the API writes it in XML: ``<{action}Response>``, or ``<Error>``."""
    return encode_xml("Error" if error else f"{action}Response", body)
