"""The chifeng-annual-targets pack against its document (赤峰市城镇社区建设专项推进工作实施方案).

Every expected value below is read from the seed text and policies.md §2, not from running
the pack. Programme years: year 1 = 2008, 2 = 2009, 3 = 2010 (start_year 2008, the 十七大
reading). Year 1/2/3 targets: income ≥ 70%/85%/100% of the local average wage (二(二)(3));
200 m² space in 40%/60%/80% of communities (二(二)(2)); one-stop centres in the key
communities / 30% / every community (二(二)(4)); “五个好” — / 70% / 90% (二(二)(1)); the basic
standard reached by the key communities / 30% (力争) / 60% (力争). Standing: ≥ 1万元 operating
funds (三(二)2), 400 households per worker (原则上, 三(六)1), 20 m² per 100 households in new
developments (三(二)1), 1,000–2,000 households (原则上, 三(二)1).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import policyengine

ROOT = Path(__file__).parents[2]
PACK_DIR = ROOT / "policy_packs" / "chifeng-annual-targets"
PACK = policyengine.load_pack(PACK_DIR)
PACK_TOML = PACK_DIR / "policyengine_pack_chifeng_annual_targets" / "pack.toml"
_BESIDE = ROOT.parent / "shared" / "seeds" / "001_0e878ca4e256485b.txt"
# the seed beside the checkout, else the pack's own copy of it (tests/test_lint.py: identical)
_OWN = PACK_DIR / f"policyengine_pack_{PACK_DIR.name.replace('-', '_')}" / "source.txt"
SEED = _BESIDE if _BESIDE.is_file() else _OWN
EXAMPLES = ROOT / "examples"

Y1 = dt.date(2008, 12, 31)
Y2 = dt.date(2009, 12, 31)
Y3 = dt.date(2010, 12, 31)
BEFORE = dt.date(2007, 12, 31)
AFTER = dt.date(2011, 1, 1)

MISSING = object()
"""Marks a fact to remove (unknown)."""

BASE: dict[str, Any] = {
    "community": {
        "id": "cf-test",
        "name": "测试社区",
        "kind": "urban",
        "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"],
        "households": 1600,
        "new_development": False,
        "key_community": True,
        "demonstration_level": "none",
    },
    "organization": {
        "party_org": True,
        "party_org_five_good": True,
        "residents_committee": True,
        "co_building_org": True,
        "democratic_systems": ["election", "decision", "management", "supervision"],
        "leadership_members": 10,
        "leadership_college_educated": 9,
    },
    "staff": {
        "count": 5,
        "trained_this_year": 5,
        "avg_annual_income_yuan": 25000,
        "local_avg_wage_prev_year_yuan": 20000,
    },
    "finance": {"operating_funds_yuan": 12000, "operating_funds_in_budget": True},
    "spaces": {"own_office": True, "service_area_m2": 240, "one_stop_center_area_m2": 60},
    "facilities": {
        "culture_sports_room": True,
        "health_station": True,
        "outdoor_activity_venue": True,
        "fitness_venue": True,
    },
    "services": {"retirees": 100, "retirees_socialized": 100},
    "activities": {"culture_sports_regular": True, "civility": True, "legal_publicity": True},
}
"""A community meeting every requirement and guideline of every programme year."""


def community(changes: dict[str, Any] | None = None, cid: str = "cf-test") -> dict[str, Any]:
    """BASE with ``{"section.field": value}`` changes (MISSING removes the fact)."""
    data = copy.deepcopy(BASE)
    data["community"]["id"] = cid
    for dotted, value in (changes or {}).items():
        section, field = dotted.split(".")
        if value is MISSING:
            data.get(section, {}).pop(field, None)
        else:
            data.setdefault(section, {})[field] = value
    return data


def minimal(cid: str, **sections: dict[str, Any]) -> dict[str, Any]:
    """An urban community with only the given sections (everything else unknown)."""
    data: dict[str, Any] = {"community": {"id": cid, "kind": "urban", "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"]}}
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return data


def evaluate(facts: dict[str, Any], as_of: dt.date, **kw: Any) -> policyengine.Result:
    return policyengine.evaluate(facts, pack=PACK, as_of=as_of, **kw)


def outcome(facts: dict[str, Any], rule: str, as_of: dt.date) -> str:
    return evaluate(facts, as_of).finding(rule).outcome


def district(communities: list[dict[str, Any]], **info: Any) -> dict[str, Any]:
    """红山区 (a district) with the given communities and jurisdiction facts."""
    jurisdiction = {"id": "cf-hongshan", "name": "红山区", "level": "district"}
    jurisdiction.update(info)
    return {"jurisdiction": jurisdiction, "communities": communities}


def quotes_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (where, quote) in the pack file."""
    found: list[tuple[str, str]] = []
    applicability = data["pack"].get("applicability")
    if applicability:
        found.append(("pack.applicability", applicability["quote"]))
    for name, param in data.get("parameters", {}).items():
        if "quote" in param:
            found.append((f"parameters.{name}", param["quote"]))
        for i, entry in enumerate(param.get("values", [])):
            if "quote" in entry:
                found.append((f"parameters.{name}.values[{i}]", entry["quote"]))
    for section in ("rules", "scales", "phases", "deadlines", "derived", "aggregates"):
        for item in data.get(section, []):
            if "quote" in item:
                found.append((f"{section}.{item.get('id', item.get('path'))}", item["quote"]))
    return found


PACK_DATA = tomllib.loads(PACK_TOML.read_text(encoding="utf-8"))
QUOTES = quotes_of(PACK_DATA)


# ----------------------------------------------------------------------- citations


class TestCitations:
    """Every rule and parameter cites its clause and quotes the seed verbatim."""

    @pytest.mark.parametrize(("where", "quote"), QUOTES, ids=[w for w, _ in QUOTES])
    def test_quote_is_in_the_seed(self, where: str, quote: str) -> None:
        """The quote appears in the seed once whitespace is removed from both."""
        seed = re.sub(r"\s", "", SEED.read_text(encoding="utf-8"))
        assert re.sub(r"\s", "", quote) in seed, where

    def test_quotes_were_collected(self) -> None:
        """The quote test covers every rule and every cited parameter."""
        assert len(QUOTES) >= len(PACK_DATA["rules"]) + len(PACK_DATA["parameters"])

    @pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
    def test_rule_cites_clause_and_responsible_units(self, rule: Any) -> None:
        """Each rule has a clause, a quote and the units responsible for it."""
        assert rule.clause.strip() and rule.quote.strip() and rule.responsible

    @pytest.mark.parametrize("name", sorted(PACK.parameters))
    def test_parameter_cites_clause(self, name: str) -> None:
        """Each parameter cites a clause (on itself or on every value) or says why not."""
        param = PACK.parameters[name]
        assert param.source or param.clause or all(e.clause and e.quote for e in param.values)

    def test_guidelines_are_advisory(self) -> None:
        """Rules quoting 原则上, 力争, 争取 or 积极 are non-binding (policies.md §6), and a binding
        rule never quotes them: its quote stops where the wording changes kind."""
        for rule in PACK.rules:
            if any(word in rule.quote for word in ("原则上", "力争", "争取", "积极")):
                assert rule.binding is False, rule.id

    def test_settled_readings(self) -> None:
        """policies.md §6: 400 households per worker advisory; 三(五)2, 三(一)2 binding."""
        binding = {r.id: r.binding for r in PACK.rules}
        assert binding["staff.per-400-households"] is False
        assert binding["service.one-stop-area"] is False
        assert binding["activities.legal-publicity"] is True
        assert binding["org.democratic-election"] is True
        assert binding["service.one-stop-key"] is True

    @pytest.mark.parametrize("rule", PACK.rules, ids=lambda r: r.id)
    def test_responsible_lead_first(self, rule: Any) -> None:
        """四(二): 责任主体 (各旗县区 or the three districts' 党委、政府) first, then 民政部门."""
        assert rule.responsible[0].endswith("党委、政府"), rule.id
        assert rule.responsible[1] == "民政部门", rule.id

    def test_pack_is_installed(self) -> None:
        """`policyengine packs` lists the pack once it is installed."""
        assert "chifeng-annual-targets" in policyengine.installed_packs()


# ----------------------------------------------------------------- programme years


class TestProgrammeYear:
    """program_year = as_of.year − 2008 + 1 within 1..3, null outside."""

    @pytest.mark.parametrize(
        ("as_of", "year"),
        [
            (dt.date(2007, 12, 31), None),
            (dt.date(2008, 1, 1), 1),
            (dt.date(2008, 12, 31), 1),
            (dt.date(2009, 1, 1), 2),
            (dt.date(2009, 12, 31), 2),
            (dt.date(2010, 1, 1), 3),
            (dt.date(2010, 12, 31), 3),
            (dt.date(2011, 1, 1), None),
        ],
    )
    def test_program_year_output(self, as_of: dt.date, year: int | None) -> None:
        """The output program_year follows the calendar year."""
        assert evaluate(community(), as_of).outputs["program_year"] == year

    def test_start_year_is_a_parameter(self) -> None:
        """Overriding start_year to 2009 makes 2009 year 1 and 2011 year 3."""
        assert evaluate(community(), dt.date(2009, 6, 1), parameters={"start_year": 2009}).outputs[
            "program_year"
        ] == 1
        assert evaluate(community(), dt.date(2011, 6, 1), parameters={"start_year": 2009}).outputs[
            "program_year"
        ] == 3

    @pytest.mark.parametrize(
        "rule",
        [
            "org.party-org-and-committee",
            "spaces.own-office",
            "spaces.service-area-200",
            "staff.income",
            "finance.operating-funds",
            "finance.funds-in-budget",
            "service.one-stop-key",
            "service.one-stop-all",
            "org.co-building",
            "org.leadership-education",
            "standard.key-community",
        ],
    )
    def test_nothing_before_the_programme(self, rule: str) -> None:
        """Before year 1 the plan is not in force (policies.md §6): every rule not applicable."""
        assert outcome(community(), rule, BEFORE) == "not_applicable"
        assert evaluate(community(), BEFORE).verdict == "not_applicable"

    @pytest.mark.parametrize(
        ("rule", "after"),
        [
            ("org.party-org-and-committee", "pass"),
            ("staff.income", "pass"),
            ("service.one-stop-all", "pass"),
            ("org.leadership-education", "pass"),
            ("service.one-stop-key", "not_applicable"),
            ("standard.key-community", "not_applicable"),
        ],
    )
    def test_year_three_standard_stays_after_the_programme(self, rule: str, after: str) -> None:
        """After year 3 the year-3 standard stays in force; year-1 and year-2 rules do not."""
        assert outcome(community(), rule, AFTER) == after
        assert outcome(community(), rule, dt.date(2010, 12, 31)) == after

    def test_year_three_quote_after_the_programme(self) -> None:
        """A finding quotes the text of the value in force: the year-3 income text in 2012."""
        finding = evaluate(community({"staff.avg_annual_income_yuan": 16000}), dt.date(2012, 6, 1)
                           ).finding("staff.income")
        assert finding.outcome == "fail"
        assert finding.quote == PACK.parameters["income_ratio"].values[2].quote
        assert finding.clause == "二(二)3(3)"

    def test_standing_rules_after_programme(self) -> None:
        """The standing norms (400 households per worker, new developments) still apply."""
        facts = community({"staff.count": 3, "staff.trained_this_year": 3, "community.new_development": True,
                           "spaces.service_area_m2": 300})
        result = evaluate(facts, AFTER)
        assert result.finding("staff.per-400-households").outcome == "advisory"
        assert result.finding("spaces.new-development").outcome == "fail"


class TestParameterChanges:
    """Each value that changes by programme year, on both sides of the change."""

    @pytest.mark.parametrize(
        ("income", "as_of", "expected"),
        [
            (16000, dt.date(2008, 12, 31), "pass"),   # 80% ≥ 70% (year 1)
            (16000, dt.date(2009, 1, 1), "fail"),     # 80% < 85% (year 2)
            (18000, dt.date(2009, 12, 31), "pass"),   # 90% ≥ 85% (year 2)
            (18000, dt.date(2010, 1, 1), "fail"),     # 90% < 100% (year 3)
        ],
    )
    def test_income_ratio(self, income: int, as_of: dt.date, expected: str) -> None:
        """The income ratio rises from 0.70 to 0.85 to 1.00 on 1 January."""
        facts = community({"staff.avg_annual_income_yuan": income})
        assert outcome(facts, "staff.income", as_of) == expected

    @pytest.mark.parametrize(
        ("rule", "last_day_before", "first_day", "applies_from_first_day"),
        [
            ("service.one-stop-key", dt.date(2008, 12, 31), dt.date(2009, 1, 1), False),
            ("staff.training-organised", dt.date(2008, 12, 31), dt.date(2009, 1, 1), False),
            ("standard.key-community", dt.date(2008, 12, 31), dt.date(2009, 1, 1), False),
            ("staff.training-all", dt.date(2008, 12, 31), dt.date(2009, 1, 1), True),
            ("staff.training-all", dt.date(2009, 12, 31), dt.date(2010, 1, 1), False),
            ("service.one-stop-share", dt.date(2008, 12, 31), dt.date(2009, 1, 1), True),
            ("service.one-stop-share", dt.date(2009, 12, 31), dt.date(2010, 1, 1), False),
            ("org.five-good", dt.date(2008, 12, 31), dt.date(2009, 1, 1), True),
            ("service.one-stop-all", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
            ("org.leadership-education", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
            ("facilities.culture-sports-room", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
            ("facilities.health-station", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
            ("services.retirees-socialised", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
            ("staff.training-rotation", dt.date(2008, 12, 31), dt.date(2009, 1, 1), False),
            ("staff.training-rotation", dt.date(2009, 12, 31), dt.date(2010, 1, 1), True),
        ],
    )
    def test_rule_switches_at_year_change(self, rule: str, last_day_before: dt.date,
                                          first_day: dt.date, applies_from_first_day: bool) -> None:
        """A rule of one programme year applies in that year only."""
        before = outcome(community(), rule, last_day_before)
        after = outcome(community(), rule, first_day)
        if applies_from_first_day:
            assert (before, after) == ("not_applicable", "pass")
        else:
            assert (before, after) == ("pass", "not_applicable")


# ------------------------------------------------------------------ community rules

# (rule, as_of, changes that pass, changes that fail, changes that leave it unknown, outcome of failing)
CASES: list[tuple[str, dt.date, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    ("org.party-org-and-committee", Y1, {}, {"organization.residents_committee": False},
     {"organization.party_org": MISSING}, "fail"),
    ("spaces.own-office", Y2, {}, {"spaces.own_office": False}, {"spaces.own_office": MISSING}, "fail"),
    ("spaces.service-area-200", Y1, {}, {"spaces.service_area_m2": 150},
     {"spaces.service_area_m2": MISSING}, "advisory"),
    ("staff.income", Y3, {}, {"staff.avg_annual_income_yuan": 19000},
     {"staff.local_avg_wage_prev_year_yuan": MISSING}, "fail"),
    ("finance.operating-funds", Y1, {}, {"finance.operating_funds_yuan": 9000},
     {"finance.operating_funds_yuan": MISSING}, "fail"),
    ("finance.funds-in-budget", Y2, {}, {"finance.operating_funds_in_budget": False},
     {"finance.operating_funds_in_budget": MISSING}, "fail"),
    ("service.one-stop-key", Y1, {}, {"spaces.one_stop_center_area_m2": 0},
     {"spaces.one_stop_center_area_m2": MISSING}, "fail"),
    ("service.one-stop-share", Y2, {}, {"spaces.one_stop_center_area_m2": 0},
     {"spaces.one_stop_center_area_m2": MISSING}, "advisory"),
    ("service.one-stop-all", Y3, {}, {"spaces.one_stop_center_area_m2": 0},
     {"spaces.one_stop_center_area_m2": MISSING}, "fail"),
    ("service.one-stop-area", Y1, {}, {"spaces.one_stop_center_area_m2": 40},
     {"spaces.one_stop_center_area_m2": MISSING}, "advisory"),
    ("org.co-building", Y1, {}, {"organization.co_building_org": False},
     {"organization.co_building_org": MISSING}, "fail"),
    ("staff.training-organised", Y1, {}, {"staff.trained_this_year": 0},
     {"staff.trained_this_year": MISSING}, "fail"),
    ("staff.training-all", Y2, {}, {"staff.trained_this_year": 4}, {"staff.count": MISSING}, "fail"),
    ("staff.training-rotation", Y3, {}, {"staff.trained_this_year": 4},
     {"staff.trained_this_year": MISSING}, "advisory"),
    ("org.five-good", Y2, {}, {"organization.party_org_five_good": False},
     {"organization.party_org_five_good": MISSING}, "advisory"),
    ("org.leadership-education", Y3, {}, {"organization.leadership_college_educated": 7},
     {"organization.leadership_members": MISSING}, "fail"),
    ("facilities.culture-sports-room", Y3, {}, {"facilities.culture_sports_room": False},
     {"facilities.culture_sports_room": MISSING}, "fail"),
    ("facilities.health-station", Y3, {}, {"facilities.health_station": False},
     {"facilities.health_station": MISSING}, "fail"),
    ("services.retirees-socialised", Y3, {}, {"services.retirees_socialized": 90},
     {"services.retirees": MISSING}, "fail"),
    ("staff.per-400-households", Y2, {}, {"staff.count": 3, "staff.trained_this_year": 3},
     {"community.households": MISSING},
     "advisory"),
    ("spaces.new-development", Y2,
     {"community.new_development": True, "spaces.service_area_m2": 320},
     {"community.new_development": True, "spaces.service_area_m2": 300},
     {"community.new_development": True, "spaces.service_area_m2": MISSING}, "fail"),
    ("facilities.outdoor-venue", Y1, {}, {"facilities.fitness_venue": False},
     {"facilities.outdoor_activity_venue": MISSING}, "advisory"),
    ("community.size", Y1, {}, {"community.households": 2500}, {"community.households": MISSING},
     "advisory"),
    ("activities.culture-sports", Y1, {}, {"activities.culture_sports_regular": False},
     {"activities.culture_sports_regular": MISSING}, "advisory"),
    ("activities.civility", Y2, {}, {"activities.civility": False}, {"activities.civility": MISSING},
     "advisory"),
    ("activities.legal-publicity", Y3, {}, {"activities.legal_publicity": False},
     {"activities.legal_publicity": MISSING}, "fail"),
    ("org.democratic-election", Y1, {}, {"organization.democratic_systems": ["decision"]},
     {"organization.democratic_systems": MISSING}, "fail"),
    ("standard.key-community", Y1, {}, {"spaces.own_office": False},
     {"staff.avg_annual_income_yuan": MISSING}, "fail"),
]


class TestCommunityRules:
    """Every community rule passes, fails (or is advisory) and is unknown."""

    def test_every_community_rule_has_a_case(self) -> None:
        """The case table covers each community rule of the pack."""
        community_rules = {r.id for r in PACK.rules if r.subject == "community"}
        assert community_rules == {c[0] for c in CASES}

    @pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
    def test_pass(self, case: tuple[Any, ...]) -> None:
        """With the facts the document asks for, the rule passes."""
        rule, as_of, good, _, _, _ = case
        assert outcome(community(good), rule, as_of) == "pass"

    @pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
    def test_fail(self, case: tuple[Any, ...]) -> None:
        """Short of the requirement, a binding rule fails and a guideline is advisory."""
        rule, as_of, _, bad, _, expected = case
        assert outcome(community(bad), rule, as_of) == expected

    @pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
    def test_unknown(self, case: tuple[Any, ...]) -> None:
        """A missing fact gives unknown, never fail."""
        rule, as_of, _, _, missing, _ = case
        assert outcome(community(missing), rule, as_of) == "unknown"

    def test_failed_rule_names_who_must_act(self) -> None:
        """A failed income rule names 财政部门 in its finding and message."""
        finding = evaluate(community({"staff.avg_annual_income_yuan": 1000}), Y1).finding("staff.income")
        assert "财政部门" in finding.responsible and "财政部门" in finding.message

    def test_one_stop_key_only_for_key_communities(self) -> None:
        """In year 1 a community that is not a key community needs no one-stop centre."""
        facts = community({"community.key_community": False, "spaces.one_stop_center_area_m2": 0})
        assert outcome(facts, "service.one-stop-key", Y1) == "not_applicable"
        assert outcome(community({"community.key_community": MISSING}), "service.one-stop-key", Y1) == "unknown"

    def test_new_development_rule_only_for_new_developments(self) -> None:
        """An old community is not held to the 20 m² per 100 households norm."""
        facts = community({"spaces.service_area_m2": 10})
        assert outcome(facts, "spaces.new-development", Y2) == "not_applicable"

    def test_one_stop_area_only_where_a_centre_exists(self) -> None:
        """No centre (area 0): the 50 m² guideline does not apply."""
        facts = community({"spaces.one_stop_center_area_m2": 0})
        assert outcome(facts, "service.one-stop-area", Y1) == "not_applicable"


class TestBoundaries:
    """Every numeric threshold, at the number (included) and just below it."""

    @pytest.mark.parametrize(
        ("rule", "as_of", "at", "below", "fail_outcome"),
        [
            # 不低于 70% / 85% / 100% of 20,000 yuan
            ("staff.income", Y1, {"staff.avg_annual_income_yuan": 14000},
             {"staff.avg_annual_income_yuan": 13999.99}, "fail"),
            ("staff.income", Y2, {"staff.avg_annual_income_yuan": 17000},
             {"staff.avg_annual_income_yuan": 16999.99}, "fail"),
            ("staff.income", Y3, {"staff.avg_annual_income_yuan": 20000},
             {"staff.avg_annual_income_yuan": 19999.99}, "fail"),
            # 不少于1万元 / 1万元以上
            ("finance.operating-funds", Y1, {"finance.operating_funds_yuan": 10000},
             {"finance.operating_funds_yuan": 9999.99}, "fail"),
            ("finance.operating-funds", Y3, {"finance.operating_funds_yuan": 10000},
             {"finance.operating_funds_yuan": 9999.99}, "fail"),
            # 200平米以上
            ("spaces.service-area-200", Y2, {"spaces.service_area_m2": 200},
             {"spaces.service_area_m2": 199.99}, "advisory"),
            # 原则上 50平米以上
            ("service.one-stop-area", Y1, {"spaces.one_stop_center_area_m2": 50},
             {"spaces.one_stop_center_area_m2": 49.99}, "advisory"),
            # every community has a centre of 50 m² or more (policies.md §2)
            # a centre (area > 0) is binding; its 50 m² is 原则上 (policies.md §6)
            ("service.one-stop-all", Y3, {"spaces.one_stop_center_area_m2": 0.5},
             {"spaces.one_stop_center_area_m2": 0}, "fail"),
            ("service.one-stop-key", Y1, {"spaces.one_stop_center_area_m2": 0.5},
             {"spaces.one_stop_center_area_m2": 0}, "fail"),
            ("service.one-stop-area", Y3, {"spaces.one_stop_center_area_m2": 50},
             {"spaces.one_stop_center_area_m2": 49.99}, "advisory"),
            # 大中专以上 80%以上
            ("org.leadership-education", Y3, {"organization.leadership_college_educated": 8},
             {"organization.leadership_college_educated": 7}, "fail"),
            ("org.leadership-education", Y3,
             {"organization.leadership_members": 100, "organization.leadership_college_educated": 80},
             {"organization.leadership_members": 100, "organization.leadership_college_educated": 79},
             "fail"),
            # 社会化管理率 95%以上
            ("services.retirees-socialised", Y3, {"services.retirees_socialized": 95},
             {"services.retirees_socialized": 94}, "fail"),
            ("services.retirees-socialised", Y3,
             {"services.retirees": 200, "services.retirees_socialized": 190},
             {"services.retirees": 200, "services.retirees_socialized": 189}, "fail"),
            # 年内全员培训
            ("staff.training-all", Y2, {"staff.trained_this_year": 5}, {"staff.trained_this_year": 4},
             "fail"),
            # 组织培训: at least one trained
            ("staff.training-organised", Y1, {"staff.trained_this_year": 1},
             {"staff.trained_this_year": 0}, "fail"),
            # 每400户 1名: 4 workers serve 1,600 households, not 1,601
            ("staff.per-400-households", Y1, {"staff.count": 4, "staff.trained_this_year": 4, "community.households": 1600},
             {"staff.count": 4, "staff.trained_this_year": 4, "community.households": 1601}, "advisory"),
            # 每百户20平米: 1,000 households need 200 m²
            ("spaces.new-development", Y1,
             {"community.new_development": True, "community.households": 1000,
              "spaces.service_area_m2": 200},
             {"community.new_development": True, "community.households": 1000,
              "spaces.service_area_m2": 199.99}, "fail"),
            # 1000户至2000户: lower end
            ("community.size", Y1, {"community.households": 1000}, {"community.households": 999},
             "advisory"),
        ],
    )
    def test_at_and_below(self, rule: str, as_of: dt.date, at: dict[str, Any], below: dict[str, Any],
                          fail_outcome: str) -> None:
        """At the number the rule passes; just short of it, it does not."""
        assert outcome(community(at), rule, as_of) == "pass"
        assert outcome(community(below), rule, as_of) == fail_outcome

    def test_size_upper_end(self) -> None:
        """2,000 households is within the guideline, 2,001 is above it ("2023户" read as 2000户)."""
        assert outcome(community({"community.households": 2000, "staff.count": 5}), "community.size", Y1) == "pass"
        assert outcome(community({"community.households": 2001, "staff.count": 6}), "community.size",
                       Y1) == "advisory"


# ----------------------------------------------------------------- basic standard


class TestBasicStandard:
    """meets_basic_standard: true when no binding finding fails or is unknown."""

    @pytest.mark.parametrize("as_of", [Y1, Y2, Y3])
    def test_meets(self, as_of: dt.date) -> None:
        """A community meeting every requirement of the year meets the basic standard."""
        result = evaluate(community(), as_of)
        assert result.verdict == "pass"
        assert result.outputs["meets_basic_standard"] is True

    def test_fails(self) -> None:
        """One binding failure: false."""
        result = evaluate(community({"finance.operating_funds_yuan": 5000}), Y2)
        assert result.outputs["meets_basic_standard"] is False

    def test_failure_wins_over_unknown(self) -> None:
        """A failure and an unknown: false."""
        facts = community({"finance.operating_funds_yuan": 5000, "spaces.own_office": MISSING})
        assert evaluate(facts, Y2).outputs["meets_basic_standard"] is False

    def test_unknown(self) -> None:
        """An unknown binding requirement and no failure: null."""
        result = evaluate(community({"spaces.own_office": MISSING}), Y2)
        assert result.outputs["meets_basic_standard"] is None
        assert result.verdict == "incomplete"

    def test_advisories_do_not_count(self) -> None:
        """Guidelines and share findings (size, 200 m², 五个好) do not decide the standard."""
        facts = community({"community.households": 2600, "staff.count": 7, "staff.trained_this_year": 7,
                           "spaces.service_area_m2": 120,
                           "organization.party_org_five_good": False, "facilities.fitness_venue": False})
        result = evaluate(facts, Y2)
        assert result.outputs["meets_basic_standard"] is True
        assert result.verdict == "pass"

    def test_year_specific(self) -> None:
        """Income at 80% of the wage meets the year-1 standard but not the year-2 one."""
        facts = community({"staff.avg_annual_income_yuan": 16000})
        assert evaluate(facts, Y1).outputs["meets_basic_standard"] is True
        assert evaluate(facts, Y2).outputs["meets_basic_standard"] is False

    def test_before_programme(self) -> None:
        """Before year 1 the plan is not in force: no standard, null."""
        assert evaluate(community(), BEFORE).outputs["meets_basic_standard"] is None

    def test_after_programme(self) -> None:
        """After year 3 the year-3 standard stays in force (policies.md §6)."""
        result = evaluate(community(), AFTER)
        assert result.outputs["meets_basic_standard"] is True
        assert result.outputs["program_year"] is None

    def test_key_rule_mirrors_output(self) -> None:
        """standard.key-community passes, fails or is unknown with the output."""
        assert outcome(community(), "standard.key-community", Y1) == "pass"
        failing = evaluate(community({"spaces.own_office": False}), Y1)
        assert failing.finding("standard.key-community").outcome == "fail"
        # the requirement not met, named by its title (never its id)
        said = failing.finding("standard.key-community").message
        assert "“社区有自有办公场所”" in said and "spaces.own-office" not in said
        assert outcome(community({"community.key_community": False}), "standard.key-community", Y1) == (
            "not_applicable")


class TestApplicability:
    """The plan covers 城镇社区: urban and affordable-housing communities, not rural ones."""

    def test_rural_not_applicable(self) -> None:
        """A rural community: verdict not_applicable, no basic standard (null)."""
        result = evaluate(community({"community.kind": "rural"}), Y1)
        assert result.verdict == "not_applicable"
        assert result.outputs.get("meets_basic_standard") is None

    def test_affordable_housing_applies(self) -> None:
        """An affordable-housing community is assessed like an urban one."""
        result = evaluate(community({"community.kind": "affordable_housing"}), Y1)
        assert result.verdict == "pass"

    def test_kind_unknown(self) -> None:
        """Kind unknown: incomplete, and the basic standard cannot be decided."""
        result = evaluate(community({"community.kind": MISSING}), Y1)
        assert result.verdict == "incomplete"
        assert result.outputs["meets_basic_standard"] is None


# ------------------------------------------------------------------- jurisdictions


def share_rule(result: policyengine.Result, rule: str) -> str:
    return result.finding(rule).outcome


def area_communities(n_met: int, n_total: int) -> list[dict[str, Any]]:
    """n_total communities, n_met of them with 200 m² or more."""
    return [minimal(f"c{i}", spaces={"service_area_m2": 240 if i < n_met else 150})
            for i in range(n_total)]


class TestJurisdictionShares:
    """Share targets just below, at and above each target."""

    @pytest.mark.parametrize(
        ("as_of", "met", "expected"),
        [
            (Y1, 3, "fail"), (Y1, 4, "pass"), (Y1, 5, "pass"),       # 40%
            (Y2, 5, "fail"), (Y2, 6, "pass"), (Y2, 7, "pass"),       # 60%
            (Y3, 7, "fail"), (Y3, 8, "pass"), (Y3, 9, "pass"),       # 80%
        ],
    )
    def test_service_area_share(self, as_of: dt.date, met: int, expected: str) -> None:
        """200 m² in 40% / 60% / 80% of communities (of 10)."""
        result = evaluate(district(area_communities(met, 10)), as_of)
        assert share_rule(result, "district.service-area-share") == expected
        assert result.outputs["share_service_area_200"] == pytest.approx(met / 10)

    @pytest.mark.parametrize(("met", "expected"), [(29, "fail"), (30, "pass"), (31, "pass")])
    def test_one_stop_share_year2(self, met: int, expected: str) -> None:
        """Year 2: 30% of communities have a one-stop centre (of 100)."""
        communities = [minimal(f"c{i}", spaces={"one_stop_center_area_m2": 60 if i < met else 0})
                       for i in range(100)]
        assert share_rule(evaluate(district(communities), Y2), "district.one-stop-share") == expected

    @pytest.mark.parametrize(("met", "expected"), [(29, "advisory"), (30, "pass"), (31, "pass")])
    def test_basic_standard_share_year2(self, met: int, expected: str) -> None:
        """Year 2: 力争 30% meet the basic standard (of 100): below it is advisory."""
        communities = [community(None if i < met else {"spaces.own_office": False}, cid=f"c{i}")
                       for i in range(100)]
        result = evaluate(district(communities), Y2)
        assert share_rule(result, "district.basic-standard-share") == expected
        assert result.outputs["share_meeting_standard"] == pytest.approx(met / 100)

    @pytest.mark.parametrize(("met", "expected"), [(5, "advisory"), (6, "pass"), (7, "pass")])
    def test_basic_standard_share_year3(self, met: int, expected: str) -> None:
        """Year 3: 力争 60% meet the basic standard (of 10)."""
        communities = [community(None if i < met else {"facilities.health_station": False}, cid=f"c{i}")
                       for i in range(10)]
        assert share_rule(evaluate(district(communities), Y3), "district.basic-standard-share") == expected

    @pytest.mark.parametrize(
        ("as_of", "met", "expected"),
        [(Y2, 6, "fail"), (Y2, 7, "pass"), (Y2, 8, "pass"),          # 70%
         (Y3, 8, "fail"), (Y3, 9, "pass"), (Y3, 10, "pass")],        # 90%
    )
    def test_five_good_share(self, as_of: dt.date, met: int, expected: str) -> None:
        """“五个好” in 70% / 90% of party organisations (of 10)."""
        communities = [minimal(f"c{i}", organization={"party_org_five_good": i < met}) for i in range(10)]
        result = evaluate(district(communities), as_of)
        assert share_rule(result, "district.five-good-share") == expected

    def test_five_good_share_not_in_year1(self) -> None:
        """Year 1 sets no “五个好” share."""
        communities = [minimal("c0", organization={"party_org_five_good": False})]
        assert share_rule(evaluate(district(communities), Y1), "district.five-good-share") == "not_applicable"

    @pytest.mark.parametrize(("met", "expected"), [(9, "fail"), (10, "pass")])
    def test_one_stop_all_year3(self, met: int, expected: str) -> None:
        """Year 3: every community has a one-stop centre (of 10)."""
        communities = [minimal(f"c{i}", spaces={"one_stop_center_area_m2": 60 if i < met else 0})
                       for i in range(10)]
        assert share_rule(evaluate(district(communities), Y3), "district.one-stop-all") == expected

    @pytest.mark.parametrize("as_of", [Y1, Y2, Y3])
    @pytest.mark.parametrize(("met", "expected"), [(9, "fail"), (10, "pass")])
    def test_org_coverage(self, as_of: dt.date, met: int, expected: str) -> None:
        """Party organisation and residents' committee in 100% of communities, every year."""
        communities = [minimal(f"c{i}", organization={"party_org": True, "residents_committee": i < met})
                       for i in range(10)]
        assert share_rule(evaluate(district(communities), as_of), "district.org-coverage") == expected

    def test_year1_key_communities(self) -> None:
        """Year 1: every key community meets the standard and has a centre; others do not count."""
        communities = [community(cid="k1"), community(cid="k2"),
                       community({"community.key_community": False, "spaces.own_office": False,
                                  "spaces.one_stop_center_area_m2": 0}, cid="n1")]
        result = evaluate(district(communities), Y1)
        assert share_rule(result, "district.key-communities-standard") == "pass"
        assert share_rule(result, "district.one-stop-key") == "pass"
        assert result.outputs["share_key_meeting_standard"] == 1

    def test_year1_key_community_short(self) -> None:
        """Year 1: one key community of two short of the standard and without a centre fails both."""
        communities = [community(cid="k1"),
                       community({"spaces.own_office": False, "spaces.one_stop_center_area_m2": 0}, cid="k2")]
        result = evaluate(district(communities), Y1)
        assert share_rule(result, "district.key-communities-standard") == "fail"
        assert share_rule(result, "district.one-stop-key") == "fail"
        assert result.verdict == "fail"

    def test_year1_no_key_communities(self) -> None:
        """A jurisdiction without key communities has no year-1 key-community target."""
        communities = [community({"community.key_community": False}, cid="n1")]
        result = evaluate(district(communities), Y1)
        assert share_rule(result, "district.key-communities-standard") == "not_applicable"
        assert share_rule(result, "district.one-stop-key") == "not_applicable"

    @pytest.mark.parametrize(
        "rule",
        ["district.service-area-share", "district.org-coverage", "district.one-stop-share",
         "district.five-good-share", "district.basic-standard-share"],
    )
    def test_share_unknown_without_data(self, rule: str) -> None:
        """No community with a known answer: the share and the rule are unknown."""
        result = evaluate(district([minimal("c0"), minimal("c1")]), Y2)
        assert share_rule(result, rule) == "unknown"

    def test_year1_key_unknown(self) -> None:
        """The key communities' standard is unknown when a key community lacks data."""
        result = evaluate(district([community({"spaces.own_office": MISSING}, cid="k1")]), Y1)
        assert share_rule(result, "district.key-communities-standard") == "unknown"


class TestJurisdictionMixed:
    """Shares are computed over known communities; the finding counts the unknown ones."""

    def test_unknowns_left_out_and_counted(self) -> None:
        """6 of 8 known have 200 m² (75%), 2 unknown: the share is 6/10–8/10 in fact.

        Year 2 (≥ 60%) passes whatever the two hold; year 3 (≥ 80%) is reached only if both
        unknown communities have 200 m², so it is unknown, never a failure.
        """
        communities = [*area_communities(6, 8), minimal("u1"), minimal("u2")]
        y2 = evaluate(district(communities), Y2).finding("district.service-area-share")
        y3 = evaluate(district(communities), Y3).finding("district.service-area-share")
        assert y2.outcome == "pass" and y3.outcome == "unknown"
        detail = y3.inputs["communities.share_service_area_200"]
        assert (detail["met"], detail["known"], detail["unknown"]) == (6, 8, 2)
        assert detail["value"] == pytest.approx(0.75)
        assert "另有 2 个社区数据不全" in y3.actual

    def test_rural_communities_left_out(self) -> None:
        """Rural communities (not 城镇社区) are not counted in the shares."""
        communities = area_communities(4, 4) + [
            minimal(f"r{i}", spaces={"service_area_m2": 10}) | {"community": {"id": f"r{i}", "kind": "rural"}}
            for i in range(6)
        ]
        result = evaluate(district(communities), Y3)
        assert result.outputs["share_service_area_200"] == 1
        assert share_rule(result, "district.service-area-share") == "pass"

    def test_share_meeting_standard_output(self) -> None:
        """share_meeting_standard: 2 of 4 known communities meet it; one unknown is left out."""
        communities = [community(cid="a"), community(cid="b"),
                       community({"spaces.own_office": False}, cid="c"),
                       community({"finance.operating_funds_yuan": 100}, cid="d"),
                       community({"spaces.own_office": MISSING}, cid="e")]
        result = evaluate(district(communities), Y2)
        assert result.outputs["share_meeting_standard"] == pytest.approx(0.5)
        assert result.outputs["communities"]["total"] == 5


class TestJurisdictionRules:
    """The jurisdiction's own facts: demonstration communities, street offices, leading group."""

    @pytest.mark.parametrize(
        ("levels", "expected"),
        [([], "fail"), (["autonomous_region"], "pass"), (["national"], "pass"),
         (["city", "provincial"], "fail")],
    )
    def test_region_demonstration(self, levels: list[str], expected: str) -> None:
        """Year 3: at least one autonomous-region-level (or national) demonstration community."""
        communities = [minimal("c0", community={"demonstration_level": "none"})] + [
            minimal(f"d{i}", community={"demonstration_level": level}) for i, level in enumerate(levels)]
        result = evaluate(district(communities), Y3)
        assert share_rule(result, "district.region-demonstration") == expected

    def test_region_demonstration_level(self) -> None:
        """The target is per 旗县区: not for a city or a street; unknown level is unknown."""
        communities = [minimal("c0", community={"demonstration_level": "none"})]
        assert share_rule(evaluate(district(communities, level="city", name="赤峰市"), Y3),
                          "district.region-demonstration") == "not_applicable"
        assert share_rule(evaluate(district(communities, level="county", name="喀喇沁旗"), Y3),
                          "district.region-demonstration") == "fail"
        info = {"jurisdiction": {"id": "x", "name": "红山区"}, "communities": communities}
        assert share_rule(evaluate(info, Y3), "district.region-demonstration") == "unknown"

    def test_region_demonstration_year3_only(self) -> None:
        """A goal of the three years: not assessed in year 2."""
        communities = [minimal("c0", community={"demonstration_level": "none"})]
        assert share_rule(evaluate(district(communities), Y2), "district.region-demonstration") == (
            "not_applicable")

    @pytest.mark.parametrize(
        ("name", "level", "national", "expected"),
        [("红山区", "district", False, "advisory"), ("红山区", "district", True, "pass"),
         ("松山区", "district", False, "advisory"), ("元宝山区", "district", True, "pass"),
         ("喀喇沁旗", "county", False, "not_applicable")],
    )
    def test_national_demonstration(self, name: str, level: str, national: bool, expected: str) -> None:
        """The three districts strive (力争) for a national-level demonstration community."""
        communities = [minimal("c0", community={"demonstration_level": "national" if national else "autonomous_region"})]
        result = evaluate(district(communities, name=name, level=level), Y3)
        assert share_rule(result, "district.national-demonstration") == expected

    @pytest.mark.parametrize(
        ("value", "expected"), [(True, "pass"), (False, "fail"), (None, "unknown")])
    def test_street_offices_three_districts(self, value: bool | None, expected: str) -> None:
        """红山区 must set up street offices."""
        info = {} if value is None else {"street_offices_established": value}
        result = evaluate(district([minimal("c0")], **info), Y1)
        assert share_rule(result, "district.street-offices") == expected

    @pytest.mark.parametrize(
        ("value", "expected"), [(True, "pass"), (False, "advisory"), (None, "unknown")])
    def test_street_offices_counties(self, value: bool | None, expected: str) -> None:
        """A banner or county seat works toward street offices (advisory); not the districts' rule."""
        info = {} if value is None else {"street_offices_established": value}
        result = evaluate(district([minimal("c0")], name="喀喇沁旗", level="county", **info), Y2)
        assert share_rule(result, "district.county-street-offices") == expected
        assert share_rule(result, "district.street-offices") == "not_applicable"

    @pytest.mark.parametrize("fact", ["leading_group", "plan", "funds_in_budget"])
    @pytest.mark.parametrize(("value", "expected"), [(True, "pass"), (False, "fail"), (None, "unknown")])
    def test_leading_group_plan_budget(self, fact: str, value: bool | None, expected: str) -> None:
        """A 旗县区 sets up a leading body, adopts a plan and budgets the funds."""
        rule = {"leading_group": "district.leading-group", "plan": "district.plan",
                "funds_in_budget": "district.funds-in-budget"}[fact]
        info = {} if value is None else {fact: value}
        assert share_rule(evaluate(district([minimal("c0")], **info), Y2), rule) == expected

    def test_street_level_not_held_to_district_duties(self) -> None:
        """A street office is not asked for a leading body or a plan of its own."""
        result = evaluate(district([minimal("c0")], name="哈达街道", level="street", leading_group=False), Y2)
        assert share_rule(result, "district.leading-group") == "not_applicable"

    def test_before_programme(self) -> None:
        """Before year 1 every jurisdiction target is not applicable (the scope still shows)."""
        result = evaluate(district(area_communities(1, 10), leading_group=False), BEFORE)
        assert {f.outcome for f in result.findings if f.rule != "scope"} == {"not_applicable"}
        assert result.verdict == "not_applicable"

    def test_after_programme(self) -> None:
        """After year 3 the year-3 targets stay in force: the share of 200 m² is still 80%."""
        result = evaluate(district(area_communities(1, 10), leading_group=False), AFTER)
        assert share_rule(result, "district.service-area-share") == "fail"
        assert share_rule(result, "district.leading-group") == "fail"
        assert result.verdict == "fail"

    def test_shares_not_at_street_level(self) -> None:
        """The shares are targets of a 旗县区 or the city, not of a street (policies.md §6)."""
        result = evaluate(district(area_communities(1, 10), name="哈达街道", level="street"), Y3)
        assert share_rule(result, "district.service-area-share") == "not_applicable"
        assert share_rule(result, "district.one-stop-all") == "not_applicable"

    def test_communities_summarised(self) -> None:
        """The district's verdict is its own; its communities are counted in the output."""
        result = evaluate(district(area_communities(1, 10), leading_group=True, plan=True,
                                   funds_in_budget=True), Y3)
        counts = result.outputs["communities"]
        assert counts["total"] == 10
        assert sum(counts[v] for v in ("pass", "fail", "incomplete", "not_applicable")) == 10


# ----------------------------------------------------------------------- examples


class TestExamples:
    """The example documents give results an official can read."""

    def test_community_example_year1(self) -> None:
        """清河社区 meets the year-1 basic standard as a key community."""
        result = evaluate(EXAMPLES / "chifeng-annual-targets-community.toml", Y1)
        assert result.verdict == "pass"
        assert result.outputs == {"meets_basic_standard": True, "program_year": 1}

    def test_community_example_year3(self) -> None:
        """In year 3 it misses income, leadership education and retirees; its health station is unknown."""
        result = evaluate(EXAMPLES / "chifeng-annual-targets-community.toml", Y3)
        assert result.verdict == "fail"
        failed = {f.rule for f in result.findings if f.outcome == "fail"}
        assert failed == {"staff.income", "org.leadership-education", "services.retirees-socialised"}
        assert result.finding("facilities.health-station").outcome == "unknown"
        assert result.outputs["meets_basic_standard"] is False

    def test_jurisdiction_example(self) -> None:
        """红山区 with six communities: in year 1 one key community's standard is unknown, so
        "every key community" is unknown (incomplete); year 3 misses the 80% and 100% targets."""
        path = EXAMPLES / "chifeng-annual-targets-jurisdiction.toml"
        y1, y3 = evaluate(path, Y1), evaluate(path, Y3)
        assert len(y3.communities) == 6
        assert y1.verdict == "incomplete"
        assert y1.finding("district.key-communities-standard").outcome == "unknown"
        assert y3.verdict == "fail"
        assert y3.finding("district.service-area-share").outcome == "fail"
        assert y3.finding("district.one-stop-all").outcome == "fail"
        assert isinstance(y3.outputs["share_meeting_standard"], float)
