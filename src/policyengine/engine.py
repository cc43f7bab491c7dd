"""Evaluating a community against a pack: from facts to findings, a verdict and outputs.

For each subject:

1. the pack's parameters are resolved for ``as_of`` (and its programme year);
2. derived facts are computed (``[[derived]]`` expressions, then the pack's hook);
3. each rule is decided *before the engine*: ``not_applicable`` if a parameter it reads
   has no value on that date, ``unknown`` if a fact it reads is missing;
4. one fact carrying every known value is asserted into the pack's compiled durable-rules
   ruleset, which answers which conditions hold;
5. findings, scale bands and outputs are assembled, and the verdict is taken.

A pack is compiled once per loaded content (its digest) and reused for every subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import attrs
import pluggy

from policyengine import expressions as ex
from policyengine import relative_time
from policyengine._durable import CompiledConditions, compile_conditions
from policyengine.contracts import EvaluationContext, RuleDecision
from policyengine.deadlines import assess
from policyengine.exceptions import PackError
from policyengine.facts import (
    Community,
    FactType,
    Jurisdiction,
    fact_catalogue,
    flatten,
)
from policyengine.pack import Deadline, Pack, Rule, Scale
from policyengine.plugins import pack_plugin_manager
from policyengine.results import Finding, Outcome, Result, jsonable, verdict_of

__all__ = ["EvaluationContext", "RuleDecision", "compile_pack", "evaluate_community"]

ENGINE_VERSION = "0.1.0"

CONTEXT_FACTS: dict[str, FactType] = {
    "as_of.year": FactType("int"),
    "as_of.month": FactType("int"),
    "as_of.day": FactType("int"),
    "programme.year": FactType("int"),
    "as_of.phase": FactType("text"),
}
"""Facts every evaluation provides about its own date, readable by rules."""


@attrs.frozen
class _CompiledRule:
    rule: Rule
    when: ex.Expr | None
    require: ex.Expr | None
    when_keys: tuple[str, ...]
    require_keys: tuple[str, ...]
    fact_paths: tuple[str, ...]
    params: tuple[str, ...]
    index: int


@attrs.frozen
class _CompiledScale:
    scale: Scale
    input: ex.Expr
    when: ex.Expr | None
    bands: tuple[tuple[Any, ex.Expr], ...]
    when_keys: tuple[str, ...]
    input_keys: tuple[str, ...]
    fact_paths: tuple[str, ...]
    params: tuple[str, ...]
    index: int


@attrs.frozen
class _CompiledDeadline:
    deadline: Deadline
    when: ex.Expr | None
    evidence: ex.Expr
    evidence_is_value: bool
    when_keys: tuple[str, ...]
    evidence_keys: tuple[str, ...]
    fact_paths: tuple[str, ...]
    index: int


@attrs.frozen
class _HookUse:
    """Which pack hooks the pack's module implements (so the others are not called)."""

    derive_facts: bool
    outputs: bool


def _hook_use(pm: pluggy.PluginManager) -> _HookUse:
    return _HookUse(
        bool(pm.hook.pack_derive_facts.get_hookimpls()), bool(pm.hook.pack_outputs.get_hookimpls())
    )


@attrs.frozen(eq=False)
class CompiledPack:
    """A pack's conditions, type-checked and compiled into the rules engine."""

    pack: Pack
    rules: tuple[_CompiledRule, ...]
    scales: tuple[_CompiledScale, ...]
    derived: tuple[tuple[str, ex.Expr | None], ...]
    outputs: tuple[tuple[str, ex.Expr], ...]
    read_paths: tuple[str, ...]
    value_nodes: Mapping[str, ex.Expr]
    getters: tuple[tuple[str, Getter], ...]
    conditions: CompiledConditions
    plugins: pluggy.PluginManager
    applies: ex.Expr | None = None
    applies_keys: tuple[str, ...] = ()
    deadlines: tuple[_CompiledDeadline, ...] = ()
    hooks: _HookUse = _HookUse(derive_facts=True, outputs=True)


def _value_keys(expr: ex.Expr | None) -> tuple[str, ...]:
    if expr is None:
        return ()
    keys: dict[str, None] = {}
    for node in _nodes(expr):
        if isinstance(node, ex.Field | ex.Param | ex.Count | ex.Contains):
            keys.setdefault(ex.key_of(node))
    return tuple(keys)


def _nodes(expr: ex.Expr) -> list[ex.Expr]:
    out = [expr]
    if isinstance(expr, ex.Arith | ex.Compare):
        out += _nodes(expr.left) + _nodes(expr.right)
    elif isinstance(expr, ex.And | ex.Or):
        for item in expr.items:
            out += _nodes(item)
    elif isinstance(expr, ex.Not):
        out += _nodes(expr.item)
    return out


Level = Literal["community", "jurisdiction"]


Getter = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


def _getter(node: ex.Expr) -> Getter:
    """A fast reader of one value source: ``getter(facts, params) -> value or None``."""
    if isinstance(node, ex.Field):
        path = node.path
        return lambda facts, params: facts.get(path)
    if isinstance(node, ex.Param):
        name = node.name
        return lambda facts, params: params.get(name)
    if isinstance(node, ex.Count):
        path = node.path

        def count(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
            items = facts.get(path)
            return None if items is None else len(items)

        return count
    assert isinstance(node, ex.Contains)
    path, value = node.path, node.value

    def contains(facts: Mapping[str, Any], params: Mapping[str, Any]) -> Any:
        items = facts.get(path)
        return None if items is None else value in items

    return contains


def _type_env(pack: Pack, level: Level = "community") -> tuple[Any, Any]:
    catalogue = fact_catalogue(level)
    if level == "community":
        derived = {path: fact.fact_type() for path, fact in pack.facts.items()}
        derived.update({d.path: FactType(d.type) for d in pack.derived})
    else:
        derived = {a.path: FactType("number") for a in pack.aggregates}

    phases = (*(p.id for p in pack.phases), "before", "ended")
    derived["as_of.phase"] = FactType("text", choices=phases)

    def field_type(path: str) -> tuple[ex.ValueType, tuple[str, ...]] | None:
        ft = derived.get(path) or catalogue.get(path) or CONTEXT_FACTS.get(path)
        if ft is None:
            return None
        kind = "number" if ft.is_numeric else ft.kind
        return kind, ft.choices  # type: ignore[return-value]

    def param_type(name: str) -> ex.ValueType | None:
        param = pack.parameters.get(name)
        if param is None:
            return None
        samples = [param.value] if param.value is not None else [v.value for v in param.values]
        for v in samples:
            if isinstance(v, bool):
                return "bool"
            if isinstance(v, int | float):
                return "number"
            if isinstance(v, str):
                return "text"
        return "number" if param.source else None

    return field_type, param_type


def _output_types(pack: Pack) -> dict[str, tuple[ex.ValueType, tuple[str, ...]]]:
    """The types of the outputs that scales and deadlines give, as ``outputs.KEY``."""
    found: dict[str, tuple[ex.ValueType, tuple[str, ...]]] = {}
    for scale in pack.scales:
        values = [b.value for b in scale.bands] + ([] if scale.below is None else [scale.below])
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        labels = tuple(str(v) for v in values if v is not None)
        found[f"outputs.{scale.output}"] = ("number", ()) if numeric else ("text", labels)
    for dl in pack.deadlines:
        if dl.output and dl.subject == "community":
            found[f"outputs.{dl.output}"] = ("text", ())
    return found


def _kind_of(env: tuple[Any, Any], path: str) -> str | None:
    found = env[0](path)
    return None if found is None else str(found[0])


def _compile_expr(
    text: str | None, where: str, env: tuple[Any, Any], *, condition: bool
) -> ex.Expr | None:
    if text is None:
        return None
    try:
        expr = ex.parse(text)
        ex.check_types(expr, *env, condition=condition)
        if condition:
            ex.normalise(expr)
    except ex.ExpressionError as exc:
        raise PackError(f"{where}: {exc}") from None
    return expr


def compile_pack(pack: Pack, level: Level = "community") -> CompiledPack:
    """Type-check and compile every condition of one level of the pack (once per loaded pack).

    ``community``: rules, scales, deadlines, derived facts and outputs for communities;
    ``jurisdiction``: the jurisdiction rules and deadlines, over jurisdiction facts and the
    pack's aggregates.
    """
    cached = pack.cache.get(f"compiled:{level}")
    if isinstance(cached, CompiledPack):
        return cached
    env = _type_env(pack, level)
    file = pack.path / "pack.toml"
    community = level == "community"
    derived: list[tuple[str, ex.Expr | None]] = []
    for i, d in enumerate(pack.derived if community else ()):
        expr = _compile_expr(d.expression, f"{file}: derived[{i}].expression", env, condition=False)
        derived.append((d.path, expr))
    rules: list[_CompiledRule] = []
    conditions: list[tuple[str, ex.Normal]] = []
    paths: dict[str, None] = {}
    for i, rule in enumerate(pack.rules):
        if rule.subject != level:
            continue
        where = f"{file}: rules[{i}] ({rule.id})"
        when = _compile_expr(rule.when, f"{where}.when", env, condition=True)
        require = _compile_expr(rule.require, f"{where}.require", env, condition=True)
        for path in rule.reads:
            if env[0](path) is None:
                raise PackError(f"{where}.reads: {path!r} is not a known fact")
        fact_paths = tuple(
            dict.fromkeys(
                [
                    *(ex.fields_of(when) if when else ()),
                    *(ex.fields_of(require) if require else ()),
                    *rule.reads,
                ]
            )
        )
        params = tuple(
            dict.fromkeys(
                [*(ex.params_of(when) if when else ()), *(ex.params_of(require) if require else ())]
            )
        )
        rules.append(
            _CompiledRule(
                rule, when, require, _value_keys(when), _value_keys(require), fact_paths, params, i
            )
        )
        if when is not None:
            conditions.append((f"r{i}w", ex.normalise(when)))
        if require is not None:
            conditions.append((f"r{i}q", ex.normalise(require)))
        paths.update(dict.fromkeys(fact_paths))
    scales: list[_CompiledScale] = []
    for i, scale in enumerate(pack.scales if community else ()):
        where = f"{file}: scales[{i}] ({scale.id})"
        input_expr = _compile_expr(scale.input, f"{where}.input", env, condition=False)
        assert input_expr is not None
        when = _compile_expr(scale.when, f"{where}.when", env, condition=True)
        bands = []
        for j, band in enumerate(scale.bands):
            text = band.min if isinstance(band.min, str) else repr(band.min)
            threshold = _compile_expr(text, f"{where}.bands[{j}].min", env, condition=False)
            assert threshold is not None
            bands.append((band.value, threshold))
            conditions.append((f"s{i}b{j}", ex.normalise(ex.Compare(">=", input_expr, threshold))))
        if when is not None:
            conditions.append((f"s{i}w", ex.normalise(when)))
        fact_paths = tuple(
            dict.fromkeys([*ex.fields_of(input_expr), *(ex.fields_of(when) if when else ())])
        )
        params = tuple(
            dict.fromkeys(
                [
                    *ex.params_of(input_expr),
                    *(ex.params_of(when) if when else ()),
                    *(p for _, b in bands for p in ex.params_of(b)),
                ]
            )
        )
        scales.append(
            _CompiledScale(
                scale,
                input_expr,
                when,
                tuple(bands),
                _value_keys(when),
                _value_keys(input_expr),
                fact_paths,
                params,
                i,
            )
        )
        paths.update(dict.fromkeys(fact_paths))
    deadlines: list[_CompiledDeadline] = []
    for i, dl in enumerate(pack.deadlines):
        if dl.subject != level:
            continue
        where = f"{file}: deadlines[{i}] ({dl.id})"
        when = _compile_expr(dl.when, f"{where}.when", env, condition=True)
        try:
            evidence = ex.parse(dl.evidence)
            kind = ex.check_types(evidence, *env, condition=False)
        except ex.ExpressionError as exc:
            raise PackError(f"{where}.evidence: {exc}") from None
        is_value = isinstance(evidence, ex.Field) and (
            kind == "date_list" or (dl.kind == "yearly" and kind == "number")
        )
        if not is_value:
            if kind != "bool":
                raise PackError(
                    f"{where}.evidence: give a date-list fact, a year fact (yearly) "
                    f"or a condition, not a {kind} value"
                )
            conditions.append((f"d{i}e", ex.normalise(evidence)))
        if when is not None:
            conditions.append((f"d{i}w", ex.normalise(when)))
        fact_paths = tuple(
            dict.fromkeys(
                [
                    *ex.fields_of(evidence),
                    *(ex.fields_of(when) if when else ()),
                    *([dl.after] if dl.after else []),
                ]
            )
        )
        deadlines.append(
            _CompiledDeadline(
                dl,
                when,
                evidence,
                is_value,
                _value_keys(when),
                _value_keys(evidence),
                fact_paths,
                i,
            )
        )
        paths.update(dict.fromkeys(fact_paths))
    applies = None
    if pack.info.applicability is not None and community:
        applies = _compile_expr(
            pack.info.applicability.when, f"{file}: pack.applicability.when", env, condition=True
        )
        assert applies is not None
        conditions.append(("pa", ex.normalise(applies)))
        paths.update(dict.fromkeys(ex.fields_of(applies)))
    outputs: list[tuple[str, ex.Expr]] = []
    # an output may read the scales' and deadlines' outputs and the outputs before it
    output_types = _output_types(pack)
    out_env = (lambda p: output_types.get(p) or env[0](p), env[1])
    for name, text in (pack.outputs if community else {}).items():
        expr = _compile_expr(text, f"{file}: outputs.{name}", out_env, condition=False)
        assert expr is not None
        outputs.append((name, expr))
        kind = ex.check_types(expr, *out_env, condition=False)
        output_types[f"outputs.{name}"] = (kind, ())
        paths.update(dict.fromkeys(p for p in ex.fields_of(expr) if not p.startswith("outputs.")))
    problems = relative_time.check(pack, lambda p: _kind_of(env, p), str(file), level)
    if problems:
        raise PackError("\n".join(problems))
    paths.update(dict.fromkeys(relative_time.reads(pack, level)))
    # derived facts read their own inputs
    derived_paths = {d.path for d in pack.derived} | {a.path for a in pack.aggregates}
    for _, expr in derived:
        if expr is not None:
            paths.update(dict.fromkeys(ex.fields_of(expr)))
    value_nodes: dict[str, ex.Expr] = {}
    for expr in [
        *(r.when for r in rules),
        *(r.require for r in rules),
        *(s.input for s in scales),
        *(s.when for s in scales),
        *(b for s in scales for _, b in s.bands),
        applies,
        *(d.when for d in deadlines),
        *(d.evidence for d in deadlines if not d.evidence_is_value),
    ]:
        if expr is None:
            continue
        for node in _nodes(expr):
            if isinstance(node, ex.Field | ex.Param | ex.Count | ex.Contains):
                value_nodes.setdefault(ex.key_of(node), node)
    compiled = CompiledPack(
        pack=pack,
        rules=tuple(rules),
        scales=tuple(scales),
        derived=tuple(derived),
        outputs=tuple(outputs),
        read_paths=tuple(p for p in paths if p not in derived_paths and p not in CONTEXT_FACTS),
        value_nodes=value_nodes,
        getters=tuple((key, _getter(node)) for key, node in value_nodes.items()),
        conditions=compile_conditions(
            f"{pack.id}@{pack.version}/{pack.digest}/{level}", conditions
        ),
        plugins=pack_plugin_manager(pack),
        applies=applies,
        applies_keys=_value_keys(applies),
        deadlines=tuple(deadlines),
        hooks=_hook_use(pack_plugin_manager(pack)),
    )
    pack.cache[f"compiled:{level}"] = compiled
    return compiled


# ------------------------------------------------------------------------- evaluating


_RENDERED: dict[tuple[str, int, int], tuple[ex.Expr, Mapping[str, Any], Any]] = {}


def _cached(kind: str, expr: ex.Expr, params: Mapping[str, Any], compute: Any) -> Any:
    """``compute(expr, params)``, remembered for this expression and parameter mapping.

    Parameter mappings are cached per date (:meth:`Pack.parameters_at`), so renderings of
    conditions and band thresholds are computed once per pack and date. The cache keeps
    both objects alive, so their ids cannot be reused while an entry exists.
    """
    key = (kind, id(expr), id(params))
    hit = _RENDERED.get(key)
    if hit is not None and hit[0] is expr and hit[1] is params:
        return hit[2]
    if len(_RENDERED) > 20_000:
        _RENDERED.clear()
    value = compute(expr, params)
    _RENDERED[key] = (expr, params, value)
    return value


def _render(expr: ex.Expr, params: Mapping[str, Any] | None = None) -> str:
    return str(_cached("render", expr, params or _NO_PARAMS, ex.render))


def _threshold(expr: ex.Expr, params: Mapping[str, Any]) -> Any:
    return _cached("value", expr, params, lambda e, p: ex.evaluate(e, {}, p))


_NO_PARAMS: Mapping[str, Any] = {}


def _fmt(value: Any) -> str:
    if value is None:
        return "未知"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _actual(paths: Sequence[str], facts: Mapping[str, Any]) -> str | None:
    if not paths:
        return None
    return "; ".join(f"{p} = {_fmt(facts.get(p))}" for p in paths)


def _responsible(units: Sequence[str]) -> str:
    return f"责任单位：{'、'.join(units)}。" if units else ""


def _finding(
    rule: Rule | Scale | Deadline,
    outcome: Outcome,
    facts: Mapping[str, Any],
    paths: Sequence[str],
    params: Mapping[str, Any],
    param_names: Sequence[str],
    expected: str | None,
    message: str,
    actual: str | None = None,
) -> Finding:
    area = rule.area if isinstance(rule, Rule | Deadline) else None
    return Finding(
        rule=rule.id,
        outcome=outcome,
        title=rule.title,
        clause=rule.clause,
        quote=rule.quote,
        responsible=rule.responsible,
        inputs={p: facts.get(p) for p in paths},
        expected=expected,
        actual=actual if actual is not None else _actual(paths, facts),
        message=message,
        binding=rule.binding,
        parameters={p: params.get(p) for p in param_names},
        area=area,
    )


def _missing(keys: Sequence[str], values: Mapping[str, Any]) -> list[str]:
    return [k for k in keys if values.get(k) is None and not k.startswith("params.")]


def _unset_params(names: Sequence[str], params: Mapping[str, Any]) -> list[str]:
    return [n for n in names if params.get(n) is None]


def _with_results(
    ctx: EvaluationContext, findings: Mapping[str, Finding], outputs: Mapping[str, Any]
) -> EvaluationContext:
    return EvaluationContext(
        ctx.pack,
        ctx.subject,
        ctx.as_of,
        ctx.params,
        ctx.facts,
        ctx.programme_year,
        findings,
        outputs,
        ctx.applicable,
    )


def _decide_rule(
    cr: _CompiledRule,
    values: Mapping[str, Any],
    matched: frozenset[str],
    ctx: EvaluationContext,
    plugins: pluggy.PluginManager,
) -> Finding:
    rule, facts, params = cr.rule, ctx.facts, ctx.params
    expected = _render(cr.require, params) if cr.require is not None else None

    def make(outcome: Outcome, message: str, actual: str | None = None) -> Finding:
        return _finding(
            rule, outcome, facts, cr.fact_paths, params, cr.params, expected, message, actual
        )

    unset = _unset_params(cr.params, params)
    if unset:
        names = "、".join(f"params.{n}" for n in unset)
        return make("not_applicable", f"不适用：{ctx.as_of.isoformat()} 时文件未规定 {names}。")
    missing_when = _missing(cr.when_keys, values)
    if missing_when:
        return make("unknown", f"缺少数据，无法判断是否适用：{'、'.join(_paths(missing_when))}。")
    if cr.when is not None and f"r{cr.index}w" not in matched:
        return make("not_applicable", f"不适用：{_render(cr.when, params)} 不成立。")
    if rule.kind == "hook":
        decision = plugins.hook.pack_evaluate_rule(rule=rule, context=ctx)
        if decision is None:
            raise PackError(f"{ctx.pack.id}: no pack_evaluate_rule hook decided rule {rule.id!r}")
        return _finding(
            rule,
            decision.outcome,
            facts,
            cr.fact_paths,
            params,
            cr.params,
            decision.expected,
            decision.message,
            decision.actual,
        )
    missing = _missing(cr.require_keys, values)
    if missing:
        return make("unknown", f"缺少数据：{'、'.join(_paths(missing))}，无法判断。")
    if f"r{cr.index}q" in matched:
        return make("pass", f"符合：{expected}。")
    actual = _actual(cr.fact_paths, facts)
    if not rule.binding:
        return make("advisory", f"建议：{expected}（实际：{actual}）。指导性要求，不影响结论。")
    return make("fail", f"不符合：要求 {expected}，实际 {actual}。{_responsible(rule.responsible)}")


def _paths(keys: Sequence[str]) -> list[str]:
    out: list[str] = []
    for key in keys:
        if key.startswith("count("):
            key = key[6:-1]
        elif " contains " in key:
            key = key.split(" contains ")[0]
        if key not in out:
            out.append(key)
    return out


def _decide_scale(
    cs: _CompiledScale, values: Mapping[str, Any], matched: frozenset[str], ctx: EvaluationContext
) -> tuple[Finding, Any]:
    scale, facts, params = cs.scale, ctx.facts, ctx.params
    lowest = cs.bands[0][1]
    labels = {b.value: (b.label or str(b.value)) for b in scale.bands}
    expected = f"{_render(cs.input)} ≥ {_render(lowest, params)}（{labels[cs.bands[0][0]]}）"

    def make(outcome: Outcome, message: str) -> Finding:
        return _finding(scale, outcome, facts, cs.fact_paths, params, cs.params, expected, message)

    unset = _unset_params(cs.params, params)
    if unset:
        names = "、".join(f"params.{n}" for n in unset)
        return make(
            "not_applicable", f"不适用：{ctx.as_of.isoformat()} 时文件未规定 {names}。"
        ), None
    missing_when = _missing(cs.when_keys, values)
    if missing_when:
        return make("unknown", f"缺少数据：{'、'.join(_paths(missing_when))}，无法评定。"), None
    if cs.when is not None and f"s{cs.index}w" not in matched:
        reason = f"{_render(cs.when, params)} 不成立"
        return make("not_applicable", f"不予评定：{reason}。"), scale.below
    missing = _missing(cs.input_keys, values)
    if missing:
        return make("unknown", f"缺少数据：{'、'.join(_paths(missing))}，无法评定。"), None
    reached = [
        (value, threshold)
        for j, (value, threshold) in enumerate(cs.bands)
        if f"s{cs.index}b{j}" in matched
    ]
    input_value = ex.evaluate(cs.input, facts, params)
    if not reached:
        message = (
            f"未达到最低档：{_render(cs.input)} = {_fmt(input_value)}，"
            f"要求 ≥ {_render(lowest, params)}。{_responsible(scale.responsible)}"
        )
        return make("fail" if scale.binding else "advisory", message), scale.below
    value, threshold = max(reached, key=lambda vt: _threshold(vt[1], params))
    message = (
        f"{_render(cs.input)} = {_fmt(input_value)} ≥ {_render(threshold, params)}："
        f"{labels[value]}。"
    )
    return make("pass", message), value


def _decide_deadline(
    cd: _CompiledDeadline,
    values: Mapping[str, Any],
    matched: frozenset[str],
    ctx: EvaluationContext,
) -> tuple[Finding, dt.date | None]:
    dl, facts, params = cd.deadline, ctx.facts, ctx.params
    missing_when = _missing(cd.when_keys, values)
    if missing_when:
        message = f"缺少数据，无法判断是否适用：{'、'.join(_paths(missing_when))}。"
        return _finding(dl, "unknown", facts, cd.fact_paths, params, (), None, message), None
    if cd.when is not None and f"d{cd.index}w" not in matched:
        message = f"不适用：{_render(cd.when, params)} 不成立。"
        return _finding(dl, "not_applicable", facts, cd.fact_paths, params, (), None, message), None
    if cd.evidence_is_value:
        evidence = facts.get(cd.fact_paths[0])
    else:
        evidence = None if _missing(cd.evidence_keys, values) else f"d{cd.index}e" in matched
    if dl.after is not None:
        due = relative_time.due_of(dl, facts)
        if due is None:
            message = f"缺少数据：{dl.after}，无法确定期限。"
            return _finding(dl, "unknown", facts, cd.fact_paths, params, (), None, message), None
        dl = attrs.evolve(dl, due=due)
    a = assess(dl, ctx.as_of, evidence)
    outcome = a.outcome
    message = a.message
    if outcome in ("overdue", "met_late") and not dl.binding:
        outcome = "advisory"
    if outcome in ("overdue", "met_late", "advisory"):
        message += _responsible(dl.responsible)
    return _finding(
        dl, outcome, facts, cd.fact_paths, params, (), a.expected, message, a.actual
    ), a.next_due


def _today() -> dt.date:
    return dt.date.today()


def _check_overrides(pack: Pack, parameters: Mapping[str, Any] | None) -> None:
    for name in parameters or {}:
        if name not in pack.parameters:
            raise PackError(
                f"{pack.id}: parameter override {name!r} is not a parameter of the pack"
            )


def _context_facts(pack: Pack, as_of: dt.date, year: int | None) -> dict[str, Any]:
    return {
        "as_of.year": as_of.year,
        "as_of.month": as_of.month,
        "as_of.day": as_of.day,
        "programme.year": year,
        "as_of.phase": pack.phase_at(as_of),
    }


def _decide(
    cp: CompiledPack,
    ctx: EvaluationContext,
    values: Mapping[str, Any],
    matched: frozenset[str],
    applicable: bool | None,
    reason: str,
) -> tuple[list[Finding], dict[str, Any]]:
    """Findings in pack order (rules, scales, deadlines) and the outputs they give."""
    facts, params = ctx.facts, ctx.params
    by_rule: dict[str, Finding] = {}
    outputs: dict[str, Any] = {}
    if applicable is False:
        for cr in cp.rules:
            by_rule[cr.rule.id] = _finding(
                cr.rule,
                "not_applicable",
                facts,
                cr.fact_paths,
                params,
                cr.params,
                None,
                f"不适用：{reason}",
            )
        for cs in cp.scales:
            by_rule[cs.scale.id] = _finding(
                cs.scale,
                "not_applicable",
                facts,
                cs.fact_paths,
                params,
                cs.params,
                None,
                f"不适用：{reason}",
            )
            outputs[cs.scale.output] = None
        for cd in cp.deadlines:
            by_rule[cd.deadline.id] = _finding(
                cd.deadline,
                "not_applicable",
                facts,
                cd.fact_paths,
                params,
                (),
                None,
                f"不适用：{reason}",
            )
            if cd.deadline.output:
                outputs[cd.deadline.output] = None
    else:
        for cr in cp.rules:
            if cr.rule.kind != "hook":
                by_rule[cr.rule.id] = _decide_rule(cr, values, matched, ctx, cp.plugins)
        for cs in cp.scales:
            by_rule[cs.scale.id], outputs[cs.scale.output] = _decide_scale(cs, values, matched, ctx)
        for cd in cp.deadlines:
            by_rule[cd.deadline.id], next_due = _decide_deadline(cd, values, matched, ctx)
            if cd.deadline.output:
                outputs[cd.deadline.output] = next_due
    scope = {**facts, **{f"outputs.{k}": v for k, v in outputs.items()}} if cp.outputs else {}
    for name, expr in cp.outputs:
        # where the pack does not apply, its outputs say nothing: null
        outputs[name] = ex.evaluate(expr, scope, params) if applicable is not False else None
        scope[f"outputs.{name}"] = outputs[name]
    if applicable is not False and any(cr.rule.kind == "hook" for cr in cp.rules):
        ctx = _with_results(ctx, dict(by_rule), dict(outputs))
        for cr in cp.rules:
            if cr.rule.kind == "hook":
                by_rule[cr.rule.id] = _decide_rule(cr, values, matched, ctx, cp.plugins)
    findings = (
        [by_rule[cr.rule.id] for cr in cp.rules]
        + [by_rule[cs.scale.id] for cs in cp.scales]
        + [by_rule[cd.deadline.id] for cd in cp.deadlines]
    )
    return findings, outputs


def _dated_outputs(
    pack: Pack, outputs: dict[str, Any], year: int | None, phase: str | None
) -> None:
    if pack.info.programme is not None:
        outputs.setdefault("program_year", year)
    if pack.phases:
        outputs.setdefault(pack.info.phase_output, phase)


def evaluate_community(
    community: Community,
    pack: Pack,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Result:
    """Evaluate one community against one pack on ``as_of`` (default: today)."""
    as_of = as_of or _today()
    cp = compile_pack(pack)
    _check_overrides(pack, parameters)
    params = pack.parameters_at(as_of, parameters)
    year = pack.programme_year(as_of, parameters)
    facts = flatten(community, cp.read_paths)
    facts.update(_context_facts(pack, as_of, year))
    facts.update(relative_time.window_counts(pack, facts, as_of))
    for path, expr in cp.derived:
        if expr is not None:
            facts[path] = ex.evaluate(expr, facts, params)
    ctx = EvaluationContext(pack, community, as_of, params, facts, year)
    if cp.hooks.derive_facts:
        for extra in cp.plugins.hook.pack_derive_facts(context=ctx):
            if extra:
                facts.update(extra)

    values = {key: get(facts, params) for key, get in cp.getters}
    matched = cp.conditions.matching(values)
    applicable: bool | None = True
    reason = ""
    if not pack.in_force(as_of):
        applicable, reason = False, f"政策在 {as_of.isoformat()} 不在有效期内。"
    elif cp.applies is not None:
        applicable = None if _missing(cp.applies_keys, values) else "pa" in matched
        reason = f"本方案不适用于该社区（{ex.render(cp.applies)} 不成立）。"

    ctx = EvaluationContext(pack, community, as_of, params, facts, year, applicable=applicable)
    findings, outputs = _decide(cp, ctx, values, matched, applicable, reason)
    if cp.hooks.outputs:
        by_rule = {f.rule: f for f in findings}
        ctx = _with_results(ctx, by_rule, dict(outputs))
        hook_outputs = cp.plugins.hook.pack_outputs(context=ctx, findings=tuple(findings))
        for extra in reversed(hook_outputs):
            if extra:
                outputs.update(extra)
    _dated_outputs(pack, outputs, year, facts["as_of.phase"])
    return Result(
        pack_id=pack.id,
        pack_version=pack.version,
        pack_digest=pack.digest,
        engine_version=ENGINE_VERSION,
        subject_id=community.id,
        subject_name=community.name,
        subject_level="community",
        as_of=as_of,
        verdict=verdict_of(findings, applicable),
        findings=tuple(findings),
        outputs={k: jsonable(v) for k, v in outputs.items()},
    )


def _aggregate_text(path: str, d: Mapping[str, Any]) -> str:
    value = d["value"]
    if value is None:
        shown = "未知"
    elif isinstance(value, float):
        shown = f"{value:.1%}（{d['met']}/{d['known']}）"
    else:
        shown = str(value)
    extra = f"，另有 {d['unknown']} 个社区数据不全" if d["unknown"] else ""
    return f"{path} = {shown}{extra}"


def _explain_aggregates(f: Finding, details: Mapping[str, Mapping[str, Any]]) -> Finding:
    """Show each aggregate with its counts, and the unknown communities, in the finding."""
    used = [p for p in f.inputs if p in details]
    if not used:
        return f
    actual = "; ".join(
        _aggregate_text(p, details[p]) if p in details else f"{p} = {_fmt(f.inputs[p])}"
        for p in f.inputs
    )
    message = f.message
    if f.actual and f.actual in message:
        message = message.replace(f.actual, actual)
    return attrs.evolve(
        f,
        inputs={k: details.get(k, v) for k, v in f.inputs.items()},
        actual=actual,
        message=message,
    )


def evaluate_jurisdiction_rules(
    jurisdiction: Jurisdiction,
    pack: Pack,
    as_of: dt.date,
    parameters: Mapping[str, Any] | None,
    aggregates: Mapping[str, float | int | None],
    details: Mapping[str, Mapping[str, Any]],
) -> tuple[list[Finding], dict[str, Any]]:
    """The jurisdiction's own rules and deadlines, given its aggregates over communities.

    ``details`` explains each aggregate (met, known, unknown) and replaces its bare value in
    the findings' inputs.
    """
    cp = compile_pack(pack, "jurisdiction")
    _check_overrides(pack, parameters)
    params = pack.parameters_at(as_of, parameters)
    year = pack.programme_year(as_of, parameters)
    facts = flatten(jurisdiction, cp.read_paths)
    facts.update(_context_facts(pack, as_of, year))
    facts.update(aggregates)
    ctx = EvaluationContext(pack, jurisdiction, as_of, params, facts, year)
    values = {key: get(facts, params) for key, get in cp.getters}
    matched = cp.conditions.matching(values)
    in_force = pack.in_force(as_of)
    reason = "" if in_force else f"政策在 {as_of.isoformat()} 不在有效期内。"
    findings, outputs = _decide(cp, ctx, values, matched, in_force, reason)
    findings = [_explain_aggregates(f, details) for f in findings]
    _dated_outputs(pack, outputs, year, facts["as_of.phase"])
    return findings, outputs
