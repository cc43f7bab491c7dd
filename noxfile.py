"""Checks for policyengine: `nox` runs lint, typing, tests and the pack checks.

Each session installs the project and the bundled packs from built wheels (not editable),
so a pack file left out of a wheel fails here as it would for a user.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "typing", "tests", "fuzz", "packs"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PACKS = sorted(
    str(p) for p in (ROOT / "policy_packs").iterdir() if (p / "pyproject.toml").is_file()
)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint everything, and the library's formatting; import-linter: the layers."""
    session.install("ruff", "import-linter", ".")
    session.run("ruff", "check", "src", "tests", "benchmarks", "policy_packs", "noxfile.py")
    session.run("ruff", "format", "--check", "src")
    # the layering, durable-rules confinement and acyclic contracts of pyproject.toml
    session.run("lint-imports", "--no-cache")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict on the library."""
    session.install("mypy", ".[test,batch,server,reports]", "types-toml")
    session.run("mypy", "--strict", "src")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, against the installed library and packs."""
    session.install(".[test,batch,server,reports,dask]", *PACKS)
    session.run("pytest", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The fuzzing suite with ten times the examples (about two minutes; docs/reliability.md)."""
    session.install(".[test]", *PACKS)
    session.run("pytest", "tests/fuzz", "--hypothesis-profile=ci", *session.posargs)


@nox.session
def packs(session: nox.Session) -> None:
    """Every bundled pack: found, lint clean, its cases at 100% coverage and 95% mutants killed."""
    session.install(".", *PACKS)
    session.run("policyengine", "packs")  # every bundled pack is found through its entry point
    # the pack folders, as their authors work on them
    session.run("policyengine", "lint", *PACKS)
    session.run("policyengine", "test", "--min-coverage", "100", *PACKS)
    # the installed packs, from a folder outside the repository: each ships its cases' files
    # and its document's text, so lint checks every quote and the cases run anywhere
    with session.chdir(session.create_tmp()):
        session.run("policyengine", "lint")
        session.run("policyengine", "test", "--min-coverage", "100")
    # each pack's cases notice at least 95% of the one-line mistakes planted in its data
    session.run("policyengine", "test", "--mutate", "--min-killed", "95", *PACKS)


@nox.session
def bench(session: nox.Session) -> None:
    """The Wuma benchmark (not run by default): `nox -s bench -- --n 20000`."""
    session.install(".", *PACKS)
    session.run("python", "benchmarks/bench_wuma.py", *session.posargs)
