"""Reading facts documents: TOML, JSON or a dict in, typed facts out, or every problem.

The strict converter of :mod:`policyengine._converter` turns dicts into the classes of
:mod:`policyengine.facts`. Every problem in a document is reported at once, each with its field path
(``happiness.objective_score: 720 is above the maximum 700``).
"""

from __future__ import annotations

import glob
import json
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from policyengine import pack_facts
from policyengine._converter import converter, describe, problems_of
from policyengine.exceptions import DocumentError, FactProblem, FactsError
from policyengine.facts import Community, Jurisdiction, JurisdictionInfo, check_community

__all__ = ["load_document", "parse_document", "structure_community", "structure_subject"]

Subject = Community | Jurisdiction


def _structure(data: Any, cls: type[Any], prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise FactsError([FactProblem(prefix.rstrip("."), f"{describe(data)} is not a table")])
    try:
        return converter.structure(data, cls)
    except Exception as exc:  # cattrs raises groups of TypeError/ValueError/KeyError
        problems = list(problems_of(exc, prefix.removesuffix(".")))
        raise FactsError(problems) from None


def structure_community(data: Mapping[str, Any], prefix: str = "") -> Community:
    """A :class:`Community` from a dict, or :class:`FactsError` with every problem."""
    if not isinstance(data, Mapping) or "community" not in data:
        raise FactsError([FactProblem(f"{prefix}community", "is required (a table with an id)")])
    own: dict[str, Any] = {}
    problems: list[FactProblem] = []
    namespaces = pack_facts.known_namespaces()
    if namespaces & set(data) or "pack_facts" in data:
        data = dict(data)
        if data.pop("pack_facts", None) is not None:  # given in namespace tables, not by name
            problems.append(
                FactProblem(f"{prefix}pack_facts", "unknown field (not in the facts vocabulary)")
            )
        for namespace in sorted(namespaces & set(data)):
            values, found = pack_facts.read_facts(namespace, data.pop(namespace), prefix)
            own.update(values)
            problems.extend(found)
    try:
        community: Community = _structure(data, Community, prefix)
    except FactsError as exc:
        raise FactsError([*problems, *exc.problems]) from None
    problems.extend(check_community(community, prefix))
    if problems:
        raise FactsError(problems)
    return attrs.evolve(community, pack_facts=own) if own else community


_JURISDICTION_KEYS = frozenset({"jurisdiction", "communities", "jurisdictions"})


def _structure_jurisdiction(
    data: Mapping[str, Any], prefix: str, base: Path | None, problems: list[FactProblem]
) -> Jurisdiction | None:
    for key in sorted(set(data) - _JURISDICTION_KEYS):
        problems.append(
            FactProblem(f"{prefix}{key}", "unknown field (not in the facts vocabulary)")
        )
    info = None
    try:
        info = _structure(data.get("jurisdiction"), JurisdictionInfo, f"{prefix}jurisdiction.")
    except FactsError as exc:
        problems.extend(exc.problems)
    communities: list[Community] = []
    for position, entry in _community_entries(data.get("communities", []), prefix, base, problems):
        try:
            communities.append(structure_community(entry, position))
        except FactsError as exc:
            problems.extend(exc.problems)
    children: list[Jurisdiction] = []
    raw_children = data.get("jurisdictions", [])
    if not isinstance(raw_children, list):
        problems.append(FactProblem(f"{prefix}jurisdictions", "is not a list"))
        raw_children = []
    for i, child in enumerate(raw_children):
        if not isinstance(child, Mapping):
            problems.append(FactProblem(f"{prefix}jurisdictions[{i}]", "is not a table"))
            continue
        sub = _structure_jurisdiction(child, f"{prefix}jurisdictions[{i}].", base, problems)
        if sub is not None:
            children.append(sub)
    if info is None:
        return None
    return Jurisdiction(info, tuple(communities), tuple(children))


def _community_entries(
    raw: Any, prefix: str, base: Path | None, problems: list[FactProblem]
) -> Iterator[tuple[str, Any]]:
    """``(path prefix, community dict)`` for inline communities and ``include`` globs."""
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        problems.append(FactProblem(f"{prefix}communities", "is not a list"))
        return
    for i, entry in enumerate(raw):
        where = f"{prefix}communities[{i}]"
        if isinstance(entry, Mapping) and set(entry) == {"include"}:
            patterns = entry["include"]
            patterns = [patterns] if isinstance(patterns, str) else patterns
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                problems.append(FactProblem(f"{where}.include", "is not a list of paths or globs"))
                continue
            for pattern in patterns:
                full = str((base or Path.cwd()) / pattern)
                matches = sorted(glob.glob(full, recursive=True))
                if not matches:
                    problems.append(FactProblem(f"{where}.include", f"{pattern!r} matches no file"))
                for match in matches:
                    try:
                        doc = parse_document(Path(match))
                    except DocumentError as exc:
                        problems.append(FactProblem(f"{where}.include", str(exc)))
                        continue
                    yield f"{match}: ", doc
        else:
            yield f"{where}.", entry


def structure_subject(data: Any, base: Path | None = None) -> Community | Jurisdiction:
    """A community or jurisdiction document (told apart by its top-level table)."""
    if isinstance(data, Mapping) and "jurisdiction" in data:
        problems: list[FactProblem] = []
        subject = _structure_jurisdiction(data, "", base, problems)
        if problems or subject is None:
            raise FactsError(problems)
        return subject
    if isinstance(data, Mapping) and "community" in data:
        return structure_community(data)
    raise FactsError(
        [FactProblem("", "the document has neither a [community] nor a [jurisdiction] table")]
    )


def parse_document(path: Path, text: str | None = None) -> Any:
    """The raw data of a TOML or JSON file (JSON for ``.json`` and for standard input)."""
    name = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{name}: cannot read the file: {exc}") from None
    if path.suffix.lower() == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise DocumentError(f"{name}: not valid TOML: {exc}") from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{name}: not valid JSON: {exc}") from None
    except ValueError as exc:
        raise DocumentError(f"{name}: not valid JSON: {exc}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def load_document(path: str | Path, text: str | None = None) -> Community | Jurisdiction:
    """Read and check a facts document; errors name the file, the field path and the value."""
    path = Path(path)
    data = parse_document(path, text)
    try:
        return structure_subject(data, path.parent)
    except FactsError as exc:
        raise FactsError(exc.problems, source=str(path)) from None
