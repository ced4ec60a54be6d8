"""The fixed clock of the sample: every timestamp is relative to `AS_OF`, never the wall clock.

Times are handled as numpy int64 microseconds since the Unix epoch (naive UTC) and turned into
Polars `Datetime("us")` columns at the end; dates become Polars `Date`.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

AS_OF = datetime(2026, 11, 1)
US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
EPOCH = datetime(1970, 1, 1)


def to_us(value: datetime | date) -> int:
    """Microseconds since the epoch of a naive UTC datetime (or a date at midnight)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


AS_OF_US = to_us(AS_OF)
WINDOW_START = AS_OF - timedelta(days=365)  # start of the 12-month activity window
WINDOW_START_US = to_us(WINDOW_START)


def uniform_seconds(rng: np.random.Generator, lo_us, hi_us, size: int | None = None) -> np.ndarray:
    """Whole-second instants drawn uniformly from [lo, hi) (array bounds broadcast)."""
    lo_s = np.ceil(np.asarray(lo_us, dtype=np.float64) / US_PER_SECOND).astype(np.int64)
    hi_s = np.floor(np.asarray(hi_us, dtype=np.float64) / US_PER_SECOND).astype(np.int64)
    span = np.maximum(hi_s - lo_s, 1)
    n = size if size is not None else np.broadcast(lo_s, hi_s).shape
    offset = np.floor(rng.random(n) * span).astype(np.int64)
    return (lo_s + offset) * US_PER_SECOND


def ts(values: np.ndarray, name: str) -> pl.Series:
    """A Polars Datetime("us") series from int64 microseconds."""
    return pl.Series(name, np.asarray(values, dtype=np.int64)).cast(pl.Datetime("us"))


def dates(values_days: np.ndarray, name: str) -> pl.Series:
    """A Polars Date series from int days since the epoch."""
    return pl.Series(name, np.asarray(values_days, dtype=np.int32)).cast(pl.Date)


def add_months(d: date, months: int) -> date:
    """Calendar month arithmetic, clamping to the month's last day (Jan 31 + 1 month = Feb 28)."""
    month0 = d.month - 1 + months
    year = d.year + month0 // 12
    month = month0 % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_starts(first: date, count: int) -> list[date]:
    """`count` first-of-month dates starting at `first`."""
    return [add_months(first, i) for i in range(count)]
