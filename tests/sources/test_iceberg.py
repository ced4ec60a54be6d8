"""Iceberg tables in a SQL catalog (a SQLite file) with a local warehouse, written by pyiceberg:
read at a recorded snapshot, erased by an Iceberg delete."""

from __future__ import annotations

from pathlib import Path

import pytest
from lake_data import orders_table, write_orders_contract, write_workspace
from pyiceberg.catalog.sql import SqlCatalog

from privacymesh.catalog import load_catalog, retention_due_sql
from privacymesh.errors import SourceError
from privacymesh.sources import open_connector
from privacymesh.sources.iceberg import CustomIcebergConnector
from privacymesh.sources.settings import source_settings
from privacymesh.workspace import load_workspace

SOURCE = (
    '[sources.lakehouse]\ntype = "iceberg"\ncatalog_db = "lake/catalog.db"\n'
    'warehouse = "lake/warehouse"\n'
)
SERVER = {"server": "lakehouse", "type": "custom", "format": "iceberg", "schema": "shop"}


def _catalog(root: Path) -> SqlCatalog:
    (root / "lake" / "warehouse").mkdir(parents=True, exist_ok=True)
    return SqlCatalog(
        "lakehouse",
        uri=f"sqlite:///{root / 'lake' / 'catalog.db'}",
        warehouse=(root / "lake" / "warehouse").as_uri(),
    )


def _connector(root: Path, server: dict = SERVER) -> CustomIcebergConnector:
    write_workspace(root, SOURCE)
    write_orders_contract(root / "contracts", server)
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    connector = open_connector(product, source_settings(ws)["lakehouse"])
    assert isinstance(connector, CustomIcebergConnector)
    return connector


@pytest.fixture
def iceberg_orders(tmp_path: Path) -> CustomIcebergConnector:
    catalog = _catalog(tmp_path)
    catalog.create_namespace("shop")
    table = catalog.create_table("shop.orders", schema=orders_table().schema)
    table.append(orders_table().slice(0, 3))
    table.append(orders_table().slice(3))
    return _connector(tmp_path)


def test_an_iceberg_table_is_read_at_its_snapshot(iceberg_orders: CustomIcebergConnector) -> None:
    data = iceberg_orders.dataset().to_table()
    assert sorted(data.column("customer_id").to_pylist()) == ["c1", "c1", "c2", "c3", "c4"]
    identity = iceberg_orders.identity()
    current = iceberg_orders.table.current_snapshot()
    assert identity["snapshot"] == current.snapshot_id
    assert (identity["table"], identity["files"], identity["rows"]) == ("shop.orders", 2, 5)


def test_erasure_is_an_iceberg_delete(iceberg_orders: CustomIcebergConnector) -> None:
    due = retention_due_sql("ordered_at", 150, "TIMESTAMP '2026-06-01 00:00:00'")
    outcome = iceberg_orders.delete(due)
    assert outcome.rows == 2
    assert outcome.before["snapshot"] != outcome.after["snapshot"]
    assert (outcome.before["rows"], outcome.after["rows"]) == (5, 3)
    table = iceberg_orders._latest()
    snapshot = table.current_snapshot()
    assert snapshot.snapshot_id == outcome.after["snapshot"]
    assert snapshot.parent_snapshot_id == outcome.before["snapshot"]
    # copy-on-write: the file holding o1-o3 is replaced by one holding o3
    assert (snapshot.summary["deleted-records"], snapshot.summary["added-records"]) == ("3", "1")
    assert sorted(table.scan().to_arrow().column("order_id").to_pylist()) == ["o3", "o4", "o5"]
    # the connector now reads the new snapshot
    assert iceberg_orders.dataset().count_rows() == 3


def test_an_untranslatable_predicate_deletes_nothing(
    iceberg_orders: CustomIcebergConnector,
) -> None:
    snapshot = iceberg_orders.identity()["snapshot"]
    with pytest.raises(SourceError, match="cannot delete in Iceberg"):
        iceberg_orders.delete("lower(\"email\") = 'ann@example.com'")
    assert iceberg_orders._latest().current_snapshot().snapshot_id == snapshot


def test_a_dropped_table_is_an_error_naming_the_source(tmp_path: Path) -> None:
    _catalog(tmp_path).create_namespace("shop")
    with pytest.raises(SourceError, match=r"source 'lakehouse' \(custom\): no Iceberg table shop"):
        _connector(tmp_path).dataset()


def test_dsar_erasure_with_cells_is_one_overwrite_snapshot(
    iceberg_orders: CustomIcebergConnector,
) -> None:
    outcome = iceberg_orders.delete(
        "\"order_id\" = 'o4'", {"email": "regexp_matches(\"email\", 'ann@')"}
    )
    assert (outcome.rows, outcome.cells) == (1, {"email": 2})
    assert outcome.before["snapshot"] != outcome.after["snapshot"]
    data = iceberg_orders._latest().scan().to_arrow().sort_by("order_id")
    assert data.column("email").to_pylist() == [None, "bo@example.org", None, "di@example.com"]
