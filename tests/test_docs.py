"""The documentation matches the code: every hook documented with its signature."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from policyengine import hookspecs

ROOT = Path(__file__).parents[1]
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if hasattr(fn, "policyengine_spec")]


class TestHookDocs:
    def test_there_are_hooks(self) -> None:
        """The spec module declares the discovery and pack hooks."""
        assert {"register_packs", "register_reporters", "register_commands", "pack_derive_facts",
                "pack_evaluate_rule", "pack_outputs"} == set(HOOKS)

    @pytest.mark.parametrize("name", HOOKS)
    def test_hook_is_documented_with_its_signature(self, name: str) -> None:
        """docs/reference/hooks.md has a heading `name(arg, …)` with the spec's exact arguments."""
        text = (ROOT / "docs" / "reference" / "hooks.md").read_text(encoding="utf-8")
        args = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
        assert re.search(rf"^### `{name}\({re.escape(args)}\)`$", text, re.MULTILINE)

    @pytest.mark.parametrize("name", HOOKS)
    def test_hook_has_a_docstring(self, name: str) -> None:
        """Every hook spec says what it is for where it is declared."""
        assert (getattr(hookspecs, name).__doc__ or "").strip()


PACK_FOLDERS = sorted(p for p in (ROOT / "policy_packs").iterdir() if (p / "pyproject.toml").is_file())


class TestPackPages:
    @pytest.mark.parametrize("folder", PACK_FOLDERS, ids=lambda p: p.name)
    def test_pack_page_is_generated_from_the_pack(self, folder: Path) -> None:
        """docs/packs/<id>.md is exactly `policyengine describe <id>` (regenerate it when the pack changes)."""
        from policyengine import load_pack
        from policyengine.authoring.packdoc import describe_pack

        pack = load_pack(folder)
        page = ROOT / "docs" / "packs" / f"{pack.id}.md"
        assert page.is_file(), f"run: policyengine describe {folder} --output {page}"
        assert describe_pack(pack) == page.read_text(encoding="utf-8"), (
            f"stale: run policyengine describe {folder} --output {page}")


class TestReadme:
    def test_python_example_runs_and_says_what_it_shows(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The README's Python block runs, and its commented values are the real ones."""
        text = (ROOT / "README.md").read_text(encoding="utf-8")
        code = re.search(r"```python\n(.*?)```", text, re.S)
        assert code is not None
        monkeypatch.chdir(ROOT)
        namespace: dict[str, object] = {}
        exec(compile(code.group(1), "README.md", "exec"), namespace)
        shown = re.findall(r"^(result\.outputs\[\"\w+\"\])\s+# (\d+)", code.group(1), re.M)
        assert len(shown) >= 2
        for expr, value in shown:
            assert int(value) == eval(expr, namespace)


class TestShippedExamples:
    """The packs' cases use copies of the examples shipped inside each pack (so installed packs
    test from any folder); the copies must stay identical to examples/."""

    def test_copies_match_the_examples(self) -> None:
        root = Path(__file__).parent.parent
        copies = [
            f
            for f in root.glob("policy_packs/*/*/cases/facts/**/*.toml")
            if (root / "examples" / f.relative_to(_facts_folder(f))).is_file()
        ]
        assert len(copies) >= 12
        for copy in copies:
            original = root / "examples" / copy.relative_to(_facts_folder(copy))
            assert copy.read_bytes() == original.read_bytes(), copy


def _facts_folder(path: Path) -> Path:
    return next(p for p in path.parents if p.name == "facts")
