"""Consent's records and files. The rule itself (the latest event at or before t is a grant)
is `privacymesh.consent_rule`, shared with the consent checks; `platform.consent` re-exports
it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from privacymesh.consent_rule import latest_grants

CONSENT_FILE = "consent_events.parquet"
NOTICES_FILE = "consent_notices.parquet"
APPLICATIONS_FILE = "consent_applications.parquet"
EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
EVENT_SCHEMA: dict[str, Any] = {
    "event_id": pl.String,
    "user_id": pl.String,
    "purpose": pl.String,
    "action": pl.String,
    "event_time": pl.Datetime("us"),
    "source": pl.String,
    "notice_version": pl.String,
    "regulation": pl.String,
}
NOTICE_SCHEMA: dict[str, Any] = {
    "notice_id": pl.String,
    "event_id": pl.String,
    "user_id": pl.String,
    "purpose": pl.String,
    "action": pl.String,
    "product": pl.String,
    "domain": pl.String,
    "processing_mode": pl.String,
    "issued_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"),
    "applied_at": pl.Datetime("us"),
}
APPLICATION_SCHEMA: dict[str, Any] = {
    "domain": pl.String,
    "event_id": pl.String,
    "user_id": pl.String,
    "purpose": pl.String,
    "applied_at": pl.Datetime("us"),
}
SOURCES = ("web", "app", "api", "support", "gpc")


def utc_naive(value: datetime | date | None = None) -> datetime:
    """A time as naive UTC (the ledger's form); now when None; a date is its midnight."""
    if value is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def to_us(value: datetime) -> int:
    """Microseconds since the epoch of a naive-UTC or aware datetime."""
    return (utc_naive(value) - EPOCH) // _US


@dataclass(frozen=True)
class ConsentStatus:
    """The answer for one subject and purpose, and the event it rests on."""

    user_id: str
    purpose: str
    at: datetime
    permitted: bool
    event_id: str | None = None
    action: str | None = None
    event_time: datetime | None = None
    source: str | None = None
    notice_version: str | None = None
    pending_notices: int = 0
    overdue_notices: int = 0


@dataclass(frozen=True)
class ConsentChange:
    """A recorded grant or withdrawal and the notices sent for it."""

    event_id: str
    user_id: str
    purpose: str
    action: str
    at: datetime
    products: tuple[str, ...]
    notice_ids: tuple[str, ...]


def granted_at(events: pl.DataFrame, user_id: str, purpose: str, at: datetime) -> bool:
    """Whether the subject consents to the purpose at `at` by these events (the index's
    answer, computed on a frame)."""
    mine = events.filter((pl.col("user_id") == user_id) & (pl.col("purpose") == purpose))
    return latest_grants(mine.sort(["event_time", "event_id"]).lazy(), at).collect().height > 0
