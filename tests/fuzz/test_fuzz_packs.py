"""Fuzzing pack files: any pack.toml loads or is refused with PackError; a pack that loads
evaluates or is refused with a documented error, the same way every time."""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import toml
from fuzz_strategies import (
    DOCUMENTED,
    check_verdict,
    community_docs,
    condition_strings,
    junk,
    scaled,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyengine

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "packs" / "conditions"
BASE = tomllib.loads((FIXTURE / "pack.toml").read_text(encoding="utf-8"))
RULE_KEYS = ["require", "when", "id", "clause", "quote", "binding", "kind", "subject"]


@st.composite
def pack_files(draw: st.DrawFn) -> str | bytes:
    """pack.toml text: the fixture pack with conditions and fields replaced, or junk."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.one_of(st.binary(max_size=80), st.text(max_size=80)))
    data: dict[str, Any] = copy.deepcopy(BASE)
    for rule in data["rules"]:
        if draw(st.booleans()):
            rule["require"] = draw(condition_strings)
    if choice <= 3:
        rule = draw(st.sampled_from(data["rules"]))
        rule[draw(st.sampled_from(RULE_KEYS))] = draw(junk)
    if choice == 4:
        data["pack"][draw(st.sampled_from(["id", "version", "hooks", "effective_from"]))] = draw(
            junk
        )
    if choice == 5:
        data["parameters"] = {
            "x": {"title": "t", "clause": "一", "quote": "q", "value": draw(junk)}
        }
    try:
        return toml.dumps(data)
    except Exception:  # junk the TOML writer cannot write: write the rest
        return toml.dumps(BASE)


@settings(
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    max_examples=scaled(60),
)
@given(text=pack_files(), doc=community_docs("c-1"))
def test_any_pack_file_loads_or_is_refused(text: str | bytes, doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
        (folder / "pack.toml").write_bytes(data)
        try:
            pack = policyengine.load_pack(folder)
        except DOCUMENTED:
            return
        try:
            facts = policyengine.load_facts(doc)
        except DOCUMENTED:
            return
        try:
            first = policyengine.evaluate(facts, pack)
        except (policyengine.PackError, policyengine.InputError):
            return  # a condition that does not compile, named with its rule
        again = policyengine.evaluate(facts, pack)
        assert first.to_dict() == again.to_dict()
        check_verdict(first, pack.info.applicability is not None)
