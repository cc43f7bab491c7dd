"""policyengine: evaluate facts about residential communities (社区) against policy packs.

A *pack* is a machine-readable local policy: rules that cite the clause they come from,
dated parameters, scales and outputs. Packs are plugins. A *finding* is one rule's outcome
for one subject; the *verdict* sums them up::

    import policyengine
    result = policyengine.evaluate({"community": {"id": "wm-001"}, ...}, pack="wuma-star-rating")
    result.verdict, result.outputs["stars"], result.to_dict()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyengine.api import check_facts, evaluate, evaluate_all, installed_packs, load_facts
    from policyengine.batch import evaluate_arrow, evaluate_many, evaluate_table
    from policyengine.contracts import EvaluationContext, PackSource, RuleDecision
    from policyengine.decisionlog import DecisionLog
    from policyengine.distributed import evaluate_dask
    from policyengine.exceptions import (
        DocumentError,
        EngineError,
        FactProblem,
        FactsError,
        InputError,
        PackError,
        PolicyEngineError,
        TimeLimitError,
        UnknownPackError,
    )
    from policyengine.facts import Community, Jurisdiction
    from policyengine.hookspecs import hookimpl
    from policyengine.pack import Pack, load_pack
    from policyengine.results import Finding, Result

_HOME = {
    "check_facts": "api",
    "evaluate": "api",
    "evaluate_all": "api",
    "installed_packs": "api",
    "load_facts": "api",
    "evaluate_arrow": "batch",
    "evaluate_many": "batch",
    "evaluate_table": "batch",
    "EvaluationContext": "contracts",
    "PackSource": "contracts",
    "RuleDecision": "contracts",
    "DecisionLog": "decisionlog",
    "evaluate_dask": "distributed",
    "DocumentError": "exceptions",
    "EngineError": "exceptions",
    "FactProblem": "exceptions",
    "FactsError": "exceptions",
    "InputError": "exceptions",
    "PackError": "exceptions",
    "PolicyEngineError": "exceptions",
    "TimeLimitError": "exceptions",
    "UnknownPackError": "exceptions",
    "Community": "facts",
    "Jurisdiction": "facts",
    "hookimpl": "hookspecs",
    "Pack": "pack",
    "load_pack": "pack",
    "Finding": "results",
    "Result": "results",
}
"""The module of each public name. Each is imported when first used, so that a command
(or a pack plugin importing ``hookimpl``) loads only the modules it needs."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'policyengine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"policyengine.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


__version__ = "0.1.0"

__all__ = [
    "Community",
    "DecisionLog",
    "DocumentError",
    "EngineError",
    "EvaluationContext",
    "FactProblem",
    "FactsError",
    "Finding",
    "InputError",
    "Jurisdiction",
    "Pack",
    "PackError",
    "PackSource",
    "PolicyEngineError",
    "Result",
    "RuleDecision",
    "TimeLimitError",
    "UnknownPackError",
    "__version__",
    "check_facts",
    "evaluate",
    "evaluate_all",
    "evaluate_arrow",
    "evaluate_dask",
    "evaluate_many",
    "evaluate_table",
    "hookimpl",
    "installed_packs",
    "load_facts",
    "load_pack",
]
