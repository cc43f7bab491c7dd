"""Every sentence a result shows, in one catalogue, rendered on demand.

A :class:`~policyengine.results.Finding` holds what was decided (its outcome, the values
seen, the parameters used) and a :class:`Reason`: a code from :data:`CATALOGUE` and the
arguments of its sentence. The sentence is built only when someone reads it
(``Finding.message``, ``to_dict()``, a reporter), in the language asked for.

Adding a language is adding one table to :data:`CATALOGUE` with the same codes (and, if
values read differently, a branch in :func:`value`). Only ``zh`` exists today.

Arguments are plain data: text, numbers, sequences of text (joined with the language's
list separator), or other :class:`Reason` objects (rendered in the same language).
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "CATALOGUE",
    "FROM_INPUTS",
    "LANGUAGES",
    "PASSED",
    "FactValues",
    "Reason",
    "Text",
    "render",
    "text",
    "value",
]

LANGUAGES = ("zh",)

CATALOGUE: dict[str, dict[str, str]] = {
    "zh": {
        # list separator and bits
        "_sep": "、",
        "_unknown": "未知",
        "_yes": "是",
        "_no": "否",
        "responsible": "责任单位：{units}。",
        # applicability of the pack
        "not_in_force": "政策在 {date} 不在有效期内。",
        "pack_not_applicable": "本方案不适用于该社区（{condition} 不成立）。",
        # condition rules
        "param_unset": "不适用：{date} 时文件未规定 {names}。",
        "when_unknown": "缺少数据，无法判断是否适用：{paths}。",
        "when_false": "不适用：{condition} 不成立。",
        "not_applicable": "不适用：{reason}",
        "require_unknown": "缺少数据：{paths}，无法判断。",
        "pass": "符合：{expected}。",
        "advisory": "建议：{expected}（实际：{actual}）。指导性要求，不影响结论。",
        "fail": "不符合：要求 {expected}，实际 {actual}。{responsible}",
        # scales
        "scale_unknown": "缺少数据：{paths}，无法评定。",
        "scale_when_false": "不予评定：{condition} 不成立。",
        "scale_below": "未达到最低档：{input} = {value}，要求 ≥ {lowest}。{responsible}",
        "scale_band": "{input} = {value} ≥ {threshold}：{label}。",
        "scale_expected": "{input} ≥ {lowest}（{label}）",
        # tables (amounts by level); the pack's words replace these
        "_table_amount": "奖励",
        "_table_kind": "等级",
        "_table_lowered": "降级",
        "_table_unit": "",
        "table_level_unknown": "{kind}未能评定（缺少数据），{amount}无法确定。",
        "table_previous_unknown": "缺少数据：{previous}（原有{kind}），无法区分首次评定与晋升。",
        "table_none": "未评定{kind}，无{amount}。",
        "table_kept": "保留（{previous}→{level}{unit}），不再{amount}。",
        "table_lowered": "{lowered}（{previous}→{level}{unit}），不再{amount}。",
        "table_first": "首次评定为{level}",
        "table_step": "从{previous}晋升到{level}",
        "table_not_stated": "{how}：文件未规定“{param}”（{low}→{high}{unit}）的{amount}金额。",
        "table_amount": "{how}，{amount} {total} {currency}。",
        "table_split": "{how}，{amount} {total} {currency}。承担：{split}。",
        "table_share": "{payer} {amount} {currency}",
        "table_expected": "{amount} {unit}",
        # summaries (every binding requirement met)
        "summary_when": "{condition} 不成立，无法判断是否达到{title}。",
        "summary_applicability": "本方案不适用于该社区或适用性未知，无法判断是否达到{title}。",
        "summary_fail": "未达到{title}：不符合 {rules}。",
        "summary_unknown": "无法判断是否达到{title}：缺少数据的要求 {rules}。",
        "summary_none": "没有适用的约束性要求，无法判断是否达到{title}。",
        "summary_pass": "达到{title}：{n} 项约束性要求全部符合。",
        "summary_expected": "达到{title}（全部约束性要求符合）",
        "summary_actual": "{output} = {value}",
        # deadlines
        "dl_none": "无",
        "dl_dash": "—",
        "dl_dates": "{dates}",
        "dl_unknown_value": "未知",
        "dl_unknown": "缺少数据：{what}，无法判断是否按期完成。",
        "dl_monthly_expected": "{start} 至 {end} 每月{day}日前（含当日）",
        "dl_monthly_missing": "逾期未报送：{missing}。",
        "dl_monthly_missing_late": "逾期未报送：{missing}。逾期报送：{late}。",
        "dl_monthly_late": "逾期报送（超过{day}日）：{late}。",
        "dl_monthly_pending": "待报送：{due} 前（含当日）。",
        "dl_monthly_pass": "已按期报送。",
        "dl_yearly_expected": "每年{month}月{day}日前完成",
        "dl_yearly_from": "{year} 年起执行。",
        "dl_yearly_actual": "最近一次：{last} 年",
        "dl_yearly_pass": "{year} 年已完成。",
        "dl_yearly_missed": "{year} 年未完成（最近一次 {last} 年）。",
        "dl_yearly_overdue": "{year} 年逾期未完成（应于 {due} 前）。",
        "dl_yearly_due": "{year} 年尚未完成，应于 {due} 前（含当日）完成。",
        "dl_once_expected": "{due} 前（含当日）完成",
        "dl_once_pass": "已按期完成。",
        "dl_once_late": "逾期完成（{done}）。",
        "dl_done": "已完成",
        "dl_not_done": "未完成",
        "dl_done_pass": "已完成。",
        "dl_once_due": "尚未完成，应于 {due} 前（含当日）完成。",
        "dl_once_overdue": "逾期未完成（应于 {due} 前）。",
        # jurisdictions
        "aggregate_share": "{path} = {share}（{met}/{known}）{extra}",
        "aggregate_value": "{path} = {value}{extra}",
        "aggregate_unknown_extra": "，另有 {n} 个社区数据不全",
        "aggregate_undecided": (
            "缺少数据：部分社区数据不全，{paths} 是否达标尚无法确定（{actual}）。"
        ),
        # two sentences in a row (e.g. a deadline's and its responsible units)
        "then": "{first}{then}",
    }
}
"""Sentences by language and code; ``{name}`` is filled from the reason's arguments.

Add a language as a new table; a template is parsed the first time it is used, so change
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
        out = []
        for path, v in self.pairs:
            kind = v.__class__
            shown = v if kind is str else str(v) if kind is int else value(v, lang)
            out.append(f"{path} = {shown}")
        return "; ".join(out)


PASSED = Reason("pass")
"""A condition rule's pass, whose sentence names its expected text (filled in when read)."""

FROM_INPUTS = FactValues(())
"""A finding's actual values are its inputs (rendered from them when read)."""

Text = str | Reason | FactValues
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
    if kind is FactValues:
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
