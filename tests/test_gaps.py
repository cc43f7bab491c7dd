"""Gaps (results.md v2 "Gaps"): what would make each failing or unknown binding rule pass,
and each scale's next band.

Expected values come from the documents: Wuma 四(四) (800 points is four stars) and 四(六)
(four stars earn 30万元); Chifeng 二(二) (income ≥ ratio × the local wage; 95% of retirees);
Fengxiang 三(一)–(六) (checklist items). The property tests apply a gap's ``needed`` value
to the facts and evaluate again: the rule must then pass.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyengine
from policyengine import expressions as ex
from policyengine.cli import main
from policyengine.gaps import needed_values
from policyengine.results import BandGap, RuleGap

WUMA_AS_OF = dt.date(2014, 12, 31)
CHIFENG_YEAR3 = dt.date(2010, 6, 30)


def wuma(objective: float, survey: float, previous: int = 0, vetoes: tuple[str, ...] = ()):
    return {
        "community": {"id": "wm-x", "name": "测试社区", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": {
            "objective_score": objective,
            "survey_score": survey,
            "vetoes": list(vetoes),
            "previous_stars": previous,
        },
    }


class TestWumaBands:
    """四(四) bands and 四(六) rewards: the next band, how far short, and what it brings."""

    def test_760_points_is_40_short_of_four_stars_and_300000_yuan(self):
        """760 points: three stars; 800 is four stars, 40 short; a first rating at four stars
        earns 30万元 (四(六) 四星级“幸福社区”奖励30万元)."""
        r = policyengine.evaluate(wuma(528, 232), "wuma-star-rating", as_of=WUMA_AS_OF)
        (band,) = [g for g in r.gaps if isinstance(g, BandGap)]
        assert (3, 4, {"happiness.total_score": 800}, 40) == (
            band.now, band.next, dict(band.needs), band.short_by)
        data = band.to_dict()
        assert 300_000 == data["reward_yuan"]
        assert {"output", "now", "next", "needs", "short_by", "reward_yuan"} <= set(data)
        assert "40" in band.message and "300,000" in band.message

    def test_promotion_across_the_unstated_step_has_no_reward(self):
        """Held two stars, 772 points: four stars needs the ★★★→★★★★ reward, not stated."""
        r = policyengine.evaluate(wuma(540, 232, previous=2), "wuma-star-rating", as_of=WUMA_AS_OF)
        (band,) = [g for g in r.gaps if isinstance(g, BandGap)]
        assert (28, None) == (band.short_by, band.to_dict()["reward_yuan"])

    def test_five_stars_has_no_next_band(self):
        r = policyengine.evaluate(wuma(650, 280), "wuma-star-rating", as_of=WUMA_AS_OF)
        assert [] == [g for g in r.gaps if isinstance(g, BandGap)]

    def test_below_one_star_needs_650(self):
        r = policyengine.evaluate(wuma(400, 200), "wuma-star-rating", as_of=WUMA_AS_OF)
        (band,) = [g for g in r.gaps if isinstance(g, BandGap)]
        assert (0, 1, 50) == (band.now, band.next, band.short_by)
        assert 50_000 == band.to_dict()["reward_yuan"]

    def test_a_veto_is_a_rule_gap_needing_no_veto(self):
        """四(一): a veto fails eligibility; the gap asks for no veto (an empty list)."""
        r = policyengine.evaluate(wuma(600, 250, vetoes=("leadership",)), "wuma-star-rating",
                                  as_of=WUMA_AS_OF)
        gap = next(g for g in r.gaps if isinstance(g, RuleGap))
        assert ("eligibility.no-veto", "happiness.vetoes", [], ["leadership"]) == (
            gap.rule, gap.fact, gap.needed, list(gap.now))
        assert "happiness.vetoes" not in gap.message

    @settings(max_examples=60, deadline=None)
    @given(st.integers(0, 700), st.integers(0, 300))
    def test_needs_reach_the_next_band(self, objective, survey):
        """Whatever the score, the next band's need is the band's threshold and short_by
        the difference; raising the score by short_by reaches that band."""
        r = policyengine.evaluate(wuma(objective, survey), "wuma-star-rating", as_of=WUMA_AS_OF)
        total = objective + survey
        bands = [g for g in r.gaps if isinstance(g, BandGap)]
        nxt = [t for t in (650, 700, 750, 800, 900) if t > total]
        if not nxt:
            assert [] == bands
            return
        (band,) = bands
        assert (nxt[0], nxt[0] - total) == (band.needs["happiness.total_score"], band.short_by)
        room = 700 - objective
        o2, s2 = (objective + band.short_by, survey) if room >= band.short_by else (
            700, survey + band.short_by - room)
        if s2 <= 300:
            again = policyengine.evaluate(wuma(o2, s2), "wuma-star-rating", as_of=WUMA_AS_OF)
            assert band.next == again.outputs["stars"]


def chifeng(**facts):
    doc = {"community": {"id": "cf-x", "name": "测试社区", "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"]}}
    for path, value in facts.items():
        group, name = path.split("__")
        doc.setdefault(group, {})[name] = value
    return doc


def set_fact(doc, path, value):
    group, name = path.split(".")
    out = json.loads(json.dumps(doc))
    out.setdefault(group, {})[name] = value
    return out


class TestChifengNumericGaps:
    """二(二): year 3 requires income ≥ 1.00 × the local wage, and 95% of retirees socialised."""

    @settings(max_examples=60, deadline=None)
    @given(st.integers(1_000, 90_000), st.integers(1_000, 90_000))
    def test_income_gap_makes_the_rule_pass(self, income, wage):
        doc = chifeng(staff__avg_annual_income_yuan=income, staff__local_avg_wage_prev_year_yuan=wage)
        r = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        gaps = [g for g in r.gaps if g.rule == "staff.income"]
        if income >= wage:
            assert [] == gaps
            return
        by_fact = {g.fact: g for g in gaps}
        assert wage == by_fact["staff.avg_annual_income_yuan"].needed
        for g in gaps:
            again = policyengine.evaluate(set_fact(doc, g.fact, g.needed), "chifeng-annual-targets",
                                          as_of=CHIFENG_YEAR3)
            assert "pass" == again.finding("staff.income").outcome

    @settings(max_examples=80, deadline=None)
    @given(st.integers(1_000, 9_000_000), st.integers(1_000, 9_000_000))
    def test_the_bound_a_gap_says_meets_the_rule(self, income_fen, wage_fen):
        """Year 1: income ≥ 70% of the local wage (二(二)1(3)), in yuan and fen. The bound
        the message says (2 decimals) meets the rule: income 48.99 against a wage of 70
        said "at most 69.99" (0.7 × 69.99 = 48.993, still failing); it says 69.98."""
        import re

        income, wage = income_fen / 100, wage_fen / 100
        doc = chifeng(staff__avg_annual_income_yuan=income, staff__local_avg_wage_prev_year_yuan=wage)
        year1 = dt.date(2008, 12, 31)
        r = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=year1)
        for g in (g for g in r.gaps if g.rule == "staff.income"):
            (said,) = re.findall(r"(?:达到|不超过) ([\d,.]+)元", g.message)
            for value in (g.needed, float(said.replace(",", ""))):
                again = policyengine.evaluate(set_fact(doc, g.fact, value), "chifeng-annual-targets",
                                              as_of=year1)
                assert "pass" == again.finding("staff.income").outcome, (g.message, value)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(1, 2_000), st.data())
    def test_retirees_gap_is_the_least_whole_number(self, retirees, data):
        """≥ 95% socialised: the least whole number of retirees, ceil(0.95 × retirees)."""
        socialised = data.draw(st.integers(0, retirees))
        doc = chifeng(services__retirees=retirees, services__retirees_socialized=socialised)
        r = policyengine.evaluate(doc, "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        gaps = {g.fact: g for g in r.gaps if g.rule == "services.retirees-socialised"}
        least = math.ceil(0.95 * retirees - 1e-9)
        if socialised >= least:
            assert {} == gaps
            return
        assert least == gaps["services.retirees_socialized"].needed
        fixed = set_fact(doc, "services.retirees_socialized", least)
        again = policyengine.evaluate(fixed, "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        assert "pass" == again.finding("services.retirees-socialised").outcome
        fewer = set_fact(doc, "services.retirees_socialized", least - 1)
        again = policyengine.evaluate(fewer, "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        assert "fail" == again.finding("services.retirees-socialised").outcome

    def test_missing_fact_needs_provide(self):
        r = policyengine.evaluate(chifeng(), "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        g = next(g for g in r.gaps if g.fact == "staff.avg_annual_income_yuan")
        assert ("provide", None) == (g.needed, g.now)
        assert "staff." not in g.message and "社区工作者年均收入" in g.message


class TestNeededValues:
    """The solver on conditions of the pack language, one fact at a time, others held."""

    @settings(max_examples=200, deadline=None)
    @given(
        st.sampled_from([">=", ">", "<=", "<"]),
        st.integers(-50, 50).filter(bool),
        st.integers(-1000, 1000),
        st.integers(-1000, 1000),
        st.integers(-1000, 1000),
    )
    def test_applying_needed_satisfies_a_linear_comparison(self, op, a, b, c, x):
        expr = ex.parse(f"community.households * {a} + {b} {op} {c}")
        facts = {"community.households": x}
        if ex.evaluate(expr, facts, {}):
            assert [] == needed_values(expr, facts, {})
            return
        ((path, needed, _),) = needed_values(expr, facts, {})
        assert isinstance(needed, int)
        assert ex.evaluate(expr, {path: needed}, {}) is True
        # the least (or greatest) whole number: one step further back fails
        step = 1 if (a > 0) == (op in (">=", ">")) else -1
        assert ex.evaluate(expr, {path: needed - step}, {}) is False

    def test_or_gives_each_way(self):
        expr = ex.parse('organization.party_org or spaces.signage contains "party_org"')
        facts = {"organization.party_org": False, "spaces.signage": []}
        assert [("organization.party_org", True, "=="), ("spaces.signage", "party_org", "contains")] == needed_values(expr, facts, {})

    def test_and_leaves_the_met_part_alone(self):
        expr = ex.parse("organization.party_org and organization.residents_committee")
        facts = {"organization.party_org": True, "organization.residents_committee": False}
        assert [("organization.residents_committee", True, "==")] == needed_values(expr, facts, {})


class TestEverywhere:
    """Gaps are in the JSON of every result, nested ones included, and in every format."""

    def test_jurisdiction_share_gap_counts_communities(self):
        r = policyengine.evaluate("examples/chifeng-annual-targets-jurisdiction.toml",
                                  "chifeng-annual-targets", as_of=CHIFENG_YEAR3)
        g = next(g for g in r.gaps if g.fact == "communities.share_service_area_200")
        # year 3: 80% of 6 communities is 4.8, so 5 must meet it; 4 do.
        assert (0.8, 1) == (g.needed, g.communities_needed)
        assert all("gaps" in c.to_dict() for c in r.communities)

    def test_fengxiang_checklist_gap(self):
        r = policyengine.evaluate("examples/fengxiang-harmony-community.toml", "fengxiang-harmony",
                                  as_of=dt.date(2025, 6, 30))
        g = next(g for g in r.gaps if g.rule == "org.democratic-systems")
        assert ("supervision", "contains") == (g.needed, g.relation)
        assert "民主监督" in g.message

    def test_english(self):
        r = policyengine.evaluate(wuma(528, 232), "wuma-star-rating", as_of=WUMA_AS_OF, lang="en")
        assert "40 points short of 4 stars" in r.gaps[0].message

    def test_unknown_language_is_refused(self):
        with pytest.raises(ValueError, match="unknown language"):
            policyengine.evaluate(wuma(528, 232), "wuma-star-rating", as_of=WUMA_AS_OF, lang="fr")

    @pytest.mark.parametrize("fmt", ["table", "markdown", "html", "json"])
    def test_every_format_shows_the_gap(self, fmt, tmp_path, capsys):
        path = tmp_path / "c.json"
        path.write_text(json.dumps(wuma(528, 232)), encoding="utf-8")
        main(["evaluate", str(path), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
              "--format", fmt])
        out = capsys.readouterr().out
        assert "800" in out and ("40分" in out or '"short_by": 40' in out)


class TestGapCommand:
    """``policyengine gap``: grouped by responsible unit, fewest points short first."""

    def test_grouped_by_unit(self, capsys):
        code = main(["gap", "examples/chifeng-annual-targets-community.toml", "--pack",
                     "chifeng-annual-targets", "--as-of", "2010-06-30", "--format", "json"])
        data = json.loads(capsys.readouterr().out)
        assert 1 == code
        assert {"staff.avg_annual_income_yuan", "staff.local_avg_wage_prev_year_yuan"} == {
            g["fact"] for g in data["财政部门"]}
        assert all("组织部门" in g["responsible"] for g in data["组织部门"])

    def test_cheapest_first(self, tmp_path, capsys):
        place = ["浙江省", "温州市", "鹿城区", "五马街道"]
        docs = [wuma(520, 230) | {"community": {"id": "a", "name": "甲", "jurisdiction": place}},
                wuma(540, 255) | {"community": {"id": "b", "name": "乙", "jurisdiction": place}}]
        path = tmp_path / "batch.json"
        path.write_text(json.dumps(docs), encoding="utf-8")
        main(["gap", str(path), "--pack", "wuma-star-rating", "--as-of", "2014-12-31"])
        out = capsys.readouterr().out
        # 乙: 795 points, 5 short of four stars; 甲: 750, 50 short: 乙 first
        assert out.index("乙") < out.index("甲")


class TestWhatIfBackend:
    """A band gap's "then" (the outputs at the next band) comes from evaluating the subject
    again with the input raised, on the reference backend (``gaps.WHAT_IF_BACKEND``): the
    same outputs as the default backend gives, for every band and reward."""

    @settings(max_examples=60, deadline=None)
    @given(
        objective=st.integers(min_value=300, max_value=700),
        survey=st.integers(min_value=0, max_value=300),
        previous=st.integers(min_value=0, max_value=5),
    )
    def test_then_is_the_default_backends(self, objective, survey, previous):
        from policyengine import gaps

        facts = wuma(objective, survey, previous=previous)
        said = policyengine.evaluate(facts, "wuma-star-rating", as_of=WUMA_AS_OF).to_dict()
        with pytest.MonkeyPatch.context() as m:
            m.setattr(gaps, "WHAT_IF_BACKEND", "durable")
            default = policyengine.evaluate(facts, "wuma-star-rating", as_of=WUMA_AS_OF)
            assert said == default.to_dict()
