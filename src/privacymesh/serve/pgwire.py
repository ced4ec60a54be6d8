"""The PostgreSQL frontend/backend protocol (version 3.0), the subset a governed read endpoint
needs: startup with a cleartext password, simple queries, the extended-query messages (Parse,
Bind, Describe, Execute, Sync, Close), text-format results and ErrorResponse.

This module only encodes and decodes messages; `privacymesh.serve.query_endpoint` decides what
runs. Results are converted column by column (Polars casts to the PostgreSQL text forms), then
framed into DataRow messages.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from privacymesh.catalog import quote_literal

PROTOCOL_3 = 196608
SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
CANCEL_REQUEST = 80877102
MAX_MESSAGE = 8 * 1024 * 1024  # a larger frame is refused: queries are text, not data

_I16 = struct.Struct("!h")
_I32 = struct.Struct("!i")
_HEAD = struct.Struct("!ci")


class ProtocolError(Exception):
    """The client broke the protocol: the connection is closed after a FATAL error."""


# ---- framing -------------------------------------------------------------------------------


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return _HEAD.pack(kind, len(payload) + 4) + payload


def cstr(text: str) -> bytes:
    return text.encode("utf-8") + b"\0"


async def read_startup(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The length-prefixed startup packet (no type byte): its code and the rest."""
    (length,) = _I32.unpack(await reader.readexactly(4))
    if not 8 <= length <= 10_000:
        raise ProtocolError("invalid startup packet length")
    body = await reader.readexactly(length - 4)
    return _I32.unpack(body[:4])[0], body[4:]


async def read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    kind, length = _HEAD.unpack(await reader.readexactly(5))
    if not 4 <= length <= MAX_MESSAGE:
        raise ProtocolError("invalid message length")
    return kind, await reader.readexactly(length - 4)


def startup_parameters(body: bytes) -> dict[str, str]:
    parts = body.split(b"\0")
    pairs = {}
    for i in range(0, len(parts) - 1, 2):
        if not parts[i]:
            break
        pairs[parts[i].decode("utf-8", "replace")] = parts[i + 1].decode("utf-8", "replace")
    return pairs


class Payload:
    """A cursor over one message's payload."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def cstr(self) -> str:
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos : end].decode("utf-8")
        self.pos = end + 1
        return text

    def i16(self) -> int:
        (value,) = _I16.unpack_from(self.data, self.pos)
        self.pos += 2
        return int(value)

    def i32(self) -> int:
        (value,) = _I32.unpack_from(self.data, self.pos)
        self.pos += 4
        return int(value)

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ProtocolError("truncated message")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out


# ---- backend messages ----------------------------------------------------------------------


def auth_request(code: int) -> bytes:
    return message(b"R", _I32.pack(code))


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", cstr(name) + cstr(value))


def backend_key(pid: int, secret: int) -> bytes:
    return message(b"K", _I32.pack(pid) + _I32.pack(secret))


def ready(status: bytes) -> bytes:
    return message(b"Z", status)


def command_complete(tag: str) -> bytes:
    return message(b"C", cstr(tag))


def negotiate_version(unknown: list[str]) -> bytes:
    body = _I32.pack(0) + _I32.pack(len(unknown)) + b"".join(cstr(o) for o in unknown)
    return message(b"v", body)


def error_response(code: str, text: str, *, hint: str | None = None, fatal: bool = False) -> bytes:
    severity = "FATAL" if fatal else "ERROR"
    body = b"S" + cstr(severity) + b"V" + cstr(severity) + b"C" + cstr(code) + b"M" + cstr(text)
    if hint:
        body += b"H" + cstr(hint)
    return message(b"E", body + b"\0")


PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
EMPTY_QUERY = message(b"I")


def parameter_description(oids: list[int]) -> bytes:
    return message(b"t", _I16.pack(len(oids)) + b"".join(_I32.pack(o) for o in oids))


# ---- types and results ---------------------------------------------------------------------

BOOL, BYTEA, INT8, INT2, INT4, TEXT, FLOAT4, FLOAT8 = 16, 17, 20, 21, 23, 25, 700, 701
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, NUMERIC, UNKNOWN, VARCHAR = (
    1082,
    1083,
    1114,
    1184,
    1700,
    705,
    1043,
)
INTERVAL, JSON = 1186, 114
_SIZES = {BOOL: 1, INT2: 2, INT4: 4, INT8: 8, FLOAT4: 4, FLOAT8: 8, DATE: 4, TIME: 8}
_SIZES |= {TIMESTAMP: 8, TIMESTAMPTZ: 8}


def type_oid(dtype: pl.DataType) -> int:
    """The PostgreSQL type a column is described as."""
    if dtype == pl.Boolean:
        return BOOL
    if dtype in (pl.Int8, pl.Int16, pl.UInt8):
        return INT2
    if dtype in (pl.Int32, pl.UInt16):
        return INT4
    if dtype in (pl.Int64, pl.UInt32):
        return INT8
    if dtype in (pl.UInt64, pl.Int128) or isinstance(dtype, pl.Decimal):
        return NUMERIC
    if dtype == pl.Float32:
        return FLOAT4
    if dtype == pl.Float64:
        return FLOAT8
    if dtype == pl.Date:
        return DATE
    if dtype == pl.Time:
        return TIME
    if isinstance(dtype, pl.Datetime):
        return TIMESTAMPTZ if dtype.time_zone else TIMESTAMP
    if dtype == pl.Binary:
        return BYTEA
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return JSON
    return TEXT


def _as_text(name: str, dtype: pl.DataType) -> pl.Expr:
    col = pl.col(name)
    if dtype == pl.Boolean:
        return pl.when(col).then(pl.lit("t")).when(~col).then(pl.lit("f"))
    if isinstance(dtype, pl.Datetime):
        fmt = "%Y-%m-%d %H:%M:%S%.f" + ("%:z" if dtype.time_zone else "")
        return col.dt.to_string(fmt)
    if dtype == pl.Time:
        return col.dt.to_string("%H:%M:%S%.f")
    if dtype == pl.Binary:
        return pl.lit("\\x") + col.bin.encode("hex")
    if isinstance(dtype, pl.Float32 | pl.Float64):
        text = col.cast(pl.String)
        return (
            pl.when(col.is_nan())
            .then(pl.lit("NaN"))
            .when(col == float("inf"))
            .then(pl.lit("Infinity"))
            .when(col == float("-inf"))
            .then(pl.lit("-Infinity"))
            .otherwise(text)
        )
    if isinstance(dtype, pl.Struct):
        return col.struct.json_encode()
    if isinstance(dtype, pl.List | pl.Array):
        return col.map_elements(lambda v: json.dumps(v.to_list(), default=str), pl.String)
    if isinstance(dtype, pl.Duration):
        return col.dt.total_microseconds().cast(pl.String) + pl.lit(" microseconds")
    return col.cast(pl.String)


def row_description(frame: pl.DataFrame) -> bytes:
    body = [_I16.pack(frame.width)]
    for name, dtype in frame.schema.items():
        oid = type_oid(dtype)
        size = _SIZES.get(oid, -1)
        body.append(cstr(name) + struct.pack("!ihihih", 0, 0, oid, size, -1, 0))
    return message(b"T", b"".join(body))


def data_rows(frame: pl.DataFrame) -> bytes:
    """Every row of the frame as DataRow messages, in the text format."""
    if frame.height == 0:
        return b""
    texts = frame.select(_as_text(name, dtype).alias(name) for name, dtype in frame.schema.items())
    columns = [
        [None if v is None else v.encode("utf-8") for v in texts.get_column(n).to_list()]
        for n in texts.columns
    ]
    head = _I16.pack(frame.width)
    null = _I32.pack(-1)
    pack = _I32.pack
    out = []
    for row in zip(*columns, strict=True):
        body = head + b"".join(null if v is None else pack(len(v)) + v for v in row)
        out.append(_HEAD.pack(b"D", len(body) + 4) + body)
    return b"".join(out)


# ---- parameters (extended query) -----------------------------------------------------------

_NUMERIC_OIDS = {INT2, INT4, INT8, FLOAT4, FLOAT8, NUMERIC}
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")


@dataclass(frozen=True)
class Parameter:
    """One bound value: its declared type and its SQL literal."""

    oid: int
    literal: str


def parameter(oid: int, value: bytes | None, binary: bool) -> Parameter:
    """A bound value as a SQL literal (text or binary wire format); ProtocolError when it cannot
    be read."""
    if value is None:
        return Parameter(oid, "NULL")
    if binary:
        return Parameter(oid, _binary_literal(oid, value))
    text = value.decode("utf-8")
    if oid in _NUMERIC_OIDS and _NUMBER.match(text.strip()):
        return Parameter(oid, text.strip())
    if oid == BOOL and text.lower() in ("t", "true", "f", "false"):
        return Parameter(oid, "TRUE" if text.lower()[0] == "t" else "FALSE")
    literal = quote_literal(text)
    casts = {DATE: "DATE", TIMESTAMP: "TIMESTAMP", TIMESTAMPTZ: "TIMESTAMPTZ", TIME: "TIME"}
    return Parameter(oid, f"CAST({literal} AS {casts[oid]})" if oid in casts else literal)


_EPOCH = date(2000, 1, 1)


def _binary_literal(oid: int, value: bytes) -> str:
    try:
        if oid == INT2:
            return str(struct.unpack("!h", value)[0])
        if oid == INT4:
            return str(struct.unpack("!i", value)[0])
        if oid == INT8:
            return str(struct.unpack("!q", value)[0])
        if oid == FLOAT4:
            return repr(struct.unpack("!f", value)[0])
        if oid == FLOAT8:
            return repr(struct.unpack("!d", value)[0])
        if oid == BOOL:
            return "TRUE" if value == b"\x01" else "FALSE"
        if oid == DATE:
            return f"DATE '{_EPOCH + timedelta(days=struct.unpack('!i', value)[0])}'"
        if oid in (TEXT, VARCHAR, UNKNOWN, 0):
            return quote_literal(value.decode("utf-8"))
        if oid == BYTEA:
            return f"from_hex('{value.hex()}')"
    except (struct.error, UnicodeDecodeError, OverflowError):
        raise ProtocolError(f"malformed binary parameter of type {oid}") from None
    raise ProtocolError(f"binary parameters of type {oid} are not supported: send text")


def bind_parameters(sql: str, values: list[Parameter]) -> str:
    """`sql` with `$1`, `$2` ... replaced by their literals, outside quotes and comments."""
    if not values:
        return sql
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif ch == "$" and i + 1 < n and sql[i + 1].isdigit():
            end = i + 1
            while end < n and sql[end].isdigit():
                end += 1
            index = int(sql[i + 1 : end])
            if not 1 <= index <= len(values):
                raise ProtocolError(f"parameter ${index} is not bound")
            out.append(values[index - 1].literal)
            i = end
        else:
            out.append(ch)
            i += 1
    return "".join(out)
