"""Ids met in one input, so that a community given twice is not evaluated and counted twice.

A table's rows (or a folder's documents) are read one at a time; an id given again in the
same table or folder is a bad record at ``community.id`` (or ``jurisdiction.id``) naming
where it was first given, as an included table's duplicate is. The ids are not kept: each
is kept as a 64-bit digest (SipHash) with its first position coded in 64 bits (the file,
once, and the row number), 16 bytes an id in sorted numpy arrays (some 16 MB for a million
rows), the latest 65,536 in a dictionary until they are merged (some 6 MB at most; without
numpy the dictionary holds them all, some 100 bytes an id). Two different ids share a
digest with a chance of about n²/2⁶⁵ (3 in 100 million for a million rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from policyengine._converter import describe
from policyengine.exceptions import FactProblem

__all__ = ["SeenIds", "given_twice", "id_of"]

_NUMBERED = re.compile(r"^(.*, (?:row|line) )([1-9]\d{0,11})$", re.DOTALL)
_NUMBER_BITS = 40
_MERGE = 1 << 16
_BITS_64 = (1 << 64) - 1
"""Ids held in the dictionary before they are merged into the sorted arrays."""


def _key(kind: str, ident: str) -> int:
    """An id's 64-bit digest (with its kind: a community and a jurisdiction may share one):
    the interpreter's own string hash (SipHash, keyed afresh in each process), unsigned."""
    return hash(f"{kind}\0{ident}") & _BITS_64


def given_twice(kind: str, ident: str, first: str) -> str:
    """What a community's (or jurisdiction's) id given again is said to be, naming where it
    was first given (a table's row, or a place in a document: ``community 2``)."""
    return f"{kind} id {describe(ident)} is given twice (also at {first}); each is counted once"


def id_of(data: Any) -> tuple[str, str] | None:
    """``(kind, id)`` of a document (``community`` or ``jurisdiction``) whose id is text
    that is not blank; None for any other (a bad document is said so by its checks)."""
    if not isinstance(data, dict):
        return None
    kind = "jurisdiction" if "jurisdiction" in data else "community"
    table = data.get(kind)
    ident = table.get("id") if isinstance(table, dict) else None
    if isinstance(ident, str) and ident.strip():
        return kind, ident
    return None


class SeenIds:
    """The ids given so far, by digest, each with the position where it was first given."""

    def __init__(self) -> None:
        self._recent: dict[int, int] = {}
        self._places: list[str | tuple[str, Callable[[int], int]]] = []
        self._place_of: dict[str, int] = {}
        self._np: Any = None  # numpy, once there are ids to merge (False: not installed)
        self._keys: Any = ()
        self._where: Any = ()

    def problem(self, kind: str, ident: str, position: str) -> FactProblem | None:
        """The problem of ``ident`` given at ``position`` if it was given before; else
        None, and it is remembered as given there."""
        key = _key(kind, ident)
        first = self._recent.get(key)
        if first is None and len(self._keys):
            at = int(self._np.searchsorted(self._keys, self._np.uint64(key)))
            if at < len(self._keys) and int(self._keys[at]) == key:
                first = int(self._where[at])
        if first is not None:
            return self._said(kind, ident, first)
        self._recent[key] = self._code(position)
        if len(self._recent) >= _MERGE:
            self._merge()
        return None

    def batch(self, source: str, number: Callable[[int], int]) -> int:
        """A place for the rows of one batch of ``source``: row ``j`` of the batch is
        ``number(j)``, asked only when a row is named (counting a CSV file's rows reads it
        again)."""
        self._places.append((f"{source}, row ", number))
        return len(self._places) - 1

    def problems_in(
        self, kind: str, idents: Sequence[str | None], batch: int
    ) -> dict[int, FactProblem]:
        """:meth:`problem` for each row ``j`` of a :meth:`batch` whose id is ``idents[j]``
        (None: no id), the ids merged before looked up at once: the rows given before."""
        keys = [_key(kind, ident) if ident is not None else None for ident in idents]
        earlier: dict[int, int] = {}
        if len(self._keys):
            np = self._np
            wanted = np.fromiter((k for k in keys if k is not None), dtype=np.uint64)
            at = np.minimum(np.searchsorted(self._keys, wanted), len(self._keys) - 1)
            hit = self._keys[at] == wanted
            found_keys, found_where = wanted[hit].tolist(), self._where[at[hit]].tolist()
            earlier = dict(zip(found_keys, found_where, strict=True))
        found: dict[int, FactProblem] = {}
        for j, key in enumerate(keys):
            if key is None:
                continue
            first = earlier.get(key, self._recent.get(key))
            if first is not None:
                found[j] = self._said(kind, idents[j] or "", first)
            else:
                self._recent[key] = (batch << _NUMBER_BITS) | (j + 1)
        if len(self._recent) >= _MERGE:  # after the batch: its lookups saw every id before
            self._merge()
        return found

    def _said(self, kind: str, ident: str, first: int) -> FactProblem:
        return FactProblem(f"{kind}.id", given_twice(kind, ident, self._position(first)))

    def _merge(self) -> None:
        if self._np is False:
            return
        if self._np is None:
            try:  # only for many rows: evaluating a few documents imports no numpy
                import numpy
            except ImportError:  # without the [batch] extra: the dictionary holds them all
                self._np = False
                return
            self._np = numpy
            self._keys = numpy.empty(0, dtype=numpy.uint64)
            self._where = numpy.empty(0, dtype=numpy.uint64)
        np = self._np
        keys = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        where = np.fromiter(self._recent.values(), dtype=np.uint64, count=len(self._recent))
        order = np.argsort(keys)
        keys, where = keys[order], where[order]
        at = np.searchsorted(self._keys, keys)
        self._keys = np.insert(self._keys, at, keys)
        self._where = np.insert(self._where, at, where)
        self._recent.clear()

    def _code(self, position: str) -> int:
        """A position in 64 bits: its place (a file, once) and its row or line number."""
        m = _NUMBERED.match(position)
        place, number = (m.group(1), int(m.group(2))) if m else (position, 0)
        if number >= 1 << _NUMBER_BITS:
            place, number = position, 0
        index = self._place_of.get(place)
        if index is None:
            index = self._place_of[place] = len(self._places)
            self._places.append(place)
        return (index << _NUMBER_BITS) | number

    def _position(self, code: int) -> str:
        place = self._places[code >> _NUMBER_BITS]
        number = code & ((1 << _NUMBER_BITS) - 1)
        if isinstance(place, tuple):  # a batch's row, numbered now
            prefix, row = place
            return f"{prefix}{row(number - 1)}"
        return f"{place}{number}" if number else place
