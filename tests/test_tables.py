"""Tables in and out (results.md "Tables in and out", facts.md "Tables").

One community a row, one column a fact path; an empty cell is a missing fact; a list is a
JSON array in its cell; booleans ``true``/``false``. Results as JSON Lines, a JSON array,
CSV or Parquet (one row per subject × pack). A bad row is named with its row number and
field path; by default nothing is written; ``--on-bad-record skip`` writes the good rows.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
HEADER = ["community.id", "happiness.objective_score", "happiness.survey_score",
          "happiness.vetoes", "happiness.previous_stars", "community.jurisdiction"]
# 五马街道 is the pack's territory ([pack.scope]): without it every result is incomplete.
WUMA_STREET = '["浙江省", "温州市", "鹿城区", "五马街道"]'
# 五马: ★★★★★ from 900 (四(二)); a veto makes the community ineligible (四(一)).
ROWS = [
    ["five", "650", "250", "[]", "4", WUMA_STREET],        # 900: ★★★★★, eligible
    ["veto", "700", "300", '["leadership"]', "0", WUMA_STREET],  # vetoed: fail
    ["gap", "", "250", "[]", "", WUMA_STREET],             # objective score missing: incomplete
]


@attrs.frozen
class Run:
    code: int
    out: str
    err: str


def cli(*argv: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return Run(code, out.getvalue(), err.getvalue())


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def by_id(lines: str) -> dict[str, dict]:
    return {r["subject"]["id"]: r for r in map(json.loads, lines.splitlines())}


def test_csv_rows_are_communities(tmp_path):
    """Each CSV row is evaluated as the community its cells describe; empty = unknown."""
    run = cli("evaluate", str(write_csv(tmp_path / "c.csv", HEADER, ROWS)), *WUMA,
              "--format", "jsonl")
    results = by_id(run.out)
    assert 1 == run.code
    assert ("pass", 5, True) == (results["five"]["verdict"], results["five"]["outputs"]["stars"],
                                 results["five"]["outputs"]["eligible"])
    assert ("fail", False) == (results["veto"]["verdict"], results["veto"]["outputs"]["eligible"])
    assert "incomplete" == results["gap"]["verdict"]
    stars = next(f for f in results["gap"]["findings"] if f["rule"] == "rating.stars")
    assert ("unknown", None) == (stars["outcome"], stars["inputs"]["happiness.total_score"])


def test_same_results_from_every_table_format(tmp_path):
    """CSV, Excel, Parquet, JSON Lines and a folder of documents give the same results."""
    write_csv(tmp_path / "c.csv", HEADER, ROWS)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:  # typed cells, as an official's spreadsheet holds them
        sheet.append([row[0], float(row[1]) if row[1] else None, int(row[2]), row[3],
                      int(row[4]) if row[4] else None, row[5]])
    book.save(tmp_path / "c.xlsx")
    table = pa.table({
        "community.id": [r[0] for r in ROWS],
        "happiness.objective_score": [float(r[1]) if r[1] else None for r in ROWS],
        "happiness.survey_score": [int(r[2]) for r in ROWS],
        "happiness.vetoes": [json.loads(r[3]) for r in ROWS],  # a real list column
        "happiness.previous_stars": [int(r[4]) if r[4] else None for r in ROWS],
        "community.jurisdiction": [json.loads(r[5]) for r in ROWS],
    })
    pq.write_table(table, tmp_path / "c.parquet")
    folder = tmp_path / "docs"
    folder.mkdir()
    lines = []
    for row in ROWS:
        doc: dict = {"community": {"id": row[0], "jurisdiction": json.loads(row[5])},
                     "happiness": {"survey_score": int(row[2]),
                                                                "vetoes": json.loads(row[3])}}
        if row[1]:
            doc["happiness"]["objective_score"] = float(row[1])
        if row[4]:
            doc["happiness"]["previous_stars"] = int(row[4])
        (folder / f"{row[0]}.json").write_text(json.dumps(doc), encoding="utf-8")
        lines.append(json.dumps(doc))
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def summary(name: str) -> dict:
        run = cli("evaluate", str(tmp_path / name), *WUMA, "--format", "jsonl")
        assert 1 == run.code, run.err
        return {i: (r["verdict"], r["outputs"]["stars"]) for i, r in by_id(run.out).items()}

    expected = summary("c.csv")
    assert {"five": ("pass", 5), "veto": ("fail", 0), "gap": ("incomplete", None)} == expected
    for name in ("c.xlsx", "c.parquet", "c.jsonl", "docs"):
        assert expected == summary(name), name


def test_unknown_column_is_an_error_before_any_row(tmp_path):
    """A column that is not a fact path is named, exit 2, and no row is evaluated."""
    path = write_csv(tmp_path / "c.csv", [*HEADER, "happiness.stars_wanted"], [[*ROWS[0], "5"]])
    out = tmp_path / "out.jsonl"
    run = cli("evaluate", str(path), *WUMA, "--format", "jsonl", "--output", str(out))
    assert 2 == run.code
    assert "happiness.stars_wanted" in run.err
    assert not out.exists()


def test_bad_row_named_by_row_and_field(tmp_path):
    """A bad cell is reported with the file, the spreadsheet row and the field path."""
    rows = [ROWS[0], ["bad", "650", "250", "[]", "seven", WUMA_STREET], ROWS[2]]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    out = tmp_path / "out.jsonl"
    run = cli("evaluate", str(path), *WUMA, "--format", "jsonl", "--output", str(out),
              "--lang", "en")
    assert 2 == run.code
    assert f"{path}, row 3: happiness.previous_stars: 'seven' is not a whole number" in (
        run.err.splitlines())
    assert [] == sorted(p.name for p in tmp_path.iterdir() if p.name != "c.csv")


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("zh", """'not json' 不是 JSON 数组（例如 ["a", "b"]）"""),
        ("en", """'not json' is not a JSON array such as ["a", "b"]"""),
    ],
)
def test_a_list_cell_that_is_not_a_json_array_is_said_in_the_language_asked(
    tmp_path, lang, said
):
    """A list fact's cell that is not a JSON array: named by row and field, in Chinese by
    default (it was English in a Chinese run) and in English when asked."""
    rows = [["bad", "650", "250", "not json", "", WUMA_STREET]]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    run = cli("evaluate", str(path), *WUMA, "--format", "jsonl", "--lang", lang)
    assert 2 == run.code
    colon = "：" if lang == "zh" else ": "
    assert f"{path}, row 2: happiness.vetoes{colon}{said}" in run.err.splitlines()


@pytest.mark.parametrize("second", ["--errors", "--decision-log"])
def test_two_files_written_cannot_be_one(tmp_path, second):
    """``--output`` and ``--errors`` (or the decision log) naming one file would overwrite
    each other (the errors were lost): refused before any row is read, nothing written."""
    path = write_csv(tmp_path / "c.csv", HEADER, [ROWS[0], ["bad", "", "x", "[]", "", "[]"]])
    out = tmp_path / "out.jsonl"
    run = cli("evaluate", str(path), *WUMA, "--format", "jsonl", "--on-bad-record", "skip",
              "--output", str(out), second, str(tmp_path / "." / "out.jsonl"))
    assert 2 == run.code
    assert f"{second} {tmp_path / 'out.jsonl'}: is also --output; give each its own file" in run.err
    assert not out.exists()


def test_skip_writes_good_rows_and_lists_bad_ones(tmp_path):
    """``--on-bad-record skip``: every good row is written, each bad one listed; exit 2."""
    rows = [ROWS[0], ["bad", "750", "250", "[]", "0", WUMA_STREET], ROWS[1],
            ["worse", "1", "1", "[x", "0", WUMA_STREET]]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    run = cli("evaluate", str(path), *WUMA, "--format", "jsonl", "--output", str(out),
              "--on-bad-record", "skip", "--errors", str(errors))
    assert 2 == run.code
    assert ["five", "veto"] == list(by_id(out.read_text(encoding="utf-8")))
    listed = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert [(f"{path}, row 3", "happiness.objective_score"),
            (f"{path}, row 5", "happiness.vetoes")] == [(e["record"], e["path"]) for e in listed]
    assert "720" not in run.err and "750 超过上限 700" in run.err  # Chinese by default


def test_csv_output_one_row_per_subject_and_pack(tmp_path):
    """CSV out: the fixed columns, outputs (lists JSON-encoded) and each rule's outcome."""
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS)
    run = cli("evaluate", str(path), "--pack", "wuma-star-rating", "--pack",
              "wuzhou-complete-community", "--as-of", "2014-12-31", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert 6 == len(rows)
    assert ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"] == (
        list(rows[0])[:6])
    five = next(r for r in rows if (r["subject_id"], r["pack"]) == ("five", "wuma-star-rating"))
    assert ("pass", "5", "true", "fail") == (five["verdict"], five["outputs.stars"],
                                             five["outputs.eligible"],
                                             next(r for r in rows if r["subject_id"] == "veto")[
                                                 "rules.eligibility.no-veto"])
    wuzhou = next(r for r in rows if r["pack"] == "wuzhou-complete-community")
    # not in force in 2014: a list output of a pack that does not apply is null (empty cell)
    assert ("not_applicable", "") == (wuzhou["verdict"], wuzhou["outputs.missing_facilities"])
    inside = write_csv(tmp_path / "w.csv", ["community.id", "community.jurisdiction"],
                       [["wz", '["广西壮族自治区", "梧州市", "长洲区"]']])
    run = cli("evaluate", str(inside), "--pack", "wuzhou-complete-community", "--as-of",
              "2024-03-01", "--format", "csv")
    wuzhou = next(iter(csv.DictReader(io.StringIO(run.out))))
    assert isinstance(json.loads(wuzhou["outputs.missing_facilities"]), list)


def test_parquet_output_matches_jsonl(tmp_path):
    """Parquet out holds the same verdicts, outputs and outcomes as the JSON results."""
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS)
    out = tmp_path / "out.parquet"
    run = cli("evaluate", str(path), *WUMA, "--format", "parquet", "--output", str(out))
    assert 1 == run.code
    table = pq.read_table(out).to_pylist()
    results = by_id(cli("evaluate", str(path), *WUMA, "--format", "jsonl").out)
    for row in table:
        result = results[row["subject_id"]]
        assert result["verdict"] == row["verdict"]
        assert result["outputs"]["stars"] == row["outputs.stars"]
        for finding in result["findings"]:
            assert finding["outcome"] == row[f"rules.{finding['rule']}"]
    assert pa.int64() == pq.read_schema(out).field("outputs.stars").type


def test_summary_counts_verdicts_per_pack(tmp_path):
    """The summary on standard error counts each verdict for each pack."""
    run = cli("evaluate", str(write_csv(tmp_path / "c.csv", HEADER, ROWS)), *WUMA,
              "--format", "jsonl")
    assert "wuma-star-rating：共 3 个，通过 1，未通过 1，数据不全 1，不适用 0" in run.err


def test_as_of_per_pack(tmp_path):
    """``--as-of PACK=DATE`` dates one pack; the plain ``--as-of`` the others."""
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS[:1])
    run = cli("evaluate", str(path), "--pack", "wuma-star-rating", "--pack",
              "yixing-demonstration-city", "--as-of", "wuma-star-rating=2014-12-31",
              "--as-of", "2013-06-30", "--format", "jsonl")
    dates = {json.loads(line)["pack"]["id"]: json.loads(line)["as_of"]
             for line in run.out.splitlines()}
    assert {"wuma-star-rating": "2014-12-31", "yixing-demonstration-city": "2013-06-30"} == dates


def test_as_of_for_a_pack_not_evaluated_is_an_error(tmp_path):
    """A per-pack date naming a pack that is not evaluated is bad input."""
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS[:1])
    run = cli("evaluate", str(path), "--pack", "wuma-star-rating", "--as-of",
              "yixing=2013-06-30", "--format", "jsonl")
    assert 2 == run.code
    assert "yixing" in run.err


@pytest.mark.parametrize(("fmt", "check"), [
    ("json", lambda p: [] == json.loads(p.read_text(encoding="utf-8"))),
    ("jsonl", lambda p: "" == p.read_text(encoding="utf-8")),
    ("csv", lambda p: p.read_text(encoding="utf-8").startswith("subject_id,pack,")),
    ("parquet", lambda p: 0 == pq.read_table(p).num_rows),
])
def test_empty_input_writes_valid_empty_output(tmp_path, fmt, check):
    """``[]`` gives a valid empty output for the format, not a 0-byte file (except jsonl)."""
    facts = tmp_path / "none.json"
    facts.write_text("[]", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    run = cli("evaluate", str(facts), *WUMA, "--format", fmt, "--output", str(out))
    assert 0 == run.code
    assert check(out)


def test_json_streams_an_array(tmp_path):
    """``--format json`` over several rows is one JSON array of results."""
    run = cli("evaluate", str(write_csv(tmp_path / "c.csv", HEADER, ROWS)), *WUMA,
              "--format", "json")
    assert ["five", "veto", "gap"] == [r["subject"]["id"] for r in json.loads(run.out)]


SUM_SCALE = Path(__file__).resolve().parent / "fixtures" / "packs" / "sum-scale"


def test_csv_from_the_columnar_backend_equals_the_row_path(tmp_path):
    """A pack without hooks is evaluated on columns for CSV: the same rows as its results."""
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS)
    run = cli("evaluate", str(path), "--pack", str(SUM_SCALE), "--as-of", "2014-12-31",
              "--format", "csv")
    assert "提示" not in run.err  # no fallback
    rows = {r["subject_id"]: r for r in csv.DictReader(io.StringIO(run.out))}
    results = by_id(cli("evaluate", str(path), "--pack", str(SUM_SCALE), "--as-of",
                        "2014-12-31", "--format", "jsonl").out)
    assert {"five": ("pass", "2", "pass"), "veto": ("pass", "2", "pass"),
            "gap": ("incomplete", "", "unknown")} == {
        i: (r["verdict"], r["outputs.stars"], r["rules.one-star"]) for i, r in rows.items()}
    for i, result in results.items():
        assert result["verdict"] == rows[i]["verdict"]


def test_pack_with_hooks_falls_back_visibly(tmp_path):
    """A third party's pack with Python hooks runs one row at a time, and says so."""
    folder = tmp_path / "hooked"
    shutil.copytree(SUM_SCALE, folder)
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'region = "测试"', 'region = "测试"\nhooks = "hooks.py"'), encoding="utf-8")
    (folder / "hooks.py").write_text(
        "from policyengine import hookimpl\n\n\n"
        "@hookimpl\ndef pack_outputs(context, findings):\n    return {'hooked': True}\n",
        encoding="utf-8")
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS)
    run = cli("evaluate", str(path), "--pack", str(folder), "--as-of", "2014-12-31",
              "--format", "csv")
    assert "fixture-sum-scale" in run.err and "hooks" in run.err
    rows = list(csv.DictReader(io.StringIO(run.out)))
    assert ["true"] * 3 == [r["outputs.hooked"] for r in rows]


# rows of a CSV file: good, blank, of separators only, of the wrong width, with bad cells
_LINES = st.sampled_from(
    [
        "c{n},120",
        "c{n},",
        "",
        ",",
        ",,",
        "c{n},1,2",
        "c{n}",
        "c{n},-5",
        "c{n},abc",
        '"c{n}",7',
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(_LINES, min_size=1, max_size=12))
def test_bad_rows_are_named_alike_by_both_paths(tmp_path_factory, lines):
    """Differential: with blank lines, rows of separators, rows of the wrong width (first,
    last, alone) and bad cells anywhere, the columnar CSV path names the same rows, by the
    same numbers and problems, and counts the same bad records as the row path (which reads
    the file with the csv module); neither loses a bad row after the last good one."""
    folder = tmp_path_factory.mktemp("rows")
    table = folder / "t.csv"
    body = "\n".join(line.format(n=i) for i, line in enumerate(lines))
    table.write_text("community.id,community.households\n" + body + "\n", encoding="utf-8")
    said = {}
    for fmt in ("csv", "jsonl"):
        run = cli(
            "evaluate", str(table), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
            "--format", fmt, "--output", str(folder / f"out.{fmt}"), "--on-bad-record", "skip",
        )
        named = sorted(line for line in run.err.splitlines() if ", row " in line)
        said[fmt] = (run.code, named, [line for line in run.err.splitlines() if "有误" in line])
    assert said["jsonl"] == said["csv"]
