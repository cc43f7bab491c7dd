"""A jurisdiction's ``include``: the community files it names, confined to its folder.

Patterns are relative to the folder of the document that holds them; every match must
resolve (symbolic links followed) to a regular file inside that folder tree, and is read
at most once; at most :data:`~policyengine.limits.MAX_INCLUDE_FILES` files and
:data:`~policyengine.limits.MAX_INCLUDE_BYTES` bytes per document. What is refused is a
:class:`FactProblem` naming the pattern or file (``docs/security.md``).
"""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from policyengine._converter import describe
from policyengine.exceptions import DocumentError, FactProblem
from policyengine.limits import MAX_INCLUDE_BYTES, MAX_INCLUDE_FILES

__all__ = ["IncludeBudget", "included"]

_MAX_MATCHES = 100_000
"""Most paths one pattern may match (folders and files matched twice included)."""


class IncludeBudget:
    """Files already read (by real path) and bytes read, over one document."""

    def __init__(self) -> None:
        self.seen: set[Path] = set()
        self.bytes = 0


def included(
    patterns: Any,
    where: str,
    base: Path | None,
    budget: IncludeBudget,
    problems: list[FactProblem],
) -> Iterator[tuple[Path, bytes]]:
    """The files an ``include`` names, with their bytes, confined to the document's folder.

    Patterns are relative to the folder of the document; every match must resolve (symlinks
    followed) to a regular file inside that folder tree; a file matched several times is read
    once; at most :data:`MAX_INCLUDE_FILES` files and :data:`MAX_INCLUDE_BYTES` bytes.
    """
    patterns = [patterns] if isinstance(patterns, str) else patterns
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        problems.append(FactProblem(where, "is not a list of paths or globs"))
        return
    if base is None:
        problems.append(
            FactProblem(
                where,
                "include needs a document read from a file (its patterns are relative to the "
                "file's folder); this document was given as data",
            )
        )
        return
    root = base.resolve()
    for pattern in patterns:
        shown = describe(pattern)
        if (
            not pattern
            or "\0" in pattern
            or Path(pattern).is_absolute()
            or (".." in Path(pattern).parts)
        ):
            problems.append(
                FactProblem(
                    where,
                    f"{shown} leaves the document's folder: give a path relative to it, "
                    "without '..'",
                )
            )
            continue
        try:
            # pathlib's ** never follows a link to a folder (glob's loops on a link cycle)
            found = list(itertools.islice(base.glob(pattern), _MAX_MATCHES + 1))
        except (ValueError, OSError) as exc:
            problems.append(FactProblem(where, f"{shown} is not a valid pattern: {exc}"))
            continue
        if len(found) > _MAX_MATCHES:
            problems.append(FactProblem(where, f"{shown} matches more than {_MAX_MATCHES:,} paths"))
            return
        matched = bool(found)
        for file in sorted(found):
            real = file.resolve()
            if not real.is_relative_to(root):
                problems.append(FactProblem(where, f"{file} leads outside the document's folder"))
                continue
            if real in budget.seen:
                continue  # a file matched several times is read once
            if len(budget.seen) >= MAX_INCLUDE_FILES:
                problems.append(
                    FactProblem(where, f"more than {MAX_INCLUDE_FILES:,} files are included")
                )
                return
            budget.seen.add(real)
            try:
                data = _read_regular(real, MAX_INCLUDE_BYTES - budget.bytes)
            except _TooLargeError:
                problems.append(
                    FactProblem(
                        where,
                        f"{file}: the included files hold more than {MAX_INCLUDE_BYTES:,} "
                        "bytes together",
                    )
                )
                return
            except DocumentError as exc:
                problems.append(FactProblem(where, f"{file}: {exc}"))
                continue
            budget.bytes += len(data)
            yield file, data
        if not matched:
            problems.append(FactProblem(where, f"{shown} matches no file"))


class _TooLargeError(Exception):
    pass


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file (never a FIFO, device or folder), at most ``limit``."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DocumentError("is not a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise DocumentError("is not a regular file")
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _TooLargeError
    return data
