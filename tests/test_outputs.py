"""Outputs as items of their own: cited, reading scales and earlier outputs, type-checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine
from policyengine.authoring.packdoc import describe_pack
from policyengine.engine import compile_pack
from policyengine.exceptions import PackError

PACK = Path(__file__).resolve().parent / "fixtures" / "outputs"


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    """Stars from a scale, and two cited outputs that read them."""
    return policyengine.load_pack(PACK)


def outputs(pack: policyengine.Pack, score: float | None) -> dict[str, object]:
    """The outputs for a community with this survey score."""
    happiness = {} if score is None else {"survey_score": score}
    facts = {"community": {"id": "c"}, "happiness": happiness}
    return dict(policyengine.evaluate(facts, pack, as_of=dt.date(2016, 6, 1)).outputs)


def test_an_output_reads_the_scale_and_the_output_before_it(pack: policyengine.Pack) -> None:
    assert outputs(pack, 90) == {"stars": 5, "top_rated": True, "commended": True}
    assert outputs(pack, 89.5) == {"stars": 4, "top_rated": False, "commended": False}
    # unknown input: every output that depends on it is unknown (null), never false
    assert outputs(pack, None) == {"stars": None, "top_rated": None, "commended": None}


def test_a_cited_output_keeps_its_citation(pack: policyengine.Pack) -> None:
    cited = pack.cited_outputs["commended"]
    assert (cited.title, cited.clause, cited.quote) == (
        "由市政府命名表彰",
        "四",
        "五星级社区由市政府命名表彰。",
    )
    assert pack.outputs["commended"] == "outputs.top_rated"
    page = describe_pack(pack)
    assert (
        "`commended` — 由市政府命名表彰 = `outputs.top_rated` (四: “五星级社区由市政府命名表彰。”)"
        in page
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '"outputs.stars >= 5"',
            '"outputs.stars == \\"五星级\\""',
            "cannot compare number with text",
        ),
        ('"outputs.top_rated"', '"outputs.later"', r"'outputs\.later' is not a known fact"),
    ],
)
def test_outputs_are_type_checked(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = (PACK / "pack.toml").read_text("utf-8")
    assert old in text
    (tmp_path / "pack.toml").write_text(text.replace(old, new, 1), "utf-8")
    with pytest.raises(PackError, match=message):
        compile_pack(policyengine.load_pack(tmp_path))


def test_a_cited_output_needs_its_clause_and_quote(tmp_path: Path) -> None:
    text = (PACK / "pack.toml").read_text("utf-8").replace('clause = "四"\n', "", 1)
    (tmp_path / "pack.toml").write_text(text, "utf-8")
    with pytest.raises(PackError, match=r"outputs\[commended\]\.clause: is required"):
        policyengine.load_pack(tmp_path)
