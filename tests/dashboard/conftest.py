"""Workspaces for the dashboard tests: a small sample mesh with real check runs at two reference
times, a workspace with no ledger, and one whose ledger holds no run."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from privacymesh.ledger import Ledger
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

REPO = Path(__file__).resolve().parents[2]
CHECKS_RUN = ["retention", "pii.undeclared", "pii.quasi_identifiers", "consent", "dsar",
              "rotation", "cost"]  # fmt: skip
EARLIER = datetime(2026, 10, 1)


def write_workspace(root: Path, sample: Path | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    sample = sample or root / "sample"
    (root / "privacymesh.toml").write_text(
        f'name = "dashboard test mesh"\n[paths]\ncatalog = "{sample / "contracts"}"\n'
        f'platform = "{sample / "platform"}"\nchecks = "{REPO / "checks"}"\n'
        f'evidence = "evidence"\nsample = "{sample}"\nreports = "{REPO / "reports"}"\n'
        '[engine]\nkind = "duckdb"\n[run]\nas_of = "2026-11-01T00:00:00"\n'
    )
    return root


@pytest.fixture(scope="session")
def sample_ws(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Path:
    """The sample mesh (scale 0.05) with two recorded runs: retention and consent as of
    2026-10-01, then the dashboard's check families as of the pinned 2026-11-01."""
    root = tmp_path_factory.mktemp("dash_sample")
    shutil.copytree(generated_sample, root / "sample")
    write_workspace(root)
    ws = load_workspace(root)
    run_checks(ws, ["retention", "consent"], as_of=EARLIER)
    run_checks(ws, CHECKS_RUN)
    return root


@pytest.fixture(scope="session")
def no_ledger_ws(tmp_path_factory: pytest.TempPathFactory, sample_ws: Path) -> Path:
    """The same catalog, and no ledger file at all (nothing has run)."""
    return write_workspace(tmp_path_factory.mktemp("dash_none"), sample_ws / "sample")


@pytest.fixture(scope="session")
def blank_ledger_ws(tmp_path_factory: pytest.TempPathFactory, sample_ws: Path) -> Path:
    """A ledger file with its tables and no run."""
    root = write_workspace(tmp_path_factory.mktemp("dash_blank"), sample_ws / "sample")
    Ledger(load_workspace(root).ledger_path).close()
    return root
