"""The fengxiang-harmony pack: 宝鸡市凤翔区保障性住房小区共同缔造“和谐社区·幸福家园”工作方案.

Expected values come from the document (宝凤政办发〔2024〕22号, seed 000_5f1e950e0d135b16.txt)
and policies.md §1: six task areas of yes/no requirements, applicability to affordable-housing
communities, a yearly self-check report (no day stated: the year end is used), and the
outputs ``areas`` and ``self_check_report_due`` of results.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine import Finding

ROOT = Path(__file__).parents[2]
PACK_DIR = ROOT / "policy_packs" / "fengxiang-harmony"
PACK_TOML = PACK_DIR / "policyengine_pack_fengxiang_harmony" / "pack.toml"
_BESIDE = ROOT.parent / "shared" / "seeds" / "000_5f1e950e0d135b16.txt"
# the seed beside the checkout, else the pack's own copy of it (tests/test_lint.py: identical)
_OWN = PACK_DIR / f"policyengine_pack_{PACK_DIR.name.replace('-', '_')}" / "source.txt"
SEED = _BESIDE if _BESIDE.is_file() else _OWN
EXAMPLE = ROOT / "examples" / "fengxiang-harmony-community.toml"

ISSUED = dt.date(2024, 7, 15)
AS_OF = dt.date(2025, 6, 30)

AREAS = ["组织管理体系", "社区服务功能", "社区社会秩序", "社区文化生活", "社区生活环境", "社区文明风尚"]

# Rules of each task area, from 三(一)…三(六) of the document.
AREA_RULES = {
    "组织管理体系": ["org.party-org", "org.self-governance-1-plus-n", "org.residents-committee",
                 "org.democratic-systems", "org.opinion-channels"],
    "社区服务功能": ["services.employment", "services.social-assistance", "services.public-security",
                 "services.medical", "services.social-security", "services.resident-satisfaction-tracked"],
    "社区社会秩序": ["order.police-office", "order.mediation-committee", "order.legal-publicity",
                 "order.complaints-handled"],
    "社区文化生活": ["culture.facilities", "culture.regular-activities", "culture.community-education"],
    "社区生活环境": ["environment.clean", "environment.green", "environment.beautified", "environment.lit",
                 "environment.garbage-sorting", "environment.sewage-treatment", "environment.noise-control",
                 "environment.energy", "environment.campaigns"],
    "社区文明风尚": ["civility.activities"],
}
# The binding rules of each area: what ``areas`` counts (the pack's readings: advisory
# findings, the satisfaction item and 积极 civility, are counted in none of the three).
ADVISORY_IN_AREAS = {"services.resident-satisfaction-tracked", "civility.activities"}
COUNTED = {a: [r for r in ids if r not in ADVISORY_IN_AREAS] for a, ids in AREA_RULES.items()}
CLAUSES = {"组织管理体系": "三(一)", "社区服务功能": "三(二)", "社区社会秩序": "三(三)",
           "社区文化生活": "三(四)", "社区生活环境": "三(五)", "社区文明风尚": "三(六)"}
ALL_SERVICES = ["employment", "social_assistance", "public_security", "medical", "social_security"]
ALL_DEMOCRATIC = ["election", "decision", "management", "supervision"]


def full_community(id: str = "fx-001") -> dict[str, Any]:
    """An affordable-housing community meeting every requirement of 三 and 四 of the plan."""
    return {
        "community": {"id": id, "name": "测试保障房小区", "kind": "affordable_housing",
                      "jurisdiction": ["陕西省", "宝鸡市", "凤翔区", "城关镇"]},
        "organization": {"party_org": True, "self_governance_1_plus_n": True, "residents_committee": True,
                         "democratic_systems": list(ALL_DEMOCRATIC), "opinion_channels": True,
                         "mediation_committee": True},
        "services": {"covered": list(ALL_SERVICES), "resident_satisfaction": 0.9},
        "facilities": {"police_office": True, "culture_sports_facilities": True},
        "environment": {"clean": True, "green": True, "beautified": True, "lit": True,
                        "garbage_sorting": True, "sewage_treatment": True, "noise_control": True,
                        "energy_compliant": True},
        "activities": {"legal_publicity": True, "complaints_handled": True, "culture_sports_regular": True,
                       "community_education": True, "environmental_campaigns": True, "civility": True,
                       "publicity_mobilisation": True},
        "reporting": {"self_check_report_year": AS_OF.year},
    }


def with_fact(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with the fact at ``path`` set (``None``: removed, i.e. missing)."""
    out = copy.deepcopy(doc)
    section, name = path.split(".", 1)
    if value is None:
        out.get(section, {}).pop(name, None)
    else:
        out.setdefault(section, {})[name] = value
    return out


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    """The fengxiang-harmony pack, loaded from its folder."""
    return policyengine.load_pack(PACK_DIR)


def evaluate(pack: policyengine.Pack, doc: dict[str, Any], as_of: dt.date = AS_OF) -> policyengine.Result:
    """Evaluate a facts dict on ``as_of``."""
    return policyengine.evaluate(doc, pack=pack, as_of=as_of)


def _quotes(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "quote" and isinstance(value, str):
                yield where, value
            else:
                yield from _quotes(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _quotes(item, f"{where}[{i}]")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------------ the pack file


class TestQuotes:
    """Every quote of the pack is the document's text."""

    RAW = tomllib.loads(PACK_TOML.read_text(encoding="utf-8"))
    QUOTES = tuple(_quotes(RAW))

    def test_there_are_quotes(self) -> None:
        """The pack quotes the document (rules, deadline, applicability)."""
        assert len(self.QUOTES) >= 30

    @pytest.mark.parametrize(("where", "quote"), QUOTES, ids=[w for w, _ in QUOTES])
    def test_quote_is_in_seed(self, where: str, quote: str) -> None:
        """The quote appears in the seed file once all whitespace is removed from both."""
        assert _squash(quote) in _squash(SEED.read_text(encoding="utf-8")), where


class TestPackStructure:
    """The pack's rules, citations, responsibilities and silences."""

    def test_listed_among_installed_packs(self) -> None:
        """`policyengine packs` lists the pack once it is installed."""
        assert "fengxiang-harmony" in policyengine.installed_packs()

    def test_source_document(self, pack: policyengine.Pack) -> None:
        """The pack names the document, its number, issuer and date."""
        src = pack.info.source
        assert src.number == "宝凤政办发〔2024〕22号"
        assert src.issuer == ("宝鸡市凤翔区人民政府办公室",)
        assert src.date == ISSUED
        assert pack.info.effective_from == ISSUED

    def test_rules_by_area(self, pack: policyengine.Pack) -> None:
        """Each task area holds exactly its rules, each citing the area's clause 三(一)…三(六)."""
        for area, ids in AREA_RULES.items():
            rules = [r for r in pack.rules if r.area == area]
            assert [r.id for r in rules] == ids
            assert {r.clause for r in rules} == {CLAUSES[area]}

    def test_every_rule_names_responsible_units(self, pack: policyengine.Pack) -> None:
        """Every community rule and the deadline say who must act, with 区住建局 (the lead unit);
        the towns' plan names the town itself, from its place (policies.md §6)."""
        for item in [*pack.rules, *pack.deadlines]:
            if item.id == "town.annual-plan":
                continue
            assert item.responsible, item.id
            assert "区住建局" in item.responsible, item.id

    @pytest.mark.parametrize(("place", "towns"), [
        (["陕西省", "宝鸡市", "凤翔区", "城关镇"], ["城关镇"]),
        (["陕西省", "宝鸡市", "凤翔区", "柳林镇"], ["柳林镇"]),
        (["陕西省", "宝鸡市", "凤翔区"], ["城关镇", "柳林镇"]),
    ])
    def test_community_names_its_own_town(self, pack: policyengine.Pack, place: list[str],
                                         towns: list[str]) -> None:
        """区住建局 leads; 区住房保障服务中心 and the community's own town (both when not known)."""
        doc = with_fact(full_community(), "community.jurisdiction", place)
        finding = evaluate(pack, doc).finding("org.democratic-systems")
        assert finding.responsible == ("区住建局", "区住房保障服务中心", *towns)

    @pytest.mark.parametrize(("rule_id", "unit"), [
        ("org.party-org", "区民政局"),
        ("services.employment", "区人社局"),
        ("services.social-security", "区人社局"),
        ("services.public-security", "市公安局凤翔分局"),
        ("services.medical", "区卫健局"),
        ("order.police-office", "市公安局凤翔分局"),
        ("culture.facilities", "区文旅局"),
        ("culture.facilities", "区教体局"),
        ("culture.regular-activities", "区文旅局"),
        ("culture.community-education", "区教育局"),
        ("environment.garbage-sorting", "区供销合作联社"),
        ("duty.kindergarten", "区教育局"),
        ("duty.elderly-care", "区民政局"),
        ("duty.convenience-commerce", "区商务局"),
        ("duty.supply-coop", "区供销合作联社"),
        ("duty.smart-security", "市公安局凤翔分局"),
        ("duty.health-service", "区卫健局"),
    ])
    def test_annex_one_duties(self, pack: policyengine.Pack, rule_id: str, unit: str) -> None:
        """The units of 附件1 whose duty covers the requirement are named on its rule."""
        assert unit in pack.rule(rule_id).responsible

    def test_advisory_rules(self, pack: policyengine.Pack) -> None:
        """Non-binding: the satisfaction item (no level stated), 鼓励 and 积极 (policies.md §6),
        and the 附件1 department duties; a binding rule never quotes 鼓励 or 积极."""
        assert [r.id for r in pack.rules if not r.binding] == [
            "services.resident-satisfaction-tracked", "environment.residents-green",
            "civility.activities", "duty.kindergarten", "duty.elderly-care",
            "duty.convenience-commerce", "duty.supply-coop", "duty.smart-security",
            "duty.health-service"]
        for rule in pack.rules:
            if rule.binding:
                assert not any(w in rule.quote for w in ("鼓励", "积极", "提倡", "倡导")), rule.id

    def test_silences_are_parameters_without_value(self, pack: policyengine.Pack) -> None:
        """The satisfaction level and the report day are not stated in the document."""
        for name in ("resident_satisfaction_target", "self_check_report_date"):
            assert pack.parameters[name].source == "not stated in the document"
            assert pack.parameters[name].value_at(AS_OF) is None

    def test_no_phases(self, pack: policyengine.Pack) -> None:
        """四、实施步骤 gives no dates, so the pack has no phases and outputs none."""
        assert pack.phases == ()
        assert "phase" not in evaluate(pack, full_community()).outputs

    def test_notes_record_the_readings(self, pack: policyengine.Pack) -> None:
        """The notes say the standard is missing, the annex number is corrected and the bare “局:” inferred."""
        notes = " ".join(pack.info.notes)
        assert "附件2" in notes and "not included" in notes
        assert "附件1" in notes
        assert "区文旅局" in notes and "区卫健局" in notes
        assert "知晓率" in notes and "参与率" in notes and "not assessed" in notes.lower()


# ---------------------------------------------------------------------- applicability


class TestApplicability:
    """The plan applies to affordable-housing communities (保障性住房小区) only."""

    def test_affordable_housing_applies(self, pack: policyengine.Pack) -> None:
        """A complete affordable-housing community passes."""
        assert evaluate(pack, full_community()).verdict == "pass"

    @pytest.mark.parametrize("kind", ["urban", "rural"])
    def test_other_kind_not_applicable(self, pack: policyengine.Pack, kind: str) -> None:
        """Another kind of community gives verdict not_applicable and every finding not_applicable."""
        doc = with_fact(full_community(), "community.kind", kind)
        doc["organization"]["party_org"] = False
        result = evaluate(pack, doc)
        assert result.verdict == "not_applicable"
        assert {f.outcome for f in result.findings if f.rule != "scope"} == {"not_applicable"}

    def test_kind_missing_incomplete(self, pack: policyengine.Pack) -> None:
        """Without community.kind the applicability is unknown: verdict incomplete."""
        doc = with_fact(full_community(), "community.kind", None)
        assert evaluate(pack, doc).verdict == "incomplete"

    def test_before_issue_date_not_in_force(self, pack: policyengine.Pack) -> None:
        """On 2024-07-14, the day before the plan was issued, it does not apply."""
        doc = full_community()
        doc["reporting"]["self_check_report_year"] = 2024
        assert evaluate(pack, doc, dt.date(2024, 7, 14)).verdict == "not_applicable"

    def test_from_issue_date_in_force(self, pack: policyengine.Pack) -> None:
        """On 2024-07-15, the day of issue, the plan applies."""
        doc = full_community()
        doc["reporting"]["self_check_report_year"] = 2024
        assert evaluate(pack, doc, ISSUED).verdict == "pass"


# --------------------------------------------------------------------------- the rules

BOOL_RULES = [
    ("org.party-org", "organization.party_org"),
    ("org.self-governance-1-plus-n", "organization.self_governance_1_plus_n"),
    ("org.residents-committee", "organization.residents_committee"),
    ("org.opinion-channels", "organization.opinion_channels"),
    ("order.police-office", "facilities.police_office"),
    ("order.mediation-committee", "organization.mediation_committee"),
    ("order.legal-publicity", "activities.legal_publicity"),
    ("order.complaints-handled", "activities.complaints_handled"),
    ("culture.facilities", "facilities.culture_sports_facilities"),
    ("culture.regular-activities", "activities.culture_sports_regular"),
    ("culture.community-education", "activities.community_education"),
    ("environment.clean", "environment.clean"),
    ("environment.green", "environment.green"),
    ("environment.beautified", "environment.beautified"),
    ("environment.lit", "environment.lit"),
    ("environment.garbage-sorting", "environment.garbage_sorting"),
    ("environment.sewage-treatment", "environment.sewage_treatment"),
    ("environment.noise-control", "environment.noise_control"),
    ("environment.energy", "environment.energy_compliant"),
    ("environment.campaigns", "activities.environmental_campaigns"),
    ("stage.publicity-mobilisation", "activities.publicity_mobilisation"),
]
ADVISORY_RULES = [
    ("civility.activities", "activities.civility"),                       # 积极开展
    ("environment.residents-green", "activities.environmental_campaigns"),  # 鼓励
]
SERVICE_RULES = [
    ("services.employment", "employment"),
    ("services.social-assistance", "social_assistance"),
    ("services.public-security", "public_security"),
    ("services.medical", "medical"),
    ("services.social-security", "social_security"),
]


class TestYesNoRules:
    """Each yes/no requirement passes when present, fails when absent, is unknown when missing."""

    @pytest.mark.parametrize(("rule_id", "fact"), BOOL_RULES, ids=[r for r, _ in BOOL_RULES])
    def test_pass(self, pack: policyengine.Pack, rule_id: str, fact: str) -> None:
        """The fact true: pass."""
        result = evaluate(pack, with_fact(full_community(), fact, True))
        assert result.finding(rule_id).outcome == "pass"

    @pytest.mark.parametrize(("rule_id", "fact"), BOOL_RULES, ids=[r for r, _ in BOOL_RULES])
    def test_fail(self, pack: policyengine.Pack, rule_id: str, fact: str) -> None:
        """The fact false: fail, naming the responsible units, and the verdict fails."""
        result = evaluate(pack, with_fact(full_community(), fact, False))
        finding = result.finding(rule_id)
        assert finding.outcome == "fail"
        assert finding.inputs == {fact: False}
        assert "区住建局" in finding.message
        assert result.verdict == "fail"
        assert [f.rule for f in result.findings if f.outcome == "fail"] == [rule_id]

    @pytest.mark.parametrize(("rule_id", "fact"), BOOL_RULES, ids=[r for r, _ in BOOL_RULES])
    def test_unknown(self, pack: policyengine.Pack, rule_id: str, fact: str) -> None:
        """The fact missing: unknown (never fail), and the verdict is incomplete."""
        result = evaluate(pack, with_fact(full_community(), fact, None))
        assert result.finding(rule_id).outcome == "unknown"
        assert result.verdict == "incomplete"


class TestAdvisoryRules:
    """积极 and 鼓励 (policies.md §6): not met is advisory and never changes the verdict."""

    @pytest.mark.parametrize(("rule_id", "fact"), ADVISORY_RULES, ids=[r for r, _ in ADVISORY_RULES])
    def test_not_met_is_advisory(self, pack: policyengine.Pack, rule_id: str, fact: str) -> None:
        """The fact false: advisory; the fact missing: unknown; neither fails the verdict."""
        result = evaluate(pack, with_fact(full_community(), fact, False))
        assert result.finding(rule_id).outcome == "advisory"
        missing = evaluate(pack, with_fact(full_community(), fact, None))
        assert missing.finding(rule_id).outcome == "unknown"
        if rule_id == "civility.activities":
            assert (result.verdict, missing.verdict) == ("pass", "pass")

    def test_campaigns_quote_stops_before_encouragement(self, pack: policyengine.Pack) -> None:
        """The binding campaigns rule quotes only the 加强 clause; 鼓励 has its own finding."""
        assert pack.rule("environment.campaigns").quote == "加强社区环保宣传教育和爱国卫生活动"
        assert pack.rule("environment.residents-green").quote.startswith("鼓励")


class TestPublicServices:
    """三(二): each of the five public services must cover the community."""

    @pytest.mark.parametrize(("rule_id", "service"), SERVICE_RULES, ids=[r for r, _ in SERVICE_RULES])
    def test_pass(self, pack: policyengine.Pack, rule_id: str, service: str) -> None:
        """The service among services.covered: pass."""
        result = evaluate(pack, with_fact(full_community(), "services.covered", [service]))
        assert result.finding(rule_id).outcome == "pass"

    @pytest.mark.parametrize(("rule_id", "service"), SERVICE_RULES, ids=[r for r, _ in SERVICE_RULES])
    def test_fail(self, pack: policyengine.Pack, rule_id: str, service: str) -> None:
        """The four other services covered but not this one: only this rule fails."""
        others = [s for s in ALL_SERVICES if s != service]
        result = evaluate(pack, with_fact(full_community(), "services.covered", others))
        assert result.finding(rule_id).outcome == "fail"
        assert [f.rule for f in result.findings if f.outcome == "fail"] == [rule_id]

    @pytest.mark.parametrize(("rule_id", "service"), SERVICE_RULES, ids=[r for r, _ in SERVICE_RULES])
    def test_unknown(self, pack: policyengine.Pack, rule_id: str, service: str) -> None:
        """services.covered missing: unknown."""
        result = evaluate(pack, with_fact(full_community(), "services.covered", None))
        assert result.finding(rule_id).outcome == "unknown"

    def test_none_covered(self, pack: policyengine.Pack) -> None:
        """An empty list (nothing covers the community) fails all five."""
        result = evaluate(pack, with_fact(full_community(), "services.covered", []))
        assert {result.finding(r).outcome for r, _ in SERVICE_RULES} == {"fail"}


class TestDemocraticSystems:
    """三(一): democratic election, decision, management and supervision systems, all four."""

    def test_pass(self, pack: policyengine.Pack) -> None:
        """All four systems in place: pass."""
        result = evaluate(pack, full_community())
        assert result.finding("org.democratic-systems").outcome == "pass"

    @pytest.mark.parametrize("absent", ALL_DEMOCRATIC)
    def test_fail_one_missing(self, pack: policyengine.Pack, absent: str) -> None:
        """Any one of the four absent: fail."""
        systems = [s for s in ALL_DEMOCRATIC if s != absent]
        result = evaluate(pack, with_fact(full_community(), "organization.democratic_systems", systems))
        assert result.finding("org.democratic-systems").outcome == "fail"

    def test_fail_empty(self, pack: policyengine.Pack) -> None:
        """No system at all: fail."""
        result = evaluate(pack, with_fact(full_community(), "organization.democratic_systems", []))
        assert result.finding("org.democratic-systems").outcome == "fail"

    def test_unknown(self, pack: policyengine.Pack) -> None:
        """The list missing: unknown."""
        result = evaluate(pack, with_fact(full_community(), "organization.democratic_systems", None))
        assert result.finding("org.democratic-systems").outcome == "unknown"


class TestResidentSatisfaction:
    """三(二) “提高居民的满意率” sets no level: the rate is only recorded as measured."""

    @pytest.mark.parametrize("rate", [0.01, 0.5, 1.0])
    def test_any_measured_rate_above_zero_passes(self, pack: policyengine.Pack, rate: float) -> None:
        """Any measured rate above 0 passes: the document states no level to fail against."""
        result = evaluate(pack, with_fact(full_community(), "services.resident_satisfaction", rate))
        assert result.finding("services.resident-satisfaction-tracked").outcome == "pass"

    def test_zero_is_advisory_not_failure(self, pack: policyengine.Pack) -> None:
        """A rate of 0 is not “raised” (提高居民的满意率): advisory, and the verdict stays pass."""
        result = evaluate(pack, with_fact(full_community(), "services.resident_satisfaction", 0.0))
        assert result.finding("services.resident-satisfaction-tracked").outcome == "advisory"
        assert result.verdict == "pass"

    def test_missing_is_unknown_but_does_not_block(self, pack: policyengine.Pack) -> None:
        """A missing rate is unknown; the rule is advisory, so the verdict stays pass."""
        result = evaluate(pack, with_fact(full_community(), "services.resident_satisfaction", None))
        finding = result.finding("services.resident-satisfaction-tracked")
        assert finding.outcome == "unknown"
        assert finding.binding is False
        assert result.verdict == "pass"


# ---------------------------------------------------------------- the yearly self-check


class TestSelfCheckDeadline:
    """四(三): a self-check report every year to 市住建局; no day stated, the year end is used."""

    @staticmethod
    def outcome(pack: policyengine.Pack, year: int | None, as_of: dt.date) -> tuple[str, str]:
        doc = with_fact(full_community(), "reporting.self_check_report_year", year)
        result = evaluate(pack, doc, as_of)
        return result.finding("report.self-check").outcome, result.verdict

    def test_definition(self, pack: policyengine.Pack) -> None:
        """A yearly deadline on 12-31 read from reporting.self_check_report_year, from 2024."""
        (dl,) = pack.deadlines
        assert (dl.kind, dl.month, dl.day, dl.evidence) == ("yearly", 12, 31, "reporting.self_check_report_year")
        assert dl.start is not None and dl.start.year == 2024
        assert dl.clause == "四(三)"

    def test_submitted_this_year(self, pack: policyengine.Pack) -> None:
        """This year's report submitted: pass."""
        assert self.outcome(pack, 2025, AS_OF) == ("pass", "pass")

    def test_due_this_year(self, pack: policyengine.Pack) -> None:
        """Last year's report submitted, this year's not yet: due, which does not change the verdict."""
        assert self.outcome(pack, 2024, AS_OF) == ("due", "pass")

    def test_last_year_missed(self, pack: policyengine.Pack) -> None:
        """Last report in 2023: the 2024 report was missed, overdue, and the verdict fails."""
        assert self.outcome(pack, 2023, AS_OF) == ("overdue", "fail")

    def test_missing(self, pack: policyengine.Pack) -> None:
        """No year given: unknown, verdict incomplete."""
        assert self.outcome(pack, None, AS_OF) == ("unknown", "incomplete")

    def test_year_end_is_on_time(self, pack: policyengine.Pack) -> None:
        """On 2025-12-31 (inclusive) the 2025 report is still due."""
        assert self.outcome(pack, 2024, dt.date(2025, 12, 31)) == ("due", "pass")

    def test_day_after_year_end_is_overdue(self, pack: policyengine.Pack) -> None:
        """On 2026-01-01 a 2025 report never sent is overdue."""
        assert self.outcome(pack, 2024, dt.date(2026, 1, 1)) == ("overdue", "fail")

    def test_new_year_after_submission_is_due(self, pack: policyengine.Pack) -> None:
        """On 2026-01-01 with the 2025 report sent, the 2026 report is due."""
        assert self.outcome(pack, 2025, dt.date(2026, 1, 1)) == ("due", "pass")

    def test_first_year_no_earlier_report_required(self, pack: policyengine.Pack) -> None:
        """In 2024, the year of issue, no earlier report is required: an old last year is only due."""
        assert self.outcome(pack, 2020, dt.date(2024, 12, 31)) == ("due", "pass")

    def test_next_due_output(self, pack: policyengine.Pack) -> None:
        """The next date due is this year end, or next year end once this year's report is in."""
        due = with_fact(full_community(), "reporting.self_check_report_year", 2024)
        assert evaluate(pack, due).outputs["next_self_check_report_due"] == "2025-12-31"
        done = with_fact(full_community(), "reporting.self_check_report_year", 2025)
        assert evaluate(pack, done).outputs["next_self_check_report_due"] == "2026-12-31"


# ---------------------------------------------------------------------------- outputs


class TestSelfCheckReportDueOutput:
    """``self_check_report_due``: this year's report not yet submitted (null when the year is missing)."""

    @pytest.mark.parametrize(("year", "as_of", "expected"), [
        (2024, dt.date(2025, 1, 1), True),
        (2024, dt.date(2025, 12, 31), True),
        (2025, dt.date(2025, 12, 31), False),
        (2025, dt.date(2026, 1, 1), True),
        (2026, dt.date(2025, 6, 30), False),
        (None, AS_OF, None),
    ])
    def test_value(self, pack: policyengine.Pack, year: int | None, as_of: dt.date, expected: bool | None) -> None:
        """True when the last report year is before the as-of year."""
        doc = with_fact(full_community(), "reporting.self_check_report_year", year)
        assert evaluate(pack, doc, as_of).outputs["self_check_report_due"] is expected

    def test_not_due_where_the_plan_does_not_apply(self, pack: policyengine.Pack) -> None:
        """Where the plan does not apply (an urban community) its outputs say nothing: null."""
        doc = with_fact(full_community(), "community.kind", "urban")
        doc["reporting"]["self_check_report_year"] = 2020
        assert evaluate(pack, doc).outputs["self_check_report_due"] is None


class TestAreasOutput:
    """``areas``: pass, fail and unknown findings counted per task area, all six areas."""

    def test_all_pass(self, pack: policyengine.Pack) -> None:
        """A complete community: every binding rule of each area passes (社区文明风尚 has
        none: its one item, 积极, is advisory)."""
        areas = evaluate(pack, full_community()).outputs["areas"]
        assert list(areas) == AREAS
        assert areas == {a: {"pass": len(COUNTED[a]), "fail": 0, "unknown": 0} for a in AREAS}
        assert [len(COUNTED[a]) for a in AREAS] == [5, 5, 4, 3, 9, 0]

    def test_all_unknown(self, pack: policyengine.Pack) -> None:
        """Only the kind known: every rule of each area is unknown, zero pass or fail."""
        doc = {"community": {"id": "fx-empty", "kind": "affordable_housing"}}
        areas = evaluate(pack, doc).outputs["areas"]
        assert areas == {a: {"pass": 0, "fail": 0, "unknown": len(COUNTED[a])} for a in AREAS}

    def test_mixed(self, pack: policyengine.Pack) -> None:
        """Failures and unknowns are counted in their own area; the stage rule and deadline in none."""
        doc = full_community()
        doc["services"]["covered"] = ["employment"]           # 4 services fail
        doc["environment"]["lit"] = False                     # 1 environment fail
        del doc["organization"]["mediation_committee"]       # 1 order unknown
        doc["activities"]["publicity_mobilisation"] = False   # stage rule: no area
        doc["reporting"]["self_check_report_year"] = 2020     # deadline overdue: no area
        areas = evaluate(pack, doc).outputs["areas"]
        assert areas["社区服务功能"] == {"pass": 1, "fail": 4, "unknown": 0}
        assert areas["社区生活环境"] == {"pass": 8, "fail": 1, "unknown": 0}
        assert areas["社区社会秩序"] == {"pass": 3, "fail": 0, "unknown": 1}
        assert areas["组织管理体系"] == {"pass": 5, "fail": 0, "unknown": 0}
        assert sum(c["fail"] for c in areas.values()) == 5

    def test_advisory_and_not_applicable_not_counted(self) -> None:
        """The tally counts pass/fail/unknown only: advisory and not_applicable findings are in none."""
        from policyengine.plan.tally import compile_tally
        pack = policyengine.load_pack(PACK_DIR)
        assert pack.hooks is None and len(pack.tallies) == 1

        def finding(outcome: str, area: str | None) -> Finding:
            return Finding(rule="x", outcome=outcome, title="", clause="", quote="", responsible=(),
                           inputs={}, expected=None, actual=None, message="", area=area)

        tally = compile_tally(pack, pack.tallies[0]).count([finding("advisory", "社区服务功能"), finding("not_applicable", "社区文明风尚"),
                             finding("pass", "社区文明风尚"), finding("fail", None)])
        assert tally["社区服务功能"] == {"pass": 0, "fail": 0, "unknown": 0}
        assert tally["社区文明风尚"] == {"pass": 1, "fail": 0, "unknown": 0}
        assert list(tally) == AREAS


# ---------------------------------------------------------------- example and command line


class TestExample:
    """The example community: some items pass, some fail, two facts missing."""

    def test_example(self, pack: policyengine.Pack) -> None:
        """东湖花园 fails on supervision, medical care, community education and lighting; two items unknown."""
        result = policyengine.evaluate(EXAMPLE, pack=pack, as_of=dt.date(2025, 9, 30))
        assert result.verdict == "fail"
        fails = [f.rule for f in result.findings if f.outcome == "fail"]
        assert fails == ["org.democratic-systems", "services.medical", "culture.community-education",
                         "environment.lit"]
        unknown = [f.rule for f in result.findings
                   if f.outcome == "unknown" and not f.rule.startswith("duty.")]
        assert unknown == ["services.resident-satisfaction-tracked", "order.mediation-committee"]
        assert result.finding("report.self-check").outcome == "due"
        assert result.outputs["self_check_report_due"] is True
        # the unknown satisfaction item is advisory: counted in none of the three
        assert result.outputs["areas"]["社区服务功能"] == {"pass": 4, "fail": 1, "unknown": 0}

    def test_cli(self) -> None:
        """`policyengine evaluate` on the example prints the verdict and exits 1 (fail)."""
        from policyengine.cli import main

        out, err = io.StringIO(), io.StringIO()
        code = main(["evaluate", str(EXAMPLE), "--pack", "fengxiang-harmony", "--as-of", "2025-09-30"],
                    stdout=out, stderr=err)
        assert code == 1, err.getvalue()
        assert "医疗卫生服务覆盖社区" in out.getvalue()

    def test_town_verdict_is_its_own_duty(self, pack: policyengine.Pack) -> None:
        """A town's verdict is its yearly plan (附件1); its communities are nested and counted."""
        bad = with_fact(full_community("fx-002"), "environment.lit", False)
        town = {"jurisdiction": {"id": "cgz", "name": "城关镇", "level": "town", "plan": True},
                "communities": [full_community("fx-001"), bad]}
        result = policyengine.evaluate(town, pack=pack, as_of=AS_OF)
        assert [c.verdict for c in result.communities] == ["pass", "fail"]
        assert result.verdict == "pass"
        assert result.outputs["communities"] == {
            "total": 2, "pass": 1, "fail": 1, "incomplete": 0, "not_applicable": 0}
        assert result.finding("town.annual-plan").responsible == ("城关镇",)
