"""The declarative kinds of ``pack.toml`` that stand for what packs once wrote in Python:
tables of amounts by level, summaries of rule groups, tallies of findings by area and lists
of the facts a group of rules found false or unknown. :mod:`policyengine.plan` compiles
them."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["FactList", "Summary", "Table", "TableRow", "Tally"]


@attrs.frozen
class TableRow:
    """One level of a :class:`Table`: the parameters that hold its amounts and payers."""

    level: int
    first: str | None = None
    """The parameter holding the amount for reaching this level the first time."""
    step: str | None = None
    """The parameter holding the amount for the step from ``level - 1`` up to this level."""
    payers: str | None = None
    """The parameter holding ``{payer: share}`` for the amounts of this level."""
    outputs: dict[str, str] = attrs.Factory(dict)
    """Text outputs at this level (e.g. who evaluates it)."""


@attrs.frozen
class Table:
    """Amounts by level reached (e.g. 四(六)'s rewards): first ratings and each step climbed.

    A first rating (``previous`` is 0) earns the level's ``first`` amount; a promotion
    earns the ``step`` amount of every level climbed; a kept or lowered level earns 0. A
    step whose parameter has no value (not stated in the document) makes the amount null,
    never 0. Each amount is split by its level's ``payers`` shares (the last payer takes
    the rounding remainder).
    """

    id: str
    level: str
    """The output (of a scale) holding the level reached; 0 means none."""
    previous: str
    """The fact holding the level held before (0: none)."""
    rows: tuple[TableRow, ...]
    output: str
    payers_output: str | None = None
    unit: str = "元"
    level_names: dict[str, str] = attrs.Factory(dict)
    """How the document names each level (``{"3": "三星级"}``), for messages."""
    words: dict[str, str] = attrs.Factory(dict)
    """Words for messages: ``amount`` (奖励), ``level`` (等级), ``lowered`` (降级),
    ``level_unit`` (after a level number, e.g. " 星")."""
    level_names_en: dict[str, str] = attrs.Factory(dict)
    """The levels' names in English (``{"3": "three stars"}``), for ``--lang en``."""
    words_en: dict[str, str] = attrs.Factory(dict)
    """``words`` in English, for ``--lang en``."""
    payer_names_en: dict[str, str] = attrs.Factory(dict)
    """The payers (the keys of the ``payers`` parameters) in English, for ``--lang en``."""
    unit_en: str | None = None
    """``unit`` in English (e.g. ``yuan``), for ``--lang en``."""


@attrs.frozen
class Summary:
    """Whether a subject meets every binding requirement: a true/false/null output.

    False when a counted finding fails (``fail``, ``overdue``, ``met_late``); null when
    one is unknown, when the pack's applicability is not true, when ``when`` does not
    hold, or (``requires_a_pass``) when none passes; else true. Counted: the binding
    findings of condition rules, scales and deadlines (``with_area``: only those with an
    area).
    """

    output: str
    title: str
    when: str | None = None
    expected: str | None = None
    """What the summary rule's finding shows as required (default: from ``title``)."""
    title_en: str | None = None
    """``title`` in English, for ``--lang en``."""
    expected_en: str | None = None
    """``expected`` in English, for ``--lang en``."""
    with_area: bool = False
    requires_a_pass: bool = False


@attrs.frozen
class Tally:
    """Findings counted by group: ``{group: {outcome: n}}``, every group listed.

    ``groups`` lists the groups in order (default: the areas of the pack's binding
    community rules, in pack order); ``binding_only`` counts binding findings only.
    """

    output: str
    by: Literal["area"] = "area"
    groups: tuple[str, ...] = ()
    count: tuple[str, ...] = ("pass", "fail", "unknown")
    binding_only: bool = False


@attrs.frozen
class FactList:
    """The facts under ``prefix`` read by the pack's community rules that are false (or missing).

    Paths in pack order, each once; a fact that is missing is unknown, never false.
    """

    prefix: str
    false_output: str | None = None
    unknown_output: str | None = None
