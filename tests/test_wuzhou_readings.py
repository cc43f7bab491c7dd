"""Wuzhou (梧建函〔2023〕265号) and Fengxiang: readings said in words, and where they apply.

* 一(二) "以长洲区神冠社区居民委员会辖区为基本单元…经过总结评估,形成可复制、可推广的试点经验在全市推行"
  (policies.md §6 "Wuzhou's pilot"): for another community of 梧州市 the pilot finding and
  the pilot's own duty (the monthly report) say why they do not bind it, not a bare title.
* 建办科〔2022〕48号 "每百户不低于30平方米": the finding says the requirement in words, never
  as an expression ("面积 × 100不少于户数 × …").
* results.md ``missing_facilities``: "fact names of required facilities that are absent" —
  nothing is required of a community the plan does not apply to: null, as every other
  output of a pack that does not apply, on the row path and on columns alike.
* §6 Scope: only a subject *stated* to be elsewhere is ``not_applicable``; a place written
  in traditional characters (廣西壯族自治區…長洲區, 陝西省寶雞市鳳翔區柳林鎮) is the same place.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine import api
from policyengine.documents import structure_community
from policyengine.engine import compile_pack

ROOT = Path(__file__).resolve().parents[1]
SHENGUAN = tomllib.loads(
    (
        ROOT
        / "policy_packs/wuzhou-complete-community/policyengine_pack_wuzhou_complete_community"
        / "cases/facts/shenguan-complete.toml"
    ).read_text(encoding="utf-8")
)
WUZHOU = "wuzhou-complete-community"
MARCH = dt.date(2024, 3, 1)


def _community(**changes: Any) -> dict[str, Any]:
    facts = copy.deepcopy(SHENGUAN)
    facts["facilities"]["nursery"] = False
    for path, value in changes.items():
        group, name = path.split("__")
        facts.setdefault(group, {})[name] = value
    return facts


def _finding(result: dict[str, Any], rule: str) -> dict[str, Any]:
    (found,) = [f for f in result["findings"] if f["rule"] == rule]
    return found


# ------------------------------------------------------------------- non-pilot (一(二))


def test_a_community_that_is_not_the_pilot_is_told_why() -> None:
    facts = _community(community__name="富民社区")
    zh = policyengine.evaluate(facts, WUZHOU, as_of=MARCH).to_dict()
    en = policyengine.evaluate(facts, WUZHOU, as_of=MARCH, lang="en").to_dict()
    assert "pass" == zh["verdict"]
    pilot_zh, pilot_en = _finding(zh, "pilot"), _finding(en, "pilot")
    assert "not_applicable" == pilot_zh["outcome"]
    assert "该社区不是试点单元（长洲区神冠社区）" in pilot_zh["message"]
    assert "差距分析" in pilot_zh["message"]
    assert "在全市推行" in pilot_zh["message"]
    assert "the community is not the pilot unit (长洲区神冠社区)" in pilot_en["message"]
    assert "gap analysis" in pilot_en["message"]
    report_zh = _finding(zh, "reporting.monthly-progress")
    report_en = _finding(en, "reporting.monthly-progress")
    assert "not_applicable" == report_zh["outcome"]
    assert "只适用于试点单元（长洲区神冠社区），该社区不是试点单元" in report_zh["message"]
    assert "is a duty of the pilot unit (长洲区神冠社区) alone" in report_en["message"]


def test_a_pilot_task_missing_elsewhere_is_a_gap_against_the_pilot_not_a_guideline() -> None:
    """二(一) 托儿所 is a 试点任务, binding on the pilot; elsewhere it is the gap analysis of
    policies.md §6 (the roll-out comes "经过总结评估…在全市推行"), not a guideline."""
    facts = _community(community__name="富民社区")
    facts["facilities"]["nursery"] = False
    for lang, said, never in (
        ("zh", "对照试点标准：托儿所。", "指导性要求"),
        ("en", "Against the pilot standard: ", "A guideline"),
    ):
        result = policyengine.evaluate(facts, WUZHOU, as_of=MARCH, lang=lang).to_dict()
        nursery = _finding(result, "service-facilities.nursery")
        assert ("advisory", False) == (nursery["outcome"], nursery["binding"])
        assert nursery["message"].startswith(said)
        assert never not in nursery["message"]
    pilot = _community()
    pilot["facilities"]["nursery"] = False
    result = policyengine.evaluate(pilot, WUZHOU, as_of=MARCH).to_dict()
    assert "fail" == _finding(result, "service-facilities.nursery")["outcome"]


# ----------------------------------------------------------- 建办科〔2022〕48号 in words


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_service_area_figure_is_said_in_words(lang: str) -> None:
    facts = _community(spaces__service_area_m2=899.9)
    facts["facilities"]["nursery"] = True
    result = policyengine.evaluate(facts, WUZHOU, as_of=MARCH, lang=lang).to_dict()
    finding = _finding(result, "national.service-area-per-100-households")
    assert "advisory" == finding["outcome"]
    message = finding["message"]
    for expression in ("×", "*", " / ", "spaces.", "community.", "params."):
        assert expression not in message
    assert "899.9" in message
    assert "900" in message  # 3,000 households × 30 m² per 100 households
    # the 30 m² it computes with is named with its clause, read through the derived fact
    assert {"service_area_m2_per_100_households": 30} == finding["parameters"]
    if lang == "zh":
        assert "不少于依户数按每百户30平方米计应有的服务用房面积" in message
    else:
        assert "at least the floor area due for the households at 30 m² per 100" in message


@pytest.mark.parametrize(("area", "outcome"), [(900, "pass"), (899.9, "advisory")])
def test_the_service_area_figure_is_inclusive(area: float, outcome: str) -> None:
    facts = _community(spaces__service_area_m2=area)
    result = policyengine.evaluate(facts, WUZHOU, as_of=MARCH)
    assert outcome == result.finding("national.service-area-per-100-households").outcome


# ------------------------------------------------ missing_facilities where it does not apply

ELSEWHERE = _community(community__jurisdiction=["广西壮族自治区", "南宁市", "青秀区"])
BEFORE = _community()


@pytest.mark.parametrize(
    ("facts", "as_of"),
    [(ELSEWHERE, MARCH), (BEFORE, dt.date(2023, 11, 30))],
    ids=["outside-wuzhou", "before-in-force"],
)
def test_fact_lists_are_null_where_the_plan_does_not_apply(facts: Any, as_of: dt.date) -> None:
    result = policyengine.evaluate(facts, WUZHOU, as_of=as_of)
    assert "not_applicable" == result.verdict
    assert result.outputs["missing_facilities"] is None
    assert result.outputs["unknown_facilities"] is None


def test_fact_lists_on_columns_are_null_where_the_plan_does_not_apply() -> None:
    columnar = pytest.importorskip("policyengine.columnar")
    pack = api.installed_packs()[WUZHOU]
    inside = _community()
    docs = [ELSEWHERE, inside]
    for i, doc in enumerate(docs):
        doc["community"]["id"] = f"c{i}"
    communities = [structure_community(d) for d in docs]
    cols = columnar.FactColumns.from_subjects(communities, compile_pack(pack).read_paths)
    result = columnar.evaluate_columns(pack, cols, MARCH)
    assert [None, ["facilities.nursery"]] == result.output_values("missing_facilities")
    assert [None, []] == result.output_values("unknown_facilities")


# ------------------------------------------------------------- traditional characters


def test_a_wuzhou_place_in_traditional_characters_is_inside_and_the_pilot() -> None:
    facts = _community(community__jurisdiction=["廣西壯族自治區", "梧州市", "長洲區"])
    facts["community"]["name"] = "神冠社區"
    result = policyengine.evaluate(facts, WUZHOU, as_of=MARCH)
    assert "pass" == result.finding("scope").outcome
    assert "pass" == result.finding("pilot").outcome
    assert "fail" == result.finding("service-facilities.nursery").outcome
    assert "fail" == result.verdict


def test_the_pilot_conditions_name_both_scripts() -> None:
    pack = api.installed_packs()[WUZHOU]
    assert pack.info.pilot is not None
    for name in (
        "长洲区",
        "長洲區",
        "神冠社区",
        "神冠社區",
        "神冠社区居民委员会",
        "神冠社區居民委員會",
    ):
        assert f'"{name}"' in pack.info.pilot.when
    (deadline,) = pack.deadlines
    assert pack.info.pilot.when == deadline.when  # the monthly report is the pilot's alone


def test_a_fengxiang_place_in_traditional_characters_is_inside() -> None:
    facts = {
        "community": {
            "id": "fx",
            "kind": "affordable_housing",
            "jurisdiction": ["陝西省", "寶雞市", "鳳翔區", "柳林鎮"],
        },
        "environment": {"lit": False},
    }
    result = policyengine.evaluate(facts, "fengxiang-harmony", as_of=dt.date(2025, 6, 30))
    assert "pass" == result.finding("scope").outcome
    assert "fail" == result.finding("environment.lit").outcome
    assert "fail" == result.verdict
    assert not re.search("不在本文件适用", result.finding("scope").message)
