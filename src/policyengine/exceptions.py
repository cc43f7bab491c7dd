"""Every error policyengine raises, in one tree.

::

    PolicyEngineError
    ├── InputError                  bad input: the CLI exits with code 2
    │   ├── DocumentError           a file that cannot be read or parsed (TOML/JSON syntax)
    │   └── FactsError              facts of the wrong type, out of range, unknown keys;
    │                               carries every problem at once, each with its path
    ├── PackError                   a pack that cannot be loaded or compiled (exit 2)
    ├── UnknownPackError            no installed pack has that id (exit 3)
    └── EngineError                 the rules engine failed while evaluating

Messages name the file, the field path and the value, e.g.
``facts.toml: happiness.objective_score: 720 is above the maximum 700``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

__all__ = [
    "DocumentError",
    "EngineError",
    "FactProblem",
    "FactsError",
    "InputError",
    "PackError",
    "PolicyEngineError",
    "TimeLimitError",
    "UnknownPackError",
]


class PolicyEngineError(Exception):
    """Root of every error raised by policyengine."""


class InputError(PolicyEngineError):
    """The input given to policyengine is wrong; the command line exits with code 2."""


class DocumentError(InputError):
    """A file could not be read, or is not valid TOML or JSON."""


@attrs.frozen
class FactProblem:
    """One problem in a facts document: where it is and what is wrong."""

    path: str
    """Dotted field path, with ``[i]`` for list positions, e.g. ``happiness.vetoes[0]``."""
    message: str
    """What is wrong, naming the value, e.g. ``720 is above the maximum 700``."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class FactsError(InputError):
    """A facts document has one or more problems; all of them are in :attr:`problems`."""

    def __init__(self, problems: Sequence[FactProblem], source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(f"{prefix}{p}" for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (problems and source), so it crosses process boundaries (Dask)."""
        return (type(self), (self.problems, self.source))


class PackError(PolicyEngineError):
    """A pack cannot be loaded: bad pack.toml, a rule that does not compile, a bad hook."""


class UnknownPackError(PolicyEngineError):
    """No installed or given pack matches the requested id (exit code 3)."""


class EngineError(PolicyEngineError):
    """The rules engine reported an error while evaluating a subject."""


class TimeLimitError(PolicyEngineError):
    """The evaluation ran past the time limit set for it
    (:func:`policyengine.limits.time_limit`)."""
