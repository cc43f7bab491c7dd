"""The wuzhou-complete-community pack against 梧州市完整社区建设试点工作方案 (梧建函〔2023〕265号).

Every expected value below is read from the seed document and policies.md §4, not from
running the code: the four tasks of 二 with their responsible units, the phases of 三, the
monthly report of the last paragraph (每月24日前: the 24th on time, the 25th late), and the
referenced national figures of 建办科〔2022〕48号 (advisories).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine.pack import Deadline, Rule

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policy_packs" / "wuzhou-complete-community"
PACK_TOML = PACK_DIR / "policyengine_pack_wuzhou_complete_community" / "pack.toml"
_BESIDE = ROOT.parent / "shared" / "seeds" / "003_6cd4825d377b19dc.txt"
# the seed beside the checkout, else the pack's own copy of it (tests/test_lint.py: identical)
_OWN = PACK_DIR / f"policyengine_pack_{PACK_DIR.name.replace('-', '_')}" / "source.txt"
SEED = _BESIDE if _BESIDE.is_file() else _OWN
EXAMPLE = ROOT / "examples" / "wuzhou-complete-community-community.toml"

PACK = policyengine.load_pack(PACK_DIR)

WUZHOU = ["广西壮族自治区", "梧州市", "长洲区"]
MID_CONSTRUCTION = dt.date(2024, 3, 10)
AFTER_PILOT = dt.date(2024, 7, 1)

# The document's responsible units, task by task (牵头单位 first, then 责任单位 as listed).
LEAD = "长洲区政府"
TASK_1 = [LEAD, "市民政局", "市自然资源局", "市住房城乡建设局", "市卫生健康委"]
TASK_2 = [LEAD, "市民政局", "市住房城乡建设局", "市城市管理监督局"]
TASK_3 = [LEAD, "市发展改革委", "市公安局", "市民政局", "市住房城乡建设局", "市城市管理监督局"]
TASK_4 = [LEAD, "市委组织部", "市民政局", "市住房城乡建设局", "市城市管理监督局"]

AREA_1, AREA_2, AREA_3, AREA_4 = (
    "完善社区服务设施",
    "打造宜居生活环境",
    "推进智能化服务",
    "健全社区治理机制",
)

# (rule id, fact path, clause, area, responsible): every binding element of 二.
ELEMENTS: list[tuple[str, str, str, str, list[str]]] = [
    *[
        (f"service-facilities.{r}", f"facilities.{f}", "二(一)", AREA_1, TASK_1)
        for r, f in [
            ("comprehensive-service-facility", "comprehensive_service_facility"),
            ("kindergarten", "kindergarten"),
            ("nursery", "nursery"),
            ("elderly-service-station", "elderly_service_station"),
            ("health-station", "health_station"),
            ("convenience-store", "convenience_store"),
            ("vegetable-shop", "vegetable_shop"),
            ("canteen", "canteen"),
            ("express-delivery", "express_delivery"),
            ("barber", "barber"),
            ("laundry", "laundry"),
            ("pharmacy", "pharmacy"),
            ("repair-point", "repair_point"),
            ("housekeeping-service", "housekeeping_service"),
        ]
    ],
    *[
        (f"living-environment.{r}", f, "二(二)", AREA_2, TASK_2)
        for r, f in [
            ("infrastructure-renovated", "environment.infrastructure_renovated"),
            ("roads-safe", "environment.roads_safe"),
            ("fire-lanes-clear", "environment.fire_lanes_clear"),
            ("barrier-free", "environment.barrier_free"),
            ("garbage-sorting", "environment.garbage_sorting"),
            ("public-activity-space", "facilities.public_activity_space"),
            ("public-green-space", "facilities.public_green_space"),
            ("age-friendly", "environment.age_friendly"),
            ("child-friendly", "environment.child_friendly"),
            ("fitness-venue", "facilities.fitness_venue"),
        ]
    ],
    *[
        (f"smart-services.{r}", f"smart.{f}", "二(三)", AREA_3, TASK_3)
        for r, f in [
            ("face-recognition", "face_recognition"),
            ("vehicle-recognition", "vehicle_recognition"),
            ("smart-access-control", "smart_access_control"),
            ("video-surveillance", "video_surveillance"),
            ("police-data-sharing", "police_data_sharing"),
            ("app-services", "app_services"),
            ("smart-sensing", "smart_sensing"),
        ]
    ],
    *[
        (f"governance.{r}", f, "二(四)", AREA_4, TASK_4)
        for r, f in [
            ("party-mass-service-center", "facilities.party_mass_service_center"),
            ("consultation-forums", "governance.consultation_forums"),
            ("party-joint-meeting", "governance.party_joint_meeting"),
            ("residents-participate", "governance.residents_participate"),
        ]
    ],
]

# The required facilities (facilities.* facts read by the rules), in pack order.
REQUIRED_FACILITIES = [f for _, f, _, _, _ in ELEMENTS if f.startswith("facilities.")]

# The seven monthly reports: 2023-12 (issue) to 2024-06 (end of the pilot), each by the 24th.
DUE_DATES = [dt.date(2023, 12, 24)] + [dt.date(2024, m, 24) for m in range(1, 7)]


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    section, name = path.split(".")
    if value is None:
        doc.get(section, {}).pop(name, None)
    else:
        doc.setdefault(section, {})[name] = value


def complete(name: str = "神冠社区", **changes: Any) -> dict[str, Any]:
    """A Wuzhou community meeting every requirement, reports on time; ``changes`` by fact path
    with ``__`` for the dot (None removes the fact)."""
    doc: dict[str, Any] = {
        "community": {
            "id": "wz-test",
            "name": name,
            "jurisdiction": list(WUZHOU),
            "households": 3000,
            "residents": 9000,
        },
        "spaces": {"service_area_m2": 900.0},
        "governance": {"property_service_coverage": 0.8},
        "reporting": {"monthly_reports": list(DUE_DATES)},
    }
    for _, path, _, _, _ in ELEMENTS:
        _set(doc, path, True)
    for key, value in changes.items():
        _set(doc, key.replace("__", "."), value)
    return doc


def evaluate(doc: dict[str, Any], as_of: dt.date = MID_CONSTRUCTION) -> policyengine.Result:
    """Evaluate a facts dict against the pack."""
    return policyengine.evaluate(doc, pack=PACK, as_of=as_of)


def outcome(doc: dict[str, Any], rule: str, as_of: dt.date = MID_CONSTRUCTION) -> str:
    """The outcome of one rule or deadline."""
    return evaluate(doc, as_of).finding(rule).outcome


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _all_quotes() -> list[tuple[str, str]]:
    data = tomllib.loads(PACK_TOML.read_text(encoding="utf-8"))
    quotes = [(f"pack.{key}", data["pack"][key]["quote"]) for key in ("scope", "pilot")]
    for table in ("rules", "deadlines", "phases", "derived", "scales", "aggregates"):
        for i, item in enumerate(data.get(table, [])):
            if "quote" in item:
                quotes.append((f"{table}[{i}] {item.get('id', '')}", item["quote"]))
    for name, param in data.get("parameters", {}).items():
        if "quote" in param:
            quotes.append((f"parameters.{name}", param["quote"]))
        for j, entry in enumerate(param.get("values", [])):
            if "quote" in entry:
                quotes.append((f"parameters.{name}.values[{j}]", entry["quote"]))
    return quotes


class TestQuotes:
    """Every citation is verbatim from the seed, and every rule names who must act."""

    @pytest.mark.parametrize(("where", "quote"), _all_quotes())
    def test_quote_is_in_the_seed(self, where: str, quote: str) -> None:
        """The quote appears in the seed once whitespace is removed from both."""
        assert _squash(quote) in _squash(SEED.read_text(encoding="utf-8")), where

    def test_every_rule_and_deadline_cites_and_names_responsible(self) -> None:
        """Every rule and deadline has a clause, a quote and at least one responsible unit."""
        items: list[Rule | Deadline] = [*PACK.rules, *PACK.deadlines]
        for item in items:
            assert item.clause, item.id
            assert item.quote, item.id
            assert item.responsible, item.id

    def test_every_parameter_cites_or_says_why_not(self) -> None:
        """Every parameter cites a clause and quote, or says in source why it has none."""
        for name, param in PACK.parameters.items():
            assert param.source or (param.clause and param.quote), name

    def test_silent_target_is_not_stated(self) -> None:
        """The property-service coverage target, which the document does not give, has no value."""
        param = PACK.parameters["property_service_coverage_target"]
        assert param.source == "not stated in the document"
        assert param.value_at(MID_CONSTRUCTION) is None


class TestStructure:
    """Tasks, areas, responsible units and binding as the document gives them."""

    @pytest.mark.parametrize(("rule", "path", "clause", "area", "responsible"), ELEMENTS)
    def test_element_rule(
        self, rule: str, path: str, clause: str, area: str, responsible: list[str]
    ) -> None:
        """Each element rule cites its task and area, lists its units lead first, and binds."""
        r = PACK.rule(rule)
        assert (r.clause, r.area, list(r.responsible), r.binding) == (
            clause,
            area,
            responsible,
            True,
        )
        assert r.require == path

    def test_property_service_rule(self) -> None:
        """The property-service rule (鼓励) is an advisory of 二(四) with its units."""
        r = PACK.rule("governance.property-service")
        assert (r.clause, r.area, list(r.responsible), r.binding) == (
            "二(四)",
            AREA_4,
            TASK_4,
            False,
        )

    @pytest.mark.parametrize(
        "rule", ["national.service-area-per-100-households", "national.residents-scale"]
    )
    def test_national_rules_are_advisory_and_cite_the_notice(self, rule: str) -> None:
        """Referenced national rules are non-binding and cite 建办科〔2022〕48号."""
        r = PACK.rule(rule)
        assert r.binding is False
        assert r.clause == "建办科〔2022〕48号"
        assert "建办科〔2022〕48号" in r.quote

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("service_area_m2_per_100_households", 30),
            ("activity_space_share", 0.6),
            ("residents_min", 5000),
            ("residents_max", 12000),
        ],
    )
    def test_national_parameters_name_their_source(self, name: str, value: float) -> None:
        """The national figures are parameters whose source names the national notice."""
        param = PACK.parameters[name]
        assert param.value == value
        assert param.source is not None
        assert "建办科〔2022〕48号" in param.source

    def test_every_rule_is_accounted_for(self) -> None:
        """The pack has the element rules, the property rule and the two national advisories."""
        expected = {r for r, *_ in ELEMENTS} | {
            "governance.property-service",
            "national.service-area-per-100-households",
            "national.residents-scale",
        }
        assert {r.id for r in PACK.rules} == expected
        assert all(r.subject == "community" for r in PACK.rules)


class TestElementRules:
    """Every element of 二 passes when present, fails when absent and is unknown when not given."""

    @pytest.mark.parametrize(("rule", "path"), [(r, p) for r, p, *_ in ELEMENTS])
    @pytest.mark.parametrize(
        ("value", "expected"), [(True, "pass"), (False, "fail"), (None, "unknown")]
    )
    def test_element(self, rule: str, path: str, value: bool | None, expected: str) -> None:
        """The element's fact true → pass, false → fail, missing → unknown."""
        changes: dict[str, Any] = {path.replace(".", "__"): value}
        doc = complete(**changes)
        assert outcome(doc, rule) == expected

    def test_failure_names_the_responsible_units(self) -> None:
        """A failed element's message names the lead unit and the task's responsible units."""
        f = evaluate(complete(facilities__nursery=False)).finding("service-facilities.nursery")
        assert f.outcome == "fail"
        assert f.message.endswith(
            "责任单位：长洲区政府、市民政局、市自然资源局、市住房城乡建设局、市卫生健康委。"
        )
        assert f.inputs == {"facilities.nursery": False}


class TestPropertyService:
    """二(四) property service: some form exists (advisory); no coverage target is stated."""

    @pytest.mark.parametrize(
        ("coverage", "expected"),
        [
            (0.0, "advisory"),
            (0.01, "pass"),
            (0.5, "pass"),
            (1.0, "pass"),
            (None, "unknown"),
        ],
    )
    def test_coverage(self, coverage: float | None, expected: str) -> None:
        """Coverage 0 → advisory, any coverage above 0 → pass, missing → unknown."""
        doc = complete(governance__property_service_coverage=coverage)
        assert outcome(doc, "governance.property-service") == expected

    def test_no_coverage_does_not_fail_the_community(self) -> None:
        """An advisory never changes the verdict."""
        assert evaluate(complete(governance__property_service_coverage=0.0)).verdict == "pass"

    def test_coverage_is_an_output(self) -> None:
        """The coverage given is shown as the output property_service_coverage."""
        assert (
            evaluate(complete(governance__property_service_coverage=0.35)).outputs[
                "property_service_coverage"
            ]
            == 0.35
        )


class TestNationalServiceArea:
    """建办科〔2022〕48号: at least 30 m² of service space per 100 households (inclusive)."""

    @pytest.mark.parametrize(
        ("households", "area", "expected"),
        [
            (1000, 299.99, "advisory"),
            (1000, 300.0, "pass"),
            (1000, 300.01, "pass"),
            (3000, 899.0, "advisory"),
            (3000, 900.0, "pass"),
            (0, 0.0, "pass"),
        ],
    )
    def test_boundary(self, households: int, area: float, expected: str) -> None:
        """households / 100 × 30 m² is the least area: just below is advisory, at it passes."""
        doc = complete(community__households=households, spaces__service_area_m2=area)
        assert outcome(doc, "national.service-area-per-100-households") == expected

    @pytest.mark.parametrize("missing", ["community__households", "spaces__service_area_m2"])
    def test_unknown(self, missing: str) -> None:
        """Without the households or the area the finding is unknown."""
        changes: dict[str, Any] = {missing: None}
        doc = complete(**changes)
        assert outcome(doc, "national.service-area-per-100-households") == "unknown"

    def test_advisory_only(self) -> None:
        """Too little space is advisory: the verdict stays pass, the message shows the figures."""
        result = evaluate(complete(community__households=1000, spaces__service_area_m2=200.0))
        assert result.verdict == "pass"
        f = result.finding("national.service-area-per-100-households")
        # the area due for 1,000 households at 30 m² per 100 (a derived fact, said in words)
        due = "wuzhou_complete_community.service_area_due_m2"
        assert f.inputs == {"spaces.service_area_m2": 200.0, due: 300}
        assert f"{due} = 300" in f.message


class TestNationalResidents:
    """建办科〔2022〕48号: a complete community serves about 5,000–12,000 residents (inclusive)."""

    @pytest.mark.parametrize(
        ("residents", "expected"),
        [
            (4999, "advisory"),
            (5000, "pass"),
            (9000, "pass"),
            (12000, "pass"),
            (12001, "advisory"),
            (None, "unknown"),
        ],
    )
    def test_boundary(self, residents: int | None, expected: str) -> None:
        """5,000 and 12,000 are inside the range; one resident outside is advisory."""
        assert (
            outcome(complete(community__residents=residents), "national.residents-scale")
            == expected
        )

    def test_advisory_only(self) -> None:
        """A community outside the range still passes overall."""
        assert evaluate(complete(community__residents=20000)).verdict == "pass"


class TestPhases:
    """三: start-up 2022-06..2023-11, construction 2023-12..2024-05, consolidation by 2024-06-30."""

    @pytest.mark.parametrize(
        ("day", "phase"),
        [
            (dt.date(2022, 5, 31), "before"),
            (dt.date(2022, 6, 1), "start_up"),
            (dt.date(2023, 11, 30), "start_up"),
            (dt.date(2023, 12, 1), "construction"),
            (dt.date(2024, 5, 31), "construction"),
            (dt.date(2024, 6, 1), "consolidation"),
            (dt.date(2024, 6, 30), "consolidation"),
            (dt.date(2024, 7, 1), "ended"),
        ],
    )
    def test_phase_on_boundaries(self, day: dt.date, phase: str) -> None:
        """The phase output on each boundary date."""
        assert evaluate(complete(), day).outputs["phase"] == phase

    def test_phase_ids(self) -> None:
        """The phases are the three stages of 三, in order, with the reserved ids outside them."""
        assert [p.id for p in PACK.phases] == ["start_up", "construction", "consolidation"]
        assert PACK.info.phase_output == "phase"


class TestMonthlyReports:
    """末段: 长洲区 reports on the pilot by the 24th of every month from 2023-12 to 2024-06."""

    RULE = "reporting.monthly-progress"

    def _run(
        self, reports: list[dt.date] | None, as_of: dt.date, name: str = "神冠社区"
    ) -> policyengine.Result:
        return evaluate(complete(name=name, reporting__monthly_reports=reports), as_of)

    def test_deadline_definition(self) -> None:
        """Monthly, by the 24th, 2023-12 to 2024-06, evidence reporting.monthly_reports, binding."""
        d = PACK.deadlines[0]
        assert (d.kind, d.day, d.start, d.end) == (
            "monthly",
            24,
            dt.date(2023, 12, 1),
            dt.date(2024, 6, 30),
        )
        assert (d.evidence, d.output, d.binding, list(d.responsible)) == (
            "reporting.monthly_reports",
            "next_report_due",
            True,
            [LEAD],
        )

    def test_all_on_time(self) -> None:
        """Seven reports each on the 24th: pass after the pilot, nothing more due."""
        result = self._run(DUE_DATES, AFTER_PILOT)
        assert result.finding(self.RULE).outcome == "pass"
        assert result.outputs["next_report_due"] is None
        assert result.verdict == "pass"

    def test_the_24th_is_on_time(self) -> None:
        """A report on 2024-02-24 is on time."""
        reports = [d for d in DUE_DATES if d.month != 2] + [dt.date(2024, 2, 24)]
        assert self._run(reports, AFTER_PILOT).finding(self.RULE).outcome == "pass"

    def test_the_25th_is_late(self) -> None:
        """A report on 2024-02-25 is late: met_late, a failure naming 长洲区政府."""
        reports = [d for d in DUE_DATES if d.month != 2] + [dt.date(2024, 2, 25)]
        result = self._run(reports, AFTER_PILOT)
        f = result.finding(self.RULE)
        assert f.outcome == "met_late"
        assert "2024-02" in f.message
        assert "长洲区政府" in f.message
        assert result.verdict == "fail"

    def test_missing_month_is_overdue(self) -> None:
        """No report in 2024-04: overdue, a failure."""
        reports = [d for d in DUE_DATES if d.month != 4]
        result = self._run(reports, AFTER_PILOT)
        assert result.finding(self.RULE).outcome == "overdue"
        assert "2024-04" in result.finding(self.RULE).message
        assert result.verdict == "fail"

    def test_no_evidence_is_unknown(self) -> None:
        """Reports not given: unknown, and the verdict is incomplete, not fail."""
        result = self._run(None, AFTER_PILOT)
        assert result.finding(self.RULE).outcome == "unknown"
        assert result.verdict == "incomplete"

    @pytest.mark.parametrize(
        ("as_of", "expected", "next_due"),
        [
            (dt.date(2023, 12, 1), "due", "2023-12-24"),
            (dt.date(2023, 12, 24), "due", "2023-12-24"),
            (dt.date(2023, 12, 25), "overdue", "2024-01-24"),
        ],
    )
    def test_first_month_without_report(self, as_of: dt.date, expected: str, next_due: str) -> None:
        """December 2023 without a report: due up to and on the 24th, overdue on the 25th."""
        result = self._run([], as_of)
        assert result.finding(self.RULE).outcome == expected
        assert result.outputs["next_report_due"] == next_due

    def test_report_before_the_first_month_does_not_count(self) -> None:
        """A report in November 2023 does not stand for December's."""
        result = self._run([dt.date(2023, 11, 20)], dt.date(2023, 12, 25))
        assert result.finding(self.RULE).outcome == "overdue"

    @pytest.mark.parametrize(
        ("as_of", "next_due"),
        [
            (dt.date(2024, 3, 10), "2024-03-24"),
            (dt.date(2024, 3, 24), "2024-03-24"),
            (dt.date(2024, 3, 25), "2024-04-24"),
            (dt.date(2024, 6, 24), "2024-06-24"),
            (dt.date(2024, 6, 25), None),
        ],
    )
    def test_next_report_due(self, as_of: dt.date, next_due: str | None) -> None:
        """Reports on time so far, this month not yet sent: the next 24th, none after June."""
        reports = [d for d in DUE_DATES if d < as_of]
        result = self._run(reports, as_of)
        assert result.outputs["next_report_due"] == next_due
        assert result.finding(self.RULE).outcome in ("due", "pass")

    def test_current_month_sent_moves_next_due(self) -> None:
        """March sent on 2024-03-05: on 2024-03-10 the next report is April's."""
        reports = [d for d in DUE_DATES if d < dt.date(2024, 3, 1)] + [dt.date(2024, 3, 5)]
        result = self._run(reports, dt.date(2024, 3, 10))
        assert result.outputs["next_report_due"] == "2024-04-24"
        assert result.finding(self.RULE).outcome == "pass"

    def test_last_month_boundary(self) -> None:
        """June 2024 sent on the 25th is late; on the 24th it is on time."""
        base = [d for d in DUE_DATES if d.month != 6 or d.year != 2024]
        assert (
            self._run([*base, dt.date(2024, 6, 25)], AFTER_PILOT).finding(self.RULE).outcome
            == "met_late"
        )
        assert (
            self._run([*base, dt.date(2024, 6, 24)], AFTER_PILOT).finding(self.RULE).outcome
            == "pass"
        )

    def test_reports_after_as_of_are_ignored(self) -> None:
        """A report dated after the evaluation date had not happened yet."""
        result = self._run([dt.date(2023, 12, 20)], dt.date(2023, 12, 19))
        assert result.finding(self.RULE).outcome == "due"

    def test_other_community_has_no_report_duty(self) -> None:
        """Another Wuzhou community: the report is not_applicable and no date is due."""
        result = self._run([], AFTER_PILOT, name="新兴社区")
        assert result.finding(self.RULE).outcome == "not_applicable"
        assert result.outputs["next_report_due"] is None
        assert result.verdict == "pass"

    def test_unnamed_community_is_unknown(self) -> None:
        """Without a name it is unknown whether the community is the pilot."""
        doc = complete(reporting__monthly_reports=[])
        del doc["community"]["name"]
        assert outcome(doc, self.RULE, AFTER_PILOT) == "unknown"


class TestApplicability:
    """Every community in 梧州市 from the issue date (2023-12-01); others not applicable."""

    def test_pilot_applies(self) -> None:
        """The pilot meeting everything passes."""
        assert evaluate(complete()).verdict == "pass"

    def test_other_wuzhou_community_is_a_gap_analysis(self) -> None:
        """A non-pilot Wuzhou community is measured against the pilot standard: advisory
        findings that never change the verdict (policies.md §6, Wuzhou's pilot)."""
        result = evaluate(complete(name="新兴社区", facilities__canteen=False))
        assert result.verdict == "pass"
        canteen = result.finding("service-facilities.canteen")
        assert (canteen.outcome, canteen.binding) == ("advisory", False)
        assert result.finding("pilot").outcome == "not_applicable"

    def test_pilot_is_bound(self) -> None:
        """The pilot 长洲区神冠社区 is bound: a missing canteen fails."""
        result = evaluate(complete(facilities__canteen=False))
        assert result.verdict == "fail"
        assert result.finding("service-facilities.canteen").outcome == "fail"
        assert result.finding("pilot").outcome == "pass"

    def test_pilot_unknown_without_name(self) -> None:
        """Without the name it cannot be told whether the pilot binds: incomplete, never fail."""
        doc = complete(facilities__canteen=False)
        del doc["community"]["name"]
        result = evaluate(doc)
        assert result.verdict == "incomplete"
        assert result.finding("pilot").outcome == "unknown"
        assert result.finding("service-facilities.canteen").outcome == "advisory"

    def test_community_outside_wuzhou(self) -> None:
        """A community in 温州市 is not applicable, every finding not_applicable."""
        doc = complete()
        doc["community"]["jurisdiction"] = ["浙江省", "温州市", "鹿城区", "五马街道"]
        result = evaluate(doc)
        assert result.verdict == "not_applicable"
        assert {f.outcome for f in result.findings} == {"not_applicable"}

    def test_jurisdiction_unknown(self) -> None:
        """Without community.jurisdiction, applicability is unknown: incomplete."""
        doc = complete()
        del doc["community"]["jurisdiction"]
        assert evaluate(doc).verdict == "incomplete"

    @pytest.mark.parametrize(
        ("as_of", "verdict"),
        [
            (dt.date(2023, 11, 30), "not_applicable"),
            (dt.date(2023, 12, 1), "pass"),
        ],
    )
    def test_in_force_from_issue(self, as_of: dt.date, verdict: str) -> None:
        """Not in force the day before the issue (2023-12-01); in force on it."""
        doc = complete(reporting__monthly_reports=[])
        assert evaluate(doc, as_of).verdict == verdict

    def test_still_evaluated_after_the_pilot(self) -> None:
        """After June 2024 the pack still reads the community (no end date), phase ended."""
        result = evaluate(complete(), dt.date(2025, 3, 1))
        assert result.verdict == "pass"
        assert result.outputs["phase"] == "ended"


class TestMissingFacilities:
    """results.md: missing_facilities names the required facilities that are absent."""

    def test_none_missing(self) -> None:
        """Every facility present: empty lists."""
        out = evaluate(complete()).outputs
        assert out["missing_facilities"] == []
        assert out["unknown_facilities"] == []

    def test_absent_ones_in_pack_order(self) -> None:
        """Absent facilities of 二(一), 二(二) and 二(四) are listed by path, in pack order."""
        doc = complete(
            facilities__party_mass_service_center=False,
            facilities__nursery=False,
            facilities__fitness_venue=False,
            facilities__laundry=False,
        )
        assert evaluate(doc).outputs["missing_facilities"] == [
            "facilities.nursery",
            "facilities.laundry",
            "facilities.fitness_venue",
            "facilities.party_mass_service_center",
        ]

    def test_unknown_is_not_missing(self) -> None:
        """A facility not given is unknown, listed in unknown_facilities, never as missing."""
        out = evaluate(complete(facilities__nursery=None, facilities__barber=False)).outputs
        assert out["missing_facilities"] == ["facilities.barber"]
        assert out["unknown_facilities"] == ["facilities.nursery"]

    def test_other_elements_are_not_facilities(self) -> None:
        """Absent environment or smart elements fail their rules but are not facilities."""
        out = evaluate(
            complete(smart__smart_sensing=False, environment__barrier_free=False)
        ).outputs
        assert out["missing_facilities"] == []

    def test_all_absent(self) -> None:
        """Every required facility absent: all eighteen listed."""
        changes: dict[str, Any] = {p.replace(".", "__"): False for p in REQUIRED_FACILITIES}
        doc = complete(**changes)
        assert evaluate(doc).outputs["missing_facilities"] == REQUIRED_FACILITIES
        assert len(REQUIRED_FACILITIES) == 18

    def test_outputs_in_json(self) -> None:
        """The result JSON carries phase, next_report_due and missing_facilities."""
        out = evaluate(complete(facilities__nursery=False)).to_dict()["outputs"]
        assert out["phase"] == "construction"
        assert out["next_report_due"] == "2024-03-24"
        assert out["missing_facilities"] == ["facilities.nursery"]


class TestVerdict:
    """The verdict from binding findings; advisories never change it."""

    def test_one_failure_fails(self) -> None:
        """One absent element fails the community."""
        assert evaluate(complete(smart__police_data_sharing=False)).verdict == "fail"

    def test_unknown_is_incomplete(self) -> None:
        """One element not given, nothing failed: incomplete."""
        assert evaluate(complete(environment__roads_safe=None)).verdict == "incomplete"

    def test_advisories_only_pass(self) -> None:
        """Only the advisories fall short: pass."""
        doc = complete(
            community__residents=3000,
            spaces__service_area_m2=10.0,
            governance__property_service_coverage=0.0,
        )
        result = evaluate(doc)
        assert result.verdict == "pass"
        assert sum(f.outcome == "advisory" for f in result.findings) == 3


class TestJurisdictionRollUp:
    """No duty of a district: its verdict is not_applicable; its communities are counted."""

    def test_roll_up(self) -> None:
        """长洲区 with a passing pilot and a community short of the standard: counts given."""
        other = complete(name="新兴社区", facilities__nursery=False)
        other["community"]["id"] = "wz-other"
        doc = {
            "jurisdiction": {"id": "wz-cz", "name": "长洲区", "level": "district"},
            "communities": [complete(), other],
        }
        result = evaluate(doc)
        assert result.verdict == "not_applicable"
        assert [f.rule for f in result.findings] == ["scope"]
        assert result.outputs["communities"] == {
            "total": 2,
            "pass": 2,
            "fail": 0,
            "incomplete": 0,
            "not_applicable": 0,
        }


class TestExample:
    """The example community reads as an official would expect."""

    def test_example(self) -> None:
        """神冠社区 after the pilot: fails on 托儿所, 洗衣店, 无障碍, 智能感知 and a late report."""
        result = policyengine.evaluate(EXAMPLE, pack=PACK, as_of=AFTER_PILOT)
        assert result.verdict == "fail"
        failed = {f.rule for f in result.findings if f.outcome in ("fail", "overdue", "met_late")}
        assert failed == {
            "service-facilities.nursery",
            "service-facilities.laundry",
            "living-environment.barrier-free",
            "smart-services.smart-sensing",
            "reporting.monthly-progress",
        }
        unknown = {f.rule for f in result.findings if f.outcome == "unknown"}
        assert unknown == {
            "service-facilities.repair-point",
            "living-environment.fitness-venue",
            "governance.property-service",
        }
        # 3200 households need 960 m² (建办科〔2022〕48号); the example has 820.
        assert result.finding("national.service-area-per-100-households").outcome == "advisory"
        assert result.outputs["missing_facilities"] == ["facilities.nursery", "facilities.laundry"]
        assert result.outputs["phase"] == "ended"

    def test_command_line(self) -> None:
        """The installed pack is listed; evaluating the example exits 1 (fail) with a table."""
        packs = subprocess.run(
            [sys.executable, "-m", "policyengine", "packs"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "wuzhou-complete-community" in packs.stdout
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "policyengine",
                "evaluate",
                str(EXAMPLE),
                "--pack",
                "wuzhou-complete-community",
                "--as-of",
                "2024-07-01",
            ],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 1, run.stderr
        assert "托儿所" in run.stdout
        assert "缺少的设施" in run.stdout  # the output missing_facilities, labelled
