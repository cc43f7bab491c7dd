"""JSON Schema of facts and results: generated from the vocabulary, and agreeing with the validator.

Differential: on a corpus of valid and broken documents (hypothesis, plus hand-made wrong
types, out-of-range values, unknown keys, bad enums) the schema and the validator accept and
refuse the same documents. The only documents they may disagree on are those whose every
problem is a cross-field check that JSON Schema cannot express (and the schema says so).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyengine
from policyengine import api
from policyengine.documents import structure_subject
from policyengine.facts import FactType, Range, fact_catalogue
from policyengine.limits import MAX_EXACT_INT, MAX_TEXT_BYTES
from policyengine.schemas import facts_schema, result_schema

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").rglob("*.toml"))
CASE_FILES = sorted((ROOT / "policy_packs").glob("*/policyengine_pack_*/cases/*.toml"))
CROSS_FIELD = (
    "is more than",  # a part above its whole
    "the sub-scores add up to",
)

FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER
FACTS = jsonschema.Draft202012Validator(facts_schema(), format_checker=FORMATS)
RESULT = jsonschema.Draft202012Validator(result_schema(), format_checker=FORMATS)


def as_json(data: Any) -> Any:
    """A TOML document as the same JSON document (dates as ISO text)."""
    return json.loads(json.dumps(data, default=lambda d: d.isoformat()))


def schema_accepts(document: Any) -> bool:
    return FACTS.is_valid(document)


def validator_problems(document: Any) -> tuple[policyengine.FactProblem, ...]:
    return (
        api.check_facts(document)
        if isinstance(document, dict)
        else (policyengine.FactProblem("", "not a table"),)
    )


def test_the_schemas_are_valid_2020_12():
    """Both schemas are valid JSON Schema documents of the 2020-12 dialect."""
    for schema in (facts_schema(), result_schema()):
        assert "https://json-schema.org/draft/2020-12/schema" == schema["$schema"]
        jsonschema.Draft202012Validator.check_schema(schema)


def test_every_fact_path_is_in_the_schema():
    """Every path of the validator's vocabulary has a property in the schema, and no more."""
    defs = facts_schema()["$defs"]

    def paths(name: str, prefix: str) -> set[str]:
        out: set[str] = set()
        for key, prop in defs[name]["properties"].items():
            ref = prop.get("$ref")
            if ref:
                out |= paths(ref.rsplit("/", 1)[1], f"{prefix}{key}.")
                continue
            inner = [s.get("$ref") for s in prop.get("anyOf", ()) if "$ref" in s]
            if inner:
                out |= paths(inner[0].rsplit("/", 1)[1], f"{prefix}{key}.")
            else:
                out.add(prefix + key)
        return out

    assert set(fact_catalogue("community")) == paths("Community", "")
    assert set(fact_catalogue("jurisdiction")) == paths("JurisdictionInfo", "jurisdiction.")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_validates(path):
    """Every example document is valid for both the schema and the validator."""
    document = as_json(tomllib.loads(path.read_text(encoding="utf-8")))
    assert [] == [e.message for e in FACTS.iter_errors(document)]
    assert () == api.check_facts(path)


def case_facts() -> list[tuple[Path, int, Any]]:
    found = []
    for path in CASE_FILES:
        for i, case in enumerate(tomllib.loads(path.read_text(encoding="utf-8")).get("cases", [])):
            if isinstance(case.get("facts"), dict):
                found.append((path, i, case["facts"]))
    return found


@pytest.mark.parametrize(
    ("path", "index", "facts"),
    case_facts(),
    ids=[f"{p.parent.parent.name}/{p.name}[{i}]" for p, i, _ in case_facts()],
)
def test_every_case_file_facts_validate(path, index, facts):
    """The inline facts of every pack test case agree: schema and validator both accept
    (``include`` paths are read relative to the case file, as the pack's tests read them)."""
    document = as_json(facts)
    assert [] == [e.message for e in FACTS.iter_errors(document)]
    structure_subject(document, path.parent)  # raises FactsError naming every problem


def test_case_files_were_found():
    """The case corpus is not empty (a moved folder must not make the test vacuous)."""
    assert len(case_facts()) > 50


@pytest.mark.parametrize(
    ("document", "bad_path"),
    [
        ({"community": {"id": "a"}, "staff": {"count": "12"}}, "staff.count"),  # text for int
        ({"community": {"id": "a"}, "staff": {"count": 1.5}}, "staff.count"),  # not whole
        ({"community": {"id": "a"}, "staff": {"count": -1}}, "staff.count"),  # below 0
        ({"community": {"id": "a"}, "staff": {"count": True}}, "staff.count"),  # bool for int
        (
            {"community": {"id": "a"}, "happiness": {"objective_score": 700.5}},
            "happiness.objective_score",
        ),
        (
            {"community": {"id": "a"}, "happiness": {"previous_stars": 6}},
            "happiness.previous_stars",
        ),
        (
            {"community": {"id": "a"}, "services": {"resident_satisfaction": 1.01}},
            "services.resident_satisfaction",
        ),
        (
            {"community": {"id": "a"}, "staff": {"local_avg_wage_prev_year_yuan": 0}},
            "staff.local_avg_wage_prev_year_yuan",
        ),
        (
            {"community": {"id": "a"}, "facilities": {"kindergarten": "yes"}},
            "facilities.kindergarten",
        ),
        ({"community": {"id": "a"}, "facilities": {"kindergarten": 1}}, "facilities.kindergarten"),
        ({"community": {"id": "a", "kind": "suburban"}}, "community.kind"),  # bad enum
        ({"community": {"id": "a"}, "happiness": {"vetoes": ["parking"]}}, "happiness.vetoes[0]"),
        ({"community": {"id": "a"}, "happiness": {"vetoes": "leadership"}}, "happiness.vetoes"),
        (
            {"community": {"id": "a"}, "facilities": {"swimming_pool": True}},
            "facilities.swimming_pool",
        ),
        ({"community": {"id": "a"}, "weather": {"sunny": True}}, "weather"),  # unknown section
        ({"community": {"id": 7}}, "community.id"),
        ({"community": {"name": "甲"}}, "community"),  # no id
        (
            {"community": {"id": "a"}, "reporting": {"monthly_reports": ["2024-13-01"]}},
            "reporting.monthly_reports[0]",
        ),
        (
            {"community": {"id": "a"}, "reporting": {"monthly_reports": ["20240101"]}},
            "reporting.monthly_reports[0]",
        ),
        (
            {"community": {"id": "a"}, "reporting": {"monthly_reports": ["2024-W01-1"]}},
            "reporting.monthly_reports[0]",
        ),
        ({"community": {"id": "a"}, "organization": None}, "organization"),
        ({"jurisdiction": {"id": "j", "level": "province"}}, "jurisdiction.level"),
        (
            {
                "jurisdiction": {"id": "j"},
                "communities": [{"community": {"id": "c", "households": -3}}],
            },
            "communities[0].community.households",
        ),
        ({"jurisdiction": {"id": "j"}, "community": {"id": "c"}}, "community"),
        (
            {
                "jurisdiction": {"id": "j"},
                "jurisdictions": [{"jurisdiction": {"id": "k", "plan": "yes"}}],
            },
            "jurisdictions[0].jurisdiction.plan",
        ),
        ({"neither": {}}, ""),
        ([{"community": {"id": "a"}}], ""),
        # the limits: numbers beyond 2^53, text beyond 65,535 bytes
        ({"community": {"id": "a", "households": MAX_EXACT_INT + 1}}, "community.households"),
        ({"community": {"id": "a"}, "staff": {"count": MAX_EXACT_INT + 1}}, "staff.count"),
        (
            {"community": {"id": "a"}, "finance": {"operating_funds_yuan": 2.0**53 * 2}},
            "finance.operating_funds_yuan",
        ),
        (
            {"community": {"id": "a"}, "spaces": {"service_area_m2": MAX_EXACT_INT + 1}},
            "spaces.service_area_m2",
        ),
        ({"community": {"id": "a", "name": "x" * (MAX_TEXT_BYTES + 1)}}, "community.name"),
        ({"community": {"id": "x" * (MAX_TEXT_BYTES + 1)}}, "community.id"),
        (
            {"community": {"id": "a", "jurisdiction": ["x" * (MAX_TEXT_BYTES + 1)]}},
            "community.jurisdiction[0]",
        ),
        (
            {"jurisdiction": {"id": "j", "name": "x" * (MAX_TEXT_BYTES + 1)}},
            "jurisdiction.name",
        ),
        # a place's name of no text: ["", "赤峰市"] was read as a place elsewhere than 赤峰市
        ({"community": {"id": "a", "jurisdiction": ["", "赤峰市"]}}, "community.jurisdiction[0]"),
        (
            {"community": {"id": "a", "jurisdiction": ["内蒙古自治区", " \u3000", "红山区"]}},
            "community.jurisdiction[1]",
        ),
    ],
)
def test_hand_made_broken_documents_are_refused_by_both(document, bad_path):
    """Wrong types, out-of-range values, unknown keys, bad enums and dates: both refuse,
    and the validator names the field."""
    problems = validator_problems(document)
    assert (False, True) == (schema_accepts(document), bool(problems))
    assert any(p.path.startswith(bad_path) for p in problems), problems


@pytest.mark.parametrize(
    "document",
    [
        {"community": {"id": "a"}},
        {"community": {"id": "a", "name": None, "households": None}},  # null is unknown
        {"community": {"id": "a"}, "staff": {"count": 3.0}},  # a whole float is a whole number
        {"community": {"id": "a"}, "happiness": {"objective_score": 700, "survey_score": 0}},
        {"community": {"id": "a"}, "happiness": {"objective_by_type": None}},
        {"community": {"id": "a"}, "reporting": {"monthly_reports": ["2024-02-29"]}},
        {"jurisdiction": {"id": "j"}, "communities": {"community": {"id": "c"}}},
        {
            "jurisdiction": {"id": "j"},
            "communities": [],
            "jurisdictions": [{"jurisdiction": {"id": "k"}}],
        },
        # at the limits: 2^53 and 65,535 bytes are still taken
        {"community": {"id": "a", "households": MAX_EXACT_INT}},
        {"community": {"id": "a"}, "finance": {"operating_funds_yuan": float(MAX_EXACT_INT)}},
        {"community": {"id": "a", "name": "x" * MAX_TEXT_BYTES}},
        {"community": {"id": "a", "name": "社" * (MAX_TEXT_BYTES // 3)}},  # 3 bytes each
        {"community": {"id": "a", "jurisdiction": ["x" * MAX_TEXT_BYTES]}},
    ],
)
def test_hand_made_valid_documents_are_accepted_by_both(document):
    """Edge cases of valid documents: both accept."""
    assert (True, ()) == (schema_accepts(document), validator_problems(document))


def test_cross_field_checks_are_the_only_known_disagreement():
    """A part above its whole passes the schema (JSON Schema cannot compare fields), and the
    schema's description says the validator checks it."""
    document = {"community": {"id": "a"}, "staff": {"count": 2, "trained_this_year": 3}}
    assert schema_accepts(document)
    assert ["staff.trained_this_year"] == [p.path for p in validator_problems(document)]
    assert "staff.trained_this_year ≤ staff.count" in facts_schema()["description"]


def test_text_bytes_beyond_the_characters_are_the_validators_alone():
    """JSON Schema bounds text in characters: Chinese text of 21,846 characters (65,538
    bytes) passes the schema's maxLength and not the validator's byte limit, and the
    schema's description says so."""
    document = {"community": {"id": "a", "name": "社" * (MAX_TEXT_BYTES // 3 + 1)}}
    assert schema_accepts(document)
    assert ["community.name"] == [p.path for p in validator_problems(document)]
    assert f"{MAX_TEXT_BYTES:,} bytes of UTF-8" in facts_schema()["description"]


def test_the_schema_states_the_validators_limits():
    """Every number is bounded by ±2^53 (or the fact's own range) and every free text by
    65,535, as the validator bounds them."""
    defs = facts_schema()["$defs"]
    households = defs["CommunityInfo"]["properties"]["households"]["anyOf"][0]
    assert (0, MAX_EXACT_INT) == (households["minimum"], households["maximum"])
    satisfaction = defs["Services"]["properties"]["resident_satisfaction"]["anyOf"][0]
    assert 1 == satisfaction["maximum"]
    assert MAX_TEXT_BYTES == defs["CommunityInfo"]["properties"]["id"]["maxLength"]
    name = defs["JurisdictionInfo"]["properties"]["name"]["anyOf"][0]
    assert MAX_TEXT_BYTES == name["maxLength"]


# --------------------------------------------------------------------------- generated corpus


def value_for(ftype: FactType) -> st.SearchStrategy[Any]:
    """Values of one fact: mostly in range, with wrong types and out-of-range ones mixed in."""
    wrong = st.one_of(
        st.text(max_size=3), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)
    )
    rng = ftype.range or Range()
    low = -5 if rng.min is None else rng.min - 5
    high = 10_000 if rng.max is None else rng.max + 5
    beyond = st.sampled_from([MAX_EXACT_INT, MAX_EXACT_INT + 1, -MAX_EXACT_INT - 1])
    long_text = st.sampled_from(["x" * MAX_TEXT_BYTES, "x" * (MAX_TEXT_BYTES + 1)])
    wrong = st.one_of(wrong, beyond, long_text)
    if ftype.kind == "bool":
        good: st.SearchStrategy[Any] = st.booleans()
    elif ftype.kind == "int":
        good = st.integers(int(low), int(high))
        wrong = st.one_of(wrong, st.floats(low, high, allow_nan=False))
    elif ftype.kind == "number":
        good = st.one_of(st.integers(int(low), int(high)), st.floats(low, high, allow_nan=False))
    elif ftype.kind == "text":
        good = st.sampled_from([*ftype.choices, "other"]) if ftype.choices else st.text(max_size=4)
    elif ftype.kind == "list":
        good = st.lists(
            st.sampled_from([*ftype.choices, "other"]) if ftype.choices else st.text(max_size=3),
            max_size=3,
        )
    else:
        day = st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)).map(dt.date.isoformat)
        good = st.lists(
            st.one_of(day, st.sampled_from(["2024-02-30", "20240101", "2024-1-1"])), max_size=3
        )
    return st.one_of(good, good, good, wrong)


COMMUNITY_PATHS = sorted(fact_catalogue("community"))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A community document: some facts, sometimes an unknown key or a missing id."""
    document: dict[str, Any] = {"community": {"id": draw(st.sampled_from(["c-1", "社区"]))}}
    for path in draw(st.lists(st.sampled_from(COMMUNITY_PATHS), max_size=6, unique=True)):
        *sections, name = path.split(".")
        table = document
        for section in sections:
            table = table.setdefault(section, {})
        table[name] = draw(value_for(fact_catalogue("community")[path]))
    if draw(st.integers(0, 9)) == 0:
        document.setdefault("staff", {})["unknown_fact"] = 1
    if draw(st.integers(0, 19)) == 0:
        del document["community"]["id"]
    if draw(st.integers(0, 9)) == 0:
        return {"jurisdiction": {"id": "j"}, "communities": [document]}
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_schema_and_validator_agree_on_generated_documents(document):
    """Accept and refuse the same documents; where they differ, every problem is cross-field."""
    problems = validator_problems(document)
    if schema_accepts(document) == (not problems):
        return
    assert problems and schema_accepts(document), (document, problems)
    assert all(any(m in p.message for m in CROSS_FIELD) for p in problems), problems


# --------------------------------------------------------------------------- results


@pytest.mark.parametrize("pack", sorted(api.installed_packs()))
@pytest.mark.parametrize(
    "path", [p for p in EXAMPLES if p.parent.name == "examples"], ids=lambda p: p.name
)
def test_every_result_validates(pack, path):
    """The result of every example against every pack matches the result schema."""
    result = api.evaluate(path, pack, as_of=dt.date(2024, 6, 30)).to_dict()
    assert [] == [e.message for e in RESULT.iter_errors(result)]


def test_result_schema_refuses_an_unknown_verdict():
    """The verdicts and outcomes are enumerated from the results module."""
    result = api.evaluate(EXAMPLES[0], "wuma-star-rating", as_of=dt.date(2014, 12, 31)).to_dict()
    assert not RESULT.is_valid({**result, "verdict": "maybe"})
    assert not RESULT.is_valid(
        {**result, "findings": [{**result["findings"][0], "outcome": "so-so"}]}
    )


def test_schema_command_prints_the_same_schemas(capsys):
    """``policyengine schema facts|result`` print the generated schemas."""
    from policyengine.cli import main

    for name, schema in (("facts", facts_schema()), ("result", result_schema())):
        assert 0 == main(["schema", name])
        assert schema == json.loads(capsys.readouterr().out)


def test_a_packs_declared_facts_join_the_schema():
    """Facts a pack declares (by path and type) are added where they belong, with their range;
    the vocabulary's own stay as they are."""
    declared = {
        "happiness.bonus_points": FactType("number", range=Range(0, 10)),
        "waste.sorted_share": FactType("number", range=Range(0, 1)),
        "waste.bins": FactType("list", choices=("kitchen", "recyclable")),
    }
    validator = jsonschema.Draft202012Validator(facts_schema(declared), format_checker=FORMATS)
    good = {
        "community": {"id": "a"},
        "happiness": {"bonus_points": 4, "survey_score": 200},
        "waste": {"sorted_share": 0.5, "bins": ["kitchen"]},
    }
    assert validator.is_valid(good)
    for bad in (
        {"community": {"id": "a"}, "happiness": {"bonus_points": 11}},
        {"community": {"id": "a"}, "waste": {"bins": ["glass"]}},
        {"community": {"id": "a"}, "waste": {"other": 1}},
        {"community": {"id": "a"}, "happiness": {"survey_score": 301}},
    ):
        assert not validator.is_valid(bad), bad
    assert not FACTS.is_valid(good)  # without the declaration these are unknown keys
    with pytest.raises(ValueError, match=r"section\.name"):
        facts_schema({"toplevel": FactType("bool")})
