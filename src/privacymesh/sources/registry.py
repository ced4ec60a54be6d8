"""Connectors by ODCS server type (and format): the one place that knows them.

A connector module registers itself with `register(ConnectorClass)`; its import is lazy (the
module path is listed here), so a driver that is not installed costs nothing until a contract
needs it. Types a contract may declare that have no connector shipped are listed with the extra
that would add one: their products register and every check reports "declared, no connector
installed".
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from privacymesh.errors import SourceError

if TYPE_CHECKING:
    from privacymesh.catalog import DataProduct
    from privacymesh.sources.base import Connector, SourceSettings


@dataclass(frozen=True)
class Entry:
    """A server type (+ format, None for any) and the module that implements it, or the
    extra that would install one; `spark_jar` the driver jar Spark needs to read it."""

    type: str
    format: str | None
    module: str | None = None
    extra: str | None = None
    spark_jar: str | None = None


POSTGRES_JAR = "/usr/share/java/postgresql.jar"

# the file-backed types the engines read natively (local files, DuckDB databases)
NATIVE = ("local", "duckdb")

ENTRIES: list[Entry] = [
    # Debian's libpostgresql-jdbc-java puts PostgreSQL's JDBC driver here
    Entry("postgres", None, "privacymesh.sources.postgres", "postgres", POSTGRES_JAR),
    Entry("postgresql", None, "privacymesh.sources.postgres", "postgres", POSTGRES_JAR),
    # object storage and lakehouse tables (sources/s3.py, delta.py, iceberg.py)
    Entry("s3", "delta", "privacymesh.sources.delta", "lakehouse"),
    Entry("local", "delta", "privacymesh.sources.delta", "lakehouse"),
    Entry("s3", "iceberg", "privacymesh.sources.iceberg", "lakehouse"),
    Entry("local", "iceberg", "privacymesh.sources.iceberg", "lakehouse"),
    Entry("custom", "iceberg", "privacymesh.sources.iceberg", "lakehouse"),
    Entry("s3", None, "privacymesh.sources.s3", "lakehouse"),
    Entry("snowflake", None, None, "snowflake"),
    Entry("databricks", None, None, "databricks"),
    Entry("bigquery", None, None, "bigquery"),
]

_CLASSES: dict[tuple[str, str | None], type[Connector]] = {}


def spark_jars() -> list[str]:
    """The driver jars of the connectors that are on this machine, for a local Spark
    application (a cluster or Spark Connect server brings its own)."""
    jars = dict.fromkeys(e.spark_jar for e in ENTRIES if e.spark_jar)
    return [j for j in jars if j and Path(j).is_file()]


def register(cls: type[Connector]) -> type[Connector]:
    """Register a connector class under its `type` and each of its `formats` (a decorator)."""
    for fmt in cls.formats or (None,):
        _CLASSES[(cls.type, fmt)] = cls
    return cls


def add_entry(entry: Entry) -> None:
    """Declare a server type (and format) and the module that implements it."""
    ENTRIES.insert(0, entry)


def entry_for(server_type: str, fmt: str | None) -> Entry | None:
    """The entry of a server type and format (a format-specific one first)."""
    fmt = fmt.lower() if fmt else None
    return next(
        (e for e in ENTRIES if e.type == server_type and e.format == fmt and fmt is not None),
        next((e for e in ENTRIES if e.type == server_type and e.format is None), None),
    )


def is_native(server_type: str | None, fmt: str | None = None) -> bool:
    """Whether the engines read this server themselves (local Parquet/CSV files, DuckDB
    databases) rather than through a connector: a table format in a local folder (Delta,
    Iceberg) has its connector."""
    return server_type in NATIVE and not (fmt and entry_for(str(server_type), fmt) is not None)


def is_known(server_type: str | None, fmt: str | None = None) -> bool:
    """Whether privacymesh reads this server type at all (native or through a connector
    module, installed or not)."""
    if server_type in NATIVE:
        return True
    entry = entry_for(str(server_type), fmt)
    return entry is not None and entry.module is not None


def connector_class(product: DataProduct) -> type[Connector]:
    """The connector class for a product's server; `SourceError` starting "declared, no
    connector installed" when none is installed."""
    server = product.server
    assert server is not None
    entry = entry_for(server.type, server.format)
    if entry is None:
        raise SourceError(
            f"declared, not readable: privacymesh has no connector for a {server.type!r} server",
            file=product.file,
            field="servers[0].type",
        )
    if entry.module is None:
        raise SourceError(
            f"declared, no connector installed for a {server.type!r} server "
            f"(the {entry.extra!r} extra of privacymesh would add one)",
            file=product.file,
            field="servers[0].type",
        )
    try:
        importlib.import_module(entry.module)
    except ImportError as exc:
        raise SourceError(
            f"declared, no connector installed for a {server.type!r} server "
            f"({exc.name} is missing: pip install 'privacymesh[{entry.extra}]')",
            file=product.file,
            field="servers[0].type",
        ) from exc
    fmt = server.format.lower() if server.format else None
    cls = _CLASSES.get((server.type, fmt)) or _CLASSES.get((server.type, None))
    if cls is None:
        raise SourceError(f"{entry.module} registers no connector for {server.type!r}")
    return cls


def open_connector(product: DataProduct, settings: SourceSettings | None) -> Connector:
    """The connector reading a product from its server."""
    return connector_class(product)(product, settings)
