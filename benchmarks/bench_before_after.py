"""Performance gate: one evaluation before and after a change, on each bundled pack.

Usage::

    python benchmarks/bench_before_after.py [--before main] [--n 200] [--warmup 300]
                                            [--rounds 20] [--pack ID ...]

"Before" is the code at a git ref (default ``main``), extracted with ``git archive`` into
a temporary folder; "after" is this checkout. For each pack, a full facts document is
built from the pack's example community (``examples/<id>-community.toml``, or
``examples/wuma-community.toml``) with every fact the pack reads filled in, so no rule is
unknown for want of data. Each (tree, pack) runs in its own Python process with
``PYTHONPATH`` pointing at that tree's ``src`` and the pack loaded from that tree's
``policy_packs`` folder. Both processes stay up; the parent asks each in turn to time a
chunk of ``--n`` evaluations, ``--rounds`` times, and keeps each tree's quietest chunk
(lowest median): on a shared machine a burst of load spoils some chunks of both trees,
not one tree's whole run.

Timed: ``policyengine.evaluate(doc, pack=pack, as_of=…)`` from a dict (validation
included), and the same followed by ``result.to_dict()`` (the sentences rendered). The
verdict, outcomes and outputs of both trees are compared: a difference is reported and
makes the exit code 1, as does a pack slower after than before (median of evaluate
alone, beyond ``--tolerance``; the median because the machine is shared and means swing).

This is a plain script, not a test. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

AS_OF = {
    "wuma-star-rating": "2014-12-31",
    "chifeng-annual-targets": "2009-06-30",
    "fengxiang-harmony": "2024-12-31",
    "wuzhou-complete-community": "2024-06-30",
    "yixing-demonstration-city": "2013-06-30",
}

CHILD = r"""
import datetime as dt, gc, json, statistics, sys, time
tree, pack_dir, facts_file, as_of, warmup = sys.argv[1:6]
import policyengine
assert policyengine.__file__.startswith(tree), (policyengine.__file__, tree)
pack = policyengine.load_pack(pack_dir)
doc = json.loads(open(facts_file, encoding="utf-8").read())
as_of = dt.date.fromisoformat(as_of)
evaluate = policyengine.evaluate
for _ in range(int(warmup)):
    evaluate(doc, pack=pack, as_of=as_of).to_dict()
gc.collect()
clock = time.thread_time_ns
def only():
    evaluate(doc, pack=pack, as_of=as_of)
def full():
    evaluate(doc, pack=pack, as_of=as_of).to_dict()
print("ready", flush=True)
for line in sys.stdin:
    what, n = line.split()
    if what == "result":
        r = evaluate(doc, pack=pack, as_of=as_of)
        print(json.dumps({
            "verdict": r.verdict,
            "outcomes": {f.rule: f.outcome for f in r.findings},
            "outputs": r.to_dict()["outputs"],
            "unknown": sum(f.outcome == "unknown" for f in r.findings),
        }), flush=True)
        break
    fn = only if what == "evaluate" else full
    times = []
    for _ in range(int(n)):
        t0 = clock()
        fn()
        times.append((clock() - t0) / 1000)
    print(json.dumps([statistics.fmean(times), statistics.median(times)]), flush=True)
"""


def _example(pack_id: str) -> Path:
    for name in (f"{pack_id}-community.toml", f"{pack_id.split('-')[0]}-community.toml"):
        if (ROOT / "examples" / name).is_file():
            return ROOT / "examples" / name
    raise SystemExit(f"no example community for {pack_id} in examples/")


def _filler(ft: Any) -> Any:
    if ft.choices:
        return ft.choices[0]
    if ft.kind == "bool":
        return True
    if ft.kind in ("list", "date_list"):
        return []
    if ft.kind == "text":
        return "x"
    if ft.range is not None and ft.range.max is not None:
        return ft.range.max * 0.9 if ft.kind != "int" else ft.range.max
    return 1 if ft.kind == "int" else 1.0


def full_document(pack_id: str) -> dict[str, Any]:
    """The example community with every fact the pack reads given (checked with this tree)."""
    import policyengine
    from policyengine.facts import fact_catalogue, flatten
    from policyengine.plan import plan_for

    doc = tomllib.loads(_example(pack_id).read_text(encoding="utf-8"))
    pack = policyengine.load_pack(ROOT / "policy_packs" / pack_id)
    plan = plan_for(pack)
    catalogue = fact_catalogue("community")
    facts = flatten(policyengine.load_facts(doc), plan.read_paths)
    for path in plan.read_paths:
        if facts.get(path) is None and path in catalogue:
            *parents, leaf = path.split(".")
            node = doc
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = _filler(catalogue[path])
    policyengine.load_facts(doc)  # still valid
    return doc


class Child:
    """One tree's process running a benchmark's child ``code`` (its first argument is the
    tree's ``src``), answering each request with one line (JSON)."""

    def __init__(self, tree: Path, name: str, code: str, *args: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(tree / "src"))
        self.name = f"{name} in {tree}"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, str(tree / "src"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self._expect("ready")

    def _expect(self, word: str) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line or (word and not line.startswith(word)):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise SystemExit(f"{self.name}: {err.strip()[-2000:]}")
        return line

    def line(self, what: str, n: int = 0) -> str:
        """The answer to one request, as the child wrote it."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{what} {n}\n")
        self.proc.stdin.flush()
        return self._expect("")

    def ask(self, what: str, n: int = 0) -> Any:
        return json.loads(self.line(what, n))

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def extract(ref: str, into: Path) -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = into / "tree.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), commit, "src", "policy_packs"],
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return commit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="main", help="git ref of the code before (main)")
    parser.add_argument("--n", type=int, default=200, help="timed evaluations per chunk")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20, help="chunks per tree and mode")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=0.03,
        help="a pack is slower when its median grows by more than this share",
    )
    parser.add_argument("--pack", action="append", choices=sorted(AS_OF), default=None)
    args = parser.parse_args()
    packs = args.pack or sorted(AS_OF)
    status = 0
    with tempfile.TemporaryDirectory(prefix="pe-before-") as tmp:
        commit = extract(args.before, Path(tmp))
        trees = {"before": Path(tmp) / "tree", "after": ROOT}
        print(f"before: {args.before} ({commit}); after: this checkout ({ROOT.name})")
        print(
            f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.2f}; n={args.n} rounds={args.rounds} "
            f"warm-up={args.warmup}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )
        print()
        print(
            f"{'pack':28} {'tree':7} {'evaluate mean':>14} {'p50':>8} "
            f"{'+to_dict mean':>14} {'p50':>8}  unknown"
        )
        for pack_id in packs:
            facts = Path(tmp) / f"{pack_id}.json"
            doc = full_document(pack_id)
            facts.write_text(json.dumps(doc, ensure_ascii=False, default=str), "utf-8")
            children = {
                name: Child(
                    tree,
                    pack_id,
                    CHILD,
                    str(tree / "policy_packs" / pack_id),
                    str(facts),
                    AS_OF[pack_id],
                    str(args.warmup),
                )
                for name, tree in trees.items()
            }
            best: dict[str, dict[str, list[float]]] = {n: {} for n in trees}
            try:
                for _ in range(args.rounds):  # the trees take turns, chunk by chunk
                    for mode in ("evaluate", "to_dict"):
                        for name, child in children.items():
                            mean, p50 = child.ask(mode, args.n)
                            seen = best[name].get(mode)
                            if seen is None or p50 < seen[1]:
                                best[name][mode] = [mean, p50]
                results = {name: child.ask("result") for name, child in children.items()}
            finally:
                for child in children.values():
                    child.close()
            for name in trees:
                b, r = best[name], results[name]
                print(
                    f"{pack_id:28} {name:7} {b['evaluate'][0]:11.1f} µs {b['evaluate'][1]:6.1f}"
                    f" {b['to_dict'][0]:11.1f} µs {b['to_dict'][1]:6.1f}  {r['unknown']}"
                )
            before, after = best["before"], best["after"]
            change = after["evaluate"][1] / before["evaluate"][1] - 1
            print(
                f"{'':28} change of p50: evaluate {change:+.1%}, "
                f"+to_dict {after['to_dict'][1] / before['to_dict'][1] - 1:+.1%}"
            )
            for key in ("verdict", "outcomes", "outputs"):
                if results["before"][key] != results["after"][key]:
                    print(
                        f"  DIFFERENT {key}: before {results['before'][key]!r}\n"
                        f"  after  {results['after'][key]!r}"
                    )
                    status = 1
            if change > args.tolerance:
                print(f"  SLOWER: {pack_id} evaluate p50 {change:+.1%}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
