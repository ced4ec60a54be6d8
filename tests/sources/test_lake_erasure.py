"""Retention and DSAR erasure where lake data lives, through the platform: a Delta delete
commit, an Iceberg delete snapshot and a swap rewrite of S3 objects, each with its version
before and after in the ledger."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import deltalake
import duckdb
import yaml
from lake_data import LAKE

from privacymesh.platform import apply_retention, plan_retention
from privacymesh.workspace import load_workspace

# 180 days before this is 2026-01-02 12:00: o1, o2 and o3 are due, o4 and o5 are kept
AS_OF = datetime(2026, 7, 1, 12)


def _keep_180_days(root: Path) -> None:
    """The lake products keep orders 180 days (the shop keeps them two years)."""
    for pid in LAKE:
        path = root / "contracts" / f"{pid}.odcs.yaml"
        data = yaml.safe_load(path.read_text())
        for sla in data["slaProperties"]:
            sla["value"], sla["unit"] = 180, "d"
        path.write_text(yaml.safe_dump(data, sort_keys=False))


def _measured(ws, check_id: str) -> dict[str, dict]:
    con = duckdb.connect(str(ws.ledger_path), read_only=True)
    rows = con.execute(
        "SELECT product_id, CAST(measured AS VARCHAR) FROM results WHERE check_id = ?",
        [check_id],
    ).fetchall()
    con.close()
    return {pid: json.loads(m) for pid, m in rows}


def test_retention_deletes_due_rows_in_each_lake_table(lake_workspace: Path) -> None:
    _keep_180_days(lake_workspace)
    ws = load_workspace(lake_workspace)
    plan = plan_retention(ws, products=list(LAKE), as_of=AS_OF)
    assert {i.product_id: (i.rows, i.due, i.blocked) for i in plan.items} == {
        pid: (5, 3, None) for pid in LAKE
    }
    outcome = apply_retention(ws, products=list(LAKE), as_of=AS_OF, dry_run=False, actor="tester")
    assert outcome.deleted == 9
    assert {(a.rows_before, a.rows_after, a.left) for a in outcome.applied} == {(5, 2, 0)}
    measured = _measured(ws, "platform.retention.apply")
    delta = measured["shop.orders_delta"]
    assert (delta["version_before"], delta["version_after"]) == ("0", "1")
    history = deltalake.DeltaTable(str(lake_workspace / "lake" / "orders")).history(1)
    assert history[0]["operation"] == "DELETE"
    for pid in LAKE:
        before, after = measured[pid]["version_before"], measured[pid]["version_after"]
        assert before and after and before != after, pid
    # nothing more is due
    assert apply_retention(ws, products=list(LAKE), as_of=AS_OF, dry_run=False).deleted == 0


def _purge_history(root: Path) -> None:
    """The Delta and Iceberg sources remove earlier versions with each erasure (the Delta
    table's folder becomes a named source, so its settings can say so)."""
    path = root / "contracts" / "shop.orders_delta.odcs.yaml"
    text = path.read_text().replace("server: local", "server: lake_local")
    path.write_text(text.replace("path: ../lake/orders", "path: orders"))
    with (root / "privacymesh.toml").open("a") as f:
        f.write(f'purge_history = true\n[sources.lake_local]\npath = "{root / "lake"}"\n')
        f.write("purge_history = true\n")


def test_dsar_erasure_reports_the_rows_earlier_versions_still_hold(lake_workspace: Path) -> None:
    from privacymesh.platform.dsar import erase_request, open_request

    ws = load_workspace(lake_workspace)
    request = open_request(ws, "c1", "erasure", "GDPR")
    outcome = erase_request(ws, request.request_id, apply=True, actor="dpo")
    items = {i.product_id: i for i in outcome.items}
    assert all(items[pid].rows_erased == 2 for pid in LAKE)
    # S3 objects were rewritten in place: no earlier version to travel back to
    assert (items["shop.orders_s3"].residue_rows, items["shop.orders_s3"].verified) == (0, True)
    # Delta and Iceberg still read the subject's two orders in the version before the erasure
    for pid in ("shop.orders_delta", "shop.orders_iceberg"):
        assert items[pid].residue_rows == 2 and not items[pid].verified, pid
        assert items[pid].history_residue["versions_with_rows"], pid
    assert not outcome.verified
    verify = _measured(ws, "platform.dsar.erasure_verification")
    assert verify["shop.orders_delta"]["history_residue_rows"] == 2
    assert verify["shop.orders_delta"]["history_purge_setting"] is False
    assert verify["shop.orders_s3"]["history_residue_rows"] is None


def test_dsar_erasure_with_purge_history_leaves_no_copy(lake_workspace: Path) -> None:
    from privacymesh.platform.dsar import erase_request, open_request

    _purge_history(lake_workspace)
    ws = load_workspace(lake_workspace)
    request = open_request(ws, "c1", "erasure", "GDPR")
    outcome = erase_request(ws, request.request_id, apply=True, actor="dpo")
    erased = {i.product_id: (i.rows_erased, i.residue_rows) for i in outcome.items}
    assert all(erased[pid] == (2, 0) for pid in LAKE), erased
    assert outcome.verified
    table = deltalake.DeltaTable(str(lake_workspace / "lake" / "orders"))
    assert sorted(table.to_pyarrow_table().column("order_id").to_pylist()) == ["o2", "o4", "o5"]
    measured = _measured(ws, "platform.dsar.erasure")
    assert measured["shop.orders_delta"]["history_files_removed"] >= 1
    assert measured["shop.orders_iceberg"]["history_snapshots_expired"] >= 1
    verify = _measured(ws, "platform.dsar.erasure_verification")
    assert verify["shop.orders_iceberg"]["history_versions_readable"] == 0
    assert verify["shop.orders_iceberg"]["history_residue_rows"] == 0
