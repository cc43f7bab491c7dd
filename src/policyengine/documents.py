"""Reading facts documents: TOML, JSON or a dict in, typed facts out, or every problem.

The strict converter of :mod:`policyengine._converter` turns dicts into the classes of
:mod:`policyengine.facts`. Every problem in a document is reported at once, each with its field path
(``happiness.objective_score: 720 is above the maximum 700``).
"""

from __future__ import annotations

import json
import tomllib
import typing
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from policyengine import json_input, pack_facts
from policyengine._converter import converter, describe, problems_of
from policyengine.exceptions import DocumentError, FactProblem, FactsError, InputError
from policyengine.facts import (
    BLANK_ID,
    Community,
    CommunityInfo,
    Jurisdiction,
    JurisdictionInfo,
    check_community,
)
from policyengine.files import open_regular
from policyengine.includes import IncludeBudget, included
from policyengine.limits import MAX_NESTING
from policyengine.seen_ids import given_twice

__all__ = [
    "load_document",
    "not_utf8",
    "parse_document",
    "read_stdin",
    "read_tables_with",
    "structure_community",
    "structure_subject",
    "too_deep",
    "validated",
]

Subject = Community | Jurisdiction


def _structure(data: Any, cls: type[Any], prefix: str) -> Any:
    if type(data) is not dict and not isinstance(data, Mapping):
        raise FactsError([FactProblem(prefix.rstrip("."), f"{describe(data)} is not a table")])
    try:
        return converter.get_structure_hook(cls)(data, cls)
    except Exception as exc:  # cattrs raises groups of TypeError/ValueError/KeyError
        problems = list(problems_of(exc, prefix.removesuffix(".")))
        raise FactsError(problems) from None


def structure_community(data: Mapping[str, Any], prefix: str = "") -> Community:
    """A :class:`Community` from a dict, or :class:`FactsError` with every problem."""
    if (type(data) is not dict and not isinstance(data, Mapping)) or "community" not in data:
        raise FactsError([FactProblem(f"{prefix}community", "is required (a table with an id)")])
    own: dict[str, Any] = {}
    problems: list[FactProblem] = []
    namespaces = pack_facts.known_namespaces()
    if not namespaces.isdisjoint(data) or "pack_facts" in data:
        data = dict(data)
        if data.pop("pack_facts", None) is not None:  # given in namespace tables, not by name
            problems.append(
                FactProblem(f"{prefix}pack_facts", "unknown field (not in the facts vocabulary)")
            )
        for namespace in sorted(namespaces & set(data)):
            values, found = pack_facts.read_facts(namespace, data.pop(namespace), prefix)
            own.update(values)
            problems.extend(found)
    try:
        community: Community = _structure(data, Community, prefix)
    except FactsError as exc:
        raise FactsError([*problems, *exc.problems]) from None
    problems.extend(check_community(community, prefix))
    if problems:
        raise FactsError(problems)
    return attrs.evolve(community, pack_facts=own) if own else community


_JURISDICTION_KEYS = frozenset({"jurisdiction", "communities", "jurisdictions"})


def _structure_jurisdiction(
    data: Mapping[str, Any],
    prefix: str,
    base: Path | None,
    problems: list[FactProblem],
    positions: dict[int, str],
    budget: IncludeBudget,
) -> Jurisdiction | None:
    namespaces = pack_facts.known_namespaces("jurisdiction")
    own: dict[str, Any] = {}
    for key in sorted(set(data) - _JURISDICTION_KEYS):
        if key in namespaces:  # a pack's own jurisdiction facts
            values, found = pack_facts.read_facts(key, data[key], prefix, "jurisdiction")
            own.update(values)
            problems.extend(found)
            continue
        problems.append(
            FactProblem(f"{prefix}{key}", "unknown field (not in the facts vocabulary)")
        )
    info = None
    try:
        info = _structure(data.get("jurisdiction"), JurisdictionInfo, f"{prefix}jurisdiction.")
    except FactsError as exc:
        problems.extend(exc.problems)
    communities: list[Community] = []
    for position, entry, found in _community_entries(
        data.get("communities", []), prefix, base, problems, budget
    ):
        if found:  # cells of a table row that are not of their fact's type
            problems.extend(found)
            continue
        try:  # a table row the columnar screen vouched for comes typed and checked
            community = (
                entry if isinstance(entry, Community) else structure_community(entry, position)
            )
        except FactsError as exc:
            problems.extend(exc.problems)
            continue
        communities.append(community)
        if position.endswith(": "):  # from an included file: name it, not its index
            positions[id(community)] = position
    children: list[Jurisdiction] = []
    raw_children = data.get("jurisdictions", [])
    if not isinstance(raw_children, list):
        problems.append(FactProblem(f"{prefix}jurisdictions", "is not a list"))
        raw_children = []
    for i, child in enumerate(raw_children):
        if not isinstance(child, Mapping):
            problems.append(FactProblem(f"{prefix}jurisdictions[{i}]", "is not a table"))
            continue
        sub = _structure_jurisdiction(
            child, f"{prefix}jurisdictions[{i}].", base, problems, positions, budget
        )
        if sub is not None:
            children.append(sub)
    if info is None:
        return None
    return Jurisdiction(info, tuple(communities), tuple(children), pack_facts=own)


TableReader = Callable[
    [Path, bytes, str, list[FactProblem], IncludeBudget],
    Iterator[tuple[str, Any, list[FactProblem]]] | None,
]
"""Reads an included file as a table of communities (None: the file is not a table)."""


def _no_tables(
    file: Path, data: bytes, where: str, problems: list[FactProblem], budget: IncludeBudget
) -> None:
    return None


_TABLE_READER: list[TableReader] = [_no_tables]


def read_tables_with(reader: TableReader) -> None:
    """Read included tables with ``reader`` (:mod:`policyengine.table_includes` registers
    itself when imported, as the API does: this module stays below the table readers)."""
    _TABLE_READER[0] = reader


def _community_entries(
    raw: Any, prefix: str, base: Path | None, problems: list[FactProblem], budget: IncludeBudget
) -> Iterator[tuple[str, Any, list[FactProblem]]]:
    """``(path prefix, community dict, problems of its cells)`` for inline communities and
    ``include`` globs: a matched document is one community, a matched table
    (:mod:`policyengine.table_includes`) one community a row."""
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(FactProblem(f"{prefix}communities", "is not a list"))
        return
    seen: set[Path] = set()  # a file matched twice in this list is one community (or table)
    for i, entry in enumerate(raw):
        where = f"{prefix}communities[{i}]"
        if isinstance(entry, Mapping) and set(entry) == {"include"}:
            for file, data in included(
                entry["include"], where + ".include", base, budget, problems, seen
            ):
                rows = _TABLE_READER[0](file, data, where + ".include", problems, budget)
                if rows is not None:
                    yield from rows
                    continue
                try:
                    yield f"{file}: ", parse_document(file, data), []
                except DocumentError as exc:
                    problems.append(FactProblem(where + ".include", str(exc)))
        else:
            yield f"{where}.", entry, []


def _duplicate_ids(
    subject: Jurisdiction, problems: list[FactProblem], positions: dict[int, str]
) -> None:
    """A community or jurisdiction id given twice would be counted twice: an error.

    ``positions``: where communities from an included file or table row came from
    (``FILE, row N: ``, by ``id()``), named instead of their index.
    """
    seen: dict[str, str] = {}

    def _where(c: Community, prefix: str, i: int) -> str:
        found = positions.get(id(c))
        if found is not None:
            return f"{found}community.id"
        return f"{prefix}communities[{i}].community.id"

    def _said(c: Community, within: str, i: int) -> str:
        # where it was first given, for people: "community 2 of jurisdiction 1" (i18n says
        # it in Chinese), or the included table's row; the path is the problem's own
        found = positions.get(id(c))
        return found.rstrip(": ") if found is not None else f"community {i + 1}{within}"

    def visit(j: Jurisdiction, prefix: str, within: str) -> None:
        for kind, key, said, item_id in (
            (
                "jurisdiction",
                prefix + "jurisdiction.id",
                within.removeprefix(" of ") or "the document's jurisdiction",
                j.id,
            ),
            *(
                ("community", _where(c, prefix, i), _said(c, within, i), c.id)
                for i, c in enumerate(j.communities)
            ),
        ):
            label = f"{kind} {item_id}"
            if kind == "jurisdiction" and not item_id.strip():
                problems.append(FactProblem(key, BLANK_ID))
            if label in seen:
                problems.append(FactProblem(key, given_twice(kind, item_id, seen[label])))
            else:
                seen[label] = said
        for i, child in enumerate(j.jurisdictions):
            visit(child, f"{prefix}jurisdictions[{i}].", f" of jurisdiction {i + 1}{within}")

    visit(subject, "", "")


_VALIDATED: weakref.WeakValueDictionary[int, Community | Jurisdiction] = (
    weakref.WeakValueDictionary()
)
"""Typed facts this module built (and so checked), by ``id()``: they are not checked again."""


def validated(subject: Community | Jurisdiction) -> Community | Jurisdiction:
    """Typed facts built in Python, checked as a document would be (FactsError if not).

    ``Community(...)`` and ``Jurisdiction(...)`` objects skip the converter: their fields
    may hold anything. They are turned back into data and read again; objects this module
    built are returned as they are.
    """
    if _VALIDATED.get(id(subject)) is subject:
        return subject
    wrong = list(_untyped(subject, ""))
    if wrong:
        raise FactsError(wrong)
    try:
        data = attrs.asdict(subject)
    except Exception as exc:  # attrs.asdict of a malformed object
        raise FactsError([FactProblem("", f"not facts: {exc}")]) from None
    _own_facts_as_tables(data)
    checked = structure_subject(data)
    _VALIDATED[id(subject)] = subject if checked == subject else checked
    return checked


def _own_facts_as_tables(data: dict[str, Any]) -> None:
    """Packs' own facts of a subject turned back into data: each in its namespace's table,
    where a document gives them (for the communities and jurisdictions inside too)."""
    for path, value in dict(data.pop("pack_facts", None) or {}).items():
        node = data
        *parts, name = str(path).split(".")
        for part in parts:
            node = node.setdefault(part, {})
        node[name] = list(value) if isinstance(value, tuple) else value
    for key in ("communities", "jurisdictions"):
        if isinstance(data.get(key), tuple):
            data[key] = list(data[key])  # a document's lists (attrs.asdict keeps tuples)
        for child in data.get(key) or ():
            if isinstance(child, dict):
                _own_facts_as_tables(child)


def _untyped(value: Any, prefix: str) -> Iterator[FactProblem]:
    """Sections of typed facts that are not of their class (a dict where a section belongs)."""
    cls = type(value)
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        item = getattr(value, field.name, None)
        expected = hints[field.name]
        where = f"{prefix}{field.name}"
        if attrs.has(expected):
            if not isinstance(item, expected):
                yield FactProblem(
                    where,
                    f"{describe(item)} is not a {expected.__name__}: build typed facts from "
                    f"typed sections, or pass the whole document as a dict",
                )
            elif expected in (CommunityInfo, JurisdictionInfo):
                continue
        elif typing.get_origin(expected) is tuple:
            kind = typing.get_args(expected)[0]
            if not isinstance(item, tuple) or not all(isinstance(i, kind) for i in item):
                yield FactProblem(where, f"is not a tuple of {kind.__name__}")
                continue
            for i, child in enumerate(item):
                yield from _untyped(child, f"{where}[{i}].")


def structure_subject(
    data: Any, base: Path | None = None, remember: bool = True
) -> Community | Jurisdiction:
    """A community or jurisdiction document (told apart by its top-level table).

    ``remember``: the typed facts are remembered as checked (:func:`validated` returns them
    as they are); not needed for facts that are not given back to the caller.
    """
    subject = _structure_subject(data, base)
    if remember:
        _VALIDATED[id(subject)] = subject
    return subject


def _structure_subject(data: Any, base: Path | None) -> Community | Jurisdiction:
    if type(data) is dict and "jurisdiction" not in data and "community" in data:
        return structure_community(data)  # the common case, without abc checks
    if isinstance(data, Mapping) and "jurisdiction" in data:
        problems: list[FactProblem] = []
        positions: dict[int, str] = {}
        # one budget of included files, bytes and rows for the whole document
        budget = IncludeBudget()
        subject = _structure_jurisdiction(data, "", base, problems, positions, budget)
        if subject is not None:
            _duplicate_ids(subject, problems, positions)
        if problems or subject is None:
            raise FactsError(problems)
        return subject
    if isinstance(data, Mapping) and "community" in data:
        return structure_community(data)
    raise FactsError(
        [FactProblem("", "the document has neither a [community] nor a [jurisdiction] table")]
    )


def read_stdin(stdin: Any) -> str | bytes:
    """All of standard input, as bytes where possible (:func:`parse_document` then checks
    the UTF-8 and names the byte that is not), or :class:`InputError` if it is closed."""
    if stdin is None or getattr(stdin, "closed", False):
        raise InputError("-: standard input is closed")
    try:
        buffer = getattr(stdin, "buffer", None)
        data: str | bytes = buffer.read() if buffer is not None else stdin.read()
    except (OSError, ValueError) as exc:  # UnicodeDecodeError included (a text stream)
        raise InputError(f"-: cannot read standard input: {exc}") from None
    return data


def not_utf8(byte: int, at: int, file: bool = True) -> str:
    """What a text that is not UTF-8 is said to be (a file, or a request's body with
    ``file=False``): its first byte that is not, and that byte's position."""
    said = f"not UTF-8 text (byte 0x{byte:02x} at position {at})"
    return f"{said}; save the file as UTF-8" if file else said


def parse_document(path: Path, text: str | bytes | None = None) -> Any:
    """The raw data of a TOML or JSON file (JSON for ``.json`` and for standard input).

    The file is UTF-8, with or without a byte-order mark; tables and lists nest at most
    :data:`MAX_NESTING` deep.
    """
    name = str(path)
    if text is None:
        with open_regular(path) as fh:  # never a device, nor a FIFO that waits
            text = fh.read()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"{name}: {not_utf8(exc.object[exc.start], exc.start)}") from None
    text = text.removeprefix("\ufeff")
    toml = path.suffix.lower() == ".toml"
    kind = "TOML" if toml else "JSON"
    try:
        data = (
            tomllib.loads(text, parse_float=json_input.read_float)
            if toml
            else json_input.loads(text)
        )
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(f"{name}: not valid {kind}: {exc}") from None
    except RecursionError:
        raise DocumentError(
            f"{name}: not valid {kind}: tables and lists nest deeper than {MAX_NESTING} levels"
        ) from None
    except ValueError as exc:  # NaN/Infinity, a key given twice, more than 4,300 digits
        detail = json_input.LONG_NUMBER if "digits" in str(exc) else str(exc)  # TOML's too
        raise DocumentError(f"{name}: not valid {kind}: {detail}") from None
    where = too_deep(data)
    if where is not None:
        raise DocumentError(
            f"{name}: {where or 'the document'}: tables and lists nest deeper than "
            f"{MAX_NESTING} levels"
        )
    return data


def too_deep(data: Any) -> str | None:
    """The path of the first value nested deeper than :data:`MAX_NESTING`, or None.

    Every request to the service asks: the depth is measured first, with no path made for
    each value, and the path found only for a document that is too deep."""
    if _within_nesting(data):
        return None
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_NESTING:
            return where
        if isinstance(value, Mapping):
            for key, item in value.items():
                stack.append((item, f"{where}.{key}" if where else str(key), depth + 1))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                stack.append((item, f"{where}[{i}]", depth + 1))
    return None


_PLAIN = (str, int, float, bool, type(None))
"""What a facts document's values mostly are: no table or list (no ABC check needed)."""


def _within_nesting(data: Any) -> bool:
    """Whether no value lies deeper than :data:`MAX_NESTING` tables and lists (only tables
    and lists are walked)."""
    stack: list[tuple[Any, int]] = [(data, 0)] if isinstance(data, Mapping | list) else []
    while stack:
        value, depth = stack.pop()  # a table or list, ``depth`` levels down
        items = value.values() if isinstance(value, Mapping) else value
        if depth >= MAX_NESTING:
            if items:  # its values lie deeper than the limit
                return False
            continue
        for item in items:
            kind = item.__class__
            if (
                kind is dict
                or kind is list
                or (kind not in _PLAIN and isinstance(item, Mapping | list))
            ):
                stack.append((item, depth + 1))
    return True


def load_document(path: str | Path, text: str | bytes | None = None) -> Community | Jurisdiction:
    """Read and check a facts document; errors name the file, the field path and the value."""
    path = Path(path)
    data = parse_document(path, text)
    try:
        return structure_subject(data, path.parent)
    except FactsError as exc:
        raise FactsError(exc.problems, source=str(path)) from None
