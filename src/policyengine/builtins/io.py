"""Reading facts documents named on the command line, and writing a command's output."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from policyengine.contracts import RenderOptions
from policyengine.documents import parse_document, structure_subject
from policyengine.exceptions import FactProblem, FactsError, InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.i18n import LANGUAGES, problem_text, text

__all__ = [
    "add_view_options",
    "parse_date",
    "read_records",
    "read_subjects",
    "view_options",
    "write_output",
]


def parse_date(text: str) -> dt.date:
    """An ISO date from the command line."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def read_records(name: str, stdin: TextIO) -> list[tuple[str, Any, Path | None]]:
    """``(position, data, base folder)`` for each document in FACTS (several for a batch)."""
    if name == "-":
        path, text = Path("<stdin>.json"), stdin.read()
    else:
        path, text = Path(name), None
    data = parse_document(path, text)
    label = "<stdin>" if name == "-" else name
    base = None if name == "-" else path.parent
    if isinstance(data, list):
        return [(f"{label}[{i}]", item, base) for i, item in enumerate(data)]
    return [(label, data, base)]


def read_subjects(
    names: Sequence[str], stdin: TextIO, err: TextIO, lang: str | None = None
) -> tuple[list[Community | Jurisdiction], bool]:
    """Every subject in FACTS, and whether any document was bad (each problem is printed,
    in ``lang`` when one is given: ``--lang``)."""
    subjects: list[Community | Jurisdiction] = []
    bad = False
    for name in names:
        for position, data, base in read_records(name, stdin):
            try:
                subjects.append(structure_subject(data, base))
            except FactsError as exc:
                bad = True
                for problem in exc.problems:
                    shown = problem if lang is None else problem_text_of(problem, lang)
                    print(f"{position}: {shown}", file=err)
    return subjects, bad


def add_view_options(p: argparse.ArgumentParser) -> None:
    """``--lang`` and ``--only``: what a person sees of the results."""
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="language of titles, messages and problems in the facts (default: zh; "
        "problems are then shown as written)",
    )
    p.add_argument(
        "--only",
        choices=["all", "failing"],
        default="all",
        help="failing: only findings that fail or lack data",
    )


def view_options(args: argparse.Namespace, packs: Sequence[Any]) -> RenderOptions:
    """The render options the command line asked for."""
    return RenderOptions(
        lang=getattr(args, "lang", None) or "zh",
        only_failing=getattr(args, "only", "all") == "failing",
        packs={p.id: p for p in packs},
        kind=getattr(args, "kind", "summary"),
    )


def problem_text_of(problem: FactProblem, lang: str) -> str:
    """``path: what is wrong`` in ``lang`` (the path as written: it locates the field)."""
    message = problem_text(problem.message, lang)
    return f"{problem.path}{text('sep.colon', lang)}{message}" if problem.path else message


def write_output(text: str | bytes, output: Path | None, out: TextIO) -> None:
    """Write to standard output, or atomically to ``output``.

    Bytes (a binary format) go to ``output``; on standard output they need a file.
    """
    if output is None:
        if isinstance(text, bytes):
            raise InputError("this format writes a binary file: give --output FILE")
        out.write(text)
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--output {output}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    try:
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as bfh:
                bfh.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
