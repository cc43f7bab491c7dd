"""The Python API for services: evaluate facts against packs, check facts, list packs.

Everything here is a thin composition of :mod:`documents`, :mod:`plugins` and
:mod:`engine`; the command line is a thin layer over these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from policyengine._converter import describe
from policyengine.boundaries import check_as_of, check_parameters
from policyengine.decisionlog import DecisionLog
from policyengine.documents import load_document, structure_subject, validated
from policyengine.engine import evaluate_community
from policyengine.exceptions import FactProblem, FactsError, InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.gaps import PeopleReader, with_gaps
from policyengine.i18n import check_lang
from policyengine.jurisdictions import evaluate_jurisdiction
from policyengine.pack import Pack
from policyengine.plugins import PackRegistry
from policyengine.results import Result
from policyengine.table_includes import included_table

__all__ = ["check_facts", "evaluate", "evaluate_all", "installed_packs", "load_facts"]

assert included_table is not None  # ``documents`` reads included tables with it (on import)

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
        return validated(facts)
    if isinstance(facts, str | Path):
        return load_document(facts)
    if not isinstance(facts, Mapping):
        raise FactsError(
            [
                FactProblem(
                    "", f"{describe(facts)} is not facts: give a dict, a file path or typed facts"
                )
            ]
        )
    return structure_subject(facts)  # includes need a file: refused for data


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
    if not isinstance(pack, str | Path):
        raise InputError(f"pack: {describe(pack)} is not a pack id, a pack folder or a Pack")
    found = default_registry().resolve(pack)
    if len(found) != 1:
        raise InputError("evaluate() takes one pack; use evaluate_all() for every pack")
    return found[0]


def evaluate(
    facts: FactsInput,
    pack: str | Path | Pack,
    *,
    as_of: dt.date | None = None,
    parameters: Mapping[str, Any] | None = None,
    decision_log: DecisionLog | str | Path | None = None,
    lang: str = "zh",
) -> Result:
    """Evaluate a community or a jurisdiction against one pack.

    ``pack`` is an installed pack id, a pack folder, or a loaded :class:`Pack`.
    ``as_of`` (default: today) selects parameter values, phases and deadlines;
    ``parameters`` overrides parameter values by name (for what-if questions and tests);
    ``lang`` (``zh`` or ``en``) is the language of the result's sentences for people and
    of its gaps (``to_dict()``, ``message_of``). Every result, and every nested one,
    carries its ``gaps`` (results.md "Gaps"), computed when first read.
    ``decision_log`` (a :class:`~policyengine.decisionlog.DecisionLog` or a file) appends
    the decision to a log that ``policyengine replay`` reads.
    """
    as_of = check_as_of(as_of)
    check_lang(lang)
    if type(facts) is dict and "jurisdiction" not in facts:  # a community's, for this call only
        subject = structure_subject(facts, remember=False)
    else:
        subject = load_facts(facts)
    loaded = _pack(pack)
    parameters = check_parameters(loaded, parameters)
    if isinstance(subject, Jurisdiction):
        result = evaluate_jurisdiction(subject, loaded, as_of=as_of, parameters=parameters)
        result = with_gaps(result, loaded, subject, parameters, lang)
    else:  # said for people as ``with_gaps`` says it, with no copy of the result
        reader = PeopleReader(loaded, subject, parameters)
        result = evaluate_community(
            subject, loaded, as_of=as_of, parameters=parameters, reader=reader, lang=lang
        )
    if decision_log is not None:
        log = decision_log if isinstance(decision_log, DecisionLog) else DecisionLog(decision_log)
        log.record(result, subject)
    return result


def evaluate_all(
    facts: FactsInput,
    *,
    as_of: dt.date | None = None,
    decision_log: DecisionLog | str | Path | None = None,
    lang: str = "zh",
) -> list[Result]:
    """Evaluate against every installed pack, in pack id order."""
    as_of = check_as_of(as_of)
    subject = load_facts(facts)
    return [
        evaluate(subject, pack, as_of=as_of, decision_log=decision_log, lang=lang)
        for pack in installed_packs().values()
    ]
