"""The yixing-demonstration-city pack against its document (宜政辦發[2012]132號).

Every expected value below is read from the seed text and policies.md §5, not from running
the pack: six rooms, four stations, two boards (“六室四站兩欄一校一場所”), the stages
(mobilisation to 2012-09-30, implementation 2012-10-01 to 2012-11-15, inspection
2012-11-16 to 2012-12-31), the city's deadlines (2012-09-30) and the towns' (2012-11-15).
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
from policyengine.pack import Deadline, Rule

ROOT = Path(__file__).parents[2]
PACK_DIR = ROOT / "policy_packs" / "yixing-demonstration-city"
PACK = policyengine.load_pack(PACK_DIR)
PACK_TOML = PACK_DIR / "policyengine_pack_yixing_demonstration_city" / "pack.toml"
_BESIDE = ROOT.parent / "shared" / "seeds" / "004_72db98e2c1ec845e.txt"
# the seed beside the checkout, else the pack's own copy of it (tests/test_lint.py: identical)
_OWN = PACK_DIR / f"policyengine_pack_{PACK_DIR.name.replace('-', '_')}" / "source.txt"
SEED = _BESIDE if _BESIDE.is_file() else _OWN
EXAMPLES = ROOT / "examples"

INSPECTION_DAY = dt.date(2012, 11, 20)
"""A date in the inspection stage, when every requirement is in force."""

ALL_SERVICES = ["employment", "social_assistance", "public_security", "medical", "social_security"]
ALL_SIGNS = ["party_org", "residents_committee", "jiangsu_community"]


def complete_community(cid: str = "yx-test", kind: str = "urban") -> dict[str, Any]:
    """A community meeting every requirement of 三 and 五(二)."""
    return {
        "community": {"id": cid, "name": "测试社区", "kind": kind, "jurisdiction": ["江苏省", "无锡市", "宜兴市", "宜城街道"]},
        "organization": {
            "party_org": True,
            "residents_committee": True,
            "democratic_systems": ["election", "decision", "management", "supervision"],
            "opinion_channels": True,
            "mediation_committee": True,
            "structure_one_committee_one_station": True,
        },
        "spaces": {
            "service_rooms": 6,
            "service_stations": 4,
            "bulletin_boards": 2,
            "signage": list(ALL_SIGNS),
        },
        "facilities": {
            "residents_school": True,
            "outdoor_activity_venue": True,
            "culture_sports_facilities": True,
        },
        "services": {"covered": list(ALL_SERVICES)},
        "environment": {
            "clean": True,
            "green": True,
            "beautified": True,
            "garbage_sorting": True,
            "sewage_treatment": True,
            "noise_control": True,
            "energy_compliant": True,
            "roads_safe": True,
            "orderly_parking": True,
            "clear_pavements": True,
        },
        "activities": {
            "culture_sports_regular": True,
            "community_education": True,
            "civility": True,
            "legal_publicity": True,
            "complaints_handled": True,
            "environmental_campaigns": True,
            "publicity_mobilisation": True,
        },
    }


def with_fact(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of a facts document with one fact set (``...`` removes it)."""
    out = copy.deepcopy(doc)
    table, key = path.split(".")
    if value is ...:
        out[table].pop(key, None)
    else:
        out.setdefault(table, {})[key] = value
    return out


def evaluate(
    doc: dict[str, Any], as_of: dt.date = INSPECTION_DAY, **kw: Any
) -> policyengine.Result:
    """Evaluate a facts document against the pack."""
    return policyengine.evaluate(doc, pack=PACK, as_of=as_of, **kw)


def outcome(result: policyengine.Result, rule: str) -> str:
    """The outcome of one rule."""
    return result.finding(rule).outcome


# (rule id, fact path, a value that fails it); the complete community passes every rule.
COMMUNITY_RULES: list[tuple[str, str, Any]] = [
    ("organization.party-org", "organization.party_org", False),
    ("organization.residents-committee", "organization.residents_committee", False),
    (
        "organization.democratic-systems",
        "organization.democratic_systems",
        ["election", "decision", "management"],
    ),
    ("organization.opinion-channels", "organization.opinion_channels", False),
    ("infrastructure.service-rooms", "spaces.service_rooms", 5),
    ("infrastructure.service-stations", "spaces.service_stations", 3),
    ("infrastructure.bulletin-boards", "spaces.bulletin_boards", 1),
    ("infrastructure.residents-school", "facilities.residents_school", False),
    ("infrastructure.activity-venue", "facilities.outdoor_activity_venue", False),
    ("infrastructure.door-plaques", "spaces.signage", ["party_org", "jiangsu_community"]),
    (
        "infrastructure.jiangsu-community-sign",
        "spaces.signage",
        ["party_org", "residents_committee"],
    ),
    ("services.employment", "services.covered", [s for s in ALL_SERVICES if s != "employment"]),
    (
        "services.social-assistance",
        "services.covered",
        [s for s in ALL_SERVICES if s != "social_assistance"],
    ),
    (
        "services.public-security",
        "services.covered",
        [s for s in ALL_SERVICES if s != "public_security"],
    ),
    ("services.medical", "services.covered", [s for s in ALL_SERVICES if s != "medical"]),
    (
        "services.social-security",
        "services.covered",
        [s for s in ALL_SERVICES if s != "social_security"],
    ),
    ("reform.one-committee-one-station", "organization.structure_one_committee_one_station", False),
    ("order.mediation", "organization.mediation_committee", False),
    ("order.complaints", "activities.complaints_handled", False),
    ("order.legal-publicity", "activities.legal_publicity", False),
    ("culture.facilities", "facilities.culture_sports_facilities", False),
    ("culture.regular-activities", "activities.culture_sports_regular", False),
    ("culture.community-education", "activities.community_education", False),
    ("environment.clean", "environment.clean", False),
    ("environment.green", "environment.green", False),
    ("environment.beautified", "environment.beautified", False),
    ("environment.garbage-sorting", "environment.garbage_sorting", False),
    ("environment.sewage", "environment.sewage_treatment", False),
    ("environment.noise", "environment.noise_control", False),
    ("environment.energy", "environment.energy_compliant", False),
    ("environment.roads", "environment.roads_safe", False),
    ("environment.parking", "environment.orderly_parking", False),
    ("environment.pavements", "environment.clear_pavements", False),
    ("environment.campaigns", "activities.environmental_campaigns", False),
    ("civility.activities", "activities.civility", False),
    ("publicity.community", "activities.publicity_mobilisation", False),
]
RULE_IDS = [r[0] for r in COMMUNITY_RULES]

CITY = {
    "jurisdiction": {
        "id": "yixing",
        "name": "宜兴市",
        "level": "city",
        "leading_group": True,
        "plan": True,
        "funds_in_budget": True,
    }
}


def town(level: Any = "town", **facts: Any) -> dict[str, Any]:
    """A town (or street) jurisdiction with its leading group and plan unless overridden."""
    info = {
        "id": f"yx-{level}",
        "name": "丁蜀镇" if level == "town" else "宜城街道",
        "level": level,
        "leading_group": True,
        "plan": True,
    }
    info.update(facts)
    place = ["江苏省", "无锡市", "宜兴市", str(info["name"])]
    return {
        "jurisdiction": {k: v for k, v in info.items() if v is not ...},
        # a community of the town gives its place (宜兴市), so the territory is known
        "communities": [{"community": {"id": f"yx-{level}-c1", "jurisdiction": place}}],
    }


def city(**facts: Any) -> dict[str, Any]:
    """The city jurisdiction with every fact true unless overridden (``...`` removes it)."""
    info = dict(CITY["jurisdiction"], **facts)
    return {"jurisdiction": {k: v for k, v in info.items() if v is not ...}}


# --------------------------------------------------------------------------- the pack


class TestCitations:
    """Every rule, deadline, phase and parameter cites the document verbatim."""

    def _quotes(self) -> list[tuple[str, str]]:
        data = tomllib.loads(PACK_TOML.read_text(encoding="utf-8"))
        quotes: list[tuple[str, str]] = []
        for table in ("rules", "phases", "deadlines", "derived", "scales", "aggregates"):
            for item in data.get(table, []):
                if "quote" in item:
                    quotes.append((item.get("id", item.get("path", table)), item["quote"]))
        for name, param in data.get("parameters", {}).items():
            if "quote" in param:
                quotes.append((name, param["quote"]))
            for entry in param.get("values", []):
                if "quote" in entry:
                    quotes.append((name, entry["quote"]))
        return quotes

    def test_every_quote_is_in_the_seed(self) -> None:
        """Each quote appears in the seed file once whitespace is removed from both."""
        seed = re.sub(r"\s", "", SEED.read_text(encoding="utf-8"))
        quotes = self._quotes()
        assert len(quotes) >= 50
        missing = [(who, q) for who, q in quotes if re.sub(r"\s", "", q) not in seed]
        assert missing == []

    def test_every_rule_and_deadline_cites_and_names_responsible_units(self) -> None:
        """Every rule and deadline has a clause, a quote and at least one responsible unit."""
        items: list[Rule | Deadline] = [*PACK.rules, *PACK.deadlines]
        for item in items:
            assert item.clause.strip(), item.id
            assert item.quote.strip(), item.id
            assert item.responsible, item.id

    def test_every_parameter_is_cited_or_marked_not_stated(self) -> None:
        """A parameter with a value cites its clause and quote; the others say not stated."""
        for name, param in PACK.parameters.items():
            if param.value is None and not param.values:
                assert param.source == "not stated in the document", name
            else:
                assert param.clause, name
                assert param.quote, name

    def test_service_centre_numbers_are_the_documents(self) -> None:
        """“六室四站兩欄” gives six rooms, four stations and two boards."""
        params = PACK.parameters_at(INSPECTION_DAY)
        assert (
            params["service_rooms_min"],
            params["service_stations_min"],
            params["bulletin_boards_min"],
        ) == (6, 4, 2)

    def test_the_document_sets_no_satisfaction_rate_or_share(self) -> None:
        """Satisfaction and the community share have no number in the text."""
        params = PACK.parameters_at(INSPECTION_DAY)
        assert params["resident_satisfaction_min"] is None
        assert params["community_share_target"] is None

    def test_pack_is_installed(self) -> None:
        """The distribution registers the pack folder in the ``policyengine`` entry-point group."""
        from importlib.metadata import entry_points

        (ep,) = [
            e for e in entry_points(group="policyengine") if e.name == "yixing-demonstration-city"
        ]
        sources = ep.load().register_packs()
        assert [policyengine.load_pack(s.path()).id for s in sources] == [PACK.id]

    def test_source_document(self) -> None:
        """The source is dated as in the text (2012-10-08) and names its 文号 and seed."""
        src = PACK.info.source
        assert src.date == dt.date(2012, 10, 8)
        assert src.seed == _BESIDE.name
        assert "132" in (src.number or "")
        assert any("2013-01-21" in n for n in PACK.info.notes)


# -------------------------------------------------------------------- community rules


class TestCommunityRules:
    """Each community rule passes, fails and is unknown on its own fact."""

    def test_complete_community_passes(self) -> None:
        """A community meeting every task passes every binding rule."""
        result = evaluate(complete_community())
        assert result.verdict == "pass"
        for rule in RULE_IDS:
            assert outcome(result, rule) == "pass", rule

    @pytest.mark.parametrize(("rule", "path", "bad"), COMMUNITY_RULES, ids=RULE_IDS)
    def test_fail(self, rule: str, path: str, bad: Any) -> None:
        """The failing value fails the rule (and the verdict) and names who must act."""
        result = evaluate(with_fact(complete_community(), path, bad))
        finding = result.finding(rule)
        assert finding.outcome == "fail"
        assert result.verdict == "fail"
        assert "社区（村）" in finding.responsible
        assert "责任单位" in finding.message

    @pytest.mark.parametrize(("rule", "path", "bad"), COMMUNITY_RULES, ids=RULE_IDS)
    def test_unknown(self, rule: str, path: str, bad: Any) -> None:
        """A missing fact gives unknown, never fail, and the verdict is incomplete."""
        result = evaluate(with_fact(complete_community(), path, ...))
        assert outcome(result, rule) == "unknown"
        assert result.verdict == "incomplete"

    @pytest.mark.parametrize(("rule", "path", "bad"), COMMUNITY_RULES, ids=RULE_IDS)
    def test_only_that_rule_fails(self, rule: str, path: str, bad: Any) -> None:
        """Changing one fact fails only the rules that read it."""
        result = evaluate(with_fact(complete_community(), path, bad))
        failed = {f.rule for f in result.findings if f.outcome == "fail"}
        assert failed == {rule}

    def test_infrastructure_names_the_finance_department(self) -> None:
        """三(二) failures also name 财政部门 (五(五): rural community infrastructure)."""
        finding = PACK.rule("infrastructure.service-rooms")
        assert "财政部门" in finding.responsible

    def test_rural_villages_are_covered(self) -> None:
        """城鄉社區: a village (rural) community is assessed like an urban one."""
        assert evaluate(complete_community(kind="rural")).verdict == "pass"


class TestServiceCentreBoundaries:
    """“六室四站兩欄”: at least the number, both sides of each boundary."""

    @pytest.mark.parametrize(("rooms", "expected"), [(5, "fail"), (6, "pass"), (7, "pass")])
    def test_rooms(self, rooms: int, expected: str) -> None:
        """Six rooms pass, five fail."""
        doc = with_fact(complete_community(), "spaces.service_rooms", rooms)
        assert outcome(evaluate(doc), "infrastructure.service-rooms") == expected

    @pytest.mark.parametrize(("stations", "expected"), [(3, "fail"), (4, "pass"), (5, "pass")])
    def test_stations(self, stations: int, expected: str) -> None:
        """Four stations pass, three fail."""
        doc = with_fact(complete_community(), "spaces.service_stations", stations)
        assert outcome(evaluate(doc), "infrastructure.service-stations") == expected

    @pytest.mark.parametrize(("boards", "expected"), [(1, "fail"), (2, "pass"), (3, "pass")])
    def test_boards(self, boards: int, expected: str) -> None:
        """Two boards pass, one fails."""
        doc = with_fact(complete_community(), "spaces.bulletin_boards", boards)
        assert outcome(evaluate(doc), "infrastructure.bulletin-boards") == expected

    def test_no_signage_fails_both_sign_rules(self) -> None:
        """No plaque at all fails both the two plaques and the “江苏社区” sign."""
        result = evaluate(with_fact(complete_community(), "spaces.signage", []))
        assert outcome(result, "infrastructure.door-plaques") == "fail"
        assert outcome(result, "infrastructure.jiangsu-community-sign") == "fail"


class TestSatisfaction:
    """The document sets no satisfaction rate: the rule never passes or fails."""

    @pytest.mark.parametrize("rate", [0.0, 0.5, 1.0, ...])
    def test_always_not_applicable(self, rate: Any) -> None:
        """Whatever the rate (or none), the finding is not_applicable and says why."""
        doc = with_fact(complete_community(), "services.resident_satisfaction", rate)
        result = evaluate(doc)
        finding = result.finding("services.satisfaction")
        assert finding.outcome == "not_applicable"
        # the parameter the document does not state, named by its title
        assert "居民对社区服务的满意率" in finding.message
        assert "resident_satisfaction_min" not in finding.message
        assert finding.binding is False
        assert result.verdict == "pass"


# ------------------------------------------------------------------- applicability


class TestApplicability:
    """In force from 2012-10-08, the date in the text (policies.md §6), with no end date;
    the stages are reported for any date."""

    @pytest.mark.parametrize(("day", "stage"), [(dt.date(2012, 8, 31), "before"),
                                                (dt.date(2012, 9, 30), "mobilisation"),
                                                (dt.date(2012, 10, 7), "implementation")])
    def test_before_the_date_in_the_text(self, day: dt.date, stage: str) -> None:
        """Before 2012-10-08 every rule is not_applicable, and the stage is still reported."""
        result = evaluate(complete_community(), as_of=day)
        assert result.verdict == "not_applicable"
        assert {f.outcome for f in result.findings if f.rule != "scope"} == {"not_applicable"}
        assert result.outputs["stage"] == stage

    def test_from_the_date_in_the_text(self) -> None:
        """On 2012-10-08 the rules apply."""
        assert evaluate(complete_community(), as_of=dt.date(2012, 10, 8)).verdict == "pass"

    def test_community_elsewhere_not_applicable(self) -> None:
        """A community of 无锡市江阴市 is outside the territory (宜兴市)."""
        doc = with_fact(complete_community(), "community.jurisdiction", ["江苏省", "无锡市", "江阴市"])
        result = evaluate(doc)
        assert result.verdict == "not_applicable"
        assert result.finding("scope").outcome == "not_applicable"

    def test_after_the_campaign_still_applies(self) -> None:
        """After 2012 the community standards can still be checked (stage ended)."""
        result = evaluate(
            with_fact(complete_community(), "environment.green", False), as_of=dt.date(2013, 6, 1)
        )
        assert result.verdict == "fail"
        assert result.outputs["stage"] == "ended"


# ---------------------------------------------------------------------------- stages


STAGE_DATES = [
    (dt.date(2012, 8, 31), "before"),
    (dt.date(2012, 9, 1), "mobilisation"),
    (dt.date(2012, 9, 30), "mobilisation"),
    (dt.date(2012, 10, 1), "implementation"),
    (dt.date(2012, 11, 15), "implementation"),
    (dt.date(2012, 11, 16), "inspection"),
    (dt.date(2012, 12, 31), "inspection"),
    (dt.date(2013, 1, 1), "ended"),
]


class TestStage:
    """The stage of 四 on each boundary date (“11月中旬” read as the 15th)."""

    @pytest.mark.parametrize(
        ("day", "stage"), STAGE_DATES, ids=[d.isoformat() for d, _ in STAGE_DATES]
    )
    def test_community_stage(self, day: dt.date, stage: str) -> None:
        """A community result gives the stage of the date."""
        assert evaluate(complete_community(), as_of=day).outputs["stage"] == stage

    @pytest.mark.parametrize(
        ("day", "stage"), STAGE_DATES, ids=[d.isoformat() for d, _ in STAGE_DATES]
    )
    def test_jurisdiction_stage(self, day: dt.date, stage: str) -> None:
        """A jurisdiction result gives the same stage."""
        assert evaluate(city(), as_of=day).outputs["stage"] == stage


# --------------------------------------------------------------------------- outputs


class TestOutputs:
    """Community outputs: areas, meets_all_requirements, stage."""

    def test_areas_count_each_task(self) -> None:
        """Each task area counts its binding rules' passes, failures and unknowns."""
        doc = with_fact(complete_community(), "spaces.service_stations", 3)
        doc = with_fact(doc, "environment.noise_control", ...)
        areas = evaluate(doc).outputs["areas"]
        assert len(areas) == 9
        assert areas["三(二) 加快社区基础设施建设"] == {"pass": 6, "fail": 1, "unknown": 0}
        assert areas["三(七) 美化社区生活环境"] == {"pass": 10, "fail": 0, "unknown": 1}
        # the satisfaction rule is advisory and never counted
        assert areas["三(三) 完善社区服务功能"] == {"pass": 5, "fail": 0, "unknown": 0}
        assert areas["三(四) 全力创新社区体制改革"] == {"pass": 1, "fail": 0, "unknown": 0}

    def test_meets_all_requirements(self) -> None:
        """True when all pass, false on any failure, null when only unknowns remain."""
        assert evaluate(complete_community()).outputs["meets_all_requirements"] is True
        failing = with_fact(complete_community(), "activities.civility", False)
        assert evaluate(failing).outputs["meets_all_requirements"] is False
        unknown = with_fact(complete_community(), "activities.civility", ...)
        assert evaluate(unknown).outputs["meets_all_requirements"] is None
        both = with_fact(failing, "environment.clean", ...)
        assert evaluate(both).outputs["meets_all_requirements"] is False

    def test_result_json_has_the_stage(self) -> None:
        """The result JSON (results.md) carries the stage output."""
        data = evaluate(complete_community()).to_dict()
        assert data["outputs"]["stage"] == "inspection"
        assert data["pack"]["id"] == "yixing-demonstration-city"


# ---------------------------------------------------------------- jurisdiction rules

CITY_RULES = [
    ("city.leading-group", "leading_group"),
    ("city.plan", "plan"),
    ("city.funds", "funds_in_budget"),
]
TOWN_RULES = [("town.leading-group", "leading_group"), ("town.plan", "plan")]


class TestCityRules:
    """四、五: the city's leading group, plan and funds."""

    def test_all_set_up_passes(self) -> None:
        """A city with its leading group, plan and funds passes."""
        result = evaluate(city())
        assert result.verdict == "pass"
        for rule, _ in CITY_RULES:
            assert outcome(result, rule) == "pass"

    @pytest.mark.parametrize(("rule", "fact"), CITY_RULES, ids=[r for r, _ in CITY_RULES])
    def test_fail(self, rule: str, fact: str) -> None:
        """Without it the rule fails and names who must act."""
        result = evaluate(city(**{fact: False}))
        assert outcome(result, rule) == "fail"
        assert result.verdict == "fail"
        assert result.finding(rule).responsible

    @pytest.mark.parametrize(("rule", "fact"), CITY_RULES, ids=[r for r, _ in CITY_RULES])
    def test_unknown(self, rule: str, fact: str) -> None:
        """A missing fact gives unknown and an incomplete verdict."""
        result = evaluate(city(**{fact: ...}))
        assert outcome(result, rule) == "unknown"
        assert result.verdict == "incomplete"

    def test_funds_responsible_is_finance(self) -> None:
        """五(五) names the finance department for the funds."""
        assert evaluate(city(funds_in_budget=False)).finding("city.funds").responsible == (
            "财政部门",
        )

    def test_county_level_city_recorded_as_county(self) -> None:
        """A county-level city recorded as level county gets the city rules too."""
        result = evaluate(city(level="county", plan=False))
        assert outcome(result, "city.plan") == "fail"

    def test_town_rules_do_not_apply_to_the_city(self) -> None:
        """The town and street rules are not_applicable for the city."""
        result = evaluate(city())
        for rule, _ in TOWN_RULES:
            assert outcome(result, rule) == "not_applicable"


class TestTownRules:
    """五(一): every town and street has its own leading group and plan."""

    @pytest.mark.parametrize("level", ["town", "street"])
    def test_pass(self, level: str) -> None:
        """A town or street with both passes."""
        result = evaluate(town(level))
        assert result.verdict == "pass"
        for rule, _ in TOWN_RULES:
            assert outcome(result, rule) == "pass"
        for rule, _ in CITY_RULES:
            assert outcome(result, rule) == "not_applicable"

    @pytest.mark.parametrize("level", ["town", "street"])
    @pytest.mark.parametrize(("rule", "fact"), TOWN_RULES, ids=[r for r, _ in TOWN_RULES])
    def test_fail(self, level: str, rule: str, fact: str) -> None:
        """Without it the rule fails and names the town's leaders."""
        result = evaluate(town(level, **{fact: False}))
        assert outcome(result, rule) == "fail"
        assert result.verdict == "fail"
        assert "镇（街道）主要领导（直接责任人）" in result.finding(rule).responsible

    @pytest.mark.parametrize(("rule", "fact"), TOWN_RULES, ids=[r for r, _ in TOWN_RULES])
    def test_unknown(self, rule: str, fact: str) -> None:
        """A missing fact gives unknown."""
        result = evaluate(town(**{fact: ...}))
        assert outcome(result, rule) == "unknown"
        assert result.verdict == "incomplete"

    def test_level_unknown(self) -> None:
        """Without a level, whether the city or town rules apply is unknown."""
        result = evaluate(town(level=...))
        for rule, _ in [*CITY_RULES, *TOWN_RULES]:
            assert outcome(result, rule) == "unknown"
        assert result.verdict == "incomplete"

    def test_district_gets_neither(self) -> None:
        """A jurisdiction of level district (e.g. a development zone) has none of these duties."""
        result = evaluate(town(level="district", leading_group=False, plan=False))
        assert result.verdict == "not_applicable"

    def test_towns_are_nested_in_the_city(self) -> None:
        """A city's towns are evaluated with their own rules, nested in the city's result."""
        doc = city()
        doc["jurisdictions"] = [town(plan=False), town("street")]
        result = evaluate(doc)
        town_result, street_result = result.jurisdictions
        assert outcome(town_result, "town.plan") == "fail"
        assert town_result.verdict == "fail"
        assert street_result.verdict == "pass"


# ------------------------------------------------------------------------- deadlines


class TestCityDeadlines:
    """四(一): the city's leading group and plan by the end of mobilisation (2012-09-30)."""

    @pytest.mark.parametrize(
        ("deadline", "fact"),
        [("deadline.city-leading-group", "leading_group"), ("deadline.city-plan", "plan")],
    )
    @pytest.mark.parametrize(
        ("day", "done", "expected"),
        [
            (dt.date(2012, 9, 15), False, "not_applicable"),
            (dt.date(2012, 10, 7), False, "not_applicable"),
            (dt.date(2012, 10, 8), True, "pass"),
            (dt.date(2012, 12, 1), True, "pass"),
            (dt.date(2012, 10, 8), False, "overdue"),
            (dt.date(2013, 1, 1), False, "overdue"),
            (dt.date(2012, 10, 8), ..., "unknown"),
        ],
    )
    def test_deadline(
        self, deadline: str, fact: str, day: dt.date, done: Any, expected: str
    ) -> None:
        """Before 2012-10-08 not in force; from then on, done passes and not done is overdue
        (the 9月底 deadline has passed when the plan comes into force)."""
        result = evaluate(city(**{fact: done}), as_of=day)
        assert outcome(result, deadline) == expected

    def test_overdue_names_the_city(self) -> None:
        """An overdue leading group names the city government."""
        finding = evaluate(city(leading_group=False), as_of=dt.date(2012, 10, 8)).finding(
            "deadline.city-leading-group"
        )
        assert "宜兴市人民政府" in finding.message

    def test_overdue_fails_the_city(self) -> None:
        """An overdue plan fails the city, as does the rule itself."""
        result = evaluate(city(plan=False), as_of=dt.date(2012, 10, 8))
        assert outcome(result, "deadline.city-plan") == "overdue"
        assert outcome(result, "city.plan") == "fail"
        assert result.verdict == "fail"

    def test_not_applicable_to_towns(self) -> None:
        """The city's deadlines do not apply to a town."""
        result = evaluate(town(leading_group=False), as_of=dt.date(2012, 10, 8))
        assert outcome(result, "deadline.city-leading-group") == "not_applicable"


class TestTownDuties:
    """五(一) gives the towns no date: their leading group and plan bind from 2012-10-08 with
    no deadline (policies.md §6, no invented dates)."""

    def test_no_town_deadline(self) -> None:
        """The pack has no deadline for towns; their rules carry no due date."""
        assert [d.id for d in PACK.deadlines if d.subject == "jurisdiction"] == [
            "deadline.city-leading-group", "deadline.city-plan"]
        for rule, _ in TOWN_RULES:
            assert PACK.rule(rule).due is None and not PACK.rule(rule).due_end_of_year

    @pytest.mark.parametrize("day", [dt.date(2012, 10, 8), dt.date(2012, 11, 15),
                                     dt.date(2012, 11, 16)])
    def test_binding_from_the_date_in_force(self, day: dt.date) -> None:
        """Without a plan the town fails on any day from 2012-10-08, with no due date."""
        result = evaluate(town(plan=False), as_of=day)
        assert outcome(result, "town.plan") == "fail"
        assert result.finding("town.plan").due is None
        assert result.verdict == "fail"


# ------------------------------------------------------------------------ aggregates


def jurisdiction_with(communities: list[dict[str, Any]], **facts: Any) -> dict[str, Any]:
    """The city with these inline communities."""
    doc = city(**facts)
    doc["communities"] = communities
    return doc


def mixed(n_pass: int, n_fail: int, n_unknown: int, prefix: str = "") -> list[dict[str, Any]]:
    """Communities meeting every requirement, failing one, or missing one fact."""
    out = [complete_community(f"{prefix}p{i}") for i in range(n_pass)]
    out += [
        with_fact(complete_community(f"{prefix}f{i}"), "activities.civility", False)
        for i in range(n_fail)
    ]
    out += [
        with_fact(complete_community(f"{prefix}u{i}"), "activities.civility", ...)
        for i in range(n_unknown)
    ]
    return out


class TestCommunityShare:
    """The share of communities meeting every requirement (no target in the document)."""

    def test_share_over_known_communities(self) -> None:
        """The share is taken over known communities; the finding says how many were unknown."""
        result = evaluate(jurisdiction_with(mixed(3, 6, 1)))
        assert result.outputs["share_communities_meeting_all_requirements"] == pytest.approx(3 / 9)
        finding = result.finding("jurisdiction.communities-share")
        assert finding.outcome == "not_applicable"
        detail = finding.inputs["communities.share_meeting_all_requirements"]
        assert (detail["met"], detail["known"], detail["unknown"]) == (3, 9, 1)
        assert "另有 1 个社区数据不全" in (finding.actual or "")
        assert result.outputs["communities"]["total"] == 10

    def test_no_target_never_changes_the_verdict(self) -> None:
        """With every community failing, the city's own rules still decide its verdict."""
        result = evaluate(jurisdiction_with(mixed(0, 3, 0)))
        assert result.outputs["share_communities_meeting_all_requirements"] == 0
        assert outcome(result, "jurisdiction.communities-share") == "not_applicable"
        assert result.verdict == "pass"

    def test_all_unknown_gives_unknown_share(self) -> None:
        """With no known answer the share is null."""
        result = evaluate(jurisdiction_with(mixed(0, 0, 2)))
        assert result.outputs["share_communities_meeting_all_requirements"] is None

    def test_share_covers_the_subtree(self) -> None:
        """The city's share counts the communities of its towns."""
        doc = city()
        child = town()
        child["communities"] = mixed(1, 1, 0, prefix="town-")
        doc["jurisdictions"] = [child]
        doc["communities"] = mixed(2, 0, 0)
        result = evaluate(doc)
        assert result.outputs["share_communities_meeting_all_requirements"] == pytest.approx(3 / 4)

    @pytest.mark.parametrize(("n_pass", "expected"), [(2, "advisory"), (3, "pass"), (4, "pass")])
    def test_what_if_target(self, n_pass: int, expected: str) -> None:
        """With a target supplied by the user (not the document), 2/10 < 30% ≤ 3/10."""
        result = evaluate(
            jurisdiction_with(mixed(n_pass, 10 - n_pass, 0)),
            parameters={"community_share_target": 0.3},
        )
        assert outcome(result, "jurisdiction.communities-share") == expected
        assert result.verdict == "pass"


# -------------------------------------------------------------------------- examples


class TestExamples:
    """The example facts documents evaluate to a result an official can read."""

    def test_community_example(self) -> None:
        """东虹社区 fails on the fourth station, the sign and parking; noise is unknown."""
        result = policyengine.evaluate(
            EXAMPLES / "yixing-demonstration-city-community.toml", pack=PACK, as_of=INSPECTION_DAY
        )
        assert result.verdict == "fail"
        failed = {f.rule for f in result.findings if f.outcome == "fail"}
        assert failed == {
            "infrastructure.service-stations",
            "infrastructure.jiangsu-community-sign",
            "environment.parking",
        }
        assert outcome(result, "environment.noise") == "unknown"
        assert result.outputs["stage"] == "inspection"

    def test_jurisdiction_example(self) -> None:
        """宜兴市 passes its own rules; 丁蜀镇 has no plan and fails its own duty (no deadline)."""
        result = policyengine.evaluate(
            EXAMPLES / "yixing-demonstration-city-jurisdiction.toml",
            pack=PACK,
            as_of=INSPECTION_DAY,
        )
        assert result.verdict == "pass"
        by_name = {j.subject_name: j for j in result.jurisdictions}
        assert by_name["宜城街道"].verdict == "pass"
        dingshu = by_name["丁蜀镇"]
        assert dingshu.verdict == "fail"
        assert outcome(dingshu, "town.plan") == "fail"
        # 5 communities: 人民路 and 蜀山 meet everything, 东虹 and 西望 fail, 丁山 unknown
        assert result.outputs["share_communities_meeting_all_requirements"] == pytest.approx(2 / 4)
        assert result.outputs["communities"]["total"] == 5

    def test_jurisdiction_example_during_implementation(self) -> None:
        """On 2012-11-10 丁蜀镇's missing plan already fails: 五(一) gives no date to wait for."""
        result = policyengine.evaluate(
            EXAMPLES / "yixing-demonstration-city-jurisdiction.toml",
            pack=PACK,
            as_of=dt.date(2012, 11, 10),
        )
        dingshu = {j.subject_name: j for j in result.jurisdictions}["丁蜀镇"]
        assert outcome(dingshu, "town.plan") == "fail"
        assert dingshu.verdict == "fail"
        assert result.outputs["stage"] == "implementation"
