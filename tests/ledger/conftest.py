"""Fixtures of the ledger tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "evidence" / "ledger.duckdb"
