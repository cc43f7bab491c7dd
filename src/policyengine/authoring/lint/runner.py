"""Running the checks: loading and compiling a pack, linting packs by id or path,
the text and JSON reports, and the ``lint`` command."""

from __future__ import annotations

import argparse
import json
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from policyengine.authoring.lint.base import (
    CHECKS,
    Level,
    LintReport,
    PackLint,
    Problem,
    error,
    plural,
)
from policyengine.contracts import Command, Streams
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError, UnknownPackError
from policyengine.files import NotReadError, read_found
from policyengine.hookspecs import hookimpl
from policyengine.pack import Pack, find_pack_folder, load_pack

_ITEM = re.compile(r"^[A-Za-z_][\w.\[\]-]*(?: \([^()]*\))?[\w.\[\]-]*$")
EXIT_OK, EXIT_ERRORS, EXIT_LOAD = 0, 1, 2


# -------------------------------------------------------------------------- running


def _split_message(line: str, file: Path) -> tuple[Path, str, str]:
    """``(file, item, message)`` from one line of a PackError."""
    prefix = f"{file}: "
    if line.startswith(prefix):
        rest = line[len(prefix) :]
        item, sep, message = rest.partition(": ")
        if sep and _ITEM.match(item):
            return file, item, message
        return file, "", rest
    return file, "", line


def _error_problems(exc: Exception, file: Path, check: str) -> list[Problem]:
    lines = str(exc).splitlines() or [repr(exc)]
    out = []
    for line in lines:
        where, item, message = _split_message(line, file)
        out.append(Problem(where, item, "error", check, message))
    return out


def default_seeds() -> list[Path]:
    """``../shared/seeds`` from the current directory, if it exists."""
    folder = Path("..") / "shared" / "seeds"
    return [folder] if folder.is_dir() else []


def check_loads(path: Path) -> Pack | list[Problem]:
    """``load``: the pack loads (:func:`policyengine.pack.load_pack`): its pack.toml has the
    schema, its ids are valid and unique, its hooks module imports. Else the loading
    errors, each naming the file and the field path."""
    try:
        folder = find_pack_folder(path)
    except PackError as exc:
        return _error_problems(exc, path, "load")
    try:
        return load_pack(folder, check_invariants=False)  # reported by the checks below
    except PackError as exc:
        return _error_problems(exc, folder / "pack.toml", "load")


def check_compiles(pack: Pack) -> list[Problem]:
    """``compile``: every condition and value compiles for communities and jurisdictions
    (:func:`policyengine.engine.compile_pack`): it type-checks, and the facts and
    parameters it reads exist."""
    file = pack.path / "pack.toml"
    problems: list[Problem] = []
    levels: tuple[Level, ...] = ("community", "jurisdiction")
    for level in levels:
        try:
            compile_pack(pack, level)
        except Exception as exc:  # a PackError, or the rules engine's own error
            problems.extend(_error_problems(exc, file, "compile"))
    return problems


def lint_path(
    path: str | Path, *, seeds: Sequence[Path] | None = None, target: str | None = None
) -> LintReport:
    """Lint one pack folder (or its ``pack.toml``, or a distribution holding one package).

    ``seeds``: the folders to look for the source document in before the pack folder
    (default: :func:`default_seeds`).
    """
    seed_dirs = default_seeds() if seeds is None else list(seeds)
    label = target or str(path)
    loaded = check_loads(Path(path))
    if not isinstance(loaded, Pack):
        file = loaded[0].file if loaded else Path(path)
        return LintReport(label, file, None, tuple(loaded))
    pack, file = loaded, loaded.path / "pack.toml"
    lint = PackLint(pack, seed_dirs)
    unread = lint.unread_files()
    if unread:  # a hostile file: the pack is not linted (exit 2), as if it did not load
        return LintReport(
            label, file, None, tuple(Problem(file, i, "error", "load", m) for i, m in unread)
        )
    problems = check_compiles(pack)
    for name, check in CHECKS.items():
        try:
            issues = list(check(lint))
        except Exception as exc:  # a bug in a check must not hide the other checks
            issues = [error("", f"the check failed: {exc!r}")]
        problems.extend(
            Problem(i.file or file, i.item, i.severity, name, i.message) for i in issues
        )
    seed = lint.seed_file()
    missing = (pack.info.source.text or pack.info.source.seed) if seed is None else None
    return LintReport(label, file, pack.id, tuple(problems), seed, missing)


def _installed_folders() -> list[Path]:
    """The folder of every pack the installed plugins register (without loading them)."""
    from policyengine import api
    from policyengine.plugins import PackSource

    pm = api.default_registry().plugin_manager
    folders: list[Path] = []
    for impl in pm.hook.register_packs.get_hookimpls():
        sources: Any = impl.function() or ()
        for source in sources:
            folders.append(source.path() if isinstance(source, PackSource) else Path(str(source)))
    return folders


def _pack_id(folder: Path) -> str | None:
    try:
        found = find_pack_folder(folder)
        text = read_found(found / "pack.toml", found).decode("utf-8-sig")
        pack_id = tomllib.loads(text).get("pack", {}).get("id")
    except (PackError, NotReadError, UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError):
        return None
    return pack_id if isinstance(pack_id, str) else None


def _is_path(name: str) -> bool:
    return os.sep in name or "/" in name or name.startswith(".") or Path(name).exists()


def lint_paths(names: Sequence[str], *, seeds: Sequence[Path] | None = None) -> list[LintReport]:
    """Lint packs named by id or path, ``all`` (as ``--pack all`` elsewhere) for every
    installed pack; every installed pack when ``names`` is empty."""
    if not names:
        names = ["all"]
    installed: dict[str, Path] | None = None
    reports: list[LintReport] = []
    for name in names:
        if name == "all" and not Path(name).exists():
            folders = sorted(_installed_folders(), key=lambda f: _pack_id(f) or str(f))
            reports.extend(lint_path(f, seeds=seeds, target=_pack_id(f) or str(f)) for f in folders)
            continue
        if _is_path(name):
            reports.append(lint_path(name, seeds=seeds))
            continue
        if installed is None:
            installed = {}
            for folder in _installed_folders():
                installed.setdefault(_pack_id(folder) or str(folder), folder)
        if name not in installed:
            known = ", ".join(sorted(installed)) or "none"
            raise UnknownPackError(f"unknown pack {name!r}; installed packs: {known}")
        reports.append(lint_path(installed[name], seeds=seeds, target=name))
    return reports


def exit_code(reports: Sequence[LintReport]) -> int:
    """2 if a pack does not load, 1 if any error, else 0."""
    if any(not r.loaded for r in reports):
        return EXIT_LOAD
    return EXIT_ERRORS if any(r.errors for r in reports) else EXIT_OK


def render_text(reports: Sequence[LintReport]) -> str:
    """One line per problem, a summary line per pack and, for several packs, a total."""
    lines: list[str] = []
    for report in reports:
        lines.extend(p.line() for p in report.problems)
        lines.append(report.summary())
    if len(reports) > 1:
        errors = sum(r.errors for r in reports)
        warnings = sum(r.warnings for r in reports)
        lines.append(
            f"{plural(len(reports), 'pack')}: {plural(errors, 'error')}, "
            f"{plural(warnings, 'warning')}"
        )
    if not reports:
        lines.append("no packs installed")
    return "\n".join(lines) + "\n"


def render_json(reports: Sequence[LintReport]) -> str:
    """``{"packs": [...], "errors": N, "warnings": M}``."""
    data = {
        "packs": [r.to_dict() for r in reports],
        "errors": sum(r.errors for r in reports),
        "warnings": sum(r.warnings for r in reports),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="an installed pack id, all, or a pack folder (default: every installed pack)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument(
        "--seeds",
        type=Path,
        default=None,
        help="the folder of source documents named by [pack.source] seed "
        "(default: ../shared/seeds if it exists; then the pack folder)",
    )


def _run(args: argparse.Namespace, streams: Streams) -> int:
    seeds = None if args.seeds is None else [args.seeds]
    reports = lint_paths(args.packs, seeds=seeds)
    render = render_json if args.format == "json" else render_text
    streams.stdout.write(render(reports))
    return exit_code(reports)


@hookimpl
def register_commands() -> list[Command]:
    """The ``lint`` command."""
    return [
        Command(
            name="lint",
            help="check packs: citations, quotes, parameters, bands, conditions",
            configure=_configure,
            run=_run,
        )
    ]
