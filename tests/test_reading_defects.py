"""Reading hostile inputs: what is not a regular file (a FIFO, a device, a link loop) is
refused naming the file, exit 2, before anything is read (audit_paths defects 5, 6, 9, 10
and 12); a file in a folder holds at most ``MAX_INCLUDE_BYTES``.

A command that would wait on a FIFO or read ``/dev/zero`` for ever runs in a subprocess
with a timeout and a memory limit: a regression fails, it never hangs."""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.cli import main
from policyengine.limits import MAX_INCLUDE_BYTES

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and links")

ROOT = Path(__file__).resolve().parent.parent
COMMUNITY = ROOT / "examples" / "wuma-community.toml"
PACK = ROOT / "policy_packs" / "wuma-star-rating"
WUMA = ("--pack", "wuma-star-rating", "--as-of", "2014-12-31")
MEMORY = 2 << 30
"""Most address space a command run here may take: /dev/zero read whole fails fast."""


def run(*argv: str) -> tuple[int, str, str]:
    """The command line, in this process (for what cannot block)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, resource.getrlimit(resource.RLIMIT_AS)[1]))


def run_apart(*argv: str) -> tuple[int, str, str]:
    """The command line in a subprocess, stopped after 20 s, its memory bounded (for what
    would block on a FIFO or read a device for ever)."""
    done = subprocess.run(
        [sys.executable, "-m", "policyengine", *argv],
        capture_output=True,
        text=True,
        timeout=20,
        preexec_fn=_bounded,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def log(tmp_path: Path) -> Path:
    """A decision log of one decision, its facts logged."""
    path = tmp_path / "log.jsonl"
    code, _, err = run(
        "evaluate",
        str(COMMUNITY),
        *WUMA,
        "--format",
        "json",
        "--output",
        str(tmp_path / "r.json"),
        "--decision-log",
        str(path),
        "--log-facts",
    )
    assert (0, "") == (code, err)
    return path


def folder_with(tmp_path: Path, name: str = "facts") -> Path:
    """A folder holding one good community document."""
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(COMMUNITY, folder / "c1.toml")
    return folder


def link_loop(folder: Path, suffix: str) -> Path:
    """``a`` and ``b`` linking to each other; returns ``a``."""
    (folder / f"a{suffix}").symlink_to(f"b{suffix}")
    (folder / f"b{suffix}").symlink_to(f"a{suffix}")
    return folder / f"a{suffix}"


# ------------------------------------------- 5. replay/diff --facts FOLDER: a FIFO in it


def test_replay_facts_folder_with_a_fifo_names_it(tmp_path: Path, log: Path) -> None:
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "x.toml")
    said = f"policyengine: --facts {folder / 'x.toml'}: is not a regular file: not read\n"
    assert (2, "", said) == run_apart("replay", str(log), "--facts", str(folder), "--lang", "en")


def test_replay_facts_folder_with_a_link_to_a_fifo_names_it(tmp_path: Path, log: Path) -> None:
    folder = folder_with(tmp_path)
    os.mkfifo(folder / ".f")
    (folder / "y.json").symlink_to(".f")
    said = f"policyengine: --facts {folder / 'y.json'}: is not a regular file: not read\n"
    assert (2, "", said) == run_apart("replay", str(log), "--facts", str(folder), "--lang", "en")


def test_diff_facts_folder_with_a_fifo_below_names_it(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    (folder / "sub").mkdir()
    os.mkfifo(folder / "sub" / "x.toml")
    said = f"policyengine: --facts {folder / 'sub' / 'x.toml'}: is not a regular file: not read\n"
    assert (2, "", said) == run_apart("diff", str(PACK), str(PACK), "--facts", str(folder))


def test_diff_facts_glob_matching_a_fifo_names_it(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "x.toml")
    said = f"policyengine: --facts {folder / 'x.toml'}: is not a regular file: not read\n"
    code, _, err = run_apart("diff", str(PACK), str(PACK), "--facts", f"{folder}/*.toml")
    assert (2, said) == (code, err)


# ------------------------------------------------------ 6. a link loop in such a folder


def test_replay_facts_folder_with_a_link_loop_names_it(tmp_path: Path, log: Path) -> None:
    folder = folder_with(tmp_path)
    loop = link_loop(folder, ".toml")
    said = f"policyengine: --facts {loop}: is a link loop: not read\n"
    assert (2, "", said) == run("replay", str(log), "--facts", str(folder), "--lang", "en")


def test_diff_facts_folder_with_a_link_loop_names_it(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    loop = link_loop(folder, ".json")
    said = f"policyengine: --facts {loop}: is a link loop: not read\n"
    assert (2, "", said) == run("diff", str(PACK), str(PACK), "--facts", str(folder))


# ----------------------------- 9. a table or decision log that is a device or a FIFO

SUFFIXES = [".jsonl", ".csv", ".xlsx", ".parquet", ".json", ".toml"]
"""Documents (``.json``, ``.toml``) already refused a device, not a FIFO."""


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx", ".parquet"])
def test_a_link_to_dev_zero_is_a_device(tmp_path: Path, suffix: str) -> None:
    zero = tmp_path / f"z{suffix}"
    zero.symlink_to("/dev/zero")
    said = f"policyengine: {zero}: is a device, not a file (use - for standard input)\n"
    assert (2, "", said) == run_apart("evaluate", str(zero), *WUMA, "--lang", "en")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_fifo_given_by_name_is_not_a_regular_file(tmp_path: Path, suffix: str) -> None:
    fifo = tmp_path / f"f{suffix}"
    os.mkfifo(fifo)
    said = f"policyengine: {fifo}: is not a regular file\n"
    assert (2, "", said) == run_apart("evaluate", str(fifo), *WUMA, "--lang", "en")


def test_a_device_csv_to_a_csv_output_writes_nothing(tmp_path: Path) -> None:
    zero = tmp_path / "z.csv"
    zero.symlink_to("/dev/zero")
    out = tmp_path / "r.csv"
    said = f"policyengine: {zero}: is a device, not a file (use - for standard input)\n"
    code, _, err = run_apart(
        "evaluate", str(zero), *WUMA, "--lang", "en", "--format", "csv", "--output", str(out)
    )
    assert (2, said, False) == (code, err, out.exists())


def test_a_device_is_said_in_chinese_by_default(tmp_path: Path) -> None:
    zero = tmp_path / "z.jsonl"
    zero.symlink_to("/dev/zero")
    code, _, err = run_apart("evaluate", str(zero), *WUMA)
    assert (2, f"policyengine: {zero}：是设备而不是文件（从标准输入读取请用 -）\n") == (code, err)


def test_replay_of_a_device_log(tmp_path: Path) -> None:
    zero = tmp_path / "log.jsonl"
    zero.symlink_to("/dev/zero")
    said = f"policyengine: {zero}: is a device, not a file (use - for standard input)\n"
    assert (2, "", said) == run_apart("replay", str(zero), "--lang", "en")


def test_replay_of_a_fifo_log(tmp_path: Path) -> None:
    fifo = tmp_path / "log.jsonl"
    os.mkfifo(fifo)
    said = f"policyengine: {fifo}: is not a regular file\n"
    assert (2, "", said) == run_apart("replay", str(fifo), "--lang", "en")


# ---------------------------------------------- 10. a file in a folder: a size bound


def test_a_file_in_a_folder_larger_than_the_bound_is_not_read(tmp_path: Path) -> None:
    """One byte over the bound: not read, named with the bound; at the bound: read (and
    here not JSON)."""
    folder = tmp_path / "facts"
    folder.mkdir()
    big, full = folder / "big.json", folder / "full.json"
    for file, size in ((big, MAX_INCLUDE_BYTES + 1), (full, MAX_INCLUDE_BYTES)):
        with file.open("wb") as fh:  # sparse: no disk used
            fh.truncate(size)
    code, out, err = run("validate", str(folder), "--lang", "en")
    said = (
        f"{big}: holds more than {MAX_INCLUDE_BYTES:,} bytes, the most a file in a folder may "
        "hold: not read"
    )
    assert (2, "", said) == (code, out, err.splitlines()[0])
    assert err.splitlines()[1].startswith(f"{full}: not valid JSON: ")


# ------------------------------------- 12. evaluate FOLDER names every entry not read


def hostile_folder(tmp_path: Path) -> tuple[Path, str]:
    """A folder with a good document and, with facts suffixes, a FIFO, a link to /dev/zero,
    a link to a FIFO outside, a link loop and a folder; and what is said of them."""
    folder = folder_with(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.mkfifo(outside / "fifo.toml")
    os.mkfifo(folder / "x.json")
    (folder / "z.json").symlink_to("/dev/zero")
    (folder / "f.toml").symlink_to(outside / "fifo.toml")
    link_loop(folder, ".json")
    (folder / "sub.json").mkdir()
    leads = "leads outside the folder (a link to a file elsewhere): not read"
    said = (
        f"{folder / 'a.json'}: is a link loop: not read\n"
        f"{folder / 'b.json'}: is a link loop: not read\n"
        f"{folder / 'f.toml'}: {leads}\n"
        f"{folder / 'sub.json'}: is not a regular file: not read\n"
        f"{folder / 'x.json'}: is not a regular file: not read\n"
        f"{folder / 'z.json'}: {leads}\n"
    )
    return folder, said


def test_evaluate_folder_names_each_entry_not_read(tmp_path: Path) -> None:
    folder, said = hostile_folder(tmp_path)
    code, out, err = run_apart("evaluate", str(folder), *WUMA, "--lang", "en", "--format", "json")
    assert (2, "", said) == (code, out, err.split("wuma-star-rating: ")[0])


def test_evaluate_folder_skipping_bad_records_still_names_them(tmp_path: Path) -> None:
    """As a link to a file outside: with --on-bad-record skip the good document is
    evaluated and written, each entry not read is named, and the run fails."""
    folder, said = hostile_folder(tmp_path)
    code, out, err = run_apart(
        "evaluate",
        str(folder),
        *WUMA,
        "--lang",
        "en",
        "--format",
        "json",
        "--on-bad-record",
        "skip",
    )
    assert (2, said) == (code, err.split("wuma-star-rating: ")[0])
    assert '"wm-001"' in out


def test_validate_folder_names_a_fifo_in_it(tmp_path: Path) -> None:
    folder = folder_with(tmp_path)
    os.mkfifo(folder / "x.toml")
    said = f"{folder / 'x.toml'}: is not a regular file: not read\n"
    assert (2, "ok: community wm-001\n", said) == run_apart("validate", str(folder), "--lang", "en")


def test_entries_not_read_are_said_in_chinese_by_default(tmp_path: Path) -> None:
    """Each entry not read, and the file given by name, in the officials' language."""
    folder = folder_with(tmp_path)
    loop = link_loop(folder, ".json")
    os.mkfifo(folder / "x.toml")
    code, _, err = run_apart("validate", str(folder))
    said = (
        f"{loop}: 是循环的链接，未读取\n"
        f"{folder / 'b.json'}: 是循环的链接，未读取\n"
        f"{folder / 'x.toml'}: 不是普通文件，未读取\n"
    )
    assert (2, said) == (code, err)
    assert (2, f"policyengine: {loop}：是循环的链接，未读取\n") == run_apart(
        "evaluate", str(loop), *WUMA
    )[::2]


def test_a_decision_log_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    """A FIFO without a reader would stop the run for ever."""
    fifo = tmp_path / "log"
    os.mkfifo(fifo)
    said = (
        f"policyengine: --decision-log {fifo}: is not a regular file (a device, pipe or "
        "socket); decisions are appended to regular files only\n"
    )
    argv = ("evaluate", str(COMMUNITY), *WUMA, "--lang", "en", "--decision-log", str(fifo))
    assert (2, "", said) == run_apart(*argv)
