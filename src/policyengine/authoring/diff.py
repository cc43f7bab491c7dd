"""``policyengine diff``: what a change to a pack does to real communities, in domain terms.

Evaluate a corpus of facts documents under two versions of a pack and report, counted and
listed, every verdict, output and rule outcome that changed, with its cause: the parameter
values, conditions and rules that differ between the versions and that the changed
findings read. This is how a reviewer signs off a policy change::

    policyengine diff policy_packs/wuma-star-rating@HEAD~1 policy_packs/wuma-star-rating \\
        --facts 'examples/**/*.toml'
    # 3 communities: stars 4 (四星级) → 3 (三星级)
    #   cause: rating.stars 四(四): params.four_star_min_score 800 → 820

A version is a pack folder, or ``FOLDER@GITREF`` for that folder as committed at a git ref.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import io
import json
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from policyengine.contracts import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.documents import load_document
from policyengine.exceptions import FactsError, InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.files import NotReadError, named, read_found, refuse_outside
from policyengine.hookspecs import hookimpl
from policyengine.pack import Pack, load_pack
from policyengine.results import Finding, Result, jsonable

__all__ = ["Change", "PackChange", "PackDiff", "diff_packs", "load_version"]


@attrs.frozen
class PackChange:
    """A difference between the two versions of the pack itself."""

    kind: str
    """``parameter``, ``rule added``, ``rule removed``, ``rule changed``."""
    item: str
    old: Any
    new: Any
    clause: str | None = None

    def describe(self) -> str:
        """One line for people."""
        where = f" ({self.clause})" if self.clause else ""
        if self.kind == "parameter":
            return f"params.{self.item}{where}: {_show(self.old)} → {_show(self.new)}"
        if self.kind == "rule added":
            return f"rule {self.item}{where} added"
        if self.kind == "rule removed":
            return f"rule {self.item}{where} removed"
        return f"rule {self.item}{where}: {self.old} → {self.new}"


@attrs.frozen
class Change:
    """One kind of change in the results, with the subjects it happened to and why."""

    kind: str
    """``verdict``, ``output`` or ``rule``."""
    key: str
    """The output name or rule id (``verdict`` for verdicts)."""
    old: Any
    new: Any
    subjects: tuple[str, ...]
    causes: tuple[str, ...]
    old_label: str | None = None
    new_label: str | None = None
    """Band labels of scale outputs (e.g. 四星级)."""

    def describe(self) -> str:
        """One line for people, e.g. ``3 subjects: stars 4 (四星级) → 3 (三星级)``."""
        n = len(self.subjects)
        noun = "subject" if n == 1 else "subjects"
        what = "verdict" if self.kind == "verdict" else self.key
        old = _show(self.old) + (f" ({self.old_label})" if self.old_label else "")
        new = _show(self.new) + (f" ({self.new_label})" if self.new_label else "")
        return f"{n} {noun}: {what} {old} → {new}"


@attrs.frozen
class PackDiff:
    """The whole comparison."""

    old: Pack
    new: Pack
    as_of: dt.date
    subjects: int
    pack_changes: tuple[PackChange, ...]
    changes: tuple[Change, ...]
    unchanged: int

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""

        def ref(p: Pack) -> dict[str, str]:
            return {"id": p.id, "version": p.version, "digest": p.digest, "path": str(p.path)}

        return {
            "old": ref(self.old),
            "new": ref(self.new),
            "as_of": self.as_of.isoformat(),
            "subjects": self.subjects,
            "unchanged": self.unchanged,
            "pack_changes": [
                {
                    "kind": c.kind,
                    "item": c.item,
                    "old": jsonable(c.old),
                    "new": jsonable(c.new),
                    "clause": c.clause,
                    "text": c.describe(),
                }
                for c in self.pack_changes
            ],
            "changes": [
                {
                    "kind": c.kind,
                    "key": c.key,
                    "old": jsonable(c.old),
                    "new": jsonable(c.new),
                    "count": len(c.subjects),
                    "subjects": list(c.subjects),
                    "causes": list(c.causes),
                    "text": c.describe(),
                }
                for c in self.changes
            ],
        }

    def to_text(self) -> str:
        """A report a reviewer reads."""
        lines = [
            f"{self.old.id} {self.old.version} ({self.old.digest[:19]}) → "
            f"{self.new.id} {self.new.version} ({self.new.digest[:19]})",
            f"as of {self.as_of.isoformat()}: {self.subjects} subjects evaluated, "
            f"{self.subjects - self.unchanged} changed, {self.unchanged} unchanged",
            "",
        ]
        if self.pack_changes:
            lines.append("Pack changes:")
            lines.extend(f"  {c.describe()}" for c in self.pack_changes)
            lines.append("")
        if not self.changes:
            lines.append("No result changed.")
        for c in self.changes:
            lines.append(c.describe())
            lines.extend(f"  cause: {cause}" for cause in c.causes)
            lines.append(f"  subjects: {', '.join(c.subjects)}")
        return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    return json.dumps(jsonable(value), ensure_ascii=False)


# ----------------------------------------------------------------------- versions


def load_version(spec: str, workdir: Path) -> Pack:
    """A pack folder, or ``FOLDER@REF`` extracted from git into ``workdir``."""
    if Path(spec).exists() or "@" not in spec:  # a folder named wuma@v2 is a folder
        return load_pack(spec)
    cuts = [i for i, c in enumerate(spec) if c == "@"]
    cut = next((i for i in cuts if Path(spec[:i]).is_dir()), cuts[0])
    folder, ref = spec[:cut], spec[cut + 1 :]
    path = Path(folder)
    if not ref or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
        raise InputError(f"{spec}: {ref!r} is not a git ref (a commit, branch or tag)")
    try:
        top = subprocess.run(
            [
                "git",
                "-C",
                str(path if path.is_dir() else Path.cwd()),
                "rev-parse",
                "--show-toplevel",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        rel = path.resolve().relative_to(Path(top).resolve())
        commit = subprocess.run(  # a ref is never an option: resolved to a commit id first
            [
                "git",
                "-C",
                top,
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{ref}^{{commit}}",
            ],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if not re.fullmatch(r"[0-9a-f]{40,64}", commit):
            raise ValueError(f"no commit {ref!r} in the repository at {top}")
        archive = subprocess.run(
            ["git", "-C", top, "archive", "--format=tar", commit, "--", rel.as_posix()],
            check=True,
            capture_output=True,
        ).stdout
    except (subprocess.CalledProcessError, ValueError, OSError) as exc:
        detail = (
            exc.stderr.decode(errors="replace").strip()
            if isinstance(exc, subprocess.CalledProcessError) and isinstance(exc.stderr, bytes)
            else str(exc)
        )
        raise InputError(f"{spec}: cannot read the pack at git ref {ref!r}: {detail}") from None
    target = workdir / commit
    _extract(archive, target, rel.as_posix(), f"{spec}: the pack at git ref {ref!r} is not read")
    return load_pack(target / rel)


def _inside(path: str, folder: str) -> bool:
    """Whether the archive path ``path`` (already normalised) is in ``folder``."""
    if folder in ("", "."):
        return path != ".." and not path.startswith("../") and not path.startswith("/")
    return path == folder or path.startswith(folder + "/")


def _refused(member: tarfile.TarInfo, folder: str) -> str | None:
    """Why an archive member of the pack folder ``folder`` is not extracted, or None.

    A link (symbolic or hard) must lead to a path inside the pack folder: one that leads
    elsewhere (an absolute path, ``..`` out of the folder) would let the pack read files
    that are not the pack's."""
    name = posixpath.normpath(member.name)
    if member.name.startswith("/") or not (
        _inside(name, folder) or (member.isdir() and folder.startswith(name + "/"))
    ):  # the folders the pack folder is in come with it
        return "lies outside the pack folder"
    if not (member.issym() or member.islnk()):
        return None
    link = member.linkname
    if link.startswith("/"):
        return f"is a link to the absolute path {named(Path(link))}, outside the pack folder"
    base = posixpath.dirname(member.name) if member.issym() else ""
    if not _inside(posixpath.normpath(posixpath.join(base, link)), folder):
        return f"is a link to {named(Path(link))}, which leads outside the pack folder"
    return None


_FILTER_REASONS: dict[type[tarfile.FilterError], str] = {
    tarfile.AbsolutePathError: "has an absolute path",
    tarfile.OutsideDestinationError: "lies outside the pack folder",
    tarfile.SpecialFileError: "is a device or a pipe, not a file or a folder",
    tarfile.AbsoluteLinkError: "is a link to an absolute path, outside the pack folder",
    tarfile.LinkOutsideDestinationError: "is a link that leads outside the pack folder",
}


def _extract(archive: bytes, target: Path, folder: str, refusal: str) -> None:
    """Extract the ``git archive`` of the pack folder ``folder`` into ``target``: every
    member is checked before any is written, and a member that is not a file, a folder
    or a link inside the pack folder is an InputError (``refusal``, the member and why)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            members = tar.getmembers()
            for member in members:
                why = _refused(member, folder)
                if why is not None:
                    raise InputError(f"{refusal}: {named(Path(member.name))} {why}")
            tar.extractall(target, members=members, filter="data")
    except tarfile.FilterError as exc:  # what the checks above did not foresee
        shutil.rmtree(target, ignore_errors=True)
        why = _FILTER_REASONS.get(type(exc), "cannot be extracted safely")
        raise InputError(f"{refusal}: {named(Path(exc.tarinfo.name))} {why}") from None
    except tarfile.TarError as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise InputError(f"{refusal}: git gave an archive that cannot be read ({exc})") from None


# ------------------------------------------------------------------------ corpus


def corpus(spec: str) -> list[Path]:
    """Facts documents: every .toml/.json under a folder, or the files a glob matches (a
    file that leads outside the folder, or is a link loop, is an InputError naming it)."""
    path = Path(spec)
    if path.is_dir():
        files = [p for p in sorted(path.rglob("*")) if p.suffix in (".toml", ".json")]
        refuse_outside(path, files, "--facts")  # nothing outside the folder is read
    else:
        files = [Path(p) for p in sorted(glob.glob(spec, recursive=True))]
    if not files:
        raise InputError(f"--facts {spec!r}: no facts documents found")
    return files


def load_corpus_file(spec: str, file: Path) -> Community | Jurisdiction:
    """A document of :func:`corpus`, read only if it is a regular file of at most
    :data:`~policyengine.limits.MAX_INCLUDE_BYTES` bytes (inside the folder ``spec`` names,
    when it names one): else an InputError naming it (never waits on a FIFO)."""
    folder = Path(spec)
    try:
        data = read_found(file, folder if folder.is_dir() else None)
    except NotReadError as exc:
        raise InputError(f"--facts {exc}") from None
    return load_document(file, data)


def _flatten(result: Result, prefix: str = "") -> Iterator[tuple[str, Result]]:
    yield prefix + result.subject_id, result
    for r in (*result.communities, *result.jurisdictions):
        yield from _flatten(r, prefix + result.subject_id + "/")


# -------------------------------------------------------------------------- causes


def _param_changes(old: Pack, new: Pack, as_of: dt.date) -> dict[str, PackChange]:
    old_values, new_values = old.parameters_at(as_of), new.parameters_at(as_of)
    out: dict[str, PackChange] = {}
    for name in sorted(set(old_values) | set(new_values)):
        a, b = old_values.get(name), new_values.get(name)
        if a != b or (name in old_values) != (name in new_values):
            param = new.parameters.get(name) or old.parameters.get(name)
            clause = param.clause if param else None
            if param is not None and clause is None:
                entry = param.entry_at(as_of, new.programme_year(as_of))
                clause = entry.clause if entry else None
            out[name] = PackChange("parameter", name, a, b, clause)
    return out


def _rule_texts(pack: Pack) -> dict[str, tuple[str, str]]:
    texts: dict[str, tuple[str, str]] = {}
    for r in pack.rules:
        texts[r.id] = (r.clause, f"when {r.when!r}, require {r.require!r}, binding={r.binding}")
    for s in pack.scales:
        bands = ", ".join(f"{b.value}≥{b.min}" for b in s.bands)
        texts[s.id] = (s.clause, f"input {s.input!r}, when {s.when!r}, bands {bands}")
    for d in pack.deadlines:
        texts[d.id] = (
            d.clause,
            f"{d.kind} due {d.due} day {d.day} {d.start}..{d.end}, evidence {d.evidence!r}",
        )
    return texts


def _rule_changes(old: Pack, new: Pack) -> dict[str, PackChange]:
    a, b = _rule_texts(old), _rule_texts(new)
    out: dict[str, PackChange] = {}
    for rid in sorted(set(a) | set(b)):
        if rid not in a:
            out[rid] = PackChange("rule added", rid, None, b[rid][1], b[rid][0])
        elif rid not in b:
            out[rid] = PackChange("rule removed", rid, a[rid][1], None, a[rid][0])
        elif a[rid] != b[rid]:
            out[rid] = PackChange("rule changed", rid, a[rid][1], b[rid][1], b[rid][0])
    return out


def _outcome(f: Finding | None) -> str | None:
    return f.outcome if f else None


def _finding_causes(
    rule: str,
    old: Finding | None,
    new: Finding | None,
    params: Mapping[str, PackChange],
    rules: Mapping[str, PackChange],
) -> list[str]:
    causes: list[str] = []
    if rule in rules:
        causes.append(rules[rule].describe())
    read = set(old.parameters if old else ()) | set(new.parameters if new else ())
    either = new or old
    clause = either.clause if either else None
    for name in sorted(read):
        if name in params:
            change = params[name]
            causes.append(
                f"{rule} ({clause}): params.{name} {_show(change.old)} → {_show(change.new)}"
            )
    return causes


# ---------------------------------------------------------------------------- diff


@attrs.define
class _Group:
    kind: str
    key: str
    old: Any
    new: Any
    subjects: list[str] = attrs.Factory(list)
    causes: list[str] = attrs.Factory(list)
    labels: tuple[str | None, str | None] = (None, None)

    def add(self, subject: str, causes: list[str]) -> None:
        self.subjects.append(subject)
        self.causes.extend(c for c in causes if c not in self.causes)


def _label(pack: Pack, output: str, value: Any) -> str | None:
    for scale in pack.scales:
        if scale.output == output:
            for band in scale.bands:
                if band.value == value and band.label:
                    return band.label
    return None


def diff_packs(
    old: Pack, new: Pack, subjects: Iterable[Community | Jurisdiction], as_of: dt.date
) -> PackDiff:
    """Evaluate every subject under both versions and collect what changed, and why."""
    from policyengine.api import evaluate

    params = _param_changes(old, new, as_of)
    rules = _rule_changes(old, new)
    groups: dict[tuple[str, str, str, str], _Group] = {}

    def group(kind: str, key: str, a: Any, b: Any) -> _Group:
        ident = (kind, key, json.dumps(jsonable(a)), json.dumps(jsonable(b)))
        if ident not in groups:
            groups[ident] = _Group(kind, key, a, b)
        return groups[ident]

    total = unchanged = 0
    for subject in subjects:
        before, after = evaluate(subject, old, as_of=as_of), evaluate(subject, new, as_of=as_of)
        for (sid, a), (_, b) in zip(_flatten(before), _flatten(after), strict=True):
            total += 1
            fa = {f.rule: f for f in a.findings}
            fb = {f.rule: f for f in b.findings}
            row_causes: list[str] = []
            touched: list[_Group] = []
            outcome_changes: list[tuple[str, Finding | None, Finding | None, list[str]]] = []
            for rid in dict.fromkeys([*fa, *fb]):
                x, y = fa.get(rid), fb.get(rid)
                if x == y:
                    continue
                causes = _finding_causes(rid, x, y, params, rules)
                row_causes.extend(c for c in causes if c not in row_causes)
                if _outcome(x) != _outcome(y):
                    outcome_changes.append((rid, x, y, causes))
            for rid, x, y, causes in outcome_changes:
                g = group("rule", rid, _outcome(x), _outcome(y))
                g.add(sid, causes or row_causes)
                touched.append(g)
            for name in dict.fromkeys([*a.outputs, *b.outputs]):
                va, vb = a.outputs.get(name), b.outputs.get(name)
                if va != vb:
                    g = group("output", name, va, vb)
                    g.labels = (_label(old, name, va), _label(new, name, vb))
                    g.add(sid, row_causes)
                    touched.append(g)
            if a.verdict != b.verdict:
                g = group("verdict", "verdict", a.verdict, b.verdict)
                g.add(sid, row_causes)
                touched.append(g)
            if not touched:
                unchanged += 1
    scale_outputs = {s.output for s in (*old.scales, *new.scales)}

    def rank(g: _Group) -> tuple[int, int, str]:
        first = {"verdict": 0, "output": 1 if g.key in scale_outputs else 2, "rule": 3}[g.kind]
        return first, -len(g.subjects), g.key

    changes = tuple(
        Change(g.kind, g.key, g.old, g.new, tuple(g.subjects), tuple(g.causes), *g.labels)
        for g in sorted(groups.values(), key=rank)
    )
    return PackDiff(old, new, as_of, total, (*params.values(), *rules.values()), changes, unchanged)


# ---------------------------------------------------------------------------- CLI


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("old", metavar="OLD", help="the pack before: a folder, or FOLDER@GITREF")
    p.add_argument("new", metavar="NEW", help="the pack after: a folder, or FOLDER@GITREF")
    p.add_argument(
        "--facts",
        required=True,
        action="append",
        help="a folder of facts documents or a glob (repeatable)",
    )
    p.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=None, help="evaluation date (default: today)"
    )
    p.add_argument("--format", choices=["text", "json"], default="text")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    as_of = args.as_of or dt.date.today()
    with tempfile.TemporaryDirectory(prefix="policyengine-diff-") as tmp:
        old = load_version(args.old, Path(tmp))
        new = load_version(args.new, Path(tmp))
        subjects: list[Community | Jurisdiction] = []
        bad = False
        for spec in args.facts:
            for file in corpus(spec):
                try:
                    subjects.append(load_corpus_file(spec, file))
                except FactsError as exc:
                    bad = True
                    print(str(exc), file=streams.stderr)
        result = diff_packs(old, new, subjects, as_of)
    if args.format == "json":
        streams.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        streams.stdout.write(result.to_text())
    if bad:
        return EXIT_INPUT
    return EXIT_FINDINGS if result.changes else EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """``policyengine diff``."""
    return [
        Command("diff", "compare two versions of a pack over a corpus of facts", _configure, _run)
    ]
