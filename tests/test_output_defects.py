"""What a command writes never overwrites, or appends to, what it reads; a decision log is a
regular file and holds only the decisions of runs whose results were written (results.md:
nothing half-written; docs/security.md)."""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from policyengine.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = ROOT / "examples" / "wuma-community.toml"
WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
ALSO = "is also an input; write the results elsewhere"
BAD = '[community]\nid = "bad"\n[community.population]\nhouseholds = -5\n'


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def street(tmp_path: Path) -> Path:
    """``street.toml`` including ``c.toml`` (the Wuma example) beside it."""
    shutil.copy(COMMUNITY, tmp_path / "c.toml")
    path = tmp_path / "street.toml"
    path.write_text('[jurisdiction]\nid = "s"\n[[communities]]\ninclude = ["c.toml"]\n', "utf-8")
    return path


# ------------------------------------------------ an output that an input includes


@pytest.mark.parametrize("command", ["evaluate", "gap", "report"])
def test_output_naming_an_included_file_is_refused_unwritten(street: Path, command: str) -> None:
    included = street.parent / "c.toml"
    before = included.read_bytes()
    code, out, err = run(command, str(street), *WUMA, "--lang", "en", "--output", str(included))
    assert (2, "", f"policyengine: --output {included}: {ALSO}\n") == (code, out, err)
    assert before == included.read_bytes()
    assert ["c.toml", "street.toml"] == sorted(p.name for p in street.parent.iterdir())


def test_errors_naming_an_included_file_is_refused_unwritten(street: Path) -> None:
    included = street.parent / "c.toml"
    before = included.read_bytes()
    code, _, err = run("evaluate", str(street), *WUMA, "--lang", "en", "--errors", str(included))
    assert (2, f"policyengine: --errors {included}: {ALSO}\n") == (code, err)
    assert before == included.read_bytes()


def test_the_refusal_is_said_in_chinese_by_default(street: Path) -> None:
    included = street.parent / "c.toml"
    code, _, err = run("evaluate", str(street), *WUMA, "--output", str(included))
    assert (2, f"policyengine: --output {included}：也是输入文件，请把结果写到别处\n") == (
        code,
        err,
    )


def test_an_output_beside_the_included_file_is_written(street: Path) -> None:
    """Only the file read is refused: another file in the folder is written."""
    out = street.parent / "r.json"
    code, _, err = run("evaluate", str(street), *WUMA, "--format", "json", "--output", str(out))
    assert ("", "s") == (err, json.loads(out.read_text("utf-8"))["subject"]["id"])
    assert code in (0, 1)


# ---------------------------------------------------------------- the decision log


def test_decision_log_naming_the_input_is_refused_unwritten(tmp_path: Path) -> None:
    facts = tmp_path / "c.toml"
    shutil.copy(COMMUNITY, facts)
    code, _, err = run("evaluate", str(facts), *WUMA, "--lang", "en", "--decision-log", str(facts))
    assert (2, f"policyengine: --decision-log {facts}: {ALSO}\n") == (code, err)
    assert COMMUNITY.read_bytes() == facts.read_bytes()


def test_decision_log_naming_an_included_file_is_refused_unwritten(street: Path) -> None:
    included = street.parent / "c.toml"
    code, _, err = run(
        "evaluate", str(street), *WUMA, "--lang", "en", "--decision-log", str(included)
    )
    assert (2, f"policyengine: --decision-log {included}: {ALSO}\n") == (code, err)
    assert COMMUNITY.read_bytes() == included.read_bytes()


def test_a_failed_run_appends_no_decision(tmp_path: Path) -> None:
    """The good community before the bad one was decided, but the run failed and wrote no
    results: the log neither records it nor is made."""
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, "utf-8")
    log = tmp_path / "log.jsonl"
    code, out, _ = run("evaluate", str(COMMUNITY), str(bad), *WUMA, "--decision-log", str(log))
    assert (2, "", False) == (code, out, log.exists())


def test_a_failed_run_leaves_an_existing_log_as_it_was(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, "utf-8")
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'{"earlier": 1}\n')
    code, _, _ = run("evaluate", str(COMMUNITY), str(bad), *WUMA, "--decision-log", str(log))
    assert (2, b'{"earlier": 1}\n') == (code, log.read_bytes())


def test_skipping_bad_records_logs_the_decisions_written(tmp_path: Path) -> None:
    """With ``--on-bad-record skip`` the good community's result is written, and logged."""
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, "utf-8")
    log = tmp_path / "log.jsonl"
    code, out, _ = run(
        "evaluate",
        str(COMMUNITY),
        str(bad),
        *WUMA,
        "--format",
        "jsonl",
        "--on-bad-record",
        "skip",
        "--decision-log",
        str(log),
    )
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    written = [json.loads(line)["subject"]["id"] for line in out.splitlines()]
    assert (2, ["wm-001"], ["wm-001"]) == (code, written, [e["subject"]["id"] for e in lines])


def test_a_run_logs_every_decision_in_order(tmp_path: Path) -> None:
    """Many decisions held, then appended whole lines at a time, in the order decided."""
    folder = tmp_path / "facts"
    folder.mkdir()
    text = COMMUNITY.read_text("utf-8")
    ids = [f"c{i:03d}" for i in range(40)]
    for cid in ids:
        (folder / f"{cid}.toml").write_text(text.replace('"wm-001"', f'"{cid}"'), "utf-8")
    log = tmp_path / "log.jsonl"
    code, _, err = run(
        "evaluate", str(folder), *WUMA, "--format", "jsonl", "--decision-log", str(log)
    )
    assert "" == err.split("wuma-star-rating")[0]
    assert ids == [json.loads(x)["subject"]["id"] for x in log.read_text("utf-8").splitlines()]
    assert code in (0, 1)


# -------------------------------------------------------- output checked before work


def test_gap_output_in_a_missing_folder_is_refused_before_reading(tmp_path: Path) -> None:
    """The facts are not read (a missing facts file is not reported): --output first."""
    out = tmp_path / "none" / "gap.txt"
    code, _, err = run(
        "gap", str(tmp_path / "missing.toml"), *WUMA, "--lang", "en", "--output", str(out)
    )
    said = f"policyengine: --output {out}: the folder {out.parent} does not exist\n"
    assert (2, said) == (code, err)


def test_report_output_that_is_a_folder_is_refused_before_reading(tmp_path: Path) -> None:
    code, _, err = run("report", str(tmp_path / "missing.toml"), *WUMA, "--output", str(tmp_path))
    assert (2, f"policyengine: --output {tmp_path}：是文件夹；请给出文件名\n") == (code, err)


# --------------------------------------------------- a folder's file names are data


def test_a_file_name_with_a_line_break_in_a_facts_folder_is_not_read(tmp_path: Path) -> None:
    """Its name would forge a line of the messages: named escaped, not read."""
    folder = tmp_path / "facts"
    folder.mkdir()
    shutil.copy(COMMUNITY, folder / "c.toml")
    shutil.copy(COMMUNITY, folder / "x\nfacts: y.toml")
    code, out, err = run("validate", str(folder), "--lang", "en")
    said = f'"{folder}/x\\nfacts: y.toml": a file name with a line break or a control character is not read\n'
    assert (2, "ok: community wm-001\n", said) == (code, out, err)


def test_describe_never_writes_over_the_packs_own_file(tmp_path: Path) -> None:
    """``describe PACK --output PACK/pack.toml`` replaced the pack with its page; another
    file in the pack's folder (its README) is written."""
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "tests" / "fixtures" / "cases" / "gaps", pack)
    before = (pack / "pack.toml").read_bytes()
    toml = pack / "pack.toml"
    code, _, err = run("describe", str(pack), "--output", str(toml))
    assert (2, f"policyengine: --output {toml}: {ALSO}\n") == (code, err)
    assert before == toml.read_bytes()
    assert (0, "") == run("describe", str(pack), "--output", str(pack / "README.md"))[::2]
    assert (pack / "README.md").read_text("utf-8").startswith("# ")
