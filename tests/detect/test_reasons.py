"""A column's verdict carries its reasons: which recognizers hit, the share of values, whether a
validator passed them, and the context that raised or lowered the confidence."""

from __future__ import annotations

import polars as pl

from detect.frames import scan
from privacymesh.detect import ColumnContext

CARDS = ["4539 1488 0343 6467", "5500 0000 0000 0004", "340000000000009", None, "n/a"]


def hit_of(df: pl.DataFrame, column: str, **kwargs):  # type: ignore[no-untyped-def]
    (hit,) = scan(df, **kwargs).column(column).categories
    return hit


def test_reasons_name_the_recognizer_share_validator_and_context() -> None:
    df = pl.DataFrame({"card_number": CARDS * 20, "amount": [1.0, 2.0, 3.0, 4.0, 5.0] * 20})
    hit = hit_of(df, "card_number")
    assert hit.category == "user.financial.credit_card"
    (reason,) = hit.reasons
    assert reason.recognizer == hit.recognizers[0]
    assert reason.share == 0.75  # 3 of the 4 non-null values are cards
    assert reason.validated
    assert reason.raised_by == ("name: card", "name: cardnumber")
    assert reason.context > 0 and reason.lowered_by == ()
    assert round(reason.value_strength + reason.context, 4) >= hit.score - 0.0001


def test_the_same_values_under_a_plain_name_are_raised_by_nothing() -> None:
    df = pl.DataFrame({"c07": CARDS * 20})
    (reason,) = hit_of(df, "c07").reasons
    assert reason.raised_by == () and reason.context == 0.0


def test_declared_category_and_negative_words_are_named() -> None:
    df = pl.DataFrame({"plan_phone": ["+44 20 7946 0958", "+49 30 901820", "+1 415 555 2671"] * 20})
    context = {"plan_phone": ColumnContext(category="user.contact.phone_number")}
    reason = hit_of(df, "plan_phone", context=context).reasons[0]
    assert "declared: user.contact.phone_number" in reason.raised_by
    assert "name: phone" in reason.raised_by
    assert reason.lowered_by == ("name: plan",)


def test_reasons_in_the_json_document() -> None:
    df = pl.DataFrame({"card_number": CARDS * 20})
    doc = scan(df).to_dict()["columns"][0]["categories"][0]["reasons"][0]
    assert set(doc) == {
        "recognizer", "share", "value_strength", "validated", "context", "raised_by",
        "lowered_by", "found_in",
    }  # fmt: skip
    assert doc["validated"] is True and doc["raised_by"][0] == "name: card"
