"""Keeping the ledger file openable whatever moment a process is killed at.

DuckDB's checkpoint writes a metadata block back in place, over parts the previous checkpoint
still reads, under one checksum for the block; a kill during that write leaves a file that no
longer opens. So the ledger's file is never checkpointed in place:

- Connections never checkpoint (no automatic checkpoint, none on close). A commit is appended
  to DuckDB's write-ahead log (`ledger.duckdb.wal`), whose entries carry checksums: a kill
  while one is written loses that transaction only, and DuckDB replays the rest on open.
- Compaction moves the log into a new file instead: holding the write lock, the writer copies
  every table into `ledger.duckdb.compact` and checkpoints that copy (a new file: a kill here
  leaves the ledger as it was), reopens the copy from disk and checks it holds the same tables
  and rows as the live ledger and a chain that verifies to the same head. Then, under the swap
  lock (`ledger.duckdb.lock`), it closes the live file, writes a journal
  (`ledger.duckdb.swap`: the copy's header digest and the log's digest), renames the copy over
  the ledger, deletes the log, then the journal, syncing the folder after each step.
- Every opener holds the swap lock (shared) while it connects. One that finds a journal, the
  trace of a compaction killed mid-swap, takes the lock exclusively and undoes the swap (the
  copy is still there: it is deleted) or finishes it (the ledger is the copy: the log is
  deleted, but only when its digest is the journalled one). What it did is logged, and the
  ledger verifies the chain after such a recovery.

Nothing here repairs a damaged file: a ledger whose blocks fail DuckDB's checksums, or a log
that belongs to another file with no journal saying why, still raises LedgerError.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from privacymesh.ledger.errors import LedgerBusyError, LedgerError
from privacymesh.ledger.verify import VerifyReport, read_chain_head, verify_chain

log = logging.getLogger("privacymesh.ledger")

NO_AUTO_CHECKPOINT = {"checkpoint_threshold": "1TB"}
"""Connection settings: the log never grows large enough for DuckDB to checkpoint on its own."""

COMPACT_MIN_WAL = 16 * 1024 * 1024
"""A writer compacts on close once the log exceeds this many bytes and the file's size: readers
replay the log on every open, and a compaction rereads the whole chain, so it runs when the
ledger has grown by about a quarter (a record takes about four times the room in the log)."""

HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers
SWAP_WAIT = 30.0  # seconds an opener waits for a swap in progress (a rename and a few syncs)
_COPY_ALIAS = "privacymesh_compact"


def wal_path(path: Path) -> Path:
    """DuckDB's write-ahead log of the database file `path`."""
    return path.with_name(path.name + ".wal")


def copy_path(path: Path) -> Path:
    """Where a compaction writes the new file before it is swapped in."""
    return path.with_name(path.name + ".compact")


def journal_path(path: Path) -> Path:
    """The journal a compaction holds while it swaps the new file in."""
    return path.with_name(path.name + ".swap")


def lock_path(path: Path) -> Path:
    """The swap lock: exclusive while the file is swapped, shared while an opener connects."""
    return path.with_name(path.name + ".lock")


def connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the ledger file that never checkpoints it. A reader cannot
    checkpoint and takes DuckDB's defaults, so it shares the database with a plain read-only
    `duckdb.connect` the same process holds (e.g. in a notebook)."""
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    con = duckdb.connect(str(path), config=NO_AUTO_CHECKPOINT)
    try:
        con.execute("PRAGMA disable_checkpoint_on_shutdown").fetchall()
    except BaseException:
        con.close()
        raise
    return con


def needs_compaction(path: Path) -> bool:
    """True when the log beside `path` has outgrown COMPACT_MIN_WAL and the file itself."""
    try:
        wal = wal_path(path).stat().st_size
        main = path.stat().st_size
    except FileNotFoundError:
        return False
    return wal > max(COMPACT_MIN_WAL, main)


# -- the swap lock and syncing ---------------------------------------------------------------


@contextmanager
def swap_lock(path: Path, *, exclusive: bool, timeout: float = SWAP_WAIT) -> Iterator[None]:
    """Hold the ledger's swap lock. A reader in a folder it cannot write, where no lock file
    exists yet, goes without: nobody can swap a file there either."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exclusive:
            raise LedgerError(f"cannot create the ledger's lock file: {exc}", file=lock) from exc
        try:
            fd = os.open(lock, os.O_RDONLY)
        except OSError:
            fd = -1
    if fd < 0:
        yield
        return
    try:
        _flock(fd, exclusive, timeout, path)
        yield
    finally:
        os.close(fd)  # releases the lock


def _flock(fd: int, exclusive: bool, timeout: float, path: Path) -> None:
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LedgerBusyError(
                    "another process is swapping in a compacted ledger file",
                    file=path,
                    hint="try again in a moment",
                ) from None
            time.sleep(0.02)


def _sync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_dir(folder: Path) -> None:
    """Make renames and deletions in `folder` durable."""
    _sync_file(folder)


def _file_digest(path: Path, limit: int | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        if limit is not None:
            digest.update(file.read(limit))
        else:
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


# -- creating ------------------------------------------------------------------------------


def create_empty(path: Path) -> None:
    """Make an empty DuckDB file at `path`, atomically (call under the exclusive swap lock): a
    kill while DuckDB writes a new file's headers must not leave a file that never opens."""
    if path.exists():
        return
    if wal_path(path).exists():
        raise LedgerError(
            "the ledger file is missing but its write-ahead log is here (it holds the runs"
            " recorded since the last compaction)",
            file=path,
            hint=f"restore the ledger file beside {wal_path(path).name}, or move both away",
        )
    fresh = path.with_name(path.name + ".new")
    for leftover in (fresh, wal_path(fresh)):
        leftover.unlink(missing_ok=True)
    duckdb.connect(str(fresh)).close()
    _sync_file(fresh)
    os.replace(fresh, path)
    _sync_dir(path.parent)


# -- recovering an interrupted swap ------------------------------------------------------------


def interrupted(path: Path) -> bool:
    """True when a compaction was killed while it swapped the file (its journal is left)."""
    return journal_path(path).exists()


def recover(path: Path) -> str | None:
    """Undo or finish a swap a kill interrupted (call under the exclusive swap lock); returns
    what was done, None when there was nothing to do. Raises LedgerError, touching nothing,
    when the files are not a state a swap leaves."""
    journal = journal_path(path)
    if not journal.exists():
        return None
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        header, wal_digest = str(entry["header_sha256"]), entry["wal_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LedgerError(
            f"unreadable compaction journal: {exc}",
            file=journal,
            hint="the ledger's files were changed by hand; restore them from a backup",
        ) from exc
    copy, wal = copy_path(path), wal_path(path)
    if copy.exists():
        # the copy was never renamed over the ledger: the file and its log are as they were
        copy.unlink()
        wal_path(copy).unlink(missing_ok=True)
        note = "an interrupted compaction was undone: the ledger and its log are as they were"
    else:
        if not path.exists() or _file_digest(path, HEADER_BYTES) != header:
            raise LedgerError(
                "a compaction journal is left, but the ledger file is not the compacted copy it"
                " names",
                file=path,
                hint=f"nothing was changed; compare with a backup before removing {journal.name}",
            )
        if wal.exists():
            if wal_digest is None or _file_digest(wal) != wal_digest:
                raise LedgerError(
                    "a compaction journal is left, but the write-ahead log is not the one it"
                    " compacted",
                    file=wal,
                    hint="nothing was changed; compare with a backup before removing the log",
                )
            wal.unlink()
        note = (
            "an interrupted compaction was finished: the compacted file was in place and its"
            " superseded write-ahead log was deleted"
        )
    journal.unlink()
    _sync_dir(path.parent)
    log.warning("%s: %s", path, note)
    return note


# -- compacting ----------------------------------------------------------------------------


def discard_copy(path: Path) -> None:
    """Delete what a compaction killed before its swap left (call holding the write lock)."""
    copy = copy_path(path)
    if copy.exists() and not interrupted(path):
        log.info("%s: deleting the copy an interrupted compaction left", path)
    draft = journal_path(path).with_name(journal_path(path).name + ".new")
    for leftover in (copy, wal_path(copy), draft):
        leftover.unlink(missing_ok=True)


def _quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _database(con: duckdb.DuckDBPyConnection) -> str:
    return str(con.execute("SELECT current_database()").fetchall()[0][0])


def table_fingerprints(
    con: duckdb.DuckDBPyConnection, database: str
) -> dict[str, tuple[str, int, int]]:
    """Per table of `database`: its DDL, its row count and the sum of its rows' hashes."""
    tables = con.execute(
        "SELECT table_name, sql FROM duckdb_tables() "
        "WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name",
        [database],
    ).fetchall()
    prints = {}
    for name, ddl in tables:
        source = f"{_quote_name(database)}.main.{_quote_name(name)}"
        count, total = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {source} AS t"
        ).fetchall()[0]
        prints[str(name)] = (str(ddl), int(count), int(total))
    return prints


def write_copy(con: duckdb.DuckDBPyConnection, path: Path) -> VerifyReport:
    """Copy the live ledger (open on `con`, for writing) into a new file and check the copy,
    read back from disk: the same tables and rows, and a chain that verifies to the live head.
    Returns the copy's verification; raises LedgerError, with the copy deleted, otherwise."""
    copy = copy_path(path)
    discard_copy(path)
    database = _database(con)
    try:
        con.execute(f"ATTACH {_quote_path(copy)} AS {_COPY_ALIAS}").fetchall()
        try:
            con.execute(f"COPY FROM DATABASE {_quote_name(database)} TO {_COPY_ALIAS}").fetchall()
            con.execute(f"CHECKPOINT {_COPY_ALIAS}").fetchall()
        finally:
            con.execute(f"DETACH {_COPY_ALIAS}").fetchall()
        left = wal_path(copy)
        if left.exists() and left.stat().st_size:
            raise LedgerError("the compacted copy kept a write-ahead log", file=left)
        left.unlink(missing_ok=True)
        _sync_file(copy)
        report = _check_copy(con, database, path, copy)
    except BaseException:
        discard_copy(path)
        raise
    return report


def _check_copy(
    con: duckdb.DuckDBPyConnection, database: str, path: Path, copy: Path
) -> VerifyReport:
    expected = table_fingerprints(con, database)
    live_head = read_chain_head(con)
    reread = duckdb.connect(str(copy), read_only=True)
    try:
        found = table_fingerprints(reread, _database(reread))
        report = verify_chain(reread, stored_head=read_chain_head(reread))
    finally:
        reread.close()
    if found != expected:
        names = expected.keys() | found.keys()
        differ = sorted(n for n in names if expected.get(n) != found.get(n))
        raise LedgerError(
            f"not compacted: the copy differs from the ledger in {', '.join(differ)}",
            file=path,
            hint="the ledger is left as it was",
        )
    live = (live_head.seq, live_head.hash) if live_head is not None else None
    if not report.ok or (report.head.seq, report.head.hash) != live:
        raise LedgerError(
            f"not compacted: the chain does not verify ({report})",
            file=path,
            hint="`privacymesh evidence verify` names the record; the ledger is left as it was",
        )
    return report


def _write_journal(path: Path, entry: dict[str, str | int | None]) -> None:
    journal = journal_path(path)
    draft = journal.with_name(journal.name + ".new")
    draft.write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
    _sync_file(draft)
    os.replace(draft, journal)
    _sync_dir(path.parent)


def swap_in(path: Path, close_live: Callable[[], None]) -> None:
    """Swap the checked copy in for the ledger (call under the exclusive swap lock, holding the
    write lock until `close_live` lets it go)."""
    close_live()
    for _ in swap_steps(path):
        pass


def swap_steps(path: Path) -> Iterator[str]:
    """The swap, one durable step at a time: each is on disk when its name is yielded, and a
    kill after any of them leaves a state `recover` undoes or finishes."""
    copy, wal = copy_path(path), wal_path(path)
    _write_journal(
        path,
        {
            "header_sha256": _file_digest(copy, HEADER_BYTES),
            "wal_sha256": _file_digest(wal) if wal.exists() else None,
        },
    )
    yield "journal written"
    os.replace(copy, path)
    _sync_dir(path.parent)
    yield "copy renamed over the ledger"
    wal.unlink(missing_ok=True)
    _sync_dir(path.parent)
    yield "write-ahead log deleted"
    journal_path(path).unlink()
    _sync_dir(path.parent)
    yield "journal deleted"
