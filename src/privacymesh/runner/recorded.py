"""What a run stores beside its results so packs quote the run, not today's files: each
product's record (owners, purposes, categories, retention), the workspace's accountable
parties, and each contract's conformance rules as a GX suite."""

from __future__ import annotations

from typing import Any

from privacymesh.accountability import load_accountability
from privacymesh.catalog import Catalog
from privacymesh.catalog.processing import processing_records
from privacymesh.checks.conformance import rules_for
from privacymesh.checks.gx_suite import suite_json
from privacymesh.workspace import Workspace


def recorded_context(workspace: Workspace, catalog: Catalog) -> dict[str, Any]:
    """The run's recorded context, as plain JSON-ready data."""
    products = sorted(catalog.products.values(), key=lambda p: p.id)
    return {
        "products": processing_records(catalog),
        "accountability": load_accountability(workspace).record(),
        "gx_suites": {p.id: suite_json(rules_for(p)) for p in products},
    }
