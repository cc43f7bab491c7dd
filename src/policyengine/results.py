"""What an evaluation concludes: findings, a verdict, outputs — the JSON of results.md.

:meth:`Result.to_dict` gives exactly the documented JSON; fields may be added over time,
none renamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from policyengine.messages import FROM_INPUTS, PASSED, FactValues, Reason, Text, text

__all__ = ["BLOCKING", "Finding", "Outcome", "Result", "Verdict", "jsonable", "verdict_of"]

Outcome: TypeAlias = Literal[
    "pass", "fail", "unknown", "not_applicable", "advisory", "due", "overdue", "met_late"
]
"""A rule's outcome. ``due``: a deadline not yet reached; ``overdue``: passed without the
act; ``met_late``: done after the deadline. ``overdue`` and ``met_late`` count as failures."""

Verdict: TypeAlias = Literal["pass", "fail", "incomplete", "not_applicable"]

BLOCKING: frozenset[str] = frozenset({"fail", "overdue", "met_late"})


def jsonable(value: Any) -> Any:
    """A value as it appears in result JSON (dates as ISO text, tuples as lists)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:  # the common containers first, without abc checks
        return {str(k): jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [jsonable(v) for v in value]
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


@attrs.frozen
class Finding:
    """One rule's outcome for one subject, with what it read and whom it concerns."""

    rule: str
    outcome: Outcome
    title: str
    clause: str
    quote: str
    responsible: tuple[str, ...]
    inputs: Mapping[str, Any]
    """The facts the rule read, with their values (None: missing)."""
    _expected: Text | None = attrs.field(alias="expected")
    _actual: Text | None = attrs.field(alias="actual")
    _message: Text = attrs.field(alias="message")
    binding: bool = True
    parameters: Mapping[str, Any] = attrs.field(factory=dict)
    """The parameters the rule used, with their values on the date."""
    area: str | None = None
    parameter_clauses: Mapping[str, str | None] = attrs.field(factory=dict, repr=False)
    """The clause each parameter in ``parameters`` comes from (not in the result JSON)."""

    def _why(self) -> Text:
        m = self._message
        if m.__class__ is Reason and m == PASSED:
            return Reason("pass", {"expected": self._expected})
        return m

    def _seen(self) -> Text | None:
        a = self._actual
        if a.__class__ is FactValues and a == FROM_INPUTS:
            return FactValues(tuple(self.inputs.items())) if self.inputs else None
        return a

    @property
    def reason(self) -> Reason | None:
        """Why the finding has its outcome, as data (None for a hook's own sentence)."""
        why = self._why()
        return why if isinstance(why, Reason) else None

    @property
    def message(self) -> str:
        """The finding's sentence, in Chinese (:meth:`message_in` for another language)."""
        return self.message_in("zh")

    def message_in(self, lang: str) -> str:
        """The finding's sentence in ``lang``."""
        return text(self._why(), lang) or ""

    @property
    def expected(self) -> str | None:
        """What the rule requires, as text."""
        return text(self._expected)

    @property
    def actual(self) -> str | None:
        """What the facts were, as text."""
        return text(self._seen())

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The finding as result JSON, its sentences in ``lang``."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "outcome": self.outcome,
            "title": self.title,
            "clause": self.clause,
            "quote": self.quote,
            "responsible": list(self.responsible),
            "inputs": jsonable(self.inputs),
            "expected": text(self._expected, lang),
            "actual": text(self._seen(), lang),
            "message": self.message_in(lang),
            "binding": self.binding,
            "parameters": jsonable(self.parameters),
        }
        if self.area is not None:
            out["area"] = self.area
        return out


def verdict_of(findings: Iterable[Finding], applicable: bool | None = True) -> Verdict:
    """``not_applicable`` if the pack does not apply; ``fail`` if a binding rule fails;
    ``incomplete`` if one is unknown (or applicability is); else ``pass``."""
    if applicable is False:
        return "not_applicable"
    binding = [f for f in findings if f.binding]
    if applicable is None:
        return "incomplete"
    if any(f.outcome in BLOCKING for f in binding):
        return "fail"
    if any(f.outcome == "unknown" for f in binding):
        return "incomplete"
    if binding and all(f.outcome == "not_applicable" for f in binding):
        return "not_applicable"
    return "pass"


@attrs.frozen
class Result:
    """The evaluation of one subject against one pack on one date."""

    pack_id: str
    pack_version: str
    pack_digest: str
    engine_version: str
    subject_id: str
    subject_name: str | None
    subject_level: Literal["community", "jurisdiction"]
    as_of: dt.date
    verdict: Verdict
    findings: tuple[Finding, ...]
    outputs: Mapping[str, Any]
    communities: tuple[Result, ...] = ()
    """For a jurisdiction: the results of its own communities."""
    jurisdictions: tuple[Result, ...] = ()
    """For a jurisdiction: the results of its child jurisdictions."""

    def finding(self, rule: str) -> Finding:
        """The finding of one rule."""
        for f in self.findings:
            if f.rule == rule:
                return f
        raise KeyError(rule)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """The result as the JSON of results.md, its sentences in ``lang``."""
        out: dict[str, Any] = {
            "pack": {"id": self.pack_id, "version": self.pack_version, "digest": self.pack_digest},
            "engine": {"version": self.engine_version},
            "subject": {
                "id": self.subject_id,
                "name": self.subject_name,
                "level": self.subject_level,
            },
            "as_of": self.as_of.isoformat(),
            "verdict": self.verdict,
            "findings": [f.to_dict(lang) for f in self.findings],
            "outputs": jsonable(self.outputs),
        }
        if self.subject_level == "jurisdiction":
            out["communities"] = [c.to_dict(lang) for c in self.communities]
            out["jurisdictions"] = [j.to_dict(lang) for j in self.jurisdictions]
        return out
