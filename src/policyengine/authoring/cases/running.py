"""Running cases: each case's result compared with what it expects, a pack's report, and a
failed case written the way a policy expert reads it."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine import api
from policyengine.authoring.cases.format import (
    ABS_TOLERANCE,
    CASES_FOLDER,
    Case,
    CaseFileError,
    Expectation,
    SubjectExpectation,
    case_files,
    display_path,
)
from policyengine.authoring.cases.loading import load_case_file
from policyengine.authoring.coverage import Coverage, Evaluation, format_percent, measure
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError, PolicyEngineError
from policyengine.pack import Pack
from policyengine.results import BLOCKING, Finding, Result, jsonable

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
    try:
        paths = tuple(case_files(pack) if files is None else files)
    except CaseFileError as exc:  # too many to read
        return CaseReport(pack, (), measure(pack, ()), exc.problems, ())
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
