"""The records and body format of what an event rule delivers to an MNS queue."""

from __future__ import annotations

import base64
import binascii
import json

import pytest

from pytest_ecs_events.core.rule_deliveries import DeliveryPolicy, decode_body, encode_body


def test_the_body_is_the_base64_of_the_json_payload_and_decodes_back() -> None:
    payload = {"name": "Instance:SystemMaintenance.Reboot:Scheduled", "content": {"x": "é"}}
    body = encode_body(payload)
    assert json.loads(base64.b64decode(body).decode("utf-8")) == payload
    assert decode_body(body) == payload
    assert decode_body(body.encode("ascii")) == payload


def test_decode_refuses_what_is_not_base64() -> None:
    with pytest.raises(binascii.Error):
        decode_body('{"ver": "1.0"}')


@pytest.mark.parametrize("value", [-0.1, 1.5, "0.5", True, None])
def test_duplicates_must_be_a_probability(value: object) -> None:
    with pytest.raises(ValueError, match="duplicates must be a probability"):
        DeliveryPolicy(duplicates=value)  # type: ignore[arg-type]


def test_reorder_must_be_a_bool_and_faulty_says_whether_any_fault_is_on() -> None:
    with pytest.raises(ValueError, match="reorder"):
        DeliveryPolicy(reorder=1)  # type: ignore[arg-type]
    assert not DeliveryPolicy().faulty
    assert DeliveryPolicy(duplicates=0.2).faulty
    assert DeliveryPolicy(reorder=True).faulty
