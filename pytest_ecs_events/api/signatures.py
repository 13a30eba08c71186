"""Checking request signatures as the ECS API gateway does, for both official SDKs.

Two schemes arrive (``docs/fidelity.md``, "Signatures and credentials"):

- **RPC signature v1** (legacy ``aliyunsdkcore``; the new SDK with ``signature_algorithm='v2'``):
  ``AccessKeyId``, ``Signature``, ``SignatureMethod=HMAC-SHA1``, ``SignatureVersion=1.0``,
  ``SignatureNonce`` and ``Timestamp`` among the parameters.
  ``StringToSign = METHOD&%2F&pe(k1=v1&k2=v2...)`` over every parameter but ``Signature``
  (query and form body), sorted by name, ``pe`` being RFC 3986 percent-encoding; the
  signature is ``base64(HMAC-SHA1(secret + "&", StringToSign))``.
- **ACS3-HMAC-SHA256** (the new SDK's default): ``Authorization: ACS3-HMAC-SHA256
  Credential=<AK>,SignedHeaders=a;b;c,Signature=<hex>`` plus the ``x-acs-date`` and
  ``x-acs-signature-nonce`` headers. The canonical request is
  ``METHOD\\n/\\n<query>\\n<headers>\\n<SignedHeaders>\\n<hex sha256(body)>``; the string to
  sign is ``ACS3-HMAC-SHA256\\n<hex sha256(canonical request)>``; the signature is the hex
  HMAC-SHA256 of it under the secret.

Both are recomputed byte for byte as the SDKs compute them
(``aliyunsdkcore/auth/composer/rpc_signature_composer.py`` and
``alibabacloud_tea_openapi/utils.py`` ``get_authorization``); the tests compare our strings to
sign with the SDKs' own functions.

What is checked (the fidelity table in ``docs/fidelity.md`` marks what is confirmed and what
is our choice):

- Always: the signature parts are present and well formed (``MissingParameter``,
  ``IncompleteSignature``, ``InvalidTimeStamp.Format``); an ACS3 ``SignedHeaders`` names
  every common request header the request carries (:data:`MUST_BE_SIGNED`), else an unsigned
  ``x-acs-action`` could be changed after signing (``IncompleteSignature``).
- With credentials configured: the AccessKey is known (``InvalidAccessKeyId.NotFound``), the
  timestamp is within 15 minutes of the wall clock (``InvalidTimeStamp.Expired``), the
  signature matches (``SignatureDoesNotMatch``, with the message form the legacy SDK parses)
  and the nonce was not used in its window (``SignatureNonceUsed``).
- Without credentials the AccessKey, the signature value, the time and the nonce are not
  checked: any well-formed request is served (so frozen-time tests keep working).
- **Unsigned requests** (no signature parameter and no ``Authorization`` header at all):
  served without credentials (plain ``urllib``/``curl`` to the loopback server, handy for
  scripts); refused with ``MissingParameter`` naming ``AccessKeyId`` when credentials are
  configured, **except** a request that carries no headers at all: no HTTP transport sends
  that (HTTP/1.1 requires ``Host``), so it is in-process code, ``EcsSimulator.call()`` or
  ``EcsSimulator.handle(ApiRequest(params=...))``, which is trusted.

The verifier never raises anything but :class:`EcsApiError` and keeps no state but the
nonces seen (bounded by their window).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from ..core.errors import EcsApiError
from ..core.lazy import pattern_on_first_use
from .messages import ApiRequest
from .params import missing_message

__all__ = [
    "ACS3_ALGORITHM",
    "MUST_BE_SIGNED",
    "SignatureVerifier",
    "acs3_string_to_sign",
    "legacy_string_to_sign",
    "parse_authorization",
    "sign_acs3",
    "sign_legacy",
]

ACS3_ALGORITHM = "ACS3-HMAC-SHA256"
#: The common request headers V3 requires to be signed whenever a request carries them ("all
#: common request headers except Authorization"; docs/fidelity.md cites the page).
MUST_BE_SIGNED = (
    "x-acs-action",
    "host",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
)
#: Algorithms of the V3 family the real API knows; only ACS3-HMAC-SHA256 can be verified here.
ACS3_FAMILY = frozenset({"ACS3-HMAC-SHA256", "ACS3-HMAC-SM3", "ACS3-RSA-SHA256"})
#: Parameters whose presence marks an RPC v1 (legacy) signed request.
LEGACY_MARKERS = (
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "AccessKeyId",
)
LEGACY_REQUIRED = (
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)
DEFAULT_WINDOW = timedelta(minutes=15)

_TIMESTAMP = pattern_on_first_use(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_HEX64 = pattern_on_first_use(r"[0-9a-fA-F]{64}")
#: The Authorization header as the SDK writes it; anything else goes through the full parser.
_USUAL_ACS3 = pattern_on_first_use(
    r"ACS3-HMAC-SHA256 Credential=([!-+\--~]+),SignedHeaders=([!-+\--~]+),"
    r"Signature=([0-9a-fA-F]{64})"
)  # values: printable ASCII but space and comma (simple ranges match fastest)
_HEADER_NAME = pattern_on_first_use(r"[!#$%&'*+.^_`|~0-9a-z-]+")

INCOMPLETE_SIGNATURE = "The request signature does not conform to Aliyun standards."
NOT_MATCHED = "Specified signature is not matched with our calculation. server string to sign is:"
KEY_NOT_FOUND = "Specified access key is not found."
TIMESTAMP_FORMAT = "Specified time stamp or date value is not well formatted."
TIMESTAMP_EXPIRED = "Specified time stamp or date value is expired."
NONCE_USED = "Specified signature nonce was used already."


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


def _pe(text: str) -> str:
    """RFC 3986 percent-encoding (space ``%20``, ``*`` ``%2A``, ``~`` literal), as both SDKs."""
    return quote(text, safe="~", encoding="utf-8", errors="surrogatepass")


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# --------------------------------------------------------------------------- computing
def legacy_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The RPC v1 string to sign over ``params`` (``Signature`` itself left out)."""
    canonical = "&".join(
        f"{_pe(k)}={_pe(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method.upper()}&%2F&{_pe(canonical)}"


def sign_legacy(string_to_sign: str, secret: str) -> str:
    """``base64(HMAC-SHA1(secret + "&", string_to_sign))``."""
    digest = hmac.new(_utf8(secret + "&"), _utf8(string_to_sign), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def acs3_canonical_query(query: tuple[tuple[str, str], ...]) -> str:
    """Keys sorted and left as they are, values percent-encoded (the SDK's own rule)."""
    return "&".join(f"{k}={_pe(v)}" for k, v in sorted(dict(query).items()))


def acs3_string_to_sign(
    *,
    method: str,
    path: str,
    query: tuple[tuple[str, str], ...],
    headers: Mapping[str, str],
    signed_headers: str,
    body: bytes,
) -> str:
    """``ACS3-HMAC-SHA256\\n<hex sha256(canonical request)>``; ``headers`` lower-case names."""
    names = signed_headers.split(";")
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    canonical_request = (
        f"{method.upper()}\n{path or '/'}\n{acs3_canonical_query(query)}\n"
        f"{canonical_headers}\n{signed_headers}\n{hashlib.sha256(body).hexdigest()}"
    )
    return f"{ACS3_ALGORITHM}\n{hashlib.sha256(_utf8(canonical_request)).hexdigest()}"


def sign_acs3(string_to_sign: str, secret: str) -> str:
    """hex ``HMAC-SHA256(secret, string_to_sign)``."""
    return hmac.new(_utf8(secret), _utf8(string_to_sign), hashlib.sha256).hexdigest()


def parse_authorization(header: str) -> tuple[str, dict[str, str]]:
    """``"ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex"`` -> (algorithm, parts).

    Raises ``IncompleteSignature`` when the header cannot be read.
    """
    algorithm, _, rest = header.strip().partition(" ")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or not name or name in parts:
            raise _incomplete(
                "The Authorization header must read '<algorithm> Credential=<AccessKeyId>,"
                "SignedHeaders=<names>,Signature=<signature>'."
            )
        parts[name] = value.strip()
    return algorithm, parts


# --------------------------------------------------------------------------- errors
def _incomplete(detail: str) -> EcsApiError:
    return EcsApiError("IncompleteSignature", f"{INCOMPLETE_SIGNATURE} {detail}", 400)


def _missing(name: str) -> EcsApiError:
    return EcsApiError("MissingParameter", missing_message(name), 400)


def _not_matched(string_to_sign: str) -> EcsApiError:
    return EcsApiError("SignatureDoesNotMatch", NOT_MATCHED + string_to_sign, 400)


# --------------------------------------------------------------------------- verifier
class SignatureVerifier:
    """Checks one :class:`ApiRequest`'s signature; raises :class:`EcsApiError` if refused.

    ``credentials`` maps AccessKeyId to secret. It is read at every call (not copied), so a
    simulator's ``credentials`` dict can be changed later; empty or ``None`` means "no
    credentials": any AccessKey is accepted and only the form of the signature is checked.
    ``clock`` returns the wall clock (aware); requests are signed with real time, never with
    the simulator's virtual clock. ``nonce_ttl`` is both the allowed clock skew and how long
    a nonce stays used.
    """

    def __init__(
        self,
        credentials: Mapping[str, str] | None = None,
        *,
        clock: Callable[[], datetime] = _wall_clock,
        nonce_ttl: timedelta = DEFAULT_WINDOW,
    ) -> None:
        self.credentials: Mapping[str, str] = credentials if credentials is not None else {}
        self.clock = clock
        self.nonce_ttl = nonce_ttl
        self._nonces: dict[tuple[str, str], datetime] = {}
        self._prune_at = 1024
        self._lock = threading.Lock()

    def __call__(self, request: ApiRequest) -> None:
        headers = request.headers
        if headers and not "".join(headers).islower():  # a hand-made request's own case
            headers = {k.lower(): v for k, v in headers.items()}
        authorization = headers.get("authorization")
        if authorization is not None:
            self._verify_acs3(request, headers, authorization)
        elif not request.params.keys().isdisjoint(LEGACY_MARKERS):
            self._verify_legacy(request)
        elif self.credentials and headers:
            # Signed by nobody, through a real transport, while keys are configured.
            raise _missing("AccessKeyId")
        # else: unsigned and no credentials, or an in-process direct call (no headers at all).

    # -- RPC v1 -----------------------------------------------------------------------------
    def _verify_legacy(self, request: ApiRequest) -> None:
        params = request.params
        for name in LEGACY_REQUIRED:
            if not params.get(name):
                raise _missing(name)
        method = params["SignatureMethod"]
        if method != "HMAC-SHA1":
            raise _incomplete(f"SignatureMethod must be HMAC-SHA1, got {method[:40]!r}.")
        version = params["SignatureVersion"]
        if version != "1.0":
            raise _incomplete(f"SignatureVersion must be 1.0, got {version[:40]!r}.")
        timestamp = _parse_timestamp(params["Timestamp"])
        if not self.credentials:
            return
        secret = self._secret(params["AccessKeyId"])
        self._check_time(timestamp)
        string_to_sign = legacy_string_to_sign(request.method, params)
        if not _same(sign_legacy(string_to_sign, secret), params["Signature"]):
            raise _not_matched(string_to_sign)
        self._use_nonce(params["AccessKeyId"], params["SignatureNonce"], timestamp)

    # -- ACS3 -------------------------------------------------------------------------------
    def _verify_acs3(
        self, request: ApiRequest, headers: Mapping[str, str], authorization: str
    ) -> None:
        usual = _USUAL_ACS3().fullmatch(authorization)
        if usual is not None:  # what the SDK sends: one regular expression checks its form
            key, signed, signature = usual.groups()
            algorithm = ACS3_ALGORITHM
        else:
            algorithm, parts = parse_authorization(authorization)
            if algorithm not in ACS3_FAMILY:
                raise _incomplete(
                    f"Unsupported signature algorithm {algorithm[:40]!r} in the Authorization "
                    f"header; expected {ACS3_ALGORITHM}."
                )
            for name in ("Credential", "SignedHeaders", "Signature"):
                if not parts.get(name):
                    raise _incomplete(f"The Authorization header has no {name}.")
            key, signed, signature = parts["Credential"], parts["SignedHeaders"], parts["Signature"]
        for name in ("x-acs-date", "x-acs-signature-nonce"):
            if not headers.get(name):
                raise _missing(name)
        names, well_formed, leading = _signed_header_names(signed)
        try:
            present = leading <= headers.keys()
        except TypeError:  # a hand-made mapping whose keys() is no set
            present = False
        if not present:
            for name in names[:well_formed]:  # name by name, as a reader would: the first
                if name not in headers:
                    raise _incomplete(f"The signed header {name[:40]!r} is not in the request.")
        if well_formed < len(names):
            bad = names[well_formed]
            raise _incomplete(f"SignedHeaders has an invalid header name {bad[:40]!r}.")
        for name in MUST_BE_SIGNED:  # an unsigned one could be changed after signing
            if name not in leading and name in headers:
                raise _incomplete(
                    f"The header {name!r} is not signed: SignedHeaders must name every common "
                    "request header the request carries (host and the x-acs-* ones)."
                )
        timestamp = _parse_timestamp(headers["x-acs-date"])
        if algorithm != ACS3_ALGORITHM:
            if self.credentials:  # our choice: SM3 and RSA cannot be verified here
                raise _incomplete(
                    f"The pytest-ecs-events simulator verifies only {ACS3_ALGORITHM} "
                    f"signatures, got {algorithm!r}."
                )
            return
        if usual is None and not _HEX64().fullmatch(signature):  # the usual form has 64 already
            raise _incomplete("The Signature must be 64 hexadecimal digits.")
        if not self.credentials:
            return
        secret = self._secret(key)
        self._check_time(timestamp)
        string_to_sign = acs3_string_to_sign(
            method=request.method,
            path=request.path,
            query=request.query,
            headers=headers,
            signed_headers=signed,
            body=request.body,
        )
        if not _same(sign_acs3(string_to_sign, secret), signature):
            raise _not_matched(string_to_sign)
        self._use_nonce(key, headers["x-acs-signature-nonce"], timestamp)

    # -- shared -----------------------------------------------------------------------------
    def _secret(self, access_key_id: str) -> str:
        secret = self.credentials.get(access_key_id)
        if secret is None:
            raise EcsApiError("InvalidAccessKeyId.NotFound", KEY_NOT_FOUND, 400)
        return str(secret)  # a non-str secret set by hand must not crash the check

    def _check_time(self, timestamp: datetime) -> None:
        if abs(self.clock() - timestamp) > self.nonce_ttl:
            raise EcsApiError("InvalidTimeStamp.Expired", TIMESTAMP_EXPIRED, 400)

    def _use_nonce(self, access_key_id: str, nonce: str, timestamp: datetime) -> None:
        """Remember a nonce until its request's timestamp can no longer be valid."""
        now = self.clock()
        key = (access_key_id, nonce)
        with self._lock:
            expiry = self._nonces.get(key)
            if expiry is not None and expiry > now:
                raise EcsApiError("SignatureNonceUsed", NONCE_USED, 400)
            self._nonces[key] = max(now, timestamp) + self.nonce_ttl
            if len(self._nonces) >= self._prune_at:
                self._nonces = {k: t for k, t in self._nonces.items() if t > now}
                self._prune_at = max(1024, 2 * len(self._nonces))


@functools.lru_cache(maxsize=128)
def _signed_header_names(signed: str) -> tuple[tuple[str, ...], int, frozenset[str]]:
    """The names of ``SignedHeaders``, how many lead before the first malformed one, and
    those leading names as a set.

    Clients send the same list again and again: each list is read once.
    """
    names = tuple(signed.split(";"))
    well_formed = len(names)
    for index, name in enumerate(names):
        if not _HEADER_NAME().fullmatch(name):
            well_formed = index
            break
    return names, well_formed, frozenset(names[:well_formed])


def _parse_timestamp(text: str) -> datetime:
    """``yyyy-MM-ddTHH:mm:ssZ`` exactly (no fractions, no offset), else InvalidTimeStamp.Format."""
    timestamp = _timestamp(text)
    if timestamp is None:
        raise EcsApiError("InvalidTimeStamp.Format", TIMESTAMP_FORMAT, 400)
    return timestamp


@functools.lru_cache(maxsize=128)
def _timestamp(text: str) -> datetime | None:
    """Calls made within one second share their timestamp: it is read once."""
    if _TIMESTAMP().fullmatch(text):
        try:  # fixed positions: slicing, without strptime's format parsing
            return datetime(
                int(text[0:4]), int(text[5:7]), int(text[8:10]),
                int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=timezone.utc,
            )  # fmt: skip
        except ValueError:  # month 13, February 30, hour 24...
            pass
    return None


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(_utf8(expected), _utf8(given))
