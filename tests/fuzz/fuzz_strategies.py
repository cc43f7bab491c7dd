"""Generators for the fuzzing suite: facts documents (valid-shaped and junk), condition
strings and pack files, and the checks every result must pass whatever the input."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

import policyengine
from policyengine.facts import FactType, fact_catalogue
from policyengine.results import BLOCKING, Result


def scaled(n: int) -> int:
    """``n`` examples under the default profile, more under ``--hypothesis-profile=ci``.

    For tests that compile a ruleset per example (durable-rules never frees one).
    """
    return max(1, n * min(settings.default.max_examples, 300) // 100)


DOCUMENTED = (policyengine.PolicyEngineError,)
"""The only exceptions the API may raise (each exported from policyengine)."""

CATALOGUE = dict(fact_catalogue("community"))
JURISDICTION_CATALOGUE = dict(fact_catalogue("jurisdiction"))
AS_OF = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))

# --------------------------------------------------------------------------- values

junk_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2),
    st.sampled_from(["", "1000", "true", "null", "2024-13-45", "x" * 70_000, "社区"]),
)
junk = st.recursive(
    junk_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def value_of(ftype: FactType, valid: bool = False) -> st.SearchStrategy[Any]:
    """A value of the fact's type (inside its range, mostly), or now and then junk."""
    if ftype.kind == "bool":
        good: st.SearchStrategy[Any] = st.booleans()
    elif ftype.kind in ("int", "number"):
        lo = ftype.range.min if ftype.range and ftype.range.min is not None else -1e6
        if ftype.range and ftype.range.exclusive_min:
            lo += 1
        hi = ftype.range.max if ftype.range and ftype.range.max is not None else 1e6
        ints = st.integers(math.ceil(lo), math.floor(hi))
        good = (
            ints
            if ftype.kind == "int"
            else st.one_of(ints, st.integers(int(lo * 100), int(hi * 100)).map(lambda n: n / 100))
        )
    elif ftype.kind == "text":
        good = st.sampled_from(ftype.choices) if ftype.choices else st.text(min_size=1, max_size=12)
    elif ftype.kind == "list":
        good = st.lists(st.sampled_from(ftype.choices or ("x",)), max_size=4, unique=True)
    elif ftype.kind == "date_list":
        good = st.lists(AS_OF.map(dt.date.isoformat), max_size=3)
    else:
        good = AS_OF.map(dt.date.isoformat)
    if valid:
        return good
    return st.one_of(good, good, good, st.none(), junk_scalars)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *heads, last = path.split(".")
        table = out
        for head in heads:
            table = table.setdefault(head, {})
        table[last] = value
    return out


_AT_MOST = [
    ("organization.leadership_college_educated", "organization.leadership_members"),
    ("staff.trained_this_year", "staff.count"),
    ("services.retirees_socialized", "services.retirees"),
]


def _consistent(flat: dict[str, Any]) -> None:
    """Make a complete document meet the checks between fields (a part is at most its whole)."""
    for part, whole in _AT_MOST:
        if isinstance(flat.get(part), int) and isinstance(flat.get(whole), int):
            flat[part] = min(flat[part], flat[whole])
    for path in [p for p in flat if p.startswith("happiness.objective_by_type.")]:
        del flat[path]  # the objective score is given directly


@st.composite
def community_docs(draw: st.DrawFn, cid: str | None = None) -> dict[str, Any]:
    """A community document of the vocabulary's shape, its values mostly valid."""
    complete = draw(st.integers(0, 2)) == 0  # every fact known and valid: rules decide
    if complete:
        paths = sorted(CATALOGUE)
    else:
        paths = draw(st.lists(st.sampled_from(sorted(CATALOGUE)), max_size=25, unique=True))
    flat = {p: draw(value_of(CATALOGUE[p], complete)) for p in paths if p != "community.id"}
    if complete:
        _consistent(flat)
    ids = st.text(min_size=1, max_size=8)
    flat["community.id"] = cid or draw(ids if complete else st.one_of(ids, ids, junk_scalars))
    doc = _nest(flat)
    if not complete and draw(st.integers(0, 9)) == 0:  # an unknown key, now and then
        doc[draw(st.sampled_from(["community", "extra", "happiness"]))] = draw(junk)
    return doc


@st.composite
def jurisdiction_docs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(0, 4))
    ids = draw(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=n, max_size=n))
    doc: dict[str, Any] = {
        "jurisdiction": {
            "id": "j",
            "level": draw(st.sampled_from(["street", "district", "city", "nowhere"])),
        },
        "communities": [draw(community_docs(cid)) for cid in ids],
    }
    if draw(st.booleans()):
        doc["jurisdictions"] = [
            {"jurisdiction": {"id": "k"}, "communities": [draw(community_docs("z"))]}
        ]
    return doc


facts_documents = st.one_of(community_docs(), community_docs(), jurisdiction_docs(), junk)

# ------------------------------------------------------------------------ conditions

NUMERIC = sorted(p for p, t in CATALOGUE.items() if t.is_numeric)
BOOLS = sorted(p for p, t in CATALOGUE.items() if t.kind == "bool")[:8]
TOKENS = [
    *NUMERIC[:8],
    *BOOLS,
    "community.kind",
    "services.covered",
    "params.x",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "contains_any",
    "(",
    ")",
    "[",
    "]",
    ",",
    "<",
    "<=",
    "==",
    "!=",
    ">=",
    ">",
    "≥",
    "+",
    "-",
    "*",
    "/",
    "0",
    "1",
    "2.5",
    "1e-05",
    "1e400",
    "9007199254740993",
    "0.1",
    "700",
    '"urban"',
    "'rural'",
    "true",
    "false",
    "“社区”",
    "count",
    "@",
    "$",
]
condition_strings = st.one_of(
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map(" ".join),
    st.text(max_size=40),
)
"""Token soup and raw text: mostly malformed, now and then a valid condition."""

# -------------------------------------------------------------------------- checks


def check_verdict(result: Result, scoped: bool) -> None:
    """The verdict follows from the findings by results.md's rules.

    ``scoped``: the pack has an applicability condition, whose being unknown makes the
    verdict ``incomplete`` whatever the findings say.
    """
    binding = [f for f in result.findings if f.binding]
    outcomes = {f.outcome for f in binding}
    nested = (*result.communities, *result.jurisdictions)
    if result.subject_level == "jurisdiction" and not binding:
        # no duties of its own: the verdict sums up its communities' and children's
        verdicts = {r.verdict for r in nested}
        expected = (
            "not_applicable"
            if verdicts <= {"not_applicable"}
            else "fail"
            if "fail" in verdicts
            else "incomplete"
            if "incomplete" in verdicts
            else "pass"
        )
        assert result.verdict == expected, (result.verdict, verdicts)
    elif any(f.rule == "scope" and f.outcome == "unknown" for f in result.findings):
        # policies.md §6: where the pack applies is unknown → incomplete, never fail
        assert result.verdict == "incomplete", result.verdict
    elif result.verdict == "not_applicable":
        assert outcomes <= {"not_applicable"}, (result.verdict, outcomes)
    elif result.verdict == "fail":
        assert outcomes & BLOCKING, outcomes
    elif result.verdict == "pass":
        assert not outcomes & (BLOCKING | {"unknown"}), outcomes
        assert not binding or outcomes != {"not_applicable"}, outcomes
    else:
        assert result.verdict == "incomplete", result.verdict
        # results.md: whether the pack applies is unknown (its scope or pilot finding says
        # which fact is missing) → incomplete, whatever the other findings are
        unknown_scope = (scoped and result.subject_level == "community") or any(
            f.rule in ("scope", "pilot") and f.outcome == "unknown" for f in result.findings
        )
        assert unknown_scope or ("unknown" in outcomes and not outcomes & BLOCKING), outcomes
    for each in nested:
        check_verdict(each, scoped)


def check_against_reference(result: Result, pack: policyengine.Pack) -> None:
    """Each condition rule's outcome is what the Python reference evaluator says of its
    ``require`` over the inputs and parameters the finding shows (a differential check of
    the durable-rules backend over whole packs)."""
    from policyengine import expressions as ex

    for finding in result.findings:
        if finding.outcome not in ("pass", "fail", "advisory"):
            continue
        try:
            rule = pack.rule(finding.rule)
        except KeyError:
            continue  # a scale or a deadline
        if rule.kind != "condition" or rule.require is None:
            continue
        expected = ex.evaluate(ex.parse(rule.require), finding.inputs, finding.parameters)
        assert expected is (finding.outcome == "pass"), (rule.id, rule.require, finding.inputs)
