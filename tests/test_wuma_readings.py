"""Wuma (五马街道“幸福社区”星级创建) readings said as the document reads.

* 四(四), 二(二): below 650 points a community has no star; the rating finding is advisory
  (one star is the 力争 target), so it never binds: ``binding`` is false, the verdict is
  not changed, and the band gap (what one star needs) is still given. A rating that cannot
  be made (score missing) still binds: incomplete, with its gap (results.md "Gaps").
* 四(五)(六): a rating kept or lowered on re-evaluation earns nothing; the reward finding
  says so in words with the levels and the clause: “保留二星级，不再奖励”,
  “由五星级降为三星级，不奖励”; ``reward_yuan`` is 0.
* 三(一)–(五): the five types have no score in the text; their findings report the
  type's objective sub-score and never say that the clause requires “多于0”.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import pytest

from policyengine import api
from policyengine.authoring.cases.format import case_files
from policyengine.authoring.cases.loading import load_case_file

PACK = "wuma-star-rating"
AS_OF = dt.date(2014, 6, 30)
PLACE = ["浙江省", "温州市", "鹿城区", "五马街道"]


def community(**happiness: Any) -> dict[str, Any]:
    return {"community": {"id": "wm-t", "jurisdiction": PLACE}, "happiness": happiness}


def finding(result: dict[str, Any], rule: str) -> dict[str, Any]:
    (found,) = [f for f in result["findings"] if f["rule"] == rule]
    return found


def evaluate(facts: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    return api.evaluate(facts, PACK, as_of=AS_OF, lang=lang).to_dict()


class TestBelowTheLowestBand:
    """四(四): 649 points is no star: advisory, never binding; the gap to one star stays."""

    def test_advisory_is_not_binding(self):
        r = evaluate(community(objective_score=449, survey_score=200, vetoes=[], previous_stars=0))
        f = finding(r, "rating.stars")
        assert ("advisory", False) == (f["outcome"], f["binding"])
        assert "pass" == r["verdict"]
        assert 0 == r["outputs"]["stars"]

    def test_the_band_gap_to_one_star_stays(self):
        r = evaluate(community(objective_score=449, survey_score=200, vetoes=[], previous_stars=0))
        (band,) = [g for g in r["gaps"] if g.get("output") == "stars"]
        assert (0, 1, 1, {"happiness.total_score": 650}) == (
            band["now"], band["next"], band["short_by"], band["needs"]
        )
        assert [] == [g for g in r["gaps"] if g.get("rule") == "rating.stars" and "fact" in g]

    def test_a_rating_not_made_still_binds(self):
        r = evaluate(community(objective_score=449, vetoes=[], previous_stars=0))
        f = finding(r, "rating.stars")
        assert ("unknown", True) == (f["outcome"], f["binding"])
        assert "incomplete" == r["verdict"]
        assert any(g.get("fact") == "happiness.survey_score" for g in r["gaps"])

    def test_a_star_reached_binds(self):
        r = evaluate(community(objective_score=450, survey_score=200, vetoes=[], previous_stars=0))
        assert ("pass", True) == (
            finding(r, "rating.stars")["outcome"], finding(r, "rating.stars")["binding"]
        )

    def test_no_advisory_finding_of_any_case_binds(self):
        """Advisory findings never change the verdict (results.md): none says binding."""
        pack = api.installed_packs()[PACK]
        seen = 0
        for file in case_files(pack):
            for case in load_case_file(file, pack):
                result = api.evaluate(case.subject, pack, as_of=case.as_of).to_dict()
                stack = [result]
                while stack:
                    r = stack.pop()
                    stack.extend(r.get("communities", ()))
                    for f in r["findings"]:
                        if f["outcome"] == "advisory":
                            seen += 1
                            assert not f["binding"], (case.name, f["rule"])
        assert seen > 0


class TestKeptOrLowered:
    """四(五) “符合标准的给予保留称号,不符合标准的,给予降星”; 四(六): no reward for either."""

    @pytest.mark.parametrize(
        ("objective", "previous", "zh", "en"),
        [
            (500, 2, "保留二星级，不再奖励（依据四(六)）", "Kept at two stars: no further reward"),
            (550, 5, "由五星级降为三星级，不奖励（依据四(六)）",
             "Lowered from five stars to three stars: no reward is due (clause 四(六))"),
            (520, 4, "由四星级降为二星级，不奖励", "Lowered from four stars to two stars"),
        ],
    )
    def test_said_in_words_with_no_reward(self, objective, previous, zh, en):
        facts = community(objective_score=objective, survey_score=200, vetoes=[],
                          previous_stars=previous)
        r = evaluate(facts)
        f = finding(r, "reward.amount")
        assert zh in f["message"]
        assert "不适用" not in f["message"]
        assert (0, {}) == (r["outputs"]["reward_yuan"], r["outputs"]["reward_payers"])
        said = finding(evaluate(facts, "en"), "reward.amount")["message"]
        assert en in said
        assert "Not applicable" not in said

    def test_no_star_after_a_star_held(self):
        """A vetoed community that held two stars: none now, no reward."""
        facts = community(objective_score=550, survey_score=200, vetoes=["family_planning"],
                          previous_stars=2)
        r = evaluate(facts)
        assert "原为二星级，现未评定星级，不奖励（依据四(六)）。" == finding(r, "reward.amount")["message"]
        assert 0 == r["outputs"]["reward_yuan"]

    def test_no_star_at_all(self):
        r = evaluate(community(objective_score=449, survey_score=200, vetoes=[], previous_stars=0))
        assert "未评定星级，无奖励（依据四(六)）。" == finding(r, "reward.amount")["message"]


class TestFiveTypes:
    """三(一)–(五) state no score for a type: the sub-score is reported, not required."""

    TYPES: ClassVar[dict[str, int]] = {
        "self_governance": 0, "ecological": 200, "service": 200, "cultural": 100, "harmonious": 100
    }

    def test_a_type_at_zero_is_reported_not_required(self):
        r = evaluate(community(objective_by_type=self.TYPES, survey_score=200, vetoes=[],
                               previous_stars=0))
        f = finding(r, "type.self-governance")
        assert ("advisory", False) == (f["outcome"], f["binding"])
        assert "pass" == r["verdict"]
        assert "自治型客观测评得分 0分" in f["message"]
        assert "三(一)未规定数值，只报告现值" in f["message"]
        assert "多于0" not in f["message"] and "要求自治型" not in f["message"]
        assert f["message"].endswith("责任单位：组织办、纪工委、事务办、司法所、财政办、城管办。")

    def test_every_type_in_both_languages(self):
        facts = community(objective_by_type=self.TYPES, survey_score=200, vetoes=[],
                          previous_stars=0)
        zh, en = evaluate(facts), evaluate(facts, "en")
        for rule in ("type.self-governance", "type.ecological", "type.service",
                     "type.cultural", "type.harmonious"):
            assert "多于0" not in finding(zh, rule)["message"]
            said = finding(en, rule)["message"]
            assert "more than 0" not in said and "required:" not in said
            assert "states no number: the value is only reported" in said
