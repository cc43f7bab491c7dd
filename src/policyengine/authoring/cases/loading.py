"""Reading one case file and checking it against the pack: facts, parameters, expectations."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from policyengine._converter import converter, describe
from policyengine.authoring.cases.format import (
    Case,
    CaseFileError,
    Expectation,
    KeyPath,
    SubjectExpectation,
    display_path,
)
from policyengine.authoring.cases.locating import (
    case_lines,
    fact_path,
    locate,
    path_text,
    structure_problems,
)
from policyengine.boundaries import value_kind
from policyengine.documents import load_document, structure_subject
from policyengine.exceptions import DocumentError, FactsError
from policyengine.facts import Community, Jurisdiction
from policyengine.files import ODD_NAME, NotReadError, named, read_found
from policyengine.finding_parts import APPLICABILITY_RULE
from policyengine.pack import Pack, Parameter
from policyengine.pilot import PILOT_RULE
from policyengine.scope import SCOPE_RULE


@attrs.frozen(kw_only=True)
class _RawCase:
    name: str
    as_of: dt.date
    facts: Any
    expect: Expectation
    parameters: dict[str, Any] = attrs.field(factory=dict)
    note: str | None = None


# ------------------------------------------------------------------------ loading


def _subject_ids(subject: Jurisdiction) -> list[str]:
    ids = [c.id for c in subject.communities]
    for child in subject.jurisdictions:
        ids.extend(_subject_ids(child))
    return ids


def _levels(pack: Pack) -> dict[str, str]:
    """Every rule, scale and deadline id with the level of subject it applies to."""
    levels: dict[str, str] = {r.id: r.subject for r in pack.rules}
    levels.update({s.id: "community" for s in pack.scales})
    levels.update({d.id: d.subject for d in pack.deadlines})
    if pack.info.scope is not None:
        levels[SCOPE_RULE] = "any"  # the scope finding of every subject
    if pack.info.pilot is not None:
        levels[PILOT_RULE] = "community"
    if pack.info.applicability is not None:
        levels[APPLICABILITY_RULE] = "community"  # when a community's kind is missing
    return levels


def _check_subject_expect(
    exp: SubjectExpectation, level: str, pack: Pack, base: KeyPath
) -> list[tuple[KeyPath, str]]:
    problems: list[tuple[KeyPath, str]] = []
    levels = _levels(pack)
    for name in exp.null_outputs:
        if name in exp.outputs:
            problems.append(((*base, "null_outputs"), f"{name!r} is also expected in outputs"))
    for key, rule_id in [*(("rules", r) for r in exp.rules), *(("due", r) for r in exp.due)]:
        where = (*base, key, rule_id)
        if rule_id not in levels:
            problems.append(
                (where, f"{rule_id!r} is not a rule, scale or deadline of pack {pack.id}")
            )
        elif levels[rule_id] not in (level, "any"):
            hint = " (expect it under communities)" if level == "jurisdiction" else ""
            problems.append(
                (where, f"{rule_id!r} is a {levels[rule_id]} rule, not a {level} one{hint}")
            )
    return problems


def _check_expect(
    exp: Expectation, subject: Community | Jurisdiction, pack: Pack, base: KeyPath
) -> list[tuple[KeyPath, str]]:
    if exp.is_empty():
        return [
            (base, "expects nothing: give verdict, outputs, null_outputs, rules or communities")
        ]
    level = "jurisdiction" if isinstance(subject, Jurisdiction) else "community"
    problems = _check_subject_expect(exp, level, pack, base)
    if exp.communities and not isinstance(subject, Jurisdiction):
        problems.append(((*base, "communities"), "only a jurisdiction's case has communities"))
        return problems
    ids = _subject_ids(subject) if isinstance(subject, Jurisdiction) else []
    for cid, sub in exp.communities.items():
        where = (*base, "communities", cid)
        if cid not in ids:
            known = ", ".join(ids) or "none"
            problems.append((where, f"no community {cid!r} in the facts (communities: {known})"))
        if sub.is_empty():
            problems.append(
                (where, "expects nothing: give verdict, outputs, null_outputs or rules")
            )
        problems.extend(_check_subject_expect(sub, "community", pack, where))
    return problems


def _pack_folder(file: Path, pack: Pack) -> Path | None:
    """The folder a case file's own files are read in: the pack's, when the case file is in
    it (as its ``cases`` folder's files are); else None (a file the caller names)."""
    if Path(os.path.abspath(file)).is_relative_to(os.path.abspath(pack.path)):
        return pack.path
    return None


def _facts_file(raw: str, file: Path, folder: Path | None) -> tuple[Path, bytes]:
    """The facts document a case names, read as a file of the pack's folder (or of the case
    file's folder): relative to the case file, without ``..``; inside the folder once
    links are followed, regular, at most 64 MiB. Else DocumentError saying why."""
    if not raw.isprintable():
        raise DocumentError(f"{describe(raw)}: {ODD_NAME}")
    if Path(raw).is_absolute() or ".." in Path(raw).parts:
        where = "the pack's folder" if folder is not None else "the case file's folder"
        raise DocumentError(
            f"{describe(raw)} leaves {where}: give a path relative to the case file, without '..'"
        )
    facts_file = file.parent / raw
    return facts_file, read_found(facts_file, folder or file.parent)


def _load_facts(
    raw: Any, file: Path, base: KeyPath, folder: Path | None = None
) -> tuple[Community | Jurisdiction | None, Path | None, list[tuple[KeyPath, str]]]:
    """The case's subject from its inline facts or its facts document, or the problems."""
    if isinstance(raw, str):
        facts_file = file.parent / raw
        try:
            facts_file, data = _facts_file(raw, file, folder)
            return load_document(facts_file, data), facts_file, []
        except DocumentError as exc:
            return None, facts_file, [(base, str(exc))]
        except FactsError as exc:
            shown = display_path(facts_file)
            return None, facts_file, [(base, f"{shown}: {p}") for p in exc.problems]
    if isinstance(raw, Mapping):
        try:
            return structure_subject(raw, file.parent), None, []
        except FactsError as exc:
            problems: list[tuple[KeyPath, str]] = []
            for p in exc.problems:
                if ": " in p.path:  # a problem in an included community file
                    problems.append((base, str(p)))
                else:
                    problems.append(((*base, *fact_path(p.path)), p.message or "is wrong"))
            return None, None, problems
    return None, None, [(base, f"{describe(raw)} is neither a table of facts nor a path")]


_KIND_WORDS = {"bool": "flag (true or false)", "number": "number", "text": "text", "table": "table"}


def _value_kind(value: Any) -> str:
    kind = value_kind(value)
    return type(value).__name__ if kind is None else _KIND_WORDS[kind]


def _param_kind(param: Parameter) -> str | None:
    """What kind of value a parameter holds (None when no value says)."""
    samples = [param.value] if param.value is not None else [e.value for e in param.values]
    for value in samples:
        if value is not None:
            return _value_kind(value)
    return None


def load_case_file(path: str | Path, pack: Pack) -> tuple[Case, ...]:
    """Read and check one case file against its pack.

    Raises :class:`CaseFileError` listing every problem as ``file:line: key path: what``.
    """
    file = Path(path)
    folder = _pack_folder(file, pack)
    if not str(file).isprintable():  # a line break in a name would forge a line
        raise CaseFileError([f"{named(file)}: {ODD_NAME}"])
    try:  # a file of the pack's folder: inside it, regular, at most 64 MiB
        data_bytes = read_found(file, folder)
    except NotReadError as exc:  # named as found, not where a link leads
        raise CaseFileError([str(exc)]) from None
    shown = display_path(file)
    try:
        text = data_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError([f"{shown}: cannot read the file: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CaseFileError([f"{shown}: not valid TOML: {exc}"]) from None

    def report(problems: Sequence[tuple[KeyPath, str]]) -> CaseFileError:
        located = sorted(
            ((locate(text, where), path_text(where), msg) for where, msg in problems),
            key=lambda p: p[0],
        )
        return CaseFileError([f"{shown}:{line}: {where}: {msg}" for line, where, msg in located])

    problems: list[tuple[KeyPath, str]] = [
        ((key,), f"unknown key {key!r} (allowed here: cases)") for key in data if key != "cases"
    ]
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        problems.append((("cases",), "no [[cases]] in the file"))
        raise report(problems)
    structured: list[tuple[int, _RawCase]] = []
    for i, item in enumerate(raw_cases):
        if not isinstance(item, Mapping):
            problems.append((("cases", i), f"{describe(item)} is not a table"))
            continue
        try:
            structured.append((i, converter.structure(item, _RawCase)))
        except Exception as exc:  # cattrs groups
            problems.extend(structure_problems(exc, ("cases", i)))
    lines = case_lines(text)
    cases: list[Case] = []
    names: set[str] = set()
    for i, raw in structured:
        base: KeyPath = ("cases", i)
        if raw.name in names:
            problems.append(((*base, "name"), f"{raw.name!r} names two cases in this file"))
        names.add(raw.name)
        for name, value in raw.parameters.items():
            where = (*base, "parameters", name)
            if name not in pack.parameters:
                problems.append((where, f"{name!r} is not a parameter of pack {pack.id}"))
                continue
            kind = _param_kind(pack.parameters[name])
            if kind is not None and _value_kind(value) != kind:
                problems.append((where, f"{describe(value)} is not a {kind}, as {name} is"))
        subject, facts_file, facts_problems = _load_facts(raw.facts, file, (*base, "facts"), folder)
        problems.extend(facts_problems)
        if subject is None:
            continue
        problems.extend(_check_expect(raw.expect, subject, pack, (*base, "expect")))
        cases.append(
            Case(
                name=raw.name,
                as_of=raw.as_of,
                subject=subject,
                expect=raw.expect,
                parameters=raw.parameters,
                file=file,
                line=lines[i] if i < len(lines) else 1,
                facts_file=facts_file,
                note=raw.note,
            )
        )
    if problems:
        raise report(problems)
    return tuple(cases)
