"""The size of an answer (``serve --max-answer-bytes``, 64 MiB by default).

A jurisdiction of small communities asks for about 17 KB of answer a community and pack: a
body of a few hundred KB could ask for hundreds of MB, held whole before it was sent, bounded
only by the time limit (a 575 KB body held 600 MB when it was stopped at 10 s). The answer is
now written a result at a time, a jurisdiction's communities each as soon as said, and one
over the limit is a 413 saying what to do, as soon as it is over. Written that way, it is the
same JSON as before, byte for byte.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_server import Served, facts_of
from test_server_hostile import _street

import policyengine
from policyengine.decisionlog import DecisionLog
from policyengine.results import Result
from policyengine.server.answers import answer_bytes, json_bytes
from policyengine.server.app import Settings
from policyengine.server.errors import ServiceError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "example",
    [
        "wuma-community.toml",
        "wuma-street.toml",
        "yixing-demonstration-city-jurisdiction.toml",
        "chifeng-annual-targets-jurisdiction.toml",
    ],
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_answer_written_a_result_at_a_time_is_the_same_json(example, lang):
    """Every pack, one and all: the bytes written a result at a time are those of the whole
    result JSON (nested communities and child jurisdictions included)."""
    subject = policyengine.load_facts(ROOT / "examples" / example)
    results = policyengine.evaluate_all(subject, lang=lang)
    assert json_bytes([r.to_dict() for r in results]) == answer_bytes(results, False, 1 << 40)
    for r in results:
        assert json_bytes(r.to_dict()) == answer_bytes([r], True, 1 << 40)


def test_an_answer_over_the_limit_stops_as_soon_as_it_is_over(monkeypatch):
    """300 communities (about 5 MB of answer) against a limit of 100 KB: refused after a
    handful of communities are said, not after all of them."""
    said = []
    to_dict = Result.to_dict

    def counted(self, *args, **kwargs):
        said.append(self.subject_id)
        return to_dict(self, *args, **kwargs)

    monkeypatch.setattr(Result, "to_dict", counted)
    results = [policyengine.evaluate(_street(300), "wuma-star-rating")]
    with pytest.raises(ServiceError) as refused:
        answer_bytes(results, True, 100_000)
    assert 413 == refused.value.status
    assert len(said) < 30


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    log = tmp_path_factory.mktemp("log") / "decisions.jsonl"
    with Served(Settings(max_answer_bytes=200_000, decision_log=DecisionLog(log))) as served:
        yield served, log


def test_a_request_whose_answer_is_over_the_limit_is_413_in_its_language(small):
    served, log = small
    before = log.read_text() if log.exists() else ""
    answer = served.post("/v1/evaluate", json={"facts": _street(40), "pack": "all"})
    assert 413 == answer.status_code
    body = answer.json()
    assert body["error"].startswith("the answer is larger than the limit of 200000 bytes")
    assert body["message"].startswith("答复超过 200000 字节的上限")
    assert "POST /v1/evaluate/batch" in body["message"]
    english = served.post("/v1/evaluate", json={"facts": _street(40), "pack": "all", "lang": "en"})
    assert english.json()["message"].startswith("The answer is larger than the limit of 200000")
    assert before == (log.read_text() if log.exists() else "")  # nobody received them
    fits = served.post("/v1/evaluate", json={"facts": _street(2), "pack": "wuma-star-rating"})
    assert 200 == fits.status_code


def test_a_batch_line_whose_answer_is_over_the_limit_is_a_413_line(small):
    served, _ = small
    lines = [
        json.dumps(_street(40)),
        json.dumps(facts_of(ROOT / "examples" / "wuma-community.toml")),
    ]
    answer = served.post(
        "/v1/evaluate/batch?pack=wuma-star-rating", content="\n".join(lines).encode()
    )
    assert 200 == answer.status_code
    first, second = (json.loads(line) for line in answer.text.splitlines())
    assert (1, 413) == (first["line"], first["status"])
    assert "wm-001" == second["subject"]["id"]
