"""`privacymesh findings` and the failures `privacymesh run` ends with, on a real ledger: the
shop mesh checked three times, its export product without an owner until the third run."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privacymesh.cli import app
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

runner = CliRunner()
TEAM = "team:\n  name: shop-data\n  members:\n    - {username: lead@example.com, role: owner}\n"


def _cli(ws: Path, *args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["-w", str(ws), *args])
    return done.exit_code, done.output


@pytest.fixture
def gated_shop(shop_workspace: Path) -> Path:
    """contract.gate run on 2026-06-01 and 2026-07-15: the export has no team, one high
    finding."""
    ws = load_workspace(shop_workspace)
    for day in (datetime(2026, 6, 1), datetime(2026, 7, 15)):
        assert run_checks(ws, ["contract.gate"], as_of=day).run_id
    return shop_workspace


def test_findings_json_follows_the_lifecycle_with_owner_and_due_date(gated_shop: Path) -> None:
    code, out = _cli(gated_shop, "findings", "--json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert (row["check_id"], row["product_id"], row["column_name"]) == (
        "contract.gate",
        "shop.order_export",
        "team",
    )
    assert row["severity"] == "high" and row["owner"] is None  # the finding is the missing owner
    assert row["lifecycle"] == "still open" and row["runs_seen"] == 2
    assert row["first_seen_at"] == "2026-06-01T00:00:00"
    assert row["due_at"] == "2026-07-01T00:00:00"  # high: 30 days
    assert row["overdue"] is True  # still open at the newest reference time, 2026-07-15

    export = gated_shop / "contracts" / "shop.order_export.odcs.yaml"
    export.write_text(export.read_text().replace("servers:\n", TEAM + "servers:\n", 1))
    assert run_checks(load_workspace(gated_shop), ["contract.gate"], as_of=datetime(2026, 8, 1))
    code, out = _cli(gated_shop, "findings", "--json")
    (row,) = json.loads(out)
    assert row["lifecycle"] == "closed" and row["closed_at"] == "2026-08-01T00:00:00"
    assert row["owner"] == "shop-data"  # the owning team the contract names now
    assert row["overdue"] is False
    assert json.loads(_cli(gated_shop, "findings", "--open", "--json")[1]) == []


def test_findings_due_days_come_from_the_workspace(gated_shop: Path) -> None:
    toml = gated_shop / "privacymesh.toml"
    toml.write_text(toml.read_text() + "[findings.due_days]\nhigh = 60\n")
    (row,) = json.loads(_cli(gated_shop, "findings", "--open", "--domain", "shop", "--json")[1])
    assert row["due_at"] == "2026-07-31T00:00:00" and row["overdue"] is False
    assert json.loads(_cli(gated_shop, "findings", "--domain", "other", "--json")[1]) == []


def test_findings_bad_policy_is_one_line(gated_shop: Path) -> None:
    toml = gated_shop / "privacymesh.toml"
    toml.write_text(toml.read_text() + "[findings.due_days]\nurgent = 3\n")
    code, out = _cli(gated_shop, "findings")
    assert code == 2
    assert "[findings.due_days.urgent]: unknown severity 'urgent'" in out
    assert len(out.strip().splitlines()) == 1


def test_findings_table_is_plain_when_piped(gated_shop: Path) -> None:
    code, out = _cli(gated_shop, "findings")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("1 findings (due: critical 7 d, high 30 d")
    assert lines[1].split() == [
        "severity", "check_id", "product_id", "column_name", "owner", "lifecycle",
        "first_seen_at", "due_at", "overdue",
    ]  # fmt: skip
    assert lines[2].split()[:6] == [
        "high", "contract.gate", "shop.order_export", "team", "-", "still",
    ]  # fmt: skip
    assert "│" not in out and lines[-1] == "1 overdue"


def test_run_ends_with_the_failing_checks_and_products(shop_workspace: Path) -> None:
    code, out = _cli(shop_workspace, "run", "--check", "contract.gate", "--check", "dsar.deadline")
    assert code == 2, out  # the shop has no DSAR tables: that check cannot run
    tail = out[out.index("2 failing or unrunnable") :].splitlines()
    assert tail[1].split() == ["check_id", "product", "status", "exceptions", "reason"]
    rows = [line.split(None, 4) for line in tail[2:]]
    assert [r[:4] for r in rows] == [
        ["contract.gate", "shop.order_export", "fail", "1"],
        ["dsar.deadline", "(mesh)", "error", "-"],
    ]
    assert "dsar_requests does not exist" in rows[1][4]
    assert out.index("results:") < out.index("2 failing or unrunnable")


def test_a_reason_quoting_personal_data_is_withheld(capsys) -> None:  # type: ignore[no-untyped-def]
    from privacymesh.checks.results import CheckResult
    from privacymesh.cli.run import print_failures

    def result(product: str, status: str, reason: str | None) -> CheckResult:
        at = datetime(2026, 6, 1)
        return CheckResult(
            "pii.scan", product, "shop", status, {}, {}, 10, 1 if status == "fail" else None,
            "", "high", "PM-1", at, at, reason,
        )  # fmt: skip

    print_failures(
        [
            result("shop.a", "error", "cast failed on 'ann.smith@example.com'"),
            result("shop.b", "error", "source unreadable"),
            result("shop.c", "pass", None),
        ]
    )
    out = capsys.readouterr().out
    assert "example.com" not in out and "(withheld: quotes personal data)" in out
    assert "source unreadable" in out and "shop.c" not in out
    assert out.splitlines()[0] == "2 failing or unrunnable"


def test_a_finding_accepted_with_a_reason_is_neither_open_nor_overdue(gated_shop: Path) -> None:
    (row,) = json.loads(_cli(gated_shop, "findings", "--json")[1])
    fingerprint = str(row["fingerprint"])
    code, out = _cli(
        gated_shop, "findings", "accept", fingerprint, "--reason", "owner named in Q3 reorg",
        "--until", "2026-12-31",
    )  # fmt: skip
    assert code == 0, out
    (row,) = json.loads(_cli(gated_shop, "findings", "--json")[1])
    assert row["lifecycle"] == "accepted" and row["overdue"] is False
    assert row["accepted_reason"] == "owner named in Q3 reorg"
    assert row["accepted_until"] == "2026-12-31T23:59:59"
    assert json.loads(_cli(gated_shop, "findings", "--open", "--json")[1]) == []

    code, out = _cli(gated_shop, "findings", "reopen", fingerprint, "--reason", "reorg slipped")
    assert code == 0, out
    (row,) = json.loads(_cli(gated_shop, "findings", "--json")[1])
    assert row["lifecycle"] == "still open" and row["overdue"] is True
    assert row["accepted_reason"] is None

    # an acceptance that ended before the newest reference time (2026-07-15) no longer holds
    _cli(gated_shop, "findings", "accept", fingerprint, "--reason", "x", "--until", "2026-07-01")
    (row,) = json.loads(_cli(gated_shop, "findings", "--json")[1])
    assert row["lifecycle"] == "still open"
    code, out = _cli(gated_shop, "evidence", "verify")
    assert code == 0 and "chain intact" in out


def test_accepting_needs_a_known_finding_and_a_day(gated_shop: Path) -> None:
    code, out = _cli(
        gated_shop, "findings", "accept", "0" * 32, "--reason", "r", "--until", "2027-01-01"
    )
    assert code == 2 and "no finding with fingerprint" in out
    (row,) = json.loads(_cli(gated_shop, "findings", "--json")[1])
    code, out = _cli(
        gated_shop, "findings", "accept", str(row["fingerprint"]), "--reason", "r",
        "--until", "next week",
    )  # fmt: skip
    assert code == 2 and "--until" in out and len(out.strip().splitlines()) == 1
