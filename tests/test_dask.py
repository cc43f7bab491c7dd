"""Dask: a Parquet dataset or a Dask DataFrame evaluated on a two-worker
``distributed.LocalCluster`` (separate processes) gives the single-process results table of
``evaluate_arrow``, row for row, for every bundled pack; bad rows behave as there."""

# House style: `assert expected == actual`.

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

import policyengine
from policyengine.distributed import evaluate_dask, result_schema, write_parquet
from policyengine.exceptions import FactsError, InputError, UnknownPackError
from policyengine.facts import fact_catalogue
from policyengine.plan import plan_for

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_batch.py"
FILES = 4
ROWS = 600  # per file: 2,400 communities, a fifth in each pack's territory


def _bench() -> Any:
    """The batch benchmark's synthetic communities and its dates (one per pack)."""
    spec = importlib.util.spec_from_file_location("bench_batch", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_batch", module)
    spec.loader.exec_module(module)
    return module


bench = _bench()
AS_OF: dict[str, dt.date] = bench.AS_OF
PACKS = list(AS_OF)
WUMA_TOTALS = (649, 650, 699, 700, 749, 750, 799, 800, 899, 900)
"""四(四): ★ from 650 inclusive, then 700, 750, 800, 900; one point below each too."""


def _with_boundaries(table: Any) -> Any:
    """Every numeric fact at the ends of its range on some rows; Wuma's totals on and just
    below each star threshold (the synthetic values are random, so boundaries are set)."""
    catalogue = fact_catalogue("community")
    n = table.num_rows
    for name in table.column_names:
        ft = catalogue.get(name)
        if ft is None or ft.kind not in ("int", "number") or ft.range is None:
            continue
        values = table[name].to_pylist()
        for k, end in enumerate((ft.range.min, ft.range.max)):
            if end is not None and not (k == 0 and ft.range.exclusive_min):
                values[7 + k * 11 : n : 97] = [end] * len(values[7 + k * 11 : n : 97])
        table = table.set_column(
            table.column_names.index(name), name, pa.array(values, table[name].type)
        )
    obj, sur = table["happiness.objective_score"].to_pylist(), table["happiness.survey_score"]
    survey = sur.to_pylist()
    for i in range(0, n, 13):
        total = WUMA_TOTALS[(i // 13) % len(WUMA_TOTALS)]
        survey[i] = 250
        obj[i] = total - 250
    for name, values in (("happiness.objective_score", obj), ("happiness.survey_score", survey)):
        i = table.column_names.index(name)
        table = table.set_column(i, name, pa.array(values, table[name].type))
    return table


@pytest.fixture(scope="module")
def facts() -> Any:
    """2,400 synthetic communities: every fact the packs read, about 10 % missing."""
    packs = [policyengine.installed_packs()[p] for p in PACKS]
    paths = sorted({p for pack in packs for p in plan_for(pack).read_paths})
    return _with_boundaries(bench.synthetic(FILES * ROWS, paths, 7))


@pytest.fixture(scope="module")
def dataset(facts: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The communities as a Parquet dataset of four files (two row groups each)."""
    folder = tmp_path_factory.mktemp("communities")
    for i in range(FILES):
        part = facts.slice(i * ROWS, ROWS)
        pq.write_table(part, folder / f"part-{i}.parquet", row_group_size=ROWS // 2)
    return folder


@pytest.fixture(scope="module")
def client() -> Any:
    """Two worker processes with one thread each."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as c:
        yield c


def _expected(table: Any, packs: list[str], errors: str = "raise") -> list[dict[str, Any]]:
    """The single-process results, cast to the declared schema (outcomes as text)."""
    schema = result_schema(packs, AS_OF)
    got = policyengine.evaluate_arrow(table, packs, as_of=AS_OF, errors=errors)
    columns = [
        got[f.name].cast(f.type) if f.name in got.column_names else pa.nulls(got.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema).to_pylist()


def _rows(frame: Any) -> list[dict[str, Any]]:
    return pa.Table.from_pandas(frame, preserve_index=False).to_pylist()


def test_parquet_dataset_equals_evaluate_arrow_for_every_pack(client, dataset, facts):
    """Four files on two workers: the results of all five packs equal ``evaluate_arrow``'s
    on the whole table, row for row (subject by subject, packs in the order given)."""
    results = evaluate_dask(dataset, PACKS, as_of=AS_OF)
    assert FILES == results.npartitions
    got = results.compute()
    # the columns and types Dask was told up front are those the partitions have
    assert list(results.columns) == list(got.columns)
    assert list(results.dtypes) == list(got.dtypes)
    assert len(facts) * len(PACKS) == len(got)
    assert _expected(facts, PACKS) == _rows(got)
    # every verdict occurs somewhere: the comparison covers passes, fails and unknowns
    assert {"pass", "fail", "incomplete", "not_applicable"} == set(got["verdict"])
    # the partitions ran on both workers
    assert 2 == len(client.scheduler_info()["workers"])


def test_plans_compile_once_per_worker_not_per_partition(client, dataset):
    """Packs travel as ids and each worker process keeps the compiled plan: four
    partitions on two workers compile Wuma's plan at most once in each worker."""
    def count_compiles() -> None:  # in each worker: empty the plan cache, count compiles
        import policyengine.plan as plan

        plan._PLANS.clear()
        compile_plan = getattr(plan, "_original_compile_plan", plan.compile_plan)
        plan._original_compile_plan = compile_plan
        plan.compiled = 0

        def counted(*args, **kwargs):
            plan.compiled += 1
            return compile_plan(*args, **kwargs)

        plan.compile_plan = counted

    def compiled() -> int:
        import policyengine.plan as plan

        plan.compile_plan = plan._original_compile_plan
        return plan.compiled

    client.run(count_compiles)
    evaluate_dask(dataset, ["wuma-star-rating"], as_of=AS_OF).compute()
    counts = client.run(compiled)
    assert 2 == len(counts)
    assert set(counts.values()) <= {0, 1}
    assert sum(counts.values()) >= 1


def test_dask_dataframe_equals_evaluate_arrow(client, dataset, facts):
    """A Dask DataFrame read from the dataset (pandas partitions, missing values as NaN
    or None) gives the same rows as the Arrow table in one process."""
    frame = dd.read_parquet(str(dataset))
    got = evaluate_dask(frame, ["wuma-star-rating"], as_of=AS_OF).compute()
    assert _expected(facts, ["wuma-star-rating"]) == _rows(got)


def test_declared_schema_types():
    """The schema comes from the packs alone: a star level is an integer (Wuma's bands are
    1 to 5), the total score a number, verdicts and outcomes text."""
    schema = result_schema(PACKS, AS_OF)
    assert pa.int64() == schema.field("outputs.stars").type
    assert pa.float64() == schema.field("outputs.total_score").type
    assert pa.bool_() == schema.field("outputs.eligible").type
    # 四(六)'s rewards are whole yuan in every parameter of the table: an integer, not text
    assert pa.int64() == schema.field("outputs.reward_yuan").type
    assert pa.string() == schema.field("verdict").type
    assert pa.string() == schema.field("rules.eligibility.no-veto").type
    assert ["subject_id", "pack", "pack_version", "digest", "as_of", "verdict"] == schema.names[:6]


def test_bad_row_names_file_row_and_field_or_is_skipped(client, facts, tmp_path):
    """A row whose households are negative fails the whole computation with the file, the
    row (from 1 in its file) and the field path; ``errors="skip"`` leaves it out, as
    ``evaluate_arrow`` does."""
    values = facts["community.households"].to_pylist()
    values[ROWS + 4] = -3  # the fifth row of the second file
    i = facts.column_names.index("community.households")
    bad = facts.set_column(i, "community.households", pa.array(values, pa.int64()))
    for k in range(FILES):
        pq.write_table(bad.slice(k * ROWS, ROWS), tmp_path / f"part-{k}.parquet")
    with pytest.raises(FactsError, match=r"part-1\.parquet, row 5: community\.households"):
        evaluate_dask(tmp_path, ["wuma-star-rating"], as_of=AS_OF).compute()
    got = evaluate_dask(tmp_path, ["wuma-star-rating"], as_of=AS_OF, errors="skip").compute()
    assert len(facts) - 1 == len(got)
    assert _expected(bad, ["wuma-star-rating"], errors="skip") == _rows(got)
    assert facts["community.id"][ROWS + 4].as_py() not in set(got["subject_id"])


def test_bad_row_of_a_dataframe_names_its_partition(client):
    """In a Dask DataFrame the bad row is named by partition and row within it."""
    frame = pa.table({"community.id": ["a", "b", "c", "d"],
                      "community.households": [10, 20, 30, -1]}).to_pandas()
    facts = dd.from_pandas(frame, npartitions=2, sort=False)
    with pytest.raises(FactsError, match=r"partition 1, row 2: community\.households"):
        evaluate_dask(facts, ["wuma-star-rating"], as_of=AS_OF).compute()
    got = evaluate_dask(frame, ["wuma-star-rating"], as_of=AS_OF, errors="skip").compute()
    assert ["a", "b", "c"] == list(got["subject_id"])


def test_write_parquet_writes_all_or_nothing(client, dataset, facts, tmp_path):
    """The results land as a Parquet dataset equal to the computed rows; a failed run
    leaves nothing at the target, and an existing non-empty target is refused."""
    out = tmp_path / "results"
    write_parquet(evaluate_dask(dataset, ["wuma-star-rating"], as_of=AS_OF), out)
    written = pq.read_table(out)
    assert _expected(facts, ["wuma-star-rating"]) == written.to_pylist()
    with pytest.raises(InputError, match="already exists"):
        write_parquet(evaluate_dask(dataset, ["wuma-star-rating"], as_of=AS_OF), out)
    broken = tmp_path / "broken"
    broken.mkdir()
    pq.write_table(pa.table({"community.id": ["a", "b"], "community.households": [1, -1]}),
                   broken / "part-0.parquet")
    with pytest.raises(FactsError, match="row 2"):
        write_parquet(evaluate_dask(broken, ["wuma-star-rating"], as_of=AS_OF), tmp_path / "r2")
    assert {"results", "broken"} == {p.name for p in tmp_path.iterdir()}


def test_unknown_pack_fails_before_any_work(dataset):
    """An unknown pack id is an UnknownPackError on the client (no cluster needed)."""
    with pytest.raises(UnknownPackError, match="no-such-pack"):
        evaluate_dask(dataset, ["no-such-pack"], as_of=AS_OF)


def test_missing_dataset_is_a_sentence(tmp_path):
    """A path with no Parquet file names the path."""
    with pytest.raises(InputError, match="no Parquet file"):
        evaluate_dask(tmp_path, ["wuma-star-rating"])
    with pytest.raises(InputError, match="no such file or folder"):
        evaluate_dask(tmp_path / "absent", ["wuma-star-rating"])


def test_without_the_extra_the_error_says_what_to_install(monkeypatch, dataset):
    """Without Dask installed: an InputError naming the ``[dask]`` extra, no traceback
    from an import deep inside."""
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)  # import fails as if absent
    with pytest.raises(InputError, match=r"community-policyengine\[dask\]"):
        evaluate_dask(dataset, ["wuma-star-rating"])


def test_importing_policyengine_does_not_import_dask():
    """The core import stays small: Dask and pandas load only when ``evaluate_dask`` runs."""
    import subprocess

    code = "import sys, policyengine; print(sorted({'dask', 'distributed', 'pandas'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == out.stdout.strip()
