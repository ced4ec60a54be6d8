"""Masked copies of personal data: values whose characters are partly replaced by `*` or `•`
but which keep the shape of their category (`j***@e***.com`, `DE16**************9861`,
`***-**-6789`, `+44 ** **** *123`). A masked copy is still the category it was taken from (and
often still identifying: the kept characters, the domain, the last four digits), so it is
reported under that key, never as a different one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl

from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words
from privacymesh.detect.results import MASKED_VALUE

_MASK = r"[*•]"
_RUN = rf"{_MASK}{{2,}}"
MIN_SHARE = 0.8  # of the column's values in one masked shape
STRENGTH = 0.6


@cache
def _iban_countries() -> str:
    """Country codes of python-stdnum's IBAN registry (`AD|AE|...|XK`)."""
    from stdnum import numdb

    db = numdb.get("iban")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    codes = [a + b for a in letters for b in letters if db.info(a + b)[0][1]]
    return "|".join(codes) or "[A-Z]{2}"


# (category, the whole value's shape); each shape holds a run of mask characters
_SHAPES: tuple[tuple[str, str], ...] = (
    ("user.contact.email", rf"^[^\s@]*{_MASK}[^\s@]*@[^\s@]+\.[A-Za-z]{{2,}}$"),
    ("user.contact.email", rf"^[^\s@]+@[^\s@]*{_MASK}[^\s@]*\.[A-Za-z.]{{2,}}$"),
    ("user.contact.phone_number", r"^\+\d{1,3}[\d*• ()-]{6,16}\d$"),
    ("user.government_id.national_identification_number", rf"^{_MASK}{{3}}-{_MASK}{{2}}-\d{{4}}$"),
    ("user.financial.credit_card", r"^(?:[\d*•]{4}[ -]?){3}\d{4}$"),
    ("user.financial.credit_card", rf"^{_MASK}{{8,15}}\d{{4}}$"),
    ("user.demographic.date_of_birth", rf"^(?:19|20)\d\d-{_MASK}{{2}}-{_MASK}{{2}}$"),
    ("user.name", rf"^\p{{Lu}}{_MASK}{{2,}}(?:[ -]\p{{Lu}}{_MASK}{{2,}}){{1,3}}$"),
)


@dataclass
class MaskedValueRecognizer(Recognizer):
    name: str = MASKED_VALUE

    def __post_init__(self) -> None:
        self.categories = tuple(dict.fromkeys([c for c, _ in _SHAPES] + [BANK_ACCOUNT]))
        self.context = words("masked", "redacted", "obfuscated", "hidden", "partial")

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.chars().isdisjoint("*•")  # every shape holds a mask character

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        probe = values.probe()
        if probe.filter(pl.col(VALUE).str.contains(_RUN)).height < MIN_SHARE * probe.height:
            return []  # few values hold a run of mask characters
        frame = values.stripped()
        masked = frame.filter(pl.col(VALUE).str.contains(_MASK))
        shapes = [*_SHAPES, (BANK_ACCOUNT, iban_shape())]
        hits = masked.select(
            ROW,
            VALUE,
            *(pl.col(VALUE).str.contains(p).alias(str(i)) for i, (_, p) in enumerate(shapes)),
        )
        by_category: dict[str, pl.Series] = {}
        for i, (category, _) in enumerate(shapes):
            rows = hits.filter(pl.col(str(i)))[ROW]
            if rows.len():
                prior = by_category.get(category)
                by_category[category] = rows if prior is None else pl.concat([prior, rows])
        out = []
        for category, rows in by_category.items():
            rows = rows.unique()
            if rows.len() < MIN_SHARE * values.n_rows:
                continue
            examples = frame.filter(pl.col(ROW).is_in(rows.implode()))[VALUE].unique(
                maintain_order=True
            )
            out.append(
                self.evidence(
                    category,
                    rows,
                    STRENGTH,
                    {"pattern"},
                    examples.head(values.options.max_examples).to_list(),
                )
            )
        return out


BANK_ACCOUNT = "user.financial.bank_account"


@cache
def iban_shape() -> str:
    """An IBAN with masked digits: a country of the IBAN registry, two check digits (kept or
    masked), then digits, letters and mask characters."""
    return rf"^(?:{_iban_countries()})[\d*•]{{2}}[ ]?(?:[0-9A-Z*•][ ]?){{10,30}}$"


RECOGNIZERS = (MaskedValueRecognizer(),)
