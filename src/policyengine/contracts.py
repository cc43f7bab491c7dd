"""The types of the plugin contract: what plugins return from hooks and what pack hooks see.

:mod:`policyengine.hookspecs` declares the hooks and imports its types from here (and
from the data modules :mod:`policyengine.pack` and :mod:`policyengine.results`), so the
contract depends on nothing that implements it: neither the engine, the plugin manager,
the command line nor the reporters.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, TextIO

import attrs

from policyengine.facts import Community, Jurisdiction
from policyengine.pack import Pack
from policyengine.results import Finding, Outcome, Result

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_UNKNOWN_PACK",
    "Command",
    "EvaluationContext",
    "PackSource",
    "Reporter",
    "RuleDecision",
    "Streams",
]

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_UNKNOWN_PACK = 0, 1, 2, 3
"""Exit codes: 0 pass or not applicable; 1 fail or incomplete; 2 bad input; 3 unknown pack."""


@attrs.frozen
class Streams:
    """Where a command reads and writes."""

    stdin: TextIO
    stdout: TextIO
    stderr: TextIO


@attrs.frozen
class Command:
    """A subcommand contributed through :func:`policyengine.hookspecs.register_commands`."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    """Adds the command's arguments to its parser."""
    run: Callable[[argparse.Namespace, Streams], int]
    """Runs the command; returns the exit code (policyengine errors are reported by main)."""


@attrs.frozen
class Reporter:
    """An output format: its name for ``--format`` and how it renders results."""

    name: str
    description: str
    render: Callable[[Sequence[Result]], str]


@attrs.frozen
class PackSource:
    """Where a pack's folder is: a path or a traversable inside an installed package.

    Returned from :func:`policyengine.hookspecs.register_packs`.
    """

    folder: Path | Traversable
    plugin: str | None = None
    """The plugin that registered it (filled in by the registry)."""

    def path(self) -> Path:
        """The folder as a filesystem path (installed packages are plain folders)."""
        return Path(str(self.folder))


@attrs.frozen
class EvaluationContext:
    """What a pack hook sees of one evaluation."""

    pack: Pack
    subject: Community | Jurisdiction
    as_of: dt.date
    params: Mapping[str, Any]
    """Every parameter's value on ``as_of`` (None where the document sets none)."""
    facts: Mapping[str, Any]
    """``{fact path: value}`` for the facts the pack reads, derived facts included."""
    programme_year: int | None = None
    findings: Mapping[str, Finding] = attrs.field(factory=dict)
    """Findings of the condition rules and scales, by rule id (filled before hook rules)."""
    outputs: Mapping[str, Any] = attrs.field(factory=dict)
    """Scale and ``[outputs]`` values (filled before hook rules)."""
    applicable: bool | None = True
    """Whether the pack applies to the subject on ``as_of`` (None: unknown)."""


@attrs.frozen
class RuleDecision:
    """A hook's decision on a ``kind = "hook"`` rule."""

    outcome: Outcome
    message: str
    expected: str | None = None
    actual: str | None = None
