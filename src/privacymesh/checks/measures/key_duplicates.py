"""Rows beyond the first of each value of a product's one-column primary key, counted once per
run: `contract.conformance` groups the key over every row for its uniqueness rule, and a
quality rule `duplicateValues` on the same column takes the count from there instead of
grouping the column again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from privacymesh.catalog import DataProduct

if TYPE_CHECKING:
    from privacymesh.checks.measures import MeasureContext

_KEPT = "key_duplicates"


def keep_duplicates(ctx: MeasureContext, product: DataProduct, column: str, extra: int) -> None:
    """Record that `extra` rows of the product repeat a value of `column` held by an earlier
    row (the non-null rows less the distinct non-null values)."""
    ctx.cache.setdefault(_KEPT, {})[(product.id, column)] = int(extra)


def kept_duplicates(ctx: MeasureContext, product: DataProduct, column: str) -> int | None:
    """The count `keep_duplicates` recorded for the column in this run, if any."""
    kept: dict[tuple[str, str], int] = ctx.cache.get(_KEPT, {})
    return kept.get((product.id, column))
