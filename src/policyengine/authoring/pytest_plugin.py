"""A pytest plugin that runs packs' test cases: one pytest item per ``[[cases]]`` entry.

It collects ``cases/*.toml`` files that sit in a pack folder (the folder directly above
``cases/`` holds a ``pack.toml``), so ``pytest`` run in a pack's folder runs its cases::

    pytest policy_packs/wuma-star-rating -p policyengine.authoring.pytest_plugin

(the ``-p`` is not needed once the ``pytest11`` entry point is installed). A failing case
is reported as ``policyengine test`` reports it, without a Python traceback; a bad case
file is a collection error naming the file and the line. At the end, the terminal summary
shows each pack's domain coverage by the cases that ran; ``--pack-min-coverage N`` fails
the session when one is below N percent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from policyengine.authoring.cases import (
    CASES_FOLDER,
    Case,
    CaseFileError,
    CaseResult,
    evaluations,
    failure_lines,
    load_case_file,
    run_case,
)
from policyengine.authoring.coverage import Coverage, format_percent, measure
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError
from policyengine.pack import Pack, load_pack

__all__ = ["CaseFile", "CaseItem"]

_PACKS = pytest.StashKey[dict[Path, Pack]]()
_RESULTS = pytest.StashKey[dict[str, list[CaseResult]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--pack-min-coverage N``."""
    group = parser.getgroup("policyengine", "policy pack test cases")
    group.addoption(
        "--pack-min-coverage",
        type=float,
        default=None,
        metavar="N",
        help="fail when a pack's domain coverage by the cases run is below N percent",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Start with no packs loaded and no results."""
    config.stash[_PACKS] = {}
    config.stash[_RESULTS] = {}


def _is_case_file(path: Path) -> bool:
    return (
        path.suffix == ".toml"
        and path.parent.name == CASES_FOLDER
        and (path.parent.parent / "pack.toml").is_file()
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    """A case file of a pack becomes a :class:`CaseFile`."""
    if _is_case_file(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFailedError(Exception):
    """A case whose result did not match what it expects."""

    def __init__(self, result: CaseResult) -> None:
        self.result = result
        super().__init__(result.case.name)


class CaseFile(pytest.File):
    """A ``cases/*.toml`` file: its pack is loaded once per session."""

    def _pack(self) -> Pack:
        folder = self.path.parent.parent.resolve()
        packs = self.config.stash[_PACKS]
        if folder not in packs:
            pack = load_pack(folder)
            compile_pack(pack)
            compile_pack(pack, "jurisdiction")
            packs[folder] = pack
        return packs[folder]

    def collect(self) -> Iterator[CaseItem]:
        """One item per case; a bad file (or pack) is a collection error without traceback."""
        try:
            pack = self._pack()
            cases = load_case_file(self.path, pack)
        except (CaseFileError, PackError) as exc:
            raise self.CollectError(str(exc)) from None
        for case in cases:
            yield CaseItem.from_parent(self, name=case.name, case=case, pack=pack)


class CaseItem(pytest.Item):
    """One test case of a pack."""

    def __init__(self, *, case: Case, pack: Pack, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.pack = pack

    def runtest(self) -> None:
        """Evaluate the case; raise :class:`CaseFailedError` when the result does not match."""
        result = run_case(self.case, self.pack)
        self.config.stash[_RESULTS].setdefault(self.pack.id, []).append(result)
        if not result.passed:
            raise CaseFailedError(result)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        """The failure as ``policyengine test`` writes it."""
        if isinstance(excinfo.value, CaseFailedError):
            return "\n".join(failure_lines(excinfo.value.result))
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the case is: its file and the line of its ``[[cases]]`` header."""
        return self.path, self.case.line - 1, f"{self.pack.id}: {self.case.name}"


def _coverages(config: pytest.Config) -> list[Coverage]:
    packs = {p.id: p for p in config.stash.get(_PACKS, {}).values()}
    results = config.stash.get(_RESULTS, {})
    return [measure(packs[pid], evaluations(rs)) for pid, rs in sorted(results.items())]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Each pack's domain coverage by the cases that ran."""
    coverages = _coverages(config)
    if not coverages:
        return
    terminalreporter.section("policy pack coverage")
    minimum: float | None = config.getoption("--pack-min-coverage")
    for cov in coverages:
        terminalreporter.write_line(f"{cov.pack_id}:")
        for line in cov.lines():
            terminalreporter.write_line(f"  {line}")
        if minimum is not None and cov.percent + 1e-9 < minimum:
            shown = format_percent(cov.percent)
            terminalreporter.write_line(
                f"  coverage {shown} is below --pack-min-coverage {minimum:g}%"
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session when a pack's coverage is below ``--pack-min-coverage``."""
    minimum: float | None = session.config.getoption("--pack-min-coverage")
    if minimum is None or exitstatus != 0:
        return
    if any(cov.percent + 1e-9 < minimum for cov in _coverages(session.config)):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
