"""The memory and time one small request can ask of the service: a street of N communities
against every pack, posted to the service's application in this process (as ``serve`` starts
it, no HTTP). Prints the status, the size of the answer, the seconds it took and the peak
resident memory of the process. Needs the ``[server]`` extra.

    python benchmarks/bench_answer_size.py                   # 4,000 communities, 10 s limit
    python benchmarks/bench_answer_size.py --timeout 100     # the time limit out of the way
    python benchmarks/bench_answer_size.py --max-answer-bytes 1000000000

With the defaults of ``serve`` (a 64 MiB answer, 10 s) the answer is refused (413) or stopped
(503) before it is all held; figures are in docs/performance.md ("The tenth round").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from typing import Any

PLACE = ["浙江省", "温州市", "鹿城区", "五马街道"]


def body(communities: int) -> bytes:
    """A street of ``communities`` communities that give only their place: the smallest
    body per community, the most answer per byte of body."""
    facts = {
        "jurisdiction": {"id": "j", "name": "五马街道", "level": "street"},
        "communities": [
            {"community": {"id": f"c{i}", "jurisdiction": PLACE}} for i in range(communities)
        ],
    }
    return json.dumps({"facts": facts, "pack": "all", "as_of": "2014-12-31"}).encode()


async def post(app: Any, data: bytes) -> tuple[int, int]:
    """Start the application, post ``data`` to ``/v1/evaluate``: (status, answer bytes)."""
    startup: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await startup.put({"type": "lifespan.startup"})
    started: list[Any] = []

    async def lifespan_send(message: Any) -> None:
        started.append(message)

    lifespan = {"type": "lifespan", "asgi": {"version": "3.0"}}
    task = asyncio.create_task(app(lifespan, startup.get, lifespan_send))
    while not started:
        await asyncio.sleep(0.01)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": data, "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/evaluate",
        "headers": [(b"content-type", b"application/json")],
        "query_string": b"",
    }
    await app(scope, receive, send)
    task.cancel()
    return sent[0]["status"], len(sent[1]["body"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--communities", type=int, default=4000)
    p.add_argument("--timeout", type=float, default=10.0, help="serve --timeout (10 s)")
    p.add_argument(
        "--max-answer-bytes", type=int, default=None, help="serve --max-answer-bytes (its default)"
    )
    args = p.parse_args()

    from policyengine.server.app import create_app
    from policyengine.server.settings import Settings

    limits: dict[str, Any] = {"timeout_seconds": args.timeout, "max_body_bytes": 1 << 30}
    if args.max_answer_bytes is not None and "max_answer_bytes" in Settings.__annotations__:
        limits["max_answer_bytes"] = args.max_answer_bytes
    data = body(args.communities)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    status, size = asyncio.run(post(create_app(Settings(**limits)), data))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"body {len(data):,} bytes ({args.communities:,} communities, every pack): "
        f"status {status}, answer {size:,} bytes, {seconds:.1f} s, "
        f"peak RSS {peak:,.0f} MB ({before:,.0f} MB before)"
    )


if __name__ == "__main__":
    main()
