"""The SQL functions untrusted SQL may call where it runs beyond the sealed DuckDB session.

Contract quality rules (`checks.measures.quality`) and queries sent down to a database
(`sources.sql`) are written by others. At a database server they run with the workspace's
credentials, where a function may read files or reach other servers; so both allow only
aggregates and plain scalar arithmetic, text and time, as sqlglot names them. Anything else
keeps the query in DuckDB (pushdown) or skips the rule with the reason.
"""

from __future__ import annotations

from sqlglot import exp

SAFE_SQL_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.AggFunc,
    exp.Cast,
    exp.TryCast,
    exp.Case,
    exp.If,
    exp.Coalesce,
    exp.Nullif,
    exp.Abs,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Sqrt,
    exp.Lower,
    exp.Upper,
    exp.Length,
    exp.Trim,
    exp.Substring,
    exp.RegexpLike,
    exp.Greatest,
    exp.Least,
    exp.Extract,
    exp.CurrentDate,
    exp.CurrentTimestamp,
    exp.DateDiff,
    exp.DateTrunc,
    exp.DateAdd,
    exp.DateSub,
    exp.Concat,
)


def first_unsafe_function(tree: exp.Expression) -> exp.Func | None:
    """The first function call in `tree` outside `SAFE_SQL_FUNCTIONS`; None when all are safe."""
    return next((f for f in tree.find_all(exp.Func) if not isinstance(f, SAFE_SQL_FUNCTIONS)), None)
