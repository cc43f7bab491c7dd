"""Reading facts documents named on the command line, and writing a command's output.

Output integrity (results.md): nothing reaches ``--output`` unless the run succeeds. A
:class:`Destination` is checked before any work (its folder exists and is writable, it is
not a folder, a device or a pipe), written to a temporary file in the destination's own
folder and renamed over it only by :meth:`Destination.commit`. The file is created with
mode ``0o666`` less the umask, like any file a shell redirection makes. An existing
symbolic link at ``--output`` is followed: its target is replaced and the link stays.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import secrets
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, TextIO

from policyengine.contracts import RenderOptions, Streams
from policyengine.documents import structure_subject
from policyengine.exceptions import FactProblem, FactsError, InputError
from policyengine.facts import DATE_PATTERN, Community, Jurisdiction
from policyengine.files import outputs_not_read
from policyengine.i18n import LANGUAGES, problem_text, text
from policyengine.tables import open_records

__all__ = [
    "Destination",
    "add_view_options",
    "check_not_an_input",
    "format_for_output",
    "parse_as_of",
    "parse_date",
    "problem_text_of",
    "read_subjects",
    "read_subjects_for",
    "view_options",
    "write_output",
]


def format_for_output(
    given: str | None, output: Path | None, by_suffix: dict[str, str], default: str
) -> str:
    """``--format`` when given, else the format the ``--output`` file's extension names
    (``results.csv`` is CSV), else ``default``."""
    if given is not None:
        return given
    if output is not None:
        return by_suffix.get(output.suffix.lower(), default)
    return default


def check_not_an_input(output: Path | None, facts: Sequence[str], what: str = "--output") -> None:
    """Refuse (before anything is read or written) an output file that is one of the inputs,
    or a document an input folder would read: it would be overwritten while read, or read as
    facts next time."""
    if output is None:
        return
    for name in facts:
        if name == "-":
            continue
        given = Path(name)
        try:
            same = given.samefile(output)
        except OSError:  # either does not exist (yet): not the same file
            same = False
        # any file in an input folder, whatever its format: the folder is the input
        inside = given.is_dir() and output.resolve().parent == given.resolve()
        if same or inside:
            raise InputError(f"{what} {output}: is also an input; write the results elsewhere")


def read_subjects_for(
    args: argparse.Namespace, streams: Streams
) -> tuple[Destination | None, list[Community | Jurisdiction], bool]:
    """``--output`` checked (not an input, writable: before any work), then every subject
    in FACTS (:func:`read_subjects`), none of them the output (an included file neither)."""
    check_not_an_input(args.output, args.facts)
    dest = Destination(args.output) if args.output is not None else None
    with outputs_not_read({"--output": args.output}):
        subjects, bad = read_subjects(args.facts, streams.stdin, streams.stderr, args.lang)
    return dest, subjects, bad


def parse_date(text: str) -> dt.date:
    """An ISO date from the command line."""
    try:
        if not re.fullmatch(DATE_PATTERN, text):  # Python also takes 20141231, 2014-W01-1
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_as_of(text: str) -> tuple[str | None, dt.date]:
    """``--as-of DATE`` (every pack) or ``--as-of PACK=DATE`` (one pack)."""
    pack, sep, date = text.rpartition("=")
    if sep and not pack:
        raise argparse.ArgumentTypeError(f"{text!r}: a pack id is missing before '='")
    return (pack or None), parse_date(date)


def read_subjects(
    names: Sequence[str], stdin: TextIO, err: TextIO, lang: str | None = None
) -> tuple[list[Community | Jurisdiction], bool]:
    """Every subject in FACTS, and whether any document was bad (each problem is printed,
    in ``lang``: ``--lang``, Chinese by default)."""
    subjects: list[Community | Jurisdiction] = []
    bad = False
    # documents, folders and tables, as ``evaluate`` reads them (a CSV is not JSON)
    for record in open_records(names, stdin):
        problems = list(record.problems)
        if not problems:
            try:
                subjects.append(structure_subject(record.data, record.base))
            except FactsError as exc:
                problems = list(exc.problems)
        for problem in problems:
            bad = True
            print(f"{record.position}: {problem_text_of(problem, lang or 'zh')}", file=err)
    return subjects, bad


def add_view_options(p: argparse.ArgumentParser) -> None:
    """``--lang`` and ``--only``: what a person sees of the results."""
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="language of titles, messages and problems in the facts (default: zh)",
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


class OutputError(InputError, OSError):
    """Writing ``--output`` failed (a full disk, a file size limit): said naming the file."""

    def __str__(self) -> str:
        return str(self.args[0])

    @classmethod
    def of(cls, label: str, exc: OSError) -> OutputError:
        """``LABEL: cannot be written: the system's words``."""
        return cls(f"{label}: cannot be written: {exc.strerror or exc}")


class _Temporary(io.FileIO):
    """The temporary file of a :class:`Destination`: a failed write names the destination."""

    label = ""

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            raise OutputError.of(self.label, exc) from None


class Destination:
    """A file to write atomically: checked now, written to a temporary file, renamed last.

    Raises :class:`InputError` at once when the file could not be written: its folder is
    missing or not writable, or the path is a folder, a device, a pipe or a socket.
    """

    def __init__(self, path: Path, option: str = "--output") -> None:
        self.path = path
        self.option = option
        self.target = self._check(path)
        self._tmp: Path | None = None
        self._fh: IO[Any] | None = None

    def _check(self, path: Path) -> Path:
        label = f"{self.option} {path}"
        try:  # through a link: /dev/stdout leads to a pipe, which has no path of its own
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise InputError(f"{label}: cannot be written: {exc.strerror}") from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise InputError(f"{label}: is a folder; give a file name")
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise InputError(
                f"{label}: is not a regular file (a device, pipe or socket); "
                "results are written to regular files only"
            )
        target = path.resolve() if path.is_symlink() else path
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"{label}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(f"{label}: the folder {folder} is not writable")
        return target

    def open(self, *, binary: bool = False) -> IO[Any]:
        """The temporary file to write (in the destination's folder, so renaming is atomic)."""
        folder = self.target.parent
        tmp = folder / f".{self.target.name}.{secrets.token_hex(6)}.tmp"
        self._tmp = tmp  # known before it exists: an abort in between removes it
        try:
            # 0o666 less the umask, as for any new file: the kernel applies the umask.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except OSError as exc:
            self._tmp = None
            raise InputError(f"{self.option} {self.path}: cannot be written: {exc}") from None
        raw = _Temporary(fd, "wb")
        raw.label = f"{self.option} {self.path}"
        buffered = io.BufferedWriter(raw)
        self._fh = buffered if binary else io.TextIOWrapper(buffered, encoding="utf-8")
        return self._fh

    def commit(self) -> None:
        """Rename the finished temporary file over the destination."""
        if self._fh is None:
            self.open().close()
        assert self._fh is not None
        assert self._tmp is not None
        try:
            self._fh.close()
            os.replace(self._tmp, self.target)
        except BaseException as exc:
            self.abort()
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise OutputError.of(f"{self.option} {self.path}", exc) from None
            raise
        self._tmp = None

    def abort(self) -> None:
        """Remove the temporary file; the destination is left as it was."""
        try:
            if self._fh is not None:
                self._fh.close()  # fails again on what a failed write left in its buffer
        except (OSError, ValueError):
            pass
        finally:
            if self._tmp is not None:
                self._tmp.unlink(missing_ok=True)
                self._tmp = None


def write_output(text: str | bytes, output: Path | Destination | None, out: TextIO) -> None:
    """Write to standard output, or atomically to ``output`` (a :class:`Destination`
    checked before the work, or a path checked now).

    Bytes (a binary format) go to ``output``; on standard output they need a file.
    """
    if output is None:
        if isinstance(text, bytes):
            raise InputError("this format writes a binary file: give --output FILE")
        out.write(text)
        return
    dest = output if isinstance(output, Destination) else Destination(output)
    try:
        dest.open(binary=isinstance(text, bytes)).write(text)
    except BaseException:
        dest.abort()
        raise
    dest.commit()
