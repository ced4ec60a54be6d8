"""Sparse personal data is found whatever the sample draws: the pre-filter passes over every row
of the product in DuckDB and the detector judges the rows it drew. A real workspace, real
Parquet, a real DuckDB engine."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parents[1] / "checks"))
from checks_mesh import build, contract

from privacymesh.catalog import load_catalog
from privacymesh.detect import ScanOptions, TableScan
from privacymesh.detect.product import scan_product
from privacymesh.detect.sparse import SparseRows, sparse_columns, sparse_rows
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

ROWS = 20_000
EVERY = 80  # one row in 80 (1.25%) holds an e-mail address


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build(tmp_path_factory.mktemp("sparse") / "ws")
    doc = contract("ops", "tickets", "source", [{"name": "ticket_id"}, {"name": "note"}], None)
    (root / "contracts" / "ops.tickets.odcs.yaml").write_text(yaml.safe_dump(doc))
    i = pl.int_range(ROWS, eager=True)
    notes = pl.select(
        pl.when(i % EVERY == 0)
        .then("call back " + "client" + i.cast(pl.String) + "@mailbox.example.org")
        .otherwise("closed after " + (i % 9).cast(pl.String) + " days")
    ).to_series()
    table = pl.DataFrame({"ticket_id": "T" + i.cast(pl.String), "note": notes})
    table.write_parquet(root / "data" / "ops.tickets.parquet")
    # the same rows in the opposite order
    doc = contract(
        "ops", "tickets_reversed", "source", [{"name": "ticket_id"}, {"name": "note"}], None
    )
    (root / "contracts" / "ops.tickets_reversed.odcs.yaml").write_text(yaml.safe_dump(doc))
    table.reverse().write_parquet(root / "data" / "ops.tickets_reversed.parquet")
    return root


SEEDS = range(5)


@pytest.fixture(scope="module")
def scans(workspace: Path) -> dict[tuple[int, int], TableScan]:
    """The product scanned with 800-row samples of several seeds, without (0) and with (200)
    the pre-filter's rows."""
    ws = load_workspace(workspace)
    catalog = load_catalog(ws.catalog)
    out = {}
    with open_engine(ws, catalog) as engine:
        product = catalog.get("ops.tickets")
        for sparse in (0, 200):
            for seed in SEEDS:
                options = ScanOptions(sample_rows=800, seed=seed, sparse_rows=sparse)
                out[(sparse, seed)] = scan_product(product, engine, options)
    return out


def test_sample_alone_depends_on_its_draw(scans: dict[tuple[int, int], TableScan]) -> None:
    found = [scans[(0, s)].column("note").category_keys() for s in SEEDS]
    assert {"user.contact.email"} in found and frozenset() in found


def test_prefilter_finds_it_whatever_the_draw(scans: dict[tuple[int, int], TableScan]) -> None:
    found = [scans[(200, s)].column("note").category_keys() for s in SEEDS]
    assert found == [{"user.contact.email"}] * len(SEEDS)
    assert scans[(200, 0)].extra["prefilter"] == {"columns": 1, "rows": 200}


def test_a_hit_found_by_the_prefilter_has_its_rate_over_every_row(
    scans: dict[tuple[int, int], TableScan],
) -> None:
    missed = [s for s in SEEDS if not scans[(0, s)].column("note").personal]
    for seed in missed:
        (hit,) = scans[(200, seed)].column("note").categories
        assert "prefilter" in hit.methods
        assert hit.hit_rate == 1 / EVERY and hit.hits == ROWS // EVERY
    assert missed


def prefilter(workspace: Path, product: str, sample: pl.DataFrame | None, **options: int):
    ws = load_workspace(workspace)
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        view = catalog.get(product).view
        return sparse_rows(engine, view, ScanOptions(**options), sample)


def drawn(rows: SparseRows | None) -> tuple[dict[str, int], list[dict]]:
    assert rows is not None
    return rows.matches, rows.frame.sort("ticket_id").to_dicts()


def test_the_draw_does_not_depend_on_the_order_of_rows(workspace: Path) -> None:
    forward = drawn(prefilter(workspace, "ops.tickets", None, seed=3))
    assert forward[0] == {"note": ROWS // EVERY}
    assert len(forward[1]) == 200
    assert all("@mailbox.example.org" in row["note"] for row in forward[1])
    assert drawn(prefilter(workspace, "ops.tickets_reversed", None, seed=3)) == forward
    # another seed draws other values
    other = drawn(prefilter(workspace, "ops.tickets", None, seed=4))[1]
    assert other != forward[1]


def test_grouping_first_or_testing_rows_first_draws_the_same(workspace: Path) -> None:
    # a sample of distinct notes without a candidate: the pass tests every row, then groups
    many = pl.DataFrame({"ticket_id": ["T1"] * 50, "note": [f"closed {i}" for i in range(50)]})
    # a sample of few distinct notes: the pass groups every row, then tests each value
    few = pl.DataFrame({"ticket_id": ["T1"] * 50, "note": ["closed"] * 50})
    assert sparse_columns(["note"], many, 200) == (["note"], {"note"})
    assert sparse_columns(["note"], few, 200) == (["note"], set())
    assert drawn(prefilter(workspace, "ops.tickets", many)) == drawn(
        prefilter(workspace, "ops.tickets", few)
    )


def test_a_column_whose_sample_holds_enough_candidates_is_not_read_again(
    workspace: Path,
) -> None:
    # five candidate rows in the sample: as many as a draw of five would hand the detector
    sample = pl.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(9)],
            "note": [f"a{i}@b.example.org" for i in range(5)] + ["closed"] * 4,
        }
    )
    assert sparse_columns(["ticket_id", "note"], sample, 5)[0] == ["ticket_id"]
    assert sparse_columns(["ticket_id", "note"], sample, 6)[0] == ["ticket_id", "note"]
    rows = prefilter(workspace, "ops.tickets", sample, sparse_rows=5)
    assert rows is not None and rows.matches == {} and rows.frame.height == 0
    assert prefilter(workspace, "ops.tickets", sample, sparse_rows=6).matches == {  # type: ignore[union-attr]
        "note": ROWS // EVERY
    }
