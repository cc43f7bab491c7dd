"""The facts vocabulary: what is known about a community or a jurisdiction.

This module is the input contract of ``../shared/spec/facts.md`` written as frozen attrs
classes. Every field is optional (``None`` = unknown) except the subject's id; ranges and
units live in the field type (``Annotated[float, Range(0, 700)]``) so that one converter
(:mod:`policyengine.documents`) can check them and report every problem with its path.

Facts are read by rules through *fact paths* such as ``spaces.service_area_m2``;
:func:`fact_catalogue` lists every path with its type, and :func:`flatten` turns a
:class:`Community` into ``{path: value}``.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Literal

import attrs

from policyengine.exceptions import FactProblem

__all__ = [
    "DATE_PATTERN",
    "Community",
    "FactType",
    "Jurisdiction",
    "Range",
    "check_community",
    "fact_catalogue",
    "fact_type_of",
    "flatten",
]


@attrs.frozen
class Range:
    """Inclusive bounds of a number; ``None`` is unbounded. ``exclusive_min`` makes ``> min``."""

    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False


# Value types of the vocabulary. Optional everywhere: None means "unknown".
Count = Annotated[int, Range(0)]
Amount = Annotated[float, Range(0)]
Positive = Annotated[float, Range(0, exclusive_min=True)]
Ratio = Annotated[float, Range(0, 1)]
Flag = bool | None

Kind = Literal["urban", "affordable_housing", "rural"]
DemonstrationLevel = Literal["none", "city", "provincial", "autonomous_region", "national"]
DemocraticSystem = Literal["election", "decision", "management", "supervision"]
Signage = Literal["party_org", "residents_committee", "jiangsu_community"]
PublicService = Literal[
    "employment", "social_assistance", "public_security", "medical", "social_security"
]
Veto = Literal["leadership", "public_security", "family_planning"]
JurisdictionLevel = Literal["street", "town", "district", "county", "city"]


@attrs.frozen(kw_only=True)
class CommunityInfo:
    """``community.*``: identity and size."""

    id: str = attrs.field(metadata={"non_blank": True})
    name: str | None = None
    kind: Kind | None = None
    jurisdiction: tuple[str, ...] | None = attrs.field(
        default=None, metadata={"non_blank_items": True}
    )
    households: Count | None = None
    residents: Count | None = None
    new_development: Flag = None
    key_community: Flag = None
    demonstration_level: DemonstrationLevel | None = None


@attrs.frozen(kw_only=True)
class Organization:
    """``organization.*``: party organisation and self-governance."""

    party_org: Flag = None
    party_org_five_good: Flag = None
    residents_committee: Flag = None
    self_governance_1_plus_n: Flag = None
    democratic_systems: tuple[DemocraticSystem, ...] | None = None
    opinion_channels: Flag = None
    mediation_committee: Flag = None
    co_building_org: Flag = None
    structure_one_committee_one_station: Flag = None
    leadership_members: Count | None = None
    leadership_college_educated: Count | None = None


@attrs.frozen(kw_only=True)
class Staff:
    """``staff.*``: full-time community workers."""

    count: Count | None = None
    trained_this_year: Count | None = None
    avg_annual_income_yuan: Amount | None = None
    local_avg_wage_prev_year_yuan: Positive | None = None


@attrs.frozen(kw_only=True)
class Finance:
    """``finance.*``: operating funds."""

    operating_funds_yuan: Amount | None = None
    operating_funds_in_budget: Flag = None


@attrs.frozen(kw_only=True)
class Spaces:
    """``spaces.*``: office and service space."""

    own_office: Flag = None
    service_area_m2: Amount | None = None
    one_stop_center_area_m2: Amount | None = None
    service_rooms: Count | None = None
    service_stations: Count | None = None
    bulletin_boards: Count | None = None
    signage: tuple[Signage, ...] | None = None


@attrs.frozen(kw_only=True)
class Facilities:
    """``facilities.*``: each facility present (true) or absent (false)."""

    police_office: Flag = None
    culture_sports_facilities: Flag = None
    culture_sports_room: Flag = None
    health_station: Flag = None
    comprehensive_service_facility: Flag = None
    kindergarten: Flag = None
    nursery: Flag = None
    elderly_service_station: Flag = None
    convenience_store: Flag = None
    vegetable_shop: Flag = None
    canteen: Flag = None
    express_delivery: Flag = None
    barber: Flag = None
    laundry: Flag = None
    pharmacy: Flag = None
    repair_point: Flag = None
    housekeeping_service: Flag = None
    public_activity_space: Flag = None
    public_green_space: Flag = None
    fitness_venue: Flag = None
    outdoor_activity_venue: Flag = None
    party_mass_service_center: Flag = None
    residents_school: Flag = None


@attrs.frozen(kw_only=True)
class Services:
    """``services.*``: public services and satisfaction."""

    covered: tuple[PublicService, ...] | None = None
    resident_satisfaction: Ratio | None = None
    retirees: Count | None = None
    retirees_socialized: Count | None = None


@attrs.frozen(kw_only=True)
class Environment:
    """``environment.*``: living environment, each true when achieved."""

    clean: Flag = None
    green: Flag = None
    beautified: Flag = None
    lit: Flag = None
    garbage_sorting: Flag = None
    sewage_treatment: Flag = None
    noise_control: Flag = None
    energy_compliant: Flag = None
    infrastructure_renovated: Flag = None
    roads_safe: Flag = None
    fire_lanes_clear: Flag = None
    barrier_free: Flag = None
    age_friendly: Flag = None
    child_friendly: Flag = None
    orderly_parking: Flag = None
    clear_pavements: Flag = None


@attrs.frozen(kw_only=True)
class Smart:
    """``smart.*``: smart-community services."""

    face_recognition: Flag = None
    vehicle_recognition: Flag = None
    smart_access_control: Flag = None
    video_surveillance: Flag = None
    police_data_sharing: Flag = None
    app_services: Flag = None
    smart_sensing: Flag = None


@attrs.frozen(kw_only=True)
class Governance:
    """``governance.*``: consultation and property service."""

    consultation_forums: Flag = None
    party_joint_meeting: Flag = None
    property_service_coverage: Ratio | None = None
    residents_participate: Flag = None


@attrs.frozen(kw_only=True)
class Activities:
    """``activities.*``: regular activities, each true when held."""

    culture_sports_regular: Flag = None
    community_education: Flag = None
    civility: Flag = None
    legal_publicity: Flag = None
    complaints_handled: Flag = None
    environmental_campaigns: Flag = None
    publicity_mobilisation: Flag = None


@attrs.frozen(kw_only=True)
class ObjectiveByType:
    """``happiness.objective_by_type.*``: objective sub-scores per type (五型)."""

    self_governance: Amount | None = None
    ecological: Amount | None = None
    service: Amount | None = None
    cultural: Amount | None = None
    harmonious: Amount | None = None


@attrs.frozen(kw_only=True)
class Happiness:
    """``happiness.*``: the happy-community (幸福社区) assessment."""

    objective_score: Annotated[float, Range(0, 700)] | None = None
    objective_by_type: ObjectiveByType | None = None
    survey_score: Annotated[float, Range(0, 300)] | None = None
    vetoes: tuple[Veto, ...] | None = None
    previous_stars: Annotated[int, Range(0, 5)] | None = None


@attrs.frozen(kw_only=True)
class Reporting:
    """``reporting.*``: reports submitted."""

    self_check_report_year: Annotated[int, Range(1949, 9999)] | None = None
    monthly_reports: tuple[_dt.date, ...] | None = None


# Unknown sections share one empty (all-unknown) instance: they are frozen.
_EMPTY_ORGANIZATION = Organization()
_EMPTY_STAFF = Staff()
_EMPTY_FINANCE = Finance()
_EMPTY_SPACES = Spaces()
_EMPTY_FACILITIES = Facilities()
_EMPTY_SERVICES = Services()
_EMPTY_ENVIRONMENT = Environment()
_EMPTY_SMART = Smart()
_EMPTY_GOVERNANCE = Governance()
_EMPTY_ACTIVITIES = Activities()
_EMPTY_HAPPINESS = Happiness()
_EMPTY_REPORTING = Reporting()


@attrs.frozen(kw_only=True)
class Community:
    """One community (社区): the subject of every community-level rule."""

    community: CommunityInfo
    organization: Organization = _EMPTY_ORGANIZATION
    staff: Staff = _EMPTY_STAFF
    finance: Finance = _EMPTY_FINANCE
    spaces: Spaces = _EMPTY_SPACES
    facilities: Facilities = _EMPTY_FACILITIES
    services: Services = _EMPTY_SERVICES
    environment: Environment = _EMPTY_ENVIRONMENT
    smart: Smart = _EMPTY_SMART
    governance: Governance = _EMPTY_GOVERNANCE
    activities: Activities = _EMPTY_ACTIVITIES
    happiness: Happiness = _EMPTY_HAPPINESS
    reporting: Reporting = _EMPTY_REPORTING
    pack_facts: Mapping[str, Any] = attrs.field(
        factory=dict, hash=False, metadata={"vocabulary": False}
    )
    """Facts packs declare for themselves, by path (``civility_rating.score``): see
    :mod:`policyengine.pack_facts`. A facts document gives them in the namespace's table."""

    @property
    def id(self) -> str:
        """The community's id."""
        return self.community.id

    @property
    def name(self) -> str | None:
        """The community's name, if given."""
        return self.community.name


@attrs.frozen(kw_only=True)
class JurisdictionInfo:
    """``jurisdiction.*``: a street, town, district, county or city."""

    id: str = attrs.field(metadata={"non_blank": True})
    name: str | None = None
    level: JurisdictionLevel | None = None
    key_area: Flag = None
    leading_group: Flag = None
    plan: Flag = None
    funds_in_budget: Flag = None
    street_offices_established: Flag = None


@attrs.frozen
class Jurisdiction:
    """A jurisdiction with its own facts, its communities and its child jurisdictions."""

    jurisdiction: JurisdictionInfo
    communities: tuple[Community, ...] = ()
    jurisdictions: tuple[Jurisdiction, ...] = ()
    pack_facts: Mapping[str, Any] = attrs.field(
        factory=dict, hash=False, kw_only=True, metadata={"vocabulary": False}
    )
    """Facts packs declare for a jurisdiction (``level = "jurisdiction"``), by path."""

    @property
    def id(self) -> str:
        """The jurisdiction's id."""
        return self.jurisdiction.id

    @property
    def name(self) -> str | None:
        """The jurisdiction's name, if given."""
        return self.jurisdiction.name


# --------------------------------------------------------------------------- catalogue


@attrs.frozen
class FactType:
    """What a fact path holds: ``bool``, ``int``, ``number``, ``text``, ``date`` or a list.

    ``choices`` lists the allowed values of an enumerated text or list item; ``range`` the
    bounds of a number.
    """

    kind: Literal["bool", "int", "number", "text", "date", "list", "date_list"]
    choices: tuple[str, ...] = ()
    range: Range | None = None

    @property
    def is_numeric(self) -> bool:
        """True for ``int`` and ``number``."""
        return self.kind in ("int", "number")


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _fact_type(tp: Any) -> FactType | None:
    tp = _strip_optional(tp)
    rng = None
    if typing.get_origin(tp) is Annotated:
        rng = next((m for m in tp.__metadata__ if isinstance(m, Range)), None)
        tp = tp.__origin__
    if tp is bool:
        return FactType("bool")
    if tp is int:
        return FactType("int", range=rng)
    if tp is float:
        return FactType("number", range=rng)
    if tp is str:
        return FactType("text")
    if typing.get_origin(tp) is Literal:
        return FactType("text", choices=tuple(typing.get_args(tp)))
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if item is _dt.date:
            return FactType("date_list")
        if typing.get_origin(item) is Literal:
            return FactType("list", choices=tuple(typing.get_args(item)))
        return FactType("list")
    return None  # a nested attrs class


DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""A date in a facts document: ``YYYY-MM-DD`` exactly (no week dates, no ``20140101``)."""


def fact_type_of(tp: Any) -> FactType | None:
    """The :class:`FactType` of a field's type hint, or None for a nested table."""
    if _strip_optional(tp) is _dt.date:
        return FactType("date")
    return _fact_type(tp)


def _walk(cls: type, prefix: str) -> Iterator[tuple[str, FactType]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    for field in attrs.fields(cls):
        if field.metadata.get("vocabulary") is False:
            continue
        path = f"{prefix}{field.name}"
        ftype = _fact_type(hints[field.name])
        if ftype is not None:
            yield path, ftype
        else:
            yield from _walk(_strip_optional(hints[field.name]), path + ".")


_CATALOGUE: dict[str, FactType] = dict(_walk(Community, ""))
_JURISDICTION_CATALOGUE: dict[str, FactType] = {
    f"jurisdiction.{p}": t for p, t in _walk(JurisdictionInfo, "")
}


def fact_catalogue(
    level: Literal["community", "jurisdiction"] = "community",
) -> Mapping[str, FactType]:
    """Every fact path of the vocabulary with its type, for a community or a jurisdiction."""
    return _CATALOGUE if level == "community" else _JURISDICTION_CATALOGUE


def _getter(path: str) -> Callable[[Any], Any]:
    head, _, tail = path.rpartition(".")
    get_parent = operator.attrgetter(head)
    name = tail

    def get(subject: Any) -> Any:
        parent = get_parent(subject)
        return None if parent is None else getattr(parent, name)

    return get


# The objective score is given directly or as the sum of its five per-type sub-scores
# (facts.md): every reader of facts sees the same value.
_COMPUTED: dict[str, Callable[[Any], Any]] = {
    "happiness.objective_score": lambda subject: objective_score(subject.happiness)
}
_GETTERS: dict[str, Callable[[Any], Any]] = {
    **{p: _getter(p) for p in (*_CATALOGUE, *_JURISDICTION_CATALOGUE)},
    **_COMPUTED,
}

Flattener = Callable[[Any], dict[str, Any]]
_FLATTENERS: dict[tuple[str, ...], Flattener] = {}
_FLATTENERS_KEPT = 1_024


def _flattener(paths: tuple[str, ...]) -> Flattener:
    """:func:`flatten` for these paths as one generated function (a plan reads the same
    paths for every subject): one dict display instead of one getter call per path, each
    value read as its getter reads it. Paths are vocabulary names (checked to be
    identifiers) or ``repr`` literals; nothing else becomes code."""
    found = _FLATTENERS.get(paths)
    if found is not None:
        return found
    bound: dict[str, Any] = {}
    items: list[str] = []
    for i, path in enumerate(paths):
        *head, name = path.split(".")
        if path in _COMPUTED:
            bound[f"_c{i}"] = _COMPUTED[path]
            value = f"_c{i}(subject)"
        elif path not in _GETTERS:
            value = f"own.get({path!r})"
        elif head and all(part.isidentifier() for part in (*head, name)):
            parent = ".".join(("subject", *head))
            value = f"(None if (_p := {parent}) is None else _p.{name})"
        else:
            bound[f"_c{i}"] = _GETTERS[path]
            value = f"_c{i}(subject)"
        items.append(f"{path!r}: {value}")
    source = (
        f"def flat(subject):\n    own = subject.pack_facts\n    return {{{', '.join(items)}}}\n"
    )
    exec(compile(source, "<policyengine flatten>", "exec"), bound)
    made: Flattener = bound["flat"]
    if len(_FLATTENERS) >= _FLATTENERS_KEPT:
        _FLATTENERS.clear()
    _FLATTENERS[paths] = made
    return made


def flatten(
    subject: Community | Jurisdiction, paths: Iterator[str] | tuple[str, ...] | None = None
) -> dict[str, Any]:
    """``{fact path: value}`` for the given paths (all of the subject's level by default).

    A path the vocabulary does not know is returned as ``None`` (unknown).
    """
    if paths is None:
        paths = tuple(
            fact_catalogue("community" if isinstance(subject, Community) else "jurisdiction")
        )
    if type(paths) is tuple:
        return _flattener(paths)(subject)
    out: dict[str, Any] = {}
    own = subject.pack_facts
    for path in paths:
        get = _GETTERS.get(path)
        out[path] = own.get(path) if get is None else get(subject)
    return out


def objective_score(happiness: Happiness) -> float | None:
    """The objective score: given directly, or the sum of all five per-type sub-scores."""
    if happiness.objective_score is not None:
        return happiness.objective_score
    by_type = happiness.objective_by_type
    if by_type is None:
        return None
    parts = [getattr(by_type, f.name) for f in attrs.fields(ObjectiveByType)]
    if any(p is None for p in parts):
        return None
    return round(math.fsum(parts), 9)  # 138.6 + … is 500.0, not 499.99999999999994


BLANK_ID = "is empty: give an id (it names the subject in results, logs and replay)"
"""What an id of no text (``""``, spaces) is said to be."""

BLANK_PLACE = "is empty: write the place's name, or leave the item out"
"""What an item of ``community.jurisdiction`` of no text is said to be: ``["", "赤峰市"]``
had been read as a place elsewhere than 赤峰市."""


def check_community(c: Community, prefix: str = "") -> list[FactProblem]:
    """Problems between fields that a type alone cannot express (``a <= b``, sums)."""
    problems: list[FactProblem] = []
    if not c.community.id.strip():
        problems.append(FactProblem(f"{prefix}community.id", BLANK_ID))
    for i, place in enumerate(c.community.jurisdiction or ()):
        if not place.strip():
            problems.append(FactProblem(f"{prefix}community.jurisdiction[{i}]", BLANK_PLACE))
    org, staff, services = c.organization, c.staff, c.services
    for part, part_value, whole, whole_value in (
        (
            "organization.leadership_college_educated",
            org.leadership_college_educated,
            "organization.leadership_members",
            org.leadership_members,
        ),
        ("staff.trained_this_year", staff.trained_this_year, "staff.count", staff.count),
        (
            "services.retirees_socialized",
            services.retirees_socialized,
            "services.retirees",
            services.retirees,
        ),
    ):
        if part_value is not None and whole_value is not None and part_value > whole_value:
            problems.append(
                FactProblem(f"{prefix}{part}", f"{part_value} is more than {whole} ({whole_value})")
            )
    by_type = c.happiness.objective_by_type
    if by_type is not None:
        given = [getattr(by_type, f.name) for f in attrs.fields(ObjectiveByType)]
        total = sum(v for v in given if v is not None)
        if total > 700:
            problems.append(
                FactProblem(
                    f"{prefix}happiness.objective_by_type",
                    f"the sub-scores add up to {total:g}, above the maximum 700",
                )
            )
        elif (
            c.happiness.objective_score is not None
            and all(v is not None for v in given)
            and abs(total - c.happiness.objective_score) > 1e-9
        ):
            problems.append(
                FactProblem(
                    f"{prefix}happiness.objective_by_type",
                    f"the sub-scores add up to {total:g}, but happiness.objective_score is "
                    f"{c.happiness.objective_score:g}",
                )
            )
    return problems
