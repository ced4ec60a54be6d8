"""The public API: result shape (`to_dict`), valid fideslang keys, the registry, sampling."""

from __future__ import annotations

import json

import polars as pl
import pytest

from detect.frames import scan
from privacymesh.detect import (
    PatternRecognizer,
    RecognizerRegistry,
    ScanOptions,
    default_registry,
    scan_frame,
    scan_scans_to_json,
)
from privacymesh.detect.taxonomy import fideslang_keys

EMAILS = [f"someone{i}@example.com" for i in range(50)]


def test_to_dict_has_the_issue_shape() -> None:
    df = pl.DataFrame({"email": EMAILS, "amount": list(range(50))})
    doc = scan_scans_to_json([scan_frame(df, "payments.transactions")])
    table = doc["tables"][0]
    assert table["table"] == "payments.transactions" and table["rows_scanned"] == 50
    email, amount = table["columns"]
    assert email["column"] == "email" and email["personal"] is True
    hit = email["categories"][0]
    assert hit["category"] == "user.contact.email"
    assert set(hit) >= {"category", "confidence", "methods", "hit_rate", "examples"}
    assert hit["methods"][:2] == ["pattern", "validator"]
    assert 0 < hit["confidence"] <= 1 and hit["hit_rate"] == 1.0
    assert amount == {**amount, "personal": False, "categories": []}
    assert isinstance(table["quasi_identifiers"], list)
    json.dumps(doc)  # serialisable


def test_every_key_a_recognizer_emits_is_a_fideslang_key() -> None:
    keys = {c for r in default_registry() for c in r.categories}
    assert keys and keys <= fideslang_keys(), sorted(keys - fideslang_keys())
    assert "user.government_id.national_identification_number" in keys


def test_every_key_written_in_the_detector_is_a_fideslang_key() -> None:
    # every string literal in the detector that reads as a data-category key, wherever it is
    # (recognizers, quasi-identifier categories, masking choices): a key a user copies from a
    # finding into a contract must pass the catalog
    import ast
    import re
    from pathlib import Path

    import privacymesh.detect

    key = re.compile(r"^user(\.[a-z_]+)+$")
    found: dict[str, str] = {}
    for path in Path(privacymesh.detect.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and key.match(node.value):
                found[node.value] = path.name
    assert len(found) > 20
    bad = {k: f for k, f in found.items() if k not in fideslang_keys()}
    assert not bad


def test_a_tax_id_is_a_national_id_with_its_own_detail() -> None:
    df = pl.DataFrame({"pan": ["ABCPE1234F", "AAAPL1234C", "BNZPM2501G"]})
    (hit,) = scan_frame(df, "t").column("pan").categories
    assert hit.category == "user.government_id.national_identification_number"
    assert hit.details == ("tax_identification_number",)
    assert hit.to_dict()["details"] == ["tax_identification_number"]


def test_registry_rejects_unknown_keys_and_duplicates() -> None:
    registry = RecognizerRegistry()
    with pytest.raises(ValueError, match="unknown categories"):
        registry.register(PatternRecognizer(name="x", category="user.nonsense", pattern="x"))
    registry.register(PatternRecognizer(name="x", category="user.contact.email", pattern="x"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(PatternRecognizer(name="x", category="user.contact.email", pattern="y"))


def test_adding_a_recognizer_is_one_registration() -> None:
    employee = PatternRecognizer(
        name="employee_number",
        category="user.unique_id",
        pattern=r"\bEMP-\d{6}\b",
        base=0.9,
    )
    registry = default_registry()
    registry.register(employee)
    df = pl.DataFrame({"c1": [f"EMP-{100000 + i}" for i in range(30)]})
    result = scan_frame(df, "hr.staff", registry=registry)
    assert "user.unique_id" in result.column("c1").category_keys()
    assert "employee_number" not in default_registry().names()  # the default is untouched


def test_sampling_is_reproducible_and_full_mode_scans_all() -> None:
    df = pl.DataFrame({"email": [f"p{i}@example.com" for i in range(3000)]})
    small = ScanOptions(sample_rows=500, seed=3)
    one, two = scan(df, options=small), scan(df, options=small)
    assert one.rows_scanned == 500 and one.sampled and one.seed == 3
    assert one.column("email").categories == two.column("email").categories
    full = scan(df, options=ScanOptions(sample_rows=None))
    assert full.rows_scanned == 3000 and not full.sampled


def test_non_string_dtypes_and_empty_columns() -> None:
    df = pl.DataFrame(
        {
            "struct": [{"mail": e} for e in EMAILS],
            "list": [[e, "x"] for e in EMAILS],
            "category": pl.Series(EMAILS, dtype=pl.Categorical),
            "empty": pl.Series([None] * 50, dtype=pl.String),
            "binary": [b"\x00\x01"] * 50,
            "flag": [True] * 50,
            "num": [1.5] * 50,
        }
    )
    result = scan(df)
    for column in ("struct", "list", "category"):
        assert "user.contact.email" in result.column(column).category_keys()
    assert result.column("empty").categories == ()
    assert result.column("binary").categories == ()
    assert scan(pl.DataFrame()).columns == ()
    assert scan(df.head(0)).rows_scanned == 0
