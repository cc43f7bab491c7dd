"""Cited outputs in the reports for people: each shown with the document's name for it,
its value, its clause and the document's words (terminal table, HTML, Markdown)."""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
from pathlib import Path

import pytest

from policyengine.cli import main

PACK = Path(__file__).resolve().parent / "fixtures" / "late_outputs"
FACTS = """
[community]
id = "c"
[happiness]
survey_score = 90
previous_stars = 1
[organization]
party_org = false
[spaces]
service_stations = 1
"""


def report(tmp_path: Path, *extra: str) -> str:
    facts = tmp_path / "c.toml"
    facts.write_text(FACTS, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["evaluate", str(facts), "--pack", str(PACK), "--as-of", "2016-06-01", *extra],
                stdin=io.StringIO(""), stdout=out, stderr=err)
    assert 1 == code, err.getvalue()  # 二(一) is not met
    return out.getvalue()


def test_terminal_table_shows_label_value_clause_and_quote(tmp_path: Path) -> None:
    lines = report(tmp_path).splitlines()
    # 五: promoted to two stars, 再奖励1万元 — a reward, cited
    line = next(x for x in lines if x.startswith("获得奖励"))
    assert line.split(maxsplit=1)[1] == "是（依据五）「一星级奖励1万元」"
    line = next(x for x in lines if x.startswith("组织建设未达到的项数"))
    assert line.split(maxsplit=1)[1] == "1（依据二(一)）「建立社区党组织。」"


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_html_and_markdown_show_them(tmp_path: Path, fmt: str) -> None:
    shown = report(tmp_path, "--format", fmt)
    assert "由区政府表彰" in shown
    assert "是（依据五）“二星级奖励2万元”" in shown


def test_english_report_keeps_the_documents_words(tmp_path: Path) -> None:
    shown = report(tmp_path, "--lang", "en", "--format", "markdown")
    assert 'yes (clause 五) “一星级奖励1万元”' in shown
