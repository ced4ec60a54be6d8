"""The sample's twelve weeks of history: full weekly runs ending at the pinned reference time,
with problems appearing and being fixed, so every trend of the read model has points."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
import pytest

from privacymesh.ledger import Ledger
from privacymesh.sample.history import weekly_reference_times
from privacymesh.views import Scope, checks, posture
from privacymesh.views.findings import finding_table
from privacymesh.workspace import Workspace

WEEKS = [datetime(2026, 8, 16) + timedelta(weeks=i) for i in range(12)]


def test_weekly_reference_times_end_at_the_pin() -> None:
    times = weekly_reference_times(datetime(2026, 11, 1))
    assert times == WEEKS and times[-1] == datetime(2026, 11, 1)
    assert weekly_reference_times(datetime(2026, 11, 1), 1) == [datetime(2026, 11, 1)]
    with pytest.raises(ValueError, match="at least 1"):
        weekly_reference_times(datetime(2026, 11, 1), 0)


@pytest.fixture(scope="module")
def ledger(history_ws: Workspace) -> Ledger:
    with Ledger(history_ws.ledger_path, read_only=True) as led:
        yield led


def test_every_week_is_a_full_run_and_a_trend_point(ledger: Ledger) -> None:
    trend = posture.posture_trend(ledger, Scope())
    assert sorted(set(trend["point"].to_list())) == WEEKS
    overall = trend.group_by("point").agg(pl.col("failing").sum()).sort("point")
    # the failing results move with the reference time: the trend is not flat
    assert overall["failing"].n_unique() > 1


def test_problems_appear_and_are_fixed_over_the_weeks(ledger: Ledger) -> None:
    table = finding_table(ledger, Scope())
    # on-call coverage gaps of the first weeks are closed when the rota fills on 2026-10-04
    fixed = table.filter(
        (pl.col("check_id") == "rotation.coverage") & (pl.col("lifecycle") == "closed")
    )
    assert fixed.height == 11
    assert set(fixed["first_seen_at"].to_list()) == {WEEKS[0]}
    assert set(fixed["closed_at"].to_list()) == {datetime(2026, 10, 4)}
    # late DSAR tasks appear as their deadlines pass, and stay open at the pin
    late = table.filter(
        (pl.col("check_id") == "dsar.task_deadline") & (pl.col("first_seen_at") > WEEKS[0])
    )
    assert late.height >= 5 and set(late["lifecycle"].to_list()) == {"still open"}
    assert datetime(2026, 9, 13) in late["first_seen_at"].to_list()


def test_a_checks_trend_has_a_complete_point_every_week(ledger: Ledger) -> None:
    trend = checks.metric_trend(ledger, "dsar.task_deadline", "exceptions", Scope())
    assert sorted(set(trend["day"].to_list())) == WEEKS
    assert set(trend["coverage"].to_list()) == {"full"}
