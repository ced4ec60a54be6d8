"""Fixtures of the platform tests: a small generated sample mesh (never data/sample), copied
into a fresh workspace for every test that writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from platform_support import write_workspace

from privacymesh.workspace import Workspace


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Path:
    """The generated sample, shared and never written to."""
    root = tmp_path_factory.mktemp("platform_sample") / "sample"
    shutil.copytree(generated_sample, root)
    return root


@pytest.fixture(scope="session")
def shared_ws(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace over the pristine sample, for tests that only read products (they may
    write evidence: the audit log and the ledger live in its own folder)."""
    return write_workspace(tmp_path_factory.mktemp("shared_ws"), pristine)


@pytest.fixture
def ws(pristine: Path, tmp_path: Path) -> Workspace:
    """A workspace over a private copy of the sample, for tests that change data."""
    sample = tmp_path / "sample"
    shutil.copytree(pristine, sample)
    return write_workspace(tmp_path / "ws", sample)
