"""The territory of a pack (``[pack.scope]``) against where a subject lies (policies.md §6)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import policyengine
from policyengine.api import default_registry
from policyengine.scope import Scope, ScopeLevel, check_community, check_jurisdiction

WUMA = Scope(
    territory="温州市鹿城区五马街道",
    clause="序言",
    quote="…",
    levels=(
        ScopeLevel("province", ("浙江省",)),
        ScopeLevel("city", ("温州市",)),
        ScopeLevel("district", ("鹿城区",)),
        ScopeLevel("street", ("五马街道",)),
    ),
)
TOWNS = Scope(
    territory="宝鸡市凤翔区城关镇、柳林镇",
    clause="一",
    quote="…",
    levels=(
        ScopeLevel("city", ("宝鸡市",)),
        ScopeLevel("district", ("凤翔区",)),
        ScopeLevel("town", ("城关镇", "柳林镇"), responsible=True),
    ),
)


class TestCommunity:
    @pytest.mark.parametrize(
        ("place", "inside"),
        [
            (["浙江省", "温州市", "鹿城区", "五马街道"], True),
            (["浙江", "温州", "鹿城区", "五马街道"], True),  # names without their suffix
            # a level skipped between two named: not precise enough (a 城关镇 of 宝鸡市 may be in
            # any of its counties), unknown, as a place that stops short is; it was inside
            (["浙江省", "温州市", "五马街道"], None),
            (["浙江省", "温州市", "鹿城区", "南汇街道"], False),
            # the street's office, as the document signs (温州市鹿城区人民政府五马街道办事处):
            # the street (it was elsewhere); a town of the same name is another unit (it was in)
            (["浙江省", "温州市", "鹿城区", "五马街道办事处"], True),
            (["浙江省", "温州市", "鹿城区", "五马镇"], False),
            (["浙江省", "温州市", "瓯海区"], False),
            (["广西壮族自治区", "梧州市", "长洲区"], False),
            (["浙江省", "温州市", "鹿城区"], None),  # the street is not given
            (["浙江省"], None),
            (None, None),
            ([], None),
        ],
    )
    def test_place(self, place: list[str] | None, inside: bool | None) -> None:
        assert check_community(WUMA, place).inside is inside

    def test_unknown_names_the_fact(self) -> None:
        check = check_community(WUMA, None)
        # the sentence names it in words; the fact path only in the machine field
        assert "未提供社区所在地" in check.message.render("zh")
        assert "community.jurisdiction" not in check.message.render("zh")
        assert check.inputs == {"community.jurisdiction": None}

    @pytest.mark.parametrize(
        ("place", "inside"),
        [
            (["陕西省", "宝鸡市", "凤翔区", "城关镇"], True),
            (["河南省", "洛阳市", "洛宁县", "城关镇"], False),  # another 城关镇
            (["陕西省", "宝鸡市", "岐山县", "城关镇"], False),
        ],
    )
    def test_same_town_name_elsewhere(self, place: list[str], inside: bool) -> None:
        """A town name found elsewhere does not make a community inside: its city decides."""
        assert check_community(TOWNS, place).inside is inside

    @pytest.mark.parametrize(
        ("place", "units"),
        [
            (["陕西省", "宝鸡市", "凤翔区", "柳林镇"], ("柳林镇",)),
            (["陕西省", "宝鸡市", "凤翔区"], ("城关镇", "柳林镇")),
            (None, ("城关镇", "柳林镇")),
        ],
    )
    def test_responsible_level(self, place: list[str] | None, units: tuple[str, ...]) -> None:
        """The unit the community lies in; every one of them when it is not known."""
        assert check_community(TOWNS, place).units == units

    @given(
        st.lists(
            st.sampled_from(
                ["浙江省", "江苏省", "温州市", "无锡市", "鹿城区", "五马街道", "南汇街道"]
            ),
            max_size=5,
        )
    )
    def test_inside_only_with_the_street(self, place: list[str]) -> None:
        """Whatever the list, the street must be named for the community to be inside."""
        inside = check_community(WUMA, place).inside
        if inside:
            assert "五马街道" in place


class TestJurisdiction:
    @pytest.mark.parametrize(
        ("name", "level", "above", "inside"),
        [
            ("五马街道", "street", (), True),
            ("鹿城区", "district", (), True),  # contains the street
            ("温州市", "city", (), True),
            ("南汇街道", "street", (("温州市", "city"), ("鹿城区", "district")), False),
            ("南汇街道", "street", (), False),  # a street, and not 五马街道: not it
            ("瓯海区", "district", (("温州市", "city"),), False),
        ],
    )
    def test_place(
        self, name: str, level: str, above: tuple[tuple[str, str], ...], inside: bool | None
    ) -> None:
        assert check_jurisdiction(WUMA, name, level, above).inside is inside

    def test_wider_jurisdiction_is_not_the_responsible_unit(self) -> None:
        assert check_jurisdiction(TOWNS, "凤翔区", "district", ()).units == ()
        assert check_jurisdiction(TOWNS, "城关镇", "town", ()).units == ("城关镇",)


class TestDue:
    """A target set for the end of a period names its date; the message says by when."""

    def test_before_and_after_the_date(self) -> None:
        doc = {
            "community": {"id": "c", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {
                "objective_score": 400,
                "survey_score": 200,
                "vetoes": [],
                "previous_stars": 0,
            },
        }
        before = policyengine.evaluate(doc, pack="wuma-star-rating", as_of=dt.date(2015, 6, 30))
        finding = before.finding("target.one-star")
        assert (finding.outcome, finding.due) == ("advisory", dt.date(2015, 12, 31))
        assert "应于 2015-12-31 前达到" in finding.message
        assert finding.to_dict()["due"] == "2015-12-31"
        after = policyengine.evaluate(doc, pack="wuma-star-rating", as_of=dt.date(2016, 1, 1))
        assert "已过 2015-12-31 的期限" in after.finding("target.one-star").message

    def test_no_due_field_without_a_date(self) -> None:
        doc = {
            "community": {"id": "c", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {"vetoes": []},
        }
        result = policyengine.evaluate(doc, pack="wuma-star-rating", as_of=dt.date(2015, 6, 30))
        assert "due" not in result.finding("eligibility.no-veto").to_dict()


class TestPlacesByName:
    """A community's place is matched to the territory's levels by name: a level left out
    (a community nested in a town of a county-level city is placed ``[宜兴市, 丁蜀镇]``) or
    a unit the document names as a part of its territory (``parts``: 长洲区 of 梧州市)."""

    @pytest.mark.parametrize(
        ("pack", "place", "inside"),
        [
            ("yixing-demonstration-city", ["宜兴市", "丁蜀镇"], True),
            ("yixing-demonstration-city", ["江苏省", "无锡市", "宜兴市", "丁蜀镇"], True),
            ("yixing-demonstration-city", ["江苏省", "无锡市", "江阴市", "周庄镇"], False),
            ("wuzhou-complete-community", ["长洲区"], True),
            ("wuzhou-complete-community", ["广西壮族自治区", "长洲区"], True),
            ("wuzhou-complete-community", ["梧州市", "长洲区", "兴龙街道"], True),
            ("wuzhou-complete-community", ["浙江省", "长洲区"], False),
            ("wuzhou-complete-community", ["广西壮族自治区"], None),
            ("chifeng-annual-targets", ["红山区", "哈达街道"], True),
            ("wuma-star-rating", ["浙江省", "温州市", "瓯海区", "五马街道"], False),
            ("wuma-star-rating", ["温州市", "鹿城区"], None),
            # a level left out between two named (凤翔区): a 城关镇 of another county, perhaps
            ("fengxiang-harmony", ["陕西省", "宝鸡市", "城关镇"], None),
            ("fengxiang-harmony", ["陕西省", "宝鸡市", "千阳县", "城关镇"], False),
            ("fengxiang-harmony", ["凤翔区", "城关镇"], True),
            # a town or street named alone is taken as the territory's (as a street's
            # communities are placed); a county-level city may skip its prefecture
            ("wuma-star-rating", ["五马街道"], True),
            ("yixing-demonstration-city", ["江苏省", "宜兴市", "宜城街道"], True),
            ("wuma-star-rating", ["鹿城区", "五马街道"], True),
            # a street below the level the place leaves out: it may lie in the territory
            ("yixing-demonstration-city", ["无锡市", "宜城街道"], None),
            ("yixing-demonstration-city", ["宜城街道"], None),
            ("yixing-demonstration-city", ["江苏省", "无锡市", "锡山区"], False),
            ("wuzhou-complete-community", ["广西壮族自治区", "兴龙街道"], None),
            ("wuma-star-rating", ["浙江省", "温州市", "鹿城区", "南汇街道"], False),
        ],
    )
    def test_community(self, pack: str, place: list[str], inside: bool | None) -> None:
        scope = default_registry().get(pack).info.scope
        assert scope is not None
        assert inside is check_community(scope, place).inside

    @pytest.mark.parametrize(
        ("pack", "name", "level", "above", "inside"),
        [
            # a street of a district the document names: in the territory (it was unknown)
            ("chifeng-annual-targets", "哈达街道", "street", (("红山区", "district"),), True),
            ("chifeng-annual-targets", "红山区", "district", (), True),
            # a city that is not the territory's city (it was unknown)
            ("chifeng-annual-targets", "杭州市", "city", (), False),
            ("chifeng-annual-targets", "某街道", "street", (), None),
        ],
    )
    def test_jurisdiction(
        self,
        pack: str,
        name: str,
        level: str,
        above: tuple[tuple[str, str], ...],
        inside: bool | None,
    ) -> None:
        scope = default_registry().get(pack).info.scope
        assert scope is not None
        assert inside is check_jurisdiction(scope, name, level, above).inside

    def test_a_community_nested_in_a_town_of_yixing_counts(self) -> None:
        """宜兴市 → 丁蜀镇 → a community without its own place: inside, as a community of
        丁蜀镇 (it was not_applicable, 丁蜀镇 read as a city beside 无锡市)."""
        doc = {
            "jurisdiction": {"id": "yx", "name": "宜兴市", "level": "city"},
            "jurisdictions": [
                {
                    "jurisdiction": {"id": "ds", "name": "丁蜀镇", "level": "town"},
                    "communities": [{"community": {"id": "d1", "kind": "urban"}}],
                }
            ],
        }
        result = policyengine.evaluate(doc, "yixing-demonstration-city", as_of=dt.date(2012, 10, 8))
        community = result.jurisdictions[0].communities[0]
        assert "pass" == community.finding("scope").outcome
