"""The plugin contract: every hook policyengine calls, documented where it is declared.

Plugins implement hooks with :data:`hookimpl` (``from policyengine import hookimpl``).
There are two kinds:

*Discovery hooks* are called on every plugin installed through the ``policyengine``
entry-point group and on the built-in plugins (the reporters are one):
:func:`register_packs`, :func:`register_reporters` and :func:`register_commands`.

*Pack hooks* (``pack_*``) are called only on a pack's own ``hooks`` module, named in its
``pack.toml``; they add to one pack what its declarative rules cannot say.

Hooks only ever gain arguments; an implementation may accept fewer arguments than the
spec (pluggy's opt-in arguments), so old plugins keep working.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pluggy

from policyengine.contracts import Command, EvaluationContext, PackSource, Reporter, RuleDecision
from policyengine.pack import Rule
from policyengine.results import Finding

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "policyengine"
"""The pluggy project name, which is also the entry-point group of plugins."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_packs() -> Iterable[PackSource]:  # type: ignore[empty-body]
    """Packs this plugin provides.

    Called once when the installed packs are first listed. Return
    :class:`policyengine.contracts.PackSource` objects, each naming the folder that holds a
    ``pack.toml`` (a path or an ``importlib.resources`` traversable of the plugin's package).
    A pack distribution implements just this hook, e.g.::

        @hookimpl
        def register_packs():
            return [PackSource(files(__name__))]

    Two packs with the same id are an error naming both sources.
    """


@hookspec
def register_reporters() -> Iterable[Reporter]:  # type: ignore[empty-body]
    """Output formats for results, chosen with ``--format NAME``.

    Return :class:`policyengine.contracts.Reporter` objects. The built-in ``table``,
    ``json``, ``markdown`` and ``html`` formats are registered through this hook too.
    """


@hookspec
def register_commands() -> Iterable[Command]:  # type: ignore[empty-body]
    """Subcommands of the ``policyengine`` command line.

    Return :class:`policyengine.contracts.Command` objects: a name, a one-line help, a function
    that adds the command's arguments to its ``argparse`` parser, and a function that runs
    it and returns the exit code. The built-in ``test``, ``lint``, ``diff`` and
    ``new-pack`` commands are registered through this hook.
    """


@hookspec
def pack_derive_facts(context: EvaluationContext) -> Mapping[str, Any] | None:
    """Facts the pack computes before its rules run: ``{fact path: value}``.

    Called on the pack's hooks module for every subject evaluated, after the pack's
    declarative ``[[derived]]`` expressions. Each path must be declared in ``[[derived]]``
    (so rules can be type-checked against it); a value of None means unknown. Must be pure:
    read ``context.facts``, ``context.params`` and ``context.as_of`` only.
    """


@hookspec(firstresult=True)
def pack_evaluate_rule(rule: Rule, context: EvaluationContext) -> RuleDecision | None:
    """Decide a ``kind = "hook"`` rule.

    Called for each hook rule of the pack whose declared ``reads`` facts are all known
    (a rule with a missing fact is ``unknown`` without calling the hook). Return a
    :class:`policyengine.contracts.RuleDecision` (outcome, expected, actual, message), or
    None to leave the rule to another implementation. The first non-None answer wins.
    """


@hookspec
def pack_outputs(
    context: EvaluationContext, findings: Sequence[Finding]
) -> Mapping[str, Any] | None:
    """Pack outputs (``result.outputs``) beyond the declarative ``[outputs]`` and scales.

    Called once per subject after every rule has a finding; ``findings`` are in pack
    order. Return ``{output name: JSON-able value}``; later keys override earlier ones.
    """
