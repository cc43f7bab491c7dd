"""Words for people in Chinese (default) and English: gettext catalogues, fact labels, units.

The sentences live in gettext catalogues, one per language, under
``policyengine/locale/<lang>/LC_MESSAGES/policyengine.po`` (the source, edited by people)
and ``.mo`` (compiled with ``pybabel compile -d src/policyengine/locale -D policyengine``;
a test checks the two agree). They are read with the standard library's :mod:`gettext`,
so ``--lang en`` needs nothing beyond the core install.

Message ids are keys (``gap.at_least``, ``fact.spaces.service_area_m2``), the same in both
catalogues; a sentence's values are named fields (``{fact}``, ``{needed}``) filled with
:meth:`str.format`. Fact labels and value names are catalogue entries too, so no fact path
reaches a sentence meant for a person.
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any, Literal, TypeAlias

from policyengine.i18n_tables import TABLE_ERRORS, TABLE_PROBLEMS

__all__ = [
    "LANGUAGES",
    "Lang",
    "catalogue_keys",
    "check_lang",
    "entries",
    "error_text",
    "fact_label",
    "fmt_value",
    "is_one",
    "join_units",
    "lookup",
    "mid_sentence",
    "problem_text",
    "states_itself",
    "text",
    "unit_of",
]

Lang: TypeAlias = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
DOMAIN = "policyengine"


def check_lang(lang: str) -> Lang:
    """``lang`` if it is a language of the catalogues, else a ValueError naming them."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of: {', '.join(LANGUAGES)}")
    return lang


@functools.cache
def _catalogue(lang: str) -> gettext.GNUTranslations:
    mo = resources.files("policyengine").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.mo")
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)


def catalogue_keys(lang: str) -> frozenset[str]:
    """Every message id of a language's catalogue."""
    entries: Mapping[object, str] = getattr(_catalogue(lang), "_catalog", {})
    return frozenset(k for k in entries if isinstance(k, str) and k)


def entries(prefix: str, lang: str) -> dict[str, str]:
    """``{name: sentence}`` for every message id ``prefix + name`` of a language."""
    return {
        key[len(prefix) :]: text(key, lang)
        for key in sorted(catalogue_keys(lang))
        if key.startswith(prefix)
    }


@functools.lru_cache(maxsize=16_384)
def _lookup(key: str, lang: str) -> str | None:
    # the catalogues never change while the process runs: each key is looked up once
    found = _catalogue(lang).gettext(key)
    if found != key:
        return found
    if lang != "zh":
        found = _catalogue("zh").gettext(key)
        if found != key:
            return found
    return None


def lookup(key: str, lang: str = "zh") -> str | None:
    """The message ``key`` in ``lang`` (Chinese where ``lang`` lacks it), or None."""
    return _lookup(key, lang)


def text(key: str, lang: str = "zh", /, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` with its named values filled in.

    A key missing from ``lang`` falls back to Chinese; a key missing everywhere is a bug,
    and raises KeyError (the catalogue tests list every key used).
    """
    found = _lookup(key, lang)
    if found is None:
        raise KeyError(f"no message {key!r} in the {lang} catalogue")
    if not values:
        return found
    if is_one(values.get("n")):  # "1 point", "1 community lacks": the sentence for one
        found = _lookup(key + ".one", lang) or found
    return found.format(**values)


_SINGULAR = ("say.undecided.one", "summary.packs.one", "run.bad_records.one")
"""A sentence counting ``{n}`` may have a second entry, ``key.one``, said when n is 1 (in
English the noun and verb in the singular: "1 point", "1 community lacks data"); these
are the ones outside the families of :mod:`policyengine.messages` and ``unit.``/``band.``/
``gap.``."""


def is_one(n: object) -> bool:
    """Whether a count (a number, or a number already in words) is one."""
    kind = n.__class__
    return (kind is int or kind is float or kind is str) and n in (1, "1")


# ------------------------------------------------------------------------ fact words

_UNITS: Mapping[str, str] = {
    "community.households": "households",
    "community.residents": "people",
    "organization.leadership_members": "people",
    "organization.leadership_college_educated": "people",
    "staff.count": "people",
    "staff.trained_this_year": "people",
    "services.retirees": "people",
    "services.retirees_socialized": "people",
    "spaces.service_rooms": "rooms",
    "spaces.service_stations": "stations",
    "spaces.bulletin_boards": "boards",
    "happiness.previous_stars": "stars",
    "reporting.self_check_report_year": "year",
}


def unit_of(path: str) -> str | None:
    """The unit of a fact, as a catalogue unit name (``yuan``, ``m2``, ``percent``, …)."""
    if path in _UNITS:
        return _UNITS[path]
    if path.endswith("_yuan"):
        return "yuan"
    if path.endswith("_m2"):
        return "m2"
    if path.endswith(("_score", "total_score")) or path.startswith("happiness.objective_by"):
        return "points"
    if path.endswith(("satisfaction", "coverage")) or ".share" in path:
        return "percent"
    return None


def fact_label(path: str, lang: str = "zh", titles: Mapping[str, str] | None = None) -> str:
    """A fact's name for people; ``titles`` (a pack's derived facts and aggregates) first.

    A fact the catalogue does not know is named by its pack's title, or else by its last
    segment in words: never by its path.
    """
    found = _lookup(f"fact.{path}", lang)
    if found is not None:
        return found
    if titles and path in titles:
        return titles[path]
    if path.startswith("count(") and path.endswith(")"):
        return fact_label(path[6:-1], lang, titles)
    return path.rsplit(".", 1)[-1].replace("_", " ")


def _number(value: float, lang: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def fmt_value(path: str, value: Any, lang: str = "zh") -> str:
    """A value as a person reads it: units (元, m², 户, %, 分), yes/no, choices named."""
    if value is None:
        return text("value.unknown", lang)
    if isinstance(value, bool):
        return text("value.yes" if value else "value.no", lang)
    if isinstance(value, list | tuple):
        if not value:
            return text("value.none", lang)
        sep = text("sep.list", lang)
        return sep.join(fmt_value(path, v, lang) for v in value)
    if isinstance(value, str):
        found = _lookup(f"value.{path}.{value}", lang)
        return found if found is not None else value
    if isinstance(value, int | float):
        unit = unit_of(path)
        if unit == "percent":
            return f"{value * 100:.1f}".rstrip("0").rstrip(".") + "%"
        # a year is a name, not a quantity: 2025, never 2,025
        shown = (
            str(int(value))
            if unit == "year" and float(value).is_integer()
            else _number(value, lang)
        )
        return text(f"unit.{unit}", lang, n=shown) if unit else shown
    return str(value)


_STATED = frozenset(
    {
        "activities.complaints_handled",
        "environment.energy_compliant",
        "environment.fire_lanes_clear",
        "environment.infrastructure_renovated",
        "environment.roads_safe",
        "finance.operating_funds_in_budget",
        "governance.residents_participate",
        "jurisdiction.funds_in_budget",
        "jurisdiction.plan",
        "jurisdiction.street_offices_established",
        "organization.party_org_five_good",
    }
)
"""Yes/no facts whose English label already states that the thing holds ("plan adopted",
"funds in the budget"): a requirement says the label alone, not "… in place"."""


def states_itself(path: str, label: str) -> bool:
    """Whether a yes/no fact's English ``label`` is a statement (:data:`_STATED`, or a label
    ending in a participle: "street offices established"), not a thing to have in place."""
    return path in _STATED or bool(re.search(r"[a-z]{3}ed$", label))


_MID = re.compile(r"[A-Z][a-z]+(?=[^A-Za-z]|$)")
"""A first word in capitals as a sentence starts (not an acronym, not "iPhone")."""


def mid_sentence(title: str) -> str:
    """An English title as it reads set into a sentence: "Share of communities …" →
    "share of communities …"; a proper name or an acronym stays ("Wuma Street …",
    "GDP …": a first word in capitals, or followed by another capitalised word)."""
    first = _MID.match(title)
    if first is None:
        return title
    rest = title[first.end() :].split(maxsplit=1)
    if rest and rest[0][:1].isupper():
        return title
    return title[:1].lower() + title[1:]


def join_units(units: Sequence[str], lang: str = "zh") -> str:
    """Names of responsible units, joined as the language lists them."""
    return text("sep.units", lang).join(units)


# ------------------------------------------------------------------ problems in facts

_VALUE = r'(?P<value>"(?:[^"\\]|\\.)*"|[^"].*?)'
"""A value as a problem shows it: a quoted text is taken whole (text that reads like a
problem, "x is below the minimum 0", is the value, not the message)."""

_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern.replace("(?P<value>.+)", _VALUE)), key)
    for pattern, key in (
        *TABLE_PROBLEMS,
        # the converter's own refusals first (the general "is not a …" comes last)
        (
            r"^text with an unpaired surrogate \(U\+(?P<code>[0-9A-F]{4,6}) "
            r"at character (?P<at>\d+)\) is not valid Unicode$",
            "problem.surrogate",
        ),
        (
            r"^text of (?P<size>[\d,]+) bytes is longer than the limit of (?P<limit>[\d,]+) bytes$",
            "problem.too_long",
        ),
        (
            r"^(?P<value>.+) is not a finite number$",
            "problem.not_finite",
        ),
        (
            r"^(?P<value>.+) is beyond 2\^53 \(9,007,199,254,740,992\), "
            r"the largest number compared exactly$",
            "problem.beyond_exact",
        ),
        (
            r"^(?P<value>.+) is below -2\^53 \(-9,007,199,254,740,992\), "
            r"the smallest number compared exactly$",
            "problem.below_exact",
        ),
        (
            r"^(?P<value>.+) is not a whole number$",
            "problem.not_whole",
        ),
        (
            r"^(?P<value>.+) must be more than (?P<limit>.+)$",
            "problem.not_more_than",
        ),
        (
            r"^(?P<value>.+) is a date and time; give a date \(YYYY-MM-DD\)$",
            "problem.date_time",
        ),
        (
            r"^(?P<value>.+) is not true or false$",
            "problem.not_bool",
        ),
        (r"^the body is not a JSON object$", "problem.not_object"),
        (r"^unknown field \(expected (?P<fields>.+)\)$", "problem.unknown_request_field"),
        (r"^unknown query parameter \(this path reads none\)$", "problem.no_query"),
        (r'^is not a pack id, a list of pack ids, or "all"$', "problem.not_pack"),
        (
            r"^lists (?P<n>\d+) parts: a result has (?P<m>\d+) that can be left out "
            r"\((?P<parts>.+)\), each named once$",
            "problem.omit_too_many",
        ),
        (
            r"^community id (?P<id>.+) is given twice \(also at (?P<at>.+)\); "
            r"each is counted once$",
            "problem.community_id_twice",
        ),
        (
            r"^jurisdiction id (?P<id>.+) is given twice \(also at (?P<at>.+)\); "
            r"each is counted once$",
            "problem.jurisdiction_id_twice",
        ),
        (
            r"^leads outside the folder \(a link to a file elsewhere\): not read$",
            "problem.outside_folder",
        ),
        (r"^not valid JSON: (?P<what>.+)$", "problem.not_valid_json"),
        (r"^the service reads no files: write the communities inline$", "problem.no_files"),
        (
            r"^(?P<formula>.+) is a formula with no computed value: open and save the workbook "
            r"in Excel, or give the value$",
            "problem.formula_not_computed",
        ),
        (
            r"^(?P<pattern>.+) leaves the document's folder: give a path relative to it, "
            r"without '\.\.'$",
            "problem.leaves_folder",
        ),
        (r"^(?P<file>.+) leads outside the document's folder$", "problem.leads_outside"),
        (r"^(?P<file>.+): is not a regular file$", "problem.not_regular_file"),
        (r"^is not a regular file$", "problem.is_not_regular_file"),
        (r"^(?P<pattern>.+) names the folder itself, not a file$", "problem.names_folder"),
        (r"^(?P<file>.+): is a link loop: not read$", "problem.link_loop"),
        (r"^is a link loop: not read$", "problem.is_link_loop"),
        (r'^(?P<id>".+") is given twice: name each pack once$', "problem.pack_twice"),
        (r"^is given more than once: give it once$", "problem.query_twice"),
        (
            r"^is a query parameter: POST /v1/evaluate reads facts, pack, as_of, lang and omit "
            r"from the body$",
            "problem.query_on_evaluate",
        ),
        (
            r"^a file name with a line break or a control character is not read$",
            "problem.is_odd_name",
        ),
        (r"^is not a regular file: not read$", "problem.not_regular_not_read"),
        (
            r"^holds more than (?P<n>[\d,]+) bytes, the most a file in a folder may hold: "
            r"not read$",
            "problem.too_large",
        ),
        (
            r"^(?P<file>.+): a file name with a line break or a control character is not read$",
            "problem.odd_file_name",
        ),
        (r"^(?P<pattern>.+) looks through more than (?P<n>[\d,]+) paths$", "problem.looks_through"),
        (
            r"^(?P<file>.+): the included tables hold more than (?P<n>[\d,]+) rows together$",
            "problem.include_rows",
        ),
        (
            r"^(?P<file>.+): the included files hold more than (?P<n>[\d,]+) bytes together, "
            r"as read \(the text of this table's cells counted once a row\)$",
            "problem.include_text",
        ),
        (
            r"^(?P<file>.+): the included files hold more than (?P<n>[\d,]+) bytes together$",
            "problem.include_bytes",
        ),
        (r"^more than (?P<n>[\d,]+) files are included$", "problem.include_files"),
        (r"^tables and lists nest deeper than (?P<n>\d+) levels$", "problem.too_deep"),
        (r"^is nested too deeply(?P<evaluate> to evaluate)?$", "problem.nested_too_deeply"),
        (r'^(?P<value>.+) is not a JSON array such as \["a", "b"\]$', "problem.not_json_array"),
        (r"^is not a date \(YYYY-MM-DD\)$", "problem.is_not_date"),
        (
            r"^is after (?P<last>\d{4}-\d{2}-\d{2}), the last date whose deadlines \(due the "
            r"following year\) can be computed$",
            "problem.after_last_date",
        ),
        (r"^is not one of: (?P<choices>.+)$", "problem.is_not_one_of"),
        (r"^has (?P<n>\d+) cells where the header has (?P<m>\d+) columns$", "problem.width"),
        (r"^(?P<value>.+) is above the maximum (?P<limit>.+)$", "problem.above_max"),
        (r"^(?P<value>.+) is below the minimum (?P<limit>.+)$", "problem.below_min"),
        (r"^(?P<part>.+) is more than (?P<whole>[\w.]+) \((?P<value>.+)\)$", "problem.more_than"),
        (
            r"^the sub-scores add up to (?P<total>[^,]+), above the maximum 700$",
            "problem.subscores_above_max",
        ),
        (
            r"^the sub-scores add up to (?P<total>[^,]+), but happiness\.objective_score is "
            r"(?P<score>.+)$",
            "problem.subscores_differ",
        ),
        (r"^is required \(a table with an id\)$", "problem.required_table"),
        (
            r"^is empty: give an id \(it names the subject in results, logs and replay\)$",
            "problem.blank_id",
        ),
        (r"^is empty: write the place's name, or leave the item out$", "problem.blank_place"),
        (r"^is required$", "problem.required"),
        (r"^a required field is missing$", "problem.required_field"),
        (r"^unknown field \(not in the facts vocabulary\)$", "problem.unknown_field"),
        (r"^the document has neither .*$", "problem.no_subject"),
        (r"^(?P<pattern>.+) matches no file$", "problem.no_match"),
        (r"^is not a list of paths or globs$", "problem.not_globs"),
        (r"^(?P<value>.+) is not one of: (?P<choices>.+)$", "problem.not_one_of"),
        (r"^(?P<value>.+) is not a date \(YYYY-MM-DD\)$", "problem.not_date"),
        (r"^(?P<value>.+) is not (?:a |an )?(?P<kind>[\w ]+)$", "problem.not_a"),
        (r"^is not (?:a |an )?(?P<kind>[\w ]+)$", "problem.is_not_a"),
    )
)


_NAMES_A_PATH = frozenset({"problem.more_than", "problem.subscores_differ"})
"""Messages whose English names a fact by its path (``2 is more than staff.count (1)``):
said in English too, with the fact's name for people."""


def _recognised(
    patterns: Sequence[tuple[re.Pattern[str], str]], message: str, lang: str
) -> tuple[str, dict[str, str]] | None:
    """The catalogue key of the first pattern an English message matches, with the values
    it names (None: said as written, in English or when not recognised; in English, only
    a message naming a fact by its path is said again, with the fact's name)."""
    for pattern, key in patterns:
        if lang == "en" and key not in _NAMES_A_PATH:
            continue
        m = pattern.match(message)
        if m is not None:
            return key, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


_PLACE = re.compile(r"^(community|jurisdiction) (\d+)((?: of jurisdiction \d+)*)$")


def _place_words(place: str, lang: str) -> str:
    """Where in a document a community or jurisdiction is (``community 2 of jurisdiction
    1``: the first child jurisdiction's second community), in ``lang``; a table's row, or
    the document's own jurisdiction, as the catalogue says it or as written."""
    if place == "the document's jurisdiction":
        return text("place.top", lang)
    m = _PLACE.match(place)
    if m is None:
        return place
    kind, number, outer = m.groups()
    chain = [*reversed(re.findall(r"\d+", outer)), number]
    parts = [text("place.jurisdiction", lang, n=n) for n in chain[:-1]]
    parts.append(
        text("place.community" if kind == "community" else "place.jurisdiction", lang, n=chain[-1])
    )
    return text("place.of", lang).join(parts)


def problem_text(message: str, lang: str = "zh") -> str:
    """A problem found in a facts document, in ``lang``; as written if not recognised."""
    found = _recognised(_PROBLEMS, message, lang)
    if found is not None:
        key, values = found
        if "kind" in values:
            sep = text("sep.or", lang)
            values["kind"] = sep.join(
                _lookup(f"kind.{k.strip()}", lang) or k.strip()
                for k in re.split(r" or (?:a |an )?", values["kind"])
            )
        if "value" in values:
            values["value"] = _value_words(values["value"], lang)
        if "whole" in values:  # a fact path: said by its name
            values["whole"] = fact_label(values["whole"], lang)
        if "at" in values:  # where an id was first given
            values["at"] = _place_words(values["at"], lang)
        return text(key, lang, **values)
    return message


# A file that cannot be read as a whole, or a pack that is not installed: said before
# any record is, as "FILE: what is wrong". The parser's own words about a JSON or TOML
# syntax error stay as the parser wrote them (its line and column are put in words).
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), key)
    for pattern, key in (
        *TABLE_ERRORS,
        (
            r"^(?P<name>.+): not valid (?P<kind>JSON|TOML): (?P<what>.+?):? "
            r"(?:line (?P<line>\d+) column (?P<col>\d+) \(char \d+\)|"
            r"\(at line (?P<line2>\d+), column (?P<col2>\d+)\))$",
            "error.not_valid_at",
        ),
        (
            r"^(?P<name>.+): not valid (?P<kind>JSON|TOML): tables and lists nest deeper "
            r"than (?P<n>\d+) levels$",
            "error.too_deep",
        ),
        (
            r"^(?P<name>.+): not valid (?P<kind>JSON|TOML): a number has more than "
            r"(?P<n>[\d,]+) digits$",
            "error.long_number",
        ),
        (r"^(?P<name>.+): not valid (?P<kind>JSON|TOML): (?P<what>.+)$", "error.not_valid"),
        (
            r"^(?P<name>.+): not UTF-8 text \(byte 0x(?P<byte>[0-9a-f]{2}) at position "
            r"(?P<at>\d+)\); save the file as UTF-8$",
            "error.not_utf8",
        ),
        (r"^(?P<name>.+): cannot read the file: (?P<why>.+)$", "error.cannot_read"),
        (r"^(?P<name>.+): not a Parquet file: (?P<what>.+)$", "error.not_parquet"),
        (r"^(?P<name>.+): not an Excel workbook: (?P<what>.+)$", "error.not_xlsx"),
        (
            r"^(?P<name>.+): is a device, not a file \(use - for standard input\)$",
            "error.device",
        ),
        (r"^(?P<name>.+): is not a file name$", "error.not_a_name"),
        (
            r"^(?P<name>.+): not read: its part (?P<part>\S+) inflates to (?P<n>[\d,]+) bytes, "
            r"(?P<ratio>[\d,]+) times its compressed size \(a sheet saved by Excel is 5 to 20 "
            r"times\)$",
            "error.inflates",
        ),
        (
            r"^(?P<name>.+): the table holds no community \(no row below its header\)$",
            "error.empty_table",
        ),
        (r"^(?P<file>.+): is not a regular file$", "problem.not_regular_file"),
        (r"^(?P<file>.+): is a link loop: not read$", "problem.link_loop"),
        (r"^(?P<file>.+): is not a regular file: not read$", "error.not_regular_not_read"),
        (
            r"^(?P<file>.+): leads outside the folder \(a link to a file elsewhere\): not read$",
            "error.outside_folder",
        ),
        (
            r"^(?P<file>.+): holds more than (?P<n>[\d,]+) bytes, the most a file in a folder "
            r"may hold: not read$",
            "error.too_large",
        ),
        (
            r"^(?P<name>.+): (?P<where>.+): tables and lists nest deeper than (?P<n>\d+) levels$",
            "error.nests_at",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): is also an input; write the results elsewhere$",
            "error.also_an_input",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): cannot be written: (?P<why>.+)$",
            "error.not_written",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): cannot be appended to: (?P<why>.+)$",
            "error.not_appended",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): is not a regular file \(a device, pipe or "
            r"socket\); results are written to regular files only$",
            "error.output_not_regular",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): is not a regular file \(a device, pipe or "
            r"socket\); decisions are appended to regular files only$",
            "error.log_not_regular",
        ),
        (r"^(?P<option>--[\w-]+) (?P<name>.+): is a folder; give a file name$", "error.is_folder"),
        (
            r"^(?P<options>--[\w-]+(?: and --[\w-]+)?): asks what to log, but no --decision-log "
            r"is given$",
            "error.log_option_alone",
        ),
        (
            r"^--mask-names: masks the logged facts, but --log-facts is not given$",
            "error.mask_without_facts",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): the folder (?P<folder>.+) does not exist$",
            "error.no_folder",
        ),
        (
            r"^(?P<option>--[\w-]+) (?P<name>.+): the folder (?P<folder>.+) is not writable$",
            "error.folder_not_writable",
        ),
        (r"^as_of: (?P<date>\S+) is after (?P<last>\S+), the last date .*$", "error.after_last"),
        (
            r"^(?P<name>.+): column (?P<columns>.+) is not a fact path of the facts vocabulary "
            r"\(e\.g\. .*\)$",
            "error.not_a_column",
        ),
        (r"^(?P<name>.+): column (?P<column>.+) appears twice$", "error.column_twice"),
        (r"^(?P<name>.+): the column 'community\.id' is required$", "error.id_column"),
        (r"^unknown pack (?P<id>.+); installed packs: (?P<known>.*)$", "error.unknown_pack"),
        (r"^unknown pack (?P<id>.+): no such pack folder$", "error.no_pack_folder"),
        # why a pack runs one row at a time (policyengine.columnar.unsupported)
        (r"^(?P<pack>\S+) has Python hooks \((?P<hooks>.+)\)$", "why.hooks"),
        (r"^(?P<pack>\S+) has outputs that read a table or a tally$", "why.late_outputs"),
        (
            r"^(?P<pack>\S+) reads dates relative to facts \((?P<windows>.+)\)$",
            "why.relative_dates",
        ),
    )
)

_OS_REASONS = {
    "No such file or directory": "why.missing",
    "Permission denied": "why.denied",
    "Is a directory": "why.folder",
}


def error_text(message: str, lang: str = "zh") -> str:
    """A command's error about a whole file or a pack id, in ``lang``; as written if not
    recognised (the command line says its errors in the language of ``--lang``)."""
    found = _recognised(_ERRORS, message, lang)
    if found is not None:
        key, values = found
        if "line2" in values:
            values["line"], values["col"] = values.pop("line2"), values.pop("col2")
        if "why" in values:
            reason = _OS_REASONS.get(values["why"])
            values["why"] = text(reason, lang) if reason else values["why"]
        return text(key, lang, **values)
    return message


_LONG_INTEGER = re.compile(r"^an integer of (?P<n>\d+|many) digits$")


def _value_words(value: str, lang: str) -> str:
    """A value as a problem shows it (:func:`policyengine._converter.describe`), its words
    in ``lang``: a table, a list, no value, a very long integer."""
    if value in ("a table", "a list"):
        return _lookup(f"kind.{value[2:]}", lang) or value
    if value == "null (no value)":
        return _lookup("value.null", lang) or value
    m = _LONG_INTEGER.match(value)
    if m is not None:
        digits = m.group("n")
        key = "value.long_integer_many" if digits == "many" else "value.long_integer"
        return text(key, lang, n=digits)
    return value
