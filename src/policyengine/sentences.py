"""Findings as sentences for people, in Chinese or English, from what the finding holds.

A sentence says the requirement in words (the rule's title, and its condition with facts
named by their labels and parameters by their values and units), the values seen with their
units, the clause the threshold comes from and its due date where it has one, and who must
act. Fact paths and expressions never appear: they stay in ``expected``, ``actual`` and
``inputs``. The words are entries of the gettext catalogues (:mod:`policyengine.i18n`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from policyengine import expressions as ex
from policyengine import i18n
from policyengine.gap_words import band_name, table_no_amount
from policyengine.i18n import fact_label, fmt_value, join_units, text, unit_of
from policyengine.i18n import lookup as catalogue_text
from policyengine.messages import Words
from policyengine.pack import Deadline, Pack, Parameter, Rule, Scale
from policyengine.results import Finding

T = TypeVar("T")

__all__ = [
    "HOLE",
    "clear_caches",
    "condition_in_words",
    "condition_words",
    "finding_sentence",
    "frame_of",
    "item_of",
    "items_of",
    "kept",
    "param_value",
    "seen_values",
    "value_words",
    "values_key",
    "who_acts",
]

_PARAM_UNITS = {
    "元": "yuan",
    "分": "points",
    "户": "households",
    "人": "people",
    "平米": "m2",
    "平方米": "m2",
    "m²": "m2",
    "间": "rooms",
    "个": "items",
    "年": "year",
    "比例": "percent",
    "ratio": "percent",
    "平米/百户": "m2_per_100",
    "平方米/百户": "m2_per_100",
}


def param_value(param: Parameter | None, value: Any, lang: str = "zh") -> str:
    """A parameter's value with its unit, as the document states it."""
    if value is None:
        return text("value.unknown", lang)
    if isinstance(value, bool):
        return text("value.yes" if value else "value.no", lang)
    unit = _PARAM_UNITS.get(param.unit or "") if param is not None else None
    if isinstance(value, int | float):
        if unit == "percent" or (unit is None and isinstance(value, float) and 0 < value < 1):
            return fmt_value("x.share", value, lang)
        shown = fmt_value("", value, lang)
        if unit:
            return text(f"unit.{unit}", lang, n=shown)
        if param is not None and param.unit:
            return f"{shown} {param.unit}"
        return shown
    return str(value)


def _param_title(param: Parameter, lang: str) -> str:
    return param.title_en if lang == "en" and param.title_en else param.title


_KEPT: dict[tuple[Any, ...], tuple[object, Any]] = {}
"""Sentence parts that do not depend on the facts, or depend on one plain fact value (a
pack's index of items, its titles, a rule's requirement in words, a scale's thresholds, one
value's words), kept per key with what owns them: the owner's identity is checked, so that
an id reused by a new pack or scale is never taken for the old one."""


def kept(owner: object, key: tuple[Any, ...], make: Callable[..., T], *args: Any) -> T:
    """``make(*args)``, made once per key (``key`` names the owner by its id; what is made
    must be read only, as every later call shares it)."""
    try:
        hit = _KEPT.get(key)
    except TypeError:  # a value that cannot be a key (a list parameter): made each time
        return make(*args)
    if hit is not None and hit[0] is owner:
        found: T = hit[1]
        return found
    if len(_KEPT) > 16_384:
        _KEPT.clear()
    made = make(*args)
    _KEPT[key] = (owner, made)
    return made


def clear_caches() -> None:
    """Forget the sentence parts kept between results (results never depend on them)."""
    _KEPT.clear()


def item_of(pack: Pack | None, rule_id: str) -> Rule | Scale | Deadline | None:
    """The pack's rule, scale or deadline with that id (the index kept per pack)."""
    if pack is None:
        return None
    return items_of(pack).get(rule_id)


def items_of(pack: Pack) -> Mapping[str, Rule | Scale | Deadline]:
    """The pack's rules, scales and deadlines by id, the first of each id (kept per pack)."""
    return kept(pack, ("items", id(pack)), _items, pack)


def _items(pack: Pack) -> dict[str, Rule | Scale | Deadline]:
    items: list[Rule | Scale | Deadline] = [*pack.rules, *pack.scales, *pack.deadlines]
    index: dict[str, Rule | Scale | Deadline] = {}
    for i in items:
        index.setdefault(i.id, i)
    return index


def values_key(values: Mapping[str, Any]) -> tuple[Any, ...]:
    """Values (parameters, overrides) as part of a key: the names, the values and their
    types."""
    if not values:  # most rules read no parameter
        return ()
    # the type too: True == 1 == 1.0 as keys, but they are said differently
    return tuple((k, v.__class__, v) for k, v in values.items())


def _titles(pack: Pack | None, lang: str = "zh") -> dict[str, str]:
    """Names of the facts the pack declares (derived facts, aggregates), in ``lang`` where
    the catalogue names the output an aggregate feeds (kept per pack and language)."""
    if pack is None:
        return {}
    return kept(pack, ("titles", id(pack), lang), _pack_titles, pack, lang)


def _pack_titles(pack: Pack, lang: str) -> dict[str, str]:
    en = lang == "en"
    titles = {d.path: d.title_en if en and d.title_en else d.title for d in pack.derived}
    for a in pack.aggregates:
        named = catalogue_text(f"output.{a.result_output}", lang) if a.result_output else None
        titles[a.path] = named or (a.title_en if en and a.title_en else a.title)
    # a fact's name is set into sentences ("seen: level street, share of …")
    return {p: i18n.mid_sentence(t) for p, t in titles.items()} if en else titles


def condition_in_words(expr: ex.Expr, pack: Pack | None) -> Words:
    """A condition said with no parameter values (a pack's applicability, a summary's
    ``when``: they read facts), in Chinese and English: what a sentence says instead of the
    expression."""
    return Words(condition_words(expr, {}, pack, "zh"), condition_words(expr, {}, pack, "en"))


def condition_words(
    expr: ex.Expr,
    params: Mapping[str, Any],
    pack: Pack | None,
    lang: str = "zh",
    *,
    as_condition: bool = True,
) -> str:
    """A condition in words: facts by label, parameters by value and unit (with
    ``as_condition=False``, a value: a bare fact is its label, not "has …")."""
    titles = _titles(pack, lang)

    def words(e: ex.Expr) -> str:
        if isinstance(e, ex.Field):
            return fact_label(e.path, lang, titles)
        if isinstance(e, ex.Param):
            param = pack.parameters.get(e.name) if pack is not None else None
            return param_value(param, params.get(e.name), lang)
        if isinstance(e, ex.Const):
            return fmt_value("", e.value, lang)
        if isinstance(e, ex.Count):
            return text("cond.count", lang, label=fact_label(e.path, lang, titles))
        if isinstance(e, ex.Contains):
            return text(
                "cond.contains",
                lang,
                label=fact_label(e.path, lang, titles),
                value=fmt_value(e.path, e.value, lang),
            )
        if isinstance(e, ex.Arith):
            share = _share_of(e, params)
            if share is not None:
                whole, ratio = share
                return text(
                    "cond.share_of",
                    lang,
                    whole=words(whole),
                    share=fmt_value("x.share", ratio, lang),
                )
            return f"{words(e.left)} {e.op.replace('*', '×')} {words(e.right)}"
        if isinstance(e, ex.Compare):
            if isinstance(e.right, ex.Const) and isinstance(e.right.value, bool):
                positive = e.right.value == (e.op == "==")
                if positive and isinstance(e.left, ex.Field):
                    return condition(e.left)
                return text("cond.has" if positive else "cond.has_not", lang, label=words(e.left))
            right = e.right.value if isinstance(e.right, ex.Const) else None
            if isinstance(e.left, ex.Count) and right == 0 and e.op == "==":
                return text("cond.none", lang, label=fact_label(e.left.path, lang, titles))
            if isinstance(e.left, ex.Field) and isinstance(right, str):
                shown = fmt_value(e.left.path, right, lang)
                return text(f"op.{e.op}", lang, left=words(e.left), right=shown)
            if (
                isinstance(e.left, ex.Field)
                and unit_of(e.left.path) == "percent"
                and isinstance(e.right, ex.Param)
                and isinstance(params.get(e.right.name), int | float)
            ):
                shown = fmt_value("x.share", params[e.right.name], lang)
                return text(f"op.{e.op}", lang, left=words(e.left), right=shown)
            return text(f"op.{e.op}", lang, left=words(e.left), right=words(e.right))
        if isinstance(e, ex.Not):
            return text("cond.not", lang, item=condition(e.item))
        joiner = text("cond.and" if isinstance(e, ex.And) else "cond.or", lang)
        return joiner.join(condition(i) for i in e.items)

    def condition(e: ex.Expr) -> str:
        # a bare yes/no fact is a condition: "具备…" ("plan adopted", not "… in place")
        if isinstance(e, ex.Field):
            label = words(e)
            said = lang == "en" and i18n.states_itself(e.path, label)
            return label if said else text("cond.has", lang, label=label)
        return words(e)

    return condition(expr) if as_condition else words(expr)


def _share_of(e: ex.Arith, params: Mapping[str, Any]) -> tuple[ex.Expr, float] | None:
    """``whole * ratio`` with a ratio parameter (≤ 1): "the ratio of the whole"."""
    if e.op != "*":
        return None
    for whole, part in ((e.left, e.right), (e.right, e.left)):
        if isinstance(part, ex.Param):
            v = params.get(part.name)
            if isinstance(v, float) and 0 < v <= 1:
                return whole, v
        if isinstance(part, ex.Const) and isinstance(part.value, float) and 0 < part.value < 1:
            return whole, part.value
    return None


def seen_values(f: Finding, lang: str = "zh", pack: Pack | None = None) -> str:
    """The values the finding saw, labelled and with units (shares with met/known)."""
    if len(f.inputs) == 1:  # most findings read one fact
        ((path, v),) = f.inputs.items()
        kind = v.__class__
        if v is None or kind is bool or kind is int or kind is float or kind is str:
            return _seen_value(pack, path, v, lang)
    parts = []
    for path, v in f.inputs.items():
        kind = v.__class__
        if v is None or kind is bool or kind is int or kind is float or kind is str:
            parts.append(_seen_value(pack, path, v, lang))
            continue
        if kind is list or kind is tuple:
            # a list of plain values (e.g. no vetoes): said once per list, as a plain value
            parts.append(_seen_list(pack, path, v, lang))
            continue
        label = fact_label(path, lang, _titles(pack, lang))
        if isinstance(v, Mapping) and "value" in v:
            shown = (
                fmt_value("x.share", v["value"], lang)
                if isinstance(v["value"], float)
                else fmt_value(path, v["value"], lang)
            )
            if "known" in v:
                counts = f"{v.get('met', 0)}/{v.get('known', 0)}"
                shown += f"（{counts}）" if lang == "zh" else f" ({counts})"
        else:
            shown = fmt_value(path, v, lang)
        parts.append(text("say.value", lang, label=label, value=shown))
    if len(parts) == 1:
        return parts[0]
    return text("sep.list", lang).join(parts)


def _seen_value(pack: Pack | None, path: str, value: Any, lang: str) -> str:
    """ "label：value" for one plain value, said once per pack, fact, value and language
    (fact values repeat across communities, as the columnar kernels' distinct values)."""
    key = ("value", id(pack), path, value.__class__, value, lang)
    return kept(pack, key, _say_value, pack, path, value, lang)


def _seen_list(pack: Pack | None, path: str, value: Sequence[Any], lang: str) -> str:
    """ "label：values" for a list or tuple, said once per pack, fact, items and language
    (each time where an item cannot be part of a key)."""
    items = tuple((v.__class__, v) for v in value)
    key = ("values", id(pack), path, value.__class__, items, lang)
    return kept(pack, key, _say_value, pack, path, value, lang)


def _say_value(pack: Pack | None, path: str, value: Any, lang: str) -> str:
    label = fact_label(path, lang, _titles(pack, lang))
    return text("say.value", lang, label=label, value=fmt_value(path, value, lang))


HOLE = "\x00"
"""Stands for the part of a sentence that changes with the facts while the rest is said
once (:func:`frame_of`); no pack or catalogue text holds it."""

_PROBE = "a\x00b"
"""A second stand-in, to check that the part is set in as it is (no padding, no capital)."""


def frame_of(say: Callable[[str], str]) -> tuple[str, str] | None:
    """The sentence ``say(part)`` as the text before and after ``part``, so that it can be
    said for any part by joining the three; None where it cannot (the part is not set in
    exactly once and as it is): said whole each time."""
    before, hole, after = say(HOLE).partition(HOLE)
    if not hole or HOLE in after or say(_PROBE) != before + _PROBE + after:
        return None
    return before, after


def _requirement(
    f: Finding,
    item: Rule | Scale | Deadline | None,
    pack: Pack | None,
    lang: str,
    as_of: dt.date | None,
) -> str:
    if not isinstance(item, Rule) or item.require is None:
        return ""
    if pack is None:
        return _say_requirement(f, item, pack, lang, as_of)
    due = getattr(f, "due", None)
    key = ("requirement", id(pack), item.id, lang, as_of, due, f.clause, values_key(f.parameters))
    return kept(pack, key, _say_requirement, f, item, pack, lang, as_of)


def _say_requirement(
    f: Finding, item: Rule, pack: Pack | None, lang: str, as_of: dt.date | None
) -> str:
    try:
        expr = ex.parse(item.require or "")
    except ex.ExpressionError:
        return ""
    # the finding's clause: the value in force's, of the programme year the finding quotes
    # (the year a start-year override makes, the last year after the programme)
    clause = f.clause or item.clause
    if not item.binding and _above_zero(expr) and not any(c.isdigit() for c in f.quote):
        # the pack's reading ("> 0": there is one) of a clause that states no number
        said = text("say.reported", lang, clause=clause)
    else:
        words = condition_words(expr, f.parameters, pack, lang)
        said = text("say.required", lang, requirement=words)
        said += text("say.source", lang, clause=clause)
    due = getattr(f, "due", None)
    if isinstance(due, dt.date | str) and due:
        shown = due.isoformat() if isinstance(due, dt.date) else due
        said += text("say.due", lang, due=shown)
    return said


def _above_zero(e: ex.Expr) -> bool:
    """``fact > 0``: read as the value being there (an advisory rule's reading, where its
    quote states no number: "0 is not yet in place"), said as such, not as a requirement."""
    if not (isinstance(e, ex.Compare) and e.op == ">" and isinstance(e.left, ex.Field)):
        return False
    return isinstance(e.right, ex.Const) and e.right.value is not False and e.right.value == 0


def _condition_sentence(
    f: Finding,
    item: Rule,
    pack: Pack | None,
    lang: str,
    as_of: dt.date | None,
    title: str,
    seen: str,
) -> str:
    """A condition rule's pass, failure or advice, with the values seen."""
    detail = text("say.seen", lang, values=seen)
    requirement = _requirement(f, item, pack, lang, as_of)
    if requirement:
        detail += text("sep.clause", lang) + requirement
    key = {"pass": "say.pass", "fail": "say.fail", "advisory": "say.advisory"}[f.outcome]
    if getattr(getattr(f, "reason", None), "code", None) == "pilot_gap":  # not the pilot
        key = "say.pilot_gap" if f.outcome == "advisory" else key
    sentence = text(key, lang, title=title, detail=detail)
    return sentence + (who_acts(f, lang) if f.outcome != "pass" else "")


def _condition_frame(
    f: Finding, item: Rule, pack: Pack | None, lang: str, as_of: dt.date | None, title: str
) -> tuple[str, str] | None:
    return frame_of(lambda seen: _condition_sentence(f, item, pack, lang, as_of, title, seen))


def _say_unknown(
    f: Finding, pack: Pack | None, missing: tuple[str, ...], title: str, lang: str
) -> str:
    labels = text("sep.list", lang).join(fact_label(p, lang, _titles(pack, lang)) for p in missing)
    return text("say.unknown", lang, facts=labels, title=title) + who_acts(f, lang)


def _say_unset(
    pack: Pack, unset: tuple[str, ...], lang: str, as_of: dt.date | None, title: str
) -> str:
    """A rule that does not apply because parameters have no value on the date."""
    date = as_of.isoformat() if as_of else ""
    params = [pack.parameters.get(n) for n in unset]
    if lang != "zh" and not all(p is not None and p.title_en for p in params):
        # no English name for the parameter: name the rule it serves instead
        return text("say.na_param_rule", lang, date=date, title=title)
    names = text("sep.list", lang).join(
        _param_title(p, lang) if p is not None else n for n, p in zip(unset, params, strict=True)
    )
    return text("say.na_param", lang, date=date, params=names)


def _when_false_frame(title: str, lang: str) -> tuple[str, str] | None:
    return frame_of(lambda values: text("say.na_when", lang, title=title, values=values))


def _title(f: Finding, item: Rule | Scale | Deadline | None, lang: str) -> str:
    if lang == "en" and item is not None and item.title_en:
        return item.title_en
    return f.title_in(lang)


def who_acts(f: Finding, lang: str) -> str:
    return text("gap.who", lang, units=join_units(f.responsible, lang)) if f.responsible else ""


@attrs.frozen
class _ScaleWords:
    """What a scale's sentence says whatever the subject (per pack, title, parameters,
    responsible units and language): its input, and each sentence around the input's value
    (:func:`frame_of`)."""

    input: ex.Expr
    path: str
    """The input's fact, where the input is one fact (for the value's unit)."""
    thresholds: tuple[Any, ...]
    """Each band's threshold, in band order."""
    reached: tuple[tuple[str, str] | None, ...]
    """For each band: the sentence of a subject in that band (None: none to say)."""
    below: tuple[str, str] | None
    """The sentence of a subject below the lowest band."""


def _scale_words(f: Finding, scale: Scale, pack: Pack | None, lang: str) -> _ScaleWords | None:
    try:
        input_expr = ex.parse(scale.input)
    except ex.ExpressionError:
        return None
    path = scale.input if isinstance(input_expr, ex.Field) else ""
    label = condition_words(input_expr, f.parameters, pack, lang, as_condition=False)
    bands = _band_thresholds(scale, f.parameters)
    title = _title(f, scale, lang)

    def reached(band: Any, threshold: Any) -> tuple[str, str] | None:
        return frame_of(
            lambda value: text(
                "say.band",
                lang,
                title=title,
                band=band_name(scale.output, band.value, band.label, lang),
                input=label,
                value=value,
                threshold=fmt_value(path, threshold, lang),
            )
        )

    def below(band: Any, threshold: Any) -> tuple[str, str] | None:
        return frame_of(
            lambda value: (
                text(
                    "say.below",
                    lang,
                    input=label,
                    value=value,
                    band=band_name(scale.output, band.value, band.label, lang),
                    threshold=fmt_value(path, threshold, lang),
                )
                + who_acts(f, lang)
            )
        )

    return _ScaleWords(
        input_expr,
        path,
        tuple(t for _, t in bands),
        tuple(None if t is None else reached(b, t) for b, t in bands),
        below(*bands[0]) if bands else None,
    )


def _scale_sentence(
    f: Finding, scale: Scale, pack: Pack | None, lang: str, output: Any
) -> str | None:
    key = (
        "scale",
        id(pack),
        id(scale),
        lang,
        _title(f, scale, lang),
        f.responsible,
        values_key(f.parameters),
    )
    words = kept(pack, key, _scale_words, f, scale, pack, lang)
    if words is None:
        return None
    facts = {p: (v.get("value") if isinstance(v, Mapping) else v) for p, v in f.inputs.items()}
    value = ex.evaluate(words.input, facts, f.parameters)
    if f.outcome == "pass":
        reached = [
            (i, t)
            for i, t in enumerate(words.thresholds)
            if t is not None and value is not None and value >= t
        ]
        if not reached:
            return None
        frame = words.reached[max(reached, key=lambda it: it[1])[0]]
    elif f.outcome in ("fail", "advisory") and words.thresholds:
        frame = words.below
    else:
        return None
    if frame is None:  # a pack text holds the hole: said whole
        return _scale_said(f, scale, pack, lang, value)
    return frame[0] + value_words(words.path, value, lang) + frame[1]


def value_words(path: str, value: Any, lang: str) -> str:
    """:func:`~policyengine.i18n.fmt_value`, kept per fact, value and language."""
    return kept(None, ("shown", path, value.__class__, value, lang), fmt_value, path, value, lang)


def _scale_said(f: Finding, scale: Scale, pack: Pack | None, lang: str, value: Any) -> str | None:
    """The scale's sentence said whole (as :func:`_scale_sentence` says it from its parts)."""
    input_expr = ex.parse(scale.input)
    path = scale.input if isinstance(input_expr, ex.Field) else ""
    label = condition_words(input_expr, f.parameters, pack, lang, as_condition=False)
    bands = _band_thresholds(scale, f.parameters)
    if f.outcome == "pass":
        reached = [(b, t) for b, t in bands if t is not None and value is not None and value >= t]
        band, threshold = max(reached, key=lambda bt: bt[1])
        return text(
            "say.band",
            lang,
            title=_title(f, scale, lang),
            band=band_name(scale.output, band.value, band.label, lang),
            input=label,
            value=fmt_value(path, value, lang),
            threshold=fmt_value(path, threshold, lang),
        )
    band, threshold = bands[0]
    return text(
        "say.below",
        lang,
        input=label,
        value=fmt_value(path, value, lang),
        band=band_name(scale.output, band.value, band.label, lang),
        threshold=fmt_value(path, threshold, lang),
    ) + who_acts(f, lang)


def _band_thresholds(scale: Scale, params: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """Each band of the scale with its threshold under these parameters (kept per key)."""
    key = ("thresholds", id(scale), values_key(params))
    return kept(scale, key, _thresholds, scale, params)


def _thresholds(scale: Scale, params: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    return [(band, ex.evaluate(ex.parse(_min_text(band.min)), {}, params)) for band in scale.bands]


def _min_text(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def finding_sentence(
    f: Finding,
    pack: Pack | None,
    lang: str = "zh",
    as_of: dt.date | None = None,
    output: Any = None,
) -> str:
    """The finding as a sentence for people (falls back to its own message where the pack
    says too little to do better, e.g. a rule decided by a pack hook)."""
    item = item_of(pack, f.rule)
    title = _title(f, item, lang)
    if isinstance(item, Scale):
        said = _scale_sentence(f, item, pack, lang, output)
        if said is not None:
            return said
    if f.outcome == "unknown":
        # the communities not known: each aggregate the rule reads counts them over the same
        # communities (a count and a share of key communities), so one lacking data is one
        undecided = max(
            (int(v.get("unknown") or 0) for v in f.inputs.values() if isinstance(v, Mapping)),
            default=0,
        )
        if undecided:
            return text(
                "say.undecided", lang, n=undecided, title=title, values=seen_values(f, lang, pack)
            ) + who_acts(f, lang)
        missing = tuple(
            p
            for p, v in f.inputs.items()
            if v is None or (isinstance(v, Mapping) and "known" in v and v.get("value") is None)
        )  # a fact not given, or a share or count over no community whose answer is known
        if missing:  # said once per rule, facts missing, title and units
            unknown = ("unknown", id(pack), missing, title, f.responsible, lang)
            return kept(pack, unknown, _say_unknown, f, pack, missing, title, lang)
    if f.outcome == "not_applicable":
        reason = getattr(f, "reason", None)
        message_in = getattr(f, "message_in", None)
        whole_pack = getattr(reason, "code", None) == "not_applicable" or f.rule == "scope"
        if whole_pack and callable(message_in):
            # the whole pack does not apply (elsewhere, not yet in force): say why once,
            # not each rule's own condition
            said = message_in(lang)
            if isinstance(said, str) and said:
                return said
        if isinstance(item, Rule) and item.kind == "table" and pack is not None:
            said = table_no_amount(f, item, pack, lang)  # kept, lowered: nothing paid
            if said:
                return said
        unset = tuple(n for n, v in f.parameters.items() if v is None)
        if unset and pack is not None:  # said once per pack, parameters, date and title
            na = ("unset", id(pack), unset, lang, as_of, title)
            said = kept(pack, na, _say_unset, pack, unset, lang, as_of, title)
            n = [v.get("unknown") or 0 for v in f.inputs.values() if isinstance(v, Mapping)]
            if n:  # a share or count with no target in the document: reported, in words
                na_key = "say.na_reported_unknown" if max(n) else "say.na_reported"  # 0: unsaid
                return said + text(na_key, lang, values=seen_values(f, lang, pack), n=max(n))
            return said
        if isinstance(item, Rule) and item.when is not None:
            seen = seen_values(f, lang, pack)
            frame = kept(None, ("when false", title, lang), _when_false_frame, title, lang)
            if frame is None:
                return text("say.na_when", lang, title=title, values=seen)
            return frame[0] + seen + frame[1]
        return text("say.na", lang, title=title)
    if (
        isinstance(item, Rule)
        and item.kind == "condition"
        and f.outcome
        in (
            "pass",
            "fail",
            "advisory",
        )
    ):
        seen = seen_values(f, lang, pack)
        if pack is None:
            return _condition_sentence(f, item, pack, lang, as_of, title, seen)
        # said once per rule, outcome, title, parameters, date and units: only the values
        # seen change from one community to the next
        key = (
            "condition",
            id(pack),
            item.id,
            f.outcome,
            lang,
            as_of,
            getattr(f, "due", None),
            title,
            f.responsible,
            values_key(f.parameters),
        )
        frame = kept(pack, key, _condition_frame, f, item, pack, lang, as_of, title)
        if frame is None:
            return _condition_sentence(f, item, pack, lang, as_of, title, seen)
        return frame[0] + seen + frame[1]
    # the engine's own sentence (a deadline's dates, a table's amounts), in ``lang`` where
    # the engine can say it in that language
    message_in = getattr(f, "message_in", None)
    if callable(message_in):
        try:
            said = message_in(lang)
        except (KeyError, ValueError):  # a language the engine's catalogue lacks
            said = None
        if isinstance(said, str) and said:
            return said
    if lang == "zh":
        return f.message
    head = text(f"outcome.{f.outcome}", lang).capitalize() + text("sep.colon", lang)
    return head + title + "."
