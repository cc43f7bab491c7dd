"""Tables as ``evaluate`` reads them, after an audit of its input side (facts.md "Tables",
results.md "Tables in and out", "Language").

Each test names what was wrong. A problem names the file, the row and the field path, in
Chinese by default; the run exits 2 and writes nothing; no Python or Arrow words reach the
person. The columnar reader (``--format csv|parquet``) and the row path (``--format
jsonl``) say the same.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import decimal
import json
import os
from pathlib import Path

import pytest
from test_table_defects import FORMATS, WUMA, evaluate, result_ids
from test_tables import cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

INTERNALS = ("Traceback", "codec", "position", "Exceeds", "sys.set_int", "Arrow", "bytes",
             "Decimal", "internal error")
WUMA_STREET = '"[""浙江省"",""温州市"",""鹿城区"",""五马街道""]"'


def no_internals(err: str) -> None:
    for word in INTERNALS:
        assert word not in err


def nothing_written(table: Path, fmt: str) -> bool:
    return not (table.parent / f"out-{fmt}.{fmt}").exists()


# ------------------------------------------------------------------ 1. GBK-encoded CSV

GBK_ROWS = "community.id,community.name,happiness.objective_score\nwm-1,五马街道,500\n"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_gbk_csv_is_refused_naming_its_line_and_the_encoding(tmp_path, fmt):
    """A CSV saved by Chinese Excel (GBK) gave the codec's English words and a byte position
    within a block. Now: the line of the first byte that is not UTF-8, that the file looks
    like GBK/GB18030, and how to save it; in Chinese; exit 2, nothing written."""
    table = tmp_path / "gbk.csv"
    table.write_bytes(GBK_ROWS.encode("gbk"))
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert run.err.startswith(f"policyengine: {table} 第 2 行：不是 UTF-8 文本（字节 0xce）")
    assert "GBK/GB18030" in run.err and "CSV UTF-8" in run.err
    no_internals(run.err)
    assert nothing_written(table, fmt)
    english = evaluate(table, fmt, "--lang", "en")
    assert 2 == english.code
    assert f"{table}, line 2: not UTF-8 text (byte 0xce); it looks like GBK" in english.err


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_gbk_line_far_down_a_csv_is_named(tmp_path, fmt):
    """The bad byte past the first block Arrow or Python reads: its line, not Arrow's words."""
    table = tmp_path / "late.csv"
    rows = ["community.id,community.name"] + [f"wm-{i},n" for i in range(5000)]
    text = "\n".join(rows) + "\nlast,五马\n"
    table.write_bytes(text.encode("gbk"))
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert f"{table} 第 5002 行：不是 UTF-8 文本" in run.err
    no_internals(run.err)
    assert nothing_written(table, fmt)


def test_a_csv_neither_utf8_nor_gbk_gets_no_gbk_hint(tmp_path):
    table = tmp_path / "latin.csv"
    table.write_bytes("community.id,community.name\ncafé,x\n".encode("latin-1"))
    run = evaluate(table, "csv")
    assert 2 == run.code
    assert f"{table} 第 2 行：不是 UTF-8 文本（字节 0xe9），请将文件另存为 UTF-8 编码" in run.err
    assert "GBK" not in run.err


def jurisdiction(folder: Path, include: str) -> Path:
    doc = folder / "district.json"
    head = {"id": "d", "level": "street", "name": "五马街道",
            "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]}
    doc.write_text(json.dumps({"jurisdiction": head, "communities": [{"include": include}]}),
                   "utf-8")
    return doc


def test_an_included_gbk_csv_is_said_in_chinese(tmp_path):
    (tmp_path / "c.csv").write_bytes(GBK_ROWS.encode("gbk"))
    run = cli("evaluate", str(jurisdiction(tmp_path, "c.csv")), *WUMA)
    assert 2 == run.code
    assert f"{tmp_path / 'c.csv'} 第 2 行：不是 UTF-8 文本（字节 0xce）；文件看起来是 GBK" in run.err
    no_internals(run.err)


# ------------------------------------------------------ 3. a number of 4,300 digits and more


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_csv_number_of_5000_digits_is_said_as_a_json_document_says_it(tmp_path, fmt):
    """Python's "Exceeds the limit (4300 digits) …" reached the person; now the sentence a
    JSON document gets, at the row and the field path."""
    table = tmp_path / "long.csv"
    table.write_text(f"community.id,happiness.objective_score\nwm-1,{'9' * 5000}\n", "utf-8")
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert f"{table}, row 2: happiness.objective_score：有数字超过 4,300 位\n" == run.err
    no_internals(run.err)
    assert nothing_written(table, fmt)


def test_a_jsonl_number_of_5000_digits_is_said_in_chinese(tmp_path):
    table = tmp_path / "long.jsonl"
    table.write_text(
        f'{{"community": {{"id": "wm-1"}}, "happiness": {{"objective_score": {"9" * 5000}}}}}\n',
        "utf-8",
    )
    run = evaluate(table, "jsonl")
    assert 2 == run.code
    assert f"{table}, line 1: 不是有效的 JSON：有数字超过 4,300 位\n" == run.err


# ----------------------------------------------------------- 4. Parquet decimals and bytes


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_parquet_decimal_is_a_number(tmp_path, fmt):
    """decimal128 cells were refused as "a value of type Decimal 不是数字"."""
    street = ["浙江省", "温州市", "鹿城区", "五马街道"]
    plain = tmp_path / "plain.parquet"
    dec = tmp_path / "dec.parquet"
    columns = {"community.id": ["five", "low"], "community.jurisdiction": [street, street],
               "happiness.survey_score": [250, 10], "happiness.vetoes": [[], []],
               "happiness.previous_stars": [4, 0]}
    pq.write_table(pa.table({**columns, "happiness.objective_score": [650.5, 1.25],
                             "community.households": [1200, 30]}), plain)
    pq.write_table(pa.table({
        **columns,
        "happiness.objective_score": pa.array(
            [decimal.Decimal("650.50"), decimal.Decimal("1.25")], pa.decimal128(10, 2)),
        "community.households": pa.array(
            [decimal.Decimal("1200"), decimal.Decimal("30")], pa.decimal128(12, 0)),
    }), dec)
    want = evaluate(plain, fmt)
    (tmp_path / f"out-{fmt}.{fmt}").rename(tmp_path / f"want.{fmt}")
    got = evaluate(dec, fmt)
    assert (want.code, want.err) == (got.code, got.err)
    assert got.code in (0, 1) and "row" not in got.err  # nothing refused
    if fmt == "parquet":
        assert pq.read_table(tmp_path / "want.parquet") == pq.read_table(tmp_path / "out-parquet.parquet")
    else:
        assert (tmp_path / f"want.{fmt}").read_bytes() == (tmp_path / f"out-{fmt}.{fmt}").read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_parquet_binary_text_column_is_said_without_type_names(tmp_path, fmt):
    table = tmp_path / "bin.parquet"
    pq.write_table(pa.table({"community.id": ["wm-1"],
                             "community.name": pa.array([b"\xce\xe5"], pa.binary())}), table)
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert f"{table}, row 1: community.name：是二进制数据，不是文本：请把这一列存为文本（字符串）列\n" == run.err
    no_internals(run.err)


# ------------------------------------------------------------ 5. an included empty table


def test_an_included_header_only_table_is_said_in_chinese(tmp_path):
    (tmp_path / "x.csv").write_text("community.id,happiness.objective_score\n", "utf-8")
    run = cli("evaluate", str(jurisdiction(tmp_path, "x.csv")), *WUMA)
    assert 2 == run.code
    assert f"{tmp_path / 'x.csv'}：表中没有社区（表头下没有任何一行）" in run.err
    assert "no row below" not in run.err


# ------------------------------------------------------- 6. numbers as JSON, and spaces


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("cell", "shown", "kind"), [
    ("1_00", "'1_00'", "不是数字"),
    ("５００", "'５００'", "不是数字"),
    ("٥٠٠", "'٥٠٠'", "不是数字"),
])
def test_a_number_cell_is_what_a_json_number_is(tmp_path, fmt, cell, shown, kind):
    """``1_00`` was read as 100, full-width and Arabic-Indic digits as 500."""
    table = tmp_path / "n.csv"
    table.write_text(f"community.id,happiness.objective_score\nwm-1,{cell}\n", "utf-8")
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert f"{table}, row 2: happiness.objective_score：{shown} {kind}\n" == run.err
    assert nothing_written(table, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_integer_cell_with_other_digits_is_refused(tmp_path, fmt):
    table = tmp_path / "n.csv"
    table.write_text("community.id,community.households\nwm-1,１２\nwm-2,1_2\n", "utf-8")
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert [f"{table}, row 2: community.households：'１２' 不是整数",
            f"{table}, row 3: community.households：'1_2' 不是整数"] == run.err.splitlines()


@pytest.mark.parametrize("fmt", FORMATS)
def test_spaces_around_cells_and_blank_cells(tmp_path, fmt):
    """Spaces around an id or a choice are not part of it (``'  wm-1  '`` is ``wm-1``; the
    choice `` urban `` was refused); a cell of spaces only is a missing fact in every column
    (it was a name of spaces); a name keeps its own spaces."""
    table = tmp_path / "s.csv"
    table.write_text(
        "community.id,community.name,community.kind,happiness.objective_score\n"
        "  wm-1  ,   , urban , 500 \n"
        "wm-2,\u3000,\u3000,1\n"
        "wm-3, 名字 ,rural,1\n",
        "utf-8",
    )
    run = evaluate(table, fmt)
    assert "" == run.err.split("wuma-star-rating：")[0]
    assert run.code in (0, 1)
    assert ["wm-1", "wm-2", "wm-3"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")
    evaluate(table, "jsonl")
    results = (tmp_path / "out-jsonl.jsonl").read_text("utf-8").splitlines()
    assert [None, None, " 名字 "] == [json.loads(r)["subject"]["name"] for r in results]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_id_of_spaces_only_is_missing(tmp_path, fmt):
    table = tmp_path / "s.csv"
    table.write_text("community.id,happiness.objective_score\n   ,500\nwm-2,1\n", "utf-8")
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert [f"{table}, row 2: community.id：必须填写"] == run.err.splitlines()


# ------------------------------------------------------------------- 7. an id given twice


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_id_given_twice_in_a_table_is_a_bad_row(tmp_path, fmt):
    """The second row of an id was evaluated and counted again."""
    table = tmp_path / "dup.csv"
    table.write_text(
        "community.id,happiness.objective_score\nwm-1,500\nwm-2,1\n wm-1 ,2\nwm-3,3\n", "utf-8"
    )
    run = evaluate(table, fmt)
    assert 2 == run.code
    said = f'{table}, row 4: community.id：社区编号 "wm-1" 出现了两次（另见 {table}, row 2）；每个社区只计一次'
    assert [said] == run.err.splitlines()
    assert nothing_written(table, fmt)
    errors = tmp_path / "errors.jsonl"
    skip = evaluate(table, fmt, "--on-bad-record", "skip", "--errors", str(errors))
    assert 2 == skip.code
    assert ["wm-1", "wm-2", "wm-3"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")
    bad = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert [(f"{table}, row 4", "community.id")] == [(b["record"], b["path"]) for b in bad]
    assert "共 3 个" in skip.err


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_id_given_twice_in_a_parquet_table_is_a_bad_row(tmp_path, fmt):
    table = tmp_path / "dup.parquet"
    pq.write_table(pa.table({"community.id": ["x", "y", "z", "y"]}), table)
    run = evaluate(table, fmt)
    assert 2 == run.code
    said = f'{table}, row 4: community.id：社区编号 "y" 出现了两次（另见 {table}, row 2）；每个社区只计一次'
    assert [said] == run.err.splitlines()
    assert nothing_written(table, fmt)


def test_ids_given_twice_many_rows_apart_are_found(tmp_path, monkeypatch):
    """Past the ids held in a dictionary (merged into sorted arrays), in a batch after the
    first: the first row is still named."""
    from policyengine import seen_ids
    from policyengine.columnar import fast

    monkeypatch.setattr(seen_ids, "_MERGE", 4)  # merged every 4 ids
    monkeypatch.setattr(fast, "CSV_BLOCK_BYTES", 64)  # some 10 rows a batch
    table = tmp_path / "many.csv"
    ids = [f"c{i}" for i in range(100)] + ["c3", "c99"]
    table.write_text("community.id\n" + "\n".join(ids) + "\n", "utf-8")
    for fmt in ("csv", "jsonl"):
        run = evaluate(table, fmt, "--on-bad-record", "skip")
        assert 2 == run.code
        lines = [line for line in run.err.splitlines() if "出现了两次" in line]
        assert [f'{table}, row 102: community.id：社区编号 "c3" 出现了两次（另见 {table}, row 5）；每个社区只计一次',
                f'{table}, row 103: community.id：社区编号 "c99" 出现了两次（另见 {table}, row 101）；每个社区只计一次'] == lines


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_folder_holding_a_document_twice_counts_it_once(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.toml").write_text('[community]\nid = "wm-1"\n', "utf-8")
    (folder / "b.toml").symlink_to("a.toml")
    out = tmp_path / "out.jsonl"
    run = cli("evaluate", str(folder), *WUMA, "--output", str(out), "--format", "jsonl")
    assert 2 == run.code
    assert f'{folder / "b.toml"}: community.id：社区编号 "wm-1" 出现了两次（另见 {folder / "a.toml"}）' in run.err
    assert not out.exists()


# ------------------------------------------------------------- 8. a long column name


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_long_column_name_is_shortened_in_the_message(tmp_path, fmt):
    """A 3 MB header name made a 3 MB message."""
    table = tmp_path / "wide.csv"
    table.write_text(f"community.id,{'x' * 3_000_000}\nwm-1,1\n", "utf-8")
    run = evaluate(table, fmt)
    assert 2 == run.code
    assert len(run.err) < 400
    assert "x" * 77 + "…" in run.err and "不是事实词汇表中的事实路径" in run.err


def test_many_unknown_columns_are_counted_not_all_named(tmp_path):
    table = tmp_path / "wide.csv"
    table.write_text("community.id," + ",".join(f"c{i}" for i in range(500)) + "\n", "utf-8")
    run = evaluate(table, "csv")
    assert 2 == run.code
    assert "'c9', … (+490)" in run.err and "'c10'" not in run.err


def test_a_column_given_twice_with_a_long_name_is_shortened(tmp_path):
    name = "y" * 100_000
    table = tmp_path / "twice.csv"
    table.write_text(f"community.id,{name},{name}\nwm-1,1,1\n", "utf-8")
    run = evaluate(table, "jsonl")
    assert 2 == run.code and len(run.err) < 400


# ----------------------------------------------------------------------- 9. Excel sheets


def _book(path: Path, sheets: list[tuple[str, list[list[object]], str]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    book.save(path)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_first_visible_sheet_is_read(tmp_path, fmt):
    """A hidden first sheet (a workbook's helper data) was read instead of the table shown."""
    table = _book(tmp_path / "t.xlsx", [
        ("helper", [["community.id", "happiness.objective_score"], ["bad", "abc"]], "hidden"),
        ("communities", [["community.id", "happiness.objective_score"], ["wm-1", 500]], "visible"),
    ])
    run = evaluate(table, fmt)
    assert 1 == run.code, run.err
    assert ["wm-1"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_numeric_excel_id_is_its_digits(tmp_path, fmt):
    """1001 typed in Excel was refused as "1001 不是文本", while a CSV's 1001 was taken."""
    table = _book(tmp_path / "n.xlsx", [
        ("s", [["community.id", "happiness.objective_score"], [1001, 500], [1002.0, 1]], "visible"),
    ])
    run = evaluate(table, fmt)
    assert 1 == run.code, run.err
    assert ["1001", "1002"] == result_ids(tmp_path / f"out-{fmt}.{fmt}")
