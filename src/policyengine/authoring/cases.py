"""Test cases inside a pack, their runner, and the ``policyengine test`` command.

A pack keeps its tests next to its rules: ``cases/*.toml`` in the pack folder. Each file
holds ``[[cases]]``: a name (Chinese, citing the clause), an ``as_of`` date, the facts (a
table in the facts vocabulary, or a path to a facts document), optional parameter
overrides, and what to expect: the verdict, some outputs, some rules' outcomes, and for a
jurisdiction its communities' verdicts, outputs and outcomes. The format is documented in
``docs/how-to/test-a-pack.md``.

:func:`load_case_file` reads and checks one file, rejecting unknown keys and bad values
with the file and the line; :func:`run_cases` runs every case of a pack and measures its
domain coverage (:mod:`policyengine.authoring.coverage`); :func:`failure_lines` writes a failure the
way a policy expert reads it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)

from policyengine import api
from policyengine._converter import converter, describe
from policyengine.authoring.coverage import Coverage, Evaluation, format_percent, measure
from policyengine.contracts import Command, Streams
from policyengine.documents import load_document, structure_subject
from policyengine.engine import compile_pack
from policyengine.exceptions import (
    DocumentError,
    FactsError,
    InputError,
    PackError,
    PolicyEngineError,
    UnknownPackError,
)
from policyengine.facts import Community, Jurisdiction
from policyengine.hookspecs import hookimpl
from policyengine.pack import Pack, Parameter, find_pack_folder, load_pack
from policyengine.results import BLOCKING, Finding, Outcome, Result, Verdict, jsonable

__all__ = [
    "CASES_FOLDER",
    "Case",
    "CaseFileError",
    "CaseReport",
    "CaseResult",
    "Expectation",
    "Mismatch",
    "SubjectExpectation",
    "case_files",
    "failure_lines",
    "load_case_file",
    "run_case",
    "run_cases",
]

CASES_FOLDER = "cases"
"""The folder of test-case files inside a pack folder."""

ABS_TOLERANCE = 1e-6
"""Numbers in expected outputs match when they differ by at most this much."""

EXIT_OK, EXIT_FAILED, EXIT_BAD_CASES = 0, 1, 2

KeyPath = tuple[str | int, ...]
"""Where a problem is in a case file: keys and list positions, e.g. ``("cases", 2, "expect")``."""


# ----------------------------------------------------------------------------- format


@attrs.frozen(kw_only=True)
class SubjectExpectation:
    """What a case expects of one subject's result; only what is given is compared."""

    verdict: Verdict | None = None
    outputs: dict[str, Any] = attrs.field(factory=dict)
    """Expected outputs by key; numbers match within :data:`ABS_TOLERANCE`."""
    null_outputs: tuple[str, ...] = ()
    """Outputs expected to be null (unknown, or not stated by the document): TOML has no null."""
    rules: dict[str, Outcome] = attrs.field(factory=dict)
    """Expected outcomes by rule, scale or deadline id."""
    due: dict[str, dt.date] = attrs.field(factory=dict)
    """Expected due dates of findings (a target set for the end of a period), by rule id."""

    def is_empty(self) -> bool:
        """Whether it expects nothing at all."""
        return (
            self.verdict is None
            and not self.outputs
            and not self.null_outputs
            and not self.rules
            and not self.due
        )


@attrs.frozen(kw_only=True)
class Expectation(SubjectExpectation):
    """What a case expects: of its subject and, for a jurisdiction, of its communities."""

    communities: dict[str, SubjectExpectation] = attrs.field(factory=dict)
    """Expectations of communities of a jurisdiction (anywhere in its tree), by id."""

    def is_empty(self) -> bool:
        """Whether it expects nothing at all."""
        return super().is_empty() and not self.communities


@attrs.frozen(kw_only=True)
class _RawCase:
    name: str
    as_of: dt.date
    facts: Any
    expect: Expectation
    parameters: dict[str, Any] = attrs.field(factory=dict)
    note: str | None = None


@attrs.frozen(kw_only=True)
class Case:
    """One test case, checked against its pack and ready to run."""

    name: str
    as_of: dt.date
    subject: Community | Jurisdiction
    expect: Expectation
    parameters: Mapping[str, Any]
    file: Path
    line: int
    """The line of the case's ``[[cases]]`` header."""
    facts_file: Path | None = None
    note: str | None = None

    @property
    def location(self) -> str:
        """``file:line``, the file relative to the working folder when inside it."""
        return f"{display_path(self.file)}:{self.line}"


class CaseFileError(InputError):
    """A case file with problems; each names the file, the line, the key and what is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def display_path(path: Path) -> str:
    """A path relative to the working folder when it is inside it, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def case_files(pack: Pack) -> list[Path]:
    """The pack's case files: ``cases/*.toml`` in its folder, in name order."""
    return sorted((pack.path / CASES_FOLDER).glob("*.toml"))


# ------------------------------------------------------------------- locating problems

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_CASES_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*cases[ \t]*\]\]", re.MULTILINE)


def path_text(path: KeyPath) -> str:
    """A problem's place as a key path: ``cases[2].expect.rules."rating.stars"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE.match(part) else json.dumps(part, ensure_ascii=False)
            out += f".{key}" if out else key
    return out


def _without_comments(text: str) -> str:
    """The text with comments blanked out (same length, so offsets still match)."""
    out: list[str] = []
    for line in text.split("\n"):
        quote: str | None = None
        cut = len(line)
        i = 0
        while i < len(line):
            ch = line[i]
            if quote is not None:
                if ch == "\\" and quote == '"':
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                cut = i
                break
            i += 1
        out.append(line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


def _key_pattern(key: str) -> re.Pattern[str]:
    k = re.escape(key)
    quoted = re.escape(json.dumps(key, ensure_ascii=False))
    return re.compile(rf"(?<![\w\"'-])(?:{k}|{quoted}|'{k}')[ \t]*(?=[=.\]])")


def case_lines(text: str) -> list[int]:
    """The line of each ``[[cases]]`` header, in order."""
    return [text.count("\n", 0, m.start()) + 1 for m in _CASES_HEADER.finditer(text)]


def locate(text: str, path: KeyPath) -> int:
    """The line where a key path is written in a case file (TOML keeps no positions).

    Within the case's ``[[cases]]`` section, each key of the path is looked for after the
    previous one, as a bare or quoted key; the line of the last one found is returned.
    """
    clean = _without_comments(text)
    starts = [m.start() for m in _CASES_HEADER.finditer(clean)]
    begin, end = 0, len(clean)
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "cases" and isinstance(parts[1], int):
        if parts[1] < len(starts):
            begin = starts[parts[1]]
            end = starts[parts[1] + 1] if parts[1] + 1 < len(starts) else len(clean)
        parts = parts[2:]
    pos, found = begin, begin
    for k, part in enumerate(parts):
        if isinstance(part, int):
            continue
        matches = list(_key_pattern(part).finditer(clean, pos, end))
        if not matches:
            continue
        # an array of tables repeats its header: the n-th element is the n-th header
        index = parts[k + 1] if k + 1 < len(parts) else None
        n = index if isinstance(index, int) and index < len(matches) else 0
        found, pos = matches[n].start(), matches[n].end()
    return clean.count("\n", 0, found) + 1


def _structure_problems(exc: BaseException, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Flatten cattrs' exception groups into ``(key path, message)``."""
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = (*path, note.name)
                elif isinstance(note, IterableValidationNote):
                    sub_path = (*path, note.index)
            yield from _structure_problems(sub, sub_path)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed = ", ".join(f.name for f in attrs.fields(exc.cl))
        for key in sorted(exc.extra_fields):
            yield (*path, key), f"unknown key {key!r} (allowed here: {allowed})"
        return
    if isinstance(exc, KeyError):
        yield path, "is required"
        return
    if isinstance(exc, TypeError | ValueError) and exc.args and isinstance(exc.args[0], str):
        yield path, exc.args[0]
        return
    yield path, str(exc)


def _fact_path(text: str) -> KeyPath:
    parts: list[str | int] = []
    for piece in text.split("."):
        m = re.match(r"^([^\[]*)((?:\[\d+\])*)$", piece)
        if m is None:
            parts.append(piece)
            continue
        if m.group(1):
            parts.append(m.group(1))
        parts.extend(int(n) for n in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(parts)


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
        elif levels[rule_id] != level:
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


def _load_facts(
    raw: Any, file: Path, base: KeyPath
) -> tuple[Community | Jurisdiction | None, Path | None, list[tuple[KeyPath, str]]]:
    """The case's subject from its inline facts or its facts document, or the problems."""
    if isinstance(raw, str):
        facts_file = file.parent / raw
        try:
            return load_document(facts_file), facts_file, []
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
                    problems.append(((*base, *_fact_path(p.path)), p.message or "is wrong"))
            return None, None, problems
    return None, None, [(base, f"{describe(raw)} is neither a table of facts nor a path")]


def _value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "flag (true or false)"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "table"
    return type(value).__name__


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
    shown = display_path(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
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
            problems.extend(_structure_problems(exc, ("cases", i)))
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
        subject, facts_file, facts_problems = _load_facts(raw.facts, file, (*base, "facts"))
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


# ------------------------------------------------------------------------ running

_NO_OUTPUT = object()


@attrs.frozen
class Mismatch:
    """One expectation a result did not meet."""

    kind: Literal["verdict", "rule", "output", "due"]
    key: str
    """``verdict``, the rule id, or the output key."""
    expected: Any
    actual: Any
    """The actual value; for an output the result does not have, :data:`_NO_OUTPUT`."""
    community: str | None = None
    """The community it is about, for a jurisdiction's case."""
    finding: Finding | None = None
    result: Result | None = attrs.field(default=None, eq=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The mismatch as JSON."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "key": self.key,
            "community": self.community,
            "expected": jsonable(self.expected),
            "actual": None if self.actual is _NO_OUTPUT else jsonable(self.actual),
        }
        if self.actual is _NO_OUTPUT:
            out["missing"] = True
        if self.finding is not None:
            out["finding"] = self.finding.to_dict()
        return out


@attrs.frozen
class CaseResult:
    """A case run: its result, what did not match, or the error that stopped it."""

    case: Case
    result: Result | None
    mismatches: tuple[Mismatch, ...] = ()
    error: str | None = None

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return self.error is None and not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        """The case's outcome as JSON."""
        return {
            "name": self.case.name,
            "file": display_path(self.case.file),
            "line": self.case.line,
            "passed": self.passed,
            "error": self.error,
            "mismatches": [m.to_dict() for m in self.mismatches],
        }


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dt.date):
        return bool(actual == expected.isoformat() or actual == expected)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float):
        if not isinstance(actual, int | float):
            return False
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=ABS_TOLERANCE)
    if isinstance(expected, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(expected) == len(actual)
            and all(_same(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, Mapping):
        return (
            isinstance(actual, Mapping)
            and set(expected) == set(actual)
            and all(_same(v, actual[k]) for k, v in expected.items())
        )
    return bool(expected == actual)


def _finding(result: Result, rule_id: str) -> Finding | None:
    for f in result.findings:
        if f.rule == rule_id:
            return f
    return None


def _compare(exp: SubjectExpectation, result: Result, community: str | None) -> list[Mismatch]:
    out: list[Mismatch] = []
    for rule_id, outcome in exp.rules.items():
        finding = _finding(result, rule_id)
        actual = finding.outcome if finding is not None else None
        if actual != outcome:
            out.append(Mismatch("rule", rule_id, outcome, actual, community, finding, result))
    for rule_id, day in exp.due.items():
        finding = _finding(result, rule_id)
        actual_due = getattr(finding, "due", None)
        if actual_due != day:
            out.append(Mismatch("due", rule_id, day, actual_due, community, finding, result))
    if exp.verdict is not None and exp.verdict != result.verdict:
        out.append(
            Mismatch("verdict", "verdict", exp.verdict, result.verdict, community, None, result)
        )
    for name, value in exp.outputs.items():
        actual = result.outputs.get(name, _NO_OUTPUT)
        if actual is _NO_OUTPUT or not _same(value, actual):
            out.append(Mismatch("output", name, value, actual, community, None, result))
    for name in exp.null_outputs:
        actual = result.outputs.get(name, _NO_OUTPUT)
        if actual is not None:
            out.append(Mismatch("output", name, None, actual, community, None, result))
    return out


def _community_results(result: Result) -> dict[str, Result]:
    found = {r.subject_id: r for r in result.communities}
    for child in result.jurisdictions:
        found.update(_community_results(child))
    return found


def run_case(case: Case, pack: Pack) -> CaseResult:
    """Evaluate one case against its pack and compare the result with what it expects."""
    try:
        result = api.evaluate(
            case.subject, pack, as_of=case.as_of, parameters=dict(case.parameters) or None
        )
    except PolicyEngineError as exc:
        return CaseResult(case, None, (), str(exc))
    except Exception as exc:  # a pack hook's bug fails the case, not the run
        return CaseResult(case, None, (), f"{type(exc).__name__}: {exc}")
    mismatches = _compare(case.expect, result, None)
    by_id = _community_results(result)
    for cid, sub in case.expect.communities.items():
        mismatches.extend(_compare(sub, by_id[cid], cid))
    return CaseResult(case, result, tuple(mismatches))


@attrs.frozen
class CaseReport:
    """Every case of one pack run: results, problems with case files, and coverage."""

    pack: Pack
    results: tuple[CaseResult, ...]
    coverage: Coverage
    errors: tuple[str, ...] = ()
    """Problems with case files (or the pack) that stopped cases from running."""
    files: tuple[Path, ...] = ()

    @property
    def passed(self) -> int:
        """How many cases passed."""
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        """How many cases failed."""
        return sum(1 for r in self.results if not r.passed)

    def coverage_ok(self, min_coverage: float | None) -> bool:
        """Whether coverage reaches ``min_coverage`` percent (always, when None)."""
        return min_coverage is None or self.coverage.percent + 1e-9 >= min_coverage

    def ok(self, min_coverage: float | None = None) -> bool:
        """No bad case file, no failing case, and coverage at least ``min_coverage``."""
        return not self.errors and not self.failed and self.coverage_ok(min_coverage)

    def summary(self) -> str:
        """``wuma-star-rating: 35 passed, 0 failed``."""
        return f"{self.pack.id}: {self.passed} passed, {self.failed} failed"

    def lines(self, min_coverage: float | None = None) -> list[str]:
        """The text report: each failure, the summary line, the coverage report."""
        lines: list[str] = []
        for r in self.results:
            if not r.passed:
                lines.extend(failure_lines(r))
                lines.append("")
        if not self.files:
            lines.append(
                f"{self.pack.id}: no test cases ({CASES_FOLDER}/*.toml in the pack folder)"
            )
        lines.append(self.summary())
        if self.results:
            lines.extend(self.coverage.lines())
        else:
            lines.append(f"{self.coverage.summary()}: no case ran")
        if not self.coverage_ok(min_coverage):
            lines.append(
                f"coverage {format_percent(self.coverage.percent)} is below "
                f"--min-coverage {min_coverage:g}%"
            )
        return lines

    def to_dict(self, min_coverage: float | None = None) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "pack": {"id": self.pack.id, "version": self.pack.version, "digest": self.pack.digest},
            "ok": self.ok(min_coverage),
            "passed": self.passed,
            "failed": self.failed,
            "errors": list(self.errors),
            "files": [display_path(f) for f in self.files],
            "cases": [r.to_dict() for r in self.results],
            "coverage": self.coverage.to_dict(),
        }


def evaluations(results: Sequence[CaseResult]) -> list[Evaluation]:
    """What coverage reads from case results: each evaluated case."""
    return [
        Evaluation(
            r.case.name,
            r.case.as_of,
            r.case.parameters,
            r.case.subject,
            r.result,
            _checked_outputs(r.case.expect),
        )
        for r in results
        if r.result is not None
    ]


def _checked_outputs(expect: Expectation) -> frozenset[str]:
    """The outputs a case's expectations name, of its subject and its communities."""
    names = {*expect.outputs, *expect.null_outputs}
    for sub in expect.communities.values():
        names.update(sub.outputs, sub.null_outputs)
    return frozenset(names)


def run_cases(pack: Pack, files: Sequence[Path] | None = None) -> CaseReport:
    """Run every case of the pack (or of the given case files) and measure coverage."""
    paths = tuple(case_files(pack) if files is None else files)
    try:
        compile_pack(pack)
        compile_pack(pack, "jurisdiction")
    except PackError as exc:
        return CaseReport(pack, (), measure(pack, ()), (str(exc),), paths)
    errors: list[str] = []
    cases: list[Case] = []
    for file in paths:
        try:
            cases.extend(load_case_file(file, pack))
        except CaseFileError as exc:
            errors.extend(exc.problems)
    results = tuple(run_case(case, pack) for case in cases)
    return CaseReport(pack, results, measure(pack, evaluations(results)), tuple(errors), paths)


# ------------------------------------------------------------------------ reporting


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _value(value: Any) -> str:
    if value is None:
        return "未知"
    return json.dumps(jsonable(value), ensure_ascii=False)


def _shown(value: Any) -> str:
    if value is _NO_OUTPUT:
        return "no such output"
    return json.dumps(jsonable(value), ensure_ascii=False)


def _finding_lines(f: Finding, indent: str) -> list[str]:
    lines = [f"{indent}quote: 「{_short(f.quote)}」", f"{indent}message: {f.message}"]
    if f.inputs:
        facts = "; ".join(f"{k} = {_value(v)}" for k, v in f.inputs.items())
        lines.append(f"{indent}facts read: {facts}")
    return lines


def failure_lines(cr: CaseResult) -> list[str]:
    """A failed case as a policy expert reads it: what was expected, what the rule said."""
    lines = [f"FAILED {cr.case.name} ({cr.case.location})"]
    if cr.error is not None:
        lines.extend(f"  error: {line}" for line in cr.error.splitlines())
    for m in cr.mismatches:
        who = f"community {m.community}: " if m.community else ""
        if m.kind == "rule":
            f = m.finding
            if f is None:
                lines.append(f"  {who}{m.key}: expected {m.expected}, got no finding")
                continue
            lines.append(
                f"  {who}{f.rule} {f.title} [{f.clause}]: expected {m.expected}, got {f.outcome}"
            )
            lines.extend(_finding_lines(f, "    "))
        elif m.kind == "due":
            actual = "none" if m.actual is None else _shown(m.actual)
            lines.append(f"  {who}{m.key} due date: expected {_shown(m.expected)}, got {actual}")
        elif m.kind == "verdict":
            lines.append(f"  {who}verdict: expected {m.expected}, got {m.actual}")
            if m.result is not None:
                deciding = [
                    f"{f.rule} {f.outcome}"
                    for f in m.result.findings
                    if f.binding and (f.outcome in BLOCKING or f.outcome == "unknown")
                ]
                if deciding:
                    lines.append(f"    binding findings: {', '.join(deciding)}")
        else:
            expected = "null" if m.expected is None else _shown(m.expected)
            lines.append(f"  {who}output {m.key}: expected {expected}, got {_shown(m.actual)}")
    return lines


# --------------------------------------------------------------------- the command


def _targets(names: Sequence[str]) -> list[tuple[Pack, list[Path] | None]]:
    """Packs (and case files) named on the command line; every installed pack for none."""
    if not names:
        return [(pack, None) for pack in api.installed_packs().values()]
    targets: list[tuple[Pack, list[Path] | None]] = []
    for name in names:
        path = Path(name)
        if path.is_file() and path.suffix == ".toml" and path.name != "pack.toml":
            folder = path.parent.parent
            if path.parent.name != CASES_FOLDER or not (folder / "pack.toml").is_file():
                raise UnknownPackError(
                    f"{name}: a case file must be in the {CASES_FOLDER}/ folder of a pack"
                )
            targets.append((load_pack(folder), [path]))
            continue
        if path.is_dir():
            targets.append((load_pack(find_pack_folder(path)), None))
            continue
        targets.extend((pack, None) for pack in api.default_registry().resolve(name))
    return targets


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage between 0 and 100")
    return value


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="a pack id, a pack folder or one case file (default: every installed pack)",
    )
    parser.add_argument(
        "--min-coverage",
        type=_percent,
        default=None,
        metavar="N",
        help="fail when a pack's domain coverage is below N percent",
    )
    parser.add_argument(
        "--mutate",
        action="store_true",
        help="plant one-line mistakes in each pack (mutants) and report those no case notices",
    )
    parser.add_argument(
        "--min-killed",
        type=_percent,
        default=None,
        metavar="N",
        help="with --mutate: fail when a pack's cases kill less than N percent of its mutants",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    if args.mutate:
        from policyengine.authoring import mutate  # it builds on this module

        return mutate.run_command(
            _targets(args.packs),
            streams,
            min_killed=args.min_killed,
            as_json=args.format == "json",
        )
    reports = [run_cases(pack, files) for pack, files in _targets(args.packs)]
    min_coverage: float | None = args.min_coverage
    if args.format == "json":
        data = {
            "ok": all(r.ok(min_coverage) for r in reports),
            "min_coverage": min_coverage,
            "packs": [r.to_dict(min_coverage) for r in reports],
        }
        streams.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for i, report in enumerate(reports):
            for error in report.errors:
                print(error, file=streams.stderr)
            if i:
                streams.stdout.write("\n")
            streams.stdout.write("\n".join(report.lines(min_coverage)) + "\n")
        if not reports:
            streams.stdout.write("no packs to test\n")
    if any(r.errors for r in reports):
        return EXIT_BAD_CASES
    if all(r.ok(min_coverage) for r in reports):
        return EXIT_OK
    return EXIT_FAILED


@hookimpl
def register_commands() -> list[Command]:
    """The ``test`` command: run packs' test cases and report their domain coverage."""
    return [
        Command(
            name="test",
            help="run packs' test cases (cases/*.toml) and report domain coverage",
            configure=_configure,
            run=_run,
        )
    ]
