"""Every sentence a result shows, in one catalogue, rendered on demand.

A :class:`~policyengine.results.Finding` holds what was decided (its outcome, the values
seen, the parameters used) and a :class:`Reason`: a code from :data:`CATALOGUE` and the
arguments of its sentence. The sentence is built only when someone reads it
(``Finding.message``, ``to_dict()``, a reporter), in the language asked for.

The sentences are the ``msg.<code>`` entries of the gettext catalogues
(``policyengine/locale/<lang>/LC_MESSAGES/policyengine.po``, read through
:mod:`policyengine.i18n`), Chinese and English; :data:`CATALOGUE` is built from them at
import. Adding a language is adding a catalogue with the same ids (and, if values read
differently, a branch in :func:`value`).

Arguments are plain data: text, numbers, sequences of text (joined with the language's
list separator), or other :class:`Reason` objects (rendered in the same language).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from policyengine import i18n as _i18n

__all__ = [
    "CATALOGUE",
    "FROM_INPUTS",
    "LANGUAGES",
    "PASSED",
    "FactValues",
    "Reason",
    "Text",
    "Words",
    "render",
    "said_values",
    "text",
    "value",
]

LANGUAGES = _i18n.LANGUAGES


def _load() -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        table = _i18n.entries("msg.", lang)
        # gettext holds no empty translation: the default table unit is none in any language
        table.setdefault("_table_unit", "")
        tables[lang] = table
    return tables


CATALOGUE: dict[str, dict[str, str]] = _load()
"""Sentences by language and code; ``{name}`` is filled from the reason's arguments.

Add a language as a new catalogue; a template is parsed the first time it is used, so change
templates before rendering, not after."""


_NO_ARGS: Mapping[str, Any] = {}


class Reason(NamedTuple):
    """Why a finding has its outcome: a sentence code and its arguments (plain data)."""

    code: str
    args: Mapping[str, Any] = _NO_ARGS

    def render(self, lang: str = "zh") -> str:
        """The sentence in ``lang``."""
        return render(self, lang)


class FactValues(NamedTuple):
    """The values a finding saw, shown as ``path = value; path = value``."""

    pairs: tuple[tuple[str, Any], ...]

    def render(self, lang: str = "zh") -> str:
        """The values in ``lang``."""
        return said_values(self.pairs, lang)


def said_values(pairs: Iterable[tuple[str, Any]], lang: str = "zh") -> str:
    """Values shown as ``path = value; path = value`` (:class:`FactValues`)."""
    out = []
    for path, v in pairs:
        kind = v.__class__
        shown = v if kind is str else str(v) if kind is int else value(v, lang)
        out.append(f"{path} = {shown}")
    return "; ".join(out)


class Words(NamedTuple):
    """Words the pack or the data give in Chinese and, where known, in English (a name,
    a label); rendered in the language asked for, Chinese where English is not given."""

    zh: str
    en: str | None = None

    def render(self, lang: str = "zh") -> str:
        """The words in ``lang``."""
        return self.en if lang == "en" and self.en else self.zh


PASSED = Reason("pass")
"""A condition rule's pass, whose sentence names its expected text (filled in when read)."""

FROM_INPUTS = FactValues(())
"""A finding's actual values are its inputs (rendered from them when read)."""

Text = str | Reason | FactValues | Words
"""What a finding's message, expected or actual holds until it is read."""


def text(item: Text | None, lang: str = "zh") -> str | None:
    """A message, expected or actual as text in ``lang`` (None stays None)."""
    kind = item.__class__
    if kind is str or item is None:
        return item  # type: ignore[return-value]
    if kind is Reason:
        return render(item, lang)  # type: ignore[arg-type]
    return item.render(lang)  # type: ignore[union-attr]


def _table(lang: str) -> dict[str, str]:
    table = CATALOGUE.get(lang)
    if table is None:
        raise ValueError(f"no messages in language {lang!r}: choose one of {LANGUAGES}")
    return table


def _arg(item: Any, lang: str) -> str:
    kind = item.__class__
    if kind is str:
        return item  # type: ignore[no-any-return]
    if kind is Reason:
        return render(item, lang)
    if kind is FactValues or kind is Words:
        return item.render(lang)  # type: ignore[no-any-return]
    if item is None:
        return value(None, lang)
    if isinstance(item, Sequence):
        return _table(lang)["_sep"].join([_arg(i, lang) for i in item])
    return value(item, lang)


_ONE_FIELD: dict[tuple[str, str], tuple[str, str, str] | None] = {}


def _one_field(lang: str, code: str, template: str) -> tuple[str, str, str] | None:
    """``(before, name, after)`` when the template has exactly one field (a fast path)."""
    key = (lang, code)
    if key not in _ONE_FIELD:
        parts = list(string.Formatter().parse(template))
        fields = [p for p in parts if p[1] is not None]
        found = None
        if len(fields) == 1 and not fields[0][2] and not fields[0][3]:
            before, name = fields[0][0], fields[0][1]
            after = "".join(p[0] for p in parts[parts.index(fields[0]) + 1 :])
            found = (before, name or "", after)
        _ONE_FIELD[key] = found
    return _ONE_FIELD[key]


def render(reason: Reason, lang: str = "zh") -> str:
    """The sentence of ``reason`` in ``lang``."""
    table = CATALOGUE.get(lang) or _table(lang)
    code, args = reason
    template = table[code]
    if not args:
        return template
    if "n" in args and _i18n.is_one(args["n"]) and code + ".one" in table:
        code = code + ".one"  # the sentence for one: "1 more community lacks data"
        template = table[code]
    if len(args) == 1:
        one = _one_field(lang, code, template)
        if one is not None and one[1] in args:
            v = args[one[1]]
            return one[0] + (v if v.__class__ is str else _arg(v, lang)) + one[2]
    filled = {}
    for k, v in args.items():
        filled[k] = v if v.__class__ is str else _arg(v, lang)
    return template.format_map(filled)


def value(item: Any, lang: str = "zh") -> str:
    """A fact or parameter value as a person reads it (the one value formatter)."""
    kind = type(item)
    if kind is str:
        return item  # type: ignore[no-any-return]
    if kind is int:
        return str(item)
    if item is None:
        return _table(lang)["_unknown"]
    if kind is bool:
        return _table(lang)["_yes" if item else "_no"]
    if kind is float:
        return str(int(item)) if item.is_integer() else str(item)
    if isinstance(item, tuple | list):
        return "[" + ", ".join(value(v, lang) for v in item) + "]"
    if isinstance(item, dt.date):
        return item.isoformat()
    return str(item)
