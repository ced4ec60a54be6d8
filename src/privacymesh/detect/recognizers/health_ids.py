"""Health and professional identifiers that a national health system issues to people: the
Australian Individual Healthcare Identifier (IHI) and the identifier of each healthcare provider
(HPI-I), both 16 digits behind a fixed prefix with a Luhn check digit; the Medicare card number,
with its own weighted check digit; and the Ahpra registration number of a health practitioner.
An organisation's HPI-O has the same shape and is not a person's: it is left alone."""

from __future__ import annotations

import polars as pl
from stdnum import luhn

from privacymesh.detect.recognizer import DIGITS, VALUE, ColumnValues, PatternRecognizer, words

NATIONAL_ID = "user.government_id.national_identification_number"
GOVERNMENT_ID = "user.government_id"
INSURANCE_ID = "user.health_and_medical.insurance_beneficiary_id"

IHI_PREFIX = "800360"  # an individual (a patient)
HPII_PREFIX = "800361"  # an individual healthcare provider (a clinician)


def valid_health_identifier(value: str) -> bool:
    """16 digits whose Luhn check digit holds (the prefix is in the candidate pattern)."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return len(digits) == 16 and bool(luhn.is_valid(digits))


def health_identifier(value: str) -> bool:
    """Any Australian healthcare identifier (a person's, a clinician's or an organisation's):
    recognised by its own recognizers (the organisation's left alone), never as a national id
    of another country."""
    return value.startswith("80036") and valid_health_identifier(value)


_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def valid_medicare(value: str) -> bool:
    """An Australian Medicare card number: 10 digits (11 with the person's position on the
    card), the first 2 to 6, the ninth the weighted sum of the first eight modulo 10."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) not in (10, 11) or digits[0] not in "23456":
        return False
    if len(digits) == 11 and digits[10] == "0":
        return False  # positions on a card start at 1
    total = sum(int(d) * w for d, w in zip(digits[:8], _MEDICARE_WEIGHTS, strict=True))
    return total % 10 == int(digits[8])


_HEALTH_WORDS = words(
    "ihi", "hpii", "healthcareidentifier", "healthidentifier", "identifier", "hi", "individual",
    "patient", "provider", "practitioner",
)  # fmt: skip

IHI = PatternRecognizer(
    kinds=DIGITS,
    name="au_ihi",
    category=NATIONAL_ID,
    detail="au_individual_healthcare_identifier",
    pattern=rf"\b{IHI_PREFIX}\d{{10}}\b",
    prefilter=IHI_PREFIX,
    validator=valid_health_identifier,
    chance=0.1,
    base=0.9,
    context=_HEALTH_WORDS,
)

HPII = PatternRecognizer(
    kinds=DIGITS,
    name="au_hpii",
    category=GOVERNMENT_ID,
    detail="au_healthcare_provider_identifier_individual",
    pattern=rf"\b{HPII_PREFIX}\d{{10}}\b",
    prefilter=HPII_PREFIX,
    validator=valid_health_identifier,
    chance=0.1,
    base=0.9,
    context=_HEALTH_WORDS,
)

MEDICARE_WORDS = words(
    "medicare", "mcn", "medicarenumber", "medicareno", "medicarecard", "beneficiary",
    "insurance", "insured",
)  # fmt: skip

MEDICARE = PatternRecognizer(
    kinds=DIGITS,
    name="au_medicare",
    category=INSURANCE_ID,
    detail="au_medicare_number",
    # as printed (`2123 45670 1`) or as one run of digits, the person's position optional
    pattern=r"\b[2-6]\d{3} ?\d{5} ?\d(?: ?/? ?[1-9])?\b",
    prefilter=r"[2-6]\d{3} ?\d{5} ?\d",
    normalize=lambda e: e.str.replace_all(r"\D", ""),
    validator=valid_medicare,
    # the first digit is in the pattern: one random number in ten passes the check digit
    chance=0.1,
    base=0.8,
    full_coverage=0.5,
    context=MEDICARE_WORDS,
    negative_context=words("order", "invoice", "phone", "tel", "mobile", "fax", "amount"),
)

# the boards' codes, then ten digits
_AHPRA = r"\b(?:ATS|CHI|CMR|DEN|MED|MRP|NMW|OCC|OPT|OST|PAR|PHA|PHY|POD|PSY)\d{10}\b"

AHPRA = PatternRecognizer(
    name="au_ahpra_registration",
    category=GOVERNMENT_ID,
    detail="au_ahpra_registration_number",
    pattern=_AHPRA,
    prefilter=r"[A-Z]{3}\d{10}",
    base=0.7,
    full_coverage=0.5,
    context=words("ahpra", "registration", "registrationnumber", "practitioner"),
)

MEDICARE_SHARE = 0.8  # of a column's ten- and eleven-digit numbers, to call them card numbers


def medicare_numbers(values: ColumnValues) -> bool:
    """Whether the column's numbers are Medicare card numbers, not phone numbers: most of its
    ten- and eleven-digit values pass the check digit (one in twenty would by chance), and
    such values are most of the column. Kept in the column's memo: several recognizers ask."""
    if "medicare_numbers" not in values.memo:
        values.memo["medicare_numbers"] = values.max_digits() >= 10 and _medicare_numbers(values)
    return values.memo["medicare_numbers"]


def _medicare_numbers(values: ColumnValues) -> bool:
    probe = values.probe()
    runs = probe.filter(pl.col(VALUE).str.contains(r"^[2-6]\d{9,10}$"))[VALUE]
    if runs.len() < MEDICARE_SHARE * max(probe.height, 1) or runs.len() == 0:
        return False
    distinct = runs.unique().head(200).to_list()
    return sum(valid_medicare(v) for v in distinct) >= MEDICARE_SHARE * len(distinct)


RECOGNIZERS = (IHI, HPII, MEDICARE, AHPRA)
