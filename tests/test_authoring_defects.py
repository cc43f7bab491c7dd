"""Hostile input to the pack-authoring commands: each is refused with a sentence naming
what is wrong (exit 2), never a traceback, and nothing is half-written.

* ``diff OLD@REF``: a committed link leading out of the pack folder;
* ``new-pack``: a title (or region, issuer, 文号) that would break or add to the TOML;
* ``describe`` and ``test --mutate``: a pack whose conditions do not compile.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policyengine
from policyengine.cli import main

TESTS = Path(__file__).resolve().parent
CONDITIONS = TESTS / "fixtures" / "packs" / "conditions"
MUTATE = TESTS / "fixtures" / "mutate"
BRANCHES = ", ".join(str(i) for i in range(49))
TOO_MANY_BRANCHES = (
    "rules[{n}] (hostile.rule).require: the condition has 49 alternative branches (ways to "
    "hold); the rules engine takes at most 48 in one condition: split it into several rules"
)


def cli(*argv: str) -> tuple[int, str, str]:
    """``policyengine ARGV``: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def no_crash(err: str) -> None:
    assert "Traceback" not in err
    assert "internal error" not in err


def with_hostile_rule(source: Path, folder: Path) -> Path:
    """A copy of the pack at ``source`` with a rule whose condition has 49 alternative
    branches: it parses, and the rules engine refuses it when the pack is compiled."""
    shutil.copytree(source, folder)
    toml = folder / "pack.toml"
    rule = (
        '\n[[rules]]\nid = "hostile.rule"\ntitle = "t"\nclause = "九"\nquote = "测试。"\n'
        f"require = 'community.households in [{BRANCHES}]'\n"
    )
    toml.write_text(toml.read_text(encoding="utf-8") + rule, encoding="utf-8")
    return folder


# ------------------------------------------------------------------ 1. diff OLD@REF


def git_repo_with_link(tmp_path: Path, target: str) -> Path:
    """A git repository holding the conditions pack in ``pack/``, with ``pack/evil.txt``
    committed as a symbolic link to ``target``."""
    repo = tmp_path / "repo"
    shutil.copytree(CONDITIONS, repo / "pack")
    (repo / "pack" / "evil.txt").symlink_to(target)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-qm", "pack"], check=True)
    return repo


@pytest.fixture(name="facts")
def _facts(tmp_path: Path) -> Path:
    file = tmp_path / "facts.toml"
    file.write_text('[community]\nid = "x"\nhouseholds = 3\n', encoding="utf-8")
    return file


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("/etc/passwd", "is a link to the absolute path /etc/passwd, outside the pack folder"),
        ("../../outside", "is a link to ../../outside, which leads outside the pack folder"),
        (
            "../elsewhere.toml",
            "is a link to ../elsewhere.toml, which leads outside the pack folder",
        ),
    ],
)
def test_diff_refuses_a_git_version_holding_a_link_leading_outside(
    tmp_path: Path, facts: Path, target: str, why: str
) -> None:
    """Was tarfile's AbsoluteLinkError / LinkOutsideDestinationError as an internal error
    (``../elsewhere.toml``, inside the repository but not the pack folder: a dangling link)."""
    repo = git_repo_with_link(tmp_path, target)
    spec = f"{repo / 'pack'}@HEAD"
    code, out, err = cli("diff", spec, str(CONDITIONS), "--facts", str(facts))
    assert code == 2
    no_crash(err)
    assert (
        err
        == f"policyengine: {spec}: the pack at git ref 'HEAD' is not read: pack/evil.txt {why}\n"
    )
    assert out == ""


def test_diff_reads_a_git_version_whose_link_stays_inside_the_pack(
    tmp_path: Path, facts: Path
) -> None:
    repo = git_repo_with_link(tmp_path, "pack.toml")
    code, out, err = cli("diff", f"{repo / 'pack'}@HEAD", str(repo / "pack"), "--facts", str(facts))
    assert (code, err) == (0, "")
    assert "No result changed." in out


# ------------------------------------------------------------------- 2. new-pack


def new_pack(output: Path, document: str, *more: str) -> tuple[int, str, str]:
    return cli(
        "new-pack", "demo", "--region", "示例街道", "--document", document,
        "--date", "2022-05-01", "--output", str(output), *more,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--document", 'x"\nhooks = "evil.py"\n#'],
            '--document "x\\"\\nhooks = \\"evil.py\\"\\n#": it holds the control character '
            "U+000A; give the text on one line, without control characters",
        ),
        (
            ["--document", "标题\r[pack]"],
            '--document "标题\\r[pack]": it holds the control character U+000D; give the text '
            "on one line, without control characters",
        ),
        (
            ["--document", "a\x7fb"],
            '--document "a\\u007fb": it holds the control character U+007F; give the text on '
            "one line, without control characters",
        ),
        (
            ["--document", "a\tb"],
            '--document "a\\tb": it holds the control character U+0009; give the text on one '
            "line, without control characters",
        ),
        (
            ["--document", "t", "--region", "r\x00"],
            '--region "r\\u0000": it holds the control character U+0000; give the text on one '
            "line, without control characters",
        ),
        (
            ["--document", "t", "--issuer", "ok", "--issuer", "a\nb"],
            '--issuer "a\\nb": it holds the control character U+000A; give the text on one '
            "line, without control characters",
        ),
        (
            ["--document", "t", "--number", "1号\n[[rules]]"],
            '--number "1号\\n[[rules]]": it holds the control character U+000A; give the text '
            "on one line, without control characters",
        ),
        (
            ["--document", "a\udcffb"],
            '--document "a\\udcffb": it is not text (U+DCFF stands for a byte that is not UTF-8)',
        ),
        (["--document", "  "], '--document "  ": the text is empty'),
        (["--document", "t", "--region", ""], '--region "": the text is empty'),
    ],
)
def test_new_pack_refuses_text_it_cannot_write(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """A line break was written into pack.toml's first comment line: the rest of the
    title became TOML (``hooks = "evil.py"``); an unpaired surrogate was an internal
    error. Now refused, naming the option, and nothing is written."""
    code, out, err = cli(
        "new-pack", "demo", "--region", "示例街道", "--date", "2022-05-01",
        "--output", str(tmp_path / "demo"), *args,
    )  # fmt: skip
    assert code == 2
    no_crash(err)
    assert err == f"policyengine new-pack: {message}\n"
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # no folder, no staging folder left behind


def _written(output: Path, document: str) -> policyengine.Pack:
    """The pack ``new-pack`` writes for ``document``, its generated files checked."""
    package = output / "policyengine_pack_demo"
    pyproject = tomllib.loads((output / "pyproject.toml").read_text(encoding="utf-8"))
    assert document in pyproject["project"]["description"]
    init = (package / "__init__.py").read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    exec(compile(init, "__init__.py", "exec"), namespace)  # the generated module
    assert namespace["__doc__"] == f"policyengine pack: {document} (2022-05-01)."
    tomllib.loads((package / "cases" / "example.toml").read_text(encoding="utf-8"))
    return policyengine.load_pack(package)


@pytest.mark.parametrize(
    "document",
    [
        'x"\\nhooks = "evil.py',
        'x" \nhooks = "evil.py'.replace("\n", " "),
        "a\\",
        '"""',
        "'''",
        "\\u0041\\\\",
        '[pack] id = "evil"',
        "x\u2028hooks = 1",
        "\u202eevil\ufeff",
        "《示例》 # 不是注释",
    ],
)
def test_new_pack_title_with_toml_syntax_round_trips(tmp_path: Path, document: str) -> None:
    """Quotes, backslashes and TOML syntax are text: the pack loads with them as its
    title, and nothing is added to it (no hooks)."""
    code, _, err = new_pack(tmp_path / "demo", document)
    assert (code, err) == (0, "")
    pack = _written(tmp_path / "demo", document)
    assert (pack.info.title, pack.info.source.title) == (document, document)
    assert pack.id == "demo"
    assert pack.hooks is None


TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1).filter(str.strip)


@settings(max_examples=60, deadline=None, database=None)
@given(document=TEXT, region=TEXT, number=TEXT)
def test_new_pack_any_title_without_control_characters_round_trips(
    document: str, region: str, number: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "demo"
        # --option=value: a text that starts with "-" is not read as an option
        code, _, err = cli(
            "new-pack", "demo", f"--region={region}", f"--document={document}",
            "--date", "2022-05-01", f"--number={number}", "--output", str(output),
        )  # fmt: skip
        assert (code, err) == (0, "")
        pack = _written(output, document)
        assert (pack.info.title, pack.info.source.title) == (document, document)
        assert (pack.info.region, pack.info.source.number) == (region, number)
        assert pack.info.source.date == dt.date(2022, 5, 1)


# ------------------------------------------------------------------- 3. describe


def test_describe_refuses_a_pack_that_does_not_compile(tmp_path: Path) -> None:
    """Was exit 0 and a page of rules that never run; now as evaluate says it, exit 2."""
    folder = with_hostile_rule(CONDITIONS, tmp_path / "pack")
    page = tmp_path / "page.md"
    code, out, err = cli("describe", str(folder), "--output", str(page))
    message = f"policyengine: {folder / 'pack.toml'}: {TOO_MANY_BRANCHES.format(n=3)}\n"
    assert (code, out, err) == (2, "", message)
    assert not page.exists()
    facts = tmp_path / "facts.toml"
    facts.write_text('[community]\nid = "x"\n', encoding="utf-8")
    assert cli("evaluate", str(facts), "--pack", str(folder))[::2] == (2, message)


# ----------------------------------------------------------------- 4. test --mutate


def test_mutate_reports_a_pack_that_does_not_compile_and_counts_nothing(tmp_path: Path) -> None:
    """Was ``fixture-mutate: 0/0 mutants killed (100.0%)``."""
    folder = with_hostile_rule(MUTATE, tmp_path / "pack")
    code, out, err = cli("test", "--mutate", str(folder))
    no_crash(err)
    assert code == 2
    assert out.splitlines() == [
        f"{folder / 'pack.toml'}: {TOO_MANY_BRANCHES.format(n=2)}",
        "fixture-mutate: the pack does not compile; fix it before mutating",
        "fixture-mutate: no mutant was run",
        "mutants: 0/0 killed",
    ]
    code, out, _ = cli("test", "--mutate", str(folder), "--format", "json")
    data = json.loads(out)
    assert code == 2
    assert (data["ok"], data["killed"], data["total"]) == (False, 0, 0)
    assert data["packs"][0]["percent"] is None


HOOK = """\
from policyengine import EvaluationContext, RuleDecision, hookimpl


@hookimpl
def pack_evaluate_rule(rule: object, context: EvaluationContext) -> RuleDecision | None:
    value = context.params["min_households"]
    if value is not None and value != 500:
        raise ValueError("the hook expects 500")
    return RuleDecision(outcome="pass", message="ok")
"""


def test_mutate_a_mutant_no_case_can_evaluate_is_invalid_not_killed(tmp_path: Path) -> None:
    """A planted 499 or 501 makes the pack's hook fail on every case: no case saw other
    decisions, so the mutant is not killed (it was, by every case failing)."""
    folder = tmp_path / "pack"
    (folder / "cases").mkdir(parents=True)
    shutil.copy(MUTATE / "cases" / "weak.toml", folder / "cases")
    text = (MUTATE / "pack.toml").read_text(encoding="utf-8")
    text = text.replace(
        "effective_from = 2021-01-01\n", 'effective_from = 2021-01-01\nhooks = "hooks.py"\n', 1
    )
    text += (
        '\n[[rules]]\nid = "hook.check"\ntitle = "钩子"\nclause = "二"\nquote = "社区规模不少于500户。"\n'
        'kind = "hook"\nreads = ["community.households"]\n'
    )
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    (folder / "hooks.py").write_text(HOOK, encoding="utf-8")
    code, out, err = cli("test", "--mutate", str(folder), "--format", "json")
    assert code == 0, err
    mutants = {m["change"]: m for m in json.loads(out)["packs"][0]["mutants"]}
    for change in ("500 → 499", "500 → 501"):
        assert mutants[change]["status"] == "invalid"
        assert mutants[change]["killed_by"] is None
        assert mutants[change]["reason"].startswith("case '")
        assert mutants[change]["reason"].endswith(
            f"cannot be evaluated: {folder / 'hooks.py'}: hook pack_evaluate_rule failed: "
            "ValueError: the hook expects 500"
        )
    code, out, _ = cli("test", "--mutate", str(folder))
    assert out.splitlines()[-2].endswith("; 2 invalid (did not compile or run)")
