"""The tutorial docs/tutorial/add-a-pack.md runs as written.

Its ```` ```sh ```` blocks are run in order, in one empty folder, by ``bash -e`` with this
interpreter's ``policyengine`` first on PATH; each must exit 0. A ```` ```text ```` block
right after a ``sh`` block is that block's standard output, compared exactly. Other blocks
(``toml``, ``shell`` for commands that need the network, such as ``pip install``) are shown,
not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial" / "add-a-pack.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
PACK = Path("policy_packs/example-street/policyengine_pack_example_street")


@attrs.frozen
class Step:
    """One ``sh`` block of the tutorial and the output shown after it (if any)."""

    line: int
    script: str
    output: str | None


def steps(text: str) -> list[Step]:
    """The ``sh`` blocks in order, each with the ``text`` block that follows it directly."""
    blocks = [
        (text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2), m.start(), m.end())
        for m in FENCE.finditer(text)
    ]
    out: list[Step] = []
    for i, (line, lang, body, _, end) in enumerate(blocks):
        if lang != "sh":
            continue
        output = None
        if i + 1 < len(blocks):
            _, next_lang, next_body, next_start, _ = blocks[i + 1]
            if next_lang == "text" and not text[end:next_start].strip():
                output = next_body
        out.append(Step(line, body, output))
    return out


def _path_with_policyengine(folder: Path) -> str:
    """PATH with a ``policyengine`` that runs this interpreter's policyengine first."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "policyengine"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m policyengine "$@"\n')
    script.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="module")
def tutorial_steps() -> list[Step]:
    """The tutorial's runnable steps."""
    return steps(TUTORIAL.read_text(encoding="utf-8"))


class TestTutorialText:
    def test_it_has_steps_with_outputs(self, tutorial_steps: list[Step]) -> None:
        """The tutorial has runnable blocks, some of them with their output shown."""
        assert len(tutorial_steps) >= 5
        assert any(s.output for s in tutorial_steps)

    def test_it_uses_the_authoring_commands(self, tutorial_steps: list[Step]) -> None:
        """new-pack, lint and test are all run, not just shown."""
        scripts = "\n".join(s.script for s in tutorial_steps)
        for command in ("policyengine new-pack", "policyengine lint", "policyengine test"):
            assert command in scripts

    def test_the_pack_it_writes_has_a_dated_value_and_a_guideline(self) -> None:
        """The pack.toml it shows: a parameter changing on a date, each date cited, and a
        non-binding 原则上 rule."""
        text = TUTORIAL.read_text(encoding="utf-8")
        body = text.split(f"cat > {PACK}/pack.toml <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
        data = tomllib.loads(body)
        values = data["parameters"]["min_service_area_m2"]["values"]
        assert [v["since"].isoformat() for v in values] == ["2021-03-01", "2024-01-01"]
        assert all(v["clause"] and v["quote"] for v in values)
        guideline = [r for r in data["rules"] if "原则上" in r["quote"]]
        assert guideline
        assert all(r["binding"] is False for r in guideline)


def test_tutorial_commands_run(tmp_path: Path, tutorial_steps: list[Step]) -> None:
    """Every ``sh`` block exits 0 and prints the output shown after it."""
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": _path_with_policyengine(tmp_path),
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("POLICYENGINE_TRACE_HOOKS", None)
    for step in tutorial_steps:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", step.script],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            check=False,
        )
        where = f"{TUTORIAL.name}:{step.line}"
        assert done.returncode == 0, (
            f"{where} exited {done.returncode}:\n{done.stdout}{done.stderr}"
        )
        if step.output is not None:
            assert done.stdout == step.output, f"{where}: the output shown differs"
    assert (work / PACK / "pack.toml").is_file()
