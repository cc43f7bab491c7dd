"""The mutants of a pack: the pack with one planted mistake each, held in memory.

Mutants are generated from the loaded :class:`~policyengine.pack.Pack` by walking its
attrs structure, so new kinds of items are mutated by the names of their fields:
conditions (``when``, ``require``, ``condition``, ``evidence``, ``expression``, ``input``,
outputs, a band's ``min``), numbers (``value``, ``min``, ``below``, ``day``, ``month``,
``years``), dates (any), ``binding``, a target's due flags (``due_end_of_year``,
``due_end_of_programme``, dropped where set), and the lists ``bands`` and a parameter's
``values``. :mod:`policyengine.authoring.mutate` runs a pack's cases against them.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine import expressions as ex
from policyengine.pack import Deadline, Pack

__all__ = ["Mutant", "mutants"]

CONDITION_FIELDS = frozenset({"when", "require", "condition", "evidence", "expression", "input"})
"""Text fields holding a condition or an arithmetic expression."""
REMOVABLE_FIELDS = frozenset({"when"})
"""Optional conditions a mutant may leave out altogether."""
NUMBER_FIELDS = frozenset(
    {"value", "min", "below", "day", "month", "years", "months", "within_years", "within_months"}
)
"""Numeric fields moved by one unit either way."""
LIST_FIELDS = frozenset({"bands", "values", "kinds"})
"""Lists a mutant drops one member of."""
SKIPPED_FIELDS = frozenset(
    {"cache", "hooks", "path", "digest", "id", "title", "title_en", "clause", "quote", "note"}
    | {"source", "notes", "responsible", "reads", "label", "region", "version"}
)
"""Fields no mutant touches: identity, citations, the pack's place."""


PathPart = tuple[Literal["attr", "index", "key"], Any]


@attrs.frozen(kw_only=True)
class Mutant:
    """The pack with one planted change."""

    number: int
    where: str
    """The item it touches, in the pack's words: ``rule eligibility.no-veto require``."""
    change: str
    """``count(happiness.vetoes) == 0 → count(happiness.vetoes) != 0``."""
    clause: str | None
    """The clause of the item it touches."""
    operator: str
    """What kind of change: ``comparison``, ``threshold``, ``date``, ``list member``,
    ``condition removed``, ``binding``, ``arithmetic``."""
    pack: Pack = attrs.field(eq=False, repr=False)

    @property
    def target(self) -> tuple[str, str]:
        """The kind and id of the item it touches: ``("rule", "eligibility.no-veto")``."""
        words = self.where.split(" ")
        if self.where.startswith("derived fact ") and len(words) > 2:
            return "derived", words[2]
        return words[0], words[1] if len(words) > 1 else ""

    def text(self) -> str:
        """One line: where, the clause, what changed."""
        clause = f" [{self.clause}]" if self.clause else ""
        return f"#{self.number} {self.where}{clause}: {self.change}"


# ----------------------------------------------------------------- walking the pack


@attrs.frozen
class _Site:
    path: tuple[PathPart, ...]
    name: str
    """The field (or mapping) name the value sits under."""
    value: Any
    owner: Any
    """The nearest enclosing item with a clause (rule, scale, parameter, band…)."""
    top: str
    """The top-level collection: ``rules``, ``parameters``, ``info``…"""


def _children(obj: Any) -> Iterator[tuple[PathPart, str, Any]]:
    if attrs.has(type(obj)):
        for field in attrs.fields(type(obj)):
            if field.name not in SKIPPED_FIELDS:
                yield ("attr", field.name), field.name, getattr(obj, field.name)
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield ("key", key), str(key), value


def _walk(obj: Any, path: tuple[PathPart, ...], name: str, owner: Any, top: str) -> Iterator[_Site]:
    if attrs.has(type(obj)) and getattr(obj, "clause", None):
        owner = obj
    yield _Site(path, name, obj, owner, top)
    if isinstance(obj, tuple):
        for i, item in enumerate(obj):
            yield from _walk(item, (*path, ("index", i)), name, owner, top)
        return
    for part, child_name, child in _children(obj):
        # a mapping's values (a parameter table, outputs) keep the mapping's field name
        if isinstance(obj, Mapping) and name in ("value", "outputs"):
            child_name = name
        yield from _walk(child, (*path, part), child_name, owner, top or child_name)


def _replace(obj: Any, path: Sequence[PathPart], value: Any) -> Any:
    if not path:
        return value
    (kind, key), rest = path[0], path[1:]
    if kind == "attr":
        return attrs.evolve(obj, **{key: _replace(getattr(obj, key), rest, value)})
    if kind == "index":
        items = list(obj)
        items[key] = _replace(items[key], rest, value)
        return tuple(items)
    copy = dict(obj)
    copy[key] = _replace(copy[key], rest, value)
    return copy


def _remove(obj: Any, path: Sequence[PathPart]) -> Any:
    """``obj`` without the list member or mapping key at ``path``."""
    (kind, key), rest = path[-1], path[:-1]
    container = _get(obj, rest)
    if kind == "index":
        shorter: Any = tuple(x for i, x in enumerate(container) if i != key)
    else:
        shorter = {k: v for k, v in container.items() if k != key}
    return _replace(obj, rest, shorter)


def _get(obj: Any, path: Sequence[PathPart]) -> Any:
    for kind, key in path:
        obj = getattr(obj, key) if kind == "attr" else obj[key]
    return obj


# ------------------------------------------------------------------ what is planted


def _steps(value: int | float) -> list[int | float]:
    """One unit either way: 1 for whole numbers, else one unit of the last decimal."""
    if isinstance(value, int):
        return [value - 1, value + 1]
    if value.is_integer():
        return [value - 1.0, value + 1.0]
    decimals = len(repr(value).split(".")[1]) if "." in repr(value) else 6
    unit = 10.0**-decimals
    return [round(value - unit, decimals), round(value + unit, decimals)]


_OPS: dict[str, Literal["<", "<=", "==", "!=", ">=", ">"]] = {
    ">=": ">",
    ">": ">=",
    "<=": "<",
    "<": "<=",
    "==": "!=",
    "!=": "==",
}
"""Each comparison and the one a mistake turns it into (以上 read as 超过, and back)."""
_ARITH_SWAP: dict[str, Literal["+", "-"]] = {"+": "-", "-": "+"}


def _expr_mutants(e: ex.Expr) -> Iterator[tuple[ex.Expr, str]]:
    """Each expression with one change, and the kind of change."""
    if isinstance(e, ex.Compare):
        yield attrs.evolve(e, op=_OPS[e.op]), "comparison"
    if (
        isinstance(e, ex.Const)
        and isinstance(e.value, int | float)
        and not isinstance(e.value, bool)
    ):
        for step in _steps(e.value):
            yield ex.Const(step), "threshold"
    if isinstance(e, ex.And | ex.Or):
        for i in range(len(e.items)):
            rest = e.items[:i] + e.items[i + 1 :]
            yield (rest[0] if len(rest) == 1 else type(e)(rest)), "condition removed"
    if isinstance(e, ex.Not):
        yield e.item, "condition removed"
    if isinstance(e, ex.Arith) and e.op in _ARITH_SWAP:
        yield attrs.evolve(e, op=_ARITH_SWAP[e.op]), "arithmetic"
    # the same changes inside each child
    if isinstance(e, ex.Compare | ex.Arith):
        for left, kind in _expr_mutants(e.left):
            yield attrs.evolve(e, left=left), kind
        for right, kind in _expr_mutants(e.right):
            yield attrs.evolve(e, right=right), kind
    elif isinstance(e, ex.And | ex.Or):
        for i, item in enumerate(e.items):
            for new, kind in _expr_mutants(item):
                yield type(e)((*e.items[:i], new, *e.items[i + 1 :])), kind
    elif isinstance(e, ex.Not):
        for new, kind in _expr_mutants(e.item):
            yield ex.Not(new), kind


def _condition_mutants(text: str) -> Iterator[tuple[str, str]]:
    try:
        parsed = ex.parse(text)
    except ex.ExpressionError:
        return
    seen = {ex.render(parsed)}
    for new, kind in _expr_mutants(parsed):
        rendered = ex.render(new)
        if rendered not in seen:
            seen.add(rendered)
            yield rendered, kind


_KINDS = {
    "rules": "rule",
    "scales": "scale",
    "deadlines": "deadline",
    "phases": "phase",
    "aggregates": "aggregate",
    "derived": "derived fact",
    "parameters": "parameter",
    "outputs": "output",
    "info": "pack",
}


_FLAGS = frozenset({"binding", "lowest_band_required"})
_DUE_FLAGS = frozenset({"due_end_of_year", "due_end_of_programme"})
"""A target dated by the end of a period: its mutant has no due date (only where it has one:
every rule has the flag, and giving a date to all the others is no mistake a case names)."""
"""Yes/no fields a mutant flips."""

_NOT_DATA = frozenset({"path", "digest", "hooks", "cache", "facts", "cited_outputs"})
"""Fields of a pack that are not rules' data: where it is, its own facts' declarations."""


def _item_id(item: Any, index: int) -> str:
    for name in ("id", "path", "output", "name"):
        found = getattr(item, name, None)
        if isinstance(found, str):
            return found
    return str(index)


def _where(top: str, path: tuple[PathPart, ...], ids: Mapping[str, list[str]]) -> str:
    """``rule eligibility.no-veto require``, ``parameter x values[0].since``, ``pack …``."""
    rest = path
    words = [_KINDS.get(top, top.rstrip("s").replace("_", " "))]
    if top != "info" and path:
        kind, key = path[0]
        words.append(ids[top][key] if kind == "index" else str(key))
        rest = path[1:]
    field = "".join(f".{k}" if kind == "attr" else f"[{k}]" for kind, k in rest).lstrip(".")
    return " ".join([*words, field]).strip()


def _show(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, default=str)


@attrs.frozen
class _Plan:
    where: str
    change: str
    clause: str | None
    operator: str
    make: Callable[[Pack], Pack]


def _plans(pack: Pack) -> Iterator[_Plan]:
    # every item of the pack's data, new kinds of items included (tables, tallies, …)
    roots: dict[str, Any] = {
        f.name: getattr(pack, f.name)
        for f in attrs.fields(Pack)
        if f.name not in _NOT_DATA and getattr(pack, f.name) is not None
    }
    ids = {
        top: [_item_id(item, i) for i, item in enumerate(root)]
        for top, root in roots.items()
        if isinstance(root, tuple)
    }

    def setter(top: str, path: tuple[PathPart, ...], value: Any) -> Callable[[Pack], Pack]:
        def make(p: Pack) -> Pack:
            return attrs.evolve(p, **{top: _replace(roots[top], path, value)})

        return make

    def remover(top: str, path: tuple[PathPart, ...]) -> Callable[[Pack], Pack]:
        def make(p: Pack) -> Pack:
            return attrs.evolve(p, **{top: _remove(roots[top], path)})

        return make

    read = _parameters_read(pack)
    joints = _phase_joints(pack)
    yield from _joint_plans(pack, joints)
    for top, root in roots.items():
        for site in _walk(root, (), top, None, ""):
            if not site.path:
                continue
            label = _where(top, site.path, ids)
            clause = getattr(site.owner, "clause", None)
            value = site.value
            if site.name == "lowest_band_required" and not getattr(site.owner, "binding", True):
                continue  # a scale that is not binding is advisory below its bands either way
            if site.name == "due_programme_year" and isinstance(value, int):
                yield _Plan(
                    label,
                    f"{site.name} = {value} → (removed: no due date)",
                    clause,
                    "date",
                    setter(top, site.path, None),
                )
            elif site.name in _DUE_FLAGS and value is True:
                yield _Plan(
                    label,
                    f"{site.name} = true → false (no due date)",
                    clause,
                    "date",
                    setter(top, site.path, False),
                )
            elif site.name in _FLAGS and isinstance(value, bool):
                yield _Plan(
                    label,
                    f"{site.name} = {_show(value)} → {_show(not value)}",
                    clause,
                    "binding",
                    setter(top, site.path, not value),
                )
            elif isinstance(value, dt.date):
                if top == "phases" and (value, site.name) in joints:
                    continue  # moved with its neighbour below
                for new in _dates(value, site.owner):
                    if site.name == "since" and _outside_force(pack, min(value, new)):
                        continue  # the day it changes is one the pack is not in force
                    if site.name == "due" and _outside_force(pack, max(value, new)):
                        continue  # past before the pack is in force, either way: overdue
                    yield _Plan(
                        label,
                        f"{_show(value)} → {_show(new)}",
                        clause,
                        "date",
                        setter(top, site.path, new),
                    )
            elif isinstance(value, str) and (
                site.name in CONDITION_FIELDS
                or (top == "outputs" and len(site.path) == 1)
                or (site.name == "min" and top == "scales")
            ):
                for new_text, kind in _condition_mutants(value):
                    if _same_everywhere(pack, value, new_text):
                        continue  # reads parameters only, and no state of them tells apart
                    shown = new_text.replace("≥", ">=").replace("≤", "<=")
                    yield _Plan(
                        label,
                        f"{value} → {shown}",
                        clause,
                        kind,
                        setter(top, site.path, new_text),
                    )
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and (site.name in NUMBER_FIELDS or top == "parameters")
                and (top != "parameters" or site.path[0][1] in read)
            ):
                for new_number in _steps(value):
                    if not _in_range(site.name, new_number):
                        continue
                    yield _Plan(
                        label,
                        f"{_show(value)} → {_show(new_number)}",
                        clause,
                        "threshold",
                        setter(top, site.path, new_number),
                    )
            if (
                site.name in REMOVABLE_FIELDS
                and isinstance(value, str)
                and ("attr", "applicability") not in site.path
                and not _same_everywhere(pack, value, "true")
            ):
                yield _Plan(
                    label,
                    f"{value} → (removed)",
                    clause,
                    "condition removed",
                    setter(top, site.path, None),
                )
            if site.name == "applicability" and value is not None:
                yield _Plan(
                    "pack applicability",
                    f"{value.when} → (removed)",
                    clause,
                    "condition removed",
                    setter(top, site.path, None),
                )
            member: object = None  # a list's item, or a table's numeric entry, of several
            kind = site.path[-1][0]
            if kind == "index" and site.name in LIST_FIELDS:
                member = _member_text(value)
            elif kind == "key" and site.name == "value" and isinstance(value, int | float):
                member = site.path[-1][1]
            if member is not None and len(_get(root, site.path[:-1])) > 1:
                yield _Plan(
                    label,
                    f"member {member} dropped",
                    clause,
                    "list member",
                    remover(top, site.path),
                )


def _dates(value: dt.date, owner: Any) -> list[dt.date]:
    """One day and one year either way (a date typed with the wrong day, or the wrong
    year); one period for the first and last period of a repeated deadline (a monthly
    deadline reads only the month of its start and end, a yearly one the year)."""
    kind = getattr(owner, "kind", None) if isinstance(owner, Deadline) else None
    if kind in ("monthly", "yearly"):
        months = 1 if kind == "monthly" else 12
        return [_add_months(value, -months), _add_months(value, months)]
    return [
        value - dt.timedelta(days=1),
        value + dt.timedelta(days=1),
        _add_months(value, -12),
        _add_months(value, 12),
    ]


def _add_months(value: dt.date, months: int) -> dt.date:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(value.day, last))


def _phase_joints(pack: Pack) -> set[tuple[dt.date, str]]:
    """Phase dates where one phase ends the day before the next starts.

    Moving only one side leaves a one-day gap or overlap, which goes to the earlier phase:
    the same answer. Such a joint is moved as a whole.
    """
    starts = {p.start for p in pack.phases}
    joints: set[tuple[dt.date, str]] = set()
    for phase in pack.phases:
        after = phase.end + dt.timedelta(days=1)
        if after in starts:
            joints.update({(phase.end, "end"), (after, "start")})
    return joints


def _joint_plans(pack: Pack, joints: set[tuple[dt.date, str]]) -> Iterator[_Plan]:
    for i, phase in enumerate(pack.phases):
        if (phase.end, "end") not in joints:
            continue
        following = [j for j, p in enumerate(pack.phases) if p.start == phase.end + _DAY]
        for days in (-1, 1):
            moved = list(pack.phases)
            moved[i] = attrs.evolve(phase, end=phase.end + days * _DAY)
            for j in following:
                moved[j] = attrs.evolve(moved[j], start=moved[j].start + days * _DAY)
            yield _Plan(
                f"phase {phase.id} end (and the next start)",
                f"{_show(phase.end)} → {_show(phase.end + days * _DAY)}",
                phase.clause,
                "date",
                functools.partial(_with_phases, phases=tuple(moved)),
            )


def _with_phases(p: Pack, phases: tuple[Any, ...]) -> Pack:
    return attrs.evolve(p, phases=phases)


_DAY = dt.timedelta(days=1)


def _parameters_read(pack: Pack) -> set[str]:
    """Parameters a result can depend on: named in a condition, by the programme, or in the
    pack's hooks source. Moving a parameter nothing reads plants no mistake."""
    texts: list[str] = []
    for top in (pack.rules, pack.scales, pack.deadlines, pack.derived, pack.aggregates):
        for site in _walk(top, (), "", None, ""):
            if isinstance(site.value, str):
                texts.append(site.value)
    texts.extend(pack.outputs.values())
    if pack.info.applicability is not None:
        texts.append(pack.info.applicability.when)
    if pack.hooks is not None and getattr(pack.hooks, "__file__", None):
        texts.append(Path(str(pack.hooks.__file__)).read_text(encoding="utf-8"))
    whole = "\n".join(texts)
    found = {name for name in pack.parameters if name in whole}
    if pack.info.programme is not None:
        found.add(pack.info.programme.start_parameter)
    return found


def _parameter_states(pack: Pack) -> list[dict[str, Any]]:
    """Every state the pack's parameters take: on each date a value starts (and the day
    before the first), in each programme year and outside the programme."""
    days = {e.since for p in pack.parameters.values() for e in p.values if e.since}
    days |= {d - _DAY for d in list(days)}
    if pack.info.effective_from is not None:
        days.add(pack.info.effective_from)
    prog = pack.info.programme
    years: list[int | None] = [None, *range(1, prog.years + 1)] if prog else [None]
    day_list = sorted(days) or [dt.date(2000, 1, 1)]
    return [
        {name: p.value_at(day, year) for name, p in pack.parameters.items()}
        for day in day_list
        for year in years
    ]


def _same_everywhere(pack: Pack, text: str, new_text: str) -> bool:
    """Whether two conditions that read no fact agree in every parameter state (then the
    change cannot show in any result: an equivalent mutant)."""
    try:
        old, new = ex.parse(text), ex.parse(new_text)
    except ex.ExpressionError:
        return False
    if ex.fields_of(old) or ex.fields_of(new):
        return False
    for params in _parameter_states(pack):
        try:
            if ex.evaluate(old, {}, params) != ex.evaluate(new, {}, params):
                return False
        except (TypeError, ValueError):
            return False
    return True


_RANGES = {"day": (1, 31), "month": (1, 12), "years": (1, 100)}


def _in_range(name: str, value: float) -> bool:
    """Whether a moved number is still one the pack format accepts (a day, a month…)."""
    low, high = _RANGES.get(name, (-float("inf"), float("inf")))
    return low <= value <= high


def _outside_force(pack: Pack, day: dt.date) -> bool:
    """Whether the pack is out of force on ``day`` (a mutant changing only it is equivalent)."""
    start = pack.info.effective_from
    return start is not None and day < start


def _member_text(value: Any) -> str:
    for attr in ("label", "value", "since", "year"):
        found = getattr(value, attr, None)
        if found is not None:
            return _show(found)
    return _show(str(value))


def mutants(pack: Pack) -> list[Mutant]:
    """Every mutant of the pack, each a :class:`Pack` held in memory with one change."""
    out: list[Mutant] = []
    for plan in _plans(pack):
        number = len(out) + 1
        mutant_pack = plan.make(pack)
        # a content of its own, under a digest of its own: whatever is compiled or cached
        # per digest (conditions, plans) is never the pack's
        token = hashlib.sha256(f"{plan.where}\0{plan.change}".encode()).hexdigest()[:16]
        fresh: dict[str, Any] = {"digest": f"{pack.digest}~{token}"}
        if "cache" in attrs.fields_dict(Pack):  # a cache of its own, never the pack's
            fresh["cache"] = {}
        mutant_pack = attrs.evolve(mutant_pack, **fresh)
        out.append(
            Mutant(
                number=number,
                where=plan.where,
                change=plan.change,
                clause=plan.clause,
                operator=plan.operator,
                pack=mutant_pack,
            )
        )
    return out
