"""Contract server paths stay inside the workspace, or inside a source the workspace names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privacymesh.catalog import load_catalog
from privacymesh.workspace import load_workspace

GOOD = Path(__file__).parent / "contracts" / "good" / "shop.orders.odcs.yaml"
LOCAL = "  - {server: local, type: local, path: ../data/orders.parquet, format: parquet}"


def _workspace(tmp_path: Path, sources: str = "") -> Path:
    root = tmp_path / "ws"
    (root / "contracts").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "data" / "orders.parquet").write_bytes(b"PAR1")
    (root / "privacymesh.toml").write_text(f'[paths]\ncatalog = "contracts"\n{sources}')
    return root


def _contract(root: Path, server_line: str) -> Path:
    text = GOOD.read_text()
    assert LOCAL in text
    file = root / "contracts" / "shop.orders.odcs.yaml"
    file.write_text(text.replace(LOCAL, server_line))
    return file


def _errors(root: Path) -> list[str]:
    ws = load_workspace(root)
    catalog = load_catalog(ws.catalog, ws)
    return [f"{i.line} {i.field}: {i.message}" for i in catalog.errors]


def _local(path: str, name: str = "local") -> str:
    return f"  - {{server: {name}, type: local, path: '{path}', format: parquet}}"


def test_relative_path_inside_the_workspace_registers(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _contract(root, LOCAL)
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    assert product.server is not None
    assert product.server.path == (root / "data" / "orders.parquet").resolve()


@pytest.mark.parametrize(
    "path",
    [
        "../../../etc/passwd",
        "../../../../../../../../etc/passwd",
        "/etc/passwd",
        "~/.ssh/id_rsa",
        "~root/x.parquet",
        "../../*.parquet",
        "../data/../../outside.parquet",
        "../data/*/../../../x.parquet",
    ],
)
def test_paths_leaving_the_workspace_are_a_catalog_error_at_the_line(
    tmp_path: Path, path: str
) -> None:
    root = _workspace(tmp_path)
    _contract(root, _local(path))
    (error,) = _errors(root)
    assert error.startswith("21 servers[0].path: server path not allowed")


def test_absolute_path_inside_the_workspace_is_allowed(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _contract(root, _local(str(root / "data" / "orders.parquet")))
    assert _errors(root) == []


def test_symlink_pointing_outside_is_refused(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    secret = tmp_path / "secret.parquet"
    secret.write_bytes(b"PAR1")
    (root / "data" / "link.parquet").symlink_to(secret)
    _contract(root, _local("../data/link.parquet"))
    (error,) = _errors(root)
    assert "outside the workspace" in error and str(secret.resolve()) in error


def test_symlinked_folder_outside_is_refused(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "data" / "mounted").symlink_to(outside)
    _contract(root, _local("../data/mounted/x.parquet"))
    assert len(_errors(root)) == 1


def test_glob_matching_a_symlink_outside_is_refused(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    secret = tmp_path / "secret.parquet"
    secret.write_bytes(b"PAR1")
    (root / "data" / "part-2.parquet").symlink_to(secret)
    _contract(root, _local("../data/*.parquet"))
    (error,) = _errors(root)
    assert "secret.parquet" in error


def test_glob_inside_the_workspace_is_allowed(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _contract(root, _local("../data/*.parquet"))
    assert _errors(root) == []


def test_a_source_the_workspace_names_may_live_outside(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    (lake / "shop").mkdir(parents=True)
    (lake / "shop" / "orders.parquet").write_bytes(b"PAR1")
    root = _workspace(tmp_path, f'[sources.lake]\npath = "{lake}"\n')
    _contract(root, _local("shop/orders.parquet", name="lake"))
    ws = load_workspace(root)
    product = load_catalog(ws.catalog, ws).get("shop.orders")
    assert product.server is not None
    assert product.server.path == (lake / "shop" / "orders.parquet").resolve()


def test_a_named_source_confines_its_own_paths(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    root = _workspace(tmp_path, f'[sources.lake]\npath = "{lake}"\n')
    _contract(root, _local("../ws/data/orders.parquet", name="lake"))
    (error,) = _errors(root)
    assert "outside the workspace" in error
    # another server name does not borrow the source's folder
    _contract(root, _local(str(lake / "x.parquet"), name="other"))
    assert len(_errors(root)) == 1


def test_duckdb_database_is_confined_too(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _contract(root, "  - {server: local, type: duckdb, database: /var/db/other.duckdb}")
    (error,) = _errors(root)
    assert error.startswith("21 servers[0].database: server database not allowed")


def test_without_a_workspace_the_catalogs_parent_is_the_boundary(tmp_path: Path) -> None:
    catalog = tmp_path / "c" / "contracts"
    catalog.mkdir(parents=True)
    shutil.copy(GOOD, catalog)
    assert load_catalog(catalog).errors == []
    f = catalog / GOOD.name
    f.write_text(f.read_text().replace("../data/orders.parquet", "../../orders.parquet"))
    (error,) = load_catalog(catalog).errors
    assert "outside the workspace" in error.message
