"""JSON Schema (2020-12) of the facts document and of the result, generated, not written.

The facts schema is derived from the classes of :mod:`policyengine.facts`, through the same
type hints the strict converter (:mod:`policyengine._converter`) reads: each field's
:class:`~policyengine.facts.FactType` (from :func:`policyengine.facts.fact_type_of`) becomes
one JSON Schema, so the vocabulary is written once. A pack's own declared facts (a mapping of
fact path to :class:`~policyengine.facts.FactType`) can be added with ``declared=``.

What JSON Schema cannot say, the validator still checks (the schema's ``description`` lists
them): a part never above its whole (``staff.trained_this_year ≤ staff.count``, …) and the
five objective sub-scores adding up to at most 700 and to ``happiness.objective_score``.

The result schema follows :meth:`policyengine.results.Result.to_dict`, with the outcomes and
verdicts taken from :mod:`policyengine.results`.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policyengine import limits
from policyengine.facts import (
    DATE_PATTERN,
    Community,
    FactType,
    Jurisdiction,
    JurisdictionInfo,
    fact_type_of,
)
from policyengine.pack import Pack
from policyengine.pack_facts import PackFact, namespace_of
from policyengine.results import Outcome, Verdict

__all__ = ["DIALECT", "facts_schema", "packs_facts_schema", "result_schema", "with_refs_under"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_TEXT: dict[str, Any] = {"type": "string", "maxLength": limits.MAX_TEXT_BYTES}
"""Text as the validator takes it: at most ``MAX_TEXT_BYTES`` bytes of UTF-8, which JSON
Schema can only bound in characters (the same number: never fewer characters than bytes)."""

_CROSS_FIELD = (
    "Checked by the validator, not expressible in JSON Schema: "
    "organization.leadership_college_educated ≤ organization.leadership_members; "
    "staff.trained_this_year ≤ staff.count; services.retirees_socialized ≤ services.retirees; "
    "the five happiness.objective_by_type sub-scores add up to at most 700 and, when "
    "happiness.objective_score is also given, to that score. Text is at most "
    f"{limits.MAX_TEXT_BYTES:,} bytes of UTF-8 (the schema bounds characters: text outside ASCII "
    "reaches the byte limit first). A community or jurisdiction id is given at most once in a "
    "document, and tables and lists nest at most "
    f"{limits.MAX_NESTING} levels deep. Dates are real calendar dates (2024-02-30 and "
    "0000-01-01 are not): a validator checks them with the `format: date` assertion turned on "
    "(jsonschema's FormatChecker)."
)


def fact_schema(ftype: FactType) -> dict[str, Any]:
    """The JSON Schema of one fact's value (without null)."""
    if ftype.kind == "bool":
        return {"type": "boolean"}
    if ftype.kind in ("int", "number"):
        out: dict[str, Any] = {"type": "integer" if ftype.kind == "int" else "number"}
        rng = ftype.range
        # Numbers are compared as 64-bit floats: the validator refuses any beyond 2^53.
        exact = limits.MAX_EXACT_INT
        low = -exact if rng is None or rng.min is None else max(rng.min, -exact)
        high = exact if rng is None or rng.max is None else min(rng.max, exact)
        key = "exclusiveMinimum" if rng is not None and rng.exclusive_min else "minimum"
        out[key] = _number(low)
        out["maximum"] = _number(high)
        return out
    if ftype.kind == "text":
        return {"type": "string", "enum": list(ftype.choices)} if ftype.choices else dict(_TEXT)
    if ftype.kind == "date":
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if ftype.kind == "date_list":
        return {"type": "array", "items": fact_schema(FactType("date"))}
    item: dict[str, Any] = (
        {"type": "string", "enum": list(ftype.choices)} if ftype.choices else dict(_TEXT)
    )
    return {"type": "array", "items": item}


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _is_optional(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in (
        typing.get_args(tp)
    )


def _strip_optional(tp: Any) -> Any:
    if _is_optional(tp):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        return rest[0] if len(rest) == 1 else tp
    return tp


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _class_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    """``{"$ref": …}`` to the class's definition, adding it (and its parts) to ``defs``."""
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # reserve the name: a class may refer to itself
        hints = typing.get_type_hints(cls, include_extras=True)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for field in attrs.fields(cls):
            if field.metadata.get("vocabulary") is False:  # packs' own facts: not the core
                continue
            hint = hints[field.name]
            inner = _strip_optional(hint)
            ftype = fact_type_of(hint)
            schema = fact_schema(ftype) if ftype is not None else _class_schema(inner, defs)
            if field.metadata.get("non_blank"):  # an id: some text that is not all spaces
                schema = {**schema, "minLength": 1, "pattern": r"\S"}
            if field.metadata.get("non_blank_items"):  # a place: each name some text
                items = {**schema["items"], "minLength": 1, "pattern": r"\S"}
                schema = {**schema, "items": items}
            if field.default is attrs.NOTHING:
                required.append(field.name)
            properties[field.name] = _nullable(schema) if _is_optional(hint) else schema
        definition: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            definition["required"] = required
        definition["additionalProperties"] = False
        if cls.__doc__:
            definition["description"] = cls.__doc__.strip().splitlines()[0]
        defs[name] = definition
    return {"$ref": f"#/$defs/{name}"}


def _add_declared(defs: dict[str, Any], declared: Mapping[str, FactType]) -> None:
    """Add a pack's declared facts (``section.name`` paths) to the community document."""
    community = defs["Community"]
    for path, ftype in sorted(declared.items()):
        section, _, name = path.rpartition(".")
        if not section or "." in section:
            raise ValueError(f"a declared fact path is section.name, not {path!r}")
        target = community["properties"].get(section)
        if target is None:
            table: dict[str, Any] = {
                "type": "object",
                "properties": {},
                "additionalProperties": False,
            }
            community["properties"][section] = table
        elif "$ref" in target:
            table = defs[target["$ref"].rsplit("/", 1)[1]]
        else:
            table = target
        table["properties"][name] = _nullable(fact_schema(ftype))


def facts_schema(declared: Mapping[str, FactType] | None = None) -> dict[str, Any]:
    """The JSON Schema of a facts document: a community, or a jurisdiction with its own.

    ``declared``: facts a pack adds to the vocabulary, by path (``section.name``).
    """
    defs: dict[str, Any] = {}
    community_ref = _class_schema(Community, defs)
    info_ref = _class_schema(JurisdictionInfo, defs)
    if declared:
        _add_declared(defs, declared)
    include = {
        "type": "object",
        "description": "Communities read from other documents: paths or globs relative to "
        "the including document (not available through the service, which reads no files).",
        "properties": {
            "include": {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
            }
        },
        "required": ["include"],
        "additionalProperties": False,
    }
    defs["Include"] = include
    entry = {"anyOf": [community_ref, {"$ref": "#/$defs/Include"}]}
    defs["JurisdictionDocument"] = {
        "type": "object",
        "description": (Jurisdiction.__doc__ or "").strip().splitlines()[0],
        "properties": {
            "jurisdiction": info_ref,
            "communities": {"anyOf": [{"type": "array", "items": entry}, entry]},
            "jurisdictions": {"type": "array", "items": {"$ref": "#/$defs/JurisdictionDocument"}},
        },
        "required": ["jurisdiction"],
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "$id": "urn:policyengine:schema:facts",
        "title": "policyengine facts document",
        "description": "A community (社区) document, or a jurisdiction document with its "
        "communities and child jurisdictions. Every fact is optional (missing = unknown) "
        "except the subject's id. " + _CROSS_FIELD,
        "oneOf": [community_ref, {"$ref": "#/$defs/JurisdictionDocument"}],
        "$defs": defs,
    }


def _pack_fact_schema(fact: PackFact) -> dict[str, Any]:
    """One declared fact: its value's schema (from the type the validator checks against)
    with its labels, unit and citation as annotations."""
    if fact.type == "events":
        kind: dict[str, Any] = {"type": "string", "enum": list(fact.values)}
        if not fact.values:
            kind = dict(_TEXT)
        event = {
            "type": "object",
            "properties": {
                "kind": kind,
                "date": fact_schema(FactType("date")),
                "note": dict(_TEXT),
            },
            "required": ["kind", "date"],
            "additionalProperties": False,
        }
        value: dict[str, Any] = {"type": "array", "items": event}
    else:
        value = fact_schema(fact.fact_type())
    out = {"title": fact.title, **value}
    if fact.title_en:
        out["description"] = fact.title_en
    for key in ("unit", "clause", "quote"):
        value = getattr(fact, key)
        if value is not None:
            out[f"x-{key}"] = value
    return _nullable(out)


def packs_facts_schema(packs: Sequence[Pack]) -> dict[str, Any]:
    """:func:`facts_schema` with the facts the packs declare for themselves: each pack's
    namespace (``civility_rating``) is a table of the community document, or of the
    jurisdiction document for ``level = "jurisdiction"`` facts, built from the same
    declarations the validator reads (:mod:`policyengine.pack_facts`)."""
    schema = facts_schema()
    defs = schema["$defs"]
    targets = {"community": defs["Community"], "jurisdiction": defs["JurisdictionDocument"]}
    for pack in packs:
        namespace = namespace_of(pack.id)
        for level, target in targets.items():
            own = {p: f for p, f in pack.facts.items() if f.level == level}
            if not own:
                continue
            table: dict[str, Any] = {
                "type": "object",
                "title": pack.info.title,
                "description": f"The facts pack {pack.id} declares for itself.",
                "properties": {},
                "additionalProperties": False,
            }
            for path, fact in sorted(own.items()):
                node = table
                *parts, name = path.split(".")[1:]
                for part in parts:
                    node = node["properties"].setdefault(
                        part, {"type": "object", "properties": {}, "additionalProperties": False}
                    )
                node["properties"][name] = _pack_fact_schema(fact)
            target["properties"][namespace] = table
    return schema


def _enum(alias: Any) -> list[str]:
    return list(typing.get_args(alias))


def result_schema() -> dict[str, Any]:
    """The JSON Schema of one result (``Result.to_dict()``); a jurisdiction's nests results."""
    text_or_null = {"type": ["string", "null"]}
    finding = {
        "type": "object",
        "properties": {
            "rule": {"type": "string"},
            "outcome": {"enum": _enum(Outcome)},
            "title": {"type": "string"},
            "clause": {"type": "string"},
            "quote": {"type": "string"},
            "responsible": {"type": "array", "items": {"type": "string"}},
            "inputs": {"type": "object", "description": "every fact path read, with its value"},
            "expected": text_or_null,
            "actual": text_or_null,
            "message": {"type": "string"},
            "binding": {"type": "boolean"},
            "parameters": {"type": "object"},
            "area": {"type": "string"},
            "due": {"type": "string", "format": "date"},
        },
        "required": [
            "rule",
            "outcome",
            "title",
            "clause",
            "quote",
            "responsible",
            "inputs",
            "expected",
            "actual",
            "message",
        ],
    }
    responsible = {"type": "array", "items": {"type": "string"}}
    rule_gap = {
        "type": "object",
        "description": "What would make a failing or unknown binding rule pass, one fact at a "
        'time with the others held ("provide" for a missing fact).',
        "properties": {
            "rule": {"type": "string"},
            "fact": {"type": "string"},
            "now": {},
            "needed": {},
            "relation": {"enum": [">=", "<=", ">", "<", "==", "contains", "provide"]},
            "responsible": responsible,
            "clause": {"type": "string"},
            "message": {"type": "string"},
            "communities_needed": {"type": "integer", "minimum": 0},
        },
        "required": [
            "rule",
            "fact",
            "now",
            "needed",
            "relation",
            "responsible",
            "clause",
            "message",
        ],
    }
    band_gap = {
        "type": "object",
        "description": "The next band of a scale output below its top band and what it needs.",
        "properties": {
            "output": {"type": "string"},
            "rule": {"type": "string"},
            "now": {},
            "next": {},
            "needs": {"type": "object"},
            "short_by": {"type": "number"},
            "responsible": responsible,
            "clause": {"type": "string"},
            "message": {"type": "string"},
            "reward_yuan": {"type": ["integer", "null"]},
            "then": {"type": "object", "description": "other outputs at the next band"},
        },
        "required": [
            "output",
            "rule",
            "now",
            "next",
            "needs",
            "short_by",
            "responsible",
            "clause",
            "message",
        ],
    }
    result = {
        "type": "object",
        "properties": {
            "pack": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "version": {"type": "string"},
                    "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
                },
                "required": ["id", "version", "digest"],
            },
            "engine": {
                "type": "object",
                "properties": {"version": {"type": "string"}},
                "required": ["version"],
            },
            "subject": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "name": text_or_null,
                    "level": {"enum": ["community", "jurisdiction"]},
                },
                "required": ["id", "name", "level"],
            },
            "as_of": {"type": "string", "format": "date"},
            "verdict": {"enum": _enum(Verdict)},
            "findings": {"type": "array", "items": {"$ref": "#/$defs/Finding"}},
            "outputs": {"type": "object"},
            "gaps": {
                "type": "array",
                "items": {"anyOf": [{"$ref": "#/$defs/RuleGap"}, {"$ref": "#/$defs/BandGap"}]},
            },
            "communities": {"type": "array", "items": {"$ref": "#/$defs/Result"}},
            "jurisdictions": {"type": "array", "items": {"$ref": "#/$defs/Result"}},
        },
        "required": [
            "pack",
            "engine",
            "subject",
            "as_of",
            "verdict",
            "findings",
            "outputs",
            "gaps",
        ],
        "description": "Fields may be added over time, none renamed: extra fields are allowed.",
    }
    return {
        "$schema": DIALECT,
        "$id": "urn:policyengine:schema:result",
        "title": "policyengine result",
        "description": "The evaluation of one subject against one pack on one date.",
        "$ref": "#/$defs/Result",
        "$defs": {"Result": result, "Finding": finding, "RuleGap": rule_gap, "BandGap": band_gap},
    }


def with_refs_under(schema: Mapping[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """The schema's definitions with every ``#/$defs/X`` reference rewritten to ``prefix + X``.

    For embedding in a larger document (OpenAPI's ``#/components/schemas/``).
    """

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: (prefix + v.removeprefix("#/$defs/"))
                if k == "$ref" and isinstance(v, str)
                else rewrite(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    out: dict[str, dict[str, Any]] = rewrite(copy.deepcopy(dict(schema["$defs"])))
    return out
