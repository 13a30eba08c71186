"""The MNS wire layer: XML in and out, error documents with their statuses, signatures."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_ecs_events.mns import MnsRequest
from pytest_ecs_events.mns.signature import content_md5_ok, sign
from pytest_ecs_events.mns.xmlio import XMLNS, document, parse, text_items
from pytest_ecs_events.simulator import EcsSimulator

NS = "{" + XMLNS + "}"
HOST = "1.mns.cn-hangzhou.aliyuncs.com"


def call(sim: EcsSimulator, method: str, target: str, body: bytes = b"", **headers: str):
    return sim.mns.handle(MnsRequest(method, target, headers, body, HOST))


def fields(body: bytes) -> dict[str, str]:
    root = ElementTree.fromstring(body)
    assert root.tag.startswith(NS)
    return {child.tag[len(NS) :]: child.text or "" for child in root}


@pytest.fixture
def sim() -> EcsSimulator:
    simulator = EcsSimulator(now="2025-01-01T00:00:00Z")
    simulator.create_queue("q", visibility_timeout=10)
    return simulator


@pytest.mark.parametrize(
    ("method", "target", "body", "status", "code"),
    [
        ("GET", "/queues/nope", b"", 404, "QueueNotExist"),
        ("GET", "/queues/q/messages", b"", 404, "MessageNotExist"),
        ("DELETE", "/queues/q/messages?ReceiptHandle=zzz", b"", 400, "ReceiptHandleError"),
        ("PUT", "/queues/q", b"<Queue><VisibilityTimeout>11</VisibilityTimeout></Queue>",
         409, "QueueAlreadyExist"),
        ("PUT", "/queues/x", b"<Queue><DelaySeconds>-1</DelaySeconds></Queue>", 400,
         "InvalidArgument"),
        ("POST", "/queues/q/messages", b"<Message><MessageBody>", 400, "MalformedXML"),
        ("GET", "/queues/q/messages?waitseconds=31", b"", 400, "InvalidArgument"),
        ("GET", "/queues/q/messages?numOfMessages=17", b"", 400, "InvalidArgument"),
        ("GET", "/topics", b"", 400, "InvalidRequestURL"),
    ],
)  # fmt: skip
def test_errors_are_mns_error_documents(
    sim: EcsSimulator, method: str, target: str, body: bytes, status: int, code: str
) -> None:
    reply = call(sim, method, target, body)
    assert reply.status == status
    error = fields(reply.body)
    assert error["Code"] == code
    assert error["Message"]
    assert error["RequestId"] == reply.headers["x-mns-request-id"]
    assert error["HostId"] == f"http://{HOST}"
    assert reply.headers["Content-Type"].startswith("text/xml")
    assert sim.calls[-1].error_code == code


def test_create_is_201_then_204_with_the_same_attributes(sim: EcsSimulator) -> None:
    body = b"<Queue><VisibilityTimeout>10</VisibilityTimeout></Queue>"
    assert call(sim, "PUT", "/queues/q", body).status == 204
    created = call(sim, "PUT", "/queues/other", b"")
    assert created.status == 201
    assert created.headers["Location"] == f"http://{HOST}/queues/other"


def test_receive_document_and_md5(sim: EcsSimulator) -> None:
    body = "<tag> & ünïcode".replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    sent = call(sim, "POST", "/queues/q/messages", f"<Message><MessageBody>{body}</MessageBody>"
                "<Priority>3</Priority></Message>".encode())  # fmt: skip
    assert sent.status == 201
    got = fields(call(sim, "GET", "/queues/q/messages?waitseconds=0").body)
    assert got["MessageBody"] == "<tag> & ünïcode"
    assert got["MessageBodyMD5"] == fields(sent.body)["MessageBodyMD5"]
    assert (got["Priority"], got["DequeueCount"]) == ("3", "1")
    assert int(got["NextVisibleTime"]) - int(got["EnqueueTime"]) == 10_000


def test_signature_with_credentials(sim: EcsSimulator) -> None:
    sim.credentials["ak"] = "secret"
    headers = {"x-mns-version": "2015-06-06", "date": "Wed, 01 Jan 2025 00:00:00 GMT"}
    good = sign("secret", "GET", headers, "/queues/q")
    assert call(sim, "GET", "/queues/q", authorization=f"MNS ak:{good}", **headers).status == 200
    for authorization, status, code in [
        (None, 400, "MissingAuthorizationHeader"),
        ("MNS ak", 400, "InvalidAuthorizationHeader"),
        ("MNS ak:wrong", 403, "SignatureDoesNotMatch"),
        ("MNS ak:wröng\udcff", 403, "SignatureDoesNotMatch"),  # not ASCII: no 500
        (f"MNS other:{good}", 403, "InvalidAccessKeyId"),
    ]:
        extra = {} if authorization is None else {"authorization": authorization}
        reply = call(sim, "GET", "/queues/q", **headers, **extra)
        assert (reply.status, fields(reply.body)["Code"]) == (status, code)
    # the x-mns-* headers are signed: changing one breaks the signature
    tampered = call(sim, "GET", "/queues/q", authorization=f"MNS ak:{good}",
                    **{**headers, "x-mns-version": "2015-06-07"})  # fmt: skip
    assert tampered.status == 403


def test_content_md5_checked(sim: EcsSimulator) -> None:
    body = b"<Message><MessageBody>x</MessageBody></Message>"
    reply = call(sim, "POST", "/queues/q/messages", body, **{"content-md5": "AAAA"})
    assert fields(reply.body)["Code"] == "InvalidDegist"


@given(st.dictionaries(st.sampled_from(["MessageId", "MessageBody", "Code"]), st.text()))
def test_xml_round_trip(values: dict[str, str]) -> None:
    clean = {k: "".join(c for c in v if c.isprintable() and c != "\r") for k, v in values.items()}
    assert text_items(parse(document("Message", clean), ("Message",))) == clean


@given(st.binary(max_size=64))
def test_content_md5_forms(body: bytes) -> None:
    import base64
    import hashlib

    assert content_md5_ok(base64.b64encode(hashlib.md5(body).digest()).decode(), body)
    assert content_md5_ok(base64.b64encode(hashlib.md5(body).hexdigest().encode()).decode(), body)
