"""The command line (results.md): run in-process through ``policyengine.cli.main``.

Exit codes: 0 pass/not_applicable, 1 fail/incomplete, 2 bad input (nothing written to
``--output``), 3 unknown pack.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import json
from pathlib import Path

import attrs
import pytest

from policyengine.cli import main


@attrs.frozen
class Run:
    """What one command-line run gave."""

    code: int
    out: str
    err: str


def cli(*argv: str, stdin: str = "") -> Run:
    """Run ``policyengine ARGV`` with in-memory streams."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def evaluate(*argv: str, stdin: str = "") -> Run:
    """``policyengine evaluate ARGV --pack wuma-star-rating --as-of 2014-12-31``."""
    return cli("evaluate", *argv, "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
               stdin=stdin)


TESTS = Path(__file__).resolve().parent
FIXTURE_FACTS = TESTS / "fixtures" / "facts"
EXAMPLE = str(TESTS.parent / "examples" / "wuma-community.toml")
RESULT_KEYS = {"pack", "engine", "subject", "as_of", "verdict", "findings", "outputs", "gaps"}
FINDING_KEYS = {"rule", "outcome", "title", "clause", "quote", "responsible", "inputs",
                "expected", "actual", "message"}


class TestPacks:
    """``policyengine packs`` lists the installed packs."""

    def test_lists_wuma(self):
        """The table names the Wuma pack, its version and region."""
        run = cli("packs")
        assert 0 == run.code
        assert any(line.startswith("wuma-star-rating  2013.1  浙江省温州市鹿城区五马街道")
                   for line in run.out.splitlines())

    def test_json(self):
        """``--format json`` lists the pack with its source document."""
        run = cli("packs", "--format", "json")
        rows = {row["id"]: row for row in json.loads(run.out)}
        wuma = rows["wuma-star-rating"]
        assert (0, "2013-04-10") == (run.code, wuma["source"]["date"])
        assert wuma["digest"].startswith("sha256:")


class TestEvaluate:
    """``policyengine evaluate`` and its exit codes."""

    def test_example_passes(self):
        """The example community (772 points, promoted ★★→★★★) passes: exit 0."""
        run = evaluate(EXAMPLE)
        assert (0, "") == (run.code, run.err)
        assert "墨池社区" in run.out
        assert "结论：通过" in run.out

    def test_json_has_the_results_shape(self):
        """``--format json`` prints the results.md object."""
        run = evaluate(EXAMPLE, "--format", "json")
        data = json.loads(run.out)
        assert RESULT_KEYS == set(data)
        assert {"id": "wm-001", "name": "墨池社区", "level": "community"} == data["subject"]
        assert ("2014-12-31", "pass") == (data["as_of"], data["verdict"])
        assert all(FINDING_KEYS <= set(f) for f in data["findings"])
        # 540 + 232 = 772 → 三星级 (四(四)); from 二星级: 再奖励 5万 (四(六)).
        assert (772, 3, 50_000) == (data["outputs"]["total_score"], data["outputs"]["stars"],
                                    data["outputs"]["reward_yuan"])

    def test_failing_community_exits_1(self):
        """A vetoed community fails: exit 1."""
        run = evaluate(str(FIXTURE_FACTS / "failing.toml"), "--format", "json")
        assert (1, "fail") == (run.code, json.loads(run.out)["verdict"])

    def test_incomplete_community_exits_1(self):
        """A community without its vetoes is incomplete: exit 1."""
        run = evaluate(str(FIXTURE_FACTS / "incomplete.toml"), "--format", "json")
        assert (1, "incomplete") == (run.code, json.loads(run.out)["verdict"])

    def test_not_applicable_exits_0(self):
        """Before the document's date the verdict is not_applicable: exit 0."""
        run = cli("evaluate", EXAMPLE, "--pack", "wuma-star-rating", "--as-of", "2013-01-01",
                  "--format", "json")
        assert (0, "not_applicable") == (run.code, json.loads(run.out)["verdict"])

    def test_bad_facts_exit_2_naming_file_path_and_value(self, tmp_path):
        """Each problem names the file, the field path and the value; --output is not created."""
        bad = FIXTURE_FACTS / "bad.toml"
        output = tmp_path / "out.json"
        run = evaluate(str(bad), "--format", "json", "--output", str(output), "--lang", "en")
        assert 2 == run.code
        assert [
            f"{bad}: happiness.objective_score: 720 is above the maximum 700",
            f'{bad}: happiness.survey_score: "12" is not a number',
        ] == run.err.splitlines()
        # without --lang, in Chinese (results.md "Language": zh by default)
        run = evaluate(str(bad), "--format", "json", "--output", str(output))
        assert 2 == run.code
        assert [
            f"{bad}: happiness.objective_score：720 超过上限 700",
            f'{bad}: happiness.survey_score："12" 不是数字',
        ] == run.err.splitlines()
        assert not output.exists()
        assert [] == list(tmp_path.iterdir())

    def test_output_file_is_written(self, tmp_path):
        """With good facts, --output receives the JSON and stdout stays empty."""
        output = tmp_path / "out.json"
        run = evaluate(EXAMPLE, "--format", "json", "--output", str(output))
        assert (0, "") == (run.code, run.out)
        assert "wm-001" == json.loads(output.read_text(encoding="utf-8"))["subject"]["id"]

    @pytest.mark.parametrize(
        ("suffix", "starts"),
        [(".json", "{"), (".jsonl", '{"pack"'), (".csv", "subject_id,pack,"), (".md", "#"),
         (".html", "<!doctype html>"), (".txt", "社区 墨池社区（wm-001）")],
    )
    def test_without_format_the_output_extension_names_it(self, tmp_path, suffix, starts):
        """``--output results.csv`` writes CSV, not the terminal table under a .csv name;
        an extension that names no format gets the terminal table."""
        output = tmp_path / f"results{suffix}"
        run = evaluate(EXAMPLE, "--output", str(output))
        assert (0, "") == (run.code, run.out)
        assert output.read_text(encoding="utf-8").startswith(starts)

    def test_report_and_gap_take_the_format_from_the_output_extension(self, tmp_path):
        """``report --output r.docx`` is a Word file, ``gap --output g.json`` is JSON."""
        docx, gaps = tmp_path / "report.docx", tmp_path / "gaps.json"
        args = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
        assert 0 == cli("report", EXAMPLE, *args, "--output", str(docx)).code
        assert docx.read_bytes().startswith(b"PK\x03\x04")  # a zip: the Word package
        cli("gap", EXAMPLE, *args, "--output", str(gaps))
        assert {"区文明委", "市文明委"} <= set(json.loads(gaps.read_text(encoding="utf-8")))

    def test_output_that_is_an_input_is_refused(self, tmp_path):
        """Writing the results over an input would destroy it while it is read: exit 2, the
        input untouched."""
        table = tmp_path / "communities.csv"
        table.write_text("community.id,community.households\nc1,120\n", encoding="utf-8")
        before = table.read_bytes()
        for option in ("--output", "--errors"):
            run = evaluate(str(table), option, str(table))
            assert 2 == run.code
            assert f"{option} {table}：也是输入文件" in run.err  # Chinese by default
            assert before == table.read_bytes()

    @pytest.mark.parametrize("name", ["malformed.toml", "malformed.json"])
    def test_malformed_file_exits_2(self, name):
        """A syntax error exits 2 with a message naming the file."""
        path = FIXTURE_FACTS / name
        run = evaluate(str(path))
        assert (2, "") == (run.code, run.out)
        assert str(path) in run.err

    def test_missing_file_exits_2(self, tmp_path):
        """A file that does not exist exits 2 naming it."""
        path = tmp_path / "nope.toml"
        run = evaluate(str(path))
        assert 2 == run.code
        assert str(path) in run.err

    def test_unknown_pack_exits_3(self):
        """An unknown pack id exits 3 and lists the installed packs."""
        run = cli("evaluate", EXAMPLE, "--pack", "no-such-pack")
        assert 3 == run.code
        assert "no-such-pack" in run.err
        assert "wuma-star-rating" in run.err

    @pytest.mark.parametrize("name", ["", " "])
    def test_an_empty_pack_id_is_an_unknown_pack_not_this_folder(self, name):
        """``--pack ""`` (an id left empty, as a script's unset variable gives) is an unknown
        pack, exit 3: not the current folder read as a pack folder."""
        run = cli("evaluate", EXAMPLE, "--pack", name, "--lang", "en")
        assert 3 == run.code
        assert "unknown pack" in run.err and "wuma-star-rating" in run.err

    def test_pack_folder(self):
        """``--pack FOLDER`` evaluates against a pack that is not installed."""
        folder = str(TESTS / "fixtures" / "packs" / "conditions")
        run = cli("evaluate", EXAMPLE, "--pack", folder, "--format", "json", "--as-of",
                  "2020-01-01")
        assert "fixture-conditions" == json.loads(run.out)["pack"]["id"]

    def test_stdin_json(self):
        """``-`` reads one JSON document from standard input."""
        facts = {"community": {"id": "from-stdin",
                               "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
                 "happiness": {"objective_score": 700, "survey_score": 300, "vetoes": [],
                               "previous_stars": 4}}
        run = evaluate("-", "--format", "json", stdin=json.dumps(facts))
        data = json.loads(run.out)
        assert (0, "from-stdin", 5, 200_000) == (run.code, data["subject"]["id"],
                                                 data["outputs"]["stars"],
                                                 data["outputs"]["reward_yuan"])

    def test_stdin_batch_with_one_bad_record(self):
        """In a JSON list the bad record is reported at ``[1]``; by default the run fails: exit 2."""
        text = (FIXTURE_FACTS / "batch.json").read_text(encoding="utf-8")
        run = evaluate("-", "--format", "json", "--lang", "en", stdin=text)
        assert 2 == run.code
        assert "<stdin>[1]: community.households: -5 is below the minimum 0" == (
            run.err.splitlines()[0])

    def test_stdin_batch_skipping_the_bad_record(self):
        """With ``--on-bad-record skip`` the others are evaluated and written; exit still 2."""
        text = (FIXTURE_FACTS / "batch.json").read_text(encoding="utf-8")
        run = evaluate("-", "--format", "json", "--on-bad-record", "skip", "--lang", "en",
                       stdin=text)
        assert 2 == run.code
        assert "<stdin>[1]: community.households: -5 is below the minimum 0" == (
            run.err.splitlines()[0])
        data = json.loads(run.out)
        assert [("batch-0", 5), ("batch-2", 0)] == [
            (r["subject"]["id"], r["outputs"]["stars"]) for r in data]

    def test_file_batch_names_the_file_and_position(self):
        """A batch file's bad record is reported as ``FILE[1]``."""
        path = FIXTURE_FACTS / "batch.json"
        run = evaluate(str(path), "--format", "json")
        assert 2 == run.code
        assert run.err.startswith(f"{path}[1]: community.households：")

    def test_batch_with_bad_record_writes_nothing(self, tmp_path):
        """A partly bad batch fails as a whole by default: exit 2 and no --output file."""
        output = tmp_path / "out.json"
        run = evaluate(str(FIXTURE_FACTS / "batch.json"), "--format", "json",
                       "--output", str(output))
        assert 2 == run.code
        assert "[1]" in run.err
        assert [] == list(tmp_path.iterdir())

    def test_batch_with_bad_record_skipped_writes_the_good_ones(self, tmp_path):
        """``--on-bad-record skip`` writes the good records to --output and exits 2."""
        output = tmp_path / "out.json"
        run = evaluate(str(FIXTURE_FACTS / "batch.json"), "--format", "json",
                       "--output", str(output), "--on-bad-record", "skip")
        assert 2 == run.code
        written = json.loads(output.read_text(encoding="utf-8"))
        assert ["batch-0", "batch-2"] == [r["subject"]["id"] for r in written]

    def test_output_in_a_missing_folder_exits_2(self, tmp_path):
        """An --output path whose folder does not exist is bad input: exit 2 with a message."""
        output = tmp_path / "missing" / "out.json"
        run = evaluate(EXAMPLE, "--format", "json", "--output", str(output))
        assert 2 == run.code
        assert str(output.parent) in run.err

    def test_several_packs_give_a_list(self):
        """Two ``--pack`` options give a JSON list with one result per pack."""
        folder = str(TESTS / "fixtures" / "packs" / "conditions")
        run = cli("evaluate", EXAMPLE, "--pack", "wuma-star-rating", "--pack", folder,
                  "--format", "json", "--as-of", "2014-12-31")
        assert ["wuma-star-rating", "fixture-conditions"] == [
            r["pack"]["id"] for r in json.loads(run.out)]

    def test_jurisdiction_document(self):
        """A jurisdiction document gives a nested result with its communities."""
        run = evaluate(str(FIXTURE_FACTS / "jurisdiction.toml"), "--format", "json")
        data = json.loads(run.out)
        assert ("jurisdiction", ["inline-0", "inc-a", "inc-b"]) == (
            data["subject"]["level"], [c["subject"]["id"] for c in data["communities"]])
        # inline-0 has no scores at all, so the roll-up cannot pass.
        assert (1, "incomplete") == (run.code, data["verdict"])


class TestFormats:
    """The built-in output formats."""

    def test_markdown(self):
        """Markdown has a heading for the community, a findings table and the verdict."""
        run = evaluate(EXAMPLE, "--format", "markdown")
        assert 0 == run.code
        assert "## 墨池社区（wm-001）— 五马街道“幸福社区”星级创建 2013.1" in run.out
        assert "| 结果 | 条款 | 要求 | 说明 | 责任单位 |" in run.out
        assert "四(四)" in run.out

    def test_markdown_quotes_failed_clauses(self):
        """For a failing community the markdown quotes the clause it fails (四(一))."""
        run = evaluate(str(FIXTURE_FACTS / "failing.toml"), "--format", "markdown")
        quote = "申报的社区在班子建设、综治、计划生育等方面没有被“一票否决”事项。"
        assert f"四(一)：“{quote}”" in run.out

    def test_html(self):
        """HTML is a standalone page with escaped text and one row per finding."""
        run = evaluate(EXAMPLE, "--format", "html")
        assert 0 == run.code
        assert run.out.startswith("<!doctype html>")
        assert run.out.rstrip().endswith("</html>")
        findings = json.loads(evaluate(EXAMPLE, "--format", "json").out)["findings"]
        assert len(findings) == run.out.count('<tr class="')
        assert "墨池社区" in run.out

    def test_unknown_format_exits_2(self):
        """``--format nope`` exits 2 and lists the formats."""
        run = evaluate(EXAMPLE, "--format", "nope")
        assert (2, "") == (run.code, run.out)
        for name in ("table", "json", "markdown", "html"):
            assert name in run.err

    def test_bad_date_exits_2(self, capsys):
        """``--as-of`` that is not a date is a usage error: exit 2."""
        run = cli("evaluate", EXAMPLE, "--pack", "wuma-star-rating", "--as-of", "31/12/2014")
        assert 2 == run.code
        assert "--as-of '31/12/2014' 不是日期，请写作 YYYY-MM-DD" in run.err + capsys.readouterr().err


class TestValidate:
    """``policyengine validate`` reports every problem."""

    def test_valid_documents_exit_0(self):
        """Valid TOML and JSON documents are listed as ok."""
        run = cli("validate", EXAMPLE, str(FIXTURE_FACTS / "valid.json"))
        assert (0, ["ok: community wm-001", "ok: community wm-json"], "") == (
            run.code, run.out.splitlines(), run.err)

    def test_bad_document_exits_2_listing_every_problem(self):
        """Every problem of a bad document is listed, the good one still reported ok."""
        bad = FIXTURE_FACTS / "bad.toml"
        run = cli("validate", str(bad), EXAMPLE, "--lang", "en")
        assert (2, ["ok: community wm-001"]) == (run.code, run.out.splitlines())
        assert [
            f"{bad}: happiness.objective_score: 720 is above the maximum 700",
            f'{bad}: happiness.survey_score: "12" is not a number',
        ] == run.err.splitlines()

    def test_problems_in_chinese_by_default(self):
        """Without --lang the problems are in Chinese, the field path as written."""
        bad = FIXTURE_FACTS / "bad.toml"
        run = cli("validate", str(bad), EXAMPLE)
        assert (2, ["ok: community wm-001"]) == (run.code, run.out.splitlines())
        assert [
            f"{bad}: happiness.objective_score：720 超过上限 700",
            f'{bad}: happiness.survey_score："12" 不是数字',
        ] == run.err.splitlines()

    def test_jurisdiction(self):
        """A jurisdiction document validates with its included communities."""
        run = cli("validate", str(FIXTURE_FACTS / "jurisdiction.toml"))
        assert (0, "ok: jurisdiction wuma\n") == (run.code, run.out)

    def test_bad_inline_community_in_a_jurisdiction(self):
        """A jurisdiction's bad community is reported at ``communities[1].…``."""
        path = FIXTURE_FACTS / "jurisdiction-bad.toml"
        run = cli("validate", str(path), "--lang", "en")
        assert 2 == run.code
        assert sorted([
            f"{path}: communities[1].community.households: -3 is below the minimum 0",
            f"{path}: communities[1].happiness.zz: unknown field (not in the facts vocabulary)",
        ]) == sorted(run.err.splitlines())
