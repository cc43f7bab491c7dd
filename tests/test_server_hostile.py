"""The HTTP service under hostile requests: each test is a defect an audit found (docs/how-to/serve.md).

A request may ask for the same pack 10,000 times, give a query parameter twice, or promise a
body it never sends; a batch may hold millions of tiny lines. Each is answered with the right
status and a sentence naming the field and the value, within bounded time and memory, and the
server goes on serving. Through a real server on 127.0.0.1 (``Served``, as test_server.py).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import asyncio
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest
from test_server import Served

from policyengine.decisionlog import DecisionLog
from policyengine.server.app import Settings, create_app

COMMUNITY = {"community": {"id": "x"}}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with Served(Settings()) as c:
        yield c


@pytest.fixture(scope="module")
def impatient() -> Iterator[Served]:
    """A server that waits 0.5 s for the next part of a body."""
    server = Served(Settings(body_timeout_seconds=0.5))
    with server:
        yield server


def _twice(pack_id: str) -> str:
    return f'"{pack_id}" is given twice: name each pack once'


# ------------------------------------------------------------- a pack named again and again


def test_a_pack_listed_10000_times_is_422_not_a_100_mb_answer(client):
    """``"pack": [ID] * 10000`` (190 KB, under the body limit) was evaluated 10,000 times on
    the event loop: 5 s with every other request waiting, a 96 MB answer (``["all"] * 10000``:
    84 s, 1.6 GB). Each entry is one more evaluation, so an id given twice is refused, naming
    where it is repeated; ``["ID", "all"]`` stays as on the command line."""
    body = {"facts": COMMUNITY, "pack": ["wuma-star-rating"] * 10_000, "lang": "en"}
    answer = client.post("/v1/evaluate", json=body)
    assert (422, "bad request") == (answer.status_code, answer.json()["error"])
    assert [
        {"path": "pack[1]", "value": "wuma-star-rating", "message": _twice("wuma-star-rating")}
    ] == answer.json()["problems"]
    body = {"facts": COMMUNITY, "pack": ["all", "fengxiang-harmony", "all", "fengxiang-harmony"]}
    answer = client.post("/v1/evaluate", json={**body, "lang": "en"})
    assert 422 == answer.status_code
    assert [
        {"path": "pack[2]", "value": "all", "message": _twice("all")},
        {"path": "pack[3]", "value": "fengxiang-harmony", "message": _twice("fengxiang-harmony")},
    ] == answer.json()["problems"]
    assert 200 == client.get("/healthz").status_code


def test_a_batch_naming_a_pack_twice_is_422(client):
    """``?pack=all,all``: each line was evaluated twice against every pack."""
    answer = client.post(
        "/v1/evaluate/batch", params={"pack": "all,all", "lang": "en"}, content=b"{}\n"
    )
    assert (422, [{"path": "pack", "value": "all", "message": _twice("all")}]) == (
        answer.status_code,
        answer.json()["problems"],
    )


def test_a_pack_named_twice_is_said_in_chinese_by_default(client):
    answer = client.post("/v1/evaluate", json={"facts": COMMUNITY, "pack": ["all", "all"]})
    problem = {"path": "pack[1]", "value": "all", "message": '"all" 出现了两次：每个政策包只写一次'}
    assert (422, [problem]) == (answer.status_code, answer.json()["problems"])
    answer = client.post("/v1/evaluate/batch?pack=all&pack=all", content=b"{}\n")
    problem = {"path": "pack", "value": ["all", "all"], "message": "给出了不止一次：只写一次"}
    assert (422, [problem]) == (answer.status_code, answer.json()["problems"])


# ------------------------------------------------------------- query parameters


def test_a_query_parameter_given_twice_is_422(client):
    """``?pack=all&pack=wuma-star-rating`` says two things: the last was kept silently (every
    pack was evaluated, or only one, depending on the order). Refused, as a key given twice
    in a body is."""
    answer = client.post(
        "/v1/evaluate/batch?pack=all&pack=wuma-star-rating&lang=en",
        content=b'{"community": {"id": "a"}}\n',
    )
    assert 422 == answer.status_code
    assert [
        {
            "path": "pack",
            "value": ["all", "wuma-star-rating"],
            "message": "is given more than once: give it once",
        }
    ] == answer.json()["problems"]
    twice = client.post("/v1/evaluate/batch?pack=all&lang=en&lang=fr", content=b"{}\n")
    assert (422, [("lang", ["en", "fr"])]) == (
        twice.status_code,
        [(p["path"], p["value"]) for p in twice.json()["problems"]],
    )


def test_the_facts_schema_refuses_a_query_parameter_it_does_not_take(client):
    """``GET /v1/schema/facts?packs=all`` (a letter too many) answered the schema without the
    packs' facts, as if nothing were wrong; ``?pack=a&pack=b`` kept the last. 422 naming the
    parameter, as the batch route does."""
    answer = client.get("/v1/schema/facts", params={"packs": "all"})
    assert (
        422,
        [{"path": "packs", "value": "all", "message": "未知字段（可用的字段：pack）"}],
    ) == (
        answer.status_code,
        answer.json()["problems"],
    )
    answer = client.get("/v1/schema/facts?pack=all&pack=wuma-star-rating")
    assert (422, [("pack", ["all", "wuma-star-rating"])]) == (
        answer.status_code,
        [(p["path"], p["value"]) for p in answer.json()["problems"]],
    )
    assert 200 == client.get("/v1/schema/facts", params={"pack": "all"}).status_code


NO_QUERY = "未知的查询参数：此路径不读取任何查询参数"


@pytest.mark.parametrize(
    "path", ["/v1/packs", "/v1/packs/wuma-star-rating", "/v1/schema/result", "/v1/packs/nope"]
)
def test_a_get_endpoint_refuses_a_query_parameter_it_does_not_read(client, path):
    """``GET /v1/packs?id=wuma-star-rating`` answered every pack, and
    ``/v1/schema/result?pack=nope`` the result schema, as if the parameter had been heard
    (the POST routes answered 422). 422 naming the parameter and its value, in Chinese; the
    same path without it answers as before (a pack not installed: 404)."""
    answer = client.get(path, params={"id": "wuma-star-rating"})
    assert (
        422,
        [{"path": "id", "value": "wuma-star-rating", "message": NO_QUERY}],
    ) == (answer.status_code, answer.json()["problems"])
    assert answer.json()["message"].startswith("请求有误")
    assert (404 if path.endswith("nope") else 200) == client.get(path).status_code


# ------------------------------------------------------------- a body that stops arriving

_TIMEOUT_SAID = (
    "the rest of the body did not arrive within 0.5 s "
    "(is the Content-Length larger than the body, or a chunked body not ended?)"
)


def _exchange(port: int, request: bytes) -> bytes:
    """Send the request, read until the server closes the connection (or 10 s pass)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        answer = b""
        try:
            while chunk := s.recv(65536):
                answer += chunk
        except TimeoutError:
            answer += b"<no answer within 10 s>"
        return answer


@pytest.mark.parametrize(
    "request_",
    [
        # a Content-Length larger than the body sent
        b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"
        b'{"facts": {"community": {"id": "x"}}, "pack": "all"}',
        b"POST /v1/evaluate/batch?pack=all HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n"
        b'{"community": {"id": "x"}}\n',
        # a chunked body whose last chunk never comes
        b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'5\r\n{"fac\r\n',
    ],
)
def test_a_body_that_stops_arriving_is_408_and_the_connection_closed(impatient, request_):
    """The server waited for the rest for ever, holding the connection and what had come:
    now 408 after the wait for the next part (``Settings.body_timeout_seconds``), the
    connection closed, and the server goes on answering."""
    started = time.monotonic()
    answer = _exchange(impatient.port, request_)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), answer[:300]
    assert b"connection: close" in head.lower()
    assert _TIMEOUT_SAID == json.loads(body)["error"]
    assert json.loads(body)["message"].startswith("请求体的其余部分没有在 0.5 秒内到达")
    assert time.monotonic() - started < 5
    assert 200 == impatient.client.get("/healthz").status_code


# ------------------------------------------------------------- a batch of many tiny lines


def test_a_batch_of_millions_of_lines_is_read_a_line_at_a_time():
    """A batch was split into all its lines at once: 8 bytes a line for the list alone, more
    than the body itself (a 64 MiB batch of ``{}`` lines: 22 million objects, about 1 GB).
    Lines are now taken one at a time: the memory a batch of 4 million empty lines takes,
    beyond its body, stays under the body's size."""
    body = b"\n" * 4_000_000 + b'{"community": {"id": "last"}}\n'
    app = create_app(Settings())

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post(
                "/v1/evaluate/batch", params={"pack": "fengxiang-harmony"}, content=body
            )

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        answer = asyncio.run(post())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert 200 == answer.status_code
    assert ["last"] == [json.loads(line)["subject"]["id"] for line in answer.text.splitlines()]
    # the body is held (by the client and by the server: twice), and the answer; not a
    # list of every line (32 MB here)
    assert peak - before < 4 * len(body), f"{(peak - before) / 1e6:.0f} MB"


def test_a_query_string_on_evaluate_is_422_not_ignored(client):
    """``POST /v1/evaluate?lang=en``: the fields are the body's; the query was ignored (the
    answer came in Chinese), now each parameter is named, in the body's language."""
    body = {"facts": COMMUNITY, "pack": "wuma-star-rating", "lang": "en"}
    answer = client.post("/v1/evaluate?lang=en&as_of=2014-12-31", json=body)
    said = "is a query parameter: POST /v1/evaluate reads facts, pack, as_of, lang and omit from the body"
    problems = [
        {"path": "lang", "value": "en", "message": said},
        {"path": "as_of", "value": "2014-12-31", "message": said},
    ]
    assert (422, problems) == (answer.status_code, answer.json()["problems"])
    answer = client.post("/v1/evaluate?lang=en", json={**body, "lang": "zh"})
    assert "是查询参数" in answer.json()["problems"][0]["message"]
    assert 200 == client.post("/v1/evaluate", json=body).status_code


# ------------------------------------------------------------- numbers a float cannot hold


@pytest.mark.parametrize("extra", ["", '"name":"\\ud800",'])
def test_a_number_too_large_is_422_naming_it_in_valid_json(client, extra):
    """``1e400`` was answered with ``"value":Infinity`` (not JSON: a strict client cannot
    read the answer) where a lone surrogate sent the answer through the standard module, and
    named as ``inf`` otherwise."""
    body = '{"facts":{"community":{"id":"x",%s"households":1e400}},"pack":"wuma-star-rating"}'
    answer = client.post("/v1/evaluate", content=(body % extra).encode())
    assert answer.status_code == 422
    data = json.loads(answer.text, parse_constant=_not_json)
    (problem,) = [p for p in data["problems"] if p["path"] == "facts.community.households"]
    assert problem["value"] == "1e400"
    assert problem["message"].startswith("1e400 超过 2^53")


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("-1e400", "-1e400 小于 -2^53（-9,007,199,254,740,992），即能精确比较的最小数"),
        ("-99999999999999999999", "-99999999999999999999 小于 -2^53"),
        ("99999999999999999999", "99999999999999999999 超过 2^53"),
    ],
)
def test_a_number_far_below_zero_is_said_to_be_below(client, written, said):
    """``-1e400`` was said to be "超过 2^53" (beyond 2^53), as if it were large."""
    body = '{"facts":{"community":{"id":"x","households":%s}},"pack":"wuma-star-rating"}'
    answer = client.post("/v1/evaluate", content=(body % written).encode())
    assert 422 == answer.status_code
    (problem,) = answer.json()["problems"]
    # an integer is named as the integer; 1e400, which no float holds, as written
    shown = written if "e" in written else int(written)
    assert (shown, True) == (problem["value"], problem["message"].startswith(said))


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


# ------------------------------------------------------------- the decision log and the time limit


def _street(communities: int) -> dict:
    place = ["浙江省", "温州市", "鹿城区", "五马街道"]
    return {
        "jurisdiction": {"id": "j", "name": "五马街道", "level": "street"},
        "communities": [
            {
                "community": {"id": f"c{i}", "jurisdiction": place},
                "happiness": {"objective_score": 400 + i % 300, "survey_score": 200, "vetoes": []},
            }
            for i in range(communities)
        ],
    }


def test_a_request_answered_503_leaves_no_decision_in_the_log(tmp_path, monkeypatch):
    """Past the time limit the answer is a 503, but the packs already decided had been
    logged: the log held decisions nobody received (serve.md: every line names a decision
    someone received). Here the answer is written slowly, after every pack has decided."""
    import policyengine.server.answers as served

    written = served.json_bytes

    def slowly(data):
        time.sleep(0.3)  # past the 0.05 s limit, once the decisions are made
        return written(data)

    monkeypatch.setattr(served, "json_bytes", slowly)
    log = tmp_path / "log.jsonl"
    settings = Settings(timeout_seconds=0.05, decision_log=DecisionLog(log))
    with Served(settings) as slow:
        answer = slow.post(
            "/v1/evaluate", json={"facts": _street(1), "pack": "all", "as_of": "2014-12-31"}
        )
        assert answer.status_code == 503
        assert not log.exists() or log.read_text() == ""
    monkeypatch.setattr(served, "json_bytes", written)
    with Served(settings) as quick:
        one = quick.post("/v1/evaluate", json={"facts": COMMUNITY, "pack": "wuma-star-rating"})
        assert one.status_code == 200  # a community is answered inline, and logged
        assert len(log.read_text().splitlines()) == 1


def test_saying_results_stops_at_the_time_limit():
    """The limit was checked between communities and packs only: writing the sentences and
    gaps of a large jurisdiction's result ran on past it (a 10 s limit answered after 17 s).
    Saying each result's gaps now checks it too."""
    import policyengine
    from policyengine.exceptions import TimeLimitError
    from policyengine.limits import time_limit

    result = policyengine.evaluate(_street(3), "wuma-star-rating")
    with time_limit(0.0001):
        time.sleep(0.01)
        with pytest.raises(TimeLimitError):
            result.to_dict()


# ------------------------------------------------------------- what a request says, as written


def test_communities_given_as_one_table_are_named_as_written(client):
    """``communities`` may be one table (a list of one): its problem was named
    ``facts.communities[0]…``, a position the document does not have, with value null."""
    facts = {
        "jurisdiction": {"id": "j"},
        "communities": {"community": {"id": "a", "households": -1}},
    }
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating"})
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert (problem["path"], problem["value"]) == ("facts.communities.community.households", -1)
    facts["communities"] = {"include": "/etc/passwd"}
    answer = client.post("/v1/evaluate", json={"facts": facts, "pack": "wuma-star-rating"})
    [problem] = answer.json()["problems"]
    assert (problem["path"], problem["value"]) == ("facts.communities.include", "/etc/passwd")


def test_every_bad_request_field_is_named_at_once(client):
    """An unknown field was reported alone: the bad pack, date and language came one request
    later each."""
    body = {"facts": COMMUNITY, "pack": 5, "as_of": "x", "lang": "fr", "foo": 1}
    answer = client.post("/v1/evaluate", json=body)
    assert answer.status_code == 422
    assert ["foo", "as_of", "lang", "pack"] == [p["path"] for p in answer.json()["problems"]]
    answer = client.post("/v1/evaluate", json={"facts": COMMUNITY, "as_of": "x"})
    assert ["pack", "as_of"] == [p["path"] for p in answer.json()["problems"]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_body_not_in_utf8_is_400(client, encoding):
    """serve.md: a body that is not UTF-8 is a 400. UTF-16 and UTF-32 were read (the standard
    module guesses the encoding of bytes)."""
    body = json.dumps({"facts": COMMUNITY, "pack": "wuma-star-rating"}).encode(encoding)
    answer = client.post("/v1/evaluate", content=body)
    assert answer.status_code == 400
    assert "not UTF-8" in answer.json()["error"]


@pytest.mark.parametrize("path", ["/v1/evaluate", "/v1/evaluate/batch?pack=wuma-star-rating"])
def test_a_compressed_body_is_415(client, path):
    """``Content-Encoding: gzip`` was ignored: a gzip body was "not UTF-8", a plain one
    labelled gzip was evaluated."""
    import gzip

    body = json.dumps({"facts": COMMUNITY, "pack": "wuma-star-rating"}).encode()
    for sent in (gzip.compress(body), body):
        answer = client.post(path, content=sent, headers={"Content-Encoding": "gzip"})
        assert answer.status_code == 415
        assert "Content-Encoding: gzip" in answer.json()["error"]
    plain = client.post("/v1/evaluate", content=body, headers={"Content-Encoding": "identity"})
    assert plain.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/evaluate/"),
        ("GET", "/v1/packs/"),
        ("GET", "/healthz/"),
        ("GET", "/v1/packs/wuma-star-rating/"),
    ],
)
def test_a_trailing_slash_is_404_not_a_redirect(client, method, path):
    """A 307 to http://host/… was answered: behind a TLS proxy the client was sent to plain
    HTTP, and a POST had to send its body again."""
    answer = client.request(method, path, content=b"{}" if method == "POST" else None)
    assert (answer.status_code, answer.json()["error"]) == (404, "no such path")


@pytest.mark.parametrize(
    ("body", "lang", "said"),
    [
        (b"", None, "请求体不是有效的 JSON：第 1 行第 1 列有误。"),
        (b'{"a": \xff}', None, "请求体不是 UTF-8 文本：第 7 个字节为 0xff。请以 UTF-8 编码发送。"),
        (
            b'{"facts": {"community": {"id": "x"}}, "pack": "nope"}',
            None,
            "没有安装政策包 'nope'：installed 列出已安装的政策包。",
        ),
        (
            b'{"facts": {"community": {"id": "x"}}, "pack": "nope", "lang": "en"}',
            "en",
            "No pack 'nope' is installed: installed lists the packs that are.",
        ),
        (
            b'{"facts": {"community": {"id": "x", "households": -1}}, "pack": "all", "lang": "en"}',
            "en",
            "The facts document has problems: problems lists each with its path, value and reason.",
        ),
    ],
)
def test_every_error_is_also_a_sentence_in_the_requests_language(client, body, lang, said):
    """A 400 or a 404 answered only a label in English ("the body is not valid JSON:
    Expecting value: line 1 column 1 (char 0)"): an official reading it got no sentence,
    and no Chinese. ``message`` says it, in the request's language (Chinese by default)."""
    answer = client.post("/v1/evaluate", content=body)
    assert answer.status_code in (400, 404, 422)
    assert answer.json()["message"] == said


# ------------------------------------------------------------- pack ids that name nothing


def test_a_long_unknown_pack_id_is_not_echoed_in_full_in_sentences(client):
    """A 60 KB id in the path was echoed three times (180 KB) in its 404: the sentences cut
    it at 80 characters; ``unknown`` keeps it as given, once."""
    answer = client.get("/v1/packs/" + "a" * 60_000)
    body = answer.json()
    assert (404, ["a" * 60_000]) == (answer.status_code, body["unknown"])
    assert body["error"] == "unknown pack '" + "a" * 79 + "…'"
    assert len(answer.content) < 60_000 + 1_000


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/evaluate", {"facts": COMMUNITY, "pack": ""}),
        ("POST", "/v1/evaluate", {"facts": COMMUNITY, "pack": ["wuma-star-rating", " "]}),
        ("POST", "/v1/evaluate/batch?pack=", None),
    ],
)
def test_a_blank_pack_id_is_a_bad_request_not_an_unknown_pack(client, method, path, body):
    """``"pack": ""`` (or ``?pack=``) names no pack: a 422 at ``pack``, as a pack that is not
    text is; it was a 404 "没有安装政策包 ''", as if a pack called "" could be installed."""
    if body is None:
        answer = client.post(path, content=b'{"community": {"id": "a"}}\n')
    else:
        answer = client.post(path, json=body)
    assert (422, ["pack"]) == (answer.status_code, [p["path"] for p in answer.json()["problems"]])


@pytest.mark.parametrize(
    "as_of", ["2014-12-31", "9998-12-31", "9999-12-31", "0000-01-01", "0001-01-01"]
)
def test_the_openapi_as_of_refuses_what_the_service_refuses(client, as_of):
    """The OpenAPI said only ``format: date``: a generated client sent 9999-12-31, which the
    service refuses (its deadlines fall in the year after). The schema and the service now
    agree on every date."""
    import jsonschema

    schema = client.get("/openapi.json").json()["components"]["schemas"]["EvaluateRequest"]
    valid = jsonschema.Draft202012Validator(schema["properties"]["as_of"]).is_valid(as_of)
    body = {"facts": COMMUNITY, "pack": "wuma-star-rating", "as_of": as_of}
    assert (200 if valid else 422) == client.post("/v1/evaluate", json=body).status_code
