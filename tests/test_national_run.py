"""A national-style run: the same table whatever the batch size, in bounded memory.

Parquet in, every bundled pack at once, Parquet out (results.md "Tables in and out"): the
rows are read, evaluated, and interleaved (each subject's packs together, in the order
given) a batch at a time, and the batch size only bounds memory. Hypothesis draws
communities with facts for every bundled pack (missing, on and around each pack's
numbers), some of them bad (left out with ``--on-bad-record skip``), in row groups of a
few rows; the output table must be the same for batches of 1, 3 and 16,384 rows, with
every result table spooled to disk, and equal the row path's rows, subject by subject.

The command line takes Arrow's buffers from jemalloc, or the system's allocator where
pyarrow has no jemalloc (mimalloc, Arrow's default, keeps freed pages), unless
``ARROW_DEFAULT_MEMORY_POOL`` names one.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import api
from policyengine.cli import main
from policyengine.documents import structure_community
from policyengine.engine import evaluate_community
from policyengine.exceptions import FactsError
from policyengine.facts import fact_catalogue
from policyengine.plan import plan_for
from policyengine.sinks import ArrowSink, flat_rows

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
fast = pytest.importorskip("policyengine.columnar.fast")

from test_columnar import documents  # noqa: E402
from test_columnar_kernels import _ARROW, _plain  # noqa: E402

PACKS = sorted(api.installed_packs().values(), key=lambda p: p.id)
AS_OF = {
    "wuma-star-rating": "2014-12-31",
    "chifeng-annual-targets": "2009-06-30",
    "fengxiang-harmony": "2024-12-31",
    "wuzhou-complete-community": "2024-03-01",
    "yixing-demonstration-city": "2012-10-15",
}


def communities() -> st.SearchStrategy[list[dict[str, Any]]]:
    """Documents with the facts of one bundled pack or another (the rest missing)."""
    return st.lists(st.one_of(*(documents(p) for p in PACKS)), min_size=1, max_size=16)


def _evaluate(facts: Path, out: Path, batch_rows: int) -> list[dict[str, Any]]:
    dates = [f"--as-of={p.id}={AS_OF[p.id]}" for p in PACKS if p.id in AS_OF]
    argv = ["evaluate", str(facts), *(a for p in PACKS for a in ("--pack", p.id)), *dates,
            "--format", "parquet", "--output", str(out), "--on-bad-record", "skip"]
    with mock.patch.object(fast, "BATCH_ROWS", batch_rows), \
            mock.patch.object(ArrowSink, "in_memory", 0):  # every table spooled to disk
        code = main(argv, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=io.StringIO())
    assert code in (0, 1, 2)
    rows: list[dict[str, Any]] = pq.read_table(out).to_pylist()
    return rows


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(docs=communities(), row_group=st.integers(1, 8))
def test_the_table_is_the_same_for_every_batch_size(tmp_path_factory, docs, row_group):
    """Batches of 1, 3 and 16,384 rows give the row path's rows, in the input's order."""
    if not all(p.id in AS_OF for p in PACKS):
        pytest.skip("a third-party pack is installed")
    catalogue = fact_catalogue("community")
    paths = list(dict.fromkeys(
        ["community.id", *(p for pack in PACKS for p in plan_for(pack).read_paths
                           if p in catalogue)]))
    expected: list[dict[str, Any]] = []
    cells: dict[str, list[Any]] = {p: [] for p in paths}
    for i, doc in enumerate(docs):
        doc["community"]["id"] = f"c{i}"
        for path in paths:
            node: Any = doc
            for part in path.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            cells[path].append(node)
        try:
            community = structure_community(doc)
        except FactsError:
            continue  # a bad row: left out
        for pack in PACKS:
            expected += flat_rows(evaluate_community(community, pack, _date(pack.id)))
    folder = tmp_path_factory.mktemp("batches")
    facts = folder / "communities.parquet"
    table = pa.table({p: pa.array(cells[p], _ARROW[catalogue[p].kind]) for p in paths})
    pq.write_table(table, facts, row_group_size=row_group)
    by_size = {n: _evaluate(facts, folder / f"out-{n}.parquet", n) for n in (1, 3, 16384)}
    assert by_size[16384] == by_size[1] == by_size[3]
    assert [_plain(r) for r in expected] == [_plain(r) for r in by_size[3]]


def _date(pack_id: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(AS_OF[pack_id])


CHILD = """
import sys
from policyengine.cli import main
code = main(sys.argv[1:])
import pyarrow
print(pyarrow.default_memory_pool().backend_name)
"""


@pytest.mark.parametrize("chosen", [None, "mimalloc", "system"])
def test_the_command_line_chooses_arrows_allocator_unless_told(tmp_path, chosen):
    """A run from a table in a new process takes Arrow's buffers from jemalloc where pyarrow
    has it, else from the system's allocator; ``ARROW_DEFAULT_MEMORY_POOL`` chooses."""
    if chosen is not None and chosen not in pa.supported_memory_backends():
        pytest.skip(f"pyarrow built without {chosen}")
    facts = tmp_path / "communities.parquet"
    pq.write_table(pa.table({"community.id": ["c0", "c1"]}), facts)
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen is not None:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    argv = ["evaluate", str(facts), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
            "--format", "parquet", "--output", str(tmp_path / "out.parquet")]
    run = subprocess.run([sys.executable, "-c", CHILD, *argv], env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode in (0, 1), run.stderr
    assert "memory_pool" not in run.stderr  # no warning from Arrow
    default = "jemalloc" if "jemalloc" in pa.supported_memory_backends() else "system"
    assert (chosen or default) == run.stdout.split()[-1]
