"""Identifiers look real and pass the standard validators: phone numbers, government ids, card
numbers, IBANs, emails and their hashes, UUIDs and customer references."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import phonenumbers
import polars as pl
import pytest
from stdnum import iban, luhn
from stdnum.br import cpf
from stdnum.de import idnr
from stdnum.in_ import aadhaar, pan
from stdnum.us import ssn

from privacymesh.sample import identifiers as ids

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NINO = re.compile(
    r"^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] "
    r"\d{2} \d{2} \d{2} [A-D]$"
)
VALIDATORS = {
    "US_SSN": ssn.is_valid,
    "DE_IDNR": idnr.is_valid,
    "BR_CPF": cpf.is_valid,
    "IN_AADHAAR": aadhaar.is_valid,
    "IN_PAN": pan.is_valid,
    "GB_NINO": lambda v: bool(NINO.match(v)),
}
REGION = {"US": "US", "GB": "GB", "DE": "DE", "BR": "BR", "IN": "IN"}


@pytest.fixture(scope="module")
def identity(sample) -> pl.DataFrame:
    return pl.read_parquet(sample.root / "platform" / "identity_map.parquet")


def test_identity_map_keys_are_unique_and_well_formed(identity: pl.DataFrame) -> None:
    for col in ("user_id", "customer_ref", "email_hash", "device_id"):
        assert identity[col].n_unique() == identity.height, col
    assert identity["user_id"].str.contains(r"^u_\d{6}$").all()
    assert identity["customer_ref"].str.contains(r"^CR-[0-9A-F]{6}$").all()
    assert all(UUID4.match(v) for v in identity["device_id"])
    active = identity.filter(pl.col("status") == "active")
    assert all(UUID4.match(v.lower()) and v == v.upper() for v in active["advertising_id"])
    assert set(identity["locale"]) == {"en_US", "en_GB", "de_DE", "pt_BR", "en_IN"}


def test_emails_are_lower_case_unique_and_hashed(identity: pl.DataFrame) -> None:
    active = identity.filter(pl.col("status") == "active")
    emails = active["email"]
    assert emails.n_unique() == active.height
    assert (emails == emails.str.to_lowercase()).all()
    assert emails.str.contains(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}$").all()
    for email, digest in active.select("email", "email_hash").head(300).iter_rows():
        assert hashlib.sha256(email.encode()).hexdigest() == digest
    domains = set(emails.str.extract(r"@(.+)$"))
    assert {"mail.de", "exemplo.com.br"} & domains


def test_phone_numbers_are_valid_e164_for_the_subjects_country(identity: pl.DataFrame) -> None:
    active = identity.filter(pl.col("status") == "active")
    for phone, country in active.select("phone", "country").iter_rows():
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed), phone
        assert phonenumbers.region_code_for_number(parsed) == REGION[country], phone
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == phone


def test_national_ids_pass_their_scheme_validator(sample) -> None:
    for product in ("lending/applications", "hr/employees"):
        frame = pl.read_parquet(sample.root / "products" / f"{product}.parquet")
        if "national_id_type" not in frame.columns:
            country = frame["country"].to_numpy()
            kind = np.select(
                [country == "US", country == "GB", country == "DE"],
                ["US_SSN", "GB_NINO", "DE_IDNR"],
                "",
            )
            frame = frame.with_columns(pl.Series("national_id_type", kind))
        assert frame.height > 0
        for value, kind in frame.select("national_id", "national_id_type").iter_rows():
            assert VALIDATORS[kind](value), (product, kind, value)
    apps = pl.read_parquet(sample.root / "products" / "lending" / "applications.parquet")
    assert set(apps["national_id_type"]) >= {"US_SSN", "GB_NINO", "DE_IDNR", "BR_CPF"}


def test_cards_pass_luhn_and_ibans_are_valid(sample) -> None:
    txn = pl.read_parquet(sample.root / "products" / "payments" / "transactions.parquet")
    cards = txn["card_number"].unique()
    assert all(luhn.is_valid(c) and len(c) in (15, 16) for c in cards)
    inv = pl.read_parquet(sample.root / "products" / "finance" / "invoices.parquet")
    ibans = inv["iban"].unique()
    assert all(iban.is_valid(v) for v in ibans)
    assert {v[:2] for v in ibans} == {"DE", "GB", "BR"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generators_are_valid_on_large_batches(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    assert all(ssn.is_valid(v) for v in ids.us_ssn(rng, n))
    assert all(cpf.is_valid(v) for v in ids.br_cpf(rng, n))
    assert all(idnr.is_valid(v) for v in ids.de_idnr(rng, n))
    assert all(aadhaar.is_valid(v) for v in ids.in_aadhaar(rng, n))
    assert all(pan.is_valid(v) for v in ids.in_pan(rng, np.array(list("ABCXYZ") * 50)))
    assert all(NINO.match(v) for v in ids.gb_nino(rng, n))
    cards, _ = ids.card_numbers(rng, n)
    assert all(luhn.is_valid(v) for v in cards)
    assert all(iban.is_valid(v) for v in ids.ibans(rng, np.array(["DE", "GB", "BR"] * 300)))
    assert len(set(ids.customer_refs(rng, n))) == n
