"""Flags stored as real Boolean columns: the name states the fact about the person, so a
Boolean `smoker` in a table of people is health data like a Yes/No one; every other Boolean
column stays unread by value."""

from __future__ import annotations

import polars as pl

from detect.frames import scan

HEALTH = "user.health_and_medical"
MARITAL = "user.demographic.marital_status"
FINANCIAL = "user.financial"
N = 40


def _members(**columns: list) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "member_id": [f"M-{5300 + i}" for i in range(N)],
            "sex": [["F", "M"][i % 2] for i in range(N)],
            "birth_date": [f"19{60 + i % 30}-0{1 + i % 9}-1{i % 10}" for i in range(N)],
        }
    )
    return frame.with_columns(pl.Series(k, v, dtype=pl.Boolean) for k, v in columns.items())


def test_boolean_flags_under_a_personal_fact_are_that_fact() -> None:
    result = scan(
        _members(
            is_smoker=[i % 4 == 0 for i in range(N)],
            married=[i % 3 == 0 for i in range(N)],
            has_mortgage=[None if i % 7 == 0 else i % 2 == 0 for i in range(N)],
        )
    )
    assert HEALTH in result.column("is_smoker").category_keys()
    assert MARITAL in result.column("married").category_keys()
    assert FINANCIAL in result.column("has_mortgage").category_keys()


def test_other_boolean_columns_stay_unread() -> None:
    flags = [i % 2 == 0 for i in range(N)]
    result = scan(_members(is_active=flags, email_sent=flags, opened=flags[::-1]))
    for column in ("is_active", "email_sent", "opened"):
        assert not result.column(column).category_keys(), column
    # a personal fact's name in a table of no one: a product's `smoker` edition
    things = pl.DataFrame(
        {
            "sku": [f"SKU-{900 + i}" for i in range(N)],
            "smoker": pl.Series([i % 2 == 0 for i in range(N)], dtype=pl.Boolean),
        }
    )
    assert not scan(things).column("smoker").category_keys()
    # an all-null Boolean column is still nothing to scan
    empty = _members(married=[None] * N)
    assert not empty.is_empty()
    assert not scan(empty).column("married").category_keys()
