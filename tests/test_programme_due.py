"""Due dates that follow the programme's start year (policies.md §6 "Due dates"; Chifeng
二(一) "运用三年时间", and its year-end targets 年终前/年内).

Chifeng's programme starts in ``start_year`` (2008 by default, a reading: policies.md §2), a
parameter a user may override. Its demonstration goals are due at the end of the programme,
its year-end targets at the end of each programme year, and after the programme the last
year's target is due at the last year's end. With ``start_year = 2009`` every one of these
dates moves a year later: they were written (or counted) from 2008 whatever the override.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt

import pytest

import policyengine

DISTRICT = {
    "jurisdiction": {"id": "hs", "name": "红山区", "level": "district"},
    "communities": [{"community": {"id": "c1", "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"]}}],
}
COMMUNITY = {"community": {"id": "c1", "jurisdiction": ["内蒙古自治区", "赤峰市", "红山区"]}}
PACK = "chifeng-annual-targets"


def _due(document, rule, as_of, start=None):
    overrides = {"start_year": start} if start is not None else None
    result = policyengine.evaluate(document, PACK, as_of=as_of, parameters=overrides)
    return result.finding(rule).due


@pytest.mark.parametrize(
    ("start", "as_of", "due"),
    [
        (None, dt.date(2008, 6, 30), dt.date(2010, 12, 31)),
        (None, dt.date(2010, 6, 30), dt.date(2010, 12, 31)),
        (2009, dt.date(2009, 6, 30), dt.date(2011, 12, 31)),
        (2009, dt.date(2011, 6, 30), dt.date(2011, 12, 31)),
        (2023, dt.date(2024, 6, 30), dt.date(2025, 12, 31)),
    ],
)
def test_the_programme_goal_is_due_at_the_end_of_the_programme_in_force(start, as_of, due):
    """二(一) "运用三年时间…每个地区都要至少创立1个自治区级示范友好小区": due 12-31 of
    programme year 3, counted from the start year in force."""
    assert due == _due(DISTRICT, "district.region-demonstration", as_of, start)


@pytest.mark.parametrize(
    ("start", "as_of", "due"),
    [
        (None, dt.date(2009, 6, 30), dt.date(2009, 12, 31)),
        (None, dt.date(2012, 6, 30), dt.date(2010, 12, 31)),
        (2009, dt.date(2011, 6, 30), dt.date(2011, 12, 31)),
        (2009, dt.date(2012, 6, 30), dt.date(2011, 12, 31)),
    ],
)
def test_a_year_end_target_after_the_programme_is_due_at_its_last_year_end(start, as_of, due):
    """A year-end target (年内) is due 12-31 of the programme year; after the programme,
    the last year's target stands, due at the last year's end: 2011 when it starts in 2009
    (it was 2010-12-31, the end of the default programme)."""
    assert due == _due(COMMUNITY, "services.retirees-socialised", as_of, start)


@pytest.mark.parametrize(
    ("start", "as_of", "due"),
    [
        (None, dt.date(2008, 6, 30), dt.date(2008, 12, 31)),
        (None, dt.date(2009, 6, 30), dt.date(2008, 12, 31)),
        (None, dt.date(2012, 6, 30), dt.date(2008, 12, 31)),
        (2009, dt.date(2010, 6, 30), dt.date(2009, 12, 31)),
    ],
)
def test_a_year_one_target_kept_later_stays_due_at_the_end_of_year_one(start, as_of, due):
    """二(二) year 1: "年终前所有城镇小区党组织和居委会覆盖率到达100%"; the years-2 and -3
    paragraphs set no new date for it. A community without its party organisation in year 2
    is a year overdue: due at the end of year 1 (it said the end of the current year)."""
    assert due == _due(COMMUNITY, "org.party-org-and-committee", as_of, start)
    assert due == _due(DISTRICT, "district.org-coverage", as_of, start)
