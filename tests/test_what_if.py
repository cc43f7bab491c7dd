"""A band gap's "what if" decided again from the result's row equals a fresh evaluation.

results.md "Gaps" gives, for a scale output below its top band, what the other outputs
(the reward) would be at the next band. The gap works them out from the decided result
(``what_if.outputs_if``): the changed fact and what derives from it are worked out again,
only the conditions reading a changed value are asked again, and where no finding feeds an
output only the outputs are worked out. These tests hold it equal to evaluating the changed
community afresh, on every bundled pack (the packs without scales exercise the path that
decides the rules again), over the case files and random documents, for every numeric fact
the plan reads, on a date with the parameters set and one without.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import api, engine, what_if
from policyengine.documents import structure_subject
from policyengine.exceptions import FactsError
from policyengine.facts import Community, fact_catalogue
from policyengine.gaps import WHAT_IF_BACKEND, _set_fact
from policyengine.pack import Pack
from policyengine.plan import plan_for
from policyengine.results import Result

pytest.importorskip("numpy")  # the random documents come from the columnar tests
from test_columnar import documents
from test_generated_code import community_cases

PACKS = list(api.installed_packs().values())
DATES = (dt.date(2014, 12, 31), dt.date(2023, 6, 30), dt.date(1990, 1, 1))


def _numeric_paths(pack: Pack) -> list[str]:
    catalogue = fact_catalogue("community")
    return [
        p
        for p in plan_for(pack, "community").read_paths
        if p in catalogue and catalogue[p].is_numeric
    ]


def _fresh(changed: Community, pack: Pack, as_of: dt.date, backend: str) -> dict[str, Any]:
    return dict(engine.evaluate_community(changed, pack, as_of=as_of, backend=backend).outputs)


def _check(result: Result, subject: Community, pack: Pack, path: str, value: Any) -> None:
    try:
        changed = _set_fact(subject, path, value)
    except (AttributeError, TypeError, ValueError):
        return
    found = what_if.outputs_if(result, changed)
    assert found is not None  # no pack derives facts in a hook
    for backend in (WHAT_IF_BACKEND, "durable"):
        expected = _fresh(changed, pack, result.as_of, backend)
        assert list(expected.items()) == list(found.items())


def _evaluated(subject: Community, pack: Pack, as_of: dt.date) -> Result:
    result = api.evaluate(subject, pack, as_of=as_of)
    assert result.decided is not None  # kept for the gaps' reader
    return result


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_outputs_if_equals_a_fresh_evaluation_on_the_cases(pack: Pack) -> None:
    """Every community case, every numeric fact the plan reads moved down, up, to zero and
    removed, on three dates."""
    paths = _numeric_paths(pack)
    subjects = community_cases(pack)
    assert subjects and paths
    for subject in subjects:
        for as_of in DATES:
            result = _evaluated(subject, pack, as_of)
            for path in paths:
                now = engine.flatten(subject, (path,))[path]
                for value in {0, 1, 650, 700, 1_000, None, *([] if now is None else [now + 1])}:
                    _check(result, subject, pack, path, value)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_outputs_if_equals_a_fresh_evaluation_on_random_documents(
    pack: Pack, data: st.DataObject
) -> None:
    document = data.draw(documents(pack))
    try:
        subject = structure_subject(document)
    except FactsError:
        return
    assert isinstance(subject, Community)
    as_of = data.draw(st.sampled_from(DATES))
    result = _evaluated(subject, pack, as_of)
    paths = _numeric_paths(pack)
    path = data.draw(st.sampled_from(paths))
    value = data.draw(st.none() | st.integers(0, 1_200) | st.floats(0, 1_200))
    _check(result, subject, pack, path, value)


def test_the_outputs_alone_are_worked_out_for_wuma_and_the_rules_for_the_others() -> None:
    """Wuma's outputs (stars, score, reward table) read no finding: worked out alone. The
    other packs' read their findings (summaries, deadlines, tallies): decided again."""
    alone = {
        p.id: what_if._outputs_alone(plan_for(p, "community"), engine._plugins(p)[1], [])
        for p in PACKS
    }
    assert {"wuma-star-rating"} == {pid for pid, yes in alone.items() if yes}


def test_a_band_gap_says_the_same_with_and_without_the_decided_row() -> None:
    """The whole result JSON, gaps included, is the same when the gap evaluates the changed
    community afresh (a result without its decided row)."""
    pack = api.installed_packs()["wuma-star-rating"]
    subjects = community_cases(pack)
    compared = 0
    for subject in subjects:
        for as_of in DATES:
            for lang in ("zh", "en"):
                result = api.evaluate(subject, pack, as_of=as_of, lang=lang)
                bare = attrs.evolve(result, decided=None)
                expected = bare.to_dict()
                assert expected == result.to_dict()
                compared += any("then" in g for g in expected["gaps"])
    assert compared  # some gap says what the next band would give


def test_no_decided_row_without_a_reader_nor_across_processes() -> None:
    """A result no reader will say keeps no row; a pickled one carries none (hook managers
    do not cross processes)."""
    import pickle

    pack = api.installed_packs()["wuma-star-rating"]
    subject = community_cases(pack)[0]
    assert engine.evaluate_community(subject, pack).decided is None
    result = api.evaluate(subject, pack)
    assert result.decided is not None
    assert pickle.loads(pickle.dumps(result)).decided is None
    assert result.decided is None  # let go once the gaps are known (pickling said them)


def test_gaps_in_another_language_say_the_same_reward_once_the_row_is_let_go() -> None:
    """The gaps in the result's language let the decided row go; the gaps in the other
    language, worked out afresh, give the same numbers."""
    pack = api.installed_packs()["wuma-star-rating"]
    compared = 0
    for subject in community_cases(pack):
        result = api.evaluate(subject, pack, as_of=DATES[0])
        zh = [g.to_dict() for g in result.gaps]
        assert result.decided is None
        en = [g.to_dict() for g in result.gaps_in("en")]
        drop = ("message",)
        assert [{k: v for k, v in g.items() if k not in drop} for g in zh] == [
            {k: v for k, v in g.items() if k not in drop} for g in en
        ]
        compared += any("then" in g for g in zh)
    assert compared


@pytest.mark.parametrize(
    "overrides",
    [{"four_star_min_score": 850}, {"three_star_min_score": 700, "two_star_min_score": 660}],
    ids=["four-star-850", "three-and-two-lowered"],
)
def test_a_band_gap_with_parameter_overrides_says_what_a_fresh_evaluation_says(
    overrides: dict[str, Any],
) -> None:
    """Overrides (what-if parameters) move the thresholds: the reward at the next band, worked
    out from the decided row, is the one a fresh evaluation with the same overrides gives."""
    pack = api.installed_packs()["wuma-star-rating"]
    compared = 0
    for subject in community_cases(pack):
        for as_of in DATES[:2]:
            result = api.evaluate(subject, pack, as_of=as_of, parameters=overrides)
            expected = attrs.evolve(result, decided=None).to_dict()
            assert expected == result.to_dict()
            compared += any("then" in g for g in expected["gaps"])
    assert compared
