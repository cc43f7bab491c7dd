"""The row path remembers what does not depend on the facts (per pack, date, parameters and
place); a result must never depend on what was evaluated before it.

Differential: every bundled pack's example community and variants of it (outside the
territory, with no place, with facts missing), on dates before, inside and after the
document's term, with and without a parameter override, evaluated one after another with
warm caches, must give the same result JSON (both languages, with sentences and gaps) as
each evaluated alone after :func:`engine.clear_caches` and :func:`sentences.clear_caches`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine import engine, sentences

ROOT = Path(__file__).resolve().parent.parent
PACKS = {
    "chifeng-annual-targets": dt.date(2009, 6, 30),
    "fengxiang-harmony": dt.date(2024, 12, 31),
    "wuma-star-rating": dt.date(2014, 12, 31),
    "wuzhou-complete-community": dt.date(2024, 6, 30),
    "yixing-demonstration-city": dt.date(2013, 6, 30),
}


def _example(pack_id: str) -> dict[str, Any]:
    for name in (f"{pack_id}-community.toml", f"{pack_id.split('-')[0]}-community.toml"):
        path = ROOT / "examples" / name
        if path.is_file():
            return tomllib.loads(path.read_text(encoding="utf-8"))
    raise AssertionError(f"no example community for {pack_id}")


def _variants(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The example, elsewhere, with no place, and with its first section's facts missing."""
    out = [doc]
    elsewhere = copy.deepcopy(doc)
    elsewhere["community"]["jurisdiction"] = ["海南省", "三亚市", "吉阳区", "河东街道"]
    out.append(elsewhere)
    nowhere = copy.deepcopy(doc)
    nowhere["community"].pop("jurisdiction", None)
    out.append(nowhere)
    sections = [k for k, v in doc.items() if k != "community" and isinstance(v, dict)]
    if sections:
        thin = copy.deepcopy(doc)
        del thin[sections[0]]
        out.append(thin)
    return out


def _override(pack: policyengine.Pack) -> dict[str, Any] | None:
    """A numeric parameter set to another value (None if the pack has none on its date)."""
    for name, param in sorted(pack.parameters.items()):
        value = param.value
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 1:
            return {name: value + 1}
    return None


def _said(result: policyengine.Result) -> str:
    return json.dumps([result.to_dict(), result.to_dict("en")], ensure_ascii=False)


@pytest.mark.parametrize("pack_id", sorted(PACKS))
def test_results_do_not_depend_on_earlier_evaluations(pack_id: str) -> None:
    pack = policyengine.load_pack(ROOT / "policy_packs" / pack_id)
    on = PACKS[pack_id]
    dates = [dt.date(1990, 1, 1), on, on.replace(year=on.year + 1), dt.date(2040, 12, 31)]
    overrides = [None, _override(pack)]
    calls = [
        (doc, day, params)
        for doc in _variants(_example(pack_id))
        for day in dates
        for params in overrides
    ]
    warm = [
        _said(policyengine.evaluate(doc, pack=pack, as_of=day, parameters=params))
        for doc, day, params in calls
    ]
    assert len(set(warm)) > len(dates)  # the variants and dates give different results
    for (doc, day, params), seen in zip(calls, warm, strict=True):
        engine.clear_caches()
        sentences.clear_caches()
        alone = _said(policyengine.evaluate(doc, pack=pack, as_of=day, parameters=params))
        assert alone == seen, (pack_id, day, params, doc.get("community"))
