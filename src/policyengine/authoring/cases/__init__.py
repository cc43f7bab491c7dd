"""Test cases inside a pack, their runner, and the ``policyengine test`` command.

A pack keeps its tests next to its rules: ``cases/*.toml`` in the pack folder. Each file
holds ``[[cases]]``: a name (Chinese, citing the clause), an ``as_of`` date, the facts (a
table in the facts vocabulary, or a path to a facts document), optional parameter
overrides, and what to expect: the verdict, some outputs, some rules' outcomes, and for a
jurisdiction its communities' verdicts, outputs and outcomes. The format is documented in
``docs/how-to/test-a-pack.md``.

:func:`load_case_file` reads and checks one file, rejecting unknown keys and bad values
with the file and the line; :func:`run_cases` runs every case of a pack and measures its
domain coverage (:mod:`policyengine.authoring.coverage`); :func:`failure_lines` writes a failure the
way a policy expert reads it.

One module per step: :mod:`.format` (the cases), :mod:`.locating` (lines of key paths),
:mod:`.loading`, :mod:`.running` (and reporting a failure) and :mod:`.command`.
"""

from __future__ import annotations

from policyengine.authoring.cases.command import register_commands
from policyengine.authoring.cases.format import (
    ABS_TOLERANCE,
    CASES_FOLDER,
    Case,
    CaseFileError,
    Expectation,
    KeyPath,
    SubjectExpectation,
    case_files,
    display_path,
)
from policyengine.authoring.cases.loading import load_case_file
from policyengine.authoring.cases.locating import case_lines, locate, path_text
from policyengine.authoring.cases.running import (
    CaseReport,
    CaseResult,
    Mismatch,
    evaluations,
    failure_lines,
    run_case,
    run_cases,
)

__all__ = [
    "ABS_TOLERANCE",
    "CASES_FOLDER",
    "Case",
    "CaseFileError",
    "CaseReport",
    "CaseResult",
    "Expectation",
    "KeyPath",
    "Mismatch",
    "SubjectExpectation",
    "case_files",
    "case_lines",
    "display_path",
    "evaluations",
    "failure_lines",
    "load_case_file",
    "locate",
    "path_text",
    "register_commands",
    "run_case",
    "run_cases",
]
