"""Replaying a decision log: would the installed packs decide the same today, and if not, why?

Each logged decision is evaluated again with the same pack id and date, on the facts logged
with it or on the facts given in a folder (found by subject id). A decision *differs* when
its verdict, outputs, failing or unknown rules differ; the reasons name what changed since:
the pack's content digest (or version), the engine version, or the facts (their SHA-256).

Each change, reason and error is kept twice: as English text for machines (``changes``,
``reasons``, ``error``: the JSON fields, unchanged) and as :class:`Said`, a catalogue key and
its values, which the command puts in the language of ``--lang`` for people.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import attrs

from policyengine import api, json_input
from policyengine.decisionlog import decision_record
from policyengine.documents import load_document, structure_subject
from policyengine.exceptions import FactsError, InputError, PolicyEngineError, UnknownPackError
from policyengine.facts import DATE_PATTERN, Community, Jurisdiction
from policyengine.i18n import lookup

__all__ = ["Replayed", "Said", "SaidError", "Written", "read_log", "replay", "subjects_in"]


@attrs.frozen
class Said:
    """A sentence for people in no language yet: a catalogue key and the values it names.
    A value is a code kept as written (an id, a digest, a version: text), or itself words:
    :class:`Said`, :class:`Written`, a facts problem, or a tuple of them (a list)."""

    key: str
    values: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class Written:
    """An English message of another part (an engine or pack error, a parser's words): said
    in a language where the catalogue recognises it, else as written."""

    message: str


class SaidError(InputError):
    """An error of the command's input whose words for people are :attr:`said`."""

    def __init__(self, message: str, said: Said) -> None:
        super().__init__(message)
        self.said = said


Words: TypeAlias = Said | Written


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
    """Why the decision could not be replayed (no facts, pack not installed), or why its line
    could not be read."""
    read: bool = True
    """False for a line that is not a decision (not JSON, a field of the wrong type):
    ``error`` says why, and there is no decision id, pack or subject."""
    said_changes: tuple[Said, ...] = ()
    """``changes`` in words for people (any language)."""
    said_reasons: tuple[Said, ...] = ()
    """``reasons`` in words for people."""
    said_error: Words | None = None
    """``error`` in words for people."""

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
            "read": self.read,
        }


_REQUIRED = ("decision_id", "pack", "engine", "as_of", "subject", "facts_sha256")

_OBJECT = (dict, "an object", Said("replay.kind_object"))
_TEXT = (str, "text", Said("kind.text"))
_LIST = (list, "a list", Said("kind.list"))
_BOOL = (bool, "true or false", Said("kind.bool"))
_DATE = (str, 'a date ("YYYY-MM-DD")', Said("replay.kind_date"))
_FIELDS: dict[str, tuple[type, str, Said]] = {
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


def _kind(value: Any) -> tuple[str, Said]:
    """What a JSON value is, in words (English, and for people)."""
    if value is None:
        return "null", Said("replay.value_null")
    if isinstance(value, bool):
        return "true or false", Said("kind.bool")
    if isinstance(value, int | float):
        return f"a number ({value})", Said("replay.value_number", {"value": str(value)})
    if isinstance(value, str):
        shown = json.dumps(value, ensure_ascii=False)[:40]
        return f"text ({shown})", Said("replay.value_text", {"value": shown})
    if isinstance(value, list):
        return "a list", Said("kind.list")
    return "an object", Said("replay.kind_object")


Problem: TypeAlias = tuple[str, Said]
"""A problem in English and for people."""


def _not_entry(missing: Sequence[str]) -> Problem:
    said = Said("replay.not_an_entry", {"fields": tuple(missing)})
    return f"not a decision log entry (no {', '.join(missing)})", said


def _must_be(field: str, words: str, kind: Said, value: Any) -> Problem:
    english, shown = _kind(value)
    said = Said("replay.must_be", {"field": field, "kind": kind, "value": shown})
    return f"{field} must be {words}, not {english}", said


def _entry_problem(entry: Any) -> Problem | None:
    """What makes ``entry`` not a decision log entry (None: it is one)."""
    if not isinstance(entry, dict):
        return _not_entry(_REQUIRED)
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        return _not_entry(missing)
    for key, (kind, words, said) in _FIELDS.items():
        if key in entry and not isinstance(entry[key], kind):
            return _must_be(key, words, said, entry[key])
    for key, (required, optional) in _INNER.items():
        for name in (*required, *optional):
            if name not in entry[key]:
                if name in required:
                    return f"{key}.{name} is missing", Said(
                        "replay.missing", {"field": f"{key}.{name}"}
                    )
            elif not isinstance(entry[key][name], str):
                return _must_be(f"{key}.{name}", _TEXT[1], _TEXT[2], entry[key][name])
    for key in ("failing_rules", "unknown_rules"):
        for item in entry.get(key, ()):
            if not isinstance(item, str):
                english, shown = _kind(item)
                said = Said("replay.must_hold_ids", {"field": key, "value": shown})
                return f"{key} must hold rule ids (text), not {english}", said
    try:
        if not re.fullmatch(DATE_PATTERN, entry["as_of"]):  # fromisoformat takes 20141231
            raise ValueError(entry["as_of"])
        dt.date.fromisoformat(entry["as_of"])
    except ValueError:
        return _must_be("as_of", _DATE[1], _DATE[2], entry["as_of"])
    return None


def read_log(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, Problem | None]]:
    """``(line number, entry, None)`` for each line, or ``(line number, None, problem)`` for
    a line that is not an entry (not JSON, a key given twice, a field missing or of the
    wrong type; the problem in English and for people): the lines after it are read all
    the same (a log whose writer was stopped mid-line ends with half a line, and every
    decision before it can still be replayed).
    A log that is not a regular file (a device, a FIFO) is an InputError naming the file,
    before any byte is read."""
    from policyengine.files import open_regular

    with open_regular(path) as handle:  # its errors said as any file's (in Chinese too)
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                entry = json_input.loads(line)
            except UnicodeDecodeError as exc:
                said = Said("replay.not_utf8", {"reason": exc.reason})
                yield number, None, (f"not UTF-8 text: {exc.reason}", said)
                continue
            except ValueError as exc:  # a JSONDecodeError, or a key given twice
                said = Said("replay.not_json", {"what": _json_words(exc)})
                yield number, None, (f"not a JSON line: {exc}", said)
                continue
            problem = _entry_problem(entry)
            if problem is not None:
                yield number, None, problem
            else:
                yield number, entry, None


def _json_words(exc: ValueError) -> Words:
    """Why a line is not JSON, for people: a key given twice in words, the parser's own
    words (its line and column) as written."""
    twice = re.fullmatch(r"the key (.+) is given twice", str(exc))
    return Said("replay.key_twice", {"key": twice.group(1)}) if twice else Written(str(exc))


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
        said = Said("replay.facts_not_folder", {"name": str(folder)})
        raise SaidError(f"--facts {folder}: not a folder or a table", said)
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


def _verdict(verdict: Any) -> Said | str:
    """A verdict in words (the catalogue's), or as written when it is not one."""
    return Said(f"verdict.{verdict}") if lookup(f"verdict.{verdict}") else str(verdict)


_RULE_WORDS = (
    ("failing_rules", "fails", "replay.rule_now_fails", "replay.rule_no_longer_fails"),
    ("unknown_rules", "is unknown", "replay.rule_now_unknown", "replay.rule_no_longer_unknown"),
)


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Problem]:
    changes: list[Problem] = []
    if old.get("verdict") != new["verdict"]:
        said = Said(
            "replay.verdict", {"old": _verdict(old.get("verdict")), "new": _verdict(new["verdict"])}
        )
        changes.append((f"verdict: {old.get('verdict')} → {new['verdict']}", said))
    old_out, new_out = old.get("outputs") or {}, new["outputs"]
    for key in sorted(set(old_out) | set(new_out)):
        if old_out.get(key) != new_out.get(key):
            before = json.dumps(old_out.get(key), ensure_ascii=False)
            after = json.dumps(new_out.get(key), ensure_ascii=False)
            said = Said("replay.output", {"output": key, "old": before, "new": after})
            changes.append((f"output {key}: {before} → {after}", said))
    for field, word, now, no_longer in _RULE_WORDS:
        before_set, after_set = set(old.get(field) or ()), set(new[field])
        changes += [
            (f"rule {r} now {word}", Said(now, {"rule": r})) for r in sorted(after_set - before_set)
        ]
        changes += [
            (f"rule {r} no longer {word}", Said(no_longer, {"rule": r}))
            for r in sorted(before_set - after_set)
        ]
    return changes


def _reasons(old: Mapping[str, Any], new: Mapping[str, Any], facts_compared: bool) -> list[Problem]:
    reasons: list[Problem] = []
    old_pack, new_pack = old.get("pack") or {}, new["pack"]
    if old_pack.get("digest") != new_pack["digest"]:
        values = {"old": str(old_pack.get("digest")), "new": new_pack["digest"]}
        if old_pack.get("version") != new_pack["version"]:
            versions = {
                "old_version": str(old_pack.get("version")),
                "new_version": new_pack["version"],
            }
            said = Said("replay.pack_changed", values | versions)
            version = f" (version {old_pack.get('version')} → {new_pack['version']})"
        else:
            said, version = Said("replay.pack_changed_same_version", values), " (same version)"
        reasons.append((f"pack digest changed: {values['old']} → {values['new']}{version}", said))
    old_engine = (old.get("engine") or {}).get("version")
    if old_engine != new["engine"]["version"]:
        said = Said(
            "replay.engine_changed", {"old": str(old_engine), "new": new["engine"]["version"]}
        )
        reasons.append((f"engine version changed: {old_engine} → {new['engine']['version']}", said))
    if facts_compared and old.get("facts_sha256") != new["facts_sha256"]:
        said = Said(
            "replay.facts_differ", {"old": str(old.get("facts_sha256")), "new": new["facts_sha256"]}
        )
        reasons.append(
            (f"facts differ: SHA-256 {old.get('facts_sha256')} → {new['facts_sha256']}", said)
        )
    return reasons


def _not_replayed(base: Replayed, error: str, said: Words) -> Replayed:
    return attrs.evolve(base, error=error, said_error=said)


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
            return _not_replayed(
                base,
                "the facts were not logged and --facts has no document with this id",
                Said("replay.no_facts"),
            )
        try:
            subject = structure_subject(entry["facts"])
        except FactsError as exc:
            said = Said("replay.facts_not_valid", {"problems": exc.problems})
            return _not_replayed(base, f"the logged facts are not valid: {exc}", said)
        facts_compared = not entry.get("names_masked", False)
    try:
        pack = api.default_registry().get(pack_id)
        as_of = dt.date.fromisoformat(str(entry["as_of"]))
        result = api.evaluate(subject, pack, as_of=as_of)
    except UnknownPackError:
        said = Said("replay.pack_not_installed", {"pack": repr(pack_id)})
        return _not_replayed(base, f"the pack {pack_id!r} is not installed", said)
    except (PolicyEngineError, ValueError) as exc:
        return _not_replayed(base, str(exc), Written(str(exc)))
    new = decision_record(result, subject)
    masked = logged and not facts_compared
    if logged and not masked and entry.get("facts_sha256") != new["facts_sha256"]:
        return _not_replayed(base, _NOT_ITS_FACTS, Said("replay.not_its_facts"))
    changes = _changes(entry, new)
    if not changes:
        return base
    reasons = _reasons(entry, new, facts_compared)
    if masked and not reasons:  # the masked names may be what the decision read
        return _not_replayed(base, _MASKED, Said("replay.masked"))
    if masked:
        reasons.append((_MASKED, Said("replay.masked")))
    if not reasons:
        reasons = [
            (
                "same pack digest, engine version and facts: the decision is not reproducible",
                Said("replay.not_reproducible"),
            )
        ]
    return attrs.evolve(
        base,
        changes=tuple(c for c, _ in changes),
        reasons=tuple(r for r, _ in reasons),
        said_changes=tuple(s for _, s in changes),
        said_reasons=tuple(s for _, s in reasons),
    )


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
    return [
        _replay_one(number, entry, given) if entry is not None else _unread(number, problem)
        for number, entry, problem in read_log(log)
    ]


def _unread(number: int, problem: Problem | None) -> Replayed:
    """A line that is not a decision: its problem, and no decision id, pack or subject."""
    english, said = problem if problem is not None else _not_entry(_REQUIRED)
    return Replayed(number, "", "", "", error=english, read=False, said_error=said)
