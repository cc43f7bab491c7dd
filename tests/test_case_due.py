"""A case may expect a finding's due date; one that names none does not match."""

from __future__ import annotations

from pathlib import Path

import pytest

import policyengine
from policyengine.authoring.cases import CaseFileError, failure_lines, load_case_file, run_case

MUTATE = Path(__file__).resolve().parent / "fixtures" / "mutate"

CASE = """
[[cases]]
name = "二 到期日"
as_of = 2021-06-01
[cases.facts]
community = {{ id = "c", kind = "urban", households = 500 }}
[cases.expect]
due = {{ "{rule}" = 2015-12-31 }}
"""


def test_a_due_date_the_finding_does_not_name_fails_the_case(tmp_path: Path) -> None:
    pack = policyengine.load_pack(MUTATE)
    file = tmp_path / "cases" / "due.toml"
    file.parent.mkdir()
    file.write_text(CASE.format(rule="size.households"), "utf-8")
    (case,) = load_case_file(file, pack)
    result = run_case(case, pack)
    assert not result.passed
    assert [(m.kind, m.key) for m in result.mismatches] == [("due", "size.households")]
    assert '  size.households due date: expected "2015-12-31", got none' in failure_lines(result)


def test_a_due_date_of_an_unknown_rule_is_a_case_file_error(tmp_path: Path) -> None:
    pack = policyengine.load_pack(MUTATE)
    file = tmp_path / "cases" / "due.toml"
    file.parent.mkdir()
    file.write_text(CASE.format(rule="size.nothing"), "utf-8")
    with pytest.raises(CaseFileError, match=r"expect\.due\.\"size\.nothing\"|size\.nothing"):
        load_case_file(file, pack)
