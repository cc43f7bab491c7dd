"""Mutation testing of a pack: would its test cases notice a wrong threshold?

A *mutant* is the pack with one small mistake planted in its data, the kind a person
makes when encoding a document: a comparison written ``>`` for ``>=`` (以上 read as 超过),
a threshold one unit off, a date one day off, a member dropped from a list, a condition
left out, a binding rule typed as advisory (or the reverse), a dated parameter value
changed or its date shifted. Every case of the pack is run against each mutant, in
memory (nothing is written in the pack folder); a mutant is *killed* when some case sees
decisions other than it expects (a verdict, an outcome, an output), *survives* when every
case still passes, and is *invalid* when it does not compile (e.g. a type error) or a case
cannot be evaluated on it at all: invalid mutants are left out of the count. Mutants are
planted only in a pack that compiles and whose cases pass: on any other, the run stops
with the problem (a pack that does not compile: exit 2) and no mutant is counted.

A surviving mutant is a mistake the cases would let through: the report names it with
the clause it touches. ``policyengine test --mutate`` prints the survivors and ends with
``mutants: K/M killed``; ``--min-killed N`` fails below N percent.

The mutants themselves are made by :mod:`policyengine.authoring.mutants`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from policyengine.authoring.cases.format import Case, CaseFileError, case_files
from policyengine.authoring.cases.loading import load_case_file
from policyengine.authoring.cases.running import CaseResult, failure_lines, run_case
from policyengine.authoring.mutants import Mutant, mutants
from policyengine.contracts import Streams
from policyengine.engine import compile_pack
from policyengine.exceptions import PolicyEngineError
from policyengine.pack import Pack

__all__ = ["Mutant", "MutantResult", "MutationReport", "mutants", "run_mutants"]

Status = Literal["killed", "survived", "invalid"]


@attrs.frozen
class MutantResult:
    """A mutant and what the cases did with it."""

    mutant: Mutant
    status: Status
    killed_by: str | None = None
    """The name of the first case that saw other decisions on it."""
    reason: str | None = None
    """Why a mutant is invalid: it did not compile, or a case could not be evaluated."""

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON."""
        m = self.mutant
        return {
            "number": m.number,
            "operator": m.operator,
            "where": m.where,
            "clause": m.clause,
            "change": m.change,
            "status": self.status,
            "killed_by": self.killed_by,
            "reason": self.reason,
        }


@attrs.frozen
class MutationReport:
    """Every mutant of one pack, run against the pack's cases."""

    pack: Pack
    results: tuple[MutantResult, ...]
    cases: int
    errors: tuple[str, ...] = ()
    """Problems that stopped the run: bad case files, cases failing on the pack itself."""
    seconds: float = 0.0
    bad_input: bool = False
    """Whether the errors are a bad pack or case file (exit 2), not failing cases (exit 1)."""

    @property
    def killed(self) -> int:
        """How many mutants some case noticed."""
        return sum(1 for r in self.results if r.status == "killed")

    @property
    def total(self) -> int:
        """How many mutants count (invalid ones do not)."""
        return sum(1 for r in self.results if r.status != "invalid")

    @property
    def percent(self) -> float:
        """Killed over counted mutants, in percent (100 for a pack with none)."""
        return 100.0 * self.killed / self.total if self.total else 100.0

    @property
    def survivors(self) -> list[MutantResult]:
        """The mutants every case let through."""
        return [r for r in self.results if r.status == "survived"]

    def ok(self, min_killed: float | None) -> bool:
        """No error, and at least ``min_killed`` percent killed (always, when None)."""
        if self.errors:
            return False
        return min_killed is None or self.percent + 1e-9 >= min_killed

    def lines(self, min_killed: float | None = None) -> list[str]:
        """The text report: survivors with their clause, then the count (or, when the run
        was stopped, its problems: no count, which would read 100%)."""
        lines = list(self.errors)
        if self.errors:
            lines.append(f"{self.pack.id}: no mutant was run")
            return lines
        survivors = self.survivors
        if survivors:
            lines.append(f"{self.pack.id}: {len(survivors)} mutants survived (no case failed):")
            lines.extend(f"  {r.mutant.text()}" for r in survivors)
        invalid = sum(1 for r in self.results if r.status == "invalid")
        lines.append(
            f"{self.pack.id}: {self.killed}/{self.total} mutants killed "
            f"({_percent_text(self.percent)}) by {self.cases} cases"
            + (f"; {invalid} invalid (did not compile or run)" if invalid else "")
        )
        if min_killed is not None and not self.errors and not self.ok(min_killed):
            lines.append(
                f"{self.pack.id}: {_percent_text(self.percent)} killed is below "
                f"--min-killed {min_killed:g}%"
            )
        return lines

    def to_dict(self, min_killed: float | None = None) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "pack": {"id": self.pack.id, "version": self.pack.version, "digest": self.pack.digest},
            "ok": self.ok(min_killed),
            "errors": list(self.errors),
            "cases": self.cases,
            "killed": self.killed,
            "total": self.total,
            "percent": None if self.errors else self.percent,
            "seconds": round(self.seconds, 3),
            "mutants": [r.to_dict() for r in self.results],
        }


def _percent_text(value: float) -> str:
    """A percentage never rounded up to 100."""
    text = f"{value:.1f}%"
    return "99.9%" if text == "100.0%" and value < 100 else text


# -------------------------------------------------------------------------- running


def _load_cases(pack: Pack, files: Sequence[Path] | None) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    errors: list[str] = []
    for file in case_files(pack) if files is None else files:
        try:
            cases.extend(load_case_file(file, pack))
        except CaseFileError as exc:
            errors.extend(exc.problems)
    return cases, errors


def _compiles(pack: Pack) -> str | None:
    try:
        compile_pack(pack)
        compile_pack(pack, "jurisdiction")
    except PolicyEngineError as exc:
        return str(exc).splitlines()[0]
    except Exception as exc:  # a planted change the compiler does not expect
        return f"{type(exc).__name__}: {exc}"
    return None


def _touches(run: CaseResult) -> set[tuple[str, str]]:
    """What a case checks or reads, as ``(kind, id)``: the rules, scales and deadlines it
    expects, the outputs it expects, the parameters its findings read."""
    expect = run.case.expect
    subjects = [expect, *expect.communities.values()]
    found: set[tuple[str, str]] = set()
    for exp in subjects:
        for rule_id in [*exp.rules, *exp.due]:
            found.update({("rule", rule_id), ("scale", rule_id), ("deadline", rule_id)})
        found.update(("output", k) for k in [*exp.outputs, *exp.null_outputs])
    pending = [run.result] if run.result is not None else []
    while pending:
        result = pending.pop()
        for finding in result.findings:
            found.update(("parameter", p) for p in finding.parameters)
        pending.extend(result.communities)
        pending.extend(result.jurisdictions)
    return found


def run_mutants(pack: Pack, files: Sequence[Path] | None = None) -> MutationReport:
    """Plant every mutant in the pack and run its cases against each."""
    started = time.perf_counter()
    problem = _compiles(pack)
    if problem is not None:
        stop = (problem, f"{pack.id}: the pack does not compile; fix it before mutating")
        return MutationReport(pack, (), 0, stop, bad_input=True)
    cases, errors = _load_cases(pack, files)
    if errors:
        return MutationReport(pack, (), len(cases), tuple(errors), bad_input=True)
    baseline = [run_case(case, pack) for case in cases]
    failing = [r for r in baseline if not r.passed]
    if failing:
        lines = [f"{pack.id}: cases fail on the pack itself; fix them before mutating:"]
        for r in failing:
            lines.extend(failure_lines(r))
        return MutationReport(pack, (), len(cases), tuple(lines))
    if not cases:
        return MutationReport(pack, (), 0, (f"{pack.id}: no test cases to run against mutants",))
    order = list(cases)
    touches = {id(r.case): _touches(r) for r in baseline}
    results: list[MutantResult] = []
    for mutant in mutants(pack):
        reason = _compiles(mutant.pack)
        if reason is not None:
            results.append(MutantResult(mutant, "invalid", None, reason))
            continue
        killer: Case | None = None
        broken: str | None = None
        # first the cases that check or read what the mutant touches
        near = [c for c in order if mutant.target in touches[id(c)]]
        for case in near + [c for c in order if mutant.target not in touches[id(c)]]:
            run = run_case(case, mutant.pack)
            if run.error is not None:  # no decisions to compare: it neither kills nor passes
                broken = broken or f"case {case.name!r} cannot be evaluated: {run.error}"
            elif not run.passed:
                killer = case
                break
        if killer is None and broken is not None:
            results.append(MutantResult(mutant, "invalid", None, broken))
        elif killer is None:
            results.append(MutantResult(mutant, "survived"))
        else:
            # the case that killed this mutant is tried first on the next one
            order.remove(killer)
            order.insert(0, killer)
            results.append(MutantResult(mutant, "killed", killer.name))
    return MutationReport(pack, tuple(results), len(cases), (), time.perf_counter() - started)


def run_command(
    targets: Sequence[tuple[Pack, Sequence[Path] | None]],
    streams: Streams,
    *,
    min_killed: float | None,
    as_json: bool,
) -> int:
    """``policyengine test --mutate``: report each pack, end with ``mutants: K/M killed``.

    Exit 0 when every pack's cases pass on it and reach ``min_killed``; 1 below it (or
    when a case fails on the pack itself); 2 for a bad case file or pack.
    """
    reports = [run_mutants(pack, files) for pack, files in targets]
    killed = sum(r.killed for r in reports)
    total = sum(r.total for r in reports)
    if as_json:
        data = {
            "ok": all(r.ok(min_killed) for r in reports),
            "min_killed": min_killed,
            "killed": killed,
            "total": total,
            "packs": [r.to_dict(min_killed) for r in reports],
        }
        streams.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for i, report in enumerate(reports):
            if i:
                streams.stdout.write("\n")
            streams.stdout.write("\n".join(report.lines(min_killed)) + "\n")
        streams.stdout.write(f"mutants: {killed}/{total} killed\n")
    if any(r.bad_input for r in reports):
        return 2
    return 0 if all(r.ok(min_killed) for r in reports) else 1
