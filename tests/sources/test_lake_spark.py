"""Spark reads lake products through their connectors (the workspace's keys, Arrow into the
session) and answers as DuckDB does over the same rows."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from lake_data import LAKE

from privacymesh.catalog import load_catalog
from privacymesh.engine import open_engine
from privacymesh.workspace import load_workspace

if importlib.util.find_spec("pyspark") is None or not (
    shutil.which("java") or os.environ.get("JAVA_HOME")
):
    pytest.skip("Spark needs pyspark and Java", allow_module_level=True)


@pytest.mark.slow
def test_spark_reads_s3_delta_and_iceberg_products(lake_workspace: Path) -> None:
    workspace = load_workspace(lake_workspace)
    catalog = load_catalog(workspace.catalog, workspace)
    with open_engine(workspace, catalog, name="spark") as spark:
        assert set(LAKE) <= set(spark.registration.products), spark.registration.failed
        for pid in LAKE:
            view = catalog.get(pid).view
            got = spark.polars(
                f"SELECT customer_id, count(*) AS n, sum(amount) AS total FROM {view} "
                "GROUP BY 1 ORDER BY 1"
            )
            assert got.rows() == [
                ("c1", 2, 17.25),
                ("c2", 1, 20.5),
                ("c3", 1, 100.0),
                ("c4", 1, 3.0),
            ], pid
        read = spark.source_identities(list(LAKE))
    assert read["shop.orders_delta"]["version"] == 0 and read["shop.orders_s3"]["rows"] == 5
