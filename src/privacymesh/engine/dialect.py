"""The mesh's SQL dialect is DuckDB's: checks, measures and notebooks write it once, and the Spark
engine translates it with sqlglot. sqlglot does most of the work; this module adds the rewrites
where its translation would fail on Spark or mean something else there:

- names of registered views, `"payments"."transactions"`, `meta.products`, become the
  single-part temp views the Spark engine registers (`payments__transactions`, aliased
  `transactions` as DuckDB binds it);
- `USING SAMPLE reservoir(n ROWS) REPEATABLE (s)` becomes a seeded top-n by `rand(s)`: a
  uniform sample of exactly min(n, count) rows;
- `date_diff(part, a, b)` counts part boundaries crossed in DuckDB, whole parts in Spark's
  `timestampdiff`: both sides are truncated to the part first;
- `a / b` is always a double in DuckDB (inf or NaN on a zero divisor), a decimal for decimals
  and an error on zero in ANSI Spark: it becomes `try_divide(CAST(a AS DOUBLE), b)`;
- `epoch(a - b)` (an interval) and `epoch(t)`: whole microseconds, divided once, as DuckDB;
- `isodow`, `dayofweek`: sqlglot's forms are off by days; `quantile_cont(x, p)`: `percentile`;
- `list(v ORDER BY k)`, `string_agg(v, s ORDER BY k)`: Spark's aggregates take no ORDER BY,
  so a collected array of structs is sorted by the keys (NULLs last, NULL when empty);
- `list[a:b]` (1-based, inclusive) becomes `slice`; `greatest(x)` of one argument, `x`;
- `range(a, b, step)` in FROM (end excluded) becomes an exploded, filtered `sequence`, and an
  `unnest` nested in a projection a LATERAL VIEW;
- `t + CASE .. INTERVAL '1 month' .. INTERVAL '45 days' END`: Spark's month and day intervals
  are different types, so the addition moves into each branch, one interval at a time.

Constructs with no Spark form (ASOF joins, a sample over a join) raise TranspileError: such a
check carries a `spark_sql` form, written with window functions in the same dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import sqlglot
from sqlglot import exp

from privacymesh.errors import CheckError, first_line

SOURCE = "duckdb"
TARGET = "spark"
SEPARATOR = "__"

SparkViewNames = Mapping[tuple[str, str], str]


class TranspileError(CheckError):
    """A query has no Spark translation."""


def spark_view_name(schema: str, name: str) -> str:
    """The single-part Spark temp view standing for the mesh view `"<schema>"."<name>"`."""
    return f"{schema}{SEPARATOR}{name}"


def to_spark(sql: str, views: SparkViewNames | None = None) -> str:
    """Translate one DuckDB-dialect query to Spark SQL; `views` maps (schema, name) of the
    registered views (lower case) to their Spark names."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=SOURCE) if s is not None]
    except sqlglot.errors.ParseError as exc:
        raise TranspileError(f"cannot parse the query: {first_line(exc)}") from exc
    if len(statements) != 1:
        raise TranspileError(f"expected one statement, found {len(statements)}")
    tree = statements[0]
    _refuse_asof(tree)
    known = views or {}
    tree = _bottom_up(tree, lambda node: _rewrite(node, known))
    return tree.sql(dialect=TARGET)


def _bottom_up(
    tree: exp.Expression, fn: Callable[[exp.Expression], exp.Expression]
) -> exp.Expression:
    """Apply `fn` to every node, children before their parents (so a rewrite sees rewritten
    children), replacing nodes in place."""
    root = tree
    for node in reversed(list(tree.walk(bfs=True))):
        new = fn(node)
        if new is node:
            continue
        if node is root:
            root = new
        else:
            node.replace(new)
    return root


def _rewrite(node: exp.Expression, views: SparkViewNames) -> exp.Expression:
    rule = _RULES.get(type(node))
    return rule(node, views) if rule else node


def _refuse_asof(tree: exp.Expression) -> None:
    for join in tree.find_all(exp.Join):
        if str(join.args.get("method") or "").upper() == "ASOF":
            raise TranspileError(
                "ASOF JOIN has no Spark translation",
                hint="give the check a `spark_sql` form with a window function "
                "(the latest row per key at or before the time)",
            )


# names ------------------------------------------------------------------------------------


def _table(table: exp.Table, views: SparkViewNames) -> exp.Expression:
    if isinstance(table.this, exp.GenerateSeries):
        return _generate_series(table)
    if not table.args.get("db") or table.args.get("catalog"):
        return table
    key = (table.db.lower(), table.name.lower())
    if key not in views:
        return table
    renamed = exp.Table(this=exp.to_identifier(views[key], quoted=True))
    for arg in ("alias", "joins", "pivots", "laterals", "sample"):
        if table.args.get(arg):
            renamed.set(arg, table.args[arg])
    if not table.alias:  # DuckDB binds `transactions.amount` to the table's own name
        renamed.set("alias", exp.TableAlias(this=exp.to_identifier(table.name, quoted=True)))
    return renamed


def _column(column: exp.Column, views: SparkViewNames) -> exp.Expression:
    """`"payments"."transactions".amount` -> `transactions`.amount (the table's alias)."""
    if not column.args.get("db") or column.args.get("catalog"):
        return column
    if (column.db.lower(), column.table.lower()) not in views:
        return column
    return exp.Column(this=column.this, table=exp.to_identifier(column.table, quoted=True))


# sampling ---------------------------------------------------------------------------------


def sample_query(source: exp.Expression, rows: int, seed: int, alias: str | None) -> exp.Expression:
    """`(SELECT * FROM source ORDER BY rand(seed) LIMIT rows) AS alias`: Spark's reproducible
    uniform sample of exactly min(rows, count) rows (the same rows for the same input files
    and partitioning)."""
    inner = (
        exp.select("*").from_(source).order_by(_fn("RAND", exp.Literal.number(seed))).limit(rows)
    )
    return exp.Subquery(this=inner, alias=_alias(alias) if alias else None)


def _select(node: exp.Select, views: SparkViewNames) -> exp.Expression:
    _lateral_unnests(node)
    sample = node.args.get("sample")
    if not isinstance(sample, exp.TableSample):
        return node
    source = node.args.get("from_")
    if node.args.get("joins") or source is None or not isinstance(source.this, exp.Table):
        raise TranspileError(
            "USING SAMPLE over a join or subquery has no Spark translation",
            hint="sample one table, or give the check a `spark_sql` form",
        )
    seed = int(sample.text("seed") or 0)
    table: exp.Table = source.this.copy()
    alias = table.alias or table.name
    table.set("alias", None)
    if sample.args.get("percent"):
        fraction = float(sample.text("percent")) / 100
        keep = exp.LT(
            this=_fn("RAND", exp.Literal.number(seed)), expression=exp.Literal.number(fraction)
        )
        replacement: exp.Expression = exp.Subquery(
            this=exp.select("*").from_(table).where(keep), alias=_alias(alias)
        )
    else:
        size = sample.args.get("size")
        if not isinstance(size, exp.Literal) or not size.is_int:
            raise TranspileError("only row-count or percent samples translate to Spark")
        replacement = sample_query(table, int(size.name), seed, alias)
    node.set("sample", None)
    node.set("from_", exp.From(this=replacement))
    return node


def _lateral_unnests(node: exp.Select) -> None:
    """`SELECT t + 7 * unnest(list) ...`: Spark takes a generator only as a whole projection,
    so a nested one becomes a LATERAL VIEW and the projection reads its column."""
    nested = [
        x
        for projection in node.expressions
        for x in projection.find_all(exp.Explode)
        if x is not _unalias(projection) and x.find_ancestor(exp.Select) is node
    ]
    if len(nested) > 1:
        raise TranspileError("several unnest() in one SELECT have no Spark translation")
    for i, explode in enumerate(nested):
        name = f"_unnest{i}"
        lateral = exp.Lateral(
            this=explode.copy(),
            view=True,
            alias=exp.TableAlias(
                this=exp.to_identifier(f"{name}_t"), columns=[exp.to_identifier(name)]
            ),
        )
        explode.replace(exp.column(name))
        node.append("laterals", lateral)


def _generate_series(table: exp.Table) -> exp.Expression:
    """`FROM range(a, b, step) AS t(x)` -> `FROM (SELECT explode(...) AS x) AS t`: DuckDB's
    range excludes its end, Spark's sequence includes it (and fails when end < start)."""
    series: exp.GenerateSeries = table.this
    start, end = series.args["start"], series.args["end"]
    step = series.args.get("step")
    values = _fn("SEQUENCE", start, end, *([step] if step is not None else []))
    if series.args.get("is_end_exclusive"):
        keep = exp.LT(this=exp.column("_x"), expression=end.copy())
        values = _fn("FILTER", values, _lambda(["_x"], keep))
    values = exp.If(
        this=exp.LTE(this=start.copy(), expression=end.copy()), true=values, false=_fn("ARRAY")
    )
    alias = table.args.get("alias")
    columns = alias.columns if alias is not None and alias.columns else [exp.to_identifier("range")]
    inner = exp.select(exp.alias_(_fn("EXPLODE", values), columns[0]))
    name = alias.this if alias is not None and alias.this else exp.to_identifier("range")
    return exp.Subquery(this=inner, alias=exp.TableAlias(this=name))


def _unalias(node: exp.Expression) -> exp.Expression:
    return node.this if isinstance(node, exp.Alias) else node


# arithmetic and time ----------------------------------------------------------------------


def _date_diff(node: exp.DateDiff, views: SparkViewNames) -> exp.Expression:
    """DuckDB's boundary count as Spark's whole-unit count between truncated values."""
    if not node.args.get("date_part_boundary"):
        return node
    unit = (node.text("unit") or "DAY").upper()
    trunc = lambda value: _fn("DATE_TRUNC", exp.Literal.string(unit), value)  # noqa: E731
    return _fn("TIMESTAMPDIFF", exp.var(unit), trunc(node.expression), trunc(node.this))


def _div(node: exp.Div, views: SparkViewNames) -> exp.Expression:
    if node.args.get("typed") or node.args.get("safe"):
        return node
    numerator = node.this
    if not _interval_valued(
        numerator
    ):  # DuckDB divides numbers as doubles, Spark decimals as decimals
        numerator = exp.cast(numerator, exp.DataType.build("DOUBLE"))
    return _fn("TRY_DIVIDE", numerator, node.expression)


def _micros(value: exp.Expression) -> exp.Expression:
    return _fn("UNIX_MICROS", exp.cast(value, exp.DataType.build("TIMESTAMP_LTZ")))


def _epoch(node: exp.TimeToUnix, views: SparkViewNames) -> exp.Expression:
    """`epoch(a - b)` (an interval) -> seconds between; `epoch(t)` -> seconds since 1970;
    as DuckDB computes them: whole microseconds, divided once, as a double."""
    value = _unparen(node.this)
    if isinstance(value, exp.Sub) and not _interval_valued(value.expression):
        micros = exp.Paren(
            this=exp.Sub(this=_micros(value.this), expression=_micros(value.expression))
        )
    else:
        micros = _micros(value)
    return exp.Paren(
        this=exp.Div(
            this=exp.cast(micros, exp.DataType.build("DOUBLE")),
            expression=exp.Literal.number(1000000),
            typed=True,
        )
    )


def _isodow(node: exp.DayOfWeekIso, views: SparkViewNames) -> exp.Expression:
    return exp.Paren(this=exp.Add(this=_fn("WEEKDAY", node.this), expression=exp.Literal.number(1)))


def _dayofweek(node: exp.DayOfWeek, views: SparkViewNames) -> exp.Expression:
    return exp.Paren(
        this=exp.Sub(this=_fn("DAYOFWEEK", node.this), expression=exp.Literal.number(1))
    )


def _percentile(node: exp.PercentileCont, views: SparkViewNames) -> exp.Expression:
    if node.expression is None:
        return node
    return _fn("PERCENTILE", node.this, node.expression)


def _add(node: exp.Add, views: SparkViewNames) -> exp.Expression:
    """Additions involving intervals, so each step adds ONE interval to a value (Spark cannot
    add a month interval to a day interval): `t + (i + j)` -> `(t + i) + j`, and
    `t + CASE .. THEN i .. END` -> `CASE .. THEN t + i .. END`."""
    right = _unparen(node.expression)
    if isinstance(right, exp.Add) and _interval_valued(right):
        inner = _add(exp.Add(this=node.this, expression=right.this), views)
        return _add(exp.Add(this=inner, expression=right.expression), views)
    if not (isinstance(right, exp.Case) and _interval_valued(right)):
        return node
    case = right.copy()
    for branch in case.args.get("ifs") or []:
        branch.set(
            "true", _add(exp.Add(this=node.this.copy(), expression=branch.args["true"]), views)
        )
    default = case.args.get("default")
    if default is not None:
        case.set("default", _add(exp.Add(this=node.this.copy(), expression=default), views))
    return exp.Paren(this=case)


def _interval_valued(node: exp.Expression) -> bool:
    """Whether an expression's value comes from an interval literal (conditions aside)."""
    node = _unparen(node)
    if isinstance(node, exp.Interval):
        return True
    if isinstance(node, exp.Add | exp.Sub):
        return _interval_valued(node.this) or _interval_valued(node.expression)
    if isinstance(node, exp.Case):
        values = [b.args["true"] for b in node.args.get("ifs") or []]
        values += [node.args["default"]] if node.args.get("default") is not None else []
        return any(_interval_valued(v) for v in values)
    return False


# lists ------------------------------------------------------------------------------------


def _ordered_aggregate(node: exp.Expression) -> tuple[exp.Expression, exp.Where | None] | None:
    """(the aggregate, its FILTER) when `node` is list/string_agg with an ORDER BY."""
    where = None
    if isinstance(node, exp.Filter):
        node, where = node.this, node.expression
    if isinstance(node, exp.ArrayAgg | exp.GroupConcat) and isinstance(node.this, exp.Order):
        return node, where
    return None


def _sorted_list(order: exp.Order, where: exp.Where | None) -> exp.Expression:
    """The values of `list(v ORDER BY k1, k2 DESC)` as a Spark array, sorted as DuckDB does
    (NULLs last); NULL when no row was aggregated, as DuckDB's aggregate gives."""
    value, keys = order.this, [o for o in order.expressions if isinstance(o, exp.Ordered)]

    def aggregate(inner: exp.Expression) -> exp.Expression:
        return exp.Filter(this=inner, expression=where.copy()) if where is not None else inner

    collect = "COLLECT_LIST"
    if isinstance(value, exp.Distinct):  # DuckDB orders a DISTINCT list by its values only
        value, collect = value.expressions[0], "COLLECT_SET"
    # structs keep NULL values (collect_list drops bare NULLs; DuckDB's list keeps them)
    fields = [exp.alias_(k.this, f"k{i}") for i, k in enumerate(keys)]
    packed = aggregate(_fn(collect, _fn("STRUCT", *fields, exp.alias_(value, "v"))))
    arr = _fn(
        "TRANSFORM",
        _fn("ARRAY_SORT", packed, _comparator(keys)),
        _lambda(["e"], exp.column("v", table="e")),
    )
    return exp.Case(
        ifs=[
            exp.If(
                this=exp.EQ(this=_fn("SIZE", packed.copy()), expression=exp.Literal.number(0)),
                true=exp.null(),
            )
        ],
        default=arr,
    )


def _comparator(keys: list[exp.Ordered]) -> exp.Expression:
    """`(l, r) -> ...`: -1/0/1 by the sort keys in order, NULLs last, DESC reversed."""
    ifs = []
    for i, key in enumerate(keys):
        left = exp.column(f"k{i}", table="l")
        right = exp.column(f"k{i}", table="r")
        first = exp.Literal.number(1 if key.args.get("desc") else -1)
        later = exp.Literal.number(-1 if key.args.get("desc") else 1)
        ifs += [
            exp.If(
                this=exp.and_(left.is_(exp.null()), right.copy().is_(exp.null()).not_()),
                true=exp.Literal.number(1),
            ),
            exp.If(
                this=exp.and_(right.is_(exp.null()), left.copy().is_(exp.null()).not_()),
                true=exp.Literal.number(-1),
            ),
            exp.If(this=exp.LT(this=left.copy(), expression=right.copy()), true=first),
            exp.If(this=exp.GT(this=left.copy(), expression=right.copy()), true=later),
        ]
    return _lambda(["l", "r"], exp.Case(ifs=ifs, default=exp.Literal.number(0)))


def _list_rule(node: exp.Expression, views: SparkViewNames) -> exp.Expression:
    if isinstance(node.parent, exp.Filter) and not isinstance(node, exp.Filter):
        return node  # rewritten with its FILTER clause, at the Filter
    found = _ordered_aggregate(node)
    if found is None:
        return node
    aggregate, where = found
    arr = _sorted_list(aggregate.this, where)
    if isinstance(aggregate, exp.GroupConcat):
        separator = aggregate.args.get("separator") or exp.Literal.string(",")
        return _fn("ARRAY_JOIN", arr, separator)
    return arr


def _bracket(node: exp.Bracket, views: SparkViewNames) -> exp.Expression:
    """DuckDB's 1-based inclusive `list[a:b]` -> `slice(list, a, b - a + 1)`."""
    if len(node.expressions) != 1 or not isinstance(node.expressions[0], exp.Slice):
        return node
    piece = node.expressions[0]
    start = piece.this or exp.Literal.number(1)
    stop = piece.expression
    if stop is None:
        stop = _fn("SIZE", node.this.copy())
    length = exp.Add(
        this=exp.Sub(this=stop, expression=start.copy()), expression=exp.Literal.number(1)
    )
    return _fn("SLICE", node.this, start, length)


def _greatest(node: exp.Expression, views: SparkViewNames) -> exp.Expression:
    """DuckDB takes `greatest(x)` of one argument (x); Spark wants two or more."""
    return node.this if not node.expressions else node


_RULES: dict[type, Callable[..., exp.Expression]] = {
    exp.Greatest: _greatest,
    exp.Least: _greatest,
    exp.Table: _table,
    exp.Column: _column,
    exp.Select: _select,
    exp.DateDiff: _date_diff,
    exp.Div: _div,
    exp.TimeToUnix: _epoch,
    exp.DayOfWeekIso: _isodow,
    exp.DayOfWeek: _dayofweek,
    exp.PercentileCont: _percentile,
    exp.Add: _add,
    exp.Filter: _list_rule,
    exp.ArrayAgg: _list_rule,
    exp.GroupConcat: _list_rule,
    exp.Bracket: _bracket,
}


# helpers ----------------------------------------------------------------------------------


def _fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def _lambda(params: list[str], body: exp.Expression) -> exp.Expression:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(p) for p in params])


def _alias(name: str) -> exp.TableAlias:
    return exp.TableAlias(this=exp.to_identifier(name, quoted=True))


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node
