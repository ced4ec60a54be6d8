"""Every generated contract is valid ODCS v3.1.0, uses real fideslang keys, follows the catalog
rules of docs/contracts.md and matches the Parquet file it points at."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import open_data_contract_standard
import polars as pl
import pytest
import yaml
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from privacymesh.sample.products import SPECS

SCHEMA = json.loads(
    (Path(open_data_contract_standard.__file__).parent / "schema.json").read_text("utf-8")
)
FIDES_KEYS = {c.fides_key for c in DEFAULT_TAXONOMY.data_category}
CLASSIFICATIONS = {"public", "internal", "confidential", "restricted"}
MASKING = {"hash", "partial", "redact", "generalize", "none"}
KINDS = {"source", "events", "derived", "cache", "view"}
FORMS = {"user_id", "customer_ref", "email", "email_hash", "device_id", "name"}
LOGICAL = {
    pl.String: "string",
    pl.Int64: "integer",
    pl.Int32: "integer",
    pl.Float64: "number",
    pl.Boolean: "boolean",
    pl.Date: "date",
}


def _custom(items: list[dict] | None) -> dict:
    return {i["property"]: i["value"] for i in items or []}


@pytest.fixture(scope="module")
def contracts(sample) -> dict[str, tuple[Path, dict]]:
    found = {}
    for path in sorted((sample.root / "contracts").rglob("*.odcs.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[doc["id"]] = (path, doc)
    return found


def test_one_contract_per_product_in_twelve_domains(contracts) -> None:
    assert set(contracts) == {s.id for s in SPECS}
    assert len({doc["domain"] for _, doc in contracts.values()}) == 12


def test_contracts_validate_against_the_odcs_json_schema(contracts) -> None:
    validator = jsonschema.Draft201909Validator(SCHEMA)
    for product_id, (_, doc) in contracts.items():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (product_id, errors)
        assert doc["apiVersion"] == "v3.1.0" and doc["kind"] == "DataContract"


def test_catalog_rules(contracts) -> None:
    columns_of = {
        pid: {p["name"] for p in doc["schema"][0]["properties"]}
        for pid, (_, doc) in contracts.items()
    }
    for product_id, (path, doc) in contracts.items():
        domain, name = product_id.split(".")
        assert path.parent.name == domain and path.name == f"{name}.odcs.yaml"
        assert doc["domain"] == domain and doc["name"] == name == doc["dataProduct"]
        assert len(doc["schema"]) == 1
        props = doc["schema"][0]["properties"]
        names = [p["name"] for p in props]
        assert len(names) == len(set(names)) and all(n.isidentifier() for n in names)
        assert any(m["role"] == "owner" for m in doc["team"]["members"])
        assert doc["description"]["purpose"] and doc["description"]["usage"]
        assert 1 <= len(doc["roles"]) <= 3
        for role in doc["roles"]:
            assert _custom(role["customProperties"])["clearance"] in CLASSIFICATIONS
        custom = _custom(doc["customProperties"])
        assert custom["productKind"] in KINDS
        assert custom["processingMode"] == (
            "streaming" if domain in ("fraud", "growth") else "batch"
        )
        assert custom["purposes"]
        if "subjectKey" in custom:
            assert custom["subjectKey"] in names and custom["subjectKeyForm"] in FORMS
        for sla in doc.get("slaProperties", []):
            if sla["property"] == "retention":
                obj, col = sla["element"].split(".")
                assert obj == name and col in names
                assert sla["unit"] in ("d", "y")
        for prop in props:
            assert prop["classification"] in CLASSIFICATIONS
            pc = _custom(prop.get("customProperties"))
            if "piiCategory" in pc:
                assert pc["piiCategory"] in FIDES_KEYS, (product_id, prop["name"])
            if "maskingRule" in pc:
                assert pc["maskingRule"] in MASKING
            for source in prop.get("transformSourceObjects", []):
                parts = source.split(".")
                assert f"{parts[0]}.{parts[1]}" in contracts, source
                if len(parts) == 3:
                    assert parts[2] in columns_of[f"{parts[0]}.{parts[1]}"], source


def test_every_personal_product_has_a_subject_key_and_retention_except_hr(contracts) -> None:
    for product_id, (_, doc) in contracts.items():
        props = doc["schema"][0]["properties"]
        personal = [p for p in props if "piiCategory" in _custom(p.get("customProperties"))]
        custom = _custom(doc["customProperties"])
        retention = [s for s in doc.get("slaProperties", []) if s["property"] == "retention"]
        if personal:
            assert "subjectKey" in custom, product_id
            assert bool(retention) == (product_id != "hr.employees"), product_id
        restricted = [p for p in props if p["classification"] == "restricted"]
        for p in restricted:
            has_rule = "maskingRule" in _custom(p.get("customProperties"))
            # the one seeded exception: crm.customer_360.phone
            assert has_rule != (product_id == "crm.customer_360" and p["name"] == "phone"), (
                product_id,
                p["name"],
            )


def test_subject_key_forms_differ_across_domains(contracts) -> None:
    forms = {
        _custom(doc["customProperties"]).get("subjectKeyForm") for _, doc in contracts.values()
    }
    assert {"user_id", "customer_ref", "email_hash", "device_id", "name"} <= forms


def test_contract_server_points_at_a_parquet_file_with_the_declared_columns(contracts) -> None:
    for product_id, (path, doc) in contracts.items():
        server = doc["servers"][0]
        assert server["type"] == "local" and server["format"] == "parquet"
        data = (path.parent / server["path"]).resolve()
        assert data.is_file(), product_id
        schema = pl.read_parquet_schema(data)
        props = doc["schema"][0]["properties"]
        assert list(schema) == [p["name"] for p in props], product_id
        for p in props:
            dtype = schema[p["name"]]
            expected = "timestamp" if isinstance(dtype, pl.Datetime) else LOGICAL[dtype]
            assert p["logicalType"] == expected, (product_id, p["name"])
