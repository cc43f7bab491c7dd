"""Types at every boundary: what enters the engine is checked as a facts document is, and
values the engine cannot compare exactly are refused, never compared wrongly."""

from __future__ import annotations

import datetime as dt
import shutil
import types
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine import _durable
from policyengine import expressions as ex
from policyengine.exceptions import FactsError, InputError, PackError
from policyengine.facts import Community, CommunityInfo, Happiness

ROOT = Path(__file__).resolve().parent.parent
WUMA = "wuma-star-rating"
AS_OF = dt.date(2014, 12, 31)
FIXTURE_PACKS = ROOT / "tests" / "fixtures" / "packs"


def wuma(score: float = 1, **extra: Any) -> dict[str, Any]:
    return {"community": {"id": "wm-1", **extra}, "happiness": {"objective_score": score}}


class TestParameterOverrides:
    @pytest.mark.parametrize("value", [True, "1000", "abc", float("nan"), 2**60, [1]])
    def test_wrong_type_named_with_parameter_and_value(self, value: Any) -> None:
        """``True`` or ``"1000"`` for a number never reach the engine (they gave 5 stars)."""
        with pytest.raises(InputError, match=r"^parameters\.five_star_min_score: ") as info:
            policyengine.evaluate(
                wuma(), WUMA, as_of=AS_OF, parameters={"five_star_min_score": value}
            )
        assert "is a number" in str(info.value)

    def test_right_type_still_overrides(self) -> None:
        doc = wuma(650)
        doc["happiness"].update(survey_score=250, vetoes=[], previous_stars=5)
        assert policyengine.evaluate(doc, WUMA, as_of=AS_OF).outputs["stars"] == 5
        result = policyengine.evaluate(
            doc, WUMA, as_of=AS_OF, parameters={"five_star_min_score": 950}
        )
        assert result.outputs["stars"] == 4

    def test_parameters_not_a_table(self) -> None:
        with pytest.raises(InputError, match="parameters: "):
            policyengine.evaluate(wuma(), WUMA, as_of=AS_OF, parameters=[1])  # type: ignore[arg-type]


class TestTypedFacts:
    @pytest.mark.parametrize(
        ("subject", "path"),
        [
            (Community(community=CommunityInfo(id="x", households=-5)), "community.households"),
            (
                Community(
                    community=CommunityInfo(id="x"), happiness=Happiness(objective_score=9000)
                ),
                "happiness.objective_score",
            ),
            (Community(community={"id": "x"}), "community"),  # type: ignore[arg-type]
            (Community(community=CommunityInfo(id=5)), "community.id"),  # type: ignore[arg-type]
        ],
    )
    def test_typed_facts_checked_like_documents(self, subject: Community, path: str) -> None:
        with pytest.raises(FactsError) as info:
            policyengine.evaluate(subject, WUMA, as_of=AS_OF)
        assert [p.path for p in info.value.problems] == [path]

    def test_valid_typed_facts_evaluate(self) -> None:
        typed = Community(community=CommunityInfo(id="x"), happiness=Happiness(objective_score=650))
        as_dict = policyengine.evaluate(wuma(650), WUMA, as_of=AS_OF)
        assert policyengine.evaluate(typed, WUMA, as_of=AS_OF).outputs == as_dict.outputs

    def test_neither_dict_nor_path(self) -> None:
        with pytest.raises(FactsError, match="is not facts"):
            policyengine.load_facts(42)  # type: ignore[arg-type]

    def test_mapping_that_is_not_a_dict_is_a_table(self) -> None:
        """A read-only mapping is a table (it was ``mappingproxy(...) is not a table``)."""
        doc = types.MappingProxyType({"community": types.MappingProxyType({"id": "x"})})
        assert policyengine.load_facts(doc).id == "x"


class TestApiArguments:
    @pytest.mark.parametrize("as_of", ["2024-01-01", dt.datetime(2024, 1, 1), 20240101])
    def test_as_of_must_be_a_date(self, as_of: Any) -> None:
        with pytest.raises(InputError, match=r"^as_of: .* is not a date"):
            policyengine.evaluate(wuma(), WUMA, as_of=as_of)
        with pytest.raises(InputError, match=r"^as_of: "):
            policyengine.evaluate_all(wuma(), as_of=as_of)

    def test_as_of_beyond_the_last_date(self) -> None:
        with pytest.raises(InputError, match="after 9998-12-31"):
            policyengine.evaluate(wuma(), "fengxiang-harmony", as_of=dt.date(9999, 12, 31))

    @pytest.mark.parametrize("pack", [None, 3, ["wuma-star-rating"]])
    def test_pack_must_be_named(self, pack: Any) -> None:
        with pytest.raises(InputError, match=r"^pack: "):
            policyengine.evaluate(wuma(), pack)

    def test_every_raised_error_is_exported(self) -> None:
        for name in ("InputError", "DocumentError", "FactsError", "PackError", "EngineError"):
            assert issubclass(getattr(policyengine, name), policyengine.PolicyEngineError)


class TestExactValues:
    def test_integer_beyond_two_to_the_53_refused(self) -> None:
        """2^53 + 1 is sent as the float 2^53: ``count + 1 == count`` would hold."""
        with pytest.raises(FactsError, match=r"community\.households: 9007199254740993 is beyond"):
            policyengine.load_facts({"community": {"id": "x", "households": 2**53 + 1}})
        assert policyengine.load_facts({"community": {"id": "x", "households": 2**53}})

    def test_huge_integer_message_names_the_limit(self) -> None:
        """Was ``int too large to convert to float``."""
        with pytest.raises(FactsError, match=r"happiness\.objective_score: .*beyond 2\^53"):
            policyengine.load_facts(wuma(10**400))

    @pytest.mark.parametrize(
        ("name", "text"),
        [
            ("c.json", '{"community": {"id": "x", "households": 1e400}}'),
            ("c.toml", '[community]\nid = "x"\nhouseholds = 1e400\n'),
            ("c.json", '{"community": {"id": "x", "households": -2.5E+999}}'),
        ],
    )
    def test_number_too_large_for_a_float_named_as_written(
        self, tmp_path: Path, name: str, text: str
    ) -> None:
        """``1e400`` was refused as "inf is not a finite number": a value the document does
        not hold, and not true of the number it does."""
        written = text.split("households = ")[-1].split('"households": ')[-1].strip("}\n ")
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(FactsError) as info:
            policyengine.load_facts(tmp_path / name)
        said = str(info.value)
        side = "is below -2^53" if written.startswith("-") else "is beyond 2^53"
        assert f"community.households: {written} {side}" in said
        assert "inf" not in said

    def test_toml_infinity_is_still_not_a_finite_number(self, tmp_path: Path) -> None:
        """TOML's own ``inf`` is written as infinity, and said so."""
        (tmp_path / "c.toml").write_text('[community]\nid = "x"\nhouseholds = inf\n')
        with pytest.raises(FactsError, match=r"community\.households: inf is not a finite"):
            policyengine.load_facts(tmp_path / "c.toml")

    def test_long_text_refused_at_the_limit(self) -> None:
        """Text of 64 KiB compared equal to a short constant inside the engine."""
        with pytest.raises(FactsError, match="longer than the limit of 65,535 bytes"):
            policyengine.load_facts({"community": {"id": "x" * 65_536}})
        assert policyengine.load_facts({"community": {"id": "x" * 65_535}})

    def test_long_text_not_equal_to_a_short_constant(self, compile_conditions: Any) -> None:
        """Within the limit, text compares exactly."""
        cc = compile_conditions('community.name == "a"')
        assert cc.matching({"community.name": "a" * 65_535}) == frozenset()

    def test_lone_surrogate_refused(self) -> None:
        with pytest.raises(FactsError, match="unpaired surrogate"):
            policyengine.load_facts({"community": {"id": "\ud800"}})

    def test_null_is_named_as_no_value(self) -> None:
        """Was ``None is not text``."""
        with pytest.raises(FactsError, match=r"community\.id: null \(no value\) is not text"):
            policyengine.load_facts({"community": {"id": None}})

    def test_folding_is_exact(self) -> None:
        """``1.1 <= residents * 1e18`` held at 0 residents (1.1e-18 rounded to 0)."""
        norm = ex.normalise(ex.parse("1.1 <= community.residents * 1e18"))
        assert isinstance(norm, ex.Atom) and norm.rhs == ex.Const(1.1e-18)
        assert ex.fold(ex.parse("0.1 + 0.2")) == ex.Const(0.3)
        assert ex.fold(ex.parse("1 / 3")) == ex.Const(1 / 3)

    def test_folded_condition_matches_python(self, compile_conditions: Any) -> None:
        cc = compile_conditions("1.1 <= community.residents * 1e18")
        for residents in (0, 1):
            expected = ex.evaluate(
                ex.parse("1.1 <= community.residents * 1e18"), {"community.residents": residents}, {}
            )
            assert ("c0" in cc.matching({"community.residents": residents})) is expected

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("(" * 120 + "community.households > 1" + ")" * 120, "nests more than 64"),
            ("not " * 2000 + "community.key_community", "nests more than 64"),
            (" + ".join(["a.b"] * 2000) + " > 1", "nests more than 64"),
            ("a.b > " + "1" * 20_001, "the limit is 20,000"),
            ("community.households > " + "9" * 5000, "beyond 2^53"),
            ("community.households > 1e999", "too large"),
            ("community.households > 9007199254740993", "beyond 2^53"),
        ],
    )
    def test_hostile_conditions_refused(self, text: str, message: str) -> None:
        with pytest.raises(ex.ExpressionError, match=message.replace("^", r"\^")):
            ex.parse(text)


def pack_with_rule(tmp_path: Path, require: str, extra: str = "") -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(FIXTURE_PACKS / "conditions", folder)
    toml = folder / "pack.toml"
    rule = (
        f'\n[[rules]]\nid = "hostile.rule"\ntitle = "t"\nclause = "九"\nquote = "测试。"\n'
        f"require = '{require}'\n{extra}"
    )
    toml.write_text(toml.read_text(encoding="utf-8") + rule, encoding="utf-8")
    return folder


class TestPackLimits:
    def test_deep_condition_names_the_rule(self, tmp_path: Path) -> None:
        folder = pack_with_rule(tmp_path, "(" * 120 + "community.households > 1" + ")" * 120)
        with pytest.raises(PackError, match=r"\(hostile\.rule\)\.require: .*nests more than 64"):
            policyengine.evaluate({"community": {"id": "x"}}, folder, as_of=AS_OF)

    @pytest.mark.parametrize(
        ("require", "message"),
        [
            ("not " * 2000 + "community.key_community", "nests more than 64"),
            (" + ".join(["community.households"] * 2000) + " > 1", "the limit is 20,000"),
            (" + ".join(["a.b"] * 2000) + " > 1", "nests more than 64"),
            ("community.households > " + "9" * 5000, "beyond 2^53"),
        ],
    )
    def test_refused_when_the_pack_is_read(self, tmp_path: Path, require: str, message: str) -> None:
        """Before any evaluation, and before the pack's hooks run."""
        folder = pack_with_rule(tmp_path, require)
        with pytest.raises(PackError) as info:
            policyengine.load_pack(folder)
        assert "rules[3] (hostile.rule).require: " in str(info.value)
        assert message in str(info.value)

    def test_too_many_alternatives_name_the_rule(self, tmp_path: Path) -> None:
        """Was refused with the internal id ``condition r3q``."""
        values = ", ".join(str(i) for i in range(49))
        folder = pack_with_rule(tmp_path, f"community.households in [{values}]")
        with pytest.raises(PackError) as info:
            policyengine.evaluate({"community": {"id": "x"}}, folder, as_of=AS_OF)
        assert "(hostile.rule).require: the condition has 49 alternative branches" in str(
            info.value
        )
        assert "r3q" not in str(info.value)

    def test_condition_reading_too_many_values_names_the_rule(self, tmp_path: Path) -> None:
        names = [f"p{i}" for i in range(252)]
        require = " and ".join(f"params.{n} > 0" for n in names)
        params = "".join(
            f'\n[parameters.{n}]\ntitle = "t"\nclause = "一"\nquote = "测试。"\nvalue = 1\n'
            for n in names
        )
        folder = pack_with_rule(tmp_path, require, params)
        with pytest.raises(PackError, match=r"\(hostile\.rule\)\.require: .*reads 252 values"):
            policyengine.evaluate({"community": {"id": "x"}}, folder, as_of=AS_OF)

    def test_conditions_reading_many_values_together_still_work(
        self, compile_conditions: Any
    ) -> None:
        """400 values over two conditions: error 302 on every evaluation before; now split."""
        a = " and ".join(f"s.a{i} > 0" for i in range(200))
        b = " and ".join(f"s.b{i} > 0" for i in range(200))
        cc = compile_conditions(a, b)
        values = {f"s.a{i}": 1 for i in range(200)} | {f"s.b{i}": 1 for i in range(200)}
        assert cc.matching(values) == frozenset({"c0", "c1"})
        values["s.b7"] = 0
        assert cc.matching(values) == frozenset({"c0"})
        assert all(len(q) <= _durable.MAX_VALUES for q in cc._chunk_quoted)


class TestIds:
    @pytest.mark.parametrize(
        ("document", "path"),
        [
            ({"community": {"id": ""}}, "community.id"),
            ({"community": {"id": "   "}}, "community.id"),
            ({"jurisdiction": {"id": ""}, "communities": [{"community": {"id": "a"}}]},
             "jurisdiction.id"),
            ({"jurisdiction": {"id": "j"}, "communities": [{"community": {"id": ""}}]},
             "communities[0].community.id"),
        ],
    )
    def test_an_empty_id_is_refused_by_the_validator_and_the_schema(self, document, path):
        """facts.md: ``community.id`` is a required unique id. ``""`` was taken: a result,
        a decision log line and a replay named a subject with no name."""
        import jsonschema

        with pytest.raises(FactsError) as info:
            policyengine.load_facts(document)
        assert [p.path for p in info.value.problems] == [path]
        assert "is empty" in info.value.problems[0].message
        from policyengine.schemas import facts_schema

        assert not jsonschema.Draft202012Validator(facts_schema()).is_valid(document)
        assert policyengine.load_facts({"community": {"id": "a b"}})  # spaces within: an id
