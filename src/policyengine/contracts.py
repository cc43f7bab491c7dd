"""The types of the plugin contract: what a plugin returns from a discovery hook.

:mod:`policyengine.hookspecs` declares the hooks and imports its types from here only, so
the contract depends on nothing that implements it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

import attrs

if TYPE_CHECKING:
    from policyengine.results import Result

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_OK",
    "EXIT_UNKNOWN_PACK",
    "Command",
    "Reporter",
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
