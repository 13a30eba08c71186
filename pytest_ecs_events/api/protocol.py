"""Facts of the ECS RPC protocol that every layer shares (the simulator and live mode)."""

from __future__ import annotations

__all__ = ["API_VERSION", "JSON_CONTENT_TYPE", "PROTOCOL_PARAMS"]

#: The one ECS API version both SDKs speak (``Version`` / ``x-acs-version``).
API_VERSION = "2014-05-26"

#: The Content-Type of every answer, success or error.
JSON_CONTENT_TYPE = "application/json;charset=utf-8"

#: Parameters that carry the protocol, not the call: left out of ``ApiCall.params``.
PROTOCOL_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "Timestamp",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "SecurityToken",
    }
)
