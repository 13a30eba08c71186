"""``MnsService.quick`` (SendMessage, ReceiveMessage and DeleteMessage as the MNS SDK sends
them, in one pass) answers what the general route (``MnsService.handle``) answers: the same
status, body and headers (but the request id), the same store afterwards and the same call
records, after random sequences of sends, receives, deletes, visibility changes and clock
moves (handles that stop holding, messages that expire); and for any other shape or any
request the general route refuses, it declines (returns None, nothing changed)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.mns.signature import sign
from pytest_ecs_events.simulator import EcsSimulator
from pytest_ecs_events.transports import mns_intercept

HOST = "1.mns.cn-hangzhou.aliyuncs.com"
START = "2025-01-01T00:00:00Z"


class Http:
    def __init__(self) -> None:
        self.host = HOST


class Req:
    def __init__(self, method: str, uri: str, header: dict[str, Any], data: Any) -> None:
        self.method, self.uri, self.header, self.data = method, uri, header, data

    def get_req_id(self) -> str:
        return "r"


def sdk_request(
    method: str, uri: str, data: bytes | str, secret: str | None, odd: str | None, alive: bool
) -> Req:
    """The request as ``mns_client.MNSClient.build_header`` makes it, then made odd."""
    header: dict[str, Any] = {}
    if alive:
        header["Connection"] = "Keep-Alive"
    if data != "":
        assert isinstance(data, bytes)
        md5 = hashlib.md5(data).hexdigest().encode()
        header["content-md5"] = base64.b64encode(md5).decode()
        header["content-type"] = "text/xml;charset=UTF-8"
    header["x-mns-version"] = "2015-06-06"
    header["host"] = HOST
    header["date"] = "Wed, 01 Jan 2025 00:00:00 GMT"
    header["user-agent"] = "aliyun-sdk-python/1.1.6"
    if odd == "user-request-id":
        header["x-mns-user-request-id"] = "u1"
    lowered = {k.lower(): v for k, v in header.items()}
    signature = sign(secret or "any", method, lowered, uri)
    header["Authorization"] = f"MNS ak:{signature}"
    if odd == "bad-signature":
        header["Authorization"] = f"MNS ak:{signature[:-2]}xx"
    elif odd == "other-key":
        header["Authorization"] = f"MNS other:{signature}"
    elif odd == "bad-form":
        header["Authorization"] = "MNS ak"
    elif odd == "bad-md5" and "content-md5" in header:
        header["content-md5"] = "AAAA"
    elif odd == "no-authorization":
        del header["Authorization"]
    elif odd == "lower-authorization":
        header["authorization"] = header.pop("Authorization")
    elif odd == "non-ascii-signature":
        header["Authorization"] = f"MNS ak:{signature}\u00e9"
    elif odd == "security-token":
        header["security-token"] = "t"
    return Req(method, uri, header, data)


BODY_TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "a&b<c>", "&amp;", "\r\n", "x" * 70000]
)
ODD = st.sampled_from(
    [None] * 8
    + ["user-request-id", "bad-signature", "other-key", "bad-form", "bad-md5",
       "no-authorization", "lower-authorization", "security-token", "non-ascii-signature"]
)  # fmt: skip
#: Odd headers that make another shape than the SDK's usual one (the quick path declines).
SHAPES = ("user-request-id", "no-authorization", "lower-authorization", "security-token",
          "non-ascii-signature")  # fmt: skip
QUEUES = st.sampled_from(["q", "q", "q", "nope", "q%20", "q/x"])


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def steps(draw: st.DrawFn) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["send", "send", "receive", "receive", "delete", "visibility"]))
    queue, odd, alive = draw(QUEUES), draw(ODD), draw(st.booleans())
    if kind == "send":
        text = escape(draw(BODY_TEXT))
        extra = draw(
            st.sampled_from(
                ["", "<DelaySeconds>0</DelaySeconds>", "<DelaySeconds>5</DelaySeconds>",
                 "<Priority>1</Priority>", "<Priority>99</Priority>", "<Priority>x</Priority>",
                 "<DelaySeconds>-1</DelaySeconds>"]
            )
        )  # fmt: skip
        root = draw(st.sampled_from(["Message", "Message", "Messages", "Queue"]))
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="http://mns.aliyuncs.com/'
            f'doc/v1/"><MessageBody>{text}</MessageBody>{extra}</{root}>'
        ).encode()
        if draw(st.integers(0, 9)) == 0:
            body = body[: draw(st.integers(0, len(body)))]
        uri = draw(st.sampled_from([f"/queues/{queue}/messages"] * 4 + [
            f"/queues/{queue}/messages?x=1", f"/queues/{queue}/messages/"]))  # fmt: skip
        return ("POST", uri, body, odd, alive)
    if kind == "receive":
        query = draw(st.sampled_from(["", "?waitseconds=0", "?waitseconds=30", "?waitseconds=31",
                                      "?waitseconds=", "?waitseconds=1&x=2", "?peekonly=true",
                                      "?numOfMessages=2", "?waitseconds=%33"]))  # fmt: skip
        data = draw(st.sampled_from(["", "", "", b"<x/>"]))
        return ("GET", f"/queues/{queue}/messages{query}", data, odd, alive)
    # a delete's handle: one received before (it may have stopped holding), or odd
    pick = draw(st.integers(0, 5))
    return (kind, queue, pick, odd, alive)


TICKS = st.tuples(st.just("tick"), st.integers(0, 40), st.none(), st.none(), st.none())
HANDLE_ODD = st.sampled_from(["", "", "", "", "x", "&x=1", "%41", "+"])


def state(sim: EcsSimulator) -> object:
    store = sim.simulation.queues
    queues = {
        name: (
            sorted((m.seq, tuple(sorted(vars(m).items()))) for m in queue.messages.values()),
            repr(queue.attributes),
        )
        for name, queue in store._queues.items()
    }
    calls = [dataclasses.replace(c, request_id="") for c in sim.calls]
    return queues, store._serial, store._seq, store._handles, store.version, calls


def answer(sim: EcsSimulator, req: Req) -> tuple[int, dict[str, str], str]:
    with sim:
        response = mns_intercept._answer(Http(), req)
    headers = dict(response.header)
    request_id = headers.pop("x-mns-request-id")
    assert request_id
    return response.status, headers, response.data.replace(request_id, "(id)")


def _twins(
    with_credentials: bool, *, visibility_timeout: int
) -> tuple[EcsSimulator, EcsSimulator, list[bool]]:
    """Two equal accounts with queue ``q``: the first answers through ``quick`` (and notes in
    the list whether it declined each request), the second never does (the general route)."""
    credentials = {"ak": "secret"} if with_credentials else None
    sims = []
    for _ in range(2):
        sim = EcsSimulator(now=START, seed=1, credentials=credentials)
        sim.create_queue("q", visibility_timeout=visibility_timeout, message_retention_period=60)
        sims.append(sim)
    quick, general = sims
    declined: list[bool] = []
    real_quick = quick.mns.quick

    def watched(*args: Any) -> Any:
        result = real_quick(*args)
        declined.append(result is None)
        return result

    quick.mns.quick = watched  # type: ignore[method-assign]
    general.mns.quick = lambda *args: None  # type: ignore[method-assign]
    return quick, general, declined


@settings(max_examples=120, deadline=None)
@given(st.booleans(), st.lists(steps() | TICKS, max_size=25), HANDLE_ODD)
def test_quick_answers_what_the_general_route_answers(
    with_credentials: bool, script: list[tuple[Any, ...]], handle_odd: str
) -> None:
    secret = "secret" if with_credentials else None
    quick, general, declined = _twins(with_credentials, visibility_timeout=10)
    handles: list[str] = []
    for step in script:
        method, target, data, odd, alive = step
        if method == "tick":
            for sim in (quick, general):
                sim.advance(f"{target}s")
            assert state(quick) == state(general)
            continue
        if method in ("delete", "visibility"):
            handle = handles[data % len(handles)] if handles else "zzz"
            if data == 5:
                handle += handle_odd
            if method == "delete":
                method, uri = "DELETE", f"/queues/{target}/messages?ReceiptHandle={handle}"
            else:
                uri = f"/queues/{target}/messages?ReceiptHandle={handle}&VisibilityTimeout=3"
                method = "PUT"
            data = ""
        else:
            uri = target
        req = sdk_request(method, uri, data, secret, odd, alive)
        declined.clear()
        got = answer(quick, req)
        want = answer(general, sdk_request(method, uri, data, secret, odd, alive))
        assert got == want
        if got[0] >= 300 or odd in SHAPES or method not in ("GET", "POST", "DELETE"):
            assert declined == [True]  # an error or another shape: the general route's
        if method == "DELETE" and got[0] == 204 and odd not in SHAPES and handle_odd == "":
            assert declined == [False]  # the SDK's delete is quick's
        assert state(quick) == state(general)
        if got[0] == 200 and "<ReceiptHandle>" in got[2]:
            handles.append(got[2].split("<ReceiptHandle>")[1].split("<")[0])
    # the general route's own answer to a non-ASCII signature with credentials is a 500
    errors = [list(map(repr, sim.api.internal_errors)) for sim in (quick, general)]
    assert errors[0] == errors[1]


def test_the_sdks_send_and_receive_are_answered_quick() -> None:
    sim = EcsSimulator(now=START, seed=1, credentials={"ak": "secret"})
    sim.create_queue("q")
    served = []
    real_quick = sim.mns.quick
    sim.mns.quick = lambda *a: served.append(real_quick(*a)) or served[-1]  # type: ignore[method-assign]
    body = b'<?xml version="1.0" encoding="UTF-8"?><Message><MessageBody>hi</MessageBody></Message>'
    for req in (
        sdk_request("POST", "/queues/q/messages", body, "secret", None, True),
        sdk_request("GET", "/queues/q/messages?waitseconds=0", "", "secret", None, True),
    ):
        status, _, _ = answer(sim, req)
        assert status in (200, 201)
    assert [s is not None for s in served] == [True, True]
    assert [c.action for c in sim.calls][-2:] == ["SendMessage", "ReceiveMessage"]


SDK_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/">'
    b"<MessageBody>m</MessageBody></Message>"
)
DELETE_SCRIPT = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.just(0), st.just("")),
        st.tuples(st.just("receive"), st.just(0), st.just("")),
        st.tuples(st.just("delete"), st.integers(0, 30), HANDLE_ODD),
        st.tuples(st.just("visibility"), st.integers(0, 30), st.just("")),
        st.tuples(st.just("tick"), st.integers(0, 40), st.just("")),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(st.booleans(), st.booleans(), DELETE_SCRIPT)
@example(  # a handle that still holds a message that has expired: purged, MessageNotExist
    False,
    True,
    [("send", 0, ""), ("tick", 40, ""), ("receive", 0, ""), ("tick", 25, ""), ("delete", 0, "")],
)
def test_quick_deletes_what_the_general_route_deletes(
    with_credentials: bool, alive: bool, script: list[tuple[str, int, str]]
) -> None:
    """The SDK's own DeleteMessage with handles that hold, that stopped holding (received
    again, visible again, changed, deleted, expired) or that are odd."""
    secret = "secret" if with_credentials else None
    quick, general, declined = _twins(with_credentials, visibility_timeout=30)
    handles: list[str] = []
    for kind, pick, odd in script:
        if kind == "tick":
            for sim in (quick, general):
                sim.advance(f"{pick}s")
            continue
        handle = (handles[pick % len(handles)] if handles else "1-eHg") + odd
        method, uri, data = {
            "send": ("POST", "/queues/q/messages", SDK_BODY),
            "receive": ("GET", "/queues/q/messages?waitseconds=0", ""),
            "delete": ("DELETE", f"/queues/q/messages?ReceiptHandle={handle}", ""),
            "visibility": (
                "PUT",
                f"/queues/q/messages?ReceiptHandle={handle}&VisibilityTimeout=5",
                "",
            ),
        }[kind]
        declined.clear()
        got = answer(quick, sdk_request(method, uri, data, secret, None, alive))
        want = answer(general, sdk_request(method, uri, data, secret, None, alive))
        assert got == want
        assert state(quick) == state(general)
        if kind == "delete" and not odd:
            assert declined == [got[0] != 204]  # served quick, or declined for an error
        elif kind == "delete":
            assert declined == [True]  # another shape (an extra parameter, "%", an error)
        if got[0] == 200 and "<ReceiptHandle>" in got[2]:
            handles.append(got[2].split("<ReceiptHandle>")[1].split("<")[0])
