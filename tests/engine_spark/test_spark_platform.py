"""The platform reads products through the workspace's engine: on Spark, the retention plan and
a DSAR's search and access export give what they give on DuckDB over the same files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from spark_support import write_workspace

from privacymesh.platform import export_request, open_request, plan_retention
from privacymesh.platform.identity import IDENTITY_FILE


@pytest.fixture(scope="module")
def own_platform(mesh: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A workspace per engine over the session's mesh, each with a private copy of the
    platform tables (a DSAR writes its request and tasks there)."""

    def make(kind: str) -> Path:
        root = tmp_path_factory.mktemp(f"platform_{kind}")
        shutil.copytree(mesh / "platform", root / "platform")
        ws = write_workspace(root, mesh, kind)
        toml = ws / "privacymesh.toml"
        toml.write_text(toml.read_text().replace(str(mesh / "platform"), str(root / "platform")))
        return ws

    return {kind: make(kind) for kind in ("spark", "duckdb")}


def test_the_retention_plan_is_the_same_on_spark(own_platform: dict[str, Path]) -> None:
    spark, duck = (plan_retention(own_platform[k]) for k in ("spark", "duckdb"))
    assert spark.as_of == duck.as_of
    assert [(i.product_id, i.rows, i.due, i.subjects, i.oldest) for i in spark.items] == [
        (i.product_id, i.rows, i.due, i.subjects, i.oldest) for i in duck.items
    ]
    assert spark.due > 0 and len(spark.items) >= 2


def test_a_dsar_export_is_the_same_on_spark(own_platform: dict[str, Path], tmp_path: Path) -> None:
    users = pl.read_parquet(own_platform["duckdb"] / "platform" / IDENTITY_FILE)
    subject = users.sort("user_id")["user_id"][0]
    results = {}
    for kind, ws in own_platform.items():
        request = open_request(ws, subject, "access", "GDPR", actor="tester")
        exported = export_request(ws, request.request_id, tmp_path / kind, actor="tester")
        index = json.loads((exported.folder / "index.json").read_text())
        results[kind] = (sorted(t["product"] for t in request.tasks), exported.products, index)
    spark_tasks, spark_rows, spark_index = results["spark"]
    duck_tasks, duck_rows, duck_index = results["duckdb"]
    assert spark_tasks == duck_tasks and spark_tasks
    assert spark_rows == duck_rows and sum(spark_rows.values()) > 0
    assert spark_index["products"] == duck_index["products"] and spark_index["products"]
    assert spark_index["rows"] == duck_index["rows"]
