"""Every quote of every bundled pack is the document's own words, character for character.

A pack says "every quote is verbatim from the seed (line breaks dropped)": each ``quote``
in its pack.toml (rules, scales, deadlines, parameters, phases, outputs, scope, pilot,
applicability…) must be found in the seed document with only its line breaks removed — no
other whitespace folded, no script or punctuation changed (a space typed as U+0020 where
the document has U+2002 is not the document's text).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKS = ROOT / "policy_packs"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"

PACK_TOMLS = sorted(PACKS.glob("*/policyengine_pack_*/pack.toml"))


def _quotes(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """``(where, quote)`` for every ``quote`` key anywhere in the TOML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}" if where else key
            if key == "quote" and isinstance(value, str):
                yield where or key, value
            else:
                yield from _quotes(value, here)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = item.get("id") if isinstance(item, dict) else None
            yield from _quotes(item, f"{where}[{label or i}]")


def _seed_text(pack_toml: Path, doc: dict[str, Any]) -> str:
    source = doc["pack"]["source"]
    seed = SHARED_SEEDS / source["seed"]
    path = seed if seed.is_file() else pack_toml.parent / source["text"]
    raw = path.read_text(encoding="utf-8")
    return raw.replace("\r", "").replace("\n", "")


def test_every_bundled_pack_is_checked() -> None:
    assert len(PACK_TOMLS) == 5


@pytest.mark.parametrize("pack_toml", PACK_TOMLS, ids=lambda p: p.parent.parent.name)
def test_quotes_are_verbatim_substrings_of_the_seed(pack_toml: Path) -> None:
    doc = tomllib.loads(pack_toml.read_text(encoding="utf-8"))
    seed = _seed_text(pack_toml, doc)
    quotes = list(_quotes(doc, ""))
    assert quotes, "a pack quotes its document"
    wrong = [(where, q) for where, q in quotes if q not in seed]
    assert not wrong, "\n".join(f"{where}: {q!r}" for where, q in wrong)


def test_wuzhou_national_notice_is_quoted_with_the_documents_en_space() -> None:
    (pack_toml,) = (p for p in PACK_TOMLS if "wuzhou" in str(p))
    doc = tomllib.loads(pack_toml.read_text(encoding="utf-8"))
    rule = next(r for r in doc["rules"] if r["id"] == "national.residents-scale")
    assert "办公厅\u2002民政部办公厅" in rule["quote"]
    assert doc["parameters"]["residents_min"]["quote"] == rule["quote"]
