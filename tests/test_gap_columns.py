"""Gaps in the result tables (results.md "Gaps": in every format): with ``--gaps``, CSV
and Parquet rows have a ``gaps`` column holding the result's gaps as JSON, the same objects
the result JSON lists; the Excel workbook's rows always have it."""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from policyengine.cli import main

WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
HEADER = ["community.id", "happiness.objective_score", "happiness.survey_score",
          "happiness.vetoes", "happiness.previous_stars", "community.jurisdiction"]
STREET = '["浙江省", "温州市", "鹿城区", "五马街道"]'
ROWS = [
    ["three", "520", "252", "[]", "2", STREET],   # 772: ★★★, 28 points short of ★★★★ (800)
    ["veto", "700", "300", '["leadership"]', "0", STREET],  # vetoed: the veto is the gap
    ["top", "650", "260", "[]", "4", STREET],     # 910: ★★★★★, no band above: no gap
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    return path


def json_gaps(table: Path, *extra: str) -> dict[str, list[dict]]:
    _, out, _ = run("evaluate", str(table), *WUMA, "--format", "jsonl", *extra)
    results = [json.loads(line) for line in out.splitlines()]
    return {r["subject"]["id"]: r["gaps"] for r in results}


def test_csv_gaps_are_the_results_gaps(table: Path) -> None:
    code, out, _ = run("evaluate", str(table), *WUMA, "--format", "csv", "--gaps")
    assert 1 == code  # the vetoed community fails
    rows = {r["subject_id"]: r for r in csv.DictReader(io.StringIO(out))}
    found = {k: json.loads(r["gaps"]) for k, r in rows.items()}
    assert json_gaps(table) == found
    three = found["three"][0]
    assert ("stars", 3, 4, 28, {"happiness.total_score": 800}) == (
        three["output"], three["now"], three["next"], three["short_by"], three["needs"])
    assert [("eligibility.no-veto", "happiness.vetoes", [])] == [
        (g["rule"], g["fact"], g["needed"]) for g in found["veto"] if "fact" in g]
    assert [] == found["top"]


def test_without_gaps_no_column(table: Path) -> None:
    _, out, _ = run("evaluate", str(table), *WUMA, "--format", "csv")
    assert "gaps" not in next(csv.reader(io.StringIO(out)))


def test_parquet_gaps_in_english(table: Path, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "r.parquet"
    run("evaluate", str(table), *WUMA, "--format", "parquet", "--gaps", "--lang", "en",
        "--output", str(out))
    rows = {r["subject_id"]: r for r in pq.read_table(out).to_pylist()}
    found = {k: json.loads(r["gaps"]) for k, r in rows.items()}
    assert json_gaps(table, "--lang", "en") == found
    assert found["three"][0]["message"].startswith("28 points short of 4 stars")


def test_xlsx_rows_have_the_gaps(table: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    run("evaluate", str(table), *WUMA, "--format", "xlsx", "--output", str(out))
    sheet = openpyxl.load_workbook(out)["results"]
    head, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    found = {r[head.index("subject_id")]: json.loads(r[head.index("gaps")]) for r in body}
    assert json_gaps(table) == found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_batch_api_gaps_are_the_command_lines(table: Path, lang: str) -> None:
    """``evaluate_table(..., gaps=True)`` gives the same gaps column as the command line's
    results, in the language asked for."""
    pa = pytest.importorskip("pyarrow")
    import datetime as dt

    import pyarrow.csv as pacsv

    from policyengine import evaluate_table

    # the table's cells as text, as a platform holding the CSV would pass it
    text = pacsv.ConvertOptions(column_types=dict.fromkeys(HEADER, pa.string()))
    facts = pacsv.read_csv(table, convert_options=text)
    got = evaluate_table(facts, "wuma-star-rating", as_of=dt.date(2014, 12, 31),
                         gaps=True, lang=lang).to_pylist()
    found = {r["subject_id"]: json.loads(r["gaps"]) for r in got}
    assert json_gaps(table, "--lang", lang) == found
    assert ["three", "veto", "top"] == [r["subject_id"] for r in got]
    plain = evaluate_table(facts, "wuma-star-rating", as_of=dt.date(2014, 12, 31))
    assert "gaps" not in plain.column_names
