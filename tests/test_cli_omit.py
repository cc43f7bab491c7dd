"""``policyengine evaluate … --format json|jsonl --omit findings,gaps`` (results.md "Command
line"): the command line leaves parts of each result out, as the service's ``omit`` does.

The JSON written is exactly ``Result.to_dict(omit=...)``: the full output with those keys
taken out of every result, nested ones included, and the same exit code (the verdicts
decide it). A name not known, given twice or empty, and ``--omit`` with a format that
writes no result JSON, are refused before any work: exit 2, one sentence naming the option
and its value (Chinese by default, English with ``--lang en``), nothing written to
``--output``.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from policyengine.cli import main
from policyengine.sinks import make_sink

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    str(ROOT / "examples" / name)
    for name in (
        "wuma-community.toml",
        "wuma-street.toml",
        "yixing-demonstration-city-jurisdiction.toml",
    )
]
ALL = ("--pack", "all", "--as-of", "2014-12-31")
WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
FAILING = str(ROOT / "tests" / "fixtures" / "facts" / "failing.toml")
OMITS = ["findings", "gaps", "findings,gaps", "gaps,findings"]
NESTED = ("communities", "jurisdictions")


@attrs.frozen
class Run:
    """What one command-line run gave."""

    code: int
    out: str
    err: str


def evaluate(*argv: str) -> Run:
    """Run ``policyengine evaluate ARGV`` with in-memory streams."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", *argv], stdin=io.StringIO(""), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


@functools.cache
def full(*argv: str) -> Run:
    """A run without ``--omit`` (run once for every omit choice compared with it)."""
    return evaluate(*argv)


def results_of(fmt: str, out: str) -> list[dict[str, Any]]:
    """The results written: one a line (jsonl), or a JSON array or single object (json)."""
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    data = json.loads(out)
    return data if isinstance(data, list) else [data]


def without(result: dict[str, Any], parts: set[str]) -> dict[str, Any]:
    """The result less ``parts``, and each result nested in it likewise."""
    out = {k: v for k, v in result.items() if k not in parts}
    for key in NESTED:
        if key in out:
            out[key] = [without(r, parts) for r in out[key]]
    return out


def every_result(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The results with every result nested in them, depth first."""
    out: list[dict[str, Any]] = []
    for r in results:
        out.append(r)
        out.extend(every_result([n for key in NESTED for n in r.get(key, [])]))
    return out


def parts_left(results: list[dict[str, Any]]) -> set[str]:
    """The optional parts that some result, nested ones included, still has."""
    return {k for r in every_result(results) for k in r} & {"findings", "gaps"}


def assert_omitted(fmt: str, omit: str, argv: tuple[str, ...]) -> Run:
    """``--omit`` gives the full output less those keys, with the same exit code."""
    whole = full(*argv, "--format", fmt)
    assert "" == whole.err
    run = evaluate(*argv, "--format", fmt, "--omit", omit)
    parts = set(omit.split(","))
    expected = [without(r, parts) for r in results_of(fmt, whole.out)]
    assert (whole.code, "") == (run.code, run.err)
    assert expected == results_of(fmt, run.out)
    if fmt == "jsonl":  # byte for byte: the same keys in the same order
        assert "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in expected) == run.out
    return run


@pytest.mark.parametrize("omit", OMITS)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("facts", EXAMPLES, ids=lambda p: Path(p).stem)
def test_examples_less_the_parts_omitted(facts: str, fmt: str, omit: str) -> None:
    """Every pack on each example: the full output less the parts, nested results too."""
    run = assert_omitted(fmt, omit, (facts, *ALL))
    left = parts_left(results_of(fmt, run.out))
    assert {"findings", "gaps"} - set(omit.split(",")) == left


def depth(result: dict[str, Any]) -> int:
    """How many levels of results are nested in a result."""
    return max((1 + depth(n) for key in NESTED for n in result.get(key, [])), default=0)


def test_the_examples_nest_results() -> None:
    """The street's example nests its communities, the city's its street and town and
    theirs: the tests above reach results two levels down."""
    depths = [
        max(map(depth, results_of("jsonl", full(f, *ALL, "--format", "jsonl").out)))
        for f in EXAMPLES
    ]
    assert [0, 1, 2] == depths


@pytest.mark.parametrize("omit", OMITS)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_one_failing_result(fmt: str, omit: str) -> None:
    """One result (``json`` then writes an object, not a list) that fails: exit 1 both ways."""
    run = assert_omitted(fmt, omit, (FAILING, *WUMA))
    assert 1 == run.code


HEADER = [
    "community.id",
    "happiness.objective_score",
    "happiness.survey_score",
    "happiness.vetoes",
    "happiness.previous_stars",
    "community.jurisdiction",
]
WUMA_STREET = '["浙江省", "温州市", "鹿城区", "五马街道"]'
ROWS = [
    ["five", "650", "250", "[]", "4", WUMA_STREET],  # 900: ★★★★★, pass
    ["veto", "700", "300", '["leadership"]', "0", WUMA_STREET],  # vetoed: fail
    ["gap", "", "250", "[]", "", WUMA_STREET],  # objective score missing: incomplete
]


def write_table(path: Path) -> Path:
    """The three communities as a CSV table, or as JSON Lines (one document a line)."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([HEADER, *ROWS])
        return path
    lines = []
    for row in ROWS:
        happiness: dict[str, Any] = {"survey_score": int(row[2]), "vetoes": json.loads(row[3])}
        if row[1]:
            happiness["objective_score"] = float(row[1])
        if row[4]:
            happiness["previous_stars"] = int(row[4])
        doc = {
            "community": {"id": row[0], "jurisdiction": json.loads(row[5])},
            "happiness": happiness,
        }
        lines.append(json.dumps(doc, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("omit", OMITS)
@pytest.mark.parametrize("name", ["communities.csv", "communities.jsonl"])
def test_table_to_json_lines(tmp_path: Path, name: str, omit: str) -> None:
    """A table of communities written as JSON Lines: each row's result less the parts, and
    exit 1 as without ``--omit`` (one fails, one is incomplete)."""
    table = str(write_table(tmp_path / name))
    full_run = evaluate(table, *WUMA, "--format", "jsonl")
    run = evaluate(table, *WUMA, "--format", "jsonl", "--omit", omit)
    parts = set(omit.split(","))
    expected = [without(r, parts) for r in results_of("jsonl", full_run.out)]
    assert (1, full_run.err) == (run.code, run.err)
    assert ["five", "veto", "gap"] == [r["subject"]["id"] for r in expected]
    assert expected == results_of("jsonl", run.out)


def test_omit_given_again_adds_to_it() -> None:
    """``--omit findings --omit gaps`` is ``--omit findings,gaps``."""
    argv = (EXAMPLES[1], *ALL, "--format", "jsonl")
    expected = evaluate(*argv, "--omit", "findings,gaps")
    assert (0, "") == (expected.code, expected.err)
    assert set() == parts_left(results_of("jsonl", expected.out))
    assert expected == evaluate(*argv, "--omit", "findings", "--omit", "gaps")


def test_to_a_file(tmp_path: Path) -> None:
    """``--output`` gets what standard output would have."""
    output = tmp_path / "out.json"
    argv = (EXAMPLES[2], *ALL, "--omit", "gaps")
    run = evaluate(*argv, "--output", str(output))  # the format from the extension: json
    assert (0, "", "") == (run.code, run.out, run.err)
    assert evaluate(*argv, "--format", "json").out == output.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ refusals

REFUSED_NAMES = [  # (--omit, --format, Chinese, English)
    (
        "verdict",
        "json",
        "--omit 'verdict'：'verdict' 不是结果中可以省略的部分；请写 findings、gaps "
        "中的一项或两项，以逗号分隔",
        "--omit 'verdict': 'verdict' is not a part of a result that can be left out; name "
        "one or both of findings, gaps, separated by a comma",
    ),
    (
        "findings,outputs",
        "jsonl",
        "--omit 'findings,outputs'：'outputs' 不是结果中可以省略的部分；请写 findings、gaps "
        "中的一项或两项，以逗号分隔",
        "--omit 'findings,outputs': 'outputs' is not a part of a result that can be left "
        "out; name one or both of findings, gaps, separated by a comma",
    ),
    (
        "gaps,gaps",
        "json",
        "--omit 'gaps,gaps'：'gaps' 写了不止一次，每项只写一次",
        "--omit 'gaps,gaps': 'gaps' is given more than once: name each part once",
    ),
    (
        "",
        "jsonl",
        "--omit ''：有一项名称为空；请写 findings、gaps 中的一项或两项，以逗号分隔",
        "--omit '': a part's name is empty; name one or both of findings, gaps, separated "
        "by a comma",
    ),
    (
        "gaps,",
        "json",
        "--omit 'gaps,'：有一项名称为空；请写 findings、gaps 中的一项或两项，以逗号分隔",
        "--omit 'gaps,': a part's name is empty; name one or both of findings, gaps, "
        "separated by a comma",
    ),
    (
        "findings,,gaps",
        "jsonl",
        "--omit 'findings,,gaps'：有一项名称为空；请写 findings、gaps 中的一项或两项，以逗号分隔",
        "--omit 'findings,,gaps': a part's name is empty; name one or both of findings, "
        "gaps, separated by a comma",
    ),
]

OTHER_FORMATS = ["table", "csv", "parquet", "markdown", "html", "xlsx"]
EXTENSION = {"table": "txt", "markdown": "md"}


def refused(tmp_path: Path, fmt: str, *argv: str) -> Run:
    """A run that must be refused: exit 2 and nothing on standard output, nothing written
    to ``--output`` (a file already there keeps what it held, and a new one is not made)."""
    kept = tmp_path / f"kept.{EXTENSION.get(fmt, fmt)}"
    kept.write_bytes(b"before")
    fresh = tmp_path / f"fresh.{EXTENSION.get(fmt, fmt)}"
    runs = [
        evaluate(EXAMPLES[1], *ALL, "--format", fmt, *argv, *output)
        for output in ((), ("--output", str(kept)), ("--output", str(fresh)))
    ]
    assert [runs[0]] * 3 == runs  # said before parquet and xlsx ask for --output
    assert (2, "") == (runs[0].code, runs[0].out)
    assert "Traceback" not in runs[0].err
    assert (b"before", False) == (kept.read_bytes(), fresh.exists())
    assert [kept.name] == [p.name for p in tmp_path.iterdir()]
    return runs[0]


@pytest.mark.parametrize(("omit", "fmt", "zh", "en"), REFUSED_NAMES)
def test_a_bad_name_is_refused(tmp_path: Path, omit: str, fmt: str, zh: str, en: str) -> None:
    """A name not known, given twice, or empty: exit 2 and a sentence, Chinese by default."""
    run = refused(tmp_path, fmt, "--omit", omit)
    assert f"policyengine: {zh}\n" == run.err
    english = evaluate(EXAMPLES[1], *ALL, "--format", fmt, "--omit", omit, "--lang", "en")
    assert (2, "", f"policyengine: {en}\n") == (english.code, english.out, english.err)


@pytest.mark.parametrize("fmt", OTHER_FORMATS)
def test_a_format_without_result_json_is_refused(tmp_path: Path, fmt: str) -> None:
    """``--omit`` with a report or a table is refused, not ignored: the reports read the
    findings, and csv and parquet have their own ``--gaps``."""
    run = refused(tmp_path, fmt, "--omit", "findings,gaps")
    assert (
        f"policyengine: --omit 'findings,gaps'：只有 --format json 和 jsonl 能省略结果的部分内容，"
        f"--format {fmt} 不能（报告要读取各条要求的判定；csv 和 parquet 只在给出 --gaps "
        "时才写出达标差距）\n"
    ) == run.err
    english = evaluate(EXAMPLES[1], *ALL, "--format", fmt, "--omit", "gaps", "--lang", "en")
    said = (
        f"policyengine: --omit 'gaps': only --format json and jsonl leave parts of a result "
        f"out, not --format {fmt} (a report reads the findings; csv and parquet write the "
        "gaps only with --gaps)\n"
    )
    assert (2, "", said) == (english.code, english.out, english.err)


def test_the_format_from_the_output_extension_is_refused(tmp_path: Path) -> None:
    """``--output x.csv`` without ``--format`` is csv: ``--omit`` is refused as well."""
    output = tmp_path / "x.csv"
    run = evaluate(EXAMPLES[0], *ALL, "--omit", "gaps", "--output", str(output), "--lang", "en")
    assert (2, False) == (run.code, output.exists())
    assert run.err.startswith("policyengine: --omit 'gaps': only --format json and jsonl ")
    assert "not --format csv " in run.err


def test_the_default_format_is_refused() -> None:
    """No ``--format`` and no ``--output``: the table, which reads the findings."""
    run = evaluate(EXAMPLES[0], *ALL, "--omit", "findings", "--lang", "en")
    assert (2, "") == (run.code, run.out)
    assert "not --format table " in run.err


def test_a_name_given_twice_across_options() -> None:
    """``--omit gaps --omit gaps`` names gaps twice, as ``gaps,gaps`` does."""
    run = evaluate(EXAMPLES[0], *ALL, "--format", "jsonl", "--omit", "gaps", "--omit", "gaps")
    assert (2, "", "policyengine: --omit 'gaps'：'gaps' 写了不止一次，每项只写一次\n") == (
        run.code,
        run.out,
        run.err,
    )


def test_a_table_sink_refuses_omit() -> None:
    """The library's sinks: CSV and Parquet write no result JSON to leave parts out of."""
    with pytest.raises(ValueError, match="csv writes no result JSON"):
        make_sink("csv", io.StringIO(), omit=("gaps",))
