"""Confinement: a facts document reads only files inside its own folder tree; a git ref is
never an option; a pack's hooks file stays inside the pack (docs/security.md)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import policyengine
from policyengine import includes
from policyengine.cli import main
from policyengine.exceptions import FactsError, PackError

ROOT = Path(__file__).resolve().parent.parent
WUMA_DIR = ROOT / "policy_packs" / "wuma-star-rating"

JURISDICTION = '[jurisdiction]\nid = "street"\n\n[[communities]]\ninclude = {patterns}\n'


def community_file(folder: Path, name: str, cid: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f'[community]\nid = "{cid}"\n', encoding="utf-8")
    return path


def street(folder: Path, *patterns: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "street.toml"
    quoted = "[" + ", ".join(f'"{p}"' for p in patterns) + "]"
    path.write_text(JURISDICTION.format(patterns=quoted), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(FactsError) as info:
        policyengine.load_facts(path)
    return [str(p) for p in info.value.problems]


class TestIncludes:
    def test_absolute_pattern_refused_without_reading(self, tmp_path: Path) -> None:
        """``/etc/*`` names nothing under /etc: it is refused before any file is read."""
        found = problems(street(tmp_path, "/etc/*"))
        assert found == [
            'communities[0].include: "/etc/*" leaves the document\'s folder: give a path '
            "relative to it, without '..'"
        ]

    def test_parent_folder_refused(self, tmp_path: Path) -> None:
        community_file(tmp_path, "outside.toml", "outside")
        found = problems(street(tmp_path / "doc", "../*.toml"))
        assert len(found) == 1 and "leaves the document's folder" in found[0]

    def test_symlink_out_of_the_folder_refused(self, tmp_path: Path) -> None:
        """A link inside the folder to a file outside it is not followed."""
        outside = community_file(tmp_path / "secret", "c.toml", "secret")
        doc = street(tmp_path / "doc", "communities/*.toml")
        (tmp_path / "doc" / "communities").mkdir()
        (tmp_path / "doc" / "communities" / "link.toml").symlink_to(outside)
        found = problems(doc)
        assert len(found) == 1 and "leads outside the document's folder" in found[0]

    def test_device_through_symlink_refused(self, tmp_path: Path) -> None:
        """``/dev/zero`` reached through a link is outside the folder: never read."""
        doc = street(tmp_path, "zero.json")
        (tmp_path / "zero.json").symlink_to("/dev/zero")
        found = problems(doc)
        assert len(found) == 1 and "leads outside" in found[0]

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
    def test_fifo_refused_without_hanging(self, tmp_path: Path) -> None:
        """A FIFO is not a regular file: refused at once (opening it would wait forever)."""
        doc = street(tmp_path, "*.toml", "pipe.json")
        community_file(tmp_path, "a.toml", "a")
        os.mkfifo(tmp_path / "pipe.json")
        code = (
            "import policyengine, sys\n"
            "try:\n    policyengine.load_facts(sys.argv[1])\n"
            "except policyengine.FactsError as e:\n    print(e)\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", code, str(doc)], capture_output=True, text=True, timeout=60
        )
        assert "pipe.json: is not a regular file" in run.stdout

    def test_file_matched_several_times_is_read_once(self, tmp_path: Path) -> None:
        community_file(tmp_path / "c", "a.toml", "a")
        community_file(tmp_path / "c", "b.toml", "b")
        doc = street(tmp_path, "c/a.toml", "c/*.toml", "./c/a.toml", "**/a.toml")
        subject = policyengine.load_facts(doc)
        assert isinstance(subject, policyengine.Jurisdiction)
        assert sorted(c.id for c in subject.communities) == ["a", "b"]

    def test_link_cycles_are_not_walked(self, tmp_path: Path) -> None:
        """Two links back up the tree made ``**`` walk 2^40 paths (glob follows links)."""
        code = (
            "import pathlib, sys, policyengine\n"
            "s = policyengine.load_facts(sys.argv[1])\n"
            "print(sorted(c.id for c in s.communities))\n"
        )
        community_file(tmp_path / "c" / "a", "x.toml", "x")
        (tmp_path / "c" / "a" / "up").symlink_to("..")
        (tmp_path / "c" / "self").symlink_to(".")
        doc = street(tmp_path, "c/**/*.toml")
        run = subprocess.run(
            [sys.executable, "-c", code, str(doc)], capture_output=True, text=True, timeout=60
        )
        assert run.stdout == "['x']\n", run.stderr

    def test_included_communities_in_path_order(self, tmp_path: Path) -> None:
        for name in ("b", "c", "a"):
            community_file(tmp_path / "c", f"{name}.toml", name)
        subject = policyengine.load_facts(street(tmp_path, "c/*.toml"))
        assert isinstance(subject, policyengine.Jurisdiction)
        assert [c.id for c in subject.communities] == ["a", "b", "c"]

    def test_duplicate_community_id_is_an_error(self, tmp_path: Path) -> None:
        """Two files with one id would count one community twice in a street's shares."""
        community_file(tmp_path, "a.toml", "same")
        community_file(tmp_path, "b.toml", "same")
        found = problems(street(tmp_path, "?.toml"))
        assert len(found) == 1 and 'community id "same" is given twice' in found[0]

    def test_duplicate_inline_id_is_an_error(self) -> None:
        doc = {
            "jurisdiction": {"id": "s"},
            "communities": [{"community": {"id": "x"}}],
            "jurisdictions": [
                {"jurisdiction": {"id": "t"}, "communities": [{"community": {"id": "x"}}]}
            ],
        }
        with pytest.raises(FactsError, match='community id "x" is given twice'):
            policyengine.load_facts(doc)

    def test_caps_on_files_and_bytes_are_named(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for i in range(3):
            community_file(tmp_path, f"c{i}.toml", f"c{i}")
        doc = street(tmp_path, "c*.toml")
        monkeypatch.setattr(includes, "MAX_INCLUDE_FILES", 2)
        assert any("more than 2 files are included" in p for p in problems(doc))
        monkeypatch.setattr(includes, "MAX_INCLUDE_FILES", 10)
        monkeypatch.setattr(includes, "MAX_INCLUDE_BYTES", 40)
        assert any("hold more than 40 bytes together" in p for p in problems(doc))

    def test_data_without_a_folder_cannot_include(self) -> None:
        """From the API, a dict has no folder: its includes are refused, not read from cwd."""
        doc = {"jurisdiction": {"id": "s"}, "communities": [{"include": ["*.toml"]}]}
        with pytest.raises(FactsError, match="this document was given as data"):
            policyengine.load_facts(doc)

    def test_includes_resolve_against_the_document_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        community_file(tmp_path / "doc", "a.toml", "a")
        doc = street(tmp_path / "doc", "a.toml")
        monkeypatch.chdir(tmp_path)
        subject = policyengine.load_facts(Path("doc") / doc.name)
        assert isinstance(subject, policyengine.Jurisdiction)
        assert [c.id for c in subject.communities] == ["a"]


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
class TestFolders:
    """A folder of facts documents (``evaluate``, ``replay --facts``, ``diff --facts``), or of
    Parquet files: a link in it that leads elsewhere is named and not read (a folder is not
    named file by file, so its links are not the caller's choice)."""

    @staticmethod
    def folder_with_a_link_out(tmp_path: Path, suffix: str = ".toml") -> tuple[Path, Path]:
        secret = tmp_path / "elsewhere" / f"secret{suffix}"
        secret.parent.mkdir()
        secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
        folder = tmp_path / "facts"
        community_file(folder, "a.toml", "a")
        (folder / f"b{suffix}").symlink_to(secret)
        return folder, folder / f"b{suffix}"

    def test_evaluate_names_the_link_and_writes_nothing(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder, link = self.folder_with_a_link_out(tmp_path)
        out = tmp_path / "out.json"
        code = main(["evaluate", str(folder), "--pack", str(WUMA_DIR), "--output", str(out)])
        err = capsys.readouterr().err
        assert 2 == code
        assert f"{link}: 指向文件夹之外" in err  # said in Chinese by default
        assert "root:x" not in err
        assert not out.exists()
        english = ["--lang", "en"]
        code = main(
            ["evaluate", str(folder), "--pack", str(WUMA_DIR), "--output", str(out), *english]
        )
        assert (2, False) == (code, out.exists())
        assert f"{link}: leads outside the folder" in capsys.readouterr().err

    def test_evaluate_skips_the_link_and_evaluates_the_rest(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder, link = self.folder_with_a_link_out(tmp_path)
        out = tmp_path / "out.json"
        argv = ["evaluate", str(folder), "--pack", str(WUMA_DIR), "--format", "json"]
        code = main([*argv, "--on-bad-record", "skip", "--output", str(out), "--lang", "en"])
        assert 2 == code
        assert f"{link}: leads outside the folder" in capsys.readouterr().err
        assert '"id": "a"' in out.read_text(encoding="utf-8")

    def test_replay_facts_folder_names_the_link(self, tmp_path: Path) -> None:
        from policyengine.exceptions import InputError
        from policyengine.replay import subjects_in

        folder, link = self.folder_with_a_link_out(tmp_path)
        with pytest.raises(InputError) as info:
            subjects_in(folder)
        assert f"{link}: leads outside the folder" in str(info.value)

    def test_diff_facts_folder_names_the_link(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder, link = self.folder_with_a_link_out(tmp_path)
        code = main(["diff", str(WUMA_DIR), str(WUMA_DIR), "--facts", str(folder)])
        err = capsys.readouterr().err
        assert 2 == code
        assert f"--facts {link}: leads outside the folder" in err
        assert "root:x" not in err

    def test_parquet_dataset_folder_names_the_link(self, tmp_path: Path) -> None:
        from policyengine.distributed import parquet_files
        from policyengine.exceptions import InputError

        folder, link = self.folder_with_a_link_out(tmp_path, ".parquet")
        with pytest.raises(InputError) as info:
            parquet_files(folder)
        assert f"{link}: leads outside the folder" in str(info.value)

    def test_a_link_inside_the_folder_is_read(self, tmp_path: Path) -> None:
        folder = tmp_path / "facts"
        target = community_file(folder / "kept", "a.toml", "a")
        (folder / "b.toml").symlink_to(target)
        from policyengine.replay import subjects_in

        assert ["a"] == list(subjects_in(folder))


class TestDiffRefs:
    def test_ref_that_looks_like_an_option_is_refused(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """``PACK@--output=FILE`` never reaches git as an option: the file is untouched."""
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me", encoding="utf-8")
        code = main(
            [
                "diff",
                f"{WUMA_DIR}@--output={victim}",
                str(WUMA_DIR),
                "--facts",
                str(ROOT / "examples" / "wuma-community.toml"),
            ]
        )
        assert code == 2
        assert victim.read_text(encoding="utf-8") == "keep me"
        assert "is not a git ref" in capsys.readouterr().err

    def test_ref_resolved_to_a_commit(self, tmp_path: Path) -> None:
        repo = tmp_path / "repo"
        shutil.copytree(WUMA_DIR, repo / "wuma", ignore=shutil.ignore_patterns("__pycache__"))
        git("init", "-q", cwd=repo)
        git("add", ".", cwd=repo)
        git("commit", "-qm", "pack", cwd=repo)
        facts = str(ROOT / "examples" / "wuma-community.toml")
        assert main(["diff", f"{repo / 'wuma'}@HEAD", str(repo / "wuma"), "--facts", facts]) == 0
        assert (
            main(["diff", f"{repo / 'wuma'}@nosuchref", str(repo / "wuma"), "--facts", facts]) == 2
        )

    def test_folder_named_like_a_ref_is_a_folder(self, tmp_path: Path) -> None:
        folder = tmp_path / "wuma@v2"
        shutil.copytree(WUMA_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
        facts = str(ROOT / "examples" / "wuma-community.toml")
        assert main(["diff", str(folder), str(WUMA_DIR), "--facts", facts]) == 0


def pack_with_hooks(tmp_path: Path, hooks: str) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(ROOT / "tests" / "fixtures" / "packs" / "conditions", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('region = "测试"', f'region = "测试"\nhooks = "{hooks}"'), "utf-8")
    return folder


class TestPackFiles:
    def test_hooks_outside_the_pack_refused_and_not_run(self, tmp_path: Path) -> None:
        marker = tmp_path / "ran"
        (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
        folder = pack_with_hooks(tmp_path, "../evil.py")
        with pytest.raises(PackError, match="is outside the pack's folder"):
            policyengine.load_pack(folder)
        assert not marker.exists()

    def test_hooks_pointing_at_a_device_refused(self, tmp_path: Path) -> None:
        with pytest.raises(PackError, match="is outside the pack's folder"):
            policyengine.load_pack(pack_with_hooks(tmp_path, "/dev/zero"))

    def test_hooks_symlinked_out_refused(self, tmp_path: Path) -> None:
        (tmp_path / "evil.py").write_text("X = 1\n", encoding="utf-8")
        folder = pack_with_hooks(tmp_path, "hooks.py")
        (folder / "hooks.py").symlink_to(tmp_path / "evil.py")
        with pytest.raises(PackError, match="is outside the pack's folder"):
            policyengine.load_pack(folder)


# Hostile includes an audit found: a pattern looks only into the document's real folders
# (a link to a folder is not followed: no outside folder is listed, no link cycle walked);
# "." and "./" and link loops are said in words; a file name that could forge a line of
# output is not read; the caps on included files, bytes and rows hold for the whole
# document (every jurisdiction in it), a Parquet table's text counted as read.


def test_a_link_to_an_outside_folder_is_not_listed(tmp_path: Path) -> None:
    """``etc/*`` through ``etc -> outside``: nothing outside is listed or named, so the
    include cannot tell which files exist there."""
    community_file(tmp_path / "outside", "secret-name.toml", "secret")
    doc = tmp_path / "doc"
    doc.mkdir()
    (doc / "etc").symlink_to(tmp_path / "outside", target_is_directory=True)
    found = problems(street(doc, "etc/*", "etc/secret-name.toml"))
    assert [
        'communities[0].include: "etc/*" matches no file',
        'communities[0].include: "etc/secret-name.toml" matches no file',
    ] == found


def test_links_to_the_folder_itself_are_not_walked(tmp_path: Path) -> None:
    """Ten links to ``.`` and eight ``*`` levels were 10^8 folder scans (a hang)."""
    doc = tmp_path / "doc"
    doc.mkdir()
    for k in range(10):
        (doc / f"l{k}").symlink_to(".", target_is_directory=True)
    pattern = "*/*/*/*/*/*/*/*/nomatch.toml"
    assert [f'communities[0].include: "{pattern}" matches no file'] == problems(
        street(doc, pattern)
    )


def test_a_real_subfolder_and_double_star_still_match(tmp_path: Path) -> None:
    doc = tmp_path / "doc"
    community_file(doc / "a" / "b", "c1.toml", "c1")
    community_file(doc / "a", "c2.toml", "c2")
    community_file(doc, "c3.toml", "c3")
    for patterns, ids in (
        (("a/b/*.toml",), ["c1"]),
        (("a/*/c1.toml", "a/c?.toml"), ["c1", "c2"]),
        (("**/c*.toml",), ["c3", "c1", "c2"]),
        (("a/**/*.toml",), ["c1", "c2"]),
        (("./a/[b]/c1.toml",), ["c1"]),
    ):
        subject = policyengine.load_facts(street(doc, *patterns))
        assert sorted(ids) == sorted(c.id for c in subject.communities)


def test_a_link_to_a_file_inside_is_followed(tmp_path: Path) -> None:
    doc = tmp_path / "doc"
    community_file(doc / "data", "c1.toml", "c1")
    (doc / "c1-link.toml").symlink_to(doc / "data" / "c1.toml")
    subject = policyengine.load_facts(street(doc, "c1-link.toml"))
    assert ["c1"] == [c.id for c in subject.communities]


@pytest.mark.parametrize("pattern", [".", "./", "./."])
def test_the_folder_itself_is_named_not_an_internal_error(tmp_path: Path, pattern: str) -> None:
    shown = f'"{pattern}"'
    assert [f"communities[0].include: {shown} names the folder itself, not a file"] == problems(
        street(tmp_path, pattern)
    )


def test_a_link_loop_is_named(tmp_path: Path) -> None:
    community_file(tmp_path, "c1.toml", "c1")
    (tmp_path / "a.json").symlink_to("b.json")
    (tmp_path / "b.json").symlink_to("a.json")
    found = problems(street(tmp_path, "*.json", "c1.toml"))
    assert [
        f"communities[0].include: {tmp_path / 'a.json'}: is a link loop: not read",
        f"communities[0].include: {tmp_path / 'b.json'}: is a link loop: not read",
    ] == found


def test_a_name_that_would_forge_a_line_is_not_read(tmp_path: Path) -> None:
    name = "a\nok: community FORGED\x1b[31m.toml"
    community_file(tmp_path, name, "forged")
    found = problems(street(tmp_path, "a*.toml"))
    assert 1 == len(found)
    assert "\n" not in found[0] and "\x1b" not in found[0]
    assert found[0].endswith("a file name with a line break or a control character is not read")


def test_too_many_names_looked_at_is_a_limit_not_a_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "_MAX_MATCHES", 50)
    for i in range(60):
        (tmp_path / f"f{i}").mkdir()
    found = problems(street(tmp_path, "*/none.toml"))
    assert ['communities[0].include: "*/none.toml" looks through more than 50 paths'] == found


def _children(count: int, pattern: str) -> str:
    return _city(*([pattern] * count))


def _city(*patterns: str) -> str:
    """A city whose child streets each include one pattern."""
    text = '[jurisdiction]\nid = "root"\nname = "x"\nlevel = "city"\n'
    for i, pattern in enumerate(patterns):
        text += (
            f'\n[[jurisdictions]]\n[jurisdictions.jurisdiction]\nid = "k{i}"\nname = "x"\n'
            f'level = "street"\n[[jurisdictions.communities]]\ninclude = ["{pattern}"]\n'
        )
    return text


def test_the_byte_budget_is_the_whole_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each child jurisdiction had its own budget: a 28 KB document read 12 GB."""
    monkeypatch.setattr(includes, "MAX_INCLUDE_BYTES", 1_000)
    (tmp_path / "big.toml").write_text('[community]\nid = "x"\n' + "#" * 600 + "\n")
    doc = tmp_path / "city.toml"
    doc.write_text(_children(3, "big.toml"), encoding="utf-8")
    found = problems(doc)
    assert 2 == len(found)
    assert all("the included files hold more than 1,000 bytes together" in p for p in found)
    assert found[0].startswith("jurisdictions[1].communities[0].include:")


def test_the_file_budget_is_the_whole_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(includes, "MAX_INCLUDE_FILES", 2)
    community_file(tmp_path, "c.toml", "c")
    doc = tmp_path / "city.toml"
    doc.write_text(_children(3, "c.toml"), encoding="utf-8")
    found = problems(doc)
    assert ["jurisdictions[2].communities[0].include: more than 2 files are included"] == [
        p for p in found if "files are included" in p
    ]


def test_the_row_budget_is_the_whole_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policyengine import table_includes

    monkeypatch.setattr(table_includes, "MAX_INCLUDE_ROWS", 5)
    for k in range(2):
        rows = "community.id\n" + "".join(f"t{k}-{i}\n" for i in range(3))
        (tmp_path / f"t{k}.csv").write_text(rows, encoding="utf-8")
    doc = tmp_path / "city.toml"
    doc.write_text(_city("t0.csv", "t1.csv"), encoding="utf-8")
    found = problems(doc)
    assert 1 == len(found)
    assert found[0].endswith("the included tables hold more than 5 rows together")


def test_a_parquet_tables_text_counts_as_read(tmp_path: Path) -> None:
    """A 60,000-byte name in every row, stored once (dictionary-encoded): the file is small,
    the rows would hold gigabytes."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    n = 2_000
    names = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array(["社" * 20_000]))
    table = pa.table({"community.id": [f"c{i}" for i in range(n)], "community.name": names})
    pq.write_table(table, tmp_path / "rows.parquet", compression="zstd")
    assert os.path.getsize(tmp_path / "rows.parquet") < 1_000_000
    found = problems(street(tmp_path, "rows.parquet"))
    assert 1 == len(found)
    assert "as read (the text of this table's cells counted once a row)" in found[0]
