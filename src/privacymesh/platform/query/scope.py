"""Which relations a governed query reads, resolved scope by scope.

Two parsers read the query and must agree. DuckDB's own parser (`json_serialize_sql`) is the
authority on the statement: exactly one SELECT, no table function anywhere, the tables and
columns DuckDB will bind. sqlglot's scope module resolves names as SQL scoping does: a CTE is
visible only in the query that defines it and the queries nested in it, so a CTE named like a
file inside a subquery does not hide the same name outside it. Every relation must then be a
CTE in scope or a registered product named `"<domain>"."<product>"`; a name DuckDB sees that
sqlglot did not resolve the same way is refused. Refusal is the safe side of any disagreement.

This is the first wall, for clear messages; the second is the connection the query runs on
(`privacymesh.platform.query`), which holds nothing but the role's masked relations.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import traverse_scope

from privacymesh.catalog import Catalog
from privacymesh.platform.errors import QueryError

_HINT = 'name products as "<domain>"."<product>"'


@dataclass(frozen=True)
class ParsedQuery:
    """What a query reads: products, referenced column names, and whether it selects `*`."""

    products: tuple[str, ...]
    columns: frozenset[str]
    star: bool
    digest: str


@dataclass
class _DuckDBReading:
    """What DuckDB's parser says the statement reads."""

    tables: list[tuple[str, str, str]]
    columns: set[str]
    star: bool


def parse_query(con: duckdb.DuckDBPyConnection, sql: str, catalog: Catalog) -> ParsedQuery:
    """Check a governed query and name the products it reads; QueryError (or ContractError for
    an unknown product) when it is not one SELECT over products and CTEs in scope."""
    duck = _duckdb_reading(con, sql)
    tree = _sqlglot_tree(sql)
    cte_refs: set[int] = set()
    for scope in traverse_scope(tree):
        visible = {name.lower() for name in scope.cte_sources}  # DuckDB ignores case
        for table in scope.tables:
            qualified = table.args.get("db") or table.args.get("catalog")
            if not qualified and table.name.lower() in visible:
                cte_refs.add(id(table))
    cte_names = set()
    products: list[str] = []
    for table in tree.find_all(exp.Table):
        if id(table) in cte_refs:
            cte_names.add(table.name.lower())
            continue
        pid = _product_name(table)
        catalog.get(pid)  # ContractError for an unknown product, with a hint
        if pid not in products:
            products.append(pid)
    for catalog_name, schema, table_name in duck.tables:
        if catalog_name:
            raise QueryError(
                f"catalog-qualified table {catalog_name}.{schema}.{table_name} is not allowed",
                field="sql",
                hint=_HINT,
            )
        if not schema and table_name.lower() in cte_names:
            continue
        if f"{schema}.{table_name}" not in products:
            shown = f"{schema}.{table_name}" if schema else table_name
            raise QueryError(
                f"unknown table {shown!r} (not a product or a CTE in scope)",
                field="sql",
                hint=_HINT,
            )
    digest = hashlib.sha256(sql.encode("utf-8")).hexdigest()[:16]
    return ParsedQuery(tuple(products), frozenset(duck.columns), duck.star, digest)


def _product_name(table: exp.Table) -> str:
    """`<domain>.<product>` of a table reference that is not a CTE, or QueryError."""
    if not isinstance(table.this, exp.Identifier):
        name = table.this.sql("duckdb") if table.this is not None else "?"
        raise QueryError(
            f"table function {name.split('(')[0].lower()}() is not allowed in a governed query",
            field="sql",
            hint='read products by name, e.g. FROM "payments"."transactions"',
        )
    if table.args.get("catalog"):
        raise QueryError(
            f"catalog-qualified table {table.catalog}.{table.db}.{table.name} is not allowed",
            field="sql",
            hint=_HINT,
        )
    if not table.db:
        raise QueryError(
            f"unknown table {table.name!r} (not a product or a CTE in scope)",
            field="sql",
            hint=_HINT,
        )
    return f"{table.db}.{table.name}"


def _sqlglot_tree(sql: str) -> exp.Expr:
    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except SqlglotError as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "syntax"
        raise QueryError(f"cannot resolve the query's relations: {first}", field="sql") from None
    if len(trees) != 1 or not isinstance(trees[0], exp.Query):
        raise QueryError("only a single SELECT statement may run as a governed query", field="sql")
    return trees[0]


def _duckdb_reading(con: duckdb.DuckDBPyConnection, sql: str) -> _DuckDBReading:
    raw = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error"):
        message = tree.get("error_message", "cannot parse")
        if "Only SELECT" in message:
            message = "only a single SELECT statement may run as a governed query"
        raise QueryError(message, field="sql")
    statements = tree.get("statements", [])
    if len(statements) != 1:
        raise QueryError(
            f"a governed query is one SELECT statement, found {len(statements)}", field="sql"
        )
    reading = _DuckDBReading([], set(), False)
    relations: set[str] = set()  # table names and aliases: a column of that name is a whole row
    stack: list[Any] = [statements[0]]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        node_type = node.get("type")
        if node_type == "BASE_TABLE":
            reading.tables.append(
                (node.get("catalog_name", ""), node.get("schema_name", ""), node.get("table_name"))
            )
            relations.add(str(node.get("table_name", "")).lower())
        if node.get("alias"):
            relations.add(str(node["alias"]).lower())
        if node_type == "JOIN":
            reading.columns.update(str(n) for n in node.get("using_columns") or [])
            reading.star |= node.get("ref_type") == "NATURAL"  # joins on every common column
        elif node_type == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise QueryError(
                f"table function {name}() is not allowed in a governed query",
                field="sql",
                hint='read products by name, e.g. FROM "payments"."transactions"',
            )
        elif node_type == "COLUMN_REF":
            # every part: `payload.x` may be column `payload`, field `x`
            reading.columns.update(str(n) for n in node.get("column_names") or [])
        elif node_type in ("STAR", "COLUMNS"):
            reading.star = True
        stack.extend(v for v in node.values() if isinstance(v, dict | list))
    reading.star |= bool({c.lower() for c in reading.columns} & relations)
    return reading
