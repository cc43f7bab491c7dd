"""The HTTP service: an ASGI application (FastAPI) over the Python API.

Endpoints (results.md "Service")::

    POST /v1/evaluate         {"facts", "pack": ID | [ID, …] | "all", "as_of", "lang", "omit"}
                              → result(s)
    POST /v1/evaluate/batch   JSON Lines of facts, ?pack=&as_of=&lang=&omit= → JSON Lines
    GET  /v1/packs            installed packs
    GET  /v1/packs/{id}       one pack: rules, parameters by date and source, document
    GET  /v1/schema/facts     JSON Schema (2020-12) of the facts document
    GET  /v1/schema/result    JSON Schema (2020-12) of a result
    GET  /healthz             200 when ready (every GET also answers HEAD, with no body)
    GET  /openapi.json, /docs the OpenAPI description, generated

Errors: malformed JSON 400; unknown pack 404; a body over the limit 413; bad facts or a bad
request field 422 with ``problems`` (``path``, ``value``, ``message``); an evaluation over
the time limit 503. Packs are loaded and compiled once, before the first request; each
evaluation runs in a worker thread so the event loop keeps answering. The service reads
no file: a facts document's ``include`` is refused.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import anyio
import attrs
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from policyengine import __version__, api, json_input
from policyengine.decisionlog import DecisionLog
from policyengine.documents import not_utf8, structure_subject, too_deep
from policyengine.exceptions import FactsError
from policyengine.facts import Community, Jurisdiction
from policyengine.gaps import compile_what_if
from policyengine.i18n import problem_text
from policyengine.limits import MAX_NESTING
from policyengine.pack import Pack
from policyengine.schemas import facts_schema, packs_facts_schema, result_schema
from policyengine.server import fields
from policyengine.server.answers import JSONAnswer, answer_bytes, json_bytes
from policyengine.server.describe import pack_description, pack_summary
from policyengine.server.errors import (
    MAX_PROBLEMS,
    ServiceError,
    refuse_by_headers,
    said,
    too_large,
    upgrade_lost,
)
from policyengine.server.errors import problem as _problem
from policyengine.server.evaluator import Decided, Evaluator
from policyengine.server.fields import LANGUAGES
from policyengine.server.lean import LeanEvaluate, receive_within
from policyengine.server.openapi import openapi_document
from policyengine.server.settings import Settings

__all__ = [
    "INLINE_BODY_BYTES",
    "LANGUAGES",
    "SETTINGS_VARIABLE",
    "ServiceError",
    "Settings",
    "app_from_environment",
    "create_app",
    "settings_to_json",
]

_JSON = "application/json"
_JSONL = "application/x-ndjson"


INLINE_BODY_BYTES = 64 * 1024
"""The largest body of one community evaluated on the event loop (a community's document is
1-2 KB); a larger one goes to a worker thread, as a jurisdiction does."""

SETTINGS_VARIABLE = "POLICYENGINE_SERVE_SETTINGS"
"""How ``serve --workers N`` hands its settings to each worker process (JSON)."""


def settings_to_json(settings: Settings) -> str:
    """Settings as JSON for worker processes."""
    log = settings.decision_log
    return json.dumps(
        {
            **attrs.asdict(settings, recurse=False, filter=lambda a, _: a.name != "decision_log"),
            "decision_log": None
            if log is None
            else {"path": str(log.path), "log_facts": log.log_facts, "mask_names": log.mask_names},
        }
    )


def app_from_environment() -> FastAPI:
    """The application with the settings a parent ``serve --workers N`` put in the environment."""
    data = json.loads(os.environ.get(SETTINGS_VARIABLE, "{}"))
    log = data.pop("decision_log", None)
    return create_app(Settings(**data, decision_log=DecisionLog(**log) if log else None))


_LEADING_INDEX = re.compile(r"\[([0-9]{1,9})\]")
"""A list position in a problem's path (ASCII digits: "[²]" is a key, not a position)."""


def _longest_key(node: dict[Any, Any], rest: str, lengths: dict[int, set[int]]) -> str | None:
    """The longest key of a table that the rest of a path starts with, followed by the
    path's end, "." or "[" (a key may itself hold "." or "["). Looked up by length, not by
    trying every key: for each of 70,000 unknown keys of one table, going through the others
    took minutes. ``lengths``: the tables' key lengths by id, kept while one document's
    problems are located."""
    found = lengths.get(id(node))
    if found is None:
        found = lengths[id(node)] = {len(k) for k in node if isinstance(k, str)}
    ends = {i for i, c in enumerate(rest) if c in ".["}
    ends.add(len(rest))
    for end in sorted(ends & found, reverse=True):
        if rest[:end] in node:
            return rest[:end]
    return None


def _locate(
    document: Any, path: str, lengths: dict[int, set[int]] | None = None
) -> tuple[Any, str]:
    """The value at a problem's path and the path as the document writes it. A key may
    itself hold "." or "[" (``"x.y"``, ``"jurisdiction[0]"``: an unknown key's problem names
    it): at each table the longest key the rest of the path starts with is taken. A table
    given where a list of tables may be (``communities = {…}``) is read as a list of one:
    its ``[0]`` is not in the document, nor in the path said. ``lengths``: as
    :func:`_longest_key` keeps them, shared by the problems of one document."""
    lengths = {} if lengths is None else lengths
    node, rest, written = document, path, ""
    while rest:
        index = _LEADING_INDEX.match(rest)
        if isinstance(node, list):
            if index is None:
                return None, path
            at = int(index.group(1))
            node = node[at] if at < len(node) else None
            written += index.group(0)
            rest = rest[index.end() :]
            if rest.startswith("."):
                written, rest = written + ".", rest[1:]
        elif isinstance(node, dict) and index is not None and index.group(1) == "0":
            rest = rest[index.end() :].removeprefix(".")  # a lone table: the list's only one
            written = written.removesuffix(".") + ("." if rest else "")
        elif isinstance(node, dict):
            key = _longest_key(node, rest, lengths)
            if key is None:
                return None, path
            node, rest = node[key], rest[len(key) :]
            written += key
            if rest.startswith("."):
                written, rest = written + ".", rest[1:]
        else:
            return None, path
    return node, written


def _includes(document: Any, path: str = "") -> Iterator[str]:
    """Paths of ``include`` entries: the service reads no files."""
    if not isinstance(document, dict) or "jurisdiction" not in document:
        return
    entries = document.get("communities", [])
    entries = [entries] if isinstance(entries, dict) else entries
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and "include" in entry:
            yield f"{path}communities[{i}].include"
    children = document.get("jurisdictions", [])
    for i, child in enumerate(children if isinstance(children, list) else []):
        yield from _includes(child, f"{path}jurisdictions[{i}].")


def subject_of(document: Any, prefix: str = "", lang: str = "zh") -> Community | Jurisdiction:
    """Typed facts, or a 422 listing every problem with its path, value and message (in
    ``lang``: Chinese by default, as results are)."""
    try:
        includes = list(_includes(document))
    except RecursionError:
        includes = []  # structuring below reports the depth
    said = problem_text("the service reads no files: write the communities inline", lang)
    lengths: dict[int, set[int]] = {}
    refused = [
        _problem(prefix + written, value, said)
        for value, written in (_locate(document, p, lengths) for p in includes[:MAX_PROBLEMS])
    ]
    if refused:
        more = len(includes) - len(refused)
        raise ServiceError(
            422, "the facts document has problems", problems=refused, problems_unlisted=more
        )
    deep = too_deep(document)  # as a facts file: at most MAX_NESTING levels
    if deep is not None:
        message = f"tables and lists nest deeper than {MAX_NESTING} levels"
        where = prefix + deep if deep else prefix.rstrip(".")
        problem = _problem(where, None, problem_text(message, lang))
        raise ServiceError(422, "the facts document has problems", problems=[problem])
    try:
        return structure_subject(document)
    except RecursionError:
        raise ServiceError(
            422,
            "the facts document has problems",
            problems=[_problem(prefix.rstrip("."), None, "is nested too deeply")],
        ) from None
    except FactsError as exc:
        problems = []
        for p in exc.problems[:MAX_PROBLEMS]:  # each said costs: only those listed
            value, written = _locate(document, p.path, lengths)
            where = prefix + written if p.path else prefix.rstrip(".")
            problems.append(_problem(where, value, problem_text(p.message, lang)))
        more = len(exc.problems) - len(problems)
        raise ServiceError(
            422, "the facts document has problems", problems=problems, problems_unlisted=more
        ) from None


def _parse_json(body: bytes, what: str) -> Any:
    try:
        return json_input.loads(body)
    except UnicodeDecodeError as exc:
        said = not_utf8(body[exc.start], exc.start, file=False)
        raise ServiceError(400, f"{what} is {said}") from None
    except ValueError as exc:
        raise ServiceError(400, f"{what} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ServiceError(400, f"{what} is nested too deeply to read") from None


async def _read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The body, or a 413 past ``limit`` bytes, or a 408 when nothing arrives for
    ``timeout`` seconds (see :func:`policyengine.server.lean.receive_within`)."""
    length = request.headers.get("content-length", "")
    refuse_by_headers(request.scope["headers"], limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive_within(request.receive, timeout)
        if message["type"] != "http.request":  # the client went away
            raise ServiceError(400, "the client closed the connection")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if size == 0 and length.isdigit() and int(length) > 0 and "upgrade" in request.headers:
        raise ServiceError(400, upgrade_lost(request.headers["upgrade"]))
    return b"".join(chunks)


def _numbered_lines(body: bytes) -> Iterator[tuple[int, bytes]]:
    """The lines of a batch, numbered from 1, one at a time: ``body.split(b"\\n")`` made every
    line at once, a list of 22 million objects (about 1 GB) for a 64 MiB batch of ``{}``
    lines."""
    start, number = 0, 1
    while start <= len(body):
        end = body.find(b"\n", start)
        end = len(body) if end < 0 else end
        yield number, body[start:end]
        start, number = end + 1, number + 1


def _one_community(facts: Any) -> bool:
    """Whether the facts are one community's document (no jurisdiction, no includes)."""
    return isinstance(facts, dict) and "jurisdiction" not in facts and "include" not in facts


def warm_up(installed: Mapping[str, Pack]) -> None:
    """Compile every pack for both levels once, before requests share them."""
    for pack in installed.values():
        api.evaluate({"community": {"id": "warm-up"}}, pack)
        api.evaluate({"jurisdiction": {"id": "warm-up"}}, pack)
        compile_what_if(pack)  # what a band gap evaluates again


def create_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI application."""
    settings = settings or Settings()
    evaluator = Evaluator(settings)
    state: dict[str, Any] = {"ready": False}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        installed = api.installed_packs()
        await anyio.to_thread.run_sync(warm_up, installed)
        state["packs"] = installed
        # what start-up made (modules, packs, plans) lives as long as the process: moved out
        # of the collector's reach, so that its full collections, which pause every request
        # in flight, walk only what requests make (tail latency: see docs/performance.md)
        gc.collect()
        gc.freeze()
        state["ready"] = True
        yield

    # FastAPIOffline: /docs loads Swagger UI from this server (the fastapi-offline package),
    # where FastAPI's own page fetched it from a CDN: blank on an intranet with no way out
    app = FastAPIOffline(
        title="policyengine",
        version=__version__,
        summary="Evaluate facts about communities (社区) against policy packs.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs/assets",
        # "/v1/packs/" is not a path of the service: a 404, not a 307 to an http:// URL
        # (behind a TLS proxy) that a POST would have to send its body to again
        redirect_slashes=False,
    )

    def installed() -> Mapping[str, Pack]:
        packs: Mapping[str, Pack] = state.get("packs") or api.installed_packs()
        return packs

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        # a body that stopped arriving (408) leaves the connection mid-request: closed
        headers = {"connection": "close"} if exc.status == 408 else None
        return JSONAnswer(exc.answer(), status_code=exc.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # routing's own answers (no such path, a method the path does not take) in the
        # shape of every other error: {"error": …} (the OpenAPI's Error)
        words = {404: "no such path", 405: "method not allowed on this path"}
        error = words.get(exc.status_code, str(exc.detail))
        body = said({"error": error})
        return JSONAnswer(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own refusals (a query parameter missing) said as the service's are, in
        # the language the request asks for
        lang = fields.request_lang({"lang": request.query_params.get("lang")})
        problems = [
            _problem(
                ".".join(str(p) for p in e.get("loc", ())[1:]),
                e.get("input"),
                problem_text("is required" if e.get("type") == "missing" else e["msg"], lang),
            )
            for e in exc.errors()
        ]
        body = said({"error": "bad request", "problems": problems}, lang)
        return JSONAnswer(body, status_code=422)

    async def evaluate_body(body: bytes, query: bytes = b"") -> bytes:
        """The answer to ``POST /v1/evaluate`` with this body (or a ServiceError); a query
        string (``?lang=en``) is refused, never ignored: the fields are the body's."""
        data = _parse_json(body, "the body")
        try:
            if query:
                raise ServiceError(422, "bad request", problems=fields.query_on_evaluate(query))
            facts, pack_value, as_of_value, lang_value, omit_value, problems = (
                fields.evaluation_request(data)
            )
            # every bad field at once (an unknown pack, a 404, only when the rest is good)
            as_of = fields.collect(problems, fields.as_of, as_of_value)
            lang = fields.collect(problems, fields.language, lang_value) or "zh"
            omit = fields.collect(problems, fields.omitted, omit_value) or frozenset()
            packs = None
            if pack_value is not None or "pack" in data:
                packs = fields.collect(
                    problems, fields.packs, pack_value, installed(), defer=bool(problems)
                )
            if problems or packs is None:
                raise ServiceError(422, "bad request", problems=problems)
        except ServiceError as exc:
            raise fields.said_in(exc, fields.request_lang(data)) from None

        decided: Decided = []

        def work() -> bytes:
            subject = subject_of(facts, "facts.", lang)
            results = evaluator.results(subject, packs, as_of, lang)
            evaluator.keep(decided, subject, results)
            single = isinstance(pack_value, str) and pack_value != "all"
            return answer_bytes(results, single, settings.max_answer_bytes, omit)

        try:
            if _one_community(facts) and len(body) <= INLINE_BODY_BYTES:
                # One community costs well under a millisecond a pack: answered here,
                # without the hop to a worker thread (which costs more than the evaluation
                # under 32 clients). A jurisdiction, whose cost grows with its communities,
                # and a body larger than any community's goes to a worker thread under the
                # time limit: reading 1 MiB of bad values takes seconds, which here would
                # hold every other request.
                answer = evaluator.guarded(work)
            else:
                answer = await evaluator.run(work)
            evaluator.logged(decided)
        except ServiceError as exc:  # the facts' problems, the time limit: in its language
            exc.lang = lang
            raise
        return answer

    @app.post("/v1/evaluate", operation_id="evaluate")
    async def evaluate(request: Request) -> Response:
        """Evaluate one facts document against one pack, several, or all."""
        body = await _read_body(request, settings.max_body_bytes, settings.body_timeout_seconds)
        return Response(await evaluate_body(body, request.url.query.encode()), media_type=_JSON)

    @app.post("/v1/evaluate/batch", operation_id="evaluateBatch")
    async def evaluate_batch(
        request: Request,
        pack: str = Query(
            description="a pack id, several separated by commas, or all",
            json_schema_extra={"pattern": fields.PACK_IDS},
        ),
        as_of: str | None = Query(None, description="evaluation date (default: today)"),
        lang: str | None = Query(None, description="language of messages"),
        omit: str | None = Query(
            None,
            description="parts of each result left out, separated by commas: findings, gaps",
            json_schema_extra={"pattern": fields.OMIT_PARTS},
        ),
    ) -> StreamingResponse:
        """Evaluate JSON Lines of facts documents; answer JSON Lines, one result a line."""
        extra = fields.query_problems(request, ("pack", "as_of", "lang", "omit"))
        if extra:  # as an unknown field of POST /v1/evaluate's body, or a key given twice
            error = ServiceError(422, "bad request", problems=extra)
            repeated = len(request.query_params.getlist("lang")) > 1
            raise fields.said_in(error, fields.request_lang({"lang": None if repeated else lang}))
        try:
            ids = pack.split(",") if pack != "all" else "all"
            packs = fields.packs(ids, installed(), "pack", positions=False, given=pack)
            day, language = fields.as_of(as_of), fields.language(lang)
            parts = fields.omitted(omit and omit.split(","), positions=False, given=omit)
        except ServiceError as exc:
            raise fields.said_in(exc, fields.request_lang({"lang": lang})) from None
        # The body is read before answering: the answer streams while the client waits, and
        # a body over the limit is a 413 rather than a broken stream.
        body = await _read_body(request, settings.max_batch_bytes, settings.body_timeout_seconds)

        def line_error(number: int, exc: ServiceError) -> bytes:
            """A batch line's answer when it has none: its number, status and error."""
            said = fields.said_in(exc, language).answer()
            return json_bytes({"line": number, "status": exc.status, **said}) + b"\n"

        def line_work(number: int, line: bytes, decided: Decided) -> bytes:
            try:
                document = _parse_json(line, f"line {number}")
                subject = subject_of(document, lang=language)
                results = evaluator.results(subject, packs, day, language)
                evaluator.keep(decided, subject, results)
            except ServiceError as exc:
                return line_error(number, exc)
            except RecursionError:
                problems = [_problem("", None, "is nested too deeply to evaluate")]
                deep = ServiceError(422, "the facts document has problems", problems=problems)
                return line_error(number, deep)
            limit = settings.max_answer_bytes  # over it: a 413 line, no decision logged
            return b"".join(answer_bytes([r], True, limit, parts) + b"\n" for r in results)

        async def lines() -> AsyncIterator[bytes]:
            for number, line in _numbered_lines(body):
                if line.strip():
                    decided: Decided = []
                    try:
                        said = await evaluator.run(
                            functools.partial(line_work, number, line, decided)
                        )
                        evaluator.logged(decided)  # the line's decisions, once answered
                        yield said
                    except ServiceError as exc:  # over the time limit: say so, go on
                        yield line_error(number, exc)

        return StreamingResponse(lines(), media_type=_JSONL)

    def refuse_query(request: Request, expected: Sequence[str] = ()) -> None:
        """A 422 (in Chinese, as results are by default) for a query parameter the endpoint
        does not read: ``/v1/packs?id=x`` answered every pack, as if it had been heard."""
        extra = fields.query_problems(request, expected)
        if extra:
            raise fields.said_in(ServiceError(422, "bad request", problems=extra), "zh")

    @app.get("/v1/packs", operation_id="listPacks")
    async def list_packs(request: Request) -> JSONResponse:
        """Installed packs: id, version, digest, titles, region, source document."""
        refuse_query(request)
        return JSONResponse([pack_summary(p) for p in installed().values()])

    @app.get("/v1/packs/{pack_id}", operation_id="describePack")
    async def describe_pack(request: Request, pack_id: str) -> JSONResponse:
        """One pack: its rules, parameters (values by date, with clause and source), document."""
        refuse_query(request)
        packs = installed()
        if pack_id not in packs:
            raise ServiceError(
                404,
                f"unknown pack {fields.named(pack_id)}",
                unknown=[pack_id],
                installed=list(packs),
            )
        return JSONResponse(pack_description(packs[pack_id]))

    facts_doc, result_doc = facts_schema(), result_schema()

    @app.get("/v1/schema/facts", operation_id="factsSchema")
    async def schema_facts(
        request: Request,
        pack: str | None = Query(
            None,
            description="with the facts these packs declare: ids separated by commas, or all",
            json_schema_extra={"pattern": fields.PACK_IDS},
        ),
    ) -> JSONResponse:
        """JSON Schema (2020-12) of the facts document (with the packs' own facts if asked)."""
        refuse_query(request, ("pack",))  # ?packs=all: the schema without the packs' facts
        try:
            if pack is None:
                return JSONResponse(facts_doc)
            ids = pack.split(",") if pack != "all" else "all"
            packs = fields.packs(ids, installed(), "pack", positions=False, given=pack)
        except ServiceError as exc:
            raise fields.said_in(exc, "zh") from None
        return JSONResponse(packs_facts_schema(packs))

    @app.get("/v1/schema/result", operation_id="resultSchema")
    async def schema_result(request: Request) -> JSONResponse:
        """JSON Schema (2020-12) of one result."""
        refuse_query(request)
        return JSONResponse(result_doc)

    @app.get("/healthz", operation_id="health")
    async def healthz() -> JSONResponse:
        """200 when the packs are loaded and compiled; 503 before."""
        if not state["ready"]:
            return JSONResponse({"status": "starting"}, status_code=503)
        return JSONResponse({"status": "ready", "packs": len(installed())})

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app, settings, LANGUAGES)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    build_stack = app.build_middleware_stack

    def lean_outside() -> Any:
        # the hot path goes first, outside Starlette's middleware (it answers its own
        # errors); everything else, and the route's OpenAPI entry, stays FastAPI's
        return LeanEvaluate(
            build_stack(),
            answer=evaluate_body,
            limit=settings.max_body_bytes,
            body_timeout=settings.body_timeout_seconds,
        )

    app.build_middleware_stack = lean_outside  # type: ignore[method-assign]
    return app
