"""The Spark engine: products as temp views from their contracts' servers, the catalog and
platform tables beside them, unreadable sources failing per product, reproducible samples."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import polars as pl
import pytest

from privacymesh.catalog import Server, load_catalog
from privacymesh.engine import open_engine
from privacymesh.engine.spark_engine import SparkEngine
from privacymesh.errors import SourceError, WorkspaceError
from privacymesh.workspace import load_workspace


def test_the_mesh_registers_as_on_duckdb(engines) -> None:  # type: ignore[no-untyped-def]
    spark, duck = engines
    assert spark.name == "spark" and spark.dialect == "spark"
    assert sorted(spark.registration.products) == sorted(duck.registration.products)
    assert spark.registration.platform == duck.registration.platform
    assert spark.registration.failed == {}
    catalog_ids = spark.registration.products
    assert len(catalog_ids) == 27
    # every product answers the same counts through its two-part mesh name
    query = " UNION ALL ".join(
        f'SELECT \'{p}\' AS id, count(*) AS n FROM "{p.split(".")[0]}"."{p.split(".")[1]}"'
        for p in sorted(catalog_ids)
    )
    assert spark.polars(query).sort("id").equals(duck.polars(query).sort("id"))
    meta = "SELECT count(*) AS n, count(DISTINCT domain) AS d FROM meta.products"
    assert spark.polars(meta).to_dicts() == duck.polars(meta).to_dicts() == [{"n": 27, "d": 12}]
    lineage = (
        "SELECT count(*) FROM meta.lineage l JOIN meta.products p ON p.product_id = l.upstream_id"
    )
    assert spark.scalar(lineage) == duck.scalar(lineage) > 0
    assert spark.scalar("SELECT count(*) FROM platform.consent_events") == duck.scalar(
        "SELECT count(*) FROM platform.consent_events"
    )
    assert spark.translate('SELECT 1 FROM "crm"."customers"') == (
        "SELECT 1 FROM `crm__customers` AS `customers`"
    )


def test_sample_is_reproducible_and_uniform(engines) -> None:  # type: ignore[no-untyped-def]
    spark, duck = engines
    view = '"payments"."transactions"'
    total = duck.scalar(f"SELECT count(*) FROM {view}")
    first, again = spark.sample(view, 300, 42), spark.sample(view, 300, 42)
    assert first.height == 300 and first.sort("txn_id").equals(again.sort("txn_id"))
    other = spark.sample(view, 300, 7)
    assert set(first["txn_id"]) != set(other["txn_id"])
    # not the first rows of the file: spread over the whole table
    positions = duck.polars(f"SELECT txn_id, row_number() OVER () AS i FROM {view}")
    picked = positions.filter(pl.col("txn_id").is_in(first["txn_id"].to_list()))["i"]
    assert picked.min() < total * 0.1 and picked.max() > total * 0.9  # type: ignore[operator]
    # a view no larger than the sample comes back whole, the same rows on both engines
    whole = spark.sample('"hr"."employees"', 10_000, 42)
    assert whole.sort("employee_id").equals(
        duck.sample('"hr"."employees"', 10_000, 42).sort("employee_id")
    )


def test_materialized_tables_read_like_views_and_drop(engines) -> None:  # type: ignore[no-untyped-def]
    spark, duck = engines
    query = "SELECT type, count(*) AS n FROM platform.dsar_requests GROUP BY type"
    read = 'SELECT type, n FROM "shared"."probe__counts" ORDER BY type'
    for engine in (spark, duck):
        engine.materialize("shared", "probe__counts", query)
    assert spark.polars(read).to_dicts() == duck.polars(read).to_dicts() != []
    # on Spark the table is a cached view: computed once, not again by each query reading it
    assert spark.spark.catalog.isCached("shared__probe__counts")
    for engine in (spark, duck):
        engine.drop("shared", "probe__counts")
        engine.drop("shared", "probe__counts")  # dropping what is gone is no error
        with pytest.raises(Exception, match=r"(?i)probe__counts"):
            engine.polars(read)


def test_unreadable_sources_fail_per_product(spark_workspace: Path, mesh: Path) -> None:
    ws = load_workspace(spark_workspace)
    catalog = load_catalog(ws.catalog)
    users = catalog.get("identity.users")
    missing = dataclasses.replace(
        users, name="gone", server=Server("local", "parquet", mesh / "products" / "nope.parquet")
    )
    duck_file = dataclasses.replace(
        users, name="in_duckdb", server=Server("duckdb", None, None, mesh / "x.duckdb")
    )
    kafka = dataclasses.replace(users, name="stream", server=Server("kafka"))
    engine = SparkEngine("local[2]")
    try:
        engine.register_product(users)
        for product, reason in (
            (missing, "cannot read the product's data"),
            (duck_file, "declared, not readable: Spark does not read"),
            (kafka, "declared, not readable: Spark does not read"),
        ):
            with pytest.raises(SourceError, match=reason) as err:
                engine.register_product(product)
            assert err.value.file == users.file
        assert engine.scalar('SELECT count(*) FROM "identity"."users"') == 987
        # a name that would map onto an existing view is refused, not silently shadowed
        clash = dataclasses.replace(users, domain="identity__users", name="x")
        engine.register_product(clash)
        twin = dataclasses.replace(users, domain="identity", name="users__x")
        with pytest.raises(SourceError, match="same Spark view"):
            engine.register_product(twin)
    finally:
        engine.close()


def test_catalog_table_servers(spark_workspace: Path, mesh: Path) -> None:
    """A contract whose server names a table of Spark's catalog (databricks, hive, glue):
    here a global temp view stands in for the catalog table."""
    ws = load_workspace(spark_workspace)
    users = load_catalog(ws.catalog).get("identity.users")
    engine = SparkEngine("local[2]")
    try:
        engine.spark.read.parquet(str(mesh / "products" / "identity" / "users.parquet")).limit(
            10
        ).createOrReplaceGlobalTempView("users_table")
        raw = {
            **users.raw,
            "servers": [{"server": "lake", "type": "hive", "database": "global_temp"}],
            "schema": [{**users.raw["schema"][0], "physicalName": "users_table"}],
        }
        product = dataclasses.replace(users, server=Server("hive"), raw=raw)
        engine.register_product(product)
        assert engine.scalar(f"SELECT count(*) FROM {product.view}") == 10
    finally:
        engine.spark.catalog.dropGlobalTempView("users_table")
        engine.close()


def test_workspace_configures_spark(spark_workspace: Path) -> None:
    ws = load_workspace(spark_workspace)
    assert ws.engine.name == "spark" and ws.engine.master == "local[2]"
    assert ws.engine.spark_conf["spark.sql.shuffle.partitions"] == "2"
    engine = open_engine(ws)
    try:
        assert engine.spark.conf.get("spark.sql.session.timeZone") == "UTC"
        assert engine.spark.conf.get("spark.sql.timestampType") == "TIMESTAMP_NTZ"
    finally:
        engine.close()
    bad = spark_workspace.parent / "bad_conf"
    bad.mkdir(exist_ok=True)
    (bad / "privacymesh.toml").write_text('[engine]\nkind = "spark"\nspark_conf = "x"\n')
    with pytest.raises(WorkspaceError, match=r"engine\.spark_conf"):
        load_workspace(bad)


def test_missing_pyspark_is_a_clear_error(spark_workspace: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    monkeypatch.delitem(sys.modules, "privacymesh.engine.spark_engine")
    with pytest.raises(WorkspaceError, match="pyspark") as err:
        open_engine(load_workspace(spark_workspace))
    assert "privacymesh[spark]" in str(err.value)


def test_hostile_identifiers_stay_identifiers(spark_workspace: Path) -> None:
    """A name that slipped past validation maps to a quoted temp view; nothing runs from it."""
    users = load_catalog(load_workspace(spark_workspace).catalog).get("identity.users")
    hostile = 'x` FROM y; DROP VIEW `identity__users`; --" x'
    evil = dataclasses.replace(users, name=hostile, domain='id"en`tity')
    engine = SparkEngine("local[2]")
    try:
        engine.register_product(users)
        engine.register_product(evil)
        assert engine.scalar(f"SELECT count(*) FROM {evil.view}") == 987
        assert engine.scalar(f"SELECT count(*) FROM {users.view}") == 987
    finally:
        engine.close()


def test_a_sealed_session_reads_no_file_by_path(spark_workspace: Path) -> None:
    """Check SQL runs in a sealed session: Spark's `parquet.`path`` reads stop working."""
    users = load_catalog(load_workspace(spark_workspace).catalog).get("identity.users")
    assert users.server is not None and users.server.path is not None
    by_path = f"SELECT count(*) FROM parquet.`{users.server.path}`"
    engine = SparkEngine("local[2]")
    try:
        engine.register_product(users)
        assert engine.spark.sql(by_path).collect()[0][0] == 987
        engine.seal()
        with pytest.raises(Exception, match="parquet"):
            engine.spark.sql(by_path).collect()
        assert engine.scalar(f"SELECT count(*) FROM {users.view}") == 987
    finally:
        engine.close()
