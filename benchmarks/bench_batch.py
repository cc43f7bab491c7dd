"""Batch benchmark: many communities against each bundled pack, columns and tables.

Usage::

    python benchmarks/bench_batch.py [--n 1000000] [--sample 2000] [--csv-rows 100000]
                                     [--national 600000] [--packs all] [--seed 1] [--skip-e2e]

It generates N synthetic communities (every fact the bundled packs read, about 10 % of
each missing, values drawn across each fact's range) and measures, in one run:

In memory, per pack (community·pack evaluations per second):

  floor     a hand-written numpy version of the pack's rules (Wuma only: eligibility and
            stars from the total score), on the same columns
  python    a hand-written plain-Python version of the same (Wuma only), over dicts
  row       the row path: ``engine.evaluate_community`` on typed communities (durable-rules),
            on --sample communities
  columnar  ``columnar.evaluate_columns`` on the columns (verdicts, outcomes, outputs as
            arrays), and with ``to_arrow`` (the result table)

  check     the columnar rows equal the row path's on the --sample communities
            (every verdict, outcome and output).

End to end, through the command line (wall time and peak RSS of the child process):

  csv       one ``policyengine evaluate DATA.csv --pack P --format csv`` per pack on a
            --csv-rows table, start-up included
  national  ``policyengine evaluate DATA.parquet --pack all --format parquet`` on
            --national rows (every pack; `--national 0` skips it)

This is a plain script, not a test. Figures go to docs/performance.md. For the command
line side by side with another installation (wall, CPU, peak RSS, ratios), see
``bench_cli.py``.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from policyengine import api
from policyengine.columnar import FactColumns, evaluate_columns, unsupported
from policyengine.columnar.screen import screen
from policyengine.documents import structure_community
from policyengine.engine import compile_pack, evaluate_community
from policyengine.facts import fact_catalogue
from policyengine.sinks import flat_rows
from policyengine.tables import row_document

# Parquet files as platforms write them: row groups of 65,536 rows, read one at a time
# (a file of one 1,000,000-row group must be read whole)
ROW_GROUP = 65_536
AS_OF = {
    "wuma-star-rating": dt.date(2014, 12, 31),
    "chifeng-annual-targets": dt.date(2009, 6, 30),
    "fengxiang-harmony": dt.date(2024, 12, 31),
    "wuzhou-complete-community": dt.date(2024, 3, 1),
    "yixing-demonstration-city": dt.date(2012, 10, 15),
}
"""A date on which each pack is in force (the middle of its programme)."""


PLACES = (
    ["浙江省", "温州市", "鹿城区", "五马街道"],
    ["内蒙古自治区", "赤峰市", "红山区"],
    ["陕西省", "宝鸡市", "凤翔区", "城关镇"],
    ["广西壮族自治区", "梧州市", "长洲区"],
    ["江苏省", "无锡市", "宜兴市"],
)
"""Where the synthetic communities lie: each pack's territory gets about a fifth of them
(policies.md §6 Scope); the others are ``not_applicable`` for that pack."""


def synthetic(n: int, paths: list[str], seed: int) -> pa.Table:
    """N communities with every given fact, about 10 % of each missing."""
    rng = np.random.default_rng(seed)
    catalogue = fact_catalogue("community")
    cols: dict[str, Any] = {"community.id": pa.array([f"c{i}" for i in range(n)])}
    for path in paths:
        if path == "community.id" or path not in catalogue:
            continue
        if path.startswith("happiness.objective_by_type."):
            continue  # the objective score is given whole (its parts go by the row path)
        ft = catalogue[path]
        missing = rng.random(n) < 0.1
        if ft.kind == "bool":
            cols[path] = pa.array(rng.random(n) < 0.7, mask=missing)
        elif ft.kind in ("int", "number"):
            lo = ft.range.min if ft.range and ft.range.min is not None else 0
            hi = ft.range.max if ft.range and ft.range.max is not None else None
            if hi is None:
                hi = 2000 if ft.kind == "int" else 100_000
            if path == "happiness.objective_score":
                lo, hi = 400, 700
            if path == "happiness.survey_score":
                lo, hi = 150, 300
            if path == "reporting.self_check_report_year":
                lo, hi = 2020, 2025
            if ft.kind == "int":
                values = rng.integers(int(lo), int(hi) + 1, n)
                cols[path] = pa.array(values, pa.int64(), mask=missing)
            else:
                values = np.round(rng.uniform(float(lo), float(hi), n), 2)
                if ft.range and ft.range.exclusive_min:
                    values = np.maximum(values, 0.01)
                cols[path] = pa.array(values, pa.float64(), mask=missing)
        elif ft.kind == "text" and not ft.choices:  # names: one 神冠社区 in a thousand
            names = [f"社区{i}" for i in range(n)]
            for i in range(0, n, 1000):
                names[i] = "神冠社区"
            cols[path] = pa.array(names, pa.string(), mask=missing)
        elif ft.kind == "text":
            cols[path] = pa.array(
                rng.choice(list(ft.choices), n).tolist(), pa.string(), mask=missing
            )
        elif ft.kind == "date_list":
            start = dt.date(2023, 12, 1).toordinal()
            lists = [
                sorted(
                    {
                        dt.date.fromordinal(start + int(d)).isoformat()
                        for d in rng.integers(0, 200, rng.integers(0, 6))
                    }
                )
                for _ in range(n)
            ]
            cols[path] = pa.array(lists, pa.list_(pa.string()), mask=missing)
        elif path == "community.jurisdiction":  # spread over the five packs' territories
            picks = rng.integers(0, len(PLACES), n)
            cols[path] = pa.array([PLACES[i] for i in picks], pa.list_(pa.string()), mask=missing)
        else:
            choices = list(ft.choices) or ["浙江省", "温州市"]
            picks = rng.random((n, len(choices))) < 0.5
            rare = path == "happiness.vetoes"  # vetoes are rare
            if rare:
                picks = rng.random((n, len(choices))) < 0.03
            lists = [[c for c, p in zip(choices, row, strict=True) if p] for row in picks]
            cols[path] = pa.array(lists, pa.list_(pa.string()), mask=missing)
    # a part is never more than its whole
    for part, whole in (
        ("staff.trained_this_year", "staff.count"),
        ("organization.leadership_college_educated", "organization.leadership_members"),
        ("services.retirees_socialized", "services.retirees"),
    ):
        if part in cols and whole in cols:
            w = cols[whole].to_numpy(zero_copy_only=False)
            p = np.floor(np.nan_to_num(w, nan=0) * 0.8).astype(np.int64)
            cols[part] = pa.array(
                p, pa.int64(), mask=cols[part].is_null().to_numpy(zero_copy_only=False)
            )
    return pa.table(cols)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f}/s"


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def wuma_floor(table: pa.Table) -> Callable[[], Any]:
    """Hand-written numpy: eligibility and stars (四(一), 四(四)) from the columns."""
    obj = table["happiness.objective_score"].to_numpy(zero_copy_only=False)
    sur = table["happiness.survey_score"].to_numpy(zero_copy_only=False)
    vetoes = table["happiness.vetoes"]
    nveto = np.asarray(
        __import__("pyarrow.compute")
        .compute.list_value_length(vetoes)
        .to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )

    def run() -> Any:
        total = obj + sur
        eligible = nveto == 0
        stars = np.zeros(len(total), dtype=np.int8)
        for k, t in enumerate((650, 700, 750, 800, 900), start=1):
            stars[total >= t] = k
        stars[~eligible] = 0
        unknown = np.isnan(total) | np.isnan(nveto)
        return stars, unknown

    return run


def wuma_python(docs: list[dict[str, Any]]) -> Callable[[], Any]:
    """Hand-written plain Python over dicts: the same rules."""

    def run() -> Any:
        out = []
        for d in docs:
            h = d.get("happiness", {})
            o, s, v = h.get("objective_score"), h.get("survey_score"), h.get("vetoes")
            if o is None or s is None or v is None:
                out.append(None)
                continue
            total = o + s
            stars = 0
            if not v:
                for k, t in enumerate((650, 700, 750, 800, 900), start=1):
                    if total >= t:
                        stars = k
            out.append(stars)
        return out

    return run


def _typed(row: dict[str, Any]) -> dict[str, str]:
    return {k: json.dumps(v, sort_keys=True) for k, v in row.items()}


def in_memory(args: argparse.Namespace, packs: list[Any]) -> None:
    paths = sorted({p for pack in packs for p in compile_pack(pack).read_paths})
    t = time.perf_counter()
    table = synthetic(args.n, paths, args.seed)
    print(
        f"generated {args.n:,} communities × {table.num_columns} facts in "
        f"{time.perf_counter() - t:.1f} s"
    )
    t = time.perf_counter()
    screened = screen(table.combine_chunks().to_batches()[0], paths)
    cols = screened.columns
    print(
        f"screened into columns in {time.perf_counter() - t:.2f} s "
        f"({len(screened.doubtful):,} doubtful rows left to the row path)"
    )
    sample_rows = table.slice(0, args.sample).to_pylist()
    docs = [row_document(r)[0] for r in sample_rows]
    communities = [structure_community(d) for d in docs]
    print()
    print(f"{'pack':28} {'variant':10} {'evaluations':>14}")
    for pack in packs:
        as_of = AS_OF.get(pack.id, dt.date.today())
        if pack.id == "wuma-star-rating":
            secs, _ = timed(wuma_floor(table))
            print(f"{pack.id:28} {'floor':10} {rate(args.n, secs)}")
            py_docs = [row_document(r)[0] for r in table.slice(0, 200_000).to_pylist()]
            secs, _ = timed(wuma_python(py_docs))
            print(f"{pack.id:28} {'python':10} {rate(len(py_docs), secs)}")
        secs, _ = timed(
            lambda p=pack, d=as_of: [evaluate_community(c, p, d) for c in communities], 1
        )
        print(f"{pack.id:28} {'row':10} {rate(len(communities), secs)}")
        why = unsupported(pack)
        if why is not None:
            print(f"{pack.id:28} {'columnar':10} {'n/a':>14}  ({why})")
            continue
        secs, result = timed(lambda p=pack, d=as_of: evaluate_columns(p, cols, d))
        print(f"{pack.id:28} {'columnar':10} {rate(cols.n, secs)}")
        secs, _ = timed(lambda r=result: r.to_arrow(), 1)
        both = secs + timed(lambda p=pack, d=as_of: evaluate_columns(p, cols, d), 1)[0]
        print(f"{pack.id:28} {'+to_arrow':10} {rate(cols.n, both)}")
        sample = FactColumns.from_subjects(communities, compile_pack(pack).read_paths)
        got = evaluate_columns(pack, sample, as_of).rows()
        want = [next(flat_rows(evaluate_community(c, pack, as_of))) for c in communities]
        same = sum(_typed(a) == _typed(b) for a, b in zip(got, want, strict=True))
        print(f"{pack.id:28} {'check':10} {same:>8,}/{len(want):,} rows equal the row path")
        if same != len(want):
            raise SystemExit(1)


_CHILD = (
    "import sys\n"
    "from policyengine.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "status = open('/proc/self/status').read()\n"
    "print('PEAK', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli(argv: list[str]) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (MiB, the child's own VmHWM) of one run."""
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t
    peak = [line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK ")]
    return wall, proc.returncode, int(peak[0]) // 1024 if peak else -1


def end_to_end(args: argparse.Namespace, packs: list[Any]) -> None:
    paths = sorted({p for pack in packs for p in compile_pack(pack).read_paths})
    with tempfile.TemporaryDirectory() as tmp:
        print()
        print(
            f"end to end from CSV ({args.csv_rows:,} rows of the pack's facts, one call per "
            "pack, --format csv)"
        )
        for pack in packs:
            own = sorted(compile_pack(pack).read_paths)
            table = synthetic(args.csv_rows, own, args.seed)
            csv_path = Path(tmp) / f"{pack.id}.csv"
            as_text = pa.table(
                {
                    name: pa.array(
                        [
                            None
                            if v is None
                            else (
                                json.dumps(v, ensure_ascii=False)
                                if isinstance(v, list)
                                else ("true" if v is True else "false" if v is False else str(v))
                            )
                            for v in col.to_pylist()
                        ],
                        pa.string(),
                    )
                    for name, col in zip(table.column_names, table.columns, strict=True)
                }
            )
            pacsv.write_csv(as_text, csv_path)
            as_of = AS_OF.get(pack.id, dt.date.today()).isoformat()
            wall, code, rss = run_cli(
                [
                    "evaluate",
                    str(csv_path),
                    "--pack",
                    pack.id,
                    "--as-of",
                    as_of,
                    "--format",
                    "csv",
                    "--output",
                    str(Path(tmp) / "out.csv"),
                ]
            )
            print(
                f"{pack.id:28} {table.num_columns:3} facts {wall:6.1f} s "
                f"{rate(args.csv_rows, wall)}  peak RSS {rss:,} MiB  exit {code}"
            )
        if args.national:
            table = synthetic(args.national, paths, args.seed)
            pq_path = Path(tmp) / "national.parquet"
            pq.write_table(table, pq_path, row_group_size=ROW_GROUP)
            del table
            dates = [f"--as-of={p.id}={AS_OF[p.id].isoformat()}" for p in packs if p.id in AS_OF]
            wall, code, rss = run_cli(
                [
                    "evaluate",
                    str(pq_path),
                    "--pack",
                    "all",
                    *dates,
                    "--format",
                    "parquet",
                    "--output",
                    str(Path(tmp) / "out.parquet"),
                ]
            )
            evals = args.national * len(packs)
            print(
                f"\nnational: {args.national:,} communities × {len(packs)} packs from Parquet "
                f"to Parquet: {wall:.1f} s ({rate(evals, wall).strip()}), "
                f"peak RSS {rss:,} MiB, exit {code}"
            )


def packs_named(text: str) -> list[Any]:
    """The installed packs ``--packs`` names: ids separated by commas, or ``all``."""
    installed = api.installed_packs()
    if text == "all":
        return list(installed.values())
    return [installed[p] for p in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--national", type=int, default=600_000)
    parser.add_argument("--packs", default="all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    packs = packs_named(args.packs)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pyarrow "
        f"{pa.__version__}, {os.cpu_count()} cores, {platform.platform()}"
    )
    in_memory(args, packs)
    if not args.skip_e2e:
        end_to_end(args, packs)


if __name__ == "__main__":
    main()
