"""Command-line benchmark: one ``policyengine evaluate`` call per pack, start-up included.

Usage::

    python benchmarks/bench_cli.py [--csv-rows 100000] [--packs all] [--seed 1] [--rounds 1]
                                   [--baseline-python OTHER/bin/python] [--national N[,N…]]

For each bundled pack it writes a --csv-rows CSV of the facts the pack reads (the same
synthetic communities as ``bench_batch.py``: about 10 % of each fact missing, values
across each fact's range), then runs, as a child process::

    policyengine evaluate DATA.csv --pack P --as-of D --format csv --output OUT.csv

and prints its wall time, community·pack evaluations per second and peak RSS (the child's
own VmHWM). ``--national N`` adds one call on an N-row Parquet table of every pack's facts
with ``--pack all --format parquet``; several sizes (``--national 100000,1000000``) are
run in turn and the peak RSS at the most rows is given as a multiple of that at the fewest.

With ``--baseline-python`` (the interpreter of another environment, e.g. one where the
main branch is installed), every call is also run with that interpreter, the two taking
turns, and the ratio baseline wall / this wall is printed: figures measured side by side
on a busy machine compare well; absolute figures do not. The fastest of --rounds is kept.

Before timing, it prints the start-up alone: ``evaluate`` on a one-row CSV. The children
cache their compiled bytecode (in a temporary folder), as an installed package has it, so
that start-up does not include compiling the sources.
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
from typing import NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import AS_OF, ROW_GROUP, packs_named, synthetic

from policyengine.plan import plan_for

_CHILD = (
    "import resource, sys\n"
    "from policyengine.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "print('PEAK', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
    "use = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print('CPU', use.ru_utime + use.ru_stime, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


class Call(NamedTuple):
    """One command-line call: wall and CPU seconds, exit code, peak RSS in MiB."""

    wall: float
    cpu: float
    code: int
    rss: int


ENV = dict(os.environ)
"""The children's environment: compiled bytecode is cached (see :func:`main`)."""


def run_cli(python: str, argv: list[str]) -> Call:
    """Wall and CPU seconds, exit code and peak RSS of one command-line call."""
    t = time.perf_counter()
    proc = subprocess.run(
        [python, "-c", _CHILD, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        env=ENV,
    )
    wall = time.perf_counter() - t
    said = dict(
        line.split(" ", 1) for line in proc.stderr.splitlines() if line[:4] in ("PEAK", "CPU ")
    )
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr)
    rss = int(said["PEAK"].split()[0]) // 1024 if "PEAK" in said else -1
    return Call(wall, float(said.get("CPU", "nan")), proc.returncode, rss)


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
) -> dict[str, Call]:
    """The quickest of ``rounds`` calls with each interpreter, the two taking turns."""
    best: dict[str, Call] = {}
    for _ in range(rounds):
        for name, python in pythons.items():
            got = run_cli(python, argv)
            if name not in best or got.wall < best[name].wall:
                best[name] = got
    for name, c in best.items():
        print(
            f"{label:34} {name:8} {c.wall:6.2f} {rows / c.wall:>10,.0f}/s {c.cpu:6.2f} "
            f"{rows / c.cpu:>10,.0f}/s {c.rss:>6,} MiB  exit {c.code}"
        )
    if "baseline" in best:
        wall = best["baseline"].wall / best["this"].wall
        cpu = best["baseline"].cpu / best["this"].cpu
        print(f"{label:34} {'ratio':8} {wall:6.2f}× wall, {cpu:.2f}× CPU (baseline / this)")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--packs", default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--national",
        type=lambda text: [int(n) for n in text.split(",") if int(n)],
        default=[],
        help="rows of the national run(s), e.g. 100000,1000000 (peak RSS compared)",
    )
    parser.add_argument(
        "--baseline-python", help="the interpreter of another installation, run side by side"
    )
    args = parser.parse_args()
    packs = packs_named(args.packs)
    pythons = {"this": sys.executable}
    if args.baseline_python:
        pythons["baseline"] = args.baseline_python
    print(
        f"python {platform.python_version()}, pyarrow {pa.__version__}, "
        f"{os.cpu_count()} cores, {platform.platform()}"
    )
    print(
        f"{'run':34} {'python':8} {'wall s':>6} {'per wall s':>12} {'CPU s':>6} "
        f"{'per CPU s':>12} {'peak RSS':>10}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        out = str(folder / "out.csv")
        # As for an installed package, the sources are compiled once, not at every call
        # (the bytecode goes to a temporary folder, not beside the sources).
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        for python in pythons.values():
            run_cli(python, ["packs"])
        for pack in packs:
            own = sorted(plan_for(pack).read_paths)
            as_of = AS_OF.get(pack.id, dt.date.today()).isoformat()
            one = folder / f"{pack.id}-1.csv"
            csv_of(synthetic(1, own, args.seed), one)
            argv = ["evaluate", str(one), "--pack", pack.id, "--as-of", as_of]
            measure(
                f"{pack.id} (1 row)",
                [*argv, "--format", "csv", "--output", out],
                1,
                pythons,
                args.rounds,
            )
        print()
        for pack in packs if args.csv_rows else []:  # --csv-rows 0: the national run only
            own = sorted(plan_for(pack).read_paths)
            as_of = AS_OF.get(pack.id, dt.date.today()).isoformat()
            data = folder / f"{pack.id}.csv"
            csv_of(synthetic(args.csv_rows, own, args.seed), data)
            argv = ["evaluate", str(data), "--pack", pack.id, "--as-of", as_of]
            measure(
                pack.id,
                [*argv, "--format", "csv", "--output", out],
                args.csv_rows,
                pythons,
                args.rounds,
            )
            data.unlink()
        peaks: dict[int, dict[str, Call]] = {}
        for rows in args.national:
            paths = sorted({p for pack in packs for p in plan_for(pack).read_paths})
            table = synthetic(rows, paths, args.seed)
            data = folder / "national.parquet"
            pq.write_table(table, data, row_group_size=ROW_GROUP)
            del table
            dates = [f"--as-of={p.id}={AS_OF[p.id].isoformat()}" for p in packs if p.id in AS_OF]
            argv = [
                "evaluate",
                str(data),
                "--pack",
                "all",
                *dates,
                "--format",
                "parquet",
                "--output",
                str(folder / "out.parquet"),
            ]
            print()
            peaks[rows] = measure(
                f"national {rows:,}×{len(packs)}",
                argv,
                rows * len(packs),
                pythons,
                args.rounds,
            )
            data.unlink()
        if len(peaks) > 1:  # the target: memory at the most rows within 20 % of the fewest
            least, most = min(peaks), max(peaks)
            print()
            for name in pythons:
                growth = peaks[most][name].rss / peaks[least][name].rss
                print(f"{'peak RSS ' + f'{most:,} / {least:,} rows':34} {name:8} {growth:6.2f}×")


if __name__ == "__main__":
    main()
