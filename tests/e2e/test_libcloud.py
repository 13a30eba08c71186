"""End to end with Apache libcloud's ECS driver, which always asks for ``Format=XML``.

The driver signs its own requests (HMAC-SHA1, like the legacy SDK), sends them with
requests to ``https://ecs.aliyuncs.com`` (caught in process by the ``ecs_sim`` fixture) or to
the loopback server, and reads the answers with ElementTree. Its waits (``time.sleep`` while
a node reboots) move the virtual clock instead of sleeping.
"""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from libcloud.common.exceptions import BaseHTTPError
from libcloud.compute.drivers import ecs as libcloud_ecs
from libcloud.compute.types import NodeState

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.registry import ACTIONS
from pytest_ecs_events.api.xml_output import XML_CONTENT_TYPE
from pytest_ecs_events.transports.server import EcsServer
from tests.helpers.simulators import START

AK = "LTAI5tLibcloudKey"
SECRET = "libcloud-secret"

pytestmark = pytest.mark.ecs_sim(now=START, instances=["i-a", "i-b"])
#: The libcloud tests: requests signed with another secret are refused.
signed = pytest.mark.ecs_sim(credentials={AK: SECRET})


@pytest.fixture(params=["intercepted", "loopback"])
def driver(
    request: pytest.FixtureRequest, ecs_sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """An ``ECSDriver`` on the simulator: in process (its real endpoint, https) or through
    the loopback server (plain http); its ``time.sleep`` advances the virtual clock."""
    clock = types.SimpleNamespace(time=libcloud_ecs.time.time, sleep=ecs_sim.advance)
    monkeypatch.setattr(libcloud_ecs, "time", clock)
    if request.param == "loopback":
        server: EcsServer = request.getfixturevalue("ecs_server")
        made = libcloud_ecs.ECSDriver(
            AK, SECRET, secure=False, host="127.0.0.1", port=server.port, region="cn-hangzhou"
        )
    else:
        made = libcloud_ecs.ECSDriver(AK, SECRET, region="cn-hangzhou")
    yield made
    connection = getattr(made.connection, "connection", None)
    if connection is not None:  # its pooled keep-alive socket would warn when collected
        connection.close()


def _json_instances(sim: EcsSimulator) -> dict[str, dict[str, Any]]:
    body = sim.call("DescribeInstances", RegionId=sim.region)
    return {i["InstanceId"]: i for i in body["Instances"]["Instance"]}


def _ips(instance: dict[str, Any], *paths: str) -> list[str]:
    found: list[str] = []
    for path in paths:
        node: Any = instance
        for key in path.split("/"):
            node = node.get(key, {}) if isinstance(node, dict) else {}
        found += [ip for ip in (node if isinstance(node, list) else []) if ip]
    return found


@signed
def test_list_nodes_sees_the_simulated_instances(driver: Any, ecs_sim: EcsSimulator) -> None:
    ecs_sim.add_instance("i-c", name="db <primary> & co", status="Stopped")
    as_json = _json_instances(ecs_sim)

    nodes = {node.id: node for node in driver.list_nodes()}

    assert sorted(nodes) == ["i-a", "i-b", "i-c"]
    assert nodes["i-c"].name == "db <primary> & co"
    assert nodes["i-c"].state == NodeState.STOPPED
    assert nodes["i-a"].state == NodeState.RUNNING
    for instance_id, node in nodes.items():
        instance = as_json[instance_id]
        assert node.name == instance["InstanceName"]
        assert node.extra["zone_id"] == instance["ZoneId"]
        assert node.extra["instance_type"] == instance["InstanceType"]
        assert node.extra["instance_charge_type"] == instance["InstanceChargeType"]
        # whatever addresses DescribeInstances answers, libcloud reads the same from the XML
        assert node.private_ips == _ips(
            instance, "InnerIpAddress/IpAddress", "VpcAttributes/PrivateIpAddress/IpAddress"
        )
        assert node.public_ips == _ips(
            instance, "PublicIpAddress/IpAddress", "EipAddress/IpAddress"
        )
    [call] = ecs_sim.calls[-1:]
    assert call.action == "DescribeInstances"
    assert call.status == 200

    only = driver.list_nodes(ex_node_ids=["i-b"])
    assert [node.id for node in only] == ["i-b"]
    assert ecs_sim.calls[-1].params["InstanceIds"] == '["i-b"]'


@signed
def test_reboot_node_reboots_and_avoids_the_reboot_event(
    driver: Any, ecs_sim: EcsSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    (event,) = ecs_sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    seen: list[str] = []
    read_node = driver._to_node

    def recording(element: ET.Element) -> Any:
        seen.append(element.findtext("Status") or "")
        return read_node(element)

    monkeypatch.setattr(driver, "_to_node", recording)
    [node] = [n for n in driver.list_nodes() if n.id == "i-a"]
    seen.clear()

    assert driver.reboot_node(node) is True

    assert seen[0] == "Stopping"  # the first look after RebootInstance
    assert seen[-1] == "Running"
    assert ecs_sim.instance("i-a").status == "Running"
    assert ecs_sim.event(event.event_id).state == "Avoided"
    reboots = [c for c in ecs_sim.calls if c.action == "RebootInstance"]
    assert [(c.params["InstanceId"], c.params["ForceStop"], c.status) for c in reboots] == [
        ("i-a", "false", 200)
    ]


@signed
@pytest.mark.parametrize(
    ("method", "action", "path"),
    [
        ("list_locations", "DescribeRegions", "Regions/Region/RegionId"),
        ("ex_list_zones", "DescribeZones", "Zones/Zone/ZoneId"),
        ("list_sizes", "DescribeInstanceTypes", "InstanceTypes/InstanceType/InstanceTypeId"),
        ("list_volumes", "DescribeDisks", "Disks/Disk/DiskId"),
    ],
)
def test_other_listings_read_what_the_json_answer_says(
    driver: Any, ecs_sim: EcsSimulator, method: str, action: str, path: str
) -> None:
    """Each listing the driver has gets, in XML, the ids the same question gets in JSON; an
    action the simulator does not implement is libcloud's error for InvalidAction.NotFound."""
    if action not in ACTIONS:
        with pytest.raises(BaseHTTPError) as info:
            getattr(driver, method)()
        assert info.value.code == 404
        assert "'code': 'InvalidAction.NotFound'" in info.value.message
        return
    listed = getattr(driver, method)()
    calls = [c for c in ecs_sim.calls if c.action == action]
    assert calls
    assert all(c.status == 200 for c in calls)
    expected: list[str] = []
    for call in calls:  # the same questions (every page), asked in JSON
        node: Any = ecs_sim.call(action, **call.params)
        *parents, leaf = path.split("/")
        for key in parents:
            node = node[key]
        expected += [item[leaf] for item in node]
    assert [item.id for item in listed] == expected


@signed
def test_an_api_error_surfaces_as_libclouds_http_error(driver: Any, ecs_sim: EcsSimulator) -> None:
    node = libcloud_ecs.Node("i-nope", "gone", NodeState.RUNNING, [], [], driver)
    with pytest.raises(BaseHTTPError) as info:
        driver.reboot_node(node)
    error = info.value
    assert error.code == 404  # the HTTP status
    request_id = ecs_sim.calls[-1].request_id
    assert eval(error.message) == {  # libcloud's text is the dict it read from <Error>
        "code": "InvalidInstanceId.NotFound",
        "message": "The specified InstanceId does not exist.",
        "request_id": request_id,
        "host_id": ecs_sim.calls[-1].host,
    }
    assert ecs_sim.calls[-1].error_code == "InvalidInstanceId.NotFound"

    ecs_sim.fail_next("DescribeInstances", code="Throttling.User", status=400)
    with pytest.raises(BaseHTTPError) as info:
        driver.list_nodes()
    assert info.value.code == 400
    assert "'code': 'Throttling.User'" in info.value.message


@signed
def test_a_wrong_secret_is_refused_in_xml(ecs_sim: EcsSimulator) -> None:
    wrong = libcloud_ecs.ECSDriver(AK, "not-the-secret", region="cn-hangzhou")
    with pytest.raises(BaseHTTPError) as info:
        wrong.list_nodes()
    assert info.value.code == 400
    assert "'code': 'SignatureDoesNotMatch'" in info.value.message


# ----------------------------------------------------------- both transports, on the wire
def _check_xml(response: requests.Response, root: str) -> ET.Element:
    assert response.headers["Content-Type"] == XML_CONTENT_TYPE
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><')
    parsed = ET.fromstring(response.content)
    assert parsed.tag == root
    assert parsed.findtext("RequestId") == response.headers["x-acs-request-id"]
    return parsed


def test_both_transports_send_xml_with_its_content_type(
    ecs_sim: EcsSimulator, ecs_server: EcsServer
) -> None:
    query = {"Action": "DescribeInstances", "RegionId": "cn-hangzhou", "Format": "XML"}
    with requests.Session() as session:
        for url in ("https://ecs.aliyuncs.com/", f"{ecs_server.url}/"):
            ok = _check_xml(session.get(url, params=query), "DescribeInstancesResponse")
            assert ok.findtext("Instances/Instance/InstanceId") == "i-a"
            # Format in a form body counts as in the query; an error is <Error>
            form = {"Action": "RebootInstance", "InstanceId": "i-x", "Format": "xml"}
            refused = session.post(url, data=form)
            assert refused.status_code == 404
            assert _check_xml(refused, "Error").findtext("Code") == "InvalidInstanceId.NotFound"
            plain = session.get(url, params={**query, "Format": "JSON"})
            assert plain.headers["Content-Type"] == "application/json;charset=utf-8"
            assert plain.json()["Instances"]["Instance"][0]["InstanceId"] == "i-a"


def test_the_legacy_sdk_can_ask_for_xml(
    ecs_sim: EcsSimulator, acs_client: Callable[..., Any]
) -> None:
    from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import DescribeInstancesRequest

    client = acs_client("AK", "SECRET", "cn-hangzhou", auto_retry=False)
    request = DescribeInstancesRequest()
    request.set_accept_format("XML")
    status, headers, body, error = client._implementation_of_do_action(request)
    assert (status, error) == (200, None)
    assert headers["Content-Type"] == XML_CONTENT_TYPE
    assert ET.fromstring(body).findtext("Instances/Instance/InstanceId") == "i-a"


def test_the_new_sdk_reads_an_xml_error(ecs_sim: EcsSimulator) -> None:
    """The new SDK (ACS3) never asks for XML itself, but reads an error body as XML when its
    Content-Type is exactly ours: a ``Format=XML`` it was given in the query gets that."""
    from alibabacloud_tea_openapi import models as open_api_models
    from alibabacloud_tea_openapi.exceptions import ClientException
    from darabonba.runtime import RuntimeOptions

    from tests.helpers.sdk import new_client

    client = new_client(ecs_sim)
    params = open_api_models.Params(
        action="RebootInstance", version="2014-05-26", protocol="HTTPS", pathname="/",
        method="POST", auth_type="AK", style="RPC", req_body_type="formData", body_type="json",
    )  # fmt: skip
    request = open_api_models.OpenApiRequest(query={"InstanceId": "i-x", "Format": "XML"})
    with pytest.raises(ClientException) as info:
        client.call_api(params, request, RuntimeOptions())
    assert info.value.code == "InvalidInstanceId.NotFound"
    assert info.value.status_code == 404
    assert info.value.request_id == ecs_sim.calls[-1].request_id
