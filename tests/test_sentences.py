"""Findings as sentences for people: no fact path or expression, values with units, the
threshold's clause, who must act — in Chinese and English (results.md: ``message``)."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import policyengine
from policyengine.facts import fact_catalogue
from policyengine.reports.view import walk
from policyengine.sentences import finding_sentence

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
DATES = {"chifeng": dt.date(2010, 6, 30), "wuma": dt.date(2014, 12, 31),
         "fengxiang": dt.date(2025, 6, 30), "wuzhou": dt.date(2024, 3, 30),
         "yixing": dt.date(2012, 11, 30)}
PATHS = sorted({*fact_catalogue("community"), *fact_catalogue("jurisdiction")}, key=len,
               reverse=True)
MACHINE = re.compile(r"params\.|communities\.|\b[a-z]+\.[a-z_]+\b| >= | <= | == |contains \"")


def sentences(path: Path, lang: str):
    date = next(d for k, d in DATES.items() if path.name.startswith(k))
    packs = policyengine.installed_packs()
    for pack in packs.values():
        result = policyengine.evaluate(path, pack, as_of=date)
        for _, r in walk([result]):
            for f in r.findings:
                yield f, finding_sentence(f, pack, lang, r.as_of)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_no_fact_path_or_expression(path, lang):
    for f, said in sentences(path, lang):
        assert not MACHINE.search(said), (f.rule, said)
        assert not any(p in said for p in PATHS), (f.rule, said)


@pytest.fixture(scope="module")
def chifeng():
    return policyengine.evaluate(ROOT / "examples" / "chifeng-annual-targets-community.toml",
                                 "chifeng-annual-targets", as_of=DATES["chifeng"])


def test_failure_says_values_threshold_clause_and_who(chifeng):
    """二(二)3(3): year 3, income at least the local average wage (100%)."""
    pack = policyengine.installed_packs()["chifeng-annual-targets"]
    f = chifeng.finding("staff.income")
    zh = finding_sentence(f, pack, "zh", chifeng.as_of)
    for part in ("不符合", "16,800元", "21,000元", "100%", "二(二)3(3)", "财政部门"):
        assert part in zh
    en = finding_sentence(f, pack, "en", chifeng.as_of)
    for part in ("Not met", "¥16,800", "¥21,000", "100% of", "clause 二(二)3(3)", "Responsible"):
        assert part in en


def test_missing_data_names_the_fact_in_words(chifeng):
    pack = policyengine.installed_packs()["chifeng-annual-targets"]
    f = chifeng.finding("facilities.health-station")
    assert "缺少数据：社区卫生服务站" in finding_sentence(f, pack, "zh", chifeng.as_of)


def test_a_parameter_the_document_does_not_set_is_named_by_its_title():
    """Chifeng in 2014 (after year 3): no parameter value for a programme year."""
    pack = policyengine.installed_packs()["chifeng-annual-targets"]
    r = policyengine.evaluate(ROOT / "examples" / "chifeng-annual-targets-community.toml", pack,
                              as_of=dt.date(2014, 12, 31))
    said = [finding_sentence(f, pack, "zh", r.as_of) for f in r.findings
            if f.outcome == "not_applicable" and any(v is None for v in f.parameters.values())]
    assert said
    assert all("文件未规定" in s and "params" not in s for s in said)


def test_star_band_in_words():
    pack = policyengine.installed_packs()["wuma-star-rating"]
    r = policyengine.evaluate(ROOT / "examples" / "wuma-community.toml", pack,
                              as_of=DATES["wuma"])
    said = finding_sentence(r.finding("rating.stars"), pack, "zh", r.as_of)
    # the band as the document names it (三星级), not a numeral the document never writes
    assert "三星级" in said and "772分" in said and "750分" in said
    said_en = finding_sentence(r.finding("rating.stars"), pack, "en", r.as_of)
    assert "3 stars" in said_en and "三星级" not in said_en


def test_next_band_in_the_documents_words():
    """The band gap names the next band by the pack's label (四星级) in Chinese, and by the
    catalogue's words (4 stars) in English."""
    pack = policyengine.installed_packs()["wuma-star-rating"]
    r = policyengine.evaluate(ROOT / "examples" / "wuma-community.toml", pack,
                              as_of=DATES["wuma"])
    (gap,) = [g for g in r.gaps if getattr(g, "output", None) == "stars"]
    assert gap.message.startswith("距四星级还差 28分")
    en = policyengine.evaluate(ROOT / "examples" / "wuma-community.toml", pack,
                               as_of=DATES["wuma"], lang="en")
    (gap_en,) = [g for g in en.gaps if getattr(g, "output", None) == "stars"]
    assert "4 stars" in gap_en.message and "四星级" not in gap_en.message


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_result_json_messages_are_sentences(lang):
    """The JSON's ``message`` is the sentence for people, in the language of ``evaluate``;
    the machine fields keep the paths."""
    r = policyengine.evaluate(ROOT / "examples" / "chifeng-annual-targets-jurisdiction.toml",
                              "chifeng-annual-targets", as_of=DATES["chifeng"], lang=lang)
    data = r.to_dict()
    messages = [f["message"] for d in [data, *data["communities"]] for f in d["findings"]]
    assert messages
    assert not [m for m in messages if MACHINE.search(m)]
    income = next(f for f in data["communities"][0]["findings"] if f["rule"] == "staff.income")
    assert "staff.avg_annual_income_yuan" in income["inputs"]


def test_pickled_results_say_the_same():
    import pickle

    r = policyengine.evaluate(ROOT / "examples" / "wuma-street.toml", "wuma-star-rating",
                              as_of=DATES["wuma"], lang="en")
    assert r.to_dict() == pickle.loads(pickle.dumps(r)).to_dict()


def test_a_pack_for_another_place_says_so_on_every_finding() -> None:
    """policies.md §6 Scope: a community of 五马街道 is not governed by Chifeng's plan. Each
    finding says where the community lies and which territory the document governs — not
    each rule's own condition, which an official would read as a data problem."""
    pack = policyengine.installed_packs()["chifeng-annual-targets"]
    result = policyengine.evaluate(ROOT / "examples" / "wuma-community.toml", pack,
                                   as_of=dt.date(2010, 6, 30))
    assert "not_applicable" == result.verdict
    said = {finding_sentence(f, pack, "zh", result.as_of) for f in result.findings}
    assert {"不适用：该社区位于浙江省温州市鹿城区五马街道，不在本文件适用的赤峰市范围内。"} == said


def test_a_sentence_is_kept_as_a_frame_only_where_its_part_is_set_in_as_it_is() -> None:
    """Sentences said once around the part that changes (``sentences.frame_of``) must say,
    for any part, what saying them whole says: a part padded, made a capital, repeated or
    absent leaves the sentence to be said whole."""
    from policyengine.sentences import frame_of

    assert ("现为：", "。") == frame_of(lambda part: f"现为：{part}。")
    assert frame_of(lambda part: f"{part:>8}") is None
    assert frame_of(lambda part: (part + " short").capitalize()) is None
    assert frame_of(lambda part: part + part) is None
    assert frame_of(lambda part: "no part") is None
