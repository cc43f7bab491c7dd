"""Reading a file a user names, or one found in a folder or by a pattern: only a regular
file is read (never a device, which would never end, nor a FIFO, which would wait for a
writer for ever), and a file found in a folder only if it is inside it once links are
followed, is not a link loop, and holds at most
:data:`~policyengine.limits.MAX_INCLUDE_BYTES` bytes (``docs/security.md``).
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import json
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO

from policyengine._converter import describe
from policyengine.exceptions import DocumentError, InputError
from policyengine.limits import MAX_INCLUDE_BYTES

__all__ = [
    "LINK_LOOP",
    "NOT_REGULAR",
    "ODD_NAME",
    "OUTSIDE",
    "TOO_LARGE",
    "NotReadError",
    "TooLargeError",
    "inside_folder",
    "named",
    "open_regular",
    "outputs_not_read",
    "read_found",
    "read_regular",
    "refuse_outside",
]


ODD_NAME = "a file name with a line break or a control character is not read"


def named(file: Path) -> str:
    """A file's name as a message shows it: as it is, or quoted and escaped when it holds
    a line break or a control character (a name must not forge a line of the output)."""
    name = str(file)
    if name.isprintable():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # an undecodable byte in the name: escaped too
        return json.dumps(name)
    return json.dumps(name, ensure_ascii=False)  # whole: the file's own name is last


_OUTPUTS: contextvars.ContextVar[Mapping[tuple[int, int], str] | None] = contextvars.ContextVar(
    "outputs", default=None
)
"""The files a command will write (device and inode: by option and name), while it reads."""


@contextlib.contextmanager
def outputs_not_read(outputs: Mapping[str, Path | None]) -> Iterator[None]:
    """While in it, reading one of these existing files (``--output``: its path) is an
    :class:`InputError` naming the option, before a byte of it is read: ``--output FILE: is
    also an input; write the results elsewhere``. An input names its own files, but a
    jurisdiction's ``include`` finds them only as it reads: a file it includes would be
    overwritten by the results (or, a decision log, appended to)."""
    found: dict[tuple[int, int], str] = {}
    for option, path in outputs.items():
        try:
            st = os.stat(path) if path is not None else None
        except (OSError, ValueError):  # not there yet: no input can be it
            continue
        if st is not None:
            found[(st.st_dev, st.st_ino)] = f"{option} {named(path)}"  # type: ignore[arg-type]
    token = _OUTPUTS.set(found)
    try:
        yield
    finally:
        _OUTPUTS.reset(token)


def _not_an_output(st: os.stat_result) -> None:
    outputs = _OUTPUTS.get()
    if outputs:
        option = outputs.get((st.st_dev, st.st_ino))
        if option is not None:
            raise InputError(f"{option}: is also an input; write the results elsewhere")


_IRREGULAR = "is not a regular file"
"""What :func:`read_regular` says of a FIFO, a device or a folder."""


class TooLargeError(Exception):
    """A file holds more bytes than :func:`read_regular` was allowed to read."""


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file (never a FIFO, device or folder), at most ``limit``:
    :class:`DocumentError` (``is not a regular file``, ``cannot read the file: …``) or
    :class:`TooLargeError` (more than ``limit`` bytes)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DocumentError(_IRREGULAR)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise DocumentError(_IRREGULAR)
            _not_an_output(st)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DocumentError(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TooLargeError
    return data


def _not_a_file(path: Path, mode: int, what: str) -> str | None:
    """Why a file of that mode is not read (None: a regular file, read)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):  # /dev/zero would never end
        return f"{path}: is a device, not a file (use - for standard input)"
    if stat.S_ISDIR(mode):
        return f"{path}: cannot read {what}: {os.strerror(errno.EISDIR)}"
    return f"{path}: is not a regular file"  # a FIFO would wait for a writer for ever


def open_regular(path: Path, what: str = "the file") -> IO[bytes]:
    """``path`` opened to read bytes, if it is a regular file once links are followed: a
    device, a FIFO, a socket or a folder is a DocumentError naming the file, before any byte
    is read (opening never waits for a FIFO's writer). ``what``: the file, in
    ``cannot read WHAT: why``."""
    try:
        refused = _not_a_file(path, os.stat(path).st_mode, what)
        if refused is not None:
            raise DocumentError(refused)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            st = os.fstat(fd)
            refused = _not_a_file(path, st.st_mode, what)  # replaced since
            if refused is not None:
                raise DocumentError(refused)
            _not_an_output(st)
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DocumentError(f"{path}: {LINK_LOOP}") from None
        raise DocumentError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL or an unpaired surrogate in the name
        raise DocumentError(f"{describe(str(path))}: is not a file name") from None


def inside_folder(folder: Path, file: Path) -> bool:
    """Whether a file found in a folder is in it once links are followed: a link in the
    folder may lead elsewhere, and nothing outside the folder is read (a link loop leads
    nowhere: not inside)."""
    return _refused(folder, file)[1] is None


OUTSIDE = "leads outside the folder (a link to a file elsewhere): not read"
LINK_LOOP = "is a link loop: not read"
NOT_REGULAR = "is not a regular file: not read"
TOO_LARGE = (
    f"holds more than {MAX_INCLUDE_BYTES:,} bytes, the most a file in a folder may hold: not read"
)


class NotReadError(DocumentError):
    """A file found in a folder (or by a glob) that is not read: ``FILE: why``."""

    def __init__(self, file: Path, why: str) -> None:
        super().__init__(f"{file}: {why}")
        self.file = file
        self.why = why
        """Why, without the file: :data:`OUTSIDE`, :data:`LINK_LOOP`, :data:`NOT_REGULAR`,
        :data:`TOO_LARGE`, ``cannot read the file: …``."""


def _refused(folder: Path | None, file: Path) -> tuple[Path | None, str | None]:
    """Where a file found in ``folder`` leads once links are followed, and why it is not
    read (None: it may be; a link loop leads nowhere)."""
    try:
        real = file.resolve()
    except RuntimeError:  # a link loop, Python 3.11: "Symlink loop from …"
        return None, LINK_LOOP
    except OSError as exc:
        loop = exc.errno == errno.ELOOP
        return None, LINK_LOOP if loop else f"cannot read the file: {exc.strerror or exc}"
    if folder is not None and not real.is_relative_to(folder.resolve()):
        return real, OUTSIDE
    return real, None


def refuse_outside(folder: Path, files: Iterable[Path], option: str = "") -> None:
    """InputError naming the first of a folder's files that leads outside it, or is a link
    loop (``option``: the command-line option that named the folder, before the file)."""
    for file in files:
        why = _refused(folder, file)[1]
        if why is not None:
            raise InputError(f"{option} {file}: {why}" if option else f"{file}: {why}")


def read_found(file: Path, folder: Path | None = None) -> bytes:
    """The bytes of a file found in ``folder`` (or matched by a glob: None), read only if it
    is a regular file (inside the folder once links are followed) of at most
    :data:`~policyengine.limits.MAX_INCLUDE_BYTES` bytes, as an include is: else
    :class:`NotReadError` naming the file. Never waits on a FIFO, never reads a device."""
    real, why = _refused(folder, file)
    if real is None or why is not None:
        raise NotReadError(file, why or LINK_LOOP)
    try:  # read_regular looks at what the file is before opening it
        return read_regular(real, MAX_INCLUDE_BYTES)
    except TooLargeError:
        raise NotReadError(file, TOO_LARGE) from None
    except DocumentError as exc:  # a FIFO, a device, a folder; or it cannot be opened
        why = NOT_REGULAR if str(exc) == _IRREGULAR else str(exc)
        raise NotReadError(file, why) from None
