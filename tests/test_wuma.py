"""The Wuma pack against its document: 五马街道开展“幸福社区”创建活动实施意见, section 四.

Expected values come from the document (``fixtures/seeds/wuma-section-4.txt``) and the
product owner's reading (spec/policies.md §3), never from the code's output:

* 四(一) any 一票否决 (班子建设, 综治, 计划生育) → not eligible, no stars;
* 四(二) objective ≤ 700 + survey ≤ 300;
* 四(四) "总分达到X分以上" (X included): 650 ★, 700 ★★, 750 ★★★, 800 ★★★★, 900 ★★★★★;
* 四(五) ★–★★★ evaluated by 区文明委, ★★★★–★★★★★ by 市文明委;
* 四(六) rewards and promotions, paid 50/50 by 区政府/街道 (★–★★★) or 市/区财政 (★★★★–★★★★★);
  the ★★★→★★★★ promotion reward is not stated.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyengine

AS_OF = dt.date(2014, 12, 31)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECTION_4 = (FIXTURES / "seeds" / "wuma-section-4.txt").read_text(encoding="utf-8")

THRESHOLDS = (650, 700, 750, 800, 900)
"""四(四): the minimum total of one to five stars."""

LEVEL_REWARD = {1: 50_000, 2: 100_000, 3: 150_000, 4: 300_000, 5: 500_000}
"""四(六): 一星级奖励5万元 … 五星级奖励50万元."""

STEP_REWARD = {2: 50_000, 3: 50_000, 4: None, 5: 200_000}
"""四(六): the 再奖励 for the promotion ending at that level; 三→四 is not stated."""

DISTRICT_STREET = ("区政府", "街道")
CITY_DISTRICT = ("市财政", "区财政")
FIVE_TYPES = ("self_governance", "ecological", "service", "cultural", "harmonious")
VETOES = ("leadership", "public_security", "family_planning")


def expected_stars(total: float) -> int:
    """Stars by 四(四), 以上 including the number."""
    return sum(total >= t for t in THRESHOLDS)


def expected_reward(stars: int, previous: int) -> int | None:
    """四(六) read as policies.md §3: first rating, promotion steps, nothing when kept/lowered."""
    if stars == 0 or stars <= previous:
        return 0
    if previous == 0:
        return LEVEL_REWARD[stars]
    steps = [STEP_REWARD[level] for level in range(previous + 1, stars + 1)]
    return None if None in steps else sum(steps)


def doc(objective: float | None = 500, survey: float | None = 200, *,
        vetoes: list[str] | None = None, previous: int | None = 0,
        cid: str = "wm-001", **happiness: object) -> dict:
    """A Wuma facts document; ``None`` leaves a fact out."""
    h: dict = {"objective_score": objective, "survey_score": survey,
               "vetoes": [] if vetoes is None else vetoes, "previous_stars": previous}
    h.update(happiness)
    return {"community": {"id": cid, "name": "墨池社区", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {k: v for k, v in h.items() if v is not None}}


def without(d: dict, key: str) -> dict:
    """``d`` without ``happiness.key``."""
    out = json.loads(json.dumps(d))
    del out["happiness"][key]
    return out


@pytest.fixture(scope="module")
def ev(wuma):
    """Evaluate a facts dict against the Wuma pack on 2014-12-31."""

    def run(facts: dict, as_of: dt.date = AS_OF) -> policyengine.Result:
        return policyengine.evaluate(facts, pack=wuma, as_of=as_of)

    return run


# Totals just below and at each threshold, as (objective, survey, stars).
BOUNDARIES = [
    (449.99, 200, 0),      # 649.99
    (450, 200, 1),         # 650
    (500, 199.99, 1),      # 699.99
    (500, 200, 2),         # 700
    (549.99, 200, 2),      # 749.99
    (550, 200, 3),         # 750
    (599.99, 200, 3),      # 799.99
    (600, 200, 4),         # 800
    (650, 249.99, 4),      # 899.99
    (650, 250, 5),         # 900
    (700, 300, 5),         # 1000
    (0, 0, 0),             # 0
]


class TestStars:
    """四(四): stars by total score, each threshold included (以上)."""

    @pytest.mark.parametrize(("objective", "survey", "stars"), BOUNDARIES)
    def test_boundaries(self, ev, objective, survey, stars):
        """The total just below a threshold stays in the lower band; at it, the higher."""
        result = ev(doc(objective, survey))
        assert stars == result.outputs["stars"]
        assert objective + survey == result.outputs["total_score"]

    @pytest.mark.parametrize(("objective", "survey", "stars"), BOUNDARIES)
    def test_verdict(self, ev, objective, survey, stars):
        """Below 650 no star, advisory: one star is the 力争 target of 二(二), which never
        changes the verdict (policies.md §6, results.md); from 650 up the rating passes."""
        result = ev(doc(objective, survey))
        expected = ("pass", "advisory") if stars == 0 else ("pass", "pass")
        assert expected == (result.verdict, result.finding("rating.stars").outcome)
        assert ("advisory" if stars == 0 else "pass") == result.finding("target.one-star").outcome

    def test_a_rating_that_cannot_be_made_is_incomplete(self, ev):
        """Missing is never passed over: without the survey score there is no total, no
        rating, and the verdict is incomplete (not pass, as a rating below 650 would be)."""
        result = ev(doc(449, None))
        assert ("incomplete", "unknown") == (result.verdict, result.finding("rating.stars").outcome)
        assert result.outputs["stars"] is None

    @pytest.mark.parametrize(("stars", "body"), [(0, None), (1, "区文明委"), (2, "区文明委"),
                                                 (3, "区文明委"), (4, "市文明委"),
                                                 (5, "市文明委")])
    def test_evaluated_by(self, ev, stars, body):
        """四(五): 一至三星级 by 区文明委, 四、五星级 by 市文明委, nobody for no star."""
        total = (600, *THRESHOLDS)[stars]
        result = ev(doc(min(total, 700), total - min(total, 700)))
        assert (stars, body) == (result.outputs["stars"], result.outputs["evaluated_by"])

    def test_objective_given_per_type(self, ev):
        """五型 sub-scores 112+108+110+104+106 = 540, plus survey 232 → 772 → three stars."""
        parts = dict(zip(FIVE_TYPES, (112, 108, 110, 104, 106), strict=True))
        result = ev(doc(None, 232, objective_by_type=parts))
        assert (772, 3) == (result.outputs["total_score"], result.outputs["stars"])

    def test_objective_per_type_partial_is_unknown(self, ev):
        """With four of five sub-scores the total is unknown: stars null, incomplete."""
        parts = dict(zip(FIVE_TYPES[:4], (112, 108, 110, 104), strict=True))
        result = ev(doc(None, 232, objective_by_type=parts))
        assert (None, None, "incomplete") == (result.outputs["total_score"],
                                              result.outputs["stars"], result.verdict)
        assert "unknown" == result.finding("rating.stars").outcome

    def test_objective_per_type_with_decimals_reaches_the_threshold(self, ev):
        """138.6 + 138.2 + 51.9 + 34.7 + 136.6 = 500.0; plus survey 150 is 650 → one star."""
        parts = dict(zip(FIVE_TYPES, (138.6, 138.2, 51.9, 34.7, 136.6), strict=True))
        result = ev(doc(None, 150, objective_by_type=parts))
        assert (650, 1, "pass") == (result.outputs["total_score"], result.outputs["stars"],
                                    result.verdict)

    def test_missing_score_is_unknown_not_fail(self, ev):
        """Without the survey score the total and stars are unknown and the verdict incomplete."""
        result = ev(doc(600, None))
        assert (None, None, "incomplete") == (result.outputs["total_score"],
                                              result.outputs["stars"], result.verdict)


class TestScoreRanges:
    """四(二): objective out of 700, survey out of 300; anything outside is an input error."""

    def test_objective_above_700(self, ev):
        """An objective score of 700.01 is a FactsError at ``happiness.objective_score``."""
        with pytest.raises(policyengine.FactsError) as caught:
            ev(doc(700.01, 200))
        assert ["happiness.objective_score"] == [p.path for p in caught.value.problems]
        assert "700.01" in str(caught.value)

    def test_negative_survey(self, ev):
        """A survey score of -1 is a FactsError at ``happiness.survey_score``."""
        with pytest.raises(policyengine.FactsError) as caught:
            ev(doc(500, -1))
        assert ["happiness.survey_score"] == [p.path for p in caught.value.problems]

    def test_both_at_once(self, ev):
        """Both problems are reported together."""
        with pytest.raises(policyengine.FactsError) as caught:
            ev(doc(700.01, 300.01))
        assert {"happiness.objective_score", "happiness.survey_score"} == {
            p.path for p in caught.value.problems}

    def test_maximum_scores_are_valid(self, ev):
        """700 and 300 exactly are the maxima, not errors."""
        assert 1000 == ev(doc(700, 300)).outputs["total_score"]


class TestVetoes:
    """四(一): any 一票否决 makes the community ineligible."""

    @pytest.mark.parametrize("veto", VETOES)
    def test_each_veto(self, ev, veto):
        """A veto gives eligible false, 0 stars and verdict fail, citing 四(一)."""
        result = ev(doc(700, 300, vetoes=[veto]))
        finding = result.finding("eligibility.no-veto")
        assert (False, 0, "fail") == (result.outputs["eligible"], result.outputs["stars"],
                                      result.verdict)
        assert ("fail", "四(一)") == (finding.outcome, finding.clause)
        assert "一票否决" in finding.quote
        assert {"happiness.vetoes": (veto,)} == dict(finding.inputs)

    def test_veto_earns_no_reward_and_no_evaluator(self, ev):
        """Without stars there is no reward and no evaluating committee."""
        result = ev(doc(700, 300, vetoes=["public_security", "family_planning"], previous=2))
        assert (0, None) == (result.outputs["reward_yuan"], result.outputs["evaluated_by"])

    def test_no_veto_is_eligible(self, ev):
        """An empty veto list passes the eligibility rule."""
        result = ev(doc(500, 200))
        assert (True, "pass") == (result.outputs["eligible"],
                                  result.finding("eligibility.no-veto").outcome)

    def test_veto_without_scores_still_gives_no_stars(self, ev):
        """A veto decides on its own: 0 stars even when the scores are not given."""
        result = ev(doc(None, None, vetoes=["leadership"]))
        assert (0, False, "fail") == (result.outputs["stars"], result.outputs["eligible"],
                                      result.verdict)

    def test_missing_vetoes_is_unknown(self, ev):
        """Vetoes not given: eligibility unknown, stars null, verdict incomplete (never fail)."""
        result = ev(without(doc(700, 300), "vetoes"))
        finding = result.finding("eligibility.no-veto")
        assert ("unknown", {"happiness.vetoes": None}) == (finding.outcome, dict(finding.inputs))
        assert (None, None, "incomplete") == (result.outputs["eligible"],
                                              result.outputs["stars"], result.verdict)


class TestRewards:
    """四(六): rewards for a first rating and for promotions, and who pays them."""

    @pytest.mark.parametrize("stars", [1, 2, 3, 4, 5])
    def test_first_rating(self, ev, stars):
        """A first rating earns the level's reward, split 50/50 between the level's payers."""
        total = THRESHOLDS[stars - 1]
        result = ev(doc(min(total, 700), total - min(total, 700), previous=0))
        amount = LEVEL_REWARD[stars]
        payers = DISTRICT_STREET if stars <= 3 else CITY_DISTRICT
        assert stars == result.outputs["stars"]
        assert amount == result.outputs["reward_yuan"]
        assert {payers[0]: amount // 2, payers[1]: amount // 2} == result.outputs["reward_payers"]
        assert "pass" == result.finding("reward.amount").outcome

    @pytest.mark.parametrize(
        ("previous", "stars", "amount", "payers"),
        [(1, 2, 50_000, DISTRICT_STREET), (2, 3, 50_000, DISTRICT_STREET),
         (1, 3, 100_000, DISTRICT_STREET), (4, 5, 200_000, CITY_DISTRICT)],
    )
    def test_promotion(self, ev, previous, stars, amount, payers):
        """A promotion earns the 再奖励 of each step climbed, 50/50 by the higher level's payers."""
        total = THRESHOLDS[stars - 1]
        result = ev(doc(min(total, 700), total - min(total, 700), previous=previous))
        assert (stars, amount) == (result.outputs["stars"], result.outputs["reward_yuan"])
        assert {payers[0]: amount // 2, payers[1]: amount // 2} == result.outputs["reward_payers"]

    @pytest.mark.parametrize(("previous", "stars"), [(3, 3), (5, 5), (4, 2), (2, 1), (3, 0)])
    def test_kept_or_lowered_rating_earns_nothing(self, ev, previous, stars):
        """保留 or 降星 (四(五)) earns no reward."""
        total = (600, *THRESHOLDS)[stars]
        result = ev(doc(min(total, 700), total - min(total, 700), previous=previous))
        assert (stars, 0) == (result.outputs["stars"], result.outputs["reward_yuan"])
        assert result.finding("reward.amount").outcome != "fail"

    @pytest.mark.parametrize(("previous", "stars"), [(3, 4), (2, 5), (1, 4), (3, 5)])
    def test_promotion_across_three_to_four_is_not_stated(self, ev, previous, stars):
        """三→四 has no stated reward: reward_yuan null, the finding unknown saying so."""
        total = THRESHOLDS[stars - 1]
        result = ev(doc(min(total, 700), total - min(total, 700), previous=previous))
        finding = result.finding("reward.amount")
        assert (stars, None, None) == (result.outputs["stars"], result.outputs["reward_yuan"],
                                       result.outputs["reward_payers"])
        assert ("unknown", "四(六)") == (finding.outcome, finding.clause)
        assert "未规定" in finding.message
        assert "pass" == result.verdict  # the reward rule is not binding

    def test_unknown_previous_stars(self, ev):
        """Without the stars held before, first rating and promotion cannot be told apart."""
        result = ev(doc(600, 200, previous=None))
        finding = result.finding("reward.amount")
        assert (4, None) == (result.outputs["stars"], result.outputs["reward_yuan"])
        assert "unknown" == finding.outcome
        assert finding.inputs["happiness.previous_stars"] is None


class TestDates:
    """The document is dated 2013-04-10 and applies from then on."""

    def test_before_the_document(self, ev):
        """On 2013-04-09 the verdict and every finding, the territory's too, are not_applicable;
        the territory's sentence still says where the community lies."""
        result = ev(doc(600, 250), as_of=dt.date(2013, 4, 9))
        assert "not_applicable" == result.verdict
        assert {"not_applicable"} == {f.outcome for f in result.findings}
        assert "五马街道范围内" in result.finding("scope").message

    def test_on_the_day_of_the_document(self, ev):
        """On 2013-04-10 the pack applies."""
        result = ev(doc(600, 250), as_of=dt.date(2013, 4, 10))
        assert ("pass", 4) == (result.verdict, result.outputs["stars"])

    def test_outputs_exist_when_not_applicable(self, ev):
        """Every output results.md requires is present (null) even when the pack does not apply."""
        result = ev(doc(600, 250), as_of=dt.date(2013, 4, 9))
        required = {"eligible", "total_score", "stars", "evaluated_by", "reward_yuan",
                    "reward_payers"}
        assert required <= set(result.outputs)


SECTION_4_RULES = ("eligibility.no-veto", "rating.stars", "reward.amount")
"""The findings of 四 (申报评选和表彰奖励); the others are tested in the pack's cases."""


class TestFindings:
    """Every finding cites its clause, quotes the document and lists what it read."""

    CASES = (
        doc(600, 250),
        doc(600, 250, vetoes=["leadership"]),
        without(doc(600, 250), "vetoes"),
        doc(600, None, previous=None),
        doc(500, 300, previous=3),
    )

    @pytest.mark.parametrize("facts", CASES)
    def test_clause_and_quote_from_the_document(self, ev, facts):
        """Each finding has a clause of 四 and a quote found verbatim in the document."""
        text = re.sub(r"\s", "", SECTION_4)
        for finding in (f for f in ev(facts).findings if f.rule in SECTION_4_RULES):
            assert re.fullmatch(r"四\([一二三四五六]\)", finding.clause), finding.rule
            assert re.sub(r"\s", "", finding.quote) in text, finding.rule

    @pytest.mark.parametrize("facts", CASES)
    def test_inputs_list_the_facts_read(self, ev, facts):
        """Each finding's inputs show the facts it read, None where missing."""
        result = ev(facts)
        given = facts["happiness"]
        total = (given["objective_score"] + given["survey_score"]
                 if "objective_score" in given and "survey_score" in given else None)
        vetoes = tuple(given["vetoes"]) if "vetoes" in given else None
        expected = {
            "eligibility.no-veto": {"happiness.vetoes": vetoes},
            "rating.stars": {"happiness.total_score": total, "happiness.vetoes": vetoes},
            "reward.amount": {"happiness.previous_stars": given.get("previous_stars"),
                              "happiness.total_score": total, "happiness.vetoes": vetoes},
        }
        assert expected == {
            f.rule: dict(f.inputs) for f in result.findings if f.rule in SECTION_4_RULES
        }

    def test_clauses(self, ev):
        """Eligibility cites 四(一), stars 四(四), rewards 四(六)."""
        result = ev(doc(600, 250))
        assert {"eligibility.no-veto": "四(一)", "rating.stars": "四(四)",
                "reward.amount": "四(六)"} == {
                    f.rule: f.clause for f in result.findings if f.rule in SECTION_4_RULES}


@pytest.fixture(scope="module")
def street(wuma):
    """The fixture street (facts/jurisdiction.toml) evaluated on 2014-12-31."""
    return policyengine.evaluate(FIXTURES / "facts" / "jurisdiction.toml", pack=wuma, as_of=AS_OF)


class TestStreetTargets:
    """二(二): about 30% five stars, 50% four or more, 100% three or more (力争, advisory).

    The fixture street has three communities: one without scores (stars unknown), one with
    700 points (二星级) and one with 900 (五星级).
    """

    def test_community_results(self, street):
        """Each community is rated on its own."""
        assert [("inline-0", None), ("inc-a", 2), ("inc-b", 5)] == [
            (c.subject_id, c.outputs["stars"]) for c in street.communities]

    def test_targets_decided_whatever_the_unknown_community_holds(self, street):
        """Five stars: 1/3 or 2/3 ≥ 30% either way (met); three or more: 1/3 or 2/3 < 100%."""
        assert "pass" == street.finding("street.five-star-share").outcome
        assert "advisory" == street.finding("street.three-star-share").outcome

    def test_target_that_depends_on_the_unknown_community_is_unknown(self, street):
        """Four or more: 1/3 (< 50%) or 2/3 (≥ 50%) depending on the unknown one: unknown."""
        assert "unknown" == street.finding("street.four-star-share").outcome


class TestResultJson:
    """``Result.to_dict()`` has the shape of results.md."""

    def test_shape(self, ev, wuma):
        """Top-level keys, pack/engine/subject blocks, findings and outputs as documented."""
        data = json.loads(json.dumps(ev(doc(600, 250)).to_dict(), ensure_ascii=False))
        assert {"pack", "engine", "subject", "as_of", "verdict", "findings", "outputs",
                "gaps"} == set(data)
        assert {"id": "wuma-star-rating", "version": wuma.version, "digest": wuma.digest} == data[
            "pack"]
        assert data["pack"]["digest"].startswith("sha256:")
        assert 64 == len(data["pack"]["digest"].removeprefix("sha256:"))
        assert {"version"} == set(data["engine"])
        assert {"id": "wm-001", "name": "墨池社区", "level": "community"} == data["subject"]
        assert ("2014-12-31", "pass") == (data["as_of"], data["verdict"])
        documented = {"rule", "outcome", "title", "clause", "quote", "responsible", "inputs",
                      "expected", "actual", "message"}
        for finding in data["findings"]:
            assert documented <= set(finding), finding["rule"]
            assert isinstance(finding["responsible"], list)
        required = {"eligible", "total_score", "stars", "evaluated_by", "reward_yuan",
                    "reward_payers"}
        assert required <= set(data["outputs"])

    def test_outputs_values(self, ev):
        """850 points, first rating: four stars, 300,000 yuan from 市/区财政, as JSON values."""
        data = ev(doc(600, 250)).to_dict()
        expected = {"eligible": True, "total_score": 850, "stars": 4, "evaluated_by": "市文明委",
                    "reward_yuan": 300_000, "reward_payers": {"市财政": 150_000, "区财政": 150_000}}
        assert expected == {k: data["outputs"][k] for k in expected}

    def test_digest_is_the_same_for_the_installed_pack(self, wuma):
        """The pack loaded from its folder and the installed one have the same digest."""
        assert wuma.digest == policyengine.installed_packs()["wuma-star-rating"].digest


scores = st.tuples(st.integers(0, 70_000).map(lambda n: n / 100),
                   st.integers(0, 30_000).map(lambda n: n / 100))
maybe_scores = st.tuples(st.none() | st.integers(0, 70_000).map(lambda n: n / 100),
                         st.none() | st.integers(0, 30_000).map(lambda n: n / 100))


class TestProperties:
    """Properties over random scores, vetoes and star histories."""

    @settings(max_examples=150, deadline=None, database=None)
    @given(a=scores, b=scores)
    def test_stars_never_decrease_as_the_total_rises(self, ev, a, b):
        """A higher total never gets fewer stars, and each gets the stars of 四(四)."""
        (lo, lo_total), (hi, hi_total) = sorted(((a, sum(a)), (b, sum(b))), key=lambda p: p[1])
        lo_stars = ev(doc(*lo)).outputs["stars"]
        hi_stars = ev(doc(*hi)).outputs["stars"]
        assert lo_stars <= hi_stars
        assert (expected_stars(lo_total), expected_stars(hi_total)) == (lo_stars, hi_stars)

    @settings(max_examples=150, deadline=None, database=None)
    @given(data=st.data(), target=st.sampled_from(THRESHOLDS), below=st.booleans())
    def test_stars_from_five_types_follow_the_exact_total(self, ev, data, target, below):
        """五型 sub-scores (two decimals) totalling exactly a threshold (or 0.01 less) get the
        stars of their exact decimal total: floating-point sums must not cross 以上."""
        cents = target * 100 - (1 if below else 0)
        objective = data.draw(st.integers(max(0, cents - 30_000), min(70_000, cents)))
        parts, remaining = [], objective
        for left in (4, 3, 2, 1):  # sub-scores still to draw after this one
            part = data.draw(st.integers(max(0, remaining - 14_000 * left), min(14_000, remaining)))
            parts.append(part)
            remaining -= part
        parts.append(remaining)
        survey = cents - objective
        exact = Decimal(sum(parts) + survey) / 100
        facts = doc(None, survey / 100,
                    objective_by_type={t: p / 100 for t, p in zip(FIVE_TYPES, parts, strict=True)})
        assert expected_stars(exact) == ev(facts).outputs["stars"]

    @settings(max_examples=100, deadline=None, database=None)
    @given(score=maybe_scores, vetoes=st.sets(st.sampled_from(VETOES), min_size=1),
           previous=st.integers(0, 5))
    def test_any_veto_gives_no_stars(self, ev, score, vetoes, previous):
        """With at least one veto (scores known or not): 0 stars, not eligible, fail, no reward."""
        result = ev(doc(*score, vetoes=sorted(vetoes), previous=previous))
        assert (0, False, "fail", 0) == (result.outputs["stars"], result.outputs["eligible"],
                                         result.verdict, result.outputs["reward_yuan"])

    @settings(max_examples=150, deadline=None, database=None)
    @given(stars=st.integers(0, 5), previous=st.integers(0, 5))
    def test_reward_follows_the_document_and_payers_add_up(self, ev, stars, previous):
        """reward_yuan is 四(六)'s amount, and reward_payers sum to it (when it is stated)."""
        total = (600, *THRESHOLDS)[stars]
        result = ev(doc(min(total, 700), total - min(total, 700), previous=previous))
        amount, payers = result.outputs["reward_yuan"], result.outputs["reward_payers"]
        assert expected_reward(stars, previous) == amount
        if amount is not None:
            assert amount == sum(payers.values())
            if amount:
                expected_payers = DISTRICT_STREET if stars <= 3 else CITY_DISTRICT
                assert set(expected_payers) == set(payers)
