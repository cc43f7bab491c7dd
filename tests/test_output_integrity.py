"""Output integrity (results.md; docs/explanation/decisions.md "Command line").

Nothing reaches ``--output`` unless the run succeeds; the file has the umask's mode; a
symlink is followed (its target replaced, the link kept); a device, a folder or a missing
folder is refused before any work.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from policyengine import api
from policyengine.cli import main

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "wuma-community.toml")


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["evaluate", *argv, "--pack", "wuma-star-rating", "--as-of", "2014-12-31"],
                stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@pytest.fixture
def no_evaluation(monkeypatch):
    """Fail the test if any community is evaluated."""
    def refuse(*args, **kwargs):
        raise AssertionError("evaluated before the destination was checked")
    monkeypatch.setattr(api, "evaluate", refuse)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_file_mode_follows_the_umask(tmp_path, umask):
    """The output has mode 0666 less the umask, as a shell redirection would give it."""
    old = os.umask(umask)
    try:
        code, _ = run(EXAMPLE, "--format", "json", "--output", str(tmp_path / "out.json"))
    finally:
        os.umask(old)
    assert 0 == code
    assert 0o666 & ~umask == stat.S_IMODE((tmp_path / "out.json").stat().st_mode)


def test_symlink_is_followed_and_kept(tmp_path):
    """An existing symlink at --output stays a link; the file it points to gets the result."""
    target = tmp_path / "real.json"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, _ = run(EXAMPLE, "--format", "json", "--output", str(link))
    assert 0 == code
    assert link.is_symlink()
    assert "wm-001" == json.loads(target.read_text(encoding="utf-8"))["subject"]["id"]


def test_device_is_refused_and_kept(no_evaluation, tmp_path):
    """A device at --output is refused before any evaluation and is not replaced."""
    link = tmp_path / "null.json"
    link.symlink_to("/dev/null")
    for output in ("/dev/null", str(link)):
        code, err = run(EXAMPLE, "--format", "json", "--output", output)
        assert 2 == code
        assert f"--output {output}：不是普通文件（而是设备、管道或套接字）；结果只写入普通文件" in err
        code, err = run(EXAMPLE, "--format", "json", "--output", output, "--lang", "en")
        assert "not a regular file" in err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_folder_is_refused_before_any_work(no_evaluation, tmp_path):
    """--output naming a folder is refused with a message, before any evaluation."""
    code, err = run(EXAMPLE, "--format", "json", "--output", str(tmp_path), "--lang", "en")
    assert (2, f"policyengine: --output {tmp_path}: is a folder; give a file name\n") == (code, err)


def test_missing_folder_is_refused_before_any_work(no_evaluation, tmp_path):
    """--output in a folder that does not exist is refused before any evaluation."""
    code, err = run(EXAMPLE, "--format", "json", "--output", str(tmp_path / "no" / "o.json"))
    assert 2 == code
    assert str(tmp_path / "no") in err


def test_failed_run_leaves_existing_output_untouched(tmp_path):
    """A bad record fails the run: the old --output stays byte for byte, no temp file left."""
    out = tmp_path / "out.json"
    out.write_text("previous results", encoding="utf-8")
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps([{"community": {"id": "a"}},
                                 {"community": {"id": "b", "households": -1}}]),
                     encoding="utf-8")
    code, err = run(str(batch), "--format", "json", "--output", str(out))
    assert 2 == code
    assert "households" in err
    assert "previous results" == out.read_text(encoding="utf-8")
    assert ["batch.json", "out.json"] == sorted(p.name for p in tmp_path.iterdir())


def test_empty_batch_writes_an_empty_json_array(tmp_path):
    """``[]`` writes ``[]``, not a 0-byte file."""
    facts = tmp_path / "none.json"
    facts.write_text("[]", encoding="utf-8")
    code, _ = run(str(facts), "--format", "json", "--output", str(tmp_path / "out.json"))
    assert 0 == code
    assert [] == json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_failed_table_run_leaves_no_spooled_results(tmp_path, monkeypatch, fmt):
    """A bad record fails a table run: the results spooled so far (Arrow files in a temporary
    folder) are removed at once, not left for the garbage collector, and --output is kept."""
    pytest.importorskip("pyarrow")
    from policyengine.sinks import ArrowSink

    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spool))
    monkeypatch.setattr(ArrowSink, "in_memory", 0)  # spool every table to disk
    monkeypatch.setattr("policyengine.columnar.fast.CSV_BLOCK_BYTES", 1024)  # many batches
    rows = ["community.id,community.households"]
    rows += [f"c{i},{600 + i}" for i in range(300)] + ["bad,-1"]
    facts = tmp_path / "communities.csv"
    facts.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    out.write_bytes(b"previous results")
    code, err = run(str(facts), "--format", fmt, "--output", str(out))
    assert 2 == code
    assert "row 302" in err and "households" in err
    assert b"previous results" == out.read_bytes()
    assert [] == list(spool.iterdir())
    assert ["communities.csv", f"out.{fmt}", "spool"] == sorted(p.name for p in tmp_path.iterdir())
