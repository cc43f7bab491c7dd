"""With ``lang="en"`` no Chinese sentence is left (results.md "Language").

Every bundled pack's own cases are evaluated in English; in the result JSON no CJK
character may remain outside the fields that hold the document's own words or names:

* ``quote`` — the document's text, quoted as written;
* ``clause`` — the document's own clause numbers (``四(六)``, ``建办科〔2022〕48号``);
* ``responsible`` — the units the document names (proper names of units may stay Chinese);
* ``inputs``, ``actual``, ``expected`` — the machine fields: facts as given and the rule's
  condition, with the document's own literals;
* ``area`` — the key of a task area, as in ``outputs.areas``;
* ``subject.name`` — the community's or jurisdiction's own name;
* ``outputs`` (and a band gap's ``then``/``needs``) — values, such as the unit that
  evaluates (``evaluated_by = "区文明委"``) or the payers' shares by name.

In every other field (titles, messages, gaps' sentences) the proper names the pack or the
facts give (units, places, the territory, the pilot unit, clause numbers) are taken out,
with words the sentence quotes from the document (“…”) and a Chinese term glossed after
its English (``Civility (文明社区) campaigns``); what is left must have no CJK character.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from policyengine import api
from policyengine.authoring.cases.format import case_files
from policyengine.authoring.cases.loading import load_case_file
from policyengine.pack import Pack

BUNDLED = (
    "wuma-star-rating",
    "chifeng-annual-targets",
    "fengxiang-harmony",
    "wuzhou-complete-community",
    "yixing-demonstration-city",
)
ALLOWED_FIELDS = frozenset(
    {
        "quote",
        "clause",
        "responsible",
        "inputs",
        "actual",
        "expected",
        "area",
        "name",
        "outputs",
        "then",
        "needs",
    }
)
"""Fields whose text is the document's or the facts' own (see the module's docstring)."""

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
QUOTED = re.compile(r"“[^”]*”")
GLOSS = re.compile(r"\([\u3400-\u9fff]+\)")


def _pack_names(pack: Pack) -> set[str]:
    """Proper names and citations the pack gives: units, places, clause numbers."""
    names: set[str] = set()
    for item in (*pack.rules, *pack.scales, *pack.deadlines):
        names.update(item.responsible)
        names.add(item.clause)
    for param in pack.parameters.values():
        names.update(e.clause for e in param.values if e.clause)
        if param.clause:
            names.add(param.clause)
    scope, pilot = pack.info.scope, pack.info.pilot
    if scope is not None:
        names.update((scope.territory, scope.clause, *scope.parts))
        names.update(n for level in scope.levels for n in level.names)
    if pilot is not None:
        names.update((pilot.unit, pilot.clause))
    for table in pack.tables:
        names.update(v for row in table.rows for v in row.outputs.values())
    return names


def _subject_names(d: dict[str, Any]) -> Iterator[str]:
    """The names the facts give: subjects' names and every text value they read."""
    if d["subject"]["name"]:
        yield d["subject"]["name"]
    for f in d["findings"]:
        for v in f["inputs"].values():
            values = v if isinstance(v, list) else [v]
            yield from (x for x in values if isinstance(x, str))
    for child in (*d.get("communities", ()), *d.get("jurisdictions", ())):
        yield from _subject_names(child)


def _texts(obj: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _texts(v, (*path, k))
    elif isinstance(obj, list):
        for v in obj:
            yield from _texts(v, path)
    elif isinstance(obj, str):
        yield path, obj


def chinese_left(result: dict[str, Any], names: set[str]) -> list[tuple[str, str]]:
    """``(field, text)`` of every text outside the allowed fields with CJK left in it."""
    known = sorted(names | set(_subject_names(result)), key=len, reverse=True)
    left = []
    for path, text in _texts(result):
        if ALLOWED_FIELDS & set(path):
            continue
        rest = text
        for name in known:
            rest = rest.replace(name, "")
        rest = GLOSS.sub("", QUOTED.sub("", rest))
        if CJK.search(rest):
            left.append((".".join(path), text))
    return left


def test_the_check_finds_a_chinese_sentence() -> None:
    """The check is not blind: a Chinese message, title or gap is found."""
    result = {
        "subject": {"name": "墨池社区"},
        "findings": [
            {"title": "Star rating", "message": "不适用：本社区不在范围内", "inputs": {}},
            {"title": "星级评定", "message": "Met: 墨池社区 (clause 四(四)).", "inputs": {}},
        ],
        "gaps": [{"message": "Provide location: clause 序言 needs it.", "responsible": ["区"]}],
    }
    assert [
        ("findings.message", "不适用：本社区不在范围内"),
        ("findings.title", "星级评定"),
    ] == chinese_left(result, {"四(四)", "序言"})


def cases_in_english(pack_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each case of a bundled pack with its result JSON in English."""
    pack = api.installed_packs()[pack_id]
    for file in case_files(pack):
        for case in load_case_file(file, pack):
            parameters = dict(case.parameters) or None
            result = api.evaluate(
                case.subject, pack, as_of=case.as_of, parameters=parameters, lang="en"
            )
            yield case.name, result.to_dict()


@pytest.mark.parametrize("pack_id", BUNDLED)
def test_every_case_in_english_has_no_chinese_sentence(pack_id: str) -> None:
    names = _pack_names(api.installed_packs()[pack_id])
    left: dict[tuple[str, str], str] = {}
    evaluated = 0
    for name, result in cases_in_english(pack_id):
        evaluated += 1
        for field, text in chinese_left(result, names):
            left.setdefault((field, text), name)
    assert evaluated > 10
    assert {} == left


@pytest.mark.parametrize("pack_id", BUNDLED)
def test_rule_titles_in_english(pack_id: str) -> None:
    """Every rule, scale, deadline, phase and summary of a bundled pack has ``title_en``,
    as the English result's findings show it."""
    pack = api.installed_packs()[pack_id]
    items = (*pack.rules, *pack.scales, *pack.deadlines, *pack.phases, *pack.summaries)
    assert [] == [getattr(i, "id", None) or i.output for i in items if not i.title_en]


def test_batch_summary_in_english(tmp_path) -> None:
    """The counts on standard error after a table are in the language asked for."""
    import io

    from policyengine.cli import main

    table = tmp_path / "c.csv"
    street = '"[""浙江省"", ""温州市"", ""鹿城区"", ""五马街道""]"'
    table.write_text(
        "community.id,happiness.objective_score,happiness.survey_score,happiness.vetoes,"
        "happiness.previous_stars,community.jurisdiction\n"
        f"five,650,250,[],4,{street}\n"
        f'veto,700,300,"[""leadership""]",0,{street}\n'
        f"gap,,250,[],,{street}\n",
        encoding="utf-8",
    )
    for lang, line in (
        ("en", "wuma-star-rating: 3 in all: pass 1, fail 1, incomplete 1, not applicable 0"),
        ("zh", "wuma-star-rating：共 3 个，通过 1，未通过 1，数据不全 1，不适用 0"),
    ):
        err = io.StringIO()
        argv = ["evaluate", str(table), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
                "--format", "csv", "--lang", lang]
        assert 1 == main(argv, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err)
        assert line in err.getvalue().splitlines()


def test_plain_html_page_in_english() -> None:
    """The page without the [reports] extra speaks the language asked for."""
    import datetime as dt
    from pathlib import Path

    from policyengine.builtins.reporters import render_html

    example = Path(__file__).resolve().parent.parent / "examples" / "wuma-community.toml"
    result = api.evaluate(example, "wuma-star-rating",
                          as_of=dt.date(2014, 12, 31), lang="en")
    page = render_html([result], "en")
    assert "<th>Outcome</th>" in page and "Verdict: <strong>pass</strong>" in page
    assert "<td>Star rating</td>" in page and "结论" not in page
    assert "<th>结果</th>" in render_html([result])


def test_plain_markdown_in_english() -> None:
    """The built-in Markdown (a reporter called without options) speaks the catalogues'
    words too."""
    import datetime as dt
    from pathlib import Path

    from policyengine.builtins.reporters import render_markdown

    example = Path(__file__).resolve().parent.parent / "examples" / "wuma-community.toml"
    result = api.evaluate(example, "wuma-star-rating", as_of=dt.date(2014, 12, 31), lang="en")
    page = render_markdown([result], "en")
    assert "| Outcome | Clause | Requirement | Details | Responsible |" in page
    assert "| met | 四(四) | Star rating |" in page
    assert "| 结果 | 条款 | 要求 | 说明 | 责任单位 |" in render_markdown([result])
