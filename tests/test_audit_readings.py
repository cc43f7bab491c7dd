"""Readings a clause-by-clause audit of the packs against their documents found wrong.

Each test states what the spec or the document requires and checks it on a result:
whether a pack applies when the fact it reads is missing (results.md: "a scope finding
says which fact is missing"), sentences that name no fact path, rule id or expression
(results.md: "never a fact path or an expression"), the ``due`` field of deadline findings
(policies.md §6 "Due dates"), and Wuzhou's report duty bound to the pilot unit
(policies.md §6 "Wuzhou's pilot").
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import policyengine

PACKS = policyengine.installed_packs()
ROOT = Path(__file__).resolve().parent.parent

# what a sentence for people must not show: an expression, a fact path, an id with "_"
MACHINE_WORDS = re.compile(
    r"==|!=|>=|<=|\bcount\(|\bparams\.|\b[a-z]+\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b"
)


def _messages(result: dict[str, Any]) -> list[str]:
    said = [f["message"] for f in result["findings"]]
    said += [g["message"] for g in result["gaps"]]
    for child in result.get("communities", []):
        said += _messages(child)
    return said


def _finding(result: policyengine.Result, rule: str) -> policyengine.Finding | None:
    return next((f for f in result.findings if f.rule == rule), None)


FENGXIANG_PLACE = ["陕西省", "宝鸡市", "凤翔区", "柳林镇"]


class TestApplicabilityNotKnown:
    """Fengxiang applies to 保障性住房小区, Chifeng to 城镇 communities (``community.kind``):
    without the kind, the verdict is incomplete and a finding names the fact to supply."""

    @pytest.mark.parametrize(
        ("pack_id", "place", "as_of"),
        [
            ("fengxiang-harmony", FENGXIANG_PLACE, dt.date(2024, 9, 1)),
            ("chifeng-annual-targets", ["内蒙古自治区", "赤峰市", "红山区"], dt.date(2009, 6, 30)),
        ],
    )
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_the_missing_kind_is_named(self, pack_id, place, as_of, lang):
        doc = {"community": {"id": "c", "jurisdiction": place}}
        result = policyengine.evaluate(doc, PACKS[pack_id], as_of=as_of, lang=lang)
        assert result.verdict == "incomplete"
        found = _finding(result, "applicability")
        assert found is not None and found.outcome == "unknown" and found.binding
        assert dict(found.inputs) == {"community.kind": None}
        said = result.to_dict()
        sentence = next(f["message"] for f in said["findings"] if f["rule"] == "applicability")
        assert ("社区类型" if lang == "zh" else "kind of community") in sentence
        gaps = [g for g in said["gaps"] if g.get("rule") == "applicability"]
        assert [(g["fact"], g["needed"]) for g in gaps] == [("community.kind", "provide")]

    def test_a_known_kind_gives_no_such_finding(self):
        for kind, verdict in (("affordable_housing", None), ("urban", "not_applicable")):
            doc = {"community": {"id": "c", "jurisdiction": FENGXIANG_PLACE, "kind": kind}}
            result = policyengine.evaluate(
                doc, PACKS["fengxiang-harmony"], as_of=dt.date(2024, 9, 1)
            )
            assert _finding(result, "applicability") is None
            assert verdict is None or result.verdict == verdict

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_not_applicable_is_said_in_words(self, lang):
        """A community of another kind: the reason names the kind in words, not
        ``community.kind == "affordable_housing"``."""
        doc = {"community": {"id": "c", "jurisdiction": FENGXIANG_PLACE, "kind": "urban"}}
        result = policyengine.evaluate(
            doc, PACKS["fengxiang-harmony"], as_of=dt.date(2024, 9, 1), lang=lang
        )
        assert result.verdict == "not_applicable"
        said = result.to_dict()
        rule = next(f for f in said["findings"] if f["rule"] == "org.party-org")
        assert ("保障性住房小区" if lang == "zh" else "affordable housing") in rule["message"]
        assert not MACHINE_WORDS.search(rule["message"]), rule["message"]


class TestSentencesNameNoMachineWords:
    def test_a_street_with_no_community_names_the_shares_in_words(self):
        """五马街道 with no community: each share is unknown, said by its title."""
        doc = {"jurisdiction": {"id": "wm", "name": "五马街道", "level": "street"}}
        for lang in ("zh", "en"):
            said = policyengine.evaluate(
                doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 12, 31), lang=lang
            ).to_dict()
            shares = [f for f in said["findings"] if f["rule"].endswith("-share")]
            assert shares and all(f["outcome"] == "unknown" for f in shares)
            for f in shares:
                assert not MACHINE_WORDS.search(f["message"]), f["message"]

    def test_the_basic_standard_names_the_requirements_by_title(self):
        """Chifeng's 基本标准 (a summary) lists the requirements lacking data by title."""
        doc = {
            "community": {
                "id": "c",
                "kind": "urban",
                "key_community": True,
                "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"],
            }
        }
        pack = PACKS["chifeng-annual-targets"]
        for lang in ("zh", "en"):
            result = policyengine.evaluate(doc, pack, as_of=dt.date(2008, 12, 31), lang=lang)
            summaries = [f for f in result.findings if pack_rule_kind(pack, f.rule) == "summary"]
            assert [f.outcome for f in summaries] == ["unknown"]
            for sentence in (summaries[0].message_in(lang), _said(result, summaries[0].rule)):
                assert not MACHINE_WORDS.search(sentence), sentence
                assert "“" in sentence  # each requirement by its quoted title

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_a_reward_not_stated_names_the_parameter_by_title(self, lang):
        """Wuma 四(六) states no reward for 三星→四星: said by the parameter's title."""
        doc = {
            "community": {"id": "k", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {
                "objective_score": 550,
                "survey_score": 250,
                "vetoes": [],
                "previous_stars": 3,
            },
        }
        result = policyengine.evaluate(
            doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 12, 31), lang=lang
        )
        assert result.outputs["reward_yuan"] is None
        said = next(f for f in result.to_dict()["findings"] if f["rule"] == "reward.amount")
        assert "promotion_three_to_four" not in said["message"]
        assert ("三星级晋升四星级再奖励" if lang == "zh" else "three to four stars") in said[
            "message"
        ]

    def test_every_case_of_every_pack_says_its_findings_in_words(self):
        """Over every pack's case files, in both languages: no message shows an expression,
        a parameter or a rule id, or a fact path."""
        import tomllib
        from pathlib import Path

        root = Path(__file__).resolve().parent.parent / "policy_packs"
        checked = 0
        for case_file in sorted(root.glob("*/policyengine_pack_*/cases/*.toml")):
            pack = PACKS[case_file.parent.parent.parent.name]
            for case in tomllib.loads(case_file.read_text("utf-8")).get("cases", []):
                facts = case.get("facts")
                if not isinstance(facts, dict):
                    continue
                for lang in ("zh", "en"):
                    try:
                        result = policyengine.evaluate(
                            facts, pack, as_of=case.get("as_of"), lang=lang
                        )
                    except policyengine.FactsError:
                        continue
                    for sentence in _messages(result.to_dict()):
                        checked += 1
                        assert not MACHINE_WORDS.search(sentence), (
                            case_file.name,
                            case["name"],
                            sentence,
                        )
        assert checked > 10_000


def _said(result: policyengine.Result, rule: str) -> str:
    return next(f["message"] for f in result.to_dict()["findings"] if f["rule"] == rule)


def pack_rule_kind(pack: policyengine.Pack, rule_id: str) -> str | None:
    return next((r.kind for r in pack.rules if r.id == rule_id), None)


class TestDeadlinesNameTheirDate:
    """policies.md §6: a finding of a target set for a date names it in ``due``."""

    def test_fengxiang_yearly_self_check(self):
        doc = {
            "community": {"id": "c", "kind": "affordable_housing", "jurisdiction": FENGXIANG_PLACE},
            "reporting": {"self_check_report_year": 2023},
        }
        pack = PACKS["fengxiang-harmony"]
        due = _finding(
            policyengine.evaluate(doc, pack, as_of=dt.date(2024, 7, 15)), "report.self-check"
        )
        assert (due.outcome, due.due) == ("due", dt.date(2024, 12, 31))
        late = _finding(
            policyengine.evaluate(doc, pack, as_of=dt.date(2025, 1, 1)), "report.self-check"
        )
        assert (late.outcome, late.due) == ("overdue", dt.date(2024, 12, 31))

    def test_wuzhou_monthly_report(self):
        doc = {
            "community": {
                "id": "c",
                "name": "神冠社区",
                "jurisdiction": ["广西壮族自治区", "梧州市", "长洲区"],
            },
            "reporting": {"monthly_reports": []},
        }
        pack = PACKS["wuzhou-complete-community"]
        pending = _finding(
            policyengine.evaluate(doc, pack, as_of=dt.date(2023, 12, 24)),
            "reporting.monthly-progress",
        )
        assert (pending.outcome, pending.due) == ("due", dt.date(2023, 12, 24))
        missed = _finding(
            policyengine.evaluate(doc, pack, as_of=dt.date(2024, 2, 1)),
            "reporting.monthly-progress",
        )
        assert (missed.outcome, missed.due) == ("overdue", dt.date(2023, 12, 24))
        assert policyengine.evaluate(doc, pack, as_of=dt.date(2024, 2, 1)).to_dict()["findings"]

    def test_yixing_once(self):
        doc = {
            "jurisdiction": {"id": "yx", "name": "宜兴市", "level": "city", "leading_group": False}
        }
        found = _finding(
            policyengine.evaluate(
                doc, PACKS["yixing-demonstration-city"], as_of=dt.date(2012, 10, 8)
            ),
            "deadline.city-leading-group",
        )
        assert (found.outcome, found.due) == ("overdue", dt.date(2012, 9, 30))


def test_wuzhou_report_duty_binds_the_pilot_unit_not_a_namesake():
    """policies.md §6: the pilot is 长洲区神冠社区 (长洲区 and the name); a 神冠社区 of
    万秀区 has no report duty and no next report date."""
    doc = {
        "community": {
            "id": "c",
            "name": "神冠社区",
            "jurisdiction": ["广西壮族自治区", "梧州市", "万秀区"],
        },
        "reporting": {"monthly_reports": []},
    }
    result = policyengine.evaluate(
        doc, PACKS["wuzhou-complete-community"], as_of=dt.date(2024, 3, 1)
    )
    assert _finding(result, "reporting.monthly-progress").outcome == "not_applicable"
    assert result.outputs["next_report_due"] is None


@pytest.mark.parametrize(
    ("place", "name", "pilot", "verdict"),
    [
        (["广西壮族自治区", "梧州市"], "神冠社区", "unknown", "incomplete"),  # which district?
        (["梧州市"], "神冠社区", "unknown", "incomplete"),
        (["广西壮族自治区", "梧州市"], "其他社区", "not_applicable", "pass"),  # not by its name
        (["广西壮族自治区", "梧州市", "万秀区"], "神冠社区", "not_applicable", "pass"),
        (["广西壮族自治区", "梧州市", "长洲区"], "神冠社区", "pass", "fail"),
    ],
)
def test_wuzhou_pilot_is_unknown_where_the_place_stops_at_the_city(place, name, pilot, verdict):
    """policies.md §6: the pilot is the community of 长洲区 named 神冠社区, and a location
    not given makes applicability unknown. A 神冠社区 placed only in 梧州市 may be the pilot:
    it was read as not the pilot, and its missing nursery and reports passed as advisories."""
    doc = {
        "community": {"id": "c", "name": name, "kind": "urban", "jurisdiction": place},
        "facilities": {"nursery": False},
        "reporting": {"monthly_reports": []},
    }
    result = policyengine.evaluate(
        doc, PACKS["wuzhou-complete-community"], as_of=dt.date(2024, 3, 1)
    )
    assert (pilot, verdict) == (_finding(result, "pilot").outcome, result.verdict)
    asked = [(g.rule, g.fact, g.needed) for g in result.gaps if g.rule == "pilot"]
    assert asked == ([("pilot", "community.jurisdiction", "provide")] if pilot == "unknown" else [])


@pytest.mark.parametrize(
    ("pack", "place"),
    [
        ("wuma-star-rating", ["浙江省", "温州市", "鹿城区"]),
        ("chifeng-annual-targets", ["内蒙古自治区"]),
        ("yixing-demonstration-city", ["江苏省", "无锡市"]),
    ],
)
def test_a_place_given_in_part_has_a_gap_asking_for_it(pack, place):
    """results.md "Gaps": every binding rule that is unknown has a gap. A place that stops
    above the territory made the scope unknown and the verdict incomplete with no gap: the
    reader was not told what to supply."""
    doc = {"community": {"id": "c", "kind": "urban", "jurisdiction": place}}
    result = policyengine.evaluate(doc, PACKS[pack], as_of=dt.date(2014, 6, 1))
    assert _finding(result, "scope").outcome == "unknown"
    asked = [(g.fact, g.needed) for g in result.gaps if g.rule == "scope"]
    assert asked == [("community.jurisdiction", "provide")]


@pytest.mark.parametrize(
    "happiness",
    [
        {"objective_score": 500, "survey_score": 300, "vetoes": []},  # previous stars unknown
        {"objective_score": 400, "survey_score": 220, "vetoes": [], "previous_stars": 3},
        {"objective_score": 520, "survey_score": 252, "vetoes": [], "previous_stars": 2},
    ],
)
def test_every_wuma_band_gap_has_its_reward(happiness):
    """results.md "Gaps": a band gap is ``{output, now, next, needs, short_by, reward_yuan}``:
    the reward at the next band is there whether or not it differs from today's (null when
    it cannot be told)."""
    doc = {
        "community": {"id": "g", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": happiness,
    }
    said = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 6, 30))
    bands = [g for g in said.to_dict()["gaps"] if g.get("output") == "stars"]
    assert bands
    for gap in bands:
        assert {"output", "now", "next", "needs", "short_by", "reward_yuan"} <= set(gap)


def test_a_pack_without_rewards_has_no_reward_key():
    """Only a pack with a ``reward_yuan`` output says it in its band gaps."""
    import pickle

    from policyengine.results import BandGap

    gap = BandGap("level", "r", 1, 2, {}, 3, (), "m")
    assert "reward_yuan" not in gap.to_dict()
    assert pickle.loads(pickle.dumps(gap)) == gap  # results cross process boundaries (Dask)


@pytest.mark.parametrize(
    ("given", "asked"),
    [
        ({"objective_score": 449}, ["happiness.survey_score"]),
        ({"survey_score": 200}, ["happiness.objective_score"]),
        ({}, ["happiness.objective_score", "happiness.survey_score"]),
    ],
)
def test_a_missing_total_score_asks_for_the_scores_it_is_made_of(given, asked):
    """results.md "Gaps": a missing fact's gap names the fact to provide. The total score is
    derived by the pack (objective + survey, 四(二)): the gap asked for
    ``happiness.total_score``, which no facts document can hold."""
    doc = {
        "community": {"id": "g", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": {**given, "vetoes": [], "previous_stars": 0},
    }
    result = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 6, 1))
    assert result.verdict == "incomplete"
    gaps = [(g.fact, g.needed) for g in result.gaps if g.rule == "rating.stars"]
    assert gaps == [(path, "provide") for path in asked]


def test_wuma_all_communities_target_is_said_as_a_share():
    """二(二) "使全街社区达到幸福社区星级标准": every community, said as 100% like the other
    share targets (it was "不少于1", a bare ratio, in the street's message)."""
    doc = policyengine.load_facts(ROOT / "examples" / "wuma-street.toml")
    result = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 12, 31))
    for lang in ("zh", "en"):
        said = result.message_of(_finding(result, "street.all-starred"), lang)
        assert "100%" in said, said
        assert not re.search(r"(不少于|at least )1\b", said), said


def test_scope_finding_before_the_document_is_in_force_says_it_does_not_apply():
    """Before 2013-04-10 the scope finding is not_applicable, but its sentence said only that
    the community lies within the territory: read alone, as if the document applied."""
    doc = policyengine.load_facts(ROOT / "examples" / "wuma-community.toml")
    result = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2013, 1, 1))
    scope = _finding(result, "scope")
    assert (result.verdict, scope.outcome) == ("not_applicable", "not_applicable")
    assert "但本文件对其不适用" in result.message_of(scope, "zh")
    assert "does not apply to it" in result.message_of(scope, "en")
    inside = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 1, 1))
    assert "不适用" not in inside.message_of(_finding(inside, "scope"), "zh")


def test_a_community_lacking_data_is_counted_once():
    """A district of four communities, one not saying whether it is a key community: the
    rule reads two aggregates over the key communities (their count and the share meeting
    the standard), each unknown on that one community. The sentence said "有 2 个社区数据
    不全": the one community counted once per aggregate."""
    doc = policyengine.load_facts(
        ROOT / "tests" / "fixtures" / "audit" / "chifeng-key-community-unknown.json"
    )
    result = policyengine.evaluate(
        doc, PACKS["chifeng-annual-targets"], as_of=dt.date(2008, 12, 31)
    )
    incomplete = [c for c in result.communities if c.verdict == "incomplete"]
    assert len(incomplete) == 1
    for rule in ("district.key-communities-standard", "district.one-stop-key"):
        found = _finding(result, rule)
        assert found.outcome == "unknown"
        assert "有 1 个社区数据不全" in result.message_of(found, "zh")
        assert "1 communit" in result.message_of(found, "en")


def test_an_overdue_report_names_the_town_as_responsible_does():
    """Fengxiang's yearly self-check report, overdue: its sentence named 区住建局 and 区住房
    保障服务中心 but dropped 城关镇, which the finding's responsible units list (policies.md §6:
    a community's town is responsible)."""
    doc = {
        "community": {
            "id": "fx", "kind": "affordable_housing",
            "jurisdiction": ["陕西省", "宝鸡市", "凤翔区", "城关镇"],
        },
        "reporting": {"self_check_report_year": 2024},
    }
    result = policyengine.evaluate(doc, PACKS["fengxiang-harmony"], as_of=dt.date(2026, 1, 1))
    found = _finding(result, "report.self-check")
    assert found.outcome == "overdue"
    assert found.responsible[-1] == "城关镇"
    said = result.message_of(found, "zh")
    assert "责任单位：" + "、".join(found.responsible) in said


def test_a_quoted_name_is_not_quoted_twice():
    """A gap quoting a fact whose name holds quotes read "请补充““一票否决”事项”的数据";
    the inner quotes take their inner form: "请补充“‘一票否决’事项”的数据"."""
    doc = {
        "community": {"id": "q", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": {"objective_score": 500, "survey_score": 200},
    }
    result = policyengine.evaluate(doc, PACKS["wuma-star-rating"], as_of=dt.date(2014, 12, 31))
    said = [g.message for g in result.gaps]
    assert "请补充“‘一票否决’事项”的数据，四(一)的判断需要它。责任单位：区文明委。" in said
    assert not [m for m in said if "““" in m or "””" in m]
