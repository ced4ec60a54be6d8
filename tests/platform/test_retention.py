"""The retention engine: the plan counts what the contracts' retention says must go; applying
removes exactly those rows (Parquet and DuckDB sources), records it in the ledger, and a second
apply removes none; read-only sources and bad input change nothing."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml
from platform_support import snapshot, write_workspace

from privacymesh.ledger import Ledger
from privacymesh.platform import PolicyError, ReadOnlySourceError, apply_retention, plan_retention
from privacymesh.platform.audit import open_log
from privacymesh.workspace import Workspace, load_workspace

AS_OF = datetime(2026, 11, 1)


def _shipments(ws: Workspace) -> pl.DataFrame:
    return pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet")


def test_plan_counts_what_the_retention_says(shared_ws: Workspace, pristine: Path) -> None:
    plan = plan_retention(shared_ws)
    assert plan.as_of == AS_OF  # the workspace's pinned [run] as_of
    expected = yaml.safe_load((pristine / "expected_findings.yaml").read_text())
    seeded = next(f for f in expected["findings"] if f["check"] == "retention.expired_rows")
    item = plan.item("logistics.shipments")
    assert item.due == seeded["expired_rows"] > 0
    assert (item.action, item.legal_basis, item.retention_days) == ("delete", "contract", 365)
    shipments = pl.read_parquet(pristine / "products" / "logistics" / "shipments.parquet")
    due = shipments.filter(pl.col("shipped_at") < datetime(2025, 11, 1))
    assert item.oldest == due["shipped_at"].min()
    assert item.subjects == due["customer_ref"].n_unique()
    assert plan.due == item.due  # the only seeded expiry
    assert "hr.employees" not in {i.product_id for i in plan.items}  # no retention declared


def test_apply_removes_exactly_the_planned_rows_once(ws: Workspace) -> None:
    before = _shipments(ws)
    due_ids = set(before.filter(pl.col("shipped_at") < datetime(2025, 11, 1))["shipment_id"])
    untouched = snapshot(ws.sample / "products" / "payments")

    dry = apply_retention(ws)  # dry run is the default
    assert dry.dry_run and not dry.applied and _shipments(ws).equals(before)

    first = apply_retention(ws, dry_run=False, actor="tester")
    after = _shipments(ws)
    assert set(before["shipment_id"]) - set(after["shipment_id"]) == due_ids
    assert after.height == before.height - len(due_ids)
    assert after.schema == before.schema
    assert after.equals(before.filter(~pl.col("shipment_id").is_in(list(due_ids))))
    applied = {a.product_id: a for a in first.applied}
    assert (
        applied["logistics.shipments"].deleted == len(due_ids)
        and applied["logistics.shipments"].left == 0
    )
    assert snapshot(ws.sample / "products" / "payments") == untouched

    second = apply_retention(ws, dry_run=False, actor="tester")
    assert second.deleted == 0 and _shipments(ws).equals(after)

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        results = ledger.results(check="platform.retention.apply", product="logistics.shipments")
        intents = ledger.results(check="platform.retention.intent")
        runs = ledger.runs()
        assert ledger.verify().ok
    assert results["status"].to_list() == ["pass", "pass"]
    deleted = [json.loads(m)["rows_deleted"] for m in results["measured"]]
    assert deleted == [len(due_ids), 0]
    # the intent run first (only the first apply had rows to delete), then each completion
    assert runs.height == 3 and runs["actor"].to_list() == ["tester"] * 3
    options = [json.loads(o) for o in runs["options"]]
    assert [o["operation"] for o in options] == ["retention.intent", *["retention.apply"] * 2]
    assert options[1]["intent"] == runs["run_id"][0] and "intent" not in options[2]
    assert runs["seq"][0] < runs["seq"][1]  # committed before the completion
    (intent,) = intents.to_dicts()
    measured = json.loads(intent["measured"])
    assert (intent["product_id"], intent["status"]) == ("logistics.shipments", "skipped")
    assert (measured["rows_expected"], measured["rows_before"]) == (len(due_ids), before.height)
    done = json.loads(results["measured"][0])
    assert done["sha256_before"] == measured["sha256_before"] != done["sha256_after"]
    assert (done["rows_before"], done["rows_after"]) == (before.height, after.height)
    assert done["outcome"] == "deleted"
    assert "DELETE FROM" in intent["query"] and "INTERVAL 365 DAY" in intent["query"]


def test_read_only_and_bad_input_change_nothing(ws: Workspace, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("retention:\n  read_only: [logistics.shipments]\n")
    ro = write_workspace(ws.root, ws.sample, policy)
    before = snapshot(ws.sample)
    with pytest.raises(ReadOnlySourceError, match="read-only by policy"):
        apply_retention(ro, products=["logistics.shipments"], dry_run=False)
    outcome = apply_retention(ro, dry_run=False)  # all products: reported and skipped
    skipped = {a.product_id: a for a in outcome.applied}["logistics.shipments"]
    assert (skipped.status, skipped.deleted, skipped.left) == ("skipped", 0, skipped.planned)
    with pytest.raises(PolicyError, match="declares no retention"):
        apply_retention(ws, products=["hr.employees"], dry_run=False)
    with pytest.raises(Exception, match="unknown product"):
        apply_retention(ws, products=["logistics.nope"], dry_run=False)
    assert snapshot(ws.sample) == before


def test_duckdb_table_sources_are_applied_in_a_transaction(ws: Workspace) -> None:
    """A product whose contract points at a DuckDB table (not a Parquet file)."""
    db = ws.sample / "products" / "logistics" / "ops.duckdb"
    src = ws.sample / "products" / "logistics" / "shipments.parquet"
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE shipments AS SELECT * FROM read_parquet('{src}')").fetchall()
    con.close()
    src.unlink()
    contract = ws.sample / "contracts" / "logistics" / "shipments.odcs.yaml"
    data = yaml.safe_load(contract.read_text())
    data["servers"] = [
        {"server": "ops", "type": "duckdb", "database": "../../products/logistics/ops.duckdb"}
    ]
    contract.write_text(yaml.safe_dump(data, sort_keys=False))
    plan = plan_retention(ws, products=["logistics.shipments"])
    outcome = apply_retention(ws, products=["logistics.shipments"], dry_run=False)
    assert outcome.deleted == plan.item("logistics.shipments").due > 0
    con = duckdb.connect(str(db), read_only=True)
    left = con.execute(
        "SELECT count(*) FROM shipments WHERE shipped_at < TIMESTAMP '2025-11-01'"
    ).fetchall()[0][0]
    con.close()
    assert left == 0
    assert apply_retention(ws, products=["logistics.shipments"], dry_run=False).deleted == 0


def test_a_future_reference_time_is_refused(ws: Workspace) -> None:
    before = snapshot(ws.sample)
    with pytest.raises(PolicyError, match="in the future"):
        apply_retention(ws, as_of=datetime(2099, 1, 1), dry_run=False)
    with pytest.raises(PolicyError, match="in the future"):
        apply_retention(ws, as_of=datetime.now() + timedelta(days=2))
    assert snapshot(ws.sample) == before
    assert not ws.ledger_path.exists()


def test_confirm_sees_the_plan_and_can_cancel(ws: Workspace) -> None:
    before = snapshot(ws.sample)
    seen = []
    outcome = apply_retention(ws, dry_run=False, confirm=lambda plan: seen.append(plan) or False)
    assert outcome.cancelled and outcome.deleted == 0
    assert seen[0].item("logistics.shipments").due > 0
    assert snapshot(ws.sample) == before
    assert not ws.ledger_path.exists()  # no intent either


def test_an_open_intent_is_finished_or_found_done(ws: Workspace) -> None:
    """What a crash leaves: an intent committed, then the rows gone or not; the next apply
    records the deletion either way, and says how."""
    from privacymesh.platform.retention.deletion import delete_due, record_intent
    from privacymesh.platform.retention.plan import plan_at, retention_context

    data = ws.sample / "products" / "logistics" / "shipments.parquet"
    rows = pl.read_parquet(data).height
    ctx = retention_context(ws, None)
    plan = plan_at(ctx, AS_OF)
    due = plan.item("logistics.shipments").due
    deletable = [i for i in plan.items if i.action == "delete"]

    # crashed after the intent, before the delete: the rerun deletes and says so
    first = record_intent(ctx, plan, deletable, "crashed")
    outcome = apply_retention(ws, dry_run=True)
    assert outcome.open_intents == (first,)  # a dry run reports it, changes nothing
    assert pl.read_parquet(data).height == rows
    outcome = apply_retention(ws, dry_run=False, actor="rerun")
    (resumed,) = outcome.resumed
    (item,) = resumed.applied
    assert (resumed.intent_id, item.outcome, item.deleted) == (first, "completed_by_rerun", due)
    assert pl.read_parquet(data).height == rows - due
    assert outcome.deleted == 0  # nothing left for the new plan

    # crashed after the delete, before the completion: the rerun finds it done
    restored = ws.sample / "restore.parquet"
    data.rename(restored)
    shutil.copy(restored, data)
    delete_due(ctx, plan, AS_OF)  # the rows go ...
    second = record_intent(ctx, plan, deletable, "crashed")  # (order immaterial)
    outcome = apply_retention(ws, dry_run=False, actor="rerun")
    (resumed,) = outcome.resumed
    (item,) = resumed.applied
    assert (resumed.intent_id, item.outcome, item.deleted) == (second, "found_done", due)
    assert item.rows_before == rows and item.rows_after == rows - due

    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        named = ledger.sql(
            "SELECT options ->> '$.intent' AS intent, options ->> '$.resumed' AS resumed "
            "FROM runs WHERE options ->> '$.intent' IS NOT NULL ORDER BY seq"
        ).to_dicts()
    assert [(n["intent"], n["resumed"]) for n in named] == [(first, "true"), (second, "true")]
    audit = open_log(ws).frame().filter(pl.col("action") == "retention.delete")
    details = [json.loads(d) for d in audit["detail"]]
    assert [(d["intent"], d["outcome"]) for d in details] == [
        (first, "completed_by_rerun"),
        (second, "found_done"),
    ]


def test_a_busy_ledger_at_completion_spools_it_and_the_next_apply_records_it(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are gone when the ledger turns busy: the completion waits in the spool (the
    apply exits 2), and the next apply records it before anything else; the intent closes."""
    import subprocess
    import sys

    from privacymesh.platform.retention import apply as retention

    file = ws.root / "privacymesh.toml"
    file.write_text(file.read_text() + "[ledger]\nlock_timeout = 0.2\n")
    ws = load_workspace(ws.root)
    reader = "import sys\nfrom privacymesh.ledger import Ledger\n"
    reader += "l = Ledger(sys.argv[1], read_only=True)\nprint('ready', flush=True)\n"
    reader += "sys.stdin.readline()\n"
    held: list[subprocess.Popen[str]] = []
    real_delete = retention.delete_due

    def delete_then_hold(*args, **kwargs):  # type: ignore[no-untyped-def]
        done = real_delete(*args, **kwargs)
        proc = subprocess.Popen(
            [sys.executable, "-c", reader, str(ws.ledger_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        held.append(proc)
        return done

    monkeypatch.setattr(retention, "delete_due", delete_then_hold)
    try:
        first = apply_retention(ws, dry_run=False, actor="tester")
    finally:
        for proc in held:
            proc.communicate("go\n", timeout=30)
    monkeypatch.undo()
    assert first.spooled is not None and first.deleted > 0 and first.intent_id
    assert first.spooled.name == f"{first.run_id}.json"

    second = apply_retention(ws, dry_run=False, actor="tester")
    assert second.resumed == () and second.deleted == 0  # the spooled completion closed it
    assert not first.spooled.exists()
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        runs = ledger.runs()
        done = ledger.results(
            run_id=first.run_id, check="platform.retention.apply", product="logistics.shipments"
        )
    assert runs["run_id"].to_list() == [first.intent_id, first.run_id, second.run_id]
    assert json.loads(done["measured"][0])["rows_deleted"] == first.deleted
