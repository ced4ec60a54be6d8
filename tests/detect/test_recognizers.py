"""Each recognizer: values that must be found, and look-alikes that fail their checksum or
format and must not be."""

from __future__ import annotations

import base64
import json

import pytest
from stdnum import verhoeff

from detect.frames import categories

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
NATID = "user.government_id.national_identification_number"
TAXID = NATID  # a tax id is a national id (fideslang has no tax-id key)
PASSPORT = "user.government_id.passport_number"
CARD = "user.financial.credit_card"
BANK = "user.financial.bank_account"
IP = "user.device.ip_address"
DEVICE = "user.device.device_id"
COOKIE = "user.device.cookie_id"
CRED = "user.authorization.credentials"


def repeat(values: list[str], n: int = 30) -> list[str]:
    return (values * (n // len(values) + 1))[:n]


def aadhaar(body: str) -> str:
    return body + verhoeff.calc_check_digit(body)


def jwt(payload: dict) -> str:
    def enc(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(payload)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


VALID = [
    (EMAIL, ["john.smith@example.com", "maria+news@mail.example.co.uk", "dev_k@firma.de"]),
    (PHONE, ["+44 20 7946 0958", "+49 30 901820", "+55 11 91234-5678", "+91 98765 43210"]),
    (NATID, ["536-22-1234", "219-09-9999", "401-12-3456"]),  # US SSN
    (NATID, ["AB123456C", "JM 10 20 30 A", "CE 99 88 77 D"]),  # UK NINO
    (NATID, ["529.982.247-25", "111.444.777-35"]),  # Brazil CPF
    (NATID, [aadhaar("23456789012"), aadhaar("34567890123"), aadhaar("98765432109")]),
    (TAXID, ["11.222.333/0001-81", "45.723.174/0001-10"]),  # Brazil CNPJ
    (TAXID, ["ABCPE1234F", "AAAPL1234C", "BNZPM2501G"]),  # India PAN
    (CARD, ["4111 1111 1111 1111", "5500-0000-0000-0004", "340000000000009"]),
    (BANK, ["GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00"]),
    (IP, ["81.2.69.160", "203.0.113.7", "2001:db8:85a3::8a2e:370:7334"]),
    (DEVICE, ["00:1A:2B:3C:4D:5E", "a4-5e-60-c2-19-77", "0011.2233.4455"]),  # MAC
    (COOKIE, ["GA1.2.1234567890.1700000000", "fb.1.1596403881668.1116446470"]),
    (CRED, ["$2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"]),
    (CRED, ["$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"]),
    (CRED, [jwt({"sub": "42"}), jwt({"sub": "43", "iat": 1})]),
    (CRED, ["AKIAIOSFODNN7EXAMPLE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"]),
]

INVALID = [
    (EMAIL, ["john..smith@example.com", "john@example", "john@-example.com"]),
    (PHONE, ["+44 20 1234", "+1 099 555 0143", "+49 1"]),
    (NATID, ["078-05-1120", "000-12-3456", "666-12-3456", "900-12-3456"]),  # bad SSN
    (NATID, ["BG123456C", "QQ123456C", "AB123456E"]),  # bad NINO
    (NATID, ["529.982.247-26", "111.444.777-36"]),  # bad CPF check digits
    (NATID, ["234567890124", "345678901235"]),  # bad Aadhaar (Verhoeff)
    (TAXID, ["11.222.333/0001-82"]),  # bad CNPJ
    (CARD, ["4111 1111 1111 1112", "5500-0000-0000-0005"]),  # bad Luhn
    (BANK, ["GB82 WEST 1234 5698 7654 33", "DE89 3704 0044 0532 0130 01"]),  # bad mod 97
    (IP, ["999.1.1.1", "Chrome/52.0.2.1", "rv:1.9.6.20", "std::cout"]),
    (DEVICE, ["00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"]),
    (CRED, ["eyJub3QiOiJqd3QifQ.eyJhIjoxfQ.xxxxxxxxxx"]),  # JWT without `alg`
]


@pytest.mark.parametrize(("category", "values"), VALID)
def test_valid_values_are_found(category: str, values: list[str]) -> None:
    assert category in categories(repeat(values))


@pytest.mark.parametrize(("category", "values"), INVALID)
def test_checksum_invalid_values_are_not(category: str, values: list[str]) -> None:
    assert category not in categories(repeat(values))


def test_random_numbers_passing_luhn_by_chance_are_not_cards() -> None:
    # one in ten random 16-digit numbers passes Luhn: a column of them is no card column
    import random

    rng = random.Random(1)
    numbers = [str(rng.randint(4 * 10**15, 5 * 10**15 - 1)) for _ in range(300)]
    assert CARD not in categories(numbers)


def test_order_numbers_valid_as_phones_somewhere_are_not_phones() -> None:
    import random

    rng = random.Random(2)
    numbers = [f"ORD-{rng.randint(10**8, 10**9 - 1)}" for _ in range(300)]
    assert PHONE not in categories(numbers, "order_ref")


def test_national_phone_numbers_of_one_country() -> None:
    values = ["(415) 555-2671", "(212) 736-5000", "(617) 253-1000", "(202) 456-1111"]
    assert PHONE in categories(repeat(values), "contact_phone")


def test_passport_numbers_need_context() -> None:
    values = repeat(["K12345678", "C01X00T47", "P98765432", "Z22233344"])
    assert PASSPORT in categories(values, "passport_no")
    assert PASSPORT not in categories(values, "c07")


def test_mrz_line_with_check_digits_is_a_passport() -> None:
    line = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    assert PASSPORT in categories(repeat([line]), "doc")
    broken = "L898902C37UTO7408122F1204159ZE184226B<<<<<10"
    assert PASSPORT not in categories(repeat([broken]), "doc")
