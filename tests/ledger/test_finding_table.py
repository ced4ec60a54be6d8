"""The findings table of the read side (`views.findings`), the one home of the finding
lifecycle, on a small hand-built history: lives by fingerprint, owners, due dates, overdue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from ledger_support import DAY0, record_run

from privacymesh.errors import WorkspaceError
from privacymesh.ledger import Ledger, ResultRecord, RunInfo, finding_fingerprint
from privacymesh.views import Scope
from privacymesh.views.findings import DuePolicy, finding_table


@pytest.fixture
def history(ledger_path: Path) -> Iterator[Ledger]:
    """Day 0: p0, p1, p2 fail on col0 and col1. Day 1: only p0 fails. Day 2: p0 fails on col0
    only. Day 3: the check errors on p0 (which proves nothing)."""
    ledger = Ledger(ledger_path)
    record_run(ledger, day=0)
    record_run(ledger, day=1, failing={"dom.p0"})
    record_run(ledger, day=2, findings=1, failing={"dom.p0"})
    with ledger.begin_run(RunInfo(started_at=DAY0 + timedelta(days=3))) as run:
        run.add_result(ResultRecord("c.pii", "error", product_id="dom.p0", reason="unreadable"))
    yield ledger
    ledger.close()


def fp(product: str, column: str) -> str:
    return finding_fingerprint("c.pii", product, column, "pii_undeclared")


def test_lifecycle_owner_and_due_dates(history: Ledger) -> None:
    owners = pl.DataFrame({"product_id": ["dom.p0", "dom.p1"], "owner": ["team-a", "team-b"]})
    table = finding_table(history, Scope(), owners, DuePolicy({**DuePolicy().days, "high": 2}))
    rows = {r["fingerprint"]: r for r in table.to_dicts()}
    assert len(rows) == 6
    kept = rows[fp("dom.p0", "col0")]
    assert (kept["lifecycle"], kept["owner"], kept["runs_seen"]) == ("still open", "team-a", 3)
    day0 = DAY0.replace(tzinfo=None)
    assert kept["due_at"] == day0 + timedelta(days=2)  # record_run's findings are high
    assert kept["overdue"] is True  # still open on day 3, due on day 2
    dropped = rows[fp("dom.p0", "col1")]
    assert (dropped["lifecycle"], dropped["closed_at"]) == ("closed", day0 + timedelta(days=2))
    assert dropped["overdue"] is False
    assert rows[fp("dom.p2", "col0")]["owner"] is None  # no owner known for p2
    # only p0's col0 survives: p0's col1 went on day 2, p1 and p2 on day 1; the error on
    # day 3 proves nothing, so it closes nothing
    assert {k for k, r in rows.items() if r["lifecycle"] != "closed"} == {fp("dom.p0", "col0")}
    fixed = rows[fp("dom.p2", "col0")]
    assert (fixed["runs_seen"], fixed["first_seen_at"], fixed["closed_at"]) == (
        1,
        day0,
        day0 + timedelta(days=1),
    )
    assert (fixed["domain"], fixed["column_name"], fixed["last_seen_at"]) == ("dom", "col0", day0)
    open_only = finding_table(history, Scope(), owners, open_only=True)
    assert open_only["fingerprint"].to_list() == [fp("dom.p0", "col0")]
    assert open_only["overdue"].to_list() == [False]  # default high: 30 days


def test_a_finding_that_comes_back_is_open_again(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, day=0, results=1, findings=1)
        record_run(ledger, day=1, results=1, failing=set())
        assert finding_table(ledger, Scope(), open_only=True).is_empty()
        record_run(ledger, day=2, results=1, findings=1)
        (row,) = finding_table(ledger, Scope(), open_only=True).to_dicts()
    assert row["runs_seen"] == 2 and row["first_seen_at"] == datetime(2024, 1, 1, 2, 0)
    assert row["lifecycle"] == "still open" and row["closed_at"] is None


def test_a_finding_first_seen_at_the_newest_time_is_opened(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, day=0, failing=set())
        record_run(ledger, day=1, failing={"dom.p1"}, findings=1)
        table = finding_table(ledger, Scope())
    assert table["lifecycle"].to_list() == ["opened"]
    assert table["first_seen_at"].to_list() == [datetime(2024, 1, 2, 2, 0)]


def test_the_policy_rejects_what_it_cannot_use(tmp_path: Path) -> None:
    assert DuePolicy.from_settings({"due_days": {"Critical": 1}}).days["critical"] == 1
    for bad, field in (
        ({"due_days": {"urgent": 3}}, "findings.due_days.urgent"),
        ({"due_days": {"low": -1}}, "findings.due_days.low"),
        ({"due_days": {"low": "soon"}}, "findings.due_days.low"),
        ({"due_days": 5}, "findings.due_days"),
    ):
        with pytest.raises(WorkspaceError) as caught:
            DuePolicy.from_settings(bad, tmp_path / "privacymesh.toml")
        assert caught.value.field == field


def test_run_failures_reads_one_recorded_run(history: Ledger) -> None:
    from privacymesh.views.failures import run_failures

    runs = history.runs()["run_id"].to_list()
    assert run_failures(history, runs[3]).to_dicts() == [
        {
            "check_id": "c.pii",
            "product": "dom.p0",
            "status": "error",
            "severity": None,
            "exceptions": None,
            "reason": "unreadable",
        }
    ]
    day1 = run_failures(history, runs[1])
    assert day1.select("product", "status", "exceptions").rows() == [("dom.p0", "fail", 2)]
