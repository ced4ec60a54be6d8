"""Retention and DSAR erasure where the data lives: a PostgreSQL product's due rows are deleted
at the server in one transaction, with its version before and after in the ledger; a source
the workspace marks read-only reports what would be deleted and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from privacymesh.platform import ReadOnlySourceError, apply_retention, plan_retention
from privacymesh.workspace import load_workspace

pg = pytest.importorskip(
    "adbc_driver_postgresql.dbapi", reason="pip install 'privacymesh[postgres]'"
)


def _schema(workspace: Path) -> str:
    contract = (workspace / "contracts" / "shop.orders.odcs.yaml").read_text()
    return contract.split("schema: ")[1].split("}")[0].strip()


def _old_orders(postgres, schema: str) -> None:
    """Two orders from 2020: past the two years the contract keeps them."""
    old = pa.table(
        {
            "order_id": ["o8", "o9"],
            "customer_id": ["c8", "c9"],
            "email": ["eight@example.com", "nine@example.com"],
            "amount": [1.0, 2.0],
            "ordered_at": pa.array(
                [datetime(2020, 1, 1), datetime(2020, 2, 1)], pa.timestamp("us")
            ),
        }
    )
    with pg.connect(postgres.uri()) as con, con.cursor() as cur:
        cur.adbc_ingest("orders", old, mode="append", db_schema_name=schema)
        con.commit()


def _order_ids(postgres, schema: str) -> list[str]:
    with pg.connect(postgres.uri()) as con, con.cursor() as cur:
        cur.execute(f"SELECT order_id FROM {schema}.orders ORDER BY order_id")
        return [r[0] for r in cur.fetchall()]


def test_retention_deletes_due_rows_at_the_server(pg_workspace: Path, postgres) -> None:
    schema = _schema(pg_workspace)
    _old_orders(postgres, schema)
    ws = load_workspace(pg_workspace)
    (item,) = plan_retention(ws, products=["shop.orders"]).items
    assert (item.rows, item.due, item.blocked) == (7, 2, None)
    outcome = apply_retention(ws, products=["shop.orders"], dry_run=False, actor="tester")
    assert outcome.deleted == 2
    (applied,) = outcome.applied
    assert (applied.rows_before, applied.rows_after, applied.left) == (7, 5, 0)
    assert _order_ids(postgres, schema) == ["o1", "o2", "o3", "o4", "o5"]
    con = duckdb.connect(str(ws.ledger_path), read_only=True)
    ((measured,),) = con.execute(
        "SELECT CAST(measured AS VARCHAR) FROM results WHERE check_id = "
        "'platform.retention.apply' AND product_id = 'shop.orders'"
    ).fetchall()
    con.close()
    measured = json.loads(measured)
    before, after = measured["version_before"], measured["version_after"]
    assert before.startswith("wal ") and after.startswith("wal ") and before != after
    assert measured["rows_deleted"] == 2
    # nothing more is due: a second apply deletes nothing
    assert apply_retention(ws, products=["shop.orders"], dry_run=False).deleted == 0


def test_a_read_only_source_reports_what_would_be_deleted(pg_workspace: Path, postgres) -> None:
    schema = _schema(pg_workspace)
    _old_orders(postgres, schema)
    toml = pg_workspace / "privacymesh.toml"
    toml.write_text(toml.read_text() + "read_only = true\n")  # appended to [sources.shop_pg]
    ws = load_workspace(pg_workspace)
    (item,) = plan_retention(ws, products=["shop.orders"]).items
    assert item.due == 2 and "read-only" in (item.blocked or "")
    with pytest.raises(ReadOnlySourceError, match="read_only = true"):
        apply_retention(ws, products=["shop.orders"], dry_run=False)
    outcome = apply_retention(ws, dry_run=False)  # every product: reported, left alone
    (orders,) = [a for a in outcome.applied if a.product_id == "shop.orders"]
    assert (orders.planned, orders.deleted, orders.status) == (2, 0, "skipped")
    assert len(_order_ids(postgres, schema)) == 7


def test_dsar_erasure_deletes_the_subjects_rows_at_the_server(pg_workspace: Path, postgres) -> None:
    from privacymesh.platform.dsar import erase_request, open_request

    schema = _schema(pg_workspace)
    ws = load_workspace(pg_workspace)
    request = open_request(ws, "c1", "erasure", "GDPR")
    dry = erase_request(ws, request.request_id)
    (held,) = [i for i in dry.items if i.product_id == "shop.orders"]
    assert (held.key_rows, held.action) == (2, "erase")
    assert len(_order_ids(postgres, schema)) == 5  # a dry run changes nothing
    outcome = erase_request(ws, request.request_id, apply=True, actor="dpo")
    (erased,) = [i for i in outcome.items if i.product_id == "shop.orders"]
    assert (erased.rows_erased, erased.residue_rows) == (2, 0) and outcome.verified
    assert _order_ids(postgres, schema) == ["o2", "o4", "o5"]  # c1's two orders are gone
    assert erased.version_before.startswith("wal ") and erased.version_after.startswith("wal ")
    assert erased.version_before != erased.version_after
    con = duckdb.connect(str(ws.ledger_path), read_only=True)
    ((measured,),) = con.execute(
        "SELECT CAST(measured AS VARCHAR) FROM results WHERE check_id = "
        "'platform.dsar.erasure' AND product_id = 'shop.orders'"
    ).fetchall()
    con.close()
    assert json.loads(measured)["version_after"] == erased.version_after
