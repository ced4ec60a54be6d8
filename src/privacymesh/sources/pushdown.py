"""Row predicates for lake tables: a mesh (DuckDB) predicate turned into what Delta's and
Iceberg's own delete operations take, and the rows it matches computed by DuckDB over Arrow.

Retention and DSAR erasure name the rows to delete with a DuckDB predicate (the retention rule
of `catalog.retention_due_sql`, a subject key `"customer_id" = '...'`). Delta deletes with a
DataFusion SQL predicate, Iceberg with its own expression tree. Only a small, exact subset is
translated: AND / OR / NOT, comparisons of a column with a constant, IN lists and IS [NOT]
NULL. Every column-free part is evaluated once by DuckDB, so both targets see plain literals.
Anything else is refused (`Untranslatable`), and callers check that the source's own count of
the translated predicate equals DuckDB's before they delete: a translation that drifts never
deletes.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from sqlglot import exp

_ROW = "__privacymesh_row"
_COMPARE = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">="}
_FLIP = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class Untranslatable(ValueError):
    """A predicate outside the subset a lake table's delete can take exactly."""


def _query(data: Any, sql: str) -> pa.Table:
    """`sql` over `data` (an Arrow table or dataset, named `t`) on a private DuckDB."""
    con = duckdb.connect()
    try:
        con.register("t", data)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


def matching_rows(table: pa.Table, predicate: str) -> pa.BooleanArray:
    """Which rows of `table` the predicate is true for (NULL counts as false), computed by
    DuckDB over the whole column set; the rows keep their order."""
    numbered = table.append_column(_ROW, pa.array(range(table.num_rows), pa.int64()))
    hits = _query(numbered, f'SELECT "{_ROW}" FROM t WHERE ({predicate}) IS TRUE')
    return pc.is_in(numbered.column(_ROW), value_set=hits.column(0).combine_chunks())


def count_matching(data: Any, predicate: str) -> int:
    """Rows of an Arrow table or dataset for which `predicate` is true."""
    counted = _query(data, f"SELECT count(*) FROM t WHERE ({predicate}) IS TRUE")
    return int(counted.column(0)[0].as_py())


# translation ------------------------------------------------------------------------------
def _parse(predicate: str) -> exp.Expression:
    try:
        return sqlglot.parse_one(predicate, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise Untranslatable(f"not a predicate: {exc}") from exc


def _column(node: exp.Expression) -> str | None:
    node = node.unnest()
    return node.name if isinstance(node, exp.Column) and not node.table else None


def _constant(node: exp.Expression) -> Any:
    """A column-free expression's value, as DuckDB computes it."""
    if node.find(exp.Column) is not None:
        raise Untranslatable(f"{node.sql('duckdb')} is neither a column nor a constant")
    if isinstance(node, exp.Literal) and node.is_string:
        return node.this
    con = duckdb.connect()
    try:
        row = con.execute(f"SELECT {node.sql('duckdb')}").fetchone()
    except duckdb.Error as exc:
        raise Untranslatable(f"cannot evaluate {node.sql('duckdb')}: {exc}") from exc
    finally:
        con.close()
    return row[0] if row else None


def _comparison(node: exp.Expression) -> tuple[str, str, Any]:
    """`column op constant` of a comparison, whichever side the column is on."""
    op = _COMPARE[type(node)]
    left, right = node.this, node.expression
    if _column(left) is not None:
        return _column(left) or "", op, _constant(right)
    if _column(right) is not None:
        return _column(right) or "", _FLIP[op], _constant(left)
    raise Untranslatable(f"{node.sql('duckdb')} compares no column")


def _walk(node: exp.Expression, out: _Target) -> Any:
    node = node.unnest()
    if isinstance(node, exp.And):
        return out.and_(_walk(node.this, out), _walk(node.expression, out))
    if isinstance(node, exp.Or):
        return out.or_(_walk(node.this, out), _walk(node.expression, out))
    if isinstance(node, exp.Not):
        inner = node.this.unnest()
        if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
            return out.not_null(_need_column(inner.this))
        return out.not_(_walk(inner, out))
    if isinstance(node, tuple(_COMPARE)):
        column, op, value = _comparison(node)
        if value is None:
            raise Untranslatable("a comparison with NULL is never true")
        return out.compare(column, op, value)
    if isinstance(node, exp.In) and not node.args.get("query"):
        values = [_constant(v) for v in node.expressions]
        if any(v is None for v in values):
            raise Untranslatable("an IN list with NULL")
        return out.in_(_need_column(node.this), values)
    if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
        return out.is_null(_need_column(node.this))
    raise Untranslatable(f"{node.sql('duckdb')} is not a comparison, IN or IS NULL")


def _need_column(node: exp.Expression) -> str:
    name = _column(node)
    if name is None:
        raise Untranslatable(f"{node.sql('duckdb')} is not a column")
    return name


class _Target:
    def and_(self, a: Any, b: Any) -> Any: ...
    def or_(self, a: Any, b: Any) -> Any: ...
    def not_(self, a: Any) -> Any: ...
    def compare(self, column: str, op: str, value: Any) -> Any: ...
    def in_(self, column: str, values: list[Any]) -> Any: ...
    def is_null(self, column: str) -> Any: ...
    def not_null(self, column: str) -> Any: ...


class _DataFusionSQL(_Target):
    """DataFusion SQL text (Delta's predicates)."""

    def and_(self, a: str, b: str) -> str:
        return f"({a} AND {b})"

    def or_(self, a: str, b: str) -> str:
        return f"({a} OR {b})"

    def not_(self, a: str) -> str:
        return f"(NOT {a})"

    def compare(self, column: str, op: str, value: Any) -> str:
        return f"{_ident(column)} {op} {_sql_literal(value)}"

    def in_(self, column: str, values: list[Any]) -> str:
        return f"{_ident(column)} IN ({', '.join(_sql_literal(v) for v in values)})"

    def is_null(self, column: str) -> str:
        return f"{_ident(column)} IS NULL"

    def not_null(self, column: str) -> str:
        return f"{_ident(column)} IS NOT NULL"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    # times as text: DataFusion casts it to the column's own type and unit (a TIMESTAMP
    # literal would be nanoseconds, which Delta's kernel will not compare with microseconds)
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


class _IcebergExpression(_Target):
    """pyiceberg's expression tree (bound to the table's schema when it runs)."""

    def __init__(self) -> None:
        from pyiceberg import expressions

        self.x = expressions

    def and_(self, a: Any, b: Any) -> Any:
        return self.x.And(a, b)

    def or_(self, a: Any, b: Any) -> Any:
        return self.x.Or(a, b)

    def not_(self, a: Any) -> Any:
        return self.x.Not(a)

    def compare(self, column: str, op: str, value: Any) -> Any:
        cls = {
            "=": self.x.EqualTo,
            "<>": self.x.NotEqualTo,
            "<": self.x.LessThan,
            "<=": self.x.LessThanOrEqual,
            ">": self.x.GreaterThan,
            ">=": self.x.GreaterThanOrEqual,
        }[op]
        return cls(column, _iceberg_literal(value))

    def in_(self, column: str, values: list[Any]) -> Any:
        return self.x.In(column, {_iceberg_literal(v) for v in values})

    def is_null(self, column: str) -> Any:
        return self.x.IsNull(column)

    def not_null(self, column: str) -> Any:
        return self.x.NotNull(column)


def _iceberg_literal(value: Any) -> Any:
    # times as ISO text: pyiceberg converts a string to the column's own time type on binding
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def to_delta(predicate: str) -> str:
    """The predicate as a DataFusion SQL predicate for `DeltaTable.delete`."""
    return str(_walk(_parse(predicate), _DataFusionSQL()))


def to_iceberg(predicate: str) -> Any:
    """The predicate as a pyiceberg `BooleanExpression` for `Table.delete`."""
    return _walk(_parse(predicate), _IcebergExpression())


def rewritten(
    table: pa.Table, predicate: str | None, null_cells: Mapping[str, str] | None = None
) -> tuple[pa.Table, int, dict[str, int]]:
    """`table` without the rows `predicate` matches and with each column's cells blanked where
    its predicate holds (in the rows kept), the schema unchanged; with the rows deleted and
    the cells blanked per column."""
    deleted = (
        matching_rows(table, predicate)
        if predicate
        else pa.array([False] * table.num_rows, pa.bool_())
    )
    keep = pc.invert(deleted)
    cells: dict[str, int] = {}
    columns = list(table.columns)
    for column, cell_predicate in (null_cells or {}).items():
        index = table.schema.get_field_index(column)
        blank = pc.and_(matching_rows(table, cell_predicate), keep)
        cells[column] = int(pc.sum(blank).as_py() or 0)
        empty = pa.nulls(table.num_rows, table.schema.field(index).type)
        columns[index] = pc.if_else(blank, empty, columns[index])
    out = pa.Table.from_arrays(columns, schema=table.schema).filter(keep)
    return out, int(pc.sum(deleted).as_py() or 0), cells
