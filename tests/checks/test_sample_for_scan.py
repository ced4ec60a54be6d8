"""A product's sample and its sparse pre-filter rows are read once per run for every measure:
from one pass over its data when no measure has read the sample yet, else from the kept
sample. Both give what the engine's sample and the pre-filter give alone. A real mesh, real
Parquet of several row groups, a real DuckDB engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import yaml
from checks_mesh import build, contract

from privacymesh.catalog import load_catalog
from privacymesh.checks.measures import MeasureContext
from privacymesh.detect import ScanOptions
from privacymesh.detect.sparse import sparse_rows
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

ROWS = 12_000


def _mesh(root: Path) -> Path:
    root = build(root)
    doc = contract("ops", "calls", "source", [{"name": "call_id"}, {"name": "agent"}], None)
    (root / "contracts" / "ops.calls.odcs.yaml").write_text(yaml.safe_dump(doc))
    i = pl.int_range(ROWS, eager=True)
    agent = pl.when(i % 400 == 3).then("desk" + (i // 400).cast(pl.String) + "@calls.example.org")
    table = pl.DataFrame({"call_id": "C" + i.cast(pl.String)}).with_columns(
        agent=pl.select(agent.otherwise(pl.lit("queue"))).to_series()
    )
    pq.write_table(table.to_arrow(), root / "data" / "ops.calls.parquet", row_group_size=3000)
    return root


def test_the_sample_is_read_once_with_the_prefilter_rows(tmp_path: Path) -> None:
    ws = load_workspace(_mesh(tmp_path / "ws"))
    catalog = load_catalog(ws.catalog)
    product = catalog.get("ops.calls")
    options = ScanOptions(sample_rows=1000, seed=4, sparse_rows=10)
    with open_engine(ws, catalog) as engine:
        # the agents' column is drawn before the pass (its dictionary is small)
        assert engine.few_valued_columns(product.view) == {"agent"}
        alone = engine.sample(product.view, 1000, 4)
        expected = sparse_rows(engine, product.view, options, alone)
        assert expected is not None and expected.matches == {"agent": ROWS // 400}
        for first_read in (False, True):
            ctx = MeasureContext(ws, catalog, engine, datetime(2026, 11, 1))
            if first_read:  # another measure read the sample first: it is not read again
                kept = ctx.sample(product, 1000, 4)
            frame, sparse = ctx.sample_for_scan(product, options, ROWS)
            assert frame.equals(alone)
            assert ctx.sample(product, 1000, 4) is frame
            if first_read:
                assert frame is kept
            assert sparse is not None and sparse.matches == expected.matches
            assert sparse.frame.equals(expected.frame) and sparse.frame.height == 10
