"""A pack's Python hooks: loaded whole, once, from any number of threads.

Regression: with 8 threads loading the same pack folder, a thread could find the hooks
module in ``sys.modules`` before it had finished importing, register a module with no
hook yet, and fail with "no pack_evaluate_rule hook decided rule 'reward.amount'".
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import shutil
import threading
from pathlib import Path

import pytest

import policyengine
from policyengine.exceptions import PackError
from policyengine.pack import load_pack
from policyengine.plugins import pack_plugin_manager

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "packs" / "hook-rule"
AS_OF = dt.date(2024, 1, 1)
FACTS = {"community": {"id": "c-1", "name": "测试社区", "households": 12}}
THREADS = 8
ROUNDS = 12


def _copy(tmp_path: Path, name: str, comment: str = "") -> Path:
    """A copy of the fixture pack; ``comment`` makes its hooks file (and digest) its own."""
    folder = tmp_path / name
    shutil.copytree(FIXTURE, folder)
    if comment:
        hooks = folder / "hooks.py"
        hooks.write_text(hooks.read_text(encoding="utf-8") + f"# {comment}\n", encoding="utf-8")
    return folder


def test_the_hook_decides_the_rule(tmp_path: Path) -> None:
    """The fixture's hook rule passes with 12 households × 10 yuan."""
    result = policyengine.evaluate(FACTS, _copy(tmp_path, "pack"), as_of=AS_OF)
    finding = {f.rule: f for f in result.findings}["reward.amount"]
    assert ("pass", "120元") == (finding.outcome, finding.actual)


def test_threads_loading_one_folder_always_find_the_hook(tmp_path: Path) -> None:
    """8 threads load the same fresh folder at once, round after round: every evaluation
    decides the hook rule (each round's hooks file is new, so it is imported anew)."""
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    for round_no in range(ROUNDS):
        folder = _copy(tmp_path, f"round-{round_no}", comment=f"round {round_no}")
        barrier = threading.Barrier(THREADS)

        def work(folder: Path = folder, barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                result = policyengine.evaluate(FACTS, load_pack(folder), as_of=AS_OF)
                outcome = {f.rule: f.outcome for f in result.findings}["reward.amount"]
                with lock:
                    outcomes.append(outcome)
            except BaseException as exc:  # collected and reported below
                with lock:
                    errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert [] == [str(e) for e in errors]
    assert ["pass"] * (THREADS * ROUNDS) == outcomes


def test_an_importable_package_loads_its_hooks_as_its_own_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack folder that is an importable package (as installed packs are) has its hooks
    imported as ``<package>.hooks``, one module however often the pack is loaded."""
    folder = _copy(tmp_path, "policyengine_pack_fixture_hook_rule")
    (folder / "__init__.py").write_text('"""A fixture pack package."""\n', encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    first, second = load_pack(folder), load_pack(folder)
    assert first.hooks is not None
    assert "policyengine_pack_fixture_hook_rule.hooks" == first.hooks.__name__
    assert first.hooks is second.hooks
    assert pack_plugin_manager(first).hook.pack_evaluate_rule.get_hookimpls()


def test_a_hooks_file_that_fails_names_the_file(tmp_path: Path) -> None:
    """An exception while importing the hooks is a PackError naming the file; loading
    again tries again (nothing half-imported is kept)."""
    folder = _copy(tmp_path, "broken")
    (folder / "hooks.py").write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PackError, match=r"hooks\.py: the pack's hooks failed to load"):
            load_pack(folder)


def test_a_hook_with_a_wrong_signature_is_a_pack_error(tmp_path: Path) -> None:
    """The per-pack plugin manager checks the module against the hook specs."""
    folder = _copy(tmp_path, "wrong")
    (folder / "hooks.py").write_text(
        "from policyengine import hookimpl\n\n"
        "@hookimpl\ndef pack_evaluate_rule(rule, context, extra):\n    return None\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"hooks\.py"):
        pack_plugin_manager(load_pack(folder))


def test_a_hooks_file_calling_sys_exit_is_a_pack_error(tmp_path: Path) -> None:
    """Loading a pack never ends the program."""
    folder = _copy(tmp_path, "exits")
    (folder / "hooks.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"failed to load: sys\.exit\(3\)"):
        load_pack(folder)


def test_a_hooks_file_outside_the_pack_is_refused(tmp_path: Path) -> None:
    """pack.hooks names a file inside the pack's folder, never one beside it."""
    folder = _copy(tmp_path, "outside")
    (tmp_path / "elsewhere.py").write_text("raise SystemExit('must not run')\n", encoding="utf-8")
    toml = folder / "pack.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('hooks = "hooks.py"', 'hooks = "../elsewhere.py"'),
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"pack\.hooks: '\.\./elsewhere\.py' is outside"):
        load_pack(folder)


def test_a_third_party_outputs_hook_sees_the_findings(tmp_path: Path) -> None:
    """pack_outputs (for third-party packs; the bundled ones need none) sees every finding."""
    folder = _copy(tmp_path, "outputs")
    hooks = folder / "hooks.py"
    hooks.write_text(hooks.read_text(encoding="utf-8") + '''

@hookimpl
def pack_outputs(context: EvaluationContext, findings: object) -> dict[str, object]:
    """How many findings passed."""
    return {"passed": sum(f.outcome == "pass" for f in findings)}  # type: ignore[attr-defined]
''', encoding="utf-8")
    result = policyengine.evaluate(FACTS, folder, as_of=AS_OF)
    assert result.outputs["passed"] == 1
