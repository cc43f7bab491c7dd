"""Confinement of a pack folder's own files (docs/security.md): ``pack.toml``, the hooks
file, the source document's text (``[pack.source] text`` and ``seed``), the Python files
``lint`` reads, the distribution's ``pyproject.toml``, the case files and the facts
documents they name. Each is read only if it is a regular file of at most 64 MiB inside
its folder once links are followed; a pack naming an absolute path, ``..`` or a name with
a line break is refused before anything is read. Never a hang (a FIFO, ``/dev/zero``: run
in a subprocess with a timeout), never a traceback, exit 2 with the file named."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import policyengine
from policyengine.exceptions import PackError

ROOT = Path(__file__).resolve().parent.parent
GAPS = ROOT / "tests" / "fixtures" / "cases" / "gaps"
BIG = 64 * 2**20 + 1  # one byte more than a file in a folder may hold

OUTSIDE = "leads outside the folder (a link to a file elsewhere): not read"
LOOP = "is a link loop: not read"
NOT_REGULAR = "is not a regular file: not read"
TOO_LARGE = "holds more than 67,108,864 bytes, the most a file in a folder may hold: not read"
ODD_NAME = "a file name with a line break or a control character is not read"
NOT_LOADED = "1 error, 0 warnings (the pack does not load)"

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``policyengine ARGS`` in a subprocess: a FIFO or a device would hang it for ever."""
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def a_pack(tmp_path: Path, source: str = "") -> Path:
    """A copy of the ``gaps`` fixture (cases, facts files), with ``source`` added to its
    ``[pack.source]`` table."""
    folder = tmp_path / "pack"
    shutil.copytree(GAPS, folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace("date = 2020-01-01", f"date = 2020-01-01\n{source}", 1), "utf-8")
    return folder


def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("2021年起，社区规模不少于500户。\n", encoding="utf-8")
    return path


def make_hostile(path: Path, kind: str, tmp_path: Path) -> None:
    """Put a hostile file at ``path``: a link outside, a link loop, a FIFO, a link to
    /dev/zero, a folder, or a file over the size bound."""
    if kind == "outside":
        path.symlink_to(secret(tmp_path))
    elif kind == "loop":
        path.symlink_to(path.name)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    else:
        with path.open("wb") as fh:
            fh.truncate(BIG)


WHY = {
    "outside": OUTSIDE,
    "loop": LOOP,
    "fifo": NOT_REGULAR,
    "zero": OUTSIDE,  # /dev/zero is outside the folder: never opened
    "folder": NOT_REGULAR,
    "big": TOO_LARGE,
}
KINDS = [
    pytest.param(k, marks=needs_fifo) if k == "fifo" else k
    for k in ("outside", "loop", "fifo", "zero", "folder", "big")
]


# ---------------------------------------------------------------- pack.toml and hooks


def test_pack_toml_linked_outside_is_not_read(tmp_path: Path) -> None:
    folder = a_pack(tmp_path)
    outside = tmp_path / "elsewhere.toml"
    (folder / "pack.toml").rename(outside)
    (folder / "pack.toml").symlink_to(outside)
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == f"{folder / 'pack.toml'}: {OUTSIDE}"


@needs_fifo
@pytest.mark.parametrize(("kind", "why"), [("fifo", NOT_REGULAR), ("loop", LOOP)])
def test_pack_toml_that_is_not_a_file_is_named(tmp_path: Path, kind: str, why: str) -> None:
    """Named as what it is (it was "no pack.toml in this folder"), by load_pack and lint."""
    folder = a_pack(tmp_path)
    (folder / "pack.toml").unlink()
    make_hostile(folder / "pack.toml", kind, tmp_path)
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == f"{folder / 'pack.toml'}: {why}"
    assert 2 == run("lint", folder).returncode


def test_pack_toml_over_the_size_bound_is_not_read(tmp_path: Path) -> None:
    folder = a_pack(tmp_path)
    with (folder / "pack.toml").open("ab") as fh:
        fh.write(b"\n# padding\n")
        fh.truncate(BIG)
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == f"{folder / 'pack.toml'}: {TOO_LARGE}"


def test_hooks_link_loop_is_a_pack_error(tmp_path: Path) -> None:
    """``hooks = "hooks.py"`` with ``hooks.py -> hooks.py``: named, not an internal error."""
    folder = a_pack(tmp_path)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('region = "测试"', 'region = "测试"\nhooks = "hooks.py"'), "utf-8")
    (folder / "hooks.py").symlink_to("hooks.py")
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == f"{toml}: pack.hooks: {folder / 'hooks.py'}: {LOOP}"
    result = run("test", folder)
    assert (result.returncode, result.stderr) == (2, f"policyengine: {info.value}\n")


# ------------------------------------------------------------------- the source text


@pytest.mark.parametrize("key", ["text", "seed"])
@pytest.mark.parametrize("name", ["/etc/passwd", "../secret.txt"])
def test_source_name_leaving_the_folder_is_refused(tmp_path: Path, key: str, name: str) -> None:
    """Refused by ``load_pack`` (so by ``describe``, ``evaluate``), before anything is read;
    ``lint`` exits 2."""
    secret(tmp_path)
    folder = a_pack(tmp_path, f'{key} = "{name}"')
    where = "the pack's folder" if key == "text" else "the pack's folder or --seeds folder"
    why = f"{name!r} is outside {where}: give a file name relative to it, without '..'"
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == f"{folder / 'pack.toml'}: pack.source.{key}: {why}"
    result = run("lint", folder)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{folder / 'pack.toml'}: pack.source.{key}: error: {why} [load]",
        f"{folder}: {NOT_LOADED}",
    ]


def test_source_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    folder = a_pack(tmp_path, 'text = "s\\nfixture-gaps: 0 errors.txt"')
    with pytest.raises(PackError) as info:
        policyengine.load_pack(folder)
    assert str(info.value) == (
        f'{folder / "pack.toml"}: pack.source.text: "s\\nfixture-gaps: 0 errors.txt": {ODD_NAME}'
    )


@pytest.mark.parametrize("key", ["text", "seed"])
@pytest.mark.parametrize("kind", KINDS)
def test_source_file_not_read_by_lint(tmp_path: Path, key: str, kind: str) -> None:
    folder = a_pack(tmp_path, f'{key} = "s.txt"')
    make_hostile(folder / "s.txt", kind, tmp_path)
    result = run("lint", folder)
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.splitlines() == [
        f"{folder / 'pack.toml'}: pack.source.{key}: error: {folder / 's.txt'}: {WHY[kind]} [load]",
        f"{folder}: {NOT_LOADED}",
    ]


def test_seed_in_a_seeds_folder_linked_outside_is_not_read(tmp_path: Path) -> None:
    folder = a_pack(tmp_path, 'seed = "s.txt"')
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "s.txt").symlink_to(secret(tmp_path))
    result = run("lint", folder, "--seeds", seeds)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        f"{folder / 'pack.toml'}: pack.source.seed: error: {seeds / 's.txt'}: {OUTSIDE} [load]",
        f"{folder}: {NOT_LOADED}",
    ]


def test_source_text_linked_inside_the_pack_is_read(tmp_path: Path) -> None:
    """Not a defect: a link that stays inside the pack's folder is followed (a guard)."""
    folder = a_pack(tmp_path, 'text = "s.txt"')
    (folder / "docs").mkdir()
    shutil.copy(secret(tmp_path), folder / "docs" / "real.txt")
    (folder / "s.txt").symlink_to(Path("docs") / "real.txt")
    result = run("lint", folder)
    assert f"quotes checked against {folder / 's.txt'}" in result.stdout


# ------------------------------------------------------------ Python files for lint


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("folder", "big")])
def test_python_file_not_read_by_lint(tmp_path: Path, kind: str) -> None:
    """``lint`` reads every ``*.py`` of the pack folder (parameters named by the hooks)."""
    folder = a_pack(tmp_path)
    make_hostile(folder / "x.py", kind, tmp_path)
    result = run("lint", folder)
    assert (result.returncode, result.stderr) == (2, "")
    assert result.stdout.splitlines() == [
        f"{folder / 'pack.toml'}: error: {folder / 'x.py'}: {WHY[kind]} [load]",
        f"{folder}: {NOT_LOADED}",
    ]


def test_pyproject_linked_outside_is_not_read(tmp_path: Path) -> None:
    """The distribution's ``pyproject.toml`` is read only inside the distribution."""
    dist = tmp_path / "dist"
    dist.mkdir()
    folder = a_pack(dist)
    (folder / "__init__.py").write_text("", encoding="utf-8")
    outside = tmp_path / "pyproject.toml"
    outside.write_text(
        '[project]\nname = "community-policyengine-pack-fixture-gaps"\nversion = "1"\n'
        '[project.entry-points.policyengine]\nfixture-gaps = "pack"\n',
        encoding="utf-8",
    )
    (dist / "pyproject.toml").symlink_to(outside)
    result = run("lint", folder)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        f"{dist / 'pyproject.toml'}: error: cannot be read: {OUTSIDE} [distribution]"
    )


# ------------------------------------------------------------------------ case files


@pytest.mark.parametrize("kind", KINDS)
def test_case_file_not_read(tmp_path: Path, kind: str) -> None:
    folder = a_pack(tmp_path)
    make_hostile(folder / "cases" / "x.toml", kind, tmp_path)
    result = run("test", folder)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"{folder / 'cases' / 'x.toml'}: {WHY[kind]}"]


def test_case_file_name_with_a_line_break_is_not_read(tmp_path: Path) -> None:
    folder = a_pack(tmp_path)
    shutil.copy(folder / "cases" / "size.toml", folder / "cases" / "a\nFAILED b.toml")
    result = run("test", folder)
    assert result.returncode == 2
    shown = f'"{folder}/cases/a\\nFAILED b.toml"'
    assert result.stderr.splitlines() == [f"{shown}: {ODD_NAME}"]


def test_thousands_of_case_files_are_not_read(tmp_path: Path) -> None:
    folder = a_pack(tmp_path)
    for i in range(10_000):
        (folder / "cases" / f"e{i}.toml").touch()
    result = run("test", folder)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{folder / 'cases'}: more than 10,000 case files (*.toml): none is read"
    ]


# ------------------------------------------------------- facts documents a case names


def case_naming(folder: Path, facts: str) -> Path:
    """A case file whose one case names ``facts`` (its ``facts`` key on line 4)."""
    path = folder / "cases" / "named.toml"
    path.write_text(
        f'[[cases]]\nname = "x"\nas_of = 2021-09-01\nfacts = {facts}\n'
        '[cases.expect]\nverdict = "fail"\n',
        encoding="utf-8",
    )
    return path.resolve()


@pytest.mark.parametrize("name", ["{secret}", "../../secret.txt"])
def test_facts_file_leaving_the_pack_is_refused(tmp_path: Path, name: str) -> None:
    raw = name.format(secret=secret(tmp_path))
    folder = a_pack(tmp_path)
    case = case_naming(folder, f'"{raw}"')
    result = run("test", folder)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'{case}:4: cases[0].facts: "{raw}" leaves the pack\'s folder: give a path relative '
        "to the case file, without '..'"
    ]


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "loop"])  # a loop was named
def test_facts_file_not_read(tmp_path: Path, kind: str) -> None:
    folder = a_pack(tmp_path)
    make_hostile(folder / "cases" / "facts" / "x.toml", kind, tmp_path)
    case = case_naming(folder, '"facts/x.toml"')
    result = run("test", folder)
    assert result.returncode == 2
    facts = folder / "cases" / "facts" / "x.toml"
    assert result.stderr.splitlines() == [f"{case}:4: cases[0].facts: {facts}: {WHY[kind]}"]


def test_facts_file_name_with_a_line_break_is_refused(tmp_path: Path) -> None:
    folder = a_pack(tmp_path)
    shutil.copy(folder / "cases" / "facts" / "c-85.toml", folder / "cases" / "facts" / "a\nb")
    case = case_naming(folder, '"facts/a\\nb"')
    result = run("test", folder)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f'{case}:4: cases[0].facts: "facts/a\\nb": {ODD_NAME}']


def test_describe_does_not_call_a_seed_linked_outside_in_the_pack(tmp_path: Path) -> None:
    """``describe`` says the seed is "in the pack folder" only when it is, links followed."""
    from policyengine.authoring.packdoc import describe_pack

    folder = a_pack(tmp_path, 'seed = "s.txt"')
    (folder / "s.txt").symlink_to(secret(tmp_path))
    page = describe_pack(policyengine.load_pack(folder))
    assert "Text: `s.txt`." in page.splitlines()


def test_an_installed_pack_id_is_never_a_folder_of_that_name(tmp_path, monkeypatch):
    """``--pack wuma-star-rating`` in a folder holding a folder ``wuma-star-rating`` loaded
    that folder instead of the installed pack (and would run its hooks): a data bundle could
    replace the pack. The id names the installed pack; ``./wuma-star-rating`` the folder."""
    import io
    import json

    from policyengine.cli import main

    source = ROOT / "policy_packs" / "wuma-star-rating" / "policyengine_pack_wuma_star_rating"
    shutil.copytree(source, tmp_path / "wuma-star-rating", ignore=shutil.ignore_patterns("__pycache__"))
    toml = tmp_path / "wuma-star-rating" / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('version = "2013.1"', 'version = "bundle"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    facts = str(ROOT / "examples" / "wuma-community.toml")
    versions = []
    for named in ("wuma-star-rating", "./wuma-star-rating"):
        out, err = io.StringIO(), io.StringIO()
        main(["evaluate", facts, "--pack", named, "--format", "json"], stdout=out, stderr=err)
        versions.append(json.loads(out.getvalue())["pack"]["version"])
    assert versions == ["2013.1", "bundle"]
