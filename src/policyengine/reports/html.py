"""The ``html`` format: a self-contained page (no CDN, no web font, works offline).

The page is rendered from Jinja2 templates shipped in ``policyengine/reports/templates``.
A community's page shows the document (title, 文号, issuer, date), the verdict with summary
counts, the outputs as labelled values, the gaps, and the findings grouped by area with the
responsible units, failures first; each quote as written, with the normalised reading beside
it where the copy is corrupted. A jurisdiction's page adds inline-SVG charts, a sortable
overview (one row per community) and a short drill-down per community, so a page of 1,000
communities stays small.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from policyengine.contracts import RenderOptions
from policyengine.i18n import fact_label, join_units, text
from policyengine.pack import Pack
from policyengine.reports.charts import all_charts
from policyengine.reports.view import (
    area_label,
    counts,
    failures_first,
    finding_message,
    outcome_label,
    output_rows,
    output_value,
    pack_view,
    reading,
    rule_title,
    verdict_label,
    verdicts_sentence,
    walk,
)
from policyengine.results import Finding, Result

__all__ = ["render_html", "result_view"]

_MAX_MISSING = 8
_EPOCH = dt.date(2000, 1, 1)


def _anchor(r: Result, prefix: str = "") -> str:
    return prefix + re.sub(r"[^A-Za-z0-9_-]", "_", f"{r.pack_id}-{r.subject_id}")


def _finding_view(f: Finding, pack: Pack | None, r: Result, lang: str) -> dict[str, Any]:
    pack_id = r.pack_id
    return {
        "outcome": f.outcome,
        "outcome_label": outcome_label(f.outcome, lang),
        "clause": f.clause,
        "title": rule_title(f, pack, lang),
        "message": finding_message(f, lang, pack, r.as_of),
        "responsible": join_units(f.responsible, lang),
        "quote": f.quote,
        "reading": reading(f.quote, pack_id, f.clause, f.title),
    }


def _areas(r: Result, pack: Pack | None, lang: str, only_failing: bool) -> list[dict[str, Any]]:
    groups: dict[str | None, list[Finding]] = {}
    for f in failures_first(r.findings, only_failing):
        groups.setdefault(f.area, []).append(f)
    out = []
    for area, findings in groups.items():
        failing = sum(1 for f in findings if f.outcome in ("fail", "overdue", "met_late"))
        out.append(
            {
                "label": area_label(area, lang),
                "failing": failing,
                "findings": [_finding_view(f, pack, r, lang) for f in findings],
            }
        )
    out.sort(key=lambda a: 0 if a["failing"] else 1)
    return out


def _key_outputs(communities: Sequence[Result]) -> list[str]:
    keys: list[str] = []
    for c in communities[:50]:
        for k, v in c.outputs.items():
            if k not in keys and not isinstance(v, Mapping | list) and len(keys) < 4:
                keys.append(k)
    return keys


def _drill(c: Result, pack: Pack | None, lang: str) -> dict[str, Any]:
    colon = text("sep.colon", lang)
    failing = [
        f"{outcome_label(f.outcome, lang)} {f.clause} {rule_title(f, pack, lang)}{colon}"
        f"{finding_message(f, lang, pack, c.as_of)}"
        for f in c.findings
        if f.outcome in ("fail", "overdue", "met_late")
    ]
    missing: list[str] = []
    for f in c.findings:
        if f.outcome == "unknown":
            for path, v in f.inputs.items():
                label = fact_label(path, lang)
                if v is None and label not in missing:
                    missing.append(label)
    shown = text("sep.list", lang).join(missing[:_MAX_MISSING])
    if len(missing) > _MAX_MISSING:
        shown += " …" + f"（{len(missing)}）"
    unknown = sum(1 for f in c.findings if f.outcome == "unknown")
    return {
        "anchor": _anchor(c, "c-"),
        "name": c.subject_name or c.subject_id,
        "verdict_label": verdict_label(c.verdict, lang),
        "failing": failing,
        "missing": f"{outcome_label('unknown', lang)} {unknown}{colon}{shown}" if unknown else "",
        "gaps": [g.message for g in c.gaps if getattr(g, "needed", None) != "provide"],
    }


def result_view(r: Result, options: RenderOptions) -> dict[str, Any]:
    """What the templates show of one result (and, for a jurisdiction, its communities)."""
    lang = options.lang
    pack = options.packs.get(r.pack_id)
    view: dict[str, Any] = {
        "anchor": _anchor(r),
        "id": r.subject_id,
        "name": r.subject_name or r.subject_id,
        "level": r.subject_level,
        "verdict": r.verdict,
        "verdict_label": verdict_label(r.verdict, lang),
        "as_of": r.as_of.isoformat(),
        "pack": pack_view(pack, r.pack_id, lang),
        "counts": counts(r.findings),
        "outputs": output_rows(r, pack, lang),
        "gaps": [g.message for g in r.gaps],
        "areas": _areas(r, pack, lang, options.only_failing),
        "digest": r.pack_digest,
        "charts": None,
        "overview": [],
        "overview_keys": [],
        "drill": [],
    }
    if r.subject_level == "jurisdiction":
        charts = all_charts(r, pack, lang)
        view["charts"] = charts if any(charts[k] for k in ("bars", "stars", "areas")) else None
        if view["charts"] is None and charts["calendars"]:
            view["charts"] = charts
        communities = [c for d, c in walk([r]) if d > 0 and c.subject_level == "community"]
        keys = _key_outputs(communities)
        view["overview_keys"] = [row[0] for row in output_rows_for(keys, pack, lang)]
        view["overview"] = [
            {
                "anchor": _anchor(c, "c-"),
                "name": c.subject_name or c.subject_id,
                "verdict": c.verdict,
                "verdict_label": verdict_label(c.verdict, lang),
                "cells": [output_value(k, c.outputs.get(k), pack, lang) for k in keys],
                "fail": counts(c.findings)["fail"],
                "unknown": counts(c.findings)["unknown"],
            }
            for c in communities
        ]
        view["drill"] = [_drill(c, pack, lang) for c in communities]
    else:
        charts = all_charts(r, pack, lang)
        if charts["calendars"] or charts["areas"]:
            view["charts"] = {**charts, "bars": [], "stars": None}
    return view


def output_rows_for(keys: Sequence[str], pack: Pack | None, lang: str) -> list[tuple[str, str]]:
    """Labels of output keys (for the overview's headings)."""
    fake = Result("", "", "", "", "", None, "community", _EPOCH, "pass", (), dict.fromkeys(keys))
    return output_rows(fake, pack, lang)


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policyengine.reports", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = lambda v: f"{v * 100:.0f}%"
    return env


def render_html(results: Sequence[Result], options: RenderOptions | None = None) -> str:
    """The page for the results (one section per result; a summary first when several)."""
    options = options or RenderOptions()
    lang = options.lang
    env = _environment()
    views = [result_view(r, options) for r in results]
    verdicts = [r.verdict for r in results]
    overall = verdicts_sentence(verdicts, lang)
    first = views[0] if views else None
    title = f"{first['pack'].title} · {first['name']}" if first else "policyengine"
    return str(
        env.get_template("report.html.j2").render(
            lang=lang,
            page_title=title,
            results=views,
            overall=overall,
            only_failing=options.only_failing,
            t=lambda key, **kw: text(key, lang, **kw),
            outcome=lambda o: outcome_label(o, lang),
        )
    )
