"""Unpacking: values hidden inside other values. JSON documents in text columns give their leaves
(any depth, arrays too), grouped by key so the key acts as a column name; base64, base64url, hex
and URL-encoded values are decoded. Each unpacking yields new `ColumnValues` with the same row ids,
which the scanner scans again, up to `max_decode_depth` times. Extraction is regex over whole
columns (malformed JSON simply yields fewer leaves); decoding runs once per distinct candidate,
on a bounded number of candidates, and only keeps printable UTF-8 text."""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Callable
from dataclasses import replace

import polars as pl

from privacymesh.detect.recognizer import BOOLEAN, ROW, VALUE, ColumnValues, collect, text_gate
from privacymesh.detect.text_search import joined_matches

_STR = r'"(?:[^"\\]|\\.)*"'
_NUM = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_KEY = r'"((?:[^"\\]|\\.)+)"\s*:\s*'
JSON_HINT = r'[\[{]\s*"|\[\s*-?\d'
PAIR = rf"{_KEY}({_STR}|{_NUM})"
ARRAY = rf"{_KEY}\[([^\[\]{{}}]*)\]"
ELEMENT = rf"{_STR}|{_NUM}"
ANY_STRING = _STR

B64_TOKEN = r"[A-Za-z0-9+/]{12,}={0,2}|[A-Za-z0-9_\-]{12,}={0,2}"
HEX_TOKEN = r"\b(?:[0-9A-Fa-f]{2}){6,}\b"
URL_ESCAPE = r"%[0-9A-Fa-f]{2}"
MAX_DECODE_CANDIDATES = 1_000
PROBE = 100  # distinct candidates tried first; when none decodes, the rest are not tried

_ESCAPES = {
    '\\"': '"',
    "\\\\": "\\",
    "\\/": "/",
    "\\n": " ",
    "\\t": " ",
    "\\r": " ",
    **{f"\\u{code:04x}": chr(code) for code in range(0x20, 0x7F)},
    **{f"\\u{code:04X}": chr(code) for code in range(0x20, 0x7F)},
}


def unescape_json(expr: pl.Expr) -> pl.Expr:
    """JSON string escapes of printable ASCII undone (`\\u0040` -> `@`), vectorised."""
    return expr.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()), leftmost=True)


def _literal_value(expr: pl.Expr) -> pl.Expr:
    """A JSON scalar as text: strings without quotes and unescaped, numbers as written."""
    is_str = expr.str.starts_with('"')
    inner = unescape_json(expr.str.strip_prefix('"').str.strip_suffix('"'))
    return pl.when(is_str).then(inner).otherwise(expr)


def json_leaves(values: ColumnValues) -> list[ColumnValues]:
    """One `ColumnValues` per JSON key (the most frequent `max_json_keys`, the rest as `*`)."""
    docs = values.frame.filter(pl.col(VALUE).str.contains(JSON_HINT))
    if docs.height == 0:
        return []
    v = pl.col(VALUE)
    pairs = (
        docs.select(ROW, v.str.extract_all(PAIR).alias("m"))
        .explode("m")
        .drop_nulls("m")
        .select(ROW, pl.col("m").str.extract_groups(PAIR).alias("g"))
        .unnest("g")
    )
    pairs.columns = [ROW, "key", "lit"]
    arrays = (
        docs.select(ROW, v.str.extract_all(ARRAY).alias("m"))
        .explode("m")
        .drop_nulls("m")
        .select(ROW, pl.col("m").str.extract_groups(ARRAY).alias("g"))
        .unnest("g")
    )
    arrays.columns = [ROW, "key", "body"]
    elements = (
        arrays.select(ROW, "key", pl.col("body").str.extract_all(ELEMENT).alias("lit"))
        .explode("lit")
        .drop_nulls("lit")
    )
    # strings anywhere (inside arrays of arrays, top-level arrays) under the key `*`
    loose = (
        docs.select(ROW, v.str.extract_all(ANY_STRING).alias("lit"))
        .explode("lit")
        .drop_nulls("lit")
        .select(ROW, pl.lit("*").alias("key"), "lit")
    )
    leaves = (
        pl.concat([pairs, elements, loose], how="vertical_relaxed")
        .with_columns(
            unescape_json(pl.col("key")).str.slice(0, 64).alias("key"),
            _literal_value(pl.col("lit")).str.slice(0, values.options.max_value_chars).alias(VALUE),
        )
        .filter(pl.col(VALUE).str.len_chars() > 0)
        .select(ROW, "key", VALUE)
        .unique(maintain_order=True)
    )
    return _group_by_key(values, leaves)


def _group_by_key(values: ColumnValues, leaves: pl.DataFrame) -> list[ColumnValues]:
    counts = (
        leaves.filter(pl.col("key") != "*")
        .group_by("key")
        .len()
        .sort(["len", "key"], descending=[True, False])
    )
    top = counts["key"].head(values.options.max_json_keys).to_list()
    out = []
    for key in [*top, "*"]:
        frame = leaves.filter(pl.col("key") == key).select(ROW, VALUE)
        if key == "*":
            rest = leaves.filter(~pl.col("key").is_in(top) & (pl.col("key") != "*"))
            frame = pl.concat([frame, rest.select(ROW, VALUE)])
        if frame.height == 0:
            continue
        out.append(
            replace(
                values,
                name=f"{values.name}.{key}",
                frame=frame,
                n_rows=frame[ROW].n_unique(),
                signals=values.signals.for_key(key) if key != "*" else values.signals,
                raw=None,
                hints=frozenset(),
                derived=True,
            )
        )
    return out


# ---- decodings -------------------------------------------------------------------------------


def _printable(text: str) -> bool:
    if not text:
        return False
    if text.isprintable():
        return True  # the common case, decided in C
    good = sum(ch.isprintable() or ch in "\n\t\r" for ch in text)
    return good / len(text) >= 0.95


def _utf8(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if _printable(text) else None


def decode_base64(token: str) -> str | None:
    """Standard or URL-safe base64 (padding optional) to printable UTF-8, else None."""
    body = token.rstrip("=")
    if len(body) % 4 == 1:
        return None
    padded = body + "=" * (-len(body) % 4)
    alt = b"-_" if ("-" in body or "_" in body) else None
    try:
        raw = base64.b64decode(padded, altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        return None
    return _utf8(raw)


def decode_hex(token: str) -> str | None:
    try:
        raw = bytes.fromhex(token)
    except ValueError:
        return None
    return _utf8(raw)


def decode_url(value: str) -> str | None:
    try:
        text = urllib.parse.unquote(value, errors="strict")
    except UnicodeDecodeError:
        return None
    return text if text != value and _printable(text) else None


def _safe_decode(decoder: Callable[[str], str | None], token: str) -> str | None:
    try:
        return decoder(token)
    except Exception:  # hostile input must never stop a scan: undecodable is simply not decoded
        return None


def _decoded(
    values: ColumnValues,
    pattern: str,
    decoder: Callable[[str], str | None],
    method: str,
    whole_value: bool = False,
) -> ColumnValues | None:
    v = pl.col(VALUE)
    # lazy steps collected once: each eager step would cost a query plan of its own
    if whole_value:
        found = values.frame.lazy().filter(v.str.contains(pattern)).select(ROW, v.alias("tok"))
    else:
        # a value without a match gives an empty list, which explodes to a null
        found = (
            values.frame.lazy()
            .select(ROW, v.str.extract_all(pattern).alias("tok"))
            .explode("tok")
            .drop_nulls("tok")
        )
    if method == "base64":
        # a plain word or a run of digits is no encoding
        found = found.filter(
            pl.col("tok").str.contains(r"\d")
            & pl.col("tok").str.contains(r"[A-Za-z]")
            & ~pl.col("tok").str.contains(r"^[0-9A-Fa-f]+$")
        )
    cands = collect(found)
    if cands.height == 0:
        return None
    distinct = cands["tok"].unique(maintain_order=True)
    if distinct.len() > MAX_DECODE_CANDIDATES:
        distinct = distinct.sample(MAX_DECODE_CANDIDATES, seed=values.options.seed)
    limit = values.options.max_value_chars
    tokens = distinct.to_list()
    table = {tok: _safe_decode(decoder, tok[:limit]) for tok in tokens[:PROBE]}
    if any(d is not None for d in table.values()):
        table.update({tok: _safe_decode(decoder, tok[:limit]) for tok in tokens[PROBE:]})
    decoded = {k: d for k, d in table.items() if d is not None}
    if not decoded:
        return None
    frame = collect(
        cands.lazy()
        .filter(pl.col("tok").is_in(pl.Series(list(decoded)).implode()))
        .select(
            ROW,
            pl.col("tok").replace_strict(decoded, return_dtype=pl.String).alias(VALUE),
        )
        .unique(maintain_order=True)
    )
    return replace(
        values,
        name=values.name,
        frame=frame,
        n_rows=frame[ROW].n_unique(),
        raw=None,
        hints=frozenset({method}),
        derived=True,
    )


DECODINGS: tuple[tuple[str, str, Callable[[str], str | None], bool], ...] = (
    ("base64", B64_TOKEN, decode_base64, False),
    ("hex", HEX_TOKEN, decode_hex, False),
    ("url", URL_ESCAPE, decode_url, True),
)


def decodings(values: ColumnValues) -> list[tuple[str, ColumnValues]]:
    """(method, decoded values) for every reversible encoding found in the values."""
    found = _in_text(values)
    out = []
    for method, pattern, decoder, whole in DECODINGS:
        if not found.get(pattern, True):
            continue
        if method == "base64" and values.max_digits() == 0:
            continue  # a base64 candidate holds a digit (see `_decoded`)
        decoded = _decoded(values, pattern, decoder, method, whole)
        if decoded is not None:
            out.append((method, decoded))
    return out


def unpack(values: ColumnValues) -> list[tuple[str, ColumnValues]]:
    """Every unpacking of these values: JSON leaves and decodings, each with its method name."""
    if values.kind == BOOLEAN:
        return []  # `true` is valid JSON and `true`/`false` decode as nothing personal
    leaves = json_leaves(values) if _in_text(values).get(JSON_HINT, True) else []
    return [("json", leaf) for leaf in leaves] + decodings(values)


def _in_text(values: ColumnValues) -> dict[str, bool]:
    """Whether JSON and each encoding can occur in the values at all: their patterns' text
    gates against the newline-joined distinct values, in one `select` (a pattern absent from
    the dict could not be gated so)."""
    if "unpack_gates" not in values.memo:
        gates = {
            p: g for p in (JSON_HINT, *(d[1] for d in DECODINGS)) if (g := text_gate(p)) is not None
        }
        row = joined_matches(values, tuple(gates.values()))
        values.memo["unpack_gates"] = dict(zip(gates, row, strict=True))
    return values.memo["unpack_gates"]
