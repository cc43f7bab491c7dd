"""The case-file format: cases, their expectations, and where a pack keeps them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from policyengine.exceptions import InputError
from policyengine.facts import Community, Jurisdiction
from policyengine.limits import MAX_INCLUDE_FILES
from policyengine.pack import Pack
from policyengine.results import Outcome, Verdict

CASES_FOLDER = "cases"
"""The folder of test-case files inside a pack folder."""

ABS_TOLERANCE = 1e-6
"""Numbers in expected outputs match when they differ by at most this much."""


KeyPath = tuple[str | int, ...]
"""Where a problem is in a case file: keys and list positions, e.g. ``("cases", 2, "expect")``."""


# ----------------------------------------------------------------------------- format


@attrs.frozen(kw_only=True)
class SubjectExpectation:
    """What a case expects of one subject's result; only what is given is compared."""

    verdict: Verdict | None = None
    outputs: dict[str, Any] = attrs.field(factory=dict)
    """Expected outputs by key; numbers match within :data:`ABS_TOLERANCE`."""
    null_outputs: tuple[str, ...] = ()
    """Outputs expected to be null (unknown, or not stated by the document): TOML has no null."""
    rules: dict[str, Outcome] = attrs.field(factory=dict)
    """Expected outcomes by rule, scale or deadline id."""
    due: dict[str, dt.date] = attrs.field(factory=dict)
    """Expected due dates of findings (a target set for the end of a period), by rule id."""

    def is_empty(self) -> bool:
        """Whether it expects nothing at all."""
        return (
            self.verdict is None
            and not self.outputs
            and not self.null_outputs
            and not self.rules
            and not self.due
        )


@attrs.frozen(kw_only=True)
class Expectation(SubjectExpectation):
    """What a case expects: of its subject and, for a jurisdiction, of its communities."""

    communities: dict[str, SubjectExpectation] = attrs.field(factory=dict)
    """Expectations of communities of a jurisdiction (anywhere in its tree), by id."""

    def is_empty(self) -> bool:
        """Whether it expects nothing at all."""
        return super().is_empty() and not self.communities


@attrs.frozen(kw_only=True)
class Case:
    """One test case, checked against its pack and ready to run."""

    name: str
    as_of: dt.date
    subject: Community | Jurisdiction
    expect: Expectation
    parameters: Mapping[str, Any]
    file: Path
    line: int
    """The line of the case's ``[[cases]]`` header."""
    facts_file: Path | None = None
    note: str | None = None

    @property
    def location(self) -> str:
        """``file:line``, the file relative to the working folder when inside it."""
        return f"{display_path(self.file)}:{self.line}"


class CaseFileError(InputError):
    """A case file with problems; each names the file, the line, the key and what is wrong."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def display_path(path: Path) -> str:
    """A path relative to the working folder when it is inside it, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def case_files(pack: Pack) -> list[Path]:
    """The pack's case files: ``cases/*.toml`` in its folder, in name order; at most
    :data:`~policyengine.limits.MAX_INCLUDE_FILES` of them, else :class:`CaseFileError`
    (as many files as a facts document may include)."""
    folder = pack.path / CASES_FOLDER
    found = list(itertools.islice(folder.glob("*.toml"), MAX_INCLUDE_FILES + 1))
    if len(found) > MAX_INCLUDE_FILES:
        raise CaseFileError(
            [f"{folder}: more than {MAX_INCLUDE_FILES:,} case files (*.toml): none is read"]
        )
    return sorted(found)
