"""Chifeng's annual targets: the clause a message cites and the date a target is due.

* results.md: a finding's message states the requirement in words, citing its clause; the
  clause must be the finding's own (``clause``): the programme year's paragraph, the year a
  ``start_year`` override makes, and year 3 after the programme (policies.md §6 "In force").
* policies.md §6 "Due dates": the targets of one annual paragraph (二(二)1–3 "(year N),…重要工作
  目标") are set for that year: a share of communities and the key communities' year-1 targets
  name 12-31 of the year, whichever item of the paragraph they are.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import policyengine

PACK = "chifeng-annual-targets"
PLACE = ["内蒙古自治区", "赤峰市", "红山区", "哈达街道"]
COMMUNITY = {
    "community": {
        "id": "c1",
        "kind": "urban",
        "jurisdiction": PLACE,
        "households": 1500,
        "key_community": True,
    },
    "organization": {"party_org": True, "party_org_five_good": False, "co_building_org": True},
    "staff": {
        "count": 4,
        "avg_annual_income_yuan": 21000,
        "local_avg_wage_prev_year_yuan": 21000,
    },
    "spaces": {"own_office": True, "service_area_m2": 100, "one_stop_center_area_m2": 0},
}
DISTRICT = {
    "jurisdiction": {"id": "hs", "name": "红山区", "level": "district"},
    "communities": [COMMUNITY],
}


@attrs.frozen
class _Said:
    """A finding as the output shows it (the message in words)."""

    outcome: str
    clause: str
    message: str
    due: dt.date | None


def _finding(document, rule, as_of, start=None):
    overrides = {"start_year": start} if start is not None else None
    result = policyengine.evaluate(document, PACK, as_of=as_of, parameters=overrides)
    shown = next(f for f in result.to_dict()["findings"] if f["rule"] == rule)
    due = dt.date.fromisoformat(shown["due"]) if shown.get("due") else None
    return _Said(shown["outcome"], shown["clause"], shown["message"], due)


CASES = [
    (None, dt.date(2009, 6, 30)),
    (None, dt.date(2011, 6, 30)),  # after the programme: year 3
    (None, dt.date(2024, 6, 30)),
    (2023, dt.date(2023, 6, 30)),  # start_year override: year 1
    (2023, dt.date(2024, 6, 30)),  # year 2
    (2023, dt.date(2026, 6, 30)),  # after the programme
]


@pytest.mark.parametrize(("start", "as_of"), CASES)
@pytest.mark.parametrize("rule", ["district.service-area-share", "district.five-good-share"])
def test_a_district_message_cites_the_findings_own_clause(rule, start, as_of):
    """二(二)N(2) "…200平米以上旳到达40% / 60% / 80%": the message says "依据" the clause the
    finding carries, in every programme year and under an override."""
    f = _finding(DISTRICT, rule, as_of, start)
    if f.outcome == "not_applicable":  # year 1 has no "五个好" share
        return
    assert f"（依据{f.clause}）" in f.message


@pytest.mark.parametrize(("start", "as_of"), CASES)
@pytest.mark.parametrize("rule", ["staff.income", "org.co-building"])
def test_a_community_message_cites_the_findings_own_clause(rule, start, as_of):
    f = _finding(COMMUNITY, rule, as_of, start)
    if f.outcome == "not_applicable":  # year 2 sets nothing for the co-building organisation
        return
    assert f"（依据{f.clause}）" in f.message


def test_after_the_programme_the_year_3_clause_is_cited():
    """二(二)3(3) "社区工作人员年收入不低于当地上年城镇职工平均工资水平" (year 3) stays in force."""
    f = _finding(COMMUNITY, "staff.income", dt.date(2011, 6, 30))
    assert ("二(二)3(3)", True) == (f.clause, "（依据二(二)3(3)）" in f.message)


def test_with_a_start_year_override_the_overridden_year_is_cited():
    """start_year 2023: 2024 is year 2, 二(二)2(2) "…到达60%"."""
    f = _finding(DISTRICT, "district.service-area-share", dt.date(2024, 6, 30), 2023)
    assert ("二(二)2(2)", True) == (f.clause, "（依据二(二)2(2)）" in f.message)


@pytest.mark.parametrize(
    ("rule", "as_of"),
    [
        ("district.service-area-share", dt.date(2008, 3, 1)),
        ("district.one-stop-key", dt.date(2008, 3, 1)),
        ("district.service-area-share", dt.date(2009, 3, 1)),
        ("district.five-good-share", dt.date(2009, 3, 1)),
        ("district.one-stop-share", dt.date(2009, 3, 1)),
    ],
)
def test_the_shares_of_one_annual_paragraph_are_due_at_its_year_end(rule, as_of):
    """二(二)1(2)/(4) and 二(二)2(1)/(2)/(4): every share target of the year's paragraph is
    due 12-31 of that year, the 30% one-stop share as the 60% space share."""
    f = _finding(DISTRICT, rule, as_of)
    assert ("fail", dt.date(as_of.year, 12, 31)) == (f.outcome, f.due)


def test_a_key_community_without_a_one_stop_centre_is_due_at_the_end_of_year_1():
    """二(二)1(4) "在26个重点小区建成…“一站式”综合服务中心(站)", beside "年终26个重点小区到达…基本
    标准": not yet met in March, due 2008-12-31."""
    f = _finding(COMMUNITY, "service.one-stop-key", dt.date(2008, 3, 1))
    assert ("fail", dt.date(2008, 12, 31), True) == (f.outcome, f.due, "2008-12-31" in f.message)
