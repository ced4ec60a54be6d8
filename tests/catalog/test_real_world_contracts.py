"""Contracts in the styles real teams write (by hand, and as datacontract-cli exports them):
several objects, no schema, UUID ids, servers of many types, quality rules of every type. Each
registers, and what it declares is read correctly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.catalog.gate import evaluate_gate

REAL = Path(__file__).parent / "contracts" / "real_world"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("real") / "contracts"
    shutil.copytree(REAL, root)
    return load_catalog(root)


def test_every_contract_registers(catalog: Catalog) -> None:
    assert len(catalog.contracts) == 11
    assert catalog.errors == []
    assert sorted(catalog.products) == [
        "analytics.customer_ltv__ltv_scores",
        "analytics.customer_ltv__ltv_segments",
        "finance.ledger_entries",
        "growth.clickstream",
        "identity.users",
        "logistics.shipments__parcels",
        "logistics.shipments__shipments",
        "marketing.campaigns",
        "payments.card_transactions",
        "payments.settlements",
        "risk.scores",
        "support.tickets",
    ]


def test_servers_are_read_as_declared(catalog: Catalog) -> None:
    kinds = {pid: p.server.type if p.server else None for pid, p in catalog.products.items()}
    assert kinds["payments.card_transactions"] == "postgres"
    assert kinds["payments.settlements"] == "s3"
    assert kinds["growth.clickstream"] == "kafka"
    assert kinds["analytics.customer_ltv__ltv_scores"] == "databricks"
    assert kinds["finance.ledger_entries"] == "snowflake"
    assert kinds["marketing.campaigns"] == "bigquery"
    # a contract with a local and a PostgreSQL server is read from the local one
    users = catalog.get("identity.users")
    assert users.server is not None and users.server.type == "local"
    assert users.server.path is not None and users.server.path.name == "users.parquet"
    # every server privacymesh cannot read is a warning of rule PM-CAT-013, never a pass
    # (postgres and s3 servers are read through their connectors)
    unreadable = sorted(
        i.file.name.split(".")[0] for i in catalog.findings if i.rule == "PM-CAT-013"
    )
    assert unreadable == ["campaigns", "clickstream", "customer_ltv", "ledger_entries"]


def test_ids_addresses_and_shapes(catalog: Catalog) -> None:
    by_address = {c.address: c for c in catalog.contracts}
    card = by_address["payments.card_transactions"]
    assert card.id == "7f3d2c1a-9b8e-4f60-a1d2-3c4b5e6f7a80"
    assert catalog.get("payments.card_transactions").contract_id == card.id
    # no `domain`: the folder and file name address it
    assert by_address["growth.clickstream"].id == "1c9a7e52-61f4-4d0b-8a55-0e2f1b3c4d5e"
    # no schema: registered, nothing to scan
    org = by_address["hr.org_chart"]
    assert org.ok and org.products == [] and org.data is not None
    assert [t.table for t in catalog.tables_of("logistics.shipments")] == ["shipments", "parcels"]
    parcels = catalog.get("logistics.shipments__parcels")
    assert parcels.retention is not None and parcels.retention.days == 540
    assert catalog.get("logistics.shipments__shipments").retention is None


def test_yaml_values_stay_as_written(catalog: Catalog) -> None:
    card = catalog.get("payments.card_transactions")
    props = card.raw["schema"][0]["properties"]
    assert props[2]["examples"] == ["0042", "1234"]
    assert props[4]["examples"] == ["NO", "SE", "DK"]
    settled = catalog.get("payments.settlements").raw["schema"][0]["properties"][2]
    assert settled["examples"] == ["2024-01-31"]


def test_quality_rules_of_every_type_are_read(catalog: Catalog) -> None:
    card = catalog.get("payments.card_transactions")
    assert [(q.odcs_type, q.column, q.metric, q.operator, q.threshold) for q in card.quality] == [
        ("library", None, "rowCount", "mustBeGreaterThan", 0),
        ("library", "txn_id", "duplicateValues", "mustBe", 0),
        ("library", "txn_id", "nullValues", "mustBe", 0),
        ("library", "amount", "invalidValues", "mustBe", 0),
    ]
    assert card.quality[1].dimension == "uniqueness" and card.quality[1].severity == "error"
    assert card.quality[3].arguments == {"validValues": [0]}
    (sql,) = catalog.get("finance.ledger_entries").quality[:1]
    assert (sql.odcs_type, sql.operator, sql.threshold) == ("sql", "mustBeBetween", [-0.01, 0.01])
    assert "${object}" in (sql.query or "")
    custom = catalog.get("risk.scores").quality
    assert [(q.odcs_type, q.engine) for q in custom] == [
        ("custom", "soda"),
        ("custom", "great-expectations"),
    ]
    (text,) = catalog.get("support.tickets").quality
    assert text.odcs_type == "text"
    # v3.0's `rule:` names the metric too
    (legacy,) = catalog.get("growth.clickstream").quality
    assert (legacy.odcs_type, legacy.metric, legacy.column) == ("library", "invalidValues", "page")


def test_the_gate_judges_privacy_not_registration(catalog: Catalog) -> None:
    users = evaluate_gate(catalog.get("identity.users"))
    assert users.passed, users.reasons
    clicks = evaluate_gate(catalog.get("growth.clickstream"))
    assert {r.rule for r in clicks.blocking} == {"PM-CAT-001", "PM-CAT-002", "PM-CAT-003"}
