"""``policyengine lint``: each fixture pack in tests/fixtures/lint has one known defect.

The fixtures are linted from their own folder (so the report's paths are short and
exact), with ``--seeds seeds``: the small source documents of the fixtures that declare
one. The bundled packs under policy_packs/ lint without errors.
"""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import attrs
import pytest

from policyengine.authoring import lint
from policyengine.cli import main
from policyengine.pack import load_pack

ROOT = Path(__file__).resolve().parents[1]
LINT_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lint"
PACKS = ROOT / "policy_packs"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

# fixture -> (exit code, the exact report)
EXPECTED: dict[str, tuple[int, list[str]]] = {
    "clean": (
        0,
        ["lint-clean: 0 errors, 0 warnings; quotes checked against seeds/clean.txt"],
    ),
    "band-gap": (
        1,
        [
            "band-gap/pack.toml: scales[0] (rating.stars).bands[2]: error: band 4 follows "
            "band 2: no band 3 (a gap in the bands) [band-gap]",
            "lint-band-gap: 1 error, 0 warnings",
        ],
    ),
    "band-overlap": (
        1,
        [
            "band-overlap/pack.toml: scales[0] (rating.stars).bands[2]: error: band 3 starts "
            "at 700, the same threshold as band 2 at 700: the bands overlap (thresholds must "
            "rise with the band value) [band-overlap]",
            "lint-band-overlap: 1 error, 0 warnings",
        ],
    ),
    "uncited-rule": (
        2,
        [
            "uncited-rule/pack.toml: rules[0]: error: every rule cites its clause and quotes "
            "the document [load]",
            "uncited-rule: 1 error, 0 warnings (the pack does not load)",
        ],
    ),
    "uncited-scale": (
        1,
        [
            "uncited-scale/pack.toml: scales[0] (rating.stars): error: no quote: cite the "
            "clause and quote it [citation]",
            "lint-uncited-scale: 1 error, 0 warnings",
        ],
    ),
    "quote-not-in-seed": (
        1,
        [
            "quote-not-in-seed/pack.toml: rules[0] (staff.enough): error: the quote is not in "
            "the source document quote-not-in-seed.txt (whitespace ignored): it matches up to "
            "“区配备专职工作人员不少于” and then reads “5人。” [quote-in-source]",
            "lint-quote-not-in-seed: 1 error, 0 warnings; "
            "quotes checked against seeds/quote-not-in-seed.txt",
        ],
    ),
    "unused-parameter": (
        0,
        [
            "unused-parameter/pack.toml: parameters.min_households: warning: never used by a "
            "rule, scale, band, derived fact, output, aggregate, deadline or the hooks module "
            "[unused-parameter]",
            "lint-unused-parameter: 0 errors, 1 warning",
        ],
    ),
    "never-holds": (
        0,
        [
            "never-holds/pack.toml: rules[1] (staff.trained).when: warning: can never hold: "
            "no value of staff.count satisfies staff.count ≥ 10 and staff.count < 5 "
            "[never-holds]",
            "lint-never-holds: 0 errors, 1 warning",
        ],
    ),
    "out-of-range": (
        0,
        [
            "out-of-range/pack.toml: rules[1] (survey.high).require: warning: can never hold: "
            "happiness.survey_score > 300, but happiness.survey_score is between 0 and 300 "
            "[never-holds]",
            "lint-out-of-range: 0 errors, 1 warning",
        ],
    ),
    "unreachable-band": (
        1,
        [
            "unreachable-band/pack.toml: scales[0] (rating.stars).bands[1]: error: band 2 "
            "(二星级) needs happiness.total_score ≥ 1100, but happiness.total_score can reach "
            "at most 1000 (= happiness.objective_score + happiness.survey_score; "
            "happiness.objective_score ≤ 700, happiness.survey_score ≤ 300): the band is "
            "unreachable [unreachable-band]",
            "lint-unreachable-band: 1 error, 0 warnings",
        ],
    ),
    "duplicate-dated-values": (
        1,
        [
            "duplicate-dated-values/pack.toml: parameters.min_staff.values[1]: error: since "
            "2020-01-01 is also values[0]'s: two values overlap on that date [dated-values]",
            "lint-duplicate-dated-values: 1 error, 0 warnings",
        ],
    ),
    "binding-guideline": (
        0,
        [
            "binding-guideline/pack.toml: rules[1] (size.households): warning: binding, but "
            "its quote says “原则上” (a guideline or a goal): set binding = false to report it "
            "as advisory [advisory-wording]",
            "lint-binding-guideline: 0 errors, 1 warning",
        ],
    ),
    "unknown-fact": (
        1,
        [
            "unknown-fact/pack.toml: rules[0] (staff.enough).require: error: 'staff.headcount' "
            "is not a known fact in 'staff.headcount ≥ params.min_staff' [compile]",
            "lint-unknown-fact: 1 error, 0 warnings",
        ],
    ),
}


def run_lint(*args: str) -> tuple[int, str, str]:
    """``policyengine lint ARGS``: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_pack(folder: Path, body: str, pack_id: str = "lint-tmp") -> Path:
    """A pack folder with the usual header and ``body``."""
    folder.mkdir(parents=True, exist_ok=True)
    header = f"""\
        [pack]
        id = "{pack_id}"
        version = "1"
        title = "临时"
        title_en = "Temporary"
        region = "测试"

        [pack.source]
        title = "测试文件"
        issuer = ["测试机关"]
        date = 2020-01-01
        """
    text = textwrap.dedent(header) + textwrap.dedent(body)
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from tests/fixtures/lint."""
    monkeypatch.chdir(LINT_FIXTURES)
    return LINT_FIXTURES


class TestFixtures:
    def test_every_fixture_is_expected(self) -> None:
        """Each fixture folder has its expected report here, and the other way round."""
        folders = {p.parent.name for p in LINT_FIXTURES.glob("*/pack.toml")}
        assert folders == set(EXPECTED)

    @pytest.mark.parametrize("name", sorted(EXPECTED))
    def test_report(self, in_fixtures: Path, name: str) -> None:
        """The exact report lines and exit code of each fixture."""
        code, out, _ = run_lint(name, "--seeds", "seeds")
        expected_code, lines = EXPECTED[name]
        assert out.splitlines() == lines
        assert code == expected_code

    def test_several_packs_have_a_total(self, in_fixtures: Path) -> None:
        """Linting several packs adds a total line; the worst exit code wins."""
        code, out, _ = run_lint("clean", "band-gap", "never-holds", "--seeds", "seeds")
        assert out.splitlines()[-1] == "3 packs: 1 error, 1 warning"
        assert code == 1
        code, _, _ = run_lint("clean", "uncited-rule", "--seeds", "seeds")
        assert code == 2

    def test_json(self, in_fixtures: Path) -> None:
        """--format json: every problem with file, item, severity, check and message."""
        code, out, _ = run_lint("band-gap", "clean", "--seeds", "seeds", "--format", "json")
        data = json.loads(out)
        assert code == 1
        assert (data["errors"], data["warnings"]) == (1, 0)
        gap, clean = data["packs"]
        assert gap["pack"] == "lint-band-gap"
        assert gap["problems"] == [
            {
                "file": "band-gap/pack.toml",
                "item": "scales[0] (rating.stars).bands[2]",
                "severity": "error",
                "check": "band-gap",
                "message": "band 4 follows band 2: no band 3 (a gap in the bands)",
            }
        ]
        assert clean["seed"] == "seeds/clean.txt"
        assert clean["problems"] == []

    def test_seed_not_found(self, in_fixtures: Path, tmp_path: Path) -> None:
        """Without the seed no quote can be checked: lint fails and says what to supply."""
        code, out, _ = run_lint("quote-not-in-seed", "--seeds", str(tmp_path))
        assert code == 1
        lines = out.splitlines()
        assert any("pack.source: error: the source document's text (quote-not-in-seed.txt)"
                   in line and "[quote-in-source]" in line for line in lines)
        assert lines[-1] == (
            "lint-quote-not-in-seed: 1 error, 0 warnings; seed quote-not-in-seed.txt not "
            "found: quotes not checked (--seeds DIR)"
        )

    def test_seed_in_the_pack_folder(self, tmp_path: Path) -> None:
        """The seed is also looked for in the pack folder."""
        folder = tmp_path / "pack"
        folder.mkdir()
        for name in ("pack.toml",):
            text = (LINT_FIXTURES / "quote-not-in-seed" / name).read_text(encoding="utf-8")
            (folder / name).write_text(text, encoding="utf-8")
        seed = (LINT_FIXTURES / "seeds" / "quote-not-in-seed.txt").read_text(encoding="utf-8")
        (folder / "quote-not-in-seed.txt").write_text(seed, encoding="utf-8")
        report = lint.lint_path(folder, seeds=[])
        assert [p.check for p in report.problems] == ["quote-in-source"]
        assert report.seed == folder / "quote-not-in-seed.txt"


class TestChecks:
    def test_hooks_module_reading_a_parameter_uses_it(self, tmp_path: Path) -> None:
        """params["x"] or params.get("x") in the hooks module counts as a use."""
        body = """\
            hooks = "hooks.py"

            [parameters.read_by_hook]
            title = "钩子读取"
            clause = "一"
            quote = "测试。"
            value = 1

            [parameters.read_with_get]
            title = "钩子读取"
            clause = "一"
            quote = "测试。"
            value = 2

            [parameters.unread]
            title = "无人读取"
            clause = "一"
            quote = "测试。"
            value = 3
            """
        folder = write_pack(tmp_path / "hooked", "")
        text = (folder / "pack.toml").read_text(encoding="utf-8")
        text = text.replace('region = "测试"\n', 'region = "测试"\n' + textwrap.dedent(body))
        (folder / "pack.toml").write_text(text, encoding="utf-8")
        (folder / "hooks.py").write_text(
            "def total(params):\n"
            "    return params[\"read_by_hook\"] + params.get('read_with_get', 0)\n",
            encoding="utf-8",
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.check) for p in report.problems] == [
            ("parameters.unread", "unused-parameter")
        ]

    def test_programme_years(self, tmp_path: Path) -> None:
        """Programme-year values outside 1..years, or given twice, are errors."""
        folder = write_pack(
            tmp_path / "prog",
            """\
            [parameters.start_year]
            title = "第一年"
            source = "the pack's reading"
            value = 2008

            [parameters.share]
            title = "比例"
            values = [
              { year = 1, value = 0.4, clause = "二", quote = "测试。" },
              { year = 1, value = 0.6, clause = "二", quote = "测试。" },
              { year = 4, value = 0.8, clause = "二", quote = "测试。" },
            ]

            [[rules]]
            id = "share"
            title = "比例"
            clause = "二"
            quote = "测试。"
            require = "services.resident_satisfaction >= params.share"
            """,
        )
        text = (folder / "pack.toml").read_text(encoding="utf-8")
        text = text.replace(
            "\n[pack.source]",
            '\n[pack.programme]\nstart_parameter = "start_year"\nyears = 3\n\n[pack.source]',
        )
        (folder / "pack.toml").write_text(text, encoding="utf-8")
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.message) for p in report.problems] == [
            ("parameters.share.values[1]", "year 1 is also given by values[0]"),
            ("parameters.share.values[2]", "year 4 is outside the programme's years 1..3"),
        ]

    def test_dated_values_out_of_order(self, tmp_path: Path) -> None:
        """A dated value listed before an earlier one is an error."""
        folder = write_pack(
            tmp_path / "order",
            """\
            [parameters.area]
            title = "面积"
            clause = "一"
            quote = "测试。"
            values = [{ since = 2022-01-01, value = 300 }, { since = 2021-01-01, value = 200 }]

            [[rules]]
            id = "area"
            title = "面积"
            clause = "一"
            quote = "测试。"
            require = "spaces.service_area_m2 >= params.area"
            """,
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.severity, p.message) for p in report.problems] == [
            (
                "parameters.area.values[1]",
                "error",
                "since 2021-01-01 comes before values[0]'s 2022-01-01: list dated values in "
                "date order",
            )
        ]

    def test_bands_overlapping_on_a_date(self, tmp_path: Path) -> None:
        """Thresholds from dated parameters are compared on each date a value starts."""
        folder = write_pack(
            tmp_path / "dated-bands",
            """\
            [parameters.one]
            title = "一档"
            clause = "一"
            quote = "测试。"
            values = [{ since = 2020-01-01, value = 10 }, { since = 2021-01-01, value = 30 }]

            [parameters.two]
            title = "二档"
            clause = "一"
            quote = "测试。"
            value = 20

            [[scales]]
            id = "rating"
            title = "评级"
            clause = "一"
            quote = "测试。"
            input = "staff.count"
            output = "level"
            bands = [
              { value = 1, min = "params.one" },
              { value = 2, min = "params.two" },
            ]
            """,
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.message) for p in report.problems] == [
            (
                "scales[0] (rating).bands[1]",
                "band 2 starts at params.two = 20, below band 1 at params.one = 30 "
                "(from 2021-01-01): the bands overlap (thresholds must rise with the band "
                "value)",
            )
        ]

    @pytest.mark.parametrize(
        ("condition", "why"),
        [
            (
                "services.resident_satisfaction > 1",
                "services.resident_satisfaction > 1, but services.resident_satisfaction is "
                "between 0 and 1",
            ),
            (
                "count(happiness.vetoes) < 0",
                "count(happiness.vetoes) < 0, but count(happiness.vetoes) is at least 0",
            ),
            (
                "staff.count > 2 and staff.count < 3",
                "no value of staff.count satisfies staff.count > 2 and staff.count < 3",
            ),
            (
                'community.kind == "urban" and community.kind == "rural"',
                "no value of "
                'community.kind satisfies community.kind == "urban" and community.kind == "rural"',
            ),
            (
                "organization.party_org and not organization.party_org",
                "no value of "
                "organization.party_org satisfies organization.party_org and "
                "organization.party_org == false",
            ),
        ],
    )
    def test_never_holds(self, tmp_path: Path, condition: str, why: str) -> None:
        """Contradictions over one fact, and values outside the vocabulary's range."""
        folder = write_pack(
            tmp_path / "never",
            f"""\
            [[rules]]
            id = "never"
            title = "测试"
            clause = "一"
            quote = "测试。"
            require = '{condition}'
            """,
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.message) for p in report.problems] == [
            ("rules[0] (never).require", f"can never hold: {why}")
        ]

    @pytest.mark.parametrize(
        "condition",
        [
            "staff.count >= 10 or staff.count < 5",
            "services.resident_satisfaction >= 1",
            "staff.count * 400 >= community.households",
            "happiness.survey_score <= 300 and happiness.objective_score > 0",
            'community.kind in ["urban", "rural"] and community.kind != "urban"',
        ],
    )
    def test_conditions_that_can_hold(self, tmp_path: Path, condition: str) -> None:
        """No warning for a condition some facts satisfy."""
        folder = write_pack(
            tmp_path / "can",
            f"""\
            [[rules]]
            id = "can"
            title = "测试"
            clause = "一"
            quote = "测试。"
            require = '{condition}'
            """,
        )
        assert lint.lint_path(folder, seeds=[]).problems == ()

    def test_checks_that_repeat_load_checks(self) -> None:
        """On a pack built in code (past load_pack's checks): a parameter without value or
        source, an uncited rule and a repeated id are still found."""
        pack = load_pack(LINT_FIXTURES / "clean")
        param = attrs.evolve(pack.parameters["min_staff"], values=(), source=None)
        rule = attrs.evolve(pack.rules[0], quote=" ")
        built = attrs.evolve(
            pack,
            parameters={"min_staff": param},
            rules=(rule, attrs.evolve(rule, quote="测试。")),
        )
        found = {
            name: [(i.item, i.message) for i in check(lint.PackLint(built))]
            for name, check in lint.CHECKS.items()
        }
        assert found["parameter-value"] == [
            (
                "parameters.min_staff",
                'no value and no source: give the value, or source = "not stated in the document"',
            )
        ]
        assert found["citation"] == [
            ("rules[0] (staff.enough)", "no quote: cite the clause and quote it")
        ]
        assert found["unique-names"] == [
            ("rules[1] (staff.enough)", "the id 'staff.enough' is also rules[0] (staff.enough)'s")
        ]

    def test_every_check_is_documented(self) -> None:
        """Each check has a docstring and a line in the module docstring's table."""
        doc = lint.__doc__ or ""
        for name, check in lint.CHECKS.items():
            assert (check.__doc__ or "").strip(), name
            assert f"``{name}``" in doc, name
        assert "``load``" in doc
        assert "``compile``" in doc


class TestStructureChecks:
    def test_hook_rule_without_hooks(self, tmp_path: Path) -> None:
        """A hook rule in a pack without a hooks module can never be decided."""
        folder = write_pack(
            tmp_path / "hookless",
            """\
            [[rules]]
            id = "by-hook"
            title = "由钩子判断"
            clause = "一"
            quote = "测试。"
            kind = "hook"
            """,
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.check, p.severity) for p in report.problems] == [
            ("rules[0] (by-hook)", "hooks", "error")
        ]

    def test_phases_and_deadlines(self, tmp_path: Path) -> None:
        """Overlapping phases and a gap warn; a deadline ending before it starts is an error."""
        folder = write_pack(
            tmp_path / "dates",
            """\
            [[phases]]
            id = "one"
            title = "一"
            start = 2020-01-01
            end = 2020-06-30
            clause = "三"
            quote = "测试。"

            [[phases]]
            id = "two"
            title = "二"
            start = 2020-06-01
            end = 2020-12-31
            clause = "三"
            quote = "测试。"

            [[phases]]
            id = "three"
            title = "三"
            start = 2021-03-01
            end = 2021-12-31
            clause = "三"
            quote = "测试。"

            [[deadlines]]
            id = "monthly"
            title = "每月报送"
            clause = "三"
            quote = "测试。"
            kind = "monthly"
            day = 24
            start = 2021-06-01
            end = 2021-01-31
            evidence = "reporting.monthly_reports"
            """,
        )
        report = lint.lint_path(folder, seeds=[])
        assert [(p.item, p.severity, p.message) for p in report.problems] == [
            ("phases[1] (two)", "warning", "starts 2020-06-01, before one ends 2020-06-30"),
            ("phases[2] (three)", "warning", "starts 2021-03-01: a gap after two ends 2020-12-31"),
            ("deadlines[0] (monthly)", "error", "start 2021-06-01 is after end 2021-01-31"),
        ]

    def test_distribution_entry_point(self, tmp_path: Path) -> None:
        """A distribution whose entry point does not name the package is an error."""
        output = tmp_path / "dist"
        out = io.StringIO()
        assert main(["new-pack", "a-b", "--region", "r", "--document", "d", "--output",
                     str(output)], stdout=out, stderr=out) == 0  # fmt: skip
        assert lint.lint_path(output, seeds=[]).errors == 0
        pyproject = output / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text.replace('a-b = "policyengine_pack_a_b"', 'a-b = "other"'))
        report = lint.lint_path(output, seeds=[])
        errors = [p.line() for p in report.problems if p.severity == "error"]
        assert errors == [
            f"{pyproject}: project.entry-points.policyengine: error: no entry point names the "
            "package 'policyengine_pack_a_b', so the installed pack is never found: "
            'a-b = "policyengine_pack_a_b" [distribution]'
        ]


class TestCommand:
    def test_not_a_pack(self, tmp_path: Path) -> None:
        """A folder without pack.toml does not load: exit 2, the message names it."""
        code, out, _ = run_lint(str(tmp_path))
        assert code == 2
        assert f"{tmp_path}: error: " in out

    def test_unknown_pack_id(self) -> None:
        """An id no installed pack has: exit 3, naming the installed packs."""
        code, _, err = run_lint("no-such-pack")
        assert code == 3
        assert "unknown pack 'no-such-pack'" in err

    def test_installed_pack_by_id(self) -> None:
        """An installed pack is linted by its id."""
        code, out, _ = run_lint("wuma-star-rating", *_seeds())
        assert out.splitlines()[-1].startswith("wuma-star-rating: 0 errors, 0 warnings")
        assert code == 0

    def test_every_installed_pack(self) -> None:
        """No argument: every installed pack, Wuma among them."""
        _, out, _ = run_lint(*_seeds())
        assert any(line.startswith("wuma-star-rating: 0 errors") for line in out.splitlines())

    def test_all_names_every_installed_pack(self) -> None:
        """``lint all`` means what ``--pack all`` and ``test all`` mean: every installed pack,
        as with no argument (it was an unknown pack, exit 3)."""
        code, out, _ = run_lint("all", *_seeds())
        assert (code, out) == run_lint(*_seeds())[:2]
        assert any(line.startswith("wuma-star-rating: 0 errors") for line in out.splitlines())


def _seeds() -> list[str]:
    return ["--seeds", str(SHARED_SEEDS)] if SHARED_SEEDS.is_dir() else []


def test_wuma_lints_clean() -> None:
    """The Wuma pack: no error and no warning, its quotes checked when the seeds are here."""
    report = lint.lint_path(PACKS / "wuma-star-rating", seeds=[SHARED_SEEDS])
    assert report.loaded
    assert [p.line() for p in report.problems] == []
    # the pack's own copy of its document, identical to the seed it was read from
    own = PACKS / "wuma-star-rating" / "policyengine_pack_wuma_star_rating" / "source.txt"
    assert report.seed == own
    if SHARED_SEEDS.is_dir():
        seed = SHARED_SEEDS / "002_54cc09fc7a9f31d5.txt"
        assert own.read_text(encoding="utf-8") == seed.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "folder", sorted(p.name for p in PACKS.iterdir() if (p / "pyproject.toml").is_file())
)
def test_bundled_packs_have_no_errors(folder: str) -> None:
    """Every pack under policy_packs/ loads and lints without an error."""
    report = lint.lint_path(PACKS / folder, seeds=[SHARED_SEEDS])
    errors = [p.line() for p in report.problems if p.severity == "error"]
    assert report.loaded, errors
    assert errors == []


class TestShippedSourceText:
    """A pack ships its document's text (``[pack.source] text``): lint checks every quote
    against it wherever the pack is installed, and fails when the text is missing."""

    def test_bundled_pack_checks_its_own_text(self, tmp_path: Path) -> None:
        """A copy of a bundled pack, away from the repository, checks its quotes."""
        import shutil

        src = Path(__file__).parent.parent / "policy_packs" / "wuma-star-rating"
        folder = tmp_path / "pack"
        shutil.copytree(src / "policyengine_pack_wuma_star_rating", folder)
        report = lint.lint_path(folder, seeds=[])
        assert report.seed == folder / "source.txt"
        assert not [p for p in report.problems if p.severity == "error"]

    def test_missing_text_fails(self, tmp_path: Path) -> None:
        """Without its text the pack cannot be checked: an error, not a silent pass."""
        import shutil

        src = Path(__file__).parent.parent / "policy_packs" / "wuma-star-rating"
        folder = tmp_path / "pack"
        shutil.copytree(src / "policyengine_pack_wuma_star_rating", folder)
        (folder / "source.txt").unlink()
        report = lint.lint_path(folder, seeds=[])
        errors = [p for p in report.problems if p.severity == "error"]
        assert [(p.item, p.check) for p in errors] == [("pack.source", "quote-in-source")]


def test_english_titles_given_to_some_items_only(tmp_path: Path) -> None:
    """A pack that gives English titles gives one to every rule and scale: the one left
    without is named; a pack whose items have none is not warned."""
    rules = """\
        [[rules]]
        id = "staff.enough"
        title = "社区专职工作人员不少于3人"
        {en}clause = "一"
        quote = "测试。"
        require = "staff.count >= 3"

        [[rules]]
        id = "staff.trained"
        title = "专职工作人员培训"
        clause = "一"
        quote = "测试。"
        require = "staff.trained_this_year >= 1"
        """
    some = write_pack(tmp_path / "some", rules.replace("{en}", 'title_en = "Enough staff"\n'))
    none = write_pack(tmp_path / "none", rules.replace("{en}", ""))
    found = [
        (p.item, p.severity) for p in lint.lint_path(some, seeds=[]).problems
        if p.check == "english-titles"
    ]
    assert [("rules[1] (staff.trained)", "warning")] == found
    assert [] == [
        p for p in lint.lint_path(none, seeds=[]).problems if p.check == "english-titles"
    ]
