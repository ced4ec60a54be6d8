"""Delta tables, local and on the S3 server, written by deltalake: read at a recorded version,
erased by a delete commit."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest
from lake_data import orders_table, s3_source, write_orders_contract, write_workspace
from lake_servers import S3Server

from privacymesh.catalog import load_catalog, retention_due_sql
from privacymesh.errors import SourceError
from privacymesh.sources import open_connector
from privacymesh.sources.delta import LocalDeltaConnector, S3DeltaConnector
from privacymesh.sources.settings import source_settings
from privacymesh.workspace import load_workspace

DUE = retention_due_sql("ordered_at", 150, "TIMESTAMP '2026-06-01 00:00:00'")  # o1 and o2


def _connector(root: Path, server: dict):
    write_orders_contract(root / "contracts", server)
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    return open_connector(product, source_settings(ws).get(server.get("server", "")))


@pytest.fixture
def local_delta(tmp_path: Path):
    table = tmp_path / "lake" / "orders"
    deltalake.write_deltalake(str(table), orders_table().slice(0, 3))
    deltalake.write_deltalake(str(table), orders_table().slice(3), mode="append")
    write_workspace(tmp_path, "")
    server = {"server": "local", "type": "local", "path": "../lake/orders", "format": "delta"}
    return _connector(tmp_path, server)


def test_a_local_delta_table_is_read_at_its_version(local_delta: LocalDeltaConnector) -> None:
    assert isinstance(local_delta, LocalDeltaConnector)
    data = local_delta.dataset().to_table()
    assert sorted(data.column("order_id").to_pylist()) == ["o1", "o2", "o3", "o4", "o5"]
    identity = local_delta.identity()
    assert (identity["version"], identity["files"], identity["rows"]) == (1, 2, 5)
    assert identity["format"] == "delta" and identity["location"].endswith("lake/orders")


def test_erasure_is_one_delete_commit(local_delta: LocalDeltaConnector) -> None:
    outcome = local_delta.delete(DUE)
    assert outcome.rows == 2
    assert (outcome.before["version"], outcome.after["version"]) == (1, 2)
    assert (outcome.before["rows"], outcome.after["rows"]) == (5, 3)
    table = deltalake.DeltaTable(outcome.after["location"])
    assert table.history(1)[0]["operation"] == "DELETE"
    assert sorted(table.to_pyarrow_table().column("order_id").to_pylist()) == ["o3", "o4", "o5"]
    # nothing due any more: no empty commit
    assert local_delta.delete(DUE).after["version"] == 2


def test_a_predicate_delta_cannot_take_deletes_nothing(local_delta: LocalDeltaConnector) -> None:
    with pytest.raises(SourceError, match="cannot delete in Delta"):
        local_delta.delete("regexp_matches(\"email\", 'ann')")
    assert local_delta._open().version() == 1


def test_a_missing_table_is_an_error_naming_the_source(tmp_path: Path) -> None:
    (tmp_path / "lake" / "gone").mkdir(parents=True)
    write_workspace(tmp_path, "")
    server = {"server": "local", "type": "local", "path": "../lake/gone", "format": "delta"}
    with pytest.raises(SourceError, match=r"source 'local' \(local\): no Delta table at"):
        _connector(tmp_path, server).dataset()


def test_a_delta_table_on_s3_is_read_and_erased(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    options = {
        "AWS_ENDPOINT_URL": s3_env.endpoint,
        "AWS_ACCESS_KEY_ID": s3_env.access_key,
        "AWS_SECRET_ACCESS_KEY": s3_env.secret_key,
        "AWS_REGION": s3_env.region,
        "AWS_ALLOW_HTTP": "true",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
    }
    uri = f"s3://{bucket}/delta/orders"
    deltalake.write_deltalake(uri, orders_table(), storage_options=options)
    write_workspace(tmp_path, s3_source(s3_env))
    server = {
        "server": "lake",
        "type": "s3",
        "location": f"s3://{bucket}/delta/orders",
        "format": "delta",
    }
    connector = _connector(tmp_path, server)
    assert isinstance(connector, S3DeltaConnector)
    assert connector.dataset().count_rows() == 5
    assert connector.identity()["version"] == 0
    outcome = connector.delete("\"customer_id\" = 'c1'")
    assert (outcome.rows, outcome.after["version"], outcome.after["rows"]) == (2, 1, 3)


def test_dsar_erasure_with_cells_is_one_overwrite_commit(
    local_delta: LocalDeltaConnector,
) -> None:
    outcome = local_delta.delete(
        "\"order_id\" = 'o4'", {"email": "regexp_matches(\"email\", 'ann@')"}
    )
    assert (outcome.rows, outcome.cells) == (1, {"email": 2})
    assert (outcome.before["version"], outcome.after["version"]) == (1, 2)
    table = deltalake.DeltaTable(outcome.after["location"])
    data = table.to_pyarrow_table().sort_by("order_id")
    assert data.column("email").to_pylist() == [None, "bo@example.org", None, "di@example.com"]
    assert data.schema == orders_table().schema
