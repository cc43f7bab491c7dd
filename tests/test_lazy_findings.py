"""Findings built on first read equal findings built at once (the row path, issue 10).

The engine decides every outcome, the verdict and the outputs without building the
findings; a result's findings are built when first read (``results.PendingFindings``).
Differential: for every case of the bundled packs and for random documents, a result whose
findings were never read has the verdict and outputs of the same evaluation with its
findings built at once, and its JSON is the same byte for byte, pickled or not.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyengine import api
from policyengine.authoring.cases.format import case_files
from policyengine.authoring.cases.loading import load_case_file
from policyengine.documents import structure_community
from policyengine.engine import decide, prepare
from policyengine.exceptions import FactsError
from policyengine.facts import Community
from policyengine.gaps import with_gaps
from policyengine.pack import Pack, load_pack
from policyengine.results import PendingFindings, Result

pytest.importorskip("numpy")  # the random documents come from the columnar tests
from test_columnar import _dates, documents

HOOK_PACK = Path(__file__).resolve().parent / "fixtures" / "packs" / "hook-rule"


def _packs() -> list[Pack]:
    return list(api.installed_packs().values())


def _eager(
    subject: Community,
    pack: Pack,
    as_of: dt.date,
    parameters: dict[str, Any] | None = None,
    lang: str = "zh",
) -> Result:
    """The evaluation ``api.evaluate`` makes, with the findings built at once."""
    prepared = prepare(subject, pack, as_of, parameters)
    found = decide(prepared, prepared.plan.matching(prepared.values), build_findings=True)
    assert isinstance(found._findings, tuple)
    return with_gaps(found, pack, subject, parameters, lang)


def _unread(result: Result) -> bool:
    return isinstance(result._findings, PendingFindings)


def _json(result: Result, lang: str | None = None) -> str:
    return json.dumps(result.to_dict(lang), ensure_ascii=False, sort_keys=True)


def _check(subject: Community, pack: Pack, as_of: dt.date, parameters: Any = None) -> None:
    for lang, other in (("zh", "en"), ("en", "zh")):
        lazy = api.evaluate(subject, pack, as_of=as_of, parameters=parameters, lang=lang)
        eager = _eager(subject, pack, as_of, parameters, lang)
        # the verdict and the outputs are taken without building the findings, and are
        # those of the findings built at once (``verdict_of`` over them)
        assert _unread(lazy)
        assert (eager.verdict, dict(eager.outputs)) == (lazy.verdict, dict(lazy.outputs))
        assert _unread(lazy)
        pickled = pickle.loads(pickle.dumps(lazy))  # a process boundary builds them
        assert _json(eager) == _json(lazy)
        assert _json(eager, other) == _json(lazy, other)
        assert _json(eager) == _json(pickled)
        assert eager == lazy
        assert eager == pickled


def _case_subjects() -> list[tuple[str, Pack, Any]]:
    found = []
    for pack in _packs():
        for path in case_files(pack):
            for case in load_case_file(path, pack):
                if isinstance(case.subject, Community):
                    found.append((f"{pack.id}:{case.name}", pack, case))
    return found


CASES = _case_subjects()


def test_every_bundled_pack_has_community_cases() -> None:
    """The differential below runs over cases of every bundled pack."""
    assert {p.id for p in _packs()} == {pack.id for _, pack, _ in CASES}
    assert len(CASES) > 300


@pytest.mark.parametrize(("name", "pack", "case"), CASES, ids=[c[0] for c in CASES])
def test_case_findings_read_late_equal_findings_built_at_once(name, pack, case) -> None:
    """Every community case: same verdict and outputs unread, same JSON once read."""
    _check(case.subject, pack, case.as_of, case.parameters or None)


@pytest.mark.parametrize("pack", _packs(), ids=lambda p: p.id)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_documents_read_late_equal_findings_built_at_once(pack, data) -> None:
    """Random documents (facts missing, values on the boundaries) on random dates."""
    doc = data.draw(documents(pack))
    as_of = data.draw(st.sampled_from(_dates(pack)))
    try:
        subject = structure_community(doc)
    except FactsError:
        return
    _check(subject, pack, as_of)


def test_copies_share_the_findings_and_compare_built() -> None:
    """A copy (``attrs.evolve``) does not build the findings; reading them in one copy
    builds them once for both; equality, repr and pickling compare the built findings."""
    pack = api.installed_packs()["wuma-star-rating"]
    doc = {
        "community": {"id": "wm-001", "jurisdiction": ["浙江省", "温州市", "鹿城区", "五马街道"]},
        "happiness": {"objective_score": 560.0, "survey_score": 232.0, "vetoes": []},
    }
    subject = structure_community(doc)
    as_of = dt.date(2014, 12, 31)
    lazy = api.evaluate(subject, pack, as_of=as_of)
    eager = _eager(subject, pack, as_of)
    copy = attrs.evolve(lazy, lang="en")
    assert _unread(copy) and _unread(lazy)
    assert "pass" == lazy.verdict == eager.verdict
    assert repr(eager) == repr(lazy)  # repr reads them
    assert lazy.findings is copy.findings
    assert eager.findings == lazy.findings
    assert "rating.stars" == lazy.finding("rating.stars").rule
    unread = api.evaluate(subject, pack, as_of=as_of)
    assert eager == pickle.loads(pickle.dumps(unread))
    assert eager.findings == pickle.loads(pickle.dumps(unread)).findings


def test_a_pack_with_hooks_builds_its_findings_at_once() -> None:
    """Hooks see facts and findings: a hook pack's findings are built with the result."""
    pack = load_pack(HOOK_PACK)
    result = api.evaluate({"community": {"id": "c", "households": 10}}, pack)
    assert not _unread(result)
    assert "pass" == result.finding("reward.amount").outcome


@pytest.mark.parametrize("pack", _packs(), ids=lambda p: p.id)
def test_a_facts_dict_and_the_same_facts_typed_give_the_same_result(pack) -> None:
    """``evaluate(dict)`` reads the dict for the call only; its result is the one the
    same facts give typed (``load_facts``), findings and all."""
    doc = {
        "community": {"id": "c-1", "name": "墨池社区", "jurisdiction": ["浙江省", "温州市"]},
        "happiness": {"objective_score": 560.0, "survey_score": 232.0, "vetoes": []},
    }
    as_of = dt.date(2014, 12, 31)
    from_dict = api.evaluate(doc, pack, as_of=as_of)
    typed = api.evaluate(api.load_facts(doc), pack, as_of=as_of)
    assert _json(typed) == _json(from_dict)
    assert _json(typed, "en") == _json(from_dict, "en")
