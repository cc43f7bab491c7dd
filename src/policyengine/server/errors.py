"""Answers other than 200: the status and JSON body the service sends."""

from __future__ import annotations

from typing import Any

__all__ = ["UPGRADE_LOST", "ServiceError", "body_timeout_error"]

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
