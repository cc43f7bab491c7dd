"""``policyengine lint``: static checks of a pack, before any facts are evaluated.

::

    policyengine lint [PACK_ID | PATH]... [--format text|json] [--seeds DIR]

With no argument every installed pack is checked. Each problem names the pack's
``pack.toml``, the item (``rules[3] (eligibility.no-veto).require``), a severity and a
message::

    policy_packs/x/policyengine_pack_x/pack.toml: rules[0] (a.b).require: warning: can never
    hold: happiness.survey_score > 300, but happiness.survey_score is between 0 and 300
    [never-holds]

Exit code: 0 no error (warnings allowed), 1 an error, 2 a pack that does not load (the
loading errors are shown, each naming the file and the field path), 3 an unknown pack id.

The checks, in the order they run (each is a small function below: ``load`` and
``compile`` are :func:`check_loads` and :func:`check_compiles`, the others are in
:data:`CHECKS`):

=====================  ========  ====================================================
check                  severity  finds
=====================  ========  ====================================================
``load``               error     a pack that does not load (schema, ids, hooks module)
``compile``            error     a condition that does not compile for communities or
                                 jurisdictions: a type mismatch, an unknown fact or
                                 parameter (:func:`policyengine.engine.compile_pack`)
``source``             error     ``[pack.source]`` without a title or an issuer
``citation``           error     a rule, scale, deadline, phase or applicability without
                                 a clause and a quote; a parameter value without them (and
                                 no ``source``); warning: a derived fact without them
``placeholder``        warning   ``TODO`` left in a title, clause or quote
``quote-in-source``    error     a quote that is not in the seed document (whitespace
                                 ignored; ``…`` may elide text)
``parameter-value``    error     a parameter with no value and no ``source``
``dated-values``       error     dated values with the same ``since`` or out of order;
                                 programme-year values outside 1..years or repeated
``unused-parameter``   warning   a parameter no rule, scale, band, derived fact, output,
                                 aggregate, deadline, programme or hooks module reads
``band-overlap``       error     two bands with the same threshold or value, thresholds
                                 not increasing with the band value
``band-gap``           error     integer band values that skip a value (1, 2, 4)
``unreachable-band``   error     a band threshold above the maximum the scale's input can
                                 reach (from the vocabulary's ranges, through derived sums)
``never-holds``        warning   a condition that is a contradiction over one fact, or
                                 compares a fact with a value outside its range
``advisory-wording``   warning   a binding rule, scale or deadline quoting 原则上 or 力争
``unique-names``       error     ids, derived facts, aggregates or outputs given twice
``hooks``              error     a hook rule or an expression-less derived fact without
                                 the hooks module implementing it
``phases``             warning   phases that overlap or leave a gap
``deadline-dates``     error     a deadline whose ``start`` is after its ``end``
``distribution``       error     a distribution (``pyproject.toml`` beside the package)
                                 whose ``policyengine`` entry point does not name the
                                 package; warning: name or version not matching the pack
=====================  ========  ====================================================

The seed document of ``[pack.source] seed`` is looked for in the ``--seeds`` folder
(default: ``../shared/seeds`` from the current directory, if it exists), then in the
pack folder; where it is not found, quotes are not checked and the summary says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine import expressions as ex
from policyengine.contracts import Command, Streams
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError, UnknownPackError
from policyengine.facts import FactType, fact_catalogue
from policyengine.hookspecs import hookimpl
from policyengine.pack import Deadline, Pack, Rule, Scale, find_pack_folder, load_pack

__all__ = [
    "CHECKS",
    "Issue",
    "LintReport",
    "PackLint",
    "Problem",
    "check_compiles",
    "check_loads",
    "lint_path",
    "lint_paths",
]

Severity = Literal["error", "warning"]
Level = Literal["community", "jurisdiction"]

EXIT_OK, EXIT_ERRORS, EXIT_LOAD = 0, 1, 2
ADVISORY_WORDS = ("原则上", "力争")
PLACEHOLDER = "TODO"
_ELLIPSIS = re.compile(r"…+|\.{3,}")
_WHITESPACE = re.compile(r"\s+")
_PARAM_REF = re.compile(r"params\.([A-Za-z_]\w*)")
_ITEM = re.compile(r"^[A-Za-z_][\w.\[\]-]*(?: \([^()]*\))?[\w.\[\]-]*$")
_INF = math.inf
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


# ------------------------------------------------------------------------- results


@attrs.frozen
class Problem:
    """One problem found in a pack: where, how bad, which check, and what is wrong."""

    file: Path
    """The pack's ``pack.toml`` (or the file a loading error names)."""
    item: str
    """The item, e.g. ``rules[3] (eligibility.no-veto).require``; empty for the whole file."""
    severity: Severity
    check: str
    message: str

    def line(self) -> str:
        """``FILE: ITEM: SEVERITY: MESSAGE [CHECK]``, the text report's line."""
        item = f" {self.item}:" if self.item else ""
        return f"{self.file}:{item} {self.severity}: {self.message} [{self.check}]"

    def to_dict(self) -> dict[str, str]:
        """The problem as JSON."""
        return {
            "file": str(self.file),
            "item": self.item,
            "severity": self.severity,
            "check": self.check,
            "message": self.message,
        }


@attrs.frozen
class LintReport:
    """Everything ``lint`` found in one pack."""

    target: str
    """What was asked for: a pack id or a path."""
    file: Path
    pack_id: str | None
    """None when the pack did not load."""
    problems: tuple[Problem, ...]
    seed: Path | None = None
    """The source document the quotes were checked against."""
    seed_missing: str | None = None
    """The declared seed file name, when it was not found (quotes not checked)."""

    @property
    def loaded(self) -> bool:
        """Whether the pack loaded."""
        return self.pack_id is not None

    @property
    def errors(self) -> int:
        """How many errors."""
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warnings(self) -> int:
        """How many warnings."""
        return sum(p.severity == "warning" for p in self.problems)

    def summary(self) -> str:
        """``ID: N errors, M warnings`` and whether the quotes were checked."""
        name = self.pack_id or self.target
        text = f"{name}: {_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}"
        if not self.loaded:
            return f"{text} (the pack does not load)"
        if self.seed is not None:
            return f"{text}; quotes checked against {self.seed}"
        if self.seed_missing is not None:
            return f"{text}; seed {self.seed_missing} not found: quotes not checked (--seeds DIR)"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "target": self.target,
            "file": str(self.file),
            "pack": self.pack_id,
            "loaded": self.loaded,
            "seed": None if self.seed is None else str(self.seed),
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.to_dict() for p in self.problems],
        }


@attrs.frozen
class Issue:
    """What a check yields: the item, the severity and the message (the runner adds the rest)."""

    item: str
    severity: Severity
    message: str
    file: Path | None = None
    """Another file than the pack's ``pack.toml`` (e.g. the distribution's pyproject)."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------ the pack's view


def _rule_item(i: int, rule_id: str, kind: str = "rules") -> str:
    return f"{kind}[{i}] ({rule_id})"


@attrs.frozen
class _Fact:
    """What lint knows of a fact path: its type, bounds and (derived) expression."""

    kind: str
    lo: float = -_INF
    hi: float = _INF
    choices: tuple[str, ...] = ()
    expression: ex.Expr | None = None


class PackLint:
    """A loaded pack with what the checks share: parsed expressions, fact bounds, dates."""

    def __init__(self, pack: Pack, seeds: Sequence[Path] = ()) -> None:
        self.pack = pack
        self.file = pack.path / "pack.toml"
        self.seeds = tuple(seeds)
        self._parsed: dict[str, ex.Expr | None] = {}

    # -- expressions

    def parse(self, text: str | None) -> ex.Expr | None:
        """The parsed expression, or None if there is none or it does not parse."""
        if text is None:
            return None
        if text not in self._parsed:
            try:
                self._parsed[text] = ex.parse(text)
            except ex.ExpressionError:
                self._parsed[text] = None
        return self._parsed[text]

    def conditions(self) -> Iterator[tuple[str, str, Level]]:
        """``(item, condition text, level)`` for every condition of the pack."""
        pack = self.pack
        for i, rule in enumerate(pack.rules):
            for name in ("when", "require"):
                text = getattr(rule, name)
                if text is not None:
                    yield f"{_rule_item(i, rule.id)}.{name}", text, rule.subject
        for i, scale in enumerate(pack.scales):
            if scale.when is not None:
                yield f"{_rule_item(i, scale.id, 'scales')}.when", scale.when, "community"
        for i, dl in enumerate(pack.deadlines):
            if dl.when is not None:
                yield f"{_rule_item(i, dl.id, 'deadlines')}.when", dl.when, dl.subject
        if pack.info.applicability is not None:
            yield "pack.applicability.when", pack.info.applicability.when, "community"
        for i, agg in enumerate(pack.aggregates):  # a condition over each community
            if agg.condition is not None:
                item = f"{_rule_item(i, agg.path, 'aggregates')}.condition"
                yield item, agg.condition, "community"

    def expression_texts(self) -> Iterator[str]:
        """Every condition and value expression of the pack (where parameters are read)."""
        pack = self.pack
        yield from (text for _, text, _ in self.conditions())
        for scale in pack.scales:
            yield scale.input
            yield from (b.min for b in scale.bands if isinstance(b.min, str))
        yield from (d.expression for d in pack.derived if d.expression is not None)
        yield from pack.outputs.values()
        yield from (dl.evidence for dl in pack.deadlines)

    # -- facts

    @cached_property
    def _community_facts(self) -> dict[str, _Fact]:
        facts = {path: _from_type(ft) for path, ft in fact_catalogue("community").items()}
        for d in self.pack.derived:
            kind = "number" if d.type == "number" else d.type
            facts[d.path] = _Fact(kind, expression=self.parse(d.expression))
        return facts | self._context_facts

    @cached_property
    def _jurisdiction_facts(self) -> dict[str, _Fact]:
        facts = {path: _from_type(ft) for path, ft in fact_catalogue("jurisdiction").items()}
        for agg in self.pack.aggregates:
            facts[agg.path] = _Fact("number", 0, 1) if agg.measure == "share" else _Fact("int", 0)
        return facts | self._context_facts

    @cached_property
    def _context_facts(self) -> dict[str, _Fact]:
        prog = self.pack.info.programme
        phases = (*(p.id for p in self.pack.phases), "before", "ended")
        return {
            "as_of.year": _Fact("int"),
            "as_of.month": _Fact("int", 1, 12),
            "as_of.day": _Fact("int", 1, 31),
            "programme.year": _Fact("int", 1, prog.years) if prog else _Fact("int"),
            "as_of.phase": _Fact("text", choices=phases),
        }

    def fact(self, path: str, level: Level) -> _Fact | None:
        """What is known of a fact path at a level (None: not a fact)."""
        facts = self._community_facts if level == "community" else self._jurisdiction_facts
        return facts.get(path)

    def bounds(self, expr: ex.Expr, level: Level, depth: int = 0) -> tuple[float, float]:
        """The least and greatest value a numeric expression can take (±inf: unbounded)."""
        if isinstance(expr, ex.Const):
            v = expr.value
            if isinstance(v, int | float) and not isinstance(v, bool):
                return float(v), float(v)
            return -_INF, _INF
        if isinstance(expr, ex.Field):
            info = self.fact(expr.path, level)
            if info is None:
                return -_INF, _INF
            if info.expression is not None and depth < 16:
                lo, hi = self.bounds(info.expression, level, depth + 1)
                return max(lo, info.lo), min(hi, info.hi)
            return info.lo, info.hi
        if isinstance(expr, ex.Count):
            return 0.0, _INF
        if isinstance(expr, ex.Param):
            values = [v for v in self.param_values(expr.name) if _is_number(v)]
            return (float(min(values)), float(max(values))) if values else (-_INF, _INF)
        if isinstance(expr, ex.Arith):
            a = self.bounds(expr.left, level, depth)
            b = self.bounds(expr.right, level, depth)
            return _interval(expr.op, a, b, expr.right)
        return -_INF, _INF

    # -- parameters and dates

    def param_values(self, name: str) -> list[Any]:
        """Every value a parameter is ever given."""
        param = self.pack.parameters.get(name)
        if param is None:
            return []
        if param.value is not None:
            return [param.value]
        return [e.value for e in param.values if e.value is not None]

    @cached_property
    def probes(self) -> list[tuple[str, dict[str, Any]]]:
        """``(label, parameter values)`` on every date a dated value starts (and every
        programme year): the states of the pack's parameters worth checking."""
        entries = [e for p in self.pack.parameters.values() for e in p.values]
        dates = sorted({e.since for e in entries if e.since})
        if not dates:
            first = self.pack.info.source.first_day()
            dates = [first or self.pack.info.effective_from or dt.date.today()]
        prog = self.pack.info.programme
        years: list[int | None] = list(range(1, prog.years + 1)) if prog else [None]
        out: list[tuple[str, dict[str, Any]]] = []
        for day in dates:
            for year in years:
                label = f"from {day.isoformat()}" + (f", programme year {year}" if year else "")
                params = {n: p.value_at(day, year) for n, p in self.pack.parameters.items()}
                out.append((label, params))
        return out

    # -- files

    def seed_file(self) -> Path | None:
        """The source document's text file, if the pack names one and it can be found."""
        seed = self.pack.info.source.seed
        if not seed:
            return None
        for folder in (*self.seeds, self.pack.path):
            candidate = folder / seed
            if candidate.is_file():
                return candidate
        return None

    @cached_property
    def python_text(self) -> str:
        """The source text of every Python file in the pack folder (the hooks module)."""
        texts = []
        for file in sorted(self.pack.path.rglob("*.py")):
            try:
                texts.append(file.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
        return "\n".join(texts)


def _from_type(ft: FactType) -> _Fact:
    lo, hi = -_INF, _INF
    if ft.range is not None:
        lo = -_INF if ft.range.min is None else float(ft.range.min)
        hi = _INF if ft.range.max is None else float(ft.range.max)
    return _Fact(ft.kind, lo, hi, ft.choices)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _interval(
    op: str, a: tuple[float, float], b: tuple[float, float], right: ex.Expr
) -> tuple[float, float]:
    """Interval arithmetic: the bounds of ``a op b``."""
    if op == "+":
        return a[0] + b[0], a[1] + b[1]
    if op == "-":
        return a[0] - b[1], a[1] - b[0]
    if op == "*":
        products = [x * y for x in a for y in b]
        products = [0.0 if math.isnan(p) else p for p in products]
        return min(products), max(products)
    if isinstance(right, ex.Const) and _is_number(right.value) and right.value:
        k = float(right.value)
        return min(a[0] / k, a[1] / k), max(a[0] / k, a[1] / k)
    return -_INF, _INF


# ------------------------------------------------------------------------ the checks

CheckFunction = Callable[[PackLint], Iterable[Issue]]
CHECKS: dict[str, CheckFunction] = {}
"""Every check by name, in the order they run (after ``load`` and ``compile``)."""


def _check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(fn: CheckFunction) -> CheckFunction:
        CHECKS[name] = fn
        return fn

    return register


def _error(item: str, message: str) -> Issue:
    return Issue(item, "error", message)


def _warning(item: str, message: str) -> Issue:
    return Issue(item, "warning", message)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


@_check("source")
def check_source(lint: PackLint) -> Iterator[Issue]:
    """The source document has a title and at least one issuer (发文机关)."""
    source = lint.pack.info.source
    if _blank(source.title):
        yield _error("pack.source.title", "the source document needs its title")
    if not [i for i in source.issuer if not _blank(i)]:
        yield _error("pack.source.issuer", "name the issuer(s) of the document (发文机关)")


@_check("citation")
def check_citations(lint: PackLint) -> Iterator[Issue]:
    """Every rule, scale, deadline, phase and applicability cites a clause and quotes it;
    every parameter value does too (or says in ``source`` why not); derived facts should."""
    pack = lint.pack
    cited: list[tuple[str, str | None, str | None]] = [
        *((_rule_item(i, r.id), r.clause, r.quote) for i, r in enumerate(pack.rules)),
        *((_rule_item(i, s.id, "scales"), s.clause, s.quote) for i, s in enumerate(pack.scales)),
        *(
            (_rule_item(i, d.id, "deadlines"), d.clause, d.quote)
            for i, d in enumerate(pack.deadlines)
        ),
        *((_rule_item(i, p.id, "phases"), p.clause, p.quote) for i, p in enumerate(pack.phases)),
    ]
    if pack.info.applicability is not None:
        app = pack.info.applicability
        cited.append(("pack.applicability", app.clause, app.quote))
    for item, clause, quote in cited:
        missing = [n for n, v in (("clause", clause), ("quote", quote)) if _blank(v)]
        if missing:
            yield _error(item, f"no {' and no '.join(missing)}: cite the clause and quote it")
    for name, param in pack.parameters.items():
        if param.source is not None or (param.value is None and not param.values):
            continue
        entries = param.values or ()
        clause_ok = not _blank(param.clause) or (entries and all(e.clause for e in entries))
        quote_ok = not _blank(param.quote) or (entries and all(e.quote for e in entries))
        missing = [n for n, ok in (("clause", clause_ok), ("quote", quote_ok)) if not ok]
        if missing:
            yield _error(
                f"parameters.{name}",
                f"no {' and no '.join(missing)}: cite the value (on the parameter or on each "
                "entry), or say in source why there is none",
            )
    for i, d in enumerate(pack.derived):
        if _blank(d.clause) or _blank(d.quote):
            yield _warning(
                _rule_item(i, d.path, "derived"), "no clause or quote: cite what it computes"
            )


@_check("placeholder")
def check_placeholders(lint: PackLint) -> Iterator[Issue]:
    """``TODO`` left in a title, clause or quote (as ``policyengine new-pack`` writes them)."""
    pack = lint.pack
    fields: list[tuple[str, Any]] = [
        ("pack", pack.info),
        ("pack.source", pack.info.source),
        *((f"parameters.{n}", p) for n, p in pack.parameters.items()),
        *((_rule_item(i, r.id), r) for i, r in enumerate(pack.rules)),
        *((_rule_item(i, s.id, "scales"), s) for i, s in enumerate(pack.scales)),
        *((_rule_item(i, d.id, "deadlines"), d) for i, d in enumerate(pack.deadlines)),
        *((_rule_item(i, p.id, "phases"), p) for i, p in enumerate(pack.phases)),
        *((_rule_item(i, d.path, "derived"), d) for i, d in enumerate(pack.derived)),
    ]
    for item, obj in fields:
        names = [
            n
            for n in ("title", "title_en", "region", "clause", "quote", "responsible", "issuer")
            if PLACEHOLDER in str(getattr(obj, n, None) or "")
        ]
        if names:
            yield _warning(item, f"replace the {PLACEHOLDER} in {', '.join(names)}")


def _squeeze(text: str) -> str:
    return _WHITESPACE.sub("", text)


def _quotes(pack: Pack) -> Iterator[tuple[str, str]]:
    """``(item, quote)`` for every quote of the pack."""
    for i, r in enumerate(pack.rules):
        yield _rule_item(i, r.id), r.quote
    for i, s in enumerate(pack.scales):
        yield _rule_item(i, s.id, "scales"), s.quote
        for j, band in enumerate(s.bands):
            if band.quote:
                yield f"{_rule_item(i, s.id, 'scales')}.bands[{j}]", band.quote
    for i, dl in enumerate(pack.deadlines):
        yield _rule_item(i, dl.id, "deadlines"), dl.quote
    for i, p in enumerate(pack.phases):
        yield _rule_item(i, p.id, "phases"), p.quote
    for name, param in pack.parameters.items():
        if param.quote:
            yield f"parameters.{name}", param.quote
        for j, entry in enumerate(param.values):
            if entry.quote:
                yield f"parameters.{name}.values[{j}]", entry.quote
    for i, d in enumerate(pack.derived):
        if d.quote:
            yield _rule_item(i, d.path, "derived"), d.quote
    for i, agg in enumerate(pack.aggregates):
        if agg.quote:
            yield _rule_item(i, agg.path, "aggregates"), agg.quote
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


@_check("quote-in-source")
def check_quotes_in_source(lint: PackLint) -> Iterator[Issue]:
    """Every quote is in the seed document, whitespace ignored (``…`` may elide text)."""
    seed = lint.seed_file()
    if seed is None:
        return
    source = _squeeze(seed.read_text(encoding="utf-8", errors="replace"))
    for item, quote in _quotes(lint.pack):
        if _blank(quote) or PLACEHOLDER in quote:
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
            yield _error(
                item,
                f"the quote is not in the source document {seed.name} (whitespace ignored): "
                f"{where}",
            )
            break


@_check("parameter-value")
def check_parameter_values(lint: PackLint) -> Iterator[Issue]:
    """A parameter without any value says in ``source`` why (the document does not state it)."""
    for name, param in lint.pack.parameters.items():
        if param.value is None and not param.values and _blank(param.source):
            yield _error(
                f"parameters.{name}",
                'no value and no source: give the value, or source = "not stated in the document"',
            )


@_check("dated-values")
def check_dated_values(lint: PackLint) -> Iterator[Issue]:
    """Dated values in date order, each ``since`` once; programme years within 1..years, once."""
    prog = lint.pack.info.programme
    for name, param in lint.pack.parameters.items():
        previous: tuple[int, dt.date] | None = None
        years: dict[int, int] = {}
        for j, entry in enumerate(param.values):
            item = f"parameters.{name}.values[{j}]"
            if entry.since is not None:
                if previous is not None and entry.since == previous[1]:
                    yield _error(
                        item,
                        f"since {entry.since.isoformat()} is also values[{previous[0]}]'s: "
                        "two values overlap on that date",
                    )
                elif previous is not None and entry.since < previous[1]:
                    yield _error(
                        item,
                        f"since {entry.since.isoformat()} comes before values[{previous[0]}]'s "
                        f"{previous[1].isoformat()}: list dated values in date order",
                    )
                previous = (j, entry.since)
            if entry.year is not None:
                if prog is not None and not 1 <= entry.year <= prog.years:
                    yield _error(
                        item,
                        f"year {entry.year} is outside the programme's years 1..{prog.years}",
                    )
                if entry.year in years:
                    yield _error(
                        item, f"year {entry.year} is also given by values[{years[entry.year]}]"
                    )
                years.setdefault(entry.year, j)


@_check("unused-parameter")
def check_unused_parameters(lint: PackLint) -> Iterator[Issue]:
    """Every parameter is read by an expression, the programme, or the hooks module
    (``params["name"]``, ``params.get("name")``: the quoted name in its source text).

    A parameter without a value whose ``source`` says why (``not stated in the document``)
    records the document's silence and is not reported."""
    used: set[str] = set()
    for text in lint.expression_texts():
        expr = lint.parse(text)
        used.update(ex.params_of(expr) if expr is not None else _PARAM_REF.findall(text))
    if lint.pack.info.programme is not None:
        used.add(lint.pack.info.programme.start_parameter)
    code = lint.python_text
    for name, param in lint.pack.parameters.items():
        if name in used or f'"{name}"' in code or f"'{name}'" in code:
            continue
        if param.value is None and not param.values and param.source:
            continue  # records that the document is silent: documentation, not a number
        yield _warning(
            f"parameters.{name}",
            "never used by a rule, scale, band, derived fact, output, aggregate, deadline "
            "or the hooks module",
        )


def _band_order(values: Sequence[Any]) -> list[int]:
    """Band indexes from the lowest band value up (declared order for text values)."""
    if all(_is_number(v) for v in values):
        return sorted(range(len(values)), key=lambda j: values[j])
    return list(range(len(values)))


def _threshold_text(lint: PackLint, band_min: str | int | float, value: Any) -> str:
    if isinstance(band_min, str) and lint.parse(band_min) is not None:
        expr = lint.parse(band_min)
        if not isinstance(expr, ex.Const):
            return f"{band_min} = {_num(value)}"
    return _num(value)


@_check("band-overlap")
def check_band_overlap(lint: PackLint) -> Iterator[Issue]:
    """Bands do not overlap: band values differ, and thresholds rise with the band value."""
    for i, scale in enumerate(lint.pack.scales):
        item = _rule_item(i, scale.id, "scales")
        values = [b.value for b in scale.bands]
        for j, value in enumerate(values):
            if value in values[:j]:
                yield _error(
                    f"{item}.bands[{j}]",
                    f"band value {_num(value)} is also bands[{values.index(value)}]'s",
                )
        order = _band_order(values)
        reported: set[int] = set()
        for label, params in lint.probes:
            thresholds: list[Any] = []
            for band in scale.bands:
                expr = lint.parse(band.min if isinstance(band.min, str) else repr(band.min))
                thresholds.append(None if expr is None else ex.evaluate(expr, {}, params))
            for lower, upper in itertools.pairwise(order):
                a, b = thresholds[lower], thresholds[upper]
                if upper in reported or not (_is_number(a) and _is_number(b)) or b > a:
                    continue
                reported.add(upper)
                when = f" ({label})" if len(lint.probes) > 1 else ""
                this = _threshold_text(lint, scale.bands[upper].min, b)
                other = _threshold_text(lint, scale.bands[lower].min, a)
                how = "the same threshold as" if a == b else "below"
                yield _error(
                    f"{item}.bands[{upper}]",
                    f"band {_num(values[upper])} starts at {this}, {how} band "
                    f"{_num(values[lower])} at {other}{when}: the bands overlap "
                    "(thresholds must rise with the band value)",
                )


@_check("band-gap")
def check_band_gaps(lint: PackLint) -> Iterator[Issue]:
    """Integer band values are consecutive (1, 2, 3 — not 1, 2, 4)."""
    for i, scale in enumerate(lint.pack.scales):
        values = [b.value for b in scale.bands]
        ints = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        if not ints or len(ints) != len(values):
            continue
        ordered = sorted(set(ints))
        for low, high in itertools.pairwise(ordered):
            if high - low > 1:
                missing = ", ".join(str(v) for v in range(int(low) + 1, int(high)))
                j = values.index(high)
                yield _error(
                    f"{_rule_item(i, scale.id, 'scales')}.bands[{j}]",
                    f"band {high} follows band {low}: no band {missing} (a gap in the bands)",
                )


def _parts_text(lint: PackLint, path: str) -> str:
    info = lint.fact(path, "community")
    if info is None or info.expression is None:
        return ""
    parts = []
    for field in ex.fields_of(info.expression):
        hi = lint.bounds(ex.Field(field), "community")[1]
        if hi != _INF:
            parts.append(f"{field} ≤ {_num(hi)}")
    listed = f"; {', '.join(parts)}" if parts else ""
    return f" (= {ex.render(info.expression)}{listed})"


@_check("unreachable-band")
def check_unreachable_bands(lint: PackLint) -> Iterator[Issue]:
    """No band threshold is above the most the scale's input can reach: points that cannot
    add up to the threshold (ranges from the facts vocabulary, summed through derived facts)."""
    for i, scale in enumerate(lint.pack.scales):
        input_expr = lint.parse(scale.input)
        if input_expr is None:
            continue
        _, most = lint.bounds(input_expr, "community")
        if most == _INF:
            continue
        for j, band in enumerate(scale.bands):
            expr = lint.parse(band.min if isinstance(band.min, str) else repr(band.min))
            if expr is None:
                continue
            values = {ex.evaluate(expr, {}, params) for _, params in lint.probes}
            high = max((v for v in values if _is_number(v)), default=None)
            if high is None or high <= most:
                continue
            parts = _parts_text(lint, scale.input) if isinstance(input_expr, ex.Field) else ""
            label = f" ({band.label})" if band.label else ""
            yield _error(
                f"{_rule_item(i, scale.id, 'scales')}.bands[{j}]",
                f"band {_num(band.value)}{label} needs {scale.input} ≥ "
                f"{_threshold_text(lint, band.min, high)}, but {scale.input} can reach at most "
                f"{_num(most)}{parts}: the band is unreachable",
            )


@attrs.define
class _Domain:
    """The values a fact may still take in one branch of a condition."""

    numeric: bool
    integer: bool = False
    lo: float = -_INF
    lo_open: bool = False
    hi: float = _INF
    hi_open: bool = False
    allowed: set[Any] | None = None
    excluded: set[Any] = attrs.Factory(set)

    def restrict(self, op: str, value: Any) -> None:
        """Keep only the values for which ``fact op value`` holds."""
        if op == "!=":
            self.excluded.add(float(value) if self.numeric else value)
            return
        if not self.numeric:
            if op == "==":
                self.allowed = {value} if self.allowed is None else self.allowed & {value}
            return
        v = float(value)
        if op in (">", ">=", "=="):
            is_open = op == ">"
            if v > self.lo or (v == self.lo and is_open):
                self.lo, self.lo_open = v, is_open
        if op in ("<", "<=", "=="):
            is_open = op == "<"
            if v < self.hi or (v == self.hi and is_open):
                self.hi, self.hi_open = v, is_open

    def empty(self) -> bool:
        """Whether no value is left."""
        if not self.numeric:
            return self.allowed is not None and not (self.allowed - self.excluded)
        lo, hi = self.lo, self.hi
        if self.integer:
            if math.isfinite(lo):
                lo = lo + 1 if self.lo_open and lo.is_integer() else float(math.ceil(lo))
            if math.isfinite(hi):
                hi = hi - 1 if self.hi_open and hi.is_integer() else float(math.floor(hi))
            return lo > hi or (lo == hi and lo in self.excluded)
        if lo > hi:
            return True
        return lo == hi and (self.lo_open or self.hi_open or lo in self.excluded)


def _range_text(lo: float, hi: float) -> str:
    if math.isfinite(lo) and math.isfinite(hi):
        return f"between {_num(lo)} and {_num(hi)}"
    if math.isfinite(lo):
        return f"at least {_num(lo)}"
    return f"at most {_num(hi)}"


def _domain(lint: PackLint, key: str, level: Level, *, bounded: bool) -> _Domain | None:
    """The starting domain of an atom's key (its vocabulary range if ``bounded``)."""
    if key.startswith("count("):
        return _Domain(True, integer=True, lo=0.0 if bounded else -_INF)
    if " contains " in key:
        return _Domain(False, allowed={True, False})
    info = lint.fact(key, level)
    if info is None:
        return None
    if info.kind in ("int", "number"):
        lo, hi = (-_INF, _INF)
        if bounded:
            lo, hi = lint.bounds(ex.Field(key), level)
        return _Domain(True, integer=info.kind == "int", lo=lo, hi=hi)
    if info.kind == "bool":
        return _Domain(False, allowed={True, False})
    if info.kind == "text":
        return _Domain(False, allowed=set(info.choices) if info.choices else None)
    return None


def _branches(normal: ex.Normal, limit: int = 256) -> list[list[ex.Atom]] | None:
    """The condition as alternatives of atoms (disjunctive normal form); None if too large."""
    if ex.branches(normal) > limit:
        return None
    if isinstance(normal, ex.Atom):
        return [[normal]]
    parts = [_branches(item, limit) or [] for item in normal.items]
    if isinstance(normal, ex.NOr):
        return [branch for part in parts for branch in part]
    out: list[list[ex.Atom]] = [[]]
    for part in parts:
        out = [a + b for a in out for b in part]
    return out


def _atom_text(atom: ex.Atom) -> str:
    if isinstance(atom.rhs, ex.Const) and atom.rhs.value is True and atom.op == "==":
        return atom.key
    op = {">=": "≥", "<=": "≤", "!=": "≠"}.get(atom.op, atom.op)
    return f"{atom.key} {op} {ex.render(atom.rhs)}"


def _branch_conflict(
    lint: PackLint, atoms: Sequence[ex.Atom], level: Level, params: Mapping[str, Any]
) -> str | None:
    """Why this conjunction of atoms can never hold (one fact cannot satisfy them all)."""
    by_key: dict[str, list[tuple[ex.Atom, str, Any]]] = {}
    for atom in atoms:
        key, op, rhs = atom.key, str(atom.op), atom.rhs
        if key.startswith("params."):
            left = params.get(key.removeprefix("params."))
            if isinstance(rhs, ex.Field | ex.Count):
                key, op = ex.key_of(rhs), _FLIP[op]
                value = left
            else:
                value = ex.evaluate(rhs, {}, params)
                if None not in (left, value) and not ex.compare_values(op, left, value):
                    return f"{_atom_text(atom)} is false ({key} = {_num(left)})"
                continue
        else:
            value = ex.evaluate(rhs, {}, params)
        if value is None or isinstance(value, list | tuple | dict):
            continue
        by_key.setdefault(key, []).append((atom, op, value))
    for key, restrictions in by_key.items():
        texts = " and ".join(_atom_text(a) for a, _, _ in restrictions)
        free = _domain(lint, key, level, bounded=False)
        if free is None:
            continue
        for _, op, value in restrictions:
            free.restrict(op, value)
        if free.empty():
            return f"no value of {key} satisfies {texts}"
        ranged = _domain(lint, key, level, bounded=True)
        if ranged is None or not ranged.numeric:
            continue
        lo, hi = ranged.lo, ranged.hi
        for _, op, value in restrictions:
            ranged.restrict(op, value)
        if ranged.empty():
            return f"{texts}, but {key} is {_range_text(lo, hi)}"
    return None


@_check("never-holds")
def check_never_holds(lint: PackLint) -> Iterator[Issue]:
    """No condition is a contradiction over one fact (``x >= 10 and x < 5``) or compares a
    fact with a value outside its range (``happiness.survey_score > 300``, a ratio ``> 1``)."""
    for item, text, level in lint.conditions():
        expr = lint.parse(text)
        if expr is None:
            continue
        try:
            branches = _branches(ex.normalise(expr))
        except ex.ExpressionError:
            continue
        if not branches:
            continue
        names = ex.params_of(expr)
        reasons: list[str] = []
        for _, params in lint.probes:
            if any(params.get(n) is None for n in names):
                continue
            found = [_branch_conflict(lint, b, level, params) for b in branches]
            if any(r is None for r in found):
                reasons = []
                break
            if not reasons:
                reasons = [r for r in found if r is not None]
        if not reasons:
            continue
        if len(reasons) == 1:
            why = reasons[0]
        else:
            why = f"none of its {len(reasons)} alternatives can: " + "; ".join(reasons[:3])
        yield _warning(item, f"can never hold: {why}")


@_check("advisory-wording")
def check_advisory_wording(lint: PackLint) -> Iterator[Issue]:
    """A binding rule, scale or deadline does not quote 原则上 or 力争 (guidelines and goals
    are advisory: ``binding = false``)."""
    pack = lint.pack
    items: list[tuple[str, Rule | Scale | Deadline]] = [
        *((_rule_item(i, r.id), r) for i, r in enumerate(pack.rules)),
        *((_rule_item(i, s.id, "scales"), s) for i, s in enumerate(pack.scales)),
        *((_rule_item(i, d.id, "deadlines"), d) for i, d in enumerate(pack.deadlines)),
    ]
    for item, obj in items:
        words = [w for w in ADVISORY_WORDS if w in obj.quote]
        if obj.binding and words:
            yield _warning(
                item,
                f"binding, but its quote says “{'”、“'.join(words)}” (a guideline or a goal): "
                "set binding = false to report it as advisory",
            )


@_check("unique-names")
def check_unique_names(lint: PackLint) -> Iterator[Issue]:
    """Rule, scale and deadline ids, derived facts, aggregates and output keys are each
    defined once."""
    pack = lint.pack
    ids: dict[str, str] = {}
    for item, name in [
        *((_rule_item(i, r.id), r.id) for i, r in enumerate(pack.rules)),
        *((_rule_item(i, s.id, "scales"), s.id) for i, s in enumerate(pack.scales)),
        *((_rule_item(i, d.id, "deadlines"), d.id) for i, d in enumerate(pack.deadlines)),
    ]:
        if name in ids:
            yield _error(item, f"the id {name!r} is also {ids[name]}'s")
        ids.setdefault(name, item)
    paths: dict[str, str] = {}
    for item, path in [
        *((_rule_item(i, d.path, "derived"), d.path) for i, d in enumerate(pack.derived)),
        *((_rule_item(i, a.path, "aggregates"), a.path) for i, a in enumerate(pack.aggregates)),
    ]:
        if path in paths:
            yield _error(item, f"{path} is also defined by {paths[path]}")
        paths.setdefault(path, item)
    outputs: dict[str, str] = {}
    sources = [
        *((f"outputs.{k}", k) for k in pack.outputs),
        *((f"{_rule_item(i, s.id, 'scales')}.output", s.output) for i, s in enumerate(pack.scales)),
        *(
            (f"{_rule_item(i, d.id, 'deadlines')}.output", d.output)
            for i, d in enumerate(pack.deadlines)
            if d.output and d.subject == "community"
        ),
    ]
    if pack.phases:
        sources.append(("pack.phase_output", pack.info.phase_output))
    for item, key in sources:
        if key in outputs:
            yield _error(item, f"the output {key!r} is also given by {outputs[key]}")
        outputs.setdefault(key, item)


@_check("hooks")
def check_hooks(lint: PackLint) -> Iterator[Issue]:
    """Hook rules and derived facts without an expression have a hooks module that decides
    or computes them (``pack_evaluate_rule``, ``pack_derive_facts``)."""
    hooks = lint.pack.hooks
    for i, rule in enumerate(lint.pack.rules):
        if rule.kind == "hook" and (hooks is None or not hasattr(hooks, "pack_evaluate_rule")):
            yield _error(
                _rule_item(i, rule.id),
                "a hook rule needs the pack's hooks module to implement pack_evaluate_rule",
            )
    for i, d in enumerate(lint.pack.derived):
        computed = d.expression is not None or d.count_dates is not None
        if not computed and (hooks is None or not hasattr(hooks, "pack_derive_facts")):
            yield _error(
                _rule_item(i, d.path, "derived"),
                "no expression, and no pack_derive_facts hook to compute it: always unknown",
            )


@_check("phases")
def check_phases(lint: PackLint) -> Iterator[Issue]:
    """Phases follow one another without overlap or gap."""
    phases = sorted(enumerate(lint.pack.phases), key=lambda ip: ip[1].start)
    for (_, a), (j, b) in itertools.pairwise(phases):
        item = _rule_item(j, b.id, "phases")
        if b.start <= a.end:
            yield _warning(item, f"starts {b.start.isoformat()}, before {a.id} ends {a.end}")
        elif b.start > a.end + dt.timedelta(days=1):
            yield _warning(
                item, f"starts {b.start.isoformat()}: a gap after {a.id} ends {a.end.isoformat()}"
            )


@_check("deadline-dates")
def check_deadline_dates(lint: PackLint) -> Iterator[Issue]:
    """A monthly or yearly deadline's ``start`` is not after its ``end``."""
    for i, dl in enumerate(lint.pack.deadlines):
        if dl.start is not None and dl.end is not None and dl.start > dl.end:
            yield _error(
                _rule_item(i, dl.id, "deadlines"),
                f"start {dl.start.isoformat()} is after end {dl.end.isoformat()}",
            )


@_check("distribution")
def check_distribution(lint: PackLint) -> Iterator[Issue]:
    """A pack distribution (``pyproject.toml`` beside the package folder) registers the
    package in the ``policyengine`` entry-point group, with the pack's name and version."""
    pack = lint.pack
    pyproject = pack.path.parent / "pyproject.toml"
    if not pyproject.is_file() or not (pack.path / "__init__.py").is_file():
        return
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        yield Issue("", "error", f"cannot be read: {exc}", pyproject)
        return
    package = pack.path.name
    entry_points = project.get("entry-points", {}).get("policyengine", {})
    if package not in entry_points.values():
        yield Issue(
            "project.entry-points.policyengine",
            "error",
            f"no entry point names the package {package!r}, so the installed pack is never "
            f'found: {pack.id} = "{package}"',
            pyproject,
        )
    name = f"community-policyengine-pack-{pack.id}"
    if project.get("name") != name:
        message = f"the distribution is {project.get('name')!r}, not {name!r}"
        yield Issue("project.name", "warning", message, pyproject)
    if project.get("version") not in (None, pack.version):
        message = f"version {project.get('version')!r} is not the pack's {pack.version!r}"
        yield Issue("project.version", "warning", message, pyproject)


# -------------------------------------------------------------------------- running


def _split_message(line: str, file: Path) -> tuple[Path, str, str]:
    """``(file, item, message)`` from one line of a PackError."""
    prefix = f"{file}: "
    if line.startswith(prefix):
        rest = line[len(prefix) :]
        item, sep, message = rest.partition(": ")
        if sep and _ITEM.match(item):
            return file, item, message
        return file, "", rest
    return file, "", line


def _error_problems(exc: Exception, file: Path, check: str) -> list[Problem]:
    lines = str(exc).splitlines() or [repr(exc)]
    out = []
    for line in lines:
        where, item, message = _split_message(line, file)
        out.append(Problem(where, item, "error", check, message))
    return out


def default_seeds() -> list[Path]:
    """``../shared/seeds`` from the current directory, if it exists."""
    folder = Path("..") / "shared" / "seeds"
    return [folder] if folder.is_dir() else []


def check_loads(path: Path) -> Pack | list[Problem]:
    """``load``: the pack loads (:func:`policyengine.pack.load_pack`): its pack.toml has the
    schema, its ids are valid and unique, its hooks module imports. Else the loading
    errors, each naming the file and the field path."""
    try:
        folder = find_pack_folder(path)
    except PackError as exc:
        return _error_problems(exc, path, "load")
    try:
        return load_pack(folder)
    except PackError as exc:
        return _error_problems(exc, folder / "pack.toml", "load")


def check_compiles(pack: Pack) -> list[Problem]:
    """``compile``: every condition and value compiles for communities and jurisdictions
    (:func:`policyengine.engine.compile_pack`): it type-checks, and the facts and
    parameters it reads exist."""
    file = pack.path / "pack.toml"
    problems: list[Problem] = []
    levels: tuple[Level, ...] = ("community", "jurisdiction")
    for level in levels:
        try:
            compile_pack(pack, level)
        except Exception as exc:  # a PackError, or the rules engine's own error
            problems.extend(_error_problems(exc, file, "compile"))
    return problems


def lint_path(
    path: str | Path, *, seeds: Sequence[Path] | None = None, target: str | None = None
) -> LintReport:
    """Lint one pack folder (or its ``pack.toml``, or a distribution holding one package).

    ``seeds``: the folders to look for the source document in before the pack folder
    (default: :func:`default_seeds`).
    """
    seed_dirs = default_seeds() if seeds is None else list(seeds)
    label = target or str(path)
    loaded = check_loads(Path(path))
    if not isinstance(loaded, Pack):
        file = loaded[0].file if loaded else Path(path)
        return LintReport(label, file, None, tuple(loaded))
    pack, file = loaded, loaded.path / "pack.toml"
    lint = PackLint(pack, seed_dirs)
    problems = check_compiles(pack)
    for name, check in CHECKS.items():
        try:
            issues = list(check(lint))
        except Exception as exc:  # a bug in a check must not hide the other checks
            issues = [_error("", f"the check failed: {exc!r}")]
        problems.extend(
            Problem(i.file or file, i.item, i.severity, name, i.message) for i in issues
        )
    seed = lint.seed_file()
    missing = pack.info.source.seed if seed is None else None
    return LintReport(label, file, pack.id, tuple(problems), seed, missing)


def _installed_folders() -> list[Path]:
    """The folder of every pack the installed plugins register (without loading them)."""
    from policyengine import api
    from policyengine.plugins import PackSource

    pm = api.default_registry().plugin_manager
    folders: list[Path] = []
    for impl in pm.hook.register_packs.get_hookimpls():
        sources: Any = impl.function() or ()
        for source in sources:
            folders.append(source.path() if isinstance(source, PackSource) else Path(str(source)))
    return folders


def _pack_id(folder: Path) -> str | None:
    try:
        file = find_pack_folder(folder) / "pack.toml"
        pack_id = tomllib.loads(file.read_text(encoding="utf-8")).get("pack", {}).get("id")
    except (PackError, OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return pack_id if isinstance(pack_id, str) else None


def _is_path(name: str) -> bool:
    return os.sep in name or "/" in name or name.startswith(".") or Path(name).exists()


def lint_paths(names: Sequence[str], *, seeds: Sequence[Path] | None = None) -> list[LintReport]:
    """Lint packs named by id or path; every installed pack when ``names`` is empty."""
    if not names:
        folders = _installed_folders()
        ordered = sorted(folders, key=lambda f: _pack_id(f) or str(f))
        return [lint_path(f, seeds=seeds, target=_pack_id(f) or str(f)) for f in ordered]
    installed: dict[str, Path] | None = None
    reports = []
    for name in names:
        if _is_path(name):
            reports.append(lint_path(name, seeds=seeds))
            continue
        if installed is None:
            installed = {}
            for folder in _installed_folders():
                installed.setdefault(_pack_id(folder) or str(folder), folder)
        if name not in installed:
            known = ", ".join(sorted(installed)) or "none"
            raise UnknownPackError(f"unknown pack {name!r}; installed packs: {known}")
        reports.append(lint_path(installed[name], seeds=seeds, target=name))
    return reports


def exit_code(reports: Sequence[LintReport]) -> int:
    """2 if a pack does not load, 1 if any error, else 0."""
    if any(not r.loaded for r in reports):
        return EXIT_LOAD
    return EXIT_ERRORS if any(r.errors for r in reports) else EXIT_OK


def render_text(reports: Sequence[LintReport]) -> str:
    """One line per problem, a summary line per pack and, for several packs, a total."""
    lines: list[str] = []
    for report in reports:
        lines.extend(p.line() for p in report.problems)
        lines.append(report.summary())
    if len(reports) > 1:
        errors = sum(r.errors for r in reports)
        warnings = sum(r.warnings for r in reports)
        lines.append(
            f"{_plural(len(reports), 'pack')}: {_plural(errors, 'error')}, "
            f"{_plural(warnings, 'warning')}"
        )
    if not reports:
        lines.append("no packs installed")
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[LintReport]) -> str:
    """``{"packs": [...], "errors": N, "warnings": M}``."""
    data = {
        "packs": [r.to_dict() for r in reports],
        "errors": sum(r.errors for r in reports),
        "warnings": sum(r.warnings for r in reports),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="an installed pack id or a pack folder (default: every installed pack)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="the folder of source documents named by [pack.source] seed "
        "(default: ../shared/seeds if it exists; then the pack folder)",
    )


def _run(args: argparse.Namespace, streams: Streams) -> int:
    seeds = None if args.seeds is None else [args.seeds]
    reports = lint_paths(args.packs, seeds=seeds)
    render = render_json if args.format == "json" else render_text
    streams.stdout.write(render(reports))
    return exit_code(reports)


@hookimpl
def register_commands() -> list[Command]:
    """The ``lint`` command."""
    return [
        Command(
            name="lint",
            help="check packs: citations, quotes, parameters, bands, conditions",
            configure=_configure,
            run=_run,
        )
    ]
