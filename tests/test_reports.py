"""Reports for people: the terminal table, the HTML page, the spreadsheet, the self-check
report — each checked for what a reader needs from it (issue "results people read")."""

# House style: `assert expected == actual`.

from __future__ import annotations

import builtins
import datetime as dt
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest

import policyengine
from policyengine.cli import main
from policyengine.contracts import RenderOptions
from policyengine.reports import documents, writers
from policyengine.reports.html import render_html
from policyengine.reports.table import render_table
from policyengine.reports.view import reading
from policyengine.reports.xlsx import HEAD, render_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WUMA = dt.date(2014, 12, 31)
FENGXIANG = dt.date(2025, 6, 30)


def packs(*ids):
    installed = policyengine.installed_packs()
    return {p: installed[p] for p in ids}


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


@pytest.fixture(scope="module")
def fengxiang():
    return policyengine.evaluate(EXAMPLES / "fengxiang-harmony-community.toml",
                                 "fengxiang-harmony", as_of=FENGXIANG)


@pytest.fixture(scope="module")
def street():
    return policyengine.evaluate(EXAMPLES / "wuma-street.toml", "wuma-star-rating", as_of=WUMA)


class TestTable:
    """The terminal table wraps to the width, keeps titles whole, puts failures first."""

    @pytest.mark.parametrize("width", [60, 80, 120])
    def test_fits_the_terminal(self, fengxiang, width):
        out = render_table([fengxiang], RenderOptions(width=width, packs=packs("fengxiang-harmony")))
        assert max(cells(line) for line in out.splitlines()) <= width

    def test_full_titles_clause_and_units(self, fengxiang):
        out = render_table([fengxiang], RenderOptions(width=200, packs=packs("fengxiang-harmony")))
        title = fengxiang.finding("org.democratic-systems").title
        assert title in out.replace("「", "“").replace("」", "”")
        assert "责任单位" in out and "区住建局" in out and "三(一)" in out

    def test_failures_first(self, fengxiang):
        out = render_table([fengxiang], RenderOptions(width=200))
        body = out[out.index("────"):].split("\n", 1)[1]
        assert body.index("不符合") < body.index("\n符合 ")

    def test_only_failing(self, fengxiang):
        out = render_table([fengxiang], RenderOptions(width=200, only_failing=True))
        body = out[out.index("────"):].split("\n", 1)[1].split("评估结果")[0]
        firsts = {line.split()[0] for line in body.splitlines() if line.strip()}
        labels = {"不符合", "待补数据", "符合", "建议", "不适用", "待办", "逾期"}
        assert {"不符合", "待补数据"} == firsts & labels

    def test_summary_across_packs(self):
        results = policyengine.evaluate_all(EXAMPLES / "wuma-community.toml", as_of=WUMA)
        out = render_table(results, RenderOptions(width=120))
        assert f"共评估 {len(results)} 项" in out
        assert "汇总" in out

    @pytest.mark.parametrize("rich", [True, False])
    def test_a_pack_that_does_not_apply_takes_one_line(self, rich, monkeypatch):
        """Out of its territory, a pack is one line (the scope's sentence), not every rule."""
        if not rich:
            real = builtins.__import__

            def no_rich(name, *args, **kwargs):
                if name == "rich" or name.startswith("rich."):
                    raise ImportError(name)
                return real(name, *args, **kwargs)

            monkeypatch.setattr(builtins, "__import__", no_rich)
        results = policyengine.evaluate_all(EXAMPLES / "wuma-community.toml", as_of=WUMA)
        installed = policyengine.installed_packs()
        out = render_table(results, RenderOptions(width=200, packs=installed))
        elsewhere = [r for r in results if r.verdict == "not_applicable"]
        assert 4 == len(elsewhere)
        for r in elsewhere:
            territory = installed[r.pack_id].info.scope.territory
            said = (f"不适用：该社区位于浙江省温州市鹿城区五马街道，"
                    f"不在本文件适用的{territory}范围内。")
            assert 1 == out.count(said)
            others = [f.title for f in r.findings if f.rule != "scope"]
            assert [] == [t for t in others if t in out]
        english = render_table(results, RenderOptions(width=200, lang="en", packs=installed))
        assert ("Not applicable: the community lies in 浙江省温州市鹿城区五马街道, outside 赤峰市, "
                "where the document applies.") in english

    def test_readme_shows_the_table_as_printed(self):
        """The README's example lines are what the table prints for its main example."""
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        block = re.search(r"```text\n(.*?)```", readme, re.S).group(1)
        results = policyengine.evaluate_all(EXAMPLES / "wuma-community.toml", as_of=WUMA)
        out = render_table(results, RenderOptions(width=200, packs=policyengine.installed_packs()))
        assert [line for line in block.splitlines() if line not in out.splitlines()] == []
        assert len(out.splitlines()) < 100

    def test_english(self, fengxiang):
        out = render_table([fengxiang], RenderOptions(width=120, lang="en",
                                                      packs=packs("fengxiang-harmony")))
        assert "Verdict: fail" in out and "Responsible" in out

    def test_ambiguous_punctuation_is_never_in_a_table_cell(self, fengxiang):
        out = render_table([fengxiang], RenderOptions(width=120, packs=packs("fengxiang-harmony")))
        table = out[out.index("────"):].split("评估结果")[0]
        assert not set("“”‘’…") & set(table)

    def test_plain_fallback_without_rich(self, fengxiang, monkeypatch):
        real = builtins.__import__

        def no_rich(name, *args, **kwargs):
            if name == "rich" or name.startswith("rich."):
                raise ImportError(name)
            return real(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_rich)
        out = render_table([fengxiang], RenderOptions(width=70))
        assert "[不符合] 三(一)" in out
        assert max(cells(line) for line in out.splitlines()) <= 70 + 2


class TestHtml:
    """The page: document, counts, labelled outputs, areas, readings, and its size."""

    def test_document_title_number_issuer_date(self, fengxiang):
        page = render_html([fengxiang], RenderOptions(packs=packs("fengxiang-harmony")))
        for text in ("宝凤政办发〔2024〕22号", "宝鸡市凤翔区人民政府办公室", "2024-07-15",
                     "宝鸡市凤翔区保障性住房小区共同缔造"):
            assert text in page
        assert "<script src" not in page and "http" not in page.split("<body>")[0]

    def test_failing_areas_first(self, fengxiang):
        page = render_html([fengxiang], RenderOptions(packs=packs("fengxiang-harmony")))
        areas = re.findall(r'<h3>([^<]+?)( <span class="verdict v-fail">\d+</span>)?</h3>\s*'
                           r'<table class="findings">', page)
        headings = [a for a, _ in areas]
        failing = [a for a, badge in areas if badge]
        assert failing == headings[: len(failing)]
        assert failing

    def test_outputs_are_labelled(self, street):
        page = render_html([street], RenderOptions(packs=packs("wuma-star-rating")))
        assert "<dt>五星级社区比例</dt><dd>33.3%</dd>" in page
        assert "share_five_stars=" not in page

    def test_chifeng_quotes_have_their_readings(self):
        r = policyengine.evaluate(EXAMPLES / "chifeng-annual-targets-community.toml",
                                  "chifeng-annual-targets", as_of=dt.date(2008, 6, 30))
        # programme year 1: the finding quotes year 1's entry, “…水平旳70%”
        page = render_html([r], RenderOptions(packs=packs("chifeng-annual-targets")))
        assert "小区工作人员年收入不低于当地上年城镇职工平均工资水平旳" in page  # as written
        assert "社区工作人员年收入不低于当地上年城镇职工平均工资水平的" in page  # the reading

    def test_page_of_1000_communities_is_under_1_mb(self):
        place = ["浙江省", "温州市", "鹿城区", "五马街道"]
        communities = [
            {"community": {"id": f"wm-{i:04d}", "name": f"第{i}社区", "jurisdiction": place},
             "happiness": {"objective_score": 400 + (i * 37) % 300, "survey_score": 150 + i % 150,
                           "vetoes": ["leadership"] if i % 17 == 0 else [], "previous_stars": i % 4}}
            for i in range(1000)
        ]
        doc = {"jurisdiction": {"id": "wuma", "name": "五马街道", "level": "street"},
               "communities": communities}
        r = policyengine.evaluate(doc, "wuma-star-rating", as_of=WUMA)
        page = render_html([r], RenderOptions(packs=packs("wuma-star-rating")))
        assert 1000 == page.count('<details id="c-')
        assert len(page.encode("utf-8")) < 1_000_000


class TestReadings:
    """policies.md §2: the Chifeng copy's synonym replacements, read back."""

    @pytest.mark.parametrize(("written", "clause", "read"), [
        ("友好小区", "二(二)", "和谐社区"),
        ("工作旳开展", "二(二)", "工作的开展"),
        ("通过度期分批", "二(一)", "通过分期分批"),
        ("2023户", "三(二)", "2000户"),
        ("2023年,大力推广", "二(二)2(1)", "〔第二年〕,大力推广"),
        ("到2023年80%", "二(二)1(2)、2(2)、3(2)", "到〔计划年度〕80%"),
    ])
    def test_reading(self, written, clause, read):
        assert read == reading(written, "chifeng-annual-targets", clause)

    def test_other_packs_read_as_written(self):
        assert reading("保障性住房小区", "fengxiang-harmony") is None

    def test_yixing_reads_in_simplified_characters(self):
        """policies.md §5: the text is traditional; the quote stays as written, the reading
        beside it is simplified."""
        pytest.importorskip("opencc")
        assert "成立和谐社区建设领导小组" == reading("成立和諧社區建設領導小組",
                                                "yixing-demonstration-city")


class TestXlsx:
    """The results table of results.md as a workbook, with a summary sheet."""

    def test_rows_and_columns(self, street):
        from openpyxl import load_workbook

        data = render_xlsx([street], RenderOptions(packs=packs("wuma-star-rating")))
        wb = load_workbook(io.BytesIO(data))
        rows = list(wb["results"].iter_rows(values_only=True))
        head = rows[0]
        assert HEAD == head[: len(HEAD)]
        assert "outputs.stars" in head and "rules.rating.stars" in head
        # the street and its four communities, one row each
        assert 5 == len(rows) - 1
        by_id = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
        assert (3, "pass") == (by_id["wm-001"]["outputs.stars"], by_id["wm-001"]["rules.rating.stars"])
        payers = json.loads(by_id["wm-002"]["outputs.reward_payers"])  # a table, JSON-encoded
        assert by_id["wm-002"]["outputs.reward_yuan"] == sum(payers.values())
        summary = list(wb["summary"].iter_rows(values_only=True))
        assert "五马街道“幸福社区”星级创建" == summary[1][0]
        # 仓桥社区 fails; 府前社区 lacks data; the street's own duties pass (policies.md §6)
        assert (3, 1, 1, 0) == summary[1][3:7]
        gaps = list(wb["gaps"].iter_rows(values_only=True))
        stars = [row for row in gaps if row[0] == "wm-001"]
        assert [("wm-001", "wuma-star-rating", "rating.stars", "happiness.total_score", 3, 4)] == [
            row[:6] for row in stars]

    def test_cli_needs_output(self, tmp_path, capsys):
        assert 2 == main(["evaluate", str(EXAMPLES / "wuma-community.toml"), "--pack",
                          "wuma-star-rating", "--format", "xlsx"])
        assert "--output" in capsys.readouterr().err
        out = tmp_path / "r.xlsx"
        assert 0 == main(["evaluate", str(EXAMPLES / "wuma-community.toml"), "--pack",
                          "wuma-star-rating", "--as-of", "2014-12-31", "--format", "xlsx",
                          "--output", str(out)])
        assert out.read_bytes()[:2] == b"PK"


    def test_text_that_looks_like_a_formula_stays_text(self):
        """An id or name from the facts that starts with ``=`` is written as text, never as a
        formula the spreadsheet would run (formula injection)."""
        from openpyxl import load_workbook

        hostile = '=HYPERLINK("http://example.invalid","x")'
        facts = {"community": {"id": "=cmd|' /C calc'!A0", "name": hostile}}
        result = policyengine.evaluate(facts, "wuma-star-rating", as_of=dt.date(2014, 12, 31))
        data = render_xlsx([result], RenderOptions(packs=packs("wuma-star-rating")))
        cells = [
            cell
            for ws in load_workbook(io.BytesIO(data)).worksheets
            for row in ws.iter_rows()
            for cell in row
            if isinstance(cell.value, str) and cell.value.startswith("=")
        ]
        assert cells  # the id is in every sheet's rows
        assert {"s"} == {cell.data_type for cell in cells}
        assert "=cmd|' /C calc'!A0" in {cell.value for cell in cells}


class TestControlCharacters:
    """An id or a name from the facts holding a control character (U+0001, a vertical tab),
    which XML cannot hold: the Word and Excel files are written, the character shown
    escaped (it was an internal error and no file)."""

    FACTS = '{"community": {"id": "a\\u0001b", "name": "x\\u000by"}}'

    def test_xlsx(self, tmp_path):
        from openpyxl import load_workbook

        facts, out = tmp_path / "facts.json", tmp_path / "r.xlsx"
        facts.write_text(self.FACTS, encoding="utf-8")
        code = main(["evaluate", str(facts), "--pack", "wuma-star-rating", "--as-of",
                     "2014-12-31", "--format", "xlsx", "--output", str(out)])
        assert 1 == code  # incomplete: the facts are missing, not the file
        assert "a\\x01b" == load_workbook(out)["results"]["A2"].value

    def test_docx(self, tmp_path):
        from docx import Document

        facts, out = tmp_path / "facts.json", tmp_path / "r.docx"
        facts.write_text(self.FACTS, encoding="utf-8")
        code = main(["report", str(facts), "--pack", "wuma-star-rating", "--as-of",
                     "2014-12-31", "--format", "docx", "--output", str(out)])
        assert 1 == code
        assert any("x\\x0by" in p.text for p in Document(str(out)).paragraphs)


def test_a_line_break_in_a_name_keeps_the_markdown_heading_one_line():
    """A community name or id from the facts holding a line break: the subject's heading
    stays one line, the name's parts joined by a space."""
    from policyengine.reports.markdown import render_markdown

    facts = {"community": {"id": "a\nb", "name": "第一行\r\n第二行"}}
    result = policyengine.evaluate(facts, "wuma-star-rating", as_of=dt.date(2014, 12, 31))
    text = render_markdown([result], RenderOptions(packs=packs("wuma-star-rating")))
    assert text.splitlines()[0].startswith("## 第一行 第二行（a b）— ")



HOSTILE_NAME = '<img src=x onerror=alert(1)>[点我](javascript:alert(1))`x`'
SHOWN_NAME = "\\<img src=x onerror=alert(1)\\>\\[点我\\](javascript:alert(1))\\`x\\`"


def test_markup_in_a_name_is_text_in_the_markdown_results():
    """A name from the facts holding HTML, a link or a code span is shown as written when
    the Markdown is rendered (backslash escapes), never run or linked (it was raw HTML)."""
    from policyengine.reports.markdown import render_markdown

    facts = {"community": {"id": "c<1>", "name": HOSTILE_NAME}}
    result = policyengine.evaluate(facts, "wuma-star-rating", as_of=WUMA)
    text = render_markdown([result], RenderOptions(packs=packs("wuma-star-rating")))
    assert text.splitlines()[0].startswith(f"## {SHOWN_NAME}（c\\<1\\>）— ")
    assert "<img" not in text.replace("\\<img", "")


def test_markup_in_a_name_is_text_in_the_markdown_report(tmp_path):
    facts = tmp_path / "c.json"
    doc = {"community": {"id": "c1", "name": HOSTILE_NAME, "jurisdiction": ["浙江省"]}}
    facts.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    main(["report", str(facts), "--pack", "wuma-star-rating", "--as-of", "2014-12-31"], stdout=out)
    assert SHOWN_NAME in out.getvalue()
    assert "<img" not in out.getvalue().replace("\\<img", "")

class TestSelfCheck:
    """Fengxiang 四(三): a yearly self-check report to 市住建局, in the official structure."""

    SECTIONS = ("一、基本情况", "二、工作开展情况", "三、存在问题", "四、下一步工作打算")
    AREAS = ("组织管理体系", "社区服务功能", "社区社会秩序", "社区文化生活", "社区生活环境",
             "社区文明风尚")

    def test_docx_opens_and_holds_each_section(self, tmp_path):
        from docx import Document

        out = tmp_path / "自查报告.docx"
        code = main(["report", str(EXAMPLES / "fengxiang-harmony-community.toml"), "--pack",
                     "fengxiang-harmony", "--kind", "self-check", "--as-of", "2025-06-30",
                     "--format", "docx", "--output", str(out)])
        assert 1 == code  # the estate fails some requirements
        paragraphs = [p.text for p in Document(str(out)).paragraphs]
        text = "\n".join(paragraphs)
        assert "2025年度自查报告" in paragraphs[0]
        assert "市住建局：" == paragraphs[1]
        for heading in self.SECTIONS:
            assert heading in paragraphs
        for i, area in enumerate(self.AREAS):
            assert f"（{'一二三四五六'[i]}）{area}" in paragraphs
        assert "区卫健局" in text.split("三、存在问题")[1]
        assert "东湖花园保障房小区（盖章）" in paragraphs and "2025年6月30日" == paragraphs[-1]

    def test_markdown_and_html(self, fengxiang):
        pack = packs("fengxiang-harmony")["fengxiang-harmony"]
        subject = policyengine.load_facts(EXAMPLES / "fengxiang-harmony-community.toml")
        doc = documents.self_check(fengxiang, pack, subject)
        md = writers.to_markdown([doc])
        html = writers.to_html([doc])
        for heading in self.SECTIONS:
            assert f"## {heading}" in md and f"<h2>{heading}</h2>" in html
        assert "四(三)“对缔造活动每年进行一次认真的评估和自查" in md

    def test_not_for_other_packs(self, capsys):
        assert 2 == main(["report", str(EXAMPLES / "wuma-community.toml"), "--pack",
                          "wuma-star-rating", "--kind", "self-check"])
        assert "fengxiang-harmony" in capsys.readouterr().err

    def test_summary_for_a_jurisdiction(self, capsys):
        main(["report", str(EXAMPLES / "chifeng-annual-targets-jurisdiction.toml"), "--pack",
              "chifeng-annual-targets", "--as-of", "2010-06-30", "--format", "md"])
        md = capsys.readouterr().out
        assert md.startswith("# 《赤峰市城镇社区建设专项推进工作实施方案》执行情况报告")
        assert "## 所辖社区" in md and "## 存在问题" in md and "## 下一步工作" in md


def test_jurisdiction_table_has_one_overview_row_per_community(street):
    """A street's table: its own findings, then one row per community, not four tables."""
    out = render_table([street], RenderOptions(width=120, packs=packs("wuma-star-rating")))
    assert 1 == out.count("政策包内容摘要")
    overview = out.split("各社区一览")[1]
    for name, stars in (("墨池社区", "3星"), ("县前社区", "5星"), ("仓桥社区", "0星")):
        row = next(line for line in overview.splitlines() if line.startswith(name))
        assert stars in row


def test_self_check_for_each_estate_of_a_town(tmp_path, capsys):
    """A town's document gives one 自查报告 per estate the plan applies to."""
    import tomllib

    estate = tomllib.loads((EXAMPLES / "fengxiang-harmony-community.toml").read_text("utf-8"))
    other = json.loads(json.dumps(estate, default=str))
    other["community"] = {**other["community"], "id": "fx-2", "name": "西街小区"}
    urban = {"community": {"id": "fx-3", "name": "普通社区", "kind": "urban",
                           "jurisdiction": other["community"]["jurisdiction"]}}
    doc = {"jurisdiction": {"id": "cg", "name": "城关镇", "level": "town"},
           "communities": [json.loads(json.dumps(estate, default=str)), other, urban]}
    path = tmp_path / "town.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    main(["report", str(path), "--pack", "fengxiang-harmony", "--kind", "self-check",
          "--as-of", "2025-06-30", "--format", "md"])
    md = capsys.readouterr().out
    titles = [line for line in md.splitlines() if line.startswith("# ")]
    assert ["# 东湖花园保障房小区“和谐社区·幸福家园”2025年度自查报告",
            "# 西街小区“和谐社区·幸福家园”2025年度自查报告"] == titles
