"""Bad tables, said as bad input whatever the output format (facts.md "Tables").

The columnar reader (``--format csv|parquet``) and the row path (``--format jsonl``) give
the same message and exit code for the same file: the file, the row and the field path;
never an internal error.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tables import Run, cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
FORMATS = ("jsonl", "csv", "parquet")


def evaluate(table: Path, fmt: str, *more: str) -> Run:
    """``evaluate TABLE`` with the Wuma pack, results written beside the table."""
    output = table.parent / f"out-{fmt}.{fmt}"
    return cli("evaluate", str(table), *WUMA, "--format", fmt, "--output", str(output), *more)


def result_ids(path: Path) -> list[str]:
    """The subject ids of a results file, in any of the table formats."""
    if path.suffix == ".parquet":
        return pq.read_table(path).column("subject_id").to_pylist()
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            return [row["subject_id"] for row in csv.DictReader(fh)]
    return [json.loads(line)["subject"]["id"] for line in path.read_text("utf-8").splitlines()]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_integer_beyond_2_53_in_parquet_is_a_bad_row(tmp_path, fmt):
    """An int64 cell of 2^60 is refused at its row and path, as the row path refuses it."""
    table = tmp_path / "big.parquet"
    pq.write_table(
        pa.table(
            {
                "community.id": ["big", "fine"],
                "community.households": pa.array([2**60, 100], pa.int64()),
            }
        ),
        table,
    )
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert f"{table}, row 1: community.households：1152921504606846976 超过 2^53" in run.err
    assert "internal error" not in run.err
    errors = tmp_path / "errors.jsonl"
    run = evaluate(table, fmt, "--on-bad-record", "skip", "--errors", str(errors))
    assert 2 == run.code
    assert ["fine"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")
    bad = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert [(f"{table}, row 1", "community.households")] == [(b["record"], b["path"]) for b in bad]


def test_an_integer_just_beyond_2_53_is_refused_by_the_batch_api():
    """2^53 + 1 rounds to 2^53 as a float: it is compared as an integer, and refused."""
    from policyengine.batch import evaluate_table

    table = pa.table(
        {
            "community.id": ["big", "fine"],
            "community.households": pa.array([2**53 + 1, 2**53], pa.int64()),
        }
    )
    bad: list = []
    rows = evaluate_table(
        table,
        "wuma-star-rating",
        as_of=dt.date(2014, 12, 31),
        errors="skip",
        on_bad=lambda at, problems: bad.append((at, problems)),
    )
    assert ["fine"] == rows.column("subject_id").to_pylist()
    [(at, [problem])] = bad
    assert ("table, row 1", "community.households") == (at, problem.path)
    assert problem.message.startswith("9007199254740993 is beyond 2^53")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("content", [b"junk", b"PAR1" + b"\0" * 40], ids=["junk", "truncated"])
def test_a_file_that_is_not_parquet_is_named(tmp_path, fmt, content):
    """Junk bytes or a truncated file named .parquet: 'not a Parquet file', every format."""
    table = tmp_path / "x.parquet"
    table.write_bytes(content)
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert run.err.startswith(f"policyengine: {table}：不是 Parquet 文件（"), run.err
    run = evaluate(table, fmt, "--lang", "en")
    assert run.err.startswith(f"policyengine: {table}: not a Parquet file: "), run.err
    assert "internal error" not in run.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_damaged_parquet_page_is_named(tmp_path, fmt):
    """A page that cannot be read, its footer whole: 'not a Parquet file', every format."""
    table = tmp_path / "damaged.parquet"
    pq.write_table(pa.table({"community.id": [f"c{i}" for i in range(100)]}), table)
    data = bytearray(table.read_bytes())
    data[20:60] = b"\xff" * 40
    table.write_bytes(bytes(data))
    run = evaluate(table, fmt, "--lang", "en")
    assert 2 == run.code
    assert run.err.startswith(f"policyengine: {table}: not a Parquet file: "), run.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_csv_cell_of_2_mib_is_text_too_long(tmp_path, fmt):
    """A cell larger than the csv module's field limit is read, and refused by the text limit
    at its row and path (65,535 bytes), the other rows evaluated."""
    table = tmp_path / "long.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["community.id", "community.name"], ["long", "A" * 2097152], ["fine", "B"]]
        )
    run = evaluate(table, fmt, "--on-bad-record", "skip")
    assert 2 == run.code
    expected = f"{table}, row 2: community.name：文本长 2,097,152 字节，超过 65,535 字节的上限"
    assert expected in run.err
    assert "internal error" not in run.err
    assert ["fine"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_jsonl_file_not_in_utf8_is_named(tmp_path, fmt):
    """JSON Lines in GBK: the file and its first byte that is not UTF-8, as for a document."""
    table = tmp_path / "gbk.jsonl"
    table.write_bytes(b'{"community": {"id": "a"}}\n\xc9\xcf\n')
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert run.err.startswith(f"policyengine: {table}：不是 UTF-8 文本（位置 27 处的字节为 0xc9）")
    english = evaluate(table, fmt, "--lang", "en")
    expected = f"{table}: not UTF-8 text (byte 0xc9 at position 27); save the file as UTF-8"
    assert (2, f"policyengine: {expected}\n") == (english.code, english.err)


def test_replay_of_a_jsonl_file_not_in_utf8(tmp_path):
    """``replay --facts`` reads the table as evaluate does: the same message."""
    table = tmp_path / "gbk.jsonl"
    table.write_bytes(b"\xc9\xcf\n")
    log = tmp_path / "log.jsonl"
    community = tmp_path / "a.json"
    community.write_text(json.dumps({"community": {"id": "a"}}), encoding="utf-8")
    assert 1 == cli("evaluate", str(community), *WUMA, "--decision-log", str(log)).code
    run = cli("replay", str(log), "--facts", str(table), "--lang", "en")
    assert 2 == run.code
    assert f"{table}: not UTF-8 text (byte 0xc9 at position 0); save the file as UTF-8" in run.err
    assert "internal error" not in run.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_excel_formula_never_computed_is_a_bad_row(tmp_path, fmt):
    """A formula cell with no value computed (written by a program, not saved by Excel) is
    a bad row naming the cell's column; an empty cell stays a missing fact."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["community.id", "happiness.objective_score", "happiness.survey_score"])
    sheet.append(["formula", "=500+20", 250])
    sheet.append(["empty", None, 250])
    sheet.append(["only-formula", None, "=200+50"])
    table = tmp_path / "f.xlsx"
    book.save(table)
    errors = tmp_path / "errors.jsonl"
    run = evaluate(table, fmt, "--on-bad-record", "skip", "--errors", str(errors), "--lang", "en")
    assert 2 == run.code
    said = "is a formula with no computed value: open and save the workbook in Excel, or give the value"
    assert f"{table}, row 2: happiness.objective_score: '=500+20' {said}" in run.err
    assert f"{table}, row 4: happiness.survey_score: '=200+50' {said}" in run.err
    bad = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert [
        (f"{table}, row 2", "happiness.objective_score"),
        (f"{table}, row 4", "happiness.survey_score"),
    ] == [(b["record"], b["path"]) for b in bad]
    assert ["empty"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")


def test_an_excel_formula_computed_is_its_value(tmp_path):
    """A formula Excel computed is its value; one whose value is empty text (Excel writes
    ``t="str"`` and ``<v></v>``) is an empty cell, a missing fact."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["community.id", "happiness.objective_score", "community.name", "happiness.survey_score"]
    )
    sheet.append(["computed", "=600+50", '=""', 250])
    table = tmp_path / "f.xlsx"
    book.save(table)
    with zipfile.ZipFile(table) as old:  # as Excel saves it: values cached
        parts = {item: old.read(item) for item in old.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    sheet_xml = sheet_xml.replace("<f>600+50</f><v></v>", "<f>600+50</f><v>650</v>")
    sheet_xml = sheet_xml.replace(
        '<c r="C2"><f>""</f><v></v>', '<c r="C2" t="str"><f>""</f><v></v>'
    )
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    with zipfile.ZipFile(table, "w") as new:
        for item, data in parts.items():
            new.writestr(item, data)
    run = cli("evaluate", str(table), *WUMA, "--format", "jsonl")
    assert 1 == run.code, run.err
    result = json.loads(run.out)
    assert ("computed", None) == (result["subject"]["id"], result["subject"].get("name"))
    stars = next(f for f in result["findings"] if f["rule"] == "rating.stars")
    assert 900 == stars["inputs"]["happiness.total_score"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_huge_cell_that_is_not_a_number_is_quoted_short(tmp_path, fmt):
    """A 300,000-character cell in a number column: the problem quotes 80 characters of it,
    not the whole cell (it printed 300 KB of message)."""
    table = tmp_path / "n.csv"
    table.write_text("community.id,community.households\nh1," + "A" * 300_000 + "\n", "utf-8")
    run = evaluate(table, fmt, "--lang", "en")
    assert 2 == run.code
    assert f"{table}, row 2: community.households: '{'A' * 77}…' is not a whole number" in run.err
    assert len(run.err) < 1_000


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_damaged_excel_sheet_is_named(tmp_path, fmt):
    """A workbook whose sheet XML is cut short: 'not an Excel workbook', every format (it was
    an internal error: the sheet is parsed only as its rows are read)."""
    good, table = tmp_path / "ok.xlsx", tmp_path / "cut.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["community.id", "community.households"])
    book.active.append(["a", 5])
    book.save(good)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(table, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert run.err.startswith(f"policyengine: {table}：不是 Excel 工作簿（"), run.err


MONTHLY_CELLS = ["", "[]", '["2023-12-20"]', '["2024-05-24"]', '["2023-12-20", "2024-01-24"]',
                 '["2024-01-25"]', '[ "2023-12-24" ]', '["2024-02-30"]']


@settings(max_examples=25, deadline=None)
@given(cells=st.lists(st.sampled_from(MONTHLY_CELLS), min_size=1, max_size=8),
       as_of=st.sampled_from(["2023-12-24", "2024-01-25", "2024-03-25", "2024-07-01"]))
def test_report_dates_read_as_columns_equal_the_row_path(tmp_path_factory, cells, as_of):
    """Wuzhou's monthly reports (a list of dates a cell, some blank) give the same outcome
    as CSV (columns) as as JSON Lines (rows). A blank cell before an empty list made the
    empty list's outcome unknown on columns (overdue on rows)."""
    folder = tmp_path_factory.mktemp("reports")
    table = folder / "r.csv"
    place = '"[""广西壮族自治区"",""梧州市"",""长洲区""]"'
    lines = ["community.id,community.name,community.jurisdiction,reporting.monthly_reports"]
    for i, cell in enumerate(cells):
        quoted = '"' + cell.replace('"', '""') + '"' if cell else ""
        lines.append(f"m{i},神冠社区,{place},{quoted}")
    table.write_text("\n".join(lines) + "\n", "utf-8")
    pack = ("--pack", "wuzhou-complete-community", "--as-of", as_of, "--on-bad-record", "skip")
    rows = cli("evaluate", str(table), *pack, "--format", "jsonl")
    cols = cli("evaluate", str(table), *pack, "--format", "csv")
    assert rows.code == cols.code
    by_rows = {
        r["subject"]["id"]: (r["verdict"], next(
            f["outcome"] for f in r["findings"] if f["rule"] == "reporting.monthly-progress"
        ))
        for r in map(json.loads, rows.out.splitlines())
    }
    by_cols = {
        r["subject_id"]: (r["verdict"], r["rules.reporting.monthly-progress"])
        for r in csv.DictReader(cols.out.splitlines())
    }
    assert by_rows == by_cols


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_whole_number_written_with_zero_decimals_is_taken(tmp_path, fmt):
    """pandas writes an int column with a gap as floats ("1850.0"): taken as the JSON
    document's ``1850.0`` is, on rows and columns alike; "10.5" is still no whole number."""
    table = tmp_path / "pd.csv"
    table.write_text(
        "community.id,community.households,happiness.previous_stars\n"
        "a,1850.0,2.0\nb,1850,2\nc,10.5,1\n",
        "utf-8",
    )
    run = evaluate(table, fmt, "--on-bad-record", "skip", "--lang", "en")
    assert run.code == 2
    assert f"{table}, row 4: community.households: '10.5' is not a whole number" in run.err
    assert "row 2" not in run.err and "row 3" not in run.err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("facts", ["mixed", "street"])
def test_table_columns_in_the_order_results_md_lists_them(tmp_path, fmt, facts):
    """results.md "Tables in and out": subject_id, pack, pack_version, digest, as_of,
    verdict, every outputs.<key>, then every rules.<id> — with several packs, or a street
    and its communities, too (each pack's rules came before the next pack's outputs)."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    if facts == "street":
        given, pack = str(examples / "wuma-street.toml"), "wuma-star-rating"
    else:
        given, pack = str(examples / "wuma-community.toml"), "all"
    out = tmp_path / f"r.{fmt}"
    run = cli("evaluate", given, "--pack", pack, "--as-of", "2014-06-30", "--format", fmt,
              "--output", str(out))
    assert run.code in (0, 1), run.err
    if fmt == "csv":
        names = next(csv.reader(out.read_text("utf-8").splitlines()))
    else:
        names = pq.read_schema(out).names
    groups = [n.split(".")[0] for n in names]
    assert names[:6] == ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"]
    assert groups[6:] == sorted(groups[6:], key=["outputs", "rules"].index)
    assert "outputs" in groups and "rules" in groups


def _workbook_with_dimension(path: Path, rows: list[list[object]], dimension: str | None) -> Path:
    """A workbook of ``rows`` whose sheet records ``dimension`` as its size (a stale or
    minimal ``<dimension ref>``, as streaming writers leave it)."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml" and dimension is not None:
                text = data.decode()
                start = text.index("<dimension ")
                end = text.index("/>", start) + 2
                data = (text[:start] + f'<dimension ref="{dimension}"/>' + text[end:]).encode()
            dst.writestr(item, data)
    return path


@pytest.mark.parametrize("dimension", ["A1:B3", "A1"])
def test_every_row_of_a_workbook_is_read_whatever_size_it_records(tmp_path, dimension):
    """openpyxl's read-only sheets stop at the size the file records: with A1:B3 on a sheet
    of five communities two were evaluated (the vetoed one, a fail, was gone), with A1 none,
    and the run exited 0. Excel reads every row; so does evaluate."""
    rows = [["community.id", "happiness.vetoes"]]
    rows += [[f"c{i}", "[]" if i < 5 else '["family_planning"]'] for i in range(1, 6)]
    table = _workbook_with_dimension(tmp_path / "dim.xlsx", rows, dimension)
    run = evaluate(table, "csv")
    assert run.code == 1, run.err
    assert result_ids(tmp_path / "out-csv.csv") == ["c1", "c2", "c3", "c4", "c5"]


def test_a_workbook_value_under_no_header_is_a_bad_row(tmp_path):
    """A veto in a column with no header was dropped in silence (the community passed on
    eligibility); a CSV row with more cells than its header is a bad row, and so is this."""
    rows = [["community.id", "happiness.vetoes"], ["wm-1", "[]", None, '["family_planning"]']]
    table = _workbook_with_dimension(tmp_path / "ragged.xlsx", rows, None)
    run = evaluate(table, "jsonl")
    assert run.code == 2
    assert "ragged.xlsx, row 2" in run.err and "表头有 2 列" in run.err
    assert not (tmp_path / "out-jsonl.jsonl").exists()


def test_a_progress_bar_shows_on_a_terminal_that_reports_no_size(tmp_path):
    """results.md: "A progress bar shows on a terminal." A terminal reporting 0 x 0 (a pty
    no one sized) drew nothing: the bar's rows came out as -1."""
    import os
    import pty
    import subprocess
    import sys

    rows = [[f"c{i}", "[]"] for i in range(3000)]
    table = tmp_path / "t.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["community.id", "happiness.vetoes"], *rows])
    main, side = pty.openpty()  # 0 x 0: nothing sets its size
    command = [sys.executable, "-m", "policyengine", "evaluate", str(table), *WUMA,
               "--format", "jsonl", "--output", str(tmp_path / "out.jsonl")]
    done = subprocess.run(command, stderr=side, stdout=subprocess.DEVNULL, timeout=120,
                          check=False)
    os.close(side)
    said = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        said += chunk
    os.close(main)
    assert done.returncode == 1
    assert b"row [" in said and b"\r" in said


def test_a_run_stopped_by_sigterm_leaves_no_partial_output(tmp_path):
    """``kill`` (SIGTERM: timeout, systemd, Kubernetes) left the hidden temporary file of
    --output behind (430 MB in an audit); Ctrl-C did not. It now ends as Ctrl-C does:
    nothing written, exit 143."""
    import signal
    import subprocess
    import sys
    import time

    table = tmp_path / "t.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["community.id", "happiness.vetoes"], *([f"c{i}", "[]"] for i in range(200_000))]
        )
    output = tmp_path / "out" / "r.jsonl"
    output.parent.mkdir()
    command = [sys.executable, "-m", "policyengine", "evaluate", str(table), *WUMA,
               "--output", str(output)]
    run = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(output.parent.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the run is writing
    assert list(output.parent.iterdir()), "the run never started writing"
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 143
    assert list(output.parent.iterdir()) == []
    assert b"SIGTERM" in err


@pytest.mark.parametrize("text", ["", "community.id,happiness.vetoes\n", "community.id,happiness.vetoes"])
@pytest.mark.parametrize("fmt", [*FORMATS, "json"])
def test_a_table_with_no_community_is_bad_input_not_a_pass(tmp_path, text, fmt):
    """An empty or header-only table exited 0 (a truncated upload read as "all pass"), while
    the same file as an include was refused; a header without a line break gave Arrow's own
    words. Now exit 2 saying the table holds no community, and nothing written."""
    table = tmp_path / "t.csv"
    table.write_text(text, encoding="utf-8")
    run = evaluate(table, fmt)
    assert run.code == 2
    assert "t.csv：表中没有社区（表头下没有任何一行）" in run.err
    assert not (tmp_path / f"out-{fmt}.{fmt}").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_id_cell_is_named_by_its_path(tmp_path, fmt):
    """An empty community.id cell was said as "the document has neither a [community] nor a
    [jurisdiction] table": TOML words, no path, for someone editing a spreadsheet."""
    table = tmp_path / "t.csv"
    table.write_text("community.id,happiness.objective_score\n,500\nwm-2,1\n", encoding="utf-8")
    run = evaluate(table, fmt)
    assert run.code == 2
    assert run.err.splitlines() == ["t.csv, row 2: community.id：必须填写".replace("t.csv", str(table))]


def _bomb(path: Path) -> Path:
    """A valid workbook whose sheet XML holds 70 MiB of spaces: 70 kB compressed."""
    book = openpyxl.Workbook()
    book.active.append(["community.id"])
    book.active.append(["c1"])
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (70 << 20), 1)
            dst.writestr(item.filename, data, zipfile.ZIP_DEFLATED)
    return path


def test_a_workbook_that_inflates_like_a_bomb_is_not_read(tmp_path):
    """A 1.6 MB .xlsx whose sheet inflated to 1.6 GB took 3.4 GB of memory to read, as a
    table or through an include (the 64 MiB include limit counts compressed bytes). A part
    inflating over 100 times its compressed size, beyond 64 MiB, is refused unread."""
    table = _bomb(tmp_path / "bomb.xlsx")
    run = evaluate(table, "csv")
    assert run.code == 2
    assert "bomb.xlsx：未读取：其中的 xl/worksheets/sheet1.xml 解压后有" in run.err
    street = tmp_path / "street.toml"
    street.write_text(
        '[jurisdiction]\nid = "j"\nlevel = "street"\n\n[[communities]]\ninclude = "bomb.xlsx"\n',
        encoding="utf-8",
    )
    run = cli("evaluate", str(street), *WUMA)
    assert run.code == 2
    assert "inflates" in run.err or "解压后" in run.err
