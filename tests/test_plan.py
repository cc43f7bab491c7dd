"""The compiled plan: typed ids, one compilation per content, bounded memory over many versions."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import policyengine
from policyengine import PackError
from policyengine.messages import CATALOGUE, Reason, render
from policyengine.plan import KINDS, CondId, compile_plan, plan_for

ROOT = Path(__file__).resolve().parents[1]
WUMA = ROOT / "policy_packs" / "wuma-star-rating"

PACK = """
[pack]
id = "fixture-threshold"
version = "{version}"
title = "门槛"
title_en = "Threshold"
region = "测试"

[pack.source]
title = "测试文件"
issuer = ["测试"]
date = 2020-01-01

[parameters.min_households]
title = "最少户数"
clause = "一"
quote = "不少于{value}户。"
value = {value}

[[rules]]
id = "households.min"
title = "户数"
clause = "一"
quote = "不少于{value}户。"
require = "community.households >= params.min_households"
"""


class TestPlan:
    """What the plan of a bundled pack holds."""

    def test_condition_ids_are_typed(self) -> None:
        """Wuma's conditions: the veto rule's require, the five bands and the scale's when."""
        plan = plan_for(policyengine.load_pack(WUMA))
        ids = set(plan.condition_ids)
        assert CondId("rule", 0, "require") in ids
        assert {CondId("scale", 0, "band", j) for j in range(5)} <= ids
        assert CondId("scale", 0, "when") in ids
        assert str(CondId("scale", 0, "band", 2)) == "scales[0].band[2]"
        assert len(plan.condition_ids) == len(plan.normals)

    def test_value_sources_name_their_fact(self) -> None:
        """count(happiness.vetoes) is read from the fact happiness.vetoes; parameters from none."""
        plan = plan_for(policyengine.load_pack(WUMA))
        paths = {s.key: s.path for s in plan.sources}
        assert paths["count(happiness.vetoes)"] == "happiness.vetoes"
        assert paths["params.one_star_min_score"] is None

    def test_missing_count_names_the_fact(self) -> None:
        """A missing list makes the veto rule unknown, naming the fact (not count(...))."""
        doc = {"community": {"id": "x"},
               "happiness": {"objective_score": 500, "survey_score": 200, "previous_stars": 0}}
        result = policyengine.evaluate(doc, pack=WUMA, as_of=dt.date(2014, 12, 31))
        finding = result.finding("eligibility.no-veto")
        assert finding.outcome == "unknown"
        assert finding.reason == Reason("require_unknown", {"paths": ["happiness.vetoes"]})
        assert "count(" not in finding.message

    def test_compiled_once_per_content(self) -> None:
        """Two loads of the same folder share one plan; compile_plan alone makes a new one."""
        a, b = policyengine.load_pack(WUMA), policyengine.load_pack(WUMA)
        assert plan_for(a) is plan_for(b)
        assert compile_plan(a) is not plan_for(a)

    def test_every_kind_registered(self) -> None:
        """Each rule kind module is registered once, tables and summaries included."""
        names = [name for name, _ in KINDS]
        assert len(names) == len(set(names))
        assert {"rules", "scales", "deadlines", "tables", "summaries", "tallies",
                "fact_lists", "derived", "outputs", "aggregates"} <= set(names)

    def test_table_unknown_previous_fact(self, tmp_path: Path) -> None:
        """A table whose previous level is not a known fact is refused when compiled."""
        folder = tmp_path / "p"
        folder.mkdir()
        text = PACK.format(version="1", value=10) + textwrap.dedent("""
            [[tables]]
            id = "t"
            level = "x"
            previous = "community.no_such_fact"
            output = "amount"
            rows = [{ level = 1, first = "min_households" }]
        """)
        (folder / "pack.toml").write_text(text, encoding="utf-8")
        with pytest.raises(PackError, match="no_such_fact"):
            plan_for(policyengine.load_pack(folder))


class TestMessages:
    """Sentences are rendered on demand, in the language asked for."""

    def test_every_code_has_a_sentence(self) -> None:
        """Each reason code the engine uses renders in zh."""
        assert render(Reason("pass", {"expected": "a ≥ 1"})) == "符合：a ≥ 1。"
        assert "责任单位：甲、乙。" == render(Reason("responsible", {"units": ("甲", "乙")}))
        assert set(CATALOGUE) == {"zh", "en"}
        assert set(CATALOGUE["zh"]) == set(CATALOGUE["en"])

    def test_unknown_language(self) -> None:
        """A language without a catalogue is a ValueError naming those there are."""
        result = policyengine.evaluate(
            {"community": {"id": "x"}}, pack=WUMA, as_of=dt.date(2014, 12, 31))
        with pytest.raises(ValueError, match="zh"):
            result.finding("eligibility.no-veto").message_in("fr")
        assert result.finding("eligibility.no-veto").message_in("en")
        assert result.to_dict("zh") == result.to_dict()


MEMORY_SCRIPT = """
import gc, os, sys
from pathlib import Path
import policyengine
folder = Path(sys.argv[1])
text = sys.argv[2]
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
marks = {}
for v in range(2000):
    (folder / "pack.toml").write_text(text.format(version=v, value=v), encoding="utf-8")
    pack = policyengine.load_pack(folder)
    result = policyengine.evaluate({"community": {"id": "c", "households": 1000}}, pack=pack)
    assert result.verdict == ("pass" if v <= 1000 else "fail"), (v, result.verdict)
    if v in (300, 1999):
        gc.collect()
        marks[v] = rss()
print(marks[1999] - marks[300])
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux)")
def test_many_versions_memory_flat(tmp_path: Path) -> None:
    """2,000 versions of a pack differing only in a threshold: memory stays flat.

    The threshold is a parameter, asserted as a value, so every version has the same
    condition shape and shares one durable-rules ruleset (which is never freed); plans are
    kept for the most recent versions only.
    """
    folder = tmp_path / "pack"
    folder.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(folder), PACK],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    assert out.returncode == 0, out.stderr
    growth_mb = float(out.stdout.strip())
    assert growth_mb < 20, f"RSS grew {growth_mb:.1f} MB over 1,700 pack versions"


def test_finding_names_its_parameters_clauses() -> None:
    """The star rating names the clause of each band threshold it used (四(四))."""
    doc = {"community": {"id": "x"},
           "happiness": {"objective_score": 500, "survey_score": 200, "vetoes": [],
                         "previous_stars": 0}}
    result = policyengine.evaluate(doc, pack=WUMA, as_of=dt.date(2014, 12, 31))
    finding = result.finding("rating.stars")
    assert finding.parameter_clauses["one_star_min_score"] == "四(四)"
    assert set(finding.parameter_clauses) == set(finding.parameters)
    assert "parameter_clauses" not in finding.to_dict()


def test_a_new_output_kind_is_one_module_and_one_registration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A kind that only gives outputs needs its build function in KINDS, nothing else."""
    import policyengine.plan as plan_module

    class Counted:
        def outputs(self, findings, facts):  # type: ignore[no-untyped-def]
            return {"findings_counted": len(findings)}

    def build(b):  # type: ignore[no-untyped-def]
        b.items["counted"] = (Counted(),) if b.community else ()
        b.finishers.extend(b.items["counted"])

    monkeypatch.setattr(plan_module, "KINDS", (*plan_module.KINDS, ("counted", build)))
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "pack.toml").write_text(PACK.format(version="new-kind", value=10), encoding="utf-8")
    doc = {"community": {"id": "c", "households": 20}}
    result = policyengine.evaluate(doc, pack=policyengine.load_pack(folder))
    assert result.outputs["findings_counted"] == 1
    assert result.verdict == "pass"


def test_results_pickle() -> None:
    """A result (findings with their reasons) survives pickling, for process pools."""
    import pickle

    doc = {"community": {"id": "x"},
           "happiness": {"objective_score": 500, "survey_score": 200, "vetoes": [],
                         "previous_stars": 0}}
    result = policyengine.evaluate(doc, pack=WUMA, as_of=dt.date(2014, 12, 31))
    again = pickle.loads(pickle.dumps(result))
    assert again.to_dict() == result.to_dict()
    assert again.findings[0].reason == result.findings[0].reason
