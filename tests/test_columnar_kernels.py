"""The columnar backend's array kernels equal the row path's functions, case by case.

Hypothesis draws what each kernel reads at its edges: date lists around every month's due
day of a monthly deadline (the day before, the day, the day after, outside the span, after
the as-of date, none at all, not known); fact lists whose facts are true, false or missing;
tallies over outcomes of every kind; and whole tables read through Arrow (the screened
columns, with their distinct values) for every bundled pack, against the row path.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine.deadlines import assess
from policyengine.documents import structure_community
from policyengine.engine import compile_pack, evaluate_community
from policyengine.exceptions import FactsError
from policyengine.facts import fact_catalogue
from policyengine.pack import Deadline
from policyengine.plan import plan_for
from policyengine.sinks import cell, flat_rows

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")
columnar = pytest.importorskip("policyengine.columnar")

from test_columnar import _dates, documents, packs  # noqa: E402

from policyengine.columnar import kinds  # noqa: E402
from policyengine.columnar.dates import monthly_keys  # noqa: E402
from policyengine.columnar.fast import batch_results  # noqa: E402
from policyengine.columnar.result import OUTCOMES  # noqa: E402
from policyengine.columnar.vector import Vec  # noqa: E402


@st.composite
def monthly(draw: Any) -> tuple[Deadline, dt.date, list[Any]]:
    """A monthly deadline, an as-of date near it, and date lists around its due days."""
    start = dt.date(2023, draw(st.integers(1, 12)), 1)
    months = draw(st.integers(1, 14))
    end_month = start.month - 1 + months - 1
    end = dt.date(start.year + end_month // 12, end_month % 12 + 1, 1)
    day = draw(st.sampled_from([1, 15, 24, 28, 30, 31]))
    dl = Deadline(
        id="d", title="t", clause="c", quote="q", kind="monthly",
        evidence="reporting.monthly_reports", day=day, start=start, end=end,
    )
    near: list[dt.date] = []
    y, m = start.year, start.month
    for _ in range(months + 2):
        last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
        due = dt.date(y, m, min(day, last))
        near += [due - dt.timedelta(days=1), due, due + dt.timedelta(days=1),
                 dt.date(y, m, 1), dt.date(y, m, last)]
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    near += [start - dt.timedelta(days=1), start - dt.timedelta(days=40)]
    as_of = draw(st.sampled_from(near))
    lists = draw(st.lists(
        st.none() | st.lists(st.sampled_from(near), max_size=6).map(sorted),
        min_size=1, max_size=30,
    ))
    return dl, as_of, lists


@settings(max_examples=150, deadline=None)
@given(case=monthly())
def test_monthly_deadline_answer_per_list_equals_assess(case):
    """Lists given the same answer code have the row path's outcome and next due date."""
    dl, as_of, lists = case
    values = np.empty(len(lists), dtype=object)
    values[:] = [None if v is None else tuple(v) for v in lists]
    col = Vec(values, np.array([v is not None for v in lists], dtype=bool))
    codes, rep = monthly_keys(dl, as_of, col)
    _, distinct = col.groups()
    for code, listed in zip(codes.tolist(), lists, strict=True):
        expected = assess(dl, as_of, listed)
        if listed is None:
            assert -1 == code
            continue
        actual = assess(dl, as_of, distinct[rep[code]])
        assert (expected.outcome, expected.next_due) == (actual.outcome, actual.next_due)


@given(st.integers(0, 9).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.lists(st.booleans(), min_size=k, max_size=k), max_size=20))))
def test_fact_list_cells_are_the_json_of_the_listed_paths(case):
    """Each row's cell is ``json.dumps`` of its true paths, in pack order."""
    k, rows = case
    paths = tuple(f"facilities.f{j}" for j in range(k))
    columns = [np.array([r[j] for r in rows], dtype=bool) for j in range(k)]
    cells = kinds._path_lists(columns, paths, len(rows)).texts()
    assert [cell([p for p, f in zip(paths, r, strict=True) if f]) for r in rows] == cells


def _tally_case(pack_id: str) -> Any:
    pack = next(p for p in packs() if p.id == pack_id)
    plan = plan_for(pack)
    ids = [r.rule.id for r in plan.rules] + [s.scale.id for s in plan.scales]
    ids += [d.deadline.id for d in plan.deadlines]
    return plan, ids


@pytest.mark.parametrize("pack_id", ["fengxiang-harmony", "yixing-demonstration-city"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_tally_cells_count_each_group_as_the_row_path(pack_id, data):
    """``{group: {outcome: n}}`` per row, every group and outcome listed (zeros too)."""
    plan, ids = _tally_case(pack_id)
    n = data.draw(st.integers(0, 12))
    outcomes = {
        rid: np.array(data.draw(st.lists(st.integers(0, len(OUTCOMES) - 1),
                                         min_size=n, max_size=n)), dtype=np.int8)
        for rid in ids
    }
    areas, binding = kinds._areas(plan), kinds._binding(plan)
    for tp in plan.tallies:
        actual = kinds.tally(plan, tp, outcomes).texts()
        expected = []
        for i in range(n):
            counts = {g: dict.fromkeys(tp.tally.count, 0) for g in tp.groups}
            for rid, codes in outcomes.items():
                if tp.tally.binding_only and not binding[rid]:
                    continue
                group, outcome = counts.get(areas[rid] or ""), OUTCOMES[codes[i]]
                if group is not None and outcome in group:
                    group[outcome] += 1
            expected.append(cell(counts))
        assert expected == actual


_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "number": pa.float64(), "text": pa.string(),
          "list": pa.list_(pa.string()), "date_list": pa.list_(pa.string())}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A table row with nulls left out and whole floats as ints (Arrow's column types)."""
    out = {}
    for k, v in row.items():
        if v is None:
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        out[k] = json.dumps(v)
    return out


@pytest.mark.parametrize("pack", packs(), ids=lambda p: p.id)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_arrow_tables_through_the_screen_equal_the_row_path(pack, data):
    """A table of communities read by Arrow (screened columns, distinct values, flat dates)
    gives every row the row path's verdict, outcomes and outputs."""
    docs = data.draw(st.lists(documents(pack), min_size=1, max_size=20))
    as_of = data.draw(st.sampled_from(_dates(pack)))
    catalogue = fact_catalogue("community")
    paths = list(dict.fromkeys(["community.id", *(p for p in compile_pack(pack).read_paths if p in catalogue)]))
    communities, rows = [], []
    for i, doc in enumerate(docs):
        doc["community"]["id"] = f"c{i}"
        try:
            communities.append(structure_community(doc))
        except FactsError:
            continue
        row = {}
        for path in paths:
            node: Any = doc
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            row[path] = node
        rows.append(row)
    if not communities:
        return
    table = pa.table({p: pa.array([r[p] for r in rows], _ARROW[catalogue[p].kind])
                      for p in paths})
    batch = table.combine_chunks().to_batches()[0]
    actual = batch_results(batch, 1, "t", [pack], {pack.id: as_of},
                           lambda *a: None).table.to_pylist()
    expected = [next(flat_rows(evaluate_community(c, pack, as_of))) for c in communities]
    assert [_plain(r) for r in expected] == [_plain(r) for r in actual]
