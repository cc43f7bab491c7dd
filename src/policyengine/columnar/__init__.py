"""The columnar backend: many communities against a pack as array operations (numpy).

Needs the ``[batch]`` extra. :func:`evaluate_columns` gives verdicts, outcomes and outputs
equal to the row path's for every pack without Python hooks; :func:`unsupported` says why
a pack cannot run here (callers then use the row path).
"""

from policyengine.columnar.backend import evaluate_columns, unsupported
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.result import ColumnarResult

__all__ = ["ColumnarResult", "FactColumns", "evaluate_columns", "unsupported"]
