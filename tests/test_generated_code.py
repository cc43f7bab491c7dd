"""Code the row path generates per plan equals the readers it stands for (issue 10).

Three steps of every community's evaluation are generated once per plan, as cattrs
generates its structuring functions: the facts a plan reads (``facts.flatten`` for a tuple
of paths), the row of values the backend compares (``Plan.values``) and why each early
rule has its outcome (``engine._early_rules``). Each keeps a reference written plainly —
one getter per path, the reference interpreter per value, ``engine._rule_why`` per rule —
and these tests hold the generated code equal to it on every bundled pack, over the case
files and over random rows. Reading a document reads the keys given, not every field of each table: it is
held equal to cattrs' own function over every field, on hostile documents.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import api
from policyengine import finding_parts as fp
from policyengine._converter import converter, make_converter, problems_of
from policyengine.authoring.cases.format import case_files
from policyengine.authoring.cases.loading import load_case_file
from policyengine.engine import _decide_scale, _early_rules, _rule_why
from policyengine.expressions.evaluation import interpret
from policyengine.facts import Community, fact_catalogue, flatten
from policyengine.pack import Pack
from policyengine.plan import Plan, plan_for
from policyengine.source import probe_day

pytest.importorskip("numpy")  # the random documents come from the columnar tests
from test_columnar import documents

PACKS = list(api.installed_packs().values())
LEVELS = ("community", "jurisdiction")


def _plans() -> list[tuple[str, Plan]]:
    return [(f"{p.id}:{level}", plan_for(p, level)) for p in PACKS for level in LEVELS]


PLANS = _plans()


def community_cases(pack: Pack) -> list[Community]:
    return [
        case.subject
        for path in case_files(pack)
        for case in load_case_file(path, pack)
        if isinstance(case.subject, Community)
    ]


def _one_by_one(subject: Community, paths: tuple[str, ...]) -> dict[str, Any]:
    """``flatten`` through its plain loop (an iterator of paths is not generated for)."""
    return flatten(subject, iter(paths))


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
def test_generated_flatten_reads_each_fact_as_its_getter(pack: Pack) -> None:
    """Every community case of the pack: the plan's paths, and the whole vocabulary with a
    pack's own fact and an unknown path among them, in the same order and values."""
    plan = plan_for(pack, "community")
    everything = (*fact_catalogue("community"), "not.a.fact", "civility_rating.score")
    subjects = community_cases(pack)
    assert subjects
    for subject in subjects:
        for paths in (plan.read_paths, everything):
            expected = _one_by_one(subject, paths)
            found = flatten(subject, paths)
            assert list(expected.items()) == list(found.items())


_VALUES = st.none() | st.integers(-3, 1_000) | st.floats(-1e3, 1e4) | st.booleans() | st.text()
_ITEMS = st.none() | st.lists(st.sampled_from(["family_planning", "crime", "x"]), max_size=3)


@pytest.mark.parametrize(("name", "plan"), PLANS, ids=[n for n, _ in PLANS])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_row_equals_each_value_source(name: str, plan: Plan, data: Any) -> None:
    """Random facts and parameters: the generated row has every source's value, in the
    sources' order (counts and membership tests of lists included)."""
    facts: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for s in plan.sources:
        node = s.node
        if s.path is None:
            params[s.key.removeprefix("params.")] = data.draw(_VALUES)
        elif node is not None and type(node).__name__ in ("Count", "Contains"):
            facts[s.path] = data.draw(_ITEMS)
        else:
            facts[s.path] = data.draw(_VALUES)
    expected = [(s.key, interpret(s.node, facts, params)) for s in plan.sources]
    assert expected == list(plan.values(facts, params).items())


def _document_day(plan: Plan) -> dt.date:
    """The document's date, or the first day it could be (a date not stated: the day the
    pack comes into force)."""
    return probe_day(plan.pack.info.source, plan.pack.info.effective_from)


def _statics(plan: Plan, as_of: dt.date) -> fp.PlanStatics:
    params = plan.parameters_at(as_of)
    return fp.statics_for(plan, params, as_of, plan.pack.programme_year(as_of, params), ())


EARLY = dt.date(2000, 1, 1)
"""Before every programme: rules whose parameters have no value yet are unset."""


@pytest.mark.parametrize(("name", "plan"), PLANS, ids=[n for n, _ in PLANS])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_whys_decide_as_rule_why(name: str, plan: Plan, data: Any) -> None:
    """Random rows (each value missing or given) and random sets of conditions holding:
    every early rule gets the decision :func:`_rule_why` gives it, on the document's date
    and on a date before the parameters have values."""
    values = {
        s.key: data.draw(st.sampled_from([None, 1, True, "x"]), label=s.key) for s in plan.sources
    }
    matched = frozenset(
        data.draw(st.sets(st.integers(0, max(0, len(plan.normals) - 1))), label="matched")
    )
    for as_of in (_document_day(plan), EARLY):
        statics = _statics(plan, as_of)
        by_rule: dict[str, Any] = {}
        _early_rules(plan)(values.get, matched, by_rule, statics.early_tables)
        assert len(statics.early_rules) == len(by_rule) == len(statics.early_tables)
        for item, rule_static, decisions in statics.early_rules:
            assert decisions[_rule_why(item, rule_static, values, matched)] is by_rule[item.rule.id]
            assert rule_static.id == item.rule.id


def test_a_rule_without_its_parameter_is_unset_whatever_the_facts() -> None:
    """A rule whose parameter has no value on the date decides ``not_applicable`` from the
    statics, before any fact is read (the generated code is written for set parameters)."""
    pack = api.installed_packs()["chifeng-annual-targets"]
    statics = _statics(plan_for(pack, "community"), EARLY)  # its yearly targets not yet set
    unset = [
        table
        for (_, s, _), table in zip(statics.early_rules, statics.early_tables, strict=True)
        if s.unset_reason is not None
    ]
    assert len(unset) > 10
    for table in unset:
        assert {fp.WHY_UNSET} == {d.why for d in table}


# ---------------------------------------------------------------- reading documents

_REFERENCE = make_converter(sparse=False)
_CELLS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 2_000)
    | st.integers(2**53 - 2, 2**53 + 2)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
    | st.sampled_from(["2024-01-31", "2024-02-30", "是", "\ud800"])
    | st.lists(st.sampled_from(["family_planning", "x", 3]), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)


def _outcome(conv: Any, doc: dict[str, Any]) -> Any:
    try:
        return conv.structure(doc, Community)
    except Exception as exc:
        return sorted((p.path, p.message) for p in problems_of(exc, ""))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reading_the_keys_given_equals_reading_every_field(data: Any) -> None:
    """Random documents over the whole vocabulary, hostile values and unknown keys among
    them: a record read key by key gives the typed facts, or the very problems, that
    cattrs' function over every field gives."""
    paths = data.draw(st.lists(st.sampled_from(sorted(fact_catalogue("community"))), max_size=8))
    doc: dict[str, Any] = {"community": {"id": data.draw(st.sampled_from(["c1", 7, None]))}}
    for path in paths:
        *head, name = path.split(".")
        table = doc
        for part in head:
            table = table.setdefault(part, {}) if isinstance(table.get(part, {}), dict) else {}
        table[name] = data.draw(_CELLS, label=path)
    if data.draw(st.booleans(), label="unknown key"):
        doc.setdefault("happiness", {})["not_a_fact"] = 1
    assert _outcome(_REFERENCE, doc) == _outcome(converter, doc)


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.id)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_reading_documents_of_a_pack_equals_reading_every_field(pack: Pack, data: Any) -> None:
    """Random documents over the facts a pack reads (mostly valid, values on boundaries):
    the same typed facts, field by field, as cattrs' function over every field."""
    doc = data.draw(documents(pack))
    assert _outcome(_REFERENCE, doc) == _outcome(converter, doc)


def test_the_reference_reads_every_field() -> None:
    """The comparison above is between two different readers."""
    assert _REFERENCE.get_structure_hook(Community) is not converter.get_structure_hook(Community)
    doc = {"community": {"id": "c1"}, "happiness": {"survey_score": 232.0}}
    assert _outcome(_REFERENCE, doc) == _outcome(converter, doc)


SCALED = [(name, plan) for name, plan in PLANS if plan.scales]


@pytest.mark.parametrize(("name", "plan"), SCALED, ids=[n for n, _ in SCALED])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_scale_takes_the_first_band_reached_by_threshold(
    name: str, plan: Plan, data: Any
) -> None:
    """The bands kept by threshold, highest first, give the band the highest threshold
    reached gives when every band is compared (the first of equal ones): random sets of
    bands reached, on the document's date."""
    statics = _statics(plan, _document_day(plan))
    values = {s.key: 1 for s in plan.sources}  # every value given: the bands decide
    matched = frozenset(
        data.draw(st.sets(st.integers(0, max(0, len(plan.normals) - 1))), label="matched")
    )
    for item, static in zip(plan.scales, statics.scales, strict=True):
        assert static.reach_order is not None
        by_order, output = _decide_scale(item, static, values, matched)
        kept, static.reach_order = static.reach_order, None
        try:
            every, every_output = _decide_scale(item, static, values, matched)
        finally:
            static.reach_order = kept
        assert (every.outcome, every.why, every.band, every_output) == (
            by_order.outcome,
            by_order.why,
            by_order.band,
            output,
        )
