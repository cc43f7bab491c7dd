"""``POST /v1/evaluate`` answered straight from ASGI messages: the service's hot path
(and ``HEAD`` answered as ``GET`` without its body, on every path).

The route FastAPI declares (and documents in the OpenAPI) answers the same way, but through
Starlette's routing, request object and exception middleware, which cost more per request
than the evaluation itself. This middleware reads the body from the ASGI messages, checks
it with the library's own validator (so problems name their field paths, as everywhere),
and sends the bytes the evaluation wrote. Every other request goes on to FastAPI.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from policyengine.server.answers import json_bytes
from policyengine.server.errors import (
    ServiceError,
    body_timeout_error,
    refuse_by_headers,
    too_large,
    upgrade_lost,
)

__all__ = ["LeanEvaluate", "receive_within"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PATH = "/v1/evaluate"


class LeanEvaluate:
    """ASGI middleware answering ``POST /v1/evaluate`` with ``answer(body)``."""

    def __init__(
        self,
        app: ASGIApp,
        answer: Callable[[bytes, bytes], Awaitable[bytes]],
        limit: int,
        body_timeout: float = 60.0,
    ) -> None:
        self.app = app
        self.answer = answer
        self.limit = limit
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "HEAD":
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
            return
        if scope["type"] != "http" or scope["path"] != _PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._body(scope, receive)
            offered = _offered_upgrade(scope)
            if not body and offered is not None:
                raise ServiceError(400, upgrade_lost(offered))
            status, answer = 200, await self.answer(body, scope.get("query_string", b""))
        except ServiceError as exc:
            status = exc.status
            answer = json_bytes(exc.answer())
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(answer)).encode()),
                    *([(b"connection", b"close")] if status == 408 else []),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer})

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        refuse_by_headers(scope["headers"], self.limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive_within(receive, self.body_timeout)
            if message["type"] != "http.request":  # the client went away
                raise ServiceError(400, "the client closed the connection")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise too_large(self.limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class _Watch:
    """The body reads waiting on one event loop, each with the time it must end by: one timer
    checks them all, every quarter of the shortest limit (at most every second), rather than
    a timer set and cancelled for every request (3 µs on every request; ``anyio.fail_after``
    took 11)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.deadlines: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self.every = 1.0
        self.armed = False

    def add(self, task: asyncio.Task[Any], seconds: float) -> None:
        self.deadlines[task] = self.loop.time() + seconds
        self.every = min(self.every, seconds / 4)
        if not self.armed:
            self.armed = True
            self.loop.call_later(self.every, self.check)

    def check(self) -> None:
        now = self.loop.time()
        for task, deadline in list(self.deadlines.items()):
            if deadline <= now:
                del self.deadlines[task]
                self.expired.add(task)
                task.cancel()
        self.armed = bool(self.deadlines)
        if self.armed:
            self.loop.call_later(self.every, self.check)


_WATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watch] = weakref.WeakKeyDictionary()


async def receive_within(receive: Receive, seconds: float) -> Message:
    """The next ASGI message, or a 408 when the client sends nothing for ``seconds`` (up to
    a quarter more): a body shorter than its ``Content-Length``, or a chunked body never
    ended, held the connection (and what had arrived) for ever."""
    loop = asyncio.get_running_loop()
    watch = _WATCHES.get(loop)
    if watch is None:
        watch = _WATCHES[loop] = _Watch(loop)
    task = asyncio.current_task()
    assert task is not None
    watch.add(task, seconds)
    try:
        return await receive()
    except asyncio.CancelledError:
        if task in watch.expired:
            watch.expired.discard(task)
            task.uncancel()
            raise ServiceError(408, body_timeout_error(seconds)) from None
        raise
    finally:
        watch.deadlines.pop(task, None)


def _without_body(send: Send) -> Send:
    """``send`` for a HEAD request answered as its GET: the status and headers, no body
    (RFC 9110 §9.3.2; FastAPI's routes take GET only)."""

    async def head(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return head


def _offered_upgrade(scope: Scope) -> str | None:
    """The protocol a request with a body offers to upgrade to (None: it offers none)."""
    headers = dict(scope["headers"])
    length = headers.get(b"content-length", b"")
    if b"upgrade" in headers and length.isdigit() and int(length) > 0:
        return str(headers[b"upgrade"].decode("latin-1"))
    return None
