"""``policyengine schema facts|result``: print the JSON Schema (2020-12) of a document."""

from __future__ import annotations

import argparse
import json

from policyengine import api
from policyengine.contracts import EXIT_OK, Command, Streams
from policyengine.hookspecs import hookimpl

__all__ = ["register_commands"]


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "document",
        choices=["facts", "result"],
        help="facts: the input document; result: one evaluation's result JSON",
    )
    p.add_argument(
        "--pack",
        action="append",
        default=[],
        metavar="PACK",
        help="facts: add the facts this pack declares for itself (an id or a pack folder; "
        "repeatable)",
    )


def _run(args: argparse.Namespace, streams: Streams) -> int:
    from policyengine.schemas import facts_schema, packs_facts_schema, result_schema

    if args.document == "result":
        schema = result_schema()
    elif args.pack:
        packs = [p for name in args.pack for p in api.default_registry().resolve(name)]
        schema = packs_facts_schema(packs)
    else:
        schema = facts_schema()
    streams.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The ``schema`` command."""
    return [Command("schema", "print the JSON Schema of facts or results", _configure, _run)]
