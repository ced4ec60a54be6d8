from __future__ import annotations

from pathlib import Path

import pytest

from privacymesh.errors import WorkspaceError
from privacymesh.workspace import find_workspace_file, load_workspace


def test_found_from_a_subfolder(shop_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    deep = shop_workspace / "contracts"
    monkeypatch.chdir(deep)
    assert find_workspace_file() == shop_workspace / "privacymesh.toml"
    ws = load_workspace()
    assert ws.catalog == shop_workspace / "contracts"
    assert ws.engine.name == "duckdb"
    assert ws.engine.database == ":memory:"
    assert ws.ledger_path == shop_workspace / "evidence" / "ledger.duckdb"
    assert len(ws.config_hash) == 64


def test_repository_workspace_file_loads() -> None:
    ws = load_workspace(Path(__file__).parents[1])
    assert ws.catalog.parts[-3:] == ("data", "sample", "contracts")
    assert ws.section("sample")["seed"] == 42


def test_errors_name_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "privacymesh.toml").write_text('[engine]\nkind = "oracle"\n')
    with pytest.raises(WorkspaceError) as err:
        load_workspace(tmp_path)
    assert "engine.kind" in str(err.value) and "oracle" in str(err.value)
    (tmp_path / "privacymesh.toml").write_text("[paths\n")
    with pytest.raises(WorkspaceError, match="not valid TOML"):
        load_workspace(tmp_path)


def test_no_workspace_anywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceError, match=r"no privacymesh\.toml"):
        find_workspace_file()
