"""Benchmark the evidence ledger: a year of daily runs, appended then verified.

Fills a temporary ledger with RUNS runs x RESULTS results x FINDINGS findings per result
(default 365 x 300 x 2, about 329,000 chained records), timing each run's commit; then, on a
read-only re-open, times `Ledger.verify()` (full chain recomputation: the first call and the
best of three), two read-model views (a check family's latest results, the finding table)
and a Parquet export. Prints a table and writes it to benchmarks/results/ledger_verify.md.

    .venv/bin/python benchmarks/ledger_verify.py [--runs 365] [--results 300] [--findings 2]
                                                 [--reopen]

With --reopen each run opens the ledger, records and closes it, as `privacymesh run` does (the
close compacts the file once its write-ahead log has grown: `privacymesh.ledger.durable`);
without, one writer records every run and closes once.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo
from privacymesh.views import checks
from privacymesh.views.findings import finding_table
from privacymesh.views.scope import Scope

RESULTS_FILE = Path(__file__).parent / "results" / "ledger_verify.md"
DOMAINS = ("payments", "marketing", "support", "identity", "risk")
CHECKS = ("pii.undeclared", "retention.overdue", "consent.purpose", "masking.rule", "dsar.sla")


def record_day(ledger: Ledger, day: int, results: int, findings: int) -> float:
    """Record one run; returns the seconds spent from begin_run to commit."""
    started = datetime(2024, 1, 1, 2, 0, tzinfo=UTC) + timedelta(days=day)
    t0 = time.perf_counter()
    info = RunInfo(
        started_at=started,
        options={"schedule": "daily", "day": day},
        catalog_fingerprint=f"catalog-{day // 30}",
    )
    with ledger.begin_run(info) as run:
        for i in range(results):
            check = CHECKS[i % len(CHECKS)]
            product = f"{DOMAINS[i % len(DOMAINS)]}.product_{i // len(CHECKS):03d}"
            fails = (i + day) % 4 == 0
            rid = run.add_result(
                ResultRecord(
                    check_id=check,
                    status="fail" if fails else "pass",
                    product_id=product,
                    measured={
                        "ratio": round((i % 17) / 170, 4),
                        "rows": 10_000 + i,
                        "violations": findings if fails else 0,
                    },
                    threshold={"max_ratio": 0.0},
                    population=10_000 + i,
                    exceptions=findings if fails else 0,
                    query=f"SELECT count(*) FILTER (WHERE NOT compliant) AS violations, count(*) "
                    f"AS rows FROM {product} WHERE created_at < now() - INTERVAL 400 DAY",
                    severity="high",
                    control_id=f"PRIV-{i % 12:02d}",
                )
            )
            run.add_findings(
                rid,
                [
                    FindingRecord(
                        kind="rows_overdue",
                        column=f"col_{j}",
                        detail={"count": 3 + j, "samples": ["j***@example.com", "a***@x.org"]},
                    )
                    for j in range(findings)
                ],
            )
    return time.perf_counter() - t0


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--results", type=int, default=300)
    parser.add_argument("--findings", type=int, default=2)
    parser.add_argument("--reopen", action="store_true", help="open and close for each run")
    parser.add_argument("--out", type=Path, default=RESULTS_FILE)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.duckdb"
        wal = path.with_name(path.name + ".wal")
        if args.reopen:
            commits = []
            for d in range(args.runs):
                t0 = time.perf_counter()
                with Ledger(path) as ledger:
                    record_day(ledger, d, args.results, args.findings)
                commits.append(time.perf_counter() - t0)
            close_s = 0.0
        else:
            ledger = Ledger(path)
            commits = [record_day(ledger, d, args.results, args.findings) for d in range(args.runs)]
            _, close_s = timed(ledger.close)
        append_total = sum(commits)
        size_mb = path.stat().st_size / 1e6
        wal_mb = wal.stat().st_size / 1e6 if wal.exists() else 0.0

        ledger, open_ro_s = timed(lambda: Ledger(path, read_only=True))
        report, verify_first = timed(ledger.verify)
        assert report.ok, report
        verify_s = min(timed(ledger.verify)[1] for _ in range(3))
        latest, latest_s = timed(lambda: checks.latest_results(ledger, "retention", Scope()))
        still, open_s = timed(lambda: finding_table(ledger, Scope()))
        _, export_s = timed(lambda: ledger.export(Path(tmp) / "export"))
        ledger.close()

    records = report.records_total
    rows = [
        ("records in the chain", f"{records:,}", ""),
        ("ledger file size", f"{size_mb:,.1f} MB", f"write-ahead log {wal_mb:,.1f} MB"),
        (
            "append: all runs",
            f"{append_total:,.1f} s",
            f"{records / append_total:,.0f} records/s"
            + (" (each run opens and closes the ledger)" if args.reopen else ""),
        ),
        (
            "append: one run (median)",
            f"{statistics.median(commits) * 1000:,.0f} ms",
            f"{args.results * (1 + args.findings) + 1:,} records per run",
        ),
        ("append: one run (max)", f"{max(commits) * 1000:,.0f} ms", ""),
        ("close after the last run", f"{close_s:,.2f} s", "compacts when the log has grown"),
        ("open read-only", f"{open_ro_s * 1000:,.0f} ms", "replays the write-ahead log"),
        (
            "verify: first, just opened",
            f"{verify_first:,.2f} s",
            f"{records / verify_first:,.0f} records/s",
        ),
        ("verify: best of 3", f"{verify_s:,.2f} s", f"{records / verify_s:,.0f} records/s"),
        ("views: latest retention results", f"{latest_s * 1000:,.0f} ms", f"{len(latest):,} rows"),
        ("views: finding_table()", f"{open_s * 1000:,.0f} ms", f"{len(still):,} rows"),
        ("export (Parquet)", f"{export_s:,.2f} s", ""),
    ]
    header = (
        f"# Ledger benchmark: {args.runs} runs x {args.results} results x {args.findings} "
        f"findings\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}, {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f} at the end); "
        f"`.venv/bin/python benchmarks/ledger_verify.py`.\n\n"
    )
    width = max(len(r[0]) for r in rows)
    table = "| measure | value | note |\n| --- | ---: | --- |\n" + "".join(
        f"| {name} | {value} | {note} |\n" for name, value, note in rows
    )
    print(header + "\n".join(f"{n:<{width}}  {v:>12}  {note}" for n, v, note in rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(header + table, encoding="utf-8")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
