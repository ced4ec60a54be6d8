from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from privacymesh.cli import app

runner = CliRunner()


def test_gate_passes_a_complete_contract(shop_workspace: Path) -> None:
    contract = shop_workspace / "contracts" / "shop.orders.odcs.yaml"
    result = runner.invoke(app, ["-w", str(shop_workspace), "gate", str(contract)])
    assert result.exit_code == 0, result.output
    assert "shop.orders passes all 16 rules" in result.output


def test_gate_blocks_with_reasons(shop_workspace: Path, tmp_path: Path) -> None:
    text = (shop_workspace / "contracts" / "shop.orders.odcs.yaml").read_text()
    text = (
        text.replace("role: owner}", "role: engineer}")
        .replace("          - {property: maskingRule, value: partial}\n", "")
        .replace(
            "slaProperties:\n  - {property: retention, value: 2, unit: y, "
            "element: orders.ordered_at, driver: regulatory}\n",
            "",
        )
    )
    (shop_workspace / "incoming").mkdir()
    bad = shop_workspace / "incoming" / "orders_v2.odcs.yaml"
    bad.write_text(text)
    result = runner.invoke(app, ["-w", str(shop_workspace), "gate", str(bad)])
    assert result.exit_code == 1
    assert "gate PM-CAT-001 shop.orders team: no owner declared" in result.output
    assert (
        "gate PM-CAT-005 shop.orders email: restricted field without a masking rule"
        in result.output
    )
    assert (
        "gate PM-CAT-006 shop.orders slaProperties: personal data without retention"
        in result.output
    )
    assert "shop.orders blocked" in result.output


def test_checks_list_and_show_renders_sql(shop_workspace: Path) -> None:
    ws = ["-w", str(shop_workspace)]
    result = runner.invoke(app, [*ws, "checks", "list"])
    assert result.exit_code == 0
    for check in ("contract.gate", "contract.conformance", "retention.expired_rows"):
        assert check in result.output
    result = runner.invoke(
        app, [*ws, "checks", "show", "retention.expired_rows", "--product", "shop.orders"]
    )
    assert result.exit_code == 0, result.output
    assert "PM-RET-01" in result.output
    assert 'FROM "shop"."orders"' in result.output
    assert "INTERVAL 730 DAY" in result.output
    assert "TIMESTAMP '2026-06-01 00:00:00'" in result.output


def test_run_command_exit_codes_and_summary(shop_workspace: Path) -> None:
    ws = ["-w", str(shop_workspace)]
    result = runner.invoke(app, [*ws, "run", "--check", "retention", "--no-record"])
    assert result.exit_code == 0, result.output
    assert "2 results: 2 pass, 0 fail, 0 error" in result.output
    result = runner.invoke(app, [*ws, "run", "--check", "contract.gate"])
    assert result.exit_code == 1
    assert "recorded as run" in result.output
    (shop_workspace / "data" / "orders.parquet").write_bytes(b"corrupt")
    result = runner.invoke(app, [*ws, "run", "--check", "retention.expired_rows"])
    assert result.exit_code == 2
    assert "product data unreadable" in result.output


MESH_CHECK = """id: probe.mesh
title: A mesh probe
control: {id: PM-TEST-01, statement: A statement.}
regulations: ["GDPR Art. 5(2)"]
severity: low
schedule: "0 1 * * *"
scope: mesh
procedure: Count nothing, per domain.
sql: |
  SELECT 'shop' AS domain, {{ params.limit | int }} AS exceptions WHERE {{ params.rows }}
metric: exceptions
threshold: {max: 100}
params:
  limit: 3
  rows: "true"
"""


def test_checks_show_renders_with_the_workspace_params(shop_workspace: Path) -> None:
    (shop_workspace / "checks" / "probe.mesh.yaml").write_text(MESH_CHECK)
    toml = shop_workspace / "privacymesh.toml"
    toml.write_text(toml.read_text() + '[checks."probe.mesh"]\nlimit = 9\n')
    result = runner.invoke(app, ["-w", str(shop_workspace), "checks", "show", "probe.mesh"])
    assert result.exit_code == 0, result.output
    assert "9 AS exceptions" in result.output


def test_a_mesh_check_that_returns_no_rows_is_an_error(shop_workspace: Path) -> None:
    (shop_workspace / "checks" / "probe.mesh.yaml").write_text(
        MESH_CHECK.replace('rows: "true"', 'rows: "false"')
    )
    result = runner.invoke(
        app, ["-w", str(shop_workspace), "run", "--check", "probe.mesh", "--no-record"]
    )
    assert result.exit_code == 2, result.output
    assert "returned no rows" in result.output
