"""The authoring commands (``test``, ``lint``, ``diff``, ``new-pack``, ``describe``),
registered as one built-in plugin by name and help: each command's module
(:mod:`policyengine.authoring`) is imported only when that command is used."""

from __future__ import annotations

from policyengine.builtins.lazy import lazy_command
from policyengine.contracts import Command
from policyengine.hookspecs import hookimpl

__all__ = ["register_commands"]


@hookimpl
def register_commands() -> list[Command]:
    """The authoring commands, in the order ``policyengine --help`` lists them."""
    return [
        lazy_command(
            "test",
            "run packs' test cases (cases/*.toml) and report domain coverage",
            "policyengine.authoring.cases.command",
        ),
        lazy_command(
            "lint",
            "check packs: citations, quotes, parameters, bands, conditions",
            "policyengine.authoring.lint.runner",
        ),
        lazy_command(
            "diff",
            "compare two versions of a pack over a corpus of facts",
            "policyengine.authoring.diff",
        ),
        lazy_command(
            "new-pack",
            "write a new pack distribution that loads, lints and passes its cases",
            "policyengine.authoring.scaffold",
        ),
        lazy_command(
            "describe",
            "write a pack's documentation page (Markdown)",
            "policyengine.authoring.packdoc",
        ),
    ]
