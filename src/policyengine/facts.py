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
import operator
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Literal

import attrs

from policyengine.exceptions import FactProblem

__all__ = [
    "Community",
    "FactType",
    "Jurisdiction",
    "Range",
    "check_community",
    "fact_catalogue",
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


def _opt() -> Any:
    return attrs.field(default=None, kw_only=True)


@attrs.frozen
class CommunityInfo:
    """``community.*``: identity and size."""

    id: str
    name: str | None = _opt()
    kind: Kind | None = _opt()
    jurisdiction: tuple[str, ...] | None = _opt()
    households: Count | None = _opt()
    residents: Count | None = _opt()
    new_development: Flag = _opt()
    key_community: Flag = _opt()
    demonstration_level: DemonstrationLevel | None = _opt()


@attrs.frozen
class Organization:
    """``organization.*``: party organisation and self-governance."""

    party_org: Flag = _opt()
    party_org_five_good: Flag = _opt()
    residents_committee: Flag = _opt()
    self_governance_1_plus_n: Flag = _opt()
    democratic_systems: tuple[DemocraticSystem, ...] | None = _opt()
    opinion_channels: Flag = _opt()
    mediation_committee: Flag = _opt()
    co_building_org: Flag = _opt()
    structure_one_committee_one_station: Flag = _opt()
    leadership_members: Count | None = _opt()
    leadership_college_educated: Count | None = _opt()


@attrs.frozen
class Staff:
    """``staff.*``: full-time community workers."""

    count: Count | None = _opt()
    trained_this_year: Count | None = _opt()
    avg_annual_income_yuan: Amount | None = _opt()
    local_avg_wage_prev_year_yuan: Positive | None = _opt()


@attrs.frozen
class Finance:
    """``finance.*``: operating funds."""

    operating_funds_yuan: Amount | None = _opt()
    operating_funds_in_budget: Flag = _opt()


@attrs.frozen
class Spaces:
    """``spaces.*``: office and service space."""

    own_office: Flag = _opt()
    service_area_m2: Amount | None = _opt()
    one_stop_center_area_m2: Amount | None = _opt()
    service_rooms: Count | None = _opt()
    service_stations: Count | None = _opt()
    bulletin_boards: Count | None = _opt()
    signage: tuple[Signage, ...] | None = _opt()


@attrs.frozen
class Facilities:
    """``facilities.*``: each facility present (true) or absent (false)."""

    police_office: Flag = _opt()
    culture_sports_facilities: Flag = _opt()
    culture_sports_room: Flag = _opt()
    health_station: Flag = _opt()
    comprehensive_service_facility: Flag = _opt()
    kindergarten: Flag = _opt()
    nursery: Flag = _opt()
    elderly_service_station: Flag = _opt()
    convenience_store: Flag = _opt()
    vegetable_shop: Flag = _opt()
    canteen: Flag = _opt()
    express_delivery: Flag = _opt()
    barber: Flag = _opt()
    laundry: Flag = _opt()
    pharmacy: Flag = _opt()
    repair_point: Flag = _opt()
    housekeeping_service: Flag = _opt()
    public_activity_space: Flag = _opt()
    public_green_space: Flag = _opt()
    fitness_venue: Flag = _opt()
    outdoor_activity_venue: Flag = _opt()
    party_mass_service_center: Flag = _opt()
    residents_school: Flag = _opt()


@attrs.frozen
class Services:
    """``services.*``: public services and satisfaction."""

    covered: tuple[PublicService, ...] | None = _opt()
    resident_satisfaction: Ratio | None = _opt()
    retirees: Count | None = _opt()
    retirees_socialized: Count | None = _opt()


@attrs.frozen
class Environment:
    """``environment.*``: living environment, each true when achieved."""

    clean: Flag = _opt()
    green: Flag = _opt()
    beautified: Flag = _opt()
    lit: Flag = _opt()
    garbage_sorting: Flag = _opt()
    sewage_treatment: Flag = _opt()
    noise_control: Flag = _opt()
    energy_compliant: Flag = _opt()
    infrastructure_renovated: Flag = _opt()
    roads_safe: Flag = _opt()
    fire_lanes_clear: Flag = _opt()
    barrier_free: Flag = _opt()
    age_friendly: Flag = _opt()
    child_friendly: Flag = _opt()
    orderly_parking: Flag = _opt()
    clear_pavements: Flag = _opt()


@attrs.frozen
class Smart:
    """``smart.*``: smart-community services."""

    face_recognition: Flag = _opt()
    vehicle_recognition: Flag = _opt()
    smart_access_control: Flag = _opt()
    video_surveillance: Flag = _opt()
    police_data_sharing: Flag = _opt()
    app_services: Flag = _opt()
    smart_sensing: Flag = _opt()


@attrs.frozen
class Governance:
    """``governance.*``: consultation and property service."""

    consultation_forums: Flag = _opt()
    party_joint_meeting: Flag = _opt()
    property_service_coverage: Ratio | None = _opt()
    residents_participate: Flag = _opt()


@attrs.frozen
class Activities:
    """``activities.*``: regular activities, each true when held."""

    culture_sports_regular: Flag = _opt()
    community_education: Flag = _opt()
    civility: Flag = _opt()
    legal_publicity: Flag = _opt()
    complaints_handled: Flag = _opt()
    environmental_campaigns: Flag = _opt()
    publicity_mobilisation: Flag = _opt()


@attrs.frozen
class ObjectiveByType:
    """``happiness.objective_by_type.*``: objective sub-scores per type (五型)."""

    self_governance: Amount | None = _opt()
    ecological: Amount | None = _opt()
    service: Amount | None = _opt()
    cultural: Amount | None = _opt()
    harmonious: Amount | None = _opt()


@attrs.frozen
class Happiness:
    """``happiness.*``: the happy-community (幸福社区) assessment."""

    objective_score: Annotated[float, Range(0, 700)] | None = _opt()
    objective_by_type: ObjectiveByType | None = _opt()
    survey_score: Annotated[float, Range(0, 300)] | None = _opt()
    vetoes: tuple[Veto, ...] | None = _opt()
    previous_stars: Annotated[int, Range(0, 5)] | None = _opt()


@attrs.frozen
class Reporting:
    """``reporting.*``: reports submitted."""

    self_check_report_year: Annotated[int, Range(1949, 9999)] | None = _opt()
    monthly_reports: tuple[_dt.date, ...] | None = _opt()


@attrs.frozen
class Community:
    """One community (社区): the subject of every community-level rule."""

    community: CommunityInfo
    organization: Organization = attrs.field(factory=Organization, kw_only=True)
    staff: Staff = attrs.field(factory=Staff, kw_only=True)
    finance: Finance = attrs.field(factory=Finance, kw_only=True)
    spaces: Spaces = attrs.field(factory=Spaces, kw_only=True)
    facilities: Facilities = attrs.field(factory=Facilities, kw_only=True)
    services: Services = attrs.field(factory=Services, kw_only=True)
    environment: Environment = attrs.field(factory=Environment, kw_only=True)
    smart: Smart = attrs.field(factory=Smart, kw_only=True)
    governance: Governance = attrs.field(factory=Governance, kw_only=True)
    activities: Activities = attrs.field(factory=Activities, kw_only=True)
    happiness: Happiness = attrs.field(factory=Happiness, kw_only=True)
    reporting: Reporting = attrs.field(factory=Reporting, kw_only=True)

    @property
    def id(self) -> str:
        """The community's id."""
        return self.community.id

    @property
    def name(self) -> str | None:
        """The community's name, if given."""
        return self.community.name


@attrs.frozen
class JurisdictionInfo:
    """``jurisdiction.*``: a street, town, district, county or city."""

    id: str
    name: str | None = _opt()
    level: JurisdictionLevel | None = _opt()
    key_area: Flag = _opt()
    leading_group: Flag = _opt()
    plan: Flag = _opt()
    funds_in_budget: Flag = _opt()
    street_offices_established: Flag = _opt()


@attrs.frozen
class Jurisdiction:
    """A jurisdiction with its own facts, its communities and its child jurisdictions."""

    jurisdiction: JurisdictionInfo
    communities: tuple[Community, ...] = ()
    jurisdictions: tuple[Jurisdiction, ...] = ()

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


def _walk(cls: type, prefix: str) -> Iterator[tuple[str, FactType]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    for field in attrs.fields(cls):
        path = f"{prefix}{field.name}"
        ftype = _fact_type(hints[field.name])
        if ftype is not None:
            yield path, ftype
        else:
            yield from _walk(_strip_optional(hints[field.name]), path + ".")


_CATALOGUE: dict[str, FactType] = dict(
    (p, t) for p, t in _walk(Community, "") if not p.startswith(("communities", "jurisdictions"))
)
_JURISDICTION_CATALOGUE: dict[str, FactType] = {
    f"jurisdiction.{p}": t for p, t in _walk(JurisdictionInfo, "")
}


def fact_catalogue(level: Literal["community", "jurisdiction"] = "community") -> Mapping[str, FactType]:
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


_GETTERS: dict[str, Callable[[Any], Any]] = {
    p: _getter(p) for p in (*_CATALOGUE, *_JURISDICTION_CATALOGUE)
}


def flatten(subject: Community | Jurisdiction, paths: Iterator[str] | tuple[str, ...] | None = None) -> dict[str, Any]:
    """``{fact path: value}`` for the given paths (all of the subject's level by default).

    A path the vocabulary does not know is returned as ``None`` (unknown).
    """
    if paths is None:
        paths = tuple(fact_catalogue("community" if isinstance(subject, Community) else "jurisdiction"))
    out: dict[str, Any] = {}
    for path in paths:
        get = _GETTERS.get(path)
        out[path] = None if get is None else get(subject)
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
    return float(sum(parts))


def check_community(c: Community, prefix: str = "") -> list[FactProblem]:
    """Problems between fields that a type alone cannot express (``a <= b``, sums)."""
    problems: list[FactProblem] = []

    def at_most(part: str, part_value: Any, whole: str, whole_value: Any) -> None:
        if part_value is not None and whole_value is not None and part_value > whole_value:
            problems.append(
                FactProblem(f"{prefix}{part}", f"{part_value} is more than {whole} ({whole_value})")
            )

    org, staff, services = c.organization, c.staff, c.services
    at_most("organization.leadership_college_educated", org.leadership_college_educated,
            "organization.leadership_members", org.leadership_members)
    at_most("staff.trained_this_year", staff.trained_this_year, "staff.count", staff.count)
    at_most("services.retirees_socialized", services.retirees_socialized,
            "services.retirees", services.retirees)
    by_type = c.happiness.objective_by_type
    if by_type is not None:
        given = [getattr(by_type, f.name) for f in attrs.fields(ObjectiveByType)]
        total = sum(v for v in given if v is not None)
        if total > 700:
            problems.append(FactProblem(
                f"{prefix}happiness.objective_by_type",
                f"the sub-scores add up to {total:g}, above the maximum 700"))
        elif (
            c.happiness.objective_score is not None
            and all(v is not None for v in given)
            and abs(total - c.happiness.objective_score) > 1e-9
        ):
            problems.append(FactProblem(
                f"{prefix}happiness.objective_by_type",
                f"the sub-scores add up to {total:g}, but happiness.objective_score is "
                f"{c.happiness.objective_score:g}"))
    return problems
