"""The scanner's shortcuts must never hide a candidate: a text gate searched in a column's
joined distinct values matches whenever the per-value gate holds for one of them, and the
branch-wise extraction of the street pattern finds what the whole alternation finds."""

from __future__ import annotations

import polars as pl
import pytest

from privacymesh.detect.recognizer import ROW, VALUE, PatternRecognizer, extract_branches, relax
from privacymesh.detect.recognizers.address import STREET_ADDRESS
from privacymesh.detect.registry import default_registry

# values of many kinds, personal and not, with the surroundings values have in the wild
VALUES = [
    "jane.doe@example.com",
    "  Contact: j.smith+news@mail.example.org, thanks",
    "+44 20 7946 0958",
    "(415) 555-0132",
    "192.168.10.44",
    "client 2001:db8:85a3::8a2e:370:7334 connected",
    "GB82 WEST 1234 5698 7654 32",
    "DE89370400440532013000",
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "123-45-6789",
    "AB123456C",
    "12 Baker Street",
    "Flat 4, 221B Baker Street",
    "Rua das Flores 123",
    "Hauptstraße 5",
    "51.507351, -0.127758",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "https://example.com/reset?token=a8f5f167f44f4964e6c998dee827110c",
    "password=hunter2",
    "AKIAIOSFODNN7EXAMPLE",
    "3c9e1a0f-5b7d-4c2e-9f1a-7d3b2c1e0f9a",
    "2026-09-30",
    "SW1A 1AA",
    " 01310-100 ",
    "90210",
    "123456789",
    "C01X00T47",
    "order 1001 shipped",
    "n/a",
    "",
]


def _pattern_recognizers() -> list[PatternRecognizer]:
    return [r for r in default_registry() if isinstance(r, PatternRecognizer)]


def test_text_gates_match_the_joined_values_whenever_a_value_passes_the_gate() -> None:
    frame = pl.DataFrame({VALUE: VALUES})
    checked: set[str] = set()
    for recognizer in _pattern_recognizers():
        gates = recognizer.text_gates()
        if not gates:
            continue
        passing = frame.filter(recognizer.gate(pl.col(VALUE)))[VALUE].to_list()
        for value in passing:
            # the value first, last, alone and among others, as the scanner joins them
            for joined in (value, f"n/a\n{value}", f"{value}\norder 1001", f"x\n{value}\ny"):
                text = pl.Series([joined])
                for gate in gates:
                    assert text.str.contains(gate).item(), (recognizer.name, gate, value)
            checked.add(recognizer.name)
    # most pattern recognizers had a value through their gate
    assert {"email", "ipv4", "ipv6", "iban", "credit_card", "street_address", "jwt"} <= checked
    assert len(checked) >= 15
    # and the anchored ones, whose gate must see each joined value as a line of its own
    assert {"uk_postcode", "postal_code_formatted", "postal_code_digits", "passport"} <= checked


def test_a_column_the_text_gate_rejects_holds_no_gated_value() -> None:
    """The shortcut is taken: the email recognizer's text gate fails on a column of numbers."""
    email = next(r for r in _pattern_recognizers() if r.category == "user.contact.email")
    gates = email.text_gates()
    assert gates
    joined = pl.Series(["\n".join(["1001", "1002", "n/a"])])
    assert not all(joined.str.contains(g).item() for g in gates)


@pytest.mark.parametrize(
    ("pattern", "relaxed"),
    [
        (r"\bfoo\b", "foo"),
        (r"\Aab\z", "ab"),
        (r"[\b]x", r"[\b]x"),  # inside a class `\b` is a backspace, kept
        (r"[]\b]y", r"[]\b]y"),
        (r"[^]\b]y", r"[^]\b]y"),
        (r"(?i)\bab", "(?i)ab"),
        (r"(?P<n>\d+)\b", r"(?P<n>\d+)"),
        (r"\b{start}z", "z"),
        (r"a\\b", r"a\\b"),  # an escaped backslash then a literal b
    ],
)
def test_relax_drops_only_boundary_assertions(pattern: str, relaxed: str) -> None:
    assert relax(pattern) == relaxed


@pytest.mark.parametrize("pattern", [r"(?s)a.b", r"(?x)a b", r"(?m)^a", r"\b{start"])
def test_relax_gives_up_on_flags_it_cannot_reason_about(pattern: str) -> None:
    assert relax(pattern) is None


def test_street_branches_extract_what_the_whole_pattern_extracts() -> None:
    values = [
        *VALUES,
        "12 Baker Street and 7 High Road",
        "Apt. 3, 10 Downing Street",
        "Avenida Paulista 1578",
        "Schillerstraße 12-14 und Goethe Str. 3",
        "unit 5 delivered",
        "Street 12",
    ]
    source = pl.DataFrame({VALUE: values}).with_row_index(ROW)
    whole = (
        source.select(ROW, pl.col(VALUE).str.extract_all(STREET_ADDRESS.pattern).alias("cand"))
        .explode("cand")
        .drop_nulls("cand")
    )
    branched = extract_branches(source, STREET_ADDRESS.branches)
    assert branched.rows() == whole.rows()
    assert whole["cand"].to_list() == [
        "12 Baker Street",
        "221B Baker Street",
        "Rua das Flores 123",
        "Hauptstraße 5",
        "12 Baker Street",
        "7 High Road",
        "10 Downing Street",
        "Avenida Paulista 1578",
        "Schillerstraße 12-14",
        "Goethe Str. 3",
    ]


def test_branches_must_join_to_the_pattern() -> None:
    with pytest.raises(ValueError, match="do not join"):
        PatternRecognizer(name="x", category="user.contact", pattern="a|b", branches=(("a", ()),))


def test_every_value_through_a_gate_holds_the_digits_the_gate_needs() -> None:
    """The scanner skips a gate in a column whose values hold fewer digits than it needs: no
    value that passes the gate may hold fewer."""
    frame = pl.DataFrame({VALUE: VALUES})
    frame = frame.with_columns(pl.col(VALUE).str.count_matches(r"\d").alias("digits"))
    needing = set()
    for recognizer in _pattern_recognizers():
        need = recognizer.gate_digits()
        passing = frame.filter(recognizer.gate(pl.col(VALUE)))
        assert (passing["digits"] >= need).all(), recognizer.name
        if need >= 9 and passing.height:
            needing.add(recognizer.name)
    # the rule has teeth: the id and card formats need many digits
    assert {"us_ssn", "credit_card"} <= needing
