"""Shared fixtures: the Wuma pack, a facts-document builder, fixture folders, helpers."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest

import policyengine
from policyengine import expressions as ex

ROOT = Path(__file__).resolve().parent.parent
WUMA_DIR = ROOT / "policy_packs" / "wuma-star-rating"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FIXTURE_PACKS = FIXTURES / "packs"
FIXTURE_FACTS = FIXTURES / "facts"
EXAMPLES = ROOT / "examples"

AS_OF = dt.date(2014, 12, 31)
"""An evaluation date inside the Wuma document's life (issued 2013-04-10)."""

# No example database on disk (the suite must not write into the work tree) and no
# deadline: the engine's first compile of a ruleset is slower than later calls.
hypothesis.settings.register_profile(
    "policyengine", database=None, deadline=None, print_blob=True
)
# `nox -s fuzz` runs tests/fuzz with ten times the examples (about two minutes).
hypothesis.settings.register_profile("ci", parent=hypothesis.settings.get_profile("policyengine"),
                                     max_examples=1000)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "policyengine"))

_keys = itertools.count()


def unique_key(label: str = "t") -> str:
    """A key never used before in this process, for ``_durable.compile_conditions``."""
    return f"{label}-{next(_keys)}-{uuid.uuid4().hex[:8]}"


def compile_texts(*texts: str, label: str = "t") -> Any:
    """Compile condition texts as ``c0``, ``c1``, … into a fresh durable-rules set."""
    from policyengine import _durable

    conditions = [(f"c{i}", ex.normalise(ex.parse(text))) for i, text in enumerate(texts)]
    return _durable.compile_conditions(unique_key(label), conditions)


def build_community(id: str = "c-001", **sections: dict[str, Any]) -> dict[str, Any]:
    """A community facts document: ``{"community": {"id": id, …}, section: {…}, …}``."""
    doc: dict[str, Any] = {"community": {"id": id}}
    for section, fields in sections.items():
        doc.setdefault(section, {}).update(fields)
    return doc


@pytest.fixture(scope="session")
def wuma() -> policyengine.Pack:
    """The Wuma pack, loaded from its folder in this repository."""
    return policyengine.load_pack(WUMA_DIR)


@pytest.fixture
def community() -> Callable[..., dict[str, Any]]:
    """The ``community(id=…, **sections)`` facts-document builder."""
    return build_community


@pytest.fixture(scope="session")
def compile_conditions() -> Callable[..., Any]:
    """``compile_conditions("a.x > 1", …)``: texts compiled as ``c0``, ``c1``, … (fresh key)."""
    return compile_texts


@pytest.fixture(scope="session")
def fresh_key() -> Callable[[str], str]:
    """``fresh_key(label)``: a key never used before, for ``_durable.compile_conditions``."""
    return unique_key


@pytest.fixture
def fixture_packs() -> Path:
    """The folder of small fixture packs."""
    return FIXTURE_PACKS


@pytest.fixture
def fixture_facts() -> Path:
    """The folder of small fixture facts documents."""
    return FIXTURE_FACTS
