"""The governed connection: an in-memory DuckDB database that cannot reach files, extensions
or Python objects, its configuration locked, which relations reach only as data; and the stamp
of a product's source that says when a copy in it is stale."""

from __future__ import annotations

import os
import re
from typing import Any

import duckdb
import pyarrow as pa

from privacymesh.catalog import DataProduct, quote_ident, quote_literal

_LOCKED_DOWN = {
    "enable_external_access": False,  # no files, COPY, ATTACH of files, INSTALL/LOAD
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
}


def governed_connection(
    threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An empty in-memory DuckDB database that cannot reach files, extensions or the calling
    Python frames, its configuration locked. Relations reach it only as data (`load_relation`)."""
    con = duckdb.connect(":memory:", config=dict(_LOCKED_DOWN))
    con.execute("SET python_enable_replacements = false")  # no scans of Python variables
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
    con.execute("SET lock_configuration = true")
    return con


def load_relation(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, data: pa.RecordBatchReader
) -> None:
    """Copy `data` into `schema.name` of a governed connection (replacing it)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    con.register("_pm_load", data)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_ident(schema)}.{quote_ident(name)} AS "
            "SELECT * FROM _pm_load"
        )
    finally:
        con.unregister("_pm_load")


_QUOTED = re.compile(r"'(?:[^']|'')*'")


def without_values(message: str) -> str:
    """An engine error with its quoted literals hidden: over raw data they may be values."""
    return _QUOTED.sub("'…'", message)


def source_stamp(product: DataProduct) -> tuple[Any, ...]:
    """What changes when a product's data changes: its file's (or database's) mtime and size."""
    server = product.server
    path = None
    if server is not None:
        path = server.path if server.type == "local" else server.database
    if path is None or any(ch in str(path) for ch in "*?["):
        return ("unknown",)
    try:
        st = os.stat(path)
    except OSError:
        return ("missing",)
    return (st.st_mtime_ns, st.st_size)
