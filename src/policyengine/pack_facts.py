"""Facts a pack declares for itself, under its own namespace.

The shared vocabulary (:mod:`policyengine.facts`) is the common core. A document may ask
for something the core does not have (a 文明社区 score, a date a title was given): its
pack declares it in ``pack.toml``::

    [facts."civility_rating.score"]
    type = "number"
    title = "文明社区考评得分"
    title_en = "Civility score"
    unit = "分"
    min = 0
    max = 120

The namespace is the pack id with ``-`` written ``_`` (``civility-rating`` →
``civility_rating``): no two packs share one, and none is a section of the shared
vocabulary. A pack's conditions can read the shared vocabulary and its own facts only, so
two packs never read each other's facts. A facts document gives them in a table named by
the namespace (``[civility_rating]`` with ``score = 85``), checked like the shared
vocabulary, with the same messages: an undeclared field is "unknown field (not in the
facts vocabulary)", a value of the wrong type or out of range names its path.

A fact may belong to a street, district or city rather than a community
(``level = "jurisdiction"``): a jurisdiction document gives it in the namespace's table
beside ``[jurisdiction]``, and the pack's jurisdiction-level rules read it.

Each pack loaded in the process registers its facts (:func:`register`), so that reading a
facts document (or a table's columns, :func:`column_types`) knows every namespace of the
packs it may be evaluated against.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import attrs

from policyengine._converter import beyond, check_text, describe
from policyengine.exceptions import FactProblem
from policyengine.facts import DATE_PATTERN, FactType, Range, fact_catalogue
from policyengine.limits import MAX_EXACT_INT

__all__ = [
    "Event",
    "PackFact",
    "check_declarations",
    "column_types",
    "namespace_of",
    "read_facts",
    "register",
]

FactKind = Literal["bool", "int", "number", "text", "date", "list", "date_list", "events"]
FactLevel = Literal["community", "jurisdiction"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@attrs.frozen
class Event:
    """One dated event of an event-record fact: its kind, its date, and a note."""

    kind: str
    date: dt.date
    note: str | None = None


@attrs.frozen(kw_only=True)
class PackFact:
    """One fact a pack declares: its type, unit, range, allowed values and labels."""

    type: FactKind
    title: str
    """The label in Chinese, as officials call it."""
    title_en: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    values: tuple[str, ...] = ()
    """The allowed values of a ``text`` fact, of a ``list``'s items or of the ``kind`` of an
    ``events`` fact's records (empty: any text)."""
    clause: str | None = None
    quote: str | None = None
    note: str | None = None
    level: FactLevel = "community"
    """Whose fact it is: a community's, or a jurisdiction's (a street, district, city)."""

    def fact_type(self) -> FactType:
        """The fact's type as the shared vocabulary describes its own."""
        bounds = None
        if self.min is not None or self.max is not None:
            bounds = Range(self.min, self.max)
        if self.type == "events":  # read by window counts only, never by a condition
            return FactType("list", choices=self.values)
        return FactType(self.type, choices=self.values, range=bounds)


def namespace_of(pack_id: str) -> str:
    """The namespace of a pack's own facts: its id with ``-`` written ``_``."""
    return pack_id.replace("-", "_")


def _sections() -> set[str]:
    return {path.split(".", 1)[0] for path in fact_catalogue()}


def check_declarations(pack_id: str, declared: Mapping[str, PackFact]) -> list[str]:
    """Problems with a pack's ``[facts."…"]`` tables, each naming its key."""
    problems: list[str] = []
    namespace = namespace_of(pack_id)
    if declared and namespace in _sections() | {"jurisdiction", "communities", "as_of"}:
        problems.append(
            f"facts: the namespace {namespace!r} of pack {pack_id} is a section of the shared "
            "vocabulary; give the pack another id"
        )
    for path, fact in declared.items():
        where = f"facts.{path!r}"
        head, _, rest = path.partition(".")
        if head != namespace or not rest:
            problems.append(
                f"{where}: a pack's own facts are named {namespace}.NAME "
                f"(its id with - written _), not {path!r}"
            )
        elif not all(_NAME.match(part) for part in rest.split(".")):
            problems.append(
                f"{where}: {rest!r} must be lower-case letters, digits and _, parts joined by ."
            )
        if (fact.min is not None or fact.max is not None) and fact.type not in ("int", "number"):
            problems.append(f"{where}: min and max are for int and number facts")
        if fact.min is not None and fact.max is not None and fact.min > fact.max:
            problems.append(f"{where}: min {fact.min:g} is above max {fact.max:g}")
        if fact.values and fact.type not in ("text", "list", "events"):
            problems.append(f"{where}.values: allowed values are for text, list and events facts")
    return problems


_registry: dict[FactLevel, dict[str, dict[str, PackFact]]] = {"community": {}, "jurisdiction": {}}
_lock = threading.Lock()
_namespaces: dict[FactLevel, frozenset[str]] = {
    "community": frozenset(),
    "jurisdiction": frozenset(),
}
"""``_registry``'s namespaces per level, replaced whole on each registration (read unlocked)."""


def register(pack_id: str, declared: Mapping[str, PackFact]) -> None:
    """Make a loaded pack's facts known to facts documents read from now on."""
    if not declared:
        return
    namespace = namespace_of(pack_id)
    with _lock:
        for level, facts in _registry.items():
            own = {p: f for p, f in declared.items() if f.level == level}
            if own:
                facts[namespace] = own
            else:
                facts.pop(namespace, None)
            _namespaces[level] = frozenset(facts)


def known_namespaces(level: FactLevel = "community") -> frozenset[str]:
    """The namespaces of every pack loaded so far that declares facts at ``level``."""
    return _namespaces[level]


def column_types() -> dict[str, FactType]:
    """The community facts of every pack loaded so far, by path: the columns a table may
    have besides the shared vocabulary's (event records are given in documents only)."""
    with _lock:
        return {
            p: f.fact_type()
            for facts in _registry["community"].values()
            for p, f in facts.items()
            if f.type != "events"
        }


def _day(value: Any) -> Any:
    """A date as JSON gives it (``"2016-05-20"``) read as a date, like the shared facts'."""
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _dated(value: Any, kind: str) -> Any:
    if kind == "date":
        return _day(value)
    if kind == "date_list" and isinstance(value, list | tuple):
        return [_day(v) for v in value]
    if kind == "events" and isinstance(value, list | tuple):
        return [
            {**v, "date": _day(v["date"])} if isinstance(v, Mapping) and "date" in v else v
            for v in value
        ]
    return value


def _events(path: str, value: Any, fact: PackFact) -> tuple[list[Event], list[FactProblem]]:
    """The records of an ``events`` fact: each a table with a kind, a date and a note."""
    if not isinstance(value, list | tuple):
        return [], [FactProblem(path, f"{describe(value)} is not a list of events")]
    found: list[Event] = []
    problems: list[FactProblem] = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if isinstance(item, Event):
            item = attrs.asdict(item)
        if not isinstance(item, Mapping):
            problems.append(FactProblem(where, f"{describe(item)} is not a table (kind, date)"))
            continue
        kind, day, note = item.get("kind"), item.get("date"), item.get("note")
        bad = len(problems)
        for key in sorted(set(item) - {"kind", "date", "note"}):
            problems.append(
                FactProblem(f"{where}.{key}", "unknown field (an event has kind, date, note)")
            )
        if kind is None:
            problems.append(FactProblem(f"{where}.kind", "is required (the kind of event)"))
        elif not isinstance(kind, str):
            problems.append(FactProblem(f"{where}.kind", f"{describe(kind)} is not text"))
        elif (long := _text_problem(kind)) is not None:
            problems.append(FactProblem(f"{where}.kind", long))
        elif fact.values and kind not in fact.values:
            problems.append(
                FactProblem(f"{where}.kind", f"{kind!r} is not one of: {', '.join(fact.values)}")
            )
        if day is None:
            problems.append(FactProblem(f"{where}.date", "is required (YYYY-MM-DD)"))
        elif not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            problems.append(
                FactProblem(f"{where}.date", f"{describe(day)} is not a date (YYYY-MM-DD)")
            )
        if note is not None and not isinstance(note, str):
            problems.append(FactProblem(f"{where}.note", f"{describe(note)} is not text"))
        elif note is not None and (long := _text_problem(note)) is not None:
            problems.append(FactProblem(f"{where}.note", long))
        if len(problems) == bad:
            assert isinstance(kind, str)
            assert isinstance(day, dt.date)
            found.append(Event(kind, day, note))
    return found, problems


def _text_problem(value: str) -> str | None:
    """Why text is refused, as for the shared vocabulary (too long, not valid Unicode)."""
    try:
        check_text(value)
    except ValueError as exc:
        return str(exc)
    return None


def _check_value(path: str, value: Any, ft: FactType) -> Iterator[FactProblem]:
    kind = ft.kind
    if kind == "bool":
        if not isinstance(value, bool):
            yield FactProblem(path, f"{describe(value)} is not true or false")
        return
    if kind in ("int", "number"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if kind == "int" and ok and not float(value).is_integer():
            ok = False
        if ok and hasattr(value, "written"):  # 1e400: too large to compare, as written
            yield FactProblem(path, f"{value.written} {beyond(value)}")
            return
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            word = "a whole number" if kind == "int" else "a number"
            yield FactProblem(path, f"{describe(value)} is not {word}")
            return
        if abs(value) > MAX_EXACT_INT:  # as the shared vocabulary: compared as 64-bit floats
            shown = (
                str(value) if isinstance(value, int) and value.bit_length() < 200 else "a number"
            )
            yield FactProblem(
                path,
                f"{shown} {beyond(value)}",
            )
            return
        rng = ft.range
        if rng is not None and rng.min is not None and value < rng.min:
            yield FactProblem(path, f"{value:g} is below the minimum {rng.min:g}")
        if rng is not None and rng.max is not None and value > rng.max:
            yield FactProblem(path, f"{value:g} is above the maximum {rng.max:g}")
        return
    if kind == "date":
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            yield FactProblem(path, f"{describe(value)} is not a date (YYYY-MM-DD)")
        return
    if kind == "text":
        if not isinstance(value, str):
            yield FactProblem(path, f"{describe(value)} is not text")
        elif (long := _text_problem(value)) is not None:
            yield FactProblem(path, long)
        elif ft.choices and value not in ft.choices:
            yield FactProblem(path, f"{value!r} is not one of: {', '.join(ft.choices)}")
        return
    if not isinstance(value, list | tuple):
        yield FactProblem(path, f"{describe(value)} is not a list")
        return
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if kind == "date_list":
            if not isinstance(item, dt.date) or isinstance(item, dt.datetime):
                yield FactProblem(where, f"{describe(item)} is not a date (YYYY-MM-DD)")
        elif not isinstance(item, str):
            yield FactProblem(where, f"{describe(item)} is not text")
        elif (long := _text_problem(item)) is not None:
            yield FactProblem(where, long)
        elif ft.choices and item not in ft.choices:
            yield FactProblem(where, f"{item!r} is not one of: {', '.join(ft.choices)}")


def read_facts(
    namespace: str, table: Any, prefix: str = "", level: FactLevel = "community"
) -> tuple[dict[str, Any], list[FactProblem]]:
    """A namespace's table of a facts document: ``({path: value}, problems)``.

    Problems are named by ``prefix`` + the fact path, like the shared vocabulary's.
    """
    with _lock:
        declared = dict(_registry[level].get(namespace, {}))
    if not isinstance(table, Mapping):
        return {}, [FactProblem(f"{prefix}{namespace}", f"{describe(table)} is not a table")]
    values: dict[str, Any] = {}
    problems: list[FactProblem] = []

    def walk(data: Mapping[str, Any], base: str) -> None:
        for key, value in data.items():
            path = f"{base}.{key}"
            fact = declared.get(path)
            if fact is not None:
                value = _dated(value, fact.type)
            if fact is not None and fact.type == "events":
                events, found = _events(f"{prefix}{path}", value, fact)
                problems.extend(found)
                if not found:
                    values[path] = tuple(events)
            elif fact is not None:
                found = list(_check_value(f"{prefix}{path}", value, fact.fact_type()))
                problems.extend(found)
                if not found:
                    values[path] = tuple(value) if isinstance(value, list) else value
            elif isinstance(value, Mapping) and any(p.startswith(path + ".") for p in declared):
                walk(value, path)
            else:
                problems.append(
                    FactProblem(f"{prefix}{path}", "unknown field (not in the facts vocabulary)")
                )

    walk(table, namespace)
    return values, problems
