"""Arrow arrays of numpy numbers and booleans, made from their buffers.

``pyarrow.array(ndarray)`` asks whether the array is a masked one (``numpy.ma``), which
imports ``numpy.ma`` on first use: some 25 ms of every command line's start-up for a
module nothing else here uses. The columns the columnar backend hands to Arrow are plain
numbers, booleans and codes: their buffers are given to Arrow as they are (booleans packed
into bits), with the same values, type and nulls as ``pyarrow.array(values, mask=mask)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from policyengine.columnar.vector import Array
from policyengine.tables import require

__all__ = ["arrow_array"]

_TYPES = {
    np.dtype(np.bool_): "bool_",
    np.dtype(np.int8): "int8",
    np.dtype(np.int16): "int16",
    np.dtype(np.int32): "int32",
    np.dtype(np.int64): "int64",
    np.dtype(np.uint8): "uint8",
    np.dtype(np.float64): "float64",
}


def arrow_array(values: Array, mask: Array | None = None, kind: Any = None) -> Any:
    """``pyarrow.array(values, type=kind, mask=mask)`` for a one-dimensional numpy array of
    numbers or booleans (``mask``: True where the value is missing)."""
    pa = require("pyarrow", "Arrow tables")
    values = np.asarray(values)
    name = _TYPES.get(values.dtype)
    if values.ndim != 1 or name is None or (kind is not None and kind != getattr(pa, name)()):
        return pa.array(values, type=kind, mask=mask)  # anything else: Arrow's conversion
    n = len(values)
    if values.dtype == np.bool_:
        data = pa.py_buffer(np.packbits(values, bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    validity = None
    nulls = 0
    if mask is not None:
        missing = np.asarray(mask, dtype=bool)
        nulls = int(missing.sum())
        if nulls:
            validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(getattr(pa, name)(), n, [validity, data], null_count=nulls)
