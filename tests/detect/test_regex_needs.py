"""`needs_digit` lets the scanner skip a gate over a column without digits: it must say True
only when every match holds a digit, and False whenever it cannot tell."""

from __future__ import annotations

import polars as pl
import pytest

from detect.frames import categories
from privacymesh.detect.regex_needs import min_digits, needed_chars, needs_digit


@pytest.mark.parametrize(
    "pattern",
    [
        r"\d[\d\s().\-/]{5,}\d",
        r"(?m)^\s*(?:\d{5}|[1-9]\d{2} ?\d{3})\s*$",
        r"[A-Z]{2}\d{2}",
        r"(?i)(?:x|y)[2-9]",
        r"(?:\d{3}-\d{2}|\d{9})",
    ],
)
def test_patterns_whose_every_match_holds_a_digit(pattern: str) -> None:
    assert needs_digit(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"[A-Z]{2}\d?",  # the digit is optional
        r"a|\d",  # one alternative has none
        r"(?i)[0-9a-f]{32}",  # hex letters alone match
        r"[^a]",  # a negated class holds letters
        r"\p{Lu}\d",  # Rust syntax Python's parser does not read: unsure
        r"\d{0,4}",
    ],
)
def test_patterns_that_can_match_without_a_digit(pattern: str) -> None:
    assert not needs_digit(pattern)


def test_a_column_of_words_still_gets_its_word_recognizers() -> None:
    emails = [f"{n}@example.org" for n in ("ana", "li", "tom", "eva", "max")] * 8
    assert categories(emails, "contact") == {"user.contact.email"}
    assert categories(pl.Series(["gold", "silver"] * 20).to_list(), "tier") == set()


@pytest.mark.parametrize(
    ("pattern", "digits"),
    [
        (r"\d{3}-\d{2}-\d{4}", 9),
        (r"(?:\d{3}-\d{2}|\d{9})", 5),  # the fewest of the alternatives
        (r"\d(?:[ -]?\d){12,18}", 13),
        (r"[A-Z]{2}\d?", 0),
        (r"(?m)^\s*(?:[1-9]\d{7,9})\s*$", 8),
        (r"\p{Lu}\d{4}", 0),  # unsure: Python's parser does not read it
        (r"(?=\d{5})\w+", 0),  # a look-ahead consumes nothing
    ],
)
def test_min_digits_counts_the_digits_every_match_holds(pattern: str, digits: int) -> None:
    assert min_digits(pattern) == digits


def test_a_column_of_short_numbers_skips_long_id_gates_and_keeps_its_own() -> None:
    codes = [f"{n:05d}" for n in range(10_001, 10_041)]
    assert categories(codes, "zip") == {"user.contact.address.postal_code"}
    ssns = [f"{100 + k}-{10 + k:02d}-{k:04d}" for k in range(1, 41)]
    assert "user.government_id.national_identification_number" in categories(ssns, "ssn")


@pytest.mark.parametrize(
    ("pattern", "needed"),
    [
        (r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+", {"@"}),
        (r"\$|pbkdf2", {"$", "p"}),  # one of the alternatives' characters
        (r"(?i:bearer)x", {"x"}),  # the case-insensitive part is left out
        (r"a?b{0,3}c", {"c"}),
    ],
)
def test_characters_every_match_needs(pattern: str, needed: set[str]) -> None:
    assert frozenset(needed) in needed_chars(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        r"(?i)bearer",  # case-insensitive: either case matches
        r"\d{3}",  # Rust's \d holds every script's digits
        r"[[:alpha:]]x?",  # a POSIX class, which Python reads as literal characters
        r"[a-z&&[^aeiou]]",  # a class intersection
        r"a|.",  # one alternative needs nothing
        r"\p{Lu}",
    ],
)
def test_patterns_that_need_no_known_character(pattern: str) -> None:
    assert needed_chars(pattern) == ()


VARIED = [
    "ana.silva@example.org", "+44 20 7946 0958", "123-45-6789", "AB123456C", "10.0.0.1",
    "fe80::1", "00:1a:2b:3c:4d:5e", "$2b$12$" + "a" * 53, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.x",
    "AKIAABCDEFGHIJKLMNOP", "root:x:0:0:root:/root:/bin/bash", "SW1A 1AA", "12345-678",
    "52.5200, 13.4050", "221B Baker Street", "٣٤٥-٦٧-٨٩٠١", "ÅSA-ÖRN 99", "plain words only",
]  # fmt: skip


def test_a_column_without_a_needed_character_holds_no_match_of_any_gate() -> None:
    from privacymesh.detect.recognizer import PatternRecognizer
    from privacymesh.detect.registry import default_registry

    gates = {
        gate
        for r in default_registry()
        if isinstance(r, PatternRecognizer)
        for gate in r.text_gates() or ()
    }
    checked = 0
    frame = pl.DataFrame({"v": VARIED})
    for gate in gates:
        needs = needed_chars(gate)
        if not needs:
            continue
        matched = frame.select(pl.col("v").str.contains(gate))["v"].to_list()
        for value, hit in zip(VARIED, matched, strict=True):
            if hit:
                checked += 1
                assert all(set(value) & need for need in needs), (gate, value)
    assert checked >= 10
