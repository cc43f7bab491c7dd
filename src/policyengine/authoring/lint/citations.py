"""Checks of citations: the source document, clauses and quotes, placeholders, and
quotes found in the seed document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policyengine.authoring.lint.base import (
    PLACEHOLDER,
    Issue,
    PackLint,
    blank,
    error,
    register_check,
    rule_item,
    warning,
)
from policyengine.files import NotReadError
from policyengine.pack import Pack

_ELLIPSIS = re.compile(r"…+|\.{3,}")
_WHITESPACE = re.compile(r"\s+")


@register_check("source")
def check_source(lint: PackLint) -> Iterator[Issue]:
    """The source document has a title and at least one issuer (发文机关)."""
    source = lint.pack.info.source
    if blank(source.title):
        yield error("pack.source.title", "the source document needs its title")
    if not [i for i in source.issuer if not blank(i)]:
        yield error("pack.source.issuer", "name the issuer(s) of the document (发文机关)")


@register_check("citation")
def check_citations(lint: PackLint) -> Iterator[Issue]:
    """Every rule, scale, deadline, phase and applicability cites a clause and quotes it;
    every parameter value does too (or says in ``source`` why not); derived facts should."""
    pack = lint.pack
    cited: list[tuple[str, str | None, str | None]] = [
        *((rule_item(i, r.id), r.clause, r.quote) for i, r in enumerate(pack.rules)),
        *((rule_item(i, s.id, "scales"), s.clause, s.quote) for i, s in enumerate(pack.scales)),
        *(
            (rule_item(i, d.id, "deadlines"), d.clause, d.quote)
            for i, d in enumerate(pack.deadlines)
        ),
        *((rule_item(i, p.id, "phases"), p.clause, p.quote) for i, p in enumerate(pack.phases)),
    ]
    if pack.info.applicability is not None:
        app = pack.info.applicability
        cited.append(("pack.applicability", app.clause, app.quote))
    for item, clause, quote in cited:
        missing = [n for n, v in (("clause", clause), ("quote", quote)) if blank(v)]
        if missing:
            yield error(item, f"no {' and no '.join(missing)}: cite the clause and quote it")
    for name, param in pack.parameters.items():
        if param.source is not None or (param.value is None and not param.values):
            continue
        entries = param.values or ()
        clause_ok = not blank(param.clause) or (entries and all(e.clause for e in entries))
        quote_ok = not blank(param.quote) or (entries and all(e.quote for e in entries))
        missing = [n for n, ok in (("clause", clause_ok), ("quote", quote_ok)) if not ok]
        if missing:
            yield error(
                f"parameters.{name}",
                f"no {' and no '.join(missing)}: cite the value (on the parameter or on each "
                "entry), or say in source why there is none",
            )
    for i, d in enumerate(pack.derived):
        if blank(d.clause) or blank(d.quote):
            yield warning(
                rule_item(i, d.path, "derived"), "no clause or quote: cite what it computes"
            )


@register_check("placeholder")
def check_placeholders(lint: PackLint) -> Iterator[Issue]:
    """``TODO`` left in a title, clause or quote (as ``policyengine new-pack`` writes them)."""
    pack = lint.pack
    fields: list[tuple[str, Any]] = [
        ("pack", pack.info),
        ("pack.source", pack.info.source),
        *((f"parameters.{n}", p) for n, p in pack.parameters.items()),
        *((rule_item(i, r.id), r) for i, r in enumerate(pack.rules)),
        *((rule_item(i, s.id, "scales"), s) for i, s in enumerate(pack.scales)),
        *((rule_item(i, d.id, "deadlines"), d) for i, d in enumerate(pack.deadlines)),
        *((rule_item(i, p.id, "phases"), p) for i, p in enumerate(pack.phases)),
        *((rule_item(i, d.path, "derived"), d) for i, d in enumerate(pack.derived)),
    ]
    for item, obj in fields:
        names = [
            n
            for n in ("title", "title_en", "region", "clause", "quote", "responsible", "issuer")
            if PLACEHOLDER in str(getattr(obj, n, None) or "")
        ]
        if names:
            yield warning(item, f"replace the {PLACEHOLDER} in {', '.join(names)}")


def _squeeze(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _quotes(pack: Pack) -> Iterator[tuple[str, str]]:
    """``(item, quote)`` for every quote of the pack."""
    for i, r in enumerate(pack.rules):
        yield rule_item(i, r.id), r.quote
    for i, s in enumerate(pack.scales):
        yield rule_item(i, s.id, "scales"), s.quote
        for j, band in enumerate(s.bands):
            if band.quote:
                yield f"{rule_item(i, s.id, 'scales')}.bands[{j}]", band.quote
    for i, dl in enumerate(pack.deadlines):
        yield rule_item(i, dl.id, "deadlines"), dl.quote
    for i, p in enumerate(pack.phases):
        yield rule_item(i, p.id, "phases"), p.quote
    for name, param in pack.parameters.items():
        if param.quote:
            yield f"parameters.{name}", param.quote
        for j, entry in enumerate(param.values):
            if entry.quote:
                yield f"parameters.{name}.values[{j}]", entry.quote
    for i, d in enumerate(pack.derived):
        if d.quote:
            yield rule_item(i, d.path, "derived"), d.quote
    for i, agg in enumerate(pack.aggregates):
        if agg.quote:
            yield rule_item(i, agg.path, "aggregates"), agg.quote
    if pack.info.scope is not None:
        yield "pack.scope", pack.info.scope.quote
    if pack.info.pilot is not None:
        yield "pack.pilot", pack.info.pilot.quote
    if pack.info.applicability is not None:
        yield "pack.applicability", pack.info.applicability.quote
    for name, out in pack.cited_outputs.items():
        yield f"outputs.{name}", out.quote
    for path, fact in pack.facts.items():
        if fact.quote:
            yield f"facts.{path!r}", fact.quote


def _longest_found(text: str, source: str) -> int:
    """How many leading characters of ``text`` appear together in ``source``."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text[:mid] in source:
            lo = mid
        else:
            hi = mid - 1
    return lo


@register_check("quote-in-source")
def check_quotes_in_source(lint: PackLint) -> Iterator[Issue]:
    """Every quote is in the seed document, whitespace ignored (``…`` may elide text)."""
    try:
        read = lint.seed
    except NotReadError as exc:  # lint_path reports it, before the checks
        yield error("pack.source", str(exc))
        return
    if read is None:
        src = lint.pack.info.source
        if src.text or src.seed:
            yield error(
                "pack.source",
                f"the source document's text ({src.text or src.seed}) cannot be found, so no "
                "quote can be checked: ship it in the pack folder (pack.source.text) or give "
                "the folder holding it with --seeds DIR",
            )
        return
    seed, text = read
    source = _squeeze(text)
    for item, quote in _quotes(lint.pack):
        if blank(quote) or PLACEHOLDER in quote:
            continue
        position = 0
        for part in (_squeeze(p) for p in _ELLIPSIS.split(quote)):
            if not part:
                continue
            found = source.find(part, position)
            if found >= 0:
                position = found + len(part)
                continue
            n = _longest_found(part, source)
            where = (
                f"it matches up to “{part[max(0, n - 12) : n]}” and then reads “{part[n : n + 12]}”"
                if n
                else f"not even its first character “{part[:1]}” is found"
            )
            yield error(
                item,
                f"the quote is not in the source document {seed.name} (whitespace ignored): "
                f"{where}",
            )
            break
