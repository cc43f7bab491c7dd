"""Backends: what answers "which conditions hold?" for a compiled plan.

The protocol is deliberately small. A plan hands its backend the conditions of one pack
level once, in normal form (:data:`policyengine.expressions.Normal`: and/or of
:class:`~policyengine.expressions.Atom` comparisons ``key op rhs``, where ``rhs`` is
arithmetic over constants and keys), and gets a :class:`Matcher`. For each subject the
engine then asks the matcher which conditions hold, by position in that sequence.

Values are one mapping per row: ``{value key: scalar}`` where the key is
:attr:`Atom.key <policyengine.expressions.Atom.key>` (a fact path ``"community.households"``,
``"params.min_score"``, ``"count(happiness.vetoes)"`` or
``'services.covered contains "employment"'``) and the scalar a ``bool``, ``int``,
``float`` or ``str``; a missing value is absent or ``None``. Parameters arrive as values
like facts, so a matcher can be shared by pack versions that differ only in parameter
values.

Semantics every backend must share (the ``python`` backend is the reference, and
``tests/test_backends.py`` checks ``durable`` against it on random conditions):

* numbers compare as IEEE doubles (ints are converted with ``float``; the arithmetic of
  a right-hand side is done in doubles, without rounding);
* ``bool`` only equals ``bool``, text only text; a comparison between other kinds, or
  with a missing value on either side, does not hold;
* ``and``/``or`` hold as usual over atoms that hold; a missing value makes its atom not
  hold (the engine decides ``unknown`` itself before reading the answer, from the missing
  values, so backends only say "holds" or "does not").

A columnar backend answers :meth:`Matcher.matching_many` for many rows at once (e.g. a
table with one column per value key); :meth:`Matcher.matching` is then
``matching_many([row])[0]``. Register one with :func:`register_backend`; the engine uses
:data:`DEFAULT` unless told otherwise (``plan_for(pack, level, backend_name)``,
``engine.evaluate_community(..., backend=name)``). For many communities at once::

    prepared = [engine.prepare(c, pack, as_of, backend=name) for c in communities]
    rows = prepared[0].plan.matcher.matching_many([p.values for p in prepared])
    results = [engine.decide(p, matched) for p, matched in zip(prepared, rows)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from policyengine.exceptions import EngineError
from policyengine.expressions import Normal

__all__ = ["DEFAULT", "Backend", "Matcher", "backend", "register_backend"]

DEFAULT = "durable"


class Matcher(Protocol):
    """Conditions compiled by a backend."""

    def matching(self, values: Mapping[str, Any]) -> frozenset[int]:
        """Positions of the conditions that hold for one row of values."""
        ...

    def matching_many(self, rows: Sequence[Mapping[str, Any]]) -> list[frozenset[int]]:
        """:meth:`matching` for each row, in order."""
        ...


class Backend(Protocol):
    """Compiles conditions into a :class:`Matcher`."""

    name: str

    def compile(self, conditions: Sequence[Normal]) -> Matcher:
        """Compile ``conditions`` (positions 0, 1, … are the ids the matcher answers with)."""
        ...


def _durable() -> Backend:
    from policyengine.backends.durable import DurableBackend

    return DurableBackend()


def _python() -> Backend:
    from policyengine.backends.python import PythonBackend

    return PythonBackend()


_FACTORIES: dict[str, Callable[[], Backend]] = {"durable": _durable, "python": _python}
_BACKENDS: dict[str, Backend] = {}


def register_backend(name: str, factory: Callable[[], Backend]) -> None:
    """Make a backend available under ``name`` (created on first use)."""
    _FACTORIES[name] = factory
    _BACKENDS.pop(name, None)


def backend(name: str = DEFAULT) -> Backend:
    """The backend registered under ``name``."""
    found = _BACKENDS.get(name)
    if found is None:
        factory = _FACTORIES.get(name)
        if factory is None:
            raise EngineError(f"no backend {name!r}: choose one of {sorted(_FACTORIES)}")
        found = _BACKENDS[name] = factory()
    return found
