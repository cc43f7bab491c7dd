"""English sentences read as English (results.md: "a sentence an official reads, in the
result's language"): a count of one takes the singular ("1 point", "1 star", "1 community
lacks data"), a title set into a sentence starts in lower case ("seen: level street, share
of communities …") unless it is a proper name or an acronym, and a label that already says
that a thing holds is not followed by "in place" ("street offices established").

Every bundled example (``examples/*.toml``, each against its pack, on dates across every
programme) and every case of every bundled pack is evaluated with ``lang="en"``; no
sentence of the results (findings' messages, gaps' messages, nested results) may show the
errors above.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_english import cases_in_english

from policyengine import api
from policyengine.i18n import text
from policyengine.messages import Reason, render

ROOT = Path(__file__).resolve().parent.parent
PACKS = (
    "wuma-star-rating",
    "chifeng-annual-targets",
    "fengxiang-harmony",
    "wuzhou-complete-community",
    "yixing-demonstration-city",
)
DATES = tuple(
    dt.date(y, 6, 30) for y in (2008, 2009, 2010, 2012, 2013, 2014, 2015, 2020, 2023, 2024, 2025)
)
UNITS = (
    "stars|points|communities|people|households|rooms|boards|stations|evaluations|records"
    "|requirements"
)
WRONG = (
    re.compile(rf"(?<![\d.,])1 (?:more )?(?:{UNITS})\b"),
    re.compile(r"\b1 communities lack\b|\b1 (?:more )?community lack\b"),
    re.compile(r"(?:, |required: |Provide |seen: )(?:Share|Number) of"),
    re.compile(r"\b(?:established|adopted) in place\b"),
)
"""Number agreement of the units a count is said in; a title capitalised mid-sentence; a
label that states itself followed by "in place"."""

TEXT_FIELDS = ("message", "title")


def _sentences(result: dict[str, Any]) -> Iterator[str]:
    for f in result["findings"]:
        yield from (f[k] for k in TEXT_FIELDS if isinstance(f.get(k), str))
    for g in result.get("gaps", ()):
        yield g["message"]
    for child in (*result.get("communities", ()), *result.get("jurisdictions", ())):
        yield from _sentences(child)


def wrong(result: dict[str, Any]) -> list[str]:
    return [s for s in _sentences(result) if any(p.search(s) for p in WRONG)]


def _pack_of(example: Path) -> str:
    name = example.name
    return next(p for p in PACKS if name.startswith((p, p.split("-")[0])))


EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def test_there_are_examples_of_every_pack():
    assert set(PACKS) == {_pack_of(e) for e in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_in_english(example: Path):
    found: dict[str, str] = {}
    for day in DATES:
        result = api.evaluate(example, _pack_of(example), as_of=day, lang="en").to_dict()
        for s in wrong(result):
            found.setdefault(s, day.isoformat())
    assert {} == found


@pytest.mark.parametrize("pack_id", PACKS)
def test_every_case_in_english(pack_id: str):
    found: dict[str, str] = {}
    for name, result in cases_in_english(pack_id):
        for s in wrong(result):
            found.setdefault(s, name)
    assert {} == found


class TestTheCheckIsNotBlind:
    """The sentences it guards are said, correctly, where the errors were."""

    def test_one_point_short_of_one_star(self):
        facts = {
            "community": {"id": "s649", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {"objective_score": 449, "survey_score": 200, "vetoes": [],
                          "previous_stars": 0},
        }
        r = api.evaluate(facts, "wuma-star-rating", as_of=dt.date(2014, 6, 30), lang="en")
        said = list(_sentences(r.to_dict()))
        assert any("1 point short of 1 star:" in s for s in said)
        assert any("; 1 star needs at least 650 points" in s for s in said)
        assert [] == wrong(r.to_dict())

    def test_one_community_lacks_data_and_titles_in_lower_case(self):
        r = api.evaluate(ROOT / "examples" / "wuma-street.toml", "wuma-star-rating",
                         as_of=dt.date(2014, 6, 30), lang="en").to_dict()
        said = list(_sentences(r))
        assert any("Data missing: 1 community lacks data, so" in s for s in said)
        assert any("Seen: level street, share of communities reaching" in s for s in said)
        assert any("required: share of communities reaching" in s for s in said)
        assert any("required: funds in the budget (clause 五(四))" in s for s in said)

    def test_a_label_that_states_itself(self):
        r = api.evaluate(ROOT / "examples" / "chifeng-annual-targets-jurisdiction.toml",
                         "chifeng-annual-targets", as_of=dt.date(2008, 6, 30), lang="en")
        said = list(_sentences(r.to_dict()))
        assert any("required: street offices established (clause" in s for s in said)
        assert any("required: plan adopted (clause" in s for s in said)
        assert any("required: leading group in place (clause" in s for s in said)


@pytest.mark.parametrize(
    ("key", "n", "en", "zh"),
    [
        ("unit.points", "1", "1 point", "1分"),
        ("unit.points", "2", "2 points", "2分"),
        ("unit.stars", 1, "1 star", "1星"),
        ("unit.people", "1", "1 person", "1人"),
        ("unit.households", "1", "1 household", "1户"),
        ("band.stars", 1, "1 star", "1星级"),
        ("band.stars", 4, "4 stars", "4星级"),
        ("unit.points", "1.5", "1.5 points", "1.5分"),
    ],
)
def test_a_count_of_one_is_singular(key, n, en, zh):
    assert (en, zh) == (text(key, "en", n=n), text(key, "zh", n=n))


def test_a_reason_counting_one_is_singular():
    one, two = (Reason("aggregate_unknown_extra", {"n": n}) for n in (1, 2))
    assert "; 1 more community lacks data" == render(one, "en")
    assert "; 2 more communities lack data" == render(two, "en")
    assert "，另有 1 个社区数据不全" == render(one, "zh")


@pytest.mark.parametrize(
    ("title", "said"),
    [
        ("Share of communities with five stars", "share of communities with five stars"),
        ("Number of key communities", "number of key communities"),
        ("Basic standard", "basic standard"),
        ("Wuma Street targets", "Wuma Street targets"),
        ("GDP per resident", "GDP per resident"),
        ("share with five stars", "share with five stars"),
        ("“Five goods” share", "“Five goods” share"),
        ("五星级社区比例", "五星级社区比例"),
    ],
)
def test_a_title_set_into_a_sentence(title, said):
    from policyengine.i18n import mid_sentence

    assert said == mid_sentence(title)
