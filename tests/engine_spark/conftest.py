"""Spark fixtures: one local Spark application for the whole test session (each engine opens a
light session of its own inside it), and the sample mesh at scale 0.05 with two workspaces over
the same files, one per engine.

Without pyspark (the `spark` extra) these tests are skipped on a developer's machine; in CI
(`CI` set) a missing pyspark or Java is a failure, not a skip."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from spark_support import write_workspace

SPARK_READY = importlib.util.find_spec("pyspark") is not None and bool(
    shutil.which("java") or os.environ.get("JAVA_HOME")
)
if not SPARK_READY and not os.environ.get("CI"):
    collect_ignore_glob = ["test_spark_*.py"]


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Path:
    """The sample mesh at scale 0.05 (every product under 10,000 rows)."""
    root = tmp_path_factory.mktemp("spark_mesh") / "sample"
    shutil.copytree(generated_sample, root)
    return root


@pytest.fixture(scope="session")
def spark_workspace(mesh: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workspace(tmp_path_factory.mktemp("ws_spark"), mesh, "spark")


@pytest.fixture(scope="session")
def duckdb_workspace(mesh: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_workspace(tmp_path_factory.mktemp("ws_duckdb"), mesh, "duckdb")


@pytest.fixture(scope="session")
def engines(spark_workspace: Path, duckdb_workspace: Path):  # type: ignore[no-untyped-def]
    """A Spark and a DuckDB engine over the same mesh, for differential queries."""
    from privacymesh.catalog import load_catalog
    from privacymesh.engine import open_engine
    from privacymesh.workspace import load_workspace

    spark_ws, duck_ws = load_workspace(spark_workspace), load_workspace(duckdb_workspace)
    catalog = load_catalog(spark_ws.catalog)
    spark, duck = open_engine(spark_ws, catalog), open_engine(duck_ws, catalog)
    yield spark, duck
    spark.close()
    duck.close()
