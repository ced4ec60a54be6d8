"""Opening the ledger: read-only readers, one writer at a time, schema versions."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from ledger_support import record_run, tamper

from privacymesh.ledger import SCHEMA_VERSION, Ledger, LedgerError

HOLD = """
import sys, time
from privacymesh.ledger import Ledger
ledger = Ledger(sys.argv[1], read_only=sys.argv[2] == "ro")
print("open", flush=True)
time.sleep(float(sys.argv[3]))
ledger.close()
"""


UNTIL_KILLED = 600.0  # held until the test kills the holder, however slow the machine


def hold(path: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the ledger open for `seconds`."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), mode, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "open"
    return proc


def test_read_only_reads_and_refuses_to_write(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger)
    with Ledger(ledger_path, read_only=True) as reader:
        assert len(reader.results()) == 3
        assert reader.verify().ok
        with pytest.raises(LedgerError, match="read-only"):
            reader.begin_run()


def test_read_only_on_a_missing_file_says_so(ledger_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger here"):
        Ledger(ledger_path, read_only=True)
    assert not ledger_path.exists()


def test_several_readers_may_share_the_file(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    other = hold(ledger_path, "ro", UNTIL_KILLED)
    try:
        with Ledger(ledger_path, read_only=True) as reader:
            assert reader.verify().ok
    finally:
        other.kill()
        other.wait()


def test_a_second_writer_gets_a_clear_error(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    other = hold(ledger_path, "rw", UNTIL_KILLED)
    try:
        with pytest.raises(LedgerError) as info:
            Ledger(ledger_path)
        message = str(info.value)
        assert "in use by another process" in message
        assert f"process {other.pid}" in message
        assert "hint: one process writes the ledger at a time" in message
        with pytest.raises(LedgerError, match="in use"):
            Ledger(ledger_path, read_only=True)
    finally:
        other.kill()
        other.wait()


def test_a_reader_can_wait_for_the_writer_to_finish(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    other = hold(ledger_path, "rw", 0.5)
    started = time.monotonic()
    with Ledger(ledger_path, read_only=True, lock_timeout=20) as reader:
        assert reader.chain_head().seq == 0
    assert time.monotonic() - started < 20
    other.wait()


def test_one_process_cannot_mix_modes(ledger_path: Path) -> None:
    with Ledger(ledger_path), pytest.raises(LedgerError, match="another mode"):
        Ledger(ledger_path, read_only=True)


def test_a_newer_schema_is_refused(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    tamper(
        ledger_path, f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'"
    )
    for read_only in (False, True):
        with pytest.raises(LedgerError, match="upgrade privacymesh"):
            Ledger(ledger_path, read_only=read_only)


def test_meta_records_version_and_chain(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        meta = dict(ledger.sql("SELECT key, value FROM meta").iter_rows())
        assert ledger.schema_version == SCHEMA_VERSION
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert "sha256" in meta["chain"]


def test_another_duckdb_file_is_not_taken_for_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE sales (x INT)").fetchall()
    con.close()
    with pytest.raises(LedgerError, match="not a privacymesh ledger"):
        Ledger(path)


def test_a_damaged_ledger_missing_a_table_is_refused(ledger_path: Path) -> None:
    Ledger(ledger_path).close()
    tamper(ledger_path, "DROP TABLE findings")
    with pytest.raises(LedgerError, match="missing tables: findings"):
        Ledger(ledger_path, read_only=True)


def test_reopening_appends_to_the_same_chain(ledger_path: Path) -> None:
    with Ledger(ledger_path) as ledger:
        record_run(ledger)
    with Ledger(ledger_path) as ledger:
        record_run(ledger, day=1)
        assert ledger.verify().records_checked == 20
