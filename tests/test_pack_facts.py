"""Facts a pack declares for itself: declared, checked, read, listed, and kept to their pack."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

import policyengine
from policyengine.authoring.cases import run_cases
from policyengine.authoring.packdoc import describe_pack
from policyengine.documents import structure_subject
from policyengine.engine import compile_pack
from policyengine.exceptions import FactsError, PackError
from policyengine.facts import Community

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pack_facts"
CIVILITY = FIXTURES / "civility"
OTHER = FIXTURES / "other"


@pytest.fixture(scope="module")
def civility() -> policyengine.Pack:
    """A pack with its own score, veto list and level."""
    return policyengine.load_pack(CIVILITY)


def problems(data: dict[str, object]) -> dict[str, str]:
    """The problems reading a facts document reports, by path."""
    with pytest.raises(FactsError) as info:
        structure_subject(data)
    return {p.path: p.message for p in info.value.problems}


def test_a_pack_reads_its_own_facts(civility: policyengine.Pack) -> None:
    subject = structure_subject(
        {"community": {"id": "c"}, "civility_rating": {"score": 90, "vetoes": []}}
    )
    assert isinstance(subject, Community)
    assert subject.pack_facts == {"civility_rating.score": 90, "civility_rating.vetoes": ()}
    result = policyengine.evaluate(subject, civility, as_of=dt.date(2016, 6, 1))
    outcomes = {f.rule: f.outcome for f in result.findings}
    assert outcomes == {"score.min": "pass", "veto.none": "pass"}
    below = structure_subject({"community": {"id": "c"}, "civility_rating": {"score": 89.9}})
    result = policyengine.evaluate(below, civility, as_of=dt.date(2016, 6, 1))
    assert {f.rule: f.outcome for f in result.findings} == {
        "score.min": "fail",
        "veto.none": "unknown",  # missing is unknown, never false
    }


def test_its_cases_run(civility: policyengine.Pack) -> None:
    report = run_cases(civility)
    assert (report.passed, report.failed, report.errors) == (4, 0, ())


def test_values_are_checked_like_the_shared_vocabulary(civility: policyengine.Pack) -> None:
    assert problems(
        {
            "community": {"id": "c"},
            "civility_rating": {
                "score": 121,
                "scor": 1,
                "vetoes": ["petitio"],
                "level": 3,
            },
        }
    ) == {
        "civility_rating.score": "121 is above the maximum 120",
        "civility_rating.scor": "unknown field (not in the facts vocabulary)",
        "civility_rating.vetoes[0]": "'petitio' is not one of: safety, petition, environment",
        "civility_rating.level": "3 is not text",
    }
    assert problems({"community": {"id": "c"}, "civility_rating": {"score": True}}) == {
        "civility_rating.score": "true is not a number"
    }


def test_a_namespace_no_loaded_pack_declares_is_an_unknown_field() -> None:
    assert problems({"community": {"id": "c"}, "nobody_declares": {"score": 1}}) == {
        "nobody_declares": "unknown field (not in the facts vocabulary)"
    }
    assert problems({"community": {"id": "c"}, "pack_facts": {"civility_rating.score": 1}}) == {
        "pack_facts": "unknown field (not in the facts vocabulary)"
    }


def test_another_pack_cannot_read_them(civility: policyengine.Pack) -> None:
    other = policyengine.load_pack(OTHER)
    with pytest.raises(PackError, match=r"'civility_rating\.score' is not a known fact"):
        compile_pack(other)


def test_conditions_are_type_checked_against_them(tmp_path: Path) -> None:
    text = (CIVILITY / "pack.toml").read_text("utf-8")
    (tmp_path / "pack.toml").write_text(
        text.replace(
            'require = "civility_rating.score >= 90"', 'require = "civility_rating.level >= 90"'
        ),
        "utf-8",
    )
    with pytest.raises(PackError, match="cannot compare text with number"):
        compile_pack(policyengine.load_pack(tmp_path))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '[facts."civility_rating.score"]',
            '[facts."civility.score"]',
            "a pack's own facts are named civility_rating.NAME",
        ),
        (
            '[facts."civility_rating.score"]',
            '[facts."civility_rating.Score"]',
            "'Score' must be lower-case letters, digits and _",
        ),
        ('type = "number"', 'type = "text"', "min and max are for int and number facts"),
        ("max = 120", "max = -1", "min 0 is above max -1"),
    ],
)
def test_declarations_are_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (CIVILITY / "pack.toml").read_text("utf-8")
    assert old in text
    (tmp_path / "pack.toml").write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(PackError, match=message):
        policyengine.load_pack(tmp_path)


def test_a_namespace_cannot_be_a_section_of_the_shared_vocabulary(tmp_path: Path) -> None:
    text = (CIVILITY / "pack.toml").read_text("utf-8")
    text = text.replace('id = "civility-rating"', 'id = "happiness"').replace(
        "civility_rating.", "happiness."
    )
    (tmp_path / "pack.toml").write_text(text, "utf-8")
    with pytest.raises(PackError, match="is a section of the shared vocabulary"):
        policyengine.load_pack(tmp_path)


def test_describe_lists_them(civility: policyengine.Pack) -> None:
    page = describe_pack(civility)
    assert "## Facts of this pack" in page
    assert "`[civility_rating]`" in page
    assert (
        "| `civility_rating.score` | 文明社区考评得分 (Civility score) | number | 分 | 0 to 120 | 三 |"
        in page
    )


DISTRICT = FIXTURES / "district"


@pytest.fixture(scope="module")
def district() -> policyengine.Pack:
    """A pack with facts of a district (level = "jurisdiction") and of its communities."""
    return policyengine.load_pack(DISTRICT)


def test_a_jurisdiction_gives_its_own_facts_beside_its_table(district: policyengine.Pack) -> None:
    subject = structure_subject(
        {
            "jurisdiction": {"id": "d", "level": "district"},
            "district_civility": {"inspections": 4, "volunteer_share": 9.5},
            "communities": [{"community": {"id": "c"}, "district_civility": {"score": 80}}],
        }
    )
    assert {
        "district_civility.inspections": 4,
        "district_civility.volunteer_share": 9.5,
    } == subject.pack_facts
    result = policyengine.evaluate(subject, district, as_of=dt.date(2016, 6, 1))
    # 二: 不少于4次 includes 4; 三: 10%以上 includes 10, 9.5 is below
    assert {"district.inspections": "pass", "district.volunteers": "fail"} == {
        f.rule: f.outcome for f in result.findings
    }
    (community,) = result.communities
    assert {"community.score": "pass"} == {f.rule: f.outcome for f in community.findings}
    unknown = structure_subject({"jurisdiction": {"id": "d"}})
    result = policyengine.evaluate(unknown, district, as_of=dt.date(2016, 6, 1))
    assert {"district.inspections": "unknown", "district.volunteers": "unknown"} == {
        f.rule: f.outcome for f in result.findings
    }


def test_jurisdiction_facts_are_checked_like_community_facts(district: policyengine.Pack) -> None:
    assert {
        "district_civility.inspections": "-1 is below the minimum 0",
        'district_civility.volunteer_share': '"a" is not a number',
        "district_civility.score": "unknown field (not in the facts vocabulary)",
        "jurisdictions[0].district_civility.inspections": "2.5 is not a whole number",
        "communities[0].district_civility.inspections": "unknown field (not in the facts vocabulary)",
    } == problems(
        {
            "jurisdiction": {"id": "d"},
            "district_civility": {"inspections": -1, "volunteer_share": "a", "score": 90},
            "jurisdictions": [
                {"jurisdiction": {"id": "s"}, "district_civility": {"inspections": 2.5}}
            ],
            "communities": [{"community": {"id": "c"}, "district_civility": {"inspections": 4}}],
        }
    )


def test_a_community_rule_cannot_read_a_jurisdiction_fact(tmp_path: Path) -> None:
    text = (DISTRICT / "pack.toml").read_text("utf-8")
    (tmp_path / "pack.toml").write_text(
        text.replace(
            'require = "district_civility.score >= 80"',
            'require = "district_civility.inspections >= 80"',
        ),
        "utf-8",
    )
    with pytest.raises(PackError, match=r"'district_civility\.inspections' is not a known fact"):
        compile_pack(policyengine.load_pack(tmp_path))


def test_typed_jurisdiction_facts_are_validated_again(district: policyengine.Pack) -> None:
    from policyengine.documents import validated
    from policyengine.facts import CommunityInfo, Jurisdiction, JurisdictionInfo

    built = Jurisdiction(
        JurisdictionInfo(id="d"),
        (Community(community=CommunityInfo(id="c"), pack_facts={"district_civility.score": 70}),),
        pack_facts={"district_civility.inspections": 5},
    )
    assert built == validated(built)
    wrong = attrs.evolve(built, pack_facts={"district_civility.inspections": -2})
    with pytest.raises(FactsError, match="below the minimum"):
        validated(wrong)


def test_describe_marks_jurisdiction_facts(district: policyengine.Pack) -> None:
    page = describe_pack(district)
    assert "| `district_civility.inspections` | 年度督查次数 (Inspections this year) | int, of a jurisdiction |" in page
