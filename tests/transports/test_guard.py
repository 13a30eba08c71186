"""The last line: stacks we do not answer are refused before they resolve a simulated
endpoint; every other host resolves and connects as before."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import urllib3

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.transports.endpoints import EndpointRefused


@pytest.fixture
def loopback_http() -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 answering ``ok`` (a webhook receiver, say)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_urllib_is_refused_with_how_to_serve_it() -> None:
    with EcsSimulator(), pytest.raises(urllib.error.URLError) as caught:
        urllib.request.urlopen("https://ecs-cn-hangzhou.aliyuncs.com/?Action=DescribeRegions")
    assert isinstance(caught.value.reason, EndpointRefused)
    assert "http.client (urllib.request)" in str(caught.value)
    assert "ecs_server" in str(caught.value)


def test_http_client_is_refused_also_through_a_proxy() -> None:
    with EcsSimulator():
        direct = http.client.HTTPSConnection("ecs.cn-beijing.aliyuncs.com", timeout=1)
        with pytest.raises(EndpointRefused, match=r"ecs\.cn-beijing\.aliyuncs\.com:443"):
            direct.request("GET", "/?Action=DescribeRegions")
        proxied = http.client.HTTPSConnection("127.0.0.1", 9, timeout=1)
        proxied.set_tunnel("ecs-vpc.cn-shanghai.aliyuncs.com", 443)
        with pytest.raises(EndpointRefused, match=r"ecs-vpc\.cn-shanghai"):
            proxied.request("GET", "/")


def test_resolving_an_endpoint_is_refused_for_any_other_stack() -> None:
    with EcsSimulator():
        with pytest.raises(EndpointRefused, match="resolves the host itself"):
            socket.create_connection(("ecs.aliyuncs.com", 443), timeout=1)
        pool = urllib3.PoolManager(retries=False)
        with pytest.raises(urllib3.exceptions.NewConnectionError, match="ecs_server"):
            pool.request("GET", "http://ecs.cn-qingdao.aliyuncs.com/")


def test_other_hosts_resolve_and_connect_as_before(loopback_http: str) -> None:
    with EcsSimulator():
        assert socket.getaddrinfo("localhost", 80)
        with urllib.request.urlopen(loopback_http) as answer:
            assert answer.read() == b"ok"
        assert urllib3.PoolManager().request("GET", loopback_http).data == b"ok"


def test_the_guard_is_gone_after_stop() -> None:
    before = (socket.getaddrinfo, http.client.HTTPConnection.connect)
    with EcsSimulator():
        assert socket.getaddrinfo is not before[0]
    assert (socket.getaddrinfo, http.client.HTTPConnection.connect) == before


def test_a_forwarded_request_resolves_its_host_only_while_it_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Live mode's relay sends a checked request to the real endpoint inside forwarding()."""
    from pytest_ecs_events.transports.guard import forwarding

    resolved: list[object] = []

    def fake_resolver(host: object, port: object, *args: object, **kwargs: object) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(socket, "getaddrinfo", fake_resolver)
    host = "ecs.cn-beijing.aliyuncs.com"
    with EcsSimulator():
        with forwarding("ECS.cn-beijing.aliyuncs.com."), forwarding(host):
            assert socket.getaddrinfo(host, 443) == ["127.0.0.1"]
        with forwarding(host):
            assert socket.getaddrinfo(host.encode(), 443) == ["127.0.0.1"]
            with pytest.raises(EndpointRefused):  # only the host being forwarded to
                socket.getaddrinfo("ecs.cn-qingdao.aliyuncs.com", 443)
        with pytest.raises(EndpointRefused):
            socket.getaddrinfo(host, 443)
    assert resolved == [host, host.encode()]
