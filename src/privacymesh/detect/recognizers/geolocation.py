"""Geolocation. CPRA (Cal. Civ. Code 1798.140(w)) makes a location precise when it places a person
within a 1,850-foot (about 564 m) radius: coordinates with 3 or more decimals (about 111 m or
better) are precise, fewer are imprecise. Found as latitude/longitude columns (range, precision,
pairing with a neighbour) and as coordinate pairs inside text (`51.5074,-0.1278`, WKT `POINT`)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from itertools import pairwise

import polars as pl

from privacymesh.detect.context import tokens
from privacymesh.detect.recognizer import (
    FLOAT,
    ROW,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
    words,
)
from privacymesh.detect.recognizers.person_name import lower_for_organizations

PRECISE = "user.location.precise"
IMPRECISE = "user.location.imprecise"
PRECISE_DECIMALS = 3
PAIR_HINT = "geo_pair"
PAIR_SHARE = 0.9  # of a column's values that are numbers, for it to be half of a pair

_GEO_WORDS = words(
    "lat", "latitude", "lon", "lng", "long", "longitude", "geo", "coord", "coords",
    "coordinates", "location", "position", "gps", "geolocation", "point", "latlng", "latlon",
)  # fmt: skip
_NOT_GEO = words(
    "price", "amount", "rate", "fx", "score", "pct", "percent", "ratio", "temperature", "temp",
    "weight", "balance", "total", "fee", "tax", "discount", "probability", "prob", "version",
)  # fmt: skip
# names of a span of time or a usage measure: fractional numbers under them are durations and
# averages (a session's length in minutes, years of membership), whatever range they fall in
_MEASURE = words(
    "session", "time", "length", "duration", "membership", "tenure", "avg", "average", "mean",
    "spent", "minutes", "mins", "hours", "seconds", "secs", "days", "years", "months", "speed",
    "count", "size", "height", "width", "depth", "distance", "usage",
)  # fmt: skip
_NUMBER = r"^-?\d{1,3}(?:\.\d+)?$"


def decimals_expr(text: pl.Expr) -> pl.Expr:
    """Digits after the decimal point of a number written as text (0 when none)."""
    return text.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)


def coordinate_profile(
    values: pl.Series, stripped: pl.Series | None = None
) -> tuple[float, float, int, float] | None:
    """(max |value|, median decimals, distinct count, numeric share) of a column of numbers as
    text, or None when it is not numeric (`stripped`: the values already stripped)."""
    text = values.str.strip_chars() if stripped is None else stripped
    numeric = text.filter(text.str.contains(_NUMBER))
    if numeric.len() == 0:
        return None
    share = numeric.len() / values.len()
    as_float = numeric.cast(pl.Float64, strict=False)
    frame = pl.DataFrame({"t": numeric}).select(decimals_expr(pl.col("t")).alias("d"))
    max_abs = as_float.abs().max()
    median_dec = frame["d"].median()
    return (
        float(max_abs) if max_abs is not None else 0.0,
        float(median_dec) if median_dec is not None else 0.0,
        numeric.n_unique(),
        share,
    )


def as_text(series: pl.Series) -> pl.Series:
    """Floats as their shortest decimal text, so precision can be read off."""
    if series.dtype.is_float():
        return series.drop_nulls().cast(pl.String)
    return series.drop_nulls().cast(pl.String, strict=False)


def pair_columns(frame: pl.DataFrame) -> set[str]:
    """Adjacent numeric columns that read as (latitude, longitude): the first within +-90, the
    second within +-180, both fractional and varied, neither named for a measure or a span of
    time (averages and durations fill the same ranges). A table-level pass of the scanner."""
    found: set[str] = set()
    names = frame.columns
    profiles: dict[str, tuple[float, float, int, float] | None] = {}
    for name in _mostly_numbers(frame):
        if tokens(name) & (_MEASURE | _NOT_GEO) and not tokens(name) & _GEO_WORDS:
            continue
        text = as_text(frame[name])
        profiles[name] = coordinate_profile(text) if text.len() else None
    for a, b in pairwise(names):
        pa, pb = profiles.get(a), profiles.get(b)
        if pa is None or pb is None:
            continue
        if pa[3] < PAIR_SHARE or pb[3] < PAIR_SHARE or pa[1] < 1 or pb[1] < 1:
            continue
        if pa[0] <= 90 and pb[0] <= 180 and min(pa[2], pb[2]) >= 5:
            found |= {a, b}
    return found


def _mostly_numbers(frame: pl.DataFrame) -> list[str]:
    """The float and text columns whose non-null values are numbers (`_NUMBER`, stripped) in
    the share a pair needs: the others cannot be paired, so their profile is not computed. One
    `select` over the table in place of a few queries per column."""
    names = [c for c, dtype in frame.schema.items() if dtype.is_float() or dtype == pl.String]
    if not names:
        return []
    counts = frame.select(
        expr
        for k, name in enumerate(names)
        for expr in (
            pl.col(name)
            .cast(pl.String, strict=False)
            .str.strip_chars()
            .str.contains(_NUMBER)
            .sum()
            .alias(f"n{k}"),
            pl.col(name).count().alias(f"c{k}"),
        )
    ).row(0, named=True)
    return [
        name
        for k, name in enumerate(names)
        if counts[f"c{k}"] and counts[f"n{k}"] / counts[f"c{k}"] >= PAIR_SHARE
    ]


@dataclass
class CoordinateColumnRecognizer(Recognizer):
    """A column of latitudes or longitudes: numbers within range, fractional, varied."""

    name: str = "coordinate_column"
    kinds: frozenset[str] = frozenset({TEXT, FLOAT})
    alone: float = 0.35
    paired: float = 0.65

    def __post_init__(self) -> None:
        self.categories = (PRECISE, IMPRECISE)
        self.context = _GEO_WORDS
        self.negative_context = _NOT_GEO | _MEASURE

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        stripped = values.stripped()
        profile = coordinate_profile(values.values, stripped[VALUE])
        if profile is None:
            return []
        max_abs, median_dec, distinct, share = profile
        if share < 0.9 or max_abs > 180 or median_dec < 1 or distinct < 3:
            return []
        category = PRECISE if median_dec >= PRECISE_DECIMALS else IMPRECISE
        strength = self.paired if PAIR_HINT in values.hints else self.alone
        rows = stripped.filter(pl.col(VALUE).str.contains(_NUMBER))[ROW]
        examples = values.values.unique(maintain_order=True).head(values.options.max_examples)
        found = [
            self.evidence(category, rows.unique(), strength, {"distribution"}, examples.to_list())
        ]
        return lower_for_organizations(found, values)


def _valid_pair(text: str) -> bool:
    nums = [float(x) for x in text.replace("POINT", " ").strip("() ").replace(",", " ").split()]
    if len(nums) != 2:
        return False
    a, b = nums
    return (abs(a) <= 90 and abs(b) <= 180) or (abs(a) <= 180 and abs(b) <= 90)


PRECISE_TEXT = PatternRecognizer(
    name="coordinates_text",
    category=PRECISE,
    pattern=(
        r"-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}"
        r"|POINT\s*\(\s*-?\d{1,3}\.\d{3,}\s+-?\d{1,3}\.\d{3,}\s*\)"
    ),
    prefilter=r"\d\.\d{3}",
    validator=_valid_pair,
    base=0.8,
    context=_GEO_WORDS,
    negative_context=_NOT_GEO,
)

IMPRECISE_TEXT = PatternRecognizer(
    name="coordinates_text_coarse",
    category=IMPRECISE,
    pattern=r"-?\d{1,3}\.\d{1,2}\s*,\s*-?\d{1,3}\.\d{1,2}\b",
    prefilter=r"\d\.\d",
    validator=_valid_pair,
    base=0.35,
    full_coverage=0.5,
    context=_GEO_WORDS,
    negative_context=_NOT_GEO,
)

# a point in hex: SQL Server's geography serialisation (SRID 4326, version 1, a point flag),
# OGC WKB (little- or big-endian) and PostGIS EWKB with SRID 4326
_BINARY_POINT = (
    r"(?i)^(?:0x)?(?:e6100000010c|0101000000|0000000001|0101000020e6100000)[0-9a-f]{32}$"
)


def binary_point(text: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a hex-encoded point, None when it is none or out of range."""
    raw = bytes.fromhex(text.strip().removeprefix("0x").removeprefix("0X"))
    if raw[:6] == bytes.fromhex("e6100000010c"):
        lat, lon = struct.unpack("<dd", raw[6:])  # SQL Server stores latitude first
    elif raw[:1] == b"\x01":
        lon, lat = struct.unpack("<dd", raw[-16:])  # WKB: x (longitude), then y
    else:
        lon, lat = struct.unpack(">dd", raw[-16:])
    if not (abs(lat) <= 90 and abs(lon) <= 180) or (lat, lon) == (0.0, 0.0):
        return None
    return lat, lon


def _precise_point(text: str) -> bool:
    point = binary_point(text)
    # a binary double always has decimals: a point placed to 1/1000 of a degree or finer
    return point is not None and all(round(v, 2) != v for v in point)


BINARY_POINTS = PatternRecognizer(
    name="coordinates_binary",
    category=PRECISE,
    pattern=_BINARY_POINT,
    anchored=True,
    validator=_precise_point,
    base=0.75,
    full_coverage=0.5,
    methods=("pattern", "hex"),
    context=_GEO_WORDS | words("spatial", "spatiallocation", "geography", "geometry", "geom"),
    negative_context=_NOT_GEO,
)

RECOGNIZERS = (CoordinateColumnRecognizer(), PRECISE_TEXT, IMPRECISE_TEXT, BINARY_POINTS)
