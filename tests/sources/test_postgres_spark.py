"""Spark reads a PostgreSQL product through JDBC (Debian's driver jar) and answers as DuckDB
does over the same rows."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.sources.registry import POSTGRES_JAR
from privacymesh.workspace import load_workspace

if importlib.util.find_spec("pyspark") is None or not (
    shutil.which("java") or os.environ.get("JAVA_HOME")
):
    pytest.skip("Spark needs pyspark and Java", allow_module_level=True)
if not Path(POSTGRES_JAR).is_file():
    pytest.skip(
        f"no PostgreSQL JDBC driver at {POSTGRES_JAR} (apt-get install libpostgresql-jdbc-java)",
        allow_module_level=True,
    )

QUERIES = [
    'SELECT count(*) AS n, sum(amount) AS total FROM "shop"."orders" WHERE amount > 5',
    'SELECT customer_id, count(*) AS n FROM "shop"."orders" GROUP BY 1 ORDER BY 1',
    'SELECT count(*) AS n FROM "shop"."orders" WHERE ordered_at < TIMESTAMP \'2026-01-02\'',
]


@pytest.mark.slow
def test_spark_reads_postgres_through_jdbc(pg_workspace: Path, postgres) -> None:
    workspace = load_workspace(pg_workspace)
    catalog = load_catalog(workspace.catalog)
    with open_engine(workspace, catalog, name="spark") as spark:
        assert "shop.orders" in spark.registration.products, spark.registration.failed
        with open_engine(workspace, catalog, name="duckdb") as duck:
            for sql in QUERIES:
                assert spark.polars(sql).to_dicts() == duck.polars(sql).to_dicts(), sql
    assert postgres.password not in (pg_workspace / "privacymesh.toml").read_text()


@pytest.mark.slow
def test_spark_names_the_source_when_credentials_are_wrong(
    pg_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postgres_server import PASSWORD_ENV

    monkeypatch.setenv(PASSWORD_ENV, "wrong-password-1234")
    workspace = load_workspace(pg_workspace)
    with open_engine(workspace, load_catalog(workspace.catalog), name="spark") as spark:
        reason = spark.registration.failed["shop.orders"]
    assert reason.startswith("source 'shop_pg' (postgres): cannot read through Spark")
    assert "Couldn't connect to the database" in reason
    assert "wrong-password-1234" not in reason
