"""The MNS hot path's shortcuts (mns/xmlio.py, mns/signature.py, mns/service.py,
transports/mns_intercept.py) answer exactly what the plain routes answer: the flat-body
reader what ElementTree reads (or the same error), the answer templates what
``xmlio.document`` builds, byte for byte, the Content-MD5 check and the signature what the
three-digest and ``hmac.new`` forms said, the parsed-once query what a fresh parse gives, and
the remembered host test what ``is_mns_host`` says; a received message's copy (core/queues.py)
is ``dataclasses.replace``'s, and a receipt handle's encoding ``urlsafe_b64encode``'s."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.core.errors import EcsApiError
from pytest_ecs_events.core.queues import _URLSAFE, Message, _copy
from pytest_ecs_events.mns import MnsRequest, xmlio
from pytest_ecs_events.mns import signature as mns_signature
from pytest_ecs_events.mns.service import _received, _received_values
from pytest_ecs_events.transports import mns_intercept
from pytest_ecs_events.transports.endpoints import is_mns_host

ROOTS = ("Message",)
DECLARATIONS = [
    "",
    '<?xml version="1.0" encoding="utf-8"?>',
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<?xml version="1.0" encoding="Utf-8"?>',
    '<?xml version="1.0"?>',
    '<?xml version="1.0" encoding="utf-8"?>\n',
    "\ufeff",
    " ",
]
OPENINGS = [
    '<Message xmlns="http://mns.aliyuncs.com/doc/v1/">',
    "<Message>",
    '<Message xmlns="urn:other">',
    '<Message xmlns="http://mns.aliyuncs.com/doc/v1/" a="1">',
    '<m:Message xmlns:m="http://mns.aliyuncs.com/doc/v1/">',
    "<Messages>",
    "<Queue>",
]
CLOSINGS = {0: "</Message>", 1: "</Message>", 2: "</Message>", 3: "</Message>",
            4: "</m:Message>", 5: "</Messages>", 6: "</Queue>"}  # fmt: skip
NAMES = st.sampled_from(["MessageBody", "DelaySeconds", "Priority", "Other", "x1", "é"])
# Text as the SDKs escape it, and text with what they never send (raw markup characters,
# controls, carriage returns, entities XML does not predefine, CDATA, comments).
ODD = st.sampled_from(
    ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x41;", "&nbsp;", "&", "<",
     ">", "]]>", "\r", "\r\n", "\t", "\n", "\x00", "\x01", "\x7f", "\x85", "\ufffe",
     "\uffff", "\ud7ff", "\ue000", "💡", "<![CDATA[x]]>", "<!-- c -->", "<b>t</b>", "<e/>",
     " "]
)  # fmt: skip
PLAIN = st.text(
    st.characters(max_codepoint=0x3FF, blacklist_characters="<>&", blacklist_categories=("Cc",)),
    max_size=8,
)
TEXT = st.lists(st.one_of(PLAIN, PLAIN, ODD, st.text(max_size=4)), max_size=4).map("".join)


def reference(body: bytes) -> object:
    try:
        return xmlio.text_items(xmlio.parse(body, ROOTS))
    except EcsApiError as exc:
        return (exc.code, exc.message, exc.status)


def fast(body: bytes) -> object:
    try:
        return xmlio.flat_items(body, ROOTS)
    except EcsApiError as exc:
        return (exc.code, exc.message, exc.status)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    # mostly the SDK's own shape, so that the odd text meets the flat reader
    opening = draw(st.one_of(st.sampled_from([0, 1]), st.integers(0, len(OPENINGS) - 1)))
    children = draw(st.lists(st.tuples(NAMES, TEXT), max_size=4))
    inner = "".join(f"<{name}>{text}</{name}>" for name, text in children)
    declaration = draw(st.one_of(st.sampled_from(DECLARATIONS[:3]), st.sampled_from(DECLARATIONS)))
    document = declaration + OPENINGS[opening] + inner + CLOSINGS[opening]
    document += draw(st.sampled_from(["", "", "", "\n", "x", "<a/>"]))
    raw = document.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:  # cut short
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(max_examples=1000, deadline=None)
@given(bodies())
@example(b'<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">'
         b"<MessageBody>payload</MessageBody></Message>")  # fmt: skip
@example(b"<Message><MessageBody>a&amp;b&lt;&gt;&quot;&apos;</MessageBody><P></P></Message>")
@example(b"<Message><A>1</A><B>2</B><A>3</A></Message>")
@example(b"<Message><MessageBody>\xff</MessageBody></Message>")
@example(b"<Message><MessageBody>" + b"x" * 5000 + b"</MessageBody></Message>")
@example(b"")
@example(b"   ")
def test_the_flat_reader_reads_what_elementtree_reads(body: bytes) -> None:
    assert fast(body) == reference(body)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_are_read_or_refused_alike(body: bytes) -> None:
    assert fast(body) == reference(body)


@given(st.text(), st.text())
def test_sendmessage_answer_is_the_documents(message_id: str, md5: str) -> None:
    fields = {"MessageId": message_id, "MessageBodyMD5": md5}
    assert xmlio.sent_document(message_id, md5) == xmlio.document("Message", fields)


T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
instants = st.integers(0, 10**9).map(lambda ms: T0 + timedelta(milliseconds=ms))


@st.composite
def messages(draw: st.DrawFn) -> Message:
    enqueued = draw(instants)
    first = draw(st.one_of(st.none(), st.just(enqueued), instants))
    if first is not None and draw(st.booleans()):  # the same instant in another zone
        first = first.astimezone(timezone(timedelta(hours=draw(st.integers(-12, 12)))))
    return Message(
        message_id=draw(st.text()), body=draw(st.text()), body_md5=draw(st.text()),
        priority=draw(st.integers(1, 16)), seq=draw(st.integers(1, 10**9)),
        enqueue_time=enqueued, visible_at=draw(instants), expires_at=draw(instants),
        dequeue_count=draw(st.integers(0, 10**6)), first_dequeue_time=first,
        receipt_handle=draw(st.one_of(st.none(), st.text())),
    )  # fmt: skip


@given(messages())
def test_receivemessage_answer_is_the_documents(message: Message) -> None:
    expected = xmlio.document("Message", _received(message))
    assert xmlio.message_document(_received_values(message)) == expected


def md5_reference(header: str, body: bytes) -> bool:
    """The check as it was: the three accepted forms built, then looked up."""
    digest = hashlib.md5(body)
    accepted = (
        base64.b64encode(digest.digest()).decode("ascii"),
        base64.b64encode(digest.hexdigest().encode("ascii")).decode("ascii"),
        base64.b64encode(digest.hexdigest().upper().encode("ascii")).decode("ascii"),
    )
    return header.strip() in accepted


@st.composite
def md5_headers(draw: st.DrawFn) -> tuple[str, bytes]:
    body = draw(st.binary(max_size=40))
    digest = hashlib.md5(body)
    forms = [
        base64.b64encode(digest.digest()).decode(),
        base64.b64encode(digest.hexdigest().encode()).decode(),
        base64.b64encode(digest.hexdigest().upper().encode()).decode(),
        base64.b64encode(hashlib.md5(body + b"x").digest()).decode(),
    ]
    header = draw(st.one_of(st.sampled_from(forms), st.text(max_size=50)))
    pad = draw(st.sampled_from(["", " ", "\t", "\u3000", "\n"]))
    return pad + header + draw(st.sampled_from(["", " ", "é", "="])), body


@settings(max_examples=300)
@given(md5_headers())
def test_content_md5_check_accepts_what_it_accepted(case: tuple[str, bytes]) -> None:
    header, body = case
    assert mns_signature.content_md5_ok(header, body) == md5_reference(header, body)


@given(st.text(), st.sampled_from(["GET", "POST", "PUT", "DELETE"]), st.text())
def test_signature_is_the_hmac_new_one(secret: str, method: str, resource: str) -> None:
    headers = {"date": "Sun, 06 Dec 2026 13:56:43 GMT", "x-mns-version": "2015-06-06"}
    plain = hmac.new(
        secret.encode("utf-8"),
        mns_signature.string_to_sign(method, headers, resource).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    expected = base64.b64encode(plain).decode("ascii")
    assert mns_signature.sign(secret, method, headers, resource) == expected


QUERY_PARTS = st.sampled_from(
    ["a=1", "b=%41", "c", "=x", "d=1+2", "e=%zz", "&", "f=", "a=2", "%41=b", "g=1=2"]
)


@given(st.text(alphabet="/abc?", max_size=12), st.lists(QUERY_PARTS, max_size=5))
def test_the_query_parsed_once_is_a_fresh_parse(path: str, parts: list[str]) -> None:
    target = path + ("?" + "&".join(parts) if parts else "")
    request = MnsRequest("GET", target, {}, b"", "h")
    raw = target.partition("?")[2]
    pairs = (part.partition("=") for part in raw.split("&") if part)
    expected = {unquote(k): unquote(v) for k, _, v in pairs}
    assert request.query == expected
    assert request.query == expected  # the kept one
    assert request == MnsRequest("GET", target, {}, b"", "h")  # not a field


HOSTS = st.one_of(
    st.sampled_from(
        ["1.mns.cn-hangzhou.aliyuncs.com", "1.mns.cn-hangzhou.aliyuncs.com:80",
         "1.MNS.cn-hangzhou-internal.aliyuncs.com.", "ecs.aliyuncs.com", "localhost:8080",
         "a:b:c", "", "1.mns.cn-hangzhou.aliyuncs.com:80:1"]
    ),
    st.text(alphabet="0123456789abc.-:mns", max_size=30),
)  # fmt: skip


@given(st.lists(HOSTS, max_size=10))
def test_the_remembered_host_test_is_is_mns_host(hosts: list[str]) -> None:
    for host in hosts + hosts:  # the second time from what was remembered
        assert mns_intercept._is_mns_host(host) == is_mns_host(host)


@given(messages())
def test_a_received_copy_is_a_dataclasses_replace(message: Message) -> None:
    copy = _copy(message)
    assert copy == dataclasses.replace(message)
    assert copy is not message
    copy.dequeue_count += 1  # a copy: the queue's message does not change with it
    assert copy.dequeue_count == message.dequeue_count + 1


@given(st.binary(max_size=60))
def test_receipt_handles_encode_as_urlsafe_base64(raw: bytes) -> None:
    encoded = binascii.b2a_base64(raw, newline=False).translate(_URLSAFE)
    assert encoded == base64.urlsafe_b64encode(raw)


SDK_HEAD = '<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">'


@settings(max_examples=1000, deadline=None)
@given(
    st.one_of(TEXT, st.text(), st.just("x" * 4100)),
    st.sampled_from(["", "", "<P>1</P>", "\n", " "]),
    st.booleans(),
)
@example("payload", "", False)
@example("", "", False)
@example("a\tb\r\n\x85\u2028\ufffe", "", False)
def test_the_sdk_body_reader_reads_what_the_flat_reader_reads(
    text: str, extra: str, cut: bool
) -> None:
    document = f"{SDK_HEAD}<MessageBody>{text}</MessageBody>{extra}</Message>"
    raw = document.encode("utf-8", "surrogatepass")
    if cut:
        raw = raw[:-1]
    got = xmlio.sdk_message_body(raw)
    if got is not None:
        assert fast(raw) == reference(raw) == {"MessageBody": got}
    elif not extra and not cut and text.isprintable() and not set(text) & set("<>&"):
        assert len(raw) > 4096  # only a long body is left to the flat reader
