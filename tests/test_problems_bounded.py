"""A facts document with very many problems, as hostile input may be: bounded work, bounded
answer.

A body of 1 MiB could hold 100,000 bad values. The service listed, located and said every
one: 90,000 bad vetoes were answered with 15 MB after 19 s, and 70,000 unknown keys of one
table took minutes, each looked for among all the others, on the event loop that answers
every other request. Each level of nesting also doubled the reading of a bad list (a
record's fast path, then cattrs' function, at every level). Now a 422 lists the first 100
problems and counts the rest, a table's keys are gone through once, and a bad list is read
twice whatever its depth. No test here times anything: they count what is done.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import json

import pytest
from test_server import Served

from policyengine.server.app import INLINE_BODY_BYTES, Settings, subject_of
from policyengine.server.errors import MAX_PROBLEMS, ServiceError


@pytest.fixture(scope="module")
def client():
    with Served(Settings()) as c:
        yield c


def unknown_keys(n: int) -> dict:
    return {"community": {"id": "x", **{f"k{i:05d}": 1 for i in range(n)}}}


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "zh",
            "事实文档有问题：problems 逐项列出位置、取值和原因。只列出前 100 项，另有 150 项未列出。",
        ),
        (
            "en",
            "The facts document has problems: problems lists each with its path, value and "
            "reason. Only the first 100 are listed; 150 more are not.",
        ),
    ],
)
def test_a_422_lists_the_first_problems_and_counts_the_rest(client, lang, said):
    body = {"facts": unknown_keys(250), "pack": "wuma-star-rating", "lang": lang}
    answer = client.post("/v1/evaluate", json=body)
    assert 422 == answer.status_code
    got = answer.json()
    assert [f"facts.community.k{i:05d}" for i in range(MAX_PROBLEMS)] == [
        p["path"] for p in got["problems"]
    ]
    assert (150, said) == (got["problems_unlisted"], got["message"])


def test_a_batch_line_is_bounded_the_same_way(client):
    line = json.dumps(unknown_keys(101)).encode()
    answer = client.post("/v1/evaluate/batch?pack=wuma-star-rating&lang=en", content=line)
    got = json.loads(answer.text.splitlines()[0])
    assert (1, 422, MAX_PROBLEMS, 1) == (
        got["line"],
        got["status"],
        len(got["problems"]),
        got["problems_unlisted"],
    )


def test_a_few_problems_are_all_listed_with_no_count(client):
    body = {"facts": unknown_keys(MAX_PROBLEMS), "pack": "wuma-star-rating"}
    got = client.post("/v1/evaluate", json=body).json()
    assert MAX_PROBLEMS == len(got["problems"])
    assert "problems_unlisted" not in got


def test_the_openapi_says_so(client):
    error = client.get("/openapi.json").json()["components"]["schemas"]["Error"]
    assert MAX_PROBLEMS == error["properties"]["problems"]["maxItems"]
    assert {"type": "integer", "minimum": 1} == {
        k: v for k, v in error["properties"]["problems_unlisted"].items() if k != "description"
    }


class CountedTable(dict):
    """A table that counts how often its keys are gone through."""

    walks = 0

    def __iter__(self):
        CountedTable.walks += 1
        return super().__iter__()


def test_a_tables_keys_are_gone_through_once_not_once_a_problem():
    """2,000 unknown keys: the table was gone through for each problem located (100 times
    with the cap, 2,000 before it); now once to read it, once to locate every problem."""
    table = CountedTable(unknown_keys(2000)["community"])
    CountedTable.walks = 0
    with pytest.raises(ServiceError) as refused:
        subject_of({"community": table}, "facts.")
    assert MAX_PROBLEMS == len(refused.value.body["problems"])
    assert CountedTable.walks <= 3


class CountedName(str):
    """A veto that counts how often it is compared with the vocabulary's."""

    compared = 0

    def __eq__(self, other):
        CountedName.compared += 1
        return str.__eq__(self, other)

    __hash__ = str.__hash__


@pytest.mark.parametrize("nested", [False, True], ids=["community", "in a jurisdiction"])
def test_a_bad_list_is_read_twice_at_any_depth(nested):
    """300 bad vetoes (each compared with the three vetoes of the vocabulary): read 4 times
    in a community and 16 times in a jurisdiction's community; now at most twice."""
    community = {
        "community": {"id": "x"},
        "happiness": {"vetoes": [CountedName(f"v{i}") for i in range(300)]},
    }
    document = community
    if nested:
        document = {"jurisdiction": {"id": "j", "level": "street"}, "communities": [community]}
    CountedName.compared = 0
    with pytest.raises(ServiceError) as refused:
        subject_of(document, "facts.")
    where = "facts.communities[0]." if nested else "facts."
    assert [f"{where}happiness.vetoes[{i}]" for i in range(MAX_PROBLEMS)] == [
        p["path"] for p in refused.value.body["problems"]
    ]
    assert 200 == refused.value.body["problems_unlisted"]
    assert CountedName.compared <= 2 * 3 * 300


def test_a_body_larger_than_a_community_goes_under_the_time_limit():
    """One community is evaluated on the event loop, without the time limit; a body larger
    than any community's (here 70 KB of spaces around a small one) is read in a worker
    thread under it, as a jurisdiction is: 1 MiB of bad values took seconds on the loop,
    holding every other request. With a limit of 1 µs, the small body is answered and the
    large one is a 503."""
    from test_server import WUMA, facts_of

    body = json.dumps({"facts": facts_of(WUMA), "pack": "wuma-star-rating"}).encode()
    padded = body[:-1] + b" " * (INLINE_BODY_BYTES + 1) + b"}"
    with Served(Settings(timeout_seconds=1e-6)) as c:
        assert 200 == c.post("/v1/evaluate", content=body).status_code
        late = c.post("/v1/evaluate", content=padded)
    assert (503, "the evaluation took longer than the limit of 1e-06 s") == (
        late.status_code,
        late.json()["error"],
    )
