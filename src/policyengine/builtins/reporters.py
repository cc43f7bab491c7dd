"""The built-in output formats: ``table`` (for people, in Chinese or English), ``json``,
``markdown``, ``html``; without the ``[reports]`` extra, plain Markdown and HTML with the
words of the catalogues.

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
from policyengine.results import Finding, Result

__all__ = ["render_json", "render_markdown", "render_table"]


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
    return "; ".join(parts)


def render_table(results: Sequence[Result]) -> str:
    """A terminal table a person reads (see :mod:`policyengine.reports.table`)."""
    from policyengine.reports.table import render_table as render  # imported when used

    return render(results)


def _md_finding(r: Result, f: Finding, lang: str) -> str:
    responsible = join_units(f.responsible, lang)
    outcome = text(f"outcome.{f.outcome}", lang)
    cells = [outcome, f.clause, f.title_in(lang), r.message_of(f, lang), responsible]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def render_markdown(results: Sequence[Result], lang: str = "zh") -> str:
    """Markdown: a heading per subject, a table of findings with the quoted clauses (the
    words of the catalogues in ``lang``)."""
    colon = text("sep.colon", lang)
    heads = ("head.result", "head.clause", "head.rule", "head.message", "head.responsible")
    out: list[str] = []
    for depth, r in _all(results):
        hashes = "#" * min(6, depth + 2)
        name = r.subject_name or r.subject_id
        out.append(f"{hashes} {name} ({r.subject_id}) — {r.pack_id} {r.pack_version}\n")
        verdict = text(f"verdict.{r.verdict}", lang)
        out.append(
            f"{text('head.verdict', lang)}{colon}**{verdict}** ({r.verdict}), "
            f"{text('head.as_of', lang)} {r.as_of.isoformat()}\n"
        )
        out.append("| " + " | ".join(text(h, lang) for h in heads) + " |")
        out.append("|---|---|---|---|---|")
        out.extend(_md_finding(r, f, lang) for f in r.findings)
        out.append("")
        if r.outputs:
            out.append(text("head.outputs", lang) + colon + _outputs_line(r) + "\n")
        if r.gaps:
            out.append(text("head.gaps", lang) + colon + "\n")
            out.extend(f"- {g.message}" for g in r.gaps_in(lang))
            out.append("")
        quotes = [
            f"- {f.clause}{colon}“{f.quote}”"
            for f in r.findings
            if f.outcome in ("fail", "overdue", "met_late")
        ]
        if quotes:
            out.append(text("head.quote", lang) + colon + "\n")
            out.extend(quotes)
            out.append("")
        out.append(f"{text('head.digest', lang)}{colon}`{r.pack_digest}`\n")
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


def _table(results: Sequence[Result], options: RenderOptions) -> str:
    from policyengine.reports.table import render_table as render  # imported when used

    return render(results, options)


def _markdown(results: Sequence[Result], options: RenderOptions) -> str:
    from policyengine.reports.markdown import render_markdown as render  # imported when used

    return render(results, options)


@hookimpl
def register_reporters() -> list[Reporter]:
    """The built-in formats."""
    return [
        Reporter(
            "table",
            "a table for the terminal (zh or en), failures first, with a summary",
            render_table,
            render_with=_table,
        ),
        Reporter("json", "the result JSON of results.md", render_json),
        Reporter(
            "markdown",
            "Markdown with quoted clauses",
            render_markdown,
            render_with=_markdown,
        ),
        Reporter("html", "a standalone HTML page", render_html, render_with=_html),
    ]
