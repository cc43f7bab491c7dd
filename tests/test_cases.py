"""Pack test cases: case files, the runner, domain coverage, the command and the pytest plugin."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import json
import shutil
from pathlib import Path

import pytest

import policyengine
from policyengine import cli
from policyengine.authoring.cases import (
    CaseFileError,
    case_files,
    failure_lines,
    load_case_file,
    locate,
    run_cases,
)
from policyengine.authoring.cases.running import _same
from policyengine.authoring.coverage import Coverage, Evaluation, format_percent, measure

pytest_plugins = ["pytester"]

CASES = Path(__file__).resolve().parent / "fixtures" / "cases"
GAPS = CASES / "gaps"
FAILING = CASES / "failing"
BAD = CASES / "bad"


@pytest.fixture(scope="module")
def gaps() -> policyengine.Pack:
    """The pack whose cases pass but leave known coverage gaps."""
    return policyengine.load_pack(GAPS)


@pytest.fixture(scope="module")
def failing() -> policyengine.Pack:
    """The pack with two defects its cases catch."""
    return policyengine.load_pack(FAILING)


@pytest.fixture
def in_cases(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in the fixture folder, so reports show paths relative to it."""
    monkeypatch.chdir(CASES)
    return CASES


def problems(path: Path, pack: policyengine.Pack) -> list[str]:
    """The problems load_case_file reports for a case file."""
    with pytest.raises(CaseFileError) as info:
        load_case_file(path, pack)
    return list(info.value.problems)


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run the command line; its exit code, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def plugin_args() -> list[str]:
    """``-p policyengine.authoring.pytest_plugin`` unless its pytest11 entry point is installed."""
    installed = {ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    return [] if "policyengine.authoring.pytest_plugin" in installed else ["-p", "policyengine.authoring.pytest_plugin"]


def write_case_file(folder: Path, text: str, name: str = "cases.toml") -> Path:
    """A case file in ``folder`` (made if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class TestCaseFiles:
    """Reading case files: the format, and every problem with its file and line."""

    def test_unknown_keys_name_the_file_line_and_key(
        self, gaps: policyengine.Pack, in_cases: Path
    ) -> None:
        """An unknown key is reported with the file, the line it is on and the key."""
        assert problems(BAD / "unknown-keys.toml", gaps) == [
            "bad/unknown-keys.toml:13: cases[1].asof: unknown key 'asof' "
            "(allowed here: name, as_of, facts, expect, parameters, note)",
            "bad/unknown-keys.toml:18: cases[1].expect.rulez: unknown key 'rulez' "
            "(allowed here: verdict, outputs, null_outputs, rules, due, communities)",
        ]

    def test_bad_values_name_the_file_line_and_key(
        self, gaps: policyengine.Pack, in_cases: Path
    ) -> None:
        """Bad outcomes, unknown rules and parameters, and bad facts are all reported at once."""
        found = problems(BAD / "bad-values.toml", gaps)
        assert found[:-1] == [
            'bad/bad-values.toml:8: cases[0].expect.verdict: "passed" is not one of: '
            "pass, fail, incomplete, not_applicable",
            'bad/bad-values.toml:9: cases[0].expect.rules."size.households": "passed" is not '
            "one of: pass, fail, unknown, not_applicable, advisory, due, overdue, met_late",
            "bad/bad-values.toml:14: cases[1].parameters.min_household: 'min_household' is not "
            "a parameter of pack fixture-gaps",
            'bad/bad-values.toml:14: cases[1].parameters.pass_score: "六十" is not a number, '
            "as pass_score is",
            "bad/bad-values.toml:18: cases[1].expect.rules.\"size.household\": 'size.household' "
            "is not a rule, scale or deadline of pack fixture-gaps",
            "bad/bad-values.toml:25: cases[2].facts.happiness.survey_score: "
            "310 is above the maximum 300",
            "bad/bad-values.toml:25: cases[2].facts.happiness.survey: "
            "unknown field (not in the facts vocabulary)",
        ]
        assert found[-1].startswith("bad/bad-values.toml:32: cases[3].facts: ")
        assert "facts/missing.toml: cannot read the file" in found[-1]

    def test_top_level_typo(self, gaps: policyengine.Pack, tmp_path: Path) -> None:
        """A misspelt ``[[case]]`` header is an unknown key, and the file has no cases."""
        path = write_case_file(tmp_path, '# a comment\n[[case]]\nname = "x"\n')
        found = problems(path, gaps)
        assert found[0].endswith(":1: cases: no [[cases]] in the file")
        assert found[1].endswith(":2: case: unknown key 'case' (allowed here: cases)")

    def test_invalid_toml(self, gaps: policyengine.Pack, tmp_path: Path) -> None:
        """A TOML syntax error names the file and the line TOML reports."""
        path = write_case_file(tmp_path, "[[cases]]\nname = \n")
        (message,) = problems(path, gaps)
        assert "cases.toml: not valid TOML: " in message
        assert "line 2" in message

    def test_a_case_expects_something(self, gaps: policyengine.Pack, tmp_path: Path) -> None:
        """A case without expectations is rejected."""
        text = (
            '[[cases]]\nname = "空"\nas_of = 2021-01-01\n'
            'facts = { community = { id = "c" } }\n[cases.expect]\n'
        )
        (message,) = problems(write_case_file(tmp_path, text), gaps)
        assert message.endswith(
            ":5: cases[0].expect: expects nothing: give verdict, outputs, "
            "null_outputs, rules or communities"
        )

    def test_communities_need_a_jurisdiction(self, wuma: policyengine.Pack, tmp_path: Path) -> None:
        """Community expectations are only for jurisdictions, and only for their communities."""
        text = """\
[[cases]]
name = "社区不能有 communities"
as_of = 2014-06-30
facts = { community = { id = "c" } }
[cases.expect]
communities = { c = { verdict = "pass" } }

[[cases]]
name = "街道中没有这个社区"
as_of = 2014-06-30
[cases.facts.jurisdiction]
id = "j"
[[cases.facts.communities]]
community = { id = "a" }
[[cases.facts.communities]]
community = { id = "b" }
happiness = { survey_score = 400 }
[cases.expect]
rules = { "rating.stars" = "pass" }
communities = { z = { verdict = "pass" } }
"""
        assert [p.split(": ", 1)[1] for p in problems(write_case_file(tmp_path, text), wuma)] == [
            "cases[0].expect.communities: only a jurisdiction's case has communities",
            "cases[1].facts.communities[1].happiness.survey_score: 400 is above the maximum 300",
        ]
        fixed = text.replace("survey_score = 400", "survey_score = 200")
        found = problems(write_case_file(tmp_path, fixed), wuma)
        assert [p.split(": ", 1)[1] for p in found] == [
            "cases[0].expect.communities: only a jurisdiction's case has communities",
            "cases[1].expect.rules.\"rating.stars\": 'rating.stars' is a community rule, not a "
            "jurisdiction one (expect it under communities)",
            "cases[1].expect.communities.z: no community 'z' in the facts (communities: a, b)",
        ]

    def test_facts_line_in_second_array_element(self) -> None:
        """A problem in the second ``[[cases.facts.communities]]`` points at that element."""
        text = (
            "[[cases]]\n[[cases.facts.communities]]\nhappiness = {}\n"
            "[[cases.facts.communities]]\nhappiness = { survey_score = 400 }\n"
        )
        path = ("cases", 0, "facts", "communities", 1, "happiness", "survey_score")
        assert locate(text, path) == 5

    def test_comments_are_not_keys(self) -> None:
        """A key named in a comment is not where the key is."""
        text = '[[cases]]\n# rules = wrong\nname = "x"\nrules = 1\n'
        assert locate(text, ("cases", 0, "rules")) == 4

    def test_facts_from_files(self, gaps: policyengine.Pack) -> None:
        """Facts may be a JSON or TOML document, relative to the case file."""
        cases = load_case_file(GAPS / "cases" / "grades.toml", gaps)
        assert [c.facts_file.name if c.facts_file else None for c in cases] == [
            None,
            "c-80.json",
            "c-85.toml",
        ]
        assert [c.line for c in cases] == [1, 13, 20]

    def test_wuma_case_files_load(self, wuma: policyengine.Pack) -> None:
        """Every Wuma case file is valid."""
        files = case_files(wuma)
        assert len(files) >= 6
        for file in files:
            assert load_case_file(file, wuma)


class TestRunner:
    """Running cases and writing failures the way a policy expert reads them."""

    def test_failure_lines(self, failing: policyengine.Pack, in_cases: Path) -> None:
        """A failing case names the case, the file, the rule, the clause, quote and facts."""
        report = run_cases(failing)
        assert (report.passed, report.failed) == (1, 1)
        (failed,) = [r for r in report.results if not r.passed]
        assert failure_lines(failed) == [
            "FAILED 二 户数恰为500户、满意度恰为80分：符合，良好 (failing/cases/cases.toml:11)",
            "  size.households 社区规模不少于500户 [二]: expected pass, got fail",
            "    quote: 「社区规模不少于500户。」",
            "    message: 不符合：要求 community.households > 500，"
            "实际 community.households = 500。责任单位：街道办事处。",
            "    facts read: community.households = 500",
            "  verdict: expected pass, got fail",
            "    binding findings: size.households fail",
            "  output grade: expected 2, got 1",
        ]

    def test_report_lines(self, failing: policyengine.Pack, in_cases: Path) -> None:
        """The pack report ends with the summary line and the coverage report."""
        lines = run_cases(failing).lines()
        assert lines[lines.index("") + 1 :] == [
            "fixture-failing: 1 passed, 1 failed",
            "coverage 45.4% (5/11 items); not covered:",
            "  - size.households (二 社区规模不少于500户): never seen unknown (missing data)",
            "  - survey.grade (一 满意度等级): never seen below the lowest band",
            "  - survey.grade (一 满意度等级): never seen unknown (missing data)",
            "  - survey.grade band 合格 (≥ 60): not tested at the threshold",
            "  - survey.grade band 合格 (≥ 60): not tested below the threshold",
            "  - survey.grade band 良好 (≥ 81): not tested at the threshold",
        ]

    def test_community_and_null_output_mismatches(
        self, wuma: policyengine.Pack, tmp_path: Path
    ) -> None:
        """Mismatches in a jurisdiction's communities and in null outputs are reported."""
        text = """\
[[cases]]
name = "错误的期望"
as_of = 2014-06-30
[cases.facts.jurisdiction]
id = "j"
[[cases.facts.communities]]
community = { id = "wm-x" }
happiness = { objective_score = 450, survey_score = 200, vetoes = [], previous_stars = 0 }
[cases.expect]
communities = { wm-x = { outputs = { stars = 2, nothing = 1 }, null_outputs = ["reward_yuan"] } }
"""
        report = run_cases(wuma, [write_case_file(tmp_path, text)])
        assert failure_lines(report.results[0])[1:] == [
            "  community wm-x: output stars: expected 2, got 1",
            "  community wm-x: output nothing: expected 1, got no such output",
            "  community wm-x: output reward_yuan: expected null, got 50000",
        ]

    def test_hook_error_fails_the_case(self, tmp_path: Path) -> None:
        """An exception in a pack's hook fails that case with the error, not the whole run."""
        folder = tmp_path / "hooked"
        shutil.copytree(FAILING, folder)
        pack_toml = folder / "pack.toml"
        pack_toml.write_text(
            pack_toml.read_text(encoding="utf-8").replace(
                'region = "测试"', 'region = "测试"\nhooks = "hooks.py"'
            ),
            encoding="utf-8",
        )
        (folder / "hooks.py").write_text(
            "from policyengine import hookimpl\n\n\n"
            "@hookimpl\ndef pack_derive_facts(context):\n    raise RuntimeError('坏了')\n",
            encoding="utf-8",
        )
        report = run_cases(policyengine.load_pack(folder))
        hooks = folder / "hooks.py"
        assert [r.error for r in report.results] == [
            f"{hooks}: hook pack_derive_facts failed: RuntimeError: 坏了"
        ] * 2
        assert failure_lines(report.results[0])[1] == f"  error: {report.results[0].error}"

    def test_values_compared(self) -> None:
        """Numbers match within a small tolerance; booleans are not numbers; dates are ISO."""
        assert _same(0.666667, 2 / 3)
        assert _same(1, 1.0)
        assert not _same(0.6667, 2 / 3)
        assert not _same(1, True)
        assert _same(dt.date(2024, 5, 31), "2024-05-31")
        assert _same({"区政府": 25000, "街道": 25000}, {"区政府": 25000.0, "街道": 25000})
        assert not _same({"区政府": 25000}, {"区政府": 25000, "街道": 25000})

    def test_json(self, failing: policyengine.Pack, in_cases: Path) -> None:
        """The report as JSON carries the cases, their mismatches and the coverage."""
        data = run_cases(failing).to_dict()
        assert (data["ok"], data["passed"], data["failed"]) == (False, 1, 1)
        failed = data["cases"][1]
        assert failed["file"] == "failing/cases/cases.toml"
        assert [(m["kind"], m["key"]) for m in failed["mismatches"]] == [
            ("rule", "size.households"),
            ("verdict", "verdict"),
            ("output", "grade"),
        ]
        assert failed["mismatches"][0]["finding"]["inputs"] == {"community.households": 500}
        assert data["coverage"]["percent"] == 45.45


class TestCoverage:
    """Domain coverage: rules, band boundaries, dated parameters and deadlines."""

    def test_known_gaps(self, gaps: policyengine.Pack) -> None:
        """Bands tested on one side, a parameter only after its change, a deadline only on time."""
        report = run_cases(gaps)
        assert (report.passed, report.failed, report.errors) == (5, 0, ())
        assert [i.text for i in report.coverage.uncovered] == [
            "survey.grade (一 满意度等级): never seen below the lowest band",
            "survey.grade band 合格 (≥ 60): not tested below the threshold",
            "deadline report.self-check (三 每年6月30日前报送自查报告): "
            "not tested late (overdue or met_late)",
            "parameter good_score (良好线): not tested before 2020-01-01 (no value then)",
            "parameter min_households (最少户数): not tested before 2021-01-01 (no value then)",
        ]
        assert (report.coverage.covered, report.coverage.total) == (14, 19)
        assert report.coverage.summary() == "coverage 73.6% (14/19 items)"

    def test_dated_parameter_windows(self, gaps: policyengine.Pack) -> None:
        """Each stretch between a parameter's changes is an item, covered by the cases in it."""
        items = {i.check: i for i in run_cases(gaps).coverage.items if i.target == "good_score"}
        assert {c: i.missing for c, i in items.items()} == {
            "before:2020-01-01": "not tested before 2020-01-01 (no value then)",
            "from:2020-01-01": "not tested from 2020-01-01 to 2021-12-31 (= 80)",
            "from:2022-01-01": "not tested from 2022-01-01 (= 85)",
        }
        assert items["from:2022-01-01"].covered_by == ("一 2022年起良好线为85分：恰为85分为良好",)

    def test_deadline_on_time_only(self, gaps: policyengine.Pack) -> None:
        """The deadline was seen on time and unknown, never late."""
        items = {i.check: i.covered for i in run_cases(gaps).coverage.items if i.kind == "deadline"}
        assert items == {"on_time": True, "late": False, "unknown": True}

    def test_late_deadline_and_earlier_date_cover(self, gaps: policyengine.Pack) -> None:
        """A late self-check report and a case before the changes close the gaps they name."""
        late = policyengine.load_facts(
            {"community": {"id": "c"}, "reporting": {"self_check_report_year": 2020}}
        )
        before = policyengine.load_facts({"community": {"id": "c", "households": 10}})
        evaluations = [
            Evaluation(
                "late",
                dt.date(2021, 9, 1),
                {},
                late,
                policyengine.evaluate(late, gaps, as_of=dt.date(2021, 9, 1)),
            ),
            Evaluation(
                "before",
                dt.date(2019, 6, 1),
                {},
                before,
                policyengine.evaluate(before, gaps, as_of=dt.date(2019, 6, 1)),
            ),
        ]
        covered = {(i.target, i.check) for i in measure(gaps, evaluations).items if i.covered}
        assert ("report.self-check", "late") in covered
        assert ("good_score", "before:2020-01-01") in covered
        assert ("min_households", "before:2021-01-01") in covered

    def test_thresholds_resolved_with_overrides(self, gaps: policyengine.Pack) -> None:
        """A band boundary is read with the case's parameters; an override is not a date test."""
        subject = policyengine.load_facts(
            {"community": {"id": "c", "households": 600}, "happiness": {"survey_score": 65}}
        )
        overrides = {"pass_score": 70, "min_households": 100}
        result = policyengine.evaluate(
            subject, gaps, as_of=dt.date(2019, 6, 1), parameters=overrides
        )
        coverage = measure(
            gaps, [Evaluation("what-if", dt.date(2019, 6, 1), overrides, subject, result)]
        )
        covered = {(i.target, i.check) for i in coverage.items if i.covered}
        assert ("survey.grade", "below:0") not in covered  # good_score has no value in 2019
        result = policyengine.evaluate(
            subject, gaps, as_of=dt.date(2021, 6, 1), parameters=overrides
        )
        coverage = measure(
            gaps, [Evaluation("what-if", dt.date(2021, 6, 1), overrides, subject, result)]
        )
        covered = {(i.target, i.check) for i in coverage.items if i.covered}
        assert ("survey.grade", "below:0") in covered
        assert ("min_households", "from:2021-01-01") not in covered
        assert ("good_score", "from:2020-01-01") in covered

    def test_hook_rule_not_met(self, wuma: policyengine.Pack) -> None:
        """A hook's own not_applicable (a kept rating: no reward) is the hook rule's unmet side."""
        report = run_cases(wuma)
        (item,) = [
            i for i in report.coverage.items if i.target == "reward.amount" and i.check == "unmet"
        ]
        assert "四(五)(六) 复评保留三星级：保留称号，不再奖励" in item.covered_by
        assert "文件印发前一日（2013-04-09）：尚未施行，不予评定" not in item.covered_by

    def test_percent_format_and_empty(self) -> None:
        """Percentages are never rounded up to 100; a pack with nothing to cover is at 100."""
        assert format_percent(99.96) == "99.9%"
        assert format_percent(100.0) == "100.0%"
        assert Coverage("x", ()).percent == 100.0


class TestCommand:
    """``policyengine test``: exit codes, formats, coverage threshold."""

    def test_all_pass(self, in_cases: Path) -> None:
        """Passing cases exit 0, whatever the coverage, without --min-coverage."""
        code, out, _ = run_cli("test", "gaps")
        assert code == 0
        assert out.splitlines()[:2] == [
            "fixture-gaps: 5 passed, 0 failed",
            "coverage 73.6% (14/19 items); not covered:",
        ]

    def test_min_coverage(self, in_cases: Path) -> None:
        """Coverage below --min-coverage exits 1; at or above it exits 0."""
        code, out, _ = run_cli("test", "gaps", "--min-coverage", "80")
        assert code == 1
        assert out.splitlines()[-1] == "coverage 73.6% is below --min-coverage 80%"
        assert run_cli("test", "gaps", "--min-coverage", "72")[0] == 0

    def test_min_coverage_is_a_percentage(self, in_cases: Path) -> None:
        """--min-coverage outside 0–100 is bad input."""
        assert run_cli("test", "gaps", "--min-coverage", "150")[0] == 2

    def test_failing_case(self, in_cases: Path) -> None:
        """A failing case exits 1 and is written out."""
        code, out, _ = run_cli("test", "failing")
        assert code == 1
        assert "FAILED 二 户数恰为500户、满意度恰为80分：符合，良好" in out
        assert "fixture-failing: 1 passed, 1 failed" in out.splitlines()

    def test_bad_case_file(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad case file exits 2, naming the file and the line on standard error."""
        shutil.copytree(GAPS, tmp_path / "gaps")
        shutil.copy(BAD / "unknown-keys.toml", tmp_path / "gaps" / "cases")
        monkeypatch.chdir(tmp_path)
        code, out, err = run_cli("test", "gaps")
        assert code == 2
        assert "gaps/cases/unknown-keys.toml:18: cases[1].expect.rulez: unknown key" in err
        assert "fixture-gaps: 5 passed, 0 failed" in out

    def test_one_case_file(self, in_cases: Path) -> None:
        """A case file as argument runs that file's cases only."""
        code, out, _ = run_cli("test", "gaps/cases/size.toml")
        assert code == 0
        assert out.splitlines()[0] == "fixture-gaps: 2 passed, 0 failed"

    def test_json(self, in_cases: Path) -> None:
        """--format json gives the reports and the threshold verdict."""
        code, out, _ = run_cli(
            "test", "gaps", "failing", "--format", "json", "--min-coverage", "50"
        )
        data = json.loads(out)
        assert code == 1
        assert data["ok"] is False
        assert [(p["pack"]["id"], p["ok"]) for p in data["packs"]] == [
            ("fixture-gaps", True),
            ("fixture-failing", False),
        ]
        assert data["packs"][0]["coverage"]["uncovered"][0] == (
            "survey.grade (一 满意度等级): never seen below the lowest band"
        )

    def test_installed_packs_by_default(
        self, wuma: policyengine.Pack, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without arguments every installed pack is tested."""
        monkeypatch.setattr(policyengine.api, "installed_packs", lambda: {wuma.id: wuma})
        code, out, _ = run_cli("test", "--min-coverage", "100")
        assert code == 0
        assert out.splitlines()[-1] == "coverage 100.0% (113/113 items)"


class TestPytestPlugin:
    """The pytest plugin collects a pack's cases as items and reports failures plainly."""

    def test_collects_one_item_per_case(self, pytester: pytest.Pytester) -> None:
        """Each ``[[cases]]`` entry of a pack's case files is one item."""
        shutil.copytree(FAILING, pytester.path / "failing")
        result = pytester.runpytest(*plugin_args(), "--collect-only", "-q", "failing")
        result.stdout.fnmatch_lines(
            [
                "failing/cases/cases.toml::一 满意度61分：合格",
                "failing/cases/cases.toml::二 户数恰为500户、满意度恰为80分：符合，良好",
            ]
        )

    def test_failure_without_traceback(self, pytester: pytest.Pytester) -> None:
        """A failing case is reported like ``policyengine test``, without Python noise."""
        shutil.copytree(FAILING, pytester.path / "failing")
        result = pytester.runpytest(*plugin_args(), "failing")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "FAILED 二 户数恰为500户、满意度恰为80分：符合，良好 (failing/cases/cases.toml:11)",
                "  size.households 社区规模不少于500户 [二]: expected pass, got fail",
                "    quote: 「社区规模不少于500户。」",
                "*policy pack coverage*",
                "fixture-failing:",
                "  coverage 45.4% (5/11 items); not covered:",
            ]
        )
        assert "Traceback" not in result.stdout.str()
        assert "def runtest" not in result.stdout.str()

    def test_bad_case_file_is_a_collection_error(self, pytester: pytest.Pytester) -> None:
        """A bad case file fails collection with the file and line, not a traceback."""
        shutil.copytree(GAPS, pytester.path / "gaps")
        shutil.copy(BAD / "unknown-keys.toml", pytester.path / "gaps" / "cases")
        result = pytester.runpytest(*plugin_args(), "gaps")
        result.assert_outcomes(errors=1)
        assert (
            "gaps/cases/unknown-keys.toml:13: cases[1].asof: unknown key 'asof'"
            in result.stdout.str()
        )
        assert "Traceback" not in result.stdout.str()

    def test_pack_min_coverage(self, pytester: pytest.Pytester) -> None:
        """--pack-min-coverage fails a session whose cases all passed but cover too little."""
        shutil.copytree(GAPS, pytester.path / "gaps")
        result = pytester.runpytest(*plugin_args(), "gaps", "--pack-min-coverage", "90")
        result.assert_outcomes(passed=5)
        assert result.ret == 1
        result.stdout.fnmatch_lines(["  coverage 73.6% is below --pack-min-coverage 90%"])
        assert pytester.runpytest(*plugin_args(), "gaps", "--pack-min-coverage", "70").ret == 0

    def test_only_cases_of_a_pack(self, pytester: pytest.Pytester) -> None:
        """A ``cases/`` folder outside a pack folder is not collected."""
        shutil.copytree(GAPS / "cases", pytester.path / "loose" / "cases")
        result = pytester.runpytest(*plugin_args(), "loose")
        assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


class TestWumaCases:
    """The Wuma pack's own cases, written from the document, pass with full coverage."""

    def test_all_pass_with_full_coverage(self, wuma: policyengine.Pack) -> None:
        """Every case passes and every coverage item is covered."""
        report = run_cases(wuma)
        assert report.errors == ()
        assert [r.case.name for r in report.results if not r.passed] == []
        assert report.passed >= 40
        assert report.coverage.uncovered == ()
        assert report.coverage.percent == 100.0

    def test_each_star_boundary_named(self, wuma: policyengine.Pack) -> None:
        """Both sides of the four-star threshold are covered by the cases named for them."""
        items = {
            i.check: i.covered_by
            for i in run_cases(wuma).coverage.items
            if i.kind == "band" and i.what == "rating.stars band 四星级 (≥ 800)"
        }
        assert "四(四) 总分恰为800分：四星级，由市文明委测评、市区财政各半奖励" in items["at:3"]
        assert "四(四) 总分799分：仍为三星级" in items["below:3"]
