"""Writing report documents: Markdown and HTML from templates, Word with python-docx.

Word is what officials edit, so the ``docx`` output uses Word's own heading and list
styles: the title centred, sections as Heading 1/2, items as list paragraphs, the
signature block right-aligned, one document per page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from policyengine.reports.documents import Document, Section
from policyengine.reports.markdown import markdown_text
from policyengine.reports.view import printable

__all__ = ["to_docx", "to_html", "to_markdown"]


def _env(markdown: bool = False) -> Any:
    """The templates; for Markdown, every value written as text, never as markup
    (:func:`~policyengine.reports.markdown.markdown_text`), as HTML escapes it."""
    import jinja2

    finalize = (lambda v: markdown_text(str(v))) if markdown else None
    return jinja2.Environment(
        finalize=finalize,
        loader=jinja2.PackageLoader("policyengine.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def to_markdown(documents: Sequence[Document]) -> str:
    """The documents as Markdown."""
    return str(_env(markdown=True).get_template("document.md.j2").render(documents=documents))


def to_html(documents: Sequence[Document]) -> str:
    """The documents as one self-contained HTML page (one document per printed page)."""
    lang = documents[0].lang if documents else "zh"
    return str(_env().get_template("document.html.j2").render(documents=documents, lang=lang))


def _section(doc: Any, s: Section, level: int) -> None:
    doc.add_heading(printable(s.heading), level=level)
    for p in s.paragraphs:
        doc.add_paragraph(printable(p))
    for item in s.items:
        doc.add_paragraph(printable(item), style="List Bullet")
    for sub in s.subsections:
        _section(doc, sub, level + 1)


def to_docx(documents: Sequence[Document]) -> bytes:
    """The documents as a Word file (python-docx)."""
    from docx import Document as WordDocument
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    word = WordDocument()
    normal = word.styles["Normal"]
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    for i, d in enumerate(documents):
        if i:
            word.add_page_break()  # type: ignore[no-untyped-call]
        title = word.add_heading(printable(d.title), level=0)
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if d.addressee:
            word.add_paragraph(printable(d.addressee))
        if d.intro:
            word.add_paragraph(printable(d.intro))
        for s in d.sections:
            _section(word, s, 1)
        if d.signature:
            sign = word.add_paragraph(printable(d.signature))
            sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        when = word.add_paragraph(printable(d.date))
        when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word.core_properties.title = printable(documents[0].title) if documents else ""
    buf = io.BytesIO()
    word.save(buf)
    return buf.getvalue()
