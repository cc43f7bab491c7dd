"""Start-up (issue 10): only the pack asked for is parsed, only the modules needed imported.

The registry reads each registered ``pack.toml`` for its declared id only; the pack named
by ``--pack`` (or ``get``) is parsed and checked, the others are not. So a broken pack
installed beside the bundled ones stops only the runs that name it, or ``all``. The
optional libraries (Arrow, numpy, the report and service libraries) are imported only by
the formats and commands that use them.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policyengine import api, hookimpl, plugins
from policyengine.cli import main
from policyengine.contracts import PackSource
from policyengine.exceptions import PackError, UnknownPackError
from policyengine.plugins import PackRegistry, declared_id, make_plugin_manager

ROOT = Path(__file__).resolve().parent.parent
WUMA_FOLDER = ROOT / "policy_packs" / "wuma-star-rating" / "policyengine_pack_wuma_star_rating"
EXAMPLE = ROOT / "examples" / "wuma-community.toml"


class _Registers:
    """A plugin that registers the given pack folders."""

    def __init__(self, *folders: Path) -> None:
        self.folders = folders

    @hookimpl
    def register_packs(self) -> list[PackSource]:
        return [PackSource(f) for f in self.folders]


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A pack folder that declares its id and is otherwise not even TOML."""
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "pack.toml").write_text(
        '# a pack left half-written\n[pack]\nid = "broken-pack"  # its id\ntitle = \n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def registry(broken: Path) -> PackRegistry:
    """Only Wuma and the broken pack (no entry points)."""
    pm = make_plugin_manager(load_entry_points=False, plugins=[_Registers(broken, WUMA_FOLDER)])
    return PackRegistry(pm)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every pack folder the registry parses, in order."""
    seen: list[Path] = []
    real = plugins.load_pack

    def counting(path: Any, **kwargs: Any) -> Any:
        seen.append(Path(path))
        return real(path, **kwargs)

    monkeypatch.setattr(plugins, "load_pack", counting)
    return seen


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class TestDeclaredId:
    def test_reads_the_id_of_the_pack_table(self, broken: Path) -> None:
        assert "broken-pack" == declared_id(broken)
        assert "wuma-star-rating" == declared_id(WUMA_FOLDER)

    def test_an_id_outside_the_pack_table_is_not_read(self, tmp_path: Path) -> None:
        (tmp_path / "pack.toml").write_text('[source]\nid = "x"\n[pack]\ntitle = "t"\n')
        assert declared_id(tmp_path) is None

    def test_no_pack_toml(self, tmp_path: Path) -> None:
        assert declared_id(tmp_path) is None


class TestOnlyTheRequestedPack:
    def test_get_parses_only_that_pack(self, registry: PackRegistry, parses: list[Path]) -> None:
        assert "wuma-star-rating" == registry.get("wuma-star-rating").id
        assert [WUMA_FOLDER] == parses

    def test_a_pack_is_parsed_once(self, registry: PackRegistry, parses: list[Path]) -> None:
        first = registry.get("wuma-star-rating")
        assert first is registry.get("wuma-star-rating")
        assert 1 == len(parses)

    def test_the_broken_pack_fails_when_asked_for(self, registry: PackRegistry) -> None:
        with pytest.raises(PackError, match="not valid TOML"):
            registry.get("broken-pack")

    def test_all_packs_include_the_broken_one(self, registry: PackRegistry) -> None:
        with pytest.raises(PackError, match="broken"):
            registry.packs()

    def test_unknown_id_lists_the_declared_ones(
        self, registry: PackRegistry, parses: list[Path]
    ) -> None:
        with pytest.raises(UnknownPackError, match="broken-pack, wuma-star-rating"):
            registry.get("no-such-pack")
        assert [] == parses

    def test_an_unreadable_id_parses_every_pack(self, tmp_path: Path, parses: list[Path]) -> None:
        odd = tmp_path / "odd"
        odd.mkdir()
        text = (WUMA_FOLDER / "pack.toml").read_text(encoding="utf-8")
        # the same pack, its id written in a form the quick reader does not take
        (odd / "pack.toml").write_text(
            text.replace('id = "wuma-star-rating"', "id = 'other-id'", 1), encoding="utf-8"
        )
        pm = make_plugin_manager(load_entry_points=False, plugins=[_Registers(odd, WUMA_FOLDER)])
        reg = PackRegistry(pm)
        assert "wuma-star-rating" == reg.get("wuma-star-rating").id
        assert {odd, WUMA_FOLDER} == set(parses)
        assert "other-id" in reg.packs()

    def test_two_packs_with_one_id(self, parses: list[Path]) -> None:
        pm = make_plugin_manager(
            load_entry_points=False, plugins=[_Registers(WUMA_FOLDER, WUMA_FOLDER)]
        )
        with pytest.raises(PackError, match="two packs have the id 'wuma-star-rating'"):
            PackRegistry(pm).get("wuma-star-rating")


class TestCommandLine:
    @pytest.fixture(autouse=True)
    def installed(self, monkeypatch: pytest.MonkeyPatch, broken: Path) -> None:
        """Every installed pack, and the broken one beside them."""
        pm = make_plugin_manager(plugins=[_Registers(broken)])
        monkeypatch.setattr(api, "_registry", PackRegistry(pm))

    def test_evaluate_one_pack_despite_a_broken_one(self, parses: list[Path]) -> None:
        code, out, err = run(
            "evaluate", str(EXAMPLE), "--pack", "wuma-star-rating",
            "--as-of", "2014-12-31", "--format", "json",
        )
        assert (0, "") == (code, err)
        assert '"verdict": "pass"' in out
        # only Wuma was parsed: the installed copy (editable or not) of its package
        assert [WUMA_FOLDER.name] == [p.name for p in parses]

    def test_naming_the_broken_pack_exits_2(self) -> None:
        code, _, err = run(
            "evaluate", str(EXAMPLE), "--pack", "broken-pack",
        )
        assert 2 == code
        assert "pack.toml：不是有效的 TOML 文件（第 " in err  # Chinese by default


OPTIONAL = ("numpy", "pyarrow", "jinja2", "rich", "docx", "fastapi", "uvicorn", "openpyxl",
            "tqdm", "babel", "opencc")


def imported_after(*argv: str) -> set[str]:
    """The optional libraries imported by one command-line run in a fresh interpreter."""
    return {m.split(".")[0] for m in modules_after(*argv)} & set(OPTIONAL)


class TestImports:
    def test_evaluating_to_json_imports_no_optional_library(self) -> None:
        assert set() == imported_after(
            "evaluate", str(EXAMPLE), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
            "--format", "json",
        )

    def test_validating_imports_no_optional_library(self) -> None:
        assert set() == imported_after("validate", str(EXAMPLE))


def modules_after(*argv: str) -> set[str]:
    """Every module imported by one command-line run in a fresh interpreter."""
    code = (
        "import io, sys\n"
        "from policyengine.cli import main\n"
        "main(sys.argv[1:], stdout=io.StringIO(), stderr=io.StringIO())\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          check=True)
    return set(done.stdout.split())


class TestCommandsImportedWhenUsed:
    """The command line lists every command but imports the code of the one it runs."""

    def test_evaluating_imports_no_authoring_tool_nor_report_command(self) -> None:
        loaded = modules_after(
            "evaluate", str(EXAMPLE), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
            "--format", "json",
        )
        unused = {m for m in loaded if m.startswith(("policyengine.authoring",
                                                    "policyengine.reports.",
                                                    "policyengine.replay",
                                                    "policyengine.schemas"))}
        unused.discard("policyengine.reports.plugin")  # the reports' registration
        assert set() == unused

    def test_a_command_runs_its_module_when_asked(self) -> None:
        loaded = modules_after("describe", "wuma-star-rating")
        assert "policyengine.authoring.packdoc" in loaded

    def test_each_registered_name_and_help_is_the_commands_own(self) -> None:
        from policyengine.builtins.lazy import SOURCES, resolve

        pm = make_plugin_manager(load_entry_points=False)
        listed = plugins.by_name(pm.hook.register_commands())
        lazy = {"test", "lint", "diff", "new-pack", "describe", "gap", "report"}
        assert lazy <= set(listed)
        for name in sorted(lazy):
            command = listed[name]
            own = resolve(name, *SOURCES[name])
            assert (name, own.help) == (command.name, command.help)
