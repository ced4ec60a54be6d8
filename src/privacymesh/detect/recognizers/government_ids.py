"""Government identifiers, with `python-stdnum` checksums wherever the scheme has one: US SSN,
UK National Insurance number, Brazil CPF and CNPJ, India Aadhaar and PAN, passports (format plus
context; ICAO machine-readable zones carry check digits and are validated)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.br import cnpj, cpf
from stdnum.in_ import aadhaar, pan
from stdnum.us import ssn

from privacymesh.detect.context import tokens
from privacymesh.detect.recognizer import (
    DIGITS,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    words,
)

NATIONAL_ID = "user.government_id.national_identification_number"
# fideslang has no tax-id key: a tax id is a national id with its own detail
TAX_ID = "tax_identification_number"
PASSPORT = "user.government_id.passport_number"

_NINO = re.compile(r"^([A-CEGHJ-PR-TW-Z])([A-CEGHJ-NPR-TW-Z])(\d{6})([A-D])$")
_NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def valid_nino(value: str) -> bool:
    """UK NINO: two prefix letters (D, F, I, Q, U, V never; O never second; not BG, GB, KN, NK,
    NT, TN, ZZ), six digits, suffix A-D."""
    compact = re.sub(r"[\s-]", "", value).upper()
    m = _NINO.match(compact)
    return bool(m) and (m.group(1) + m.group(2)) not in _NINO_BAD_PREFIX


def valid_ssn(value: str) -> bool:
    """stdnum's SSN check (area not 000/666/9xx, group and serial non-zero, known-bad numbers)."""
    return bool(ssn.is_valid(value))


_MRZ_WEIGHTS = (7, 3, 1)


def _mrz_digit(field: str) -> str:
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            v = int(ch)
        elif ch.isalpha():
            v = ord(ch) - 55
        else:
            v = 0
        total += v * _MRZ_WEIGHTS[i % 3]
    return str(total % 10)


def valid_mrz_line(value: str) -> bool:
    """ICAO 9303 passport MRZ line 2: number, birth date and expiry each with a check digit."""
    line = value.strip()
    if len(line) < 28:
        return False
    number, d1 = line[0:9], line[9]
    birth, d2 = line[13:19], line[19]
    expiry, d3 = line[21:27], line[27]
    return _mrz_digit(number) == d1 and _mrz_digit(birth) == d2 and _mrz_digit(expiry) == d3


_ID_WORDS = words("id", "identity", "national", "nationalid", "citizen", "taxpayer", "tin")

SSN_DASHED = PatternRecognizer(
    kinds=DIGITS,
    name="us_ssn",
    category=NATIONAL_ID,
    pattern=r"\b\d{3}-\d{2}-\d{4}\b",
    validator=valid_ssn,
    base=0.85,
    chance=0.05,
    context=words("ssn", "social", "socialsecurity", "security", "ssnumber") | _ID_WORDS,
    negative_context=words("phone", "order", "invoice", "part", "sku"),
)

SSN_PLAIN = PatternRecognizer(
    kinds=DIGITS,
    name="us_ssn_plain",
    category=NATIONAL_ID,
    pattern=r"\d{9}",
    anchored=True,
    validator=valid_ssn,
    base=0.3,
    chance=0.9,
    full_coverage=0.6,
    context=SSN_DASHED.context,
    negative_context=words("phone", "order", "invoice", "amount", "count", "zip", "routing"),
)

UK_NINO = PatternRecognizer(
    name="uk_nino",
    category=NATIONAL_ID,
    pattern=r"\b[A-Za-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-Da-d]\b",
    validator=valid_nino,
    base=0.85,
    context=words("nino", "ni", "insurance", "nationalinsurance", "nin") | _ID_WORDS,
)

BR_CPF = PatternRecognizer(
    kinds=DIGITS,
    name="br_cpf",
    category=NATIONAL_ID,
    pattern=r"\b\d{3}\.\d{3}\.\d{3}-\d{2}\b|\b\d{11}\b",
    validator=lambda v: bool(cpf.is_valid(v)),
    base=0.9,
    chance=0.01,
    context=words("cpf", "cadastro", "contribuinte") | _ID_WORDS,
)

# column-name words of the organisation a row deals with (the supplier that billed a claim):
# a company number beside or under one is that organisation's
_ORGANIZATION_WORDS = words(
    "fornecedor", "empresa", "razaosocial", "emitente", "prestador", "supplier", "vendor",
    "company", "companyname", "merchant", "issuer", "contractor", "proveedor", "emisor",
)  # fmt: skip


@dataclass
class CompanyNumberRecognizer(PatternRecognizer):
    """A company's registration number (Brazil's CNPJ, with its own check digits). It names a
    person only where the table holds people's own: under or beside a column naming the
    organisation a row deals with it is that organisation's, and under a name for both a
    company's and a person's number (`CNPJ/CPF`) with no person's number among the values it is
    a company's too."""

    person_check: Callable[[str], bool] | None = None
    person_digits: int = 0

    def detect(self, values: ColumnValues) -> list[Evidence]:
        columns = values.table.columns if values.table is not None else []
        named = set(values.signals.name)
        for column in columns:
            named |= tokens(column)
        if named & _ORGANIZATION_WORDS:
            return []
        found = super().detect(values)
        if found and self.person_check and _names_both(values.name):
            digits = values.stripped()[VALUE].str.replace_all(r"\D", "").unique()
            people = [d for d in digits.to_list() if len(d) == self.person_digits]
            if not any(_safe_check(self.person_check, d) for d in people):
                return []  # every number a company's
        return found


def _names_both(name: str) -> bool:
    """Whether a column name speaks of a company's and a person's number (`txtCNPJCPF`)."""
    folded = name.lower()
    return "cnpj" in folded and "cpf" in folded


def _safe_check(check: Callable[[str], bool], value: str) -> bool:
    try:
        return bool(check(value))
    except Exception:  # a checksum library that chokes on a value finds no number in it
        return False


BR_CNPJ = CompanyNumberRecognizer(
    person_check=cpf.is_valid,
    person_digits=11,
    kinds=DIGITS,
    name="br_cnpj",
    category=NATIONAL_ID,
    detail=TAX_ID,
    pattern=r"\b\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}\b|\b\d{14}\b",
    validator=lambda v: bool(cnpj.is_valid(v)),
    base=0.9,
    chance=0.01,
    context=words("cnpj", "empresa", "company") | _ID_WORDS,
)

IN_AADHAAR = PatternRecognizer(
    kinds=DIGITS,
    name="in_aadhaar",
    category=NATIONAL_ID,
    pattern=r"\b[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}\b",
    validator=lambda v: bool(aadhaar.is_valid(v)),
    base=0.85,
    chance=0.1,
    context=words("aadhaar", "aadhar", "uid", "uidai") | _ID_WORDS,
    negative_context=words("phone", "order", "invoice", "account"),
)

IN_PAN = PatternRecognizer(
    name="in_pan",
    category=NATIONAL_ID,
    detail=TAX_ID,
    pattern=r"\b[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]\b",
    validator=lambda v: bool(pan.is_valid(v)),
    base=0.85,
    context=words("pan", "permanent", "permanentaccount", "incometax", "tax") | _ID_WORDS,
)

PASSPORT_NUMBER = PatternRecognizer(
    kinds=DIGITS,
    name="passport",
    category=PASSPORT,
    # US/UK 9 digits, US 1 letter + 8 digits, DE 9 of [CFGHJKLMNPRTVWXYZ0-9], IN 1+7, BR 2+6
    pattern=r"[A-Z]?\d{8,9}|[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}|[A-Z]\d{7}|[A-Z]{2}\d{6,7}",
    anchored=True,
    base=0.3,
    full_coverage=0.8,
    # a travel document is a passport or an identity card that crosses borders, in the
    # languages whose registers name it so
    context=words(
        "passport",
        "passportnumber",
        "passportno",
        "reisepass",
        "passaporte",
        "pasaporte",
        "passeport",
        "passaporto",
        "paspoort",
        "paszport",
        "traveldocument",
        "reisdocument",
        "reisedokument",
        "documentodeviaje",
        "documentdevoyage",
        "paspoortnummer",
    ),
    negative_context=words("order", "invoice", "sku", "product", "phone", "zip", "amount"),
)

PASSPORT_MRZ = PatternRecognizer(
    name="passport_mrz",
    category=PASSPORT,
    pattern=r"[A-Z0-9<]{9}\d[A-Z<]{3}\d{6}\d[MFX<]\d{6}\d[A-Z0-9<]{14}\d\d",
    validator=valid_mrz_line,
    base=0.9,
    context=PASSPORT_NUMBER.context | words("mrz"),
)

DRIVERS_LICENSE = "user.government_id.drivers_license_number"
_LICENSE_WORDS = words(
    "license", "licence", "licensenumber", "licencenumber", "licenseno", "licenceno", "dl",
    "dln", "driverslicense", "driverslicence", "driverlicense", "driverlicence",
    "drivinglicense", "drivinglicence", "führerschein", "fuhrerschein", "cnh",
)  # fmt: skip


def names_a_license(name: frozenset[str]) -> bool:
    """Whether a column's name (its tokens) says it holds driving licence numbers: a licence
    word, or a bare plural `drivers` in a person's record (what several exports call it); a
    `driver_id` names a driver, not a licence."""
    if name & _LICENSE_WORDS:
        return True
    return "drivers" in name and not name & words("id", "name", "count", "number")


class DriversLicenseRecognizer(PatternRecognizer):
    """Licence numbers have no common checksum and many state formats: values shaped like one
    count only under a column name that says licence."""

    def applies(self, values: ColumnValues) -> bool:
        return names_a_license(values.signals.name) and super().applies(values)


DRIVERS_LICENSE_NUMBER = DriversLicenseRecognizer(
    kinds=DIGITS,
    name="drivers_license",
    category=DRIVERS_LICENSE,
    # US states' letters and digits, digit runs, Florida-style groups
    pattern=(
        r"[A-Z]{1,3}[- ]?\d{4,14}|\d{5,14}[A-Z]?"
        r"|[A-Z]\d{3}-\d{3}-\d{2}-\d{3}-\d|[A-Z]\d{3}-\d{4}-\d{4}"
    ),
    anchored=True,
    base=0.4,
    full_coverage=0.8,
    context=_LICENSE_WORDS | words("drivers"),
)

RECOGNIZERS = (
    SSN_DASHED, SSN_PLAIN, UK_NINO, BR_CPF, BR_CNPJ, IN_AADHAAR, IN_PAN, PASSPORT_NUMBER,
    PASSPORT_MRZ, DRIVERS_LICENSE_NUMBER,
)  # fmt: skip
