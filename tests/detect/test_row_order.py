"""Verdicts do not depend on the order rows come in: the scanner puts the rows it scans in an
order fixed by their content, and draws its sample by row hash, not by position."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from detect.frames import OPTIONS, scan
from privacymesh.detect import ScanOptions
from privacymesh.detect.scanner import sample_frame


def mixed_table() -> pl.DataFrame:
    # phone numbers of two countries in national form (a region chosen from the first values
    # met would depend on row order), and more distinct e-mails than are validated
    i = pl.int_range(600)
    text = i.cast(pl.String)
    return pl.select(
        phone=pl.when(i < 420)
        .then("(415) 555-" + (1000 + i).cast(pl.String))
        .otherwise("030 " + (2_345_670 + i).cast(pl.String)),
        contact=pl.when(i % 3 == 0).then("user" + text + "@example.org").otherwise("n/a " + text),
        city=pl.when(i % 2 == 0).then(pl.lit("Berlin")).otherwise(pl.lit("Boston")),
        amount=i * 1.5,
    )


def verdicts(df: pl.DataFrame, options: ScanOptions = OPTIONS) -> dict:
    result = scan(df, options=options).to_dict()
    result.pop("seconds")
    for column in result["columns"]:
        for hit in column["categories"]:
            hit.pop("examples")  # masked examples are drawn in hash order, so they match too
    return result


def test_reversed_and_shuffled_rows_give_the_same_verdicts() -> None:
    df = mixed_table()
    options = ScanOptions(reference_date=OPTIONS.reference_date, max_validate=50)
    base = verdicts(df, options)
    assert base["columns"][1]["categories"][0]["category"] == "user.contact.email"
    assert verdicts(df.reverse(), options) == base
    for seed in (1, 2):
        assert verdicts(df.sample(fraction=1.0, shuffle=True, seed=seed), options) == base


def test_national_phone_numbers_of_a_public_sample_database() -> None:
    # AdventureWorks' phone numbers: a region taken from the first values met would lose the
    # verdict on the reversed table
    path = Path(__file__).parents[2] / "benchmarks/detection_corpus/tables/adventureworks"
    df = pl.read_parquet(path / "person_phone.parquet")
    forward = scan(df).column("PhoneNumber").category_keys()
    assert forward == {"user.contact.phone_number"}
    assert scan(df.reverse()).column("PhoneNumber").category_keys() == forward


def test_sample_is_drawn_by_content_not_position() -> None:
    df = mixed_table().with_row_index("id")
    options = ScanOptions(sample_rows=100, seed=3)
    drawn = sample_frame(df, options)
    again = sample_frame(df.reverse(), options)
    assert drawn.height == 100
    assert drawn["id"].to_list() == again["id"].to_list()
    # another seed draws other rows
    other = sample_frame(df, ScanOptions(sample_rows=100, seed=4))
    assert set(other["id"].to_list()) != set(drawn["id"].to_list())


def test_every_row_is_kept_when_the_table_fits_the_sample() -> None:
    df = mixed_table()
    drawn = sample_frame(df, ScanOptions(sample_rows=len(df)))
    assert drawn.sort("amount").equals(df.sort("amount"))
