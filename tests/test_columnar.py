"""The columnar backend equals the row path on every verdict, outcome and output.

Differential tests (hypothesis): random communities whose facts are missing or sit on,
just below or just above every number a pack compares (its constants and parameter
values), on dates around every date the pack names; each batch is evaluated by the row
path (durable-rules, one community at a time) and by the columnar backend, and the table
rows (results.md: verdict, ``outputs.<key>``, ``rules.<id>``) must be equal.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import api
from policyengine import expressions as ex
from policyengine.documents import structure_community
from policyengine.engine import compile_pack, evaluate_community
from policyengine.exceptions import FactsError
from policyengine.facts import fact_catalogue
from policyengine.pack import Pack, load_pack
from policyengine.programme import programme_start
from policyengine.scope import DEPTH
from policyengine.sinks import flat_rows

np = pytest.importorskip("numpy")
columnar = pytest.importorskip("policyengine.columnar")

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "packs"


def _without_hooks(pack: Pack) -> Pack:
    """A bundled pack less its Python hooks and hook rules: every declarative part kept."""
    changes: dict[str, Any] = {
        "hooks": None,
        "rules": tuple(r for r in pack.rules if r.kind != "hook"),
        "digest": f"{pack.digest}-without-hooks",
    }
    if hasattr(pack, "cache"):
        changes["cache"] = {}
    return attrs.evolve(pack, **changes)


def packs() -> list[Pack]:
    """Every pack the columnar backend runs: hook-free fixtures, every installed pack
    (its declarative part where it still has hooks)."""
    found = [load_pack(FIXTURES / name) for name in ("conditions", "sum-scale")]
    for p in api.installed_packs().values():
        found.append(p if columnar.unsupported(p) is None else _without_hooks(p))
    return found


def _expressions(pack: Pack) -> list[ex.Expr]:
    """Every expression the pack writes (conditions, inputs, thresholds, outputs)."""
    texts: list[Any] = [pack.info.applicability.when if pack.info.applicability else None]
    for r in pack.rules:
        texts += [r.when, r.require]
    for s in pack.scales:
        texts += [s.input, s.when, *(b.min for b in s.bands)]
    for d in pack.deadlines:
        texts += [d.when, d.evidence]
    texts += [d.expression for d in pack.derived] + list(pack.outputs.values())
    texts += [getattr(sm, "when", None) for sm in getattr(pack, "summaries", ())]
    out = []
    for t in texts:
        if isinstance(t, str):
            out.append(ex.parse(t))
        elif isinstance(t, int | float) and not isinstance(t, bool):
            out.append(ex.Const(t))
    return out


def _numbers(pack: Pack) -> list[float]:
    """Every number the pack compares: constants in its expressions, parameter values."""
    found: set[float] = {0.0, 1.0}
    for expr in _expressions(pack):
        stack = [expr]
        while stack:
            e = stack.pop()
            if (
                isinstance(e, ex.Const)
                and isinstance(e.value, int | float)
                and not isinstance(e.value, bool)
            ):
                found.add(float(e.value))
            if isinstance(e, ex.Arith | ex.Compare):
                stack += [e.left, e.right]
            elif isinstance(e, ex.And | ex.Or):
                stack += list(e.items)
            elif isinstance(e, ex.Not):
                stack.append(e.item)
    for param in pack.parameters.values():
        for v in [param.value, *(d.value for d in param.values)]:
            if isinstance(v, int | float) and not isinstance(v, bool):
                found.add(float(v))
    return sorted(found)


def _dates(pack: Pack) -> list[dt.date]:
    """Dates around every date the pack names."""
    named = [d for d in (pack.info.source.first_day(), pack.info.effective_from) if d]
    named += [pack.info.effective_until] if pack.info.effective_until else []
    for ph in pack.phases:
        named += [ph.start, ph.end]
    for dl in pack.deadlines:
        named += [d for d in (dl.due, dl.start, dl.end) if d]
    programme = pack.info.programme
    start = programme_start(programme, pack.parameters)
    if programme is not None and start is not None:  # each programme year and two after it
        named += [dt.date(start + k, 1, 1) for k in range(programme.years + 3)]
    out = {d + dt.timedelta(days=k) for d in named for k in (-1, 0, 1, 40)}
    return sorted(out)


def _places(pack: Pack) -> st.SearchStrategy[list[str]]:
    """Places from the province down: the territory's own names (any of them), another unit
    at some level, or a level skipped."""
    by_depth: list[list[str]] = [["浙江省"], ["温州市"], [], []]
    scope = pack.info.scope
    for lv in scope.levels if scope else ():
        by_depth[DEPTH[lv.level]] += list(lv.names)
    if pack.info.pilot is not None:
        by_depth[2] += re.findall(r'"([^"]*区)"', pack.info.pilot.when)
    choices = [st.sampled_from([*names, "别处", ""]) for names in by_depth]
    return st.tuples(*choices, st.integers(0, 4)).map(
        lambda t: [x for x in t[: t[-1]] if isinstance(x, str) and x]
    )


def _fact_value(
    path: str, numbers: list[float], dates: list[dt.date], pack: Pack
) -> st.SearchStrategy[Any]:
    ft = fact_catalogue("community")[path]
    if path == "community.jurisdiction":
        return _places(pack)
    if ft.kind == "bool":
        return st.booleans()
    if ft.kind in ("int", "number"):
        lo = ft.range.min if ft.range and ft.range.min is not None else None
        hi = ft.range.max if ft.range and ft.range.max is not None else None
        near = [x + d for x in numbers for d in (-1, -0.5, 0, 0.5, 1)]
        near = [x for x in near if (lo is None or x >= lo) and (hi is None or x <= hi)]
        if ft.kind == "int":
            near = [x for x in near if float(x).is_integer()]
            return st.sampled_from([int(x) for x in near] or [0])
        return st.sampled_from(near or [0.0]) | st.floats(
            lo if lo is not None else -1e6, hi if hi is not None else 1e6
        ).map(lambda x: round(x, 2))
    if ft.kind == "text":
        if ft.choices:
            return st.sampled_from(ft.choices)
        pilot = pack.info.pilot
        named = re.findall(r'"([^"]*社区)"', pilot.when) if pilot else []
        return st.sampled_from(["神冠社区", "墨池社区", "x", *named])
    if ft.kind == "date_list":
        return st.lists(st.sampled_from(dates), max_size=4).map(
            lambda ds: [d.isoformat() for d in ds]
        )
    if ft.choices:
        return st.lists(st.sampled_from(ft.choices), unique=True, max_size=len(ft.choices))
    return st.lists(st.sampled_from(["浙江省", "温州市"]), max_size=2)


def documents(pack: Pack) -> st.SearchStrategy[dict[str, Any]]:
    """Community documents over the facts the pack reads, each possibly missing."""
    cp = compile_pack(pack)
    numbers, dates = _numbers(pack), _dates(pack)
    catalogue = fact_catalogue("community")
    paths = [p for p in cp.read_paths if p in catalogue and p != "community.id"]
    fields = {p: st.none() | _fact_value(p, numbers, dates, pack) for p in paths}

    def build(values: dict[str, Any]) -> dict[str, Any]:
        doc: dict[str, Any] = {"community": {"id": "c"}}
        for path, v in values.items():
            if v is None:
                continue
            *heads, last = path.split(".")
            node = doc
            for h in heads:
                node = node.setdefault(h, {})
            node[last] = v
        return doc

    return st.fixed_dictionaries(fields).map(build)


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """Values with their JSON type, so that true is not 1."""
    return {k: json.dumps(v, sort_keys=True) for k, v in row.items()}


@pytest.mark.parametrize("pack", packs(), ids=lambda p: p.id)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_columnar_equals_row_path(pack, data):
    """Every verdict, outcome and output of a random batch equals the row path's."""
    docs = data.draw(st.lists(documents(pack), min_size=1, max_size=25))
    as_of = data.draw(st.sampled_from(_dates(pack)))
    communities = []
    for i, doc in enumerate(docs):
        doc["community"]["id"] = f"c{i}"
        try:
            communities.append(structure_community(doc))
        except FactsError:
            continue
    if not communities:
        return
    expected = [next(flat_rows(evaluate_community(c, pack, as_of))) for c in communities]
    cols = columnar.FactColumns.from_subjects(communities, compile_pack(pack).read_paths)
    result = columnar.evaluate_columns(pack, cols, as_of)
    actual = result.rows()
    assert [_typed(r) for r in expected] == [_typed(r) for r in actual]
    # the CSV table: text columns kept as dictionaries give the same bytes
    assert _csv_bytes(result.to_arrow()) == _csv_bytes(result.to_arrow(dictionaries=True))


def _csv_bytes(table: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(quoting_style="needed"))
    return bytes(out.getvalue())


def test_pack_with_territory_or_pilot_runs_on_columns_and_reads_the_place():
    """A pack with [pack.scope] or [pack.pilot] runs on columns, which read where it lies."""
    scoped = [p for p in api.installed_packs().values() if p.info.scope or p.info.pilot]
    assert scoped
    for pack in scoped:
        if pack.hooks is None:
            assert columnar.unsupported(pack) is None
        if pack.info.scope is not None:
            assert "community.jurisdiction" in compile_pack(pack).read_paths


def test_pack_with_hooks_is_refused_with_a_reason():
    """A pack with Python hooks cannot run on columns; the reason names the hooks file."""
    hooked = [p for p in api.installed_packs().values() if p.hooks is not None]
    for pack in hooked:
        assert columnar.unsupported(pack) is not None
        with pytest.raises(ValueError, match="hooks"):
            columnar.evaluate_columns(pack, columnar.FactColumns(0, [], [], {}), dt.date.today())


@given(
    st.lists(
        st.floats(-2e6, 2e6, allow_nan=False)
        | st.integers(-(10**6), 10**6).map(lambda k: k / 100)
        | st.sampled_from([0.5e-9, 2.5e-9, 1e6 + 0.1, 649.9999999999999]),
        min_size=1,
        max_size=50,
    )
)
def test_rounding_equals_python_round(xs):
    """Arithmetic on columns rounds to 9 decimals exactly as the row path's round(x, 9)."""
    from policyengine.columnar.vector import _round9

    values = np.array(xs, dtype=np.float64)
    assert [round(x, 9) for x in values.tolist()] == _round9(values, True).tolist()


@pytest.mark.parametrize("year", range(2007, 2014))
def test_programme_years_and_after_equal_row_path(year):
    """Chifeng's standard stays at year 3 after the three-year programme (its notes): the
    summary ``meets_basic_standard`` (when programme.year >= 1) is decided after the
    programme on columns exactly as on the row path, and program_year is null there."""
    pack = next(p for p in packs() if p.id == "chifeng-annual-targets")
    doc = api.load_facts(FIXTURES.parents[2] / "examples" / "chifeng-annual-targets-community.toml")
    as_of = dt.date(year, 12, 31)
    expected = next(flat_rows(evaluate_community(doc, pack, as_of)))
    cols = columnar.FactColumns.from_subjects([doc], compile_pack(pack).read_paths)
    actual = columnar.evaluate_columns(pack, cols, as_of).rows()[0]
    assert _typed(expected) == _typed(actual)
    if year >= 2011:  # after the programme (start year 2008 by default)
        assert actual["outputs.program_year"] is None
        assert actual["outputs.meets_basic_standard"] is not None


def test_pilot_where_the_place_stops_at_the_city_equals_row_path():
    """Wuzhou's pilot (长洲区 and 神冠社区): a 神冠社区 placed only in 梧州市 is unknown on
    columns as on rows; another name there, or another district, is not the pilot."""
    pack = next(p for p in packs() if p.id == "wuzhou-complete-community")
    places = [
        (["广西壮族自治区", "梧州市"], "神冠社区"),
        (["广西壮族自治区", "梧州市"], "其他社区"),
        (["广西壮族自治区", "梧州市", "长洲区"], "神冠社区"),
        (["广西壮族自治区", "梧州市", "万秀区"], "神冠社区"),
        (["梧州市"], "神冠社区"),
    ]
    docs = [
        api.load_facts(
            {"community": {"id": f"c{i}", "name": name, "kind": "urban", "jurisdiction": place},
             "facilities": {"nursery": False}}
        )
        for i, (place, name) in enumerate(places)
    ]
    as_of = dt.date(2024, 3, 1)
    cols = columnar.FactColumns.from_subjects(docs, compile_pack(pack).read_paths)
    actual = columnar.evaluate_columns(pack, cols, as_of).rows()
    expected = [next(flat_rows(evaluate_community(d, pack, as_of))) for d in docs]
    assert [_typed(e) for e in expected] == [_typed(a) for a in actual]
    assert [a["rules.pilot"] for a in actual] == [
        "unknown", "not_applicable", "pass", "not_applicable", "unknown"
    ]
    # the monthly report is the pilot's alone: not known to apply where the pilot is not
    # known (it was not_applicable, as for another community); the pilot gave none: unknown
    assert [a["rules.reporting.monthly-progress"] for a in actual] == [
        "unknown", "not_applicable", "unknown", "not_applicable", "unknown"
    ]
