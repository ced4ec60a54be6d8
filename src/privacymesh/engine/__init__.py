"""Engines: a SQL session over the mesh. DuckDB is the embedded default."""

from __future__ import annotations

from privacymesh.catalog import Catalog
from privacymesh.engine.base import Engine, Registration
from privacymesh.engine.duckdb_engine import DuckDBEngine
from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace


def open_engine(
    workspace: Workspace, catalog: Catalog | None = None, kind: str | None = None
) -> Engine:
    """The workspace's engine, with the catalog's products and the platform tables registered."""
    kind = kind or workspace.engine.kind
    if kind == "duckdb":
        cfg = workspace.engine
        engine: Engine = DuckDBEngine(cfg.database, cfg.threads, cfg.memory_limit)
    else:
        raise WorkspaceError(
            f"engine {kind!r} is not available",
            file=workspace.file,
            field="engine.kind",
            hint="use duckdb",
        )
    if catalog is not None:
        engine.register_catalog(catalog, workspace.platform)
    return engine


__all__ = ["DuckDBEngine", "Engine", "Registration", "open_engine"]
