"""Answers other than 200: the status and JSON body the service sends."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from policyengine.i18n import text

__all__ = [
    "MAX_PROBLEMS",
    "ServiceError",
    "body_timeout_error",
    "problem",
    "refuse_by_headers",
    "said",
    "too_large",
    "upgrade_lost",
]


def upgrade_lost(offered: str) -> str:
    """What a 400 says when httptools dropped the body of a request offering an upgrade
    (``offered``: its Upgrade header, ``h2c`` from Java's HttpClient, or ``websocket``)."""
    shown = offered if len(offered) <= 40 else offered[:39] + "…"
    return (
        f"the request offered a protocol upgrade (Upgrade: {shown}) and the httptools HTTP "
        "parser dropped its body: send plain HTTP/1.1 (Java: HttpClient.Version.HTTP_1_1), or "
        "run the service with --http h11, or behind a proxy"
    )


def body_timeout_error(seconds: float) -> str:
    """What a 408 says: the body stopped arriving."""
    return (
        f"the rest of the body did not arrive within {seconds:g} s "
        "(is the Content-Length larger than the body, or a chunked body not ended?)"
    )


MAX_PROBLEMS = 100
"""The problems a 422 lists, at most: the first ones, in the order found; the body says how
many more there are (``problems_unlisted``). A body of 1 MiB could hold 100,000 bad values:
listed, located and said one by one, they made an answer of 15 MB after 19 s (70,000
unknown keys of one table, minutes: each was looked for among all the others)."""


class ServiceError(Exception):
    """An answer other than 200: a status and a JSON body; ``lang``, the language of its
    ``message`` (:func:`said`): the request's, Chinese before the request is read. Of
    ``problems``, the first :data:`MAX_PROBLEMS` are listed, and ``problems_unlisted`` counts
    the rest (added to any count given; a count of 0 is not said)."""

    def __init__(self, status: int, error: str, **extra: Any) -> None:
        super().__init__(error)
        unlisted = int(extra.pop("problems_unlisted", 0))
        problems = extra.get("problems")
        if isinstance(problems, list) and len(problems) > MAX_PROBLEMS:
            unlisted += len(problems) - MAX_PROBLEMS
            extra["problems"] = problems[:MAX_PROBLEMS]
        if unlisted:  # none: not said
            extra["problems_unlisted"] = unlisted
        self.status = status
        self.body = {"error": error, **extra}
        self.lang = "zh"

    def answer(self) -> dict[str, Any]:
        """The JSON body: ``error`` (a label, in English, as the OpenAPI lists it) and
        ``message``, the same said for people in the request's language."""
        return said(self.body, self.lang)


def problem(path: str, value: Any, message: str) -> dict[str, Any]:
    """One problem of a 422: where, the value found there, and what is wrong with it."""
    return {"path": path, "value": value, "message": message}


def too_large(limit: int) -> ServiceError:
    """The 413 of a body over ``limit`` bytes."""
    return ServiceError(413, f"the body is larger than the limit of {limit} bytes")


def refuse_by_headers(headers: Iterable[tuple[bytes, bytes]], limit: int) -> None:
    """Before the body is read: a 413 for a ``Content-Length`` over ``limit``, a 415 for a
    body sent compressed (``Content-Encoding: gzip``: it was read as it came, and said to
    be "not UTF-8")."""
    for name, value in headers:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            raise too_large(limit)
        if name == b"content-encoding":
            said = value.strip().lower()
            if said not in (b"", b"identity"):
                shown = said.decode("latin-1")
                raise ServiceError(
                    415,
                    f"the body is sent with Content-Encoding: {shown}: send it as plain UTF-8 JSON",
                )


_SAID: tuple[tuple[re.Pattern[str], tuple[str, str]], ...] = tuple(
    (re.compile(pattern, re.DOTALL), keys if isinstance(keys, tuple) else (keys, keys))
    for pattern, keys in (
        (
            r"^(?:the body|line (?P<n>\d+)) is not valid JSON: .*?line (?P<line>\d+) column "
            r"(?P<col>\d+) \(char \d+\)$",
            ("service.not_json_at.body", "service.not_json_at.line"),
        ),
        (
            r"^(?:the body|line (?P<n>\d+)) is not valid JSON: (?P<why>.+)$",
            ("service.not_json.body", "service.not_json.line"),
        ),
        (
            r"^(?:the body|line (?P<n>\d+)) is not UTF-8 text \(byte 0x(?P<byte>[0-9a-f]{2}) "
            r"at position (?P<at>\d+)\)$",
            ("service.not_utf8.body", "service.not_utf8.line"),
        ),
        (
            r"^(?:the body|line (?P<n>\d+)) is nested too deeply to read$",
            ("service.too_deep.body", "service.too_deep.line"),
        ),
        (r"^the body is larger than the limit of (?P<limit>\d+) bytes$", "service.too_large"),
        (
            r"^the answer is larger than the limit of (?P<limit>\d+) bytes",
            "service.answer_too_large",
        ),
        (r"^the rest of the body did not arrive within (?P<s>[\d.]+) s ", "service.body_timeout"),
        (r"^the body is sent with Content-Encoding: (?P<enc>.+?): ", "service.encoded"),
        (r"^unknown pack (?P<id>.+)$", "service.unknown_pack"),
        (r"^the evaluation took longer than the limit of (?P<s>[\d.]+) s$", "service.too_long"),
        (r"^the decision could not be logged: (?P<why>.+)$", "service.not_logged"),
        (
            r"^the request offered a protocol upgrade \(Upgrade: (?P<offered>.*?)\) ",
            "service.upgrade_lost",
        ),
        (r"^no such path$", "service.no_path"),
        (r"^method not allowed on this path$", "service.no_method"),
        (r"^the facts document has problems$", "service.facts_problems"),
        (r"^bad request$", "service.bad_request"),
        (r"^the client closed the connection$", "service.client_gone"),
    )
)


def said(body: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """An error's body with its ``message``: the ``error`` as a sentence in ``lang`` (the
    ``error`` itself where it is not one the service says)."""
    if "message" in body:
        return body
    error = str(body.get("error", ""))
    for pattern, (of_body, of_line) in _SAID:
        found = pattern.match(error)
        if found is not None:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "at" in values:  # said counting from 1, as people count
                values["at"] = str(int(values["at"]) + 1)
            message = text(of_line if "n" in values else of_body, lang, **values)
            return {**body, "message": message + _unlisted(body, lang)}
    return {**body, "message": error + _unlisted(body, lang)}


def _unlisted(body: dict[str, Any], lang: str) -> str:
    """What the message adds for problems not listed (:data:`MAX_PROBLEMS`): how many."""
    n = body.get("problems_unlisted")
    if not n:
        return ""
    return text("service.problems_unlisted", lang, n=n, listed=MAX_PROBLEMS)
