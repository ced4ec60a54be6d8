"""The analyst notebooks run top to bottom on a workspace that is not the repository's: a second,
smaller generated mesh (another seed and scale) named by PRIVACYMESH_WORKSPACE. nbval runs them
on the repository's own workspace (`make test`)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from privacymesh.sample import generate

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("other_mesh")
    generate(root / "mesh", scale=0.02, seed=7)
    (root / "privacymesh.toml").write_text(
        'name = "another mesh"\n[paths]\ncatalog = "mesh/contracts"\nplatform = "mesh/platform"\n'
        f'checks = "{(REPO / "checks").as_posix()}"\nevidence = "evidence"\nsample = "mesh"\n'
        f'reports = "{(REPO / "reports").as_posix()}"\n[engine]\nkind = "duckdb"\n',
        "utf-8",
    )
    return root


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_runs_on_another_workspace(
    path: Path, small_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PRIVACYMESH_WORKSPACE", str(small_workspace))
    src = str(REPO / "src")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # not the repository: no toml upward
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    assert "another mesh" in printed  # the workspace it read is the one named
