"""The ``table`` rule kind: amounts by level reached, for first ratings and each step climbed."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import attrs

from policyengine.exceptions import PackError
from policyengine.messages import FactValues, Reason, Text, Words
from policyengine.pack import Table, TableRow
from policyengine.plan.common import Build
from policyengine.results import Outcome

__all__ = ["TableAnswer", "TablePlan", "build", "split"]


def split(amount: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Split an amount by shares; the last payer takes the rounding remainder."""
    out: dict[str, int] = {}
    names = list(shares)
    for name in names[:-1]:
        out[name] = round(amount * shares[name])
    out[names[-1]] = amount - sum(out.values())
    return out


@attrs.frozen
class TableAnswer:
    """What a table gives for one subject: the amount, its payers, the finding's outcome."""

    amount: int | None
    payers: dict[str, int] | None
    outcome: Outcome
    reason: Reason
    expected: Text | None = None
    actual: Text | None = None
    """None: the finding shows the facts it read."""
    row: TableRow | None = None
    """The row of the level reached (None: no level, or level 0)."""


@attrs.frozen
class TablePlan:
    """One ``[[tables]]`` entry, ready to answer for a level and the level held before."""

    table: Table
    titles: Mapping[str, Words] = attrs.field(factory=dict)
    """The titles of the parameters the table reads (a sentence names a parameter by its
    title, never by its id)."""

    @property
    def id(self) -> str:
        """The table's id, as rules name it in ``table``."""
        return self.table.id

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter the table reads, in row order, each once."""
        names: dict[str, None] = {}
        for row in self.table.rows:
            for name in (row.first, row.step, row.payers):
                if name is not None:
                    names.setdefault(name)
        return tuple(names)

    def _name(self, level: int) -> Words:
        t = self.table
        return Words(t.level_names.get(str(level), str(level)), t.level_names_en.get(str(level)))

    def _payer(self, payer: str) -> Words:
        return Words(payer, self.table.payer_names_en.get(payer))

    def _row(self, level: int) -> TableRow | None:
        rows = self.table.rows
        return rows[level - 1] if 1 <= level <= len(rows) else None

    @cached_property
    def _words(self) -> dict[str, Any]:
        """The pack's words for messages, else the catalogue's (rendered in any language)."""
        given, english = self.table.words, self.table.words_en
        return {
            key: Words(given[name], english.get(name)) if name in given else Reason(f"_table_{key}")
            for key, name in (
                ("amount", "amount"),
                ("kind", "level"),
                ("lowered", "lowered"),
                ("unit", "level_unit"),
            )
        }

    @cached_property
    def _memo(self) -> dict[tuple[Any, Any, int], tuple[Mapping[str, Any], TableAnswer]]:
        return {}

    def answer(self, level: Any, previous: Any, params: Mapping[str, Any]) -> TableAnswer:
        """The amount for reaching ``level`` from ``previous`` (facts as given, None unknown).

        Remembered per parameter mapping (the plan keeps one per date); treat the answer's
        payers as read-only.
        """
        key = (level, previous, id(params))
        hit = self._memo.get(key)
        if hit is not None and hit[0] is params:
            return hit[1]
        found = self._answer(level, previous, params)
        if len(self._memo) > 4096:
            self._memo.clear()
        self._memo[key] = (params, found)
        return found

    def _answer(self, level: Any, previous: Any, params: Mapping[str, Any]) -> TableAnswer:
        t = self.table
        words = self._words
        if level is None:
            return TableAnswer(None, None, "unknown", Reason("table_level_unknown", words))
        level = int(level)
        row = self._row(level)
        if previous is None and level > 0:
            reason = Reason("table_previous_unknown", {**words, "previous": t.previous})
            return TableAnswer(None, None, "unknown", reason, row=row)
        actual = FactValues(((t.level, level), (t.previous, previous)))
        previous = int(previous or 0)
        if level == 0:
            reason = Reason("table_none", words)
            return TableAnswer(0, {}, "not_applicable", reason, actual=actual)
        if level <= previous:
            code = "table_kept" if level == previous else "table_lowered"
            numbers = {**words, "level": str(level), "previous": str(previous)}
            return TableAnswer(
                0, {}, "not_applicable", Reason(code, numbers), actual=actual, row=row
            )
        names = {"level": self._name(level), "previous": self._name(previous)}
        steps: list[tuple[int, str | None, str | None]] = []
        if previous == 0:
            how = Reason("table_first", names)
            steps.append((level, row.first if row else None, row.payers if row else None))
        else:
            how = Reason("table_step", names)
            for lv in range(previous + 1, level + 1):
                r = self._row(lv)
                steps.append((lv, r.step if r else None, r.payers if r else None))
        total = 0
        payers: dict[str, int] = {}
        for lv, name, payers_name in steps:
            amount = params.get(name) if name else None
            if amount is None:
                args = {
                    **words,
                    "how": how,
                    "param": self.titles.get(name, name) if name else "",
                    "low": str(lv - 1),
                    "high": str(lv),
                }
                reason = Reason("table_not_stated", args)
                return TableAnswer(None, None, "unknown", reason, actual=actual, row=row)
            total += int(amount)
            shares = params.get(payers_name) if payers_name else None
            if shares:
                for payer, part in split(int(amount), shares).items():
                    payers[payer] = payers.get(payer, 0) + part
        currency = Words(t.unit, t.unit_en)
        # amounts as officials write them: 50,000 元 (the outputs keep the numbers)
        parts = [
            Reason(
                "table_share", {"payer": self._payer(p), "amount": f"{v:,}", "currency": currency}
            )
            for p, v in payers.items()
        ]
        shown = f"{total:,}"
        reason = Reason(
            "table_split" if parts else "table_amount",
            {**words, "how": how, "total": shown, "currency": currency, "split": parts},
        )
        expected = Reason("table_expected", {"amount": shown, "unit": currency})
        return TableAnswer(total, payers, "pass", reason, expected, actual, row=row)

    @cached_property
    def _no_outputs(self) -> dict[str, None]:
        """Every output key of the table, in output order, each None."""
        t = self.table
        keys = {k for row in t.rows for k in row.outputs}
        out: dict[str, None] = {t.output: None}
        if t.payers_output:
            out[t.payers_output] = None
        out.update(dict.fromkeys(sorted(keys)))
        return out

    def outputs(self, answer: TableAnswer | None) -> dict[str, Any]:
        """The table's outputs for one answer (None: the pack does not apply)."""
        t = self.table
        out: dict[str, Any] = dict(self._no_outputs)
        if answer is None:
            return out
        out[t.output] = answer.amount
        if t.payers_output:
            out[t.payers_output] = answer.payers
        if answer.row is not None:
            out.update(answer.row.outputs)
        return out


def build(b: Build) -> None:
    """Check and plan the pack's tables (communities only)."""
    items: list[TablePlan] = []
    for i, table in enumerate(b.pack.tables if b.community else ()):
        if b.env[0](table.previous) is None:
            raise PackError(f"{b.file}: tables[{i}].previous: {table.previous!r} is not a fact")
        plan = TablePlan(table)
        params = b.pack.parameters
        titles = {
            n: Words(params[n].title, params[n].title_en) for n in plan.parameters if n in params
        }
        items.append(attrs.evolve(plan, titles=titles))
        b.read((table.previous,))
    b.items["tables"] = tuple(items)
