"""Result tables written by Arrow (results.md "Tables in and out"): the same rows, in the
same order, whether the sink keeps its tables in memory or spools them to disk."""

# House style: `assert expected == actual`.

from __future__ import annotations

import io
from typing import Any

import pytest

from policyengine.sinks import ArrowSink

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def tables() -> list[Any]:
    """Three batches of result rows; a column all null in one batch, absent from another."""
    fixed = {"pack": "p", "pack_version": "1", "digest": "d", "as_of": "2014-12-31"}

    def batch(ids: list[str], stars: Any, extra: bool) -> Any:
        n = len(ids)
        cols = {"subject_id": pa.array(ids), **{k: pa.array([v] * n) for k, v in fixed.items()}}
        cols["verdict"] = pa.array(["pass"] * n)
        cols["outputs.stars"] = stars
        if extra:
            cols["outputs.note"] = pa.array(['["a", "b"]'] * n)
        return pa.table(cols)

    return [
        batch(["c1", "c2"], pa.array([3, None]), False),
        batch(["c3"], pa.nulls(1), True),
        batch(["c4", "c5"], pa.array([1, 2]), False),
    ]


def written(fmt: str, in_memory: int) -> bytes:
    out = io.BytesIO()
    sink = ArrowSink(fmt, out)
    sink.in_memory = in_memory
    for table in tables():
        sink.write_table(table)
    sink.close()
    return out.getvalue()


@pytest.mark.parametrize("in_memory", [0, 1, 1 << 30])
def test_csv_rows_in_order_wherever_the_tables_were_kept(in_memory: int) -> None:
    expected = (
        '"subject_id","pack","pack_version","digest","as_of","verdict","outputs.stars",'
        '"outputs.note"\n'
        '"c1","p","1","d","2014-12-31","pass",3,\n'
        '"c2","p","1","d","2014-12-31","pass",,\n'
        '"c3","p","1","d","2014-12-31","pass",,"[""a"", ""b""]"\n'
        '"c4","p","1","d","2014-12-31","pass",1,\n'
        '"c5","p","1","d","2014-12-31","pass",2,\n'
    )
    assert expected == written("csv", in_memory).decode("utf-8")


@pytest.mark.parametrize("in_memory", [0, 1, 1 << 30])
def test_parquet_rows_in_order_wherever_the_tables_were_kept(in_memory: int) -> None:
    table = pq.read_table(io.BytesIO(written("parquet", in_memory)))
    assert ["c1", "c2", "c3", "c4", "c5"] == table.column("subject_id").to_pylist()
    assert [3, None, None, 1, 2] == table.column("outputs.stars").to_pylist()
    assert pa.int64() == table.schema.field("outputs.stars").type


def test_nothing_written_gives_the_fixed_columns() -> None:
    out = io.BytesIO()
    sink = ArrowSink("parquet", out)
    sink.close()
    names = pq.read_table(io.BytesIO(out.getvalue())).column_names
    assert ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"] == names


class _Pipe(io.RawIOBase):
    """An output that cannot seek (a pipe): the sink writes every row at close."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


def _column(kind: str, values: list[Any]) -> Any:
    if kind == "null":
        return pa.nulls(len(values))
    if kind == "int":
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if kind == "float":
        return pa.array([None if v is None else v / 4 for v in values], pa.float64())
    if kind == "bool":
        return pa.array([None if v is None else v % 2 == 0 for v in values], pa.bool_())
    texts = pa.array([None if v is None else f'"{v}",\n{v}' for v in values], pa.string())
    return texts.dictionary_encode() if kind == "dict" else texts


def test_rows_streamed_as_tables_come_equal_the_table_written_at_close() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    kinds = st.sampled_from(["null", "int", "float", "bool", "text", "dict"])
    # the batches mostly share their columns (names and order), each batch its own types
    batch = st.tuples(
        st.integers(0, 4),  # rows
        st.lists(kinds, min_size=3, max_size=3),
        st.sampled_from([(0, 1, 2)] * 4 + [(0, 2), (2, 1, 0)]),
        st.randoms(use_true_random=False),
    )

    @settings(max_examples=200, deadline=None)
    @given(batches=st.lists(batch, max_size=4), spooled=st.booleans())
    def check(batches: list[Any], spooled: bool) -> None:
        made = []
        for rows, types, order, rnd in batches:
            cols = {"subject_id": pa.array([f"c{i}" for i in range(rows)], pa.string())}
            for j in order:
                values = [None if rnd.random() < 0.3 else rnd.randint(-(10**17), 10**17)
                          for _ in range(rows)]
                cols[f"outputs.{'abc'[j]}"] = _column(types[j], values)
            made.append(pa.table(cols))
        streamed, whole = io.BytesIO(), _Pipe()
        for out in (streamed, whole):
            sink = ArrowSink("csv", out)
            sink.in_memory = 0 if spooled else sink.in_memory  # tables kept on disk
            for table in made:
                sink.write_table(table)
            sink.close()
        assert bytes(whole.data) == streamed.getvalue()

    check()
