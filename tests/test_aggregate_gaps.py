"""A jurisdiction's gaps where its communities leave a share or a count unknown
(results.md "Gaps": ``"provide"`` is for a missing fact, and gaps never invent a path).

A share of communities is worked out by the pack: nobody can provide
``communities.share_key_meeting_standard``. The jurisdiction's gap asks for what is missing,
the community facts, and names the communities that lack them (it had asked to "provide"
the share itself).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path

import pytest

import policyengine

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2008, 6, 30)  # Chifeng's first programme year


def _community(cid: str, name: str | None = None, **changes: object) -> dict:
    """A 红山区 community meeting Chifeng's year-1 targets but for ``changes``
    (``community.key_community=None`` removes the fact)."""
    doc = tomllib.loads((ROOT / "examples" / "chifeng-annual-targets-community.toml").read_text("utf-8"))
    doc = {k: v for k, v in doc.items() if k != "pack"}
    doc["community"] = {**doc["community"], "id": cid}
    doc["community"]["jurisdiction"] = ["内蒙古自治区", "赤峰市", "红山区", "哈达街道"]
    if name is not None:
        doc["community"]["name"] = name
    else:
        doc["community"].pop("name", None)
    for path, value in changes.items():
        table, field = path.split(".")
        if value is None:
            doc[table].pop(field, None)
        else:
            doc.setdefault(table, {})[field] = value
    return doc


def _district(*communities: dict) -> dict:
    return {
        "jurisdiction": {"id": "hs", "name": "红山区", "level": "district", "leading_group": True,
                         "plan": True, "funds_in_budget": True, "street_offices_established": True},
        "communities": list(communities),
    }


def _aggregate_paths() -> set[str]:
    return {
        a.path for p in policyengine.installed_packs().values() for a in p.aggregates
    }


def test_a_share_left_unknown_asks_for_the_community_fact_and_names_the_community():
    """二(二)1 "重点社区…达到和谐社区基本标准": 基准社区 does not say whether it is a key
    community, so 红山区's share of key communities meeting the standard is unknown."""
    doc = _district(
        _community("c1", "基准社区", **{"community.key_community": None}),
        _community("c2", "第二社区", **{"community.key_community": False}),
    )
    result = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=AS_OF).to_dict()
    assert "incomplete" == result["verdict"]
    own = [g for g in result["gaps"] if g["rule"] == "district.key-communities-standard"]
    assert [("community.key_community", "provide", None)] == [
        (g["fact"], g["needed"], g["now"]) for g in own
    ]
    assert "请补充“重点社区”的数据" in own[0]["message"]
    assert own[0]["message"].endswith("缺少该数据的社区：基准社区。")
    assert "第二社区" not in own[0]["message"]
    assert not any(g["fact"] in _aggregate_paths() for g in result["gaps"])


def test_many_communities_lacking_a_fact_are_counted_and_the_first_named():
    docs = [_community(f"c{i}", **{"community.key_community": None}) for i in range(7)]
    result = policyengine.evaluate(_district(*docs), "chifeng-annual-targets", as_of=AS_OF)
    (gap,) = [g for g in result.gaps if g.rule == "district.key-communities-standard"]
    assert gap.message.endswith("缺少该数据的社区有 7 个，包括：c0、c1、c2、c3、c4。")
    english = policyengine.evaluate(
        _district(*docs), "chifeng-annual-targets", as_of=AS_OF, lang="en"
    )
    (gap,) = [g for g in english.gaps if g.rule == "district.key-communities-standard"]
    assert gap.message.endswith(" Missing in 7 communities, among them: c0, c1, c2, c3, c4.")


def test_a_community_perhaps_elsewhere_is_asked_for_its_place():
    """A community placed only in 内蒙古自治区 may lie outside 赤峰市 (policies.md §6
    Scope): it is unknown in 红山区's shares, and what would settle it is its place."""
    doubtful = _community("c9", "某社区", **{"community.key_community": None})
    doubtful["community"]["jurisdiction"] = ["内蒙古自治区"]
    doc = _district(_community("c1", "第一社区"), doubtful)
    result = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=AS_OF)
    asked = {(g.rule, g.fact) for g in result.gaps}
    assert ("district.key-communities-standard", "community.jurisdiction") in asked
    assert not any(fact in _aggregate_paths() for _, fact in asked)


def _inlined(path: Path, doc: dict | None = None) -> dict:
    """A jurisdiction example with its included communities written inline (its child
    jurisdictions' too)."""
    if doc is None:
        doc = tomllib.loads(path.read_text("utf-8"))
        doc.pop("pack", None)
    inline = []
    for entry in doc.get("communities", []):
        for pattern in entry.get("include", []):
            for f in sorted(path.parent.glob(pattern)):
                if f.suffix == ".toml":
                    one = tomllib.loads(f.read_text("utf-8"))
                    one.pop("pack", None)
                    inline.append(one)
        if "include" not in entry:
            inline.append(entry)
    doc["communities"] = inline
    for child in doc.get("jurisdictions", []):
        _inlined(path, child)
    return doc


def _all(doc: dict) -> list[dict]:
    return [*doc["communities"], *(c for j in doc.get("jurisdictions", []) for c in _all(j))]


@pytest.mark.parametrize(
    "example",
    sorted(p.name for p in (ROOT / "examples").glob("*.toml")
           if "jurisdiction" in p.name or "street" in p.name),
)
def test_no_jurisdiction_gap_asks_for_a_share_with_facts_removed(example):
    """Each bundled jurisdiction with each of its communities' facts removed one table at a
    time, on a date in each pack's time: a gap asks to provide a fact, never an aggregate the
    pack works out; and removing them leaves something unknown to ask for."""
    base = _inlined(ROOT / "examples" / example)
    aggregates = _aggregate_paths()
    unknown = 0
    for table in ("community", "organization", "spaces", "happiness", "staff", "services"):
        doc = copy.deepcopy(base)
        for c in _all(doc):
            if table in c:
                keep = {"id", "jurisdiction", "name"} if table == "community" else set()
                c[table] = {k: v for k, v in c[table].items() if k in keep}
        for as_of in (dt.date(2008, 12, 31), dt.date(2012, 11, 20), dt.date(2014, 6, 30)):
            for result in policyengine.evaluate_all(doc, as_of=as_of):
                for r in (result, *result.jurisdictions):
                    for g in r.gaps:  # a share below its target says how far: that is kept
                        assert g.fact not in aggregates or g.needed != "provide", (table, g)
                    unknown += any(f.outcome == "unknown" for f in r.findings)
    assert unknown > 0
