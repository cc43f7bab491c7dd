"""Shares and counts over communities whose place does not tell whether they lie in the
territory (policies.md §6 Scope: "applicability is unknown … never fail, because the pack
may not apply"; §6 Jurisdictions: the targets are shares and counts over communities).

Such a community may be outside the territory: it neither meets a target's share nor fails
it. It is unknown in the counts, as a community lacking the fact is, so a target that it
could tip is unknown and the jurisdiction ``incomplete``. It had been counted: 松山区
failed its 100 % coverage on a community perhaps outside 赤峰市. Rows and columns agree.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt

import pytest

import policyengine
from policyengine.api import default_registry
from policyengine.documents import structure_subject
from policyengine.jurisdictions import evaluate_jurisdiction
from policyengine.sinks import flat_rows

pytest.importorskip("numpy")
from policyengine.columnar.jurisdiction import rows_of_jurisdiction

CHIFENG_COMMUNITY = {
    "kind": "urban",
    "key_community": False,
    "households": 1500,
}


def _chifeng_district(second_place: list[str]) -> dict:
    def community(cid: str, place: list[str], party_org: bool) -> dict:
        return {
            "community": {"id": cid, "jurisdiction": place, **CHIFENG_COMMUNITY},
            "organization": {"party_org": party_org, "residents_committee": True},
        }

    return {
        "jurisdiction": {"id": "ss", "name": "松山区", "level": "district", "leading_group": True,
                         "plan": True, "funds_in_budget": True, "street_offices_established": True},
        "communities": [
            community("in", ["内蒙古自治区", "赤峰市", "松山区"], True),
            community("doubtful", second_place, False),
        ],
    }


@pytest.mark.parametrize(
    ("second_place", "outcome", "known", "unknown"),
    [
        (["内蒙古自治区"], "unknown", 1, 1),  # perhaps outside 赤峰市
        (["内蒙古自治区", "赤峰市", "松山区"], "fail", 2, 0),  # inside: a real failure
        (["浙江省", "温州市"], "pass", 1, 0),  # elsewhere: not counted
    ],
)
def test_a_community_perhaps_elsewhere_is_unknown_in_the_counts(second_place, outcome, known,
                                                                 unknown):
    """二(二)1(1) "年终前所有城镇小区党组织和居委会覆盖率到达100%" over 松山区's
    communities: the second has no party organisation."""
    as_of = dt.date(2008, 12, 31)
    doc = _chifeng_district(second_place)
    result = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=as_of)
    finding = result.finding("district.org-coverage")
    detail = finding.inputs["communities.share_org_coverage"]
    assert (outcome, known, unknown) == (finding.outcome, detail["known"], detail["unknown"])
    if outcome == "unknown":
        assert "incomplete" == result.verdict
    pack = default_registry().get("chifeng-annual-targets")
    subject = structure_subject(doc)
    rows = list(flat_rows(evaluate_jurisdiction(subject, pack, as_of=as_of)))
    assert rows == rows_of_jurisdiction(subject, pack, as_of)


def test_a_street_share_is_unknown_where_a_community_may_lie_elsewhere():
    """Wuma 二(二): the street's shares of starred communities. A community placed only in
    温州市 may lie outside 五马街道: the share of one star or more is not 1/2 but unknown."""
    def community(cid: str, place: list[str], objective: int, survey: int) -> dict:
        return {
            "community": {"id": cid, "jurisdiction": place},
            "happiness": {"objective_score": objective, "survey_score": survey,
                          "vetoes": [], "previous_stars": 0},
        }

    doc = {
        "jurisdiction": {"id": "wuma", "name": "五马街道", "level": "street",
                         "leading_group": True, "funds_in_budget": True},
        "communities": [
            community("a", ["浙江省", "温州市", "鹿城区", "五马街道"], 650, 260),
            community("x", ["浙江省", "温州市"], 400, 100),
        ],
    }
    as_of = dt.date(2014, 6, 30)
    result = policyengine.evaluate(doc, "wuma-star-rating", as_of=as_of)
    assert "unknown" == result.finding("street.all-starred").outcome
    pack = default_registry().get("wuma-star-rating")
    subject = structure_subject(doc)
    rows = list(flat_rows(evaluate_jurisdiction(subject, pack, as_of=as_of)))
    assert rows == rows_of_jurisdiction(subject, pack, as_of)
