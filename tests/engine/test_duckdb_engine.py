from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest

from privacymesh.catalog import Field, load_catalog, quote_ident
from privacymesh.engine import DuckDBEngine, open_engine
from privacymesh.summary import row_counts
from privacymesh.workspace import load_workspace


def test_every_product_is_a_view_per_domain(shop_workspace: Path) -> None:
    ws = load_workspace(shop_workspace)
    catalog = load_catalog(ws.catalog)
    with open_engine(ws, catalog) as engine:
        assert sorted(engine.registration.products) == sorted(catalog.products)
        assert engine.registration.platform == ["identity_map"]
        assert engine.registration.failed == {}
        counts = row_counts(engine, engine.registration.products, catalog)
        assert counts == {"shop.order_export": 3, "shop.order_totals": 3, "shop.orders": 5}
        # parquet and csv products answer SQL, results come back as Polars and Arrow
        df = engine.polars('SELECT day, total FROM "shop"."order_totals" ORDER BY day')
        assert df["total"].to_list() == [30.5, 7.25, 103.0]
        assert engine.arrow("SELECT count(*) AS n FROM platform.identity_map").num_rows == 1
        assert engine.scalar('SELECT sum(amount) FROM "shop"."orders"') == pytest.approx(140.75)


def test_missing_and_corrupt_files_fail_per_product(shop_catalog: Path) -> None:
    data = shop_catalog.parent / "data"
    (data / "order_export.parquet").unlink()
    (data / "orders.parquet").write_bytes(b"PAR1 this is not parquet")
    catalog = load_catalog(shop_catalog)
    engine = DuckDBEngine()
    reg = engine.register_catalog(catalog)
    assert reg.products == ["shop.order_totals"]
    assert "data file not found" in reg.failed["shop.order_export"]
    assert "cannot read the product's data" in reg.failed["shop.orders"]
    engine.close()


def test_hostile_identifiers_are_quoted_not_executed(shop_catalog: Path) -> None:
    """A name that slipped past validation still cannot break out of its quotes."""
    catalog = load_catalog(shop_catalog)
    orders = catalog.get("shop.orders")
    hostile = 'x" FROM "shop"."orders"; DROP VIEW "shop"."orders"; --'
    evil = dataclasses.replace(orders, name=hostile, domain='sh"op', fields=(Field(hostile),))
    engine = DuckDBEngine()
    engine.register_product(orders)
    engine.register_product(evil)
    # the hostile view exists under its literal name and the real view is intact
    assert engine.scalar(f"SELECT count(*) FROM {evil.view}") == 5
    assert engine.scalar(f"SELECT count(*) FROM {orders.view}") == 5
    assert engine.scalar(f"SELECT count({quote_ident('amount')}) FROM {evil.view}") == 5
    with pytest.raises(Exception, match="not found"):
        engine.scalar(f"SELECT {quote_ident(hostile)} FROM {orders.view}")
    engine.close()


def test_duckdb_table_server(tmp_path: Path, shop_catalog: Path) -> None:
    import duckdb

    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE SCHEMA crm; CREATE TABLE crm.people AS SELECT 1 AS id, 'x' AS name")
    con.close()
    catalog = load_catalog(shop_catalog)
    orders = catalog.get("shop.orders")
    from privacymesh.catalog import Server

    product = dataclasses.replace(
        orders, name="people", table="people", server=Server("duckdb", database=db, schema="crm")
    )
    engine = DuckDBEngine()
    engine.register_product(product)
    assert engine.polars(f"SELECT * FROM {product.view}").to_dicts() == [{"id": 1, "name": "x"}]
    engine.seal()  # an attached source stays readable, and stays read-only
    assert engine.polars(f"SELECT * FROM {product.view}").to_dicts() == [{"id": 1, "name": "x"}]
    with pytest.raises(duckdb.Error):
        engine.execute("INSERT INTO src_0.crm.people VALUES (2, 'y')")
    engine.close()


def test_file_database(tmp_path: Path, shop_catalog: Path) -> None:
    engine = DuckDBEngine(str(tmp_path / "session.duckdb"))
    engine.register_catalog(load_catalog(shop_catalog))
    assert isinstance(engine.polars('SELECT * FROM "shop"."orders"'), pl.DataFrame)
    engine.seal()  # a sealed session still writes its own database file
    engine.materialize("shared", "t", 'SELECT count(*) AS n FROM "shop"."orders"')
    assert engine.scalar("SELECT n FROM shared.t") == engine.scalar(
        'SELECT count(*) FROM "shop"."orders"'
    )
    engine.close()
    assert (tmp_path / "session.duckdb").exists()


def _numbered_orders(folder: Path, parts: int) -> list[dict[str, object]]:
    """`parts` Parquet files of 500 orders each; every row's `n` is unique."""
    folder.mkdir()
    rows = []
    for part in range(parts):
        frame = pl.DataFrame(
            {
                "n": range(part * 500, (part + 1) * 500),
                "email": [f"user{i}@example.com" for i in range(part * 500, (part + 1) * 500)],
            }
        )
        frame.write_parquet(folder / f"part-{part}.parquet")
        rows.extend(frame.to_dicts())
    return rows


def test_parquet_sample_is_a_reproducible_subset_in_file_order(
    tmp_path: Path, shop_catalog: Path
) -> None:
    rows = _numbered_orders(tmp_path / "orders", parts=3)
    orders = load_catalog(shop_catalog).get("shop.orders")
    engine = DuckDBEngine()
    for name, path in [("one", "orders/part-1.parquet"), ("all", "orders/*.parquet")]:
        server = dataclasses.replace(orders.server, path=tmp_path / path)
        engine.register_product(dataclasses.replace(orders, name=name, server=server))
    one, every = '"shop"."one"', '"shop"."all"'
    # three files of one row group each are sampled by row number; one row group is not
    assert "file_row_number" in engine.sample_query(every, 100, 7)
    assert "file_row_number" not in engine.sample_query(one, 100, 7)
    # registered again over more row groups, the view is sampled by row number from then on
    glob = dataclasses.replace(orders.server, path=tmp_path / "orders" / "*.parquet")
    engine.register_product(dataclasses.replace(orders, name="one", server=glob))
    assert "file_row_number" in engine.sample_query(one, 100, 7)
    server = dataclasses.replace(orders.server, path=tmp_path / "orders" / "part-1.parquet")
    engine.register_product(dataclasses.replace(orders, name="one", server=server))
    assert "file_row_number" not in engine.sample_query(one, 100, 7)
    first = engine.sample(every, 100, 7)
    # a sample without replacement of whole rows, drawn from every file, in file order
    assert first.height == 100 and first["n"].n_unique() == 100
    assert first.columns == ["n", "email"]
    assert set(first.rows()) <= {(r["n"], r["email"]) for r in rows}
    assert first["n"].to_list() == sorted(first["n"].to_list())
    assert {n // 500 for n in first["n"]} == {0, 1, 2}
    # the same seed draws the same rows, another seed others
    assert first.equals(engine.sample(every, 100, 7))
    assert not first.equals(engine.sample(every, 100, 8))
    # no more rows than asked: every row
    assert sorted(engine.sample(one, 5000, 1)["n"]) == list(range(500, 1000))
    engine.close()


def test_parquet_sample_is_uniform(tmp_path: Path, shop_catalog: Path) -> None:
    """Over many seeds, each of ten row blocks holds close to a tenth of the sampled rows."""
    _numbered_orders(tmp_path / "orders", parts=2)
    orders = load_catalog(shop_catalog).get("shop.orders")
    server = dataclasses.replace(orders.server, path=tmp_path / "orders" / "*.parquet")
    engine = DuckDBEngine()
    engine.register_product(dataclasses.replace(orders, server=server))
    drawn = pl.concat([engine.sample(orders.view, 50, seed) for seed in range(40)])
    shares = (drawn["n"] // 100).value_counts()["count"] / drawn.height
    assert drawn.height == 2000
    assert shares.min() > 0.07 and shares.max() < 0.13
    engine.close()


def test_parquet_sample_falls_back_when_a_column_is_named_like_a_row_number(
    tmp_path: Path, shop_catalog: Path
) -> None:
    table = pl.DataFrame({"file_row_number": range(50), "x": range(50)})
    table.write_parquet(tmp_path / "t1.parquet")
    table.write_parquet(tmp_path / "t2.parquet")
    orders = load_catalog(shop_catalog).get("shop.orders")
    server = dataclasses.replace(orders.server, path=tmp_path / "t*.parquet")
    engine = DuckDBEngine()
    engine.register_product(dataclasses.replace(orders, server=server))
    query = engine.sample_query(orders.view, 10, 3)
    assert query.endswith("USING SAMPLE reservoir(10 ROWS) REPEATABLE (3)")
    sample = engine.sample(orders.view, 10, 3)
    assert sample.columns == ["file_row_number", "x"] and sample.height == 10
    engine.close()


def test_one_file_is_sampled_by_row_number_alone_with_the_rows_of_the_reservoir(
    tmp_path: Path, shop_catalog: Path
) -> None:
    """Over one Parquet file of several row groups the drawn rows are joined back on the row
    number alone; they are the rows the reservoir draws over whole rows' numbers."""
    frame = pl.DataFrame({"n": range(3000), "email": [f"user{i}@example.com" for i in range(3000)]})
    frame.write_parquet(tmp_path / "orders.parquet", row_group_size=1000)
    orders = load_catalog(shop_catalog).get("shop.orders")
    server = dataclasses.replace(orders.server, path=tmp_path / "orders.parquet")
    engine = DuckDBEngine()
    engine.register_product(dataclasses.replace(orders, server=server))
    query = engine.sample_query(orders.view, 100, 7)
    assert "USING (file_row_number)" in query
    drawn = engine.con.sql(
        f"SELECT file_row_number FROM read_parquet('{tmp_path / 'orders.parquet'}', "
        "filename = '__privacymesh_file', file_row_number = true) "
        "USING SAMPLE reservoir(100 ROWS) REPEATABLE (7) ORDER BY file_row_number"
    ).fetchall()
    sample = engine.sample(orders.view, 100, 7)
    assert sample["n"].to_list() == [r[0] for r in drawn]
    assert sample.columns == ["n", "email"]
    engine.close()
