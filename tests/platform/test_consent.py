"""The consent API: single checks and batch filters agree with the ledger's definition (the
latest event at or before a time is a grant); changes append events and notices; bad input
changes nothing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from platform_support import snapshot

from privacymesh.platform import (
    ConsentError,
    ConsentLedger,
    UnknownPurposeError,
    UnknownSubjectError,
)
from privacymesh.platform.consent import read_events
from privacymesh.platform.identity import IdentityMap
from privacymesh.workspace import Workspace

PURPOSES = ["marketing", "analytics", "personalisation", "sale_sharing", "fraud_prevention"]


@pytest.fixture(scope="module")
def ledger(pristine: Path) -> ConsentLedger:
    platform = pristine / "platform"
    return ConsentLedger(read_events(platform), identity=IdentityMap.load(platform))


def _reference(pristine: Path, calls: list[tuple[str, str, datetime]]) -> list[bool]:
    """The definition, in SQL: the latest event at or before t (ties: the later event id)."""
    con = duckdb.connect()
    con.register(
        "calls",
        pl.DataFrame(calls, schema=["user_id", "purpose", "at"], orient="row")
        .with_row_index("i")
        .to_arrow(),
    )
    events = pristine / "platform" / "consent_events.parquet"
    rows = con.sql(
        f"""SELECT c.i, coalesce(arg_max(e.action, (e.event_time, e.event_id)) = 'grant', false)
            FROM calls c LEFT JOIN read_parquet('{events}') e
              ON e.user_id = c.user_id AND e.purpose = c.purpose AND e.event_time <= c.at
            GROUP BY c.i ORDER BY c.i"""
    ).fetchall()
    return [bool(r[1]) for r in rows]


def test_single_checks_follow_the_ledger(ledger: ConsentLedger, pristine: Path) -> None:
    events = ledger.events
    rng = random.Random(3)
    subjects = ledger.identity.user_ids.to_list()
    calls = []
    # around real events (just before, at, just after) and at random times
    for row in events.sample(150, seed=1).iter_rows(named=True):
        for delta in (-1, 0, 1):
            calls.append(
                (row["user_id"], row["purpose"], row["event_time"] + timedelta(seconds=delta))
            )
    for _ in range(300):
        calls.append(
            (
                rng.choice(subjects),
                rng.choice(PURPOSES),
                datetime(2019, 1, 1) + timedelta(days=rng.randrange(2900)),
            )
        )
    expected = _reference(pristine, calls)
    got = [ledger.is_permitted(s, p, at) for s, p, at in calls]
    assert got == expected
    assert 0 < sum(got) < len(got)


def test_unknown_subject_and_purpose_are_errors(ledger: ConsentLedger) -> None:
    with pytest.raises(UnknownSubjectError):
        ledger.is_permitted("u_999999", "marketing")
    with pytest.raises(UnknownPurposeError):
        ledger.is_permitted("u_000001", "astrology")


def _frame(ledger: ConsentLedger, n: int = 3000) -> pl.DataFrame:
    rng = random.Random(5)
    subjects = ledger.identity.user_ids.to_list()
    return pl.DataFrame(
        {
            "user_id": [rng.choice(subjects) for _ in range(n)],
            "t": [
                datetime(2024, 1, 1) + timedelta(minutes=rng.randrange(1_400_000)) for _ in range(n)
            ],
            "x": list(range(n)),
        }
    )


def test_batch_filters_agree_with_single_checks(ledger: ConsentLedger) -> None:
    frame = _frame(ledger)
    expected = frame.filter(
        pl.Series(
            [
                ledger.is_permitted(u, "analytics", t)
                for u, t in zip(frame["user_id"], frame["t"], strict=True)
            ]
        )
    )
    for method in ("interval", "asof"):
        got = ledger.filter(frame, "analytics", subject="user_id", time="t", method=method)
        assert got.equals(expected), method  # same rows, same order, same columns
        lazy = ledger.filter(frame.lazy(), "analytics", subject="user_id", time="t", method=method)
        assert isinstance(lazy, pl.LazyFrame) and lazy.collect().equals(expected)
        con = duckdb.connect()
        con.register("f", frame.to_arrow())
        rel = ledger.filter_relation(
            con, con.sql("SELECT * FROM f"), "analytics", subject="user_id", time="t", method=method
        )
        assert sorted(r[0] for r in rel.select("x").fetchall()) == expected["x"].to_list()


def test_batch_filter_by_device_id_and_at_a_time(ledger: ConsentLedger) -> None:
    frame = _frame(ledger, 1000)
    forms = ledger.identity.forms().select("user_id", "device_id")
    by_device = frame.join(forms, on="user_id").drop("user_id")
    a = ledger.filter(frame, "marketing", subject="user_id", time="t")["x"].sort()
    b = ledger.filter(
        by_device, "marketing", subject="device_id", time="t", subject_form="device_id"
    )["x"].sort()
    assert a.equals(b)
    at = datetime(2026, 6, 1)
    now = ledger.filter(frame, "marketing", subject="user_id", at=at)
    assert now["x"].to_list() == [
        x
        for u, x in zip(frame["user_id"], frame["x"], strict=True)
        if ledger.is_permitted(u, "marketing", at)
    ]


def test_revoke_appends_event_and_notices(ws: Workspace) -> None:
    ledger = ConsentLedger.open(ws)
    uid = next(u for u in ledger.identity.user_ids if ledger.is_permitted(u, "analytics"))
    before = read_events(ws.platform).height
    change = ledger.revoke(uid, "analytics", source="support")
    assert read_events(ws.platform).height == before + 1
    assert change.products == (
        "analytics.store_visits",
        "analytics.user_profile_wide",
        "growth.web_events",
    )
    assert not ledger.is_permitted(uid, "analytics")
    reopened = ConsentLedger.open(ws)
    assert not reopened.is_permitted(uid, "analytics")
    assert reopened.is_permitted(uid, "analytics", at=change.at - timedelta(seconds=1))
    notices = reopened.notices(pending_only=True)
    assert sorted(notices["product"].to_list()) == list(change.products)
    assert (notices["due_at"] > notices["issued_at"]).all()
    status = reopened.status(uid, "analytics")
    assert (status.permitted, status.action, status.pending_notices) == (False, "withdraw", 3)
    applications = ws.platform / "consent_applications.parquet"
    assert reopened.acknowledge(change.event_id, "growth.web_events") == 1
    assert reopened.notices(pending_only=True).height == 2
    applied = pl.read_parquet(applications).filter(pl.col("event_id") == change.event_id)
    assert applied["domain"].to_list() == ["growth"]  # growth has applied it; analytics not yet
    reopened.acknowledge(change.event_id, "analytics.store_visits")
    assert pl.read_parquet(applications).filter(pl.col("event_id") == change.event_id).height == 1
    reopened.acknowledge(change.event_id, "analytics.user_profile_wide")
    applied = pl.read_parquet(applications).filter(pl.col("event_id") == change.event_id)
    assert (
        sorted(applied["domain"]) == ["analytics", "growth"]
        and applied["applied_at"].is_not_null().all()
    )
    marketing = reopened.notice_products("marketing")
    assert marketing == [
        "crm.customer_360",
        "crm.customers",
        "marketing.audience_export",
        "marketing.campaign_sends",
    ]
    regrant = reopened.grant(uid, "analytics", source="web")
    assert reopened.is_permitted(uid, "analytics", at=regrant.at)


def test_bad_changes_change_nothing(ws: Workspace) -> None:
    ledger = ConsentLedger.open(ws)
    before = snapshot(ws.platform)
    never = next(u for u in ledger.identity.user_ids if not ledger.is_permitted(u, "sale_sharing"))
    with pytest.raises(ConsentError, match="no consent"):
        ledger.revoke(never, "sale_sharing")
    with pytest.raises(UnknownSubjectError):
        ledger.revoke("nobody@example.org", "marketing")
    with pytest.raises(UnknownPurposeError):
        ledger.grant(never, "astrology")
    with pytest.raises(ConsentError, match="unknown source"):
        ledger.grant(never, "marketing", source="carrier pigeon")
    assert snapshot(ws.platform) == before


def test_the_consent_rule_in_polars_and_sql_agree_with_single_checks(
    ledger: ConsentLedger, pristine: Path
) -> None:
    from privacymesh.catalog import quote_literal, timestamp_literal
    from privacymesh.platform.consent import latest_grants_sql

    events = f"read_parquet({quote_literal(str(pristine / 'platform' / 'consent_events.parquet'))})"
    times = ledger.events["event_time"].sort()
    subjects = ledger.events["user_id"].unique().sort().head(40).to_list()
    con = duckdb.connect()
    for purpose in ("marketing", "analytics"):
        for at in (times[len(times) // 3], times[-1]):
            polars_ids = ledger.consenting(purpose, at)["user_id"].to_list()
            sql = latest_grants_sql(events, quote_literal(purpose), timestamp_literal(at))
            sql_ids = sorted(r[0] for r in con.sql(sql).fetchall())
            assert polars_ids == sql_ids and polars_ids  # some subjects consent
            single = [u for u in subjects if ledger.is_permitted(u, purpose, at)]
            assert single == [u for u in subjects if u in set(polars_ids)]
