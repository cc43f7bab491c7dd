"""The Python API for services: evaluate facts against packs, check facts, list packs.

Everything here is a thin composition of :mod:`documents`, :mod:`plugins` and
:mod:`engine`; the command line is a thin layer over these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policyengine.decisionlog import DecisionLog
from policyengine.documents import load_document, structure_subject
from policyengine.engine import evaluate_community
from policyengine.exceptions import FactProblem, FactsError
from policyengine.facts import Community, Jurisdiction
from policyengine.jurisdictions import evaluate_jurisdiction
from policyengine.pack import Pack
from policyengine.plugins import PackRegistry
from policyengine.results import Result

__all__ = ["check_facts", "evaluate", "evaluate_all", "installed_packs", "load_facts"]

_registry: PackRegistry | None = None

FactsInput = Community | Jurisdiction | Mapping[str, Any] | str | Path


def default_registry() -> PackRegistry:
    """The registry of installed packs, discovered once per process."""
    global _registry
    if _registry is None:
        _registry = PackRegistry()
    return _registry


def installed_packs() -> Mapping[str, Pack]:
    """Every installed pack (found through the ``policyengine`` entry-point group), by id."""
    return default_registry().packs()


def load_facts(facts: FactsInput) -> Community | Jurisdiction:
    """Typed facts from a dict, a TOML/JSON file path, or facts already typed.

    Raises :class:`~policyengine.exceptions.FactsError` listing every problem with its path.
    """
    if isinstance(facts, Community | Jurisdiction):
        return facts
    if isinstance(facts, str | Path):
        return load_document(facts)
    return structure_subject(facts)


def check_facts(facts: Mapping[str, Any] | str | Path) -> tuple[FactProblem, ...]:
    """Every problem in a facts document (empty when it is valid)."""
    try:
        load_facts(facts)
    except FactsError as exc:
        return exc.problems
    return ()


def _pack(pack: str | Path | Pack) -> Pack:
    if isinstance(pack, Pack):
        return pack
    found = default_registry().resolve(pack)
    if len(found) != 1:
        raise ValueError("evaluate() takes one pack; use evaluate_all() for every pack")
    return found[0]


def evaluate(
    facts: FactsInput,
    pack: str | Path | Pack,
    *,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    decision_log: DecisionLog | str | Path | None = None,
) -> Result:
    """Evaluate a community or a jurisdiction against one pack.

    ``pack`` is an installed pack id, a pack folder, or a loaded :class:`Pack`.
    ``as_of`` (default: today) selects parameter values, phases and deadlines;
    ``parameters`` overrides parameter values by name (for what-if questions and tests).
    ``decision_log`` (a :class:`~policyengine.decisionlog.DecisionLog` or a file) appends
    the decision to a log that ``policyengine replay`` reads.
    """
    subject = load_facts(facts)
    loaded = _pack(pack)
    if isinstance(subject, Jurisdiction):
        result = evaluate_jurisdiction(subject, loaded, as_of=as_of, parameters=parameters)
    else:
        result = evaluate_community(subject, loaded, as_of=as_of, parameters=parameters)
    if decision_log is not None:
        log = decision_log if isinstance(decision_log, DecisionLog) else DecisionLog(decision_log)
        log.record(result, subject)
    return result


def evaluate_all(
    facts: FactsInput,
    *,
    as_of: dt.date | None = None,
    decision_log: DecisionLog | str | Path | None = None,
) -> list[Result]:
    """Evaluate against every installed pack, in pack id order."""
    subject = load_facts(facts)
    return [
        evaluate(subject, pack, as_of=as_of, decision_log=decision_log)
        for pack in installed_packs().values()
    ]
