"""The sample and the sparse pre-filter's rows read in one pass over a product's Parquet give
exactly what reading the sample, then the pre-filter, gives: the same sampled rows in the
same order, the same candidate counts, the same first row per drawn value. A real workspace,
real Parquet of several row groups, a real DuckDB engine."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "checks"))
from checks_mesh import build, contract

from privacymesh.catalog import load_catalog
from privacymesh.detect import ScanOptions
from privacymesh.detect.sparse import sample_and_sparse_rows, sparse_rows
from privacymesh.engine import DuckDBEngine, open_engine
from privacymesh.workspace import load_workspace

ROWS = 24_000
FIELDS = ["ticket_id", "channel", "contact", "ref", "note", "score"]
ONE_ROW = 13_577  # the only row whose `ref` holds a phone number


def tickets() -> pl.DataFrame:
    i = pl.int_range(ROWS, eager=True)
    return pl.DataFrame(
        {
            "ticket_id": "T" + i.cast(pl.String),
            # few values; one row in 150 names an agent's address (40 of them)
            "channel": pl.select(
                pl.when(i % 150 == 7)
                .then("agent" + (i // 150 % 40).cast(pl.String) + "@desk.example.org")
                .otherwise(pl.lit("web"))
            ).to_series(),
            # few values, every one a phone number: the sample holds plenty
            "contact": "+44 20 7946 00" + (10 + i % 9).cast(pl.String),
            "ref": pl.select(
                pl.when(i == ONE_ROW).then(pl.lit("+44 20 7946 0018")).otherwise(pl.lit("none"))
            ).to_series(),
            # many values, a few holding an address
            "note": pl.select(
                pl.when(i % 997 == 0)
                .then("mail n" + i.cast(pl.String) + "@inbox.example.org")
                .otherwise("closed after " + i.cast(pl.String) + " minutes")
            ).to_series(),
            "score": (i % 17).cast(pl.Int64),
        }
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("one_pass") / "ws")
    table = tickets()
    for name, frame in [("tickets", table), ("tickets_reversed", table.reverse())]:
        doc = contract("ops", name, "source", [{"name": f} for f in FIELDS], None)
        (root / "contracts" / f"ops.{name}.odcs.yaml").write_text(yaml.safe_dump(doc))
        pq.write_table(frame.to_arrow(), root / "data" / f"ops.{name}.parquet", row_group_size=5000)
    return root


@pytest.fixture(scope="module")
def engine(workspace: Path):
    ws = load_workspace(workspace)
    with open_engine(ws, load_catalog(ws.catalog)) as opened:
        yield opened


VIEWS = ['"ops"."tickets"', '"ops"."tickets_reversed"']


def test_the_few_valued_columns_are_read_from_the_files_metadata(engine: DuckDBEngine) -> None:
    assert engine.few_valued_columns(VIEWS[0]) == {"channel", "contact", "ref", "score"}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("seed", [0, 5])
def test_one_pass_gives_the_sample_and_the_prefilter_rows(
    engine: DuckDBEngine, view: str, seed: int
) -> None:
    options = ScanOptions(sample_rows=2000, seed=seed, sparse_rows=25)
    sample, sparse = sample_and_sparse_rows(engine, view, options)
    alone = engine.sample(view, 2000, seed)
    assert sample.equals(alone)
    before = sparse_rows(engine, view, options, alone)
    assert sparse is not None and before is not None
    assert sparse.matches == before.matches
    assert sparse.frame.equals(before.frame)
    # `contact` is saturated in the sample; the others hold candidates the sample may miss
    assert sparse.matches == {"channel": 160, "ref": 1, "note": 25}
    # one row per drawn value: 25 of the 40 addresses, the one phone number, 25 notes
    assert sparse.frame.height == 51
    assert sparse.frame.filter(pl.col("ref") != "none")["ticket_id"].to_list() == [f"T{ONE_ROW}"]


def test_the_draw_is_the_same_whatever_the_row_order(engine: DuckDBEngine) -> None:
    options = ScanOptions(sample_rows=2000, seed=3, sparse_rows=25)
    frames = [sample_and_sparse_rows(engine, view, options)[1] for view in VIEWS]
    assert frames[0] is not None and frames[1] is not None
    assert frames[0].frame.equals(frames[1].frame)


def test_sample_with_first_rows_is_sample_and_first_rows(engine: DuckDBEngine) -> None:
    drawn = {"channel": ["agent3@desk.example.org", "agent11@desk.example.org"], "ref": ["none"]}
    order = FIELDS
    sample, firsts = engine.sample_with_first_rows(VIEWS[0], 500, 9, drawn, order)
    assert sample.equals(engine.sample(VIEWS[0], 500, 9))
    apart = engine.first_rows(VIEWS[0], drawn, order)
    assert set(firsts) == set(apart) == {"channel", "ref"}
    for column in drawn:
        assert firsts[column].sort(order).equals(apart[column].sort(order))
    # the first row by content, as Polars orders the whole table
    table = tickets()
    for column, values in drawn.items():
        expected = [table.filter(pl.col(column) == v).sort(order).row(0) for v in values]
        assert sorted(firsts[column].rows()) == sorted(expected)
    assert firsts["channel"].columns == FIELDS


def test_a_single_row_group_is_sampled_first(tmp_path: Path, workspace: Path) -> None:
    """Without row numbers to draw by, the engine reads the sample, then the pre-filter."""
    root = tmp_path / "ws"
    root.mkdir()
    path = tmp_path / "one.parquet"
    tickets().write_parquet(path, row_group_size=ROWS)
    engine = DuckDBEngine()
    engine.con.execute(f"CREATE VIEW one AS SELECT * FROM read_parquet('{path}')")
    assert engine.few_valued_columns("one") is None
    options = ScanOptions(sample_rows=2000, seed=1, sparse_rows=25)
    sample, sparse = sample_and_sparse_rows(engine, "one", options)
    assert sample.equals(engine.sample("one", 2000, 1))
    assert sparse is not None and sparse.matches["ref"] == 1
    engine.close()


def test_a_product_of_several_files_is_read_in_one_pass(tmp_path: Path, workspace: Path) -> None:
    """Rows are named by file and row number: the sample and the first rows match too."""
    table = tickets()
    for part in range(3):
        chunk = table.slice(part * 8000, 8000).to_arrow()
        pq.write_table(chunk, tmp_path / f"part-{part}.parquet", row_group_size=4000)
    product = load_catalog(load_workspace(workspace).catalog).get("ops.tickets")
    server = dataclasses.replace(product.server, path=tmp_path / "part-*.parquet")
    engine = DuckDBEngine()
    engine.register_product(dataclasses.replace(product, server=server))
    assert engine.few_valued_columns(product.view) == {"channel", "contact", "ref", "score"}
    options = ScanOptions(sample_rows=2000, seed=2, sparse_rows=25)
    sample, sparse = sample_and_sparse_rows(engine, product.view, options)
    alone = engine.sample(product.view, 2000, 2)
    before = sparse_rows(engine, product.view, options, alone)
    assert sample.equals(alone) and sparse is not None and before is not None
    assert sparse.matches == before.matches == {"channel": 160, "ref": 1, "note": 25}
    assert sparse.frame.equals(before.frame)
    engine.close()
