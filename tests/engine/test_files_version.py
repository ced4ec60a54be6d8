"""What a cached result of reading files is keyed by: each file's path, size and modification
time, a glob's files as they are now."""

from __future__ import annotations

import os
from pathlib import Path

from privacymesh.engine.duckdb_engine import files_version


def test_a_glob_names_every_file_it_matches_now(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"one")
    first = files_version(tmp_path / "*.parquet")
    assert (
        first is not None
        and first.count("\n") == 0
        and first.endswith(f" 3 {(tmp_path / 'a.parquet').stat().st_mtime_ns}")
    )
    (tmp_path / "b.parquet").write_bytes(b"two")
    second = files_version(tmp_path / "*.parquet")
    assert second is not None and second.splitlines()[0] == first
    assert str(tmp_path / "b.parquet") in second.splitlines()[1]


def test_a_rewritten_file_changes_it_and_a_missing_one_has_none(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"one")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    before = files_version(path)
    path.write_bytes(b"one")  # same size, new modification time
    assert files_version(path) != before
    assert files_version(tmp_path / "missing.parquet") is None
    assert files_version(tmp_path / "*.csv") is None
