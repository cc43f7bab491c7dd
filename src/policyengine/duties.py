"""What a finding owes its document besides the outcome: the quote of the value in force and
the date a target is due (policies.md §6).

* A rule that reads a parameter whose value in force carries its own clause and quote
  (a dated or programme-year entry) quotes that entry: a year-3 finding quotes the year-3
  text, not the rule's general quote.
* A target the document sets for the end of a period (``due`` on the rule) names the date in
  the finding, and its message says by when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from policyengine.messages import Reason
from policyengine.pack import Pack, Rule
from policyengine.results import Finding

__all__ = ["due_date", "finish"]


def due_date(
    rule: Rule,
    pack: Pack,
    as_of: dt.date,
    standard_year: int | None,
    params: Mapping[str, Any] | None = None,
) -> dt.date | None:
    """The date the rule's target is due on ``as_of`` (None: no date in the text).

    ``params``: the parameters in force (with overrides), whose programme start year counts
    the programme's years (the pack's own where not given)."""
    if rule.due is not None:
        return rule.due
    prog = pack.info.programme
    if rule.due_end_of_programme or rule.due_programme_year is not None:
        first = _first_year(pack, as_of, params) if prog is not None else None
        if prog is None or first is None:
            return None
        year = rule.due_programme_year or prog.years  # one year's end, or the programme's
        return dt.date(first + year - 1, 12, 31)
    if not rule.due_end_of_year:
        return None
    first = _first_year(pack, as_of, params) if prog is not None else None
    last = first + prog.years - 1 if prog is not None and first is not None else None
    if last is not None and standard_year is not None and as_of.year > last:
        return dt.date(last, 12, 31)  # after the programme: the last year's target, at its end
    return dt.date(as_of.year, 12, 31)


def _first_year(pack: Pack, as_of: dt.date, params: Mapping[str, Any] | None) -> int | None:
    """The programme's first calendar year: the start parameter in force (overridden, or
    the pack's value on the date)."""
    prog = pack.info.programme
    assert prog is not None
    name = prog.start_parameter
    first = params.get(name) if params is not None and name in params else None
    if first is None:
        first = pack.parameters[name].value_at(as_of)
    return first if isinstance(first, int) and not isinstance(first, bool) else None


def _cited(finding: Finding, pack: Pack, as_of: dt.date, year: int | None) -> Finding:
    quotes: list[str] = []
    clauses: list[str] = []
    for name in finding.parameters:
        param = pack.parameters.get(name)
        if param is None or not param.values:
            continue
        entry = param.entry_at(as_of, year)
        if entry is None or entry.quote is None:
            continue
        if entry.quote not in quotes:
            quotes.append(entry.quote)
        if entry.clause and entry.clause not in clauses:
            clauses.append(entry.clause)
    if not quotes:
        return finding
    return attrs.evolve(
        finding,
        quote="……".join(quotes),
        clause="; ".join(clauses) if clauses else finding.clause,
    )


def _dated(finding: Finding, due: dt.date, as_of: dt.date) -> Finding:
    when = {"when": due.isoformat()}
    if finding.outcome == "pass":
        note = Reason("due_met", when)
    elif finding.outcome in ("fail", "advisory"):
        note = Reason("due_not_yet" if as_of <= due else "due_passed", when)
    elif finding.outcome == "unknown":
        note = Reason("due_by", when)
    else:
        return attrs.evolve(finding, due=due)
    said = finding.reason or finding.message
    return attrs.evolve(finding, due=due, message=Reason("dated", {"message": said, "note": note}))


def finish(
    findings: list[Finding],
    pack: Pack,
    as_of: dt.date,
    standard_year: int | None,
    params: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """Each rule's finding quoting the value in force, and dated where its target is due
    (``params``: the parameters in force, as :func:`due_date` reads them)."""
    out: list[Finding] = []
    rules = {r.id: r for r in pack.rules}
    for f in findings:
        f = _cited(f, pack, as_of, standard_year)
        rule = rules.get(f.rule)
        if rule is not None:
            due = due_date(rule, pack, as_of, standard_year, params)
            if due is not None:
                f = _dated(f, due, as_of)
        out.append(f)
    return out
