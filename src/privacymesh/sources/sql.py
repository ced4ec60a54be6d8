"""Queries over products that live in a database: which of them a query reads, the query sent
down whole when it reads one such product and nothing else, and otherwise the columns to fetch.

Written in the mesh's (DuckDB's) dialect, a query is parsed and translated by sqlglot. A query
sqlglot cannot parse is left to DuckDB, whose view of a remote product refuses to be read: a
parser mistake fails closed, it never reads an empty table as a pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from privacymesh.catalog import quote_ident
from privacymesh.catalog.sql_functions import first_unsafe_function


def to_dialect(sql: str, dialect: str) -> str:
    """A mesh-dialect expression or statement written in `dialect`."""
    if dialect == "duckdb":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write=dialect)[0]


def view_key(domain: str, name: str) -> tuple[str, str]:
    """How a product's view is matched in a query (DuckDB names are case-insensitive)."""
    return (domain.lower(), name.lower())


@dataclass
class Plan:
    """How to run a query that reads remote products: `pushed` is the whole query in the one
    source's dialect (None when it must run in the engine); `fetch` maps each remote view read
    to the columns the query uses (None: all)."""

    tree: exp.Expression
    refs: dict[tuple[str, str], list[exp.Table]]
    pushed: str | None
    fetch: dict[tuple[str, str], list[str] | None]


def plan(sql: str, remote: dict[tuple[str, str], tuple[str, str, list[str]]]) -> Plan | None:
    """The plan of `sql` when it reads any of `remote` (view key -> (dialect, relation in that
    dialect, the view's columns)); None when it reads none of them or cannot be parsed."""
    lowered = sql.lower()
    if not any(name in lowered for _, name in remote):
        return None
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError:
        return None
    if tree is None:
        return None
    tables = list(tree.find_all(exp.Table))
    refs: dict[tuple[str, str], list[exp.Table]] = {}
    for table in tables:
        key = view_key(table.db, table.name)
        if key in remote and not table.catalog:
            refs.setdefault(key, []).append(table)
    if not refs:
        return None
    pushed = None
    if (
        len(refs) == 1
        and sum(map(len, refs.values())) == len(tables)
        # check SQL is untrusted: at the server only the allow-listed functions may run
        and first_unsafe_function(tree) is None
    ):
        (key,) = refs
        dialect, relation, _ = remote[key]
        pushed = _pushed(tree, refs[key], dialect, relation)
    fetch = {key: _used_columns(tree, remote[key][2]) for key in refs}
    return Plan(tree, refs, pushed, fetch)


def _pushed(tree: exp.Expression, tables: list[exp.Table], dialect: str, relation: str) -> str:
    target = exp.to_table(relation, dialect=dialect)
    copy = tree.copy()
    for table in copy.find_all(exp.Table):
        alias = table.args.get("alias")
        replacement = target.copy()
        # an unaliased reference keeps its old name as alias, so qualified columns still bind
        replacement.set("alias", alias or exp.TableAlias(this=exp.to_identifier(table.name)))
        table.replace(replacement)
    return copy.sql(dialect=dialect)


def _used_columns(tree: exp.Expression, columns: list[str]) -> list[str] | None:
    """The view's columns a query names (None when it selects `*`): a superset is fine, the
    point is not to fetch the columns no part of the query reads."""
    if any(isinstance(s, exp.Star) for s in tree.find_all(exp.Star)):
        return None
    named = {c.name.lower() for c in tree.find_all(exp.Column)}
    return [c for c in columns if c.lower() in named]


def rewrite(p: Plan, names: dict[tuple[str, str], str]) -> str:
    """The query with each remote view replaced by a local relation (view key -> its name), in
    DuckDB's dialect."""
    tree = p.tree.copy()
    for table in tree.find_all(exp.Table):
        key = view_key(table.db, table.name)
        if key in names and not table.catalog:
            local = exp.to_table(quote_ident(names[key]), dialect="duckdb")
            local.set(
                "alias",
                table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(table.name)),
            )
            table.replace(local)
    return tree.sql(dialect="duckdb")


def fetch_sql(relation: str, columns: list[str] | None) -> str:
    """The query fetching a remote view's columns (all when None; a row marker when none)."""
    if columns is None:
        select = "*"
    elif columns:
        select = ", ".join(quote_ident(c) for c in columns)
    else:
        select = '1 AS "__privacymesh_row"'
    return f"SELECT {select} FROM {relation}"
