"""Policy packs: what a pack says, read from its folder.

A pack is a folder with a ``pack.toml`` (metadata, the source document, dated parameters,
derived facts, rules, scales, outputs) and optionally a Python ``hooks`` module for what the
declarative form cannot say. :func:`load_pack` reads and checks a folder; the format is
documented in ``docs/reference/pack-format.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine import pack_facts
from policyengine._converter import converter, problems_of
from policyengine.exceptions import PackError
from policyengine.files import NotReadError, read_found
from policyengine.invariants import pack_problems, unreadable_expressions
from policyengine.pack_kinds import FactList, Summary, Table, TableRow, Tally
from policyengine.packhooks import hooks_file, load_hooks
from policyengine.programme import programme_start, standard_year
from policyengine.scope import Pilot, Scope
from policyengine.source import NOT_STATED, Output, SourceDocument, probe_day, source_problems

__all__ = [
    "Aggregate",
    "Band",
    "DatedValue",
    "Deadline",
    "Derived",
    "FactList",
    "Output",
    "Pack",
    "PackInfo",
    "Parameter",
    "Phase",
    "Programme",
    "Rule",
    "Scale",
    "SourceDocument",
    "Summary",
    "Table",
    "TableRow",
    "Tally",
    "load_pack",
]

ParamValue = bool | int | float | str | dict[str, float]


@attrs.frozen
class Programme:
    """A programme of numbered years (e.g. a three-year plan) whose first year is a parameter."""

    start_parameter: str
    years: int


@attrs.frozen
class Applicability:
    """Which subjects the pack applies to; a false condition makes the verdict not_applicable."""

    when: str
    clause: str
    quote: str


@attrs.frozen
class PackInfo:
    """The ``[pack]`` table: identity, region and source."""

    id: str
    version: str
    title: str
    title_en: str
    region: str
    source: SourceDocument
    hooks: str | None = None
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None
    programme: Programme | None = None
    applicability: Applicability | None = None
    scope: Scope | None = None
    pilot: Pilot | None = None
    phase_output: str = "phase"
    """The output key that names the phase of ``as_of`` (when the pack has phases)."""
    notes: tuple[str, ...] = ()


@attrs.frozen
class DatedValue:
    """One value of a parameter, in force from ``since`` (a date) or for programme ``year``.

    A value entry without ``value`` means the document sets nothing from then on.
    """

    since: dt.date | None = None
    year: int | None = None
    value: ParamValue | None = None
    clause: str | None = None
    quote: str | None = None
    note: str | None = None


@attrs.frozen
class Parameter:
    """A number (or text, flag, table) the document states, with its clause and quote."""

    title: str
    clause: str | None = None
    quote: str | None = None
    unit: str | None = None
    value: ParamValue | None = None
    values: tuple[DatedValue, ...] = ()
    source: str | None = None
    """Where the value comes from if not a clause: e.g. ``not stated in the document``."""
    note: str | None = None
    name: str = ""
    title_en: str | None = None

    def value_at(self, as_of: dt.date, programme_year: int | None = None) -> ParamValue | None:
        """The value in force on ``as_of`` (or in ``programme_year``); None if none is."""
        if self.value is not None:
            return self.value
        found: ParamValue | None = None
        for entry in self.values:
            if entry.year is not None:
                if entry.year == programme_year:
                    return entry.value
            elif entry.since is not None and entry.since <= as_of:
                found = entry.value
        return found

    def entry_at(self, as_of: dt.date, programme_year: int | None = None) -> DatedValue | None:
        """The dated entry in force, for its clause and quote."""
        found = None
        for entry in self.values:
            if entry.year is not None and entry.year == programme_year:
                return entry
            if entry.year is None and entry.since is not None and entry.since <= as_of:
                found = entry
        return found


@attrs.frozen
class Derived:
    """A fact the pack computes from other facts before the rules run.

    ``expression`` computes it in the condition language's arithmetic; without one, the
    pack's ``pack_derive_facts`` hook must provide it.
    """

    path: str
    type: Literal["number", "bool", "text"]
    title: str
    expression: str | None = None
    clause: str | None = None
    quote: str | None = None
    count_dates: str | None = None
    """A date-list fact: the derived fact counts its dates in a window (relative_time)."""
    within_years: int | None = None
    within_months: int | None = None
    before: str | None = None
    """The date fact the window ends on (included), or ``as_of`` (the default)."""
    count_events: str | None = None
    """An event-record fact (``type = "events"``): the derived fact counts its events of
    the ``kinds`` listed that fall in the window (relative_time)."""
    kinds: tuple[str, ...] = ()
    """With ``count_events``: the kinds of event counted (empty: every kind)."""
    title_en: str | None = None


@attrs.frozen
class Rule:
    """One requirement of the document, citing its clause and quoting it.

    ``when`` (optional) says to which subjects it applies; ``require`` what must hold.
    ``kind = "hook"`` rules are decided by the pack's ``pack_evaluate_rule`` hook and
    declare the facts they read in ``reads``; ``kind = "table"`` rules by a ``[[tables]]``
    entry, ``kind = "summary"`` rules repeat a ``[[summaries]]`` output. Non-binding rules
    (``binding = false``: "原则上", "力争", referenced national figures) give ``advisory``
    instead of ``fail`` and never change the verdict.
    """

    id: str
    title: str
    clause: str
    quote: str
    responsible: tuple[str, ...] = ()
    binding: bool = True
    when: str | None = None
    require: str | None = None
    kind: Literal["condition", "hook", "table", "summary"] = "condition"
    reads: tuple[str, ...] = ()
    table: str | None = None
    """``kind = "table"``: the id of the ``[[tables]]`` entry that decides the rule."""
    summary: str | None = None
    """``kind = "summary"``: the output of the ``[[summaries]]`` entry the rule repeats."""
    subject: Literal["community", "jurisdiction"] = "community"
    title_en: str | None = None
    area: str | None = None
    """A group the rule belongs to (e.g. one of a document's task areas)."""
    note: str | None = None
    due: dt.date | None = None
    due_end_of_year: bool = False
    """A target for the end of a period: due on ``due``, or 12-31 of the year (年终, 年内)."""
    due_end_of_programme: bool = False
    """A target for the end of the pack's programme (``[pack.programme]``, "运用三年时间"):
    due 12-31 of its last year, counted from the start year in force (an override of the
    start year moves it, as a date written in ``due`` could not)."""
    due_programme_year: int | None = None
    """A target for the end of one programme year (Chifeng's 100 % coverage, "年终前" in the
    year-1 paragraph, kept in later years): due 12-31 of that year in every year, counted
    from the start year in force."""


@attrs.frozen
class Band:
    """One band of a scale: reached when the scale's input is at least ``min``."""

    value: int | float | str
    min: str | int | float
    label: str | None = None
    clause: str | None = None
    quote: str | None = None


@attrs.frozen
class Scale:
    """Bands over one input (e.g. stars by total score); the highest band reached wins.

    ``binding``: whether the finding counts in the verdict (unknown input: incomplete).
    ``lowest_band_required``: whether a subject below the lowest band fails (the band is a
    requirement) or is advisory (a rating: no band is an outcome, not a failure).
    """

    id: str
    title: str
    clause: str
    quote: str
    input: str
    output: str
    bands: tuple[Band, ...]
    below: int | float | str | None = 0
    when: str | None = None
    binding: bool = True
    lowest_band_required: bool = True
    responsible: tuple[str, ...] = ()
    title_en: str | None = None


@attrs.frozen
class Phase:
    """A dated stage of the programme (inclusive dates); the pack outputs the current one."""

    id: str
    title: str
    start: dt.date
    end: dt.date
    clause: str
    quote: str
    title_en: str | None = None


@attrs.frozen
class Deadline:
    """A date by which something must be done, decided as due, overdue, met or met late.

    ``kind``: ``once`` (by ``due``), ``monthly`` (by ``day`` of each month from ``start`` to
    ``end``) or ``yearly`` (by ``month``/``day`` of each year, default 12-31).
    ``evidence``: a date-list fact (when it was done), for ``yearly`` an int fact (the last
    year it was done), or a condition (done or not, lateness unknowable).
    """

    id: str
    title: str
    clause: str
    quote: str
    kind: Literal["once", "monthly", "yearly"]
    evidence: str
    responsible: tuple[str, ...] = ()
    binding: bool = True
    due: dt.date | None = None
    day: int | None = None
    month: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    when: str | None = None
    subject: Literal["community", "jurisdiction"] = "community"
    output: str | None = None
    """An output key receiving the next date by which the act is due (ISO text, or null)."""
    title_en: str | None = None
    area: str | None = None
    note: str | None = None
    after: str | None = None
    """``once`` only, instead of ``due``: a date fact the deadline runs from (relative_time)."""
    years: int | None = None
    months: int | None = None


@attrs.frozen
class Aggregate:
    """A jurisdiction fact computed over its communities (its whole subtree).

    ``measure = "share"``: the share of communities that meet ``rule`` (a community rule
    id: its outcome is pass), ``output`` (a community output that is true) or
    ``condition`` (a community condition that holds), over the communities whose answer is
    known; communities where it does not apply are left out, unknown ones are counted and
    reported. ``measure = "count"``: how many meet it.
    """

    path: str
    title: str
    measure: Literal["share", "count"]
    rule: str | None = None
    output: str | None = None
    condition: str | None = None
    min: float | None = None
    """With ``output``: met when the output is at least this number (else: when true)."""
    result_output: str | None = None
    """A jurisdiction output key receiving the value."""
    clause: str | None = None
    quote: str | None = None
    title_en: str | None = None


@attrs.frozen
class _PackFile:
    pack: PackInfo
    parameters: dict[str, Parameter] = attrs.Factory(dict)
    derived: tuple[Derived, ...] = ()
    rules: tuple[Rule, ...] = ()
    scales: tuple[Scale, ...] = ()
    phases: tuple[Phase, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    outputs: dict[str, str | Output] = attrs.Factory(dict)
    facts: dict[str, pack_facts.PackFact] = attrs.Factory(dict)
    tables: tuple[Table, ...] = ()
    summaries: tuple[Summary, ...] = ()
    tallies: tuple[Tally, ...] = ()
    fact_lists: tuple[FactList, ...] = ()


@attrs.frozen(eq=False)
class Pack:
    """A loaded pack: what its ``pack.toml`` says, where it is, and its content digest."""

    info: PackInfo
    parameters: Mapping[str, Parameter]
    derived: tuple[Derived, ...]
    rules: tuple[Rule, ...]
    scales: tuple[Scale, ...]
    outputs: Mapping[str, str]
    path: Path
    digest: str
    hooks: types.ModuleType | None = None
    phases: tuple[Phase, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    facts: Mapping[str, pack_facts.PackFact] = attrs.field(factory=dict)
    """The pack's own facts, by path under its namespace (:mod:`policyengine.pack_facts`)."""
    cited_outputs: Mapping[str, Output] = attrs.field(factory=dict)
    """Outputs given as tables (title, clause, quote); their expressions are in ``outputs``."""
    tables: tuple[Table, ...] = ()
    summaries: tuple[Summary, ...] = ()
    tallies: tuple[Tally, ...] = ()
    fact_lists: tuple[FactList, ...] = ()

    @property
    def id(self) -> str:
        """The pack id, e.g. ``wuma-star-rating``."""
        return self.info.id

    @property
    def version(self) -> str:
        """The pack version, e.g. ``2013.1``."""
        return self.info.version

    def rule(self, rule_id: str) -> Rule:
        """The rule with that id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def programme_year(
        self, as_of: dt.date, overrides: Mapping[str, Any] | None = None
    ) -> int | None:
        """The programme year (1, 2, …) of ``as_of``; None outside the programme."""
        prog = self.info.programme
        if prog is None:
            return None
        start = (overrides or {}).get(prog.start_parameter)
        if start is None:
            start = self.parameters[prog.start_parameter].value_at(as_of)
        if not isinstance(start, int) or isinstance(start, bool):
            return None
        year = as_of.year - start + 1
        return year if 1 <= year <= prog.years else None

    def parameters_at(
        self, as_of: dt.date, overrides: Mapping[str, Any] | None = None
    ) -> dict[str, ParamValue | None]:
        """Every parameter's value on ``as_of``, with ``overrides`` applied.

        Computed on each call; the engine keeps one mapping per date in the pack's plan
        (:meth:`policyengine.plan.Plan.parameters_at`).
        """
        return self._parameters_at(as_of, overrides or {})

    def _parameters_at(
        self, as_of: dt.date, overrides: Mapping[str, Any]
    ) -> dict[str, ParamValue | None]:
        year = standard_year(self.info.programme, self.parameters, as_of, overrides)
        values: dict[str, ParamValue | None] = {}
        for name, param in self.parameters.items():
            values[name] = overrides[name] if name in overrides else param.value_at(as_of, year)
        return values

    def phase_at(self, as_of: dt.date) -> str | None:
        """The id of the phase containing ``as_of``: ``before`` the first, ``ended`` after
        the last, the earlier phase where two overlap or in a gap; None without phases."""
        if not self.phases:
            return None
        ordered = sorted(self.phases, key=lambda p: p.start)
        if as_of < ordered[0].start:
            return "before"
        if as_of > max(p.end for p in ordered):
            return "ended"
        containing = [p for p in ordered if p.start <= as_of <= p.end]
        if containing:
            return containing[0].id
        return [p for p in ordered if p.start <= as_of][-1].id

    def in_force(self, as_of: dt.date, overrides: Mapping[str, Any] | None = None) -> bool:
        """Whether the document is in force on ``as_of`` (a programme: from its first year)."""
        start, end = self.info.effective_from, self.info.effective_until
        first = programme_start(self.info.programme, self.parameters, overrides) or as_of.year
        dated = (start is None or start <= as_of) and (end is None or as_of <= end)
        return dated and as_of.year >= first


_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def _digest(folder: Path, toml: bytes, hooks: str | None) -> str:
    """SHA-256 over what decides results: ``pack.toml`` (its bytes as read) and the hooks
    file, by name; the hooks file read as a file of the pack's folder
    (:func:`policyengine.files.read_found`: inside it, regular, bounded).

    Test cases, READMEs and packaging files do not change a pack's digest.
    """
    h = hashlib.sha256()
    h.update(b"pack.toml\0" + toml + b"\0")
    if hooks:
        file = folder / hooks
        if file.is_file():
            try:
                data = read_found(file, folder)
            except NotReadError as exc:
                raise PackError(f"{folder / 'pack.toml'}: pack.hooks: {exc}") from None
            h.update(hooks.encode() + b"\0" + data + b"\0")
    return f"sha256:{h.hexdigest()}"


def find_pack_folder(path: Path) -> Path:
    """The folder holding ``pack.toml``: ``path`` itself, or the one package inside it."""
    if path.is_file() and path.name == "pack.toml":
        return path.parent
    if os.path.lexists(path / "pack.toml"):  # read as a file of the folder, or refused
        return path
    found = sorted(p.parent for p in path.glob("*/pack.toml")) if path.is_dir() else []
    if len(found) == 1:
        return found[0]
    if not path.exists():
        raise PackError(f"{path}: no such folder")
    raise PackError(f"{path}: no pack.toml in this folder or in exactly one folder inside it")


def _load_hooks(folder: Path, info: PackInfo, digest: str) -> types.ModuleType | None:
    if info.hooks is None:
        return None
    return load_hooks(folder, info.hooks, info.id, digest)


def load_pack(path: str | Path, *, check_invariants: bool = True) -> Pack:
    """Read a pack folder (or its ``pack.toml``) and check its structure.

    Raises :class:`PackError` naming the file and the field path of every problem,
    including what the engine relies on (:mod:`policyengine.invariants`: dated values in
    date order, one type per parameter, band thresholds rising with the band value);
    ``check_invariants=False`` leaves those to the caller (``policyengine lint`` reports
    them under its own checks). The rules themselves are compiled and checked on first
    evaluation, or by :func:`policyengine.engine.compile_pack`.
    """
    if not isinstance(path, str | Path):
        raise PackError(f"{path!r} is not a pack folder (give a path)")
    try:
        folder = find_pack_folder(Path(path))
    except ValueError:  # a NUL or an unpaired surrogate in the name
        raise PackError(f"{path!r} is not a pack folder name") from None
    file = folder / "pack.toml"
    try:  # a file of the folder: inside it, regular, at most 64 MiB
        toml = read_found(file, folder)
    except NotReadError as exc:
        raise PackError(str(exc)) from None
    try:
        data = tomllib.loads(toml.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PackError(f"{file}: cannot read the file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{file}: not valid TOML: {exc}") from None
    except RecursionError:
        raise PackError(f"{file}: not valid TOML: tables and lists nest too deeply") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise PackError(f"{file}: not valid TOML: a number has more than 4,300 digits") from None
    try:
        raw = converter.structure(data, _PackFile)
    except Exception as exc:  # cattrs groups
        lines = [f"{file}: {p}" for p in problems_of(exc, "")]
        raise PackError("\n".join(lines)) from None
    problems = _check(raw) + _check_declared(raw)
    if check_invariants and not problems:
        years = raw.pack.programme.years if raw.pack.programme else None
        day = probe_day(raw.pack.source, raw.pack.effective_from)
        problems = pack_problems(raw.parameters, raw.scales, day, years)
    if problems:
        raise PackError("\n".join(f"{file}: {p}" for p in problems))
    if raw.pack.hooks is not None:
        hooks_file(folder, raw.pack.hooks)  # inside the pack, before it is read
    digest = _digest(folder, toml, raw.pack.hooks)
    params = {name: attrs.evolve(p, name=name) for name, p in raw.parameters.items()}
    pack = Pack(
        info=raw.pack,
        parameters=params,
        derived=raw.derived,
        rules=raw.rules,
        scales=raw.scales,
        outputs={k: v if isinstance(v, str) else v.expression for k, v in raw.outputs.items()},
        cited_outputs={k: v for k, v in raw.outputs.items() if isinstance(v, Output)},
        path=folder,
        digest=digest,
        hooks=_load_hooks(folder, raw.pack, digest),
        phases=raw.phases,
        deadlines=raw.deadlines,
        aggregates=raw.aggregates,
        facts=raw.facts,
        tables=raw.tables,
        summaries=raw.summaries,
        tallies=raw.tallies,
        fact_lists=raw.fact_lists,
    )
    pack_facts.register(pack.id, pack.facts)
    return pack


def _check(raw: _PackFile) -> list[str]:
    """Structural checks a type cannot express (ids, duplicates, value entries)."""
    problems: list[str] = []
    info = raw.pack
    problems.extend(source_problems(info.source, raw.derived, raw.deadlines))
    problems.extend(pack_facts.check_declarations(info.id, raw.facts))
    if not _ID.match(info.id):
        problems.append(f"pack.id: {info.id!r} must be lower-case letters, digits and dashes")
    seen: set[str] = set()
    for i, rule in enumerate(raw.rules):
        where = f"rules[{i}]"
        if not _RULE_ID.match(rule.id):
            problems.append(f"{where}.id: {rule.id!r} must be lower-case letters, digits, . - _")
        if rule.id in seen:
            problems.append(f"{where}.id: {rule.id!r} is used twice")
        seen.add(rule.id)
        if rule.kind == "condition" and rule.require is None:
            problems.append(f"{where}.require: a condition rule needs a require condition")
        if rule.kind == "hook" and rule.require is not None:
            problems.append(f"{where}.require: a hook rule is decided by the pack's hook")
        if not rule.clause.strip() or not rule.quote.strip():
            problems.append(f"{where}: every rule cites its clause and quotes the document")
        year = rule.due_programme_year
        programme_due = rule.due_end_of_programme or year is not None
        if programme_due and info.programme is None:
            problems.append(f"{where}: a programme due date needs [pack.programme]")
        if year is not None and info.programme and not 1 <= year <= info.programme.years:
            problems.append(f"{where}.due_programme_year: {year} is not a programme year")
        dues = (
            rule.due is not None,
            rule.due_end_of_year,
            rule.due_end_of_programme,
            year is not None,
        )
        if sum(dues) > 1:
            problems.append(
                f"{where}: give one of due, due_end_of_year, due_end_of_programme and "
                "due_programme_year"
            )
    for i, scale in enumerate(raw.scales):
        if scale.id in seen:
            problems.append(f"scales[{i}].id: {scale.id!r} is used twice")
        seen.add(scale.id)
        if not scale.bands:
            problems.append(f"scales[{i}].bands: a scale needs at least one band")
    for i, phase in enumerate(raw.phases):
        if phase.end < phase.start:
            problems.append(f"phases[{i}]: ends ({phase.end}) before it starts ({phase.start})")
        if phase.id in ("before", "ended"):
            problems.append(f"phases[{i}].id: {phase.id!r} is reserved")
    for i, dl in enumerate(raw.deadlines):
        where = f"deadlines[{i}]"
        if dl.id in seen:
            problems.append(f"{where}.id: {dl.id!r} is used twice")
        seen.add(dl.id)
        if dl.kind == "once" and dl.due is None and dl.after is None:
            problems.append(f"{where}.due: a once deadline needs its due date")
        if dl.kind == "monthly" and (dl.day is None or dl.start is None or dl.end is None):
            problems.append(f"{where}: a monthly deadline needs day, start and end")
        if dl.day is not None and not 1 <= dl.day <= 31:
            problems.append(f"{where}.day: {dl.day} is not a day of the month")
        if dl.month is not None and not 1 <= dl.month <= 12:
            problems.append(f"{where}.month: {dl.month} is not a month")
    for i, agg in enumerate(raw.aggregates):
        where = f"aggregates[{i}]"
        if sum(x is not None for x in (agg.rule, agg.output, agg.condition)) != 1:
            problems.append(f"{where}: give exactly one of rule, output or condition")
        if not agg.path.startswith("communities."):
            problems.append(f"{where}.path: {agg.path!r} must start with 'communities.'")
        if agg.rule is not None and agg.rule not in seen:
            problems.append(f"{where}.rule: {agg.rule!r} is not a rule of the pack")
    for name, param in raw.parameters.items():
        where = f"parameters.{name}"
        if param.value is not None and param.values:
            problems.append(f"{where}: give either value or values, not both")
        for j, entry in enumerate(param.values):
            if (entry.since is None) == (entry.year is None):
                problems.append(f"{where}.values[{j}]: give exactly one of since (a date) or year")
            if entry.year is not None and info.programme is None:
                problems.append(f"{where}.values[{j}].year: the pack declares no [pack.programme]")
        if param.value is None and not param.values and param.source is None:
            problems.append(f"{where}: no value; say why in source (e.g. {NOT_STATED!r})")
        has_citation = param.clause is not None or all(e.clause for e in param.values)
        if param.source is None and not has_citation:
            problems.append(f"{where}: cite the clause the value comes from (clause/quote)")
    problems.extend(unreadable_expressions(raw))
    if info.programme is not None and info.programme.start_parameter not in raw.parameters:
        problems.append(
            f"pack.programme.start_parameter: {info.programme.start_parameter!r} is not a parameter"
        )
    return problems


def _check_declared(raw: _PackFile) -> list[str]:
    """Checks of the rule kinds that replace hooks: tables, summaries, tallies, fact lists."""
    problems: list[str] = []
    tables = {t.id for t in raw.tables}
    summaries = {s.output for s in raw.summaries}
    for i, rule in enumerate(raw.rules):
        where = f"rules[{i}]"
        if rule.kind == "table" and rule.table not in tables:
            problems.append(f"{where}.table: {rule.table!r} is not the id of a [[tables]] entry")
        if rule.kind == "summary" and rule.summary not in summaries:
            problems.append(f"{where}.summary: {rule.summary!r} is not a [[summaries]] output")
        if rule.kind in ("table", "summary") and rule.require is not None:
            problems.append(f"{where}.require: a {rule.kind} rule is decided by its {rule.kind}")
    for i, table in enumerate(raw.tables):
        where = f"tables[{i}]"
        levels = [row.level for row in table.rows]
        if levels != list(range(1, len(levels) + 1)):
            problems.append(f"{where}.rows: give one row per level 1, 2, … in order")
        for j, row in enumerate(table.rows):
            for name in (row.first, row.step, row.payers):
                if name is not None and name not in raw.parameters:
                    problems.append(f"{where}.rows[{j}]: {name!r} is not a parameter")
    return problems
