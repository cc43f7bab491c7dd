"""What an evaluation concludes: findings, a verdict, outputs — the JSON of results.md.

:meth:`Result.to_dict` gives exactly the documented JSON; fields may be added over time,
none renamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import attrs

from policyengine.messages import FROM_INPUTS, PASSED, FactValues, Reason, Text, said_values, text

__all__ = [
    "BLOCKING",
    "OPTIONAL_PARTS",
    "BandGap",
    "Decided",
    "Finding",
    "Outcome",
    "PendingFindings",
    "Reader",
    "Result",
    "RuleGap",
    "Verdict",
    "jsonable",
    "omit_problem",
    "verdict_of",
]

Outcome: TypeAlias = Literal[
    "pass", "fail", "unknown", "not_applicable", "advisory", "due", "overdue", "met_late"
]
"""A rule's outcome. ``due``: a deadline not yet reached; ``overdue``: passed without the
act; ``met_late``: done after the deadline. ``overdue`` and ``met_late`` count as failures."""

Verdict: TypeAlias = Literal["pass", "fail", "incomplete", "not_applicable"]

BLOCKING: frozenset[str] = frozenset({"fail", "overdue", "met_late"})

OPTIONAL_PARTS: tuple[str, ...] = ("findings", "gaps")
"""The parts of a result's JSON a caller may leave out (:meth:`Result.to_dict`'s ``omit``):
the rest (the pack, engine, subject, date, verdict and outputs) is always written."""


def omit_problem(name: object, before: Collection[str]) -> Literal["unknown", "twice"] | None:
    """What is wrong with leaving out ``name`` after the parts ``before``: ``"unknown"``
    (not one of :data:`OPTIONAL_PARTS`), ``"twice"`` (named before), or None. The service's
    ``omit`` and the command line's ``--omit`` each say it in their own words."""
    if not isinstance(name, str) or name not in OPTIONAL_PARTS:
        return "unknown"
    return "twice" if name in before else None


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
    due: dt.date | None = None
    """For a target set for the end of a period: the date it is due."""
    title_en: str | None = attrs.field(default=None, repr=False)
    """The title in English, where the pack (or the catalogue) gives one."""

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (the Chinese title where no English one is given)."""
        return self.title_en if lang == "en" and self.title_en else self.title

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

    def to_dict(self, lang: str = "zh", message: str | None = None) -> dict[str, Any]:
        """The finding as result JSON, its sentences in ``lang`` (``message``: its sentence
        for people, when the result says it better than the finding alone)."""
        inputs, expected, actual = self.inputs, self._expected, self._actual
        if actual.__class__ is FactValues and actual == FROM_INPUTS:  # as _seen() says it
            seen = said_values(inputs.items(), lang) if inputs else None
        else:
            seen = text(actual, lang)
        out: dict[str, Any] = {
            "rule": self.rule,
            "outcome": self.outcome,
            "title": self.title_en if lang == "en" and self.title_en else self.title,
            "clause": self.clause,
            "quote": self.quote,
            "responsible": list(self.responsible),
            "inputs": _json_object(inputs),
            "expected": expected if expected.__class__ is str else text(expected, lang),
            "actual": seen,
            "message": self.message_in(lang) if message is None else message,
            "binding": self.binding,
            "parameters": _json_object(self.parameters) if self.parameters else {},
        }
        if self.area is not None:
            out["area"] = self.area
        if self.due is not None:
            out["due"] = self.due.isoformat()
        return out


def _json_object(values: Mapping[str, Any]) -> dict[str, Any]:
    """``jsonable(values)`` for a mapping, its plain values copied without a call each (a
    finding's inputs and parameters)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        kind = v.__class__
        if not (kind is str or kind is int or kind is bool or v is None):
            if kind is float:  # as jsonable says a number
                v = int(v) if v.is_integer() and abs(v) < 2**53 else v
            else:
                v = jsonable(v)
        out[k if k.__class__ is str else str(k)] = v
    return out


@attrs.frozen
class RuleGap:
    """What would make a failing or unknown binding rule pass, one fact at a time.

    ``needed`` is the least value of ``fact`` that satisfies the rule with the other facts
    held (a number, ``True``, a list member, ``[]``), or ``"provide"`` for a missing fact;
    ``relation`` says how ``needed`` bounds the fact (``>=``, ``<=``, ``>``, ``<``, ``==``,
    ``contains``; ``provide`` for a missing fact).
    """

    rule: str
    fact: str
    now: Any
    needed: Any
    responsible: tuple[str, ...]
    message: str
    relation: str = "=="
    clause: str = ""
    communities_needed: int | None = None
    """For a share or count over communities: how many more communities must meet it."""

    @classmethod
    def on(
        cls,
        f: Finding,
        fact: str,
        now: Any,
        needed: Any,
        relation: str,
        message: str,
        communities_needed: int | None = None,
    ) -> RuleGap:
        """A gap of finding ``f``: its rule, responsible units and clause."""
        return cls(
            f.rule,
            fact,
            now,
            needed,
            f.responsible,
            message,
            relation,
            f.clause,
            communities_needed,
        )

    def to_dict(self) -> dict[str, Any]:
        """The gap as result JSON."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "fact": self.fact,
            "now": jsonable(self.now),
            "needed": jsonable(self.needed),
            "relation": self.relation,
            "responsible": list(self.responsible),
            "clause": self.clause,
            "message": self.message,
        }
        if self.communities_needed is not None:
            out["communities_needed"] = self.communities_needed
        return out


@attrs.frozen
class BandGap:
    """The next band of a scale output below its top band, and what reaching it needs."""

    output: str
    rule: str
    now: Any
    next: Any
    needs: Mapping[str, Any]
    short_by: Any
    responsible: tuple[str, ...]
    message: str
    clause: str = ""
    then: Mapping[str, Any] = attrs.field(factory=dict)
    """Other outputs as they would be at the next band (e.g. ``reward_yuan``), those that
    would change."""
    reward: Mapping[str, Any] = attrs.field(factory=dict)
    """``{"reward_yuan": …}`` for a pack with that output: the reward at the next band,
    changed or not (null: not known, or not stated); empty for a pack with none."""

    def to_dict(self) -> dict[str, Any]:
        """The gap as result JSON."""
        out: dict[str, Any] = {
            "output": self.output,
            "rule": self.rule,
            "now": jsonable(self.now),
            "next": jsonable(self.next),
            "needs": jsonable(self.needs),
            "short_by": jsonable(self.short_by),
            "responsible": list(self.responsible),
            "clause": self.clause,
            "message": self.message,
        }
        if "reward_yuan" in self.reward:  # results.md: every band gap of a rewarding pack
            out["reward_yuan"] = jsonable(self.reward["reward_yuan"])
        if self.then:
            out["then"] = jsonable(self.then)
        return out


class Reader(Protocol):
    """What says a result for people: its findings' sentences and its gaps, in a language."""

    def sentence(self, result: Result, finding: Finding, lang: str) -> str:
        """The finding's sentence for people."""
        ...

    def gaps(self, result: Result, lang: str) -> tuple[RuleGap | BandGap, ...]:
        """The result's gaps, their messages in ``lang``."""
        ...


@attrs.frozen
class _Said:
    """A reader that repeats what was said (a result that crossed a process boundary)."""

    lang: str
    sentences: Mapping[str, str]

    def sentence(self, result: Result, finding: Finding, lang: str) -> str:
        if lang == self.lang and finding.rule in self.sentences:
            return self.sentences[finding.rule]
        return finding.message_in(lang)

    def gaps(self, result: Result, lang: str) -> tuple[RuleGap | BandGap, ...]:
        return result.gaps


class Decided(Protocol):
    """What a verdict, a summary or a tally reads of a finding: a :class:`Finding`, or a
    finding the engine has decided and not yet built (see :class:`PendingFindings`)."""

    @property
    def rule(self) -> str:
        """The rule, scale or deadline id."""
        ...

    @property
    def outcome(self) -> Outcome:
        """Its outcome."""
        ...

    @property
    def binding(self) -> bool:
        """Whether it counts for the verdict."""
        ...

    @property
    def area(self) -> str | None:
        """Its task area, if any."""
        ...

    @property
    def title(self) -> str:
        """Its title (what a summary names it by)."""
        ...

    @property
    def title_en(self) -> str | None:
        """Its title in English, where given."""
        ...


class PendingFindings:
    """A result's findings, decided but built only when first read (:attr:`Result.findings`).

    The engine decides every outcome, the verdict and the outputs without building the
    findings (their inputs, sentences and citations); ``build`` makes them, once, exactly as
    they would have been made at once. Shared by the copies of a result (``attrs.evolve``).
    """

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Sequence[Finding]]) -> None:
        self._build: Callable[[], Sequence[Finding]] | None = build
        self._built: tuple[Finding, ...] | None = None

    def built(self) -> tuple[Finding, ...]:
        """The findings (built on the first call)."""
        found = self._built
        if found is None:
            build = self._build
            if build is None:  # another thread has just built them
                found = self._built
                assert found is not None
                return found
            found = self._built = tuple(build())
            self._build = None  # what it read is no longer needed
        return found

    def __repr__(self) -> str:
        return repr(self.built())


def _findings_key(findings: tuple[Finding, ...] | PendingFindings) -> tuple[Finding, ...]:
    """Findings as compared: built."""
    return findings.built() if isinstance(findings, PendingFindings) else findings


def verdict_of(findings: Iterable[Decided], applicable: bool | None = True) -> Verdict:
    """``not_applicable`` if the pack does not apply; ``fail`` if a binding rule fails;
    ``incomplete`` if one is unknown (or applicability is); else ``pass``."""
    if applicable is False:
        return "not_applicable"
    if applicable is None:
        return "incomplete"
    unknown = False
    binding = False  # a binding finding at all
    applies = False  # a binding finding other than not_applicable
    for f in findings:
        if f.binding:
            outcome = f.outcome
            if outcome in BLOCKING:
                return "fail"
            binding = True
            if outcome == "unknown":
                unknown = True
            elif outcome != "not_applicable":
                applies = True
    if unknown:
        return "incomplete"
    return "not_applicable" if binding and not applies else "pass"


@attrs.frozen(repr=False)
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
    _findings: tuple[Finding, ...] | PendingFindings = attrs.field(
        alias="findings", eq=_findings_key
    )
    """The findings, or what builds them on first read (:attr:`findings`)."""
    outputs: Mapping[str, Any]
    communities: tuple[Result, ...] = ()
    """For a jurisdiction: the results of its own communities."""
    jurisdictions: tuple[Result, ...] = ()
    """For a jurisdiction: the results of its child jurisdictions."""
    lang: str = "zh"
    """The language of its sentences and gaps in :meth:`to_dict` (``zh`` or ``en``)."""
    reader: Reader | None = attrs.field(default=None, eq=False, repr=False)
    """Says the result for people: the findings' sentences and the gaps, on first use
    (see :mod:`policyengine.gaps`). Without one, findings keep their own messages."""
    _gaps: tuple[RuleGap | BandGap, ...] | None = attrs.field(
        default=None, eq=False, repr=False, alias="gaps"
    )
    decided: Any = attrs.field(default=None, eq=False, repr=False)
    """What the engine decided a community's result from (its prepared row and the
    conditions that held), kept until the gaps are worked out, for their "what if"
    (:func:`policyengine.what_if.outputs_if`); None where no reader will ask, once the
    gaps are known, and for a result that crossed a process boundary. Gaps in another
    language evaluate the changed community afresh."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        """One finding per rule, scale and deadline, in pack order (built on first read)."""
        found = self._findings
        if isinstance(found, PendingFindings):
            found = found.built()
            object.__setattr__(self, "_findings", found)
        return found

    def __repr__(self) -> str:
        names = [a.alias or a.name for a in attrs.fields(Result) if a.repr]
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"Result({shown})"

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its findings built and its sentences and gaps said, without what
        says them (processes)."""
        state = {a.name: getattr(self, a.name) for a in attrs.fields(Result)}
        state["_findings"] = self.findings
        spoken = {f.rule: self.message_of(f) for f in self.findings}
        state["_gaps"], state["reader"] = self.gaps, _Said(self.lang, spoken)
        state["decided"] = None  # engine state (hook managers): not carried
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @property
    def gaps(self) -> tuple[RuleGap | BandGap, ...]:
        """What would change the outcome (results.md "Gaps"), computed on first use."""
        if self._gaps is None:
            found = self.reader.gaps(self, self.lang) if self.reader is not None else ()
            object.__setattr__(self, "_gaps", found)
            object.__setattr__(self, "decided", None)  # what the gaps read: no longer kept
            return found
        return self._gaps

    def gaps_in(self, lang: str) -> tuple[RuleGap | BandGap, ...]:
        """The gaps with their messages in ``lang``."""
        if lang == self.lang or self.reader is None:
            return self.gaps
        return self.reader.gaps(self, lang)

    def message_of(self, finding: Finding, lang: str | None = None) -> str:
        """A finding's sentence for people in ``lang`` (default: the result's language)."""
        if self.reader is None:
            return finding.message_in(lang or self.lang)
        return self.reader.sentence(self, finding, lang or self.lang)

    def finding(self, rule: str) -> Finding:
        """The finding of one rule."""
        for f in self.findings:
            if f.rule == rule:
                return f
        raise KeyError(rule)

    def to_dict(
        self, lang: str | None = None, nested: bool = True, omit: Collection[str] = ()
    ) -> dict[str, Any]:
        """The result as the JSON of results.md, its sentences in ``lang`` (default: the
        result's language); a jurisdiction's without its communities and child
        jurisdictions where not ``nested`` (written after it, one at a time).

        ``omit``: parts of :data:`OPTIONAL_PARTS` left out, of this result and of every
        result nested in it. A caller that reads the verdict and outputs alone asks for
        ``omit=("findings", "gaps")``: the findings are then never built, their sentences
        never said and the gaps never worked out (most of the cost of a result's JSON).
        """
        lang = lang or self.lang
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
        }
        if "findings" not in omit:
            reader = self.reader
            if reader is None:
                out["findings"] = [f.to_dict(lang) for f in self.findings]
            else:  # as message_of says them
                say = reader.sentence
                out["findings"] = [f.to_dict(lang, say(self, f, lang)) for f in self.findings]
        out["outputs"] = jsonable(self.outputs)
        if "gaps" not in omit:
            out["gaps"] = [g.to_dict() for g in self.gaps_in(lang)]
        if self.subject_level == "jurisdiction" and nested:
            out["communities"] = [c.to_dict(lang, omit=omit) for c in self.communities]
            out["jurisdictions"] = [j.to_dict(lang, omit=omit) for j in self.jurisdictions]
        return out
