"""The territory a pack's document governs, checked against where a subject lies.

A pack states its territory in ``[pack.scope]`` (``docs/reference/pack-format.md``): the
administrative units from the widest it names down to the most specific, each with its
level and the name (or alternative names) the document gives it. A community is placed by
``community.jurisdiction`` (province → city → district/county → street/town); a
jurisdiction by its own name and level, with the names of the jurisdictions it is nested in
(or, failing those, the places its communities give above its own name).

The answer is three-valued:

* ``True``: the subject lies in the territory (a jurisdiction also when it contains part of
  it, e.g. the district around the street the document governs);
* ``False``: the subject is stated to be elsewhere: the pack does not apply;
* ``None``: the place given is not precise enough (or not given): the pack may apply, so
  the verdict is ``incomplete``, never ``fail``, and a ``scope`` finding names what to supply.

Names match when they are equal, or when one is the other without its administrative
suffix (``内蒙古`` / ``内蒙古自治区``, ``宜兴`` / ``宜兴市``). A place may leave out the
territory's wider levels (``[宜兴市, 丁蜀镇]``, ``[江苏省, 宜兴市]``), but not the county
between a wider unit and a town or street of the territory (``[陕西省, 宝鸡市, 城关镇]``:
宝鸡市 has a 城关镇 in more than one county): that place is not known, as one that stops
short is. A town or street named alone is taken as the territory's (a street's or town's
communities are placed so). A name below the level a place leaves out (``[无锡市,
宜城街道]``: a street, by its suffix, where the territory's next level is the county-level
宜兴市) may lie in the
territory: not known either, where a unit of that level would be elsewhere.

A name may be written with the units it lies in (``赤峰市红山区``, ``内蒙古自治区 赤峰市 红山区``):
it is read as those units and its own last one (:func:`written`), and a jurisdiction's rules
read that last unit as ``jurisdiction.name``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import attrs

from policyengine.i18n import text
from policyengine.messages import FROM_INPUTS, Reason
from policyengine.results import Finding

__all__ = ["DEPTH", "Pilot", "Scope", "ScopeCheck", "ScopeLevel", "check_place", "scope_finding"]

ScopeLevelName = Literal["province", "city", "district", "county", "street", "town"]

DEPTH: dict[str, int] = {
    "province": 0,
    "city": 1,
    "district": 2,
    "county": 2,
    "street": 3,
    "town": 3,
}
"""Where each level stands in ``community.jurisdiction`` (0: the province)."""

_SUFFIXES = (
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "自治区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "街道",
    "镇",
    "乡",
)

SCOPE_RULE = "scope"
"""The rule id of the scope finding."""


@attrs.frozen
class ScopeLevel:
    """One administrative level of the territory: its level and the name(s) it may have."""

    level: ScopeLevelName
    names: tuple[str, ...]
    responsible: bool = False
    """The unit of this level the subject lies in is named responsible on every finding
    (all of ``names`` when it is not known which)."""


@attrs.frozen
class Scope:
    """``[pack.scope]``: the territory the document governs, with the words that say so."""

    territory: str
    levels: tuple[ScopeLevel, ...]
    clause: str
    quote: str
    parts: tuple[str, ...] = ()
    """Units the document itself names as parts of its territory (e.g. the districts it
    lists): a jurisdiction of that name lies in the territory without saying where."""


@attrs.frozen
class Pilot:
    """``[pack.pilot]``: the unit the rules bind; elsewhere they are a gap analysis."""

    unit: str
    when: str
    clause: str
    quote: str


@attrs.frozen
class ScopeCheck:
    """Whether a subject lies in the territory, why, and the units of a responsible level."""

    inside: bool | None
    message: Reason
    """The scope finding's sentence (a catalogue entry, rendered in any language)."""
    inputs: dict[str, object]
    units: tuple[str, ...] = ()
    own_name: str | None = None
    """A jurisdiction's own name as the rules read it (``jurisdiction.name``): the last unit
    of a name written with the units it lies in (``赤峰市红山区`` → ``红山区``), None where
    that unit cannot be told (:func:`written`)."""
    renamed: bool = False
    """Whether ``own_name`` replaces the name given."""

    @property
    def reason(self) -> Reason:
        """Why the pack does not apply, without the leading "不适用" (for the other findings)."""
        if self.message.code == "not_applicable":
            inner = self.message.args["reason"]
            assert isinstance(inner, Reason)
            return inner
        return self.message


_OFFICE = "办事处"
"""A street's office (街道办事处): the name of the street it serves, with its suffix."""


def _split(name: str) -> tuple[str, str]:
    """A name without its administrative suffix, and the suffix (``""`` for none)."""
    if name.endswith("街道" + _OFFICE):
        name = name[: -len(_OFFICE)]  # 五马街道办事处: the office of 五马街道
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)], suffix
    return name, ""


def _bare(name: str) -> str:
    return _split(name)[0]


def same_place(a: str, b: str) -> bool:
    """Whether two names name the same place: equal, or the same without the suffix where
    at most one has a suffix or both have the same (``梧州市`` and ``梧州``; ``五马街道`` and
    its office ``五马街道办事处``; not ``五马街道`` and ``五马镇``, a street and a town)."""
    a, b = a.strip(), b.strip()
    if a == b:
        return True
    (bare_a, kind_a), (bare_b, kind_b) = _split(a), _split(b)
    return bare_a == bare_b and (not kind_a or not kind_b or kind_a == kind_b)


_same = same_place


def _find(names: Sequence[str], place: Sequence[str | None]) -> str | None:
    """The name of ``names`` that the place holds (at any depth), or None."""
    for given in place:
        if given is None:
            continue
        for name in names:
            if _same(name, given):
                return name
    return None


_WIDE = ("省", "自治区", "市")
"""Suffixes of a unit that a qualified name may write before a narrower one (``赤峰市红山区``,
``江苏省宜兴市``); a district, county or banner only before a street or town."""
_NARROW = ("街道", "镇", "乡")


def _lead(text: str, known: Sequence[str]) -> tuple[str, str] | None:
    """``(the unit a qualified name starts with, the rest)``, or None: a name of the
    territory's levels (``内蒙古`` for ``内蒙古自治区``), or a unit by its suffix before a
    narrower unit."""
    forms = sorted(((k, f) for k in known for f in {k, _bare(k)}), key=lambda p: -len(p[1]))
    for name, form in forms:
        rest = text[len(form) :].strip()
        if text.startswith(form) and not _same(text, name) and _split(rest)[1]:
            return name, rest
    for end in range(3, len(text) - 2):
        head, rest = text[:end], text[end:].strip()
        kind, next_kind = _split(head)[1], _split(rest)[1]
        if not kind or not next_kind:
            continue
        if head.endswith(_WIDE) or (kind in ("区", "县", "旗") and rest.endswith(_NARROW)):
            return head, rest
    return None


_LONGEST = 64
"""The longest name read for the units it is written in (``内蒙古自治区赤峰市红山区哈达街道``
is 15 characters): a longer one is read whole. Reading takes time growing with the square of
the length: a name of 20,000 characters took half a second, and a request may hold many."""


def written(scope: Scope, name: str) -> tuple[tuple[str, ...], str | None]:
    """A name as written: ``(the units it names itself in, widest first; its own unit)``.

    ``赤峰市红山区`` and ``内蒙古自治区 赤峰市 红山区`` are 红山区 written with the units it lies
    in; ``红山区`` is itself, with none. A name that ends with a unit of the territory (or
    one the document names as its part) but starts with something that is not a unit is
    not known (own unit None): ``昭乌达盟红山区`` may be 红山区, or not."""
    levels = [n for lv in scope.levels for n in lv.names]
    known = [*levels, *scope.parts]
    parents: list[str] = []
    text = " ".join(name.split())
    while len(text) <= _LONGEST and (found := _lead(text, levels)) is not None:
        parents.append(found[0])
        text = found[1]
    if not parents and " " not in text:
        ends = any(text.endswith(k) and not _same(text, k) for k in known if len(k) > 1)
        return (), (None if ends else text)
    return tuple(parents), (text if " " not in text else None)


def _level_of(scope: Scope, name: str) -> str | None:
    """The level of a unit a qualified name writes: the territory's, or by its suffix."""
    level = next((lv.level for lv in scope.levels if _find(lv.names, [name])), None)
    if level is not None:
        return level
    if name.endswith("市"):  # written before a narrower unit (赤峰市红山区): a city
        return "city"
    depth = next((d for suffix, d in _SUFFIX_DEPTH if name.endswith(suffix)), None)
    return next((lv for lv, d in DEPTH.items() if d == depth), None)


def _expanded(scope: Scope, place: Sequence[str]) -> list[str]:
    """``community.jurisdiction`` with each qualified name written out as its units."""
    out: list[str] = []
    for given in place:
        parents, own = written(scope, given)
        out.extend([*parents, own] if parents and own is not None else [given])
    return out


def check_place(
    scope: Scope,
    place: Sequence[str | None],
    *,
    own_depth: int | None = None,
) -> tuple[bool | None, ScopeLevel | None, tuple[str, ...]]:
    """``(inside, the first level that decided, units of the responsible level)``.

    ``place[i]`` is the unit at depth ``i`` (None where not known). ``own_depth`` is the
    depth of a jurisdiction itself (None for a community, whose place goes down to its
    street or town): levels of the territory below it are inside the jurisdiction.
    """
    units: tuple[str, ...] = ()
    for i, level in enumerate(scope.levels):
        depth = DEPTH[level.level]
        found = _find(level.names, place)
        if found is not None:
            if level.responsible:
                units = (found,)
            continue
        if level.responsible:
            units = level.names
        if own_depth is not None and own_depth < depth:
            return True, None, units  # the jurisdiction contains this part of the territory
        rest = scope.levels[i + 1 :]
        given = place[depth] if depth < len(place) else None
        if given is not None and _find([n for lv in rest for n in lv.names], [given]) is None:
            return False, level, units  # another unit at this level
        if any(_find(lv.names, place) is not None for lv in rest):
            continue  # the place skips this level
        return None, level, units
    return True, None, units


def _level(level: str) -> Reason:
    """The name of an administrative level (省（自治区）, 街道, …) in any language."""
    return Reason(f"_level_{level}")


def _community_place(
    scope: Scope, place: Sequence[str]
) -> tuple[bool | None, ScopeLevel | None, tuple[str, ...]]:
    """``(inside, the level that is not known or differs, units of the responsible level)``
    for a community's ``community.jurisdiction``: names widest first, a level possibly
    left out (``[宜兴市, 丁蜀镇]``, as a community nested in a town of a county-level city
    is placed), so a name is matched to the territory's levels by name, not by position.

    Inside when the narrowest level of the territory (or a unit the document names as a
    part of it) is named and every wider name is one of the territory's; outside when a
    name is not, or a narrower unit than the last level named is not the next one; not
    known when the place stops above the territory."""
    levels = scope.levels
    last = len(levels) - 1
    matched: list[int | None] = []
    for name in place:
        if any(_same(name, part) for part in scope.parts):
            matched.append(last)  # 长洲区 lies in 梧州市
            continue
        matched.append(next((i for i, lv in enumerate(levels) if _find(lv.names, [name])), None))
    units: tuple[str, ...] = ()
    for i, level in enumerate(levels):
        if level.responsible:
            found = [name for name, m in zip(place, matched, strict=True) if m == i]
            units = (_find(level.names, found) or found[0],) if found else level.names
    named = [k for k, m in enumerate(matched) if m is not None]
    if not named and _below(place[0], levels[last]):
        return None, levels[0], units  # 宜城街道 alone: a street, of the territory or not
    # names wider than the territory's widest level (陕西省 where it starts at the city)
    wider = DEPTH[levels[0].level]
    if not named or named[0] > wider or any(m is None for m in matched[named[0] : named[-1]]):
        return False, levels[0], units  # a unit that is not on the way to the territory
    deepest = matched[named[-1]]
    assert deepest is not None
    seen = {m for m in matched if m is not None}
    town = DEPTH[levels[deepest].level] == DEPTH["town"]
    if town and deepest - 1 not in seen and min(seen) < deepest:
        # 宝鸡市 → 城关镇 without 凤翔区: a 城关镇 of another of 宝鸡市's counties, perhaps
        # (a town or street named alone is taken as the territory's: a jurisdiction's
        # communities are placed so; a county-level unit may skip its wider levels)
        return None, levels[deepest - 1], units
    if deepest == last:
        return True, None, units
    if named[-1] < len(place) - 1:
        if _below(place[named[-1] + 1], levels[deepest + 1]):
            # 无锡市 → 宜城街道: a street, below the level the place left out (宜兴市)
            return None, levels[deepest + 1], units
        return False, levels[deepest + 1], units  # another unit inside the last one named
    return None, levels[deepest + 1], units


_SUFFIX_DEPTH = (
    ("自治区", 0),
    ("省", 0),
    ("街道", 3),
    ("镇", 3),
    ("乡", 3),
    ("区", 2),
    ("县", 2),
    ("旗", 2),
)
"""The depth a name's administrative suffix tells (a 市 may be a city or a county-level
city: it tells none)."""


def _below(name: str, level: ScopeLevel) -> bool:
    """Whether ``name`` is by its suffix a unit below ``level`` (a street below a county): a
    place that names it there has left the level out, and may lie in the territory."""
    depth = next((d for suffix, d in _SUFFIX_DEPTH if name.strip().endswith(suffix)), None)
    return depth is not None and depth > DEPTH[level.level]


def check_community(scope: Scope, jurisdiction: Sequence[str] | None) -> ScopeCheck:
    """Whether a community with this ``community.jurisdiction`` lies in the territory."""
    given = list(jurisdiction) if jurisdiction else None
    inputs: dict[str, object] = {"community.jurisdiction": given}
    if not jurisdiction:
        units = next((lv.names for lv in scope.levels if lv.responsible), ())
        message = Reason("scope_no_place", {"territory": scope.territory})
        return ScopeCheck(None, message, inputs, units)
    inside, level, units = _community_place(scope, _expanded(scope, jurisdiction))
    where = "".join(jurisdiction)
    said = {"where": where, "territory": scope.territory}
    codes = ("scope_inside", "scope_outside", "scope_level_unknown")
    return ScopeCheck(inside, _said(inside, level, codes, said), inputs, units)


def check_jurisdiction(
    scope: Scope,
    name: str | None,
    level: str | None,
    above: Sequence[tuple[str | None, str | None]],
) -> ScopeCheck:
    """Whether a jurisdiction (by its name and level, and those it lies in) is in scope.

    ``above`` lists ``(name, level)`` of the jurisdictions it lies in, widest first.
    """
    inputs: dict[str, object] = {"jurisdiction.name": name, "jurisdiction.level": level}
    if name is None:
        return ScopeCheck(None, Reason("scope_no_name", {"territory": scope.territory}), inputs)
    given, (parents, own) = name, written(scope, name)
    said = {"name": given, "territory": scope.territory}
    codes = ("scope_name_inside", "scope_name_outside", "scope_name_unknown")
    if parents and own is not None:  # 赤峰市红山区: 红山区, in 赤峰市
        elsewhere, where, _ = _community_place(scope, [*parents, own])
        if elsewhere is False:  # 通辽市红山区, 苏州市宜兴市: the units it is written in differ
            return ScopeCheck(False, _said(False, where, codes, said), inputs, (), own, True)
        above = [*above, *((p, _level_of(scope, p)) for p in parents)]
        name = own
    names = (name, *(a for a, _ in above if a))
    if any(_same(n, part) for n in names for part in scope.parts):
        # 红山区 (→ 哈达街道): in 赤峰市, as the document says (the levels not given)
        wider = [(lv.names[0], lv.level) for lv in scope.levels if len(lv.names) == 1]
        above = [*wider, *above]
    place: list[str | None] = [None] * 4
    for above_name, above_level in above:
        if above_name is not None and above_level in DEPTH:
            place[DEPTH[above_level]] = above_name
    own_depth = DEPTH.get(level) if level is not None else None
    if own_depth is not None:
        place[own_depth] = name
        place = place[: own_depth + 1]
    else:
        place.append(name)
    inside, decided, units = check_place(scope, place, own_depth=own_depth)
    same_level = [lv for lv in scope.levels if lv.level == level]
    if inside is None and same_level and _find(same_level[0].names, [name]) is None:
        # a unit of the territory's own level (a street beside 五马街道) is not it
        inside, decided = False, same_level[0]
    named = [DEPTH[lv.level] for lv in scope.levels if lv.responsible]
    if named and (own_depth is None or own_depth < named[0]):
        units = ()  # a wider jurisdiction is not the unit of the responsible level
    message = _said(inside, decided, codes, said)
    return ScopeCheck(inside, message, inputs, units, own, own != given)


def _said(
    inside: bool | None,
    undecided: ScopeLevel | None,
    codes: tuple[str, str, str],
    said: Mapping[str, object],
) -> Reason:
    """The scope check's message: inside, outside (not applicable), or not known at the
    level ``undecided`` (``codes``: the three message codes, in that order)."""
    if inside:
        return Reason(codes[0], said)
    if inside is False:
        return Reason("not_applicable", {"reason": Reason(codes[1], said)})
    assert undecided is not None
    return Reason(codes[2], {**said, "level": _level(undecided.level)})


def scope_finding(scope: Scope, check: ScopeCheck, applies: bool = True) -> Finding:
    """The ``scope`` finding: pass inside, not_applicable elsewhere, unknown when not known.

    Where the pack does not apply for another reason (``applies`` false: not in force, or its
    applicability condition is false) the finding is ``not_applicable`` too, as every other.
    """
    outcome = {True: "pass", False: "not_applicable", None: "unknown"}[check.inside]
    message = check.message
    if not applies and outcome != "not_applicable":
        outcome = "not_applicable"
        if check.inside is None:
            message = Reason("scope_not_needed", {"territory": scope.territory})
        else:  # inside, but the pack does not apply (not in force, another kind): say so
            message = Reason("scope_inside_not_applying", {"message": message})
    said = {"territory": scope.territory}
    return Finding(
        rule=SCOPE_RULE,
        outcome=outcome,  # type: ignore[arg-type]
        title=text("title.scope", "zh", **said),
        clause=scope.clause,
        quote=scope.quote,
        responsible=(),
        inputs=check.inputs,
        expected=Reason("scope_expected", said),
        actual=FROM_INPUTS,
        message=message,
        binding=True,
        title_en=text("title.scope", "en", **said),
    )


def with_units(finding: Finding, units: Sequence[str]) -> Finding:
    """The finding with ``units`` added to its responsible units (after the rule's own)."""
    if not units:
        return finding
    extra = tuple(u for u in units if u not in finding.responsible)
    if not extra:
        return finding
    return attrs.evolve(finding, responsible=(*finding.responsible, *extra))


def with_scope(
    scope: Scope, check: ScopeCheck, findings: Sequence[Finding], applies: bool = True
) -> list[Finding]:
    """The scope finding first, then the findings, each naming the responsible level's unit."""
    first = scope_finding(scope, check, applies)
    return [first, *(with_units(f, check.units) for f in findings)]
