"""The inputs of one run. A community given in two inputs (a file named twice, two exports
that overlap) is counted once, as within one input (results.md: a bad row is reported with
its row and field path). ``policyengine evaluate a.csv a.csv`` wrote every community twice,
and a district's summary counted them twice; the second is now a bad record naming the
first, on the table path and the document path alike. An empty name is no file.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

import policyengine
from policyengine.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLACE = '["浙江省","温州市","鹿城区","五马街道"]'
HEADER = [
    "community.id",
    "community.jurisdiction",
    "happiness.objective_score",
    "happiness.survey_score",
    "happiness.vetoes",
    "happiness.previous_stars",
]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _table(path: Path, ids: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *([i, PLACE, 500, 200, "[]", 2] for i in ids)])
    return path


AS_OF = dt.date(2014, 12, 31)
ARGS = ("--pack", "wuma-star-rating", "--as-of", AS_OF.isoformat())


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_table_named_twice_is_refused_naming_the_first_rows(tmp_path, suffix):
    a = _table(tmp_path / "a.csv", ["c1", "c2"])
    if suffix == ".jsonl":  # the row path (a table of JSON lines) says the same
        import json

        rows = list(csv.DictReader(io.StringIO(a.read_text("utf-8"))))
        a = tmp_path / "a.jsonl"
        a.write_text(
            "".join(
                json.dumps(
                    {
                        "community": {"id": r["community.id"], "jurisdiction": json.loads(PLACE)},
                        "happiness": {
                            "objective_score": 500,
                            "survey_score": 200,
                            "vetoes": [],
                            "previous_stars": 2,
                        },
                    },
                    ensure_ascii=False,
                )
                + "\n"
                for r in rows
            ),
            "utf-8",
        )
    output = tmp_path / "out.csv"
    code, _, err = run(
        "evaluate", str(a), str(a), *ARGS, "--format", "csv", "--output", str(output)
    )
    assert 2 == code
    assert not output.exists()  # nothing half-written
    assert f'社区编号 "c1" 出现了两次（另见 {a}' in err


def test_overlapping_tables_with_skip_write_each_community_once(tmp_path):
    a = _table(tmp_path / "a.csv", ["c1", "c2"])
    b = _table(tmp_path / "b.csv", ["c2", "c3"])
    code, out, err = run(
        "evaluate", str(a), str(b), *ARGS, "--format", "csv", "--on-bad-record", "skip"
    )
    assert 2 == code  # a bad record was skipped
    assert ["c1", "c2", "c3"] == [r["subject_id"] for r in csv.DictReader(io.StringIO(out))]
    assert f'{b}, row 2: community.id：社区编号 "c2" 出现了两次（另见 {a}, row 3）' in err


def test_two_documents_of_one_community_are_refused(tmp_path):
    x, y = tmp_path / "x.toml", tmp_path / "y.toml"
    shutil.copy(ROOT / "examples" / "wuma-community.toml", x)
    shutil.copy(ROOT / "examples" / "wuma-community.toml", y)
    code, out, err = run("evaluate", str(x), str(y), *ARGS, "--format", "json")
    assert (2, "") == (code, out)
    assert f'{y}: community.id：社区编号 "wm-001" 出现了两次（另见 {x}）' in err


def test_the_library_reads_a_table_path_as_the_command_line_does(tmp_path):
    """``policyengine.evaluate_table("a.csv", …)``: the path is one input (its characters
    were read as paths: "/: cannot read the file: Is a directory"), and an id given twice
    across the paths is refused as on the command line."""
    pa = pytest.importorskip("pyarrow")
    a = _table(tmp_path / "a.csv", ["c1", "c2"])
    table = policyengine.evaluate_table(str(a), "wuma-star-rating", as_of=AS_OF)
    assert ["c1", "c2"] == table.column("subject_id").to_pylist()
    assert table.equals(policyengine.evaluate_table([a], "wuma-star-rating", as_of=AS_OF))
    with pytest.raises(policyengine.FactsError, match='"c1" is given twice'):
        policyengine.evaluate_table([a, a], "wuma-star-rating", as_of=AS_OF)
    assert isinstance(table, pa.Table)


@pytest.mark.parametrize("gaps", [False, True])  # columns, and the row path (gaps)
def test_an_arrow_table_with_an_id_given_twice_is_refused_on_both_paths(gaps):
    pa = pytest.importorskip("pyarrow")
    facts = pa.table(
        {
            "community.id": ["c1", "c2", "c1"],
            "community.jurisdiction": [PLACE] * 3,
            "happiness.objective_score": [500, 600, 700],
            "happiness.survey_score": [200, 200, 200],
        }
    )
    with pytest.raises(policyengine.FactsError, match=r'table, row 3: .*"c1" is given twice'):
        policyengine.evaluate_table(facts, "wuma-star-rating", as_of=AS_OF, gaps=gaps)
    kept = policyengine.evaluate_table(
        facts, "wuma-star-rating", as_of=AS_OF, gaps=gaps, errors="skip"
    )
    assert ["c1", "c2"] == kept.column("subject_id").to_pylist()


def test_an_empty_file_name_is_not_the_current_folder(tmp_path, monkeypatch):
    """``policyengine evaluate "$FILE"`` with FILE unset: an empty name is a file that does
    not exist (it was ``.``, and every document in the current folder was evaluated)."""
    _table(tmp_path / "a.csv", ["c1"])
    monkeypatch.chdir(tmp_path)
    code, out, err = run("evaluate", "", *ARGS, "--format", "csv")
    assert (2, "") == (code, out)
    assert "policyengine: ''：无法读取文件：文件不存在\n" == err
    with pytest.raises(policyengine.DocumentError, match="''"):
        policyengine.evaluate_table("", "wuma-star-rating", as_of=AS_OF)
