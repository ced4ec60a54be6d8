"""The consent rule, defined once: a subject may be processed for a purpose at time t when their
latest consent event for that purpose at or before t is a grant (the later event id wins a tie).

Every form of the rule is here, side by side, and every caller imports it: the consent API
(`privacymesh.platform.consent`), the governed query's consent filter, and the consent checks
(whose SQL reads `{{ consent.intervals }}` and `{{ consent.covers(...) }}`, rendered from these
functions). Two shapes answer it:

- the latest event at `at` (`latest_grants`, `latest_grants_sql`): who consents at one time;
- validity intervals (`validity_intervals`, `validity_intervals_sql`): each event holds from its
  time until the subject's next event for the purpose; t is covered by an interval exactly when
  that interval's event is the latest at or before t (`covers`, `covers_sql`), so a join to the
  grant intervals answers the rule for every row at its own time.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

GRANT = "grant"
WITHDRAW = "withdraw"

IS_GRANT = pl.col("action") == GRANT
"""An event that grants (a re-confirmation is recorded as a grant)."""


def latest_grants(events: pl.LazyFrame, at: datetime) -> pl.LazyFrame:
    """The (user_id, purpose) pairs whose latest event at or before `at` is a grant. `events`
    are in event order (time, then event id)."""
    return (
        events.filter(pl.col("event_time") <= at)
        .group_by("user_id", "purpose")
        .agg(pl.col("action").last())
        .filter(IS_GRANT)
        .select("user_id", "purpose")
    )


def latest_grants_sql(events: str, purpose: str, at: str) -> str:
    """The user ids whose latest event for `purpose` at or before `at` is a grant. `events` is
    a relation; `purpose` and `at` are SQL expressions."""
    return (
        f"SELECT user_id FROM {events} WHERE purpose = {purpose} AND event_time <= {at} "
        "QUALIFY row_number() OVER "
        "(PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) = 1 "
        f"AND action = '{GRANT}'"
    )


def validity_intervals(events: pl.LazyFrame | pl.DataFrame) -> pl.LazyFrame:
    """Each event of one purpose as an interval: (user_id, event_time, granted, valid_until),
    where `valid_until` is the subject's next event's time (null: still in force). Of events
    at the same instant only the last (by event id) is kept: it is the one in force."""
    return (
        events.lazy()
        .sort(["user_id", "event_time", "event_id"])
        .unique(subset=["user_id", "event_time"], keep="last", maintain_order=True)
        .with_columns(
            IS_GRANT.alias("granted"),
            pl.col("event_time").shift(-1).over("user_id").alias("valid_until"),
        )
        .select("user_id", "event_time", "granted", "valid_until")
    )


def validity_intervals_sql(events: str, at: str, action: str | None = None) -> str:
    """`validity_intervals` in SQL, for every purpose, over the events at or before `at`: a
    relation of (user_id, purpose, event_id, action, granted, valid_from, valid_until). With
    `action`, only the intervals of events of that action; the window then reads only the
    (subject, purpose) pairs holding such an event, since no other pair can change them."""
    holding = ""
    if action is not None:
        holding = (
            f" AND EXISTS (SELECT 1 FROM {events} AS held WHERE held.user_id = e.user_id "
            f"AND held.purpose = e.purpose AND held.action = '{action}' "
            f"AND held.event_time <= {at})"
        )
    intervals = (
        "SELECT user_id, purpose, event_id, action, "
        f"action = '{GRANT}' AS granted, event_time AS valid_from, "
        "lead(event_time) OVER "
        "(PARTITION BY user_id, purpose ORDER BY event_time, event_id) AS valid_until "
        f"FROM {events} AS e WHERE event_time <= {at}{holding}"
    )
    if action is None:
        return f"({intervals})"
    return f"(SELECT * FROM ({intervals}) AS intervals WHERE action = '{action}')"


def covers(time: pl.Expr, start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Whether `time` falls in the interval [start, end) (end null: open)."""
    return (time >= start) & (end.is_null() | (time < end))


def covers_sql(time: str, start: str, end: str) -> str:
    """`covers` in SQL; the arguments are SQL expressions."""
    return f"({time} >= {start} AND ({end} IS NULL OR {time} < {end}))"
