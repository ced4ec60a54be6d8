"""A person's money: salary, income, wages, bonus, assets and debts. Any amount column looks the
same, so the value evidence (positive, varied numbers) is weak; it applies only under a column
name that says whose money it is, and counts fully only in a table whose rows are people's.
Amounts may carry a currency and a rounded gloss (`Rs 1,23,45,678 ~ 1 Crore+`, India's digit
grouping)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    FLOAT,
    INTEGER,
    ROW,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)

FINANCIAL = "user.financial"
NUMERIC_SHARE = 0.9
_GLOSS = r"\s*~.*$"  # `~ 1 Crore+`: the same amount in words, after the figure
_CURRENCY = r"(?i)^(?:rs\.?|inr|₹|r\$|us\$|\$|€|£|eur|usd|brl)\s*"


_MAY_BE_NEGATIVE = words("balance", "accountbalance", "networth")


@dataclass
class PersonalAmountRecognizer(Recognizer):
    name: str = "personal_amount"
    strength: float = 0.3  # in a table of people
    elsewhere: float = 0.1  # a company's revenue or a product's price is no person's money

    def __post_init__(self) -> None:
        self.categories = (FINANCIAL,)
        self.kinds = frozenset({INTEGER, FLOAT, TEXT})
        self.context = words(
            "salary", "salaries", "income", "wage", "wages", "earnings", "compensation",
            "payroll", "bonus", "networth", "wealth", "pension", "annualincome", "grosspay",
            "netpay", "gehalt", "einkommen", "salario", "renda", "ingresos", "revenu",
            # what a person spent, or had covered, on their care or their costs
            "expense", "expenditure", "spending", "coverage",
            # what a person owns and owes (a candidate's declared assets and liabilities)
            "asset", "assets", "liability", "liabilities", "debt", "debts", "patrimonio",
            "patrimônio", "bens", "vermoegen", "vermögen", "schulden", "dividas", "dívidas",
            "deudas", "patrimoine",
            # a person's gains and losses on capital, and what their account holds
            "capitalgain", "capitalgains", "capitalloss", "capitallosses", "balance",
            "accountbalance", "savings",
        )  # fmt: skip
        self.negative_context = words(
            "company", "product", "store", "department", "average", "avg", "mean", "median",
            "min", "max", "total", "sum", "budget", "grade", "band", "range",
        )  # fmt: skip

    def applies(self, values: ColumnValues) -> bool:
        return bool(self.context & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        amount = (
            pl.col(VALUE)
            .str.replace(_GLOSS, "")
            .str.replace(_CURRENCY, "")
            .str.replace_all(r"[,\s]", "")
            .cast(pl.Float64, strict=False)
        )
        amounts = values.stripped().select(ROW, amount)
        # none owed is an amount too (a debt of 0), but a column must vary to be each person's;
        # an account's balance may be overdrawn
        floor = -math.inf if values.signals.name & _MAY_BE_NEGATIVE else 0.0
        positive = amounts.filter(pl.col(VALUE) >= floor)
        if positive.height < NUMERIC_SHARE * values.n_rows:
            return []
        if positive[VALUE].n_unique() < min(10, 0.3 * values.n_rows):
            return []  # a few levels: bands or grades, not each person's amount
        someone = values.signals.about_people
        strength = self.strength if someone else self.elsewhere
        return [self.evidence(FINANCIAL, positive[ROW].unique(), strength, {"distribution"}, [])]


# an income band: a bound or a span of amounts (`<=50K`, `$25,000-$49,999`, `100k+`,
# `under 20000`), in thousands or in full
_AMOUNT = r"[$€£]?\s*\d[\d,.]*\s*[kKmM]?"
_BAND = (
    rf"^(?:(?:[<>]=?|≤|≥|under|over|below|above|less than|more than|up to)\s*{_AMOUNT}"
    rf"|{_AMOUNT}\s*(?:-|–|to)\s*{_AMOUNT}|{_AMOUNT}\s*\+"
    rf"|{_AMOUNT}\s*(?:and|or) (?:over|more|above))$"
)
_INCOME_NAMES = words(
    "income", "salary", "wage", "wages", "earnings", "pay", "annualincome", "householdincome",
)  # fmt: skip
BAND_SHARE = 0.9  # of the values that are bands (or no answer)


@dataclass
class IncomeBandRecognizer(Recognizer):
    """A person's income as a band (`<=50K`, `$50,000-$74,999`) under an income name in a
    table of people: a few levels, so the amount recognizer leaves it, but each row is still
    that person's money."""

    name: str = "income_band"
    strength: float = 0.3  # the name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (FINANCIAL,)
        self.context = _INCOME_NAMES
        self.negative_context = words("company", "store", "product", "tax", "taxbracket")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(_INCOME_NAMES & signals.name) and signals.about_people and super().applies(values)
        )

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.max_digits() == 0

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        folded = values.folded()
        if folded[VALUE].n_unique() > 40:
            return []  # amounts, not bands
        bands = folded.filter(pl.col(VALUE).str.contains(_BAND))
        if bands.height < BAND_SHARE * values.n_rows:
            return []
        examples = bands[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(FINANCIAL, bands[ROW].unique(), self.strength, {"pattern"}, examples)]


RECOGNIZERS = (PersonalAmountRecognizer(), IncomeBandRecognizer())
