"""Context (column name, description, tags, declared category, neighbours) raises or lowers
confidence; it never decides alone."""

from __future__ import annotations

import polars as pl

from detect.frames import categories, scan
from privacymesh.detect import ColumnContext
from privacymesh.detect.context import ContextSignals, tokens

POSTAL = "user.contact.address.postal_code"
EMAIL = "user.contact.email"
ZIPS = ["94107", "10001", "60614", "02139", "73301", "30301", "98101", "33101"] * 5


def confidence(df: pl.DataFrame, column: str, category: str, **kwargs) -> float:
    hits = scan(df, **kwargs).column(column).categories
    return next((h.score for h in hits if h.category == category), 0.0)  # the raw score


def test_tokens_split_names() -> None:
    assert {"date", "of", "birth", "dateofbirth"} <= tokens("dateOfBirth")
    assert {"customer", "email", "customeremail"} <= tokens("customer_email")
    assert "phone" in tokens("phones")


def test_name_context_raises_weak_evidence_over_the_line() -> None:
    assert POSTAL in categories(ZIPS, "postal_code")
    assert POSTAL not in categories(ZIPS, "c07")


def test_description_and_tags_raise_it() -> None:
    ctx = ColumnContext(description="Customer's ZIP code", tags=("pii", "postal"))
    assert POSTAL in categories(ZIPS, "c07", context=ctx)


def test_declared_category_raises_it() -> None:
    ctx = ColumnContext(category=POSTAL, classification="confidential")
    assert POSTAL in categories(ZIPS, "c07", context=ctx)


def test_negative_context_lowers_it() -> None:
    frame = pl.DataFrame({"zip": ZIPS, "amount": ZIPS})
    assert confidence(frame, "zip", POSTAL) > confidence(frame, "amount", POSTAL)
    assert POSTAL not in scan(frame).column("amount").category_keys()


def test_context_never_decides_alone() -> None:
    # names, descriptions and declared categories with no matching values: nothing reported
    ctx = ColumnContext(description="the customer's email address", category=EMAIL)
    assert not categories(["yes", "no", "yes", "no"] * 10, "email", context=ctx)
    assert not categories([True, False] * 20, "email_verified")
    assert not categories(["1", "2", "3"] * 10, "phone_number")


def test_strong_evidence_survives_negative_context() -> None:
    emails = [f"person{i}@example.org" for i in range(40)]
    assert EMAIL in categories(emails, "email_template_count")


def test_context_raises_confidence_of_strong_evidence() -> None:
    emails = [f"person{i}@example.org" for i in range(40)]
    named, opaque = pl.DataFrame({"email": emails}), pl.DataFrame({"c07": emails})
    assert confidence(named, "email", EMAIL) >= confidence(opaque, "c07", EMAIL)
    assert "context" in scan(named).column("email").categories[0].methods
    assert "context" not in scan(opaque).column("c07").categories[0].methods


def test_neighbor_names_are_context() -> None:
    signals = ContextSignals.build("c2", None, ["first_name", "last_name"])
    delta, raised = signals.adjustment("user.name", frozenset({"first"}), frozenset())
    assert raised and 0 < delta < 0.3
