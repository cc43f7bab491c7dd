"""Dask benchmark: a Parquet dataset evaluated on one and on two local workers.

Usage::

    python benchmarks/bench_dask.py [--rows 2000000] [--files 40] [--row-group 10000]
                                    [--packs wuma-star-rating] [--workers 1 2] [--seed 1]

It writes a Parquet dataset of --rows synthetic communities (the batch benchmark's
generator: every fact the packs read, about 10 % of each missing, spread over the five
packs' territories) as --files files of row groups of --row-group rows, once, in a
temporary folder. Then, in one run:

  process   one Python process, no Dask: ``policyengine.evaluate_arrow`` file by file,
            each result written as a Parquet file (the baseline)
  dask N    ``evaluate_dask(folder, packs)`` then ``write_parquet`` on a
            ``distributed.LocalCluster`` of N worker processes with one thread each

Each cluster is started and its workers warmed (packs loaded, plans compiled: once per
worker process) before the clock starts; the start-up is shown apart. Speed-up is against
one Dask worker. The target (issue 10): two workers ≥ 1.6× one worker.

This is a plain script, not a test. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_batch  # the synthetic communities of the batch benchmark
from distributed import Client, LocalCluster

import policyengine
from policyengine.distributed import evaluate_dask, write_parquet
from policyengine.plan import plan_for

AS_OF = bench_batch.AS_OF


def build_dataset(
    folder: Path, rows: int, files: int, row_group: int, packs: list[str], seed: int
) -> None:
    """``files`` Parquet files of ``rows // files`` communities each (ids unique)."""
    loaded = [policyengine.installed_packs()[p] for p in packs]
    paths = sorted({p for pack in loaded for p in plan_for(pack).read_paths})
    per_file = rows // files
    base = bench_batch.synthetic(per_file, paths, seed)
    at = base.column_names.index("community.id")
    for k in range(files):
        ids = pa.array([f"f{k}-c{i}" for i in range(per_file)], pa.string())
        pq.write_table(
            base.set_column(at, "community.id", ids),
            folder / f"part-{k:03}.parquet",
            row_group_size=row_group,
        )


@dataclasses.dataclass
class Run:
    name: str
    startup: float
    """Seconds to start the cluster and warm its workers (not in ``seconds``)."""
    seconds: float
    cpu: float
    """CPU seconds spent by the evaluating processes during ``seconds``."""
    results: int


def one_process(folder: Path, out: Path, packs: list[str]) -> Run:
    """The baseline: file by file in this process, no Dask."""
    out.mkdir()
    n = 0
    t, cpu = time.perf_counter(), time.process_time()
    for path in sorted(folder.glob("*.parquet")):
        results = policyengine.evaluate_arrow(pq.read_table(path), packs, as_of=AS_OF)
        pq.write_table(results, out / path.name)
        n += results.num_rows
    return Run("process (no Dask)", 0.0, time.perf_counter() - t, time.process_time() - cpu, n)


def _warm(packs: list[str]) -> int:
    """On a worker: import what a partition needs, load the packs and compile their plans
    (one community through every pack); all kept in the process for every partition."""
    import importlib

    from policyengine.distributed import result_schema

    for module in ("dask.dataframe", "pandas", "pyarrow.parquet", "pyarrow.compute"):
        importlib.import_module(module)
    return len(result_schema(packs, AS_OF))


def _cpu() -> float:
    return time.process_time()


def on_dask(folder: Path, out: Path, packs: list[str], workers: int) -> Run:
    """The run on ``workers`` local processes (one thread each)."""
    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with cluster, Client(cluster) as client:
        client.run(_warm, packs)
        startup = time.perf_counter() - t0
        before = client.run(_cpu)
        t1 = time.perf_counter()
        write_parquet(evaluate_dask(folder, packs, as_of=AS_OF), out)
        seconds = time.perf_counter() - t1
        after = client.run(_cpu)
    cpu = sum(after[w] - before[w] for w in after)
    rows = pq.ParquetDataset(out).read(columns=["subject_id"]).num_rows
    name = f"dask, {workers} worker{'s' if workers > 1 else ''}"
    return Run(name, startup, seconds, cpu, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--row-group", type=int, default=10_000)
    parser.add_argument(
        "--packs",
        default="wuma-star-rating",
        help="comma-separated pack ids, or 'all' (the five bundled packs)",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-process", action="store_true", help="no one-process baseline")
    args = parser.parse_args(argv)
    packs = list(AS_OF) if args.packs == "all" else args.packs.split(",")

    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{args.rows:,} communities in {args.files} Parquet files × {len(packs)} pack(s): "
        f"{', '.join(packs)}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp) / "communities"
        folder.mkdir()
        t = time.perf_counter()
        build_dataset(folder, args.rows, args.files, args.row_group, packs, args.seed)
        rows = (args.rows // args.files) * args.files
        print(f"dataset written in {time.perf_counter() - t:.1f} s\n")

        runs: list[Run] = []
        if not args.skip_process:
            runs.append(one_process(folder, Path(tmp) / "out-process", packs))
        for workers in args.workers:
            runs.append(on_dask(folder, Path(tmp) / f"out-{workers}", packs, workers))

    one = next((r.seconds for r in runs if r.name == "dask, 1 worker"), None)
    print(
        f"{'run':<20} {'start-up s':>10} {'wall s':>8} {'CPU s':>8} {'rows/s':>12} "
        f"{'evals/s':>12} {'vs 1 worker':>12}"
    )
    for r in runs:
        assert r.results == rows * len(packs), f"{r.name}: {r.results} results"
        speedup = f"{one / r.seconds:.2f}×" if one else "-"
        print(
            f"{r.name:<20} {r.startup:>10.1f} {r.seconds:>8.1f} {r.cpu:>8.1f} "
            f"{rows / r.seconds:>12,.0f} {r.results / r.seconds:>12,.0f} {speedup:>12}"
        )
    print(
        "\nrows/s: communities per second; evals/s: community·pack results per second; "
        "CPU s: CPU time of the evaluating processes (the workers, or this process); "
        "start-up (cluster, warm workers) is not in the wall time."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
