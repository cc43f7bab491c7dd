"""What would change the outcome: the gaps of a result (results.md "Gaps").

For each binding rule that fails or is unknown, what would make it pass, one fact at a
time with the others held: the least value of the fact that satisfies the rule's
``require`` condition (a number, ``true``, a list member), or ``"provide"`` for a fact
that is missing. For each scale output below its top band, the next band: the value of the
scale's input it needs, how far short the subject is, and what the pack's other outputs
(e.g. the reward) would then be.

Gaps are read from the rule conditions (the parsed expressions) and the parameters on the
evaluation date: nothing is invented. A rule decided by a pack hook says nothing about
what would satisfy it, so it has no gap beyond its missing facts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.aggregate_gaps import lacking
from policyengine.deadline_gaps import deadline_gaps
from policyengine.engine import evaluate_community
from policyengine.facts import Community, Jurisdiction, fact_catalogue, flatten
from policyengine.gap_words import band_words, describe_band, describe_gap, gap_words
from policyengine.i18n import text
from policyengine.limits import check_time
from policyengine.pack import Deadline, Pack, Rule, Scale
from policyengine.pilot import PILOT_RULE
from policyengine.plan import plan_for
from policyengine.results import BandGap, Finding, Result, RuleGap
from policyengine.scope import SCOPE_RULE
from policyengine.sentences import (
    finding_sentence,
    frame_of,
    items_of,
    kept,
    value_words,
    values_key,
)
from policyengine.what_if import outputs_if

__all__ = [
    "WHAT_IF_BACKEND",
    "PeopleReader",
    "compile_what_if",
    "gaps_of",
    "needed_values",
    "titles_of",
    "with_gaps",
]

WHAT_IF_BACKEND = "python"
"""The backend that decides the conditions of a band gap's "what if" evaluation: the
reference backend, which every backend must agree with (:mod:`policyengine.backends`,
``tests/test_backends.py``), answers one row sooner than the default one's round trip; only
the outputs of that evaluation are read."""

_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _value(v: Any) -> Any:
    """An input as the rule saw it (an aggregate's details carry it as ``value``)."""
    if isinstance(v, Mapping) and "value" in v:
        return v["value"]
    return v


def _is_int(path: str, level: str) -> bool:
    ft = fact_catalogue("community" if level == "community" else "jurisdiction").get(path)
    return ft is not None and ft.kind == "int"


def _numeric_need(
    cmp: ex.Compare,
    path: str,
    facts: Mapping[str, Any],
    params: Mapping[str, Any],
    integer: bool,
) -> tuple[Any, str] | None:
    """The bound on ``path`` that makes ``cmp`` hold with the other facts held.

    The comparison is linear in one fact in every pack (``a * x + b op c``): its slope is
    measured at two points and checked at a third; a non-linear comparison has no gap.
    """
    trial = dict(facts)  # one copy, the fact set to each trial value in turn
    left, right = ex.compiled(cmp.left), ex.compiled(cmp.right)

    def g(x: float) -> float | None:
        # left - right, as evaluating ``Arith("-", left, right)`` gives it (one side reads
        # the fact, so nothing is folded), from the sides the pack's expression keeps compiled
        trial[path] = x
        a, b = left(trial, params), right(trial, params)
        v = None if a is None or b is None else ex.arith("-", a, b)
        return None if v is None or isinstance(v, bool) else float(v)

    g0, g1, g2 = g(0.0), g(1.0), g(2.0)
    if g0 is None or g1 is None or g2 is None:
        return None
    slope = g1 - g0
    if slope == 0 or abs((g2 - g1) - slope) > 1e-9 * max(1.0, abs(slope)):
        return None
    root = round(-g0 / slope, 9)
    op = cmp.op if slope > 0 else _FLIP[cmp.op]
    if op in ("==", "!="):
        return (root, "==") if op == "==" else None
    if not integer and op in (">=", "<="):
        # rounded to 9 decimals towards the side that meets the rule: 0.7 × 69.985714286
        # is above 48.99, so "at most 69.985714286" did not meet it; 69.985714285 does
        step = 1e-9 if op == ">=" else -1e-9
        holds = ex.compiled(cmp)
        for _ in range(3):
            trial[path] = root
            if holds(trial, params) is True:
                break
            root = round(root + step, 9)
    return _bound(root, op, integer)


def _bound(value: float, op: str, integer: bool) -> tuple[Any, str]:
    """The least (``>=``/``>``) or greatest (``<=``/``<``) value meeting ``x op value``."""
    if integer:
        if op == ">=":
            return math.ceil(value - 1e-9), ">="
        if op == ">":
            return math.floor(value + 1e-9) + 1, ">="
        if op == "<=":
            return math.floor(value + 1e-9), "<="
        return math.ceil(value - 1e-9) - 1, "<="
    return value, op


def _direct(
    cmp: ex.Compare, facts: Mapping[str, Any], params: Mapping[str, Any], level: str
) -> tuple[str, Any, str] | None:
    """``fact op threshold`` (a threshold of constants and parameters): read off directly."""
    if cmp.op in ("==", "!="):
        return None
    for side, other, op in ((cmp.left, cmp.right, cmp.op), (cmp.right, cmp.left, _FLIP[cmp.op])):
        if not isinstance(side, ex.Field) or _fields(other):
            continue
        if any(isinstance(n, ex.Count | ex.Contains) for n in _nodes(other)):
            continue
        value = ex.evaluate(other, facts, params)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        value = int(value) if float(value).is_integer() else value
        needed, relation = _bound(value, op, _is_int(side.path, level))
        return side.path, needed, relation
    return None


def _fields(expr: ex.Expr) -> tuple[str, ...]:
    """:func:`policyengine.expressions.fields_of`, kept per expression (a pack's
    conditions, and the goals of its scales, are read for every subject)."""
    return kept(expr, ("fields", id(expr)), ex.fields_of, expr)


def _nodes(expr: ex.Expr) -> list[ex.Expr]:
    if isinstance(expr, ex.Arith | ex.Compare):
        return [expr, *_nodes(expr.left), *_nodes(expr.right)]
    return [expr]


def needed_values(
    expr: ex.Expr, facts: Mapping[str, Any], params: Mapping[str, Any], level: str = "community"
) -> list[tuple[str, Any, str]]:
    """``(fact, needed, relation)`` for each fact that alone would make ``expr`` hold.

    Parts of an ``and`` that already hold are left alone; each part of an ``or`` is a way
    to pass on its own. Only facts the condition names are ever given.
    """
    return list(_needs(expr, facts, params, level))


def _needs(
    expr: ex.Expr, facts: Mapping[str, Any], params: Mapping[str, Any], level: str
) -> Iterator[tuple[str, Any, str]]:
    """:func:`needed_values`, one at a time (a caller taking the first that fits computes
    no more)."""
    if ex.evaluate(expr, facts, params) is True:
        return
    if isinstance(expr, ex.And | ex.Or):
        for item in expr.items:
            yield from _needs(item, facts, params, level)
        return
    if isinstance(expr, ex.Not):
        try:
            negated = list(_needs(ex.negate(expr.item), facts, params, level))
        except ex.ExpressionError:
            return
        yield from negated
        return
    if isinstance(expr, ex.Field):
        yield (expr.path, True, "==")
        return
    if isinstance(expr, ex.Contains):
        yield (expr.path, expr.value, "contains")
        return
    if not isinstance(expr, ex.Compare):
        return
    out: list[tuple[str, Any, str]] = []
    for side, other in ((expr.left, expr.right), (expr.right, expr.left)):
        const = isinstance(other, ex.Const)
        if isinstance(side, ex.Count) and const and expr.op == "==" and other.value == 0:  # type: ignore[union-attr]
            out.append((side.path, [], "=="))
        if isinstance(side, ex.Field) and isinstance(other, ex.Const):
            if isinstance(other.value, bool | str) and expr.op == "==":
                out.append((side.path, other.value, "=="))
            elif isinstance(other.value, bool) and expr.op == "!=":
                out.append((side.path, not other.value, "=="))
        if isinstance(side, ex.Contains) and const and expr.op == "==" and other.value is True:  # type: ignore[union-attr]
            out.append((side.path, side.value, "contains"))
    if out:
        yield from out
        return
    direct = _direct(expr, facts, params, level)
    if direct is not None:
        yield direct
        return
    for path in _fields(expr):
        if isinstance(facts.get(path), bool | str | list | tuple):
            continue
        found = _numeric_need(expr, path, facts, params, _is_int(path, level))
        if found is None:
            continue
        value, relation = found
        if ex.evaluate(expr, {**facts, path: value}, params) is True:
            yield (path, value, relation)


def titles_of(pack: Pack, lang: str = "zh") -> dict[str, str]:
    """Names of the facts a pack declares itself (derived facts, aggregates), by path, in
    ``lang`` where the pack gives a ``title_en``."""
    en = lang == "en"
    return {
        **{d.path: (d.title_en if en and d.title_en else d.title) for d in pack.derived},
        **{a.path: (a.title_en if en and a.title_en else a.title) for a in pack.aggregates},
    }


def _sources(pack: Pack, path: str, subject: Community | Jurisdiction | None) -> list[str]:
    """The facts to provide for a missing one: itself, or for a fact the pack derives
    (Wuma's total score) the facts of its expression the subject does not give."""
    derived = kept(pack, ("derived", id(pack)), _derived, pack)
    expr = derived.get(path)
    if expr is None or not isinstance(subject, Community):
        return [path]
    fields = ex.fields_of(expr)
    given = flatten(subject, fields)
    found = [s for p in fields if given.get(p) is None for s in _sources(pack, p, subject)]
    return found or [path]


_PLACE_RULES = frozenset({SCOPE_RULE, PILOT_RULE})
"""Findings about where the subject lies: unknown though their facts are given, when the
place stops short of the level they need."""


def _rule_gaps(
    pack: Pack,
    f: Finding,
    item: Rule | Deadline | None,
    params: Mapping[str, Any],
    level: str,
    lang: str,
    titles: Mapping[str, str],
    subject: Community | Jurisdiction | None = None,
) -> Iterator[RuleGap]:
    facts = {p: _value(v) for p, v in f.inputs.items()}

    def gap(path: str, needed: Any, relation: str, extra: int | None = None) -> RuleGap:
        now = facts.get(path)
        message = _gap_message(
            pack, path, now, needed, relation, f.responsible, f.clause, lang, titles
        )
        if extra:
            message += text("gap.communities", lang, n=extra)
        return RuleGap.on(f, path, now, needed, relation, message, extra)

    missing = [p for p, v in facts.items() if v is None]
    if f.outcome == "unknown":
        if not missing and f.rule in _PLACE_RULES:
            # a place given in part (a city, no street): the whole place is what is needed
            missing = [p for p in facts if p.endswith("jurisdiction")] or list(facts)
        asked = (source for path in missing for source in _sources(pack, path, subject))
        for path in dict.fromkeys(asked):
            yield gap(path, "provide", "provide")
        return
    if missing or f.outcome not in ("fail", "overdue", "met_late"):
        return
    if isinstance(item, Deadline):
        yield from deadline_gaps(item, f, facts, lang, titles)
        if item.kind == "yearly" and len(facts) == 1:
            (path,) = facts
            due_year = _due_year(f)
            if due_year is not None and _is_int(path, level):
                yield gap(path, due_year, ">=")
        return
    if not isinstance(item, Rule) or item.require is None:
        return
    try:
        expr = ex.parse(item.require)
    except ex.ExpressionError:
        return
    for path, needed, relation in needed_values(expr, facts, params, level):
        yield gap(path, needed, relation, _communities_needed(f.inputs.get(path), needed))


def _gap_message(
    pack: Pack,
    path: str,
    now: Any,
    needed: Any,
    relation: str,
    responsible: tuple[str, ...],
    clause: str,
    lang: str,
    titles: Mapping[str, str],
) -> str:
    """:func:`~policyengine.gap_words.describe_gap`, said once per pack, fact, value needed,
    clause and units around the value now (``titles``: the pack's, in ``lang``)."""
    plain = tuple(needed) if needed.__class__ is list else needed
    key = (
        "gap words",
        id(pack),
        path,
        needed.__class__,
        plain,
        relation,
        responsible,
        clause,
        lang,
    )
    frame = kept(pack, key, _gap_frame, path, needed, relation, responsible, clause, lang, titles)
    if frame is None:
        return describe_gap(path, now, needed, relation, responsible, clause, lang, titles)
    return frame[0] + value_words(path, now, lang) + frame[1]


def _gap_frame(
    path: str,
    needed: Any,
    relation: str,
    responsible: tuple[str, ...],
    clause: str,
    lang: str,
    titles: Mapping[str, str],
) -> tuple[str, str] | None:
    return frame_of(
        lambda now: gap_words(path, now, needed, relation, responsible, clause, lang, titles)
    )


def _due_year(f: Finding) -> int | None:
    due = getattr(f, "due", None)
    if isinstance(due, dt.date):
        return due.year
    return None


def _communities_needed(details: Any, needed: Any) -> int | None:
    """For a share over communities: how many more known communities must meet it."""
    if not isinstance(details, Mapping) or not isinstance(needed, int | float):
        return None
    met, known = details.get("met"), details.get("known")
    if not isinstance(met, int) or not isinstance(known, int):
        return None
    if isinstance(details.get("value"), float) or (needed <= 1 and isinstance(needed, float)):
        total = known + int(details.get("unknown") or 0)
        return max(0, math.ceil(needed * total - 1e-9) - met)
    return max(0, math.ceil(needed - 1e-9) - met)


def _set_fact(subject: Community, path: str, value: Any) -> Community:
    head, _, name = path.partition(".")
    group = getattr(subject, head)
    return attrs.evolve(subject, **{head: attrs.evolve(group, **{name: value})})


def _in_range(path: str, value: Any) -> bool:
    ft = fact_catalogue("community").get(path)
    if ft is None or not ft.is_numeric:
        return False
    rng = ft.range
    if rng is None:
        return True
    low_ok = rng.min is None or (value > rng.min if rng.exclusive_min else value >= rng.min)
    return low_ok and (rng.max is None or value <= rng.max)


@attrs.frozen
class _ScaleAt:
    """What a scale's band gaps read whatever the subject, on one date with one set of
    overrides: its input, parsed, and each band's value and threshold."""

    input: ex.Expr
    bands: tuple[tuple[Any, Any], ...] | None
    """``(band value, threshold)`` in band order; None where a threshold has no value."""


def _scale_at(scale: Scale, params: Mapping[str, Any]) -> _ScaleAt | None:
    try:
        input_expr = ex.parse(scale.input)
    except ex.ExpressionError:
        return None
    bands: list[tuple[Any, Any]] = []
    for band in scale.bands:
        text = band.min if isinstance(band.min, str) else repr(band.min)
        threshold = ex.evaluate(ex.parse(text), {}, params)
        if threshold is None:
            return _ScaleAt(input_expr, None)
        bands.append((band.value, threshold))
    return _ScaleAt(input_expr, tuple(bands))


def _at_least(expr: ex.Expr, value: Any) -> ex.Compare:
    """``expr >= value``: one object per expression and value (kept), so that it is
    compiled once (:func:`policyengine.expressions.compiled`)."""
    key = ("at_least", id(expr), value.__class__, value)
    return kept(expr, key, ex.Compare, ">=", expr, ex.Const(value))


def _derived(pack: Pack) -> dict[str, ex.Expr]:
    """The pack's derived facts with an expression, parsed, by path."""
    by_path = {d.path: d for d in pack.derived}
    return {path: ex.parse(d.expression) for path, d in by_path.items() if d.expression}


def _what_if(
    subject: Community,
    result: Result,
    pack: Pack,
    params: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    candidates: Sequence[tuple[str, Any, str]],
) -> Mapping[str, Any] | None:
    """The outputs with the scale's input raised to its next threshold through one input
    fact.

    A derived input is raised through the first fact of its expression that can carry it
    within the vocabulary's ranges (the objective score up to 700, then the survey score).
    Only the subject's facts change: the outputs answer "what if", they decide nothing.
    ``candidates`` are the needs of the scale's input at the threshold (``needed_values``).
    The result's decided row is decided again with the fact changed
    (:func:`~policyengine.what_if.outputs_if`); where it cannot be, the changed community is
    evaluated afresh.
    """
    derived = kept(pack, ("derived", id(pack)), _derived, pack)
    for path, needed, _ in candidates:
        options: Iterator[tuple[str, Any, str]]
        if path in derived:
            inner = _at_least(derived[path], needed)
            inner_facts = flatten(subject, _fields(inner))
            options = _needs(inner, inner_facts, params, "community")
        else:
            options = iter([(path, needed, ">=")])
        for fact, value, _ in options:
            if not _in_range(fact, value):
                continue
            try:
                changed = _set_fact(subject, fact, value)
            except (AttributeError, TypeError, ValueError):
                continue
            outputs = outputs_if(result, changed)
            if outputs is not None:
                return outputs
            # the reference backend answers what every backend must (policyengine.backends),
            # with no round trip through the default one: the same outputs, sooner
            return evaluate_community(
                changed, pack, as_of=result.as_of, parameters=overrides, backend=WHAT_IF_BACKEND
            ).outputs
    return None


def compile_what_if(pack: Pack) -> None:
    """Compile the plan a band gap's what-if evaluates (the pack's communities on
    :data:`WHAT_IF_BACKEND`), for a pack with scales: a service does it before its first
    request, as it compiles the pack itself."""
    if pack.scales:
        plan_for(pack, "community", WHAT_IF_BACKEND)


def _band_gap(
    f: Finding,
    scale: Scale,
    result: Result,
    pack: Pack,
    subject: Community | Jurisdiction | None,
    params: Mapping[str, Any],
    overrides: Mapping[str, Any] | None,
    dated: tuple[Any, ...],
    lang: str,
) -> BandGap | None:
    if f.outcome not in ("pass", "fail", "advisory"):
        return None
    now = result.outputs.get(scale.output)
    at = kept(pack, ("scale", id(pack), id(scale), dated), _scale_at, scale, params)
    if at is None:
        return None
    facts = {p: _value(v) for p, v in f.inputs.items()}
    current = ex.evaluate(at.input, facts, params)
    if current is None or isinstance(current, bool) or at.bands is None:
        return None
    above = sorted((t, v) for v, t in at.bands if t > current)
    if not above:
        return None
    threshold, nxt = above[0]
    threshold = int(threshold) if float(threshold).is_integer() else threshold
    goal = _at_least(at.input, threshold)
    if isinstance(at.input, ex.Field) and current.__class__ in (int, float):
        # ``fact >= threshold`` not yet met: what it needs does not depend on the facts
        key = ("needs", id(pack), id(scale), dated, threshold.__class__, threshold)
        candidates = kept(pack, key, needed_values, goal, {}, params)
    else:
        candidates = needed_values(goal, facts, params)
    needs = {path: needed for path, needed, _ in candidates}
    short = round(threshold - current, 9)
    short_by = int(short) if float(short).is_integer() else short
    then: dict[str, Any] = {}
    # the reward at the next band, in every band gap of a pack that has one (results.md)
    reward = {"reward_yuan": None} if "reward_yuan" in result.outputs else {}
    if isinstance(subject, Community):
        outputs = _what_if(subject, result, pack, params, overrides, candidates)
        if outputs is not None and outputs.get(scale.output) == nxt:
            then = {
                k: v for k, v in outputs.items() if k != scale.output and v != result.outputs.get(k)
            }
            if reward:
                reward["reward_yuan"] = outputs.get("reward_yuan")
    label = next((b.label for b in scale.bands if b.value == nxt and b.label), None)
    message = _band_message(scale, nxt, label, needs, short_by, then, f.responsible, lang)
    return BandGap(
        output=scale.output,
        rule=scale.id,
        now=now,
        next=nxt,
        needs=needs,
        short_by=short_by,
        responsible=f.responsible,
        message=message,
        clause=scale.clause,
        then=then,
        reward=reward,
    )


def _band_message(
    scale: Scale,
    nxt: Any,
    label: str | None,
    needs: Mapping[str, Any],
    short_by: Any,
    then: Mapping[str, Any],
    responsible: tuple[str, ...],
    lang: str,
) -> str:
    """:func:`~policyengine.gap_words.describe_band` (which does not read the band now), said
    once per band, needs, reward and units around how far short the subject is."""
    path = next(iter(needs), "")
    reward = {"reward_yuan": then["reward_yuan"]} if "reward_yuan" in then else {}
    key = (
        "band words",
        id(scale),
        nxt.__class__,
        nxt,
        label,
        tuple((p, v.__class__, v) for p, v in needs.items()),
        tuple((k, v.__class__, v) for k, v in reward.items()),
        responsible,
        lang,
    )
    frame = kept(scale, key, _band_frame, scale, nxt, label, needs, reward, responsible, lang)
    if frame is None:
        return describe_band(scale, None, nxt, label, needs, short_by, then, responsible, lang)
    return frame[0] + value_words(path, short_by, lang) + frame[1]


def _band_frame(
    scale: Scale,
    nxt: Any,
    label: str | None,
    needs: Mapping[str, Any],
    reward: Mapping[str, Any],
    responsible: tuple[str, ...],
    lang: str,
) -> tuple[str, str] | None:
    return frame_of(
        lambda short: band_words(scale, nxt, label, needs, short, reward, responsible, lang)
    )


def gaps_of(
    result: Result,
    pack: Pack,
    subject: Community | Jurisdiction | None = None,
    parameters: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> tuple[RuleGap | BandGap, ...]:
    """The gaps of one result (not of its nested results): rule gaps, then band gaps.

    With the ``subject``, a band gap also says what the other outputs would be at the next
    band (the pack is evaluated again with the input raised).
    """
    check_time()  # a time limit (the service's) stops the work between results said
    if result.verdict == "not_applicable":
        return ()
    as_of = result.as_of
    # the parameters on the date (with the overrides) are the same for every subject: kept
    dated = (as_of,) if not parameters else (as_of, values_key(parameters))
    params = kept(pack, ("parameters", id(pack), dated), pack.parameters_at, as_of, parameters)
    titles = kept(pack, ("gap titles", id(pack), lang), titles_of, pack, lang)
    out: list[RuleGap | BandGap] = []
    band_gaps: list[BandGap] = []
    items = items_of(pack)
    for f in result.findings:
        item = items.get(f.rule)
        if isinstance(item, Scale):
            band = _band_gap(f, item, result, pack, subject, params, parameters, dated, lang)
            if band is not None:
                band_gaps.append(band)
            if f.binding and f.outcome == "unknown":
                out.extend(
                    _rule_gaps(pack, f, None, params, result.subject_level, lang, titles, subject)
                )
            continue
        if not f.binding or f.outcome not in ("fail", "unknown", "overdue", "met_late"):
            continue
        found = list(_rule_gaps(pack, f, item, params, result.subject_level, lang, titles, subject))
        if isinstance(subject, Jurisdiction) and f.outcome == "unknown":  # shares left unknown
            found = lacking(pack, f, subject, result, params, found, _sources, lang, titles)
        out.extend(found)
    return (*out, *band_gaps)


@attrs.frozen(eq=False)
class PeopleReader:
    """Says results of one pack for people: sentences (:mod:`policyengine.sentences`) and
    gaps, computed when first read."""

    pack: Pack
    subject: Community | Jurisdiction | None = None
    parameters: Mapping[str, Any] | None = None

    def sentence(self, result: Result, finding: Finding, lang: str) -> str:
        """The finding's sentence for people."""
        return finding_sentence(finding, self.pack, lang, result.as_of)

    def gaps(self, result: Result, lang: str) -> tuple[RuleGap | BandGap, ...]:
        """The result's gaps."""
        return gaps_of(result, self.pack, self.subject, self.parameters, lang)


def with_gaps(
    result: Result,
    pack: Pack,
    subject: Community | Jurisdiction | None = None,
    parameters: Mapping[str, Any] | None = None,
    lang: str = "zh",
) -> Result:
    """The result, and every result nested in it, said for people in ``lang``: its
    sentences and its gaps (computed on first use)."""
    communities: Sequence[Community | None] = [None] * len(result.communities)
    children: Sequence[Jurisdiction | None] = [None] * len(result.jurisdictions)
    if isinstance(subject, Jurisdiction):
        communities, children = subject.communities, subject.jurisdictions
    return attrs.evolve(
        result,
        reader=PeopleReader(pack, subject, parameters),
        lang=lang,
        gaps=None,
        communities=tuple(
            with_gaps(r, pack, c, parameters, lang)
            for r, c in zip(result.communities, communities, strict=True)
        ),
        jurisdictions=tuple(
            with_gaps(r, pack, j, parameters, lang)
            for r, j in zip(result.jurisdictions, children, strict=True)
        ),
    )
