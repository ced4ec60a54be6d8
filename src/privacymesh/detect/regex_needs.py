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


@lru_cache(maxsize=1024)
def needed_chars(pattern: str) -> tuple[frozenset[str], ...]:
    """Sets of characters of which every match of `pattern` holds at least one each (`@` for an
    e-mail address): a text holding no character of one set cannot match. Empty when unsure."""
    if any(syntax in pattern for syntax in _RUST_ONLY):
        return ()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, ValueError, OverflowError):
        return ()
    if tree.state.flags & (re.IGNORECASE | re.VERBOSE):
        return ()  # Python reads these flags as Rust does only in simple cases
    return tuple(dict.fromkeys(_needs_seq(list(tree))))


# Rust's class syntax that Python reads as literal characters: POSIX classes and the set
# operations (intersection, difference, symmetric difference) of nested classes
_RUST_ONLY = ("[[", "[:", "&&", "--", "~~")
_MAX_SET = 64  # larger classes (`\w`, negations) are no use as a test


def _needs_seq(items: list[tuple[Any, Any]]) -> list[frozenset[str]]:
    return [need for op, av in items for need in _needs_item(op, av)]


def _needs_item(op: Any, av: Any) -> list[frozenset[str]]:
    name = str(op)
    if name == "LITERAL":
        return [frozenset(chr(av))]
    if name == "IN":
        chars = _class_chars(av)
        return [chars] if chars else []
    if name in _REPEATS:
        low, _, sub = av
        return _needs_seq(list(sub)) if low >= 1 else []
    if name == "SUBPATTERN":
        add_flags, del_flags = av[1], av[2]
        if (add_flags | del_flags) & (re.IGNORECASE | re.VERBOSE):
            return []
        return _needs_seq(list(av[-1]))
    if name == "ATOMIC_GROUP":
        return _needs_seq(list(av))
    if name == "BRANCH":
        # a match holds one of the alternatives: a character of the smallest set each needs
        union: set[str] = set()
        for alt in av[1]:
            needs = _needs_seq(list(alt))
            if not needs:
                return []
            union |= min(needs, key=len)
        return [frozenset(union)] if len(union) <= _MAX_SET else []
    return []  # assertions, back-references and anything unknown: nothing needed


def _class_chars(av: Any) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, a in av:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(a))
        elif name == "RANGE" and a[1] - a[0] < _MAX_SET:
            chars.update(chr(c) for c in range(a[0], a[1] + 1))
        else:
            return None  # negations, wide ranges and other categories
    return frozenset(chars) if len(chars) <= _MAX_SET else None
