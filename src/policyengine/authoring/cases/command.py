"""The ``policyengine test`` command."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from policyengine import api
from policyengine.authoring.cases.format import CASES_FOLDER
from policyengine.authoring.cases.running import run_cases
from policyengine.contracts import Command, Streams
from policyengine.exceptions import UnknownPackError
from policyengine.hookspecs import hookimpl
from policyengine.pack import Pack, find_pack_folder, load_pack

# --------------------------------------------------------------------- the command

EXIT_OK, EXIT_FAILED, EXIT_BAD_CASES = 0, 1, 2


def _targets(names: Sequence[str]) -> list[tuple[Pack, list[Path] | None]]:
    """Packs (and case files) named on the command line; every installed pack for none."""
    if not names:
        return [(pack, None) for pack in api.installed_packs().values()]
    targets: list[tuple[Pack, list[Path] | None]] = []
    for name in names:
        path = Path(name)
        if path.is_file() and path.suffix == ".toml" and path.name != "pack.toml":
            folder = path.parent.parent
            if path.parent.name != CASES_FOLDER or not (folder / "pack.toml").is_file():
                raise UnknownPackError(
                    f"{name}: a case file must be in the {CASES_FOLDER}/ folder of a pack"
                )
            targets.append((load_pack(folder), [path]))
            continue
        if path.is_dir():
            targets.append((load_pack(find_pack_folder(path)), None))
            continue
        targets.extend((pack, None) for pack in api.default_registry().resolve(name))
    return targets


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a percentage between 0 and 100")
    return value


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "packs",
        nargs="*",
        metavar="PACK",
        help="a pack id, a pack folder or one case file (default: every installed pack)",
    )
    parser.add_argument(
        "--min-coverage",
        type=_percent,
        default=None,
        metavar="N",
        help="fail when a pack's domain coverage is below N percent",
    )
    parser.add_argument(
        "--mutate",
        action="store_true",
        help="plant one-line mistakes in each pack (mutants) and report those no case notices",
    )
    parser.add_argument(
        "--min-killed",
        type=_percent,
        default=None,
        metavar="N",
        help="with --mutate: fail when a pack's cases kill less than N percent of its mutants",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    if args.mutate:
        from policyengine.authoring import mutate  # it builds on the case runner

        return mutate.run_command(
            _targets(args.packs),
            streams,
            min_killed=args.min_killed,
            as_json=args.format == "json",
        )
    reports = [run_cases(pack, files) for pack, files in _targets(args.packs)]
    min_coverage: float | None = args.min_coverage
    if args.format == "json":
        data = {
            "ok": all(r.ok(min_coverage) for r in reports),
            "min_coverage": min_coverage,
            "packs": [r.to_dict(min_coverage) for r in reports],
        }
        streams.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        for i, report in enumerate(reports):
            for error in report.errors:
                print(error, file=streams.stderr)
            if i:
                streams.stdout.write("\n")
            streams.stdout.write("\n".join(report.lines(min_coverage)) + "\n")
        if not reports:
            streams.stdout.write("no packs to test\n")
    if any(r.errors for r in reports):
        return EXIT_BAD_CASES
    if all(r.ok(min_coverage) for r in reports):
        return EXIT_OK
    return EXIT_FAILED


@hookimpl
def register_commands() -> list[Command]:
    """The ``test`` command: run packs' test cases and report their domain coverage."""
    return [
        Command(
            name="test",
            help="run packs' test cases (cases/*.toml) and report domain coverage",
            configure=_configure,
            run=_run,
        )
    ]
