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

import attrs
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


def _wuma(objective: int, survey: int, previous: int, place: bool = True) -> dict[str, Any]:
    community: dict[str, Any] = {"id": f"wm-{objective}-{survey}-{previous}", "name": "测试社区"}
    if place:
        community["jurisdiction"] = ["浙江省", "温州市", "鹿城区", "五马街道"]
    return {
        "community": community,
        "happiness": {
            "objective_score": objective,
            "survey_score": survey,
            "vetoes": [],
            "previous_stars": previous,
        },
    }


def test_band_gaps_do_not_depend_on_earlier_evaluations() -> None:
    """Wuma 四(四) and 四(六): every band from below one star to five, each previous rating
    (a first reward, a promotion's, the unstated three-to-four step, none), inside and with
    no place (other responsible units), two languages: a band gap's sentence and "then",
    and the sentences around the values seen, are kept per band, reward and units, and must
    say exactly what they say alone."""
    pack = policyengine.load_pack(ROOT / "policy_packs" / "wuma-star-rating")
    on = PACKS["wuma-star-rating"]
    calls = [
        _wuma(objective, survey, previous, place)
        for objective, survey in ((400, 200), (460, 220), (540, 232), (560, 230), (600, 250))
        for previous in range(6)
        for place in (True, False)
    ]
    warm = [_said(policyengine.evaluate(doc, pack=pack, as_of=on)) for doc in calls]
    assert len(set(warm)) == len(calls)
    for doc, seen in zip(calls, warm, strict=True):
        engine.clear_caches()
        sentences.clear_caches()
        assert _said(policyengine.evaluate(doc, pack=pack, as_of=on)) == seen, doc


def test_a_title_holding_the_placeholder_is_said_as_written() -> None:
    """Sentences are kept as the words around the part that changes, marked by a character
    no text holds (``sentences.HOLE``); a finding whose own words hold it is said whole,
    as it would be without anything kept."""
    pack = policyengine.load_pack(ROOT / "policy_packs" / "wuma-star-rating")
    on = PACKS["wuma-star-rating"]
    result = policyengine.evaluate(_wuma(540, 232, 2), pack=pack, as_of=on)
    finding = result.finding("eligibility.no-veto")
    odd = attrs.evolve(finding, title=f"无{sentences.HOLE}否决")
    said = sentences.finding_sentence(odd, pack, "zh", on)
    assert said.startswith(f"符合：无{sentences.HOLE}否决。现为：")
    sentences.clear_caches()
    assert said == sentences.finding_sentence(odd, pack, "zh", on)
