"""Where a problem is in a case file: the line of a key path, for messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import attrs
from cattrs.errors import AttributeValidationNote, ForbiddenExtraKeysError, IterableValidationNote

from policyengine.authoring.cases.format import KeyPath

# ------------------------------------------------------------------- locating problems

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")
_CASES_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*cases[ \t]*\]\]", re.MULTILINE)


def path_text(path: KeyPath) -> str:
    """A problem's place as a key path: ``cases[2].expect.rules."rating.stars"``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = part if _BARE.match(part) else json.dumps(part, ensure_ascii=False)
            out += f".{key}" if out else key
    return out


def _without_comments(text: str) -> str:
    """The text with comments blanked out (same length, so offsets still match)."""
    out: list[str] = []
    for line in text.split("\n"):
        quote: str | None = None
        cut = len(line)
        i = 0
        while i < len(line):
            ch = line[i]
            if quote is not None:
                if ch == "\\" and quote == '"':
                    i += 2
                    continue
                if ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch == "#":
                cut = i
                break
            i += 1
        out.append(line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


def _key_pattern(key: str) -> re.Pattern[str]:
    k = re.escape(key)
    quoted = re.escape(json.dumps(key, ensure_ascii=False))
    return re.compile(rf"(?<![\w\"'-])(?:{k}|{quoted}|'{k}')[ \t]*(?=[=.\]])")


def case_lines(text: str) -> list[int]:
    """The line of each ``[[cases]]`` header, in order."""
    return [text.count("\n", 0, m.start()) + 1 for m in _CASES_HEADER.finditer(text)]


def locate(text: str, path: KeyPath) -> int:
    """The line where a key path is written in a case file (TOML keeps no positions).

    Within the case's ``[[cases]]`` section, each key of the path is looked for after the
    previous one, as a bare or quoted key; the line of the last one found is returned.
    """
    clean = _without_comments(text)
    starts = [m.start() for m in _CASES_HEADER.finditer(clean)]
    begin, end = 0, len(clean)
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "cases" and isinstance(parts[1], int):
        if parts[1] < len(starts):
            begin = starts[parts[1]]
            end = starts[parts[1] + 1] if parts[1] + 1 < len(starts) else len(clean)
        parts = parts[2:]
    pos, found = begin, begin
    for k, part in enumerate(parts):
        if isinstance(part, int):
            continue
        matches = list(_key_pattern(part).finditer(clean, pos, end))
        if not matches:
            continue
        # an array of tables repeats its header: the n-th element is the n-th header
        index = parts[k + 1] if k + 1 < len(parts) else None
        n = index if isinstance(index, int) and index < len(matches) else 0
        found, pos = matches[n].start(), matches[n].end()
    return clean.count("\n", 0, found) + 1


def structure_problems(exc: BaseException, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Flatten cattrs' exception groups into ``(key path, message)``."""
    if isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            sub_path = path
            for note in getattr(sub, "__notes__", ()):
                if isinstance(note, AttributeValidationNote):
                    sub_path = (*path, note.name)
                elif isinstance(note, IterableValidationNote):
                    sub_path = (*path, note.index)
            yield from structure_problems(sub, sub_path)
        return
    if isinstance(exc, ForbiddenExtraKeysError):
        allowed = ", ".join(f.name for f in attrs.fields(exc.cl))
        for key in sorted(exc.extra_fields):
            yield (*path, key), f"unknown key {key!r} (allowed here: {allowed})"
        return
    if isinstance(exc, KeyError):
        yield path, "is required"
        return
    if isinstance(exc, TypeError | ValueError) and exc.args and isinstance(exc.args[0], str):
        yield path, exc.args[0]
        return
    yield path, str(exc)


def fact_path(text: str) -> KeyPath:
    parts: list[str | int] = []
    for piece in text.split("."):
        m = re.match(r"^([^\[]*)((?:\[\d+\])*)$", piece)
        if m is None:
            parts.append(piece)
            continue
        if m.group(1):
            parts.append(m.group(1))
        parts.extend(int(n) for n in re.findall(r"\[(\d+)\]", m.group(2)))
    return tuple(parts)
