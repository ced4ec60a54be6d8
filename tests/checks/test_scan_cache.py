"""The detector's scans are kept for later runs of the same data: a second run takes them from
the workspace's scan cache, a changed file or another reference date is scanned again, and the
cache holds no raw value. Real Parquet files, real runs."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import yaml
from checks_mesh import build, contract

from privacymesh.checks.measures.scan_cache import KEEP_SECONDS, cache_dir
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

CHECK = ["pii.undeclared"]
EMAILS = [f"walter.pike{i}@mailbox.example.org" for i in range(300)]
AS_OF = datetime(2026, 4, 1)


def _write(root: Path, emails: list[str]) -> None:
    pl.DataFrame(
        {"note_id": [f"N{i:04d}" for i in range(len(emails))], "note": emails}
    ).write_parquet(root / "data" / "ops.notes.parquet")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = build(tmp_path / "ws")
    doc = contract("ops", "notes", "source", [{"name": "note_id"}, {"name": "note"}], None)
    (root / "contracts" / "ops.notes.odcs.yaml").write_text(yaml.safe_dump(doc))
    _write(root, EMAILS)
    return root


def _undeclared(root: Path, as_of: datetime = AS_OF) -> dict[str, list[str]]:
    outcome = run_checks(load_workspace(root), CHECK, ["ops.notes"], record=False, as_of=as_of)
    (result,) = outcome.results
    return {f.column: f.detail["categories"] for f in result.findings if f.column}


def _entries(root: Path) -> list[Path]:
    return sorted(cache_dir(load_workspace(root)).glob("*.json"))


def test_a_second_run_takes_the_kept_scan(root: Path) -> None:
    assert _undeclared(root) == {"note": ["user.contact.email"]}
    (entry,) = _entries(root)
    assert entry.stat().st_mode & 0o777 == 0o600
    # the kept scan is what the second run reports: edit it and the run follows
    doc = json.loads(entry.read_text())
    note = next(c for c in doc["scan"]["columns"] if c["column"] == "note")
    note["categories"][0]["category"] = "user.contact.phone_number"
    entry.write_text(json.dumps(doc))
    assert _undeclared(root) == {"note": ["user.contact.phone_number"]}
    assert _entries(root) == [entry]


def test_a_changed_file_or_reference_date_is_scanned_again(root: Path) -> None:
    assert _undeclared(root) == {"note": ["user.contact.email"]}
    _write(root, [f"closed after {i} days" for i in range(300)])
    assert _undeclared(root) == {}
    assert len(_entries(root)) == 2
    _undeclared(root, datetime(2026, 4, 8))
    assert len(_entries(root)) == 3


def test_entries_no_run_used_for_two_weeks_are_deleted(root: Path) -> None:
    _undeclared(root)
    (used,) = _entries(root)
    old = time.time() - KEEP_SECONDS - 60
    os.utime(used, (old, old))
    _undeclared(root)  # reads it: used again, kept
    assert _entries(root) == [used] and used.stat().st_mtime > old
    os.utime(used, (old, old))
    _undeclared(root, datetime(2026, 4, 8))  # stores another entry, pruning the unused one
    assert len(_entries(root)) == 1 and not used.exists()


def test_the_cache_holds_no_raw_value(root: Path) -> None:
    _undeclared(root)
    (entry,) = _entries(root)
    text = entry.read_text()
    assert "note" in text and "user.contact.email" in text
    assert not any(email in text for email in EMAILS)
    assert "mailbox.example.org" not in text


def test_the_workspace_can_turn_it_off(tmp_path: Path) -> None:
    root = build(tmp_path / "ws", "scan_cache = false\n")  # inside its [run] table
    doc = contract("ops", "notes", "source", [{"name": "note_id"}, {"name": "note"}], None)
    (root / "contracts" / "ops.notes.odcs.yaml").write_text(yaml.safe_dump(doc))
    _write(root, EMAILS)
    assert _undeclared(root) == {"note": ["user.contact.email"]}
    assert not os.path.exists(cache_dir(load_workspace(root)))
