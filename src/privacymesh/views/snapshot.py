"""Consistent read-only copies of the live ledger, so readers never hold its lock for long.

DuckDB lets one process write a file or many read it, never both. A dashboard that kept the
ledger open, or spent seconds verifying its chain, would make the next `privacymesh run` fail
to record. So a reader takes a snapshot instead: it opens the ledger read-only (which waits for
a writer to commit and keeps the next one out), copies the file and its write-ahead log, and
lets go; every query and the chain verification then run on the copy. A new snapshot is taken
only when the live file has changed.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from privacymesh.ledger import Ledger, LedgerError
from privacymesh.ledger.snapshot import copy_ledger


def ledger_stamp(path: Path) -> str | None:
    """The identity of the ledger file's current state (size and modification time of the file
    and its write-ahead log), or None when there is no ledger file."""
    try:
        main = path.stat()
    except FileNotFoundError:
        return None
    wal = path.with_name(path.name + ".wal")
    extra = f"-{wal.stat().st_mtime_ns}-{wal.stat().st_size}" if wal.exists() else ""
    return f"{main.st_mtime_ns}-{main.st_size}{extra}"


@dataclass(frozen=True)
class Snapshot:
    """A read-only copy of the ledger: where it is and which state of the live file it holds."""

    path: Path
    stamp: str
    stale: bool = False  # True when the live ledger was busy and an older copy is served

    def open(self) -> Ledger:
        return Ledger(self.path, read_only=True)


class SnapshotStore:
    """Takes and keeps snapshots of one live ledger in a private folder (the newest `keep`)."""

    def __init__(
        self,
        ledger_path: Path | str,
        folder: Path | str | None = None,
        keep: int = 2,
        lock_timeout: float = 5.0,
    ) -> None:
        self.ledger_path = Path(ledger_path)
        self.folder = Path(folder or tempfile.mkdtemp(prefix="privacymesh-ledger-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = max(1, keep)
        self.lock_timeout = lock_timeout
        self._lock = threading.Lock()
        self._counter = itertools.count(1)
        self._snapshots: list[Snapshot] = []

    def current(self) -> Snapshot | None:
        """A snapshot of the ledger as it is now (None when there is no ledger file). When the
        live ledger is held by a writer past the timeout, the newest older snapshot is served
        (marked stale); with none, the LedgerError is raised."""
        stamp = ledger_stamp(self.ledger_path)
        if stamp is None:
            return None
        with self._lock:
            if self._snapshots and self._snapshots[-1].stamp == stamp:
                return self._snapshots[-1]
            try:
                snapshot = self._take()
            except LedgerError:
                if not self._snapshots:
                    raise
                last = self._snapshots[-1]
                return Snapshot(last.path, last.stamp, stale=True)
            self._snapshots.append(snapshot)
            self._prune()
            return snapshot

    def _take(self) -> Snapshot:
        target = self.folder / f"ledger-{next(self._counter)}.duckdb"
        # the stamp is read before the copy: a commit in between only makes the next
        # `current()` take a fresh copy
        stamp = ledger_stamp(self.ledger_path) or ""
        copy_ledger(self.ledger_path, target, self.lock_timeout)
        return Snapshot(target, stamp)

    def _prune(self) -> None:
        while len(self._snapshots) > self.keep:
            old = self._snapshots.pop(0)
            for suffix in ("", ".wal", ".lock"):  # the file, its log, its swap lock
                old.path.with_name(old.path.name + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        """Delete every snapshot and the folder."""
        with self._lock:
            self._snapshots.clear()
            shutil.rmtree(self.folder, ignore_errors=True)
