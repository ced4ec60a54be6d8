"""The SQL twin of the masking rules gives the Polars rules' values, on the sample's own data."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from privacymesh import masking
from privacymesh.catalog import load_catalog
from privacymesh.platform.query import masking_sql

RULES = ("partial", "generalize", "hash", "redact")
KEY = b"test-key-for-masking"


def _columns(pristine: Path) -> list[tuple[str, str, str]]:
    catalog = load_catalog(pristine / "contracts")
    out = []
    for p in sorted(catalog.products.values(), key=lambda p: p.id):
        for f in p.personal_fields:
            out.append((p.id, f.name, f.pii_category or ""))
    return out


def test_sql_twin_equals_polars_on_every_personal_column(pristine: Path) -> None:
    con = duckdb.connect()
    checked = 0
    for product_id, column, category in _columns(pristine):
        domain, name = product_id.split(".")
        frame = (
            pl.read_parquet(pristine / "products" / domain / f"{name}.parquet", columns=[column])
            .unique(maintain_order=True)
            .head(300)
            .select(pl.col(column).alias("v"))
        )
        con.register("values_", frame.to_arrow())
        for rule in RULES:
            expected = frame.select(masking.mask(pl.col("v"), category, rule, key=KEY).alias("m"))
            sql = masking_sql.mask_sql('"v"', category, rule, key=KEY)
            got = con.sql(f"SELECT {sql} AS m FROM values_").to_arrow_table()
            assert got.column("m").to_pylist() == expected["m"].cast(pl.String).to_list(), (
                product_id,
                column,
                rule,
            )
            checked += 1
    assert checked >= 4 * 40


@pytest.mark.parametrize(
    "value",
    ["  Jürgen O'Brien-Müller 2nd ", "+44 7700 900123", "SW1A 1AA", "2001:db8::1", "x\u00a0y@z.de"],
)
def test_sql_twin_handles_unicode_and_odd_shapes(value: str) -> None:
    con = duckdb.connect()
    frame = pl.DataFrame({"v": [value, None]})
    con.register("values_", frame.to_arrow())
    for category in (
        "user.name",
        "user.contact.phone_number",
        "user.contact.address.postal_code",
        "user.device.ip_address",
        "user.contact.email",
    ):
        for rule in RULES:
            expected = frame.select(masking.mask(pl.col("v"), category, rule, key=KEY).alias("m"))[
                "m"
            ]
            got = con.sql(
                f"SELECT {masking_sql.mask_sql('v', category, rule, key=KEY)} AS m FROM values_"
            ).to_arrow_table()
            assert got.column("m").to_pylist() == expected.to_list(), (category, rule)


def test_round_significant_agrees_and_generalizes() -> None:
    values = [52345.67, 712.0, 7.25, -1234.5, 0.5, None, 99999.0, 3_300_000.0]
    frame = pl.DataFrame({"x": values})
    polars = frame.select(masking_sql.round_significant_expr(pl.col("x")))["x"].to_list()
    con = duckdb.connect()
    con.register("t", frame.to_arrow())
    sql = [r[0] for r in con.sql(f"SELECT {masking_sql.round_significant('x')} FROM t").fetchall()]
    assert polars == sql
    assert polars[:4] == [52000.0, 710.0, 7.0, -1300.0]
