"""What gaps and reports cost: Wuma communities evaluated, with and without reading gaps.

Usage::

    python benchmarks/bench_gaps.py [--n 2000] [--seed 1]

Times, in one process and on the same synthetic communities (the baseline first):

  evaluate        policyengine.evaluate(Community, pack, as_of)      (gaps not read)
  + gaps          the same, then result.gaps                        (rule gaps, next band,
                                                                     the pack evaluated again
                                                                     at the next band)
  + to_dict       the same, then result.to_dict()                   (the JSON, gaps included)
  + to_dict omit  the same, then result.to_dict(omit=("findings", "gaps"))   (the verdict
                                                                     and outputs alone)
  html / 1,000    render_html of a street of 1,000 communities       (and its size)

This is a plain script, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

import policyengine
from policyengine.contracts import RenderOptions
from policyengine.reports.html import render_html

AS_OF = dt.date(2014, 12, 31)
PLACE = ["浙江省", "温州市", "鹿城区", "五马街道"]
LEAN = ("findings", "gaps")


def community(i: int, rng: random.Random) -> dict[str, object]:
    return {
        "community": {"id": f"c{i}", "name": f"社区{i}", "jurisdiction": PLACE},
        "happiness": {
            "objective_score": rng.randint(350, 700),
            "survey_score": rng.randint(100, 300),
            "vetoes": ["leadership"] if rng.random() < 0.05 else [],
            "previous_stars": rng.randint(0, 4),
        },
    }


def per_call(fn, items) -> tuple[float, float]:
    times = []
    for item in items:
        t0 = time.perf_counter_ns()
        fn(item)
        times.append((time.perf_counter_ns() - t0) / 1000)
    return statistics.fmean(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pack = policyengine.installed_packs()["wuma-star-rating"]
    subjects = [policyengine.load_facts(community(i, rng)) for i in range(args.n)]
    for s in subjects[:200]:
        policyengine.evaluate(s, pack, as_of=AS_OF).to_dict()
    rows = [
        ("evaluate", lambda s: policyengine.evaluate(s, pack, as_of=AS_OF)),
        ("+ gaps", lambda s: policyengine.evaluate(s, pack, as_of=AS_OF).gaps),
        ("+ to_dict", lambda s: policyengine.evaluate(s, pack, as_of=AS_OF).to_dict()),
        (
            "+ to_dict omit",
            lambda s: policyengine.evaluate(s, pack, as_of=AS_OF).to_dict(omit=LEAN),
        ),
    ]
    print(f"{args.n} Wuma communities, as of {AS_OF}")
    print(f"{'variant':<15} {'mean µs':>9} {'p50 µs':>9}")
    for name, fn in rows:
        mean, p50 = per_call(fn, subjects)
        print(f"{name:<15} {mean:>9.0f} {p50:>9.0f}")
    doc = {
        "jurisdiction": {"id": "wuma", "name": "五马街道", "level": "street"},
        "communities": [community(i, rng) for i in range(1000)],
    }
    street = policyengine.evaluate(doc, pack, as_of=AS_OF)
    t0 = time.perf_counter()
    page = render_html([street], RenderOptions(packs={pack.id: pack}))
    took = time.perf_counter() - t0
    print(f"html / 1,000 communities: {took:.2f} s, {len(page.encode()) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
