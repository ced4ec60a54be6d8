"""Masking rules as Polars expressions, and the promise that no scan result carries a raw value."""

from __future__ import annotations

import base64
import hashlib
import json

import polars as pl
import pytest

from detect.frames import scan
from privacymesh.masking import MaskRule, mask, mask_values


@pytest.mark.parametrize(
    ("category", "raw", "masked"),
    [
        ("user.contact.email", "john.smith@example.com", "j***@e***.com"),
        ("user.contact.phone_number", "+44 20 7946 0123", "+44 ** **** *123"),
        ("user.government_id.national_identification_number", "123-45-6789", "***-**-6789"),
        ("user.financial.credit_card", "4111 1111 1111 1111", "**** **** **** 1111"),
        (
            "user.financial.bank_account",
            "GB82 WEST 1234 5698 7654 32",
            "GB** **** **** **** **54 32",
        ),
        ("user.device.ip_address", "81.2.69.160", "81.*.*.*"),
        ("user.location.precise", "51.507412,-0.127812", "51.5*,-0.1*"),
        ("user.name", "John Smith", "J*** S***"),
        ("user.contact.address.postal_code", "SW1A 1AA", "SW***"),
        ("user.demographic.date_of_birth", "1984-03-02", "1984-**-**"),
        ("user.demographic.gender", "female", "*"),
        ("user.authorization.credentials", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_l***"),
    ],
)
def test_partial_masks(category: str, raw: str, masked: str) -> None:
    assert mask_values([raw], category) == [masked]


def test_rules_on_a_column() -> None:
    df = pl.DataFrame({"email": ["john.smith@example.com", None]})
    out = df.select(
        partial=mask(pl.col("email"), "user.contact.email", "partial"),
        redact=mask(pl.col("email"), "user.contact.email", MaskRule.REDACT),
        hashed=mask(pl.col("email"), "user.contact.email", "hash", key=b"k"),
        none=mask(pl.col("email"), "user.contact.email", "none"),
    )
    row = out.row(0, named=True)
    assert row["partial"] == "j***@e***.com" and row["redact"] == "[REDACTED]"
    assert len(row["hashed"]) == 16 and row["hashed"] != "john.smith@example.com"
    assert row["none"] == "john.smith@example.com"
    assert out.row(1) == (None, None, None, None)  # nulls stay null


def test_generalize() -> None:
    assert mask_values(["1984-03-02"], "user.demographic.date_of_birth", "generalize") == ["1984"]
    assert mask_values(["SW1A 1AA"], "user.contact.address.postal_code", "generalize") == ["SW1A"]
    assert mask_values(["81.2.69.160"], "user.device.ip_address", "generalize") == ["81.2.0.0/16"]
    assert mask_values(["37"], "user.demographic.age_range", "generalize") == ["30-39"]


def test_hash_is_stable_and_keyed() -> None:
    one = mask_values(["a@b.com", "a@b.com"], "user.contact.email", "hash")
    assert one[0] == one[1]
    df = pl.DataFrame({"v": ["a@b.com"]})
    k1 = df.select(mask(pl.col("v"), "user.contact.email", "hash", key=b"k1")).item()
    k2 = df.select(mask(pl.col("v"), "user.contact.email", "hash", key=b"k2")).item()
    assert k1 != k2


RAW = {
    "email": [f"firstname{i}.lastname@example{i}.com" for i in range(40)],
    "phone": ["+44 20 7946 0958", "+49 30 901820", "+55 11 91234-5678", "+91 98765 43210"] * 10,
    "ssn": ["536-22-1234", "219-09-9999", "401-12-3456", "123-45-6789"] * 10,
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004"] * 20,
    "name": ["John Smith", "Maria Silva", "Hans Müller", "Priya Sharma"] * 10,
    "notes": [f"call Maria Silva on +44 20 7946 0958 or mail m{i}@example.org" for i in range(40)],
    "ip": ["81.2.69.160", "203.0.113.7"] * 20,
    "dob": [f"19{50 + i}-0{1 + i % 9}-{10 + i % 18}" for i in range(40)],
    "ref": [base64.b64encode(f"hidden{i}@example.net".encode()).decode() for i in range(40)],
    "payload": [json.dumps({"u": {"mail": f"nested{i}@example.io"}}) for i in range(40)],
    "hem": [hashlib.sha256(f"x{i}@e.com".encode()).hexdigest() for i in range(40)],
}


def test_no_raw_value_in_results() -> None:
    result = scan(pl.DataFrame(RAW))
    text = json.dumps(result.to_dict())
    assert len(result.personal_columns) == len(RAW)
    leaked = [v for values in RAW.values() for v in values if len(v) >= 6 and v in text]
    assert leaked == []
    # nor any decoded value, nor any substring that is itself a full identifier
    for secret in ("hidden0@example.net", "nested0@example.io", "7946 0958", "1111 1111"):
        assert secret not in text
