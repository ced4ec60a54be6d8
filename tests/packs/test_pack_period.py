from __future__ import annotations

from datetime import date, datetime

import pytest

from privacymesh.families import family_of
from privacymesh.packs import PackError, parse_period, period_between, resolve_period
from privacymesh.packs.controls import describe_cron


def test_quarter_month_year_and_explicit_days() -> None:
    q = parse_period("2026-Q3")
    assert (q.first, q.last, q.label) == (date(2026, 7, 1), date(2026, 9, 30), "2026-Q3")
    assert q.end == datetime(2026, 10, 1) and q.start == datetime(2026, 7, 1)
    assert parse_period("2026-q4").last == date(2026, 12, 31)
    assert parse_period("2024-02").last == date(2024, 2, 29)
    assert parse_period("2026").first == date(2026, 1, 1)
    span = period_between("2026-08-01", "2026-08-15")
    assert (span.label, span.end) == ("2026-08-01_2026-08-15", datetime(2026, 8, 16))
    assert resolve_period(default=datetime(2026, 11, 1)).label == "2026-Q4"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"period": "Q3-2026"}, "--period"),
        ({"first": "2026-09-01", "last": "2026-08-01"}, "--to"),
        ({"first": "2026-09-01"}, "--to"),
        ({"period": "2026-Q3", "first": "2026-07-01", "last": "2026-07-02"}, "--period"),
        ({"first": "2026-13-01", "last": "2026-12-01"}, "--from"),
    ],
)
def test_bad_periods_name_the_option(kwargs: dict, field: str) -> None:
    with pytest.raises(PackError) as err:
        resolve_period(**kwargs)
    assert err.value.field == field


def test_sections_by_longest_prefix_and_cron_words() -> None:
    assert family_of("dsar.deadline").key == "dsar"
    assert family_of("dsar.erasure_residue").key == "erasure"
    assert family_of("consent.anything_new").key == "consent"
    assert family_of("rotation.support_sla").key == "operations"
    assert family_of("brand.new").key == "other"
    assert describe_cron("0 2 * * *") == "daily at 02:00 UTC"
    assert describe_cron("0 * * * *") == "hourly at minute 00"
    assert describe_cron("0 4 * * 1") == "weekly on Monday at 04:00 UTC"
    assert describe_cron("*/5 * * * *") == "cron */5 * * * * (UTC)"
