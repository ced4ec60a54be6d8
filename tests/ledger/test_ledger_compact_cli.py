"""`privacymesh evidence compact`: the log folded into a fresh file, every record and the head
kept; a missing ledger and a tampered one refused with exit 2, the file left as it was."""

from __future__ import annotations

from pathlib import Path

from ledger_support import record_run, tamper
from typer.testing import CliRunner

from privacymesh.cli.app import app
from privacymesh.ledger import Ledger
from privacymesh.ledger.durable import wal_path

runner = CliRunner()


def three_runs(path: Path) -> tuple[int, str, int]:
    with Ledger(path) as ledger:
        for day in range(3):
            record_run(ledger, day=day)
        head = ledger.chain_head()
        total = ledger.verify().records_total
    return head.seq, head.hash, total


def test_compact_folds_the_log_into_the_file_and_keeps_the_chain(ledger_path: Path) -> None:
    seq, digest, total = three_runs(ledger_path)
    assert wal_path(ledger_path).stat().st_size > 0  # small ledgers are not compacted on close
    result = runner.invoke(app, ["evidence", "compact", "--ledger", str(ledger_path)])
    assert result.exit_code == 0, result.output
    assert f"{total:,} records verified" in result.output
    assert f"head {seq}:{digest}" in result.output
    assert not wal_path(ledger_path).exists() or wal_path(ledger_path).stat().st_size == 0
    with Ledger(ledger_path, read_only=True) as ledger:
        report = ledger.verify(expect_head=(seq, digest))
    assert report.ok and report.records_total == total


def test_compact_refuses_a_missing_ledger(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ledger.duckdb"
    result = runner.invoke(app, ["evidence", "compact", "--ledger", str(missing)])
    assert result.exit_code == 2
    assert "no ledger here" in result.output and "Traceback" not in result.output
    assert not missing.exists()


def test_compact_refuses_a_broken_chain_and_leaves_the_file(ledger_path: Path) -> None:
    three_runs(ledger_path)
    tamper(ledger_path, "UPDATE results SET status = 'pass' WHERE seq = 2")
    before = ledger_path.read_bytes()
    result = runner.invoke(app, ["evidence", "compact", "--ledger", str(ledger_path)])
    assert result.exit_code == 2, result.output
    assert ledger_path.read_bytes() == before
