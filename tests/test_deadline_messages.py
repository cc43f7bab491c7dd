"""What a deadline's sentence and its gap say (results.md ``message`` and "Gaps").

A deadline's message is a sentence an official reads: it names the duty — what must be
sent or done, for whom (the deadline's title) — and, unless it was met, the date it is or
was due (policies.md §6 "Due dates": "the message says by when"), in Chinese and, with
``lang="en"``, in English sentences. A monthly report that is missing or late is a failure
of a binding rule, so it has a gap (results.md: "for each binding rule that fails …, what
would make it pass"): the missing month's report, or, for one sent late, that it cannot be
put right and when the next one is due.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

import policyengine

ROOT = Path(__file__).resolve().parents[1]
WUZHOU_FACTS = (
    ROOT
    / "policy_packs/wuzhou-complete-community/policyengine_pack_wuzhou_complete_community"
    / "cases/facts/shenguan-complete.toml"
)
WUZHOU = "wuzhou-complete-community"
WZ_DUTY_ZH = "每月24日前报送试点工作情况及最新进展（报市住房城乡建设局、民政局）"
WZ_DUTY_EN = "Monthly report on the pilot's work and latest progress"

FX_DUTY_ZH = "每年评估自查并形成自查报告，报请市住建局评估验收"
FX_DUTY_EN = "Yearly self-check report to the city housing bureau"
FENGXIANG_MET: dict[str, Any] = {
    "community": {
        "id": "fx",
        "kind": "affordable_housing",
        "jurisdiction": ["陕西省", "宝鸡市", "凤翔区", "城关镇"],
    },
    "organization": {
        "party_org": True,
        "self_governance_1_plus_n": True,
        "residents_committee": True,
        "democratic_systems": ["election", "decision", "management", "supervision"],
        "opinion_channels": True,
        "mediation_committee": True,
    },
    "services": {
        "covered": [
            "employment",
            "social_assistance",
            "public_security",
            "medical",
            "social_security",
        ],
        "resident_satisfaction": 0.85,
    },
    "facilities": {"police_office": True, "culture_sports_facilities": True},
    "environment": {
        "clean": True,
        "green": True,
        "beautified": True,
        "lit": True,
        "garbage_sorting": True,
        "sewage_treatment": True,
        "noise_control": True,
        "energy_compliant": True,
    },
    "activities": {
        "legal_publicity": True,
        "complaints_handled": True,
        "culture_sports_regular": True,
        "community_education": True,
        "environmental_campaigns": True,
        "civility": True,
        "publicity_mobilisation": True,
    },
}


def _wuzhou(reports: list[str]) -> dict[str, Any]:
    facts = tomllib.loads(WUZHOU_FACTS.read_text(encoding="utf-8"))
    facts = copy.deepcopy(facts)
    facts.setdefault("reporting", {})["monthly_reports"] = [
        dt.date.fromisoformat(d) for d in reports
    ]
    return facts


def _said(facts: Any, pack: str, as_of: dt.date, rule: str, lang: str) -> tuple[dict, list]:
    result = policyengine.evaluate(facts, pack, as_of=as_of, lang=lang).to_dict()
    (finding,) = [f for f in result["findings"] if f["rule"] == rule]
    return finding, [g for g in result["gaps"] if g["rule"] == rule]


# (facts, pack, as_of, rule, outcome, the date the sentence must give)
CASES = [
    pytest.param(
        _wuzhou(["2023-12-22", "2024-01-24"]),
        WUZHOU,
        dt.date(2024, 3, 1),
        "reporting.monthly-progress",
        "overdue",
        "2024-02-24",
        id="wuzhou-february-missing",
    ),
    pytest.param(
        _wuzhou(["2023-12-26"]),
        WUZHOU,
        dt.date(2024, 1, 10),
        "reporting.monthly-progress",
        "met_late",
        "2023-12-24",
        id="wuzhou-december-late",
    ),
    pytest.param(
        _wuzhou(["2023-12-22", "2024-01-26"]),
        WUZHOU,
        dt.date(2024, 3, 1),
        "reporting.monthly-progress",
        "overdue",
        "2024-01-24",
        id="wuzhou-late-and-missing",
    ),
    pytest.param(
        _wuzhou(["2023-12-22", "2024-01-24", "2024-02-23"]),
        WUZHOU,
        dt.date(2024, 3, 10),
        "reporting.monthly-progress",
        "due",
        "2024-03-24",
        id="wuzhou-march-pending",
    ),
    pytest.param(
        {**FENGXIANG_MET, "reporting": {"self_check_report_year": 2024}},
        "fengxiang-harmony",
        dt.date(2026, 1, 1),
        "report.self-check",
        "overdue",
        "2025-12-31",
        id="fengxiang-2025-missed",
    ),
    pytest.param(
        {**FENGXIANG_MET, "reporting": {"self_check_report_year": 2024}},
        "fengxiang-harmony",
        dt.date(2025, 6, 30),
        "report.self-check",
        "due",
        "2025-12-31",
        id="fengxiang-2025-due",
    ),
    pytest.param(
        {
            "jurisdiction": {
                "id": "yx",
                "name": "宜兴市",
                "level": "county",
                "leading_group": False,
                "plan": True,
                "funds_in_budget": True,
            }
        },
        "yixing-demonstration-city",
        dt.date(2012, 10, 10),
        "deadline.city-leading-group",
        "overdue",
        "2012-09-30",
        id="yixing-leading-group-overdue",
    ),
]

DUTY = {
    "reporting.monthly-progress": (WZ_DUTY_ZH, WZ_DUTY_EN),
    "report.self-check": (FX_DUTY_ZH, FX_DUTY_EN),
    "deadline.city-leading-group": ("成立领导小组", "Leading group in place"),
}


@pytest.mark.parametrize(("facts", "pack", "as_of", "rule", "outcome", "due"), CASES)
def test_a_deadline_not_met_names_the_duty_and_the_date_due(facts, pack, as_of, rule, outcome, due):
    zh, _ = _said(facts, pack, as_of, rule, "zh")
    en, _ = _said(facts, pack, as_of, rule, "en")
    assert outcome == zh["outcome"]
    duty_zh, duty_en = DUTY[rule]
    assert duty_zh in zh["message"]
    assert due in zh["message"]
    assert duty_en in en["message"]
    assert due in en["message"]
    # English sentences: the duty, a colon, then a sentence with a verb, ending in a full stop
    assert en["message"].endswith(".")
    assert not en["message"].startswith(("Overdue, not sent", "Sent late (", "Not done for"))


def test_wuzhou_monthly_messages_read_as_sentences() -> None:
    zh, _ = _said(
        _wuzhou(["2023-12-22", "2024-01-24"]),
        WUZHOU,
        dt.date(2024, 3, 1),
        "reporting.monthly-progress",
        "zh",
    )
    en, _ = _said(
        _wuzhou(["2023-12-22", "2024-01-24"]),
        WUZHOU,
        dt.date(2024, 3, 1),
        "reporting.monthly-progress",
        "en",
    )
    assert zh["message"].startswith(
        WZ_DUTY_ZH + "：逾期未报送 2024-02（应于 2024-02-24 前）的报告。"
    )
    assert "No report was sent for 2024-02 (due by 2024-02-24)." in en["message"]


def test_a_met_deadline_names_the_duty() -> None:
    reports = ["2023-12-22", "2024-01-24", "2024-02-23"]
    zh, _ = _said(
        _wuzhou(reports), WUZHOU, dt.date(2024, 2, 28), "reporting.monthly-progress", "zh"
    )
    en, _ = _said(
        _wuzhou(reports), WUZHOU, dt.date(2024, 2, 28), "reporting.monthly-progress", "en"
    )
    assert "pass" == zh["outcome"]
    assert zh["message"].startswith(WZ_DUTY_ZH + "：")
    assert en["message"].startswith(WZ_DUTY_EN)
    fx = {**FENGXIANG_MET, "reporting": {"self_check_report_year": 2025}}
    zh, _ = _said(fx, "fengxiang-harmony", dt.date(2025, 6, 30), "report.self-check", "zh")
    assert "pass" == zh["outcome"]
    assert zh["message"].startswith(FX_DUTY_ZH + "：2025 年度已完成")


# ---------------------------------------------------------------------------- gaps


def test_a_missing_month_has_a_gap_naming_the_report_needed() -> None:
    facts = _wuzhou(["2023-12-22", "2024-01-24"])
    finding, gaps = _said(facts, WUZHOU, dt.date(2024, 3, 1), "reporting.monthly-progress", "zh")
    assert "overdue" == finding["outcome"]
    (gap,) = gaps
    assert "reporting.monthly_reports" == gap["fact"]
    assert "2024-02" == gap["needed"]
    assert "contains" == gap["relation"]
    assert ["长洲区政府"] == gap["responsible"]
    assert "补报 2024-02 的报告" in gap["message"]
    assert "2024-02-24" in gap["message"]
    assert "仍记为逾期报送" in gap["message"]
    _, (gap_en,) = _said(facts, WUZHOU, dt.date(2024, 3, 1), "reporting.monthly-progress", "en")
    assert "send the report for 2024-02" in gap_en["message"]
    assert "still counts as late" in gap_en["message"]


def test_every_missing_month_has_its_gap() -> None:
    _, gaps = _said(_wuzhou([]), WUZHOU, dt.date(2024, 7, 1), "reporting.monthly-progress", "zh")
    months = ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert months == [g["needed"] for g in gaps]


def test_a_report_sent_late_cannot_be_cured_and_the_gap_names_the_next_one() -> None:
    facts = _wuzhou(["2023-12-26"])
    finding, (gap,) = _said(facts, WUZHOU, dt.date(2024, 1, 10), "reporting.monthly-progress", "zh")
    assert "met_late" == finding["outcome"]
    assert "2024-01" == gap["needed"]
    assert "无法补正" in gap["message"]
    assert "2024-01-24" in gap["message"]
    _, (gap_en,) = _said(facts, WUZHOU, dt.date(2024, 1, 10), "reporting.monthly-progress", "en")
    assert "cannot be put right" in gap_en["message"]
    assert "due by 2024-01-24" in gap_en["message"]


def test_a_last_report_sent_late_has_a_gap_that_says_none_is_due_after_it() -> None:
    reports = [
        "2023-12-22",
        "2024-01-24",
        "2024-02-23",
        "2024-03-22",
        "2024-04-24",
        "2024-05-20",
        "2024-06-25",
    ]
    finding, (gap,) = _said(
        _wuzhou(reports), WUZHOU, dt.date(2024, 7, 10), "reporting.monthly-progress", "en"
    )
    assert "met_late" == finding["outcome"]
    assert gap["needed"] is None
    assert "no report is due after it" in gap["message"]


def test_a_one_off_duty_overdue_has_a_gap_on_its_fact() -> None:
    facts = {
        "jurisdiction": {
            "id": "yx",
            "name": "宜兴市",
            "level": "county",
            "leading_group": False,
            "plan": True,
            "funds_in_budget": True,
        }
    }
    _, gaps = _said(
        facts,
        "yixing-demonstration-city",
        dt.date(2012, 10, 10),
        "deadline.city-leading-group",
        "zh",
    )
    (gap,) = gaps
    assert ("jurisdiction.leading_group", True, "==") == (
        gap["fact"],
        gap["needed"],
        gap["relation"],
    )
    assert "2012-09-30" in gap["message"]
