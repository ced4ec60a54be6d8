"""Masking as Polars expressions, one rule per category family.

Rules: `hash` (keyed, stable pseudonym), `partial` (keep a little shape: `j***@e***.com`,
`+44 **** ***123`, `***-**-1234`), `redact` (a fixed token), `generalize` (coarser value: year of
birth, 1-decimal coordinates, postal-code prefix, /16 network). The detector masks its examples
with `partial`; governed queries reuse the same expressions. Every rule works on whole columns.
"""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

import polars as pl

REDACTED = "[REDACTED]"
_ALNUM = r"[A-Za-z0-9]"


class MaskRule(StrEnum):
    HASH = "hash"
    PARTIAL = "partial"
    REDACT = "redact"
    GENERALIZE = "generalize"
    NONE = "none"

    @classmethod
    def parse(cls, text: str) -> MaskRule:
        """A rule by name; the British `generalise` is accepted for policies written with it."""
        text = text.strip().lower()
        return cls.GENERALIZE if text == "generalise" else cls(text)


# ---- building blocks -------------------------------------------------------------------------


def redact(expr: pl.Expr) -> pl.Expr:
    """Replace every non-null value with a fixed token."""
    return pl.when(expr.is_null()).then(None).otherwise(pl.lit(REDACTED))


def keyed_hash(expr: pl.Expr, key: bytes | str = b"privacymesh", length: int = 16) -> pl.Expr:
    """HMAC-SHA256 pseudonym, hex, truncated: stable for a key, irreversible without it.
    Computed once per distinct value (Polars has no SHA-256 kernel)."""
    key_bytes = key.encode() if isinstance(key, str) else key

    def digest(s: pl.Series) -> pl.Series:
        s = s.cast(pl.String)
        uniq = s.drop_nulls().unique()
        mapping = {
            v: hmac.new(key_bytes, v.encode(), hashlib.sha256).hexdigest()[:length]
            for v in uniq.to_list()
        }
        return s.replace_strict(mapping, default=None, return_dtype=pl.String)

    return expr.map_batches(digest, return_dtype=pl.String)


def keep_last(expr: pl.Expr, n: int, keep_prefix: str | None = None) -> pl.Expr:
    """Mask letters and digits except the last `n` (separators kept): `***-**-1234`.
    `keep_prefix` is a regex whose match at the start is kept too (e.g. a country code)."""
    s = expr.cast(pl.String)
    tail = s.str.extract(rf"((?:{_ALNUM}[^A-Za-z0-9]*){{{n}}})$", 1).fill_null("")
    head_len = (s.str.len_chars() - tail.str.len_chars()).clip(lower_bound=0)
    head = s.str.head(head_len)
    if keep_prefix is None:
        masked_head = head.str.replace_all(_ALNUM, "*")
    else:
        prefix = head.str.extract(rf"^({keep_prefix})", 1).fill_null("")
        rest = head.str.slice(prefix.str.len_chars())
        masked_head = prefix + rest.str.replace_all(_ALNUM, "*")
    # values too short to keep n characters are masked whole
    short = s.str.count_matches(_ALNUM) <= n
    return (
        pl.when(s.is_null())
        .then(None)
        .when(short)
        .then(pl.lit("***"))
        .otherwise(masked_head + tail)
    )


def keep_first(expr: pl.Expr, n: int = 1) -> pl.Expr:
    """First `n` characters and a fixed `***` (the length is not revealed)."""
    s = expr.cast(pl.String)
    return pl.when(s.is_null()).then(None).otherwise(s.str.head(n) + pl.lit("***"))


def initials(expr: pl.Expr) -> pl.Expr:
    """Each word to its first letter and `***`, digits to `*`: `J*** S***`, `1** M*** S***`."""
    s = expr.cast(pl.String).str.replace_all(r"\d", "*")
    return s.str.replace_all(r"(\p{L})[\p{L}\p{M}'’.\-_]*", "${1}***")


def mask_email(expr: pl.Expr) -> pl.Expr:
    """`john.smith@example.co.uk` -> `j***@e***.uk`."""
    s = expr.cast(pl.String)
    parts = s.str.extract_groups(r"^\s*(.)[^@]*@(.)[^@]*?(\.[A-Za-z]{2,24})?\s*$")
    local = parts.struct.field("1")
    dom = parts.struct.field("2")
    tld = parts.struct.field("3").fill_null("")
    masked = local + pl.lit("***@") + dom + pl.lit("***") + tld
    return pl.when(s.is_null()).then(None).otherwise(masked.fill_null(pl.lit("***@***")))


def mask_ip(expr: pl.Expr) -> pl.Expr:
    """IPv4 keeps its first octet (`81.*.*.*`), IPv6 its first group (`2001:*:*`)."""
    s = expr.cast(pl.String)
    v4 = s.str.extract(r"^(\d{1,3})\.", 1)
    v6 = s.str.extract(r"^([0-9A-Fa-f]{0,4}):", 1)
    return (
        pl.when(s.is_null())
        .then(None)
        .when(v4.is_not_null())
        .then(v4 + pl.lit(".*.*.*"))
        .when(v6.is_not_null())
        .then(v6 + pl.lit(":*:*"))
        .otherwise(pl.lit("***"))
    )


def round_coordinates(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """Numbers in the text cut to `decimals` places (`51.5074,-0.1278` -> `51.5*,-0.1*`)."""
    s = expr.cast(pl.String)
    return s.str.replace_all(rf"(\d+\.\d{{{decimals}}})\d+", "${1}*")


def year_only(expr: pl.Expr) -> pl.Expr:
    """A date to its year: `1984-**-**`; dates without a 4-digit year are masked whole."""
    s = expr.cast(pl.String)
    year = s.str.extract(r"((?:19|20)\d\d)", 1)
    return (
        pl.when(s.is_null())
        .then(None)
        .when(year.is_not_null())
        .then(year + pl.lit("-**-**"))
        .otherwise(pl.lit("**-**-****"))
    )


# ---- per-category dispatch -------------------------------------------------------------------

_LAST4 = (
    "user.government_id",
    "user.financial",
)


def partial(expr: pl.Expr, category: str) -> pl.Expr:
    """The `partial` rule for a fideslang category: enough shape to recognise, not to re-use."""
    c = category
    if c.startswith("user.contact.email"):
        return mask_email(expr)
    if c.startswith("user.contact.phone_number") or c.startswith("user.contact.fax_number"):
        return keep_last(expr, 3, keep_prefix=r"\+\d{1,3}(?:[\s(.\-]|$)|\+\d{2}")
    if c == "user.financial.bank_account":
        return keep_last(expr, 4, keep_prefix=r"[A-Za-z]{2}")
    if c.startswith(_LAST4):
        return keep_last(expr, 4)
    if c.startswith("user.device.ip_address"):
        return mask_ip(expr)
    if c.startswith("user.location"):
        return round_coordinates(expr)
    if c.startswith("user.contact.address.postal_code"):
        return keep_first(expr, 2)
    if c.startswith(("user.contact.address", "user.name", "user.content", "user.job_title")):
        return initials(expr)
    if c.startswith("user.demographic.date_of_birth"):
        return year_only(expr)
    if c.startswith(("user.demographic.gender", "user.demographic")):
        return redact_short(expr)
    if c.startswith(("user.device", "user.unique_id", "user.authorization", "user.account")):
        return keep_first(expr, 4 if not c.startswith("user.account") else 1)
    return keep_first(expr, 1)


def redact_short(expr: pl.Expr) -> pl.Expr:
    """A single `*` for short categorical values (gender, age band)."""
    return pl.when(expr.is_null()).then(None).otherwise(pl.lit("*"))


def generalize(expr: pl.Expr, category: str) -> pl.Expr:
    """The `generalize` rule: a coarser value that still supports analysis."""
    c = category
    if c.startswith("user.demographic.date_of_birth"):
        return expr.cast(pl.String).str.extract(r"((?:19|20)\d\d)", 1)
    if c.startswith("user.location"):
        return round_coordinates(expr, 1).str.replace_all(r"\*", "")
    if c.startswith("user.contact.address.postal_code"):
        s = expr.cast(pl.String).str.strip_chars()
        # UK outward code, otherwise the first three characters
        outward = s.str.extract(r"^([A-Za-z]{1,2}\d[A-Za-z\d]?)\s*\d[A-Za-z]{2}$", 1)
        return pl.coalesce(outward, s.str.head(3))
    if c.startswith("user.device.ip_address"):
        s = expr.cast(pl.String)
        v4 = s.str.extract(r"^(\d{1,3}\.\d{1,3})\.", 1)
        return pl.when(v4.is_not_null()).then(v4 + pl.lit(".0.0/16")).otherwise(mask_ip(s))
    if c.startswith("user.demographic.age_range"):
        age = expr.cast(pl.Int64, strict=False)
        low = (age // 10) * 10
        return low.cast(pl.String) + pl.lit("-") + (low + 9).cast(pl.String)
    return partial(expr, category)


def mask(
    expr: pl.Expr, category: str, rule: MaskRule | str = MaskRule.PARTIAL, *, key: bytes = b""
) -> pl.Expr:
    """The masking expression for a column of `category` under `rule`."""
    rule = MaskRule.parse(rule) if isinstance(rule, str) else rule
    if rule is MaskRule.NONE:
        return expr
    if rule is MaskRule.REDACT:
        return redact(expr)
    if rule is MaskRule.HASH:
        return keyed_hash(expr, key or b"privacymesh")
    if rule is MaskRule.GENERALIZE:
        return generalize(expr, category)
    return partial(expr, category)


def mask_values(values: list[str], category: str, rule: MaskRule | str = "partial") -> list[str]:
    """Mask a short list of values (e.g. detector examples) with the category's rule."""
    if not values:
        return []
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = frame.select(mask(pl.col("v"), category, rule).alias("m"))["m"]
    return [v if v is not None else "***" for v in out.to_list()]
