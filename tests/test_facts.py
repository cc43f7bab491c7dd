"""The facts vocabulary (spec/facts.md): typed, checked, every problem reported at once."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policyengine import Community, FactsError, Jurisdiction
from policyengine.documents import load_document, structure_community
from policyengine.exceptions import DocumentError
from policyengine.facts import fact_catalogue, flatten, objective_score

FIXTURE_FACTS = Path(__file__).resolve().parent / "fixtures" / "facts"
FIVE_TYPES = ("self_governance", "ecological", "service", "cultural", "harmonious")


def problems(doc: dict) -> dict[str, str]:
    """``{path: message}`` of every problem the document has."""
    with pytest.raises(FactsError) as caught:
        structure_community(doc)
    return {p.path: p.message for p in caught.value.problems}


class TestEveryProblemAtOnce:
    """A document with many problems reports all of them, each with its field path."""

    def test_all_type_and_range_errors_are_reported_together(self, community):
        """Out-of-range, wrong-type, bad-enum and unknown-key problems all appear in one error."""
        doc = community(
            community={"households": -1, "residents": "12", "new_development": "yes",
                       "jurisdiction": "浙江省"},
            happiness={"objective_score": 720, "survey_score": 300.5,
                       "vetoes": ["leadrship"], "previous_stars": True, "zz": 1},
            services={"covered": "employment"},
        )
        found = problems(doc)
        expected_paths = {
            "community.households",
            "community.residents",
            "community.new_development",
            "community.jurisdiction",
            "happiness.objective_score",
            "happiness.survey_score",
            "happiness.vetoes[0]",
            "happiness.previous_stars",
            "happiness.zz",
            "services.covered",
        }
        assert expected_paths == set(found)

    def test_objective_score_above_700_names_path_value_and_maximum(self, community):
        """The objective score is out of 700 (四(二)), so 720 is rejected with the maximum."""
        found = problems(community(happiness={"objective_score": 720}))
        assert {"happiness.objective_score": "720 is above the maximum 700"} == found

    def test_survey_score_above_300(self, community):
        """The survey score is out of 300 (四(二)): 300.5 is rejected."""
        found = problems(community(happiness={"survey_score": 300.5}))
        assert {"happiness.survey_score": "300.5 is above the maximum 300"} == found

    def test_negative_households(self, community):
        """Households are a count: -1 is below the minimum 0."""
        found = problems(community(community={"households": -1}))
        assert {"community.households": "-1 is below the minimum 0"} == found

    def test_number_given_as_text(self, community):
        """``"12"`` is text, not a number: it is never coerced."""
        found = problems(community(community={"households": "12"}))
        assert {"community.households": '"12" is not a number'} == found

    def test_bool_is_not_a_number(self, community):
        """``true`` is not accepted where a number is expected (no bool-as-int)."""
        found = problems(community(happiness={"previous_stars": True}))
        assert {"happiness.previous_stars": "true is not a number"} == found

    def test_text_is_not_a_bool(self, community):
        """``"yes"`` is not a bool: flags must be true or false."""
        found = problems(community(organization={"party_org": "yes"}))
        assert ["organization.party_org"] == list(found)
        assert found["organization.party_org"].startswith('"yes" is not')

    def test_string_where_a_list_is_expected(self, community):
        """A single string is not a list of services."""
        found = problems(community(services={"covered": "employment"}))
        assert {"services.covered": '"employment" is not a list'} == found

    def test_unknown_enum_value_in_a_list_names_its_position(self, community):
        """An unknown veto is reported at ``happiness.vetoes[1]`` listing the allowed values."""
        found = problems(community(happiness={"vetoes": ["leadership", "tax"]}))
        assert ["happiness.vetoes[1]"] == list(found)
        message = found["happiness.vetoes[1]"]
        assert message.startswith('"tax" is not one of')
        for allowed in ("leadership", "public_security", "family_planning"):
            assert allowed in message

    def test_unknown_enum_value_of_a_text_fact(self, community):
        """``community.kind = "urbn"`` is not one of urban, affordable_housing, rural."""
        found = problems(community(community={"kind": "urbn"}))
        assert {"community.kind": '"urbn" is not one of: urban, affordable_housing, rural'} == found

    def test_unknown_keys_are_errors(self, community):
        """A misspelt field (``happiness.zz``) or section is an error, never silently dropped."""
        found = problems(community(happiness={"zz": 1}, hapiness={"survey_score": 1}))
        expected = {
            "happiness.zz": "unknown field (not in the facts vocabulary)",
            "hapiness": "unknown field (not in the facts vocabulary)",
        }
        assert expected == found

    def test_missing_community_id(self):
        """``community.id`` is the one required fact."""
        assert {"community.id": "is required"} == problems({"community": {"name": "墨池社区"}})

    def test_missing_community_table(self):
        """A document without a ``[community]`` table is rejected at ``community``."""
        assert ["community"] == list(problems({"happiness": {"survey_score": 1}}))

    def test_whole_number_required_for_counts(self, community):
        """A count given as 1.5 is rejected, 2.0 is accepted as 2."""
        assert {"community.households": "1.5 is not a whole number"} == problems(
            community(community={"households": 1.5}))
        c = structure_community(community(community={"households": 2.0}))
        assert 2 == c.community.households

    def test_section_that_is_not_a_table_names_the_value(self, community):
        """``happiness = 5`` is reported as ``happiness: 5 is not a table``."""
        found = problems({"community": {"id": "x"}, "happiness": 5})
        assert {"happiness": "5 is not a table"} == found


class TestCrossFieldChecks:
    """Checks between fields (part <= whole) that a type alone cannot express."""

    def test_trained_more_than_staff(self, community):
        """More staff trained this year than staff is an error on ``staff.trained_this_year``."""
        found = problems(community(staff={"count": 2, "trained_this_year": 3}))
        assert ["staff.trained_this_year"] == list(found)
        assert "3" in found["staff.trained_this_year"]
        assert "staff.count" in found["staff.trained_this_year"]

    def test_college_educated_more_than_leadership(self, community):
        """More college-educated leaders than leaders is an error."""
        found = problems(community(
            organization={"leadership_members": 5, "leadership_college_educated": 6}))
        assert ["organization.leadership_college_educated"] == list(found)

    def test_retirees_socialized_more_than_retirees(self, community):
        """More socialised retirees than retirees is an error."""
        found = problems(community(services={"retirees": 10, "retirees_socialized": 11}))
        assert ["services.retirees_socialized"] == list(found)

    def test_all_cross_field_problems_at_once(self, community):
        """The three part/whole problems are reported together."""
        found = problems(community(
            staff={"count": 2, "trained_this_year": 3},
            organization={"leadership_members": 5, "leadership_college_educated": 6},
            services={"retirees": 10, "retirees_socialized": 11},
        ))
        expected = {"staff.trained_this_year", "organization.leadership_college_educated",
                    "services.retirees_socialized"}
        assert expected == set(found)

    def test_equal_part_and_whole_is_fine(self, community):
        """A part equal to its whole (everyone trained) is valid."""
        c = structure_community(community(staff={"count": 4, "trained_this_year": 4},
                                          services={"retirees": 0, "retirees_socialized": 0}))
        assert 4 == c.staff.trained_this_year


class TestObjectiveByType:
    """The five per-type sub-scores (五型) add up to the objective score."""

    def test_all_five_given_sum_to_the_objective_score(self, community):
        """With every sub-score given, the objective score is their sum."""
        parts = dict(zip(FIVE_TYPES, (112, 108, 110, 104, 106), strict=True))
        c = structure_community(community(happiness={"objective_by_type": parts}))
        assert 540 == objective_score(c.happiness)

    def test_partial_sub_scores_leave_the_objective_score_unknown(self, community):
        """With only some sub-scores, the objective score is unknown (None), not a partial sum."""
        c = structure_community(community(happiness={
            "objective_by_type": {"self_governance": 100, "ecological": 100}}))
        assert objective_score(c.happiness) is None

    def test_sub_scores_above_700_are_rejected(self, community):
        """Sub-scores adding up to more than 700 are an error even when some are missing."""
        found = problems(community(happiness={
            "objective_by_type": {"self_governance": 300, "ecological": 300, "service": 101}}))
        assert ["happiness.objective_by_type"] == list(found)
        assert "701" in found["happiness.objective_by_type"]

    def test_sub_scores_disagreeing_with_the_objective_score_are_rejected(self, community):
        """Given both, the sum (500) must equal the objective score (499)."""
        parts = dict.fromkeys(FIVE_TYPES, 100)
        found = problems(community(happiness={"objective_by_type": parts,
                                              "objective_score": 499}))
        assert ["happiness.objective_by_type"] == list(found)

    def test_sub_scores_agreeing_with_the_objective_score_are_accepted(self, community):
        """Given both and equal, the document is valid."""
        parts = dict.fromkeys(FIVE_TYPES, 100)
        c = structure_community(community(happiness={"objective_by_type": parts,
                                                     "objective_score": 500}))
        assert 500 == objective_score(c.happiness)

    def test_unknown_type_and_negative_sub_score(self, community):
        """A sixth type is unknown and a negative sub-score is below 0, both reported."""
        found = problems(community(happiness={
            "objective_by_type": {"self_governance": -1, "economic": 3}}))
        expected = {
            "happiness.objective_by_type.self_governance": "-1 is below the minimum 0",
            "happiness.objective_by_type.economic": "unknown field (not in the facts vocabulary)",
        }
        assert expected == found


class TestMissingFactsStayUnknown:
    """A fact that is not given is None (unknown), never False or 0."""

    def test_every_fact_but_the_id_is_none(self, community):
        """A community with only an id flattens to None everywhere else."""
        flat = flatten(structure_community(community(id="only-id")))
        assert set(fact_catalogue()) == set(flat)
        assert {"community.id": "only-id"} == {k: v for k, v in flat.items() if v is not None}

    def test_false_zero_and_empty_list_are_kept_as_given(self, community):
        """``false``, ``0`` and ``[]`` are known values, distinct from missing."""
        c = structure_community(community(
            community={"households": 0}, organization={"party_org": False},
            happiness={"vetoes": []}))
        flat = flatten(c)
        assert 0 == flat["community.households"]
        assert flat["organization.party_org"] is False
        assert () == flat["happiness.vetoes"]
        assert flat["organization.residents_committee"] is None


class TestDocuments:
    """TOML and JSON files read through ``load_document``."""

    def test_toml_file(self):
        """A TOML community document is read into a Community."""
        c = load_document(FIXTURE_FACTS / "valid.toml")
        assert isinstance(c, Community)
        assert ("wm-valid", "墨池社区", 1850) == (c.id, c.name, c.community.households)

    def test_json_file_with_iso_dates(self):
        """A JSON document gives dates as ISO text; they become dates."""
        c = load_document(FIXTURE_FACTS / "valid.json")
        assert (dt.date(2024, 1, 24), dt.date(2024, 2, 23)) == c.reporting.monthly_reports
        assert ("family_planning",) == c.happiness.vetoes

    def test_bad_date_text_in_json(self, tmp_path):
        """A date that does not exist (month 13) names its list position."""
        path = tmp_path / "d.json"
        path.write_text('{"community": {"id": "x"}, '
                        '"reporting": {"monthly_reports": ["2024-01-24", "2024-13-01"]}}',
                        encoding="utf-8")
        with pytest.raises(FactsError) as caught:
            load_document(path)
        assert ["reporting.monthly_reports[1]"] == [p.path for p in caught.value.problems]

    def test_facts_error_names_the_file(self):
        """A FactsError from a file carries the file name before each problem."""
        path = FIXTURE_FACTS / "bad.toml"
        with pytest.raises(FactsError) as caught:
            load_document(path)
        lines = str(caught.value).splitlines()
        assert [
            f"{path}: happiness.objective_score: 720 is above the maximum 700",
            f'{path}: happiness.survey_score: "12" is not a number',
        ] == lines

    @pytest.mark.parametrize("name", ["malformed.toml", "malformed.json"])
    def test_malformed_file_is_a_document_error_naming_the_file(self, name):
        """A TOML or JSON syntax error is a DocumentError whose message starts with the file."""
        path = FIXTURE_FACTS / name
        with pytest.raises(DocumentError) as caught:
            load_document(path)
        assert str(caught.value).startswith(f"{path}: not valid")

    def test_json_nan_is_rejected(self):
        """``NaN`` is not a number a facts document may hold."""
        path = FIXTURE_FACTS / "nan.json"
        with pytest.raises(DocumentError) as caught:
            load_document(path)
        assert str(caught.value).startswith(f"{path}:")
        assert "NaN" in str(caught.value)

    def test_toml_nan_is_rejected(self, tmp_path):
        """TOML's ``nan`` is rejected as not a finite number."""
        path = tmp_path / "nan.toml"
        path.write_text('[community]\nid = "x"\n[happiness]\nsurvey_score = nan\n',
                        encoding="utf-8")
        with pytest.raises(FactsError) as caught:
            load_document(path)
        assert ["happiness.survey_score"] == [p.path for p in caught.value.problems]

    def test_missing_file(self, tmp_path):
        """A file that does not exist is a DocumentError naming it."""
        path = tmp_path / "nope.toml"
        with pytest.raises(DocumentError) as caught:
            load_document(path)
        assert str(caught.value).startswith(f"{path}:")


class TestJurisdictionDocuments:
    """A jurisdiction with inline communities and ``include`` globs."""

    def test_inline_and_included_communities(self):
        """Inline communities come first, then the included files in glob order."""
        j = load_document(FIXTURE_FACTS / "jurisdiction.toml")
        assert isinstance(j, Jurisdiction)
        assert ("wuma", "五马街道") == (j.id, j.name)
        assert ["inline-0", "inc-a", "inc-b"] == [c.id for c in j.communities]

    def test_bad_inline_community_reports_its_position(self):
        """Problems inside the second community are reported under ``communities[1].``."""
        with pytest.raises(FactsError) as caught:
            load_document(FIXTURE_FACTS / "jurisdiction-bad.toml")
        found = {p.path: p.message for p in caught.value.problems}
        expected = {
            "communities[1].community.households": "-3 is below the minimum 0",
            "communities[1].happiness.zz": "unknown field (not in the facts vocabulary)",
        }
        assert expected == found

    def test_glob_matching_no_file_is_an_error(self, tmp_path):
        """An include that matches nothing is reported, not silently empty."""
        path = tmp_path / "j.toml"
        path.write_text('[jurisdiction]\nid = "j"\n[[communities]]\ninclude = "none/*.toml"\n',
                        encoding="utf-8")
        with pytest.raises(FactsError) as caught:
            load_document(path)
        assert ["communities[0].include"] == [p.path for p in caught.value.problems]

    def test_bad_included_community_names_the_file_and_path(self):
        """A problem in an included file is ``<file>: happiness.survey_score``."""
        included = FIXTURE_FACTS / "bad-include" / "c.toml"
        with pytest.raises(FactsError) as caught:
            load_document(FIXTURE_FACTS / "jurisdiction-bad-include.toml")
        paths = [p.path for p in caught.value.problems]
        assert [f"{included}: happiness.survey_score"] == paths


class TestCatalogue:
    """The catalogue of fact paths rules may read."""

    def test_fact_catalogue_covers_the_spec_table(self):
        """The facts.md table's paths are in the catalogue with their documented kinds."""
        catalogue = fact_catalogue()
        expected_kinds = {
            "community.households": "int",
            "community.kind": "text",
            "happiness.objective_score": "number",
            "happiness.objective_by_type.harmonious": "number",
            "happiness.vetoes": "list",
            "happiness.previous_stars": "int",
            "reporting.monthly_reports": "date_list",
            "facilities.kindergarten": "bool",
        }
        assert expected_kinds == {p: catalogue[p].kind for p in expected_kinds}
        assert (0, 700) == (catalogue["happiness.objective_score"].range.min,
                            catalogue["happiness.objective_score"].range.max)
