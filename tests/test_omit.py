"""Answers less the parts a caller does not read: ``omit`` (``"findings"``, ``"gaps"``).

A platform that stores a community's star level and reward reads the verdict and outputs
alone; the findings' sentences and the gaps' "what if" were most of the cost of every
answer it was sent (a Wuma answer: 9 KB, three times the evaluation's time). ``omit`` leaves
them out of each result, nested ones included, and they are then never worked out. What is
left is the full answer's, byte for byte; the decision log records the same decision.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_server import Served, cli_json, facts_of

import policyengine
from policyengine.cli import main
from policyengine.decisionlog import DecisionLog
from policyengine.results import OPTIONAL_PARTS, PendingFindings
from policyengine.server.answers import answer_bytes, json_bytes
from policyengine.server.app import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OMITS = [("findings",), ("gaps",), ("findings", "gaps")]
DAY = dt.date(2014, 12, 31)


def without(answer: object, parts: tuple[str, ...]) -> object:
    """The answer with ``parts`` taken out of every result in it, nested ones too."""
    if isinstance(answer, list):
        return [without(a, parts) for a in answer]
    assert isinstance(answer, dict)
    out = {k: v for k, v in answer.items() if k not in parts}
    for nested in ("communities", "jurisdictions"):
        if nested in out:
            out[nested] = [without(r, parts) for r in out[nested]]
    return out


@pytest.fixture(scope="module")
def log_path(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("omit") / "decisions.jsonl"


@pytest.fixture(scope="module")
def client(log_path) -> Iterator[httpx.Client]:
    with Served(Settings(decision_log=DecisionLog(log_path, log_facts=True))) as c:
        yield c


@pytest.mark.parametrize("parts", OMITS, ids=",".join)
@pytest.mark.parametrize(
    "example",
    ["wuma-community.toml", "wuma-street.toml", "yixing-demonstration-city-jurisdiction.toml"],
)
def test_an_answer_less_some_parts_is_the_full_answer_less_them(client, example, parts):
    """Differential, every pack: the service's answer with ``omit`` is the command line's
    ``--format json`` with those parts taken out of every result (a jurisdiction's
    communities and child jurisdictions included), and nothing else changed."""
    path = EXAMPLES / example
    body = {"facts": facts_of(path), "pack": "all", "as_of": "2014-12-31", "omit": list(parts)}
    answer = client.post("/v1/evaluate", json=body)
    assert 200 == answer.status_code, answer.text
    assert without(cli_json(path, "all"), parts) == answer.json()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_bytes_left_are_the_full_answers(lang):
    """Written a result at a time, the answer less the gaps is the whole JSON less them: the
    same bytes, in the same order (pack, engine, subject, as_of, verdict, findings,
    outputs)."""
    subject = policyengine.load_facts(EXAMPLES / "wuma-street.toml")
    results = policyengine.evaluate_all(subject, lang=lang)
    full = json.loads(answer_bytes(results, False, 1 << 40))
    left = answer_bytes(results, False, 1 << 40, ("gaps",))
    assert json_bytes(without(full, ("gaps",))) == left


def test_parts_left_out_are_never_worked_out():
    """What ``omit`` saves: a result said without its findings and gaps has not built its
    findings nor worked out its gaps; read afterwards, they are what they would have been."""
    facts = EXAMPLES / "wuma-community.toml"
    result = policyengine.evaluate(facts, "wuma-star-rating", as_of=DAY)
    said = result.to_dict(omit=OPTIONAL_PARTS)
    assert isinstance(result._findings, PendingFindings)
    assert result._gaps is None
    assert {"pack", "engine", "subject", "as_of", "verdict", "outputs"} == set(said)
    fresh = policyengine.evaluate(facts, "wuma-star-rating", as_of=DAY)
    assert fresh.to_dict() == result.to_dict()


@pytest.mark.parametrize("omit", [None, []])
def test_omitting_nothing_is_the_full_answer(client, omit):
    path = EXAMPLES / "wuma-community.toml"
    body = {"facts": facts_of(path), "pack": "wuma-star-rating", "as_of": "2014-12-31"}
    answer = client.post("/v1/evaluate", json={**body, "omit": omit})
    assert cli_json(path, "wuma-star-rating") == answer.json()


def test_one_part_may_be_named_without_a_list(client):
    path = EXAMPLES / "wuma-community.toml"
    body = {"facts": facts_of(path), "pack": "wuma-star-rating", "as_of": "2014-12-31"}
    answer = client.post("/v1/evaluate", json={**body, "omit": "gaps"})
    assert without(cli_json(path, "wuma-star-rating"), ("gaps",)) == answer.json()


@pytest.mark.parametrize(
    ("omit", "problems"),
    [
        (["verdict"], [("omit[0]", "verdict", "不是以下取值之一：findings, gaps")]),
        (["gaps", "gaps"], [("omit[1]", "gaps", "给出了不止一次：只写一次")]),
        (3, [("omit", 3, "不是以下取值之一：findings, gaps")]),
        (["gaps", {"a": 1}], [("omit[1]", {"a": 1}, "不是以下取值之一：findings, gaps")]),
    ],
)
def test_a_bad_omit_is_422_naming_its_place(client, omit, problems):
    """A part not known, or named twice, is a problem at its place in the list, said in the
    request's language, with every other bad field at once."""
    body = {"facts": {"community": {"id": "x"}}, "pack": "wuma-star-rating", "omit": omit}
    answer = client.post("/v1/evaluate", json=body)
    assert 422 == answer.status_code
    assert problems == [(p["path"], p["value"], p["message"]) for p in answer.json()["problems"]]
    both = client.post("/v1/evaluate", json={**body, "as_of": "2014-13-01", "lang": "en"})
    said = [(p["path"], p["message"]) for p in both.json()["problems"]]
    assert ("as_of", "is not a date (YYYY-MM-DD)") in said
    assert (problems[0][0], ENGLISH[problems[0][2]]) in said


ENGLISH = {
    "不是以下取值之一：findings, gaps": "is not one of: findings, gaps",
    "给出了不止一次：只写一次": "is given more than once: give it once",
}


def test_a_long_list_is_one_problem(client):
    """More names than there are parts is one problem at ``omit``, not one a name: a 1 MiB
    body of 100,000 names was answered with 100,000 problems (some 20 MB)."""
    names = [f"x{i}" for i in range(100_000)]
    body = {"facts": {"community": {"id": "x"}}, "pack": "wuma-star-rating", "omit": names}
    sent = json.dumps(body).encode()
    answer = client.post("/v1/evaluate", content=sent)
    assert 422 == answer.status_code
    said = "列出了 100000 项：结果中可以省略的部分只有 2 项（findings, gaps），每项只写一次"
    assert [("omit", said)] == [(p["path"], p["message"]) for p in answer.json()["problems"]]
    assert len(answer.content) < 2 * len(sent)
    three = client.post("/v1/evaluate", json={**body, "omit": ["gaps"] * 3, "lang": "en"})
    said = "lists 3 parts: a result has 2 that can be left out (findings, gaps), each named once"
    assert [("omit", said)] == [(p["path"], p["message"]) for p in three.json()["problems"]]


def test_a_batch_leaves_out_the_same_parts(client):
    """``?omit=findings,gaps``: each line is the full line less them; a bad name is a 422
    before any line, naming the query's text."""
    path = EXAMPLES / "wuma-community.toml"
    line = json.dumps(facts_of(path), ensure_ascii=False).encode()
    query = "/v1/evaluate/batch?pack=wuma-star-rating&as_of=2014-12-31"
    full = client.post(query, content=line + b"\n" + line + b"\n")
    lean = client.post(query + "&omit=findings,gaps", content=line + b"\n" + line + b"\n")
    expected = [without(json.loads(x), ("findings", "gaps")) for x in full.text.splitlines()]
    assert expected == [json.loads(x) for x in lean.text.splitlines()]
    bad = client.post(query + "&omit=findings,outputs&lang=en", content=line)
    assert 422 == bad.status_code
    assert [("omit", "findings,outputs", "is not one of: findings, gaps")] == [
        (p["path"], p["value"], p["message"]) for p in bad.json()["problems"]
    ]


def test_the_decision_log_records_the_same_decision(client, log_path):
    """The log's line (verdict, outputs, failing and unknown rules) does not depend on what
    the answer leaves out; the log replays."""
    body = {"facts": facts_of(EXAMPLES / "wuma-street.toml"), "pack": "wuma-star-rating"}
    body["as_of"] = "2014-12-31"
    client.post("/v1/evaluate", json=body)
    client.post("/v1/evaluate", json={**body, "omit": ["findings", "gaps"]})
    entries = [json.loads(x) for x in log_path.read_text(encoding="utf-8").splitlines()[-2:]]
    kept = ("verdict", "outputs", "failing_rules", "unknown_rules", "facts_sha256")
    assert [entries[0][k] for k in kept] == [entries[1][k] for k in kept]
    assert entries[0]["failing_rules"] or entries[0]["unknown_rules"]
    out = io.StringIO()
    assert 0 == main(["replay", str(log_path)], stdout=out, stderr=io.StringIO()), out.getvalue()


def test_a_partial_answer_is_what_the_openapi_says(client):
    """The 200 answer's schema takes a result less the parts left out (PartialResult), and
    still refuses one without its verdict."""
    import jsonschema
    import referencing

    doc = client.get("/openapi.json").json()
    registry = referencing.Registry().with_resource(
        "urn:openapi", referencing.Resource.from_contents(doc, referencing.jsonschema.DRAFT202012)
    )
    pointer = "#/paths/~1v1~1evaluate/post/responses/200/content/application~1json/schema"
    validator = jsonschema.Draft202012Validator(
        {"$ref": "urn:openapi" + pointer}, registry=registry
    )
    path = EXAMPLES / "wuma-street.toml"
    body = {"facts": facts_of(path), "pack": "wuma-star-rating", "omit": ["findings", "gaps"]}
    said = client.post("/v1/evaluate", json=body).json()
    assert [] == [e.message for e in validator.iter_errors(said)]
    assert not validator.is_valid({k: v for k, v in said.items() if k != "verdict"})
    request = doc["components"]["schemas"]["EvaluateRequest"]["properties"]["omit"]
    assert sorted(OPTIONAL_PARTS) == sorted(request["anyOf"][0]["enum"])
