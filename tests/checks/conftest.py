"""Fixtures for the consent, DSAR, rotation and cost checks: the hand-built mesh of
`checks_mesh.py`, and a small generated sample mesh with its expected findings."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from checks_mesh import REPO, build
from checks_support import Outcome, SampleRun, run_areas


@pytest.fixture(scope="session")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    """Every consent/DSAR/rotation/cost check run once over the hand-built mesh."""
    return run_areas(build(tmp_path_factory.mktemp("checks_mesh") / "ws"))


@pytest.fixture
def mesh_with(tmp_path: Path) -> Callable[[str, list[str]], Outcome]:
    """Run some checks over the hand-built mesh with extra privacymesh.toml text."""

    def run(overrides: str, checks: list[str]) -> Outcome:
        return run_areas(build(tmp_path / "ws", overrides), checks)

    return run


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> SampleRun:
    """A small generated sample mesh (scale 0.05, seed 42) and one run of these checks on it."""
    root = tmp_path_factory.mktemp("checks_sample")
    shutil.copytree(generated_sample, root / "mesh")
    findings = yaml.safe_load((root / "mesh" / "expected_findings.yaml").read_text("utf-8"))
    as_of = datetime.fromisoformat(findings["as_of"])
    (root / "privacymesh.toml").write_text(
        'name = "sample"\n[paths]\ncatalog = "mesh/contracts"\nplatform = "mesh/platform"\n'
        f'checks = "{REPO / "checks"}"\nevidence = "evidence"\n'
        f'[run]\nas_of = "{as_of.isoformat()}"\n'
    )
    return SampleRun(root / "mesh", findings, run_areas(root), as_of)
