"""The batch API: ``evaluate_many`` (results, streamed), ``evaluate_table`` and
``evaluate_arrow`` (the results table of results.md, Arrow in and out)."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest

import policyengine
from policyengine.exceptions import FactsError

pa = pytest.importorskip("pyarrow")

AS_OF = dt.date(2014, 12, 31)
SUM_SCALE = Path(__file__).resolve().parent / "fixtures" / "packs" / "sum-scale"
DOCS = [
    {"community": {"id": f"c{i}"},
     "happiness": {"objective_score": score, "survey_score": 250, "vetoes": [],
                   "previous_stars": 0}}
    for i, score in enumerate([300, 399, 400, 450, 650])
]  # totals 550, 649, 650, 700, 900: 四(四) ★ from 650 inclusive, ★★ from 700


def test_evaluate_many_streams_results():
    """One result per document and pack, lazily (the generator reads as it goes)."""
    def endless():
        for i in itertools.count():
            yield {"community": {"id": f"n{i}"}}

    results = policyengine.evaluate_many(endless(), ["wuma-star-rating"], as_of=AS_OF)
    first = list(itertools.islice(results, 3))
    assert ["n0", "n1", "n2"] == [r.subject_id for r in first]
    assert {"incomplete"} == {r.verdict for r in first}


def test_evaluate_many_per_pack_dates():
    """``as_of`` may map pack ids to dates."""
    results = list(policyengine.evaluate_many(
        DOCS[:1], ["wuma-star-rating", "yixing-demonstration-city"],
        as_of={"wuma-star-rating": AS_OF, "yixing-demonstration-city": dt.date(2012, 10, 1)}))
    assert [("wuma-star-rating", AS_OF), ("yixing-demonstration-city", dt.date(2012, 10, 1))] == [
        (r.pack_id, r.as_of) for r in results]


def test_bad_record_raises_with_its_position_or_is_skipped():
    """A bad document raises FactsError naming it; ``errors="skip"`` leaves it out."""
    docs = [DOCS[0], {"community": {"id": "bad", "households": -1}}, DOCS[1]]
    with pytest.raises(FactsError, match=r"\[1\].*households"):
        list(policyengine.evaluate_many(docs, "wuma-star-rating", as_of=AS_OF))
    seen = []
    results = policyengine.evaluate_many(docs, "wuma-star-rating", as_of=AS_OF, errors="skip",
                                         on_bad=lambda pos, problems: seen.append(pos))
    assert ["c0", "c1"] == [r.subject_id for r in results]
    assert ["[1]"] == seen


def test_arrow_in_arrow_out_equals_results():
    """evaluate_arrow over a table of fact paths gives the results' verdicts and outputs."""
    table = pa.table({
        "community.id": [d["community"]["id"] for d in DOCS],
        "happiness.objective_score": [d["happiness"]["objective_score"] for d in DOCS],
        "happiness.survey_score": [250] * len(DOCS),
    })
    pack = policyengine.load_pack(SUM_SCALE)
    out = policyengine.evaluate_arrow(table, [pack], as_of=AS_OF).to_pylist()
    assert [("c0", "fail", 0), ("c1", "fail", 0), ("c2", "pass", 1), ("c3", "pass", 2),
            ("c4", "pass", 2)] == [(r["subject_id"], r["verdict"], r["outputs.stars"])
                                   for r in out]
    expected = list(policyengine.evaluate_many(DOCS, [pack], as_of=AS_OF))
    assert [r.verdict for r in expected] == [r["verdict"] for r in out]


def test_evaluate_table_from_record_batches_and_rows():
    """Record batches and dicts give the same table."""
    table = pa.table({"community.id": ["a", "b"], "happiness.vetoes": [[], ["leadership"]]})
    from_batches = policyengine.evaluate_table(table.to_batches(max_chunksize=1),
                                               "wuma-star-rating", as_of=AS_OF)
    from_docs = policyengine.evaluate_table(
        [{"community": {"id": "a"}, "happiness": {"vetoes": []}},
         {"community": {"id": "b"}, "happiness": {"vetoes": ["leadership"]}}],
        "wuma-star-rating", as_of=AS_OF)
    assert from_docs.to_pylist() == from_batches.to_pylist()
    assert ["pass", "fail"] == [json.loads(json.dumps(r))["rules.eligibility.no-veto"]
                                for r in from_docs.to_pylist()]


def test_arrow_bad_row_raises_or_is_skipped():
    """A bad row of an Arrow table is named by its row and field path, or skipped."""
    table = pa.table({"community.id": ["a", "b", "c"],
                      "happiness.objective_score": [650.0, 720.0, 700.0],
                      "happiness.survey_score": [250.0, 250.0, 0.0]})
    pack = policyengine.load_pack(SUM_SCALE)
    with pytest.raises(FactsError, match=r"table, row 2.*happiness.objective_score.*720"):
        policyengine.evaluate_arrow(table, [pack], as_of=AS_OF)
    out = policyengine.evaluate_arrow(table, [pack], as_of=AS_OF, errors="skip").to_pylist()
    assert [("a", "pass"), ("c", "pass")] == [(r["subject_id"], r["verdict"]) for r in out]
