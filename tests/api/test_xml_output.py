"""The XML form of the answers (``Format=XML``): the rendering rules, and the dispatcher using
them for successes and errors alike."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.protocol import JSON_CONTENT_TYPE
from pytest_ecs_events.api.xml_output import (
    XML_CONTENT_TYPE,
    XML_DECLARATION,
    encode_xml,
    wants_xml,
    xml_answer,
    xml_name,
    xml_text,
)


def _xml(body: dict[str, object], root: str = "R") -> str:
    text = encode_xml(root, body).decode("utf-8")
    assert text.startswith(XML_DECLARATION)
    ET.fromstring(text)  # well-formed
    return text[len(XML_DECLARATION) :]


# ------------------------------------------------------------------------------- the rules
def test_lists_repeat_the_key_under_their_parent_as_the_real_api_nests_them() -> None:
    body = {
        "Instances": {"Instance": [{"InstanceId": "i-a"}, {"InstanceId": "i-b"}]},
        "SecurityGroupIds": {"SecurityGroupId": ["sg-1", "sg-2"]},
        "InnerIpAddress": {"IpAddress": []},
    }
    assert _xml(body) == (
        "<R><Instances><Instance><InstanceId>i-a</InstanceId></Instance>"
        "<Instance><InstanceId>i-b</InstanceId></Instance></Instances>"
        "<SecurityGroupIds><SecurityGroupId>sg-1</SecurityGroupId>"
        "<SecurityGroupId>sg-2</SecurityGroupId></SecurityGroupIds>"
        "<InnerIpAddress></InnerIpAddress></R>"
    )


def test_scalars_booleans_numbers_null_and_empty_objects() -> None:
    body = {"T": True, "F": False, "I": -3, "X": 1.5, "N": None, "E": {}, "S": "", "Z": 0}
    assert _xml(body) == (
        "<R><T>true</T><F>false</F><I>-3</I><X>1.5</X><N/><E/><S></S><Z>0</Z></R>"
    )


def test_key_order_is_the_json_order() -> None:
    assert _xml({"b": 1, "a": 2, "RequestId": "x"}) == (
        "<R><b>1</b><a>2</a><RequestId>x</RequestId></R>"
    )


def test_a_list_inside_a_list_becomes_items() -> None:
    assert _xml({"K": [[1, 2], []]}) == "<R><K><item>1</item><item>2</item></K><K></K></R>"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("a<b>&c", "a<b>&c"),
        ("]]>", "]]>"),
        ("line\r\nnext\ttab", "line\r\nnext\ttab"),
        ("bell\x07 nul\x00 esc\x1b", "bell\ufffd nul\ufffd esc\ufffd"),
        ("\ud800 lone \ufffe\uffff", "\ufffd lone \ufffd\ufffd"),
        ("quotes \" and '", "quotes \" and '"),
        ("中文 é 😀", "中文 é 😀"),
    ],
)
def test_text_is_escaped_so_the_document_is_always_well_formed(raw: str, parsed: str) -> None:
    document = encode_xml("R", {"Reason": raw})
    assert ET.fromstring(document).findtext("Reason") == parsed


def test_plain_text_is_returned_as_it_is() -> None:
    text = "SystemMaintenance.Reboot"
    assert xml_text(text) is text


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("InstanceId", "InstanceId"),
        ("a.b-c_d1", "a.b-c_d1"),
        ("has space", "has_space"),
        ("1st", "_1st"),
        ("", "_"),
        ("-x", "_-x"),
        ("é<", "__"),
        ("x:y", "x_y"),
    ],
)
def test_keys_become_element_names(key: str, name: str) -> None:
    assert xml_name(key) == name
    ET.fromstring(f"<{name}/>")


def test_success_and_error_roots() -> None:
    assert xml_answer("RebootInstance", {"RequestId": "r"}, error=False) == (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b"<RebootInstanceResponse><RequestId>r</RequestId></RebootInstanceResponse>"
    )
    assert xml_answer("RebootInstance", {"Code": "c"}, error=True).endswith(
        b"<Error><Code>c</Code></Error>"
    )


@pytest.mark.parametrize(
    ("value", "xml"),
    [("XML", True), ("xml", True), ("Xml", True), ("JSON", False), ("json", False),
     ("", False), ("yaml", False), (None, False), (" xml", False)],
)  # fmt: skip
def test_which_format_values_ask_for_xml(value: str | None, xml: bool) -> None:
    assert wants_xml(value) is xml


# ------------------------------------------------------------------- through the dispatcher
def _handle(sim: EcsSimulator, **params: str) -> tuple[int, dict[str, str], ET.Element]:
    response = sim.handle(ApiRequest(params=params, host=sim.endpoint))
    content = response.content()
    assert content.startswith(XML_DECLARATION.encode())
    return response.status, dict(response.headers), ET.fromstring(content)


def test_a_success_says_in_xml_what_its_json_says() -> None:
    sim = EcsSimulator()
    sim.add_instance("i-a", name="web & <db>", tags={"team": "a&b"})
    (event,) = sim.create_events("SystemMaintenance.Reboot", "i-a", "+2h")
    as_json = sim.call("DescribeInstancesFullStatus", RegionId="cn-hangzhou", InstanceId=["i-a"])

    status, headers, root = _handle(
        sim,
        Action="DescribeInstancesFullStatus",
        Format="XML",
        RegionId="cn-hangzhou",
        **{"InstanceId.1": "i-a"},
    )
    assert status == 200
    assert headers["Content-Type"] == XML_CONTENT_TYPE == "text/xml;charset=utf-8"
    assert headers["x-acs-request-id"] == root.findtext("RequestId")
    assert root.tag == "DescribeInstancesFullStatusResponse"
    assert root.findtext("TotalCount") == str(as_json["TotalCount"]) == "1"
    [full] = root.findall("InstanceFullStatusSet/InstanceFullStatusType")
    [scheduled] = full.findall("ScheduledSystemEventSet/ScheduledSystemEventType")
    assert scheduled.findtext("EventId") == event.event_id
    assert scheduled.findtext("EventType/Name") == "SystemMaintenance.Reboot"
    assert scheduled.findtext("EventCycleStatus/Code") == "24"

    _, _, instances = _handle(sim, Action="DescribeInstances", Format="xml", RegionId="cn-hangzhou")
    [instance] = instances.findall("Instances/Instance")
    assert instance.findtext("InstanceName") == "web & <db>"
    assert instance.findtext("Tags/Tag/TagValue") == "a&b"
    assert instances[0].tag == "RequestId"


def test_an_error_is_the_error_element_with_the_json_error_fields() -> None:
    sim = EcsSimulator()
    status, headers, root = _handle(sim, Action="RebootInstance", InstanceId="i-nope", Format="XML")
    assert status == 404
    assert headers["Content-Type"] == XML_CONTENT_TYPE
    assert root.tag == "Error"
    assert [child.tag for child in root] == ["RequestId", "HostId", "Code", "Message", "Recommend"]
    assert root.findtext("Code") == "InvalidInstanceId.NotFound"
    assert root.findtext("HostId") == sim.endpoint
    assert "requestId=" + root.findtext("RequestId", "") in root.findtext("Recommend", "")
    assert sim.calls[-1].error_code == "InvalidInstanceId.NotFound"

    status, _, root = _handle(sim, Action="NoSuchAction", Format="XML")
    assert (status, root.tag, root.findtext("Code")) == (404, "Error", "InvalidAction.NotFound")
    status, _, root = _handle(sim, Format="XML")
    assert (status, root.findtext("Code")) == (400, "MissingParameter")


def test_injected_faults_and_read_only_answers_kept_for_json_answer_in_xml_too() -> None:
    sim = EcsSimulator()
    sim.add_instance("i-a")
    sim.fail_next("DescribeInstances", code="Throttling.User", status=400)
    status, _, root = _handle(sim, Action="DescribeInstances", Format="XML", RegionId="cn-hangzhou")
    assert (status, root.findtext("Code")) == (400, "Throttling.User")

    json_first = sim.handle(
        ApiRequest(params={"Action": "DescribeInstances", "RegionId": "cn-hangzhou"})
    )
    assert json_first.headers["Content-Type"] == JSON_CONTENT_TYPE
    _, _, root = _handle(sim, Action="DescribeInstances", Format="XML", RegionId="cn-hangzhou")
    assert root.findtext("Instances/Instance/InstanceId") == "i-a"
    json_again = sim.handle(
        ApiRequest(params={"Action": "DescribeInstances", "RegionId": "cn-hangzhou"})
    )
    assert (
        json.loads(json_again.content())["Instances"]
        == json.loads(json_first.content())["Instances"]
    )


@pytest.mark.parametrize("value", ["JSON", "json", "", "yaml"])
def test_any_other_format_answers_json(value: str) -> None:
    sim = EcsSimulator()
    response = sim.handle(ApiRequest(params={"Action": "DescribeRegions", "Format": value}))
    assert response.headers["Content-Type"] == JSON_CONTENT_TYPE
    assert json.loads(response.content())["RequestId"] == response.body["RequestId"]


def test_call_returns_a_dict_whatever_format_says() -> None:
    sim = EcsSimulator()
    sim.add_instance("i-a")
    body = sim.call("DescribeInstances", RegionId="cn-hangzhou", Format="XML")
    assert body["Instances"]["Instance"][0]["InstanceId"] == "i-a"
