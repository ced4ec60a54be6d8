"""Payment cards (Luhn plus issuer prefix) and IBANs (ISO 7064 mod 97 plus country length)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iban, luhn

from privacymesh.detect.recognizer import DIGITS, ColumnValues, PatternRecognizer, words

# Issuer prefixes of the major networks: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
# Maestro, RuPay, Elo/Hipercard (BR).
_IIN = re.compile(
    r"^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|6011|64[4-9]|65|35|"
    r"2131|1800|30[0-5]|36|38|39|62|5[06-9]|6[0-9]|60|50)"
)


def valid_card(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    return (
        digits.isdigit()
        and 13 <= len(digits) <= 19
        and bool(_IIN.match(digits))
        and bool(luhn.is_valid(digits))
        and len(set(digits)) > 2
    )


CREDIT_CARD = PatternRecognizer(
    kinds=DIGITS,
    name="credit_card",
    category="user.financial.credit_card",
    pattern=r"\b\d(?:[ -]?\d){12,18}\b",
    validator=valid_card,
    base=0.9,
    chance=0.1,
    context=words("card", "cc", "pan", "creditcard", "cardnumber", "visa", "mastercard", "amex"),
    negative_context=words("order", "invoice", "tracking", "imei", "barcode", "ean", "isbn"),
)

IBAN = PatternRecognizer(
    name="iban",
    category="user.financial.bank_account",
    pattern=r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",
    validator=lambda v: bool(iban.is_valid(v)),
    base=0.95,
    context=words("iban", "account", "bank", "konto", "conta", "bankaccount"),
)


def made_up_card(value: str) -> bool:
    """An issuer prefix and a card's length but a wrong check digit: sample databases hold
    made-up card numbers (the valid ones are `CREDIT_CARD`'s)."""
    digits = re.sub(r"[\s-]", "", value)
    return (
        digits.isdigit()
        and 13 <= len(digits) <= 19
        and bool(_IIN.match(digits))
        and not luhn.is_valid(digits)
    )


@dataclass
class CardShapeRecognizer(PatternRecognizer):
    """Card-shaped numbers under a card's name: too weak alone (any long number has a prefix
    some network uses); counted only when the column is named for a card."""

    def applies(self, values: ColumnValues) -> bool:
        # decided before any gate runs: other columns cost nothing
        return bool(self.context & values.signals.name) and super().applies(values)


CARD_SHAPE = CardShapeRecognizer(
    kinds=DIGITS,
    name="credit_card_shape",
    category="user.financial.credit_card",
    pattern=CREDIT_CARD.pattern,
    anchored=True,
    validator=made_up_card,
    base=0.3,
    full_coverage=0.6,
    context=words("card", "creditcard", "cardnumber", "cardno", "ccnumber"),
    negative_context=CREDIT_CARD.negative_context | words("gift", "loyalty", "sim", "id"),
)

RECOGNIZERS = (CREDIT_CARD, IBAN, CARD_SHAPE)
