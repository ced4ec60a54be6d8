"""Whether regexes match anywhere in a column's joined text, answered by RE2 where that is
the same answer Polars' regex engine gives.

Some recognizers ask one column's joined text a few dozen yes/no questions (detect-secrets'
rules, the unpacking gates). Polars keeps a small per-thread cache of compiled regexes, which a
few dozen patterns overflow, so every column paid for compiling all of them again; RE2 objects
compiled once per process are held here instead. RE2 and Rust's `regex` share their syntax and
leftmost-first semantics. They differ on Unicode (`\\d`, `\\w`, `\\s` and `\\b` are ASCII in RE2)
and on vertical tab (outside RE2's `\\s`); those classes hold the same characters on text of
printable ASCII plus tab, newline and carriage return. RE2 answers only for such text, and only
for patterns it parses as Rust does; otherwise the answer is None and Polars is asked. Both
engines run in time linear in the text, so hostile values cannot stall a scan."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from privacymesh.detect.recognizer import ColumnValues

try:
    import re2
except ImportError:  # an optional speed-up: Polars answers every question without it
    re2 = None

_ELIGIBLE_CONTROLS = frozenset("\t\n\r")


@lru_cache(maxsize=4096)  # a frozenset keeps its hash: a column asks this once
def eligible(chars: frozenset[str]) -> bool:
    """Whether a text holding exactly `chars` gets the same answer from RE2 as from Polars."""
    return all(" " <= ch <= "~" or ch in _ELIGIBLE_CONTROLS for ch in chars)


def reads_alike(pattern: str) -> bool:
    """Whether RE2 parses `pattern` as Rust's `regex` does. Rust's class set operations and
    nested classes are literal characters to RE2 (which would then answer another question),
    so a pattern holding any of them is left to Polars."""
    if any(op in pattern for op in ("&&", "--", "~~")):
        return False
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if not in_class:
            if ch == "[":
                in_class = True
                i += 1
                if pattern.startswith("^", i):
                    i += 1
                if pattern.startswith("]", i):  # a leading `]` is a member in both
                    i += 1
                continue
        elif ch == "[":
            close = pattern.find(":]", i + 2) if pattern.startswith("[:", i) else -1
            if close < 0:
                return False  # a nested class
            i = close + 2
            continue
        elif ch == "]":
            in_class = False
        i += 1
    return True


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any | None:
    if re2 is None or not reads_alike(pattern):
        return None
    options = re2.Options()
    options.log_errors = False
    # RE2's DFA budget: a gate that outgrows it falls back to RE2's slower linear engines
    options.max_mem = 64 << 20
    try:
        return re2.compile(pattern, options)
    except Exception:  # syntax RE2 does not read (Rust's class set operations, `(?u)`)
        return None


def matches(pattern: str, text: str, chars: frozenset[str]) -> bool | None:
    """Whether `pattern` matches somewhere in `text` (whose characters are `chars`); None when
    RE2 cannot give the answer Polars would (see the module docstring)."""
    if re2 is None or not eligible(chars):
        return None
    regex = _compiled(pattern)
    if regex is None:
        return None
    return regex.search(text) is not None


def joined_matches(values: ColumnValues, patterns: tuple[str, ...]) -> list[bool]:
    """Whether each of `patterns` matches the column's joined distinct values: by RE2 where it
    answers, the rest in one Polars `select`."""
    text, chars = values.joined_text(), values.chars()
    found = [matches(p, text, chars) for p in patterns]
    ask = [i for i, hit in enumerate(found) if hit is None]
    if ask:
        joined = values.joined()
        column = pl.col(joined.columns[0])
        row = joined.select(
            [column.str.contains(patterns[i]).alias(f"p{k}") for k, i in enumerate(ask)]
        ).row(0)
        for i, hit in zip(ask, row, strict=True):
            found[i] = bool(hit)
    return [bool(hit) for hit in found]
