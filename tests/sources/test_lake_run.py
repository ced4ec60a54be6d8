"""Lake products in the engine and in a run: views over S3, Delta and Iceberg that a sealed
session reads, the same results as the same rows in Parquet, what was read recorded, and a
source that fails giving an `error` result while the run is recorded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
from lake_data import LAKE
from lake_servers import S3Server

from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.ledger import Ledger
from privacymesh.runner.run import run_checks
from privacymesh.views import Scope
from privacymesh.views.sources import result_reads
from privacymesh.workspace import load_workspace


def test_lake_products_are_views_a_sealed_session_reads(lake_workspace: Path) -> None:
    ws = load_workspace(lake_workspace)
    catalog = load_catalog(ws.catalog, ws)
    with open_engine(ws, catalog) as engine:
        assert set(LAKE) <= set(engine.registration.products), engine.registration.failed
        engine.seal()
        reference = engine.sample('"shop"."orders"', 3, seed=7).sort("order_id")
        for pid in LAKE:
            view = catalog.get(pid).view
            sql = f"SELECT count(*), sum(amount) FROM {view} WHERE customer_id = 'c1'"
            assert engine.arrow(sql).to_pylist() == [{"count_star()": 2, "sum(amount)": 17.25}]
            # the detector's sample: the same rows as from the Parquet file (in another order)
            assert engine.sample(view, 3, seed=7).sort("order_id").equals(reference), pid
        # the scan is pushed into the Arrow dataset: only the columns used, the filter with it
        plan = (
            engine.arrow('EXPLAIN SELECT amount FROM "shop"."orders_s3" WHERE customer_id = \'c1\'')
            .column(1)[0]
            .as_py()
        )
        assert "PYTHON_ARROW_SCAN" in plan and "Filters: \"customer_id\" = 'c1'" in plan
        assert "Projections: amount" in plan and "email" not in plan
        read = engine.source_identities(list(LAKE))
    assert read["shop.orders_s3"]["files"] == 1 and read["shop.orders_s3"]["rows"] == 5
    assert read["shop.orders_delta"]["version"] == 0
    assert read["shop.orders_iceberg"]["snapshot"] is not None


def _by_product(outcome, product: str) -> dict[str, tuple[str, int | None, int | None]]:
    return {
        r.check_id: (r.status, r.population, r.exceptions)
        for r in outcome.results
        if r.product == product
    }


def test_a_run_over_lake_products_matches_parquet_and_records_what_it_read(
    lake_workspace: Path,
) -> None:
    outcome = run_checks(load_workspace(lake_workspace), record=True)
    local = _by_product(outcome, "shop.orders")
    assert local
    for pid in LAKE:
        assert _by_product(outcome, pid) == local, pid
    con = duckdb.connect(str(load_workspace(lake_workspace).ledger_path), read_only=True)
    ((options,),) = con.sql("SELECT options FROM runs").fetchall()
    con.close()
    read = json.loads(options)["sources"]
    assert read["shop.orders_s3"]["location"].endswith("/orders/*.parquet")
    assert (read["shop.orders_delta"]["format"], read["shop.orders_delta"]["rows"]) == ("delta", 5)
    assert read["shop.orders_iceberg"]["table"] == "shop.orders_iceberg"
    # and result by result, through the read model
    with Ledger(load_workspace(lake_workspace).ledger_path, read_only=True) as ledger:
        reads = result_reads(ledger, Scope())
    lake = {
        row["product_id"]: row
        for row in reads.filter(pl.col("check_id") == "retention.expired_rows").to_dicts()
    }
    assert lake["shop.orders_delta"]["version"] == "0"
    assert lake["shop.orders_delta"]["rows_read"] == 5
    assert lake["shop.orders_iceberg"]["snapshot"] == str(read["shop.orders_iceberg"]["snapshot"])
    assert lake["shop.orders_s3"]["version"] == read["shop.orders_s3"]["version"]
    assert lake["shop.orders_s3"]["source"] == "lake"


def test_a_missing_bucket_and_a_dropped_table_are_errors_and_the_run_is_recorded(
    lake_workspace: Path, s3_env: S3Server
) -> None:
    contract = lake_workspace / "contracts" / "shop.orders_s3.odcs.yaml"
    contract.write_text(contract.read_text().replace("s3://mesh-", "s3://gone-"))
    shutil.rmtree(lake_workspace / "lake" / "orders" / "_delta_log")
    outcome = run_checks(load_workspace(lake_workspace), record=True)
    assert outcome.run_id is not None
    by_check = {(r.product, r.check_id): r for r in outcome.results}
    # a check that reads the data is an error naming the source; one that reads only the
    # contract (the gate) still runs
    s3 = by_check[("shop.orders_s3", "retention.expired_rows")]
    assert s3.status == "error"
    assert "source 'lake' (s3)" in s3.reason and "does not exist" in s3.reason
    delta = by_check[("shop.orders_delta", "retention.expired_rows")]
    assert delta.status == "error" and "no Delta table" in delta.reason
    assert by_check[("shop.orders_s3", "contract.gate")].status == "pass"
    # the other products are still checked
    iceberg = _by_product(outcome, "shop.orders_iceberg")
    assert iceberg == _by_product(outcome, "shop.orders")
    assert s3_env.secret_key not in json.dumps([r.reason for r in outcome.results])
