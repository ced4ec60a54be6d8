"""A person's money: salary, income, wages, bonus, assets and debts. Any amount column looks the
same, so the value evidence (positive, varied numbers) is weak; it applies only under a column
name that says whose money it is, and counts fully only in a table whose rows are people's.
Amounts may carry a currency and a rounded gloss (`Rs 1,23,45,678 ~ 1 Crore+`, India's digit
grouping)."""

from __future__ import annotations

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
        # none owed is an amount too (a debt of 0), but a column must vary to be each person's
        positive = amounts.filter(pl.col(VALUE) >= 0)
        if positive.height < NUMERIC_SHARE * values.n_rows:
            return []
        if positive[VALUE].n_unique() < min(10, 0.3 * values.n_rows):
            return []  # a few levels: bands or grades, not each person's amount
        someone = values.signals.people or values.signals.someone
        strength = self.strength if someone else self.elsewhere
        return [self.evidence(FINANCIAL, positive[ROW].unique(), strength, {"distribution"}, [])]


RECOGNIZERS = (PersonalAmountRecognizer(),)
