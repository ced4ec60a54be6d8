"""The reporting period of a pack: a quarter (`2026-Q3`), a month (`2026-09`), a year (`2026`),
or explicit first and last days. Runs belong to a period by their reference time (`as_of`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from privacymesh.packs.errors import PackError

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """Days `first` to `last`, both included, with a label such as `2026-Q3`."""

    first: date
    last: date
    label: str

    @property
    def start(self) -> datetime:
        """Inclusive lower bound (midnight UTC of the first day, naive)."""
        return datetime.combine(self.first, time(0))

    @property
    def end(self) -> datetime:
        """Exclusive upper bound (midnight UTC after the last day, naive)."""
        return datetime.combine(self.last + timedelta(days=1), time(0))

    @property
    def slug(self) -> str:
        """The label as a folder name."""
        return re.sub(r"[^A-Za-z0-9._-]+", "_", self.label)

    def describe(self) -> str:
        return f"{self.label} ({self.first.isoformat()} to {self.last.isoformat()})"


def _quarter(year: int, q: int) -> Period:
    first = date(year, 3 * q - 2, 1)
    nxt = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)
    return Period(first, nxt - timedelta(days=1), f"{year}-Q{q}")


def parse_period(text: str) -> Period:
    """`2026-Q3`, `2026-09` or `2026` as a period."""
    value = text.strip()
    if m := _QUARTER.match(value):
        return _quarter(int(m.group(1)), int(m.group(2)))
    if m := _MONTH.match(value):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise PackError(f"no month {month} in {value!r}", field="--period")
        first = date(year, month, 1)
        nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return Period(first, nxt - timedelta(days=1), value)
    if m := _YEAR.match(value):
        year = int(m.group(1))
        return Period(date(year, 1, 1), date(year, 12, 31), value)
    raise PackError(
        f"cannot read the period {text!r}",
        field="--period",
        hint="a quarter 2026-Q3, a month 2026-09, a year 2026, or --from DATE --to DATE",
    )


def _day(value: date | str, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PackError(f"{value!r} is not a date (YYYY-MM-DD)", field=name) from None


def period_between(first: date | str, last: date | str) -> Period:
    """The days from `first` to `last`, both included."""
    a, b = _day(first, "--from"), _day(last, "--to")
    if b < a:
        raise PackError(f"--to {b} is before --from {a}", field="--to")
    return Period(a, b, f"{a.isoformat()}_{b.isoformat()}")


def quarter_of(moment: datetime | date) -> Period:
    """The calendar quarter holding a day."""
    return _quarter(moment.year, (moment.month - 1) // 3 + 1)


def resolve_period(
    period: str | None = None,
    first: date | str | None = None,
    last: date | str | None = None,
    default: datetime | date | None = None,
) -> Period:
    """The period from CLI-style options: `period`, or `first`/`last`, or the quarter of
    `default` (the newest run's reference time) when none is given."""
    if period and (first or last):
        raise PackError("give --period or --from/--to, not both", field="--period")
    if period:
        return parse_period(period)
    if first or last:
        if not (first and last):
            raise PackError("--from and --to go together", field="--from" if last else "--to")
        return period_between(first, last)
    if default is None:
        raise PackError("no period given and the ledger holds no run", field="--period")
    return quarter_of(default)
