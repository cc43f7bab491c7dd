"""The decision log: one JSON line per evaluation, to audit and replay decisions later.

Off by default. Each line names the decision (a random id and the UTC time), the pack (id,
version, content digest), the engine version, the date evaluated, the subject (id and level),
the SHA-256 of the *canonical* facts (so the same facts from TOML or JSON hash the same), the
verdict, the outputs and the rules that failed or were unknown. The facts themselves are
written only with ``log_facts=True``, and their names replaced by ``***`` with
``mask_names=True`` (the hash is always of the unmasked facts).

Appends are safe across threads and processes: each line is one ``write`` on a file opened
with ``O_APPEND``, so lines never interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

import attrs

from policyengine.facts import Community, Jurisdiction
from policyengine.results import BLOCKING, Result, jsonable

__all__ = ["MASK", "DecisionLog", "canonical_facts", "decision_record", "facts_digest"]

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
    if isinstance(document, list):
        return [_masked(d) for d in document]
    if not isinstance(document, dict):
        return document
    out = {k: _masked(v) for k, v in document.items()}
    for table, key in _NAME_PATHS:
        inner = out.get(table)
        if isinstance(inner, dict) and inner.get(key) is not None:
            out[table] = {**inner, key: MASK}
    return out


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
        """The log opened for appending (created if missing); OSError if it cannot be."""
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def check_writable(self) -> None:
        """OSError now if the log cannot be appended to (before any decision is made)."""
        os.close(self._open())

    def append(self, entry: dict[str, Any]) -> None:
        """Write one entry as one line, in a single ``write`` on an ``O_APPEND`` file."""
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        fd = self._open()
        try:
            written = os.write(fd, line)
            while written < len(line):  # only on a signal or a full disk: finish the line
                written += os.write(fd, line[written:])
        finally:
            os.close(fd)
