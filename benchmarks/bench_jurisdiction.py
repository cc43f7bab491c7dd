"""Jurisdiction benchmark: a district's communities as an included table vs as documents.

Usage::

    python benchmarks/bench_jurisdiction.py [--n 10000] [--seed 1] [--skip-documents]
        [--packs chifeng-annual-targets,wuma-star-rating]

For each pack it builds one jurisdiction (Chifeng: the district 红山区; Wuma: the street
五马街道) of N synthetic communities (every fact the pack reads, about 10 % of each
missing), written three ways in a temporary folder: N community documents (JSON) named by
``include = "communities/*.json"``, one Parquet table and one CSV table named by
``include = "communities.parquet"`` / ``"communities.csv"``. It measures, in one run:

  documents, row path     ``load_document`` + ``evaluate_jurisdiction`` (every community
                          by the engine, nested results) — today's way, the baseline
  parquet, row path       the same from the Parquet include (reading rows vs files)
  parquet, columns        ``load_document`` + ``columnar.jurisdiction.rows_of_jurisdiction``
                          (communities by the columnar backend, aggregates on columns:
                          the table rows of results.md)
  csv, columns            the same from the CSV include
  cli parquet → parquet   ``policyengine evaluate district.json --format parquet``, start-up
                          included (wall time of the child process)

and checks that the rows of every way equal the documents' (``flat_rows`` of the row path).
The ratio column is each way's time over the documents' time in the same run.
This is a plain script, not a test. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import synthetic

from policyengine import api
from policyengine import expressions as ex
from policyengine.columnar.jurisdiction import rows_of_jurisdiction
from policyengine.documents import load_document
from policyengine.facts import Jurisdiction
from policyengine.jurisdictions import evaluate_jurisdiction
from policyengine.plan import plan_for
from policyengine.sinks import flat_rows
from policyengine.tables import row_document

SETUP = {
    "chifeng-annual-targets": (
        {"id": "hongshan", "name": "红山区", "level": "district"},
        ["内蒙古自治区", "赤峰市", "红山区"],
        dt.date(2009, 12, 31),
    ),
    "wuma-star-rating": (
        {"id": "wuma", "name": "五马街道", "level": "street"},
        ["浙江省", "温州市", "鹿城区", "五马街道"],
        dt.date(2014, 12, 31),
    ),
}


def _paths(pack: Any) -> list[str]:
    paths = set(plan_for(pack).read_paths)
    for agg in plan_for(pack, "jurisdiction").aggregates:
        if agg.condition is not None:
            paths.update(ex.fields_of(agg.condition))
    return sorted(paths)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return json.dumps(list(v), ensure_ascii=False)
    return str(v)


def build(folder: Path, pack: Any, n: int, seed: int) -> None:
    """The jurisdiction three ways: documents, Parquet, CSV."""
    own, place, _ = SETUP[pack.id]
    table = synthetic(n, _paths(pack), seed)
    table = table.set_column(
        table.schema.get_field_index("community.jurisdiction"),
        "community.jurisdiction",
        pa.array([place] * n, pa.list_(pa.string())),
    )
    pq.write_table(table, folder / "communities.parquet")
    rows = table.to_pylist()
    with (folder / "communities.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(table.schema.names)
        for r in rows:
            w.writerow([_cell(r[c]) for c in table.schema.names])
    docs = folder / "communities"
    docs.mkdir()
    for i, r in enumerate(rows):
        doc, _ = row_document(r)
        (docs / f"{i:07d}.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    info = {**own, "leading_group": True, "plan": True, "funds_in_budget": True}
    for name, include in (
        ("documents", "communities/*.json"),
        ("parquet", "communities.parquet"),
        ("csv", "communities.csv"),
    ):
        doc = {"jurisdiction": info, "communities": [{"include": include}]}
        (folder / f"{name}.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def load(path: Path) -> Jurisdiction:
    subject = load_document(path)
    assert isinstance(subject, Jurisdiction)
    return subject


def bench(pack: Any, n: int, seed: int, skip_documents: bool) -> None:
    _, _, as_of = SETUP[pack.id]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder, pack, n, seed)
        results: list[tuple[str, float, float, list[dict[str, Any]] | None]] = []

        def row_path(name: str) -> None:
            t_load, subject = timed(lambda: load(folder / f"{name}.json"))
            t_eval, result = timed(lambda: evaluate_jurisdiction(subject, pack, as_of=as_of))
            results.append((f"{name}, row path", t_load, t_eval, list(flat_rows(result))))

        def columns(name: str) -> None:
            t_load, subject = timed(lambda: load(folder / f"{name}.json"))
            t_eval, rows = timed(lambda: rows_of_jurisdiction(subject, pack, as_of))
            results.append((f"{name}, columns", t_load, t_eval, rows))

        if not skip_documents:
            row_path("documents")
            row_path("parquet")
        columns("parquet")
        columns("csv")
        out = folder / "out.parquet"
        argv = [
            sys.executable,
            "-m",
            "policyengine",
            "evaluate",
            str(folder / "parquet.json"),
            "--pack",
            pack.id,
            "--as-of",
            as_of.isoformat(),
            "--format",
            "parquet",
            "--output",
            str(out),
        ]
        t = time.perf_counter()
        code = subprocess.run(argv, capture_output=True, check=False).returncode
        wall = time.perf_counter() - t
        assert code in (0, 1), f"the command line failed with exit {code}"
        results.append(("cli parquet → parquet", 0.0, wall, None))

    base = results[0][1] + results[0][2]
    expected = results[0][3]
    print(f"\n{pack.id}: one {SETUP[pack.id][0]['level']} of {n:,} communities, as of {as_of}")
    print(
        f"{'way':<26}{'load s':>9}{'evaluate s':>12}{'total s':>10}{'communities/s':>16}"
        f"{'× documents':>13}  same rows"
    )
    for name, t_load, t_eval, rows in results:
        total = t_load + t_eval
        same = "—" if rows is None or expected is None else ("yes" if rows == expected else "NO")
        print(
            f"{name:<26}{t_load:>9.2f}{t_eval:>12.2f}{total:>10.2f}{n / total:>16,.0f}"
            f"{base / total:>12.1f}×  {same}"
        )
        if same == "NO":
            raise SystemExit(f"{name}: the rows differ from the documents'")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--packs", default="chifeng-annual-targets,wuma-star-rating")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--skip-documents",
        action="store_true",
        help="skip the row path (the ratio is then against the first way timed)",
    )
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, n={args.n:,}")
    for pack_id in args.packs.split(","):
        (pack,) = api.default_registry().resolve(pack_id)
        bench(pack, args.n, args.seed, args.skip_documents)


if __name__ == "__main__":
    main()
