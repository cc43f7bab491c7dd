"""The service's answers as bytes: compact UTF-8 JSON, whatever the request held.

orjson writes what ``json.dumps(…, ensure_ascii=False)`` writes, several times faster. What it
refuses goes to the standard module: integers beyond 64 bits, and text holding lone
surrogates (JSON's ``"\\ud800"`` is valid, but such text is not UTF-8), which is written back
as the same ``\\uXXXX`` escape, so that a hostile string in a request gets its answer (a 422
naming it, or its result) instead of a server error.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import JSONResponse

__all__ = ["JSONAnswer", "json_bytes"]


def json_bytes(data: Any) -> bytes:
    """``data`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text.encode("utf-8", "backslashreplace")


class JSONAnswer(JSONResponse):
    """A JSON response written by :func:`json_bytes`."""

    def render(self, content: Any) -> bytes:
        return json_bytes(content)
