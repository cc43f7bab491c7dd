"""Reading facts documents named on the command line, and writing a command's output."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from policyengine.documents import parse_document, structure_subject
from policyengine.exceptions import FactsError, InputError
from policyengine.facts import Community, Jurisdiction

__all__ = ["parse_date", "read_records", "read_subjects", "write_output"]


def parse_date(text: str) -> dt.date:
    """An ISO date from the command line."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def read_records(name: str, stdin: TextIO) -> list[tuple[str, Any, Path | None]]:
    """``(position, data, base folder)`` for each document in FACTS (several for a batch)."""
    if name == "-":
        path, text = Path("<stdin>.json"), _read_stdin(stdin)
    else:
        path, text = Path(name), None
    data = parse_document(path, text)
    label = "<stdin>" if name == "-" else name
    base = None if name == "-" else path.parent
    if isinstance(data, list):
        return [(f"{label}[{i}]", item, base) for i, item in enumerate(data)]
    return [(label, data, base)]


def _read_stdin(stdin: TextIO | None) -> str | bytes:
    """All of standard input (bytes where possible: the reader checks UTF-8), or InputError."""
    if stdin is None or stdin.closed:
        raise InputError("-: standard input is closed")
    try:
        buffer = getattr(stdin, "buffer", None)
        return buffer.read() if buffer is not None else stdin.read()
    except (OSError, ValueError) as exc:
        raise InputError(f"-: cannot read standard input: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"-: standard input is not UTF-8 text: {exc}") from None


def read_subjects(
    names: Sequence[str], stdin: TextIO, err: TextIO
) -> tuple[list[Community | Jurisdiction], bool]:
    """Every subject in FACTS, and whether any document was bad (each problem is printed)."""
    subjects: list[Community | Jurisdiction] = []
    bad = False
    for name in names:
        for position, data, base in read_records(name, stdin):
            try:
                subjects.append(structure_subject(data, base))
            except FactsError as exc:
                bad = True
                for problem in exc.problems:
                    print(f"{position}: {problem}", file=err)
    return subjects, bad


def write_output(text: str, output: Path | None, out: TextIO) -> None:
    """Write to standard output, or atomically to ``output``."""
    if output is None:
        out.write(text)
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"--output {output}: the folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
