"""Packs as JSON for the service: a summary for the list, everything for one pack."""

from __future__ import annotations

from typing import Any

import attrs

from policyengine.pack import DatedValue, Pack, Parameter
from policyengine.results import jsonable

__all__ = ["pack_description", "pack_summary"]


def _plain(value: Any) -> Any:
    """An attrs object as JSON data, None fields left out."""
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            item = _plain(getattr(value, field.name))
            if item is not None and item != () and item != []:
                out[field.name] = item
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return jsonable(value)


def pack_summary(pack: Pack) -> dict[str, Any]:
    """Id, version, digest, titles, region and source document."""
    info = pack.info
    return {
        "id": pack.id,
        "version": pack.version,
        "digest": pack.digest,
        "title": info.title,
        "title_en": info.title_en,
        "region": info.region,
        "document": _plain(info.source),
    }


def _parameter(param: Parameter) -> dict[str, Any]:
    """A parameter with its values by date (or programme year), each with its clause."""
    values = param.values or (
        (DatedValue(value=param.value, clause=param.clause, quote=param.quote, note=param.note),)
        if param.value is not None
        else ()
    )
    out: dict[str, Any] = _plain(attrs.evolve(param, values=(), value=None))
    # one shape in every pack: each value with its date or programme year (null when it
    # holds throughout), the value (null where the document states none), its clause and
    # quote (the parameter's, where the value has none of its own)
    out["values"] = [
        {
            "since": jsonable(v.since),
            "year": v.year,
            **_plain(v),
            "value": jsonable(v.value),
            "clause": v.clause or param.clause,
            "quote": v.quote or param.quote,
        }
        for v in values
    ]
    return out


def pack_description(pack: Pack) -> dict[str, Any]:
    """Everything a caller needs to read a pack: rules, parameters by date, the document."""
    info = pack.info
    return {
        **pack_summary(pack),
        "effective_from": jsonable(info.effective_from),
        "effective_until": jsonable(info.effective_until),
        "applicability": _plain(info.applicability),
        "notes": list(info.notes),
        "parameters": {name: _parameter(p) for name, p in pack.parameters.items()},
        "derived": _plain(pack.derived),
        "rules": _plain(pack.rules),
        "scales": _plain(pack.scales),
        "phases": _plain(pack.phases),
        "deadlines": _plain(pack.deadlines),
        "outputs": dict(pack.outputs),
    }
