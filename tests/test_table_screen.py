"""Tables read as arrays give the facts and the errors that reading them row by row gives.

Differential (hypothesis): CSV files whose cells are drawn from good and bad spellings of
every kind of fact (numbers with signs, exponents, spaces, non-ASCII digits; booleans in
any case; lists that are not JSON or hold unknown items; values out of range; a part
greater than its whole) are evaluated twice: ``--format csv`` (columns, cells screened as
arrays) and ``--format jsonl`` (one row at a time). The bad rows reported, with their row
numbers and field paths, and every good row's verdict and outputs must be the same.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.cli import main

pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

SUM_SCALE = str(Path(__file__).resolve().parent / "fixtures" / "packs" / "sum-scale")

NUMBER = ["", " ", "650", "649.5", "-1", "701", "1e2", "+5", " 300 ", "٣", "abc", "nan", "0",
          "700", "300.25", "1_000", "0.1", "inf", "1e400", "12345678901234567890", "00650",
          ".5", "650.", "-0.0", "1E2", "Infinity", "NaN", "650.0000000000000001"]
INT = ["", "0", "5", "6", "3.0", "-0", "+2", " 4 ", "x", "٣", "9007199254740993", "+0", "005",
       "1e0", "-"]
BOOL = ["", "true", "false", "TRUE", "False", "yes", "1", " true ", "\u3000true", "tRuE", "\t"]
LIST = ["", "[]", '["leadership"]', '["leadership", "leadership"]', '["x"]', "[1]", "x",
        '{"a": 1}', ' [] ']
KIND = ["", "urban", "rural", "Urban", "other", " urban"]
COUNT = ["", "0", "3", "10", "-3"]
COLUMNS = {
    "happiness.objective_score": NUMBER,
    "happiness.survey_score": NUMBER,
    "happiness.previous_stars": INT,
    "happiness.vetoes": LIST,
    "facilities.kindergarten": BOOL,
    "community.kind": KIND,
    "staff.count": COUNT,
    "staff.trained_this_year": COUNT,
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def problems(err: str) -> set[str]:
    """Bad-record lines (position and field path), without the summary lines."""
    return {line for line in err.splitlines() if ", row " in line}


rows = st.lists(
    st.fixed_dictionaries({c: st.sampled_from(v) for c, v in COLUMNS.items()}),
    min_size=1, max_size=12,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows, blank_id=st.integers(0, 20))
def test_screened_columns_equal_reading_row_by_row(tmp_path, rows, blank_id):
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["community.id", *COLUMNS])
        for i, row in enumerate(rows):
            writer.writerow(["" if i == blank_id else f"c{i}", *row.values()])
    common = ("evaluate", str(path), "--pack", SUM_SCALE, "--as-of", "2014-12-31",
              "--on-bad-record", "skip")
    code_rows, out_rows, err_rows = run(*common, "--format", "jsonl")
    code_cols, out_cols, err_cols = run(*common, "--format", "csv")
    assert problems(err_rows) == problems(err_cols)
    assert code_rows == code_cols
    expected = {
        r["subject"]["id"]: (r["verdict"], "" if r["outputs"]["stars"] is None
                             else str(r["outputs"]["stars"]))
        for r in map(json.loads, out_rows.splitlines())
    }
    actual = {r["subject_id"]: (r["verdict"], r["outputs.stars"])
              for r in csv.DictReader(io.StringIO(out_cols))}
    assert expected == actual


typed_rows = st.lists(
    st.fixed_dictionaries({
        "happiness.objective_score": st.sampled_from(
            [None, float("nan"), 650.0, 649.5, -1.0, 701.0, 0.0, 700.0, float("inf")]),
        "happiness.survey_score": st.sampled_from([None, 250.0, 300.0, 300.5, 0.1]),
        "happiness.previous_stars": st.sampled_from([None, 0.0, 5.0, 6.0, 2.5, float("nan")]),
        "happiness.vetoes": st.sampled_from(
            [None, [], ["leadership"], ["x"], ["leadership", "leadership"]]),
        "facilities.kindergarten": st.sampled_from([None, True, False]),
        "staff.count": st.sampled_from([None, 0, 3, 10, -3]),
        "staff.trained_this_year": st.sampled_from([None, 0, 3, 10]),
    }),
    min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=typed_rows)
def test_typed_parquet_columns_equal_reading_row_by_row(tmp_path, rows):
    """Parquet's typed columns (NaN for a missing number, lists as lists) read as arrays
    give the row path's facts and errors."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {"community.id": [f"c{i}" for i in range(len(rows))]}
    columns.update({c: [r[c] for r in rows] for c in rows[0]})
    types = {"happiness.previous_stars": pa.float64(), "happiness.vetoes": pa.list_(pa.string()),
             "facilities.kindergarten": pa.bool_(), "staff.count": pa.int64(),
             "staff.trained_this_year": pa.int64()}
    table = pa.table({c: pa.array(v, types.get(c, pa.float64() if c != "community.id"
                                                 else pa.string()))
                      for c, v in columns.items()})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    common = ("evaluate", str(path), "--pack", SUM_SCALE, "--as-of", "2014-12-31",
              "--on-bad-record", "skip")
    code_rows, out_rows, err_rows = run(*common, "--format", "jsonl")
    code_cols, out_cols, err_cols = run(*common, "--format", "csv")
    assert problems(err_rows) == problems(err_cols)
    assert code_rows == code_cols
    expected = {r["subject"]["id"]: r["verdict"] for r in map(json.loads, out_rows.splitlines())}
    actual = {r["subject_id"]: r["verdict"] for r in csv.DictReader(io.StringIO(out_cols))}
    assert expected == actual


@pytest.mark.parametrize(("column", "cells"), [
    ("happiness.previous_stars", ["", "2", "9007199254740993", "-0", "005"]),
    ("happiness.objective_score", ["650", "", "1e400", "nan", "12345678901234567890", ".5"]),
    ("facilities.kindergarten", ["true", "\u3000false", "tRuE", "yes", ""]),
])
def test_columns_arrow_reads_whole_give_the_row_paths_values_and_problems(
    tmp_path, column, cells
):
    """Every cell of the column in a form Arrow reads at once (so it is cast, not matched
    by pattern): the values and the problems are still those of reading row by row."""
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["community.id", column, "happiness.survey_score"])
        for i, cell in enumerate(cells):
            writer.writerow([f"c{i}", cell, "250"])
    common = ("evaluate", str(path), "--pack", SUM_SCALE, "--as-of", "2014-12-31",
              "--on-bad-record", "skip")
    code_rows, out_rows, err_rows = run(*common, "--format", "jsonl")
    code_cols, out_cols, err_cols = run(*common, "--format", "csv")
    assert "internal error" not in err_cols
    assert (code_rows, problems(err_rows)) == (code_cols, problems(err_cols))
    expected = {r["subject"]["id"]: r["verdict"] for r in map(json.loads, out_rows.splitlines())}
    actual = {r["subject_id"]: r["verdict"] for r in csv.DictReader(io.StringIO(out_cols))}
    assert expected == actual
