"""A deadline whose evidence is not given, before its first due date (results.md: "a
deadline not yet reached is ``due`` and does not change the verdict").

Before the first due date nothing can be late: the act is ``due`` whatever was done, so the
missing fact cannot change the verdict, and the finding says by when and that what was done
is not given. It was ``unknown``, and a community meeting everything else came out
``incomplete`` on the day the plan came into force. After the first due date a missing fact
is ``unknown`` again (the act may be late).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt

import pytest

import policyengine
from policyengine.api import default_registry
from policyengine.deadlines import assess

FENGXIANG_MET = {
    "community": {"id": "fx", "kind": "affordable_housing",
                  "jurisdiction": ["陕西省", "宝鸡市", "凤翔区", "城关镇"]},
    "organization": {"party_org": True, "self_governance_1_plus_n": True,
                     "residents_committee": True,
                     "democratic_systems": ["election", "decision", "management", "supervision"],
                     "opinion_channels": True, "mediation_committee": True},
    "services": {"covered": ["employment", "social_assistance", "public_security", "medical",
                             "social_security"], "resident_satisfaction": 0.85},
    "facilities": {"police_office": True, "culture_sports_facilities": True},
    "environment": {"clean": True, "green": True, "beautified": True, "lit": True,
                    "garbage_sorting": True, "sewage_treatment": True, "noise_control": True,
                    "energy_compliant": True},
    "activities": {"legal_publicity": True, "complaints_handled": True,
                   "culture_sports_regular": True, "community_education": True,
                   "environmental_campaigns": True, "civility": True,
                   "publicity_mobilisation": True},
}


@pytest.mark.parametrize(
    ("as_of", "outcome", "verdict"),
    [
        (dt.date(2024, 7, 15), "due", "pass"),  # in force: the 2024 report due 2024-12-31
        (dt.date(2024, 12, 31), "due", "pass"),  # the due day itself
        (dt.date(2025, 1, 1), "unknown", "incomplete"),  # the 2024 report may be overdue
    ],
)
def test_fengxiang_yearly_report_not_given_before_its_first_due_date(as_of, outcome, verdict):
    """四(三) "每年进行一次…自查,并形成自查报告": the report year is not given."""
    result = policyengine.evaluate(FENGXIANG_MET, "fengxiang-harmony", as_of=as_of)
    finding = result.finding("report.self-check")
    assert (outcome, verdict) == (finding.outcome, result.verdict)
    if outcome == "due":
        assert "尚未到期，应于 2024-12-31 前（含当日）完成；未提供完成情况" in finding.message


@pytest.mark.parametrize(
    ("pack_id", "deadline_id", "before", "after"),
    [
        ("wuzhou-complete-community", "reporting.monthly-progress",
         dt.date(2023, 12, 24), dt.date(2023, 12, 25)),
        ("yixing-demonstration-city", "deadline.city-plan",
         dt.date(2012, 9, 30), dt.date(2012, 10, 1)),
    ],
)
def test_every_kind_is_due_before_its_first_date_and_unknown_after(
    pack_id, deadline_id, before, after
):
    """Monthly (Wuzhou: 每月24日前, from 2023-12) and once (Yixing: 2012年9月底) alike."""
    pack = default_registry().get(pack_id)
    deadline = next(d for d in pack.deadlines if d.id == deadline_id)
    assert "due" == assess(deadline, before, None).outcome
    assert "unknown" == assess(deadline, after, None).outcome
