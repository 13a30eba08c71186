"""The dispatcher (api/dispatch.py): every request gets an answer in the API's own format."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pytest

from pytest_ecs_events import EcsApiError
from pytest_ecs_events.api.dispatch import EcsApi, error_body
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.protocol import JSON_CONTENT_TYPE
from pytest_ecs_events.core import Simulation

REQUEST_ID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}")


@pytest.fixture
def api() -> EcsApi:
    return EcsApi(Simulation(now=datetime(2024, 5, 1, tzinfo=timezone.utc)))


def answer(api: EcsApi, **params: str) -> tuple[int, dict[str, Any]]:
    response = api.handle(ApiRequest(params=params))
    return response.status, dict(response.body)


def test_a_success_has_a_request_id_first_and_json_headers(api: EcsApi) -> None:
    response = api.handle(ApiRequest(params={"Action": "DescribeRegions"}))
    assert response.status == 200
    assert next(iter(response.body)) == "RequestId"
    assert REQUEST_ID.fullmatch(response.body["RequestId"])
    assert response.headers == {
        "Content-Type": JSON_CONTENT_TYPE,
        "x-acs-request-id": response.body["RequestId"],
    }
    assert response.content().startswith(b'{"RequestId":"%s"' % response.body["RequestId"].encode())


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "MissingParameter"),
        ({"Action": "LaunchRockets"}, 404, "InvalidAction.NotFound"),
        ({"Action": "DescribeRegions", "Version": "2016-01-01"}, 400, "InvalidVersion"),
    ],
)
def test_refusals_before_the_action(
    api: EcsApi, params: dict[str, str], status: int, code: str
) -> None:
    got_status, body = answer(api, **params)
    assert (got_status, body["Code"]) == (status, code)
    assert api.calls[-1].error_code == code
    assert api.calls[-1].action == (params.get("Action") or "(none)")


def test_protocol_parameters_are_left_out_of_the_record(api: EcsApi) -> None:
    answer(api, Action="DescribeRegions", Version="2014-05-26", Format="JSON", RegionId="x")
    assert api.calls[-1].params == {"RegionId": "x"}


def test_the_authenticator_runs_before_the_action(api: EcsApi) -> None:
    def refuse(request: ApiRequest) -> None:
        raise EcsApiError("InvalidAccessKeyId.NotFound", "no", 400)

    api.authenticator = refuse
    status, body = answer(api, Action="DescribeRegions")
    assert (status, body["Code"]) == (400, "InvalidAccessKeyId.NotFound")


def test_a_bug_is_an_internal_error_and_is_kept(
    api: EcsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(request: ApiRequest) -> None:
        raise ZeroDivisionError("oops")

    api.authenticator = broken
    status, body = answer(api, Action="DescribeRegions")
    assert (status, body["Code"]) == (500, "InternalError")
    assert "simulator bug: ZeroDivisionError: oops" in body["Message"]
    assert [type(e) for e in api.internal_errors] == [ZeroDivisionError]


def test_an_observers_bug_is_kept_and_the_call_still_answered(api: EcsApi) -> None:
    seen: list[str] = []
    api.call_observers.append(lambda call: seen.append(call.action))
    api.call_observers.append(lambda call: 1 / 0)  # type: ignore[func-returns-value]
    status, _ = answer(api, Action="DescribeRegions")
    assert status == 200
    assert seen == ["DescribeRegions"]
    assert [type(e) for e in api.internal_errors] == [ZeroDivisionError]


def test_error_body_is_the_services() -> None:
    body = error_body(EcsApiError("Throttling", "slow down", 400), "RID", "ecs.aliyuncs.com")
    assert body == {
        "RequestId": "RID",
        "HostId": "ecs.aliyuncs.com",
        "Code": "Throttling",
        "Message": "slow down",
        "Recommend": "https://api.aliyun.com/troubleshoot?q=Throttling&product=Ecs&requestId=RID",
    }


def test_serving_another_simulation_drops_the_caches(api: EcsApi) -> None:
    answer(api, Action="DescribeRegions")
    assert api._answers.questions
    api.sim = Simulation(now=datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert not api._answers.questions
    assert len(api._renderings) == 0


def test_an_unknown_action_names_the_one_it_resembles(api: EcsApi) -> None:
    status, body = answer(api, Action="RebootInstanse")
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    assert "'RebootInstanse' is not implemented" in body["Message"]
    assert "Did you mean 'RebootInstance'?" in body["Message"]
    status, body = answer(api, Action="LaunchRockets")
    assert "Did you mean" not in body["Message"]
    assert "It implements: " in body["Message"]
    assert "RebootInstance" in body["Message"]


def test_an_action_of_cloudmonitor_says_which_product_has_it(api: EcsApi) -> None:
    status, body = answer(api, Action="DescribeSystemEventHistogram", Version="2014-05-26")
    assert (status, body["Code"]) == (404, "InvalidAction.NotFound")
    assert "DescribeSystemEventHistogram is an action of CloudMonitor (Cms" in body["Message"]
    assert "Did you mean" not in body["Message"]


def test_the_caches_are_made_by_the_first_call_that_needs_them(api: EcsApi) -> None:
    assert "_answers" not in vars(api)
    assert "_renderings" not in vars(api)
    first = answer(api, Action="DescribeRegions")
    assert api._answers.questions
    assert answer(api, Action="DescribeRegions")[1]["Regions"] == first[1]["Regions"]
    with pytest.raises(AttributeError, match="'RpcApi' object has no attribute '_nothing'"):
        getattr(api, "_nothing")  # noqa: B009  (the missing-attribute path itself)
