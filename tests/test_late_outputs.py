"""Outputs that read a table's result and a tally's counts: computed once those are known,
type-checked at load, covered by the cases, and left to the row path by the columnar
backend (visibly)."""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

import policyengine
from policyengine.authoring.cases import run_cases
from policyengine.cli import main
from policyengine.documents import structure_subject
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError

PACK = Path(__file__).resolve().parent / "fixtures" / "late_outputs"


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    return policyengine.load_pack(PACK)


def outputs(pack: policyengine.Pack, doc: dict[str, object]) -> dict[str, object]:
    result = policyengine.evaluate(structure_subject(doc), pack, as_of=dt.date(2016, 6, 1))
    return dict(result.outputs)


def test_outputs_read_the_table_and_the_tally(pack: policyengine.Pack) -> None:
    found = outputs(pack, {
        "community": {"id": "c"},
        "happiness": {"survey_score": 90, "previous_stars": 1},
        "organization": {"party_org": False},
        "spaces": {"service_stations": 1},
    })
    # 五: promoted from one star to two, 再奖励1万元; 二(一) failed, 二(二) met
    assert {"organization": {"pass": 0, "fail": 1, "unknown": 0},
            "service": {"pass": 1, "fail": 0, "unknown": 0}} == found["areas"]
    assert (10000, True, False, 1, True) == (
        found["reward_yuan"], found["rewarded"], found["all_met"],
        found["organization_failures"], found["commended_by_district"])
    # in the pack's order, as every output is listed
    assert ["stars", "rewarded", "all_met", "organization_failures",
            "commended_by_district"] == list(found)[:5]


def test_unknown_input_leaves_them_unknown(pack: policyengine.Pack) -> None:
    found = outputs(pack, {"community": {"id": "c"}, "organization": {"party_org": True},
                           "spaces": {"service_stations": 1}})
    assert (None, None, True) == (found["reward_yuan"], found["rewarded"], found["all_met"])


def test_its_cases_check_them_and_cover_them(pack: policyengine.Pack) -> None:
    report = run_cases(pack)
    assert (6, 0, ()) == (report.passed, report.failed, report.errors)
    assert 100.0 == report.coverage.percent


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('expression = "outputs.areas.organization.fail"',
         'expression = "outputs.areas.organisation.fail"',
         r"pack\.toml: outputs\.organization_failures: 'outputs\.areas\.organisation\.fail' "
         "is not a known fact"),
        ('expression = "outputs.reward_yuan > 0"', 'expression = "outputs.reward_yuan > \'0\'"',
         r"pack\.toml: outputs\.rewarded: .*cannot compare number with text"),
        ("""expression = 'outputs.commended_by == "区政府"'""",
         """expression = 'outputs.commended_by == "市政府"'""",
         r"pack\.toml: outputs\.commended_by_district: .*市政府"),
    ],
)
def test_they_are_type_checked_at_load(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (PACK / "pack.toml").read_text("utf-8")
    assert old in text
    (tmp_path / "pack.toml").write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(PackError, match=message):
        compile_pack(policyengine.load_pack(tmp_path))


def test_a_table_run_falls_back_to_the_row_path_visibly(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([
            ["community.id", "happiness.survey_score", "happiness.previous_stars",
             "organization.party_org", "spaces.service_stations"],
            ["a", "90", "1", "false", "1"],
            ["b", "89", "1", "true", "1"],
        ])
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", str(path), "--pack", str(PACK), "--as-of", "2016-06-01",
                 "--format", "csv", "--lang", "en"], stdin=io.StringIO(""), stdout=out, stderr=err)
    assert 1 == code
    assert "late-outputs has outputs that read a table or a tally" in err.getvalue()
    rows = {r["subject_id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert {"a": ("true", "false"), "b": ("false", "true")} == {
        k: (r["outputs.rewarded"], r["outputs.all_met"]) for k, r in rows.items()}
