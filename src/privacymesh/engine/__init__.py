"""Engines: a SQL session over the mesh. DuckDB is the embedded default."""

from __future__ import annotations

from privacymesh.catalog import Catalog
from privacymesh.engine.base import Engine, Registration
from privacymesh.engine.duckdb_engine import DuckDBEngine
from privacymesh.errors import WorkspaceError
from privacymesh.workspace import Workspace


def open_engine(
    workspace: Workspace, catalog: Catalog | None = None, name: str | None = None
) -> Engine:
    """The workspace's engine (or the one `name`d), with the catalog's products and the platform
    tables registered."""
    name = name or workspace.engine.name
    cfg = workspace.engine
    if name == "duckdb":
        engine: Engine = DuckDBEngine(cfg.database, cfg.threads, cfg.memory_limit)
    elif name == "spark":
        engine = _spark_engine(workspace)
    else:
        raise WorkspaceError(
            f"engine {name!r} is not available",
            file=workspace.file,
            field="engine.kind",
            hint="use duckdb or spark",
        )
    from privacymesh.sources.settings import source_settings

    engine.sources = source_settings(workspace)
    if catalog is not None:
        engine.register_catalog(catalog, workspace.platform)
    return engine


def _spark_engine(workspace: Workspace) -> Engine:
    """The Spark engine, imported only when asked for: pyspark is an optional extra."""
    try:
        from privacymesh.engine.spark_engine import SparkEngine
    except ImportError as exc:
        raise WorkspaceError(
            f"the spark engine needs pyspark and sqlglot ({exc.name} is missing)",
            file=workspace.file,
            field="engine.kind",
            hint="pip install 'privacymesh[spark]'",
        ) from exc
    cfg = workspace.engine
    try:
        return SparkEngine(cfg.master, cfg.spark_conf)
    except WorkspaceError as exc:
        exc.file = workspace.file
        raise


__all__ = ["DuckDBEngine", "Engine", "Registration", "open_engine"]
