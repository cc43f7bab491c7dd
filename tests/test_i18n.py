"""The message catalogues (zh, the default, and en): complete, in step, all used, compiled.

Every sentence of both catalogues is rendered with its fields filled; the two catalogues
have the same ids and the same fields; every fact of the vocabulary has a label in both;
every id is used by the code (static ids by name, families by their prefix); the compiled
``.mo`` files say what the ``.po`` sources say.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from policyengine.cli import main
from policyengine.facts import fact_catalogue
from policyengine.i18n import LANGUAGES, catalogue_keys, fact_label, fmt_value, problem_text, text

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "policyengine"
LOCALE = SRC / "locale"
KEYS = sorted(catalogue_keys("zh"))
FAMILIES = ("fact.", "value.", "area.", "output.", "unit.", "outcome.", "verdict.", "level.",
            "band.", "chart.", "gap.", "op.", "problem.", "kind.", "msg.")
"""Ids the code builds from a prefix and a name (a fact path, an outcome, …)."""


def fields(sentence: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(sentence) if f}


def test_both_catalogues_have_the_same_ids():
    assert catalogue_keys("zh") == catalogue_keys("en")


@pytest.mark.parametrize("key", KEYS)
def test_every_sentence_renders_in_both_languages(key):
    zh_fields = fields(text(key, "zh"))
    assert zh_fields == fields(text(key, "en")), "zh and en must fill the same fields"
    values = dict.fromkeys(zh_fields, "X1")
    for lang in LANGUAGES:
        out = text(key, lang, **values)
        assert out.strip()
        assert "{" not in out and "}" not in out
        if key.startswith(("gap.", "band.", "selfcheck.", "summary.")):
            assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", out), "no fact path in a sentence"


def test_every_fact_has_a_label_in_both_languages():
    for level in ("community", "jurisdiction"):
        for path in fact_catalogue(level):
            for lang in LANGUAGES:
                assert f"fact.{path}" in catalogue_keys(lang)
                assert path != fact_label(path, lang)


def test_every_choice_has_a_name():
    for level in ("community", "jurisdiction"):
        for path, ft in fact_catalogue(level).items():
            for choice in ft.choices:
                assert f"value.{path}.{choice}" in catalogue_keys("en"), (path, choice)
                assert choice != fmt_value(path, choice, "zh")


def test_every_id_is_used_by_the_code():
    code = "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))
    code += "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.j2"))
    unused = [k for k in KEYS if not k.startswith(FAMILIES) and f'"{k}"' not in code
              and f"'{k}'" not in code]
    assert [] == unused


def test_units_of_the_requirements():
    """Values are shown with their units: 元, m², 户, %, 分."""
    assert "16,800元" == fmt_value("staff.avg_annual_income_yuan", 16800, "zh")
    assert "¥16,800" == fmt_value("staff.avg_annual_income_yuan", 16800, "en")
    assert "200m²" == fmt_value("spaces.service_area_m2", 200.0, "zh")
    assert "1,850户" == fmt_value("community.households", 1850, "zh")
    assert "70%" == fmt_value("services.resident_satisfaction", 0.7, "zh")
    assert "772分" == fmt_value("happiness.total_score", 772, "zh")
    assert "民主选举、民主监督" == fmt_value("organization.democratic_systems",
                                           ["election", "supervision"], "zh")


def test_compiled_catalogues_match_their_sources():
    pytest.importorskip("babel")
    from babel.messages.pofile import read_po

    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "policyengine.po"
        with po.open("rb") as fh:
            source = {m.id: m.string for m in read_po(fh) if m.id}
        assert source == {k: text(k, lang) for k in catalogue_keys(lang)}, (
            f"recompile: pybabel compile -d src/policyengine/locale -D policyengine ({lang})")


class TestProblems:
    """Problems in a facts document, in the language asked for (the path as written)."""

    @pytest.mark.parametrize(("message", "zh"), [
        ("720 is above the maximum 700", "720 超过上限 700"),
        ("-5 is below the minimum 0", "-5 低于下限 0"),
        ('"12" is not a number', '"12" 不是数字'),
        ("unknown field (not in the facts vocabulary)", "未知字段（不在事实词汇表中）"),
        ("is required", "必须填写"),
        ('"2024-13-01" is not a date (YYYY-MM-DD)', '"2024-13-01" 不是日期（YYYY-MM-DD）'),
        ("'town' is not one of: city, province", "'town' 不是以下取值之一：city, province"),
        # a quoted value that reads like a problem is the value, kept as written
        ('"x is below the minimum 0" is not one of: urban, rural',
         '"x is below the minimum 0" 不是以下取值之一：urban, rural'),
        ('1e+300 is beyond 2^53 (9,007,199,254,740,992), the largest number compared exactly',
         "1e+300 超过 2^53（9,007,199,254,740,992），即能精确比较的最大数"),
    ])
    def test_in_chinese(self, message, zh):
        assert zh == problem_text(message, "zh")
        assert message == problem_text(message, "en")

    @pytest.mark.parametrize(("message", "zh", "en"), [
        ("12 is more than staff.count (10)", "12 大于 专职社区工作者人数（10）",
         "12 is more than the full-time community workers (10)"),
        ("3 is more than organization.leadership_members (2)", "3 大于 领导班子成员人数（2）",
         "3 is more than the leadership members (2)"),
    ])
    def test_a_fact_is_named_not_its_path_in_either_language(self, message, zh, en):
        """A part above its whole named the whole by its path in English
        (``12 is more than staff.count (10)``): paths belong in the problem's path."""
        assert (zh, en) == (problem_text(message, "zh"), problem_text(message, "en"))

    def test_validate_lang(self, tmp_path, capsys):
        bad = tmp_path / "bad.toml"
        bad.write_text('[community]\nid = "x"\n[happiness]\nobjective_score = 720\n',
                       encoding="utf-8")
        assert 2 == main(["validate", str(bad), "--lang", "zh"])
        assert f"{bad}: happiness.objective_score：720 超过上限 700\n" == capsys.readouterr().err


# every refusal of the facts converter is said in Chinese: hostile values of each kind
_REFUSED = [
    ({"community": {"id": "a\ud800"}}, "第 2 个字符是不成对的代理码位（U+D800）"),
    ({"community": {"id": "x" * 70_000}}, "文本长 70,000 字节，超过 65,535 字节的上限"),
    ({"community": {"id": "c", "households": 1.5}}, "1.5 不是整数"),
    ({"community": {"id": "c", "households": 2**60}}, "超过 2^53（9,007,199,254,740,992）"),
    ({"community": {"id": "c", "households": float("inf")}}, "inf 不是有限的数字"),
    # the five types' sub-scores (四(二)): were said in English inside a Chinese message
    (
        {"community": {"id": "c"}, "happiness": {"objective_by_type": {
            "self_governance": 200, "ecological": 200, "service": 200, "cultural": 200}}},
        "五型客观测评分项合计 800 分，超过上限 700 分",
    ),
    (
        {"community": {"id": "c"}, "happiness": {"objective_score": 500, "objective_by_type": {
            "self_governance": 100, "ecological": 100, "service": 100, "cultural": 100,
            "harmonious": 90}}},
        "五型客观测评分项合计 490 分，与客观测评得分 500 分不一致",
    ),
    (
        {"community": {"id": "c"}, "staff": {"count": 2, "trained_this_year": 5}},
        "5 大于 专职社区工作者人数（2）",
    ),
    ({"community": {"id": "c", "households": {"a": 1}}}, "表 不是数字"),
    ({"community": {"id": "c"}, "happiness": {"objective_score": "12"}}, '"12" 不是数字'),
    ({"community": {"id": None}}, "空值（null） 不是文本"),
    ({"community": {"id": 10**20}}, "21 位的整数 不是文本"),
    (
        {"jurisdiction": {"id": "j"}, "communities": [{"community": {"id": "a"}}] * 2},
        '社区编号 "a" 出现了两次（另见 第 1 个社区）；每个社区只计一次',
    ),
]


@pytest.mark.parametrize(("document", "zh"), _REFUSED)
def test_every_refusal_is_said_in_chinese(document, zh):
    """The converter's messages (too long, not Unicode, not whole, beyond 2^53, not finite)
    are sentences in Chinese, not English with a Chinese word in the middle; English
    keeps the converter's own words, but for a fact it names by its path."""
    import policyengine

    (problem,) = policyengine.check_facts(document)
    said = problem_text(problem.message, "zh")
    assert zh in said
    assert not re.search(r"\b(is|not|than|of|the|text|bytes|number|no|value|given|integer)\b", said), said
    english = problem_text(problem.message, "en")
    if re.search(r"\b[a-z_]+\.[a-z_]+\b", problem.message):  # a fact's path, as staff.count
        assert not re.search(r"\b[a-z_]+\.[a-z_]+\b", english), english
    else:
        assert problem.message == english


def test_a_float_beyond_exact_is_named_by_its_value():
    """``households = 1e300``: the problem names the value (it said "a number")."""
    from policyengine.documents import structure_subject
    from policyengine.exceptions import FactsError

    with pytest.raises(FactsError) as caught:
        structure_subject({"community": {"id": "a", "households": 1e300}})
    (problem,) = caught.value.problems
    assert problem.message.startswith("1e+300 is beyond 2^53")


@pytest.mark.parametrize(("lang", "said"), [("zh", "2025年"), ("en", "2025")])
def test_a_year_is_said_without_a_thousands_separator(lang, said):
    """A gap on Fengxiang's report year said "需达到 2,025年以上（现为 2,024年）": a year is a
    name, not a quantity; other numbers keep their separator."""
    assert said == fmt_value("reporting.self_check_report_year", 2025, lang)
    assert "2,025" in fmt_value("community.households", 2025, lang)
