"""What the engine relies on is checked when a pack loads, not only by lint.

Each broken pack below loads with a PackError naming its pack.toml and the key; the
same problems are what ``policyengine lint`` reports under ``dated-values`` and
``band-overlap`` (tests/test_lint.py).
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import policyengine
from policyengine.exceptions import PackError
from policyengine.pack import load_pack

HEAD = """\
[pack]
id = "broken"
version = "1"
title = "测试"
title_en = "Broken"
region = "测试"

[pack.source]
title = "测试文件"
issuer = ["测试"]
date = 2020-01-01
"""

RULE = """
[[rules]]
id = "staff"
title = "人员"
clause = "一"
quote = "测试。"
require = "staff.count >= params.min_staff"
"""

SCALE = """
[[scales]]
id = "rating"
title = "评级"
clause = "一"
quote = "测试。"
input = "staff.count"
output = "level"
bands = [{bands}]
"""


def _pack(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "pack.toml").write_text(HEAD + body, encoding="utf-8")
    return folder


def _param(values: str) -> str:
    return (
        f"""
[parameters.min_staff]
title = "最少人员"
clause = "一"
quote = "测试。"
values = [{values}]
"""
        + RULE
    )


def _error(tmp_path: Path, body: str) -> str:
    folder = _pack(tmp_path, body)
    with pytest.raises(PackError) as info:
        load_pack(folder)
    return str(info.value)


def test_a_sound_pack_loads(tmp_path: Path) -> None:
    """Ascending dates, one type, rising thresholds: the pack loads and evaluates."""
    body = _param("{ since = 2020-01-01, value = 3 }, { since = 2022-01-01, value = 5 }")
    body += SCALE.format(bands='{ value = 1, min = 1 }, { value = 2, min = "params.min_staff" }')
    pack = load_pack(_pack(tmp_path, body))
    facts = {"community": {"id": "c"}, "staff": {"count": 4}}
    result = policyengine.evaluate(facts, pack, as_of=dt.date(2021, 6, 1))
    assert 2 == result.outputs["level"]


def test_dated_values_out_of_order(tmp_path: Path) -> None:
    """The value in force is the last one started: dates must ascend."""
    message = _error(
        tmp_path, _param("{ since = 2022-01-01, value = 5 }, { since = 2021-01-01, value = 3 }")
    )
    assert (
        f"{tmp_path / 'broken' / 'pack.toml'}: parameters.min_staff.values[1]: since 2021-01-01 "
        "comes before values[0]'s 2022-01-01: list dated values in date order"
    ) == message


def test_dated_values_on_the_same_date(tmp_path: Path) -> None:
    """Two values from one date: which is in force is undecidable."""
    message = _error(
        tmp_path, _param("{ since = 2021-01-01, value = 5 }, { since = 2021-01-01, value = 3 }")
    )
    assert message.endswith(
        "pack.toml: parameters.min_staff.values[1]: since 2021-01-01 is also values[0]'s: "
        "two values overlap on that date"
    )


def test_parameter_changing_type_across_dates(tmp_path: Path) -> None:
    """A parameter that is a number on one date and text on another."""
    message = _error(
        tmp_path, _param('{ since = 2020-01-01, value = 3 }, { since = 2022-01-01, value = "五" }')
    )
    assert message.endswith(
        "pack.toml: parameters.min_staff.values[1].value: '五' is text, but values[0] is a "
        "number: a parameter keeps one type across its dates"
    )


def test_programme_year_outside_the_programme(tmp_path: Path) -> None:
    """A programme-year value for a year the programme does not have."""
    head = '\n[pack.programme]\nstart_parameter = "start"\nyears = 3\n'
    body = (
        '[parameters.start]\ntitle = "起始年"\nclause = "一"\nquote = "测试。"\nvalue = 2020\n'
        + _param("{ year = 1, value = 3 }, { year = 4, value = 5 }")
    )
    folder = tmp_path / "broken"
    folder.mkdir()
    text = HEAD.replace("\n[pack.source]", head + "\n[pack.source]") + "\n" + body
    (folder / "pack.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError, match=r"parameters\.min_staff\.values\[1\]: year 4 is outside"):
        load_pack(folder)


def test_band_thresholds_not_rising(tmp_path: Path) -> None:
    """A higher band starting below a lower one: the highest band reached would skip it."""
    message = _error(
        tmp_path, SCALE.format(bands="{ value = 1, min = 10 }, { value = 2, min = 5 }")
    )
    assert message.endswith(
        "pack.toml: scales[0] (rating).bands[1]: band 2 starts at 5, below band 1 at 10: the "
        "bands overlap (thresholds must rise with the band value)"
    )


def test_band_thresholds_crossing_on_a_later_date(tmp_path: Path) -> None:
    """Thresholds from dated parameters are checked on every date a value starts."""
    body = _param("{ since = 2020-01-01, value = 3 }, { since = 2022-01-01, value = 30 }")
    body += SCALE.format(bands='{ value = 1, min = "params.min_staff" }, { value = 2, min = 20 }')
    message = _error(tmp_path, body)
    assert message.endswith(
        "pack.toml: scales[0] (rating).bands[1]: band 2 starts at 20, below band 1 at "
        "params.min_staff = 30 (from 2022-01-01): the bands overlap (thresholds must rise "
        "with the band value)"
    )


def test_band_value_twice(tmp_path: Path) -> None:
    """Two bands with one value."""
    message = _error(tmp_path, SCALE.format(bands="{ value = 1, min = 1 }, { value = 1, min = 5 }"))
    assert "scales[0] (rating).bands[1]: band value 1 is also bands[0]'s" in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """One PackError lists every invariant problem, one line each."""
    body = _param("{ since = 2022-01-01, value = 5 }, { since = 2021-01-01, value = true }")
    body += SCALE.format(bands="{ value = 1, min = 10 }, { value = 2, min = 5 }")
    lines = _error(tmp_path, body).splitlines()
    assert 3 == len(lines)
    assert all(line.startswith(str(tmp_path / "broken" / "pack.toml") + ": ") for line in lines)
