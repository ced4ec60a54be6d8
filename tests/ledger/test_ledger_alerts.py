"""The `alerts` table (schema 3): chained like every record, added to older ledgers, exported."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ledger_support import record_run, tamper

from privacymesh.ledger import SCHEMA_VERSION, Ledger, verify_export
from privacymesh.ledger.schema import ALERTS


def _alert_rows(run_id: str, n: int = 2) -> dict[str, list[Any]]:
    return {
        "alert_id": [f"{run_id}-a{i}" for i in range(n)],
        "run_id": [run_id] * n,
        "kind": ["new_failure"] * n,
        "dedup_key": [f"new_failure|c{i}|p|{run_id}" for i in range(n)],
        "check_id": [f"c{i}" for i in range(n)],
        "product_id": ["shop.orders"] * n,
        "domain": ["shop"] * n,
        "owner": ["lead@example.org"] * n,
        "reference": [f"r{i}" for i in range(n)],
        "exceptions": [i + 1 for i in range(n)],
        "channel": ["webhook"] * n,
        "status": ["sent", "failed"][:n],
        "attempts": [1, 3][:n],
        "error": [None, "HTTP 500"][:n],
        "sent_at": [datetime(2026, 1, 2)] * n,
    }


def test_alerts_chain_after_the_run_and_tampering_is_named(tmp_path: Path) -> None:
    path = tmp_path / "ledger.duckdb"
    with Ledger(path) as ledger:
        summary = record_run(ledger)
        head = ledger.append(ALERTS, _alert_rows(summary.run_id))
        assert head.seq == summary.head.seq + 2
        assert ledger.chain_head().table == "alerts"
        report = ledger.verify()
        assert report.ok and report.table_counts["alerts"] == 2
        record_run(ledger, day=1)  # the next run chains after the alerts
        assert ledger.verify().ok
    tamper(path, "UPDATE alerts SET status = 'sent' WHERE status = 'failed'")
    with Ledger(path, read_only=True) as ledger:
        broken = ledger.verify().first_break
    assert broken is not None and (broken.table, broken.seq) == ("alerts", head.seq)


def test_a_version_2_ledger_gains_the_alerts_table(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with Ledger(path) as ledger:
        record_run(ledger)
    tamper(path, "DROP TABLE alerts", "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Ledger(path, read_only=True) as ledger:
        assert ledger.schema_version == 2
        report = ledger.verify()
        assert report.ok and report.table_counts["alerts"] == 0
    with Ledger(path) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION == 3
        summary = record_run(ledger, day=1)
        ledger.append(ALERTS, _alert_rows(summary.run_id, 1))
        assert ledger.verify().ok


def test_an_export_carries_the_alerts_and_verifies(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.duckdb") as ledger:
        summary = record_run(ledger)
        ledger.append(ALERTS, _alert_rows(summary.run_id))
        for fmt in ("parquet", "csv"):
            paths = ledger.export(tmp_path / fmt, fmt)  # type: ignore[arg-type]
            assert "alerts" in paths
            report = verify_export(tmp_path / fmt)
            assert report.ok and report.table_counts["alerts"] == 2


def test_appended_alerts_are_sealed_and_anchored_like_a_run(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from privacymesh.cli.app import app
    from privacymesh.ledger.seal import Sealer
    from privacymesh.ledger.signing import generate_key
    from privacymesh.workspace import load_workspace

    root = tmp_path / "ws"
    root.mkdir()
    (root / "privacymesh.toml").write_text(
        'name = "t"\n[paths]\nevidence = "evidence"\n'
        '[evidence]\nanchors = [{ file = "../heads.jsonl" }]\n'
    )
    ws = load_workspace(root)
    generate_key(ws.evidence / "signing.key")
    with Ledger(ws.ledger_path, sealer=Sealer.for_workspace(ws)) as ledger:
        summary = record_run(ledger)
        head = ledger.append(ALERTS, _alert_rows(summary.run_id), summary.run_id)
        assert head.table == "head_signatures"
        signed = ledger.sql("SELECT signature_id, signed_seq FROM head_signatures ORDER BY seq")
    assert signed["signed_seq"].to_list()[-1] == head.seq - 1
    assert signed["signature_id"].to_list()[-1] == f"{summary.run_id}/alerts@{head.seq - 1}"
    result = CliRunner().invoke(app, ["-w", str(root), "evidence", "verify", "--anchors"])
    assert result.exit_code == 0, result.output
