"""A jurisdiction's gaps on a share or a count its communities leave unknown.

A share of communities is worked out by the pack; nobody can provide it (results.md
"Gaps": a gap never invents a path). Where it is unknown, the jurisdiction's gap asks for
the community facts that are missing, naming the communities that lack each: the facts of
the community rule the aggregate counts (as that community's own gaps ask for them), of
its condition, or the community's place where that does not tell whether it lies in the
territory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from policyengine import expressions as ex
from policyengine.facts import Community, Jurisdiction, flatten
from policyengine.gap_words import describe_gap
from policyengine.i18n import text
from policyengine.jurisdictions import unknown_in
from policyengine.pack import Pack
from policyengine.results import Finding, Result, RuleGap

__all__ = ["community_needs", "lacking"]

NAMED = 5
"""How many communities a gap names before it says how many more lack the fact."""

PLACE = "community.jurisdiction"
"""The fact that places a community (and makes it count in a territory's shares)."""

Sources = Callable[[Pack, str, Community], list[str]]


def _unknown_aggregate(value: Any) -> bool:
    """Whether an input is an aggregate some communities leave unknown (its details)."""
    return isinstance(value, Mapping) and bool(value.get("unknown"))


def lacking(
    pack: Pack,
    f: Finding,
    jurisdiction: Jurisdiction,
    result: Result,
    params: Mapping[str, Any],
    gaps: Sequence[RuleGap],
    sources: Sources,
    lang: str,
    titles: Mapping[str, str],
) -> list[RuleGap]:
    """A jurisdiction's gaps on an unknown finding, those on a share or count its
    communities leave unknown said as the community facts to provide (and who lacks them);
    the others as they are. Where the communities tell nothing more, the gap stays."""
    unknown = [p for p, v in f.inputs.items() if _unknown_aggregate(v)]
    needs = community_needs(pack, unknown, jurisdiction, result, params, sources)
    if not needs:
        return list(gaps)
    kept = [g for g in gaps if g.fact not in unknown]
    for fact, communities in needs.items():
        message = describe_gap(
            fact, None, "provide", "provide", f.responsible, f.clause, lang, titles
        )
        named = [c.name or c.id for c in communities[:NAMED]]
        names = text("sep.list", lang).join(named)
        if len(communities) > len(named):
            message += text("gap.lacking_many", lang, n=len(communities), names=names)
        else:
            message += text("gap.lacking", lang, names=names)
        kept.append(RuleGap.on(f, fact, None, "provide", "provide", message))
    return kept


def community_needs(
    pack: Pack,
    paths: Iterable[str],
    jurisdiction: Jurisdiction,
    result: Result,
    params: Mapping[str, Any],
    sources: Sources,
) -> dict[str, list[Community]]:
    """For each community fact the unknown aggregates ``paths`` need, the communities that
    lack it, in the jurisdiction's order (empty where the communities tell nothing more:
    a community decided unknown by a pack hook)."""
    needs: dict[str, dict[str, Community]] = {}
    wanted = set(paths)
    for agg in (a for a in pack.aggregates if a.path in wanted):
        for community, r, unknown, unplaced in unknown_in(pack, agg, jurisdiction, result, params):
            facts = [PLACE] if unplaced else []
            if unknown:
                facts += _missing(pack, agg.rule, agg.condition, community, r, sources)
            for fact in facts:
                needs.setdefault(fact, {}).setdefault(community.id, community)
    return {fact: list(by_id.values()) for fact, by_id in needs.items()}


def _missing(
    pack: Pack,
    rule: str | None,
    condition: str | None,
    community: Community,
    r: Result,
    sources: Sources,
) -> list[str]:
    """The facts a community lacks for its answer to one aggregate: those of the rule it
    counts (as the community's own gaps ask for them, or its inputs missing), of its
    condition, or else all the community's own gaps ask to provide (a rule summing up
    others, an output)."""
    found: list[str] = []
    if rule is not None:
        found = [g.fact for g in _asked(r) if g.rule == rule]
        if not found:
            inputs = r.finding(rule).inputs
            found = [s for p, v in inputs.items() if v is None for s in sources(pack, p, community)]
    elif condition is not None:
        fields = ex.fields_of(ex.parse(condition))
        given = flatten(community, fields)
        found = [s for p in fields if given.get(p) is None for s in sources(pack, p, community)]
    if not found:
        found = [g.fact for g in _asked(r)]
    return list(dict.fromkeys(found))


def _asked(r: Result) -> list[RuleGap]:
    """A community's own gaps asking for a missing fact."""
    return [g for g in r.gaps if isinstance(g, RuleGap) and g.needed == "provide"]
