"""What every lint check shares: problems and reports, the pack's view (parsed
expressions, fact bounds, parameter states), and the registry of checks."""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine import expressions as ex
from policyengine import invariants
from policyengine.facts import FactType, fact_catalogue
from policyengine.files import ODD_NAME, NotReadError, named, read_found
from policyengine.limits import MAX_INCLUDE_FILES
from policyengine.pack import Pack
from policyengine.source import probe_day

Severity = Literal["error", "warning"]
Level = Literal["community", "jurisdiction"]

ADVISORY_WORDS = ("原则上", "力争")
PLACEHOLDER = "TODO"
INF = math.inf


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
        text = f"{name}: {plural(self.errors, 'error')}, {plural(self.warnings, 'warning')}"
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


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------ the pack's view


def rule_item(i: int, rule_id: str, kind: str = "rules") -> str:
    return f"{kind}[{i}] ({rule_id})"


@attrs.frozen
class _Fact:
    """What lint knows of a fact path: its type, bounds and (derived) expression."""

    kind: str
    lo: float = -INF
    hi: float = INF
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
                    yield f"{rule_item(i, rule.id)}.{name}", text, rule.subject
        for i, scale in enumerate(pack.scales):
            if scale.when is not None:
                yield f"{rule_item(i, scale.id, 'scales')}.when", scale.when, "community"
        for i, dl in enumerate(pack.deadlines):
            if dl.when is not None:
                yield f"{rule_item(i, dl.id, 'deadlines')}.when", dl.when, dl.subject
        if pack.info.applicability is not None:
            yield "pack.applicability.when", pack.info.applicability.when, "community"
        for i, agg in enumerate(pack.aggregates):  # a condition over each community
            if agg.condition is not None:
                item = f"{rule_item(i, agg.path, 'aggregates')}.condition"
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
        yield from (sm.when for sm in pack.summaries if sm.when is not None)

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
            return -INF, INF
        if isinstance(expr, ex.Field):
            info = self.fact(expr.path, level)
            if info is None:
                return -INF, INF
            if info.expression is not None and depth < 16:
                lo, hi = self.bounds(info.expression, level, depth + 1)
                return max(lo, info.lo), min(hi, info.hi)
            return info.lo, info.hi
        if isinstance(expr, ex.Count):
            return 0.0, INF
        if isinstance(expr, ex.Param):
            values = [v for v in self.param_values(expr.name) if is_number(v)]
            return (float(min(values)), float(max(values))) if values else (-INF, INF)
        if isinstance(expr, ex.Arith):
            a = self.bounds(expr.left, level, depth)
            b = self.bounds(expr.right, level, depth)
            return _interval(expr.op, a, b, expr.right)
        return -INF, INF

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
        prog = self.pack.info.programme
        return invariants.probes(
            self.pack.parameters,
            probe_day(self.pack.info.source, self.pack.info.effective_from),
            prog.years if prog else None,
        )

    # -- files

    def _seed_found(self) -> tuple[str, Path, Path] | None:
        """Where the source document's text is, if the pack names one that is there: its
        key, the file and the folder it is read in (never outside it). ``[pack.source]
        text`` (a file shipped in the pack), else ``seed`` in the ``--seeds`` folders or
        the pack folder. Their names are relative, without ``..``
        (:func:`policyengine.source.source_problems`)."""
        src = self.pack.info.source
        if src.text and os.path.lexists(self.pack.path / src.text):
            return "pack.source.text", self.pack.path / src.text, self.pack.path
        if src.seed:
            for folder in (*self.seeds, self.pack.path):
                if os.path.lexists(folder / src.seed):
                    return "pack.source.seed", folder / src.seed, folder
        return None

    @cached_property
    def seed(self) -> tuple[Path, str] | None:
        """The source document's text file and its text (bad UTF-8 replaced), read as a
        file of its folder (:func:`policyengine.files.read_found`: inside it once links are
        followed, a regular file, at most 64 MiB); None when the pack names none that is
        there. :class:`~policyengine.files.NotReadError` when it is there but not read."""
        found = self._seed_found()
        if found is None:
            return None
        _, file, folder = found
        return file, read_found(file, folder).decode("utf-8", errors="replace")

    def seed_file(self) -> Path | None:
        """The source document's text file, if the pack names one and it can be read
        (:attr:`seed`)."""
        try:
            seed = self.seed
        except NotReadError:
            return None
        return None if seed is None else seed[0]

    @cached_property
    def _python(self) -> tuple[str, tuple[str, ...]]:
        """The text of the pack folder's Python files, and why each one not read is not."""
        texts: list[str] = []
        unread: list[str] = []
        found = list(itertools.islice(self.pack.path.rglob("*.py"), MAX_INCLUDE_FILES + 1))
        if len(found) > MAX_INCLUDE_FILES:
            return "", (
                f"{self.pack.path}: more than {MAX_INCLUDE_FILES:,} Python files (*.py): "
                "none is read",
            )
        for file in sorted(found):
            if not str(file).isprintable():
                unread.append(f"{named(file)}: {ODD_NAME}")
                continue
            try:
                texts.append(read_found(file, self.pack.path).decode("utf-8"))
            except NotReadError as exc:
                unread.append(str(exc))
            except UnicodeDecodeError:
                continue  # not Python the hooks import: nothing to look for in it
        return "\n".join(texts), tuple(unread)

    @property
    def python_text(self) -> str:
        """The source text of every Python file in the pack folder (the hooks module)."""
        return self._python[0]

    def unread_files(self) -> list[tuple[str, str]]:
        """The pack's files lint reads that are not read, as ``(item, message)``: the
        source document's text (item: its key) and the Python files of the pack's folder
        (a link leading outside the folder, a link loop, a FIFO, a device, a folder, a file
        of more than 64 MiB, a name with a line break); each message names the file."""
        unread: list[tuple[str, str]] = []
        try:
            self.seed  # noqa: B018 (read now, to say why not)
        except NotReadError as exc:
            found = self._seed_found()
            unread.append((found[0] if found else "pack.source", str(exc)))
        unread.extend(("", message) for message in self._python[1])
        return unread


def _from_type(ft: FactType) -> _Fact:
    lo, hi = -INF, INF
    if ft.range is not None:
        lo = -INF if ft.range.min is None else float(ft.range.min)
        hi = INF if ft.range.max is None else float(ft.range.max)
    return _Fact(ft.kind, lo, hi, ft.choices)


def is_number(value: Any) -> bool:
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
    if isinstance(right, ex.Const) and is_number(right.value) and right.value:
        k = float(right.value)
        return min(a[0] / k, a[1] / k), max(a[0] / k, a[1] / k)
    return -INF, INF


# ------------------------------------------------------------------------ the checks

CheckFunction = Callable[[PackLint], Iterable[Issue]]
CHECKS: dict[str, CheckFunction] = {}
"""Every check by name, in the order they run (after ``load`` and ``compile``)."""

ORDER = (
    *("source", "citation", "placeholder", "quote-in-source"),
    *("parameter-value", "dated-values", "unused-parameter"),
    *("band-overlap", "band-gap", "unreachable-band"),
    "never-holds",
    *("advisory-wording", "unique-names", "hooks", "phases", "deadline-dates", "distribution"),
)
"""The order the checks run in, whatever the order their modules are imported in (the
table of :mod:`policyengine.authoring.lint`); a check not listed runs after these."""


def register_check(name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Decorator: add a check to :data:`CHECKS` under ``name``, in :data:`ORDER`."""

    def register(fn: CheckFunction) -> CheckFunction:
        CHECKS[name] = fn
        ranked = sorted(CHECKS.items(), key=lambda kv: _rank(kv[0]))
        CHECKS.clear()
        CHECKS.update(ranked)
        return fn

    return register


def _rank(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


def error(item: str, message: str) -> Issue:
    """An error at ``item``."""
    return Issue(item, "error", message)


def warning(item: str, message: str) -> Issue:
    """A warning at ``item``."""
    return Issue(item, "warning", message)


def blank(text: str | None) -> bool:
    """Whether a text is missing or only whitespace."""
    return text is None or not text.strip()
