"""A decided subject's outputs: the pack's expressions', its tables' and the dated ones.

The engine works out the scales', deadlines', summaries' and findings' outputs as it
decides them; these are the outputs read from the facts and the outputs so far, shared by
:func:`policyengine.engine.decide` and the band gap's "what if"
(:mod:`policyengine.what_if`), which works out a community's outputs again without its
findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from policyengine import expressions as ex
from policyengine.pack import Pack
from policyengine.plan import Plan
from policyengine.plan.fact_list import FactListPlan
from policyengine.results import Decided, jsonable

__all__ = [
    "PLAIN",
    "dated_outputs",
    "expression_outputs",
    "finished_outputs",
    "plain",
    "table_outputs",
]

PLAIN = frozenset({str, int, bool, type(None)})
"""Output values that are their own JSON (:func:`jsonable` returns them as they are)."""


def plain(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs as a result holds them: each value as result JSON says it."""
    return {k: v if type(v) in PLAIN else jsonable(v) for k, v in outputs.items()}


class _Scope(dict[str, Any]):
    """What outputs read: the outputs so far (``outputs.KEY``), then the facts (not copied)."""

    __slots__ = ("facts",)

    def __init__(self, facts: Mapping[str, Any], outputs: dict[str, Any]) -> None:
        super().__init__(outputs)
        self.facts = facts

    def get(self, key: str, default: Any = None) -> Any:
        if key.startswith("outputs."):
            return dict.get(self, key, default)
        return self.facts.get(key, default)


def expression_outputs(
    plan: Plan,
    facts: Mapping[str, Any],
    params: Mapping[str, Any],
    outputs: dict[str, Any],
    applicable: bool | None,
) -> None:
    """Add the outputs the pack's expressions give (null where the pack does not apply)."""
    # outputs that read no other output read the facts as they are
    scope = (
        _Scope(facts, {f"outputs.{k}": v for k, v in outputs.items()})
        if plan.outputs_read_outputs
        else None
    )
    read = facts if scope is None else scope
    for out in plan.outputs:
        if out.late:  # reads a table or a tally: below, once they are known
            outputs[out.name] = None
            continue
        # where the pack does not apply, its outputs say nothing: null
        outputs[out.name] = (
            ex.evaluate(out.expression, read, params) if applicable is not False else None
        )
        if scope is not None:
            scope[f"outputs.{out.name}"] = outputs[out.name]


def table_outputs(
    plan: Plan,
    facts: Mapping[str, Any],
    params: Mapping[str, Any],
    outputs: dict[str, Any],
    answers: dict[str, Any],
) -> None:
    """Add the outputs the pack's tables give (each table's answer kept in ``answers``)."""
    for tp in plan.tables.values():
        answer = tp.answer(outputs.get(tp.table.level), facts.get(tp.table.previous), params)
        outputs.update(tp.outputs(answer))
        answers[tp.id] = answer


def finished_outputs(
    plan: Plan,
    findings: Sequence[Decided],
    facts: Mapping[str, Any],
    outputs: dict[str, Any],
    applicable: bool | None,
) -> None:
    """Add the outputs that read every finding (tallies, fact lists). Where the pack does
    not apply, a fact list says nothing (null), as the other outputs: the facilities the
    document requires are not "missing" for a subject it does not concern."""
    for finisher in plan.finishers:
        said = finisher.outputs(findings, facts)
        if applicable is False and isinstance(finisher, FactListPlan):
            said = dict.fromkeys(said)
        outputs.update(said)


def dated_outputs(pack: Pack, outputs: dict[str, Any], year: int | None, phase: str | None) -> None:
    """Add the programme year and the phase on the date, where the pack has them."""
    if pack.info.programme is not None:
        outputs.setdefault("program_year", year)
    if pack.phases:
        outputs.setdefault(pack.info.phase_output, phase)
