"""Signatures and credentials (api/signatures.py), end to end with both official SDKs.

Every refusal is checked the way each SDK reports it: the legacy ``aliyunsdkcore`` raises
``ServerException`` (and rewrites a ``SignatureDoesNotMatch`` whose string to sign equals its
own into ``InvalidAccessKeySecret``), the new SDK raises ``ClientException`` for a 4xx.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from unittest import mock
from urllib.parse import urlencode

import pytest
import requests
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client as NewClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_openapi.models import Config
from alibabacloud_tea_openapi.utils import Utils
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.composer import rpc_signature_composer
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.utils import parameter_helper
from aliyunsdkecs.request.v20140526.DescribeInstanceStatusRequest import (
    DescribeInstanceStatusRequest,
)

from pytest_ecs_events import EcsSimulator
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.signatures import (
    MUST_BE_SIGNED,
    SignatureVerifier,
    legacy_string_to_sign,
    sign_legacy,
)
from pytest_ecs_events.core.errors import EcsApiError

AK, SECRET = "AK", "SECRET"
HOST = "ecs-cn-hangzhou.aliyuncs.com"
URL = f"https://{HOST}/"
WITH_KEYS = pytest.mark.ecs_sim(credentials={AK: SECRET}, instances=["i-a"])
NO_KEYS = pytest.mark.ecs_sim(instances=["i-a"])


# ----------------------------------------------------------------------------- helpers
def legacy(ak: str = AK, secret: str = SECRET) -> AcsClient:
    return AcsClient(ak, secret, "cn-hangzhou")


def new(ak: str = AK, secret: str = SECRET, **config: Any) -> NewClient:
    return NewClient(Config(access_key_id=ak, access_key_secret=secret,
                            region_id="cn-hangzhou", **config))  # fmt: skip


def legacy_call(client: AcsClient) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(
        client.do_action_with_exception(DescribeInstanceStatusRequest())
    )
    return body


def new_call(client: NewClient) -> Any:
    return client.describe_instance_status(
        ecs_models.DescribeInstanceStatusRequest(region_id="cn-hangzhou")
    )


def legacy_error(client: AcsClient) -> ServerException:
    with pytest.raises(ServerException) as info:
        legacy_call(client)
    return info.value


def new_error(client: NewClient) -> ClientException:
    with pytest.raises(ClientException) as info:
        new_call(client)
    return info.value


def api_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_legacy_url(*, secret: str = SECRET, **extra: str) -> tuple[str, str]:
    """A URL signed by the legacy SDK's own composer; returns (url, string to sign)."""
    params = {"Action": "DescribeInstanceStatus", "Version": "2014-05-26",
              "RegionId": "cn-hangzhou", **extra}  # fmt: skip
    path, sts = rpc_signature_composer.get_signed_url(params, AK, secret, "JSON", "POST", {})
    return f"https://{HOST}{path}", sts


def acs3_headers(
    query: dict[str, str], *, secret: str = SECRET, date: str | None = None, nonce: str = "n-1"
) -> dict[str, str]:
    """Headers signed by the new SDK's own ``get_authorization``."""
    headers = {
        "host": HOST,
        "x-acs-action": "DescribeInstanceStatus",
        "x-acs-version": "2014-05-26",
        "x-acs-date": date or api_time(datetime.now(timezone.utc)),
        "x-acs-signature-nonce": nonce,
        "x-acs-content-sha256": hashlib.sha256(b"").hexdigest(),
    }
    request = SimpleNamespace(pathname="/", method="POST", query=query, headers=headers)
    headers["Authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", hashlib.sha256(b"").hexdigest(), AK, secret
    )
    return headers


def error_of(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["Code"], body["Message"]


@pytest.fixture
def recorded(ecs_sim: EcsSimulator) -> Iterator[list[ApiRequest]]:
    """Every request the verifier saw (to replay one exactly)."""
    seen: list[ApiRequest] = []
    check = ecs_sim.api.authenticator
    assert check is not None

    def recording(request: ApiRequest) -> None:
        seen.append(request)
        check(request)

    ecs_sim.api.authenticator = recording
    yield seen
    ecs_sim.api.authenticator = check


# --------------------------------------------------------------------- good key
@WITH_KEYS
def test_good_key_works_with_both_sdks(ecs_sim: EcsSimulator) -> None:
    assert legacy_call(legacy())["TotalCount"] == 1
    assert new_call(new()).body.total_count == 1
    # The new SDK's RPC v1 signer (signature_algorithm="v2") is the legacy scheme.
    assert new_call(new(signature_algorithm="v2")).body.total_count == 1
    assert [c.status for c in ecs_sim.calls] == [200, 200, 200]


@WITH_KEYS
def test_good_key_with_awkward_values(ecs_sim: EcsSimulator) -> None:
    """Values that percent-encoding treats specially still verify in both schemes."""
    ecs_sim.add_instance("i-b", name="web *~+/ 1 é")
    legacy_request = DescribeInstanceStatusRequest()
    legacy_request.add_query_param("ZoneId", "cn-hangzhou-b")
    for value in ("web *~+/ 1 é", "a&b=c%20"):
        from aliyunsdkecs.request.v20140526.DescribeInstancesRequest import (
            DescribeInstancesRequest,
        )

        request = DescribeInstancesRequest()
        request.set_InstanceName(value)
        json.loads(legacy().do_action_with_exception(request))
        new().describe_instances(
            ecs_models.DescribeInstancesRequest(region_id="cn-hangzhou", instance_name=value)
        )
    assert all(c.ok for c in ecs_sim.calls), [c.error_code for c in ecs_sim.calls]


@WITH_KEYS
def test_direct_calls_are_trusted(ecs_sim: EcsSimulator) -> None:
    assert ecs_sim.call("DescribeInstanceStatus", RegionId="cn-hangzhou")["TotalCount"] == 1


@WITH_KEYS
def test_credentials_added_later_are_used(ecs_sim: EcsSimulator) -> None:
    ecs_sim.credentials["AK2"] = "S2"
    assert legacy_call(legacy("AK2", "S2"))["TotalCount"] == 1
    assert new_call(new("AK2", "S2")).body.total_count == 1


# --------------------------------------------------------------------- unknown key
@WITH_KEYS
def test_unknown_key(ecs_sim: EcsSimulator) -> None:
    error = legacy_error(legacy("NOPE"))
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidAccessKeyId.NotFound", 400)
    assert error.get_error_msg() == "Specified access key is not found."
    exc = new_error(new("NOPE"))
    assert (exc.code, exc.status_code) == ("InvalidAccessKeyId.NotFound", 400)
    assert exc.data["Message"] == "Specified access key is not found."
    assert not ecs_sim.internal_errors


# --------------------------------------------------------------------- wrong secret
@WITH_KEYS
def test_wrong_secret_legacy_sdk_says_invalid_secret(ecs_sim: EcsSimulator) -> None:
    """Our string to sign equals the SDK's, so the SDK rewrites the code itself."""
    error = legacy_error(legacy(secret="WRONG"))
    assert error.get_error_code() == "InvalidAccessKeySecret"
    assert error.get_http_status() == 400
    assert ecs_sim.calls[-1].error_code == "SignatureDoesNotMatch"


@WITH_KEYS
def test_wrong_secret_new_sdk(ecs_sim: EcsSimulator) -> None:
    exc = new_error(new(secret="WRONG"))
    assert (exc.code, exc.status_code) == ("SignatureDoesNotMatch", 400)
    message = exc.data["Message"]
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert message.startswith(prefix + "ACS3-HMAC-SHA256\n")
    assert len(message.split(":")[1].split("\n")[1]) == 64
    exc = new_error(new(secret="WRONG", signature_algorithm="v2"))
    assert exc.code == "SignatureDoesNotMatch"
    assert exc.data["Message"].startswith(prefix + "POST&%2F&")


@WITH_KEYS
def test_tampered_request_keeps_signature_does_not_match(ecs_sim: EcsSimulator) -> None:
    """A request changed after signing: the server's string differs from the client's."""
    url, client_sts = signed_legacy_url()
    tampered = url.replace("RegionId=cn-hangzhou", "RegionId=cn-beijing")
    status, code, message = error_of(requests.post(tampered, timeout=5))
    assert (status, code) == (400, "SignatureDoesNotMatch")
    server_sts = message.split(":")[1]
    assert server_sts != client_sts
    assert server_sts == client_sts.replace("cn-hangzhou", "cn-beijing")


# --------------------------------------------------------------------- replayed nonce
@WITH_KEYS
def test_reused_nonce_legacy_sdk(ecs_sim: EcsSimulator) -> None:
    with mock.patch.object(parameter_helper, "get_uuid", return_value="f" * 32):
        assert legacy_call(legacy())["TotalCount"] == 1
        error = legacy_error(legacy())
    assert (error.get_error_code(), error.get_http_status()) == ("SignatureNonceUsed", 400)


@WITH_KEYS
def test_reused_nonce_new_sdk(ecs_sim: EcsSimulator) -> None:
    with mock.patch.object(Utils, "get_nonce", return_value="f" * 32):
        assert new_call(new()).body.total_count == 1
        exc = new_error(new())
    assert (exc.code, exc.status_code) == ("SignatureNonceUsed", 400)


@WITH_KEYS
def test_replayed_request_both_sdks(ecs_sim: EcsSimulator, recorded: list[ApiRequest]) -> None:
    """The very same wire request sent again is refused; a fresh one is served."""
    legacy_call(legacy())
    new_call(new())
    assert [r.headers.get("authorization", "")[:4] for r in recorded] == ["", "ACS3"]
    for request in list(recorded):
        response = ecs_sim.handle(request)
        assert (response.status, response.body["Code"]) == (400, "SignatureNonceUsed")
    assert legacy_call(legacy())["TotalCount"] == 1
    assert new_call(new()).body.total_count == 1


@WITH_KEYS
def test_replayed_url_through_requests(ecs_sim: EcsSimulator) -> None:
    url, _ = signed_legacy_url()
    assert requests.post(url, timeout=5).status_code == 200
    assert error_of(requests.post(url, timeout=5))[:2] == (400, "SignatureNonceUsed")
    query = {"RegionId": "cn-hangzhou"}
    headers = acs3_headers(query)
    target = f"{URL}?{urlencode(query)}"
    assert requests.post(target, headers=headers, timeout=5).status_code == 200
    again = requests.post(target, headers=headers, timeout=5)
    assert error_of(again)[:2] == (400, "SignatureNonceUsed")


def test_nonce_window_and_memory() -> None:
    now = [datetime(2024, 1, 1, tzinfo=timezone.utc)]
    verifier = SignatureVerifier({AK: SECRET}, clock=lambda: now[0])

    def legacy_request(nonce: str) -> ApiRequest:
        params = {"Action": "DescribeRegions", "AccessKeyId": AK, "SignatureMethod": "HMAC-SHA1",
                  "SignatureVersion": "1.0", "SignatureNonce": nonce,
                  "Timestamp": api_time(now[0])}  # fmt: skip
        params["Signature"] = sign_legacy(legacy_string_to_sign("POST", params), SECRET)
        return ApiRequest(params=params, headers={"host": HOST})

    verifier(legacy_request("n"))
    with pytest.raises(EcsApiError, match="SignatureNonceUsed"):
        verifier(legacy_request("n"))
    now[0] += timedelta(minutes=16)  # the old request is expired; its nonce may come back
    verifier(legacy_request("n"))
    for i in range(5000):
        now[0] += timedelta(seconds=1)
        verifier(legacy_request(f"n{i}"))
    assert len(verifier._nonces) <= 2048  # only the last 15 minutes are kept


# --------------------------------------------------------------------- expired timestamp
@WITH_KEYS
@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_expired_timestamp_legacy_sdk(ecs_sim: EcsSimulator, skew: timedelta) -> None:
    stamp = api_time(datetime.now(timezone.utc) + skew)
    with mock.patch.object(parameter_helper, "get_iso_8061_date", return_value=stamp):
        error = legacy_error(legacy())
    assert (error.get_error_code(), error.get_http_status()) == ("InvalidTimeStamp.Expired", 400)
    assert error.get_error_msg() == "Specified time stamp or date value is expired."


@WITH_KEYS
@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)])
def test_expired_timestamp_new_sdk(ecs_sim: EcsSimulator, skew: timedelta) -> None:
    stamp = api_time(datetime.now(timezone.utc) + skew)
    with mock.patch.object(Utils, "get_timestamp", return_value=stamp):
        exc = new_error(new())
    assert (exc.code, exc.status_code) == ("InvalidTimeStamp.Expired", 400)


@WITH_KEYS
def test_skew_within_15_minutes_is_fine(ecs_sim: EcsSimulator) -> None:
    stamp = api_time(datetime.now(timezone.utc) - timedelta(minutes=14))
    with mock.patch.object(parameter_helper, "get_iso_8061_date", return_value=stamp):
        assert legacy_call(legacy())["TotalCount"] == 1
    with mock.patch.object(Utils, "get_timestamp", return_value=stamp):
        assert new_call(new()).body.total_count == 1


@WITH_KEYS
@pytest.mark.ecs_sim(now="2018-08-22T10:39:49Z")
def test_timestamp_is_checked_against_the_wall_clock(ecs_sim: EcsSimulator) -> None:
    """The virtual clock is in 2018; real signatures are still accepted."""
    assert legacy_call(legacy())["TotalCount"] == 1
    assert new_call(new()).body.total_count == 1


# --------------------------------------------------------------------- no credentials
@NO_KEYS
def test_without_credentials_any_key_and_secret(ecs_sim: EcsSimulator) -> None:
    assert legacy_call(legacy("ANY", "THING"))["TotalCount"] == 1
    assert new_call(new("ANY", "THING")).body.total_count == 1
    old = api_time(datetime.now(timezone.utc) - timedelta(days=3))
    with mock.patch.object(Utils, "get_timestamp", return_value=old):  # frozen-time tests
        assert new_call(new()).body.total_count == 1


@NO_KEYS
def test_without_credentials_unsigned_requests_are_served(ecs_sim: EcsSimulator) -> None:
    response = requests.post(URL, params={"Action": "DescribeRegions"}, timeout=5)
    assert response.status_code == 200


@WITH_KEYS
def test_with_credentials_unsigned_requests_are_refused(ecs_sim: EcsSimulator) -> None:
    response = requests.post(URL, params={"Action": "DescribeRegions"}, timeout=5)
    status, code, message = error_of(response)
    assert (status, code) == (400, "MissingParameter")
    assert '"AccessKeyId"' in message


def _legacy_params(**changes: str | None) -> dict[str, str]:
    url, _ = signed_legacy_url()
    from urllib.parse import parse_qsl, urlsplit

    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


MALFORMED_LEGACY = [
    ({"Signature": None}, "MissingParameter", "Signature"),
    ({"Signature": ""}, "MissingParameter", "Signature"),
    ({"AccessKeyId": None}, "MissingParameter", "AccessKeyId"),
    ({"SignatureNonce": None}, "MissingParameter", "SignatureNonce"),
    ({"Timestamp": None}, "MissingParameter", "Timestamp"),
    ({"SignatureMethod": None}, "MissingParameter", "SignatureMethod"),
    ({"SignatureVersion": None}, "MissingParameter", "SignatureVersion"),
    ({"SignatureMethod": "HMAC-SHA256"}, "IncompleteSignature", "HMAC-SHA1"),
    ({"SignatureVersion": "2.0"}, "IncompleteSignature", "1.0"),
    ({"Timestamp": "2024-01-01 00:00:00"}, "InvalidTimeStamp.Format", "not well formatted"),
    ({"Timestamp": "2024-01-01T00:00:00.123Z"}, "InvalidTimeStamp.Format", "not well formatted"),
    ({"Timestamp": "2024-13-01T00:00:00Z"}, "InvalidTimeStamp.Format", "not well formatted"),
    ({"Timestamp": "2024-01-01T00:00:00+08:00"}, "InvalidTimeStamp.Format", "not well"),
]


@pytest.mark.parametrize("credentials", [{}, {AK: SECRET}], ids=["no-keys", "keys"])
@pytest.mark.parametrize(("changes", "code", "text"), MALFORMED_LEGACY)
def test_malformed_legacy_signature(
    credentials: dict[str, str], changes: dict[str, str | None], code: str, text: str
) -> None:
    with EcsSimulator(credentials=credentials, instances=["i-a"]) as sim:
        response = requests.post(URL, params=_legacy_params(**changes), timeout=5)
        status, got, message = error_of(response)
        assert (status, got) == (400, code)
        assert text in message
        assert not sim.internal_errors


def _acs3(**changes: str | None) -> dict[str, str]:
    headers = acs3_headers({"RegionId": "cn-hangzhou"})
    for key, value in changes.items():
        name = key.replace("_", "-") if key != "Authorization" else key
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return headers


GOOD_AUTH = _acs3()["Authorization"]
MALFORMED_ACS3 = [
    ({"Authorization": "ACS3-HMAC-SHA256"}, "IncompleteSignature"),
    ({"Authorization": "garbage"}, "IncompleteSignature"),
    ({"Authorization": "acs AK:c2lnbmF0dXJl"}, "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.replace("ACS3-HMAC-SHA256", "ACS4-HMAC-SHA256")},
     "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.split(",Signature=")[0]}, "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.replace("Credential=AK", "Credential=")}, "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.split(",Signature=")[0] + ",Signature=xyz"},
     "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.replace("SignedHeaders=", "SignedHeaders=x-missing;")},
     "IncompleteSignature"),
    ({"Authorization": GOOD_AUTH.replace("SignedHeaders=", "SignedHeaders=Bad Name;")},
     "IncompleteSignature"),
    ({"x_acs_date": None}, "MissingParameter"),
    ({"x_acs_signature_nonce": None}, "MissingParameter"),
    ({"x_acs_date": "Mon, 01 Jan 2024 00:00:00 GMT"}, "InvalidTimeStamp.Format"),
]  # fmt: skip


@pytest.mark.parametrize("credentials", [{}, {AK: SECRET}], ids=["no-keys", "keys"])
@pytest.mark.parametrize(("changes", "code"), MALFORMED_ACS3)
def test_malformed_acs3_signature(
    credentials: dict[str, str], changes: dict[str, str | None], code: str
) -> None:
    with EcsSimulator(credentials=credentials, instances=["i-a"]) as sim:
        headers = _acs3(**changes)
        response = requests.post(URL, params={"RegionId": "cn-hangzhou"}, headers=headers,
                                 timeout=5)  # fmt: skip
        assert error_of(response)[:2] == (400, code)
        assert not sim.internal_errors


@pytest.mark.parametrize("credentials", [{}, {AK: SECRET}], ids=["no-keys", "keys"])
def test_hand_signed_acs3_request_is_served(credentials: dict[str, str]) -> None:
    with EcsSimulator(credentials=credentials, instances=["i-a"]):
        query = {"RegionId": "cn-hangzhou", "PageSize": "50"}
        response = requests.post(URL, params=query, headers=acs3_headers(query), timeout=5)
        assert response.status_code == 200, response.text


def test_other_acs3_algorithms() -> None:
    """SM3/RSA are accepted in form without credentials; only HMAC-SHA256 can be verified."""
    headers = {k.lower(): v for k, v in _acs3().items()}
    headers["authorization"] = headers["authorization"].replace("HMAC-SHA256", "HMAC-SM3")
    request = ApiRequest(params={"Action": "DescribeRegions"}, headers=headers,
                         query=(("RegionId", "cn-hangzhou"),))  # fmt: skip
    SignatureVerifier()(request)
    with pytest.raises(EcsApiError, match="IncompleteSignature"):
        SignatureVerifier({AK: SECRET})(request)


@pytest.mark.parametrize(
    ("signed", "message"),
    [
        ("x-absent;Host", "The signed header 'x-absent' is not in the request."),
        ("Host;x-absent", "SignedHeaders has an invalid header name 'Host'."),
        ("host;x-absent", "The signed header 'x-absent' is not in the request."),
    ],
)
def test_the_first_bad_signed_header_is_the_one_named(signed: str, message: str) -> None:
    header = f"ACS3-HMAC-SHA256 Credential=AK,SignedHeaders={signed},Signature={'a' * 64}"
    request = ApiRequest(
        params={"Action": "DescribeRegions"},
        headers={"authorization": header, "host": "h", "x-acs-date": "2024-05-01T00:00:00Z",
                 "x-acs-signature-nonce": "n"},
    )  # fmt: skip
    with pytest.raises(EcsApiError) as info:
        SignatureVerifier()(request)
    assert info.value.code == "IncompleteSignature"
    assert info.value.message.endswith(message)


@pytest.mark.parametrize(
    ("signed", "missing"),
    [("host;x-acs-date;x-acs-signature-nonce", None), ("host;x-absent", "x-absent")],
)
def test_signed_headers_are_checked_in_a_mapping_whose_keys_are_a_list(
    signed: str, missing: str | None
) -> None:
    """A hand-made request may carry any mapping (here an ``HTTPMessage``, whose ``keys()`` is
    a list): the signed headers are still checked, never a 500."""
    from http.client import HTTPMessage

    authorization = f"ACS3-HMAC-SHA256 Credential=AK,SignedHeaders={signed},Signature={'a' * 64}"
    headers = HTTPMessage()
    for name, value in {"authorization": authorization, "host": "h",
                        "x-acs-date": "2024-05-01T00:00:00Z",
                        "x-acs-signature-nonce": "n"}.items():  # fmt: skip
        headers[name] = value
    request = ApiRequest(params={"Action": "DescribeRegions"}, headers=headers)  # type: ignore[arg-type]
    if missing is None:
        SignatureVerifier()(request)
        return
    with pytest.raises(EcsApiError) as info:
        SignatureVerifier()(request)
    assert info.value.message.endswith(f"The signed header {missing!r} is not in the request.")


# ------------------------------------------------- headers that must be signed (issue 17)
def _signed_without(left_out: str, query: dict[str, str]) -> dict[str, str]:
    """Headers signed by the SDK's own ``get_authorization`` over all but ``left_out``, which
    is then added unsigned, as a man in the middle would after signing."""
    headers = acs3_headers(query)
    value = headers.pop(left_out)
    headers.pop("Authorization")
    request = SimpleNamespace(pathname="/", method="POST", query=query, headers=headers)
    authorization = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", hashlib.sha256(b"").hexdigest(), AK, SECRET
    )
    return {**headers, "Authorization": authorization, left_out: value}


@pytest.mark.parametrize("credentials", [{}, {AK: SECRET}], ids=["no-keys", "keys"])
def test_an_unsigned_action_cannot_be_swapped(credentials: dict[str, str]) -> None:
    """x-acs-action left out of SignedHeaders could be changed after signing: refused."""
    with EcsSimulator(credentials=credentials, instances=["i-a"]) as sim:
        query = {"RegionId": "cn-hangzhou", "InstanceId": "i-a"}
        headers = _signed_without("x-acs-action", query)
        headers["x-acs-action"] = "RebootInstance"  # was DescribeInstanceStatus when signed
        response = requests.post(URL, params=query, headers=headers, timeout=5)
        status, code, message = error_of(response)
        assert (status, code) == (400, "IncompleteSignature")
        assert "'x-acs-action' is not signed" in message
        assert sim.instance("i-a").status.value == "Running"
        assert not sim.internal_errors


@pytest.mark.parametrize("credentials", [{}, {AK: SECRET}], ids=["no-keys", "keys"])
@pytest.mark.parametrize(
    "left_out",
    ["host", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"],
)
def test_every_common_header_present_must_be_signed(
    credentials: dict[str, str], left_out: str
) -> None:
    with EcsSimulator(credentials=credentials, instances=["i-a"]) as sim:
        query = {"RegionId": "cn-hangzhou"}
        response = requests.post(
            URL, params=query, headers=_signed_without(left_out, query), timeout=5
        )
        status, code, message = error_of(response)
        assert (status, code) == (400, "IncompleteSignature")
        assert f"{left_out!r} is not signed" in message
        assert not sim.internal_errors


def test_a_security_token_must_be_signed_too() -> None:
    headers = {k.lower(): v for k, v in acs3_headers({}).items()}
    headers["x-acs-security-token"] = "sts-token"  # added after signing
    request = ApiRequest(params={"Action": "DescribeRegions"}, headers=headers)
    with pytest.raises(EcsApiError) as info:
        SignatureVerifier()(request)
    assert info.value.code == "IncompleteSignature"
    assert "'x-acs-security-token' is not signed" in info.value.message


@WITH_KEYS
def test_the_new_sdk_signs_every_required_header(
    ecs_sim: EcsSimulator, recorded: list[ApiRequest]
) -> None:
    """The new SDK signs every header it sends, so its calls (sync here, async over the
    loopback server in tests/e2e) are served under the stricter rule."""
    assert new_call(new()).body.instance_statuses is not None
    (request,) = recorded
    signed = request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0]
    present = {name for name in MUST_BE_SIGNED if name in request.headers}
    assert {"host", "x-acs-action", "x-acs-version", "x-acs-date"} <= present
    assert present <= set(signed.split(";"))
