"""RE2 answers the joined-text questions only where its answer is the one Polars gives."""

from __future__ import annotations

import polars as pl
import pytest

from privacymesh.detect import ScanOptions, text_search
from privacymesh.detect.context import ContextSignals
from privacymesh.detect.recognizer import PatternRecognizer, text_gate
from privacymesh.detect.recognizers.credentials import TOKEN_RUN, secret_rules
from privacymesh.detect.registry import default_registry
from privacymesh.detect.scanner import column_values
from privacymesh.detect.unpack import DECODINGS, JSON_HINT

pytest.importorskip("re2")

TEXTS = [
    "alice@example.com\nbob.smith@mail.example.org\n+44 20 7946 0958",
    "4111 1111 1111 1111\n5500-0000-0000-0004\n123-45-6789\nAB123456C",
    "192.168.0.1\n10.0.0.255 - - [07/Dec/2026:10:00:00 +0000]\n6.1.7601\n2001:db8::1",
    '{"email": "a\\u0040b.com", "ip": "8.8.8.8"}\n[1, 2, 3]\n{"k": [4, 5]}',
    "QWxpY2UgU21pdGg=\n68656c6c6f20776f726c64\nhttps://x.test/?q=John%20Smith",
    "AKIAIOSFODNN7EXAMPLE\nghp_0123456789abcdefghijklmnopqrstuvwxyz\nxoxb-1-2-abc",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc\nBearer abcdefghijklmnop0123\npassword=hunter2",
    "221B Baker Street\nLondon NW1 6XE\n1600 Pennsylvania Avenue NW\n10115 Berlin",
    "John Smith\nMARIA GARCIA\nO'Neil-Brown, Mary\nDr. Jane Doe",
    "52.5200, 13.4050\nPOINT(13.4 52.5)\n-33.8688,151.2093\n0101000020e6100000",
    "SKU-2291-XL\nORD-000123\n2026-12-07T10:00:00Z\nv2.3.11\n\t tabbed \r\n",
    "",
]


def _patterns() -> list[str]:
    found: list[str] = []
    for r in default_registry():
        if isinstance(r, PatternRecognizer):
            found += r.text_gates() or ()
    found += [TOKEN_RUN, *(f"(?m){rule}" for rule in secret_rules())]
    found += [g for p in (JSON_HINT, *(d[1] for d in DECODINGS)) if (g := text_gate(p))]
    return list(dict.fromkeys(found))


def test_re2_gives_polars_answer_on_every_gate_and_text() -> None:
    patterns = _patterns()
    assert len(patterns) > 40
    answered = 0
    for text in TEXTS:
        chars = frozenset(text)
        expected = pl.Series([text]).to_frame("t")
        for pattern in patterns:
            got = text_search.matches(pattern, text, chars)
            if got is None:
                continue
            answered += 1
            want = expected.select(pl.col("t").str.contains(pattern)).item()
            assert got == want, (pattern, text[:40])
    assert answered > 0.9 * len(patterns) * len(TEXTS)


@pytest.mark.parametrize(
    "text",
    [
        "٣٤٥٦٧٨٩٠١٢",  # Arabic-Indic digits: `\d` in Rust, not in RE2
        "José Müller",  # letters outside ASCII: `\w` and `\b` differ
        "a\x0bb",  # vertical tab: `\s` in Rust, not in RE2
        "nbsp\u00a0here",
    ],
)
def test_text_where_the_engines_differ_goes_to_polars(text: str) -> None:
    assert text_search.matches(r"\d", text, frozenset(text)) is None


@pytest.mark.parametrize(
    "pattern",
    [r"[[a-z]--[aeiou]]", r"[a-z&&[^x]]", r"[a[bc]]", r"[\w~~\d]", r"(?x) a b"],
)
def test_a_pattern_re2_would_read_otherwise_goes_to_polars(pattern: str) -> None:
    assert text_search.matches(pattern, "xyz", frozenset("xyz")) is None


@pytest.mark.parametrize("pattern", [r"[[:alpha:]]+\d", r"[]a-]x", r"[^]\[]", r"\[a\]"])
def test_classes_both_engines_read_alike_go_to_re2(pattern: str) -> None:
    assert text_search.reads_alike(pattern)


def test_hostile_text_is_searched_in_linear_time() -> None:
    # a value built to make a backtracking engine explode: RE2, like Rust's engine, does not
    hostile = "a" * 50_000 + "!"
    assert text_search.matches(r"(?m)^(a+)+$", hostile, frozenset(hostile)) is False


@pytest.mark.parametrize(
    "values",
    [
        ["a1b2", "123 45", "x"],
        ["12\n345", "1"],  # a value spanning lines: counted per value, not per line
        ["٣٤٥", "12"],  # Unicode digits count as Rust's `\d` counts them
        [""],
        ["abc", "abc", None],
        ["+44 20 7946 0958", "4111-1111-1111-1111"],
    ],
)
def test_most_digits_in_one_value_matches_a_polars_recount(values: list[str | None]) -> None:
    series = pl.Series("c", values, dtype=pl.String)
    column = column_values(series, ContextSignals.build("c", None, []), ScanOptions())
    assert column is not None
    assert column.max_digits() == series.str.count_matches(r"\d").max()
