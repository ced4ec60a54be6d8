"""What every match of a regex must contain, read from its parse tree: a column without it
cannot match, so the regex need not run over the column's text at all."""

from __future__ import annotations

import re
import re._parser as sre_parse
import warnings
from functools import lru_cache
from typing import Any

_DIGIT_CODES = range(ord("0"), ord("9") + 1)
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


@lru_cache(maxsize=1024)
def needs_digit(pattern: str) -> bool:
    """Whether every match of `pattern` holds a decimal digit. False when unsure (a pattern
    Python's parser does not read, such as Rust's `\\p{L}`): the regex then simply runs."""
    return min_digits(pattern) >= 1


@lru_cache(maxsize=1024)
def min_digits(pattern: str) -> int:
    """How many decimal digits every match of `pattern` holds at least: a value with fewer
    cannot match. 0 when unsure, as for `needs_digit`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # syntax Python reads differently (`[[:alpha:]]`)
            tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, ValueError, OverflowError):
        return 0
    return _seq(list(tree))


def _seq(items: list[tuple[Any, Any]]) -> int:
    return sum(_item(op, av) for op, av in items)


def _item(op: Any, av: Any) -> int:
    name = str(op)
    if name == "LITERAL":
        return int(av in _DIGIT_CODES)
    if name == "IN":
        return int(bool(av) and all(_digit_member(o, a) for o, a in av))
    if name in _REPEATS:
        low, _, sub = av
        return low * _seq(list(sub))
    if name == "SUBPATTERN":
        return _seq(list(av[-1]))
    if name == "ATOMIC_GROUP":
        return _seq(list(av))
    if name == "BRANCH":
        return min(_seq(list(alt)) for alt in av[1])
    return 0  # assertions, back-references and anything unknown: no digit guaranteed


def _digit_member(op: Any, av: Any) -> bool:
    name = str(op)
    if name == "CATEGORY":
        return str(av) == "CATEGORY_DIGIT"
    if name == "LITERAL":
        return av in _DIGIT_CODES
    if name == "RANGE":
        return av[0] >= ord("0") and av[1] <= ord("9")
    return False  # NEGATE and anything else: a non-digit may match
