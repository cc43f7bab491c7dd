"""Time relative to dated facts: a term from a date, a window of years before a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine
from policyengine.authoring.cases import run_cases
from policyengine.authoring.mutate import run_mutants
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError
from policyengine.relative_time import add_period

PACK = Path(__file__).resolve().parent / "fixtures" / "relative"


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    """A three-year title to review and no veto in the two years before applying."""
    return policyengine.load_pack(PACK)


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture pack with one piece of its pack.toml replaced."""
    text = (PACK / "pack.toml").read_text("utf-8")
    assert old in text
    (tmp_path / "pack.toml").write_text(text.replace(old, new, 1), "utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("day", "years", "months", "expected"),
    [
        (dt.date(2016, 5, 20), 3, 0, dt.date(2019, 5, 20)),
        (dt.date(2016, 2, 29), 1, 0, dt.date(2017, 2, 28)),  # no 29 February in 2017
        (dt.date(2018, 3, 1), -2, 0, dt.date(2016, 3, 1)),
        (dt.date(2018, 1, 31), 0, 1, dt.date(2018, 2, 28)),
    ],
)
def test_add_period(day: dt.date, years: int, months: int, expected: dt.date) -> None:
    assert add_period(day, years, months) == expected


def test_the_cases_at_each_edge_pass(pack: policyengine.Pack) -> None:
    report = run_cases(pack)
    assert (report.passed, report.failed, report.errors) == (10, 0, ())


def test_the_cases_kill_every_mutant(pack: policyengine.Pack) -> None:
    report = run_mutants(pack)
    assert report.survivors == []
    changes = {r.mutant.change for r in report.results}
    assert {"3 → 2", "3 → 4", "2 → 1"} <= changes  # the term and the window, one year off


def test_the_term_runs_from_the_date_fact(pack: policyengine.Pack) -> None:
    facts = {"community": {"id": "c"}, "relative_terms": {"named_on": dt.date(2020, 1, 15)}}
    result = policyengine.evaluate(facts, pack, as_of=dt.date(2021, 6, 1))
    assert result.outputs["review_due"] == "2023-01-15"
    finding = next(f for f in result.findings if f.rule == "title.review")
    # no reviews given, before the term ends: due (nothing can be late yet), never overdue
    assert finding.outcome == "due"
    assert finding.inputs["relative_terms.named_on"] == dt.date(2020, 1, 15)
    later = policyengine.evaluate(facts, pack, as_of=dt.date(2023, 1, 16))
    # after it, the review may be late: unknown, never overdue
    assert "unknown" == next(f for f in later.findings if f.rule == "title.review").outcome


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'after = "relative_terms.named_on"',
            'after = "relative_terms.reviews"',
            r"\.after: 'relative_terms\.reviews' is not a date fact",
        ),
        (
            'count_dates = "relative_terms.veto_dates"',
            'count_dates = "relative_terms.applied_on"',
            r"\.count_dates: 'relative_terms\.applied_on' is not a date-list fact",
        ),
    ],
)
def test_the_facts_must_be_dates(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(PackError, match=message):
        compile_pack(policyengine.load_pack(copy_with(tmp_path, old, new)))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("years = 3\n", "", "only for a once deadline, with years or months"),
        ('kind = "once"', 'kind = "once"\ndue = 2019-01-01', "not both"),
        ("within_years = 2\n", "", "a window count is a number with within_years"),
    ],
)
def test_the_forms_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(PackError, match=message):
        policyengine.load_pack(copy_with(tmp_path, old, new))
