"""Earlier versions of lake tables after an erasure: time travel still reads the erased rows
until they are removed; `purge_history = true` on the source removes them with the erasure
(Delta vacuum with no retention window, Iceberg snapshot expiry and the files only the expired
snapshots used), and `residue_in_history` reports what earlier versions still hold."""

from __future__ import annotations

from pathlib import Path

import deltalake
import pytest
from lake_data import orders_table, write_orders_contract, write_workspace
from test_iceberg import SOURCE, _catalog

from privacymesh.catalog import load_catalog
from privacymesh.sources import SourceSettings, open_connector
from privacymesh.sources.settings import source_settings
from privacymesh.workspace import load_workspace

C1 = "\"customer_id\" = 'c1'"  # orders o1 and o3


def _delta(root: Path, purge: bool):
    table = root / "lake" / "orders"
    deltalake.write_deltalake(str(table), orders_table().slice(0, 3))
    deltalake.write_deltalake(str(table), orders_table().slice(3), mode="append")
    write_workspace(root, "")
    server = {"server": "lake_local", "type": "local", "path": "../lake/orders", "format": "delta"}
    write_orders_contract(root / "contracts", server)
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    return open_connector(product, SourceSettings("lake_local", {"purge_history": purge}))


def _iceberg(root: Path, purge: bool):
    catalog = _catalog(root)
    catalog.create_namespace("shop")
    table = catalog.create_table("shop.orders", schema=orders_table().schema)
    table.append(orders_table().slice(0, 3))
    table.append(orders_table().slice(3))
    write_workspace(root, SOURCE + ("purge_history = true\n" if purge else ""))
    server = {"server": "lakehouse", "type": "custom", "format": "iceberg", "schema": "shop"}
    write_orders_contract(root / "contracts", server)
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    return open_connector(product, source_settings(ws)["lakehouse"])


def _data_files(root: Path) -> set[Path]:
    return {p for p in (root / "lake").rglob("*.parquet") if "_delta_log" not in p.parts}


@pytest.mark.parametrize("open_table", [_delta, _iceberg], ids=["delta", "iceberg"])
def test_without_purge_earlier_versions_still_hold_the_erased_rows(tmp_path: Path, open_table):
    connector = open_table(tmp_path, purge=False)
    outcome = connector.delete(C1)
    assert (outcome.rows, outcome.history) == (2, None)
    residue = connector.residue_in_history(C1)
    # two earlier versions (the first append, the second): both hold o1 and o3
    assert residue["versions_readable"] == 2 and residue["versions_unreadable"] == 0
    assert (residue["rows"], len(residue["versions_with_rows"])) == (4, 2)
    assert residue["purge_setting"] is False


@pytest.mark.parametrize("open_table", [_delta, _iceberg], ids=["delta", "iceberg"])
def test_purge_history_removes_earlier_versions_with_the_erasure(tmp_path: Path, open_table):
    connector = open_table(tmp_path, purge=True)
    files_before = _data_files(tmp_path)
    outcome = connector.delete(C1)
    assert outcome.rows == 2 and outcome.history is not None
    assert outcome.history["files_removed"] >= 1
    residue = connector.residue_in_history(C1)
    # the versions before the erasure cannot be read any more; the later ones (Delta's
    # vacuum commits) hold only what the table holds now
    assert (residue["rows"], residue["versions_with_rows"]) == (0, [])
    # the files the erased rows were in are gone from disk, the current ones stay
    gone = files_before - _data_files(tmp_path)
    assert gone
    assert connector.dataset().count_rows() == 3
    assert connector.count(C1) == 0


def test_delta_time_travel_fails_after_the_purge(tmp_path: Path) -> None:
    connector = _delta(tmp_path, purge=True)
    outcome = connector.delete(C1, {"email": "regexp_matches(\"email\", 'bo@')"})
    assert (outcome.rows, outcome.cells) == (2, {"email": 1})
    assert outcome.history["method"].startswith("delta vacuum")
    # the version before the erasure is gone: its log entries and its files
    with pytest.raises(deltalake.exceptions.TableNotFoundError):
        deltalake.DeltaTable(str(tmp_path / "lake" / "orders"), version=1)
    # nor does the log keep the erased e-mail in its column statistics
    log = tmp_path / "lake" / "orders" / "_delta_log"
    assert not any(b"ann@example.com" in p.read_bytes() for p in log.iterdir() if p.is_file())


def test_iceberg_keeps_a_tagged_snapshot(tmp_path: Path) -> None:
    connector = _iceberg(tmp_path, purge=True)
    table = connector._latest()
    first = table.snapshots()[0].snapshot_id
    table.manage_snapshots().create_tag(first, "audit-2026").commit()
    outcome = connector.delete(C1)
    assert outcome.history["snapshots_kept"] == 2  # the tagged one and the current one
    residue = connector.residue_in_history(C1)
    # the tag holds the first snapshot, so time travel still reads o1 and o3 there: reported
    assert (residue["rows"], residue["versions_with_rows"]) == (2, [f"snapshot {first}"])
