"""``[[deadlines]]``: dates by which something must be done."""

from __future__ import annotations

import attrs

from policyengine import expressions as ex
from policyengine import relative_time
from policyengine.exceptions import PackError
from policyengine.pack import Deadline
from policyengine.plan.common import Build, check_engine_limits, compile_expr, sources_of, unique
from policyengine.plan.ids import CondId, ValueSource

__all__ = ["DeadlineItem", "build"]


@attrs.frozen
class DeadlineItem:
    """One deadline of the level, compiled."""

    deadline: Deadline
    index: int
    when: ex.Expr | None
    when_id: int | None
    evidence: ex.Expr
    evidence_is_value: bool
    """The evidence is a date-list (or, yearly, a year) fact rather than a condition."""
    evidence_id: int | None
    when_sources: tuple[ValueSource, ...]
    evidence_sources: tuple[ValueSource, ...]
    fact_paths: tuple[str, ...]

    @property
    def all_sources(self) -> tuple[ValueSource, ...]:
        """Every value the deadline's conditions compare."""
        return self.when_sources + self.evidence_sources


def _kind(b: Build, path: str) -> str | None:
    found = b.env[0](path)
    return None if found is None else str(found[0])


def build(b: Build) -> None:
    """Compile the deadlines of ``b.level``."""
    problems = relative_time.check(b.pack, lambda p: _kind(b, p), str(b.file), b.level)
    if problems:
        raise PackError("\n".join(problems))
    b.read(tuple(relative_time.reads(b.pack, b.level)))
    items: list[DeadlineItem] = []
    for i, dl in enumerate(b.pack.deadlines):
        if dl.subject != b.level:
            continue
        where = f"{b.file}: deadlines[{i}] ({dl.id})"
        when = compile_expr(dl.when, f"{where}.when", b.env, condition=True)
        try:
            evidence = ex.parse(dl.evidence)
            kind = ex.check_types(evidence, *b.env, condition=False)
            if kind == "bool":
                check_engine_limits(ex.normalise(evidence))
        except ex.ExpressionError as exc:
            raise PackError(f"{where}.evidence: {exc}") from None
        is_value = isinstance(evidence, ex.Field) and (
            kind == "date_list" or (dl.kind == "yearly" and kind == "number")
        )
        evidence_id = None
        if not is_value:
            if kind != "bool":
                raise PackError(
                    f"{where}.evidence: give a date-list fact, a year fact (yearly) "
                    f"or a condition, not a {kind} value"
                )
            evidence_id = b.condition(CondId("deadline", i, "evidence"), evidence)
        when_id = b.condition(CondId("deadline", i, "when"), when)
        fact_paths = unique(
            ex.fields_of(evidence),
            ex.fields_of(when) if when else (),
            [dl.after] if dl.after else (),
        )
        items.append(
            DeadlineItem(
                dl,
                i,
                when,
                when_id,
                evidence,
                is_value,
                evidence_id,
                sources_of(when),
                () if is_value else sources_of(evidence),
                fact_paths,
            )
        )
        b.read(fact_paths)
    b.items["deadlines"] = tuple(items)
