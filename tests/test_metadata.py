"""Honest metadata: partial dates with a stated reading, fields the document does not state."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

import policyengine
from policyengine import cli
from policyengine.authoring.lint import lint_path
from policyengine.authoring.packdoc import describe_pack
from policyengine.exceptions import PackError

PARTIAL = Path(__file__).resolve().parent / "fixtures" / "metadata" / "partial"
NOT_STATED = "not stated in the document"


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    """The fixture pack with one line of its pack.toml replaced."""
    folder = tmp_path / "pack"
    folder.mkdir()
    text = (PARTIAL / "pack.toml").read_text("utf-8")
    assert old in text
    (folder / "pack.toml").write_text(text.replace(old, new), "utf-8")
    return folder


def test_a_year_and_month_loads_with_its_reading() -> None:
    src = policyengine.load_pack(PARTIAL).info.source
    assert src.date == "2016-02"
    assert src.date_text() == "2016-02"
    assert src.first_day() == dt.date(2016, 2, 1)
    assert src.issuer == (NOT_STATED,)
    assert src.number == NOT_STATED


@pytest.mark.parametrize(
    ("date", "first"),
    [('"2016"', dt.date(2016, 1, 1)), ("2016-02-03", dt.date(2016, 2, 3))],
)
def test_a_year_or_a_full_date(tmp_path: Path, date: str, first: dt.date) -> None:
    src = policyengine.load_pack(
        copy_with(tmp_path, 'date = "2016-02"', f"date = {date}")
    ).info.source
    assert src.first_day() == first


def test_an_unstated_date_needs_no_reading(tmp_path: Path) -> None:
    folder = copy_with(tmp_path, 'date = "2016-02"', f'date = "{NOT_STATED}"')
    text = (folder / "pack.toml").read_text("utf-8")
    text = "\n".join(x for x in text.splitlines() if not x.startswith("date_reading"))
    (folder / "pack.toml").write_text(text, "utf-8")
    src = policyengine.load_pack(folder).info.source
    assert (src.date_text(), src.first_day()) == (NOT_STATED, None)


def test_a_partial_date_without_its_reading_is_an_error(tmp_path: Path) -> None:
    folder = copy_with(tmp_path, "date_reading = ", "# date_reading = ")
    with pytest.raises(PackError, match=r"pack.source.date: '2016-02' is a partial date"):
        policyengine.load_pack(folder)


@pytest.mark.parametrize("date", ['"Feb 2016"', '"2016-13"', '"2016-2"'])
def test_a_date_that_is_none_of_these_is_an_error(tmp_path: Path, date: str) -> None:
    with pytest.raises(PackError, match=r"pack.source.date: .* is not a date \(YYYY-MM-DD\)"):
        policyengine.load_pack(copy_with(tmp_path, 'date = "2016-02"', f"date = {date}"))


def test_lint_accepts_what_the_document_does_not_state() -> None:
    report = lint_path(PARTIAL, seeds=[])
    assert [p for p in report.problems if p.severity == "error"] == []


def test_describe_shows_the_date_as_stated_and_its_reading() -> None:
    page = describe_pack(policyengine.load_pack(PARTIAL))
    assert f"《测试文件》 {NOT_STATED}，{NOT_STATED}，2016-02." in page
    assert "Date read as: The text says only 2016年2月" in page


def test_describe_does_not_invent_where_a_seed_lives(tmp_path: Path) -> None:
    folder = copy_with(tmp_path, 'date = "2016-02"', 'date = "2016-02"\nseed = "doc.txt"')
    page = describe_pack(policyengine.load_pack(folder))
    assert "Text: `doc.txt`." in page and "shared/seeds" not in page
    (folder / "doc.txt").write_text("社区规模不少于500户。", "utf-8")
    page = describe_pack(policyengine.load_pack(folder))
    assert "Text: `doc.txt` (in the pack folder)." in page


def test_packs_lists_a_partial_date_as_stated(monkeypatch: pytest.MonkeyPatch) -> None:
    from policyengine import api

    pack = policyengine.load_pack(PARTIAL)
    monkeypatch.setattr(api, "installed_packs", lambda: {pack.id: pack})
    out = io.StringIO()
    assert cli.main(["packs", "--format", "json"], stdout=out, stderr=io.StringIO()) == 0
    (row,) = json.loads(out.getvalue())
    assert row["source"]["date"] == "2016-02"
    assert row["source"]["issuer"] == [NOT_STATED]
    out = io.StringIO()
    cli.main(["packs"], stdout=out, stderr=io.StringIO())
    assert f"（{NOT_STATED}，2016-02）" in out.getvalue()
