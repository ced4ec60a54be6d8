"""The platform's list commands through the `privacymesh` command: `--json` gives the rows,
piped output is plain and unwrapped, and `dsar status` counts overdue at the workspace's
reference time (its pinned [run] as_of), the time the dsar checks use."""

from __future__ import annotations

import json
from datetime import datetime

from typer.testing import CliRunner

from privacymesh.cli import app
from privacymesh.platform import ConsentLedger, list_requests
from privacymesh.workspace import Workspace

runner = CliRunner()
PINNED = datetime(2026, 11, 1)


def run(ws: Workspace, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--workspace", str(ws.root), *args])
    return result.exit_code, result.output


def test_dsar_status_counts_overdue_at_the_reference_time(shared_ws: Workspace) -> None:
    requests = list_requests(shared_ws, open_only=True)
    at_pin = sum(r.overdue(PINNED) for r in requests)
    later = sum(r.overdue(datetime(2027, 6, 1)) for r in requests)
    assert later > at_pin  # the two times give different answers on this sample
    code, out = run(shared_ws, "dsar", "status")
    assert code == 0, out
    assert out.splitlines()[0] == (
        f"{len(requests)} requests, {at_pin} overdue, as of 2026-11-01 00:00 UTC "
        "(the workspace's [run] as_of)"
    )
    code, out = run(shared_ws, "dsar", "status", "--as-of", "2027-06-01T00:00:00")
    assert f", {later} overdue, as of 2027-06-01 00:00 UTC (--as-of)" in out.splitlines()[0]


def test_dsar_status_json_has_every_request(shared_ws: Workspace) -> None:
    requests = list_requests(shared_ws, open_only=True)
    code, out = run(shared_ws, "dsar", "status", "--json", "--limit", "1000")
    assert code == 0
    rows = json.loads(out)
    assert [r["request"] for r in rows] == [r.request_id for r in requests]
    assert sum(r["overdue"] for r in rows) == sum(r.overdue(PINNED) for r in requests)
    assert rows[0]["received"] == requests[0].received_at.isoformat()


NOTICE_COLUMNS = ["notice_id", "event_id", "purpose", "action", "product", "due_at", "applied_at"]


def test_consent_notices_and_audit_list_json_and_plain(ws: Workspace) -> None:
    ledger = ConsentLedger.open(ws)
    uid = next(u for u in ledger.identity.user_ids if ledger.is_permitted(u, "marketing"))
    assert run(ws, "consent", "revoke", uid, "marketing", "--source", "gpc")[0] == 0
    code, out = run(ws, "consent", "notices", "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert len(rows) == 4 and list(rows[0]) == NOTICE_COLUMNS
    assert {r["purpose"] for r in rows} == {"marketing"} and rows[0]["applied_at"] is None
    code, out = run(ws, "consent", "notices")
    lines = out.splitlines()
    assert lines[0] == "4 pending notices" and lines[1].split() == NOTICE_COLUMNS
    assert len(lines) == 2 + 4 and not any(ch in out for ch in "│┃━")  # a line per row
    assert {line.split()[0] for line in lines[2:]} == {r["notice_id"] for r in rows}
    code, out = run(ws, "audit", "list", "--action", "consent", "--json")
    assert code == 0, out
    audit = json.loads(out)
    assert audit and all(r["action"].startswith("consent") for r in audit)
    assert "subject_ref" in audit[0]
