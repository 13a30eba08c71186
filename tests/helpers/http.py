"""Plain-HTTP clients for the loopback server's tests: urllib, and raw bytes on a socket.

Only 127.0.0.1; every socket and response is closed; every loop is bounded.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.error
import urllib.request
from typing import Any

from pytest_ecs_events.transports.server import EcsServer

#: An API call every server test can make (the simulator's default region).
HISTORY = "Action=DescribeInstanceHistoryEvents&RegionId=cn-hangzhou"
#: The keys of every error body, the API's and the HTTP layer's alike.
ERROR_KEYS = {"RequestId", "HostId", "Code", "Message", "Recommend"}


def get(url: str) -> tuple[int, dict[str, Any]]:
    """GET with urllib; the status and the JSON body, errors too."""
    return open_json(urllib.request.Request(url))


def post(url: str, data: bytes, content_type: str = "application/json") -> tuple[int, Any]:
    req = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    return open_json(req)


def open_json(req: urllib.request.Request) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status), json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def raw_exchange(port: int, data: bytes, *, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    """Send raw bytes, read until the server closes or one whole answer came; parse it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # nothing more is coming: a short body ends here
        received = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, sep, body = received.partition(b"\r\n\r\n")
            if sep:
                length = content_length(head)
                if length is not None and len(body) >= length:
                    break
    head, _, body = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1."), received[:200]
    return int(status_line.split()[1]), json.loads(body)


def content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def drain(sock: socket.socket) -> bytes:
    """Everything the peer sends until it closes (bounded); a reset counts as closed."""
    received = b""
    for _ in range(100):
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError):
            break
        if not chunk:
            break
        received += chunk
    return received


def assert_api_error(status: int, body: dict[str, Any], expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert set(body) == ERROR_KEYS, body
    assert body["Code"] == code, body
    assert body["Message"], body
    assert "Traceback" not in body["Message"]


def assert_still_serving(server: EcsServer) -> None:
    status, body = get(f"{server.url}/?{HISTORY}")
    assert status == 200, body
    assert "RequestId" in body
