"""Fuzzing the condition language: any string parses or is refused with ExpressionError;
what compiles, durable-rules and the Python reference evaluate alike."""

from __future__ import annotations

import itertools
from typing import Any

from fuzz_strategies import CATALOGUE, NUMERIC, condition_strings, scaled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import _durable
from policyengine import expressions as ex
from policyengine.backends import backend
from policyengine.exceptions import PackError

_keys = itertools.count()


def field_type(path: str) -> tuple[str, tuple[str, ...]] | None:
    ft = CATALOGUE.get(path)
    if ft is None:
        return None
    return ("number" if ft.is_numeric else ft.kind), ft.choices


def param_type(name: str) -> str | None:
    return "number" if name == "x" else None


def compiled(text: str) -> tuple[ex.Expr, ex.Normal] | None:
    """The condition and its normal form, or None where the language refuses it."""
    try:
        expr = ex.parse(text)
        ex.check_types(expr, field_type, param_type, condition=True)  # type: ignore[arg-type]
        return expr, ex.normalise(expr)
    except ex.ExpressionError:
        return None


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(text=condition_strings)
def test_any_string_parses_or_is_refused(text: str) -> None:
    compiled(text)  # only ExpressionError may be raised


numeric_values = st.one_of(
    st.none(), st.integers(-1000, 1000), st.integers(-100_000, 100_000).map(lambda n: n / 100)
)


def values_for(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    def one(key: str) -> st.SearchStrategy[Any]:
        ft = CATALOGUE.get(key)
        if key == "params.x" or (ft is not None and ft.is_numeric):
            return numeric_values
        if ft is not None and ft.kind == "bool":
            return st.one_of(st.none(), st.booleans())
        if ft is not None and ft.kind == "text":
            return st.one_of(st.none(), st.sampled_from(ft.choices or ("a",)))
        return st.one_of(st.none(), st.lists(st.sampled_from(ft.choices if ft else ("a",))))

    return st.fixed_dictionaries({k: one(k) for k in keys})


simple = st.builds(
    lambda f, op, k: f"{f} {op} {k}",
    st.sampled_from(NUMERIC[:6]),
    st.sampled_from(["<", "<=", "==", "!=", ">=", ">"]),
    st.sampled_from(["0", "1", "2.5", "700", "0.1 + 0.2", "params.x", "1.1 / 1e18", "3 * 2"]),
)
joined = st.lists(simple, min_size=1, max_size=3).map(
    lambda parts: " and ".join(parts) if len(parts) % 2 else " or ".join(parts)
)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=scaled(60))
@given(texts=st.lists(st.one_of(joined, condition_strings), min_size=1, max_size=6), data=st.data())
def test_durable_agrees_with_the_reference(texts: list[str], data: st.DataObject) -> None:
    """One ruleset per example (durable-rules never frees one): many conditions in each."""
    found = [c for c in (compiled(t) for t in texts) if c is not None]
    if not found:
        return
    conditions = [(f"c{i}", normal) for i, (_, normal) in enumerate(found)]
    try:
        cc = _durable.compile_conditions(f"fuzz-{next(_keys)}", conditions)
    except PackError:  # over the engine's limits: refused at compile, by name
        return
    reference = backend("python").compile([normal for _, normal in conditions])
    sources = {
        ex.key_of(n): n
        for expr, _ in found
        for n in ex.walk(expr)
        if isinstance(n, ex.Field | ex.Param | ex.Count | ex.Contains)
    }
    paths = sorted({n.path for n in sources.values() if not isinstance(n, ex.Param)})
    for _ in range(5):
        facts = data.draw(values_for(paths))
        params = {"x": data.draw(numeric_values)}
        # what the engine is sent: each value source as Python computes it (engine._getter)
        values = {key: ex.evaluate(node, facts, params) for key, node in sources.items()}
        matched = cc.matching(values)
        # the python reference backend answers the same positions
        assert {int(c[1:]) for c in matched} == reference.matching(values)
        for i, (expr, _) in enumerate(found):
            expected = ex.evaluate(expr, facts, params)
            if expected is None:
                continue  # unknown: the engine is not asked (a value is missing)
            assert (f"c{i}" in matched) is expected, (ex.render(expr), facts, params)
