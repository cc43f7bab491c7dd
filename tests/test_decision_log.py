"""The decision log (``decision_log=``, ``--decision-log``) and ``policyengine replay``."""

# House style: `assert expected == actual`.

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import multiprocessing
import shutil
import threading
from pathlib import Path

import pytest

import policyengine
from policyengine import api
from policyengine.cli import main
from policyengine.decisionlog import MASK, DecisionLog, canonical_facts, facts_digest
from policyengine.documents import structure_subject

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
WUMA = EXAMPLES / "wuma-community.toml"
STREET = EXAMPLES / "wuma-street.toml"
AS_OF = dt.date(2014, 12, 31)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


class TestRecord:
    def test_off_by_default(self, tmp_path, monkeypatch):
        """Evaluating writes no log unless asked."""
        monkeypatch.chdir(tmp_path)
        api.evaluate(WUMA, "wuma-star-rating", as_of=AS_OF)
        assert [] == list(tmp_path.iterdir())

    def test_one_line_per_decision_with_every_field(self, tmp_path):
        """The example community's decision: pack, engine, date, facts hash, verdict, outputs."""
        log = tmp_path / "decisions.jsonl"
        result = api.evaluate(WUMA, "wuma-star-rating", as_of=AS_OF, decision_log=log)
        [entry] = lines(log)
        assert {
            "pack": {
                "id": "wuma-star-rating",
                "version": result.pack_version,
                "digest": result.pack_digest,
            },
            "engine": {"version": policyengine.__version__},
            "as_of": "2014-12-31",
            "subject": {"id": "wm-001", "level": "community"},
            "verdict": "pass",
            "failing_rules": [],
            "unknown_rules": [],
        } == {
            k: entry[k]
            for k in (
                "pack",
                "engine",
                "as_of",
                "subject",
                "verdict",
                "failing_rules",
                "unknown_rules",
            )
        }
        assert (3, 50_000) == (entry["outputs"]["stars"], entry["outputs"]["reward_yuan"])
        assert 32 == len(entry["decision_id"])
        assert entry["time"].endswith("Z")
        assert "facts" not in entry  # only asked for
        canonical = json.dumps(
            canonical_facts(api.load_facts(WUMA)),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        assert "sha256:" + hashlib.sha256(canonical.encode()).hexdigest() == entry["facts_sha256"]

    def test_failing_rules_are_listed(self, tmp_path):
        """A vetoed community: the veto rule is among the failing rules."""
        log = DecisionLog(tmp_path / "log.jsonl")
        facts = {
            "community": {"id": "v", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
            "happiness": {
                "objective_score": 600,
                "survey_score": 250,
                "vetoes": ["leadership"],
                "previous_stars": 0,
            },
        }
        api.evaluate(facts, "wuma-star-rating", as_of=AS_OF, decision_log=log)
        [entry] = lines(log.path)
        assert ("fail", True) == (entry["verdict"], "eligibility.no-veto" in entry["failing_rules"])

    def test_canonical_facts_hash_the_same_from_toml_and_json(self, tmp_path):
        """The same facts written as TOML or as JSON (150 or 150.0, no table or an empty one)."""
        subject = api.load_facts(WUMA)
        as_json = canonical_facts(subject)
        as_json["organization"] = {}
        other = tmp_path / "same.json"
        other.write_text(json.dumps(as_json, ensure_ascii=False), encoding="utf-8")
        assert facts_digest(subject) == facts_digest(api.load_facts(other))
        assert subject == structure_subject(canonical_facts(subject))

    def test_included_communities_are_in_the_canonical_facts(self):
        """A street with an included community: the canonical facts stand alone."""
        street = api.load_facts(STREET)
        assert street == structure_subject(canonical_facts(street))

    def test_facts_logged_and_names_masked_when_asked(self, tmp_path):
        """``--log-facts --mask-names``: facts in the line, names replaced, hash unchanged."""
        log = tmp_path / "log.jsonl"
        code, _, _ = run(
            "evaluate",
            str(STREET),
            "--pack",
            "wuma-star-rating",
            "--as-of",
            "2014-12-31",
            "--format",
            "json",
            "--decision-log",
            str(log),
            "--log-facts",
            "--mask-names",
        )
        assert 0 == code  # the street's own duties pass (policies.md §6); a community fails
        [entry] = lines(log)
        assert (MASK, True) == (entry["facts"]["jurisdiction"]["name"], entry["names_masked"])
        assert {MASK} == {c["community"]["name"] for c in entry["facts"]["communities"]}
        assert not {"墨池社区", "县前社区", "仓桥社区"} & set(log.read_text(encoding="utf-8").split("\""))
        assert facts_digest(api.load_facts(STREET)) == entry["facts_sha256"]

    def test_a_masked_jurisdiction_name_is_masked_in_its_communities_places(self, tmp_path):
        """The street's name was masked, and still read in each community's
        ``community.jurisdiction``: masking could be undone from the next field."""
        log = tmp_path / "log.jsonl"
        run("evaluate", str(STREET), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
            "--decision-log", str(log), "--log-facts", "--mask-names")
        [entry] = lines(log)
        places = [c["community"]["jurisdiction"] for c in entry["facts"]["communities"]]
        assert places and all(p == ["浙江省", "温州市", "鹿城区", MASK] for p in places)
        assert "五马街道" not in log.read_text(encoding="utf-8")

    def test_threads_append_whole_lines(self, tmp_path):
        """16 threads × 20 decisions: 320 lines, each a whole JSON entry."""
        log = DecisionLog(tmp_path / "log.jsonl", log_facts=True)
        subject = api.load_facts(STREET)

        def work():
            for _ in range(20):
                api.evaluate(subject, "wuma-star-rating", as_of=AS_OF, decision_log=log)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        entries = lines(log.path)
        assert 320 == len(entries) == len({e["decision_id"] for e in entries})

    def test_processes_append_whole_lines(self, tmp_path):
        """4 processes writing long lines at once: none interleaved."""
        path = tmp_path / "log.jsonl"
        context = multiprocessing.get_context("spawn")
        with context.Pool(4) as pool:
            pool.starmap(_append_many, [(str(path), n) for n in range(4)])
        entries = lines(path)
        assert 400 == len(entries)
        assert all(len(e["padding"]) == 20_000 for e in entries)


def _append_many(path: str, worker: int) -> None:
    log = DecisionLog(Path(path))
    for i in range(100):
        log.append({"decision_id": f"{worker}-{i}", "padding": "x" * 20_000})


class TestReplay:
    @pytest.fixture
    def log(self, tmp_path) -> Path:
        path = tmp_path / "log.jsonl"
        code, _, _ = run(
            "evaluate",
            str(WUMA),
            str(STREET),
            "--pack",
            "all",
            "--as-of",
            "2014-12-31",
            "--format",
            "json",
            "--decision-log",
            str(path),
            "--log-facts",
        )
        assert 0 == code  # no verdict fails: other packs' territories are not_applicable
        assert 10 == len(lines(path))  # two subjects × five packs
        return path

    def test_the_same_decisions_replay_the_same(self, log):
        """Replaying today's log with today's packs: nothing differs, exit 0."""
        code, out, _ = run("replay", str(log), "--lang", "en")
        assert (0, "10 decisions: 10 the same, 0 differ, 0 not replayed\n") == (code, out)

    def test_a_changed_pack_is_named(self, log):
        """A decision logged by another pack content: differs, and the pack digest is why."""
        entries = lines(log)
        old = entries[3] | {
            "pack": entries[3]["pack"] | {"digest": "sha256:" + "0" * 64},
            "verdict": "pass" if entries[3]["verdict"] != "pass" else "fail",
        }
        log.write_text(json.dumps(old, ensure_ascii=False) + "\n", encoding="utf-8")
        code, out, _ = run("replay", str(log), "--format", "json")
        [report] = json.loads(out)
        assert (1, True) == (code, report["differs"])
        assert report["changes"][0].startswith(
            f"verdict: {old['verdict']} → {entries[3]['verdict']}"
        )
        assert report["reasons"][0].startswith("pack digest changed: sha256:000")

    def test_a_changed_engine_is_named(self, log):
        """A decision logged by another engine version, with other outputs."""
        entry = lines(log)[0]
        pack = entry["pack"]["id"]
        old = entry | {"engine": {"version": "0.0.1"}, "outputs": {**entry["outputs"], "extra": 1}}
        log.write_text(json.dumps(old, ensure_ascii=False) + "\n", encoding="utf-8")
        code, out, _ = run("replay", str(log), "--lang", "en")
        assert 1 == code
        assert f"({pack}, wm-001): differs" in out
        assert "    output extra: 1 → null\n" in out
        assert "    because engine version changed: 0.0.1 → 0.1.0\n" in out

    def test_changed_facts_are_named(self, log, tmp_path):
        """``--facts DIR`` with the community's facts changed since: differs, facts are why."""
        folder = tmp_path / "facts"
        folder.mkdir()
        facts = canonical_facts(api.load_facts(WUMA))
        facts["happiness"]["vetoes"] = ["leadership"]
        (folder / "wm-001.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
        code, out, _ = run("replay", str(log), "--facts", str(folder), "--format", "json")
        reports = {(r["pack"], r["subject"]): r for r in json.loads(out)}
        wuma = reports[("wuma-star-rating", "wm-001")]
        assert (1, True) == (code, wuma["differs"])
        assert "verdict: pass → fail" in wuma["changes"]
        assert wuma["reasons"][0].startswith("facts differ: SHA-256 sha256:")
        assert not reports[("wuma-star-rating", "wuma")]["differs"]  # the street: logged facts

    def test_given_facts_replace_unlogged_ones(self, tmp_path):
        """A log without facts replays from ``--facts`` (found by subject id); without, exit 2."""
        log = tmp_path / "log.jsonl"
        api.evaluate(WUMA, "wuma-star-rating", as_of=AS_OF, decision_log=log)
        code, out, _ = run("replay", str(log), "--lang", "en")
        assert (2, True) == (code, "not replayed: the facts were not logged" in out)
        folder = tmp_path / "facts"
        folder.mkdir()
        shutil.copy(WUMA, folder)
        assert 0 == run("replay", str(log), "--facts", str(folder))[0]

    def test_a_bad_log_line_is_named(self, tmp_path):
        """A line that is not JSON: exit 2 naming the file and line."""
        log = tmp_path / "log.jsonl"
        log.write_text('{"decision_id": "x"}\nnot json\n', encoding="utf-8")
        code, _, err = run("replay", str(log), "--lang", "en")
        assert 2 == code
        assert f"{log}:1: not a decision log entry" in err

    def test_an_uninstalled_pack_is_not_replayed(self, log):
        """A decision by a pack that is not installed: listed, exit 2."""
        entry = lines(log)[0] | {"pack": {"id": "gone", "version": "1", "digest": "sha256:0"}}
        log.write_text(json.dumps(entry) + "\n", encoding="utf-8")
        code, out, _ = run("replay", str(log), "--lang", "en")
        assert (2, True) == (code, "not replayed: the pack 'gone' is not installed" in out)


# ------------------------------------------------------------------ tables: csv and parquet

TABLE_HEADER = ["community.id", "community.name", "happiness.objective_score",
                "happiness.survey_score", "happiness.vetoes", "community.jurisdiction"]
WUMA_STREET = '["浙江省", "温州市", "鹿城区", "五马街道"]'
# 五马: ★★★★★ from 900 (四(二)); a veto makes the community ineligible (四(一)); a missing
# score leaves the community incomplete.
TABLE_ROWS = [
    ["five", "甲社区", "650", "250", "[]", WUMA_STREET],
    ["veto", "乙社区", "700", "300", '["leadership"]', WUMA_STREET],
    ["gap", "丙社区", "", "250", "[]", WUMA_STREET],
]
TABLE_PACKS = ("--pack", "wuma-star-rating", "--pack", "chifeng-annual-targets")


def write_table(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([TABLE_HEADER, *TABLE_ROWS])
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_log_one_line_per_decision(tmp_path, fmt):
    """csv and parquet output with --decision-log: one line per row × pack, each naming the
    row's verdict and outputs as the table gives them; the table itself is unchanged."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow")
    table = write_table(tmp_path / "communities.csv")
    log, plain, logged = tmp_path / "log.jsonl", tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
    common = ("evaluate", str(table), *TABLE_PACKS, "--as-of", "2014-12-31", "--format", fmt)
    code_plain, _, _ = run(*common, "--output", str(plain))
    code, _, err = run(*common, "--output", str(logged), "--decision-log", str(log))
    assert (1, 1) == (code_plain, code)  # a vetoed community fails
    assert "决定日志" in err
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(logged.read_text(encoding="utf-8"))))
        assert list(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8")))) == rows
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(logged).to_pylist()
        assert pq.read_table(plain).to_pylist() == rows
    entries = lines(log)
    assert [(r["subject_id"], r["pack"]) for r in rows] == [
        (e["subject"]["id"], e["pack"]["id"]) for e in entries
    ]
    for row, entry in zip(rows, entries, strict=True):
        assert row["verdict"] == entry["verdict"]
        stars = row.get("outputs.stars")
        if entry["pack"]["id"] == "wuma-star-rating" and stars not in (None, ""):
            assert int(stars) == entry["outputs"]["stars"]
        failing = {k[len("rules."):] for k, v in row.items()
                   if k.startswith("rules.") and v in ("fail", "overdue")}
        assert failing <= set(entry["failing_rules"])
    by_subject = {e["subject"]["id"]: e for e in entries if e["pack"]["id"] == "wuma-star-rating"}
    assert ("pass", "fail", "incomplete") == tuple(
        by_subject[i]["verdict"] for i in ("five", "veto", "gap"))
    assert 5 == by_subject["five"]["outputs"]["stars"]


def test_a_table_log_replays_from_the_table(tmp_path):
    """Decisions logged from a table (facts not logged) replay with --facts TABLE; the same
    table replays the same, a changed row is named by its facts' SHA-256."""
    table = write_table(tmp_path / "communities.csv")
    log = tmp_path / "log.jsonl"
    run("evaluate", str(table), *TABLE_PACKS, "--as-of", "2014-12-31", "--format", "csv",
        "--output", str(tmp_path / "out.csv"), "--decision-log", str(log))
    assert 6 == len(lines(log))
    code, out, _ = run("replay", str(log), "--facts", str(table))
    assert 0 == code, out
    changed = [list(r) for r in TABLE_ROWS]
    changed[0][2] = "600"  # 850: ★★★★ instead of ★★★★★
    with (tmp_path / "changed.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([TABLE_HEADER, *changed])
    code, out, _ = run("replay", str(log), "--facts", str(tmp_path / "changed.csv"),
                       "--format", "json")
    replayed = json.loads(out)
    differing = [r for r in replayed if r["differs"]]
    assert (1, ["five"]) == (code, [r["subject"] for r in differing])
    assert "output stars: 5 → 4" in differing[0]["changes"]
    assert any(reason.startswith("facts differ") for reason in differing[0]["reasons"])


def test_a_table_log_with_facts_replays_alone(tmp_path):
    """With --log-facts each line carries the row's facts: replay needs nothing else."""
    table = write_table(tmp_path / "communities.csv")
    log = tmp_path / "log.jsonl"
    run("evaluate", str(table), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
        "--format", "csv", "--output", str(tmp_path / "out.csv"), "--decision-log", str(log),
        "--log-facts", "--mask-names")
    entries = lines(log)
    assert [MASK] * 3 == [e["facts"]["community"]["name"] for e in entries]
    assert 650 == entries[0]["facts"]["happiness"]["objective_score"]
    code, out, _ = run("replay", str(log), "--format", "json")
    assert (0, [False] * 3) == (code, [r["differs"] for r in json.loads(out)])


def test_a_bad_facts_table_for_replay_is_named(tmp_path):
    """A row of the --facts table with a bad value: exit 2 naming the row and the field."""
    table = write_table(tmp_path / "communities.csv")
    log = tmp_path / "log.jsonl"
    run("evaluate", str(table), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
        "--format", "csv", "--output", str(tmp_path / "out.csv"), "--decision-log", str(log))
    bad = [list(r) for r in TABLE_ROWS]
    bad[1][2] = "720"
    with (tmp_path / "bad.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([TABLE_HEADER, *bad])
    code, _, err = run("replay", str(log), "--facts", str(tmp_path / "bad.csv"))
    assert 2 == code
    assert "happiness.objective_score" in err and "720" in err


def test_a_masked_log_is_never_said_not_reproducible(tmp_path):
    """Replaying a --mask-names log of a street against every pack said three decisions
    "differ" because "the decision is not reproducible": the scope rules read the names
    the log had masked. They are now not replayed, saying why and what to give."""
    log = tmp_path / "log.jsonl"
    run("evaluate", str(STREET), "--pack", "all", "--as-of", "2014-12-31",
        "--decision-log", str(log), "--log-facts", "--mask-names")
    code, out, _ = run("replay", str(log), "--format", "json")
    replayed = json.loads(out)
    assert not [r for r in replayed if r["differs"]]
    assert not [r for r in replayed if "not reproducible" in " ".join(r["reasons"])]
    masked = [r for r in replayed if r["error"]]
    assert masked and all("masked" in r["error"] and "--facts" in r["error"] for r in masked)
    assert code == 2  # some decisions were not replayed


def test_a_line_whose_facts_do_not_have_its_hash_is_not_replayed(tmp_path):
    """A line whose facts_sha256 was changed (its facts kept) replayed as "the same": the
    line no longer says which facts were decided."""
    log = tmp_path / "log.jsonl"
    run("evaluate", str(STREET), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
        "--decision-log", str(log), "--log-facts")
    [entry] = lines(log)
    entry["facts_sha256"] = "sha256:" + "0" * 64
    log.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run("replay", str(log), "--format", "json")
    [replayed] = json.loads(out)
    assert (2, False) == (code, replayed["differs"])
    assert "facts_sha256" in replayed["error"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--log-facts"], "--log-facts：用于指定决策日志记录的内容，但没有给出 --decision-log"),
        (["--mask-names"], "--mask-names：用于指定决策日志记录的内容"),
        (["--decision-log", "LOG", "--mask-names"], "--mask-names：用于遮盖日志中事实的名称"),
    ],
)
def test_a_log_option_that_would_do_nothing_is_refused(tmp_path, options, said):
    """``--log-facts`` or ``--mask-names`` with no log (or masking with no facts logged)
    ran as if they were not given: a user believed the log held the facts, masked."""
    argv = [str(tmp_path / "log.jsonl") if o == "LOG" else o for o in options]
    code, _, err = run("evaluate", str(STREET), "--pack", "wuma-star-rating", *argv)
    assert 2 == code
    assert said in err
    assert not (tmp_path / "log.jsonl").exists()
