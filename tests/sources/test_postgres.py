"""PostgreSQL products read where they live: the same checks and results as the same rows in
Parquet, the work pushed down to the server, and what was read recorded as evidence."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.runner.run import run_checks
from privacymesh.workspace import load_workspace


def _by_product(outcome, product: str) -> dict[str, tuple[str, dict]]:
    return {
        r.check_id: (r.status, {k: v for k, v in r.values.items() if k != "query"})
        for r in outcome.results
        if r.product == product
    }


def test_a_postgres_product_is_a_view_read_at_its_source(pg_workspace: Path, postgres) -> None:
    workspace = load_workspace(pg_workspace)
    catalog = load_catalog(workspace.catalog)
    with open_engine(workspace, catalog) as engine:
        assert "shop.orders" in engine.registration.products
        engine.seal()
        total = engine.scalar('SELECT sum(amount) FROM "shop"."orders" WHERE customer_id = \'c1\'')
        assert total == pytest.approx(17.25)
        # a query that also reads a table of the session fetches only the columns it uses
        joined = engine.polars(
            'SELECT p.product_id, count(*) AS n FROM "shop"."orders" o '
            "JOIN meta.products p ON p.product_id = 'shop.orders' GROUP BY 1"
        )
        assert joined.to_dicts() == [{"product_id": "shop.orders", "n": 5}]
        # a function off the pushdown list never runs at the server (it could read its files)
        version = engine.scalar('SELECT max(version()) FROM "shop"."orders"')
        assert version == engine.scalar("SELECT version()")  # DuckDB's, not PostgreSQL's
        first = engine.sample('"shop"."orders"', 3, seed=7)
        again = engine.sample('"shop"."orders"', 3, seed=7)
        assert first.height == 3 and first.equals(again)
        assert engine.sample('"shop"."orders"', 100, seed=7).height == 5  # every row
        assert set(first.columns) == {"order_id", "customer_id", "email", "amount", "ordered_at"}
    log = postgres.log.read_text()
    # the sum was computed by the server, the join read two columns, the sample three rows
    assert 'SUM(amount) FROM "' in log and "WHERE customer_id = 'c1'" in log
    assert 'SELECT "customer_id", "amount"' not in log  # the pushed query needed no fetch
    assert "LIMIT 3" in log
    assert "max(version())" not in log.lower() and 'SELECT 1 AS "__privacymesh_row"' in log


def test_checks_give_the_same_results_as_the_same_rows_in_parquet(
    pg_workspace: Path, postgres
) -> None:
    workspace = load_workspace(pg_workspace)
    in_pg = run_checks(workspace, record=True)
    orders = _by_product(in_pg, "shop.orders")
    errors = [(r.check_id, r.reason) for r in in_pg.results if r.status == "error"]
    assert orders and not [e for e in errors if "orders" in str(e)], errors
    # the same workspace reading the Parquet file the rows came from
    contract = pg_workspace / "contracts" / "shop.orders.odcs.yaml"
    original = Path(__file__).parents[1] / "catalog" / "contracts" / "good" / contract.name
    contract.write_text(original.read_text())
    # the retention check's counts were computed at the server
    assert 'COUNT(*) FILTER(WHERE "ordered_at" <' in postgres.log.read_text()
    local = run_checks(load_workspace(pg_workspace), record=False)
    assert _by_product(local, "shop.orders") == orders
    # evidence: the run records what each product read, and how many rows
    con = duckdb.connect(str(workspace.ledger_path), read_only=True)
    ((options,),) = con.sql("SELECT options FROM runs").fetchall()
    con.close()

    read = json.loads(options)["sources"]["shop.orders"]
    assert read["type"] == "postgres" and read["source"] == "shop_pg"
    assert read["rows"] == 5 and read["table"].endswith(".orders")
    assert read["version"].startswith("wal ")
    # the local files' identity too: where, which state, how many rows
    totals = json.loads(options)["sources"]["shop.order_totals"]
    assert totals["type"] == "local" and totals["location"].endswith("order_totals.csv")
    assert totals["rows"] == 3 and "bytes, modified" in totals["version"]


def _client_connections(postgres) -> int:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(postgres.uri()) as con, con.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
            "AND pid <> pg_backend_pid()"
        )
        return int(cur.fetchone()[0])


def test_products_of_one_source_share_one_connection(pg_workspace: Path, postgres) -> None:
    # a second product in the same database, under its own contract
    contracts = pg_workspace / "contracts"
    text = (contracts / "shop.orders.odcs.yaml").read_text()
    schema = text.split("schema: ")[1].split("}")[0].strip()
    postgres.execute(f"CREATE TABLE {schema}.orders_copy AS SELECT * FROM {schema}.orders")
    copy = text.replace("dataProduct: orders", "dataProduct: orders_copy").replace(
        "id: shop.orders", "id: shop.orders_copy"
    )
    copy = copy.replace("physicalName: orders", "physicalName: orders_copy")
    (contracts / "shop.orders_copy.odcs.yaml").write_text(copy)
    workspace = load_workspace(pg_workspace)
    before = _client_connections(postgres)
    with open_engine(workspace, load_catalog(workspace.catalog)) as engine:
        both = (
            'SELECT (SELECT count(*) FROM "shop"."orders") '
            '+ (SELECT count(*) FROM "shop"."orders_copy")'
        )
        assert engine.scalar(both) == 10
        assert _client_connections(postgres) == before + 1
    assert _client_connections(postgres) == before
