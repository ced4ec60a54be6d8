"""Small frames for the detector's tests: scan one column or a table with a fixed reference date
so that date-of-birth answers do not drift."""

from __future__ import annotations

from datetime import date

import polars as pl

from privacymesh.detect import ColumnContext, ScanOptions, TableScan, scan_frame

REFERENCE = date(2026, 11, 1)
OPTIONS = ScanOptions(reference_date=REFERENCE)


def scan(df: pl.DataFrame, **kwargs) -> TableScan:
    kwargs.setdefault("options", OPTIONS)
    return scan_frame(df, "test.table", **kwargs)


def categories(
    values: list,
    name: str = "c07",
    *,
    context: ColumnContext | None = None,
    dtype: pl.DataType | None = None,
    **kwargs,
) -> set[str]:
    """Categories reported for one column of `values` named `name`."""
    series = pl.Series(name, values, dtype=dtype, strict=False)
    ctx = {name: context} if context is not None else None
    result = scan(series.to_frame(), context=ctx, **kwargs)
    return set(result.column(name).category_keys())
