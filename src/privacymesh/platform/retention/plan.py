"""The retention plan: per product with a declared retention, the rows due at a reference time
(`catalog.retention_due_sql`, the test of `retention.expired_rows`), read through the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from privacymesh.catalog import (
    Catalog,
    DataProduct,
    quote_ident,
    retention_due_sql,
    timestamp_literal,
)
from privacymesh.engine import open_engine
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.errors import PolicyError
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.retention.model import (
    RetentionItem,
    RetentionPlan,
)
from privacymesh.platform.sources import source_info
from privacymesh.sources.settings import source_settings
from privacymesh.workspace import Workspace, as_of_from, load_workspace


@dataclass
class RetentionContext:
    """What every step of an apply reads: the workspace, its catalog and policy, and the
    products (those named, else all) that declare retention."""

    ws: Workspace
    catalog: Catalog
    policy: Policy
    products: list[DataProduct] = field(default_factory=list)


def retention_context(workspace: Any, products: list[str] | None) -> RetentionContext:
    """The context of the named products (an error when one declares no retention), else of
    every product that declares retention."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    chosen = catalog.select(products) if products else list(catalog.products.values())
    if products:
        for p in chosen:
            if p.retention is None:
                raise PolicyError(
                    f"{p.id} declares no retention policy", file=p.file, field="slaProperties"
                )
    with_policy = sorted((p for p in chosen if p.retention is not None), key=lambda p: p.id)
    return RetentionContext(ws, catalog, policy, with_policy)


def plan_retention(
    workspace: Workspace | Path | str | None = None,
    *,
    products: list[str] | None = None,
    as_of: datetime | None = None,
) -> RetentionPlan:
    """Count, per product with a retention policy, the rows due for deletion."""
    ctx = retention_context(workspace, products)
    return plan_at(ctx, as_of_from(ctx.ws, as_of))


def plan_at(ctx: RetentionContext, as_of: datetime) -> RetentionPlan:
    """The plan at a reference time: per product the rows due, the oldest, the legal basis and
    whether it can be deleted here (writable source, no legal hold)."""
    items = []
    with open_engine(ctx.ws, ctx.catalog) as engine:
        for p in ctx.products:
            assert p.retention is not None
            r = p.retention
            days = int(r.days)
            column = quote_ident(r.element)
            pred = retention_due_sql(r.element, days, timestamp_literal(as_of))
            subject = (
                f"count(DISTINCT {quote_ident(p.subject_key)}) FILTER (WHERE {pred})"
                if p.subject_key
                else "NULL"
            )
            if p.id in engine.registration.failed:
                from privacymesh.errors import SourceError

                raise SourceError(
                    f"{p.id} could not be read: {engine.registration.failed[p.id]}", file=p.file
                )
            row = engine.arrow(
                f"SELECT count(*) AS n, count(*) FILTER (WHERE {pred}) AS due, {subject} AS s, "
                f"CAST(min({column}) FILTER (WHERE {pred}) AS TIMESTAMP) AS oldest "
                f"FROM {p.view}"
            ).to_pylist()[0]
            info = source_info(p, ctx.policy, source_settings(ctx.ws))
            if info.connector is not None:
                info.connector.close()
            hold = ctx.policy.legal_hold.get(p.id)
            blocked = f"legal hold: {hold}" if hold else info.reason
            items.append(
                RetentionItem(
                    product_id=p.id,
                    element=r.element,
                    retention_days=days,
                    cutoff=as_of - timedelta(days=days),
                    rows=int(row["n"]),
                    due=int(row["due"]),
                    subjects=None if row["s"] is None else int(row["s"]),
                    oldest=row["oldest"],
                    legal_basis=r.legal_basis or p.legal_basis,
                    driver=r.driver,
                    blocked=blocked,
                )
            )
    return RetentionPlan(as_of, tuple(items), ctx.policy.version)
