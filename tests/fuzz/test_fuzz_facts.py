"""Fuzzing facts documents: any document, valid-shaped or junk, gives a result or a
documented error; results are deterministic and their verdicts follow from the findings."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fuzz_strategies import (
    AS_OF,
    DOCUMENTED,
    check_against_reference,
    check_verdict,
    facts_documents,
    junk,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policyengine
from policyengine import engine
from policyengine.cli import main

PACKS = policyengine.installed_packs()
SCOPED = {pid: p.info.applicability is not None for pid, p in PACKS.items()}
SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(doc=facts_documents, as_of=AS_OF, pack=st.sampled_from(sorted(PACKS)))
def test_any_document_gives_a_result_or_a_documented_error(
    doc: Any, as_of: dt.date, pack: str
) -> None:
    try:
        subject = policyengine.load_facts(doc)
    except DOCUMENTED:
        return
    first = policyengine.evaluate(subject, pack, as_of=as_of)  # valid facts: no error at all
    again = policyengine.evaluate(doc, pack, as_of=as_of)  # from the dict, a second time
    assert first.to_dict() == again.to_dict()
    assert first.pack_digest == PACKS[pack].digest
    check_verdict(first, SCOPED[pack])
    if isinstance(subject, policyengine.Community):
        check_against_reference(first, PACKS[pack])
        # the durable-rules backend against the plain Python reference backend, whole packs
        durable = engine.evaluate_community(subject, PACKS[pack], as_of, backend="durable")
        reference = engine.evaluate_community(subject, PACKS[pack], as_of, backend="python")
        assert reference.to_dict() == durable.to_dict()


@SETTINGS
@given(data=st.one_of(facts_documents.map(json.dumps), junk.map(repr), st.binary(max_size=60)))
def test_cli_never_shows_a_traceback(data: str | bytes) -> None:
    """Whatever arrives on standard input, the CLI exits 0, 1 or 2 with no traceback."""
    import io

    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["evaluate", "-", "--pack", "wuma-star-rating", "--as-of", "2014-12-31"],
        stdin=stdin,
        stdout=out,
        stderr=err,
    )
    assert code in (0, 1, 2), err.getvalue()
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
