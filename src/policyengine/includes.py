"""A jurisdiction's ``include``: the community files it names, confined to its folder.

Patterns are relative to the folder of the document that holds them and are looked for in
its real folders (a link to a folder is not followed); every match must resolve (a link to
a file followed) to a regular file inside that folder tree, and is read at most once; at
most :data:`~policyengine.limits.MAX_INCLUDE_FILES` files and
:data:`~policyengine.limits.MAX_INCLUDE_BYTES` bytes per document, every jurisdiction in it
together. What is refused is a
:class:`FactProblem` naming the pattern or file (``docs/security.md``).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from policyengine._converter import describe
from policyengine.exceptions import DocumentError, FactProblem
from policyengine.files import ODD_NAME, TooLargeError, named, read_regular
from policyengine.limits import MAX_INCLUDE_BYTES, MAX_INCLUDE_FILES

__all__ = ["IncludeBudget", "included"]

_MAX_MATCHES = 100_000
"""Most names one pattern may look at (in every folder it looks into)."""


class IncludeBudget:
    """Files, bytes and table rows included so far, over one whole document (its every
    jurisdiction: ``docs/security.md``)."""

    def __init__(self) -> None:
        self.files = 0
        self.bytes = 0
        self.rows = 0


def included(
    patterns: Any,
    where: str,
    base: Path | None,
    budget: IncludeBudget,
    problems: list[FactProblem],
    seen: set[Path] | None = None,
) -> Iterator[tuple[Path, bytes]]:
    """The files an ``include`` names, with their bytes, confined to the document's folder.

    Patterns are relative to the folder of the document and looked for in its real
    folders only: a link to a folder is never followed, so that no folder outside is
    listed and no link cycle is walked; a link to a file is followed when it resolves to a
    regular file inside the folder tree. A file matched several times (``seen``: over one
    list of communities) is read once; at most :data:`MAX_INCLUDE_FILES` files and
    :data:`MAX_INCLUDE_BYTES` bytes per document (``budget``).
    """
    seen = set() if seen is None else seen
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
        parts = Path(pattern).parts
        if not parts:  # ".", "./": the folder itself
            problems.append(FactProblem(where, f"{shown} names the folder itself, not a file"))
            continue
        try:
            found = _matches(base, parts)
        except _TooManyError:
            problems.append(
                FactProblem(where, f"{shown} looks through more than {_MAX_MATCHES:,} paths")
            )
            return
        except (ValueError, OSError) as exc:
            problems.append(FactProblem(where, f"{shown} is not a valid pattern: {exc}"))
            continue
        for file in sorted(found):
            if not str(file).isprintable():  # a line break or a terminal escape in a name
                problems.append(FactProblem(where, f"{named(file)}: {ODD_NAME}"))
                continue
            try:
                real = file.resolve()
            except (RuntimeError, OSError):  # a link loop (RuntimeError before Python 3.13)
                problems.append(FactProblem(where, f"{named(file)}: is a link loop: not read"))
                continue
            if not real.is_relative_to(root):
                problems.append(
                    FactProblem(where, f"{named(file)} leads outside the document's folder")
                )
                continue
            if real in seen:
                continue  # a file matched several times is read once
            if budget.files >= MAX_INCLUDE_FILES:
                problems.append(
                    FactProblem(where, f"more than {MAX_INCLUDE_FILES:,} files are included")
                )
                return
            seen.add(real)
            budget.files += 1
            try:
                data = read_regular(real, MAX_INCLUDE_BYTES - budget.bytes)
            except TooLargeError:
                problems.append(
                    FactProblem(
                        where,
                        f"{named(file)}: the included files hold more than "
                        f"{MAX_INCLUDE_BYTES:,} bytes together",
                    )
                )
                return
            except DocumentError as exc:
                problems.append(FactProblem(where, f"{named(file)}: {exc}"))
                continue
            budget.bytes += len(data)
            yield file, data
        if not found:
            problems.append(FactProblem(where, f"{shown} matches no file"))


class _TooManyError(Exception):
    pass


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:  # unreadable: nothing matches in it (as glob does)
        return []


def _is_real_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _matches(base: Path, parts: tuple[str, ...]) -> list[Path]:
    """The paths under ``base`` matching a relative pattern's parts (``*``, ``?``, ``[…]``
    within a name, ``**`` for any depth of folders), looking into real folders only (a
    link to a folder is not followed) and at most :data:`_MAX_MATCHES` names in all."""
    current = [base]
    looked = 0

    def look(count: int) -> None:
        nonlocal looked
        looked += count
        if looked > _MAX_MATCHES:
            raise _TooManyError

    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        found: list[Path] = []
        if part == "**":  # the folders themselves and every real folder below them
            stack = list(current)
            while stack:
                folder = stack.pop()
                found.append(folder)
                entries = _entries(folder)
                look(len(entries))
                stack.extend(Path(e.path) for e in entries if _is_real_folder(e))
        elif _MAGIC.search(part):
            for folder in current:
                entries = _entries(folder)
                look(len(entries))
                found.extend(
                    Path(e.path)
                    for e in entries
                    if fnmatch.fnmatchcase(e.name, part) and (last or _is_real_folder(e))
                )
        else:
            for folder in current:
                look(1)
                candidate = folder / part
                if last:
                    if os.path.lexists(candidate):
                        found.append(candidate)
                elif candidate.is_dir() and not candidate.is_symlink():
                    found.append(candidate)
        current = found
    return list(dict.fromkeys(current))


_MAGIC = re.compile(r"[*?\[]")
