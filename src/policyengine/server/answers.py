"""The service's answers as bytes: compact UTF-8 JSON, whatever the request held.

orjson writes what ``json.dumps(…, ensure_ascii=False)`` writes, several times faster. What it
refuses goes to the standard module: integers beyond 64 bits, and text holding lone
surrogates (JSON's ``"\\ud800"`` is valid, but such text is not UTF-8), which is written back
as the same ``\\uXXXX`` escape, so that a hostile string in a request gets its answer (a 422
naming it, or its result) instead of a server error. A number too large for a float
(``1e400``, refused with a 422 that shows it) is written as the text the request gave, never
as ``Infinity``, which is not JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Sequence
from typing import Any

import orjson
from fastapi.responses import JSONResponse

from policyengine.results import Result
from policyengine.server.errors import ServiceError

__all__ = ["JSONAnswer", "answer_bytes", "json_bytes"]


def _written(value: Any) -> str:
    """orjson's ``default``: a number as written (``1e400``), which a float cannot hold."""
    if isinstance(value, float) and hasattr(value, "written"):
        return str(value.written)
    raise TypeError


def _finite(data: Any) -> Any:
    """``data`` with every number that is not finite as its text (or null)."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data.written) if hasattr(data, "written") else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(data, default=_written)
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


class JSONAnswer(JSONResponse):
    """A JSON response written by :func:`json_bytes`."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)


def answer_too_large(limit: int) -> ServiceError:
    """The 413 of an answer that would be over ``limit`` bytes."""
    return ServiceError(
        413,
        f"the answer is larger than the limit of {limit} bytes: ask for fewer packs or "
        "communities at once (each community can be a line of POST /v1/evaluate/batch)",
    )


def answer_bytes(
    results: Sequence[Result], single: bool, limit: int, omit: Collection[str] = ()
) -> bytes:
    """The results as JSON (one result, or a list), as :func:`json_bytes` writes their
    :meth:`~policyengine.results.Result.to_dict`, but a result at a time: a jurisdiction's
    communities and children each as soon as it is said, so that an answer over ``limit``
    bytes is refused (413) as soon as it is over, before it is all held. A jurisdiction of
    small communities asks for about 17 KB of answer a community and pack: one request of
    1 MiB could ask for 400 MB. ``omit``: the parts of each result left out
    (:meth:`~policyengine.results.Result.to_dict`)."""
    left = [limit]

    def said(result: Result) -> bytes:
        if result.subject_level != "jurisdiction":
            return spent(json_bytes(result.to_dict(omit=omit)))
        own = spent(json_bytes(result.to_dict(nested=False, omit=omit)))
        communities = b",".join(said(c) for c in result.communities)
        children = b",".join(said(j) for j in result.jurisdictions)
        return b'%s,"communities":[%s],"jurisdictions":[%s]}' % (
            own[:-1],
            communities,
            children,
        )

    def spent(part: bytes) -> bytes:
        left[0] -= len(part)
        if left[0] < 0:
            raise answer_too_large(limit)
        return part

    parts = [said(r) for r in results]
    return parts[0] if single else b"[" + b",".join(parts) + b"]"
