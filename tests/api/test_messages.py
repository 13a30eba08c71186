"""What crosses the wire (api/messages.py): ``ApiRequest`` and ``ApiResponse``."""

from __future__ import annotations

import json

import pytest

from pytest_ecs_events.api import ApiRequest as PackageRequest
from pytest_ecs_events.api.messages import NO_HEADERS, ApiRequest, ApiResponse


def test_the_action_comes_from_the_parameters_or_the_header() -> None:
    assert ApiRequest({"Action": "DescribeRegions"}).action == "DescribeRegions"
    assert ApiRequest({}, {"x-acs-action": "RebootInstance"}).action == "RebootInstance"
    assert ApiRequest({"Action": "A"}, {"x-acs-action": "B"}).action == "A"
    assert ApiRequest({"Action": ""}).action is None


def test_defaults_are_an_in_process_post() -> None:
    request = ApiRequest({"Action": "DescribeRegions"})
    assert request.headers is NO_HEADERS
    assert (request.method, request.path, request.query, request.body) == ("POST", "/", (), b"")
    with pytest.raises(TypeError):
        NO_HEADERS["x"] = "y"  # type: ignore[index]


def test_response_content_is_the_known_json_or_the_encoded_body() -> None:
    encoded = ApiResponse(200, {"RequestId": "R", "Ok": "é"})
    assert json.loads(encoded.content()) == {"RequestId": "R", "Ok": "é"}
    known = ApiResponse(200, {"RequestId": "R"}, data=b'{"RequestId":"R","Kept":1}')
    assert known.content() == b'{"RequestId":"R","Kept":1}'


def test_the_package_exports_the_messages() -> None:
    assert PackageRequest is ApiRequest
