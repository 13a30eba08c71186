"""The AccessKey of the account, and the scrubber that keeps its secret out of every text.

The secret lives only in :class:`Credentials` (masked ``repr``, not picklable) and the SDK
client; every text live mode prints or raises goes through a :class:`Scrubber`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import NoReturn
from urllib.parse import quote

__all__ = [
    "ACCESS_KEY_ID_ENV",
    "ACCESS_KEY_SECRET_ENV",
    "SECURITY_TOKEN_ENV",
    "Credentials",
    "CredentialsMissing",
    "Scrubber",
]

ACCESS_KEY_ID_ENV = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ACCESS_KEY_SECRET_ENV = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
SECURITY_TOKEN_ENV = "ALIBABA_CLOUD_SECURITY_TOKEN"


class Scrubber:
    """Replaces every secret (as is, and percent-encoded) in a text by ``***``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe=""), quote(secret, safe="~")})
        # longest first, so that a secret containing another is replaced whole
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, "***")
        return text

    def found_in(self, text: str) -> bool:
        return any(form in text for form in self._forms)

    def prefix_at_end(self, text: str) -> int:
        """The length of the longest end of ``text`` that begins a secret (0: none).

        A stream that scrubs as it goes holds that much back until it knows more.
        """
        longest = 0
        for form in self._forms:
            for size in range(min(len(form) - 1, len(text)), longest, -1):
                if text.endswith(form[:size]):
                    longest = size
                    break
        return longest

    def __repr__(self) -> str:
        return f"<Scrubber of {len(self._forms)} form(s)>"


class CredentialsMissing(ValueError):
    """The environment lacks the AccessKey variables (the message names them, not values)."""


class Credentials:
    """An AccessKey pair whose secret is never shown: ``repr`` masks it, pickling refuses."""

    __slots__ = ("_secret", "_token", "access_key_id")

    def __init__(self, access_key_id: str, secret: str, security_token: str | None = None):
        self.access_key_id = access_key_id
        self._secret = secret
        self._token = security_token or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        key = env.get(ACCESS_KEY_ID_ENV, "").strip()
        secret = env.get(ACCESS_KEY_SECRET_ENV, "").strip()
        missing = [
            n for n, v in ((ACCESS_KEY_ID_ENV, key), (ACCESS_KEY_SECRET_ENV, secret)) if not v
        ]
        if missing:
            raise CredentialsMissing(
                "--ecs-live needs an AccessKey of the account: set "
                f"{' and '.join(missing)} in the environment (missing or empty). A RAM user "
                "limited to the ECS actions live mode uses is enough (see docs/live.md)."
            )
        return cls(key, secret, env.get(SECURITY_TOKEN_ENV, "").strip() or None)

    def reveal_secret(self) -> str:
        return self._secret

    @property
    def security_token(self) -> str | None:
        return self._token

    @property
    def masked_key(self) -> str:
        key = self.access_key_id
        return key[:4] + "****" if len(key) > 8 else "****"

    def scrubber(self) -> Scrubber:
        return Scrubber([self._secret, *([self._token] if self._token else [])])

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.masked_key!r}, secret=<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("Credentials are not picklable: the secret must not be stored")
