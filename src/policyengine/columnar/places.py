"""Where each community lies: ``[pack.scope]`` and ``[pack.pilot]`` over columns.

The territory is decided once per distinct place (``community.jurisdiction``) with the row
path's own function (:func:`policyengine.scope.check_community`) and spread back to the rows
through the column's distinct-value codes. The pilot condition is an expression the row path
evaluates with :func:`policyengine.expressions.evaluate`: here it is the same expression over
columns (:func:`.vector.value`, unknown wherever a fact it reads is missing). Both give codes:
1 yes, 0 no, -1 not known.
"""

from __future__ import annotations

import numpy as np

from policyengine.columnar.run import Run
from policyengine.columnar.vector import Array, Vec, value
from policyengine.pack import Pack
from policyengine.pilot import PLACE, pilot_condition, stops_at_territory, units_named
from policyengine.scope import check_community

__all__ = ["pilot_codes", "scope_codes"]

_CODE = {True: 1, False: 0, None: -1}


def scope_codes(pack: Pack, run: Run) -> Array | None:
    """Whether each community lies in the pack's territory (None: the pack has no scope)."""
    scope = pack.info.scope
    if scope is None:
        return None
    codes, distinct = run.facts["community.jurisdiction"].groups()
    # one answer per distinct place, the last for a place not given (code -1)
    table = [_CODE[check_community(scope, place).inside] for place in distinct]
    table.append(_CODE[check_community(scope, None).inside])
    out: Array = np.array(table, dtype=np.int8)[codes]
    return out


def pilot_codes(pack: Pack, run: Run) -> Array | None:
    """Whether each community is the pilot unit (None: the pack has no pilot)."""
    pilot = pilot_condition(pack)
    if pilot is None:
        return None
    v = value(pilot, run.facts, {}, run.n)
    out: Array = np.where(v.known, v.values.astype(bool).astype(np.int8), np.int8(-1))
    out = out.astype(np.int8)
    # as the row path: a place that stops at the territory (a city, no district) is not
    # known to be another unit where a unit below it would make the community the pilot
    places = run.facts.get(PLACE)
    if places is None or not (out == 0).any():
        return out
    codes, distinct = places.groups()
    stops = np.array([stops_at_territory(pack, p) for p in distinct] + [False], dtype=bool)
    short = (out == 0) & stops[codes]
    for unit in units_named(pilot) if short.any() else ():
        values = places.values.copy()
        for i in np.flatnonzero(short).tolist():
            values[i] = [*values[i], unit]
        below = value(pilot, {**run.facts, PLACE: Vec(values, places.known)}, {}, run.n)
        out[short & below.known & below.values.astype(bool)] = -1
    return out
