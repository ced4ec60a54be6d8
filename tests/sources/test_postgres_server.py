"""The fixture's server is real (SQL over TCP with a password), and what its driver sends is
made plain Arrow: PostgreSQL's NUMERIC arrives as text and must be read as a number."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from privacymesh.sources.postgres import plain_arrow

pg = pytest.importorskip(
    "adbc_driver_postgresql.dbapi", reason="pip install 'privacymesh[postgres]'"
)


def test_numeric_results_are_numbers(postgres) -> None:
    postgres.execute("CREATE SCHEMA IF NOT EXISTS probe")
    postgres.load("probe.t", pa.table({"a": [1, 2, 3]}))
    with pg.connect(postgres.uri()) as con, con.cursor() as cur:
        cur.execute("SELECT sum(a) AS s, avg(a) AS m, 2.50::numeric(5, 2) AS d FROM probe.t")
        raw = cur.fetch_arrow_table()
    assert raw.column("s").to_pylist() == ["6"]  # the driver's text
    plain = plain_arrow(raw)
    assert plain.to_pylist() == [{"s": 6.0, "m": 2.0, "d": Decimal("2.50")}]
    assert plain.schema.field("d").type == pa.decimal128(5, 2)
