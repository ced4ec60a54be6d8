"""The detector's bounded work: at most `max_validate` distinct values are validated per
recognizer and column, and the secret rules' one-search pre-test agrees with searching rule by
rule."""

from __future__ import annotations

import polars as pl

from privacymesh.detect import ScanOptions
from privacymesh.detect.recognizer import sample_distinct
from privacymesh.detect.recognizers.credentials import _any_rule, secret_rules


def test_at_most_max_validate_distinct_values_are_validated() -> None:
    values = pl.Series([f"v{i:04d}" for i in range(1000)] * 2)
    chosen = sample_distinct(values, ScanOptions(max_validate=64))
    assert chosen.len() == 64
    assert chosen.n_unique() == 64
    assert chosen.equals(sample_distinct(values, ScanOptions(max_validate=64)))


def test_a_short_column_is_validated_whole() -> None:
    values = pl.Series(["b", "a", "b", "c"])
    assert sample_distinct(values, ScanOptions(max_validate=8)).to_list() == ["b", "a", "c"]


def test_one_search_for_every_secret_rule_agrees_with_each_rule_alone() -> None:
    texts = [
        "order-1234\nAKIAIOSFODNN7EXAMPLE\nplain",
        "xoxb-123456789012-abcdefghijklmnop",
        "just some words\nand a number 12345678901234567890",
        "abcdefghijklmnopqrstuvwxyz0123456789",
    ]
    for text in texts:
        joined = pl.DataFrame({"value": [text]})
        alone = joined.select(
            [
                pl.col("value").str.contains(f"(?m){r}").alias(str(i))
                for i, r in enumerate(secret_rules())
            ]
        ).row(0)
        assert _any_rule(joined) == any(alone), text
    assert _any_rule(pl.DataFrame({"value": [texts[0]]}))
    assert not _any_rule(pl.DataFrame({"value": [texts[3]]}))
