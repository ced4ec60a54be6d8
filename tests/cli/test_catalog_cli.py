from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from privacymesh.cli import app

runner = CliRunner()
BROKEN = Path(__file__).parents[1] / "catalog" / "contracts" / "broken"


def test_validate_list_lineage(shop_workspace: Path) -> None:
    ws = ["--workspace", str(shop_workspace)]
    result = runner.invoke(app, [*ws, "catalog", "validate"])
    assert result.exit_code == 0, result.output
    assert "all 3 contracts valid" in result.output
    result = runner.invoke(app, [*ws, "catalog", "list"])
    assert result.exit_code == 0
    assert "shop.orders" in result.output and "730 d" in result.output
    result = runner.invoke(app, [*ws, "catalog", "lineage", "shop.order_totals"])
    assert result.exit_code == 0
    assert "upstream" in result.output and "shop.orders" in result.output
    assert "downstream" in result.output and "shop.order_export" in result.output


def test_validate_lists_every_broken_contract(shop_workspace: Path) -> None:
    shutil.copytree(BROKEN, shop_workspace / "contracts" / "broken")
    result = runner.invoke(app, ["--workspace", str(shop_workspace), "catalog", "validate"])
    assert result.exit_code == 1
    for name in (
        "malformed",
        "missing_kind",
        "wrong_type",
        "unknown_class",
        "duplicate_b",
        "missing_input",
        "injection",
    ):
        assert f"{name}.odcs.yaml" in result.output
    assert "8 of 11 contracts invalid" in result.output


def test_unknown_product_is_a_clear_error(shop_workspace: Path) -> None:
    result = runner.invoke(app, ["-w", str(shop_workspace), "catalog", "lineage", "shop.order"])
    assert result.exit_code == 2
    assert "unknown product 'shop.order'" in result.output
    assert "did you mean" in result.output


def test_missing_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(tmp_path / "nope.toml"), "catalog", "list"])
    assert result.exit_code == 2
    assert "workspace file not found" in result.output
