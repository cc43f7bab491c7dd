"""Load test of the HTTP service, with the library's own throughput as the baseline.

Starts ``policyengine serve`` on a free port of 127.0.0.1, then runs C concurrent clients
(keep-alive connections, one request in flight each) posting one community at a time against
one pack to ``POST /v1/evaluate`` for D seconds: 200 communities made from the example
(``--variants``), in turn. Reports errors, p50/p99 latency and requests/s. The baseline,
measured in the same run just before and just after the load on the same communities, is
the library's single-process throughput: ``policyengine.evaluate(dict, pack)`` in a loop,
and ``evaluate`` with the result JSON the service answers (sentences and gaps).
The service's application is also called in this process, with no HTTP, on the same bodies:
the server's CPU per request less that is what HTTP and the server cost.

The load comes from ``wrk`` (a compiled load generator: ``apt-get install wrk``) when it is
on the PATH, so that the client takes little of the CPU the server needs; otherwise (or with
``--client python``) from an asyncio client in this process, which takes a good part of a
core and so lowers the figures on a small machine.

    python benchmarks/bench_service.py                      # 32 clients, 20 s, wuma-star-rating
    python benchmarks/bench_service.py --serve-arg=--workers=2 --serve-arg=--http=httptools
    python benchmarks/bench_service.py --clients 8 --seconds 5 --client python
    python benchmarks/bench_service.py --serve-arg=--workers=2 --serve-arg=--http=httptools --floor
    python benchmarks/bench_service.py --serve-arg=--workers=2 --serve-arg=--http=httptools \
        --omit findings,gaps          # answers of the verdict and outputs alone
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        python benchmarks/bench_service.py --app-requests 200     # then 400: the difference

Targets: zero errors, p99 ≤ 50 ms, and at least half the baseline's
throughput. The exit code is 1 when there was any error. Needs the ``[server]`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2014-12-31"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "policyengine", "serve", "--port", str(port), *extra]
    return ready(subprocess.Popen(command), port)


def ready(server: subprocess.Popen[bytes], port: int) -> subprocess.Popen[bytes]:
    """The server, once ``/healthz`` answers 200 (killed after 60 s without)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not become ready in 60 s")


def floor_app() -> Any:
    """The service's application answering ``POST /v1/evaluate`` with one fixed result (the
    example's, computed once), whatever the body: the same server, HTTP parser, middleware
    and answer size, with no evaluation. Its rate is the ceiling HTTP and the framework set
    (``--floor``); run by uvicorn as a factory."""
    from policyengine.server.app import create_app

    app = create_app()
    build = app.build_middleware_stack
    facts = tomllib.loads((ROOT / "examples" / "wuma-community.toml").read_text("utf-8"))
    body = json.dumps({"facts": facts, "pack": "wuma-star-rating", "as_of": AS_OF}).encode()

    def with_fixed_answer() -> Any:
        lean = build()
        real = lean.answer
        fixed: list[bytes] = []

        async def answer(_: bytes, query: bytes = b"") -> bytes:
            if not fixed:
                fixed.append(await real(body, query))
            return fixed[0]

        lean.answer = answer
        return lean

    app.build_middleware_stack = with_fixed_answer  # type: ignore[method-assign]
    return app


def start_floor(port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    """uvicorn serving :func:`floor_app`, with ``serve``'s --workers and --http."""
    command = [
        sys.executable, "-m", "uvicorn", "bench_service:floor_app", "--factory",
        "--app-dir", str(Path(__file__).resolve().parent), "--port", str(port),
        "--log-level", "warning", "--no-access-log",
        *(a for a in extra if a.startswith(("--workers", "--http"))),
    ]  # fmt: skip
    return ready(subprocess.Popen(command), port)


def measured(
    server: subprocess.Popen[bytes],
    port: int,
    bodies: list[bytes],
    run: Any,
    clients: int,
    seconds: float,
    check: bool = False,
) -> tuple[dict[str, float], float | None]:
    """The load's figures on a started server (stopped after), and the server's CPU seconds
    per request (None where ``/proc`` does not tell); ``check``: its answer first."""
    try:
        if check:
            check_answer(port, bodies[0])
        run(port, bodies, 4, 2.0)  # warm-up
        before = tree_cpu_seconds(server.pid)
        got: dict[str, float] = run(port, bodies, clients, seconds)
        after = tree_cpu_seconds(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    if before is None or after is None or not got["requests"]:
        return got, None
    return got, (after - before) / got["requests"]


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by a process and its descendants (Linux ``/proc``), else None."""
    try:
        stats = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    text = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = text[text.rindex(")") + 2 :].split()
                stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    except OSError:
        return None
    tree, total, grew = {pid}, 0, True
    while grew:
        more = {p for p, (ppid, _) in stats.items() if ppid in tree} - tree
        grew, tree = bool(more), tree | more
    total = sum(stats[p][1] for p in tree if p in stats)
    return total / os.sysconf("SC_CLK_TCK")


def variants(facts: dict[str, Any], pack: str, count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` communities made from the example: each whole number moved by up to ±20 %
    and each yes/no fact flipped one time in ten (only documents the library accepts are
    kept), so that neither the service nor the library meets the same community twice in a
    row, as neither would in use. The first is the example itself."""
    import policyengine
    from policyengine.exceptions import FactsError

    rng = random.Random(seed)

    def vary(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (v if k == "id" else vary(v)) for k, v in value.items()}
        if isinstance(value, bool):
            return (not value) if rng.random() < 0.1 else value
        if isinstance(value, int) and value > 0:
            return max(0, round(value * rng.uniform(0.8, 1.2)))
        return value

    out, tries = [facts], 0
    while len(out) < count and tries < count * 20:
        tries += 1
        doc = vary(facts)
        doc["community"] = {**doc["community"], "id": f"{facts['community']['id']}-{len(out)}"}
        try:
            policyengine.evaluate(doc, pack, as_of=dt.date.fromisoformat(AS_OF))
        except FactsError:
            continue
        out.append(doc)
    return out


def baseline(
    documents: list[dict[str, Any]],
    pack: str,
    seconds: float,
    as_json: bool = False,
    omit: tuple[str, ...] = (),
) -> tuple[float, float]:
    """Evaluations per second of the library in this process, one document after another
    (``as_json``: and the result JSON written, as the service must, less the parts
    ``omit`` leaves out), and CPU seconds per evaluation."""
    import policyengine

    as_of = dt.date.fromisoformat(AS_OF)
    turn = itertools.cycle(documents)

    def one() -> None:
        result = policyengine.evaluate(next(turn), pack, as_of=as_of)
        if as_json:
            json.dumps(result.to_dict(omit=omit), ensure_ascii=False)

    for _ in range(200):  # warm-up: compile the pack, fill caches
        one()
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            one()
        count += 50
    return count / elapsed, (time.process_time() - cpu) / count


async def client(
    port: int, requests: list[bytes], stop: float, latencies: list[float], errors: list[str]
) -> None:
    """One keep-alive connection sending the requests in turn until ``stop``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    turn = itertools.cycle(requests)
    try:
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            writer.write(next(turn))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            latencies.append(time.perf_counter() - sent)
            if status != 200 or not body.startswith(b'{"pack"'):
                errors.append(f"status {status}: {body[:200]!r}")
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        errors.append(f"connection: {exc!r}")
    finally:
        writer.close()


async def load(
    port: int, bodies: list[bytes], clients: int, seconds: float
) -> tuple[list[float], list[str], float]:
    requests = [
        b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
        for body in bodies
    ]
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(
        *(
            client(port, requests[i:] + requests[:i], stop, latencies, errors)
            for i in range(clients)
        )
    )
    return latencies, errors, time.perf_counter() - start


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise SystemExit(f"wrk gave a time I cannot read: {text!r}")
    return float(found[1]) * _UNITS[found[2]]


def load_wrk(port: int, bodies: list[bytes], clients: int, seconds: float) -> dict[str, float]:
    """The load from ``wrk`` (one thread, ``clients`` connections, the bodies in turn): its
    own figures."""
    with tempfile.TemporaryDirectory() as tmp:
        # one body a line (compact JSON has no line breaks)
        (Path(tmp) / "bodies.jsonl").write_bytes(b"\n".join(bodies) + b"\n")
        script = Path(tmp) / "post.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            "local bodies = {}\n"
            f'for line in io.lines("{Path(tmp) / "bodies.jsonl"}") do\n'
            "  bodies[#bodies + 1] = line\n"
            "end\n"
            "local i = 0\n"
            "request = function()\n"
            "  i = i % #bodies + 1\n"
            "  return wrk.format(nil, nil, nil, bodies[i])\n"
            "end\n"
        )
        command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--latency", "-s", str(script)]
        out = subprocess.run(
            [*command, f"http://127.0.0.1:{port}/v1/evaluate"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def find(pattern: str) -> str:
        found = re.search(pattern, out)
        if found is None:
            raise SystemExit(f"wrk said something unexpected:\n{out}")
        return found.group(1)

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.findall(r"(?:connect|read|write|timeout) (\d+)", out)
    return {
        "requests": float(find(r"(\d+) requests in")),
        "rate": float(find(r"Requests/sec:\s+([\d.]+)")),
        "errors": float(sum(map(int, socket_errors)) + (int(non_2xx[1]) if non_2xx else 0)),
        "p50": _seconds(find(r"\s50%\s+(\S+)")),
        "p99": _seconds(find(r"\s99%\s+(\S+)")),
        "max": _seconds(find(r"Latency\s+\S+\s+\S+\s+(\S+)")),
    }


def load_python(port: int, bodies: list[bytes], clients: int, seconds: float) -> dict[str, float]:
    """The load from the asyncio client in this process."""
    latencies, errors, elapsed = asyncio.run(load(port, bodies, clients, seconds))
    for error in errors[:5]:
        print("  error:", error)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": float(len(latencies)),
        "rate": len(latencies) / elapsed,
        "errors": float(len(errors)),
        "p50": cuts[49],
        "p99": cuts[98],
        "max": max(latencies, default=0.0),
    }


def check_answer(port: int, body: bytes) -> None:
    """One request first: the answer must be a result (wrk counts statuses only)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/evaluate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        if not answer.read().startswith(b'{"pack"'):
            raise SystemExit("the service did not answer with a result")


def in_process(bodies: list[bytes], seconds: float, requests: int = 0) -> float:
    """CPU seconds per request of the service's application called in this process, with
    no HTTP: the ASGI app (started as ``serve`` starts it) given each body in turn as the
    server would give it. The server's CPU per request less this is what HTTP costs.
    ``requests``: exactly that many after the warm-up, however long they take."""
    from policyengine.server.app import create_app

    app = create_app()
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/evaluate",
        "headers": [(b"content-type", b"application/json")],
    }
    statuses: list[int] = []

    async def run() -> float:
        started: list[Any] = []
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await queue.put({"type": "lifespan.startup"})

        async def send_lifespan(message: Any) -> None:
            started.append(message)

        lifespan = asyncio.create_task(
            app({"type": "lifespan", "asgi": {"version": "3.0"}}, queue.get, send_lifespan)
        )
        while not started:
            await asyncio.sleep(0.01)

        async def one(body: bytes) -> None:
            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: Any) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            await app(scope, receive, send)

        for body in bodies:  # warm-up
            await one(body)
        count, start, cpu = 0, time.perf_counter(), time.process_time()
        if requests:
            for body in itertools.islice(itertools.cycle(bodies), requests):
                await one(body)
            count = requests
        while not requests and time.perf_counter() - start < seconds:
            for body in bodies:
                await one(body)
            count += len(bodies)
        spent = (time.process_time() - cpu) / max(count, 1)
        await queue.put({"type": "lifespan.shutdown"})
        await lifespan
        return spent

    spent = asyncio.run(run())
    if set(statuses) != {200}:
        raise SystemExit(f"the application answered {sorted(set(statuses))} in process")
    return spent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--baseline-seconds", type=float, default=5.0)
    p.add_argument("--pack", default="wuma-star-rating")
    p.add_argument("--facts", type=Path, default=ROOT / "examples" / "wuma-community.toml")
    p.add_argument(
        "--variants",
        type=int,
        default=200,
        help="communities made from --facts, sent in turn (1: the example alone)",
    )
    p.add_argument(
        "--serve-arg", action="append", default=[], help="passed to `policyengine serve`"
    )
    p.add_argument(
        "--client",
        choices=["wrk", "python"],
        default="wrk" if shutil.which("wrk") else "python",
        help="load generator: wrk (default when installed) or the asyncio client",
    )
    p.add_argument(
        "--app-requests",
        type=int,
        default=0,
        help="only call the application in this process N times (no server, no baseline) "
        "and print its CPU per request; under valgrind --tool=callgrind, the difference of "
        "two N is the instructions per request",
    )
    p.add_argument(
        "--omit",
        default="",
        help="parts of each result the requests leave out, separated by commas (findings, "
        "gaps): the body's omit; the library's evaluate + JSON leaves out the same",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="also load the same server answering one fixed result with no evaluation "
        "(benchmarks/bench_service.py:floor_app): what HTTP and the framework alone allow",
    )
    args = p.parse_args()

    facts = tomllib.loads(args.facts.read_text(encoding="utf-8"))
    documents = variants(facts, args.pack, args.variants)
    omit = tuple(part for part in args.omit.split(",") if part)
    asked = {"omit": list(omit)} if omit else {}
    bodies = [
        json.dumps(
            {"facts": doc, "pack": args.pack, "as_of": AS_OF, **asked},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        for doc in documents
    ]
    if args.app_requests:
        spent = in_process(bodies, 0.0, args.app_requests)
        print(f"application in process: {args.app_requests} requests, {spent * 1e6:,.0f} µs each")
        return 0
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}; client {args.client}; "
        f"serve {' '.join(args.serve_arg) or '(defaults)'}; {len(documents)} communities in turn"
        + (f"; omit {', '.join(omit)}" if omit else "")
    )
    before, cpu_lib_before = baseline(documents, args.pack, args.baseline_seconds)
    port = free_port()
    run = load_wrk if args.client == "wrk" else load_python
    server = start_server(port, args.serve_arg)
    got, cpu_served = measured(server, port, bodies, run, args.clients, args.seconds, check=True)
    after, cpu_lib_after = baseline(documents, args.pack, args.baseline_seconds)
    with_json, cpu_json = baseline(
        documents, args.pack, args.baseline_seconds, as_json=True, omit=omit
    )
    cpu_app = in_process(bodies, args.baseline_seconds)
    cpu_lib = (cpu_lib_before + cpu_lib_after) / 2

    library = (before + after) / 2
    served = got["rate"]
    print(f"library evaluate(dict): {before:,.0f}/s before, {after:,.0f}/s after the load")
    less = f" less {', '.join(omit)}" if omit else ""
    print(f"library evaluate(dict) + result JSON{less}: {with_json:,.0f}/s after the load")
    print(
        f"service: {args.clients} clients × {args.seconds:g} s, {got['requests']:,.0f} requests, "
        f"{got['errors']:.0f} errors"
    )
    print(
        f"  requests/s {served:,.0f} ({served / library:.0%} of the library's evaluate, "
        f"{served / with_json:.0%} of evaluate + JSON); "
        f"p50 {got['p50'] * 1000:.1f} ms, p99 {got['p99'] * 1000:.1f} ms, "
        f"max {got['max'] * 1000:.1f} ms"
    )
    print(
        f"  targets: zero errors {'met' if not got['errors'] else 'MISSED'}; "
        f"p99 ≤ 50 ms {'met' if got['p99'] <= 0.050 else 'MISSED'}; "
        f"≥ half the library's {'met' if served >= library / 2 else 'MISSED'}"
    )
    if cpu_served is not None:
        print(
            f"  CPU per request in the server: {cpu_served * 1e6:,.0f} µs; per library "
            f"evaluate {cpu_lib * 1e6:,.0f} µs, evaluate + JSON {cpu_json * 1e6:,.0f} µs "
            f"(service/library {cpu_served / cpu_lib:.1f}×; what noise on a busy machine "
            "changes least)"
        )
        print(
            f"  of which the application, called in this process with no HTTP: "
            f"{cpu_app * 1e6:,.0f} µs; HTTP and the server: {(cpu_served - cpu_app) * 1e6:,.0f} µs"
        )
    if args.floor:
        port = free_port()
        floor = start_floor(port, args.serve_arg)
        bare, cpu_bare = measured(floor, port, bodies, run, args.clients, args.seconds)
        per = f", {cpu_bare * 1e6:,.0f} µs CPU per request" if cpu_bare is not None else ""
        print(
            f"floor (the same server answering one fixed result, no evaluation): "
            f"{bare['rate']:,.0f} requests/s{per}, p99 {bare['p99'] * 1000:.1f} ms"
        )
    return 1 if got["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
