"""A recognizer the column's facts rule out must be one that finds nothing there: every
`ruled_out` is checked against `detect` on columns at the edge of each fact (one value
without a digit, a digit only in a suffix, three digits where four are needed, no blank), and
a table's verdicts must not change when no recognizer is ever ruled out."""

from __future__ import annotations

import polars as pl
import pytest

from privacymesh.detect.context import ContextSignals
from privacymesh.detect.recognizer import Recognizer, digit_free
from privacymesh.detect.registry import default_registry
from privacymesh.detect.scanner import column_values
from tests.detect.frames import OPTIONS, scan

NAMES = ["Jane Doe", "John Smith", "Maria Silva", "Ahmed Khan", "Li Wei", "Anna Müller"]
COLUMNS: dict[str, list[str]] = {
    # every value holds a digit, but one only just
    "holder": [f"{n} {i}" for i, n in enumerate(NAMES * 4)],
    # a column named for a name part whose values carry numbers glued to them: still names
    "first_name": [f"{n.split()[0]}{i}" for i, n in enumerate(NAMES * 4)],
    # one value of many without a digit: not every value holds one
    "owner": [*(f"{n} {i}" for i, n in enumerate(NAMES * 4)), "Jane Doe"],
    "city": [f"Paris {i}" for i in range(20)],
    "country": ["France", "Germany", "Spain", "Italy", "Portugal"] * 4,
    "gender": ["m1", "f2", "m3", "f4"] * 5,
    "sex": ["male", "female", "female", "male"] * 5,
    "marital": ["married", "single", "divorced", "widowed"] * 5,
    "religion": ["christian 1", "muslim 2", "jewish 3", "hindu 4"] * 5,
    "birth_date": ["March", "April", "May", "June"] * 5,
    "dob": ["1980-03-04", "1975-11-30", "1990-01-15", "1969-07-20"] * 5,
    # three digits in a row where a postal line needs four; and four with no blank
    "address": [f"{i:03d} Rue de Rivoli Paris" for i in range(20)],
    "ship_to": [f"75001-Paris-{i}" for i in range(20)],
    "postal_line": [f"75001 Paris {i}" for i in range(20)],
    "reference": [f"AB{i:06d}" for i in range(20)],
    "note": ["hello", "world", "no digits here", "at all"] * 5,
    "phone": [f"+44 20 7946 {i:04d}" for i in range(20)],
    "masked": [f"***-**-{i:04d}" for i in range(20)],
}


def _values(name: str):
    series = pl.Series(name, COLUMNS[name])
    signals = ContextSignals.build(name, None, [], table=[name], table_name="people")
    return column_values(series, signals, OPTIONS, table=series.to_frame())


@pytest.mark.parametrize("name", sorted(COLUMNS))
def test_a_ruled_out_recognizer_finds_nothing(name: str) -> None:
    values = _values(name)
    assert values is not None
    for recognizer in default_registry():
        if recognizer.applies(values) and recognizer.ruled_out(values):
            assert recognizer.detect(values) == [], recognizer.name


def test_the_facts_rule_out_what_they_should() -> None:
    ruled = {
        name: {r.name for r in default_registry() if r.ruled_out(_values(name))} for name in COLUMNS
    }
    assert {"person_name_column", "place", "cjk_person_name", "marital_status", "gender"} <= (
        ruled["holder"]
    )
    assert "person_name_column" not in ruled["first_name"]  # numbers glued to a name part
    assert "person_name_column" not in ruled["owner"]  # one value holds no digit
    assert "place" in ruled["city"] and "place" not in ruled["country"]
    assert "date_of_birth" in ruled["birth_date"] and "date_of_birth" not in ruled["dob"]
    assert "postal_line" in ruled["address"]  # three digits in a row
    assert "postal_line" in ruled["ship_to"]  # no blank
    assert "postal_line" not in ruled["postal_line"]
    assert {"masked_value", "age"} <= ruled["note"]  # no mask character, no digit
    assert "masked_value" not in ruled["masked"] and "age" not in ruled["masked"]


def test_all_hold_digit_reads_every_value() -> None:
    def holds(values: list[str]) -> bool:
        series = pl.Series("c", values)
        signals = ContextSignals.build("c", None, [], table=["c"], table_name="t")
        found = column_values(series, signals, OPTIONS)
        assert found is not None
        return found.all_hold_digit()

    assert holds(["a1", "2b", "c3d"])
    assert not holds(["a1", "b"])
    assert not holds(["a1", ""])
    assert not holds(["a\nb1"])  # a line without a digit: not known to hold one
    assert not holds(["١٢٣"])  # digits of another script are not ASCII digits
    assert digit_free(["male", "female"]) and not digit_free(["male", "1"])


def test_verdicts_are_those_of_a_scan_that_rules_nothing_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    width = max(len(v) for v in COLUMNS.values())
    columns = {k: (v * width)[:width] for k, v in COLUMNS.items()}
    table = pl.DataFrame(columns, schema=dict.fromkeys(COLUMNS, pl.String))
    fast = scan(table).to_dict()
    monkeypatch.setattr(Recognizer, "ruled_out", lambda self, values: False)
    for r in default_registry():
        monkeypatch.setattr(r, "ruled_out", lambda values: False, raising=False)
    slow = scan(table).to_dict()
    fast.pop("seconds", None)
    slow.pop("seconds", None)
    assert fast == slow
    assert {c["column"] for c in fast["columns"] if c["categories"]} >= {"dob", "phone"}
