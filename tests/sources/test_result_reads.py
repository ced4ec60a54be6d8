"""What each result read, result by result: the read model joins every latest result to the
identity its run recorded for the product; `findings --json` and the pack's
`data/sources.csv` show it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from privacymesh.cli import app
from privacymesh.ledger import Ledger
from privacymesh.packs.build import PackOptions, build_pack
from privacymesh.runner import run_checks
from privacymesh.views import Scope
from privacymesh.views.sources import READ_COLUMNS, result_read, result_reads
from privacymesh.workspace import load_workspace

REPO = Path(__file__).parents[2]


def _two_runs(root: Path) -> tuple[str, str]:
    ws = load_workspace(root)
    first = run_checks(ws, ["contract.gate"], as_of=datetime(2026, 7, 1)).run_id
    # the second run reads a smaller orders file: its results name the new state
    orders = root / "data" / "orders.parquet"
    pl.read_parquet(orders).head(3).write_parquet(orders)
    second = run_checks(ws, ["contract.gate"], as_of=datetime(2026, 7, 15)).run_id
    assert first and second
    return first, second


def test_each_latest_result_carries_the_state_its_run_read_in_findings_and_packs(
    shop_workspace: Path,
) -> None:
    first, second = _two_runs(shop_workspace)
    ws = load_workspace(shop_workspace)
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        reads = result_reads(ledger, Scope())
        old = result_reads(ledger, Scope(until=datetime(2026, 7, 2)))
        one = result_read(
            ledger, reads.filter(pl.col("product_id") == "shop.orders")["result_id"][0]
        )
        assert result_read(ledger, "no-such-result") is None
    assert reads.columns == list(READ_COLUMNS)
    orders = reads.filter(pl.col("product_id") == "shop.orders").row(0, named=True)
    assert orders["run_id"] == second and orders["rows_read"] == 3
    assert orders["source_type"] == "local" and orders["location"].endswith("orders.parquet")
    assert orders["version"].endswith(
        str((shop_workspace / "data/orders.parquet").stat().st_mtime_ns)
    )
    # the period ending before the second run: the first run's state, five rows
    before = old.filter(pl.col("product_id") == "shop.orders").row(0, named=True)
    assert (before["run_id"], before["rows_read"]) == (first, 5)
    assert one == orders
    assert reads["rows_read"].null_count() == 0  # every product's result names what it read

    # shown where results are read: `findings --json` and the pack's data
    done = CliRunner().invoke(app, ["-w", str(shop_workspace), "findings", "--json"])
    assert done.exit_code == 0, done.output
    (row,) = json.loads(done.output)  # the export product has no owning team
    assert row["product_id"] == "shop.order_export"
    assert row["read"]["run_id"] == second and row["read"]["source_type"] == "local"
    assert row["read"]["rows_read"] >= 1 and row["read"]["location"].endswith(".parquet")

    toml = shop_workspace / "privacymesh.toml"
    reports = f'reports = "{(REPO / "reports").as_posix()}"\n'
    toml.write_text(toml.read_text().replace("[paths]\n", "[paths]\n" + reports, 1))
    pack = build_pack(load_workspace(shop_workspace), PackOptions(period="2026-Q3", pdf=False))
    data = pl.read_csv(pack.root / "data" / "sources.csv")
    assert data.columns == list(READ_COLUMNS)
    orders = data.filter(pl.col("product_id") == "shop.orders").row(0, named=True)
    assert (orders["run_id"], orders["rows_read"]) == (second, 3)
    # nothing personal: locations, versions and counts only
    assert "@" not in (pack.root / "data" / "sources.csv").read_text()
