from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from privacymesh.catalog import load_catalog
from privacymesh.catalog.gate import evaluate_gate
from privacymesh.checks import load_checks
from privacymesh.runner import run_checks
from privacymesh.workspace import load_workspace

BROKEN = Path(__file__).parents[1] / "catalog" / "contracts" / "broken"


def by_key(outcome):  # type: ignore[no-untyped-def]
    return {(r.check_id, r.product): r for r in outcome.results}


def test_expired_rows_counted_against_as_of(shop_workspace: Path) -> None:
    ws = load_workspace(shop_workspace)
    # 2 years of retention: on 2026-06-01 nothing has expired ...
    outcome = run_checks(ws, ["retention.expired_rows"], record=False)
    (result,) = outcome.results
    assert (result.product, result.status, result.exceptions) == ("shop.orders", "pass", 0)
    assert result.population == 5
    assert '"shop"."orders"' in result.query and "INTERVAL 730 DAY" in result.query
    # ... and on 2028-01-02, the three orders placed before 2026-01-03 have
    outcome = run_checks(ws, ["retention.expired_rows"], record=False, as_of=datetime(2028, 1, 2))
    (result,) = outcome.results
    assert (result.status, result.exceptions, result.values["oldest_age_days"]) == ("fail", 2, 731)
    assert result.findings[0].detail == {"metric": "exceptions", "value": 2, "threshold": "<= 0"}
    assert outcome.exit_code == 1


def test_gate_and_retention_policy_pass_on_a_complete_contract(shop_workspace: Path) -> None:
    ws = load_workspace(shop_workspace)
    outcome = run_checks(ws, ["contract.gate", "retention.missing_policy"], record=False)
    results = by_key(outcome)
    assert results[("retention.missing_policy", "shop.orders")].status == "pass"
    # only shop.orders holds personal data
    assert ("retention.missing_policy", "shop.order_totals") not in results
    gate = results[("contract.gate", "shop.orders")]
    assert gate.status == "pass" and gate.exceptions == 0
    # order_export has no owner: PM-CAT-001 fails
    export = results[("contract.gate", "shop.order_export")]
    assert export.status == "fail"
    assert [(f.detail["rule"], f.column) for f in export.findings] == [("PM-CAT-001", "team")]


def test_fail_closed_on_unreadable_products_and_broken_sql(shop_workspace: Path) -> None:
    data = shop_workspace / "data"
    (data / "orders.parquet").write_bytes(b"PAR1 corrupt")
    spec = (shop_workspace / "checks" / "retention.expired_rows.yaml").read_text()
    spec = spec[: spec.index("sql: |")] + (
        "sql: SELECT count(*) AS exceptions FROM {{ product.view }} WHERE no_such_column > 1\n"
        "metric: exceptions\nthreshold: {max: 0}\n"
    )
    spec = (
        spec.replace("id: retention.expired_rows", "id: broken.sql")
        .replace("requires: [retention]", "requires: []")
        .replace("products: personal", "products: all")
    )
    (shop_workspace / "checks" / "broken.sql.yaml").write_text(spec)
    shutil.copy(BROKEN / "wrong_type.odcs.yaml", shop_workspace / "contracts")
    ws = load_workspace(shop_workspace)
    outcome = run_checks(ws, record=False)
    results = by_key(outcome)
    # the corrupt product: every data-reading check is an error with the reason ...
    orders = results[("retention.expired_rows", "shop.orders")]
    assert orders.status == "error" and "unreadable" in (orders.reason or "")
    assert results[("contract.conformance", "shop.orders")].status == "error"
    # ... while contract-only checks still run on it
    assert results[("contract.gate", "shop.orders")].status == "pass"
    # broken SQL errors on every product with the engine's message; the others still run
    broken = results[("broken.sql", "shop.order_totals")]
    assert broken.status == "error" and "no_such_column" in (broken.reason or "")
    assert results[("contract.conformance", "shop.order_totals")].status == "pass"
    # the invalid contract yields an error for every product check, naming the problem
    invalid = [r for r in outcome.results if r.product == "bad.wrong_type"]
    # (its kind and personal data are unknown, so every product-scope check fails closed on it)
    specs, _ = load_checks(ws.checks)
    assert {r.check_id for r in invalid} == {s.id for s in specs if s.scope == "product"}
    assert "broken.sql" in {r.check_id for r in invalid}
    assert all(r.status == "error" and "wrong type" in (r.reason or "") for r in invalid)
    assert outcome.exit_code == 2


def test_unknown_check_is_an_error(shop_workspace: Path) -> None:
    from privacymesh.errors import CheckError

    with pytest.raises(CheckError, match="unknown check"):
        run_checks(load_workspace(shop_workspace), ["nope"], record=False)


def test_run_is_recorded_in_the_ledger(shop_workspace: Path) -> None:
    from privacymesh.ledger import Ledger

    ws = load_workspace(shop_workspace)
    outcome = run_checks(ws, as_of=datetime(2028, 1, 2))
    assert outcome.run_id
    with Ledger(ws.ledger_path, read_only=True) as ledger:
        assert ledger.verify().ok
        results = ledger.results(run_id=outcome.run_id)
        assert len(results) == len(outcome.results)
        expired = results.filter(check_id="retention.expired_rows").row(0, named=True)
        assert (expired["status"], expired["exceptions"], expired["population"]) == ("fail", 2, 5)
        assert "INTERVAL 730 DAY" in expired["query"]
        findings = ledger.findings(run_id=outcome.run_id)
        gate = findings.filter(check_id="contract.gate")
        assert gate["product_id"].to_list() == ["shop.order_export"]
        run = ledger.runs().row(0, named=True)
        assert (
            run["catalog_fingerprint"]
            == __import__("privacymesh.catalog", fromlist=["x"])
            .load_catalog(ws.catalog)
            .fingerprint
        )
        assert run["workspace_config_hash"] == ws.config_hash


def test_workspace_overrides_check_params(shop_workspace: Path) -> None:
    toml = shop_workspace / "privacymesh.toml"
    toml.write_text(
        toml.read_text() + '\n[checks."contract.conformance"]\nbackend = "gx"\nsample_rows = 2\n'
    )
    outcome = run_checks(
        load_workspace(shop_workspace), ["contract.conformance"], ["shop.orders"], record=False
    )
    (result,) = outcome.results
    assert (result.values["backend"], result.population) == ("gx", 2)
    assert "USING SAMPLE" in result.query


def test_declared_not_readable_server_is_an_error_per_check_never_a_pass(
    shop_workspace: Path,
) -> None:
    # a valid ODCS contract whose data lives in Snowflake (no connector shipped) registers,
    # and each check that reads data reports "declared, no connector installed" with the extra
    text = (shop_workspace / "contracts" / "shop.orders.odcs.yaml").read_text()
    local = "  - {server: local, type: local, path: ../data/orders.parquet, format: parquet}"
    pg = "  - {server: prod, type: snowflake, account: acme, database: shop, schema: public}"
    text = text.replace(local, pg).replace("dataProduct: orders", "dataProduct: orders_pg")
    (shop_workspace / "contracts" / "shop.orders_pg.odcs.yaml").write_text(
        text.replace("id: shop.orders", "id: 0b9e8a3c-3f41-4c8e-9d7a-2f1c5e6a7b80")
    )
    ws = load_workspace(shop_workspace)
    outcome = run_checks(ws, ["contract.conformance", "contract.gate"], record=False)
    results = by_key(outcome)
    conformance = results[("contract.conformance", "shop.orders_pg")]
    assert conformance.status == "error"
    assert (conformance.reason or "").startswith("declared, no connector installed")
    assert "'snowflake' extra" in (conformance.reason or "")
    assert "'snowflake'" in (conformance.reason or "")
    # the gate reads the contract only: it passes, with the unreadable server as a warning
    gate = results[("contract.gate", "shop.orders_pg")]
    assert gate.status == "pass"
    product = load_catalog(ws.catalog, ws).get("shop.orders_pg")
    assert product.contract_id == "0b9e8a3c-3f41-4c8e-9d7a-2f1c5e6a7b80"
    assert [(r.rule, r.severity) for r in evaluate_gate(product).reasons] == [
        ("PM-CAT-013", "warning")
    ]
