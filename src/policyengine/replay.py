"""Replaying a decision log: would the installed packs decide the same today, and if not, why?

Each logged decision is evaluated again with the same pack id and date, on the facts logged
with it or on the facts given in a folder (found by subject id). A decision *differs* when
its verdict, outputs, failing or unknown rules differ; the reasons name what changed since:
the pack's content digest (or version), the engine version, or the facts (their SHA-256).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from policyengine import api, json_input
from policyengine.decisionlog import decision_record
from policyengine.documents import load_document, structure_subject
from policyengine.exceptions import FactsError, InputError, PolicyEngineError, UnknownPackError
from policyengine.facts import DATE_PATTERN, Community, Jurisdiction

__all__ = ["Replayed", "read_log", "replay", "subjects_in"]


@attrs.frozen
class Replayed:
    """One logged decision replayed: what differs now and the likely reasons."""

    line: int
    decision_id: str
    pack_id: str
    subject_id: str
    changes: tuple[str, ...] = ()
    """What differs, e.g. ``verdict: pass → fail``; empty when the decision is the same."""
    reasons: tuple[str, ...] = ()
    """What changed since the decision: pack digest, engine version, facts."""
    error: str | None = None
    """Why the decision could not be replayed (no facts, pack not installed)."""

    @property
    def differs(self) -> bool:
        """True when the replayed decision is not the logged one."""
        return bool(self.changes)

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "line": self.line,
            "decision_id": self.decision_id,
            "pack": self.pack_id,
            "subject": self.subject_id,
            "differs": self.differs,
            "changes": list(self.changes),
            "reasons": list(self.reasons),
            "error": self.error,
        }


_REQUIRED = ("decision_id", "pack", "engine", "as_of", "subject", "facts_sha256")

_OBJECT = (dict, "an object")
_TEXT = (str, "text")
_LIST = (list, "a list")
_BOOL = (bool, "true or false")
_DATE = (str, 'a date ("YYYY-MM-DD")')
_FIELDS: dict[str, tuple[type, str]] = {
    "decision_id": _TEXT,
    "time": _TEXT,
    "pack": _OBJECT,
    "engine": _OBJECT,
    "as_of": _DATE,
    "subject": _OBJECT,
    "facts_sha256": _TEXT,
    "verdict": _TEXT,
    "outputs": _OBJECT,
    "failing_rules": _LIST,
    "unknown_rules": _LIST,
    "facts": _OBJECT,
    "names_masked": _BOOL,
}
"""The type of each field of an entry that has it (decisionlog.decision_record writes them)."""

_INNER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pack": (("id",), ("version", "digest")),
    "engine": ((), ("version",)),
    "subject": (("id",), ("level",)),
}
"""Of the objects: the text fields an entry must have, and those it may have."""


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({json.dumps(value, ensure_ascii=False)[:40]})"
    return "a list" if isinstance(value, list) else "an object"


def _entry_problem(entry: Any) -> str | None:
    """What makes ``entry`` not a decision log entry (None: it is one)."""
    if not isinstance(entry, dict):
        return f"not a decision log entry (no {', '.join(_REQUIRED)})"
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        return f"not a decision log entry (no {', '.join(missing)})"
    for key, (kind, words) in _FIELDS.items():
        if key in entry and not isinstance(entry[key], kind):
            return f"{key} must be {words}, not {_kind(entry[key])}"
    for key, (required, optional) in _INNER.items():
        for name in (*required, *optional):
            if name not in entry[key]:
                if name in required:
                    return f"{key}.{name} is missing"
            elif not isinstance(entry[key][name], str):
                return f"{key}.{name} must be text, not {_kind(entry[key][name])}"
    for key in ("failing_rules", "unknown_rules"):
        for item in entry.get(key, ()):
            if not isinstance(item, str):
                return f"{key} must hold rule ids (text), not {_kind(item)}"
    try:
        if not re.fullmatch(DATE_PATTERN, entry["as_of"]):  # fromisoformat takes 20141231
            raise ValueError(entry["as_of"])
        dt.date.fromisoformat(entry["as_of"])
    except ValueError:
        return f"as_of must be {_DATE[1]}, not {_kind(entry['as_of'])}"
    return None


def read_log(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, entry)`` for each line; a line that is not an entry (not JSON, a key
    given twice, a field missing or of the wrong type) is an InputError naming the line; a
    log that is not a regular file (a device, a FIFO) is one naming the file, before any
    byte is read."""
    from policyengine.files import open_regular

    with open_regular(path, "the decision log") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                entry = json_input.loads(line)
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}:{number}: not UTF-8 text: {exc.reason}") from None
            except ValueError as exc:  # a JSONDecodeError, or a key given twice
                raise InputError(f"{path}:{number}: not a JSON line: {exc}") from None
            problem = _entry_problem(entry)
            if problem is not None:
                raise InputError(f"{path}:{number}: {problem}")
            yield number, entry


def subjects_in(folder: Path) -> dict[str, Community | Jurisdiction]:
    """Every facts document directly in ``folder`` (``*.toml``, ``*.json``), or every row of
    a table (``.csv``, ``.parquet``, ``.xlsx``, ``.jsonl``: the input of a bulk evaluation),
    by subject id. A file in the folder that leads outside it, is a link loop, is not a
    regular file (a FIFO, a device) or is too large is an InputError naming it: not read."""
    from policyengine.files import NotReadError, read_found, refuse_outside
    from policyengine.tables import TABLE_SUFFIXES, open_records

    if folder.is_file() and folder.suffix.lower() in TABLE_SUFFIXES:
        rows: dict[str, Community | Jurisdiction] = {}
        for record in open_records([str(folder)]):
            try:
                if record.problems:
                    raise FactsError(record.problems)
                subject = structure_subject(record.data, record.base)
            except FactsError as exc:
                raise FactsError(exc.problems, source=f"--facts {record.position}") from None
            rows.setdefault(subject.id, subject)
        return rows
    if not folder.is_dir():
        raise InputError(f"--facts {folder}: not a folder or a table")
    found: dict[str, Community | Jurisdiction] = {}
    paths = sorted([*folder.glob("*.toml"), *folder.glob("*.json")])
    refuse_outside(folder, paths, "--facts")
    for path in paths:
        try:
            data = read_found(path, folder)
        except NotReadError as exc:
            raise InputError(f"--facts {exc}") from None
        subject = load_document(path, data)
        found.setdefault(subject.id, subject)
    return found


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    changes: list[str] = []
    if old.get("verdict") != new["verdict"]:
        changes.append(f"verdict: {old.get('verdict')} → {new['verdict']}")
    old_out, new_out = old.get("outputs") or {}, new["outputs"]
    for key in sorted(set(old_out) | set(new_out)):
        if old_out.get(key) != new_out.get(key):
            changes.append(
                f"output {key}: {json.dumps(old_out.get(key), ensure_ascii=False)} → "
                f"{json.dumps(new_out.get(key), ensure_ascii=False)}"
            )
    for field, word in (("failing_rules", "fails"), ("unknown_rules", "is unknown")):
        before, after = set(old.get(field) or ()), set(new[field])
        changes += [f"rule {r} now {word}" for r in sorted(after - before)]
        changes += [f"rule {r} no longer {word}" for r in sorted(before - after)]
    return changes


def _reasons(old: Mapping[str, Any], new: Mapping[str, Any], facts_compared: bool) -> list[str]:
    reasons: list[str] = []
    old_pack, new_pack = old.get("pack") or {}, new["pack"]
    if old_pack.get("digest") != new_pack["digest"]:
        reasons.append(
            f"pack digest changed: {old_pack.get('digest')} → {new_pack['digest']}"
            + (
                f" (version {old_pack.get('version')} → {new_pack['version']})"
                if old_pack.get("version") != new_pack["version"]
                else " (same version)"
            )
        )
    old_engine = (old.get("engine") or {}).get("version")
    if old_engine != new["engine"]["version"]:
        reasons.append(f"engine version changed: {old_engine} → {new['engine']['version']}")
    if facts_compared and old.get("facts_sha256") != new["facts_sha256"]:
        reasons.append(f"facts differ: SHA-256 {old.get('facts_sha256')} → {new['facts_sha256']}")
    return reasons


def _replay_one(
    number: int, entry: Mapping[str, Any], given: Mapping[str, Community | Jurisdiction]
) -> Replayed:
    pack_id = str((entry.get("pack") or {}).get("id"))
    subject_id = str((entry.get("subject") or {}).get("id"))
    base = Replayed(number, str(entry["decision_id"]), pack_id, subject_id)
    subject: Community | Jurisdiction | None = given.get(subject_id)
    facts_compared = subject is not None
    logged = subject is None  # the facts replayed are the line's own
    if subject is None:
        if "facts" not in entry:
            return attrs.evolve(
                base, error="the facts were not logged and --facts has no document with this id"
            )
        try:
            subject = structure_subject(entry["facts"])
        except FactsError as exc:
            return attrs.evolve(base, error=f"the logged facts are not valid: {exc}")
        facts_compared = not entry.get("names_masked", False)
    try:
        pack = api.default_registry().get(pack_id)
        as_of = dt.date.fromisoformat(str(entry["as_of"]))
        result = api.evaluate(subject, pack, as_of=as_of)
    except UnknownPackError:
        return attrs.evolve(base, error=f"the pack {pack_id!r} is not installed")
    except (PolicyEngineError, ValueError) as exc:
        return attrs.evolve(base, error=str(exc))
    new = decision_record(result, subject)
    masked = logged and not facts_compared
    if logged and not masked and entry.get("facts_sha256") != new["facts_sha256"]:
        return attrs.evolve(base, error=_NOT_ITS_FACTS)
    changes = _changes(entry, new)
    if not changes:
        return base
    reasons = _reasons(entry, new, facts_compared)
    if masked and not reasons:  # the masked names may be what the decision read
        return attrs.evolve(base, error=_MASKED)
    if masked:
        reasons.append(_MASKED)
    if not reasons:
        reasons = ["same pack digest, engine version and facts: the decision is not reproducible"]
    return attrs.evolve(base, changes=tuple(changes), reasons=tuple(reasons))


_MASKED = (
    "the names in the logged facts were masked (names_masked), and a pack may read them "
    "(a jurisdiction's name places it): give the facts with --facts to replay it exactly"
)
_NOT_ITS_FACTS = (
    "the logged facts do not have the line's facts_sha256: the line was changed after it "
    "was written"
)


def replay(log: Path, facts: Path | None = None) -> list[Replayed]:
    """Replay every decision of ``log``; ``facts``: a folder of documents (or a table) to
    use instead of the logged facts."""
    given = subjects_in(facts) if facts is not None else {}
    return [_replay_one(number, entry, given) for number, entry in read_log(log)]
