"""Reports an official can sign: the 自查报告 draft and a summary report, as a document model.

``self_check`` follows the structure Fengxiang's plan asks of each estate every year (四(三):
自查, 形成自查报告报市住建局验收): a title with the year, the addressee 市住建局, then
一、基本情况, 二、工作开展情况 (by the plan's six task areas), 三、存在问题 (with the responsible
departments), 四、下一步工作打算 (from the gaps, by responsible unit), and a signature block.
``summary`` gives the same shape for any pack and any subject (community or jurisdiction).
The model is rendered to Markdown, HTML or Word by :mod:`policyengine.reports.writers`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from policyengine.facts import Community
from policyengine.i18n import fmt_value, join_units, text
from policyengine.pack import Pack
from policyengine.reports.gapview import by_unit
from policyengine.reports.view import (
    area_label,
    counts,
    outcome_label,
    output_rows,
    pack_view,
    rule_title,
    verdict_label,
    walk,
)
from policyengine.results import Finding, Result

__all__ = ["Document", "Section", "SelfCheckError", "self_check", "summary"]

SELF_CHECK_PACK = "fengxiang-harmony"
SELF_CHECK_EVIDENCE = "reporting.self_check_report_year"
"""The fact of the pack's yearly self-check duty; its clause and quote open the report."""
_NUMERALS = "一二三四五六七八九十"


class SelfCheckError(ValueError):
    """A self-check report asked of a pack or subject it does not exist for."""


@attrs.frozen
class Section:
    """A heading, its paragraphs, its listed items and its subsections."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    subsections: tuple[Section, ...] = ()


@attrs.frozen
class Document:
    """A report as an official drafts it."""

    title: str
    sections: tuple[Section, ...]
    addressee: str | None = None
    intro: str = ""
    signature: str | None = None
    date: str = ""
    lang: str = "zh"


def _date(r: Result, lang: str) -> str:
    d = r.as_of
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def _numbered(i: int, heading: str, lang: str) -> str:
    if lang != "zh":
        return f"({i + 1}) {heading}"
    return f"（{_NUMERALS[i] if i < len(_NUMERALS) else i + 1}）{heading}"


def _problems(findings: Sequence[Finding], pack: Pack | None, lang: str) -> tuple[str, ...]:
    return tuple(
        text(
            "selfcheck.problem_item",
            lang,
            title=rule_title(f, pack, lang),
            clause=f.clause,
            outcome=outcome_label(f.outcome, lang),
            units=join_units(f.responsible, lang) or text("gapview.unassigned", lang),
        )
        for f in findings
        if f.binding and f.outcome in ("fail", "overdue", "met_late", "unknown")
    )


def _next_steps(results: Sequence[Result], lang: str) -> tuple[Section, ...]:
    sections = []
    for i, (unit, items) in enumerate(by_unit(results, lang).items()):
        sections.append(
            Section(
                _numbered(i, unit, lang), items=tuple(dict.fromkeys(g.message for _, g in items))
            )
        )
    return tuple(sections)


def _areas(r: Result) -> list[str | None]:
    seen: dict[str | None, None] = {}
    for f in r.findings:
        seen.setdefault(f.area)
    return list(seen)


def self_check(
    r: Result, pack: Pack | None, subject: Community | None, lang: str = "zh"
) -> Document:
    """The 自查报告 draft of one affordable-housing estate for the year of ``as_of``."""
    if r.pack_id != SELF_CHECK_PACK:
        raise SelfCheckError(text("kind.unsupported", lang))
    if r.subject_level != "community":
        raise SelfCheckError(text("kind.unsupported", lang))
    pv = pack_view(pack, r.pack_id, lang)
    name = r.subject_name or r.subject_id
    year = r.as_of.year
    info = subject.community if subject is not None else None
    place = "".join(info.jurisdiction) if info and info.jurisdiction else fmt_value("", None, lang)
    c = counts([f for f in r.findings if f.binding])
    basic = text(
        "selfcheck.basic_text",
        lang,
        name=name,
        place=place,
        households=fmt_value("community.households", info.households if info else None, lang),
        residents=fmt_value("community.residents", info.residents if info else None, lang),
        **c,
    )
    work: list[Section] = []
    numbered = [a for a in _areas(r) if a is not None]
    for i, area in enumerate(numbered):
        done = [
            rule_title(f, pack, lang) for f in r.findings if f.area == area and f.outcome == "pass"
        ]
        paragraph = (
            text("selfcheck.area_done", lang, items=text("sep.list", lang).join(done))
            if done
            else text("selfcheck.area_none", lang)
        )
        work.append(Section(_numbered(i, area_label(area, lang), lang), paragraphs=(paragraph,)))
    problems = _problems(r.findings, pack, lang)
    next_steps = _next_steps([r], lang)
    duty = next(
        (d for d in (pack.deadlines if pack else ()) if d.evidence == SELF_CHECK_EVIDENCE), None
    )
    return Document(
        title=text("selfcheck.title", lang, name=name, year=year),
        addressee=text("selfcheck.addressee", lang),
        intro=text(
            "selfcheck.intro",
            lang,
            document=pv.document,
            number=pv.number,
            clause=duty.clause if duty else "",
            quote=duty.quote.rstrip("。") if duty else "",
            year=year,
        ),
        sections=(
            Section(text("selfcheck.basic", lang), paragraphs=(basic,)),
            Section(text("selfcheck.work", lang), subsections=tuple(work)),
            Section(
                text("selfcheck.problems", lang),
                items=problems,
                paragraphs=() if problems else (text("selfcheck.no_problems", lang),),
            ),
            Section(
                text("selfcheck.next", lang),
                subsections=next_steps,
                paragraphs=() if next_steps else (text("selfcheck.no_next", lang),),
            ),
        ),
        signature=text("selfcheck.signature", lang, name=name),
        date=_date(r, lang),
        lang=lang,
    )


def summary(r: Result, pack: Pack | None, lang: str = "zh") -> Document:
    """A summary report of one subject (and, for a jurisdiction, its communities)."""
    pv = pack_view(pack, r.pack_id, lang)
    name = r.subject_name or r.subject_id
    colon = text("sep.colon", lang)
    c = counts(r.findings)
    findings = [f"{label}{colon}{value}" for label, value in output_rows(r, pack, lang)]
    findings.append(text("summary.counts", lang, **c))
    areas: list[str] = []
    for area in _areas(r):
        if area is None:
            continue
        ac = counts([f for f in r.findings if f.area == area])
        areas.append(
            f"{area_label(area, lang)}{colon}" + text("summary.counts", lang, **ac).rstrip("。.")
        )
    problems = _problems(r.findings, pack, lang)
    next_steps = _next_steps([r], lang)
    sections = [
        Section(
            text("summaryreport.findings", lang),
            paragraphs=(
                text("summaryreport.verdict", lang, verdict=verdict_label(r.verdict, lang)),
            ),
            items=(*findings, *areas),
        ),
        Section(
            text("summaryreport.problems", lang),
            items=problems,
            paragraphs=() if problems else (text("selfcheck.no_problems", lang),),
        ),
        Section(
            text("summaryreport.next", lang),
            subsections=next_steps,
            paragraphs=() if next_steps else (text("selfcheck.no_next", lang),),
        ),
    ]
    if r.subject_level == "jurisdiction":
        rows = []
        for depth, sub in walk([r]):
            if depth == 0:
                continue
            outputs = "；" if lang == "zh" else "; "
            shown = outputs.join(f"{k}{colon}{v}" for k, v in output_rows(sub, pack, lang)[:3])
            if shown:
                shown = f"（{shown}）" if lang == "zh" else f" ({shown})"
            rows.append(
                f"{sub.subject_name or sub.subject_id}{colon}{verdict_label(sub.verdict, lang)}"
                + shown
            )
        sections.append(Section(text("summaryreport.communities", lang), items=tuple(rows)))
    return Document(
        title=text("summaryreport.title", lang, document=pv.document, name=name),
        intro=f"{pv.title} · {text('head.as_of', lang)} {r.as_of.isoformat()}",
        sections=tuple(sections),
        signature=None,
        date=_date(r, lang),
        lang=lang,
    )
