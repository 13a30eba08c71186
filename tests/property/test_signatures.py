"""Signatures (api/signatures.py) on any input: our strings to sign are the SDKs' own, the
verifier only ever raises API errors, and the usual-header shortcut answers as the full
parser."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from types import SimpleNamespace
from unittest import mock

from alibabacloud_tea_openapi.utils import Utils
from aliyunsdkcore.auth.composer import rpc_signature_composer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_ecs_events.api import signatures
from pytest_ecs_events.api.messages import ApiRequest
from pytest_ecs_events.api.signatures import (
    SignatureVerifier,
    acs3_string_to_sign,
    legacy_string_to_sign,
    sign_acs3,
    sign_legacy,
)
from pytest_ecs_events.core.errors import EcsApiError

AK, SECRET = "AK", "SECRET"
HOST = "ecs-cn-hangzhou.aliyuncs.com"
FAST = settings(
    max_examples=150, deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
_legacy_compose = getattr(rpc_signature_composer, "__compose_string_to_sign")


# ----------------------------------------------------------- byte-for-byte with the SDKs
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@FAST
@given(params=st.dictionaries(_names, _text, max_size=8), method=st.sampled_from(["GET", "POST"]))
def test_legacy_string_to_sign_is_the_sdks(params: dict[str, str], method: str) -> None:
    # The SDK composes before it adds Signature, so its composer never sees one; ours leaves
    # any Signature parameter out (hypothesis does generate the name).
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    assert legacy_string_to_sign(method, params) == _legacy_compose(method, unsigned)
    sts = legacy_string_to_sign(method, params)
    signed = Utils.get_rpcsignature(unsigned, method, SECRET)
    assert sign_legacy(sts, SECRET) == signed


@FAST
@given(
    query=st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9.]{0,10}", fullmatch=True), _text, max_size=6
    ),
    extra=st.dictionaries(st.from_regex(r"x-acs-[a-z]{1,8}", fullmatch=True),
                          st.from_regex(r"[ -~]{0,12}", fullmatch=True), max_size=3),
)  # fmt: skip
def test_acs3_signature_is_the_sdks(query: dict[str, str], extra: dict[str, str]) -> None:
    headers = {"host": HOST, "x-acs-date": "2024-01-01T00:00:00Z",
               "x-acs-signature-nonce": "n", **extra}  # fmt: skip
    payload = hashlib.sha256(b"").hexdigest()
    request = SimpleNamespace(pathname="/", method="POST", query=query, headers=dict(headers))
    auth = Utils.get_authorization(request, "ACS3-HMAC-SHA256", payload, AK, SECRET)
    signed_headers = auth.split("SignedHeaders=")[1].split(",")[0]
    sts = acs3_string_to_sign(method="POST", path="/", query=tuple(query.items()),
                              headers=headers, signed_headers=signed_headers, body=b"")  # fmt: skip
    assert auth.endswith(f",Signature={sign_acs3(sts, SECRET)}")


# --------------------------------------------------------------------- never crashes
_header_names = st.sampled_from(["authorization", "x-acs-date", "x-acs-signature-nonce",
                                 "host", "x-acs-content-sha256", "Authorization"])  # fmt: skip
_param_names = st.sampled_from(["AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion",
                                "SignatureNonce", "Timestamp", "Action", "RegionId"])  # fmt: skip
_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=" + "a" * 64,
                     "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=,Signature=",
                     "HMAC-SHA1", "1.0", AK, "2024-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                     "0000-01-01T00:00:00Z", "ACS3-HMAC-SHA256 ,,,==,", ""]),
)  # fmt: skip


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(
    params=st.dictionaries(st.one_of(_param_names, st.text(max_size=8)), _values, max_size=8),
    headers=st.dictionaries(_header_names, _values, max_size=5),
    query=st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)), max_size=4),
    body=st.binary(max_size=16),
    keys=st.booleans(),
)
def test_verifier_only_raises_api_errors(
    params: dict[str, str], headers: dict[str, str], query: list[tuple[str, str]],
    body: bytes, keys: bool,
) -> None:  # fmt: skip
    verifier = SignatureVerifier({AK: SECRET} if keys else None)
    request = ApiRequest(params=params, headers=headers, query=tuple(query), body=body)
    error: EcsApiError | None = None
    try:
        verifier(request)
    except EcsApiError as exc:  # anything else fails the test
        error = exc
    if error is not None:
        assert error.status == 400
        assert error.code in {"MissingParameter", "IncompleteSignature", "InvalidTimeStamp.Format",
                              "InvalidTimeStamp.Expired", "InvalidAccessKeyId.NotFound",
                              "SignatureDoesNotMatch", "SignatureNonceUsed"}  # fmt: skip


_auth_headers = (
    st.builds(
        "{}{}Credential={},SignedHeaders={},Signature={}{}".format,
        st.sampled_from(["ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", "HMAC", ""]),
        st.sampled_from([" ", "  ", ""]),
        st.sampled_from(["AK", "OTHER", "", "A=K", " AK"]),
        st.sampled_from(["host;x-acs-date", "host", "Host", "x-absent", "host;;x-acs-date", ""]),
        st.sampled_from(["a" * 64, "A" * 64, "b" * 63, "g" * 64, "", "a" * 64 + "="]),
        st.sampled_from(["", " ", ",", ",Signature=x"]),
    )
    | st.text()
)


@settings(max_examples=1000)
@given(_auth_headers, st.booleans())
def test_the_usual_header_shortcut_answers_as_the_full_parser(header: str, keys: bool) -> None:
    request = ApiRequest(
        params={"Action": "DescribeRegions"},
        headers={"authorization": header, "host": "h", "x-acs-date": "2024-05-01T00:00:00Z",
                 "x-acs-signature-nonce": "n"},
    )  # fmt: skip
    clock = lambda: datetime(2024, 5, 1, tzinfo=timezone.utc)  # noqa: E731

    def outcome() -> tuple[str, str] | None:
        verifier = SignatureVerifier({"AK": "SECRET"} if keys else None, clock=clock)
        try:
            verifier(request)
        except EcsApiError as error:
            return error.code, error.message
        return None

    fast = outcome()
    never = mock.Mock(return_value=re.compile(r"(?!)"))
    with mock.patch.object(signatures, "_USUAL_ACS3", never):
        assert outcome() == fast
