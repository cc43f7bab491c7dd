"""Answers other than 200: the status and JSON body the service sends."""

from __future__ import annotations

from typing import Any

__all__ = ["UPGRADE_LOST", "ServiceError", "body_timeout_error", "encoded_body", "problem"]

UPGRADE_LOST = (
    "the request offered a protocol upgrade (Upgrade: h2c) and the httptools HTTP parser "
    "dropped its body: send plain HTTP/1.1 (Java: HttpClient.Version.HTTP_1_1), or run the "
    "service with --http h11, or behind a proxy"
)


def body_timeout_error(seconds: float) -> str:
    """What a 408 says: the body stopped arriving."""
    return (
        f"the rest of the body did not arrive within {seconds:g} s "
        "(is the Content-Length larger than the body, or a chunked body not ended?)"
    )


class ServiceError(Exception):
    """An answer other than 200: a status and a JSON body."""

    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.status = status
        self.body = {"error": error, **extra}


def problem(path: str, value: Any, message: str) -> dict[str, Any]:
    """One problem of a 422: where, the value found there, and what is wrong with it."""
    return {"path": path, "value": value, "message": message}


def encoded_body(encoding: bytes) -> ServiceError | None:
    """A 415 for a body sent compressed (``Content-Encoding: gzip``): it was read as it came,
    and said to be "not UTF-8"; None for a plain body."""
    said = encoding.strip().lower()
    if said in (b"", b"identity"):
        return None
    shown = said.decode("latin-1")
    return ServiceError(
        415, f"the body is sent with Content-Encoding: {shown}: send it as plain UTF-8 JSON"
    )
