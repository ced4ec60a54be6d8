"""ODCS v3.1.0 contract documents for the sample's data products (see docs/contracts.md).

Logical and physical types come from the generated frame, so a contract always matches the
Parquet file it points at; everything else comes from the product's `ProductSpec`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.sample.products.spec import ProductSpec
from privacymesh.sample.quality import object_rules, property_rules
from privacymesh.sample.writer import Flow, FlowList, dump_yaml

API_VERSION = "v3.1.0"


def logical_type(dtype: pl.DataType) -> tuple[str, str]:
    """(ODCS logicalType, physicalType) for a Polars dtype."""
    if dtype == pl.String:
        return "string", "VARCHAR"
    if dtype == pl.Boolean:
        return "boolean", "BOOLEAN"
    if dtype == pl.Date:
        return "date", "DATE"
    if isinstance(dtype, pl.Datetime):
        return "timestamp", "TIMESTAMP"
    if dtype.is_integer():
        return "integer", "BIGINT" if dtype in (pl.Int64, pl.UInt64, pl.UInt32) else "INTEGER"
    if dtype.is_float():
        return "number", "DOUBLE"
    raise TypeError(f"no ODCS logical type for {dtype}")


def contract_path(root: Path, spec: ProductSpec) -> Path:
    return root / "contracts" / spec.domain / f"{spec.name}.odcs.yaml"


def data_path(root: Path, spec: ProductSpec) -> Path:
    return root / "products" / spec.domain / f"{spec.name}.parquet"


def build_contract(spec: ProductSpec, schema: pl.Schema) -> dict[str, Any]:
    names = [c.name for c in spec.columns]
    if list(schema.names()) != names:
        raise ValueError(f"{spec.id}: frame columns {schema.names()} differ from spec {names}")

    properties = []
    for col in spec.columns:
        logical, physical = logical_type(schema[col.name])
        prop: dict[str, Any] = {
            "name": col.name,
            "logicalType": logical,
            "physicalType": physical,
            "description": col.description,
        }
        if col.required:
            prop["required"] = True
        if col.primary_key:
            prop["primaryKey"] = True
        prop["classification"] = col.classification
        if col.sources:
            prop["transformSourceObjects"] = list(col.sources)
        custom = []
        if col.pii:
            custom.append(Flow(property="piiCategory", value=col.pii))
        if col.masking:
            custom.append(Flow(property="maskingRule", value=col.masking))
        if custom:
            prop["customProperties"] = custom
        if rules := property_rules(spec.id, col.name):
            prop["quality"] = rules
        properties.append(prop)

    members = [{"username": spec.owner, "role": "owner"}]
    if spec.steward:
        members.append({"username": spec.steward, "role": "data steward"})
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": spec.id,
        "name": spec.name,
        "version": "1.0.0",
        "status": "active",
        "domain": spec.domain,
        "dataProduct": spec.name,
        "description": {
            "purpose": spec.purpose,
            "usage": spec.usage,
            "limitations": spec.limitations,
        },
        "tags": ["sample", spec.product_kind],
        "team": {"name": f"{spec.domain}-data", "members": members},
        "roles": [
            {
                "role": r.role,
                "access": r.access,
                "description": r.description,
                "customProperties": [Flow(property="clearance", value=r.clearance)],
            }
            for r in spec.roles
        ],
        "servers": [
            {
                "server": "local",
                "type": "local",
                "path": f"../../products/{spec.domain}/{spec.name}.parquet",
                "format": "parquet",
            }
        ],
    }
    if spec.retention is not None:
        r = spec.retention
        doc["slaProperties"] = [
            {
                "property": "retention",
                "value": r.value,
                "unit": r.unit,
                "element": f"{spec.name}.{r.element}",
                "driver": r.driver,
            }
        ]
    custom = [
        Flow(property="productKind", value=spec.product_kind),
        Flow(property="processingMode", value=spec.mode),
    ]
    if spec.subject_key:
        custom.append(Flow(property="subjectKey", value=spec.subject_key))
        custom.append(Flow(property="subjectKeyForm", value=spec.subject_key_form))
    if spec.purposes:
        custom.append(Flow(property="purposes", value=FlowList(spec.purposes)))
    if spec.data_subjects:
        custom.append(Flow(property="dataSubjects", value=FlowList(spec.data_subjects)))
    if spec.legal_basis:
        custom.append(Flow(property="legalBasis", value=spec.legal_basis))
    doc["customProperties"] = custom
    table: dict[str, Any] = {
        "name": spec.name,
        "physicalName": spec.name,
        "physicalType": "table",
        "description": spec.grain,
    }
    if rules := object_rules(spec.id):
        table["quality"] = rules
    doc["schema"] = [{**table, "properties": properties}]
    return doc


def write_contract(
    root: Path, spec: ProductSpec, schema: pl.Schema, seed: int, scale: float
) -> Path:
    path = contract_path(root, spec)
    header = (
        f"Data contract of {spec.id} (ODCS {API_VERSION}).\n"
        f"Generated by `privacymesh sample` (seed {seed}, scale {scale:g}); "
        "regenerate rather than edit."
    )
    dump_yaml(build_contract(spec, schema), path, header)
    return path
