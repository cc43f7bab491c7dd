"""Commands registered by name and help alone: their code is imported when first used.

The command line lists every command but configures and runs one; registering a command
through :func:`lazy_command` keeps its module (and what that module imports) out of every
other command's start-up. The module's own factory gives the command itself, so its
arguments and behaviour are defined in one place.
"""

from __future__ import annotations

import argparse
import importlib

from policyengine.contracts import Command, Streams

__all__ = ["SOURCES", "lazy_command", "resolve"]

SOURCES: dict[str, tuple[str, str]] = {}
"""Each lazily registered command's module and factory, by command name."""


def resolve(name: str, module: str, factory: str) -> Command:
    """The command ``name`` made by ``module.factory()`` (one command or a list of them)."""
    made = getattr(importlib.import_module(module), factory)()
    for command in made if isinstance(made, list) else [made]:
        if command.name == name:
            return command  # type: ignore[no-any-return]
    raise LookupError(f"{module}.{factory}() gives no command {name!r}")


def lazy_command(name: str, help: str, module: str, factory: str = "register_commands") -> Command:
    """A command whose arguments and run come from ``module.factory()``, imported when the
    command is configured or run."""

    SOURCES[name] = (module, factory)

    def configure(p: argparse.ArgumentParser) -> None:
        resolve(name, module, factory).configure(p)

    def run(args: argparse.Namespace, streams: Streams) -> int:
        return resolve(name, module, factory).run(args, streams)

    return Command(name, help, configure, run)
