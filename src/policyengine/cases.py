"""(being written) the `cases` tool."""

from __future__ import annotations

from policyengine.cli import Command
from policyengine.hookspecs import hookimpl


@hookimpl
def register_commands() -> list[Command]:
    """Nothing yet."""
    return []
