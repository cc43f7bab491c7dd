"""The ``markdown`` format: a heading per subject, the document, the verdict with counts,
the findings failures first (with sentences for people and responsible units), the outputs
as labelled values, the gaps, and the text of each unmet clause. Needs no extra."""

from __future__ import annotations

from collections.abc import Sequence

from policyengine.contracts import RenderOptions
from policyengine.i18n import join_units, text
from policyengine.reports.view import (
    counts,
    failures_first,
    finding_message,
    outcome_label,
    output_rows,
    pack_view,
    reading,
    rule_title,
    verdict_label,
    walk,
)
from policyengine.results import Result

__all__ = ["markdown_text", "render_markdown"]


_MARKUP = str.maketrans({c: "\\" + c for c in "\\<>[]`"})
"""What would make text from the facts markup when the page is rendered: an HTML tag
(``<script>``), a link or an image (``[x](javascript:…)``), a code span; escaped with a
backslash (CommonMark), which shows the character itself."""


def _cell(s: str) -> str:
    return markdown_text(s).replace("|", "\\|")


def markdown_text(s: str) -> str:
    """One line of text, as written and never as markup (a line break would end a heading
    or start one)."""
    return s.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").translate(_MARKUP)


def render_markdown(results: Sequence[Result], options: RenderOptions | None = None) -> str:
    """The results as Markdown, in the language of ``options``."""
    options = options or RenderOptions()
    lang = options.lang
    colon = text("sep.colon", lang)
    out: list[str] = []
    for depth, r in walk(results):
        pack = options.packs.get(r.pack_id)
        pv = pack_view(pack, r.pack_id, lang)
        hashes = "#" * min(6, depth + 2)
        # a heading is one line: a line break in a name from the facts would end it
        name = markdown_text(r.subject_name or r.subject_id)
        out.append(
            f"{hashes} {name}（{markdown_text(r.subject_id)}）— {pv.title} {r.pack_version}\n"
        )
        sep = text("sep.list", lang)
        if pv.document:
            parts = [f"《{pv.document}》", pv.number, pv.issuer, pv.date]
            out.append(sep.join(p for p in parts if p) + "\n")
        out.append(
            f"{text('head.verdict', lang)}{colon}**{verdict_label(r.verdict, lang)}**"
            f"{sep}{text('head.as_of', lang)} {r.as_of.isoformat()}{sep}"
            + text("summary.counts", lang, **counts(r.findings))
            + "\n"
        )
        heads = ("head.result", "head.clause", "head.rule", "head.message", "head.responsible")
        out.append("| " + " | ".join(text(h, lang) for h in heads) + " |")
        out.append("|---|---|---|---|---|")
        for f in failures_first(r.findings, options.only_failing):
            cells = (
                outcome_label(f.outcome, lang),
                f.clause,
                rule_title(f, pack, lang),
                finding_message(f, lang, pack, r.as_of),
                join_units(f.responsible, lang),
            )
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
        rows = output_rows(r, pack, lang)
        if rows:
            out.append(f"{text('head.outputs', lang)}{colon}\n")
            out.extend(
                f"- {markdown_text(label)}{colon}{markdown_text(str(value))}"
                for label, value in rows
            )
            out.append("")
        if r.gaps:
            out.append(f"{text('head.gaps', lang)}{colon}\n")
            out.extend(f"- {markdown_text(g.message)}" for g in r.gaps)
            out.append("")
        unmet = [f for f in r.findings if f.outcome in ("fail", "overdue", "met_late")]
        if unmet:
            out.append(f"{text('head.quote', lang)}{colon}\n")
            for f in unmet:
                out.append(f"- {f.clause}{colon}“{f.quote}”")
                normal = reading(f.quote, r.pack_id, f.clause, f.title)
                if normal:
                    out.append(f"  - {text('head.reading', lang)}{colon}“{normal}”")
            out.append("")
        out.append(f"{text('head.digest', lang)}{colon}`{r.pack_digest}`\n")
    return "\n".join(out)
