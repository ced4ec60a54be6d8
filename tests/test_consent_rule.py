"""Every form of the consent rule gives the same answer, including at the boundaries: at an
event's own instant the event is in force, and of two events at one instant the later id wins."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import polars as pl
import pytest

from privacymesh.catalog import timestamp_literal
from privacymesh.consent_rule import (
    covers,
    covers_sql,
    latest_grants,
    latest_grants_sql,
    validity_intervals,
    validity_intervals_sql,
)
from privacymesh.platform.consent import ConsentLedger

T = datetime(2026, 3, 1, 12)
H = timedelta(hours=1)
EVENTS = pl.DataFrame(
    {
        "event_id": ["ce-1", "ce-2", "ce-3", "ce-4", "ce-5"],
        "user_id": ["u1", "u1", "u1", "u1", "u2"],
        "purpose": ["ads"] * 5,
        "action": ["grant", "withdraw", "withdraw", "grant", "grant"],
        "event_time": [T, T + 2 * H, T + 4 * H, T + 4 * H, T + H],
        "source": ["web"] * 5,
        "notice_version": ["v1"] * 5,
        "regulation": ["GDPR"] * 5,
    },
    schema_overrides={"event_time": pl.Datetime("us")},
)
# (subject, time, consents): before the first event, at and after a grant, at a withdrawal,
# and at an instant holding a withdrawal and a later grant (ce-4 wins)
EXPECTED = [
    ("u1", T - H, False),
    ("u1", T, True),
    ("u1", T + H, True),
    ("u1", T + 2 * H, False),
    ("u1", T + 3 * H, False),
    ("u1", T + 4 * H, True),
    ("u2", T, False),
    ("u2", T + H, True),
]


def _sql(query: str) -> list[tuple]:
    con = duckdb.connect()
    con.register("events", EVENTS.to_arrow())
    return con.sql(query).fetchall()


@pytest.mark.parametrize(("subject", "at", "consents"), EXPECTED)
def test_every_form_agrees(subject: str, at: datetime, consents: bool) -> None:
    polars_latest = latest_grants(EVENTS.sort("event_time", "event_id").lazy(), at).collect()
    assert (subject in polars_latest["user_id"].to_list()) is consents
    sql_latest = _sql(latest_grants_sql("events", "'ads'", timestamp_literal(at)))
    assert ((subject,) in sql_latest) is consents
    intervals = validity_intervals(EVENTS).filter(
        pl.col("granted")
        & (pl.col("user_id") == subject)
        & covers(pl.lit(at), pl.col("event_time"), pl.col("valid_until"))
    )
    assert (intervals.collect().height == 1) is consents
    in_force = _sql(
        f"SELECT user_id, granted FROM {validity_intervals_sql('events', timestamp_literal(at))} i "
        f"WHERE {covers_sql(timestamp_literal(at), 'i.valid_from', 'i.valid_until')}"
    )
    assert ((subject, True) in in_force) is consents
    assert ConsentLedger(EVENTS).is_permitted(subject, "ads", at) is consents


def test_the_batch_filters_agree_row_by_row() -> None:
    rows = pl.DataFrame(
        {"user_id": [s for s, _, _ in EXPECTED], "ts": [t for _, t, _ in EXPECTED]},
        schema_overrides={"ts": pl.Datetime("us")},
    )
    ledger = ConsentLedger(EVENTS)
    kept = [c for _, _, c in EXPECTED]
    for method in ("interval", "asof"):
        out = ledger.filter(rows.with_row_index(), "ads", time="ts", method=method)
        assert [i in out["index"].to_list() for i in range(len(EXPECTED))] == kept, method
        con = duckdb.connect()
        relation = con.from_arrow(rows.with_row_index().to_arrow())
        got = ledger.filter_relation(con, relation, "ads", time="ts", method=method).fetchall()
        assert sorted(r[0] for r in got) == [i for i, k in enumerate(kept) if k], method


def test_the_intervals_of_one_action_are_those_of_every_event_filtered() -> None:
    at = timestamp_literal(T + 5 * H)
    columns = "user_id, purpose, event_id, action, granted, valid_from, valid_until"
    every = _sql(f"SELECT {columns} FROM {validity_intervals_sql('events', at)} ORDER BY event_id")
    for action in ("withdraw", "grant"):
        only = _sql(
            f"SELECT {columns} FROM {validity_intervals_sql('events', at, action)} "
            "ORDER BY event_id"
        )
        assert only == [row for row in every if row[3] == action]
    # ce-2's withdrawal holds until ce-3, and ce-3's until ce-4 at the same instant
    withdrawals = _sql(
        f"SELECT event_id, valid_until FROM {validity_intervals_sql('events', at, 'withdraw')} "
        "ORDER BY event_id"
    )
    assert withdrawals == [("ce-2", T + 4 * H), ("ce-3", T + 4 * H)]
