"""What every report shows, in the chosen language: labels, order, counts, labelled outputs.

The terminal table, the HTML pages, the self-check report and the spreadsheet all read
results through these helpers, so they agree on the words, the order (failures first) and
the counts.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any

import attrs

from policyengine.i18n import fact_label, fmt_value, join_units, text
from policyengine.pack import Deadline, Pack, Rule, Scale
from policyengine.results import Finding, Result
from policyengine.sentences import finding_sentence

__all__ = [
    "FAILING",
    "PackView",
    "area_label",
    "counts",
    "failures_first",
    "finding_message",
    "key_outputs",
    "outcome_label",
    "output_label",
    "output_rows",
    "output_value",
    "pack_view",
    "printable",
    "reading",
    "rule_title",
    "verdict_label",
    "verdicts_sentence",
    "walk",
]

FAILING = frozenset({"fail", "overdue", "met_late", "unknown"})
"""Outcomes ``--only failing`` keeps: not met, or not decided for lack of data."""

_ORDER = {
    o: i
    for i, o in enumerate(
        ("fail", "overdue", "met_late", "unknown", "advisory", "due", "pass", "not_applicable")
    )
}


def walk(results: Sequence[Result]) -> Iterator[tuple[int, Result]]:
    """Each result with its depth: a jurisdiction, then its communities and children."""

    def go(r: Result, depth: int) -> Iterator[tuple[int, Result]]:
        yield depth, r
        for c in r.communities:
            yield from go(c, depth + 1)
        for j in r.jurisdictions:
            yield from go(j, depth + 1)

    for r in results:
        yield from go(r, 0)


def verdicts_sentence(verdicts: Sequence[str], lang: str = "zh") -> str:
    """How many results there are and how many of each verdict, as a sentence."""
    return text(
        "summary.packs",
        lang,
        n=len(verdicts),
        pass_=verdicts.count("pass"),
        fail=verdicts.count("fail"),
        incomplete=verdicts.count("incomplete"),
        not_applicable=verdicts.count("not_applicable"),
    )


def outcome_label(outcome: str, lang: str = "zh") -> str:
    """符合 / not met / …"""
    return text(f"outcome.{outcome}", lang)


def verdict_label(verdict: str, lang: str = "zh") -> str:
    """通过 / fail / …"""
    return text(f"verdict.{verdict}", lang)


def failures_first(findings: Iterable[Finding], only_failing: bool = False) -> list[Finding]:
    """Findings ordered fail, overdue, met late, unknown, advisory, due, pass, n/a (stable)."""
    chosen = [f for f in findings if not only_failing or f.outcome in FAILING]
    return sorted(chosen, key=lambda f: (_ORDER.get(f.outcome, 9), not f.binding))


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """``{"total", "pass_", "fail", "unknown", "other"}`` over the findings."""
    out = {"total": 0, "pass_": 0, "fail": 0, "unknown": 0, "other": 0}
    for f in findings:
        out["total"] += 1
        if f.outcome == "pass":
            out["pass_"] += 1
        elif f.outcome in ("fail", "overdue", "met_late"):
            out["fail"] += 1
        elif f.outcome == "unknown":
            out["unknown"] += 1
        else:
            out["other"] += 1
    return out


@attrs.frozen
class PackView:
    """A pack's document as a reader names it."""

    id: str
    version: str
    title: str
    document: str
    number: str
    issuer: str
    date: str
    region: str


def pack_view(pack: Pack | None, pack_id: str, lang: str = "zh") -> PackView:
    """The pack's title in ``lang``, its document's title, 文号, issuer and date."""
    if pack is None:
        return PackView(pack_id, "", pack_id, "", "", "", "", "")
    info, src = pack.info, pack.info.source
    return PackView(
        id=pack.id,
        version=pack.version,
        title=info.title_en if lang == "en" and info.title_en else info.title,
        document=src.title,
        number=src.number or "",
        issuer=join_units(src.issuer, lang),
        date=src.date_text(),
        region=info.region,
    )


def rule_title(f: Finding, pack: Pack | None, lang: str = "zh") -> str:
    """The rule's title in ``lang``: ``title_en`` where the pack gives it, else the title."""
    if lang == "en" and pack is not None:
        items: list[Rule | Scale | Deadline] = [*pack.rules, *pack.scales, *pack.deadlines]
        for item in items:
            if item.id == f.rule and item.title_en:
                return item.title_en
    return f.title_in(lang)


def finding_message(
    f: Finding, lang: str = "zh", pack: Pack | None = None, as_of: dt.date | None = None
) -> str:
    """The finding's sentence for people (:func:`policyengine.sentences.finding_sentence`)."""
    return finding_sentence(f, pack, lang, as_of)


def area_label(area: str | None, lang: str = "zh") -> str:
    """A task area's name in ``lang`` (the pack's own words in Chinese)."""
    if area is None:
        return text("head.other_area", lang)
    if lang == "zh":
        return area
    try:
        return text(f"area.{area}", lang)
    except KeyError:
        return area


def key_outputs(communities: Sequence[Result], most: int = 3) -> list[str]:
    """The first scalar outputs of the communities (for an overview's columns)."""
    keys: list[str] = []
    for c in communities[:50]:
        for k, v in c.outputs.items():
            if k not in keys and not isinstance(v, Mapping | list) and len(keys) < most:
                keys.append(k)
    return keys


def output_label(key: str, pack: Pack | None, lang: str = "zh") -> str:
    """An output's name for people."""
    return _output_label(key, pack, lang)


def _output_label(key: str, pack: Pack | None, lang: str) -> str:
    cited = pack.cited_outputs.get(key) if pack is not None else None
    if cited is not None:  # the document's own words for it
        return cited.title_en if lang == "en" and cited.title_en else cited.title
    try:
        return text(f"output.{key}", lang)
    except KeyError:
        pass
    if pack is not None:
        for agg in pack.aggregates:
            if agg.result_output == key:
                return agg.title
    return key.replace("_", " ")


def _phase_title(pack: Pack | None, value: str, lang: str) -> str:
    if pack is not None:
        for phase in pack.phases:
            if phase.id == value:
                return phase.title_en if lang == "en" and phase.title_en else phase.title
    return value


def output_value(key: str, value: Any, pack: Pack | None, lang: str = "zh") -> str:
    """An output's value as a reader sees it (stars, yuan, %, names, dates, counts)."""
    if value is None:
        return text("value.unknown", lang)
    if key == "stars" and isinstance(value, int):
        return text("unit.stars", lang, n=value)
    if key.endswith("_yuan"):
        return fmt_value(key, value, lang)
    if key.startswith("share_") and isinstance(value, int | float):
        return fmt_value("x.share", value, lang)
    if isinstance(value, str) and pack is not None and pack.phases:
        return _phase_title(pack, value, lang)
    if key == "reward_payers" and isinstance(value, Mapping):
        sep = text("sep.list", lang)
        return sep.join(f"{k} {fmt_value('x_yuan', v, lang)}" for k, v in value.items())
    if key in ("missing_facilities", "unknown_facilities") and isinstance(value, list):
        if not value:
            return text("value.none", lang)
        paths = [v if "." in str(v) else f"facilities.{v}" for v in value]
        return text("sep.list", lang).join(fact_label(p, lang) for p in paths)
    if key == "areas" and isinstance(value, Mapping):
        parts = []
        for area, c in value.items():
            shown = "/".join(str(c.get(k, 0)) for k in ("pass", "fail", "unknown"))
            parts.append(f"{area_label(area, lang)} {shown}")
        return "；".join(parts) if lang == "zh" else "; ".join(parts)
    if key == "communities" and isinstance(value, Mapping):
        return text(
            "summary.packs",
            lang,
            n=value.get("total", 0),
            pass_=value.get("pass", 0),
            fail=value.get("fail", 0),
            incomplete=value.get("incomplete", 0),
            not_applicable=value.get("not_applicable", 0),
        )
    return fmt_value(key, value, lang)


def output_rows(result: Result, pack: Pack | None, lang: str = "zh") -> list[tuple[str, str]]:
    """``(label, value)`` for each output of the result, in the pack's order; an output the
    pack cites is followed by its clause and the document's words."""
    return [
        (_output_label(k, pack, lang), _cited_value(k, output_value(k, v, pack, lang), pack, lang))
        for k, v in result.outputs.items()
    ]


def _cited_value(key: str, shown: str, pack: Pack | None, lang: str) -> str:
    cited = pack.cited_outputs.get(key) if pack is not None else None
    if cited is None:
        return shown
    space = " " if lang == "en" else ""
    return f"{shown}{text('say.source', lang, clause=cited.clause)}{space}“{cited.quote}”"


# ------------------------------------------------------------------ readings of corrupt copies


def _readings() -> Mapping[str, Any]:
    data = resources.files("policyengine.reports").joinpath("readings.toml").read_text("utf-8")
    return tomllib.loads(data)


_READINGS: Mapping[str, Any] | None = None
_YEAR_WORDS = {1: "第一年", 2: "第二年", 3: "第三年"}


def _programme_year(clause: str, title: str, pattern: str) -> int | None:
    """The one programme year a clause (or else a title) names, if exactly one."""
    years: set[int] = set()
    for m in re.finditer(pattern, clause):
        years.add(int(m.group(1)))
        tail = clause[m.end() :]
        years.update(int(y) for y in re.findall(r"^(?:\(\d\))?、(\d)", tail))
        years.update(int(y) for y in re.findall(r"、(\d)\(", tail.split(";")[0]))
    if len(years) == 1:
        return years.pop()
    if not years:
        named = [y for y, word in _YEAR_WORDS.items() if word in title]
        if len(named) == 1:
            return named[0]
    return None


@functools.cache
def _converter(config: str) -> Any:
    try:
        import opencc
    except ImportError:  # without the reports extra: the quote as written, no reading
        return None
    return opencc.OpenCC(config)


def _convert_script(s: str, config: str) -> str:
    """Traditional to simplified characters (OpenCC), where the extra is installed."""
    converter = _converter(config)
    return s if converter is None else str(converter.convert(s))


def reading(quote: str, pack_id: str, clause: str = "", title: str = "") -> str | None:
    """The normalised reading of a quote from a corrupted copy, or None where it reads as is.

    The readings are those the product owner settled for each document (policies.md §2).
    """
    global _READINGS
    if _READINGS is None:
        _READINGS = _readings()
    entry = _READINGS.get(pack_id)
    if not entry:
        return None
    out = quote
    script = entry.get("script")
    if script:
        out = _convert_script(out, script)
    for old, new in entry.get("replace", {}).items():
        out = out.replace(old, new)
    year_text = entry.get("year_text")
    if year_text and year_text in out:
        year = _programme_year(clause, title, entry.get("year_clause", r"$^"))
        word = _YEAR_WORDS.get(year) if year else None
        out = out.replace(year_text, f"〔{word or entry.get('year_unknown', '计划年度')}〕")
    return None if out == quote else out


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters an XML document cannot hold (Word and Excel files are XML)."""


def printable(value: str) -> str:
    """Text as a Word or Excel file can hold it: a control character from the facts (an id
    or a name holding U+0001) is shown escaped (``\\x01``), where it would stop the file
    being written."""
    return _NOT_XML.sub(_escaped, value)


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
