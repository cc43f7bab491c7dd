"""Tables straight to columns: cells parsed and checked as arrays, doubtful rows by the book.

facts.md "Tables" read for many rows at once. Every cell of every column is parsed with
array operations (Arrow compute and numpy) under rules that are *stricter* than the row
path's: a plain decimal of at most 15 digits for a number, ``true``/``false`` for a
boolean, an item of the vocabulary for a choice, a range the fact allows, the few checks
between facts (``staff.trained_this_year`` ≤ ``staff.count``, …). A row where any cell
falls outside these rules is *doubtful*: it goes through the row path's own reader and
checker (:func:`tables.row_document`, :func:`documents.structure_subject`), which accepts
it with exactly the row path's values or reports it with its field paths. So a table
gives exactly the facts, and exactly the errors, that reading it row by row would give.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from policyengine.columnar.arrays import arrow_array
from policyengine.columnar.columns import FactColumns
from policyengine.columnar.datelists import plain_date_lists
from policyengine.columnar.vector import Array, Vec
from policyengine.facts import FactType
from policyengine.limits import MAX_EXACT_INT
from policyengine.table_values import SPACES
from policyengine.tables import column_types, require

__all__ = ["Screened", "screen"]

_INT = r"^-?\d{1,15}$"
_NUMBER = r"^-?\d{1,15}(\.\d{1,15})?$"
_LONGEST_TEXT = 4096
_SPACED = f"^[{SPACES}]|[{SPACES}]$"
"""A text cell that begins or ends with a space, as :meth:`str.strip` sees one."""
_AT_MOST = (
    ("organization.leadership_college_educated", "organization.leadership_members"),
    ("staff.trained_this_year", "staff.count"),
    ("services.retirees_socialized", "services.retirees"),
)


class _Scalars:
    """Arrow scalars made once: a Python value given to a compute function is converted on
    every call, and pyarrow's conversion looks for optional modules each time."""

    def __init__(self, pa: Any) -> None:
        self.pa = pa
        self.empty = pa.scalar("", pa.string())
        self.true = pa.scalar("true", pa.string())
        self.false = pa.scalar("false", pa.string())
        self.null_text = pa.scalar(None, pa.string())
        self.no = pa.scalar(False, pa.bool_())
        self._choices: dict[tuple[str, ...], Any] = {}
        self._minus: dict[Any, Any] = {}

    def choices(self, values: tuple[str, ...]) -> Any:
        found = self._choices.get(values)
        if found is None:
            found = self._choices[values] = self.pa.array(list(values), self.pa.string())
        return found

    def minus_one(self, kind: Any) -> Any:
        found = self._minus.get(kind)
        if found is None:
            found = self._minus[kind] = self.pa.scalar(-1, kind)
        return found


_SCALARS: list[_Scalars] = []


def _k(pa: Any) -> _Scalars:
    if not _SCALARS:
        _SCALARS.append(_Scalars(pa))
    return _SCALARS[0]


@attrs.frozen(eq=False)
class Screened:
    """One batch: the rows read as columns, and the positions of the doubtful ones."""

    columns: FactColumns
    rows: Array
    """Positions (in the batch) of the rows in :attr:`columns`."""
    doubtful: Array
    """Positions of the rows to read by the book (blank rows are in neither)."""


def _text_values(arr: Any) -> Array:
    values: Array = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    return values


def _strings(pa: Any, pc: Any, arr: Any, ft: FactType) -> tuple[Vec, Array]:
    """A column of text cells (CSV, or text in Parquet)."""
    if ft.kind == "text":
        values = _text_values(arr)
        filled = pc.fill_null(arr, _k(pa).empty)
        known = np.asarray(
            pc.not_equal(filled, _k(pa).empty).to_numpy(zero_copy_only=False), dtype=bool
        )
        lengths = np.asarray(pc.utf8_length(filled).to_numpy(zero_copy_only=False))
        doubtful = lengths > _LONGEST_TEXT
        # spaces around: a blank cell is missing, an id or a choice is trimmed (by the book)
        spaced = pc.match_substring_regex(filled, _SPACED)
        doubtful |= np.asarray(spaced.to_numpy(zero_copy_only=False), dtype=bool)
        if ft.choices:
            inside = pc.is_in(filled, value_set=_k(pa).choices(ft.choices))
            doubtful |= known & ~np.asarray(inside.to_numpy(zero_copy_only=False), dtype=bool)
        vec = Vec(values, known)
        vec.groups_by(lambda: _text_groups(pa, pc, arr, known))
        return vec, doubtful
    if ft.kind == "bool":
        return _bool_cells(pa, pc, arr)
    if ft.kind in ("int", "number"):
        cast = _cast_numbers(pa, pc, arr, ft)
        if cast is not None:
            return cast
    trimmed = pc.ascii_trim_whitespace(pc.fill_null(arr, _k(pa).empty))
    empty = np.asarray(pc.equal(trimmed, _k(pa).empty).to_numpy(zero_copy_only=False), dtype=bool)
    if ft.kind in ("int", "number"):
        pattern = _INT if ft.kind == "int" else _NUMBER
        ok = np.asarray(
            pc.match_substring_regex(trimmed, pattern).to_numpy(zero_copy_only=False), dtype=bool
        )
        clean = pc.if_else(arrow_array(ok), trimmed, _k(pa).null_text)
        values = np.asarray(
            pc.cast(clean, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
        values = np.where(ok, values, np.nan)
        return Vec(values, ok), ~(ok | empty) | _out_of_range(values, ok, ft)
    return _list_cells(pa, pc, trimmed, empty, ft)


def _codes(pa: Any, pc: Any, arr: Any) -> tuple[Array, list[Any]]:
    """Each cell's index among the distinct cells (-1 for a null), and the distinct cells."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    indices = np.asarray(
        pc.fill_null(encoded.indices, _k(pa).minus_one(encoded.indices.type)).to_numpy(
            zero_copy_only=False
        ),
        dtype=np.int64,
    )
    return indices, encoded.dictionary.to_pylist()


def _text_groups(pa: Any, pc: Any, arr: Any, known: Array) -> tuple[Array, list[Any]]:
    """:meth:`.Vec.groups` of a text column, by Arrow: the distinct texts of the known
    cells in the order they first appear, and each row's code (-1 where not known)."""
    indices, words = _codes(pa, pc, arr)
    indices = np.where(known, indices, -1)
    used = np.zeros(len(words) + 1, dtype=bool)  # the last: code -1
    used[indices] = True
    used = used[:-1]
    renumber = np.append(np.cumsum(used) - 1, -1)
    return renumber[indices], [w for w, u in zip(words, used.tolist(), strict=True) if u]


_FALSE, _TRUE, _EMPTY, _DOUBTFUL = 0, 1, 2, 3


def _bool_word(cell: str) -> int:
    """A boolean text cell read exactly as the row path reads it (``tables._cell``)."""
    stripped = cell.strip()
    if not stripped:
        return _EMPTY
    low = stripped.lower()
    return _TRUE if low == "true" else _FALSE if low == "false" else _DOUBTFUL


def _bool_cells(pa: Any, pc: Any, arr: Any) -> tuple[Vec, Array]:
    """A column of boolean text cells: ``true`` and ``false`` found by comparing texts,
    any other cell read on its own (there are few)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    true, false = _equal(pc, arr, _k(pa).true), _equal(pc, arr, _k(pa).false)
    doubtful = np.zeros(len(true), dtype=bool)
    other = np.flatnonzero(~(true | false) & _valid(arr))
    if len(other):
        words = arr.take(arrow_array(other)).to_pylist()
        kinds = np.array([_bool_word(w) for w in words], dtype=np.int8)
        true[other], false[other], doubtful[other] = (kinds == k for k in _WORDS)
    return Vec(true, true | false), doubtful


_WORDS = (_TRUE, _FALSE, _DOUBTFUL)


def _valid(arr: Any) -> Array:
    """Where an Arrow array's cells are not null."""
    validity = arr.buffers()[0]
    if validity is None or arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return _bits(validity, arr.offset, len(arr))


def _bits(buffer: Any, offset: int, n: int) -> Array:
    """``n`` bits of an Arrow bitmap from ``offset``, as booleans."""
    bits = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little")
    out: Array = bits[offset : offset + n].astype(bool)
    return out


def _equal(pc: Any, arr: Any, word: Any) -> Array:
    """Where the cells of an Arrow string array equal ``word`` (a null does not), Arrow's
    comparison read straight from its bitmaps."""
    same = pc.equal(arr, word)
    validity, data = same.buffers()[:2]
    n = len(same)
    if data is None:
        return np.zeros(n, dtype=bool)
    hit = _bits(data, same.offset, n)
    if validity is not None and same.null_count:
        hit &= _bits(validity, same.offset, n)
    return hit


_LARGEST = 1e15
"""Numbers read as arrays are below this in size (15 digits): exact as a float64, as the
row path's Python ``int`` would be."""


def _cast_numbers(pa: Any, pc: Any, arr: Any, ft: FactType) -> tuple[Vec, Array] | None:
    """A column of number text cells cast by Arrow at once, or None when some cell is not
    in a form Arrow reads (spaces, an empty text…): then each is checked by pattern.

    Arrow reads a subset of what the row path reads (``int``/``float``), to the same value;
    what it reads that the row path would refuse or keep otherwise (``nan``, ``inf``, a
    number too long for a float64) is doubtful.
    """
    try:
        typed = pc.cast(arr, pa.int64() if ft.kind == "int" else pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    known = np.asarray(typed.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    values = np.asarray(
        pc.cast(typed, pa.float64(), safe=False).to_numpy(zero_copy_only=False),
        dtype=np.float64,
    )  # an int64 beyond 2^53 is rounded here, and doubtful below
    with np.errstate(invalid="ignore"):
        doubtful = known & ~(np.abs(values) < _LARGEST)  # NaN and infinities too
    known &= ~doubtful
    values = np.where(known, values, np.nan)
    return Vec(values, known), doubtful | _out_of_range(values, known, ft)


def _list_cells(pa: Any, pc: Any, trimmed: Any, empty: Array, ft: FactType) -> tuple[Vec, Array]:
    """A column of lists written as JSON text: each distinct cell parsed once."""
    encoded = pc.dictionary_encode(trimmed)
    indices = np.asarray(
        pc.fill_null(encoded.indices, _k(pa).minus_one(encoded.indices.type)).to_numpy(
            zero_copy_only=False
        ),
        dtype=np.int64,
    )
    flat = None
    if ft.kind == "date_list":  # plain lists of dates as arrays, the others one by one
        dates = plain_date_lists(pa, pc, encoded.dictionary)
        parsed = dates.lists
        others = np.flatnonzero(~dates.plain)
        cells = encoded.dictionary.take(arrow_array(others.astype(np.int64))).to_pylist()
        for i, cell in zip(others.tolist(), cells, strict=True):
            parsed[i] = _parse_list(cell, ft)
        if all(parsed[i] is None for i in others.tolist()):  # the plain ones hold every date
            flat = (dates.owner, dates.days)
    else:
        parsed = [_parse_list(cell, ft) for cell in encoded.dictionary.to_pylist()]
    table = np.empty(len(parsed) + 1, dtype=object)  # the last: no value
    for i, item in enumerate(parsed):
        table[i] = item
    doubtful_of = np.array([p is None for p in parsed] + [False], dtype=bool)
    codes = np.where(empty, -1, indices)
    values = table[codes]
    doubtful = doubtful_of[codes] & ~empty
    known = ~empty & ~doubtful
    vec = Vec(values, known)
    vec.set_groups(np.where(known, codes, -1), parsed)
    if flat is not None:
        vec.set_flat(*flat)
    return vec, doubtful


def _out_of_range(values: Array, known: Array, ft: FactType) -> Array:
    bad = np.zeros(len(values), dtype=bool)
    r = ft.range
    if r is None:
        return bad
    with np.errstate(invalid="ignore"):
        if r.min is not None:
            bad |= known & ((values <= r.min) if r.exclusive_min else (values < r.min))
        if r.max is not None:
            bad |= known & (values > r.max)
    return bad


def _parse_list(cell: Any, ft: FactType) -> tuple[Any, ...] | None:
    """A list cell as the row path would type it, or None when it is doubtful."""
    if isinstance(cell, str):
        try:
            cell = json.loads(cell)
        except ValueError:
            return None
    if not isinstance(cell, list | tuple):
        return None
    if ft.kind == "date_list":
        out: list[Any] = []
        for item in cell:
            if not isinstance(item, str) or len(item) != 10:
                return None
            try:
                out.append(dt.date.fromisoformat(item))
            except ValueError:
                return None
        return tuple(out)
    for item in cell:
        if not isinstance(item, str) or len(item) > _LONGEST_TEXT or not item.strip():
            return None  # a blank place's name: the row path refuses it
        if ft.choices and item not in ft.choices:
            return None
    if len(set(cell)) != len(cell):
        return None  # duplicates: let the row path decide
    return tuple(cell)


def _lists(cells: Sequence[Any], ft: FactType, n: int) -> tuple[Vec, Array]:
    values = np.empty(n, dtype=object)
    known = np.zeros(n, dtype=bool)
    doubtful = np.zeros(n, dtype=bool)
    codes = np.full(n, -1, dtype=np.int64)
    memo: dict[Any, int] = {}
    distinct: list[tuple[Any, ...] | None] = []
    for i, cell in enumerate(cells):
        if cell is None:
            continue
        key = cell if isinstance(cell, str) else tuple(cell)
        c = memo.get(key)
        if c is None:
            c = memo[key] = len(distinct)
            distinct.append(_parse_list(cell, ft))
        parsed = distinct[c]
        if parsed is None:
            doubtful[i] = True
        else:
            values[i], known[i], codes[i] = parsed, True, c
    vec = Vec(values, known)
    vec.set_groups(codes, distinct)
    return vec, doubtful


def _beyond_exact(pa: Any, pc: Any, arr: Any) -> Array:
    """Where the cells of an integer column are beyond 2^53: as floats some round to 2^53
    itself, so they are compared as integers (the row path refuses them at their path)."""
    ints = np.asarray(pc.fill_null(arr, pa.scalar(0, arr.type)).to_numpy(zero_copy_only=False))
    out: Array = (ints > MAX_EXACT_INT) | (ints < -MAX_EXACT_INT)
    return out


def _typed(pa: Any, pc: Any, arr: Any, ft: FactType) -> tuple[Vec, Array]:
    """A typed column (Parquet): numbers, booleans, lists as Arrow holds them."""
    n = len(arr)
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _strings(pa, pc, arr, ft)
    if ft.kind == "bool" and pa.types.is_boolean(t):
        known = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        values = np.asarray(pc.fill_null(arr, _k(pa).no).to_numpy(zero_copy_only=False), dtype=bool)
        return Vec(values, known), np.zeros(n, dtype=bool)
    if ft.kind in ("int", "number") and (pa.types.is_integer(t) or pa.types.is_floating(t)):
        values = np.asarray(
            pc.cast(arr, pa.float64(), safe=False).to_numpy(zero_copy_only=False),
            dtype=np.float64,
        )  # an integer beyond 2^53 is rounded here, and doubtful below
        known = ~np.isnan(values)  # null, or NaN (a missing number written by pandas)
        doubtful = np.isinf(values) | (known & (np.abs(values) > 2.0**53))
        if pa.types.is_integer(t):
            doubtful |= _beyond_exact(pa, pc, arr)
        if ft.kind == "int":
            with np.errstate(invalid="ignore"):
                doubtful |= known & (values != np.floor(values))
        return Vec(values, known), doubtful | _out_of_range(values, known, ft)
    if ft.kind in ("list", "date_list") and (pa.types.is_list(t) or pa.types.is_large_list(t)):
        return _lists(arr.to_pylist(), ft, n)
    values = np.empty(n, dtype=object)
    return Vec(values, np.zeros(n, dtype=bool)), np.ones(n, dtype=bool)


def screen(
    batch: Any, paths: Sequence[str], *, skip_blank: bool = False, by_book: Array | None = None
) -> Screened:
    """Read a record batch whose columns are fact paths into columns of ``paths``.

    ``skip_blank``: a row whose cells are all empty is skipped (CSV), not an error.
    ``by_book``: rows to read by the book whatever their cells (an id given twice).
    """
    pa = require("pyarrow", "reading tables")
    pc = require("pyarrow.compute", "reading tables")
    catalogue = column_types()
    n = batch.num_rows
    doubtful = np.zeros(n, dtype=bool)
    blank = np.ones(n, dtype=bool)
    vecs: dict[str, Vec] = {}
    names = list(batch.schema.names)
    for name in names:
        column = batch.column(name)
        vec, bad = _typed(pa, pc, column, catalogue[name])
        vecs[name] = vec
        doubtful |= bad
        if name.startswith("happiness.objective_by_type."):
            doubtful |= vec.known  # the score is computed from its parts: by the book
        blank &= ~vec.known & ~bad
        if pa.types.is_string(column.type) and blank.any():  # a null or an empty text
            empty = pc.fill_null(pc.equal(column, _k(pa).empty), True)
            blank &= np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    ident = vecs["community.id"]
    doubtful |= ~ident.known
    if by_book is not None:
        doubtful |= by_book
    if not skip_blank:
        blank[:] = False
    doubtful &= ~blank  # a row with every cell empty is skipped, as when reading row by row
    for part, whole in _AT_MOST:
        if part in vecs and whole in vecs:
            p, w = vecs[part], vecs[whole]
            with np.errstate(invalid="ignore"):
                doubtful |= p.known & w.known & (p.values > w.values)
    keep = np.flatnonzero(~doubtful & ~blank)
    facts = {p: vecs[p].take(keep) for p in paths if p in vecs}  # distinct values kept
    name_col = vecs.get("community.name")
    ids = ident.values[keep].tolist()
    shown = (
        [v if k else None for v, k in zip(name_col.values[keep], name_col.known[keep], strict=True)]
        if name_col is not None
        else [None] * len(keep)
    )
    cols = FactColumns(len(keep), ids, shown, facts)
    return Screened(cols, keep, np.flatnonzero(doubtful))
