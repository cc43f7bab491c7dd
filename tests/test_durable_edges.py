"""One regression test per durable-rules guard listed in ``policyengine._durable``.

Each test fails (or crashes its subprocess) if its guard is removed; the measurements behind
them are in ``shared/notes/durable-rules.md``.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import policyengine
from policyengine import EngineError, PackError, _durable
from policyengine import expressions as ex
from policyengine.engine import compile_pack

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
WUMA_DIR = ROOT / "policy_packs" / "wuma-star-rating"
FIXTURE_PACKS = TESTS / "fixtures" / "packs"
AS_OF = dt.date(2014, 12, 31)


def run_python(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (a crash there cannot take pytest down)."""
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env, check=False,
    )


def wuma_doc(cid: str, total: float, *, vetoes: tuple[str, ...] = (), previous: int = 0) -> dict:
    """A Wuma community whose total score is ``total`` (objective up to 700, survey the rest)."""
    objective = min(700.0, total)
    return {
        "community": {"id": cid, "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": {"objective_score": objective, "survey_score": total - objective,
                      "vetoes": list(vetoes), "previous_stars": previous},
    }


def expected_stars(total: float) -> int:
    """Stars by 四(四): one star per threshold (650, 700, 750, 800, 900) reached, 以上 inclusive."""
    return sum(total >= t for t in (650, 700, 750, 800, 900))


class TestNoHostNoThreads:
    """(a) Only the C API is used: no ``durable.engine``/``durable.lang``, no timer threads."""

    def test_no_durable_host_modules_and_no_new_threads(self):
        """Evaluations import neither durable.engine nor durable.lang and start no thread."""
        result = run_python(f"""
            import json, sys, threading, datetime
            import policyengine
            pack = policyengine.load_pack({str(WUMA_DIR)!r})
            before = threading.active_count()
            for i in range(50):
                doc = {{"community": {{"id": f"c{{i}}"}},
                        "happiness": {{"objective_score": 600, "survey_score": i,
                                      "vetoes": [], "previous_stars": 0}}}}
                policyengine.evaluate(doc, pack, as_of=datetime.date(2014, 12, 31))
            print(json.dumps({{
                "before": before, "after": threading.active_count(),
                "modules": sorted(m for m in sys.modules
                                  if m == "durable" or m.startswith("durable.")),
            }}))
        """)
        assert 0 == result.returncode, result.stderr
        report = json.loads(result.stdout)
        assert [] == report["modules"]
        assert report["before"] == report["after"]

    def test_no_new_threads_in_process(self, wuma):
        """In this process too, the thread count is unchanged by evaluations."""
        before = threading.active_count()
        for i in range(20):
            policyengine.evaluate(wuma_doc(f"t{i}", 600 + i), wuma, as_of=AS_OF)
        assert before == threading.active_count()


class TestUnmatchedFactThenReset:
    """(b) ``delete_state`` after a fact that matched nothing must not free garbage."""

    SCRIPT = """
        import json
        from policyengine import _durable, expressions as ex
        junk = [json.dumps({"x": "y" * i}) for i in range(2000)]  # a dirty heap, as in the notes
        del junk
        cc = _durable.compile_conditions(
            "reset-{n}", [("big", ex.normalise(ex.parse("community.households > 1000")))])
        for i in range(200):
            assert cc.matching({"community.households": 5}) == frozenset(), i
            for handle in cc._handles:
                cc._reset(handle)
            assert cc.matching({"community.households": 5000}) == frozenset({"big"}), i
            for handle in cc._handles:
                cc._reset(handle)
        print("survived")
    """

    @pytest.mark.parametrize("n", range(5))
    def test_unmatched_fact_then_reset_does_not_crash(self, n):
        """200 cycles of an unmatched fact and a session reset exit cleanly (no SIGSEGV)."""
        result = run_python(self.SCRIPT.replace("{n}", str(n)))
        assert (0, "survived") == (result.returncode, result.stdout.strip()), result.stderr

    def test_every_ruleset_has_the_catch_all(self, compile_conditions):
        """Every compiled ruleset has ``__seen__`` matching every subject fact."""
        cc = compile_conditions(*(f"a.x > {i}" for i in range(100)))
        for ruleset in cc.rulesets:
            assert {"all": [{"m": {"__kind": "subject"}}]} == ruleset["__seen__"]


class TestKindTag:
    """(c) Every condition ANDs the ``__kind`` tag; no ``$nex`` is emitted."""

    TEXTS = (
        "a.x > 1",
        "a.x != 2",
        "not (a.x > 1 and a.b)",
        'a.k in ["p", "q"]',
        'a.k not in ["p"]',
        'a.l contains "z"',
        "not a.b",
        "count(a.l) == 0 or a.x <= a.y * 2",
    )

    def test_every_rule_ands_the_tag(self, compile_conditions):
        """Each rule's pattern is ``$and: [{__kind: subject}, condition]``."""
        cc = compile_conditions(*self.TEXTS)
        rules = {name: rule for rs in cc.rulesets for name, rule in rs.items()
                 if name != "__seen__"}
        assert {f"c{i}" for i in range(len(self.TEXTS))} == set(rules)
        for name, rule in rules.items():
            pattern = rule["all"][0]["m"]
            assert ["$and"] == list(pattern), name
            assert {"__kind": "subject"} == pattern["$and"][0], name

    def test_no_nex_is_emitted(self, compile_conditions):
        """Negations never compile to ``$nex`` (it matches the engine's own session object)."""
        cc = compile_conditions(*self.TEXTS)
        assert "$nex" not in json.dumps(cc.rulesets)

    def test_payload_carries_the_tag(self, compile_conditions):
        """The asserted fact carries the tag the rules require."""
        cc = compile_conditions("a.x > 1")
        assert {"sid": "policyengine", "__kind": "subject", "v0": 5.0} == json.loads(
            cc.payload({"a.x": 5}))


class TestChunking:
    """(d) Rulesets are chunked: >64 simultaneous matches and >256 identical conditions work."""

    def test_one_hundred_conditions_all_matching(self, compile_conditions):
        """100 conditions ``a.x > i`` all hold for x = 1000 and all 100 are returned."""
        cc = compile_conditions(*(f"a.x > {i}" for i in range(100)))
        assert {f"c{i}" for i in range(100)} == cc.matching({"a.x": 1000})
        assert {f"c{i}" for i in range(10)} == cc.matching({"a.x": 9.5})

    def test_three_hundred_rules_on_one_identical_condition(self, compile_conditions):
        """300 rules with the very same condition all fire (256 on one node would crash)."""
        cc = compile_conditions(*(["a.x > 0"] * 300))
        assert {f"c{i}" for i in range(300)} == cc.matching({"a.x": 1})
        assert frozenset() == cc.matching({"a.x": -1})

    def test_chunks_stay_below_the_engine_limit(self, compile_conditions):
        """No ruleset holds more than CHUNK (< 64) condition branches."""
        cc = compile_conditions(*(f"a.x > {i}" for i in range(300)))
        assert _durable.CHUNK < 64
        assert all(len(rs) - 1 <= _durable.CHUNK for rs in cc.rulesets)


class TestSessions:
    """(e) One fixed, primed session per ruleset: no 1,024-session cap, no sid collisions."""

    def test_two_thousand_evaluations_with_different_values(self, compile_conditions):
        """2,000 different facts evaluate without MemoryError and each gets its own answer."""
        cc = compile_conditions("a.x >= 1000", "a.x < 10")
        for i in range(2000):
            expected = {name for name, holds in (("c0", i >= 1000), ("c1", i < 10)) if holds}
            assert expected == cc.matching({"a.x": i}), i

    def test_two_thousand_communities_against_wuma(self, wuma):
        """2,000 distinct community ids each get the stars of their own total."""
        for i in range(2000):
            total = 600 + (i % 350)
            result = policyengine.evaluate(wuma_doc(f"community-{i}", total), wuma, as_of=AS_OF)
            assert (f"community-{i}", expected_stars(total)) == (
                result.subject_id, result.outputs["stars"])

    def test_colliding_subject_ids_get_their_own_results(self, wuma):
        """Ids with the same 32-bit FNV-1a hash, evaluated alternately, never swap results."""

        def fnv1a(text: str) -> int:
            h = 2166136261
            for byte in text.encode():
                h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
            return h

        first, second = "community-215348", "community-1094056"
        assert fnv1a(first) == fnv1a(second)  # the premise: the engine's sid hash collides
        for _ in range(50):
            low = policyengine.evaluate(wuma_doc(first, 640), wuma, as_of=AS_OF)
            high = policyengine.evaluate(wuma_doc(second, 950), wuma, as_of=AS_OF)
            below = low.finding("rating.stars").outcome
            assert (first, 0, "advisory") == (low.subject_id, low.outputs["stars"], below)
            assert (second, 5, "pass") == (high.subject_id, high.outputs["stars"], high.verdict)


class TestTypes:
    """(f) Values are typed before they reach the engine (which compares mismatches as text)."""

    def test_households_as_text_is_rejected(self, community):
        """``community.households = "abc"`` never reaches the engine."""
        with pytest.raises(policyengine.FactsError) as caught:
            policyengine.load_facts(community(community={"households": "abc"}))
        assert ["community.households"] == [p.path for p in caught.value.problems]

    def test_rule_comparing_number_with_text_does_not_compile(self):
        """A pack rule ``community.households > "abc"`` is a PackError naming the rule."""
        pack = policyengine.load_pack(FIXTURE_PACKS / "type-mismatch")
        with pytest.raises(PackError) as caught:
            compile_pack(pack)
        assert "households.text" in str(caught.value)
        assert "cannot compare number with text" in str(caught.value)

    def test_numbers_are_sent_as_floats(self, compile_conditions):
        """Ints in facts and rules are sent as floats, so division is never integer division."""
        cc = compile_conditions("a.y >= a.x / 2")
        assert '"v0":3.0' in cc.payload({"a.y": 3, "a.x": 7})
        assert frozenset() == cc.matching({"a.y": 3, "a.x": 7})  # 3 < 3.5 (int division: 3)
        assert frozenset({"c0"}) == cc.matching({"a.y": 4, "a.x": 7})


class TestFloats:
    """(g) Floats are written with a mantissa dot (``1.0e-05``): a bare exponent is error 204."""

    def test_small_float(self, compile_conditions):
        """``x >= 0.00001`` holds for 1e-05 and not for 9e-06."""
        cc = compile_conditions("a.x >= 0.00001")
        assert frozenset({"c0"}) == cc.matching({"a.x": 1e-05})
        assert frozenset() == cc.matching({"a.x": 9e-06})

    def test_large_float(self, compile_conditions):
        """``x > 1e15`` holds for 1e16 and not for 1e14."""
        cc = compile_conditions("a.x > 1e15")
        assert frozenset({"c0"}) == cc.matching({"a.x": 1e16})
        assert frozenset() == cc.matching({"a.x": 1e14})

    def test_dump_never_writes_a_bare_exponent(self):
        """The JSON writer spells 1e-05 and 1e16 with a dot in the mantissa."""
        assert ("1.0e-05", "1.0e+16") == (_durable.dump(1e-05), _durable.dump(1e16))

    def test_non_finite_numbers_are_refused(self, compile_conditions):
        """NaN and infinity cannot be sent to the engine."""
        with pytest.raises(EngineError):
            compile_conditions("a.x > 1").payload({"a.x": float("nan")})


class TestDivision:
    """(h) Division only by non-zero constants: an int ``$div`` by zero kills the process."""

    def test_division_by_a_parameter_is_refused_at_compile_time(self):
        """``a / params.x >= 1`` is refused by normalise and in a pack at compile time."""
        with pytest.raises(ex.ExpressionError):
            ex.normalise(ex.parse("a.x / params.x >= 1"))
        pack = policyengine.load_pack(FIXTURE_PACKS / "divide-by-param")
        with pytest.raises(PackError) as caught:
            compile_pack(pack)
        assert "division by a fact or parameter is not allowed" in str(caught.value)

    @pytest.mark.parametrize("text", ["a.x / 0 >= 1", "a.y >= a.x / 0"])
    def test_division_by_zero_is_refused(self, text):
        """A zero divisor is refused before anything is compiled."""
        with pytest.raises(ex.ExpressionError):
            ex.normalise(ex.parse(text))

    def test_no_division_by_a_value_key_is_ever_emitted(self, compile_conditions):
        """Every ``$div`` in a compiled ruleset divides by a non-zero number constant."""
        cc = compile_conditions("a.y >= a.x / 2", "a.y * 4 <= a.x / 8 + a.z", "a.y >= a.x / -4")
        divisors = []

        def walk(node: object) -> None:
            if isinstance(node, dict):
                if "$div" in node:
                    divisors.append(node["$div"]["$r"])
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(cc.rulesets)
        assert divisors
        assert all(isinstance(d, float) and d != 0 for d in divisors)


class TestOrOnce:
    """(i) ``$or`` fires once per true branch: matches are a set."""

    def test_or_with_two_true_branches_is_reported_once(self, compile_conditions):
        """``a.x > 1 or a.x > 2`` with x = 5 gives the id once."""
        assert frozenset({"c0"}) == compile_conditions("a.x > 1 or a.x > 2").matching({"a.x": 5})

    def test_rule_with_two_true_branches_gives_one_finding(self, community):
        """In a pack, the same rule yields exactly one passing finding."""
        pack = policyengine.load_pack(FIXTURE_PACKS / "conditions")
        result = policyengine.evaluate(community(community={"households": 5}), pack,
                                       as_of=AS_OF)
        found = [f for f in result.findings if f.rule == "households.either"]
        assert ["pass"] == [f.outcome for f in found]


class TestChineseText:
    """(j) Chinese text is sent as UTF-8 (escaped text never matches)."""

    def test_chinese_constant_matches(self, compile_conditions):
        """``community.name == "神冠社区"`` holds for 神冠社区 only."""
        cc = compile_conditions('community.name == "神冠社区"')
        assert frozenset({"c0"}) == cc.matching({"community.name": "神冠社区"})
        assert frozenset() == cc.matching({"community.name": "墨池社区"})

    def test_chinese_text_is_sent_unescaped(self, compile_conditions):
        """Both the ruleset and the fact carry the characters, never ``\\uXXXX`` escapes."""
        cc = compile_conditions('community.name == "神冠社区"')
        assert '"神冠社区"' in _durable.dump(cc.rulesets)
        assert '"神冠社区"' in cc.payload({"community.name": "神冠社区"})

    def test_chinese_constant_in_a_pack(self, community):
        """The fixture pack's 神冠社区 rule passes for that name and fails for another."""
        pack = policyengine.load_pack(FIXTURE_PACKS / "conditions")
        outcomes = []
        for name in ("神冠社区", "墨池社区"):
            result = policyengine.evaluate(community(community={"name": name, "households": 5}),
                                           pack, as_of=AS_OF)
            outcomes.append(result.finding("name.shenguan").outcome)
        assert ["pass", "fail"] == outcomes


class TestEngineImport:
    """(k) A failed build of the C extension becomes instructions, not a bare ImportError."""

    def test_import_failure_mentions_cppflags(self, monkeypatch):
        """With the extension unimportable, engine_module raises EngineError naming CPPFLAGS."""
        monkeypatch.setitem(sys.modules, "durable_rules_engine", None)
        monkeypatch.setattr(_durable, "_engine", None)
        with pytest.raises(EngineError) as caught:
            _durable.engine_module()
        assert "CPPFLAGS" in str(caught.value)

    def test_engine_module_is_restored(self):
        """After the test above the real extension is back (monkeypatch undid the change)."""
        assert "durable_rules_engine" == _durable.engine_module().__name__


class TestTwoVersionsOfOnePack:
    """(l) The same pack id from two folders with different content compiles twice."""

    def test_changed_threshold_in_a_copy(self, wuma, tmp_path):
        """A copy with one star at 660 gives 0 stars for 655 while the original gives 1."""
        copy = tmp_path / "wuma-copy"
        shutil.copytree(WUMA_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        toml = next(copy.rglob("pack.toml"))
        text = toml.read_text(encoding="utf-8")
        line = "values = [{ since = 2013-04-10, value = 650 }]"
        assert 1 == text.count(line)
        toml.write_text(text.replace(line, line.replace("650", "660")), encoding="utf-8")
        changed = policyengine.load_pack(copy)
        assert (wuma.id, wuma.version) == (changed.id, changed.version)
        assert wuma.digest != changed.digest
        doc = wuma_doc("wm-655", 655)
        stars = [policyengine.evaluate(doc, pack, as_of=AS_OF).outputs["stars"]
                 for pack in (wuma, changed, wuma, changed)]
        assert [1, 0, 1, 0] == stars


class TestThreads:
    """(m) Concurrent evaluations give the same results as sequential ones."""

    @pytest.mark.parametrize("n", [4, 8])
    def test_threads_agree_with_sequential(self, wuma, n):
        """4 or 8 threads × 500 evaluations of different communities match the sequential
        results."""
        docs = [[wuma_doc(f"th{t}-{i}", 600 + (7 * i + 13 * t) % 350,
                          vetoes=("leadership",) if i % 17 == 0 else (), previous=i % 6)
                 for i in range(500)] for t in range(n)]
        sequential = [[policyengine.evaluate(d, wuma, as_of=AS_OF).to_dict() for d in batch]
                      for batch in docs]
        concurrent: list[list[dict] | None] = [None] * n
        errors: list[BaseException] = []

        def work(t: int) -> None:
            try:
                concurrent[t] = [policyengine.evaluate(d, wuma, as_of=AS_OF).to_dict()
                                 for d in docs[t]]
            except BaseException as exc:  # reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [] == errors
        assert sequential == concurrent


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
class TestMemory:
    """(n) Sessions are retracted, never accumulated: memory stays flat.

    Not run by default: ``pytest -m slow tests/test_durable_edges.py`` (a few minutes).
    """

    @pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc")
    def test_one_million_evaluations_flat_memory(self, wuma):
        """RSS, sampled every 100,000 evaluations of 1,000,000 after a 2,000 warm-up, grows
        less than 20 MB in all."""
        communities = [policyengine.load_facts(wuma_doc(f"m{i}", 600 + i % 350, previous=i % 6))
                       for i in range(1000)]
        for i in range(2000):
            policyengine.evaluate(communities[i % 1000], wuma, as_of=AS_OF)
        samples = [_rss_mb()]
        for i in range(1_000_000):
            policyengine.evaluate(communities[i % 1000], wuma, as_of=AS_OF)
            if i % 100_000 == 99_999:
                samples.append(_rss_mb())
        assert max(samples) - samples[0] < 20, [round(s, 1) for s in samples]


class TestEngineErrors:
    """An engine error is raised as EngineError and leaves a working session behind."""

    def test_unsendable_value_is_an_engine_error(self, compile_conditions):
        """A list where a scalar is expected is refused before the engine sees it."""
        cc = compile_conditions("a.x > 1")
        with pytest.raises(EngineError):
            cc.matching({"a.x": [1, 2]})
        assert frozenset({"c0"}) == cc.matching({"a.x": 2})

    def test_same_key_compiles_once(self, fresh_key):
        """``compile_conditions`` reuses the compiled set for a key (handles are never freed)."""
        key = fresh_key("once")
        conditions = [("c0", ex.normalise(ex.parse("a.x > 1")))]
        assert _durable.compile_conditions(key, conditions) is _durable.compile_conditions(
            key, conditions)
