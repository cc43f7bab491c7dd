"""Writing and reading files under hostile conditions: a decision log with fields of the wrong
type, an output that cannot be written in full (a full disk, a file size limit), a large
Excel workbook, ``describe --output`` on a full device."""

# House style: `assert expected == actual`.

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyengine import api
from policyengine.builtins import io as cli_io
from policyengine.cli import main
from policyengine.documents import structure_subject

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2014-12-31"
WUMA_STREET = ["浙江省", "温州市", "鹿城区", "五马街道"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ 1. replay, hostile logs

FACTS = f"""[community]
id = "c1"
jurisdiction = {json.dumps(WUMA_STREET, ensure_ascii=False)}
[happiness]
objective_score = 520
survey_score = 252
vetoes = []
previous_stars = 2
"""


@pytest.fixture
def logged(tmp_path: Path) -> str:
    """One decision log line (facts logged) of the Wuma pack."""
    facts = tmp_path / "c.toml"
    facts.write_text(FACTS, encoding="utf-8")
    log = tmp_path / "log.jsonl"
    code, _, err = run("evaluate", str(facts), "--pack", "wuma-star-rating", "--as-of", AS_OF,
                       "--format", "json", "--output", str(tmp_path / "r.json"),
                       "--decision-log", str(log), "--log-facts")
    assert (0, "") == (code, err)
    assert 0 == run("replay", str(log))[0]
    return log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("pack", "wuma-star-rating", 'pack must be an object, not text ("wuma-star-rating")'),
        ("subject", "c1", 'subject must be an object, not text ("c1")'),
        ("outputs", "x", 'outputs must be an object, not text ("x")'),
        ("unknown_rules", 5, "unknown_rules must be a list, not a number (5)"),
        ("failing_rules", [1], "failing_rules must hold rule ids (text), not a number (1)"),
        ("engine", "0.1.0", 'engine must be an object, not text ("0.1.0")'),
        ("decision_id", None, "decision_id must be text, not null"),
        ("facts", 7, "facts must be an object, not a number (7)"),
        ("names_masked", "no", 'names_masked must be true or false, not text ("no")'),
        ("as_of", 20141231, 'as_of must be a date ("YYYY-MM-DD"), not a number (20141231)'),
        ("as_of", "20141231", 'as_of must be a date ("YYYY-MM-DD"), not text ("20141231")'),
        ("as_of", "2014-02-30", 'as_of must be a date ("YYYY-MM-DD"), not text ("2014-02-30")'),
    ],
)
def test_a_log_field_of_the_wrong_type_is_named(logged, tmp_path, field, value, said):
    """A field of the wrong type: exit 2, the file, the line and the field named; never an
    internal error, never a number taken for a date."""
    entry = json.loads(logged)
    log = tmp_path / "hostile.jsonl"
    log.write_text(logged + json.dumps(entry | {field: value}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    code, out, err = run("replay", str(log), "--lang", "en")
    # the line is named; the decision before it is replayed all the same
    summary = "1 decision: 1 the same, 0 differ, 0 not replayed; 1 line not a decision\n"
    assert (2, summary, f"policyengine: {log}:2: {said}\n") == (code, out, err)


@pytest.mark.parametrize(
    ("inner", "value", "said"),
    [
        ("pack", {"version": "1"}, "pack.id is missing"),
        ("pack", {"id": 5}, "pack.id must be text, not a number (5)"),
        ("subject", {"id": ["c1"]}, "subject.id must be text, not a list"),
        ("engine", {"version": {}}, "engine.version must be text, not an object"),
    ],
)
def test_a_log_inner_field_of_the_wrong_type_is_named(logged, tmp_path, inner, value, said):
    entry = json.loads(logged)
    log = tmp_path / "hostile.jsonl"
    log.write_text(json.dumps(entry | {inner: value}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    assert (2, f"policyengine: {log}:1: {said}\n") == run("replay", str(log), "--lang", "en")[::2]


def test_a_log_key_given_twice_is_refused(logged, tmp_path):
    """A key given twice is refused as in any JSON input (the last one did win)."""
    log = tmp_path / "twice.jsonl"
    log.write_text(logged.replace('"verdict":"pass"', '"verdict":"pass","verdict":"fail"'),
                   encoding="utf-8")
    code, out, err = run("replay", str(log), "--lang", "en")
    assert (2, "0 decisions: 0 the same, 0 differ, 0 not replayed; 1 line not a decision\n") == (
        code, out)
    assert f'policyengine: {log}:1: not a JSON line: the key "verdict" is given twice\n' == err


def test_a_log_that_is_not_utf8_is_named(tmp_path):
    log = tmp_path / "bytes.jsonl"
    log.write_bytes(b"\n\xff\xfe{}\n")
    code, _, err = run("replay", str(log), "--lang", "en")
    assert (2, f"policyengine: {log}:2: not UTF-8 text: invalid start byte\n") == (code, err)


def test_every_bad_line_of_a_log_is_named_and_the_others_replayed(logged, tmp_path):
    """The first bad line stopped the replay (exit 2, no other line reported): a log whose
    writer was killed mid-line ends with half a line, and none of its decisions could be
    replayed. Each bad line is named on standard error; every decision is replayed."""
    entry = json.loads(logged)
    changed = json.dumps(entry | {"verdict": "fail"}, ensure_ascii=False)
    log = tmp_path / "cut.jsonl"
    log.write_text(logged + "{not json\n" + changed + "\n" + logged[:40], encoding="utf-8")
    code, out, err = run("replay", str(log), "--lang", "en")
    assert 2 == code
    assert [f"policyengine: {log}:2: not a JSON line", f"policyengine: {log}:4: not a JSON line"] == [
        line.split(":", 3)[0] + ":" + ":".join(line.split(":")[1:4]) for line in err.splitlines()
    ]
    assert out.startswith(f"{log}:3 decision {entry['decision_id']}")
    assert "verdict: fail → pass" in out
    assert out.endswith("2 decisions: 1 the same, 1 differ, 0 not replayed; 2 lines not a decision\n")


# ------------------------------------------------------------------ 2. failed writes

HEADER = ["community.id", "community.jurisdiction", "happiness.objective_score",
          "happiness.survey_score", "happiness.vetoes", "happiness.previous_stars"]


@pytest.fixture
def rows(tmp_path: Path) -> Path:
    """A table of 300 communities."""
    path = tmp_path / "rows.csv"
    street = json.dumps(WUMA_STREET, ensure_ascii=False)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [HEADER, *([f"c{i}", street, 500 + i % 200, 200 + i % 100, "[]", 2]
                       for i in range(300))]
        )
    return path


class _Full(cli_io._Temporary):
    """The temporary file :class:`Destination` writes, taking ``limit`` bytes and then
    refusing more as a full disk or a file size limit does (as its own ``write`` says it)."""

    limit = 0
    written = 0

    def write(self, data: Any) -> int:
        room = self.limit - self.written
        if room <= 0:
            raise cli_io.OutputError(f"{self.label}: cannot be written: File too large")
        count = super().write(bytes(data)[:room])
        self.written += count
        return count


FORMATS = ["jsonl", "json", "csv", "parquet", "xlsx", "html"]


@contextlib.contextmanager
def _file_size_limit(limit: int) -> Iterator[None]:
    """``ulimit -f``: the interpreter ignores SIGXFSZ, so writes beyond fail with EFBIG."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


@pytest.mark.parametrize("gaps", [False, True], ids=["", "gaps"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("part", [0.1, 0.5, 0.99])
def test_a_failed_write_leaves_no_temporary_file(rows, tmp_path, monkeypatch, fmt, part, gaps):
    """The output's file refuses bytes midway (a full disk, ``ulimit -f``): exit 2 with the
    system's words, and nothing left in the folder, no temporary file either."""
    folder = tmp_path / "t"
    folder.mkdir()
    argv = ["evaluate", str(rows), "--pack", "wuma-star-rating", "--as-of", AS_OF,
            "--format", fmt, "--output", str(folder / f"out.{fmt}"),
            *(["--gaps"] if gaps else [])]
    assert 0 == run(*argv)[0]
    size = (folder / f"out.{fmt}").stat().st_size
    (folder / f"out.{fmt}").unlink()
    monkeypatch.setattr(_Full, "limit", int(size * part))
    monkeypatch.setattr(cli_io, "_Temporary", _Full)
    code, _, err = run(*argv)
    assert (2, [], True) == (code, os.listdir(folder), "File too large" in err)
    assert "internal error" not in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_size_limit_leaves_no_temporary_file(rows, tmp_path, fmt):
    """The same under a real file size limit (every file the run writes): exit 2, one line
    of message, nothing left in the folder."""
    folder = tmp_path / "t"
    folder.mkdir()
    argv = ["evaluate", str(rows), "--pack", "wuma-star-rating", "--as-of", AS_OF,
            "--format", fmt, "--output", str(folder / f"out.{fmt}")]
    assert 0 == run(*argv)[0]
    size = (folder / f"out.{fmt}").stat().st_size
    (folder / f"out.{fmt}").unlink()
    with _file_size_limit(size // 2):
        code, _, err = run(*argv)
    assert (2, [], 1) == (code, os.listdir(folder), err.count("\n"))
    assert err.startswith("policyengine: ")
    assert "internal error" not in err


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "html"])
def test_a_failed_write_names_the_output(rows, tmp_path, fmt):
    folder = tmp_path / "t"
    folder.mkdir()
    output = folder / f"out.{fmt}"
    more = []  # 900 communities, in three tables (a table named twice counts its ids once)
    for n in (2, 3):
        more.append(tmp_path / f"rows{n}.csv")
        more[-1].write_text(rows.read_text("utf-8").replace("\nc", f"\nt{n}c"), "utf-8")
    argv = ["evaluate", str(rows), *map(str, more), "--pack", "wuma-star-rating",
            "--as-of", AS_OF, "--format", fmt, "--output", str(output)]
    with _file_size_limit(20000):
        code, _, err = run(*argv)
    assert (2, []) == (code, os.listdir(folder))
    assert f"policyengine: --output {output}：无法写入：File too large\n" == err


# ------------------------------------------------------------------ 3. xlsx in linear time


def _results(n: int) -> list[Any]:
    pack = api.default_registry().get("wuma-star-rating")
    return [
        api.evaluate(
            structure_subject({
                "community": {"id": f"=c{i}", "name": f"=HYPERLINK(\"x\")社区{i}\x01",
                              "jurisdiction": WUMA_STREET},
                "happiness": {"objective_score": 400 + i % 300, "survey_score": 200 + i % 100,
                              "vetoes": [], "previous_stars": 2},
            }),
            pack,
            as_of=dt.date(2014, 12, 31),
        )
        for i in range(n)
    ]


def test_xlsx_does_not_scan_the_sheet_per_row(monkeypatch):
    """Looking up a sheet's last row or column goes through all its cells: done once a row,
    a workbook took quadratic time (8,000 rows: 109 s)."""
    from openpyxl.worksheet.worksheet import Worksheet

    from policyengine.reports.xlsx import render_xlsx

    scans = 0
    for name in ("max_row", "max_column", "min_row", "min_column"):
        scan = getattr(Worksheet, name)

        def counted(ws: Any, scan: Any = scan) -> Any:
            nonlocal scans
            scans += 1
            return scan.fget(ws)

        monkeypatch.setattr(Worksheet, name, property(counted))
    render_xlsx(_results(200))
    assert scans < 50


def test_xlsx_text_starting_with_equals_stays_text():
    """Ids and names that start with '=' are text cells, never formulas; control characters
    are escaped as before."""
    from openpyxl import load_workbook

    from policyengine.reports.xlsx import render_xlsx

    book = load_workbook(io.BytesIO(render_xlsx(_results(3))))
    sheet = book["results"]
    ids = [(c.value, c.data_type) for c in sheet["A"][1:]]
    assert [("=c0", "s"), ("=c1", "s"), ("=c2", "s")] == ids
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


# ------------------------------------------------------------------ 4. describe --output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_describe_to_a_full_device_names_the_output():
    code, out, err = run("describe", "wuma-star-rating", "--output", "/dev/full")
    assert (2, "") == (code, out)
    assert err.startswith("policyengine: --output /dev/full: ")
