"""``policyengine serve [--host 127.0.0.1] [--port 8000]``: the HTTP service (extra ``[server]``).

The service and its limits are described in :mod:`policyengine.server.app` and
``docs/how-to/serve.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
from typing import Any

from policyengine import api
from policyengine.builtins.options import add_decision_log_options, decision_log_of
from policyengine.contracts import EXIT_INPUT, EXIT_OK, Command, Streams
from policyengine.hookspecs import hookimpl

__all__ = ["MISSING_EXTRA", "register_commands", "server_installed"]

MISSING_EXTRA = (
    "policyengine serve needs the [server] extra (FastAPI and uvicorn): "
    "python -m pip install 'community-policyengine[server]'"
)


def server_installed() -> bool:
    """True when the ``[server]`` extra's packages can be imported."""
    return all(importlib.util.find_spec(name) is not None for name in ("fastapi", "uvicorn"))


def _port(text: str) -> int:
    """A TCP port: a whole number from 0 to 65535 (uvicorn waits silently on 99999)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (a whole number, 0 to 65535)")
    return port


def _count(text: str) -> int:
    """A whole number of at least 1 (threads, processes, bytes): 0 would answer nothing."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return n


def _seconds(text: str) -> float:
    """A time limit: a number of seconds above 0 (0, a negative number or nan would refuse
    every evaluation; inf would be no limit)."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return seconds


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    p.add_argument(
        "--max-body-bytes",
        type=_count,
        default=1_048_576,
        metavar="N",
        help="largest body of POST /v1/evaluate (1 MiB); larger is 413",
    )
    p.add_argument(
        "--max-batch-bytes",
        type=_count,
        default=64 * 1_048_576,
        metavar="N",
        help="largest body of POST /v1/evaluate/batch (64 MiB); larger is 413",
    )
    p.add_argument(
        "--max-answer-bytes",
        type=_count,
        default=64 * 1_048_576,
        metavar="N",
        help="largest answer of POST /v1/evaluate, and of one line of a batch (64 MiB); "
        "larger is 413",
    )
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="longest one evaluation may take (10 s); longer is 503",
    )
    p.add_argument(
        "--body-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="longest wait for the next part of a request's body (60 s); longer is 408 and "
        "the connection is closed",
    )
    p.add_argument(
        "--threads",
        type=_count,
        default=4,
        metavar="N",
        help="evaluations running at once in worker threads (4)",
    )
    p.add_argument(
        "--http",
        choices=["h11", "httptools"],
        default="h11",
        help="HTTP/1.1 parser: h11 (default) reads every request; httptools is about twice as "
        "fast but drops the body of a request offering an upgrade (`Upgrade: h2c`, sent by "
        "Java's HttpClient by default): use it only behind a proxy such as nginx",
    )
    p.add_argument(
        "--workers",
        type=_count,
        default=1,
        metavar="N",
        help="processes answering on the same port (1); evaluation is CPU-bound, so up to "
        "one per core",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per request on standard error (off: a reverse proxy logs them)",
    )
    add_decision_log_options(p)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    if not server_installed():
        print(MISSING_EXTRA, file=streams.stderr)
        return EXIT_INPUT
    import uvicorn

    from policyengine.server.app import SETTINGS_VARIABLE, Settings, create_app, settings_to_json

    settings = Settings(
        max_body_bytes=args.max_body_bytes,
        max_batch_bytes=args.max_batch_bytes,
        max_answer_bytes=args.max_answer_bytes,
        timeout_seconds=args.timeout,
        body_timeout_seconds=args.body_timeout,
        threads=args.threads,
        decision_log=decision_log_of(args),
    )
    api.installed_packs()  # a pack that cannot be loaded is reported here, before serving
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "http": args.http,
        "log_level": "info" if args.access_log else "warning",
        "access_log": args.access_log,
    }
    try:
        if args.workers > 1:  # each worker process builds the app from the environment
            os.environ[SETTINGS_VARIABLE] = settings_to_json(settings)
            uvicorn.run(
                "policyengine.server.app:app_from_environment",
                factory=True,
                workers=args.workers,
                **options,
            )
        else:
            uvicorn.run(create_app(settings), **options)
    except SystemExit as exc:  # uvicorn exits when it cannot listen, after saying why
        if exc.code:
            print(
                f"policyengine serve: the service could not start on {args.host}:{args.port}",
                file=streams.stderr,
            )
            return EXIT_INPUT
    return EXIT_OK


@hookimpl
def register_commands() -> list[Command]:
    """The ``serve`` command."""
    return [Command("serve", "run the HTTP service (extra [server])", _configure, _run)]
