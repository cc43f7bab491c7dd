"""Facts a pack declares, beyond documents: in the JSON Schema (``schema facts --pack``) and
as columns of a table (CSV, Parquet), the same declaration the validator reads."""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyengine
from policyengine.cli import main
from policyengine.documents import structure_subject
from policyengine.exceptions import FactsError
from policyengine.schemas import packs_facts_schema

jsonschema = pytest.importorskip("jsonschema")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

CIVILITY = Path(__file__).resolve().parent / "fixtures" / "pack_facts" / "civility"


@pytest.fixture(scope="module")
def civility() -> policyengine.Pack:
    return policyengine.load_pack(CIVILITY)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------------ schema


def test_schema_command_adds_the_packs_namespace() -> None:
    code, out, _ = cli("schema", "facts", "--pack", str(CIVILITY))
    assert 0 == code
    table = json.loads(out)["$defs"]["Community"]["properties"]["civility_rating"]
    score = table["properties"]["score"]["anyOf"][0]
    assert {"type": "number", "minimum": 0, "maximum": 120, "title": "文明社区考评得分",
            "description": "Civility score", "x-unit": "分", "x-clause": "三",
            "x-quote": "基础分100分，加分20分。"} == score
    vetoes = table["properties"]["vetoes"]["anyOf"][0]
    assert ["safety", "petition", "environment"] == vetoes["items"]["enum"]
    assert False is table["additionalProperties"]
    plain = json.loads(cli("schema", "facts")[1])
    assert "civility_rating" not in plain["$defs"]["Community"]["properties"]


def test_schema_names_an_unknown_pack_with_exit_3() -> None:
    code, _, err = cli("schema", "facts", "--pack", "no-such-pack")
    assert 3 == code
    assert "no-such-pack" in err


_VALUES = {
    "score": st.one_of(st.integers(-5, 130), st.floats(-5, 130, allow_nan=False), st.text(max_size=3),
                       st.booleans()),
    "vetoes": st.one_of(st.lists(st.sampled_from(["safety", "petition", "environment", "fire"]),
                                 max_size=3, unique=True), st.text(max_size=3), st.integers()),
    "level": st.one_of(st.sampled_from(["city", "province", "county"]), st.integers()),
    "colour": st.text(max_size=3),
}


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(sorted(_VALUES)), st.none(), max_size=4).flatmap(
    lambda keys: st.fixed_dictionaries({k: _VALUES[k] for k in keys})))
def test_schema_and_validator_agree_on_pack_facts(civility: policyengine.Pack,
                                                  own: dict[str, Any]) -> None:
    """A namespace table the schema accepts is one the validator accepts, and the reverse."""
    validator = jsonschema.Draft202012Validator(packs_facts_schema([civility]))
    doc = {"community": {"id": "c"}, "civility_rating": own}
    try:
        structure_subject(doc)
        accepted = True
    except FactsError:
        accepted = False
    assert accepted == validator.is_valid(doc)


# ------------------------------------------------------------------------ tables

HEADER = ["community.id", "civility_rating.score", "civility_rating.vetoes",
          "civility_rating.level"]
ROWS = [
    ["a", "95", "[]", "city"],
    ["b", "89.9", "[]", ""],
    ["c", "90", '["petition"]', "province"],
    ["d", "", "", ""],
    ["e", "120", '["safety", "environment"]', "city"],
]


def _document(row: list[str]) -> dict[str, Any]:
    own: dict[str, Any] = {}
    if row[1]:
        own["score"] = float(row[1]) if "." in row[1] else int(row[1])
    if row[2]:
        own["vetoes"] = json.loads(row[2])
    if row[3]:
        own["level"] = row[3]
    return {"community": {"id": row[0]}, "civility_rating": own}


def _results(out: str) -> dict[str, tuple[str, dict[str, str]]]:
    found = {}
    for line in out.splitlines():
        r = json.loads(line)
        found[r["subject"]["id"]] = (r["verdict"], {f["rule"]: f["outcome"] for f in r["findings"]})
    return found


def test_a_table_with_pack_fact_columns_equals_the_same_rows_as_documents(tmp_path: Path) -> None:
    with (tmp_path / "c.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    docs = tmp_path / "docs"
    docs.mkdir()
    for row in ROWS:
        (docs / f"{row[0]}.json").write_text(json.dumps(_document(row)), encoding="utf-8")
    table = pa.table({
        "community.id": [r[0] for r in ROWS],
        "civility_rating.score": [float(r[1]) if r[1] else None for r in ROWS],
        "civility_rating.vetoes": [json.loads(r[2]) if r[2] else None for r in ROWS],
        "civility_rating.level": [r[3] or None for r in ROWS],
    })
    pq.write_table(table, tmp_path / "c.parquet")
    common = ("--pack", str(CIVILITY), "--as-of", "2016-06-01")
    code, out, err = cli("evaluate", str(docs), *common, "--format", "jsonl")
    assert 1 == code, err  # some fail
    expected = _results(out)
    # 三: 90分以上 includes 90; 四: any veto fails; a missing score is unknown, never false
    assert {"a": "pass", "b": "fail", "c": "fail", "d": "incomplete", "e": "fail"} == {
        k: v[0] for k, v in expected.items()}
    for name in ("c.csv", "c.parquet"):
        code, out, err = cli("evaluate", str(tmp_path / name), *common, "--format", "jsonl")
        assert (1, expected) == (code, _results(out)), (name, err)
        # the columnar backend (CSV output) reads the same columns, with no fallback
        code, out, err = cli("evaluate", str(tmp_path / name), *common, "--format", "csv")
        assert 1 == code and "提示" not in err
        rows = {r["subject_id"]: r for r in csv.DictReader(io.StringIO(out))}
        assert {k: v[0] for k, v in expected.items()} == {
            k: r["verdict"] for k, r in rows.items()}
        assert {k: v[1]["score.min"] for k, v in expected.items()} == {
            k: r["rules.score.min"] for k, r in rows.items()}


def test_a_bad_pack_fact_cell_is_named_like_a_shared_one(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, ["a", "121", "[]", "city"], ["b", "90", "[]", "town"]])
    code, _, err = cli("evaluate", str(path), "--pack", str(CIVILITY), "--as-of", "2016-06-01",
                       "--format", "jsonl", "--lang", "en")
    assert 2 == code
    assert f"{path}, row 2: civility_rating.score: 121 is above the maximum 120" in err
    assert f"{path}, row 3: civility_rating.level: 'town' is not one of: city, province" in err
    # without --lang, in Chinese (the field path as written)
    code, _, err = cli("evaluate", str(path), "--pack", str(CIVILITY), "--as-of", "2016-06-01",
                       "--format", "jsonl")
    assert 2 == code
    assert f"{path}, row 2: civility_rating.score：121 超过上限 120" in err
    assert f"{path}, row 3: civility_rating.level：'town' 不是以下取值之一：city, province" in err


def test_an_undeclared_pack_column_is_an_error_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([[*HEADER, "civility_rating.colour"], ["a", "95", "[]", "city", "red"]])
    code, _, err = cli("evaluate", str(path), "--pack", str(CIVILITY), "--as-of", "2016-06-01",
                       "--format", "jsonl", "--lang", "en")
    assert 2 == code
    assert "'civility_rating.colour' is not a fact path" in err


DISTRICT = CIVILITY.parent / "district"


def test_jurisdiction_facts_are_in_the_jurisdiction_document_schema() -> None:
    district = policyengine.load_pack(DISTRICT)
    schema = packs_facts_schema([district])
    defs = schema["$defs"]
    own = defs["JurisdictionDocument"]["properties"]["district_civility"]["properties"]
    assert ["inspections", "volunteer_share"] == sorted(own)
    assert ["score"] == sorted(defs["Community"]["properties"]["district_civility"]["properties"])
    validator = jsonschema.Draft202012Validator(schema)
    for own_facts, valid in (({"inspections": 4}, True), ({"inspections": -1}, False),
                             ({"inspections": 2.5}, False), ({"score": 90}, False)):
        doc = {"jurisdiction": {"id": "d"}, "district_civility": own_facts}
        try:
            structure_subject(doc)
            accepted = True
        except FactsError:
            accepted = False
        assert (valid, valid) == (accepted, validator.is_valid(doc)), own_facts


@pytest.mark.parametrize(
    ("own", "shared"),
    [
        ({"score": 2**53 + 1}, {"happiness": {"objective_score": 2**53 + 1}}),
        ({"level": "x" * 65_536}, {"community": {"id": "c", "name": "x" * 65_536}}),
        ({"vetoes": ["x" * 65_536]}, None),
    ],
)
def test_limits_are_those_of_the_shared_vocabulary(
    civility: policyengine.Pack, own: dict[str, Any], shared: dict[str, Any] | None
) -> None:
    """A number beyond 2^53 or text over 64 KiB: refused with the shared facts' messages,
    and by the schema."""
    validator = jsonschema.Draft202012Validator(packs_facts_schema([civility]))
    doc = {"community": {"id": "c"}, "civility_rating": own}
    with pytest.raises(FactsError) as mine:
        structure_subject(doc)
    (problem,) = mine.value.problems
    if shared is not None:
        with pytest.raises(FactsError) as theirs:
            structure_subject({"community": {"id": "c"}, **shared})
        assert theirs.value.problems[0].message.split(" ", 1)[1] == (
            problem.message.split(" ", 1)[1])
    assert not validator.is_valid(doc)
