"""Cells read as arrays give exactly what reading each cell on its own gives.

Property tests (hypothesis) of the array readers of :mod:`policyengine.columnar.screen`
against the per-cell readers they replace: boolean words (``true``/``false`` found in the
strings' bytes, any other spelling read on its own) and JSON lists of dates (the plain ones
read as numbers, checked against the calendar; the rest parsed one by one), including
their distinct values and flat dates, which the deadline kernels read.
"""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
np = pytest.importorskip("numpy")

from policyengine.columnar import screen  # noqa: E402
from policyengine.columnar.vector import Vec  # noqa: E402
from policyengine.tables import column_types  # noqa: E402

WORDS = ["true", "false", "TRUE", "False", " true ", "\u3000true", "tru", "truee", "fals",
         "", " ", "\t", "yes", "1", "ｔｒｕｅ"]


def _by_word(cells: list[str | None]) -> tuple[list[bool], list[bool], list[bool]]:
    """Each cell read on its own, as the row path reads it."""
    kinds = [screen._EMPTY if c is None else screen._bool_word(c) for c in cells]
    true = [k == screen._TRUE for k in kinds]
    known = [k in (screen._TRUE, screen._FALSE) for k in kinds]
    return true, known, [k == screen._DOUBTFUL for k in kinds]


@settings(max_examples=200, deadline=None)
@given(
    cells=st.lists(st.one_of(st.none(), st.sampled_from(WORDS), st.text(max_size=6)),
                   max_size=40),
    cut=st.integers(0, 5),
)
def test_boolean_cells_as_arrays_equal_each_cell_read_on_its_own(cells, cut):
    arr = pa.array(["pad"] * cut + cells, pa.string()).slice(cut)  # an offset into buffers
    vec, doubtful = screen._bool_cells(pa, pc, arr)
    true, known, bad = _by_word(cells)
    assert (true, known, bad) == (
        [bool(v) and bool(k) for v, k in zip(vec.values.tolist(), vec.known.tolist(), strict=True)],
        vec.known.tolist(),
        doubtful.tolist(),
    )


def _date_text(d: dt.date) -> str:
    return d.isoformat()


DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
ODD_DATES = st.sampled_from(["2023-02-29", "2024-02-29", "2023-13-01", "2023-00-10",
                             "0000-01-01", "2023-04-31", "2023-4-01", "2024-W01-1",
                             "20240101", "2024-01-01T00", "２０２４-01-01"])
SPACES = st.sampled_from(["", " ", "\n", "\t ", "\r\n"])


@st.composite
def date_cells(draw: st.DrawFn) -> str | None:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return None
    items = draw(st.lists(st.one_of(DATES.map(_date_text), ODD_DATES), max_size=5))
    if kind == 1:  # written by json.dumps: the common form
        return json.dumps(items)
    if kind == 2:  # JSON whitespace anywhere between the tokens
        sp = [draw(SPACES) for _ in range(2 * len(items) + 2)]
        inner = ",".join(f'{sp[2 * i]}"{x}"{sp[2 * i + 1]}' for i, x in enumerate(items))
        return f"{sp[-2]}[{inner}]{sp[-1]}"
    if kind == 3:  # escapes, numbers, other JSON: read by the book
        return draw(st.sampled_from(['["\\u0032024-01-01"]', "[20240101]", '"2024-01-01"',
                                     "[", "[]", '["2024-01-01",]', "{}", "null", "x",
                                     '[ "2024-01-01" , "2024-01-02" ]']))
    return json.dumps(items, separators=(",", ":"))


def _by_cell(cells: list[str | None], ft) -> tuple[list, list[bool], list[bool]]:
    """Each cell parsed on its own (json.loads, date.fromisoformat)."""
    values, known, bad = [], [], []
    for c in cells:
        text = "" if c is None else c.strip(" \t\n\r\x0b\x0c")
        parsed = None if text == "" else screen._parse_list(text, ft)
        values.append(parsed)
        known.append(parsed is not None)
        bad.append(text != "" and parsed is None)
    return values, known, bad


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(date_cells(), max_size=30))
def test_date_list_cells_as_arrays_equal_each_cell_parsed_on_its_own(cells):
    ft = next(t for t in column_types().values() if t.kind == "date_list")
    vec, doubtful = screen._strings(pa, pc, pa.array(cells, pa.string()), ft)
    values, known, bad = _by_cell(cells, ft)
    assert bad == doubtful.tolist()
    assert known == vec.known.tolist()
    assert [v for v, k in zip(values, known, strict=True) if k] == [
        v for v, k in zip(vec.values.tolist(), vec.known.tolist(), strict=True) if k
    ]
    codes, distinct = vec.groups()
    assert [v for v, k in zip(values, known, strict=True) if k] == [
        distinct[c] for c, k in zip(codes.tolist(), known, strict=True) if k
    ]
    # the flat dates the deadline kernels read: as computed from the distinct lists
    owner, days = vec.flat()
    plain = Vec(vec.values, vec.known)
    plain.set_groups(codes, distinct)
    want_owner, want_days = plain.flat()
    assert (want_owner.tolist(), want_days.tolist()) == (owner.tolist(), days.tolist())


def test_a_date_the_calendar_has_not_leaves_its_list_to_the_row_paths_reading():
    ft = next(t for t in column_types().values() if t.kind == "date_list")
    cells = ['["2024-02-29", "2024-03-01"]', '["2023-02-29"]', '["2024-01-05"]']
    vec, doubtful = screen._strings(pa, pc, pa.array(cells, pa.string()), ft)
    assert [False, True, False] == doubtful.tolist()
    assert (dt.date(2024, 2, 29), dt.date(2024, 3, 1)) == vec.values[0]
    assert (dt.date(2024, 1, 5),) == vec.values[2]


@settings(max_examples=200, deadline=None)
@given(
    dtype=st.sampled_from(["bool", "int8", "int16", "int32", "int64", "uint8", "float64"]),
    values=st.lists(st.integers(-100, 100), max_size=40),
    masked=st.one_of(st.none(), st.randoms(use_true_random=False)),
    step=st.sampled_from([1, 2]),
)
def test_arrays_made_from_buffers_equal_arrows_conversion(dtype, values, masked, step):
    from policyengine.columnar.arrays import arrow_array

    data = np.array(values, dtype=np.int64).astype(dtype)[::step]  # strided too
    if dtype == "float64" and len(data):
        data[0] = np.nan  # NaN is a value, not a missing one
    mask = None if masked is None else np.array([masked.random() < 0.3 for _ in data], bool)
    expected = pa.array(data, mask=mask)
    made = arrow_array(data, mask)
    # (repr: a NaN is not equal to itself)
    assert (expected.type, repr(expected.to_pylist()), expected.null_count) == (
        made.type, repr(made.to_pylist()), made.null_count
    )
