"""The row path against raw durable-rules, per bundled pack (issue 10's row-path targets).

Usage::

    python benchmarks/bench_row.py [--before main] [--n 200] [--rounds 15] [--warmup 300]
                                   [--chunk 25] [--pack ID ...]
    python benchmarks/bench_row.py --blocks [--n 200] [--rounds 15]

For each bundled pack it times, **in one process and interleaved** (``--n`` of each per
round, the two sides taking turns every ``--chunk`` evaluations):

* ``evaluate``: ``policyengine.evaluate(doc, pack=pack, as_of=…)`` on a full facts document
  (the pack's example community with every fact the pack reads filled in, as in
  ``bench_before_after.py``), validation included; p50 and p90;
* ``raw``: the raw durable-rules C API on the same rules: the pack's own rulesets (the JSON
  the durable backend compiles) created once with ``create_ruleset``; per evaluation the
  row of values the pack compares (computed beforehand) is written with ``json.dumps``
  under a fresh sid, asserted, every action drained, and the session deleted
  (``delete_state``): the "raw C API + delete_state" of the durable-rules notes; p50. Its
  matches are checked first against the conditions the engine finds to hold.

plus Wuma's **four-fact document** (objective score, survey score, vetoes, previous stars).
The ratio evaluate p50 / raw p50 is checked against the targets: ≤ 8× for every pack,
≤ 3× for the four-fact document.

With ``--before REF`` the same is measured for the code at a git ref (extracted with
``git archive``) in a second process per pack, and the two processes take turns chunk by
chunk; the raw side runs the same rulesets and rows in both (computed by this checkout),
and the results' JSON (``to_dict()``) of both trees must be identical.

``--blocks`` instead splits the four-fact document's evaluation (this checkout only) into
validation, the API's own steps, ``prepare``, the durable adapter and ``decide``: each
block is the difference between two variants timed in turn in one process (e.g.
``evaluate(dict)`` and ``evaluate`` of the same facts already typed), so each is measured
with the caches as warm or as cold as in a whole evaluation, not on its own.

The timer is the thread's CPU time (``time.thread_time_ns``), which other processes
disturb less than the wall clock. Per round, each process reports the median of each
side; a tree's figures are its lowest medians over the rounds (the quietest), and its
ratio the median over the rounds of the per-round ratios (the sides take turns within a
round, so a burst of load from other processes hits both alike); ``quiet`` is the ratio
of the lowest medians, for information (the targets are checked on ``ratio``). The sides
do not alternate call by call: each would then run with caches cold from the other, which
slows the raw side most and flatters the ratio. This is a plain script, not a test; see
docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_before_after import AS_OF, Child, extract, full_document  # noqa: E402

TARGET_PACK = 8.0
TARGET_FOUR = 3.0
FOUR = "wuma (four facts)"

FOUR_FACTS: dict[str, Any] = {
    "community": {"id": "wm-001", "name": "墨池社区"},
    "happiness": {
        "objective_score": 560.0,
        "survey_score": 232.0,
        "vetoes": [],
        "previous_stars": 2,
    },
}

CHILD = r"""
import ctypes, datetime as dt, gc, json, os, statistics, sys, time
tree, spec_file = sys.argv[1:3]
try:
    ctypes.CDLL("libc.so.6").mallopt(-2, 64 << 20)  # M_TOP_PAD: stable session malloc/free
except OSError:
    pass
import durable_rules_engine as dre
import policyengine
assert policyengine.__file__.startswith(tree), (policyengine.__file__, tree)
spec = json.loads(open(spec_file, encoding="utf-8").read())
pack = policyengine.load_pack(spec["pack_dir"])
doc = spec["doc"]
as_of = dt.date.fromisoformat(spec["as_of"])
evaluate = policyengine.evaluate
handles = [
    dre.create_ruleset(f"raw{os.getpid()}x{i}", text) for i, text in enumerate(spec["rulesets"])
]
rows = spec["rows"]
counter = [0]

def raw():
    counter[0] += 1
    sid = f"b{counter[0]}"
    names = []
    for handle, row in zip(handles, rows):
        fact = {"sid": sid, "__kind": "subject", **row}
        _, offset = dre.assert_fact(handle, json.dumps(fact, ensure_ascii=False))
        try:
            action = dre.start_action_for_state(handle, offset)
            result = action[1] if action else None
            while result:
                names.append(result[2 : result.index('"', 2)])
                result = dre.complete_and_start_action(handle, offset)
        finally:
            dre.delete_state(handle, sid)
    return names

def only():
    evaluate(doc, pack=pack, as_of=as_of)

seen = sorted(set(raw()) - {"__seen__"})
if seen != spec["expect"]:  # the baseline must decide what the engine decides
    sys.exit(f"raw durable-rules matched {seen}, the engine {spec['expect']}")
warmup = int(spec["warmup"])
for _ in range(warmup):
    only()
    raw()
gc.collect()
clock = time.thread_time_ns

def turn(fn, n, out):
    for _ in range(n):
        t0 = clock()
        fn()
        out.append((clock() - t0) / 1000)

def times(n, chunk):
    a, b = [], []
    for start in range(0, n, chunk):  # the sides take turns, chunk by chunk
        turn(only, min(chunk, n - start), a)
        turn(raw, min(chunk, n - start), b)
    a.sort()
    b.sort()
    return a, b

print("ready", flush=True)
for line in sys.stdin:
    what, n = line.split()
    if what == "result":
        print(json.dumps(evaluate(doc, pack=pack, as_of=as_of).to_dict(), ensure_ascii=False,
                         sort_keys=True), flush=True)
        continue
    n = int(n)
    a, b = times(n, int(spec["chunk"]))
    print(json.dumps([a[n // 2], a[min(n - 1, int(n * 0.9))], b[n // 2]]), flush=True)
"""


def raw_inputs(
    pack_id: str, doc: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """The pack's durable rulesets (JSON), per ruleset the flat fact of ``doc``'s row, and
    the names of the conditions that hold for it (as the engine decides)."""
    import policyengine
    from policyengine.backends.durable import dump
    from policyengine.engine import prepare

    pack = policyengine.load_pack(ROOT / "policy_packs" / pack_id)
    prepared = prepare(policyengine.load_facts(doc), pack, dt.date.fromisoformat(AS_OF[pack_id]))
    matcher: Any = prepared.plan.matcher
    compiled = matcher.compiled
    rows: list[dict[str, Any]] = []
    for ruleset in compiled.rulesets:
        reads = set(json.dumps(ruleset).replace('"', " ").split())
        row: dict[str, Any] = {}
        for key, field in compiled.fields.items():
            v = prepared.values.get(key)
            if v is None or field not in reads:
                continue
            row[field] = float(v) if type(v) is int else v
        rows.append(row)
    expect = sorted(f"c{i}" for i in prepared.plan.matching(prepared.values))
    return [dump(r) for r in compiled.rulesets], rows, expect


def blocks(n: int, rounds: int) -> None:
    """Print what each block of the four-fact document's evaluation costs, in context."""
    import time

    import policyengine
    from policyengine import engine

    pack = policyengine.load_pack(ROOT / "policy_packs" / "wuma-star-rating")
    as_of = dt.date.fromisoformat(AS_OF["wuma-star-rating"])
    typed = policyengine.load_facts(FOUR_FACTS)

    def whole() -> None:
        policyengine.evaluate(FOUR_FACTS, pack=pack, as_of=as_of)

    def from_typed() -> None:
        policyengine.evaluate(typed, pack=pack, as_of=as_of)

    def engine_only() -> None:
        prepared = engine.prepare(typed, pack, as_of)
        engine.decide(prepared, prepared.plan.matching(prepared.values))

    def to_matching() -> None:
        prepared = engine.prepare(typed, pack, as_of)
        prepared.plan.matching(prepared.values)

    def to_prepare() -> None:
        engine.prepare(typed, pack, as_of)

    variants = [whole, from_typed, engine_only, to_matching, to_prepare]
    p50s: dict[str, list[float]] = {f.__name__: [] for f in variants}
    clock = time.thread_time_ns
    for f in variants:
        for _ in range(300):
            f()
    for _ in range(rounds):
        for f in variants:
            times = []
            for _ in range(n):
                t0 = clock()
                f()
                times.append(clock() - t0)
            times.sort()
            p50s[f.__name__].append(times[n // 2] / 1000)
    low = {name: min(v) for name, v in p50s.items()}
    rows = [
        ("evaluate(dict), whole", low["whole"]),
        ("validation of the dict", low["whole"] - low["from_typed"]),
        ("evaluate's own steps (checks, reader)", low["from_typed"] - low["engine_only"]),
        ("decide: outcomes, outputs, verdict, result", low["engine_only"] - low["to_matching"]),
        ("adapter: payload, assert, drain, retract", low["to_matching"] - low["to_prepare"]),
        ("prepare: flatten, context, derived, row", low["to_prepare"]),
    ]
    print(f"Wuma, four facts: lowest p50 of {rounds} rounds of {n}, thread CPU time, µs")
    for label, value in rows:
        print(f"{label:48} {value:7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default=None, help="also time the code at this git ref")
    parser.add_argument("--n", type=int, default=200, help="evaluations per chunk and side")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument(
        "--chunk", type=int, default=25, help="evaluations per turn within a round (25)"
    )
    parser.add_argument("--pack", action="append", choices=sorted(AS_OF), default=None)
    parser.add_argument(
        "--blocks", action="store_true", help="split the four-fact document's time into blocks"
    )
    args = parser.parse_args()
    if args.blocks:
        blocks(args.n, args.rounds)
        return 0
    packs = args.pack or sorted(AS_OF)
    docs: list[tuple[str, str, dict[str, Any]]] = [(p, p, full_document(p)) for p in packs]
    if "wuma-star-rating" in packs:
        docs.append((FOUR, "wuma-star-rating", FOUR_FACTS))
    status = 0
    with tempfile.TemporaryDirectory(prefix="pe-row-") as tmp:
        trees = {"after": ROOT}
        commit = ""
        if args.before:
            commit = extract(args.before, Path(tmp))
            trees = {"before": Path(tmp) / "tree", "after": ROOT}
        print(
            ("" if not args.before else f"before: {args.before} ({commit}); ")
            + f"after: this checkout ({ROOT.name})"
        )
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.2f}; n={args.n} rounds={args.rounds} "
            f"warm-up={args.warmup}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
            "thread CPU time, µs"
        )
        print()
        print(
            f"{'document':28} {'tree':7} {'eval p50':>9} {'p90':>8} {'raw p50':>8} "
            f"{'ratio':>6} {'quiet':>6} {'target':>6}"
        )
        for label, pack_id, doc in docs:
            rulesets, rows, expect = raw_inputs(pack_id, doc)
            spec = Path(tmp) / f"{pack_id}{'-four' if label == FOUR else ''}.json"
            spec.write_text(
                json.dumps(
                    {
                        "pack_dir": "",
                        "doc": doc,
                        "as_of": AS_OF[pack_id],
                        "rulesets": rulesets,
                        "rows": rows,
                        "expect": expect,
                        "warmup": args.warmup,
                        "chunk": args.chunk,
                    },
                    ensure_ascii=False,
                    default=str,
                ),
                "utf-8",
            )
            children = {}
            try:
                for name, tree in trees.items():
                    tree_spec = spec.with_name(f"{name}-{spec.name}")
                    data = json.loads(spec.read_text("utf-8"))
                    data["pack_dir"] = str(tree / "policy_packs" / pack_id)
                    tree_spec.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
                    children[name] = Child(tree, spec.stem, CHILD, str(tree_spec))
                per: dict[str, list[list[float]]] = {name: [] for name in trees}
                for _ in range(args.rounds):
                    for name, child in children.items():
                        per[name].append(child.ask("time", args.n))
                results = {name: child.line("result") for name, child in children.items()}
            finally:
                for child in children.values():
                    child.close()
            target = TARGET_FOUR if label == FOUR else TARGET_PACK
            for name in trees:
                rounds = per[name]
                p50 = min(r[0] for r in rounds)
                p90 = min(r[1] for r in rounds)
                raw = min(r[2] for r in rounds)
                ratio = statistics.median(r[0] / r[2] for r in rounds)
                verdict = "ok" if ratio <= target else "MISS"
                print(
                    f"{label:28} {name:7} {p50:9.1f} {p90:8.1f} {raw:8.1f} "
                    f"{ratio:5.2f}× {p50 / raw:5.2f}× {target:4.0f}× {verdict}"
                )
                if name == "after" and ratio > target:
                    status = 1
            if args.before and results["before"] != results["after"]:
                print(f"  DIFFERENT result JSON for {label}")
                status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
