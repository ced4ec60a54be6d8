"""Classes of issue 21 seen in public sample databases: identifiers stored as floats, phone
numbers written as four pairs of digits, made-up (`555`) phone and card numbers under their
column's name, fax columns, and country codes in tables that belong to no one. Each class is
a small hand-made frame with its decoy beside it."""

from __future__ import annotations

import random

import polars as pl
from stdnum import luhn

from detect.frames import categories, scan

CARD = "user.financial.credit_card"
PHONE = "user.contact.phone_number"
FAX = "user.contact.fax_number"
IP = "user.device.ip_address"
COUNTRY = "user.contact.address.country"

RNG = random.Random(2121)


def _cards(n: int) -> list[str]:
    bodies = [f"4{RNG.randrange(10**14):014d}" for _ in range(n)]
    return [b + luhn.calc_check_digit(b) for b in bodies]


# -- identifiers stored as floats ---------------------------------------------------------------


def test_card_numbers_stored_as_floats_are_found() -> None:
    floats = [float(c) for c in _cards(60)]
    assert categories(floats, "k9", dtype=pl.Float64) == {CARD}


def test_amounts_stored_as_floats_are_not_identifiers() -> None:
    amounts = [round(RNG.uniform(1, 9000), 2) for _ in range(60)]
    whole = [float(RNG.randrange(1, 9000)) for _ in range(60)]
    assert categories(amounts, "k9", dtype=pl.Float64) == set()
    assert categories(whole, "total", dtype=pl.Float64) == set()


# -- dotted phone numbers, made-up numbers, fax ---------------------------------------------------


def _pairs(n: int) -> list[str]:
    return [".".join(f"{RNG.randrange(10, 100)}" for _ in range(4)) for _ in range(n)]


def test_four_pairs_of_digits_are_not_ip_addresses() -> None:
    assert IP not in categories(_pairs(40), "Phone")
    assert IP not in categories(_pairs(40), "k3")


def test_ip_addresses_are_still_found() -> None:
    ips = [f"{RNG.randrange(1, 224)}.{RNG.randrange(256)}.{RNG.randrange(9)}.7" for _ in range(40)]
    assert categories(ips, "k3") == {IP}


def _made_up_phones(n: int) -> list[str]:
    return [f"({RNG.choice([171, 503, 91])}) 555-{RNG.randrange(10000):04d}" for _ in range(n)]


def test_made_up_phone_numbers_count_under_a_phone_name() -> None:
    values = _made_up_phones(30) + _pairs(10)
    assert categories(values, "Phone") == {PHONE}


def test_made_up_phone_numbers_alone_are_not_phones() -> None:
    assert categories(_made_up_phones(40), "ref_code") == set()


def test_a_fax_column_is_a_fax_number() -> None:
    assert categories(_made_up_phones(30) + _pairs(10), "Fax") == {FAX}


def test_made_up_card_numbers_count_under_a_card_name_only() -> None:
    bad = [c[:-1] + str((int(c[-1]) + 1) % 10) for c in _cards(40)]  # Luhn fails on each
    assert categories(bad, "CardNumber") == {CARD}
    assert categories(bad, "ref_no") == set()


# -- country codes: whose rows are they? ---------------------------------------------------------


def _codes(n: int) -> list[str]:
    return [RNG.choice(["US", "GB", "DE", "BR", "IN", "FR"]) for _ in range(n)]


def test_country_codes_in_a_customer_table_describe_the_customer() -> None:
    table = pl.DataFrame({"first_name": ["Ana", "Li", "Tom"] * 20, "country_code": _codes(60)})
    assert set(scan(table).column("country_code").category_keys()) == {COUNTRY}


def test_country_codes_in_a_request_log_describe_no_one() -> None:
    table = pl.DataFrame(
        {"request_id": list(range(60)), "http_status": [200] * 60, "country": _codes(60)}
    )
    assert scan(table).column("country").category_keys() == frozenset()


def test_billing_columns_belong_to_the_payer() -> None:
    states = [RNG.choice(["CA", "WA", "NV", "WI", "MA", "NY", "TX"]) for _ in range(60)]
    table = pl.DataFrame(
        {
            "InvoiceId": list(range(60)),
            "BillingCity": ["Boston"] * 60,
            "BillingState": states,
            "Total": [9.9] * 60,
        }
    )
    keys = scan(table).column("BillingState").category_keys()
    assert keys == {"user.contact.address.state"}


def test_brazilian_postal_codes_are_not_phone_numbers() -> None:
    ceps = [f"{RNG.randrange(1000, 99999):05d}-{RNG.randrange(1000):03d}" for _ in range(40)]
    assert PHONE not in categories(ceps, "PostalCode")
    assert PHONE not in categories(ceps, "k4")
