"""MNS request signatures: ``Authorization: MNS AccessKeyId:Signature``, checked.

The string to sign is ``VERB\\nContent-MD5\\nContent-Type\\nDate\\n``, then each ``x-mns-*``
header as ``name:value\\n`` (names lower-case, sorted), then the resource (the request
target: path and query as sent); the signature is the Base64 HMAC-SHA1 of it with the
AccessKey secret (``docs/fidelity.md``, "MNS signatures").

Without credentials only the header's form is checked (any AccessKey is accepted, and an
unsigned request is served, handy for curl); with them the AccessKey must be known and the
signature must match.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from ..core.errors import EcsApiError

__all__ = ["check_signature", "content_md5_ok", "hmac_sha1", "sign", "signature_of"]


def string_to_sign(method: str, headers: Mapping[str, str], resource: str) -> str:
    """What the signature covers; ``headers`` have lower-case names."""
    mns_headers = "".join(
        f"{name}:{headers[name]}\n" for name in sorted(headers) if name.startswith("x-mns-")
    )
    return "{}\n{}\n{}\n{}\n{}{}".format(
        method,
        headers.get("content-md5", ""),
        headers.get("content-type", ""),
        headers.get("date", ""),
        mns_headers,
        resource,
    )


#: Each secret's HMAC-SHA1 inner and outer hashes after the padded key (a few secrets).
_PADS: dict[str, tuple[Any, Any]] = {}
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def hmac_sha1(secret: str, message: bytes) -> bytes:
    """``hmac.digest(secret.encode("utf-8"), message, "sha1")`` (RFC 2104), from the key's
    two hash states made once per secret: ``hmac`` fetches the digest and pads the key on
    every call, which is most of its cost for a short message."""
    pads = _PADS.get(secret)
    if pads is None:
        key = secret.encode("utf-8")
        if len(key) > 64:  # the block size of SHA-1
            key = hashlib.sha1(key).digest()
        key = key.ljust(64, b"\0")
        pads = (hashlib.sha1(key.translate(_IPAD)), hashlib.sha1(key.translate(_OPAD)))
        if len(_PADS) < 64:
            _PADS[secret] = pads
    inner = pads[0].copy()
    inner.update(message)
    outer = pads[1].copy()
    outer.update(inner.digest())
    return outer.digest()


def sign(secret: str, method: str, headers: Mapping[str, str], resource: str) -> str:
    """The Base64 HMAC-SHA1 signature of a request."""
    return signature_of(secret, string_to_sign(method, headers, resource))


def signature_of(secret: str, text: str) -> str:
    """The Base64 HMAC-SHA1 signature of a string to sign."""
    digest = hmac_sha1(secret, text.encode("utf-8"))
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


def check_signature(
    credentials: Mapping[str, str], method: str, headers: Mapping[str, str], resource: str
) -> None:
    """Raise the error MNS answers for a request whose signature is missing or wrong."""
    authorization = headers.get("authorization")
    if authorization is None:
        if credentials:
            raise EcsApiError(
                "MissingAuthorizationHeader", "Authorization header is required.", 400
            )
        return
    scheme, _, rest = authorization.partition(" ")
    access_key_id, colon, signature = rest.strip().partition(":")
    if scheme != "MNS" or not colon or not access_key_id or not signature:
        raise EcsApiError(
            "InvalidAuthorizationHeader", "The Authorization header format is invalid.", 400
        )
    if not credentials:
        return
    secret = credentials.get(access_key_id)
    if secret is None:
        raise EcsApiError("InvalidAccessKeyId", "The AccessKey Id you provided is not exist.", 403)
    expected = sign(secret, method, headers, resource)
    # as bytes: compare_digest refuses a str with other than ASCII characters
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogatepass")):
        raise EcsApiError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            403,
        )


def content_md5_ok(header: str, body: bytes) -> bool:
    """Whether a Content-MD5 header fits the body: Base64 of the MD5 digest, or (what the
    Python SDK sends) Base64 of its hex string."""
    given = header.strip().encode("ascii", "replace")
    digest = hashlib.md5(body)
    hexed = digest.hexdigest().encode("ascii")
    # the SDK's form first: the others are only computed for a header that is not it
    return (
        given == binascii.b2a_base64(hexed, newline=False)
        or given == binascii.b2a_base64(digest.digest(), newline=False)
        or given == binascii.b2a_base64(hexed.upper(), newline=False)
    )
