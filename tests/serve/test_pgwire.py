"""The PostgreSQL message codec: parameters bound outside quotes and comments, binary values
read, results framed in the text format."""

from __future__ import annotations

import struct
from datetime import date, datetime

import polars as pl
import pytest

from privacymesh.serve import pgwire as wire


def test_parameters_replace_placeholders_outside_quotes_and_comments() -> None:
    values = [wire.parameter(wire.TEXT, b"it's", False), wire.parameter(wire.INT8, b"42", False)]
    sql = "SELECT '$1', \"$2\", $1 -- $2\n, /* $1 */ $2, $10x"
    with pytest.raises(wire.ProtocolError, match=r"\$10 is not bound"):
        wire.bind_parameters(sql, values)
    out = wire.bind_parameters(sql.replace(", $10x", ""), values)
    assert out == "SELECT '$1', \"$2\", 'it''s' -- $2\n, /* $1 */ 42"


def test_parameter_literals() -> None:
    assert wire.parameter(wire.INT4, b"1; DROP", False).literal == "'1; DROP'"  # not a number
    assert wire.parameter(wire.BOOL, b"t", False).literal == "TRUE"
    assert wire.parameter(wire.DATE, b"2026-01-02", False).literal == "CAST('2026-01-02' AS DATE)"
    assert wire.parameter(wire.INT8, None, False).literal == "NULL"
    assert wire.parameter(wire.INT8, struct.pack("!q", -7), True).literal == "-7"
    assert wire.parameter(wire.FLOAT8, struct.pack("!d", 1.5), True).literal == "1.5"
    assert wire.parameter(wire.DATE, struct.pack("!i", 1), True).literal == "DATE '2000-01-02'"
    with pytest.raises(wire.ProtocolError, match="not supported"):
        wire.parameter(wire.NUMERIC, b"\x00", True)


def test_rows_in_the_text_format() -> None:
    frame = pl.DataFrame(
        {
            "b": [True, None],
            "f": [float("inf"), 0.5],
            "d": [date(2026, 1, 2), None],
            "t": [datetime(2026, 1, 2, 3, 4, 5), None],
            "s": ["x", "é"],
        }
    )
    out = wire.data_rows(frame)
    first_len = struct.unpack("!i", out[1:5])[0]
    first = out[: first_len + 1]
    assert first[:1] == b"D" and struct.unpack("!h", first[5:7])[0] == 5
    assert b"\x00\x00\x00\x01t" in first and b"Infinity" in first and b"2026-01-02" in first
    assert b"2026-01-02 03:04:05" in first
    second = out[first_len + 1 :]
    assert second.count(b"\xff\xff\xff\xff") == 3 and "é".encode() in second
    desc = wire.row_description(frame)
    oids = [wire.BOOL, wire.FLOAT8, wire.DATE, wire.TIMESTAMP, wire.TEXT]
    assert all(struct.pack("!i", oid) in desc for oid in oids)
