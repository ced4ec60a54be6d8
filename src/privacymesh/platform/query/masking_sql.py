"""The masking rules of `privacymesh.masking` as DuckDB SQL, so policy views mask inside the
database exactly as the Polars expressions mask a frame.

Each function mirrors the Polars function of the same name and gives the same text for the same
input (tests compare both on the sample mesh). Patterns are translated for RE2: Rust's Unicode
`\\d` becomes `\\p{Nd}` and its Unicode `\\s` the White_Space class below. Non-string inputs are
cast to VARCHAR first; strings, integers and dates cast the same way in both engines.

One rule is added here for numbers: `round_significant` generalizes an amount or a score to its
two leading digits (52,345.67 -> 52,000), used by the policy for numeric fields whose rule is
`generalize` (the Polars form sits beside it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from privacymesh.masking import REDACTED, MaskRule

# Rust's \s (Unicode White_Space) as RE2 class items; RE2's own \s lacks \v and non-ASCII spaces.
_WS_ITEMS = r"\s\x{0B}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
_WS = f"[{_WS_ITEMS}]"
_D = r"\p{Nd}"
_ALNUM = "[A-Za-z0-9]"


def lit(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _s(column: str) -> str:
    return f"CAST({column} AS VARCHAR)"


def _case_null(s: str, body: str) -> str:
    return f"CASE WHEN {s} IS NULL THEN NULL {body} END"


# ---- building blocks -------------------------------------------------------------------------


def redact(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE {lit(REDACTED)} END"


def redact_short(column: str) -> str:
    return f"CASE WHEN {column} IS NULL THEN NULL ELSE '*' END"


def _blob(data: bytes) -> str:
    return "'" + "".join(f"\\x{b:02X}" for b in data) + "'::BLOB"


@dataclass(frozen=True)
class SessionKey:
    """An HMAC key the SQL does not hold: the reading session sets two DuckDB variables to the
    key's inner and outer pads (`hmac_pads`), and hashed columns read them with
    `getvariable`. Unset, every hashed value is NULL: the key never sits in a view's text."""

    ipad_variable: str
    opad_variable: str


def hmac_pads(key: bytes | str) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys."""
    key_bytes = key.encode() if isinstance(key, str) else key
    if len(key_bytes) > 64:
        key_bytes = hashlib.sha256(key_bytes).digest()
    padded = key_bytes.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


def keyed_hash(
    column: str, key: bytes | str | SessionKey = b"privacymesh", length: int = 16
) -> str:
    """HMAC-SHA256 of the value's text, hex, truncated: `masking.keyed_hash` in SQL."""
    if isinstance(key, SessionKey):
        ipad = f"getvariable({lit(key.ipad_variable)})"
        opad = f"getvariable({lit(key.opad_variable)})"
    else:
        inner_pad, outer_pad = hmac_pads(key)
        ipad, opad = _blob(inner_pad), _blob(outer_pad)
    inner = f"unhex(sha256({ipad} || encode({_s(column)})))"
    return f"left(sha256({opad} || {inner}), {int(length)})"


def keep_last(column: str, n: int, keep_prefix: str | None = None) -> str:
    """`masking.keep_last`; `keep_prefix` is an RE2 pattern."""
    s = _s(column)
    tail = f"coalesce(regexp_extract({s}, {lit(f'((?:{_ALNUM}[^A-Za-z0-9]*){{{n}}})$')}, 1), '')"
    head_len = f"greatest(length({s}) - length({tail}), 0)"
    head = f"left({s}, {head_len})"
    if keep_prefix is None:
        masked_head = f"regexp_replace({head}, {lit(_ALNUM)}, '*', 'g')"
    else:
        prefix = f"regexp_extract({head}, {lit(f'^({keep_prefix})')}, 1)"
        rest = f"substr({head}, length({prefix}) + 1)"
        masked_head = f"{prefix} || regexp_replace({rest}, {lit(_ALNUM)}, '*', 'g')"
    alnum_count = f"length(regexp_replace({s}, '[^A-Za-z0-9]', '', 'g'))"
    return _case_null(s, f"WHEN {alnum_count} <= {int(n)} THEN '***' ELSE {masked_head} || {tail}")


def keep_first(column: str, n: int = 1) -> str:
    s = _s(column)
    return _case_null(s, f"ELSE left({s}, {int(n)}) || '***'")


def initials(column: str) -> str:
    s = f"regexp_replace({_s(column)}, {lit(_D)}, '*', 'g')"
    word = r"(\p{L})[\p{L}\p{M}'’.\-_]*"
    return f"regexp_replace({s}, {lit(word)}, '\\1***', 'g')"


_EMAIL = rf"^{_WS}*(.)[^@]*@(.)[^@]*?(\.[A-Za-z]{{2,24}})?{_WS}*$"


def mask_email(column: str) -> str:
    s = _s(column)
    p = lit(_EMAIL)
    masked = (
        f"regexp_extract({s}, {p}, 1) || '***@' || regexp_extract({s}, {p}, 2) || '***' || "
        f"regexp_extract({s}, {p}, 3)"
    )
    return _case_null(s, f"WHEN regexp_matches({s}, {p}) THEN {masked} ELSE '***@***'")


def mask_ip(column: str) -> str:
    s = _s(column)
    v4 = lit(rf"^({_D}{{1,3}})\.")
    v6 = lit(r"^([0-9A-Fa-f]{0,4}):")
    return _case_null(
        s,
        f"WHEN regexp_matches({s}, {v4}) THEN regexp_extract({s}, {v4}, 1) || '.*.*.*' "
        f"WHEN regexp_matches({s}, {v6}) THEN regexp_extract({s}, {v6}, 1) || ':*:*' "
        "ELSE '***'",
    )


def round_coordinates(column: str, decimals: int = 1) -> str:
    pattern = lit(rf"({_D}+\.{_D}{{{int(decimals)}}}){_D}+")
    return f"regexp_replace({_s(column)}, {pattern}, '\\1*', 'g')"


_YEAR = rf"((?:19|20){_D}{_D})"


def year_only(column: str) -> str:
    s = _s(column)
    y = lit(_YEAR)
    return _case_null(
        s,
        f"WHEN regexp_matches({s}, {y}) THEN regexp_extract({s}, {y}, 1) || '-**-**' "
        "ELSE '**-**-****'",
    )


def round_significant(column: str, digits: int = 2) -> str:
    """Keep the `digits` leading digits of the integer part, floor the rest to zeros."""
    x = f"CAST({column} AS DOUBLE)"
    ndig = f"length(CAST(CAST(floor(abs({x})) AS BIGINT) AS VARCHAR))"
    bucket = f"pow(10.0, greatest({ndig} - {int(digits)}, 0))"
    return f"floor({x} / {bucket}) * {bucket}"


def round_significant_expr(expr: pl.Expr, digits: int = 2) -> pl.Expr:
    """The Polars form of `round_significant` (Float64)."""
    x = expr.cast(pl.Float64)
    ndig = x.abs().floor().cast(pl.Int64).cast(pl.String).str.len_chars().cast(pl.Int64)
    bucket = pl.lit(10.0).pow((ndig - digits).clip(lower_bound=0).cast(pl.Float64))
    return (x / bucket).floor() * bucket


# ---- per-category dispatch (mirrors masking.partial / masking.generalize) --------------------

_PHONE_PREFIX = rf"\+{_D}{{1,3}}(?:[{_WS_ITEMS}(.\-]|$)|\+{_D}{{2}}"
_LAST4 = ("user.government_id", "user.financial")


def partial(column: str, category: str) -> str:
    c = category
    if c.startswith("user.contact.email"):
        return mask_email(column)
    if c.startswith("user.contact.phone_number") or c.startswith("user.contact.fax_number"):
        return keep_last(column, 3, keep_prefix=_PHONE_PREFIX)
    if c == "user.financial.bank_account":
        return keep_last(column, 4, keep_prefix="[A-Za-z]{2}")
    if c.startswith(_LAST4):
        return keep_last(column, 4)
    if c.startswith("user.device.ip_address"):
        return mask_ip(column)
    if c.startswith("user.location"):
        return round_coordinates(column)
    if c.startswith("user.contact.address.postal_code"):
        return keep_first(column, 2)
    if c.startswith(("user.contact.address", "user.name", "user.content", "user.job_title")):
        return initials(column)
    if c.startswith("user.demographic.date_of_birth"):
        return year_only(column)
    if c.startswith(("user.demographic.gender", "user.demographic")):
        return redact_short(column)
    if c.startswith(("user.device", "user.unique_id", "user.authorization", "user.account")):
        return keep_first(column, 4 if not c.startswith("user.account") else 1)
    return keep_first(column, 1)


def generalize(column: str, category: str) -> str:
    c = category
    s = _s(column)
    if c.startswith("user.demographic.date_of_birth"):
        y = lit(_YEAR)
        return f"CASE WHEN regexp_matches({s}, {y}) THEN regexp_extract({s}, {y}, 1) END"
    if c.startswith("user.location"):
        return f"regexp_replace({round_coordinates(column, 1)}, '\\*', '', 'g')"
    if c.startswith("user.contact.address.postal_code"):
        t = f"regexp_replace({s}, {lit(f'^{_WS}+|{_WS}+$')}, '', 'g')"
        p = lit(rf"^([A-Za-z]{{1,2}}{_D}[A-Za-z{_D}]?){_WS}*{_D}[A-Za-z]{{2}}$")
        return (
            f"CASE WHEN regexp_matches({t}, {p}) THEN regexp_extract({t}, {p}, 1) "
            f"ELSE left({t}, 3) END"
        )
    if c.startswith("user.device.ip_address"):
        v4 = lit(rf"^({_D}{{1,3}}\.{_D}{{1,3}})\.")
        return (
            f"CASE WHEN regexp_matches({s}, {v4}) THEN regexp_extract({s}, {v4}, 1) || '.0.0/16' "
            f"ELSE {mask_ip(column)} END"
        )
    if c.startswith("user.demographic.age_range"):
        whole = f"CASE WHEN regexp_matches({s}, '^[+-]?[0-9]+$') THEN {s} END"
        age = f"TRY_CAST({whole} AS BIGINT)"
        low = f"(CAST(floor({age} / 10) AS BIGINT) * 10)"
        return f"CAST({low} AS VARCHAR) || '-' || CAST({low} + 9 AS VARCHAR)"
    return partial(column, category)


def mask_sql(
    column: str,
    category: str,
    rule: MaskRule | str = MaskRule.PARTIAL,
    *,
    key: bytes | SessionKey = b"",
) -> str:
    """The SQL form of `masking.mask(expr, category, rule, key=key)`; `column` is an SQL
    expression (a quoted column name)."""
    rule = MaskRule.parse(rule) if isinstance(rule, str) else rule
    if rule is MaskRule.NONE:
        return column
    if rule is MaskRule.REDACT:
        return redact(column)
    if rule is MaskRule.HASH:
        return keyed_hash(column, key or b"privacymesh")
    if rule is MaskRule.GENERALIZE:
        return generalize(column, category)
    return partial(column, category)
