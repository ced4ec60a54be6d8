"""The spool of runs the ledger could not take: a spooled run comes back whole, once; a spool
file that cannot be read or recorded stays for a later try and never blocks the others."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from privacymesh.ledger import FindingRecord, Ledger, ResultRecord, RunInfo, RunWriter
from privacymesh.ledger.pending import commit_or_spool, commit_pending, pending_runs, spool_run


def _run(n: int) -> RunWriter:
    run = RunWriter.detached(
        RunInfo(options={"n": n}, started_at=datetime(2026, 5, n, 2, 0, tzinfo=UTC))
    )
    rid = run.add_result(
        ResultRecord("c.one", "fail", product_id="d.p", measured={"x": n}, exceptions=1)
    )
    run.add_findings(rid, [FindingRecord(kind="k", column="col", detail={"rows": n})])
    run.add_result(ResultRecord("c.two", "pass", product_id="d.q", population=n))
    return run


def _content(ledger: Ledger, run_id: str) -> list[tuple]:
    return [
        tuple(r.values())
        for r in ledger.sql(
            "SELECT check_id, status, CAST(measured AS VARCHAR) AS m, population, exceptions, "
            "(SELECT count(*) FROM findings f WHERE f.result_id = r.result_id) AS findings "
            "FROM results r WHERE run_id = $id ORDER BY seq",
            {"id": run_id},
        ).to_dicts()
    ]


def test_a_spooled_run_is_recorded_whole_and_once(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    direct, spooled = _run(1), _run(2)
    commit_or_spool(ledger_path, direct, lock_timeout=0)
    spooled.finished_at = datetime(2026, 5, 2, 2, 5, tzinfo=UTC)
    path = spool_run(ledger_path, spooled)
    assert json.loads(path.read_text())["run_id"] == spooled.run_id
    copy = path.with_name("copy.json")  # a crash between a commit and the file's removal
    copy.write_bytes(path.read_bytes())

    with Ledger(ledger_path) as ledger:
        report = commit_pending(ledger)
        assert (report.committed, report.already_recorded) == ([spooled.run_id], [spooled.run_id])
        assert ledger.verify().ok
        got = _content(ledger, spooled.run_id)
        run = ledger.runs().filter(ledger.runs()["run_id"] == spooled.run_id).row(0, named=True)
    assert got == [
        ("c.one", "fail", '{"x":2}', None, 1, 1),
        ("c.two", "pass", "{}", 2, None, 0),
    ]
    assert run["finished_at"] == datetime(2026, 5, 2, 2, 5)  # its own, not the commit's
    assert run["started_at"] == datetime(2026, 5, 2, 2, 0)
    assert pending_runs(ledger_path) == []


def test_an_unreadable_spool_file_stays_and_blocks_nothing(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    bad = spool_run(ledger_path, _run(3)).with_name("0-broken.json")
    bad.write_text("{not json")
    later = _run(4)
    outcome = commit_or_spool(ledger_path, later, lock_timeout=0)
    assert outcome.summary is not None and outcome.spooled is None
    assert len(outcome.recovered) == 1  # run 3, past the broken file
    assert pending_runs(ledger_path) == [bad]
    with Ledger(ledger_path) as ledger:
        report = commit_pending(ledger)
        assert [p for p, _ in report.unreadable] == [bad]
        assert ledger.runs().height == 2
