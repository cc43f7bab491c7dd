"""The service's OpenAPI 3.1 document: FastAPI's paths, with bodies and answers from our schemas.

The request and response bodies are read and written by the service itself (so facts are
checked by the one validator), so FastAPI cannot see their shapes: they are added here from
:mod:`policyengine.schemas`, whose definitions become ``components/schemas``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi

from policyengine.results import OPTIONAL_PARTS
from policyengine.schemas import facts_schema, result_schema, with_refs_under
from policyengine.server.errors import MAX_PROBLEMS

if TYPE_CHECKING:
    from fastapi import FastAPI

    from policyengine.server.settings import Settings

__all__ = ["openapi_document"]

_REF = "#/components/schemas/"
_NESTED = ("communities", "jurisdictions")
"""A jurisdiction's result's nested results: a partial result's are partial too."""
_PACK_ID = {"type": "string", "minLength": 1, "pattern": r"\S"}
"""A pack id (or ``all``): text with a character other than a space (a blank names none)."""


def _json(ref_or_schema: str | dict[str, Any]) -> dict[str, Any]:
    schema = {"$ref": _REF + ref_or_schema} if isinstance(ref_or_schema, str) else ref_or_schema
    return {"application/json": {"schema": schema}}


def _answer(description: str, schema: str | dict[str, Any] = "Error") -> dict[str, Any]:
    return {"description": description, "content": _json(schema)}


def _components(languages: Sequence[str]) -> dict[str, Any]:
    facts, result = facts_schema(), result_schema()
    schemas: dict[str, Any] = {**with_refs_under(facts, _REF), **with_refs_under(result, _REF)}
    schemas["FactsDocument"] = {
        "description": facts["description"],
        "oneOf": [{"$ref": _REF + "Community"}, {"$ref": _REF + "JurisdictionDocument"}],
    }
    schemas["EvaluateRequest"] = {
        "type": "object",
        "properties": {
            "facts": {"$ref": _REF + "FactsDocument"},
            "pack": {
                "description": 'a pack id (one result), a list of ids or "all" (a list)',
                "anyOf": [
                    _PACK_ID,
                    {
                        "type": "array",
                        "items": _PACK_ID,
                        "minItems": 1,
                        "uniqueItems": True,
                    },
                ],
            },
            "as_of": {
                "type": ["string", "null"],
                "format": "date",
                # years 0001 to 9998: a deadline due the year after must be a date too
                "pattern": r"^(?!0000|9999)[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                "description": "default (or null): today; at most 9998-12-31",
            },
            "lang": {
                "enum": [*languages, None],
                "description": "language of messages (default, or null: zh)",
            },
            "omit": {
                "description": "parts of each result left out (default, or null: none): "
                "a caller that reads the verdict and outputs alone asks for "
                '["findings", "gaps"], and is answered in a fraction of the time',
                "anyOf": [
                    {"enum": list(OPTIONAL_PARTS)},
                    {
                        "type": "array",
                        "items": {"enum": list(OPTIONAL_PARTS)},
                        "uniqueItems": True,
                    },
                    {"type": "null"},
                ],
            },
        },
        "required": ["facts", "pack"],
        "additionalProperties": False,
    }
    partial = {
        **schemas["Result"],
        "description": "a result less the parts the request leaves out (omit): findings, gaps",
        "required": [r for r in schemas["Result"]["required"] if r not in OPTIONAL_PARTS],
    }
    partial["properties"] = {
        **partial["properties"],
        **{k: {"type": "array", "items": {"$ref": _REF + "PartialResult"}} for k in _NESTED},
    }
    schemas["PartialResult"] = partial
    schemas["Problem"] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "field path, e.g. facts.staff.count"},
            "value": {"description": "the value found there (null when missing)"},
            "message": {"type": "string"},
        },
        "required": ["path", "value", "message"],
    }
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "error": {"type": "string", "description": "what is wrong, as a label (English)"},
            "message": {
                "type": "string",
                "description": "the same said for people, in the request's language (zh, en)",
            },
            "problems": {
                "type": "array",
                "items": {"$ref": _REF + "Problem"},
                "maxItems": MAX_PROBLEMS,
                "description": f"the first {MAX_PROBLEMS} problems found, at most",
            },
            "problems_unlisted": {
                "type": "integer",
                "minimum": 1,
                "description": "how many more problems were found and not listed",
            },
            "unknown": {"type": "array", "items": {"type": "string"}},
            "installed": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["error"],
    }
    schemas["LineError"] = {
        "description": "a batch line that has no result: its number, status and error",
        "allOf": [
            {"$ref": _REF + "Error"},
            {
                "type": "object",
                "properties": {
                    "line": {"type": "integer", "minimum": 1, "description": "counted from 1"},
                    "status": {"type": "integer", "description": "the status it would have had"},
                },
                "required": ["line", "status", "message"],
            },
        ],
    }
    schemas["BatchLine"] = {
        "description": "one line of POST /v1/evaluate/batch's answer: a result (each pack "
        "asked for gives a line; less the parts ?omit= leaves out), or the error of a line "
        "that has none",
        "anyOf": [
            {"$ref": _REF + "Result"},
            {"$ref": _REF + "PartialResult"},
            {"$ref": _REF + "LineError"},
        ],
    }
    return schemas


def openapi_document(app: FastAPI, settings: Settings, languages: Sequence[str]) -> dict[str, Any]:
    """The OpenAPI document served at ``/openapi.json``."""
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=(
            f"Limits: a body of `POST /v1/evaluate` up to {settings.max_body_bytes} bytes, of "
            f"`POST /v1/evaluate/batch` up to {settings.max_batch_bytes} bytes, an answer (or "
            f"a batch line's) up to {settings.max_answer_bytes} bytes (413 beyond); "
            f"one evaluation up to {settings.timeout_seconds:g} s (503 beyond); the next part "
            f"of a body within {settings.body_timeout_seconds:g} s (408 beyond, the connection "
            "closed)."
        ),
        routes=app.routes,
    )
    doc.setdefault("components", {})["schemas"] = _components(languages)
    paths = doc["paths"]
    errors = {
        "400": _answer("the body is not valid JSON"),
        "404": _answer("unknown pack"),
        "408": _answer("the rest of the body did not arrive in time; the connection is closed"),
        "413": _answer("the body, or the answer it asks for, is over the size limit"),
        "415": _answer("the body is sent compressed (Content-Encoding): send plain UTF-8 JSON"),
        "422": _answer("bad facts or a bad request field: every problem with its path"),
        "503": _answer("the evaluation took longer than the time limit"),
    }
    evaluate = paths["/v1/evaluate"]["post"]
    evaluate["requestBody"] = {"required": True, "content": _json("EvaluateRequest")}
    evaluate["responses"] = {
        "200": _answer(
            "the result, or a list of results for several packs",
            {
                "anyOf": [
                    {"$ref": _REF + "Result"},
                    {"type": "array", "items": {"$ref": _REF + "Result"}},
                    {"$ref": _REF + "PartialResult"},
                    {"type": "array", "items": {"$ref": _REF + "PartialResult"}},
                ]
            },
        ),
        **errors,
    }
    batch = paths["/v1/evaluate/batch"]["post"]
    for parameter in batch.get("parameters", []):
        if parameter.get("name") == "lang":  # the languages the service takes, not any text
            parameter["schema"] = {"anyOf": [{"enum": list(languages)}, {"type": "null"}]}
    batch["requestBody"] = {
        "required": True,
        "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        "description": "one facts document (FactsDocument) a line",
    }
    batch["responses"] = {
        "200": {
            "description": "one result a line (BatchLine); a bad line gives a line with its "
            "number, status and problems instead (LineError), and the others are evaluated",
            "content": {
                "application/x-ndjson": {
                    "schema": {"type": "string"},
                    # OpenAPI 3.1 types a stream as text; each of its lines is a BatchLine
                    "x-item-schema": {"$ref": _REF + "BatchLine"},
                }
            },
        },
        **{k: v for k, v in errors.items() if k in ("404", "408", "413", "415", "422")},
    }
    paths["/v1/packs"]["get"]["responses"] = {
        "200": _answer("installed packs", {"type": "array", "items": {"type": "object"}})
    }
    paths["/v1/packs/{pack_id}"]["get"]["responses"] = {
        "200": _answer("the pack", {"type": "object"}),
        "404": errors["404"],
        "422": errors["422"],
    }
    for name in ("facts", "result"):
        paths[f"/v1/schema/{name}"]["get"]["responses"] = {
            "200": _answer("a JSON Schema (2020-12)", {"type": "object"})
        }
    paths["/v1/schema/facts"]["get"]["responses"].update(
        {"404": errors["404"], "422": errors["422"]}
    )
    paths["/healthz"]["get"]["responses"] = {
        "200": _answer("ready", {"type": "object"}),
        "503": _answer("starting", {"type": "object"}),
    }
    return doc
