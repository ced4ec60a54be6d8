"""Helpers for the ledger tests: record deterministic runs, tamper with the file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo, RunSummary

DAY0 = datetime(2024, 1, 1, 2, 0, tzinfo=UTC)


def record_run(
    ledger: Ledger,
    day: int = 0,
    results: int = 3,
    findings: int = 2,
    failing: set[str] | None = None,
) -> RunSummary:
    """One run over products p0..p{results-1} of check `c.pii`; a product fails (with
    `findings` findings on columns col0..) when it is in `failing` (default: all)."""
    info = RunInfo(
        started_at=DAY0 + timedelta(days=day),
        options={"day": day},
        actor="tester",
        host="test-host",
        code_version="test",
        catalog_fingerprint="cat-1",
    )
    with ledger.begin_run(info) as run:
        for i in range(results):
            product = f"dom.p{i}"
            fails = failing is None or product in failing
            rid = run.add_result(
                ResultRecord(
                    check_id="c.pii",
                    status="fail" if fails else "pass",
                    product_id=product,
                    measured={"ratio": i / 10, "rows": 100 + i},
                    threshold={"max_ratio": 0.0},
                    population=100 + i,
                    exceptions=findings if fails else 0,
                    query=f"SELECT * FROM {product}",
                    severity="high",
                    control_id="PRIV-1",
                )
            )
            if fails:
                run.add_findings(
                    rid,
                    [
                        FindingRecord(
                            kind="pii_undeclared",
                            column=f"col{j}",
                            detail={"count": j + 1, "samples": ["j***@example.com"]},
                        )
                        for j in range(findings)
                    ],
                )
    assert run.summary is not None
    return run.summary


def tamper(path: Path, *statements: str) -> None:
    """Change the ledger behind its back, as an attacker with file access would."""
    con = duckdb.connect(str(path))
    try:
        for statement in statements:
            con.execute(statement).fetchall()
    finally:
        con.close()
