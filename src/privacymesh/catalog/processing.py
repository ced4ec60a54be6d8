"""What a run records about each product: the facts the record of processing (GDPR Art. 30(1))
and the pack's product list quote. Runs store these with their evidence, so a pack states what
the contracts said when the data were checked, not what they say on the day it is built.
Owners are named by team, never by a person's address."""

from __future__ import annotations

from collections import Counter
from typing import Any

from privacymesh.catalog.catalog import Catalog
from privacymesh.catalog.model import DataProduct

RECORD_FIELDS = (
    "product_id", "domain", "kind", "processing_mode", "owner_team", "purposes", "legal_basis",
    "data_subjects", "data_categories", "personal_data", "personal_fields", "recipients",
    "sources", "has_retention", "retention", "classification", "masking", "access_roles",
    "contract",
)  # fmt: skip
"""The keys of every product record, in the order the pack's tables show them."""


def _retention(p: DataProduct) -> str:
    r = p.retention
    if r is None:
        return "none declared"
    text = f"{r.value:g} {r.unit} ({r.days} days) on {r.element}"
    if r.driver:
        text += f"; driver {r.driver}"
    return text


def _security(p: DataProduct) -> tuple[str, str, str]:
    levels = Counter(f.classification or "unclassified" for f in p.fields)
    order = ("restricted", "confidential", "internal", "public", "unclassified")
    classification = ", ".join(f"{levels[k]} {k}" for k in order if levels[k])
    masked = sorted(
        f"{f.name}: {f.masking_rule}"
        for f in p.fields
        if f.masking_rule and f.masking_rule != "none"
    )
    roles = sorted(f"{r.name} ({r.access}, sees up to {r.clearance})" for r in p.roles)
    return classification, "; ".join(masked) or "none", "; ".join(roles) or "none declared"


def product_record(catalog: Catalog, p: DataProduct) -> dict[str, Any]:
    """One product's record: owners, purposes, categories, retention, security, lineage."""
    classification, masking, roles = _security(p)
    return {
        "product_id": p.id,
        "domain": p.domain,
        "kind": p.product_kind,
        "processing_mode": p.processing_mode,
        "owner_team": p.team or "-",
        "purposes": ", ".join(p.purposes) or "-",
        "legal_basis": p.legal_basis or "-",
        "data_subjects": ", ".join(p.data_subjects) or "-",
        "data_categories": ", ".join(sorted({f.pii_category for f in p.personal_fields})),
        "personal_data": p.has_personal_data,
        "personal_fields": len(p.personal_fields),
        "recipients": ", ".join(sorted(catalog.downstream(p.id))) or "none in the catalog",
        "sources": ", ".join(p.upstream) or "-",
        "has_retention": p.retention is not None,
        "retention": _retention(p),
        "classification": classification,
        "masking": masking,
        "access_roles": roles,
        "contract": f"{p.id} v{p.version or '-'}",
    }


def processing_records(catalog: Catalog) -> list[dict[str, Any]]:
    """Every valid product's record, sorted by product id."""
    return [
        product_record(catalog, p) for p in sorted(catalog.products.values(), key=lambda x: x.id)
    ]
