"""Every error is a message: no traceback reaches a user of the command line, exit 2 (3 only
for an unknown pack) with the file, the field path and the value; pack hooks that fail or
return the wrong thing are named."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import policyengine
from policyengine.cli import main
from policyengine.exceptions import PackError

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_PACKS = ROOT / "tests" / "fixtures" / "packs"
CLI = [sys.executable, "-m", "policyengine"]


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


class TestBadDocuments:
    @pytest.mark.parametrize("suffix", [".json", ".toml"])
    def test_nesting_fifty_thousand_deep(self, tmp_path: Path, suffix: str) -> None:
        body = "[" * 50_000 + "]" * 50_000
        text = f'{{"community": {body}}}' if suffix == ".json" else f"a = {body}\n"
        doc = write(tmp_path / f"deep{suffix}", text)
        code, _, err = run(["validate", str(doc), "--lang", "en"])
        assert code == 2
        assert f"{doc}: not valid {suffix[1:].upper()}: tables and lists nest deeper" in err

    def test_nesting_just_over_the_limit_names_the_path(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "deep.json", '{"community": {"id": "x", "a": ' + "[" * 70 + "]" * 70 + "}}")
        code, _, err = run(["validate", str(doc), "--lang", "en"])
        assert code == 2 and f"{doc}: community.a" in err and "nest deeper than 64" in err

    def test_toml_integer_of_4400_digits(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "big.toml", '[community]\nid = "x"\nhouseholds = ' + "9" * 4400)
        code, _, err = run(["validate", str(doc), "--lang", "en"])
        assert (code, err.strip()) == (
            2,
            f"policyengine: {doc}: not valid TOML: a number has more than 4,300 digits",
        )

    def test_a_key_given_twice(self, tmp_path: Path) -> None:
        """JSON takes ``{"a": 1, "a": 2}`` silently (the last wins); a facts document that
        says two things about one fact is refused, naming the key, in a document and in a
        line of JSON Lines alike."""
        doc = write(tmp_path / "twice.json", '{"community": {"id": "x", "households": 10, "households": 20}}')
        code, _, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating", "--lang", "en"])
        assert (code, err.strip()) == (
            2,
            f'policyengine: {doc}: not valid JSON: the key "households" is given twice',
        )
        lines = write(tmp_path / "twice.jsonl", '{"community": {"id": "y"}}\n{"community": {"id": "x", "id": "z"}}\n')
        out = tmp_path / "out.jsonl"
        code, _, err = run(["evaluate", str(lines), "--pack", "wuma-star-rating", "--output", str(out)])
        assert code == 2 and not out.exists()
        assert f"{lines}, line 2" in err and 'the key "id" is given twice' in err

    def test_lone_surrogate_in_community_id(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "s.json", '{"community": {"id": "\\ud800"}}')
        code, _, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating", "--lang", "en"])
        assert code == 2 and f"{doc}: community.id: text with an unpaired surrogate" in err

    @pytest.mark.parametrize(
        ("name", "data"),
        [("bom.toml", b'\xef\xbb\xbf[community]\nid = "x"\n'),
         ("bom.json", b'\xef\xbb\xbf{"community": {"id": "x"}}')],
    )
    def test_byte_order_mark_is_read(self, tmp_path: Path, name: str, data: bytes) -> None:
        code, out, _ = run(["validate", str(write(tmp_path / name, data))])
        assert (code, out) == (0, "ok: community x\n")

    def test_gbk_file_is_not_utf8(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "gbk.toml", '[community]\nid = "社区"\n'.encode("gbk"))
        code, _, err = run(["validate", str(doc), "--lang", "en"])
        assert code == 2 and f"{doc}: not UTF-8 text (byte 0xc9 at position 18)" in err

    def test_as_of_9999_on_fengxiang(self, tmp_path: Path) -> None:
        doc = write(
            tmp_path / "f.toml",
            '[community]\nid = "x"\n[reporting]\nself_check_report_year = 9999\n',
        )
        code, _, err = run(
            ["evaluate", str(doc), "--pack", "fengxiang-harmony", "--as-of", "9999-12-31",
             "--lang", "en"]
        )
        assert code == 2 and "as_of: 9999-12-31 is after 9998-12-31" in err

    def test_stdin_not_utf8(self) -> None:
        out, err = io.StringIO(), io.StringIO()
        stdin = io.TextIOWrapper(io.BytesIO('{"community": {"id": "社"}}'.encode("gbk")))
        code = main(["validate", "-", "--lang", "en"], stdin=stdin, stdout=out, stderr=err)
        assert code == 2 and "not UTF-8 text" in err.getvalue()


class TestProcess:
    """Run as a user would: a separate process, real pipes."""

    def test_stdin_closed(self) -> None:
        proc = subprocess.run(
            [*CLI, "validate", "-"], stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
        assert proc.returncode == 2  # empty input: not valid JSON
        code = "import sys; sys.stdin.close(); from policyengine.cli import main; sys.exit(main(['validate', '-']))"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert (proc.returncode, proc.stderr) == (2, "policyengine: -: standard input is closed\n")

    def test_closed_pipe_ends_quietly(self) -> None:
        """``policyengine packs | head -1``: no BrokenPipeError traceback."""
        with subprocess.Popen(
            [*CLI, "packs"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            proc.stdout.readline()
            proc.stdout.close()
            stderr = proc.stderr.read().decode()
            proc.wait(timeout=60)
        assert "Traceback" not in stderr and "BrokenPipe" not in stderr
        assert proc.returncode in (0, 141)


def hooked_pack(tmp_path: Path, hooks: str, rules: str = "") -> Path:
    folder = tmp_path / "hooked"
    shutil.copytree(FIXTURE_PACKS / "conditions", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8").replace(
        'region = "测试"', 'region = "测试"\nhooks = "hooks.py"'
    )
    toml.write_text(text + rules, encoding="utf-8")
    (folder / "hooks.py").write_text(
        "import sys\nfrom policyengine import hookimpl, RuleDecision\n\n" + hooks, encoding="utf-8"
    )
    return folder


HOOK_RULE = (
    '\n[[rules]]\nid = "by.hook"\ntitle = "t"\nclause = "九"\nquote = "测试。"\nkind = "hook"\n'
)
DERIVED = '\n[[derived]]\npath = "derived.size"\ntype = "number"\ntitle = "t"\n'


class TestHooks:
    @pytest.mark.parametrize(
        ("hooks", "rules", "message"),
        [
            (
                "@hookimpl\ndef pack_outputs(context, findings):\n    raise ValueError('x')\n",
                "",
                "hook pack_outputs failed: ValueError: x",
            ),
            (
                "@hookimpl\ndef pack_outputs(context, findings):\n    return 5\n",
                "",
                "hook pack_outputs returned 5, not a table of outputs",
            ),
            (
                "@hookimpl\ndef pack_outputs(context, findings):\n    return {'a': object()}\n",
                "",
                "hook pack_outputs a: a value of type object is not a value a pack can give",
            ),
            (
                "def f(n):\n    return f(n + 1)\n\n"
                "@hookimpl\ndef pack_outputs(context, findings):\n    return f(0)\n",
                "",
                "hook pack_outputs recursed without end",
            ),
            (
                "@hookimpl\ndef pack_outputs(context, findings):\n    sys.exit(3)\n",
                "",
                "hook pack_outputs failed: it called sys.exit(3)",
            ),
            (
                "@hookimpl\ndef pack_evaluate_rule(rule, context):\n"
                "    return RuleDecision('maybe', 'm')\n",
                HOOK_RULE,
                "hook pack_evaluate_rule outcome \"maybe\" is not one of:",
            ),
            (
                "@hookimpl\ndef pack_evaluate_rule(rule, context):\n    return 'pass'\n",
                HOOK_RULE,
                "hook pack_evaluate_rule returned \"pass\", not a RuleDecision",
            ),
            (
                "@hookimpl\ndef pack_derive_facts(context):\n    return {'derived.size': '99'}\n",
                DERIVED,
                'hook pack_derive_facts derived.size: "99" is not a number',
            ),
            (
                "@hookimpl\ndef pack_derive_facts(context):\n"
                "    return {'community.households': 2.5}\n",
                "",
                "hook pack_derive_facts community.households: 2.5 is not a whole number",
            ),
        ],
    )
    def test_hook_failures_name_the_file_and_the_hook(
        self, tmp_path: Path, hooks: str, rules: str, message: str
    ) -> None:
        folder = hooked_pack(tmp_path, hooks, rules)
        with pytest.raises(PackError) as info:
            policyengine.evaluate({"community": {"id": "x"}}, folder)
        assert f"{folder / 'hooks.py'}: {message}" in str(info.value)
        code, _, err = run(["evaluate", "-", "--pack", str(folder)], '{"community": {"id": "x"}}')
        assert code == 2 and message in err and "Traceback" not in err

    def test_sys_exit_while_loading_is_not_an_unknown_pack(self, tmp_path: Path) -> None:
        """``sys.exit()`` in hooks.py exited 3, "unknown pack"."""
        folder = hooked_pack(tmp_path, "sys.exit(3)\n")
        code, _, err = run(["evaluate", "-", "--pack", str(folder)], '{"community": {"id": "x"}}')
        assert code == 2
        assert f"{folder / 'hooks.py'}: the pack's hooks failed to load: sys.exit(3)" in err


class TestBadPackFiles:
    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ("a = " + "[" * 50_000 + "]" * 50_000 + "\n", "nest too deeply"),
            ("a = " + "9" * 4400 + "\n", "more than 4,300 digits"),
            (b"\xc9\xe7", "cannot read the file"),
        ],
    )
    def test_unreadable_pack_file_is_a_pack_error(
        self, tmp_path: Path, data: str | bytes, message: str
    ) -> None:
        write(tmp_path / "pack.toml", data)
        with pytest.raises(PackError, match=message):
            policyengine.load_pack(tmp_path)

    def test_pack_file_with_byte_order_mark_is_read(self, tmp_path: Path) -> None:
        shutil.copytree(FIXTURE_PACKS / "conditions", tmp_path / "p")
        toml = tmp_path / "p" / "pack.toml"
        toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes())
        assert policyengine.load_pack(tmp_path / "p").id == "fixture-conditions"

    @pytest.mark.parametrize("path", [None, 3, "a\0b"])
    def test_pack_path_not_a_path(self, path: object) -> None:
        with pytest.raises(PackError):
            policyengine.load_pack(path)  # type: ignore[arg-type]


class TestNamedFiles:
    def test_device_named_on_the_command_line_is_refused(self) -> None:
        """``policyengine validate /dev/zero`` read until memory ran out."""
        code, _, err = run(["validate", "/dev/zero", "--lang", "en"])
        assert (code, err) == (
            2,
            "policyengine: /dev/zero: is a device, not a file (use - for standard input)\n",
        )

    def test_folder_named_on_the_command_line(self, tmp_path: Path) -> None:
        """``validate FOLDER`` checks the documents in it, as ``evaluate FOLDER`` reads them."""
        write(tmp_path / "good.toml", '[community]\nid = "a"\n')
        write(tmp_path / "bad.toml", '[community]\nid = "b"\nhouseholds = "many"\n')
        code, out, err = run(["validate", str(tmp_path), "--lang", "en"])
        assert code == 2 and "ok: community a" in out
        assert f"{tmp_path / 'bad.toml'}: community.households" in err

    def test_validate_reads_a_table_as_a_table(self, tmp_path: Path) -> None:
        """``validate t.csv`` read the CSV as JSON ("not valid JSON"); it names the bad row."""
        table = write(tmp_path / "t.csv", "community.id,community.households\nx1,abc\nx2,5\n")
        code, out, err = run(["validate", str(table)])
        assert code == 2 and "ok: community x2" in out
        assert "row 2: community.households" in err and "JSON" not in err


class TestFileErrorsInTheChosenLanguage:
    """results.md v2 "Language": messages are Chinese by default and English with
    ``--lang en``; a file that cannot be read as a whole is said so too, the file named and
    the parser's position put in words (its own words about the syntax kept)."""

    def test_json_syntax_error_in_chinese_by_default(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "c.json", '{"community": ')
        code, out, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating"])
        assert (code, out) == (2, "")
        assert err == (
            f"policyengine: {doc}：不是有效的 JSON 文件（第 1 行第 15 列：Expecting value）\n"
        )

    def test_toml_syntax_error_in_chinese_by_default(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "c.toml", "[community\nid = 1\n")
        code, _, err = run(["validate", str(doc)])
        assert code == 2
        assert err.startswith(f"policyengine: {doc}：不是有效的 TOML 文件（第 1 行第 11 列：")

    def test_the_same_error_in_english_with_lang_en(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "c.json", '{"community": ')
        code, _, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating", "--lang", "en"])
        assert (code, err) == (
            2,
            f"policyengine: {doc}: not valid JSON: Expecting value: line 1 column 15 (char 14)\n",
        )

    def test_not_utf8_in_chinese(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "gbk.toml", "[community]\nname = '社区'\n".encode("gbk"))
        code, _, err = run(["validate", str(doc)])
        assert code == 2 and f"{doc}：不是 UTF-8 文本（位置 " in err and "另存为 UTF-8" in err

    def test_a_missing_file_in_chinese(self, tmp_path: Path) -> None:
        code, _, err = run(["validate", str(tmp_path / "none.toml")])
        assert (code, err) == (2, f"policyengine: {tmp_path / 'none.toml'}：无法读取文件：文件不存在\n")

    def test_an_unknown_pack_in_chinese_exit_3(self, tmp_path: Path) -> None:
        doc = write(tmp_path / "c.json", '{"community": {"id": "x"}}')
        code, _, err = run(["evaluate", str(doc), "--pack", "no-such-pack"])
        assert code == 3
        assert err.startswith("policyengine: 没有名为 'no-such-pack' 的政策包；已安装的政策包：")
        assert "wuma-star-rating" in err

    def test_a_bad_json_line_in_chinese(self, tmp_path: Path) -> None:
        lines = write(tmp_path / "c.jsonl", '{"community": {"id": "a"}}\n{bad\n')
        code, _, err = run(["evaluate", str(lines), "--pack", "wuma-star-rating"])
        assert code == 2 and f"{lines}, line 2: 不是有效的 JSON（" in err


class TestOutputErrors:
    def test_output_folder_is_a_message(self, tmp_path: Path) -> None:
        """``--output`` naming a folder: a message with exit 2, not a traceback."""
        doc = write(tmp_path / "c.json", '{"community": {"id": "x"}}')
        code, _, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating",
                            "--output", str(tmp_path)])
        assert code == 2 and err.startswith("policyengine: ") and "Traceback" not in err


class TestCommandLineDatesAndOutputs:
    """An audit of the command line under hostile arguments."""

    @pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl", "json"])
    def test_a_date_after_the_last_is_refused_in_every_format(self, tmp_path: Path, fmt: str) -> None:
        """The columnar path (csv, parquet) refuses 9999-12-31 as the row path does."""
        doc = write(tmp_path / "c.toml", '[community]\nid = "x"\n')
        out = tmp_path / f"out.{fmt}"
        code, _, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating", "--as-of",
                            "9999-12-31", "--format", fmt, "--output", str(out)])
        assert code == 2 and not out.exists()
        assert "9999-12-31 晚于 9998-12-31" in err

    @pytest.mark.parametrize("given", ["20141231", "2014-W52-3", "2014-1-5"])
    def test_an_as_of_not_written_yyyy_mm_dd_is_refused(
        self, tmp_path: Path, given: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Python's date parser also takes 20141231 and 2014-W52-3: the command line does
        not (it says YYYY-MM-DD)."""
        doc = write(tmp_path / "c.toml", '[community]\nid = "x"\n')
        code, out, err = run(["evaluate", str(doc), "--pack", "wuma-star-rating", "--as-of", given,
                              "--lang", "en"])
        assert (code, out) == (2, "") and "is not a date (YYYY-MM-DD)" in err + capsys.readouterr().err

    def test_an_output_among_the_documents_of_an_input_folder_is_refused(self, tmp_path: Path) -> None:
        """``evaluate FOLDER --output FOLDER/a.toml`` overwrote the document a.toml."""
        folder = tmp_path / "docs"
        folder.mkdir()
        doc = write(folder / "a.toml", '[community]\nid = "x"\n')
        before = doc.read_bytes()
        for target in (doc, folder / "new.json"):
            code, _, err = run(["evaluate", str(folder), "--pack", "wuma-star-rating",
                                "--as-of", "2014-12-31", "--format", "json", "--output", str(target)])
            assert code == 2 and "也是输入文件" in err
        assert doc.read_bytes() == before and not (folder / "new.json").exists()
        # elsewhere is fine (in the folder, a file it does not read is refused all the same:
        # test_table_output_audit.py)
        code, _, _ = run(["evaluate", str(folder), "--pack", "wuma-star-rating", "--as-of",
                          "2014-12-31", "--format", "csv", "--output", str(tmp_path / "r.csv")])
        assert code == 1 and (tmp_path / "r.csv").exists()  # incomplete: written, exit 1



@pytest.mark.parametrize("command", ["gap", "report"])
def test_gap_and_report_refuse_to_write_over_their_input(tmp_path: Path, command: str) -> None:
    """``gap c.toml --output c.toml`` replaced the facts with the gap text (and ``report``
    with the report): refused before anything is read or written, as ``evaluate`` does."""
    doc = write(tmp_path / "c.toml", (Path(__file__).parent.parent / "examples" / "wuma-community.toml").read_text("utf-8"))
    before = doc.read_bytes()
    code, _, err = run([command, str(doc), "--pack", "wuma-star-rating", "--as-of", "2014-12-31",
                        "--output", str(doc)])
    assert code == 2 and "也是输入文件" in err
    assert doc.read_bytes() == before


def test_the_errors_file_says_problems_as_standard_error_does(tmp_path: Path) -> None:
    """``--errors FILE`` lists each bad row's problem in the run's language (Chinese by
    default), as standard error does; the path stays a machine field."""
    table = write(tmp_path / "t.csv", "community.id,community.households\nx1,abc\nx2,10\n")
    errors = tmp_path / "errors.jsonl"
    code, _, err = run(["evaluate", str(table), "--pack", "wuma-star-rating", "--as-of",
                        "2014-12-31", "--format", "jsonl", "--on-bad-record", "skip",
                        "--errors", str(errors), "--output", str(tmp_path / "out.jsonl")])
    assert code == 2
    (line,) = [json.loads(x) for x in errors.read_text("utf-8").splitlines()]
    assert line["path"] == "community.households"
    assert line["message"] in err and "不是" in line["message"]
