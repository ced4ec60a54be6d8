from __future__ import annotations

import json
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
    assert "all 3 contracts register" in result.output
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
    # duplicate_a registers shop.orders first, so the good shop.orders is the duplicate there
    assert "6 of 11 contracts do not register" in result.output
    assert "[privacymesh PM-CAT-007]" in result.output  # a gate rule, listed, not blocking
    assert "[ODCS v3.1.0 schema]" in result.output


def test_validate_single_files_as_json(shop_workspace: Path) -> None:
    good = shop_workspace / "contracts" / "shop.orders.odcs.yaml"
    incoming = shop_workspace / "incoming"
    incoming.mkdir()
    for name in ("wrong_type", "unknown_class"):
        shutil.copy(BROKEN / f"{name}.odcs.yaml", incoming)
    files = [
        str(good),
        *(str(incoming / f"{n}.odcs.yaml") for n in ("wrong_type", "unknown_class")),
    ]
    result = runner.invoke(
        app, ["-w", str(shop_workspace), "catalog", "validate", *files, "--format", "json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "contracts": 3,
        "registered": 2,
        "registration_errors": 1,
        "gate_errors": 1,
        "warnings": 0,
    }
    ok, wrong, unknown = report["contracts"]
    assert (ok["registered"], ok["tables"], ok["issues"]) == (True, ["shop.orders"], [])
    (issue,) = wrong["issues"]
    assert issue["source"] == "ODCS v3.1.0 schema" and issue["rule"] is None
    assert (issue["line"], issue["field"]) == (47, "schema[0].properties[3].required")
    assert issue["blocks_registration"] is True
    (issue,) = unknown["issues"]
    assert (issue["source"], issue["rule"], issue["blocks_registration"]) == (
        "privacymesh",
        "PM-CAT-007",
        False,
    )


def test_validate_a_missing_file_is_one_line_exit_2(shop_workspace: Path) -> None:
    result = runner.invoke(
        app, ["-w", str(shop_workspace), "catalog", "validate", str(shop_workspace / "nope.yaml")]
    )
    assert result.exit_code == 2
    assert "not a contract file" in result.output
    assert "Traceback" not in result.output


def test_unknown_product_is_a_clear_error(shop_workspace: Path) -> None:
    result = runner.invoke(app, ["-w", str(shop_workspace), "catalog", "lineage", "shop.order"])
    assert result.exit_code == 2
    assert "unknown product 'shop.order'" in result.output
    assert "did you mean" in result.output


def test_missing_workspace(tmp_path: Path) -> None:
    result = runner.invoke(app, ["-w", str(tmp_path / "nope.toml"), "catalog", "list"])
    assert result.exit_code == 2
    assert "workspace file not found" in result.output


def test_list_names_contracts_registered_without_a_schema(shop_workspace: Path) -> None:
    real = Path(__file__).parents[1] / "catalog" / "contracts" / "real_world"
    (shop_workspace / "contracts" / "hr").mkdir()
    shutil.copy(real / "hr" / "org_chart.odcs.yaml", shop_workspace / "contracts" / "hr")
    result = runner.invoke(app, ["-w", str(shop_workspace), "catalog", "list"])
    assert result.exit_code == 0, result.output
    assert "registered without a schema (nothing to scan): hr.org_chart" in result.output
