"""A person's criminal record: counts of their cases, charges or convictions (`3`, `0`), or a
flag that they have one, under a name that says criminal, in a table of people. A count of a
person's cases is about that person; a count per district (crime statistics) is not."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    INTEGER,
    ROW,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)

CRIMINAL_HISTORY = "user.criminal_history"
SHARE = 0.9  # of a column's rows that are counts or flags (or no answer)
MAX_COUNT = 500  # cases one person has; a district's or a court's tally runs higher
_FLAGS = ("yes", "no", "y", "n", "true", "false", "none", "nil", "not available", "n/a", "-")


@dataclass
class CriminalHistoryRecognizer(Recognizer):
    name: str = "criminal_history"
    strength: float = 0.3  # the name must confirm

    def __post_init__(self) -> None:
        self.categories = (CRIMINAL_HISTORY,)
        self.kinds = frozenset({INTEGER, TEXT})
        self.context = words(
            "criminal", "criminalcases", "criminalcase", "criminalrecord", "criminalhistory",
            "conviction", "convictions", "convicted", "offence", "offences", "offense",
            "offenses", "felony", "felonies", "misdemeanor", "misdemeanors", "arrest",
            "arrests", "chargesheet", "antecedentes", "antecedentescriminais", "penal",
            "vorstrafe", "vorstrafen", "casier", "casierjudiciaire", "前科",
        )  # fmt: skip
        self.negative_context = words(
            "rate", "statistics", "stats", "district", "region", "total", "per", "ratio", "avg"
        )

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(self.context & signals.name) and signals.about_people and super().applies(values)
        )

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        folded = values.folded()
        count = pl.col(VALUE).cast(pl.Int64, strict=False)
        marked = folded.with_columns(
            count=count.is_between(0, MAX_COUNT),
            flag=pl.col(VALUE).is_in(pl.Series(_FLAGS).implode()),
        )
        known = marked.filter(pl.col("count") | pl.col("flag"))
        if known.height < SHARE * values.n_rows or known[VALUE].n_unique() < 2:
            return []
        rows = known[ROW].unique()
        examples = known[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(CRIMINAL_HISTORY, rows, self.strength, {"distribution"}, examples)]


RECOGNIZERS = (CriminalHistoryRecognizer(),)
