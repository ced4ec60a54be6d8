"""Readers that never block a writer for long: copy the ledger, then read the copy.

DuckDB lets one process write a file or many read it, never both. A reader that spent seconds
verifying the chain on the live file would make a run wait for it; so `read_snapshot` holds the
live file read-only only while it copies it (and its write-ahead log), and every query then runs
on the private copy, which is deleted afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from privacymesh.ledger.store import Ledger


def copy_ledger(source: Path | str, target: Path | str, lock_timeout: float = 5.0) -> None:
    """Copy the ledger file and its write-ahead log as one consistent state: while the copy is
    taken the file is open read-only, so no writer can commit halfway through it."""
    source, target = Path(source), Path(target)
    with Ledger(source, read_only=True, lock_timeout=lock_timeout):
        shutil.copyfile(source, target)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, target.with_name(target.name + ".wal"))


@contextmanager
def read_snapshot(source: Path | str, lock_timeout: float = 5.0) -> Iterator[Ledger]:
    """A read-only `Ledger` over a private copy of `source`, deleted when the block ends."""
    source = Path(source)
    with tempfile.TemporaryDirectory(prefix="privacymesh-ledger-") as folder:
        target = Path(folder) / source.name
        copy_ledger(source, target, lock_timeout)
        with Ledger(target, read_only=True) as copy:
            yield copy
