"""One end-to-end run of every platform command, through a Typer app registered exactly as
app.py registers them."""

from __future__ import annotations

import json

import polars as pl
import typer
from typer.testing import CliRunner

from privacymesh.cli.app import root
from privacymesh.cli.audit import audit_app
from privacymesh.cli.consent import consent_app
from privacymesh.cli.dsar import dsar_app
from privacymesh.cli.policy import policy_app
from privacymesh.cli.query import query_command
from privacymesh.cli.retention import retention_app
from privacymesh.platform import ConsentLedger
from privacymesh.workspace import Workspace

app = typer.Typer()
app.callback()(root)
app.command("query")(query_command)
app.add_typer(consent_app, name="consent")
app.add_typer(policy_app, name="policy")
app.add_typer(retention_app, name="retention")
app.add_typer(dsar_app, name="dsar")
app.add_typer(audit_app, name="audit")

runner = CliRunner()


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def test_consent_query_and_policy_commands(ws: Workspace) -> None:
    ledger = ConsentLedger.open(ws)
    uid = next(u for u in ledger.identity.user_ids if ledger.is_permitted(u, "marketing"))
    email = ledger.identity.resolve(uid).form("email")
    code, out = run(ws, "consent", "check", email, "marketing")
    assert code == 0 and f"{uid} / marketing: permitted" in out
    code, out = run(ws, "consent", "revoke", uid, "marketing", "--actor", "dpo")
    assert code == 2 and "--actor is no longer accepted" in out
    code, out = run(ws, "consent", "revoke", uid, "marketing", "--source", "gpc")
    assert code == 0 and "withdrawn" in out and "4 propagation notice(s)" in out
    code, out = run(ws, "consent", "check", uid, "marketing")
    assert code == 1 and "not permitted" in out and "4 propagation notice(s) pending" in out
    code, out = run(ws, "consent", "revoke", uid, "marketing")
    assert code == 2 and "no consent for 'marketing' to withdraw" in out
    code, out = run(ws, "consent", "check", "u_999999", "marketing")
    assert code == 2 and "unknown subject" in out
    code, out = run(ws, "consent", "notices")
    assert code == 0 and "4 pending notices" in out
    event_id = ConsentLedger.open(ws).notices(pending_only=True)["event_id"][0]
    code, out = run(ws, "consent", "ack", event_id, "crm.customers")
    assert code == 0 and "1 notice(s)" in out
    code, out = run(ws, "consent", "grant", uid, "marketing", "--source", "web")
    assert code == 0 and "granted" in out

    sql = 'SELECT user_id, email FROM "marketing"."audience_export" ORDER BY exported_at LIMIT 3'
    code, out = run(ws, "query", "--role", "marketing_analyst", "--purpose", "marketing", sql)
    assert code == 0 and "3 rows" in out and "***@" in out
    assert "marketing.audience_export: masked user_id (hash), email (partial)" in out
    target = ws.root / "rows.parquet"
    code, out = run(
        ws, "query", "-r", "marketing_analyst", "-p", "marketing", sql, "--out", str(target)
    )
    assert code == 0 and pl.read_parquet(target).height == 3
    code, out = run(ws, "query", "-r", "growth_analyst", "-p", "marketing", sql)
    assert code == 2 and "may not read marketing.audience_export" in out

    code, out = run(ws, "policy", "show", "identity.users", "--role", "identity_analyst")
    assert code == 0 and "policy category user.unique_id" in out and "contract" in out
    code, out = run(ws, "policy", "views", "--role", "marketing_analyst", "--purpose", "marketing")
    assert code == 0 and "marketing_analyst__marketing.duckdb" in out
    assert (ws.evidence / "views" / "marketing_analyst__marketing.sql").is_file()


def test_retention_dsar_and_audit_commands(ws: Workspace) -> None:
    code, out = run(ws, "retention", "plan")
    assert code == 0 and "logistics.shipments" in out and "delete" in out
    code, out = run(ws, "retention", "apply")
    assert code == 0 and "dry run" in out
    code, out = run(ws, "retention", "apply", "--no-dry-run")  # not on a terminal
    assert code == 2 and "refusing to delete without confirmation" in out and "--yes" in out
    code, out = run(ws, "retention", "apply", "--no-dry-run", "--yes", "--as-of", "2099-01-01")
    assert code == 2 and "is in the future" in out
    code, out = run(ws, "retention", "apply", "--no-dry-run", "--yes")
    assert code == 0 and "rows deleted" in out and "pass" in out
    assert "deletion intent recorded first" in out
    code, out = run(ws, "retention", "apply", "--no-dry-run", "--yes")
    assert code == 0 and "0 rows deleted" in out

    code, out = run(
        ws, "dsar", "open", "--subject", "u_000002", "--type", "erasure", "--regulation", "GDPR"
    )
    assert code == 0 and "erasure (GDPR) due" in out
    request_id = out.split(":")[0].strip()
    code, out = run(ws, "dsar", "erase", request_id)
    assert code == 0 and "dry run" in out and "identity.users" in out
    code, out = run(ws, "dsar", "erase", request_id, "--apply")
    assert code == 0 and "verified: no residue" in out
    code, out = run(ws, "dsar", "status", request_id)
    assert code == 0 and "completed" in out
    code, out = run(ws, "dsar", "status")
    assert code == 0 and "overdue, as of 2026-11-01 00:00 UTC" in out
    code, out = run(ws, "dsar", "open", "-s", "u_000003", "-t", "access")
    access_id = out.split(":")[0].strip()
    code, out = run(ws, "dsar", "export", access_id, "--out", str(ws.root / "pkg"))
    assert code == 0 and "files written" in out
    assert json.loads((ws.root / "pkg" / "index.json").read_text())["request_id"] == access_id
    code, out = run(ws, "dsar", "export", "dsar-99999", "--out", str(ws.root / "pkg2"))
    assert code == 2 and "unknown request" in out

    code, out = run(ws, "audit", "list", "--action", "dsar")
    assert code == 0 and "dsar.erase" in out and "dsar.verify" in out
    code, out = run(ws, "audit", "list", "--subject", "u_000002")
    assert code == 0 and "dsar.open" in out
    code, out = run(ws, "audit", "verify")
    assert code == 0 and "chain intact" in out
    log = ws.evidence / "audit.jsonl"
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"actor":"', '"actor":"x')
    log.write_text("\n".join(lines) + "\n")
    code, out = run(ws, "audit", "verify")
    assert code == 1 and "chain broken" in out and "content changed" in out


def test_retention_apply_asks_on_a_terminal(ws: Workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from privacymesh.cli import retention

    monkeypatch.setattr(retention, "_stdin_is_terminal", lambda: True)
    before = pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet").height
    result = runner.invoke(
        app, ["--workspace", str(ws.root), "retention", "apply", "--no-dry-run"], input="n\n"
    )
    assert result.exit_code == 1 and "cancelled: nothing deleted" in result.output
    assert "logistics.shipments" in result.output and "Delete " in result.output
    after = pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet").height
    assert after == before
    result = runner.invoke(
        app, ["--workspace", str(ws.root), "retention", "apply", "--no-dry-run"], input="y\n"
    )
    assert result.exit_code == 0 and "rows deleted" in result.output
    after = pl.read_parquet(ws.sample / "products" / "logistics" / "shipments.parquet").height
    assert after < before
