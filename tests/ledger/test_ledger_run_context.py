"""Schema 3: a run's context record (reference time, coverage, the check specs it executed) is a
link of the chain; a version 2 ledger reads the same and gains the tables when next written."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from ledger_support import record_run, tamper

from privacymesh.ledger import SCHEMA_VERSION, Ledger, RunInfo
from privacymesh.ledger.records import ResultRecord
from privacymesh.views import Scope, posture
from privacymesh.views.findings import finding_table

SPEC = {"id": "c.pii", "control": {"id": "PRIV-1", "statement": "No undeclared personal data."}}


def _run_with_context(ledger: Ledger, as_of: datetime, checks: list[str]) -> str:
    info = RunInfo(as_of=as_of, checks=(SPEC,), options={"checks": checks})
    with ledger.begin_run(info) as run:
        run.add_result(ResultRecord(check_id="c.pii", status="pass", product_id="dom.p0"))
    return run.run_id


def test_a_run_records_its_reference_time_coverage_and_specs(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        full = _run_with_context(ledger, datetime(2026, 3, 1), [])
        part = _run_with_context(ledger, datetime(2026, 3, 8), ["c.pii"])
        rows = ledger.sql("SELECT * FROM run_context ORDER BY seq").to_dicts()
        assert ledger.verify().ok
    assert [r["run_id"] for r in rows] == [full, part]
    assert [r["coverage"] for r in rows] == ["full", "partial"]
    assert rows[0]["as_of"] == datetime(2026, 3, 1)
    assert json.loads(rows[0]["checks"]) == [SPEC]
    digest = hashlib.sha256(rows[0]["checks"].encode("ascii")).hexdigest()
    assert rows[0]["checks_hash"] == digest
    # the context follows its run record in the chain
    with Ledger(ledger_path, read_only=True) as ledger:
        seqs = ledger.sql(
            "SELECT r.seq, c.seq AS ctx_seq FROM runs r JOIN run_context c USING (run_id)"
        )
    assert all(c == r + 1 for r, c in seqs.iter_rows())


def test_changing_a_recorded_spec_breaks_the_chain(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        _run_with_context(ledger, datetime(2026, 3, 1), [])
    tamper(ledger_path, "UPDATE run_context SET checks = '[]'")
    with Ledger(ledger_path, read_only=True) as ledger:
        report = ledger.verify()
    assert not report.ok and report.first_break is not None
    assert report.first_break.table == "run_context"


def test_a_version_2_ledger_is_read_and_upgraded(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger, day=0)
        record_run(ledger, day=1, failing={"dom.p1"})
    tamper(
        ledger_path,
        "DROP TABLE run_context",
        "DROP TABLE finding_decisions",
        "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
    )
    with Ledger(ledger_path, read_only=True) as ledger:
        assert ledger.schema_version == 2 and ledger.verify().ok
        # the read model places old runs by their start and finds their findings' lives
        lives = finding_table(ledger, Scope())
        score = posture.posture_overall(ledger, Scope())["score"].item()
    assert lives.filter(lives["lifecycle"] == "still open").height == 2  # dom.p1 col0, col1
    assert lives.filter(lives["lifecycle"] == "closed").height == 4
    assert score == round(100 * 2 / 3, 1)
    with Ledger(ledger_path) as ledger:
        assert ledger.schema_version == SCHEMA_VERSION == 3
        _run_with_context(ledger, datetime(2026, 3, 1), [])
        assert ledger.verify().ok
