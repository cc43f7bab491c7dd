"""Dated events as records: one fact holds events of several kinds ``{kind, date, note}``,
and a window count over the kinds a clause lists ("no safety or petition veto in the two
years before applying"), both ends included, unknown when what it reads is not given."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyengine
from policyengine.authoring.cases import run_cases
from policyengine.authoring.mutate import run_mutants
from policyengine.documents import parse_document, structure_subject
from policyengine.engine import compile_pack
from policyengine.exceptions import FactsError, PackError
from policyengine.pack_facts import Event
from policyengine.relative_time import add_period

PACK = Path(__file__).resolve().parent / "fixtures" / "events"
KINDS = ("safety", "petition", "environment")


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    return policyengine.load_pack(PACK)


def outcomes(pack: policyengine.Pack, own: dict[str, Any], as_of: dt.date) -> dict[str, str]:
    subject = structure_subject({"community": {"id": "c"}, "event_records": own})
    result = policyengine.evaluate(subject, pack, as_of=as_of)
    return {f.rule: f.outcome for f in result.findings}


def test_the_cases_at_each_edge_pass_and_kill_every_mutant(pack: policyengine.Pack) -> None:
    report = run_cases(pack)
    assert (8, 0, ()) == (report.passed, report.failed, report.errors)
    mutants = run_mutants(pack)
    assert mutants.total == mutants.killed
    changes = {m.mutant.change for m in mutants.results}
    assert {'member "safety" dropped', 'member "petition" dropped'} <= changes


def test_records_are_read_as_events(pack: policyengine.Pack) -> None:
    subject = structure_subject(
        {
            "community": {"id": "c"},
            "event_records": {
                "vetoes": [{"kind": "petition", "date": dt.date(2017, 1, 2), "note": "越级上访"}]
            },
        }
    )
    assert {"event_records.vetoes": (Event("petition", dt.date(2017, 1, 2), "越级上访"),)} == (
        subject.pack_facts
    )
    # JSON gives dates as text, read like the shared vocabulary's dates
    text = json.dumps(
        {
            "community": {"id": "c"},
            "event_records": {"vetoes": [{"kind": "petition", "date": "2017-01-02"}]},
        }
    )
    from_json = structure_subject(parse_document(Path("c.json"), text))
    assert (Event("petition", dt.date(2017, 1, 2)),) == from_json.pack_facts[
        "event_records.vetoes"
    ]


def test_bad_records_are_named_by_path(pack: policyengine.Pack) -> None:
    with pytest.raises(FactsError) as info:
        structure_subject(
            {
                "community": {"id": "c"},
                "event_records": {
                    "vetoes": [
                        {"kind": "fire", "date": dt.date(2017, 1, 2)},
                        {"kind": "safety"},
                        {"kind": "safety", "date": dt.date(2017, 1, 2), "where": "x"},
                        "safety",
                    ]
                },
            }
        )
    assert {
        "event_records.vetoes[0].kind": "'fire' is not one of: safety, petition, environment",
        "event_records.vetoes[1].date": "is required (YYYY-MM-DD)",
        "event_records.vetoes[2].where": "unknown field (an event has kind, date, note)",
        "event_records.vetoes[3]": '"safety" is not a table (kind, date)',
    } == {p.path: p.message for p in info.value.problems}


def test_typed_facts_with_events_validate_again(pack: policyengine.Pack) -> None:
    from policyengine.documents import validated
    from policyengine.facts import Community, CommunityInfo

    built = Community(
        community=CommunityInfo(id="c"),
        pack_facts={"event_records.vetoes": (Event("safety", dt.date(2017, 1, 2)),)},
    )
    assert built == validated(built)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kinds = ["safety", "petition"]', 'kinds = ["safety", "fire"]',
         r"derived\[0\] \(event_records.vetoes_in_window\).kinds: 'fire' is not a kind"),
        ('count_events = "event_records.vetoes"\nkinds = ["safety", "petition"]',
         'count_events = "event_records.applied_on"\nkinds = []',
         "'event_records.applied_on' is not an events fact"),
    ],
)
def test_window_declarations_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (PACK / "pack.toml").read_text("utf-8")
    assert old in text
    (tmp_path / "pack.toml").write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(PackError, match=message):
        compile_pack(policyengine.load_pack(tmp_path))


def test_a_condition_cannot_read_the_records_directly(tmp_path: Path) -> None:
    text = (PACK / "pack.toml").read_text("utf-8")
    (tmp_path / "pack.toml").write_text(
        text.replace(
            'require = "event_records.vetoes_in_window == 0"',
            'require = "count(event_records.vetoes) == 0"',
        ),
        "utf-8",
    )
    with pytest.raises(PackError, match=r"'event_records\.vetoes' is not a known fact"):
        compile_pack(policyengine.load_pack(tmp_path))


_DAYS = st.dates(dt.date(2014, 1, 1), dt.date(2019, 12, 31))


@settings(max_examples=120, deadline=None)
@given(
    events=st.one_of(st.none(), st.lists(st.tuples(st.sampled_from(KINDS), _DAYS), max_size=5)),
    applied=st.one_of(st.none(), _DAYS),
    as_of=st.dates(dt.date(2016, 1, 1), dt.date(2019, 12, 31)),
)
def test_window_outcome_is_the_documents_reading(
    pack: policyengine.Pack,
    events: list[tuple[str, dt.date]] | None,
    applied: dt.date | None,
    as_of: dt.date,
) -> None:
    """四: pass exactly when no safety or petition event falls in [applied − 2 years,
    applied] (and not after the evaluation date); unknown when either is not given."""
    own: dict[str, Any] = {}
    if events is not None:
        own["vetoes"] = [{"kind": k, "date": d} for k, d in events]
    if applied is not None:
        own["applied_on"] = applied
    found = outcomes(pack, own, as_of)
    if events is None or applied is None:
        expected = "unknown"
    else:
        start = add_period(applied, -2)
        hits = [d for k, d in events if k != "environment" and start <= d <= applied and d <= as_of]
        expected = "fail" if hits else "pass"
    assert expected == found["veto.window"]
    if events is None:
        pollution = "unknown"
    else:
        since = add_period(as_of, -1)
        pollution = "fail" if any(
            k == "environment" and since <= d <= as_of for k, d in events) else "pass"
    assert pollution == found["veto.pollution"]


_RECORD = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(st.sampled_from([*KINDS, "fire"]), st.integers(0, 2)),
        "date": st.one_of(st.dates(dt.date(2015, 1, 1), dt.date(2018, 1, 1)).map(str),
                          st.sampled_from(["2017-02-30", "2017-1-2", "x"])),
        "note": st.one_of(st.text(max_size=2), st.integers(0, 2)),
        "where": st.just("x"),
    },
)


@settings(max_examples=150, deadline=None)
@given(records=st.one_of(st.lists(st.one_of(_RECORD, st.text(max_size=2)), max_size=3),
                         st.text(max_size=2)))
def test_schema_and_validator_agree_on_event_records(pack: policyengine.Pack,
                                                     records: Any) -> None:
    """A JSON document's records the schema accepts are the records the validator accepts."""
    jsonschema = pytest.importorskip("jsonschema")
    from policyengine.schemas import packs_facts_schema

    validator = jsonschema.Draft202012Validator(
        packs_facts_schema([pack]), format_checker=jsonschema.FormatChecker())
    doc = {"community": {"id": "c"}, "event_records": {"vetoes": records}}
    try:
        structure_subject(parse_document(Path("c.json"), json.dumps(doc)))
        accepted = True
    except FactsError:
        accepted = False
    assert accepted == validator.is_valid(doc)


def test_describe_says_what_a_window_counts(pack: policyengine.Pack) -> None:
    from policyengine.authoring.packdoc import describe_pack

    page = describe_pack(pack)
    assert ("count of `event_records.vetoes` of kinds safety, petition within 2 years up to "
            "`event_records.applied_on` (both included)") in page
    assert "within 1 year up to the evaluation date (both included)" in page
