"""The ``ecs_server`` fixture (plugin/server.py): a test's simulator over HTTP on loopback,
proxy variables removed, and a server error failing the test that caused it."""

from __future__ import annotations

import socket

import pytest

from pytest_ecs_events.core.network import PROXY_VARIABLES


def test_fixture_fails_the_test_on_server_errors(ecs_pytester: pytest.Pytester) -> None:
    pytester = ecs_pytester
    pytester.makepyfile(
        """
        import urllib.request, urllib.error

        def test_broken(ecs_sim, ecs_server, monkeypatch):
            def broken(request):
                raise RuntimeError("kaput")
            monkeypatch.setattr(ecs_sim, "handle", broken)
            try:
                urllib.request.urlopen(ecs_server.url + "/?Action=X", timeout=10).close()
            except urllib.error.HTTPError as exc:
                exc.close()
                assert exc.code == 500
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*HTTP server met 1 error*RuntimeError: kaput*"])


def test_fixture_ignores_the_proxy_variables(
    ecs_pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester = ecs_pytester
    # a dead proxy: nothing listens on this port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, dead)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    pytester.makepyfile(
        """
        import json, os
        import pytest
        from aliyunsdkcore.client import AcsClient
        from aliyunsdkecs.request.v20140526.DescribeInstancesFullStatusRequest import (
            DescribeInstancesFullStatusRequest,
        )

        @pytest.mark.ecs_sim(instances=["i-a"])
        def test_legacy(ecs_server):
            assert "HTTP_PROXY" not in os.environ and "https_proxy" not in os.environ
            req = DescribeInstancesFullStatusRequest()
            req.set_endpoint(ecs_server.endpoint)
            client = AcsClient("AK", "SECRET", "cn-hangzhou", auto_retry=False)
            with client.session:  # closes the pooled keep-alive connection
                body = json.loads(client.do_action_with_exception(req))
            assert body["TotalCount"] == 1

        def test_new_sdk(ecs_server):
            from alibabacloud_ecs20140526.client import Client
            from alibabacloud_ecs20140526 import models
            from alibabacloud_tea_openapi.models import Config
            client = Client(Config(access_key_id="AK", access_key_secret="S",
                                   region_id="cn-hangzhou", endpoint=ecs_server.endpoint,
                                   protocol="http"))
            request = models.DescribeInstancesFullStatusRequest(region_id="cn-hangzhou")
            assert client.describe_instances_full_status(request).status_code == 200
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    import os

    assert os.environ["HTTP_PROXY"] == dead  # restored after the inner test
