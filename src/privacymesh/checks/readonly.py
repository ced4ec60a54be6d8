"""Check SQL is data, not a program: one read-only query over the session's relations. A check
file is written by a domain team and is untrusted; this refuses anything else before it runs,
with the engine's own parser so that what is judged is what would run. The engine's sealed
session (`Engine.seal`) is the boundary behind this one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from privacymesh.errors import CheckError

# table and scalar functions that reach files, other databases, the environment or SQL hidden in
# a string: the relations a check may read are the registered ones, by name
_DENIED_FUNCTIONS = frozenset(
    {
        "query",
        "query_table",
        "getenv",
        "glob",
        "sniff_csv",
        "checkpoint",
        "force_checkpoint",
        "iceberg_scan",
        "iceberg_metadata",
        "delta_scan",
        "sqlite_scan",
        "sqlite_attach",
        "postgres_scan",
        "postgres_attach",
        "postgres_query",
        "mysql_scan",
        "mysql_query",
        "load_aws_credentials",
        "duckdb_secrets",
        "st_read",
        "st_read_meta",
        # Spark: calls a Java method by name
        "reflect",
        "java_method",
        "try_reflect",
    }
)
_DENIED_PREFIXES = ("read_", "parquet_", "pragma_", "csv_", "json_scan")
# a relation named like a file: DuckDB's replacement scans read such a name as a path, and
# Spark reads `parquet.passwd` as the file `passwd`
_PATHLIKE = frozenset("/\\:.~")
_FILE_SCHEMAS = frozenset({"parquet", "csv", "json", "orc", "text", "avro", "binaryfile", "delta"})

_parser_lock = threading.Lock()
_session: duckdb.DuckDBPyConnection | None = None


def require_read_only(sql: str, file: Path | str | None = None, field: str = "sql") -> None:
    """Raise CheckError unless `sql` (the mesh's dialect, DuckDB's, which the Spark engine
    translates) is one SELECT reading relations by name only."""
    reason = _reason(sql)
    if reason:
        raise CheckError(
            f"check SQL is not allowed: {reason}",
            file=file,
            field=field,
            hint="a check is one read-only SELECT over registered products and platform tables",
        )


def _denied_function(name: str) -> bool:
    name = name.lower()
    return name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES)


def _pathlike(name: str) -> bool:
    return bool(_PATHLIKE & set(name))


@lru_cache(maxsize=1024)
def _reason(sql: str) -> str | None:
    """Why `sql` may not run, or None; one parse in the common case (a plain query)."""
    with _parser_lock:
        rows = _parser().execute("SELECT json_serialize_sql(?)", [sql]).fetchall()
    tree = json.loads(rows[0][0])
    if tree.get("error"):  # not one or more SELECTs: name what it is
        return _statement_reason(sql) or f"it is not a plain query ({tree.get('error_message')})"
    statements = tree.get("statements") or []
    if len(statements) != 1:
        return f"it holds {len(statements)} statements, a check runs exactly one"
    for node in _nodes(statements):
        reason = _node_reason(node)
        if reason:
            return reason
    return None


def _statement_reason(sql: str) -> str | None:
    try:
        with _parser_lock:
            statements = _parser().extract_statements(sql)
    except duckdb.Error as exc:
        return f"it does not parse ({_one_line(exc)})"
    if len(statements) != 1:
        return f"it holds {len(statements)} statements, a check runs exactly one"
    statement_type = statements[0].type
    if statement_type != duckdb.StatementType.SELECT:
        return f"it is {statement_type.name}, and a check runs SELECT only"
    return None


def _node_reason(node: dict[str, Any]) -> str | None:
    name = node.get("function_name")
    if isinstance(name, str) and _denied_function(name):
        return f"it calls {name}(), which reaches outside the registered relations"
    if node.get("type") == "BASE_TABLE":
        for part in ("catalog_name", "schema_name", "table_name"):
            if _pathlike(str(node.get(part) or "")):
                return f"it names the relation {node[part]!r} like a file path"
        if str(node.get("schema_name") or "").lower() in _FILE_SCHEMAS:
            return f"it reads {node['schema_name']}.{node['table_name']} as a file"
    cte_map = node.get("cte_map")
    if isinstance(cte_map, dict):
        for entry in cte_map.get("map") or []:
            if _pathlike(str(entry.get("key") or "")):
                return f"it names a CTE {entry['key']!r} like a file path"
    return None


def _parser() -> duckdb.DuckDBPyConnection:
    """A private session that holds nothing and reaches nothing, for DuckDB's parser (its
    syntax tree is read as JSON); used under `_parser_lock`."""
    global _session
    if _session is None:
        _session = duckdb.connect(":memory:", config={"enable_external_access": False})
    return _session


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    """Every object of a serialised syntax tree, depth first."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _one_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
