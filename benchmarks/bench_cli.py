"""Command-line benchmark: one ``policyengine evaluate`` call per pack, start-up included.

Usage::

    python benchmarks/bench_cli.py [--csv-rows 100000] [--packs all] [--seed 1] [--rounds 1]
                                   [--baseline-python OTHER/bin/python] [--national 0]

For each bundled pack it writes a --csv-rows CSV of the facts the pack reads (the same
synthetic communities as ``bench_batch.py``: about 10 % of each fact missing, values
across each fact's range), then runs, as a child process::

    policyengine evaluate DATA.csv --pack P --as-of D --format csv --output OUT.csv

and prints its wall time, community·pack evaluations per second and peak RSS (the child's
own VmHWM). ``--national N`` adds one call on an N-row Parquet table of every pack's facts
with ``--pack all --format parquet``.

With ``--baseline-python`` (the interpreter of another environment, e.g. one where the
main branch is installed), every call is also run with that interpreter, the two taking
turns, and the ratio baseline wall / this wall is printed: figures measured side by side
on a busy machine compare well; absolute figures do not. The fastest of --rounds is kept.

Before timing, it prints the start-up alone: ``evaluate`` on a one-row CSV.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import AS_OF, synthetic  # noqa: E402

from policyengine import api  # noqa: E402
from policyengine.plan import plan_for  # noqa: E402

_CHILD = (
    "import sys\n"
    "from policyengine.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "print('PEAK', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli(python: str, argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (MiB) of one command-line call."""
    t = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", _CHILD, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t
    peak = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK ")]
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
    return wall, proc.returncode, int(peak[0]) // 1024 if peak else -1


def csv_of(table: pa.Table, path: Path) -> None:
    """The table as a CSV of text cells (lists as JSON arrays, booleans true/false)."""

    def text(v: object) -> str | None:
        if v is None:
            return None
        if isinstance(v, list):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    as_text = pa.table(
        {
            name: pa.array([text(v) for v in col.to_pylist()], pa.string())
            for name, col in zip(table.column_names, table.columns, strict=True)
        }
    )
    pacsv.write_csv(as_text, path)


def measure(
    label: str, argv: list[str], rows: int, pythons: dict[str, str], rounds: int
) -> dict[str, tuple[float, int, int]]:
    best: dict[str, tuple[float, int, int]] = {}
    for _ in range(rounds):
        for name, python in pythons.items():
            got = run_cli(python, argv)
            if name not in best or got[0] < best[name][0]:
                best[name] = got
    for name, (wall, code, rss) in best.items():
        print(
            f"{label:28} {name:8} {wall:6.2f} s {rows / wall:>10,.0f}/s "
            f"{rss:>6,} MiB  exit {code}"
        )
    if "baseline" in best:
        ratio = best["baseline"][0] / best["this"][0]
        print(f"{label:28} {'ratio':8} {ratio:6.2f}× faster than the baseline")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--packs", default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--national", type=int, default=0)
    parser.add_argument(
        "--baseline-python", help="the interpreter of another installation, run side by side"
    )
    args = parser.parse_args()
    installed = api.installed_packs()
    packs = (
        list(installed.values())
        if args.packs == "all"
        else [installed[p] for p in args.packs.split(",")]
    )
    pythons = {"this": sys.executable}
    if args.baseline_python:
        pythons["baseline"] = args.baseline_python
    print(
        f"python {platform.python_version()}, pyarrow {pa.__version__}, "
        f"{os.cpu_count()} cores, {platform.platform()}"
    )
    print(f"{'run':28} {'python':8} {'wall':>8} {'evaluations':>12} {'peak RSS':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = str(folder / "out.csv")
        for pack in packs:
            own = sorted(plan_for(pack).read_paths)
            as_of = AS_OF.get(pack.id, dt.date.today()).isoformat()
            one = folder / f"{pack.id}-1.csv"
            csv_of(synthetic(1, own, args.seed), one)
            argv = ["evaluate", str(one), "--pack", pack.id, "--as-of", as_of]
            measure(f"{pack.id} (1 row)", [*argv, "--format", "csv", "--output", out], 1,
                    pythons, args.rounds)
        print()
        for pack in packs:
            own = sorted(plan_for(pack).read_paths)
            as_of = AS_OF.get(pack.id, dt.date.today()).isoformat()
            data = folder / f"{pack.id}.csv"
            csv_of(synthetic(args.csv_rows, own, args.seed), data)
            argv = ["evaluate", str(data), "--pack", pack.id, "--as-of", as_of]
            measure(pack.id, [*argv, "--format", "csv", "--output", out], args.csv_rows,
                    pythons, args.rounds)
            data.unlink()
        if args.national:
            paths = sorted({p for pack in packs for p in plan_for(pack).read_paths})
            table = synthetic(args.national, paths, args.seed)
            data = folder / "national.parquet"
            pq.write_table(table, data)
            del table
            dates = [f"--as-of={p.id}={AS_OF[p.id].isoformat()}" for p in packs if p.id in AS_OF]
            argv = ["evaluate", str(data), "--pack", "all", *dates, "--format", "parquet",
                    "--output", str(folder / "out.parquet")]
            print()
            measure(f"national {args.national:,}×{len(packs)}", argv,
                    args.national * len(packs), pythons, args.rounds)


if __name__ == "__main__":
    main()
