"""The public Python API: ``policyengine.__all__`` and ``policyengine.evaluate``."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS.parent / "examples"
FIXTURE_FACTS = TESTS / "fixtures" / "facts"
AS_OF = dt.date(2014, 12, 31)


class TestAll:
    """``policyengine.__all__`` is the public surface."""

    def test_sorted(self):
        """``__all__`` is sorted (so additions show up clearly in review)."""
        assert sorted(policyengine.__all__) == list(policyengine.__all__)

    def test_no_duplicates(self):
        """No name is listed twice."""
        assert len(set(policyengine.__all__)) == len(policyengine.__all__)

    @pytest.mark.parametrize("name", policyengine.__all__)
    def test_every_name_resolves(self, name):
        """Each listed name is an attribute of the package."""
        assert hasattr(policyengine, name)

    def test_star_import(self):
        """``from policyengine import *`` gives exactly the listed names."""
        namespace: dict = {}
        exec("from policyengine import *", namespace)  # the behaviour under test
        assert set(policyengine.__all__) == set(namespace) - {"__builtins__"}

    def test_documented_entry_points_are_listed(self):
        """The names the README and results.md use are public."""
        for name in ("evaluate", "load_pack", "load_facts", "check_facts", "Result", "Finding",
                     "Community", "FactsError", "PackError", "UnknownPackError"):
            assert name in policyengine.__all__

    def test_errors_share_one_root(self):
        """Every public error derives from PolicyEngineError."""
        for error in (policyengine.FactsError, policyengine.PackError,
                      policyengine.UnknownPackError, policyengine.EngineError):
            assert issubclass(error, policyengine.PolicyEngineError)


EXAMPLE_STARS = 3
"""examples/wuma-community.toml: 五型 540 + survey 232 = 772 ≥ 750 → 三星级 (四(四))."""


class TestEvaluate:
    """``policyengine.evaluate`` accepts facts in every documented form."""

    def _check(self, result: policyengine.Result) -> None:
        assert isinstance(result, policyengine.Result)
        assert ("wm-001", EXAMPLE_STARS) == (result.subject_id, result.outputs["stars"])

    def test_dict(self, community):
        """A plain dict (as a service would send JSON) is accepted."""
        doc = community(id="wm-001", happiness={
            "objective_by_type": {"self_governance": 112, "ecological": 108, "service": 110,
                                  "cultural": 104, "harmonious": 106},
            "survey_score": 232, "vetoes": [], "previous_stars": 2})
        self._check(policyengine.evaluate(doc, pack="wuma-star-rating", as_of=AS_OF))

    def test_path_and_str(self):
        """A Path or a str naming a TOML file is accepted."""
        path = EXAMPLES / "wuma-community.toml"
        self._check(policyengine.evaluate(path, pack="wuma-star-rating", as_of=AS_OF))
        self._check(policyengine.evaluate(str(path), pack="wuma-star-rating", as_of=AS_OF))

    def test_community_object(self):
        """A Community already loaded is accepted."""
        community = policyengine.load_facts(EXAMPLES / "wuma-community.toml")
        assert isinstance(community, policyengine.Community)
        self._check(policyengine.evaluate(community, pack="wuma-star-rating", as_of=AS_OF))

    def test_pack_object_and_folder(self, wuma):
        """The pack may be an id, a loaded Pack or a folder path."""
        path = EXAMPLES / "wuma-community.toml"
        self._check(policyengine.evaluate(path, pack=wuma, as_of=AS_OF))
        self._check(policyengine.evaluate(path, pack=wuma.path, as_of=AS_OF))

    def test_jurisdiction_path(self):
        """A jurisdiction document gives a jurisdiction result with community results."""
        result = policyengine.evaluate(FIXTURE_FACTS / "jurisdiction.toml",
                                       pack="wuma-star-rating", as_of=AS_OF)
        assert ("jurisdiction", ["inline-0", "inc-a", "inc-b"]) == (
            result.subject_level, [c.subject_id for c in result.communities])

    def test_parameter_overrides(self, wuma):
        """``parameters=`` overrides a value for one call only (what-if questions)."""
        facts = {"community": {"id": "wm-655"},
                 "happiness": {"objective_score": 655, "survey_score": 0, "vetoes": [],
                               "previous_stars": 0}}
        stars = [
            policyengine.evaluate(facts, pack=wuma, as_of=AS_OF, parameters=over).outputs["stars"]
            for over in (None, {"one_star_min_score": 660}, None)
        ]
        assert [1, 0, 1] == stars

    def test_unknown_parameter_override(self, wuma):
        """Overriding a parameter the pack does not have is a PackError."""
        with pytest.raises(policyengine.PackError):
            policyengine.evaluate(EXAMPLES / "wuma-community.toml", pack=wuma, as_of=AS_OF,
                                  parameters={"no_such_parameter": 1})

    def test_bad_facts_raise_facts_error(self, community):
        """Bad facts raise FactsError with every problem."""
        with pytest.raises(policyengine.FactsError) as caught:
            policyengine.evaluate(community(happiness={"survey_score": 301}),
                                  pack="wuma-star-rating", as_of=AS_OF)
        assert ["happiness.survey_score"] == [p.path for p in caught.value.problems]

    def test_unknown_pack(self):
        """An unknown pack id raises UnknownPackError."""
        with pytest.raises(policyengine.UnknownPackError):
            policyengine.evaluate(EXAMPLES / "wuma-community.toml", pack="no-such-pack")

    def test_as_of_defaults_to_today(self):
        """Without ``as_of`` the evaluation is dated today."""
        before = dt.date.today()
        result = policyengine.evaluate(EXAMPLES / "wuma-community.toml", pack="wuma-star-rating")
        assert result.as_of in {before, dt.date.today()}

    def test_check_facts(self):
        """``check_facts`` returns every problem (empty for valid facts)."""
        assert () == policyengine.check_facts(EXAMPLES / "wuma-community.toml")
        problems = policyengine.check_facts(FIXTURE_FACTS / "bad.toml")
        assert ["happiness.objective_score", "happiness.survey_score"] == [
            p.path for p in problems]

    def test_installed_packs(self):
        """The Wuma pack is installed (found through the entry-point group)."""
        packs = policyengine.installed_packs()
        assert "wuma-star-rating" in packs
        assert Path(packs["wuma-star-rating"].path).is_dir()
