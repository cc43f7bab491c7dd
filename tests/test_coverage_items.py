"""Coverage beyond outcomes: thresholds inside conditions, outputs, derived facts,
applicability and the dates in force."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine
from policyengine.authoring.cases import run_cases
from policyengine.authoring.coverage import Evaluation, measure
from policyengine.documents import structure_subject
from policyengine.facts import Community

PACK = Path(__file__).resolve().parent / "fixtures" / "coverage" / "pack"


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    """The coverage fixture pack."""
    return policyengine.load_pack(PACK)


def evaluation(
    pack: policyengine.Pack, facts: dict[str, object], as_of: dt.date, checked: tuple[str, ...] = ()
) -> Evaluation:
    """One evaluation, as a case would make it."""
    subject = structure_subject(facts)
    assert isinstance(subject, Community)
    result = policyengine.evaluate(subject, pack, as_of=as_of)
    return Evaluation(str(facts), as_of, {}, subject, result, frozenset(checked))


def uncovered(pack: policyengine.Pack, evaluations: list[Evaluation]) -> set[tuple[str, str]]:
    """``(kind, check)`` of each item no evaluation covered."""
    return {(i.kind, i.check) for i in measure(pack, evaluations).uncovered}


def test_outcomes_alone_leave_the_new_items_uncovered(pack: policyengine.Pack) -> None:
    report = run_cases(pack)
    assert report.failed == 0
    missing = {(i.kind, i.target, i.check) for i in report.coverage.uncovered}
    assert missing == {
        # the when was never false; the stations were never missing while the area was met
        ("condition", "space.area", "when:0:false"),
        ("condition", "space.area", "require:1:false"),
        ("output", "per_household", "checked"),
        ("applicability", "pack", "not"),
        ("applicability", "pack", "unknown"),
        ("in_force", "pack", "before:2021-01-01"),
    }
    texts = [i.text for i in report.coverage.uncovered]
    assert "space.area (二) when `community.households ≥ 100`: never seen false" in texts
    assert "space.area (二) require `spaces.service_stations ≥ 1`: never seen false" in texts


def test_each_item_is_covered_by_the_case_that_shows_it(pack: policyengine.Pack) -> None:
    day = dt.date(2021, 6, 1)
    base = [evaluation(pack, {"community": {"id": "x", "kind": "urban"}}, day)]
    small = {"community": {"id": "s", "kind": "urban", "households": 50}}
    no_station = {
        "community": {"id": "n", "kind": "urban", "households": 500},
        "spaces": {"service_area_m2": 250, "service_stations": 0},
    }
    rural = {"community": {"id": "r", "kind": "rural"}}
    before = {"community": {"id": "b", "kind": "urban"}}
    before_gaps = uncovered(pack, base)
    assert ("condition", "when:0:false") in before_gaps
    assert ("condition", "when:0:false") not in uncovered(
        pack, [*base, evaluation(pack, small, day)]
    )
    assert ("condition", "require:1:false") not in uncovered(
        pack, [*base, evaluation(pack, no_station, day)]
    )
    assert ("output", "checked") not in uncovered(
        pack, [evaluation(pack, rural, day, ("per_household",))]
    )
    assert ("applicability", "not") not in uncovered(pack, [evaluation(pack, rural, day)])
    assert ("applicability", "unknown") not in uncovered(
        pack, [evaluation(pack, {"community": {"id": "u"}}, day)]
    )
    assert ("in_force", "before:2021-01-01") not in uncovered(
        pack, [evaluation(pack, before, dt.date(2020, 12, 31))]
    )
    # a derived fact: computed when its input is given, unknown when not
    gaps = uncovered(pack, [evaluation(pack, no_station, day)])
    assert ("derived", "value") not in gaps and ("derived", "unknown") in gaps


def test_conditions_are_not_counted_out_of_force(pack: policyengine.Pack) -> None:
    small = {"community": {"id": "s", "kind": "urban", "households": 50}}
    gaps = uncovered(pack, [evaluation(pack, small, dt.date(2020, 6, 1))])
    assert ("condition", "when:0:false") in gaps
