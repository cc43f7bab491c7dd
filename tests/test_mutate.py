"""Mutation testing: planted one-line mistakes, and whether a pack's cases notice them."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

import policyengine
from policyengine import cli
from policyengine.authoring.mutate import mutants, run_mutants

MUTATE = Path(__file__).resolve().parent / "fixtures" / "mutate"
WEAK = MUTATE / "cases" / "weak.toml"
STRONG = MUTATE / "cases" / "strong.toml"


@pytest.fixture(scope="module")
def pack() -> policyengine.Pack:
    """A pack with a threshold parameter, a literal threshold, a when and a start date."""
    return policyengine.load_pack(MUTATE)


def run(*argv: str) -> tuple[int, str]:
    """Run the command line; the exit code and stdout."""
    out = io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=io.StringIO())
    return code, out.getvalue()


def test_each_kind_of_mistake_is_planted(pack: policyengine.Pack) -> None:
    changes = {(m.where, m.change) for m in mutants(pack)}
    # 以上/不少于 read as 超过: the boundary
    assert (
        "rule size.households require",
        "community.households >= params.min_households → community.households > params.min_households",
    ) in changes
    # each threshold one unit either way: the parameter and the literal
    assert ("parameter min_households value", "500 → 499") in changes
    assert ("parameter min_households value", "500 → 501") in changes
    assert (
        "rule space.service-area require",
        "spaces.service_area_m2 >= 300 → spaces.service_area_m2 >= 299",
    ) in changes
    # a condition removed, binding flipped, a date one day off and one year off
    assert ("rule space.service-area when", 'community.kind == "urban" → (removed)') in changes
    assert ("rule size.households binding", "binding = true → false") in changes
    assert ("pack effective_from", "2021-01-01 → 2020-12-31") in changes
    assert ("pack effective_from", "2021-01-01 → 2020-01-01") in changes
    assert ("pack effective_from", "2021-01-01 → 2022-01-01") in changes
    assert len(changes) == len(mutants(pack)) == 14


def test_mutants_are_in_memory_and_leave_the_pack_alone(pack: policyengine.Pack) -> None:
    before = hashlib.sha256((MUTATE / "pack.toml").read_bytes()).hexdigest()
    found = mutants(pack)
    assert (MUTATE / "pack.toml").read_bytes() and before == hashlib.sha256(
        (MUTATE / "pack.toml").read_bytes()
    ).hexdigest()
    assert sorted(p.name for p in MUTATE.iterdir()) == ["cases", "pack.toml"]
    boundary = next(m for m in found if m.change.endswith("> params.min_households"))
    assert boundary.pack.rule("size.households").require == (
        "community.households > params.min_households"
    )
    assert pack.rule("size.households").require == "community.households >= params.min_households"
    assert boundary.pack.digest != pack.digest
    assert boundary.clause == "二"


def test_cases_far_from_thresholds_let_mistakes_through(pack: policyengine.Pack) -> None:
    report = run_mutants(pack, [WEAK])
    survived = {r.mutant.change for r in report.survivors}
    assert "500 → 499" in survived
    assert "500 → 501" in survived
    assert (
        "community.households >= params.min_households → community.households > params.min_households"
        in survived
    )
    assert report.percent < 50


def test_boundary_cases_kill_every_mutant(pack: policyengine.Pack) -> None:
    report = run_mutants(pack, [STRONG])
    assert report.survivors == []
    assert (report.killed, report.total) == (14, 14)
    # each mutant names the case that noticed it
    killers = {r.mutant.change: r.killed_by for r in report.results}
    assert killers["500 → 501"] == "二、三 恰为500户、300平方米，实施首日：符合"
    assert killers["2021-01-01 → 2020-12-31"] == "实施前一日：不适用"
    # a year typed wrong: in force a year early is noticed on the day before, a year late
    # on the first day
    assert killers["2021-01-01 → 2020-01-01"] == "实施前一日：不适用"
    assert killers["2021-01-01 → 2022-01-01"] == "二、三 恰为500户、300平方米，实施首日：符合"


def test_command_lists_survivors_with_clause_and_ends_with_the_count() -> None:
    code, out = run("test", "--mutate", str(WEAK))
    lines = out.strip().splitlines()
    assert code == 0
    assert lines[-1] == "mutants: 2/14 killed"
    assert any(
        line.strip().startswith("#") and "rule size.households require [二]" in line
        for line in lines
    )


def test_min_killed_fails_below_the_percentage() -> None:
    assert run("test", "--mutate", str(WEAK), "--min-killed", "50")[0] == 1
    code, out = run("test", "--mutate", str(MUTATE), "--min-killed", "100")
    assert code == 0
    assert out.strip().splitlines()[-1] == "mutants: 14/14 killed"


def test_json_lists_every_mutant() -> None:
    code, out = run("test", "--mutate", str(WEAK), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["killed"], data["total"]) == (2, 14)
    statuses = {m["status"] for m in data["packs"][0]["mutants"]}
    assert statuses == {"killed", "survived"}


def test_cases_failing_on_the_pack_stop_the_run(tmp_path: Path) -> None:
    folder = tmp_path / "pack"
    (folder / "cases").mkdir(parents=True)
    (folder / "pack.toml").write_text((MUTATE / "pack.toml").read_text("utf-8"), "utf-8")
    (folder / "cases" / "wrong.toml").write_text(
        WEAK.read_text("utf-8").replace('verdict = "fail"', 'verdict = "pass"'), "utf-8"
    )
    code, out = run("test", "--mutate", str(folder))
    assert code == 1
    assert "cases fail on the pack itself" in out
    assert out.strip().splitlines()[-1] == "mutants: 0/0 killed"


def test_a_change_no_parameter_state_tells_apart_is_not_planted(tmp_path: Path) -> None:
    text = (MUTATE / "pack.toml").read_text("utf-8")
    text = text.replace(
        '[[rules]]\nid = "size.households"',
        '[parameters.share]\ntitle = "比例"\nclause = "二"\nquote = "比例为一半。"\nvalue = 0.5\n\n'
        '[[rules]]\nid = "size.households"\nwhen = "params.share > 0"',
        1,
    )
    (tmp_path / "pack.toml").write_text(text, "utf-8")
    changes = {m.change for m in mutants(policyengine.load_pack(tmp_path)) if "share" in m.change}
    # 0.5 > 0, 0.5 >= 0, 0.5 > -1 and no condition at all agree in every state of the
    # parameters; 0.5 > 1 does not
    assert changes == {"params.share > 0 → params.share > 1"}
