"""policyengine: evaluate facts about residential communities (社区) against policy packs.

A *pack* is a machine-readable local policy: rules that cite the clause they come from,
dated parameters, scales and outputs. Packs are plugins. A *finding* is one rule's outcome
for one subject; the *verdict* sums them up::

    import policyengine
    result = policyengine.evaluate({"community": {"id": "wm-001"}, ...}, pack="wuma-star-rating")
    result.verdict, result.outputs["stars"], result.to_dict()
"""

from __future__ import annotations

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
    UnknownPackError,
)
from policyengine.facts import Community, Jurisdiction
from policyengine.hookspecs import hookimpl
from policyengine.pack import Pack, load_pack
from policyengine.results import Finding, Result

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
