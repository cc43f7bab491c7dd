"""The built-in output formats: ``table`` (for people, in Chinese), ``json``, ``markdown``,
``html``.

Registered as a plugin through :func:`policyengine.hookspecs.register_reporters`, the same
way a third-party format would be.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any

from policyengine.contracts import RenderOptions, Reporter
from policyengine.hookspecs import hookimpl
from policyengine.i18n import join_units, text
from policyengine.reports import markdown, table
from policyengine.results import Finding, Result

__all__ = ["render_json", "render_markdown", "render_table"]


OUTCOME_ZH = {
    "pass": "符合",
    "fail": "不符合",
    "unknown": "待补数据",
    "not_applicable": "不适用",
    "advisory": "建议",
    "due": "待办",
    "overdue": "逾期",
    "met_late": "逾期完成",
}
VERDICT_ZH = {
    "pass": "通过",
    "fail": "未通过",
    "incomplete": "数据不全",
    "not_applicable": "不适用",
}


def _all(results: Sequence[Result]) -> Iterable[tuple[int, Result]]:
    """Each result with its depth, a jurisdiction followed by its communities and children."""

    def walk(r: Result, depth: int) -> Iterable[tuple[int, Result]]:
        yield depth, r
        for c in r.communities:
            yield from walk(c, depth + 1)
        for j in r.jurisdictions:
            yield from walk(j, depth + 1)

    for r in results:
        yield from walk(r, 0)


def render_json(results: Sequence[Result]) -> str:
    """Exactly the JSON of results.md: one object, or a list for several results."""
    data: Any = results[0].to_dict() if len(results) == 1 else [r.to_dict() for r in results]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _outputs_line(r: Result) -> str:
    parts = [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in r.outputs.items()]
    return "，".join(parts)


def render_table(results: Sequence[Result]) -> str:
    """A terminal table a person reads (see :mod:`policyengine.reports.table`)."""
    return table.render_table(results)


def _md_finding(f: Finding) -> str:
    responsible = "、".join(f.responsible)
    cells = [OUTCOME_ZH[f.outcome], f.clause, f.title, f.message, responsible]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_markdown(results: Sequence[Result]) -> str:
    """Markdown: a heading per subject, a table of findings with the quoted clauses."""
    out: list[str] = []
    for depth, r in _all(results):
        hashes = "#" * min(6, depth + 2)
        name = r.subject_name or r.subject_id
        out.append(f"{hashes} {name}（{r.subject_id}）— {r.pack_id} {r.pack_version}\n")
        out.append(
            f"结论：**{VERDICT_ZH[r.verdict]}**（{r.verdict}），评估日期 {r.as_of.isoformat()}\n"
        )
        out.append("| 结果 | 条款 | 规则 | 说明 | 责任单位 |")
        out.append("|---|---|---|---|---|")
        out.extend(_md_finding(f) for f in r.findings)
        out.append("")
        if r.outputs:
            out.append("输出：" + _outputs_line(r) + "\n")
        if r.gaps:
            out.append("达标差距：\n")
            out.extend(f"- {g.message}" for g in r.gaps)
            out.append("")
        quotes = [
            f"- {f.clause}：“{f.quote}”"
            for f in r.findings
            if f.outcome in ("fail", "overdue", "met_late")
        ]
        if quotes:
            out.append("未符合条款原文：\n")
            out.extend(quotes)
            out.append("")
        out.append(f"政策包内容摘要：`{r.pack_digest}`\n")
    return "\n".join(out)


def render_html(results: Sequence[Result], lang: str = "zh") -> str:
    """A standalone HTML page with one table per subject (without the ``[reports]`` extra),
    its words from the catalogues in ``lang``."""
    e = html.escape
    colon = text("sep.colon", lang)
    parts = [
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else lang}"><meta charset="utf-8">'
        "<title>policyengine</title>",
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:4px}"
        "table{border-collapse:collapse}.fail,.overdue,.met_late{background:#fdd}"
        ".unknown{background:#ffd}.pass{background:#dfd}</style><body>",
    ]
    heads = ("head.result", "head.clause", "head.rule", "head.quote", "head.message")
    for depth, r in _all(results):
        level = min(6, depth + 1)
        parts.append(
            f"<h{level}>{e(r.subject_name or r.subject_id)} ({e(r.subject_id)}) · "
            f"{e(r.pack_id)} {e(r.pack_version)}</h{level}>"
        )
        parts.append(
            f"<p>{e(text('head.verdict', lang))}{colon}"
            f"<strong>{e(text(f'verdict.{r.verdict}', lang))}</strong> ({e(r.verdict)}), "
            f"{e(text('head.as_of', lang))} {e(r.as_of.isoformat())}</p>"
        )
        parts.append(
            "<table><tr>"
            + "".join(f"<th>{e(text(h, lang))}</th>" for h in (*heads, "head.responsible"))
            + "</tr>"
        )
        for f in r.findings:
            parts.append(
                f'<tr class="{e(f.outcome)}"><td>{e(text(f"outcome.{f.outcome}", lang))}</td>'
                f"<td>{e(f.clause)}</td>"
                f"<td>{e(f.title_in(lang))}</td><td>{e(f.quote)}</td>"
                f"<td>{e(r.message_of(f, lang))}</td>"
                f"<td>{e(join_units(f.responsible, lang))}</td></tr>"
            )
        parts.append("</table>")
        if r.outputs:
            parts.append(f"<p>{e(text('head.outputs', lang))}{colon}{e(_outputs_line(r))}</p>")
        parts.append(f"<p><small>{e(r.pack_digest)}</small></p>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _html(results: Sequence[Result], options: RenderOptions) -> str:
    """The templated page (with ``[reports]``), else the plain page."""
    try:
        import jinja2  # noqa: F401
    except ImportError:
        return render_html(results, options.lang)
    from policyengine.reports.html import render_html as render_page

    return render_page(results, options)


@hookimpl
def register_reporters() -> list[Reporter]:
    """The built-in formats."""
    return [
        Reporter(
            "table",
            "a table for the terminal (zh or en), failures first, with a summary",
            render_table,
            render_with=table.render_table,
        ),
        Reporter("json", "the result JSON of results.md", render_json),
        Reporter(
            "markdown",
            "Markdown with quoted clauses",
            render_markdown,
            render_with=markdown.render_markdown,
        ),
        Reporter("html", "a standalone HTML page", render_html, render_with=_html),
    ]
