"""The backends behind policyengine.backends: durable-rules and the plain-Python reference agree.

Differential: random conditions in normal form (numbers, flags, text, counts and
memberships of lists, arithmetic on the right-hand side) and random rows of values at every
magnitude (ints near 2**53, tiny and huge floats, Chinese text, missing values) must give the
same set of holding conditions in both backends.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyengine
from policyengine import EngineError
from policyengine import expressions as ex
from policyengine.backends import backend, register_backend
from policyengine.backends.python import PythonBackend, holds
from policyengine.plan import plan_for
from policyengine.plan.ids import row_function, source_of

NUMBER_KEYS = ("a.n", "a.m", "count(a.l)")
BIG = 2**53

numbers = st.one_of(
    st.integers(min_value=-BIG - 8, max_value=BIG + 8),
    st.integers(min_value=BIG - 8, max_value=BIG + 8),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e-6, max_value=1e-6, allow_nan=False),
)
texts = st.sampled_from(["", "a", "神冠社区", "墨池社区", 'q"uote', "back\\slash"])
constants = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
)


def _field(key: str) -> ex.Expr:
    if key.startswith("count("):
        return ex.Count(key[6:-1])
    return ex.Field(key)


@st.composite
def rhs(draw: st.DrawFn) -> ex.Expr:
    shape = draw(st.sampled_from(["const", "field", "arith", "div"]))
    if shape == "const":
        return ex.Const(draw(numbers))
    other = _field(draw(st.sampled_from(NUMBER_KEYS)))
    if shape == "field":
        return other
    if shape == "div":
        divisor = draw(constants.filter(lambda c: c != 0))
        return ex.Arith("/", other, ex.Const(divisor))
    op = draw(st.sampled_from(["+", "-", "*"]))
    return ex.Arith(op, other, ex.Const(draw(constants)))


@st.composite
def atoms(draw: st.DrawFn) -> ex.Normal:
    kind = draw(st.sampled_from(["number", "flag", "text", "contains"]))
    if kind == "number":
        key = draw(st.sampled_from(NUMBER_KEYS))
        op = draw(st.sampled_from(["<", "<=", "==", "!=", ">=", ">"]))
        return ex.Atom(key, op, draw(rhs()))
    op = draw(st.sampled_from(["==", "!="]))
    if kind == "flag":
        return ex.Atom("a.b", op, ex.Const(draw(st.booleans())))
    if kind == "contains":
        return ex.Atom('a.l contains "x"', op, ex.Const(draw(st.booleans())))
    return ex.Atom("a.t", op, ex.Const(draw(texts)))


conditions = st.recursive(
    atoms(),
    lambda inner: st.one_of(
        st.builds(lambda items: ex.NAnd(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: ex.NOr(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
    ),
    max_leaves=6,
)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    """One row as the plan builds it: facts read through the same value sources."""
    facts: dict[str, Any] = {}
    for path, strategy in (
        ("a.n", numbers),
        ("a.m", numbers),
        ("a.b", st.booleans()),
        ("a.t", texts),
        ("a.l", st.lists(st.sampled_from(["x", "y", "就业"]), max_size=4)),
    ):
        if draw(st.booleans()) or draw(st.booleans()):
            facts[path] = draw(strategy)
    nodes = [ex.Field("a.n"), ex.Field("a.m"), ex.Field("a.b"), ex.Field("a.t"),
             ex.Count("a.l"), ex.Contains("a.l", "x")]
    return row_function(tuple(map(source_of, nodes)))(facts, {})


class TestDifferential:
    """durable-rules and the plain-Python reference say the same conditions hold."""

    @settings(max_examples=150, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(conds=st.lists(conditions, min_size=1, max_size=4),
           values=st.lists(rows(), min_size=1, max_size=4))
    def test_durable_agrees_with_python(self, conds, values):
        """For random conditions and rows, both backends give the same matches, row by row."""
        durable = backend("durable").compile(conds)
        python = backend("python").compile(conds)
        assert durable.matching_many(values) == python.matching_many(values), conds
        for row in values:
            assert durable.matching(row) == python.matching(row)

    def test_examples_at_the_edges(self):
        """Hand-picked cases: 2**53 + 1 is compared as a double; missing values never hold."""
        conds = [
            ex.Atom("a.n", ">", ex.Const(BIG)),           # 2**53 + 1 rounds to 2**53: false
            ex.Atom("a.n", ">=", ex.Const(BIG)),
            ex.Atom("a.t", "==", ex.Const("神冠社区")),
            ex.Atom("a.b", "!=", ex.Const(True)),          # a missing flag is not "not true"
            ex.NOr((ex.Atom("a.m", "<", ex.Const(0)), ex.Atom("a.n", "<", ex.Const(0)))),
        ]
        row = {"a.n": BIG + 1, "a.t": "神冠社区"}
        expected = frozenset({1, 2})
        assert backend("python").compile(conds).matching(row) == expected
        assert backend("durable").compile(conds).matching(row) == expected

    def test_reference_semantics(self):
        """A flag never equals a number, text never a number; a missing side never holds."""
        assert not holds(ex.Atom("a.b", "==", ex.Const(1)), {"a.b": True})
        assert not holds(ex.Atom("a.t", "==", ex.Const(1)), {"a.t": "1"})
        assert not holds(ex.Atom("a.n", "<", ex.Field("a.m")), {"a.n": 1})
        assert holds(ex.Atom("a.n", "<", ex.Arith("/", ex.Field("a.m"), ex.Const(2))),
                     {"a.n": 1, "a.m": 4})


class TestSeam:
    """Plans run on any registered backend with the same results."""

    def test_pack_on_python_backend(self):
        """The Wuma pack's community plan gives the same matches on both backends."""
        import policyengine_pack_wuma_star_rating  # noqa: F401  (installed)

        pack = policyengine.installed_packs()["wuma-star-rating"]
        durable, python = plan_for(pack), plan_for(pack, backend_name="python")
        params = durable.parameters_at(dt.date(2014, 12, 31))
        for total in (600, 650, 699.5, 700, 900, None):
            for vetoes in ([], ["x"], None):
                facts = {"happiness.total_score": total, "happiness.vetoes": vetoes}
                values = durable.values(facts, params)
                assert durable.matching(values) == python.matching(values), (total, vetoes)

    def test_unknown_backend(self):
        """Asking for a backend nobody registered is an EngineError naming the choices."""
        with pytest.raises(EngineError, match="durable"):
            backend("nope")

    def test_register(self):
        """A registered backend is created once, on first use."""
        made: list[PythonBackend] = []

        def factory() -> PythonBackend:
            made.append(PythonBackend())
            return made[-1]

        register_backend("test-python", factory)
        assert backend("test-python") is backend("test-python") is made[0]


def _community_cases() -> list[tuple[str, object, dict, object]]:
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "policy_packs"
    out = []
    for cases in sorted(root.glob("*/*/cases/*.toml")):
        data = tomllib.loads(cases.read_text(encoding="utf-8"))
        for case in data.get("cases", []):
            facts = case.get("facts")
            if isinstance(facts, dict) and "community" in facts and "jurisdiction" not in facts:
                out.append((str(cases.parents[1]), case.get("as_of"), facts,
                            case.get("parameters")))
    return out


def test_every_bundled_case_same_on_both_backends():
    """Every community case of the bundled packs gives the same result JSON on both backends."""
    from policyengine.engine import evaluate_community

    cases = _community_cases()
    assert len(cases) > 300
    packs: dict[str, policyengine.Pack] = {}
    for folder, as_of, facts, parameters in cases:
        pack = packs.setdefault(folder, policyengine.load_pack(folder))
        try:
            subject = policyengine.load_facts(facts)
        except policyengine.FactsError:
            continue
        if not isinstance(subject, policyengine.Community):
            continue
        durable = evaluate_community(subject, pack, as_of, parameters)
        python = evaluate_community(subject, pack, as_of, parameters, backend="python")
        assert durable.to_dict() == python.to_dict(), (folder, facts)


def test_many_rows_at_once_through_prepare_and_decide():
    """prepare → matcher.matching_many → decide gives what evaluate_community gives, per row."""
    from policyengine.engine import decide, evaluate_community, prepare

    pack = policyengine.load_pack(
        Path(__file__).resolve().parents[1] / "policy_packs" / "wuma-star-rating")
    as_of = dt.date(2014, 12, 31)
    subjects = [
        policyengine.load_facts({"community": {"id": f"c{i}"}, "happiness": {
            "objective_score": 450 + 10 * i, "survey_score": 200, "vetoes": [] if i % 3 else ["leadership"],
            "previous_stars": i % 4}})
        for i in range(12)
    ]
    prepared = [prepare(s, pack, as_of, backend="python") for s in subjects]
    rows = prepared[0].plan.matcher.matching_many([p.values for p in prepared])
    for subject, p, matched in zip(subjects, prepared, rows, strict=True):
        assert decide(p, matched).to_dict() == evaluate_community(subject, pack, as_of).to_dict()
