"""The decision log: one JSON line per evaluation, to audit and replay decisions later.

Off by default. Each line names the decision (a random id and the UTC time), the pack (id,
version, content digest), the engine version, the date evaluated, the subject (id and level),
the SHA-256 of the *canonical* facts (so the same facts from TOML or JSON hash the same), the
verdict, the outputs and the rules that failed or were unknown. The facts themselves are
written only with ``log_facts=True``, and their names replaced by ``***`` with
``mask_names=True`` (the hash is always of the unmasked facts).

Appends are safe across threads and processes: each line is one ``write`` on a file opened
with ``O_APPEND``, so lines never interleave. The log is a regular file: a FIFO, a device
or a socket is refused before any decision (a FIFO without a reader would stop the run).
A command-line run holds its decisions as :class:`PendingDecisions` and appends them only
when its results are written: a run that fails leaves the log as it was.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import stat
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from policyengine.facts import Community, Jurisdiction
from policyengine.results import BLOCKING, Result, jsonable

__all__ = [
    "MASK",
    "DecisionLog",
    "NotAFileError",
    "PendingDecisions",
    "canonical_facts",
    "decision_record",
    "facts_digest",
]

MASK = "***"
"""What a masked name is replaced with."""

_NAME_PATHS = (("community", "name"), ("jurisdiction", "name"))


def _plain(value: Any) -> Any:
    """Typed facts as JSON data: None and empty tables left out, dates as ISO text."""
    if attrs.has(type(value)):
        out = {}
        for field in attrs.fields(type(value)):
            item = _plain(getattr(value, field.name))
            if item is not None and item != {}:
                out[field.name] = item
        if isinstance(value, Jurisdiction):  # no communities is the same as an empty list
            for key in ("communities", "jurisdictions"):
                if not out.get(key):
                    out.pop(key, None)
        return out
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return jsonable(value)


def canonical_facts(subject: Community | Jurisdiction) -> dict[str, Any]:
    """The facts as a plain document: what the validator understood, nothing else.

    Two documents that say the same (TOML or JSON, ``150`` or ``150.0``, an empty table or
    none, communities included from other files or written inline) have the same canonical
    facts, and structuring these gives back an equal subject.
    """
    out: dict[str, Any] = _plain(subject)
    return out


def _canonical_json(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def facts_digest(subject: Community | Jurisdiction) -> str:
    """``sha256:…`` of the canonical facts."""
    return "sha256:" + hashlib.sha256(_canonical_json(canonical_facts(subject))).hexdigest()


def _masked(document: Any) -> Any:
    """The document with its names masked, and each masked jurisdiction's name also where a
    community's place (``community.jurisdiction``) repeats it: a masked name stays masked."""
    return _masked_in(document, frozenset(_jurisdiction_names(document)))


def _masked_in(document: Any, places: frozenset[str]) -> Any:
    if isinstance(document, list):
        return [_masked_in(d, places) for d in document]
    if not isinstance(document, dict):
        return document
    out = {k: _masked_in(v, places) for k, v in document.items()}
    for table, key in _NAME_PATHS:
        inner = out.get(table)
        if isinstance(inner, dict) and inner.get(key) is not None:
            out[table] = {**inner, key: MASK}
    community = out.get("community")
    if isinstance(community, dict) and isinstance(community.get("jurisdiction"), list):
        place = [MASK if p in places else p for p in community["jurisdiction"]]
        out["community"] = {**community, "jurisdiction": place}
    return out


def _jurisdiction_names(document: Any) -> Iterator[str]:
    if isinstance(document, list):
        for item in document:
            yield from _jurisdiction_names(item)
    elif isinstance(document, dict):
        inner = document.get("jurisdiction")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            yield inner["name"]
        for value in document.values():
            yield from _jurisdiction_names(value)


def decision_record(
    result: Result,
    subject: Community | Jurisdiction,
    *,
    log_facts: bool = False,
    mask_names: bool = False,
) -> dict[str, Any]:
    """The log entry for one result (see the module's documentation for its fields)."""
    now = dt.datetime.now(dt.UTC)
    record: dict[str, Any] = {
        "decision_id": uuid.uuid4().hex,
        "time": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "pack": {
            "id": result.pack_id,
            "version": result.pack_version,
            "digest": result.pack_digest,
        },
        "engine": {"version": result.engine_version},
        "as_of": result.as_of.isoformat(),
        "subject": {"id": result.subject_id, "level": result.subject_level},
        "facts_sha256": facts_digest(subject),
        "verdict": result.verdict,
        "outputs": jsonable(result.outputs),
        "failing_rules": [f.rule for f in result.findings if f.outcome in BLOCKING],
        "unknown_rules": [f.rule for f in result.findings if f.outcome == "unknown"],
    }
    if log_facts:
        facts = canonical_facts(subject)
        record["facts"] = _masked(facts) if mask_names else facts
        record["names_masked"] = mask_names
    return record


@attrs.frozen
class DecisionLog:
    """Where decisions are appended, and what goes in each line."""

    path: Path = attrs.field(converter=Path)
    log_facts: bool = False
    """Write the canonical facts in each line (off: only their SHA-256)."""
    mask_names: bool = False
    """With ``log_facts``: replace community and jurisdiction names by ``***``."""

    def record(self, result: Result, subject: Community | Jurisdiction) -> dict[str, Any]:
        """Append one decision; returns the entry written."""
        entry = decision_record(
            result, subject, log_facts=self.log_facts, mask_names=self.mask_names
        )
        self.append(entry)
        return entry

    def _open(self) -> int:
        """The log opened for appending (created if missing); OSError if it cannot be,
        :class:`NotAFileError` if it is not a regular file (never waits for a FIFO's
        reader)."""
        try:
            mode = os.stat(self.path).st_mode
        except FileNotFoundError:  # created (through a link that leads nowhere yet, too)
            mode = stat.S_IFREG
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a folder: the system's own words
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o644)
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.set_blocking(fd, True)
                return fd
            os.close(fd)  # replaced since it was looked at
        raise NotAFileError(self.path)

    def check_writable(self) -> None:
        """OSError now if the log cannot be appended to (before any decision is made); a
        log that is not there yet is not made (a run that fails leaves nothing)."""
        if os.path.exists(self.path):
            os.close(self._open())
            return
        folder = self.path.parent
        if not folder.is_dir():
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry as one line, in a single ``write`` on an ``O_APPEND`` file."""
        self.append_lines(_line(entry))

    def append_lines(self, lines: bytes) -> None:
        """Write whole lines in one ``write`` on an ``O_APPEND`` file."""
        fd = self._open()
        try:
            written = os.write(fd, lines)
            while written < len(lines):  # only on a signal or a full disk: finish the line
                written += os.write(fd, lines[written:])
        finally:
            os.close(fd)


def _line(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class NotAFileError(OSError):
    """The decision log is a FIFO, a device, a socket or a folder: decisions are appended
    to regular files only."""


class PendingDecisions:
    """The decisions of one run, held (in memory, then a temporary file: memory does not
    grow with the run) until :meth:`commit` appends them to the log, or :meth:`discard`
    drops them when the run's results are not written."""

    _CHUNK = 1 << 20
    """Bytes appended at a time (whole lines: another writer's lines never cut one)."""

    def __init__(self, log: DecisionLog) -> None:
        self.log = log
        self._spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115

    def record(self, result: Result, subject: Community | Jurisdiction) -> dict[str, Any]:
        """Hold one decision; returns its entry."""
        entry = decision_record(
            result, subject, log_facts=self.log.log_facts, mask_names=self.log.mask_names
        )
        self._spool.write(_line(entry))
        return entry

    def commit(self) -> None:
        """Append every decision held, in order, whole lines at a time."""
        with self._spool as spool:
            spool.seek(0)
            rest = b""
            while block := spool.read(self._CHUNK):
                lines, _, rest = (rest + block).rpartition(b"\n")
                if lines:
                    self.log.append_lines(lines + b"\n")
            if rest:
                self.log.append_lines(rest)

    def discard(self) -> None:
        """Drop every decision held: the log is left as it was."""
        self._spool.close()
