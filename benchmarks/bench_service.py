"""Load test of the HTTP service, with the library's own throughput as the baseline.

Starts ``policyengine serve`` on a free port of 127.0.0.1, then runs C concurrent clients
(keep-alive connections, one request in flight each) posting one community against one pack
to ``POST /v1/evaluate`` for D seconds. Reports errors, p50/p99 latency and requests/s. The
baseline, measured in the same run just before and just after the load, is the library's
single-process throughput: ``policyengine.evaluate(dict, pack)`` in a loop.

    python benchmarks/bench_service.py                      # 32 clients, 20 s, wuma-star-rating
    python benchmarks/bench_service.py --clients 8 --seconds 5 --serve-arg=--threads=2

Targets: zero errors, p99 ≤ 50 ms, and at least half the baseline's
throughput. The exit code is 1 when there was any error. Needs the ``[server]`` extra.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2014-12-31"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, extra: list[str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "policyengine", "serve", "--port", str(port), *extra]
    server = subprocess.Popen(command)
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


def baseline(facts: dict[str, object], pack: str, seconds: float, as_json: bool = False) -> float:
    """Evaluations per second of the library in this process (``as_json``: and the result
    JSON written, as the service must)."""
    import policyengine

    as_of = dt.date.fromisoformat(AS_OF)

    def one() -> None:
        result = policyengine.evaluate(facts, pack, as_of=as_of)
        if as_json:
            json.dumps(result.to_dict(), ensure_ascii=False)

    for _ in range(200):  # warm-up: compile the pack, fill caches
        one()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            one()
        count += 50
    return count / elapsed


async def client(
    port: int, request: bytes, stop: float, latencies: list[float], errors: list[str]
) -> None:
    """One keep-alive connection sending the same request until ``stop``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            writer.write(request)
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
    port: int, body: bytes, clients: int, seconds: float
) -> tuple[list[float], list[str], float]:
    request = (
        b"POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(*(client(port, request, stop, latencies, errors) for _ in range(clients)))
    return latencies, errors, time.perf_counter() - start


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--baseline-seconds", type=float, default=5.0)
    p.add_argument("--pack", default="wuma-star-rating")
    p.add_argument("--facts", type=Path, default=ROOT / "examples" / "wuma-community.toml")
    p.add_argument(
        "--serve-arg", action="append", default=[], help="passed to `policyengine serve`"
    )
    args = p.parse_args()

    facts = tomllib.loads(args.facts.read_text(encoding="utf-8"))
    body = json.dumps(
        {"facts": facts, "pack": args.pack, "as_of": AS_OF}, ensure_ascii=False
    ).encode()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    before = baseline(facts, args.pack, args.baseline_seconds)
    port = free_port()
    server = start_server(port, args.serve_arg)
    try:
        asyncio.run(load(port, body, 4, 1.0))  # warm-up
        latencies, errors, elapsed = asyncio.run(load(port, body, args.clients, args.seconds))
    finally:
        server.terminate()
        server.wait(10)
    after = baseline(facts, args.pack, args.baseline_seconds)
    with_json = baseline(facts, args.pack, args.baseline_seconds, as_json=True)

    library = (before + after) / 2
    served = len(latencies) / elapsed
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    print(f"library evaluate(dict): {before:,.0f}/s before, {after:,.0f}/s after the load")
    print(f"library evaluate(dict) + result JSON: {with_json:,.0f}/s after the load")
    print(
        f"service: {args.clients} clients × {args.seconds:g} s, {len(latencies):,} requests, "
        f"{len(errors)} errors"
    )
    print(
        f"  requests/s {served:,.0f} ({served / library:.0%} of the library's); "
        f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, "
        f"max {max(latencies, default=0) * 1000:.1f} ms"
    )
    for error in errors[:5]:
        print("  error:", error)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
