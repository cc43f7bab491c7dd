"""A place's name of no text in ``community.jurisdiction`` is refused at its path
(facts.md: the names of the jurisdictions the community lies in, widest first).

``["", "赤峰市"]`` was read as a place elsewhere: "不适用：该社区位于赤峰市，不在本文件适用的
赤峰市范围内" (a spreadsheet's empty cell, a template's placeholder). It is now a bad value
of ``community.jurisdiction[0]``, by the validator and the JSON Schema alike, on the row
path, on columns and in the service.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

import policyengine
from policyengine.cli import main

PACK = "chifeng-annual-targets"


@pytest.mark.parametrize(
    ("place", "at"),
    [(["", "赤峰市"], 0), (["内蒙古自治区", "\u3000", "红山区"], 1), ([" "], 0)],
)
def test_a_blank_place_name_is_a_bad_value_at_its_path(place, at):
    doc = {"community": {"id": "c", "kind": "urban", "jurisdiction": place}}
    with pytest.raises(policyengine.FactsError) as refused:
        policyengine.evaluate(doc, PACK, as_of=dt.date(2009, 3, 1))
    assert [f"community.jurisdiction[{at}]"] == [p.path for p in refused.value.problems]


@pytest.mark.parametrize("gaps", [[], ["--gaps"]])  # columns, and the row path
def test_a_table_row_with_a_blank_place_is_a_bad_row(tmp_path, gaps):
    table = tmp_path / "c.csv"
    with table.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["community.id", "community.kind", "community.jurisdiction"],
                ["c1", "urban", json.dumps(["内蒙古自治区", "赤峰市"], ensure_ascii=False)],
                ["c2", "urban", json.dumps(["", "赤峰市"], ensure_ascii=False)],
            ]
        )
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "evaluate",
        str(table),
        "--pack",
        PACK,
        "--as-of",
        "2009-03-01",
        "--format",
        "csv",
        "--on-bad-record",
        "skip",
        *gaps,
    ]
    assert 2 == main(argv, stdout=out, stderr=err)
    assert ["c1"] == [r["subject_id"] for r in csv.DictReader(io.StringIO(out.getvalue()))]
    assert (
        f"{table}, row 3: community.jurisdiction[0]：为空：请写出地名，或删去这一项"
        in err.getvalue()
    )


def test_the_service_refuses_a_blank_place_at_its_path():
    pytest.importorskip("fastapi")
    from test_server import Served

    from policyengine.server.app import Settings

    with Served(Settings()) as served:
        facts = {"community": {"id": "c", "jurisdiction": ["", "赤峰市"]}}
        answer = served.post("/v1/evaluate", json={"facts": facts, "pack": PACK})
    assert 422 == answer.status_code
    assert ["facts.community.jurisdiction[0]"] == [p["path"] for p in answer.json()["problems"]]
