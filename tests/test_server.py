"""The HTTP service, tested through a real server on 127.0.0.1 (uvicorn in a thread).

Every endpoint, every error status, the served results equal to the command line's
``--format json``, the decision log, concurrent requests, and schemathesis against the
served OpenAPI document.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from policyengine import api
from policyengine.builtins import serve
from policyengine.cli import main
from policyengine.decisionlog import DecisionLog, canonical_facts
from policyengine.schemas import facts_schema, packs_facts_schema, result_schema
from policyengine.server.app import LANGUAGES, Settings, create_app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WUMA = EXAMPLES / "wuma-community.toml"
STREET = EXAMPLES / "wuma-street.toml"
PACKS = sorted(api.installed_packs())


class Served:
    """A uvicorn server on a free port of 127.0.0.1, in a thread."""

    def __init__(self, settings: Settings, http: str = "h11") -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, http=http, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        self.client = httpx.Client(base_url=self.url, timeout=30)
        return self.client

    def __exit__(self, *_: object) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def decision_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("log") / "decisions.jsonl"


@pytest.fixture(scope="module")
def served(decision_log) -> Iterator[Served]:
    settings = Settings(decision_log=DecisionLog(decision_log, log_facts=True))
    server = Served(settings)
    with server:
        yield server


@pytest.fixture(scope="module")
def client(served) -> httpx.Client:
    return served.client


@pytest.fixture(scope="module")
def strict(decision_log) -> Iterator[httpx.Client]:
    """A server with small limits: 4 KiB bodies, 8 KiB batches, 1 µs per evaluation."""
    settings = Settings(max_body_bytes=4096, max_batch_bytes=8192, timeout_seconds=1e-6)
    with Served(settings) as c:
        yield c


def cli_json(path: Path, *packs: str, as_of: str = "2014-12-31") -> object:
    out = io.StringIO()
    argv = ["evaluate", str(path), "--as-of", as_of, "--format", "json"]
    for pack in packs:
        argv += ["--pack", pack]
    main(argv, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def facts_of(path: Path) -> dict:
    """The document as the service takes it: JSON, communities inline."""
    return canonical_facts(api.load_facts(path))


# --------------------------------------------------------------------------- endpoints


def test_healthz(client):
    """Ready once the packs are loaded and compiled."""
    assert (200, {"status": "ready", "packs": len(PACKS)}) == (
        client.get("/healthz").status_code,
        client.get("/healthz").json(),
    )


@pytest.mark.parametrize(
    "path", ["/healthz", "/v1/packs", "/v1/packs/wuma-star-rating", "/v1/schema/facts"]
)
def test_head_answers_as_get_without_a_body(client, path):
    """``HEAD`` (how some load balancers check) has GET's status and headers, no body
    (RFC 9110: a server that answers GET answers HEAD)."""
    head, get = client.head(path), client.get(path)
    assert (head.status_code, head.content) == (get.status_code, b"")
    assert head.headers["content-type"] == get.headers["content-type"]


def test_packs(client):
    """Every installed pack with its version, digest and source document."""
    answer = client.get("/v1/packs")
    packs = api.installed_packs()
    assert 200 == answer.status_code
    assert [(p.id, p.version, p.digest) for p in packs.values()] == [
        (p["id"], p["version"], p["digest"]) for p in answer.json()
    ]
    assert "2013-04-10" == answer.json()[PACKS.index("wuma-star-rating")]["document"]["date"]


def test_one_pack(client):
    """Rules, parameters with their values by date and clause, and the document."""
    answer = client.get("/v1/packs/wuma-star-rating")
    pack = api.installed_packs()["wuma-star-rating"]
    data = answer.json()
    assert 200 == answer.status_code
    assert [r.id for r in pack.rules] == [
        r["rule"] if "rule" in r else r["id"] for r in data["rules"]
    ]
    four = data["parameters"]["four_star_min_score"]
    assert [{"since": "2013-04-10", "value": 800}] == [
        {k: v[k] for k in ("since", "value")} for v in four["values"]
    ]
    assert ("四(四)", "五马街道开展“幸福社区”创建活动实施意见") == (
        four["clause"],
        data["document"]["title"],
    )


def test_schemas_are_served(client):
    """The same schemas ``policyengine schema`` prints."""
    assert facts_schema() == client.get("/v1/schema/facts").json()
    assert result_schema() == client.get("/v1/schema/result").json()


def test_facts_schema_with_the_packs_own_facts(client):
    """``?pack=`` adds the facts those packs declare, as ``policyengine schema facts --pack``
    does; an unknown pack is a 404 naming it."""
    installed = api.installed_packs()
    wuma = installed["wuma-star-rating"]
    answer = client.get("/v1/schema/facts", params={"pack": "wuma-star-rating"})
    assert (200, packs_facts_schema([wuma])) == (answer.status_code, answer.json())
    every = client.get("/v1/schema/facts", params={"pack": "all"}).json()
    assert packs_facts_schema(list(installed.values())) == every
    missing = client.get("/v1/schema/facts", params={"pack": "wuma-star-rating,nope"})
    assert (404, ["nope"]) == (missing.status_code, missing.json()["unknown"])


def test_openapi_is_served(client):
    """OpenAPI 3.1 with every endpoint, bodies from the generated schemas; the docs page."""
    doc = client.get("/openapi.json").json()
    assert "3.1.0" == doc["openapi"]
    assert {
        "/v1/evaluate",
        "/v1/evaluate/batch",
        "/v1/packs",
        "/v1/packs/{pack_id}",
        "/v1/schema/facts",
        "/v1/schema/result",
        "/healthz",
    } == set(doc["paths"])
    assert {"Community", "Result", "Finding", "EvaluateRequest", "Problem"} <= set(
        doc["components"]["schemas"]
    )
    assert {"200", "400", "404", "408", "413", "415", "422", "503"} == set(
        doc["paths"]["/v1/evaluate"]["post"]["responses"]
    )
    assert 200 == client.get("/docs").status_code


def test_the_docs_page_needs_nothing_from_the_internet(client):
    """``/docs`` loaded Swagger UI from cdn.jsdelivr.net: on an intranet with no way out,
    a blank page. Every script, style sheet and icon it names is served by the service."""
    page = client.get("/docs")
    assert (200, "text/html") == (page.status_code, page.headers["content-type"].split(";")[0])
    named = re.findall(r'(?:src|href|url)\s*[=:]\s*["\']([^"\']+)', page.text)
    assert {
        "/openapi.json",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/swagger-ui.css",
    } <= set(named)
    assert [] == [url for url in named if not url.startswith("/")]
    assert [] == [url for url in named if client.get(url).status_code != 200]


def test_every_batch_line_is_what_the_openapi_says(client):
    """The batch answer was typed only as text: a client generated from the OpenAPI could
    not read its lines. Each line, a result or a bad line's error, is a ``BatchLine``
    (``x-item-schema`` of the 200 answer), checked with the document's own components."""
    import jsonschema
    import referencing

    doc = client.get("/openapi.json").json()
    content = doc["paths"]["/v1/evaluate/batch"]["post"]["responses"]["200"]["content"]
    item = content["application/x-ndjson"]["x-item-schema"]
    registry = referencing.Registry().with_resource(
        "urn:openapi", referencing.Resource.from_contents(doc, referencing.jsonschema.DRAFT202012)
    )
    schema = {"$ref": "urn:openapi" + item["$ref"]}
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    body = b"\n".join([
        json.dumps(facts_of(WUMA), ensure_ascii=False).encode(),
        b"{not json",
        b'{"community": {"id": "x", "households": -1}}',
        b'{"jurisdiction": {"id": "j", "level": "district"}, "communities": []}',
    ]) + b"\n"
    answer = client.post("/v1/evaluate/batch?pack=wuma-star-rating&as_of=2014-12-31", content=body)
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert [False, True, True, False] == ["line" in line for line in lines]
    for line in lines:
        assert [] == [e.message for e in validator.iter_errors(line)], line
    # and a line of neither shape is refused: the schema says something
    assert not validator.is_valid({"line": 2})


def go_structs() -> dict[str, tuple[str, list[str]]]:
    """The Go snippet of the serve how-to: each struct's OpenAPI schema (from its comment,
    ``// Name is the OpenAPI's Schema[.property]``) and its ``json:"…"`` field names."""
    text = (ROOT / "docs" / "how-to" / "serve.md").read_text(encoding="utf-8")
    code = re.search(r"```go\n(.*?)```", text, re.S)
    assert code is not None, "no Go snippet"
    found = {}
    pattern = r"// (\w+) is the OpenAPI's (\w+(?:\.\w+)?)[^\n]*\ntype \1 struct \{(.*?)\n\}"
    for name, schema, body in re.findall(pattern, code.group(1), re.S):
        found[name] = (schema, re.findall(r'json:"([^",]+)', body))
    return found


def test_the_go_snippet_names_the_openapi_fields(client):
    """Every JSON field name of the Go client's structs is a property of the OpenAPI schema
    it says it reads, and the request carries the required fields."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    structs = go_structs()
    assert {"EvaluateRequest", "Result", "Finding", "Problem", "ErrorAnswer"} <= set(structs)
    for name, (where, fields) in structs.items():
        component, _, prop = where.partition(".")
        schema = schemas[component]
        if prop:
            schema = schema["properties"][prop]
        assert fields, name
        assert set(fields) <= set(schema["properties"]), (name, where)
    request_fields = structs["EvaluateRequest"][1]
    assert set(schemas["EvaluateRequest"]["required"]) <= set(request_fields)


@pytest.mark.parametrize(
    "path",
    sorted(EXAMPLES.glob("*.toml")),
    ids=lambda p: p.name,
)
def test_served_results_equal_the_command_line(client, path):
    """Every example against every pack: the service answers what ``--format json`` prints."""
    answer = client.post(
        "/v1/evaluate", json={"facts": facts_of(path), "pack": "all", "as_of": "2014-12-31"}
    )
    assert 200 == answer.status_code
    assert cli_json(path, "all") == answer.json()


@pytest.mark.parametrize("pack_id", PACKS)
def test_every_parameter_value_has_one_shape_with_its_clause_and_quote(client, pack_id):
    """A value of a dated parameter (Wuma) was ``{since, value}``, one of a programme year
    (Chifeng) ``{since, year, value, clause, quote}``: a client reading one pack's shape
    failed on the other's. Each value now has all five, its clause and quote the
    parameter's where it has none of its own, as the pack page shows them."""
    pack = api.installed_packs()[pack_id]
    for name, param in client.get(f"/v1/packs/{pack_id}").json()["parameters"].items():
        if not param["values"]:  # the document states none: said, never a value made up
            assert "not stated in the document" == param["source"], name
        for value in param["values"]:
            assert {"since", "year", "value", "clause", "quote"} <= set(value), (name, value)
            assert value["clause"] and value["quote"] is not None, (name, value)
        given = pack.parameters[name]
        if not given.values and given.value is not None:  # one value throughout: its own
            assert [(None, None, given.clause)] == [
                (v["since"], v["year"], v["clause"]) for v in param["values"]
            ]


def test_one_pack_is_one_result_several_are_a_list(client):
    """``pack`` as an id gives an object; as a list, a list in the order given."""
    facts = facts_of(WUMA)
    one = client.post(
        "/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating", "as_of": "2014-12-31"}
    )
    assert cli_json(WUMA, "wuma-star-rating") == one.json()
    assert (3, 50_000) == (one.json()["outputs"]["stars"], one.json()["outputs"]["reward_yuan"])
    two = client.post(
        "/v1/evaluate",
        json={
            "facts": facts,
            "pack": ["yixing-demonstration-city", "wuma-star-rating"],
            "as_of": "2014-12-31",
        },
    )
    assert ["yixing-demonstration-city", "wuma-star-rating"] == [
        r["pack"]["id"] for r in two.json()
    ]


def test_as_of_defaults_to_today(client):
    """Without ``as_of`` the service evaluates on today's date, as the command line does."""
    answer = client.post("/v1/evaluate", json={"facts": facts_of(WUMA), "pack": "wuma-star-rating"})
    assert dt.date.today().isoformat() == answer.json()["as_of"]


def test_language(client):
    """``lang`` zh is accepted; a language the library cannot write is a 422 naming ``lang``."""
    facts = facts_of(WUMA)
    assert (
        200
        == client.post(
            "/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating", "lang": "zh"}
        ).status_code
    )
    answer = client.post(
        "/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating", "lang": "fr"}
    )
    assert (422, ["lang"]) == (answer.status_code, [p["path"] for p in answer.json()["problems"]])
    if "en" not in LANGUAGES:
        assert (
            422
            == client.post(
                "/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating", "lang": "en"}
            ).status_code
        )


# --------------------------------------------------------------------------- errors


def test_a_request_offering_an_upgrade_keeps_its_body(served):
    """Java's HttpClient offers ``Upgrade: h2c`` on every request: the body still arrives
    (the default HTTP parser, h11, ignores the offer as RFC 9110 allows)."""
    body = json.dumps({"facts": {"community": {"id": "j"}}, "pack": "wuma-star-rating"})
    request = (
        "POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    )
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as s:
        s.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
    assert b'"subject":{"id":"j"' in answer


@pytest.mark.parametrize("offered", ["h2c", "websocket"])
def test_a_lost_body_is_explained(offered):
    """With ``--http httptools`` the body of such a request is lost: a 400 says why and what
    to do, instead of calling the (unseen) body malformed, naming the upgrade the request
    offered (a websocket offer was said to be ``Upgrade: h2c``)."""
    body = json.dumps({"facts": {"community": {"id": "j"}}, "pack": "wuma-star-rating"})
    with Served(Settings(), http="httptools") as client:
        answer = client.post(
            "/v1/evaluate",
            content=body,
            headers={
                "Connection": "Upgrade, HTTP2-Settings",
                "Upgrade": offered,
                "HTTP2-Settings": "AAMAAABkAAQCAAAAAAIAAAAA",
            },
        )
    assert 400 == answer.status_code
    assert "HttpClient.Version.HTTP_1_1" in answer.json()["error"]
    assert f"(Upgrade: {offered})" in answer.json()["error"]
    assert f"请求要求升级协议（Upgrade: {offered}）" in answer.json()["message"]


def test_lone_surrogates_are_a_422_that_names_them(client):
    """Text with a lone surrogate (valid JSON escapes, not valid Unicode) gets its 422 with
    the value escaped back as written, on the hot path and the batch route alike: not a
    server error."""
    body = (
        b'{"facts": {"community": {"id": "a\\ud800", "name": "x\\udfff"}},'
        b' "pack": "wuma-star-rating"}'
    )
    answer = client.post("/v1/evaluate", content=body)
    assert 422 == answer.status_code
    assert b'"value":"a\\ud800"' in answer.content
    problems = {p["path"]: p["message"] for p in answer.json()["problems"]}
    assert {"facts.community.id", "facts.community.name"} == set(problems)
    assert "第 2 个字符是不成对的代理码位（U+DFFF）" in problems["facts.community.name"]
    lines = client.post(
        "/v1/evaluate/batch?pack=wuma-star-rating", content=b'{"community": {"id": "\\ud800"}}\n'
    )
    assert 200 == lines.status_code
    (line,) = [json.loads(x) for x in lines.content.splitlines()]
    assert (1, 422) == (line["line"], line["status"])


def test_bad_facts_are_422_with_every_problem(client):
    """Each problem with its path in the body, the value found there and a message."""
    facts = {
        "community": {"id": "x", "kind": "suburban"},
        "happiness": {"objective_score": 720},
        "staff": {"pets": 2},
    }
    body = {"facts": facts, "pack": "wuma-star-rating", "lang": "en"}
    answer = client.post("/v1/evaluate", json=body)
    assert 422 == answer.status_code
    assert [
        {
            "path": "facts.community.kind",
            "value": "suburban",
            "message": '"suburban" is not one of: urban, affordable_housing, rural',
        },
        {
            "path": "facts.happiness.objective_score",
            "value": 720,
            "message": "720 is above the maximum 700",
        },
        {
            "path": "facts.staff.pets",
            "value": 2,
            "message": "unknown field (not in the facts vocabulary)",
        },
    ] == sorted(answer.json()["problems"], key=lambda p: p["path"])


def test_include_is_refused(client):
    """The service reads no files: a jurisdiction's ``include`` is a 422."""
    facts = {"jurisdiction": {"id": "j"}, "communities": [{"include": ["wuma-community.toml"]}]}
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating"})
    assert (422, "facts.communities[0].include") == (
        answer.status_code,
        answer.json()["problems"][0]["path"],
    )


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"pack": "wuma-star-rating"}, ["facts"]),
        ({"facts": {"community": {"id": "x"}}}, ["pack"]),
        (
            {
                "facts": {"community": {"id": "x"}},
                "pack": "wuma-star-rating",
                "as_of": "2014-13-01",
            },
            ["as_of"],
        ),
        (
            {"facts": {"community": {"id": "x"}}, "pack": "wuma-star-rating", "as_of": "20140101"},
            ["as_of"],
        ),
        (
            # a valid date after the last one the engine evaluates on (deadlines fall due the
            # following year): a 422, not a server error
            {
                "facts": {"community": {"id": "x"}},
                "pack": "wuma-star-rating",
                "as_of": "9999-12-31",
            },
            ["as_of"],
        ),
        ({"facts": {"community": {"id": "x"}}, "pack": 3}, ["pack"]),
        ({"facts": {"community": {"id": "x"}}, "pack": []}, ["pack"]),
        ({"facts": {"community": {"id": "x"}}, "pack": "wuma-star-rating", "when": 1}, ["when"]),
        ([1, 2], [""]),
    ],
)
def test_bad_request_fields_are_422(client, body, paths):
    """A missing, unknown or ill-typed request field: 422 naming it, said in Chinese by
    default and in English when the request asks for it (the path as written)."""
    answer = client.post("/v1/evaluate", json=body)
    assert (422, paths) == (answer.status_code, [p["path"] for p in answer.json()["problems"]])
    for problem in answer.json()["problems"]:
        assert re.search(r"[\u4e00-\u9fff]", problem["message"]), problem
        assert not re.search(r"\b(is|not|field|body|required)\b", problem["message"]), problem
    if isinstance(body, dict):
        english = client.post("/v1/evaluate", json={**body, "lang": "en"}).json()["problems"]
        assert paths == [p["path"] for p in english]
        assert not any(re.search(r"[\u4e00-\u9fff]", p["message"]) for p in english)


def test_a_batch_after_the_last_date_is_422_before_any_line(client):
    """``?as_of=`` after the last date the engine evaluates on is refused as a whole, as a bad
    date is, before the body is read."""
    answer = client.post(
        "/v1/evaluate/batch",
        params={"pack": "wuma-star-rating", "as_of": "9999-01-01", "lang": "en"},
        content=b'{"community": {"id": "x"}}\n',
    )
    assert 422 == answer.status_code
    assert [("as_of", "9999-01-01")] == [(p["path"], p["value"]) for p in answer.json()["problems"]]
    assert "9998-12-31" in answer.json()["problems"][0]["message"]


def test_unknown_pack_is_404(client):
    """An unknown id, alone or in a list: 404 listing the installed packs. No folder is read."""
    for pack in ("nope", ["wuma-star-rating", "nope"], "../policy_packs/wuma-star-rating"):
        answer = client.post(
            "/v1/evaluate", json={"facts": {"community": {"id": "x"}}, "pack": pack}
        )
        assert (404, PACKS) == (answer.status_code, answer.json()["installed"])
    assert [404, 404] == [client.get(f"/v1/packs/{p}").status_code for p in ("nope", "all")]


def test_deep_nesting_is_refused_not_crashed(client):
    """Documents nested beyond what can be read: 400 or 422 with a sentence, never a 500."""
    deep_json = b'{"facts": ' + b"[" * 100_000 + b"]" * 100_000 + b', "pack": "all"}'
    assert 400 == client.post("/v1/evaluate", content=deep_json).status_code
    street: dict = {"jurisdiction": {"id": "j0"}}
    node = street
    for i in range(1, 450):
        child = {"jurisdiction": {"id": f"j{i}"}}
        node["jurisdictions"] = [child]
        node = child
    answer = client.post("/v1/evaluate", json={"facts": street, "pack": "wuma-star-rating"})
    assert answer.status_code in (200, 422), answer.text[:300]
    odd = {"community": {"id": "x"}, "happiness": {"vetoes": [], "vetoes[abc]": 1}}
    answer = client.post("/v1/evaluate", json={"facts": odd, "pack": "wuma-star-rating"})
    assert (422, "facts.happiness.vetoes[abc]") == (
        answer.status_code,
        answer.json()["problems"][0]["path"],
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"facts": ',
        b"",
        b"\xff\xfe",
        b'{"facts": NaN}',
        # a key given twice says two things: refused, not the last one kept
        b'{"facts": {"community": {"id": "x", "households": 10, "households": 20}}, "pack": "all"}',
    ],
)
def test_malformed_json_is_400(client, body):
    """A body that is not JSON: 400 saying so (bytes that are not UTF-8, as not UTF-8: a
    UTF-16 byte order mark is not read as UTF-16)."""
    answer = client.post("/v1/evaluate", content=body, headers={"content-type": "application/json"})
    said = "not UTF-8" if body.startswith(b"\xff") else "not valid JSON"
    assert (400, True) == (answer.status_code, said in answer.json()["error"])


def test_body_over_the_limit_is_413(client, strict):
    """Over the limit with a Content-Length, or streamed without one: 413."""
    big = {"facts": {"community": {"id": "x", "name": "甲" * 600_000}}, "pack": "wuma-star-rating"}
    assert 413 == client.post("/v1/evaluate", json=big).status_code
    small = json.dumps(
        {"facts": {"community": {"id": "x", "name": "a" * 5000}}, "pack": "wuma-star-rating"}
    ).encode()
    assert 413 == strict.post("/v1/evaluate", content=small).status_code
    chunks = (small[i : i + 1000] for i in range(0, len(small), 1000))
    assert 413 == strict.post("/v1/evaluate", content=chunks).status_code


def test_batch_line_over_the_time_limit_says_so(strict):
    """In a batch, a line over the time limit gives a 503 line, and the stream goes on."""
    body = b'{"community": {"id": "a"}}\n{"community": {"id": "b"}}\n'
    answer = strict.post("/v1/evaluate/batch", params={"pack": "all"}, content=body)
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert [(1, 503), (2, 503)] == [(line["line"], line["status"]) for line in lines]


def test_evaluation_over_the_time_limit_is_503(strict):
    """An evaluation longer than the time limit: 503, and the server goes on answering."""
    answer = strict.post("/v1/evaluate", json={"facts": facts_of(STREET), "pack": "all"})
    assert (503, True) == (answer.status_code, "the limit of 1e-06 s" in answer.json()["error"])
    assert 200 == strict.get("/healthz").status_code


def test_one_community_is_answered_without_the_time_limit(strict, client):
    """One community is evaluated on the event loop (its cost is bounded by the body limit):
    the time limit, which a jurisdiction meets above, does not apply, and the answer is the
    one the default server gives."""
    body = {"facts": facts_of(WUMA), "pack": "wuma-star-rating", "as_of": "2014-12-31"}
    answer = strict.post("/v1/evaluate", json=body)
    assert 200 == answer.status_code
    assert client.post("/v1/evaluate", json=body).json() == answer.json()


# --------------------------------------------------------------------------- batch


def test_batch_streams_one_result_a_line(client):
    """JSON Lines in, JSON Lines out: each line equals the single evaluation's result."""
    documents = [facts_of(p) for p in sorted(EXAMPLES.glob("*.toml"))]
    body = "\n".join(json.dumps(d, ensure_ascii=False) for d in documents) + "\n"
    with client.stream(
        "POST",
        "/v1/evaluate/batch",
        params={"pack": "wuma-star-rating,chifeng-annual-targets", "as_of": "2014-12-31"},
        content=body.encode(),
    ) as answer:
        assert (200, "application/x-ndjson") == (answer.status_code, answer.headers["content-type"])
        lines = [json.loads(line) for line in answer.iter_lines() if line]
    expected = [
        r
        for path in sorted(EXAMPLES.glob("*.toml"))
        for r in cli_json(path, "wuma-star-rating", "chifeng-annual-targets")
    ]
    assert expected == lines


def test_batch_bad_lines_are_reported_in_place(client):
    """A bad line gives a line with its number, status and problems; the others are evaluated."""
    body = b'{"community": {"id": "a"}}\nnot json\n{"community": {"id": "b", "households": -1}}\n\n{"community": {"id": "c"}}'
    answer = client.post("/v1/evaluate/batch", params={"pack": "wuma-star-rating"}, content=body)
    lines = [json.loads(line) for line in answer.text.splitlines()]
    assert ["a", 2, 3, "c"] == [
        line["subject"]["id"] if "subject" in line else line["line"] for line in lines
    ]
    assert (400, 422) == (lines[1]["status"], lines[2]["status"])
    assert "community.households" == lines[2]["problems"][0]["path"]


def test_batch_errors(client, strict):
    """Unknown pack 404, missing pack 422, bad date 422, body over the limit 413."""
    assert (
        404 == client.post("/v1/evaluate/batch", params={"pack": "nope"}, content=b"{}").status_code
    )
    missing = client.post("/v1/evaluate/batch", content=b"{}")
    assert (422, "pack") == (missing.status_code, missing.json()["problems"][0]["path"])
    assert (
        422
        == client.post(
            "/v1/evaluate/batch", params={"pack": "all", "as_of": "x"}, content=b"{}"
        ).status_code
    )
    assert (
        413
        == strict.post(
            "/v1/evaluate/batch", params={"pack": "all"}, content=b" " * 9000
        ).status_code
    )


# --------------------------------------------------------------------------- concurrency, log


def test_concurrent_requests_answer_as_sequential_ones(client):
    """32 requests at once over 5 communities and every pack: the answers of one at a time."""
    documents = [facts_of(p) for p in sorted(EXAMPLES.glob("*community*.toml"))]
    bodies = [
        {"facts": documents[i % len(documents)], "pack": "all", "as_of": "2024-06-30"}
        for i in range(32)
    ]
    sequential = [client.post("/v1/evaluate", json=b).json() for b in bodies[: len(documents)]]
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda b: client.post("/v1/evaluate", json=b), bodies))
    assert [200] * 32 == [a.status_code for a in answers]
    assert [sequential[i % len(documents)] for i in range(32)] == [a.json() for a in answers]


def test_decisions_are_logged_and_replay(client, decision_log):
    """With ``--decision-log`` every served decision is a line, and the log replays the same."""
    before = (
        len(decision_log.read_text(encoding="utf-8").splitlines()) if decision_log.exists() else 0
    )
    client.post(
        "/v1/evaluate",
        json={
            "facts": facts_of(STREET),
            "pack": ["wuma-star-rating", "chifeng-annual-targets"],
            "as_of": "2014-12-31",
        },
    )
    entries = [json.loads(line) for line in decision_log.read_text(encoding="utf-8").splitlines()]
    assert [("wuma-star-rating", "wuma"), ("chifeng-annual-targets", "wuma")] == [
        (e["pack"]["id"], e["subject"]["id"]) for e in entries[before:]
    ]
    out = io.StringIO()
    assert 0 == main(["replay", str(decision_log)], stdout=out, stderr=io.StringIO()), (
        out.getvalue()
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_command(tmp_path, workers):
    """``policyengine serve`` as a user starts it, in one process or with ``--workers 2``:
    every process answers with the settings given, and all append whole lines to one log."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "decisions.jsonl"
    command = [
        sys.executable,
        "-m",
        "policyengine",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--max-body-bytes",
        "3000",
        "--decision-log",
        str(log),
        "--log-facts",
        "--mask-names",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 90
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            body = {
                "facts": {"community": {"id": "w", "name": "甲社区"}},
                "pack": "wuma-star-rating",
            }
            with ThreadPoolExecutor(8) as pool:
                answers = list(
                    pool.map(lambda _: client.post("/v1/evaluate", json=body), range(24))
                )
            big = client.post("/v1/evaluate", json={**body, "pad": "x" * 4000})
    finally:
        server.terminate()
        server.wait(30)
    assert [200] * 24 == [a.status_code for a in answers]
    assert 413 == big.status_code  # the workers have the limit given to serve
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert 24 == len(entries)
    assert {"***"} == {e["facts"]["community"]["name"] for e in entries}


def test_serve_on_a_port_in_use_says_so(served):
    """Another server already listens there: a sentence, exit 2, no traceback."""
    err = io.StringIO()
    code = main(["serve", "--port", str(served.port)], stdout=io.StringIO(), stderr=err)
    assert (2, f"policyengine serve: the service could not start on 127.0.0.1:{served.port}\n") == (
        code,
        err.getvalue(),
    )


def test_serve_without_the_extra_names_it(monkeypatch):
    """Without FastAPI or uvicorn installed: a sentence naming the extra, exit 2."""
    monkeypatch.setattr(serve, "server_installed", lambda: False)
    err = io.StringIO()
    assert 2 == main(["serve"], stdout=io.StringIO(), stderr=err)
    assert "pip install 'community-policyengine[server]'" in err.getvalue()


# --------------------------------------------------------------------------- schemathesis


@schemathesis.serializer("application/x-ndjson")
def _json_lines(_context, value):
    """Batch bodies as schemathesis generates them (text) on the wire."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def test_openapi_conformance(served):
    """schemathesis: generated requests for every operation of the served OpenAPI document
    (8 each): no server error, every status and body as documented."""
    schema = schemathesis.openapi.from_url(served.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert 7 == len(operations)
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            case.call_and_validate(base_url=served.url)

        check()


# --------------------------------------------------------------------------- the lean route


def test_the_lean_route_answers_as_the_fastapi_route():
    """Differential: ``POST /v1/evaluate`` answered from the ASGI messages (the hot path)
    and by the FastAPI route it stands in front of give the same status and body, for a
    result, several packs, bad facts, an unknown pack, malformed JSON, a bad field and a
    body over the limit; other paths go on to FastAPI."""
    import asyncio

    from policyengine.server.lean import LeanEvaluate

    settings = Settings(max_body_bytes=2048)
    lean = create_app(settings)
    plain = create_app(settings)
    # the plain app builds Starlette's own middleware stack, without the lean route in front
    plain.build_middleware_stack = functools.partial(FastAPI.build_middleware_stack, plain)
    assert isinstance(lean.build_middleware_stack(), LeanEvaluate)
    assert not isinstance(plain.build_middleware_stack(), LeanEvaluate)
    community = {"community": {"id": "c", "households": 120}}
    bodies = [
        json.dumps({"facts": community, "pack": "wuma-star-rating", "as_of": "2014-12-31"}),
        json.dumps({"facts": community, "pack": ["wuma-star-rating", "fengxiang-harmony"]}),
        json.dumps({"facts": {"community": {"id": "c", "households": -1}}, "pack": "all"}),
        json.dumps({"facts": community, "pack": "no-such-pack"}),
        '{"facts": ',
        json.dumps({"facts": community, "pack": "wuma-star-rating", "as_of": "2014-13-01"}),
        json.dumps({"facts": community, "pack": "wuma-star-rating", "extra": 1}),
        json.dumps({"facts": {"community": {"id": "x" * 4000}}, "pack": "wuma-star-rating"}),
    ]

    async def answers(app) -> list[tuple[int, object]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            out = []
            for body in bodies:
                r = await c.post(
                    "/v1/evaluate", content=body, headers={"Content-Type": "application/json"}
                )
                out.append((r.status_code, r.json()))
            out.append(((await c.get("/healthz")).status_code, None))
            return out

    got_lean, got_plain = asyncio.run(answers(lean)), asyncio.run(answers(plain))
    assert [200, 200, 422, 404, 400, 422, 422, 413] == [s for s, _ in got_lean[:-1]]
    assert got_plain == got_lean


@pytest.mark.parametrize(
    ("lang", "message"), [(None, "-5 低于下限 0"), ("en", "-5 is below the minimum 0")]
)
def test_problems_are_said_in_the_language_asked(client, lang, message):
    """A 422's problems are sentences in the request's language, Chinese by default (as
    results are); the path and the value stay as written."""
    body = {"facts": {"community": {"id": "x", "households": -5}}, "pack": "wuma-star-rating"}
    if lang is not None:
        body["lang"] = lang
    answer = client.post("/v1/evaluate", json=body)
    assert 422 == answer.status_code
    assert [{"path": "facts.community.households", "value": -5, "message": message}] == (
        answer.json()["problems"]
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_id_given_twice_is_said_in_the_language_asked(client, lang):
    """A community id given twice in a jurisdiction: 422 naming the second, said in Chinese
    by default (no English sentence left) and in English when asked."""
    facts = {
        "jurisdiction": {"id": "j"},
        "communities": [{"community": {"id": "a"}}, {"community": {"id": "a"}}],
    }
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": "all", "lang": lang})
    assert 422 == answer.status_code
    (problem,) = answer.json()["problems"]
    assert "facts.communities[1].community.id" == problem["path"]
    chinese = bool(re.search(r"[\u4e00-\u9fff]", problem["message"]))
    assert (lang == "zh") == chinese
    assert (lang == "en") == ("is given twice" in problem["message"])


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--port", "99999"),
        ("--port", "-1"),
        ("--workers", "0"),
        ("--threads", "-1"),
        ("--threads", "0"),
        ("--max-body-bytes", "0"),
        ("--max-batch-bytes", "-5"),
        ("--max-answer-bytes", "0"),
        ("--timeout", "0"),
        ("--timeout", "nan"),
        ("--timeout", "inf"),
        ("--body-timeout", "0"),
        ("--body-timeout", "nan"),
    ],
)
def test_serve_refuses_limits_that_would_answer_nothing(option, value, capsys):
    """A port out of range (uvicorn waited silently on 99999), no thread or process, a body
    limit of 0 bytes or a time limit that is not a positive number of seconds: a sentence
    naming the option, exit 2, before anything is served."""
    code = main(["serve", option, value], stdout=io.StringIO(), stderr=io.StringIO())
    assert 2 == code
    assert f"argument {option}: {value!r} is not" in capsys.readouterr().err


def test_serve_with_a_decision_log_it_cannot_write_does_not_start(tmp_path):
    """``--decision-log`` in a folder that does not exist: a sentence, exit 2, before anything
    is served (the service started, then answered 500 to every request)."""
    err = io.StringIO()
    log = tmp_path / "no-such-folder" / "decisions.jsonl"
    code = main(["serve", "--decision-log", str(log)], stdout=io.StringIO(), stderr=err)
    assert 2 == code
    assert f"--decision-log {log}: cannot be appended to" in err.getvalue()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_decision_that_cannot_be_logged_is_503_not_a_server_error():
    """The log's disk is full (``/dev/full``): the request is answered 503 with a sentence, and
    no result is given without its decision logged."""
    with Served(Settings(decision_log=DecisionLog(Path("/dev/full")))) as http:
        answer = http.post(
            "/v1/evaluate", json={"facts": {"community": {"id": "x"}}, "pack": "wuma-star-rating"}
        )
    assert 503 == answer.status_code
    assert answer.json()["error"].startswith("the decision could not be logged")


# ------------------------------------------------ hostile requests (a service audit)


def test_a_key_with_a_superscript_digit_is_422_not_500(client):
    """``"jurisdiction[²]"``: "²" is a digit to ``str.isdigit`` but no list position; the
    unknown key is a 422 naming it, and a batch goes on past its line."""
    odd = {"community": {"id": "a", "jurisdiction": ["x"], "jurisdiction[²]": 1}}
    answer = client.post("/v1/evaluate", json={"facts": odd, "pack": "wuma-star-rating"})
    assert answer.status_code == 422
    assert [p["path"] for p in answer.json()["problems"]] == ["facts.community.jurisdiction[²]"]
    body = "\n".join(
        json.dumps(d, ensure_ascii=False)
        for d in ({"community": {"id": "a"}}, odd, {"community": {"id": "b"}})
    ).encode()
    lines = client.post("/v1/evaluate/batch", params={"pack": "wuma-star-rating"}, content=body)
    said = [json.loads(line) for line in lines.text.splitlines()]
    assert [s.get("status", 200) for s in said] == [200, 422, 200]


def _chain(depth: int) -> dict:
    doc: dict = {"jurisdiction": {"id": f"j{depth}"}}
    for i in range(depth - 1, -1, -1):
        doc = {"jurisdiction": {"id": f"j{i}"}, "jurisdictions": [doc]}
    return doc


def test_nesting_beyond_the_limit_is_refused_as_on_the_command_line(client, tmp_path):
    """security.md: tables and lists nest at most 64 deep; a chain of 33 jurisdictions
    (66 levels) is refused by the service as by ``policyengine evaluate``."""
    doc = _chain(33)
    answer = client.post("/v1/evaluate", json={"facts": doc, "pack": "wuma-star-rating"})
    assert answer.status_code == 422
    (problem,) = answer.json()["problems"]
    assert "64" in problem["message"] and problem["path"].startswith("facts.jurisdictions")
    path = tmp_path / "chain.json"
    path.write_text(json.dumps(doc))
    assert main(["evaluate", str(path), "--pack", "wuma-star-rating"], stderr=io.StringIO()) == 2
    fine = client.post("/v1/evaluate", json={"facts": _chain(20), "pack": "wuma-star-rating"})
    assert fine.status_code == 200


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            b'{"facts": {"community": {"id": "a", "households": 1' + b"0" * 4400 + b"}}}",
            "a number has more than 4,300 digits",
        ),
        (
            b'{"facts": {"community": {"id": "\xff"}}, "pack": "wuma-star-rating"}',
            "is not UTF-8 text (byte 0xff at position 32)",
        ),
    ],
)
def test_unreadable_bodies_are_400_in_the_products_words(client, body, said):
    """No Python internals (``sys.set_int_max_str_digits``, ``codec can't decode``)."""
    answer = client.post("/v1/evaluate", content=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert said in error and "sys." not in error and "codec" not in error


def test_routing_errors_have_the_error_shape(client):
    """404 and 405 from routing answer ``{"error": …, "message": …}`` like every other
    error: the label, and the same said for people (in Chinese: the request says no
    language)."""
    said = {404: "服务没有这个路径。", 405: "这个路径不接受该请求方法（Allow 列出可用的方法）。"}
    for answer in (client.get("/nope"), client.put("/v1/packs")):
        assert answer.status_code in (404, 405)
        assert set(answer.json()) == {"error", "message"}
        assert answer.json()["message"] == said[answer.status_code]


def test_batch_refuses_an_unknown_query_parameter(client):
    answer = client.post(
        "/v1/evaluate/batch", params={"pack": "wuma-star-rating", "bogus": "1"}, content=b""
    )
    assert answer.status_code == 422
    assert [p["path"] for p in answer.json()["problems"]] == ["bogus"]


def test_all_inside_a_list_is_every_pack_as_on_the_command_line(client):
    """``"pack": ["wuma-star-rating", "all"]`` as ``--pack wuma-star-rating --pack all``."""
    facts = facts_of(WUMA)
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": ["wuma-star-rating", "all"]})
    assert answer.status_code == 200
    assert [r["pack"]["id"] for r in answer.json()] == ["wuma-star-rating", *PACKS]


def test_a_time_limit_stops_the_work_not_only_the_answer(monkeypatch):
    """The limit stops the evaluation between communities (it does not run on after its
    503, holding memory and a thread); without a limit every community is evaluated."""
    from policyengine import jurisdictions
    from policyengine.exceptions import TimeLimitError
    from policyengine.limits import time_limit

    calls = []
    real = jurisdictions.evaluate_community

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(jurisdictions, "evaluate_community", counted)
    many = {
        "jurisdiction": {"id": "j"},
        "communities": [{"community": {"id": f"c{i}"}} for i in range(200)],
    }
    with time_limit(0.0), pytest.raises(TimeLimitError):
        api.evaluate(many, "wuma-star-rating")
    assert calls == []
    api.evaluate(many, "wuma-star-rating")  # no limit outside the block
    assert len(calls) == 200


def test_every_bad_request_field_is_listed_at_once(client):
    """``as_of``, ``lang`` and ``pack`` all wrong: one 422 naming the three."""
    body = {"facts": {"community": {"id": "a"}}, "pack": 5, "as_of": "x", "lang": "fr"}
    answer = client.post("/v1/evaluate", json=body)
    assert answer.status_code == 422
    assert sorted(p["path"] for p in answer.json()["problems"]) == ["as_of", "lang", "pack"]
    unknown_pack_too = {**body, "pack": "no-such-pack"}
    answer = client.post("/v1/evaluate", json=unknown_pack_too)  # the 422 comes first
    assert answer.status_code == 422
    assert sorted(p["path"] for p in answer.json()["problems"]) == ["as_of", "lang"]
    alone = {"facts": {"community": {"id": "a"}}, "pack": "no-such-pack"}
    assert client.post("/v1/evaluate", json=alone).status_code == 404


def test_service_refusals_are_said_in_the_language_asked(client):
    """An ``include`` (the service reads no files) and a batch without ``pack`` (FastAPI's
    own "Field required"): Chinese by default, English with ``lang=en``."""
    facts = {"jurisdiction": {"id": "j"}, "communities": [{"include": ["a.toml"]}]}
    zh = client.post("/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating"})
    en = client.post(
        "/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating", "lang": "en"}
    )
    assert (zh.status_code, en.status_code) == (422, 422)
    assert zh.json()["problems"][0]["message"].startswith("服务不读取文件")
    assert en.json()["problems"][0]["message"].startswith("the service reads no files")
    missing = client.post("/v1/evaluate/batch", content=b"")
    assert missing.status_code == 422
    assert [(p["path"], p["message"]) for p in missing.json()["problems"]] == [("pack", "必须填写")]
    missing_en = client.post("/v1/evaluate/batch", params={"lang": "en"}, content=b"")
    assert [p["message"] for p in missing_en.json()["problems"]] == ["is required"]


def test_a_problem_names_the_value_found_at_its_path(client):
    """Keys holding "." or "[" (``"x.y"``, ``"jurisdiction[0]"``) and an ``include`` string:
    each problem's ``value`` is the value found there (it was null, or the wrong one)."""
    facts = {"community": {"id": "a", "jurisdiction": ["x"], "jurisdiction[0]": 1, "x.y": 5}}
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating"})
    assert answer.status_code == 422
    found = {p["path"]: p["value"] for p in answer.json()["problems"]}
    assert found == {"facts.community.jurisdiction[0]": 1, "facts.community.x.y": 5}
    jur = {"jurisdiction": {"id": "j"}, "communities": [{"include": "a.toml"}]}
    answer = client.post("/v1/evaluate", json={"facts": jur, "pack": "wuma-star-rating"})
    assert [p["value"] for p in answer.json()["problems"]] == ["a.toml"]
