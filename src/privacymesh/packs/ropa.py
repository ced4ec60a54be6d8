"""The record of processing activities (GDPR Art. 30(1)) generated from the catalog: one row per
product holding personal data. Owners are named by team, never by a person's address."""

from __future__ import annotations

from collections import Counter

import polars as pl

from privacymesh.catalog import Catalog, DataProduct


def _retention(p: DataProduct) -> str:
    r = p.retention
    if r is None:
        return "none declared"
    value = f"{r.value:g}"
    text = f"{value} {r.unit} ({r.days} days) on {r.element}"
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


def ropa_frame(catalog: Catalog, domains: list[str] | None = None) -> pl.DataFrame:
    """One row per product with personal data (in the domains, when given), sorted by id."""
    rows = []
    for p in sorted(catalog.products.values(), key=lambda x: x.id):
        if not p.has_personal_data or (domains and p.domain not in domains):
            continue
        classification, masking, roles = _security(p)
        downstream = catalog.downstream(p.id)
        rows.append(
            {
                "product_id": p.id,
                "domain": p.domain,
                "kind": p.kind,
                "processing_mode": p.processing_mode,
                "owner_team": p.team or "-",
                "purposes": ", ".join(p.purposes) or "-",
                "legal_basis": p.legal_basis or "-",
                "data_subjects": ", ".join(p.data_subjects) or "-",
                "data_categories": ", ".join(sorted({f.pii_category for f in p.personal_fields})),
                "personal_fields": len(p.personal_fields),
                "recipients": ", ".join(sorted(downstream)) or "none in the catalog",
                "sources": ", ".join(p.upstream) or "-",
                "retention": _retention(p),
                "classification": classification,
                "masking": masking,
                "access_roles": roles,
                "contract": f"{p.id} v{p.version or '-'}",
            }
        )
    schema = {
        k: pl.Int64 if k == "personal_fields" else pl.String
        for k in (
            "product_id", "domain", "kind", "processing_mode", "owner_team", "purposes",
            "legal_basis", "data_subjects", "data_categories", "personal_fields", "recipients",
            "sources", "retention", "classification", "masking", "access_roles", "contract",
        )
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)
