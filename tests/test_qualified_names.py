"""A jurisdiction's name written with the units it lies in (policies.md §6 "Scope").

facts.md gives ``jurisdiction.name`` as free text; an official may write 红山区 as
"赤峰市红山区" or "内蒙古自治区 赤峰市 红山区". The pack checks the territory against the
jurisdiction's own name and level, and Chifeng's three districts (二(二)1(1) "市三区科学划分建立
街道办事处") and Yixing's own duties (五(一), 四(一), 五(五)) are the name's own unit: the
qualified name is the same jurisdiction, and a name written in another city is elsewhere.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine

ROOT = Path(__file__).resolve().parents[1]

CHIFENG = "chifeng-annual-targets"
YIXING = "yixing-demonstration-city"


def _district(name: str, level: str = "district", **facts: object) -> dict[str, object]:
    return {
        "jurisdiction": {
            "id": "j",
            "name": name,
            "level": level,
            "leading_group": True,
            "plan": True,
            "funds_in_budget": True,
            "street_offices_established": False,
            **facts,
        }
    }


def _outcomes(document: dict[str, object], pack: str, as_of: dt.date) -> dict[str, str]:
    result = policyengine.evaluate(document, pack, as_of=as_of)
    return {f.rule: f.outcome for f in result.findings} | {"verdict": result.verdict}


@pytest.mark.parametrize(
    "name",
    [
        "红山区",
        "赤峰市红山区",
        "内蒙古自治区赤峰市红山区",
        "内蒙古自治区 赤峰市 红山区",
        "赤峰 红山区",
    ],
)
def test_the_three_districts_are_recognised_written_with_their_city(name):
    """二(二)1(1) "市三区科学划分建立街道办事处": 红山区 without street offices fails, however
    its name is written, and it lies in 赤峰市 (scope pass)."""
    got = _outcomes(_district(name), CHIFENG, dt.date(2009, 3, 1))
    assert ("pass", "fail", "fail") == (
        got["scope"],
        got["district.street-offices"],
        got["verdict"],
    )


@pytest.mark.parametrize("name", ["通辽市红山区", "内蒙古自治区通辽市红山区"])
def test_a_district_written_in_another_city_is_elsewhere(name):
    """A 红山区 written in 通辽市 is not in 赤峰市: the pack does not apply."""
    got = _outcomes(_district(name), CHIFENG, dt.date(2009, 3, 1))
    assert ("not_applicable", "not_applicable", "not_applicable") == (
        got["scope"],
        got["district.street-offices"],
        got["verdict"],
    )


def test_a_district_name_after_words_that_are_no_unit_is_not_known():
    """ "昭乌达盟红山区" may be 红山区: neither inside nor elsewhere, and the three districts'
    duty is unknown, not dropped as not applicable."""
    got = _outcomes(_district("昭乌达盟红山区"), CHIFENG, dt.date(2009, 3, 1))
    assert ("unknown", "unknown", "incomplete") == (
        got["scope"],
        got["district.street-offices"],
        got["verdict"],
    )


def test_a_name_longer_than_any_place_is_read_whole(monkeypatch):
    """A place written with its units is some 15 characters; a name of thousands (65,535
    bytes are allowed) is read whole, not tried split by split, whose cost grew with the
    square of its length (20,000 characters took a quarter of a second, and a request may
    hold many). Read whole, "赤峰市…红山区" ends as 红山区 after words not read: not known."""
    from policyengine import scope

    tried = []
    lead = scope._lead
    monkeypatch.setattr(scope, "_lead", lambda text, known: tried.append(text) or lead(text, known))
    got = _outcomes(_district("赤峰市" * 6_000 + "红山区"), CHIFENG, dt.date(2009, 3, 1))
    assert ([], "unknown", "incomplete") == (tried, got["scope"], got["verdict"])
    got = _outcomes(_district("内蒙古自治区赤峰市红山区"), CHIFENG, dt.date(2009, 3, 1))
    assert ("pass", "fail") == (got["scope"], got["district.street-offices"])
    assert tried  # a name of a place's length is read for its units


def test_another_district_of_the_city_is_inside_but_not_one_of_the_three():
    got = _outcomes(_district("赤峰市巴林左旗"), CHIFENG, dt.date(2009, 3, 1))
    assert ("pass", "not_applicable") == (got["scope"], got["district.street-offices"])


def test_the_result_keeps_the_name_as_written():
    result = policyengine.evaluate(_district("赤峰市红山区"), CHIFENG, as_of=dt.date(2009, 3, 1))
    assert "赤峰市红山区" == result.subject_name


def test_a_community_placed_under_a_qualified_name_lies_in_the_territory():
    """A community listed in "赤峰市红山区" without its own place lies in it."""
    document = _district("赤峰市红山区") | {
        "communities": [{"community": {"id": "c1", "kind": "urban"}}]
    }
    result = policyengine.evaluate(document, CHIFENG, as_of=dt.date(2009, 3, 1))
    assert "pass" == result.communities[0].finding("scope").outcome


def test_a_community_whose_place_is_one_qualified_name_lies_in_the_territory():
    community = {"community": {"id": "c1", "kind": "urban", "jurisdiction": ["赤峰市红山区"]}}
    result = policyengine.evaluate(community, CHIFENG, as_of=dt.date(2009, 3, 1))
    assert "pass" == result.finding("scope").outcome


@pytest.mark.parametrize(
    "name", ["宜兴市", "江苏省宜兴市", "无锡市宜兴市", "江苏省无锡市宜兴市", "江蘇省 無錫市 宜興市"]
)
def test_yixing_is_recognised_written_with_its_province_and_city(name):
    """五(一) "成立和諧社區建設領導小組": the city without its group fails, however written."""
    document = _district(name, "city", leading_group=False)
    got = _outcomes(document, YIXING, dt.date(2012, 11, 20))
    assert ("pass", "fail") == (got["scope"], got["city.leading-group"])


@pytest.mark.parametrize("name", ["苏州市宜兴市", "常州市丁蜀镇"])
def test_yixing_written_in_another_city_is_elsewhere(name):
    level = "town" if name.endswith("镇") else "city"
    got = _outcomes(_district(name, level, leading_group=False), YIXING, dt.date(2012, 11, 20))
    assert ("not_applicable", "not_applicable") == (got["scope"], got["verdict"])


def test_a_town_written_with_yixing_is_inside():
    """ "宜兴市丁蜀镇": a town of 宜兴市, bound by 五(一) "各鎮(街道)要成立相應的工作領導小組"."""
    got = _outcomes(
        _district("宜兴市丁蜀镇", "town", leading_group=False), YIXING, dt.date(2012, 11, 20)
    )
    assert ("pass", "fail") == (got["scope"], got["town.leading-group"])


def test_a_community_placed_level_by_level_is_still_inside():
    """["内蒙古自治区", "赤峰市", "红山区", "哈达街道"]: each name is one unit, not split."""
    place = ["内蒙古自治区", "赤峰市", "红山区", "哈达街道"]
    community = {"community": {"id": "c1", "kind": "urban", "jurisdiction": place}}
    result = policyengine.evaluate(community, CHIFENG, as_of=dt.date(2009, 3, 1))
    assert "pass" == result.finding("scope").outcome


# ------------------------------------------ Yixing: the share with no target (二, 《考評標準》)


def test_yixing_share_finding_reports_the_share_in_words_and_sets_no_target():
    """二 "對照《江蘇省級和諧社區建設示范縣(市、區)考評標準》…": the share target is in the
    provincial standard, not in the text. The finding reports the share (met/known) and the
    communities lacking data, says the document sets no target, and has no due date (the
    text sets none for a share); `expected` is words, not an expression (results.md)."""
    example = ROOT / "examples" / "yixing-demonstration-city-jurisdiction.toml"
    shown = {}
    for lang in ("zh", "en"):
        result = policyengine.evaluate(example, YIXING, as_of=dt.date(2012, 11, 10), lang=lang)
        found = result.to_dict()["findings"]
        shown[lang] = next(f for f in found if f["rule"] == "jurisdiction.communities-share")
    zh, en = shown["zh"], shown["en"]
    assert ("not_applicable", None) == (zh["outcome"], zh.get("due"))
    assert "文件未规定达到要求的社区比例目标" == zh["expected"]
    assert "50%（2/4），数据不全的社区 1 个；仅供参考" in zh["message"]
    assert "50% (2/4); communities lacking data: 1." in en["message"]
    assert "communities." not in zh["message"] + en["message"] + zh["expected"] + en["expected"]
