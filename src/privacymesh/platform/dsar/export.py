"""Access: the export package of a request, one JSON file per product that holds the subject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.catalog import Catalog, DataProduct
from privacymesh.engine import open_engine
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.consent import read_events, utc_naive
from privacymesh.platform.dsar.intake import complete_tasks, dsar_context, get_request
from privacymesh.platform.dsar.model import (
    ExportResult,
    key_predicate,
)
from privacymesh.platform.errors import DsarError
from privacymesh.platform.principals import principal_of
from privacymesh.workspace import Workspace

# ---- access ----------------------------------------------------------------------------------


def _json_ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v

    return [{k: value(v) for k, v in r.items()} for r in rows]


def export_request(
    workspace: Workspace | Path | str | None,
    request_id: str,
    out: Path,
    *,
    actor: str | None = None,
) -> ExportResult:
    """Write the subject's access package to `out` (a new or empty folder): one JSON file per
    product holding them, with the product's purposes, legal basis, categories of data,
    recipients, sources and retention (GDPR Art. 15), their consent history and identity-map
    entry, and an index. The one output that carries the subject's own data."""
    ctx = dsar_context(workspace)
    actor = actor or principal_of(ctx.ws).name  # the audit log names who is verified
    request = get_request(ctx.ws, request_id)
    if request.type not in ("access", "rectification"):
        raise DsarError(
            f"{request_id} is an {request.type} request, not an access request", field="request_id"
        )
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DsarError(
            "the package folder exists and is not empty", file=out, hint="name a new folder"
        )
    person = ctx.identity.resolve(request.user_id)
    files: list[Path] = []
    counts: dict[str, int] = {}
    with open_engine(ctx.ws, ctx.catalog) as engine:
        packages = {}
        for product in sorted(ctx.catalog.products.values(), key=lambda p: p.id):
            key = key_predicate(product, person)
            if key is None:
                continue
            rows = engine.polars(f"SELECT * FROM {product.view} WHERE {key}")
            if rows.height == 0:
                continue
            counts[product.id] = rows.height
            packages[product.id] = _product_package(ctx.catalog, product, rows)
    out.mkdir(parents=True, exist_ok=True)
    (out / "products").mkdir(exist_ok=True)
    for pid, package in packages.items():
        path = out / "products" / f"{pid}.json"
        path.write_text(json.dumps(package, indent=2, ensure_ascii=False, default=str), "utf-8")
        files.append(path)
    consent = (
        read_events(ctx.ws.platform).filter(pl.col("user_id") == person.user_id).sort("event_time")
    )
    identity = ctx.identity.frame.filter(pl.col("user_id") == person.user_id)
    extra = {
        "consent.json": _json_ready(consent.to_dicts()),
        "identity.json": _json_ready(identity.to_dicts()),
    }
    for name, data in extra.items():
        path = out / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), "utf-8")
        files.append(path)
    index = {
        "request_id": request_id,
        "type": request.type,
        "regulation": request.regulation,
        "received_at": request.received_at.isoformat(),
        "generated_at": utc_naive().isoformat(),
        "products": {pid: f"products/{pid}.json" for pid in packages},
        "rows": counts,
        "also": ["consent.json", "identity.json"],
    }
    index_path = out / "index.json"
    index_path.write_text(json.dumps(index, indent=2), "utf-8")
    files.append(index_path)
    when = utc_naive()
    complete_tasks(ctx.ws, request_id, None, when, request_done=True)
    log = audit_sdk.open_log(ctx.ws)
    log.record(
        actor,
        "dsar.export",
        None,
        (),
        None,
        1,
        subject=person.user_id,
        policy=ctx.policy.version,
        rows=sum(counts.values()),
        detail={"request_id": request_id, "products": counts, "files": len(files)},
    )
    log.close()
    return ExportResult(request_id, out, tuple(files), counts)


def _product_package(catalog: Catalog, product: DataProduct, rows: pl.DataFrame) -> dict[str, Any]:
    downstream = catalog.downstream(product.id)
    retention = product.retention
    return {
        "product": product.id,
        "description": product.purpose,
        "purposes": list(product.purposes),
        "legal_basis": product.legal_basis,
        "categories_of_data": sorted({f.pii_category for f in product.fields if f.pii_category}),
        "recipients": sorted({catalog.products[d].domain for d in downstream} | {product.domain}),
        "recipient_products": downstream,
        "sources": list(catalog.upstream(product.id)),
        "retention": (
            {"days": retention.days, "counted_from": retention.element, "basis": retention.driver}
            if retention
            else None
        ),
        "fields": [
            {"name": f.name, "category": f.pii_category, "description": f.description}
            for f in product.fields
        ],
        "rows": _json_ready(rows.to_dicts()),
    }
