"""``policyengine new-pack``: the pack it writes loads, lints clean and passes its cases.

Installing the written distribution into a fresh environment is too slow for the suite,
so its packaging is checked by reading ``pyproject.toml`` and importing the package from
its folder.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine.authoring import lint
from policyengine.authoring.scaffold import PackSpec, check_id, render_files
from policyengine.cli import main
from policyengine.plugins import PackSource

PACK_ID = "demo-street"
PACKAGE = "policyengine_pack_demo_street"
ARGS = [
    "--region",
    "示例省示例市示例街道",
    "--document",
    "示例街道社区建设实施方案",
    "--issuer",
    "示例街道办事处",
    "--issuer",
    "示例街道党工委",
    "--date",
    "2022-05-01",
    "--number",
    "示街发〔2022〕3号",
]


def new_pack(*args: str) -> tuple[int, str, str]:
    """``policyengine new-pack ARGS``: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["new-pack", *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """A pack written by new-pack into tmp_path/demo-street."""
    output = tmp_path / PACK_ID
    code, _, err = new_pack(PACK_ID, *ARGS, "--output", str(output))
    assert code == 0, err
    return output


@pytest.fixture
def imported(written: Path) -> Iterator[Any]:
    """The written package, imported from its distribution folder."""
    sys.path.insert(0, str(written))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(written))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def cases_of(folder: Path) -> list[dict[str, Any]]:
    """The cases of the written pack's example file."""
    text = (folder / PACKAGE / "cases" / "example.toml").read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = tomllib.loads(text)["cases"]
    return cases


class TestFiles:
    def test_the_distribution_is_shaped_like_the_bundled_packs(
        self, written: Path, tmp_path: Path
    ) -> None:
        """pyproject, README, the package with __init__.py, pack.toml and cases."""
        files = sorted(p.relative_to(written).as_posix() for p in written.rglob("*") if p.is_file())
        assert files == [
            "README.md",
            f"{PACKAGE}/__init__.py",
            f"{PACKAGE}/cases/example.toml",
            f"{PACKAGE}/pack.toml",
            "pyproject.toml",
        ]
        assert [p.name for p in tmp_path.iterdir()] == [PACK_ID]  # no staging folder left

    def test_pyproject(self, written: Path) -> None:
        """The distribution name, the entry point in the policyengine group, the package."""
        data = tomllib.loads((written / "pyproject.toml").read_text(encoding="utf-8"))
        project = data["project"]
        assert project["name"] == f"community-policyengine-pack-{PACK_ID}"
        assert project["version"] == "2022.1"
        assert project["entry-points"] == {"policyengine": {PACK_ID: PACKAGE}}
        assert data["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [PACKAGE]
        assert data["build-system"]["build-backend"] == "hatchling.build"
        assert any(d.startswith("community-policyengine") for d in project["dependencies"])

    def test_output_lists_the_files_and_next_steps(self, tmp_path: Path) -> None:
        """The command says what it wrote and what to run next."""
        output = tmp_path / "out"
        code, out, _ = new_pack(PACK_ID, *ARGS, "--output", str(output))
        assert code == 0
        assert f"  {output / PACKAGE / 'pack.toml'}" in out.splitlines()
        assert f"  policyengine lint {output}" in out.splitlines()

    def test_default_output_folder(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without --output: policy_packs/ID under the current folder."""
        monkeypatch.chdir(tmp_path)
        code, _, _ = new_pack(PACK_ID, *ARGS)
        assert code == 0
        assert (tmp_path / "policy_packs" / PACK_ID / PACKAGE / "pack.toml").is_file()

    def test_register_packs_returns_the_package_folder(self, imported: Any, written: Path) -> None:
        """The package's register_packs hook names its own folder, the pack folder."""
        sources = imported.register_packs()
        assert len(sources) == 1
        assert isinstance(sources[0], PackSource)
        assert sources[0].path().resolve() == (written / PACKAGE).resolve()
        assert policyengine.load_pack(sources[0].path()).id == PACK_ID


class TestThePack:
    def test_it_loads_with_the_metadata(self, written: Path) -> None:
        """The pack.toml holds what was given on the command line."""
        pack = policyengine.load_pack(written)
        assert pack.id == PACK_ID
        assert pack.path.name == PACKAGE
        assert pack.info.region == "示例省示例市示例街道"
        source = pack.info.source
        assert source.title == "示例街道社区建设实施方案"
        assert source.issuer == ("示例街道办事处", "示例街道党工委")
        assert source.date == dt.date(2022, 5, 1)
        assert source.number == "示街发〔2022〕3号"

    def test_one_dated_parameter_and_one_rule_using_it(self, written: Path) -> None:
        """A placeholder the author replaces: a dated value and a rule reading it."""
        pack = policyengine.load_pack(written)
        assert len(pack.parameters) == 1
        ((name, param),) = pack.parameters.items()
        assert [e.since for e in param.values] == [dt.date(2022, 5, 1)]
        (rule,) = pack.rules
        assert f"params.{name}" in (rule.require or "")
        assert "TODO" in rule.clause
        assert "TODO" in rule.quote

    def test_it_lints_without_errors(self, written: Path) -> None:
        """Only the TODO placeholders are reported, as warnings."""
        report = lint.lint_path(written, seeds=[])
        assert report.loaded
        assert report.errors == 0
        assert {p.check for p in report.problems} == {"placeholder"}
        code, _, _ = main_lint(str(written))
        assert code == 0

    def test_its_cases_hold(self, written: Path) -> None:
        """Every example case gives the verdict and outcomes it expects."""
        pack = policyengine.load_pack(written)
        cases = cases_of(written)
        assert {c["expect"]["verdict"] for c in cases} >= {"pass", "fail", "incomplete"}
        for case in cases:
            result = policyengine.evaluate(case["facts"], pack, as_of=case["as_of"])
            assert result.verdict == case["expect"]["verdict"], case["name"]
            outcomes = {f.rule: f.outcome for f in result.findings}
            for rule_id, outcome in case["expect"].get("rules", {}).items():
                assert outcomes[rule_id] == outcome, case["name"]

    def test_policyengine_test_passes(self, written: Path) -> None:
        """`policyengine test` runs the written cases and they pass."""
        out, err = io.StringIO(), io.StringIO()
        code = main(["test", str(written)], stdout=out, stderr=err)
        assert code == 0, out.getvalue() + err.getvalue()

    def test_text_is_escaped(self, tmp_path: Path) -> None:
        """Quotes and backslashes in the region and title survive into pack.toml."""
        region = 'A "quoted" \\ region'
        output = tmp_path / "escaped"
        code, _, err = new_pack(
            "escaped", "--region", region, "--document", '《"x"》', "--output", str(output)
        )
        assert code == 0, err
        pack = policyengine.load_pack(output)
        assert pack.info.region == region
        assert pack.info.source.title == '《"x"》'
        assert pack.info.source.number is None


class TestRefusals:
    def test_never_overwrites(self, written: Path) -> None:
        """An existing folder: exit 2, nothing changed."""
        before = (written / "pyproject.toml").read_text(encoding="utf-8")
        (written / "pyproject.toml").write_text(before + "# mine\n", encoding="utf-8")
        code, _, err = new_pack(PACK_ID, *ARGS, "--output", str(written))
        assert code == 2
        assert "already exists" in err
        assert (written / "pyproject.toml").read_text(encoding="utf-8").endswith("# mine\n")

    @pytest.mark.parametrize("bad", ["Demo", "demo_street", "-demo", "demo-", "de--mo", "点"])
    def test_bad_ids(self, tmp_path: Path, bad: str) -> None:
        """Lower-case letters, digits and single dashes only: exit 2, nothing written."""
        output = tmp_path / "out"
        code, _, err = new_pack(bad, *ARGS, "--output", str(output))
        assert code == 2
        if not bad.startswith("-"):  # argparse reads "-demo" as an option, and refuses it
            assert "is not a pack id" in err
        assert not output.exists()

    @pytest.mark.parametrize("good", ["a", "wuma-star-rating", "2024-plan", "x1-y2"])
    def test_good_ids(self, good: str) -> None:
        """Ids like the bundled packs'."""
        assert check_id(good) is None

    def test_region_and_document_are_required(self, tmp_path: Path) -> None:
        """argparse refuses the command without them (exit 2)."""
        code, _, _ = new_pack(PACK_ID, "--output", str(tmp_path / "x"))
        assert code == 2


def test_render_files_is_pure() -> None:
    """The files can be rendered without writing (for tools and docs)."""
    spec = PackSpec(id="a-b", region="r", document="d", date=dt.date(2020, 1, 2))
    files = render_files(spec)
    assert set(files) == {
        "pyproject.toml",
        "README.md",
        "policyengine_pack_a_b/__init__.py",
        "policyengine_pack_a_b/pack.toml",
        "policyengine_pack_a_b/cases/example.toml",
    }
    assert 'a-b = "policyengine_pack_a_b"' in files["pyproject.toml"]


def main_lint(*args: str) -> tuple[int, str, str]:
    """``policyengine lint ARGS``."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", *args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
