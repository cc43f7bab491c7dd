"""policyengine diff: a policy change reported in domain terms, on a change that moves a boundary."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from policyengine import load_facts, load_pack
from policyengine.authoring.diff import diff_packs
from policyengine.cli import main

ROOT = Path(__file__).parents[1]
WUMA = ROOT / "policy_packs" / "wuma-star-rating" / "policyengine_pack_wuma_star_rating"
AS_OF = dt.date(2015, 1, 1)


def _community(cid: str, objective: float, survey: float = 240, previous: int = 3) -> str:
    return (f'[community]\nid = "{cid}"\n[happiness]\nobjective_score = {objective}\n'
            f"survey_score = {survey}\nvetoes = []\nprevious_stars = {previous}\n")


@pytest.fixture(name="moved")
def _moved(tmp_path: Path) -> Path:
    """A copy of the Wuma pack with the four-star threshold raised from 800 to 820."""
    folder = tmp_path / "wuma-new"
    shutil.copytree(WUMA, folder, ignore=shutil.ignore_patterns("__pycache__", "cases"))
    text = (folder / "pack.toml").read_text(encoding="utf-8")
    old = 'quote = "总分达到800分以上,为四星级“幸福社区”"\nvalues = [{ since = 2013-04-10, value = 800 }]'
    assert old in text
    text = text.replace(old, old.replace("value = 800", "value = 820"))
    text = text.replace('version = "2013.1"', 'version = "2013.2"', 1)
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(name="corpus")
def _corpus(tmp_path: Path) -> Path:
    """Five communities: three between 800 and 820, one at 820, one at 790."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for cid, objective in [("a", 562), ("b", 570), ("c", 579.5), ("d", 580), ("e", 550)]:
        (folder / f"{cid}.toml").write_text(_community(cid, objective), encoding="utf-8")
    return folder


class TestDiffPacks:
    def test_boundary_move_counts_the_communities_that_drop(self, moved: Path, corpus: Path) -> None:
        """Raising ★★★★ from 800 to 820 drops the totals 802, 810 and 819.5 to ★★★, not 820 or 790."""
        subjects = [load_facts(p) for p in sorted(corpus.glob("*.toml"))]
        result = diff_packs(load_pack(WUMA), load_pack(moved), subjects, AS_OF)
        stars = next(c for c in result.changes if c.key == "stars")
        assert ("a", "b", "c") == stars.subjects
        assert (4, 3) == (stars.old, stars.new)
        assert ("rating.stars (四(四)): params.four_star_min_score 800 → 820",) == stars.causes
        assert 2 == result.unchanged

    def test_pack_changes_list_the_parameter_with_its_clause(self, moved: Path, corpus: Path) -> None:
        """The only pack change is the four-star threshold, cited 四(四)."""
        result = diff_packs(load_pack(WUMA), load_pack(moved), [], AS_OF)
        assert ["params.four_star_min_score (四(四)): 800 → 820"] == [
            c.describe() for c in result.pack_changes]

    def test_identical_versions_change_nothing(self, corpus: Path) -> None:
        """A pack compared with itself changes no result."""
        subjects = [load_facts(p) for p in sorted(corpus.glob("*.toml"))]
        result = diff_packs(load_pack(WUMA), load_pack(WUMA), subjects, AS_OF)
        assert () == result.changes
        assert 5 == result.unchanged


class TestDiffCommand:
    def _run(self, *args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["diff", *args], stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    def test_text_report(self, moved: Path, corpus: Path) -> None:
        """The text report leads with the star change, its cause and the communities."""
        code, out, _ = self._run(str(WUMA), str(moved), "--facts", str(corpus), "--as-of", "2015-01-01")
        assert 1 == code
        lines = out.splitlines()
        assert "as of 2015-01-01: 5 subjects evaluated, 3 changed, 2 unchanged" == lines[1]
        i = lines.index("3 subjects: stars 4 (四星级) → 3 (三星级)")
        assert "  cause: rating.stars (四(四)): params.four_star_min_score 800 → 820" == lines[i + 1]
        assert "  subjects: a, b, c" == lines[i + 2]

    def test_json_report(self, moved: Path, corpus: Path) -> None:
        """The JSON report counts and lists the same change."""
        code, out, _ = self._run(str(WUMA), str(moved), "--facts", f"{corpus}/*.toml",
                                 "--as-of", "2015-01-01", "--format", "json")
        assert 1 == code
        data = json.loads(out)
        stars = next(c for c in data["changes"] if c["key"] == "stars")
        assert {"kind": "output", "old": 4, "new": 3, "count": 3, "subjects": ["a", "b", "c"]} == {
            k: stars[k] for k in ("kind", "old", "new", "count", "subjects")}
        assert "2013.2" == data["new"]["version"]

    def test_no_change_exits_zero(self, corpus: Path) -> None:
        """Identical versions exit 0 and say so."""
        code, out, _ = self._run(str(WUMA), str(WUMA), "--facts", str(corpus), "--as-of", "2015-01-01")
        assert 0 == code
        assert "No result changed." in out

    def test_empty_corpus_is_bad_input(self, tmp_path: Path) -> None:
        """A --facts that matches nothing exits 2 naming it."""
        code, _, err = self._run(str(WUMA), str(WUMA), "--facts", str(tmp_path / "none*.toml"))
        assert 2 == code
        assert "no facts documents found" in err

    def test_git_ref_against_working_tree(self, tmp_path: Path, corpus: Path) -> None:
        """FOLDER@REF reads the pack as committed, compared with the edited working tree."""
        repo = tmp_path / "repo"
        shutil.copytree(WUMA, repo / "pack", ignore=shutil.ignore_patterns("__pycache__", "cases"))
        git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-qm", "pack"], check=True)
        toml = repo / "pack" / "pack.toml"
        text = toml.read_text(encoding="utf-8")
        toml.write_text(text.replace("value = 900 }", "value = 810 }"), encoding="utf-8")
        code, out, err = self._run(f"{repo / 'pack'}@HEAD", str(repo / "pack"),
                                   "--facts", str(corpus), "--as-of", "2015-01-01")
        assert 1 == code, err
        assert "params.five_star_min_score (四(四)): 900 → 810" in out
