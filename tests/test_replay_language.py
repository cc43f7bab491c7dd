"""``policyengine replay`` speaks the language of ``--lang``: Chinese by default, English on
request. It said every line in English: an official reading a replay of the decisions
made about his communities read "verdict: pass → fail", "because pack digest changed".
Codes (decision ids, pack ids, digests, versions, rule ids, output names and values) stay
as written; ``--format json`` keeps its English machine fields and adds ``message``."""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import policyengine
from policyengine.cli import main

ROOT = Path(__file__).resolve().parent.parent
WUMA = ROOT / "examples" / "wuma-community.toml"
ENGINE = policyengine.__version__


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def entry(tmp_path: Path) -> dict:
    """The example community's decision by the Wuma pack, its facts logged."""
    log = tmp_path / "made.jsonl"
    code, _, _ = run("evaluate", str(WUMA), "--pack", "wuma-star-rating", "--as-of",
                     "2014-12-31", "--format", "json", "--decision-log", str(log), "--log-facts")
    assert 0 == code
    [line] = log.read_text(encoding="utf-8").splitlines()
    return json.loads(line)


@pytest.fixture
def log(tmp_path: Path, entry: dict) -> Path:
    """Line 1 replays the same; line 2 is half a line; line 3 was decided by another
    pack content and engine, with another verdict and a rule failing then."""
    assert "pass" == entry["verdict"]
    old = entry | {
        "pack": entry["pack"] | {"digest": "sha256:000", "version": "2012.1"},
        "engine": {"version": "0.0.1"},
        "verdict": "fail",
        "failing_rules": ["veto-gone"],
    }
    path = tmp_path / "log.jsonl"
    path.write_text(
        json.dumps(entry, ensure_ascii=False) + '\n{"decision_id": "cut\n'
        + json.dumps(old, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


def differing(log: Path, entry: dict) -> tuple[str, str]:
    digest, version = entry["pack"]["digest"], entry["pack"]["version"]
    return (
        f"{log}:3 决定 {entry['decision_id']}（wuma-star-rating，wm-001）：重新评估的结果与记录不同\n"
        "    结论：未通过 → 通过\n"
        "    规则 veto-gone 不再判为不符合\n"
        f"    原因：政策包内容摘要已变：sha256:000 → {digest}（版本 2012.1 → {version}）\n"
        f"    原因：引擎版本已变：0.0.1 → {ENGINE}\n",
        f"{log}:3 decision {entry['decision_id']} (wuma-star-rating, wm-001): differs\n"
        "    verdict: fail → pass\n"
        "    rule veto-gone no longer fails\n"
        f"    because pack digest changed: sha256:000 → {digest} (version 2012.1 → {version})\n"
        f"    because engine version changed: 0.0.1 → {ENGINE}\n",
    )


def test_chinese_by_default(log, entry):
    """A decision that differs: what differs (the verdict in the catalogue's words) and why,
    in Chinese; the summary in Chinese; the line that is not a decision, on standard error
    with its number, in Chinese. Exit code and streams as in English."""
    code, out, err = run("replay", str(log))
    zh, _ = differing(log, entry)
    assert 2 == code  # a line is not a decision
    assert zh + "共 2 个决定：1 个相同，1 个不同，0 个未能重新评估；另有 1 行不是决定\n" == out
    assert err.startswith(f"policyengine: {log}:2: 不是一行 JSON：")


def test_english_on_request(log, entry):
    code, out, err = run("replay", str(log), "--lang", "en")
    _, en = differing(log, entry)
    assert 2 == code
    assert en + "2 decisions: 1 the same, 1 differ, 0 not replayed; 1 line not a decision\n" == out
    assert err.startswith(f"policyengine: {log}:2: not a JSON line: ")


def test_the_same_decisions_said_in_chinese(tmp_path, entry):
    log = tmp_path / "same.jsonl"
    log.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    assert (0, "共 1 个决定：1 个相同，0 个不同，0 个未能重新评估\n", "") == run("replay", str(log))


@pytest.mark.parametrize(("lang", "said"), [
    ([], ["重新评估的结果与记录相同", "不是一行 JSON：", "结论：未通过 → 通过"]),
    (["--lang", "en"], ["the same", "not a JSON line: ", "verdict: fail → pass"]),
])
def test_json_has_a_message_in_the_language_asked(log, entry, lang, said):
    """Each entry's ``message`` is what the text output says of it, in the language asked;
    the machine fields stay English and unchanged."""
    code, out, err = run("replay", str(log), "--format", "json", *lang)
    same, bad, changed = json.loads(out)
    assert (2, "") == (code, err)
    assert said[0] in same["message"] and same["message"].startswith(f"{log}:1 ")
    assert f"{log}:2: {said[1]}" in bad["message"]
    assert f"\n    {said[2]}\n" in changed["message"]
    assert differing(log, entry)[1 if lang else 0] == changed["message"] + "\n"
    assert "verdict: fail → pass" == changed["changes"][0]
    assert changed["reasons"][0].startswith("pack digest changed: sha256:000 → ")
    assert bad["error"].startswith("not a JSON line: ")


@pytest.mark.parametrize(("change", "zh", "en"), [
    ({"pack": {"id": "gone", "version": "1", "digest": "sha256:0"}},
     "未能重新评估：没有安装政策包 'gone'", "not replayed: the pack 'gone' is not installed"),
    ({"facts": None},
     "未能重新评估：日志没有记录事实数据，--facts 中也没有该编号的文档",
     "not replayed: the facts were not logged and --facts has no document with this id"),
    ({"facts_sha256": "sha256:0"},
     "未能重新评估：日志记录的事实数据与该行的 facts_sha256 不符：该行在写入后被改动过",
     "not replayed: the logged facts do not have the line's facts_sha256"),
])
def test_a_decision_not_replayed_is_said_in_chinese(tmp_path, entry, change, zh, en):
    changed = {k: v for k, v in (entry | change).items() if v is not None}
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    code, out, _ = run("replay", str(log))
    assert (2, True, True) == (code, zh in out, out.endswith("0 个不同，1 个未能重新评估\n"))
    assert en in run("replay", str(log), "--lang", "en")[1]


@pytest.mark.parametrize(("field", "value", "zh"), [
    ("pack", "p", 'pack 应为对象（JSON object），而不是文本（"p"）'),
    ("as_of", 20141231, 'as_of 应为日期（"YYYY-MM-DD"），而不是数字（20141231）'),
    ("failing_rules", [None], "failing_rules 应为规则编号（文本），而不是空值（null）"),
    ("decision_id", None, "decision_id 应为文本，而不是空值（null）"),
])
def test_a_field_of_the_wrong_type_is_said_in_chinese(tmp_path, entry, field, value, zh):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(entry | {field: value}, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    code, out, err = run("replay", str(log))
    assert (2, f"policyengine: {log}:1: {zh}\n") == (code, err)
    assert "共 0 个决定：0 个相同，0 个不同，0 个未能重新评估；另有 1 行不是决定\n" == out


def test_a_key_given_twice_and_bytes_not_utf8_are_said_in_chinese(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_bytes(b'{"verdict": "pass", "verdict": "fail"}\n\xff\n')
    code, _, err = run("replay", str(log))
    assert 2 == code
    assert [f'policyengine: {log}:1: 不是一行 JSON：键 "verdict" 出现了两次',
            f"policyengine: {log}:2: 不是 UTF-8 文本：invalid start byte"] == err.splitlines()


def test_a_log_or_facts_that_cannot_be_read_is_said_in_chinese(tmp_path, entry):
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(entry, ensure_ascii=False) + "\n", encoding="utf-8")
    missing = tmp_path / "nowhere"
    assert (2, f"policyengine: --facts {missing}：不是文件夹，也不是表格\n") == run(
        "replay", str(log), "--facts", str(missing))[::2]
    assert (2, f"policyengine: {missing}：无法读取文件：文件不存在\n") == run(
        "replay", str(missing))[::2]
    assert (2, f"policyengine: --facts {missing}: not a folder or a table\n") == run(
        "replay", str(log), "--facts", str(missing), "--lang", "en")[::2]
