"""A write cut short by a kill must not take the committed runs with it.

DuckDB's checkpoint writes the metadata block it reuses back in place, over sub-blocks the last
checkpoint (the one the file's header names) still reads, under one checksum for the whole block.
Linux stops a write to a file after the page it is copying when a SIGKILL arrives, so a kill during
that write would leave the block half new and the file unreadable. The ledger therefore never
checkpoints its file (`privacymesh.ledger.durable`): commits go to DuckDB's write-ahead log, and
compaction swaps in a new, checked file. These tests build, without timing, each state a kill can
leave: a log cut after any page, a half-written copy, a swap stopped after any step.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import duckdb
import pytest
from ledger_support import record_run

from privacymesh.ledger import Ledger, LedgerError, durable

HEADERS = 3 * 4096  # DuckDB's file header and its two database headers
BLOCK = 256 * 1024  # DuckDB's default block size
PAGE = 4096  # what the kernel copies between two checks for a pending SIGKILL


def rewritten_in_place(before: bytes, after: bytes) -> list[int]:
    """Offsets of the blocks of `before` that `after` holds different bytes for."""
    return [
        offset
        for offset in range(HEADERS, len(before), BLOCK)
        if before[offset : offset + BLOCK] != after[offset : offset + BLOCK]
    ]


def files_of(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def restore(path: Path, files: dict[str, bytes]) -> None:
    for existing in path.parent.iterdir():
        existing.unlink()
    for name, data in files.items():
        (path.parent / name).write_bytes(data)


def runs_and_chain(path: Path) -> tuple[int, bool]:
    with Ledger(path, read_only=True) as ledger:
        return len(ledger.runs()), ledger.verify().ok


@pytest.fixture(scope="module")
def five_runs_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A ledger of five runs: three in the file's blocks (compacted), two in its log."""
    path = tmp_path_factory.mktemp("built") / "ledger.duckdb"
    with Ledger(path) as ledger:
        for day in range(5):
            record_run(ledger, day, results=150)
            if day == 2:
                ledger.compact()
    return files_of(path)


@pytest.fixture
def five_runs(ledger_path: Path, five_runs_files: dict[str, bytes]) -> Path:
    ledger_path.parent.mkdir(parents=True)
    restore(ledger_path, five_runs_files)
    return ledger_path


def test_a_checkpoint_write_cut_after_one_page_leaves_the_ledger_readable(
    five_runs: Path,
) -> None:
    before = files_of(five_runs)
    assert len(before["ledger.duckdb"]) > 2 * BLOCK  # blocks a checkpoint would rewrite
    with Ledger(five_runs) as ledger:  # closing does not checkpoint: the file is not rewritten
        record_run(ledger, 5, results=20)
    after = files_of(five_runs)
    assert rewritten_in_place(before["ledger.duckdb"], after["ledger.duckdb"]) == []
    assert after["ledger.duckdb"] == before["ledger.duckdb"]
    old_log, new_log = before["ledger.duckdb.wal"], after["ledger.duckdb.wal"]
    assert new_log.startswith(old_log) and len(new_log) > len(old_log) + 2 * PAGE
    # the run was appended to the log: a kill after any page of that write keeps the five runs
    for cut in range(len(old_log), len(new_log), PAGE):
        (five_runs.parent / "ledger.duckdb.wal").write_bytes(new_log[:cut])
        assert runs_and_chain(five_runs) == (5, True), f"log cut at byte {cut}"
    (five_runs.parent / "ledger.duckdb.wal").write_bytes(new_log)
    assert runs_and_chain(five_runs) == (6, True)


def test_a_compaction_killed_while_writing_its_copy_leaves_the_ledger_as_it_was(
    five_runs: Path,
) -> None:
    before = files_of(five_runs)
    with Ledger(five_runs) as ledger:
        con = ledger.con
        durable.write_copy(con, five_runs)  # the copy, checked, not swapped in
    copy = durable.copy_path(five_runs).read_bytes()
    assert len(copy) > 2 * BLOCK
    for cut in (PAGE, BLOCK + PAGE, len(copy) - PAGE):
        restore(five_runs, {**before, "ledger.duckdb.compact": copy[:cut]})
        assert runs_and_chain(five_runs) == (5, True)
        with Ledger(five_runs) as ledger:  # the next writer deletes the half-written copy
            record_run(ledger, 5, results=10)
        assert not durable.copy_path(five_runs).exists()
        assert runs_and_chain(five_runs) == (6, True)


@pytest.mark.parametrize("steps", [1, 2, 3])
def test_a_swap_killed_after_any_step_is_undone_or_finished_and_logged(
    five_runs: Path, steps: int, caplog: pytest.LogCaptureFixture
) -> None:
    con = durable.connect(five_runs, read_only=False)
    durable.write_copy(con, five_runs)
    con.close()
    swap = durable.swap_steps(five_runs)
    done = [next(swap) for _ in range(steps)]  # then the process is killed
    assert durable.journal_path(five_runs).exists()
    with caplog.at_level(logging.WARNING, logger="privacymesh.ledger"):
        assert runs_and_chain(five_runs) == (5, True)  # a reader recovers too
    messages = " | ".join(r.getMessage() for r in caplog.records)
    expected = "undone" if done[-1] == "journal written" else "finished"
    assert f"an interrupted compaction was {expected}" in messages
    assert "chain verified after recovery: ok: 2255 records verified" in messages
    left = {p.name for p in five_runs.parent.iterdir()} - {"ledger.duckdb.lock"}
    assert left == (
        {"ledger.duckdb", "ledger.duckdb.wal"} if expected == "undone" else {"ledger.duckdb"}
    )
    with Ledger(five_runs) as ledger:
        record_run(ledger, 5, results=10)
    assert runs_and_chain(five_runs) == (6, True)


def test_a_log_that_belongs_to_another_file_is_refused_not_deleted(five_runs: Path) -> None:
    con = durable.connect(five_runs, read_only=False)
    durable.write_copy(con, five_runs)
    con.close()
    swap = durable.swap_steps(five_runs)
    next(swap), next(swap)  # the copy is the ledger now; the old log is still beside it
    durable.journal_path(five_runs).unlink()  # and nothing says the log was compacted
    files = files_of(five_runs)
    with pytest.raises(LedgerError, match="WAL does not match database file") as err:
        Ledger(five_runs, read_only=True)
    assert "belongs to another database file; nothing was changed" in str(err.value)
    assert files_of(five_runs) == files


def test_a_journal_naming_another_log_is_refused_not_acted_on(five_runs: Path) -> None:
    con = durable.connect(five_runs, read_only=False)
    durable.write_copy(con, five_runs)
    con.close()
    swap = durable.swap_steps(five_runs)
    next(swap), next(swap)
    wal = durable.wal_path(five_runs)
    wal.write_bytes(wal.read_bytes() + b"\0")  # not the log the journal names
    files = files_of(five_runs)
    with pytest.raises(LedgerError, match="the write-ahead log is not the one it compacted"):
        Ledger(five_runs)
    assert files_of(five_runs) == files


def test_a_damaged_block_is_refused_not_repaired(five_runs: Path) -> None:
    with Ledger(five_runs) as ledger:
        ledger.compact()  # every record now in the file's blocks
    data = bytearray(five_runs.read_bytes())
    data[HEADERS + BLOCK + 100] ^= 0xFF
    five_runs.write_bytes(bytes(data))
    with pytest.raises((LedgerError, duckdb.Error), match="checksum"):
        runs_and_chain(five_runs)  # DuckDB checks a block's checksum when it reads the block
    assert five_runs.read_bytes() == bytes(data)


def test_compaction_keeps_every_record_and_empties_the_log(five_runs: Path) -> None:
    with Ledger(five_runs, read_only=True) as ledger:
        head, results = ledger.chain_head(), ledger.results()
    with Ledger(five_runs) as ledger:
        report = ledger.compact()
        assert report.ok and str(report.head) == str(head)
        record_run(ledger, 5, results=10)  # the ledger stays open for writing
    assert not durable.copy_path(five_runs).exists()
    with Ledger(five_runs, read_only=True) as ledger:
        assert ledger.results().head(len(results)).equals(results)
        assert len(ledger.runs()) == 6 and ledger.verify().ok


def test_a_missing_file_beside_its_log_is_not_replaced_by_a_new_ledger(five_runs: Path) -> None:
    moved = five_runs.with_name("elsewhere.duckdb")
    shutil.move(five_runs, moved)
    with pytest.raises(LedgerError, match="the ledger file is missing but its write-ahead log"):
        Ledger(five_runs)
    assert not five_runs.exists()


def test_compaction_waits_for_the_last_writer_of_this_process(five_runs: Path) -> None:
    first, second = Ledger(five_runs), Ledger(five_runs)  # DuckDB shares one database
    try:
        with pytest.raises(LedgerError, match="another Ledger in this process"):
            first.compact()
        assert not durable.copy_path(five_runs).exists()
        record_run(second, 5, results=10)
    finally:
        second.close()
    assert first.compact().ok
    first.close()
    assert not durable.wal_path(five_runs).exists()
    assert runs_and_chain(five_runs) == (6, True)


def test_closing_compacts_once_the_log_has_grown(
    ledger_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with Ledger(ledger_path) as ledger:  # a log larger than the file, under 16 MiB: kept
        for day in range(2):
            record_run(ledger, day, results=150)
    log_size = durable.wal_path(ledger_path).stat().st_size
    assert ledger_path.stat().st_size < log_size < durable.COMPACT_MIN_WAL
    monkeypatch.setattr(durable, "COMPACT_MIN_WAL", log_size - 1)
    with caplog.at_level(logging.INFO, logger="privacymesh.ledger"), Ledger(ledger_path):
        pass
    assert not durable.wal_path(ledger_path).exists()
    assert "compacted to" in caplog.text and "ok: 902 records verified" in caplog.text
    assert runs_and_chain(ledger_path) == (2, True)
