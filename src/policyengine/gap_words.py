"""Gaps and bands said for people: what a fact needs to make a rule pass, and how far a
score is from the next band (:mod:`policyengine.gaps` words its gaps with these), in the
catalogue's languages (:mod:`policyengine.i18n`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from policyengine import messages
from policyengine.i18n import fact_label, fmt_value, join_units, lookup, mid_sentence, text, unit_of
from policyengine.pack import Pack, Rule

__all__ = [
    "band_name",
    "band_words",
    "describe_band",
    "describe_gap",
    "gap_words",
    "table_no_amount",
]


_RELATION_KEYS = {
    ">=": "gap.at_least",
    ">": "gap.more_than",
    "<=": "gap.at_most",
    "<": "gap.less_than",
    "==": "gap.equals",
    "contains": "gap.contains",
    "provide": "gap.provide",
}


def describe_gap(
    path: str,
    now: Any,
    needed: Any,
    relation: str,
    responsible: Sequence[str],
    clause: str,
    lang: str = "zh",
    titles: Mapping[str, str] | None = None,
) -> str:
    """One sentence: what the fact must become, what it is now, by which clause, who acts."""
    shown = fmt_value(path, now, lang)
    return gap_words(path, shown, needed, relation, responsible, clause, lang, titles)


def _shown_toward(path: str, needed: Any, relation: str) -> Any:
    """A bound as :func:`fmt_value` shows it (2 decimals, a share 0.1 %), rounded towards
    the side that meets the rule: "at most 69.98" where the bound is 69.9857 (69.99 would
    not meet it), "at least 48.99" where it is 48.985."""
    if not isinstance(needed, float) or needed.is_integer() or relation not in _TOWARD:
        return needed
    scale = 1000 if unit_of(path) == "percent" else 100
    up = _TOWARD[relation]
    shown = math.ceil(needed * scale - 1e-6) if up else math.floor(needed * scale + 1e-6)
    return shown / scale


_TOWARD = {">=": True, ">": True, "<=": False, "<": False}
"""Whether a bound is shown rounded up (a least value) or down (a greatest)."""


def gap_words(
    path: str,
    now: str,
    needed: Any,
    relation: str,
    responsible: Sequence[str],
    clause: str,
    lang: str = "zh",
    titles: Mapping[str, str] | None = None,
) -> str:
    """:func:`describe_gap` with the value now already in words (``now``): the rest depends
    on the fact, the value needed, the clause and the units, not on the subject."""
    label = fact_label(path, lang, titles)
    # zh: quoted in the sentence, quotes within take the inner form (‘’); en: set into the
    # sentence ("Provide share of …"), its start capitalised below
    zh = lang == "zh"
    label = label.replace("“", "‘").replace("”", "’") if zh else mid_sentence(label)
    if relation == "==" and needed is True:
        key = "gap.true"
    elif relation == "==" and isinstance(needed, list) and not needed:
        key = "gap.empty"
    else:
        key = _RELATION_KEYS.get(relation, "gap.equals")
    sentence = text(
        key,
        lang,
        fact=label,
        needed=fmt_value(path, _shown_toward(path, needed, relation), lang),
        now=now,
        clause=clause,
    )
    if responsible:
        sentence += text("gap.who", lang, units=join_units(responsible, lang))
    return sentence[:1].upper() + sentence[1:]


def describe_band(
    scale: Any,
    now: Any,
    nxt: Any,
    label: str | None,
    needs: Mapping[str, Any],
    short_by: Any,
    then: Mapping[str, Any],
    responsible: Sequence[str],
    lang: str = "zh",
) -> str:
    """One sentence: how far the subject is from the scale's next band, and what it brings."""
    path = next(iter(needs), "")
    short = fmt_value(path, short_by, lang)
    return band_words(scale, nxt, label, needs, short, then, responsible, lang)


def band_name(output: str, value: Any, label: str | None, lang: str = "zh") -> str:
    """A band of a scale output in words: in Chinese the pack's label, as the document
    names it (四星级); in English, or where the pack gives no label, the catalogue's words
    for the output's bands (``band.stars``: "4 stars"), else the label or the value."""
    if label and lang == "zh":
        return label
    if lookup(f"band.{output}", lang):
        return text(f"band.{output}", lang, n=value)
    return label or str(value)


def band_words(
    scale: Any,
    nxt: Any,
    label: str | None,
    needs: Mapping[str, Any],
    short: str,
    then: Mapping[str, Any],
    responsible: Sequence[str],
    lang: str = "zh",
) -> str:
    """:func:`describe_band` with the shortfall already in words (``short``): the rest
    depends on the band, the needs, the reward and the units, not on how far short."""
    path = next(iter(needs), "")
    band = band_name(scale.output, nxt, label, lang)
    parts = [
        text(
            "band.next",
            lang,
            band=band,
            short=short,
            fact=fact_label(path, lang),
            needed=fmt_value(path, needs.get(path), lang),
            clause=scale.clause,
        )
    ]
    if then.get("reward_yuan") is not None:
        parts.append(
            text("band.reward", lang, reward=fmt_value("reward_yuan", then["reward_yuan"], lang))
        )
    elif "reward_yuan" in then:
        parts.append(text("band.reward_not_stated", lang))
    if responsible:
        parts.append(text("gap.who", lang, units=join_units(responsible, lang)))
    return "".join(parts)


_NO_AMOUNT = {"table_kept": "say.table_kept", "table_lowered": "say.table_lowered"}


def table_no_amount(f: Any, rule: Rule, pack: Pack, lang: str = "zh") -> str | None:
    """A table rule's finding where nothing is paid, said with the levels' names and the
    clause: a level kept ("保留三星级，不再奖励"), lowered ("由五星级降为三星级，不奖励"), none
    reached after one held, or none at all (None: another finding, said otherwise)."""
    reason = getattr(f, "reason", None)
    table = next((t for t in pack.tables if t.id == rule.table), None)
    if not isinstance(reason, messages.Reason) or table is None:
        return None
    args = reason.args
    names = table.level_names_en if lang == "en" else table.level_names

    def name(level: Any) -> str:
        unit = messages.text(args.get("unit"), lang) or ""
        return names.get(str(level)) or table.level_names.get(str(level)) or f"{level}{unit}"

    words = {k: messages.text(args.get(k), lang) or "" for k in ("amount", "kind")}
    clause = getattr(f, "clause", "") or rule.clause
    key = _NO_AMOUNT.get(reason.code)
    if key is not None:
        level, previous = name(args.get("level")), name(args.get("previous"))
        return text(key, lang, level=level, previous=previous, clause=clause, **words)
    if reason.code != "table_none":
        return None
    held = getattr(f, "inputs", {}).get(table.previous)
    if isinstance(held, int | float) and not isinstance(held, bool) and held > 0:
        return text("say.table_revoked", lang, previous=name(int(held)), clause=clause, **words)
    return text("say.table_none", lang, clause=clause, **words)
