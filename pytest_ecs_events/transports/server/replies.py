"""The errors the HTTP layer answers by itself, in the API's own error format.

Anything under the server (framing, routing, the control API, the metadata service) raises a
:class:`Reply` to answer at once with a 4xx; the request handler turns it into the API's error
body (RequestId, HostId, Code, Message, Recommend), so no client ever sees a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["HTTP_ERROR_CODES", "Reply", "bad_method"]

#: Codes for the errors the HTTP layer itself answers (the API's format, our codes).
HTTP_ERROR_CODES = {
    400: "BadRequest",
    404: "InvalidPath.NotFound",
    405: "UnsupportedHTTPMethod",
    408: "RequestTimeout",
    411: "MissingContentLength",
    413: "RequestEntityTooLarge",
    414: "RequestURITooLong",
    417: "ExpectationFailed",
    431: "RequestHeaderFieldsTooLarge",
}


class Reply(Exception):
    """Raised inside a handler to answer at once with an error in the API's format.

    ``close`` ends the connection after the answer: set it whenever the request's framing
    cannot be trusted any more (the next request's first byte is unknown).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        close: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.close = close
        self.headers = dict(headers or {})


def bad_method(method: str, allowed: Iterable[str]) -> Reply:
    """405 with the ``Allow`` header HTTP asks for."""
    allow = ", ".join(allowed)
    return Reply(
        405,
        "UnsupportedHTTPMethod",
        f"The HTTP method {method[:20]!r} is not supported here; use {allow}.",
        headers={"Allow": allow},
    )
