"""The numbers behind the charts of the HTML pages; the SVG is drawn by the templates.

* **Shares against targets**: every jurisdiction rule comparing a share (or count) over
  communities with a target parameter — Wuma's 30/50/100 % star targets, Chifeng's shares
  against the target of the programme year — as a bar with the target marked.
* **Star distribution**: communities by the band of a scale output (Wuma's stars).
* **Pass/fail by area**: findings counted by task area over the communities (Fengxiang,
  Yixing, Wuzhou).
* **Monthly report calendar**: for a monthly deadline (Wuzhou's report by the 24th), each
  month from the deadline's start to its end: on time, late, missing or not yet due.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from policyengine.i18n import text
from policyengine.pack import Pack
from policyengine.reports.view import area_label, rule_title, walk
from policyengine.results import Result

__all__ = [
    "Bar",
    "Calendar",
    "Stacked",
    "all_charts",
    "area_chart",
    "calendars",
    "share_bars",
    "star_counts",
]


@attrs.frozen
class Bar:
    """One share (0–1) against its target."""

    label: str
    value: float
    target: float | None
    detail: str
    met: bool


@attrs.frozen
class Stacked:
    """Counts of pass, fail and unknown in one group."""

    label: str
    passed: int
    failed: int
    unknown: int

    @property
    def total(self) -> int:
        """All three counts."""
        return self.passed + self.failed + self.unknown


@attrs.frozen
class Calendar:
    """One subject's months: ``(label, status)`` with status on_time/late/missing/future."""

    subject: str
    day: int
    months: tuple[tuple[str, str], ...]


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def share_bars(result: Result, pack: Pack | None, lang: str = "zh") -> list[Bar]:
    """One bar per jurisdiction finding that compares a share over communities to a target."""
    bars: list[Bar] = []
    for f in result.findings:
        shares = [(path, d) for path, d in f.inputs.items() if isinstance(d, dict) and "known" in d]
        if len(shares) != 1 or len(f.parameters) != 1:
            continue
        _, d = shares[0]
        value = _number(d.get("value"))
        target = _number(next(iter(f.parameters.values())))
        if value is None or (value > 1 or (target is not None and target > 1)):
            continue
        detail = f"{d.get('met', 0)}/{d.get('known', 0)}"
        bars.append(
            Bar(
                label=rule_title(f, pack, lang),
                value=value,
                target=target,
                detail=detail,
                met=target is None or value >= target - 1e-9,
            )
        )
    return bars


def star_counts(result: Result, pack: Pack | None) -> tuple[str, list[tuple[str, int]]] | None:
    """``(output, [(band label, communities)])`` for the pack's first scale, or None."""
    if pack is None or not pack.scales or not result.communities:
        return None
    scale = pack.scales[0]
    labels = [(0, "0")] + [
        (b.value, str(b.value)) for b in scale.bands if isinstance(b.value, int | float)
    ]
    found: dict[Any, int] = {v: 0 for v, _ in labels}
    unknown = 0
    for depth, r in walk([result]):
        if depth == 0 or r.subject_level != "community":
            continue
        value = r.outputs.get(scale.output)
        if value in found:
            found[value] += 1
        else:
            unknown += 1
    rows = [(label, found[v]) for v, label in labels]
    if unknown:
        rows.append(("?", unknown))
    return scale.output, rows


def area_chart(result: Result, lang: str = "zh") -> list[Stacked]:
    """Findings by task area over the result's communities (or the result itself)."""
    groups: dict[str, list[int]] = {}
    subjects = [r for _, r in walk([result]) if r.subject_level == "community"] or [result]
    for r in subjects:
        for f in r.findings:
            if f.area is None or not f.binding:
                continue
            counts = groups.setdefault(f.area, [0, 0, 0])
            if f.outcome == "pass":
                counts[0] += 1
            elif f.outcome in ("fail", "overdue", "met_late"):
                counts[1] += 1
            elif f.outcome == "unknown":
                counts[2] += 1
    return [Stacked(area_label(a, lang), *c) for a, c in groups.items() if any(c)]


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def calendars(result: Result, pack: Pack | None, lang: str = "zh") -> list[Calendar]:
    """Monthly report calendars for each community of the result (or the result itself)."""
    if pack is None:
        return []
    monthly = [d for d in pack.deadlines if d.kind == "monthly" and d.day and d.start and d.end]
    if not monthly:
        return []
    dl = monthly[0]
    assert dl.day is not None
    assert dl.start is not None
    assert dl.end is not None
    out: list[Calendar] = []
    subjects = [r for _, r in walk([result]) if r.subject_level == "community"] or [result]
    for r in subjects[:60]:
        f = next((x for x in r.findings if x.rule == dl.id), None)
        if f is None or f.outcome == "not_applicable":
            continue
        raw = f.inputs.get(dl.evidence)
        dates = sorted(dt.date.fromisoformat(str(x)) for x in raw or ())
        months: list[tuple[str, str]] = []
        previous_due = dl.start - dt.timedelta(days=1)
        for y, m in _months(dl.start, dl.end):
            due = dt.date(y, m, min(dl.day, 28 if m == 2 else 30 if m in (4, 6, 9, 11) else 31))
            label = f"{y % 100:02d}-{m:02d}"
            if raw is None:
                status = "no_data"
            elif any(previous_due < x <= due for x in dates):
                status = "on_time"
            elif due > r.as_of:
                status = "future"
            elif any(x.year == y and x.month == m for x in dates):
                status = "late"
            else:
                status = "missing"
            months.append((label, status))
            previous_due = due
        out.append(Calendar(r.subject_name or r.subject_id, dl.day, tuple(months)))
    return out


def legend(lang: str) -> list[tuple[str, str]]:
    """``(status, label)`` of the calendar's colours."""
    return [
        (s, text(f"chart.{s}", lang)) for s in ("on_time", "late", "missing", "future", "no_data")
    ]


def scale_title(pack: Pack | None, output: str, lang: str) -> str:
    """The chart title of a scale's distribution."""
    return text("chart.stars", lang) if output == "stars" else output


def all_charts(result: Result, pack: Pack | None, lang: str) -> dict[str, Any]:
    """Every chart's data for one result, for the templates."""
    stars = star_counts(result, pack) if result.subject_level == "jurisdiction" else None
    return {
        "bars": share_bars(result, pack, lang),
        "stars": stars,
        "stars_title": scale_title(pack, stars[0], lang) if stars else "",
        "areas": area_chart(result, lang),
        "calendars": calendars(result, pack, lang),
        "legend": legend(lang),
    }
