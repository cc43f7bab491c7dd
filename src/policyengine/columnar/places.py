"""Where each community lies: ``[pack.scope]`` and ``[pack.pilot]`` over columns.

Each distinct place (``community.jurisdiction``, and the facts the pilot condition reads) is
decided once with the row path's own functions (:func:`policyengine.scope.check_community`,
the pilot condition through :func:`policyengine.expressions.evaluate`); the answers are
spread back to the rows as codes: 1 yes, 0 no, -1 not known.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from policyengine import expressions as ex
from policyengine.columnar.run import Run
from policyengine.columnar.vector import Array
from policyengine.pack import Pack
from policyengine.scope import check_community

__all__ = ["pilot_codes", "scope_codes"]

_CODE = {True: 1, False: 0, None: -1}


def _cells(run: Run, path: str) -> list[Any]:
    col = run.facts[path]
    return [v if k else None for v, k in zip(col.values.tolist(), col.known.tolist(), strict=True)]


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def scope_codes(pack: Pack, run: Run) -> Array | None:
    """Whether each community lies in the pack's territory (None: the pack has no scope)."""
    scope = pack.info.scope
    if scope is None:
        return None
    decided: dict[Any, int] = {}
    out = np.empty(run.n, dtype=np.int8)
    for i, place in enumerate(_cells(run, "community.jurisdiction")):
        key = _key(place)
        code = decided.get(key)
        if code is None:
            code = decided[key] = _CODE[check_community(scope, place).inside]
        out[i] = code
    return out


def pilot_codes(pack: Pack, run: Run) -> Array | None:
    """Whether each community is the pilot unit (None: the pack has no pilot)."""
    pilot = pack.info.pilot
    if pilot is None:
        return None
    expr = ex.parse(pilot.when)
    paths = list(ex.fields_of(expr))
    columns = [_cells(run, p) for p in paths]
    decided: dict[Any, int] = {}
    out = np.empty(run.n, dtype=np.int8)
    for i, values in enumerate(zip(*columns, strict=True)):
        key = tuple(_key(v) for v in values)
        code = decided.get(key)
        if code is None:
            value = ex.evaluate(expr, dict(zip(paths, values, strict=True)), {})
            code = decided[key] = _CODE[None if value is None else bool(value)]
        out[i] = code
    return out
