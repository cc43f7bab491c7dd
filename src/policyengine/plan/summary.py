"""The ``summary`` kind: whether a subject meets every binding requirement (true/false/null)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from policyengine import expressions as ex
from policyengine.messages import Reason, Words
from policyengine.pack import Summary
from policyengine.plan.common import Build, compile_expr
from policyengine.results import BLOCKING, Decided
from policyengine.sentences import condition_in_words

__all__ = ["SummaryPlan", "build"]


@attrs.frozen
class SummaryPlan:
    """One ``[[summaries]]`` entry with its ``when`` condition compiled."""

    summary: Summary
    when: ex.Expr | None
    when_words: Words | None = None
    """``when`` in words, Chinese and English (a sentence never shows the expression)."""

    @property
    def output(self) -> str:
        """The output key receiving the answer."""
        return self.summary.output

    def answer(
        self,
        findings: Sequence[Decided],
        applicable: bool | None,
        facts: Mapping[str, Any],
        params: Mapping[str, Any],
    ) -> tuple[bool | None, Reason]:
        """``(meets, reason)`` over the findings of condition rules, scales and deadlines."""
        s = self.summary
        title = Words(s.title, s.title_en)
        if self.when is not None and ex.evaluate(self.when, facts, params) is not True:
            condition = self.when_words or ex.render(self.when)
            return None, Reason("summary_when", {"condition": condition, "title": title})
        if applicable is not True:
            return None, Reason("summary_applicability", {"title": title})
        counted = [f for f in findings if f.binding and (f.area is not None or not s.with_area)]
        failed = [_named(f) for f in counted if f.outcome in BLOCKING]
        if failed:
            return False, Reason("summary_fail", {"title": title, "rules": failed})
        unknown = [_named(f) for f in counted if f.outcome == "unknown"]
        if unknown:
            return None, Reason("summary_unknown", {"title": title, "rules": unknown})
        passed = [f.rule for f in counted if f.outcome == "pass"]
        if s.requires_a_pass and not passed:
            return None, Reason("summary_none", {"title": title})
        return True, Reason("summary_pass", {"title": title, "n": len(passed)})


def _named(f: Decided) -> Words:
    """A requirement as a sentence names it: its title, quoted (never its id)."""
    return Words(f"“{f.title or f.rule}”", f"“{f.title_en}”" if f.title_en else None)


def build(b: Build) -> None:
    """Compile the summaries' ``when`` conditions (communities only)."""
    items: list[SummaryPlan] = []
    for i, sm in enumerate(b.pack.summaries if b.community else ()):
        when = compile_expr(sm.when, f"{b.file}: summaries[{i}].when", b.env, condition=True)
        words = condition_in_words(when, b.pack) if when is not None else None
        items.append(SummaryPlan(sm, when, words))
        if when is not None:
            b.read(ex.fields_of(when))
    b.items["summaries"] = tuple(items)
