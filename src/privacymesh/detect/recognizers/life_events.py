"""Dates of a person's life events: a birth, a marriage, a death, a burial, a divorce, under a
name that says which, in any of the ways registers and genealogies write them: ISO and national
formats, YYYYMMDD as text or as a number (population registers), and GEDCOM's dates with their
qualifiers and partial forms (`12 JAN 1890`, `ABT 1890`, `AFT 1700`, `JAN 1890`). The name
decides before any value is read; the values need only be dates, none yet to come."""

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
)
from privacymesh.detect.recognizers.demographics import (
    DATE_OF_BIRTH,
    DATES_PARSED,
    LIFE_EVENT_STEMS,
    parse_dates,
)

DEMOGRAPHIC = "user.demographic"
_BIRTH_STEMS = (
    "birth", "geboorte", "geburt", "nacimiento", "nascimento", "nascita", "naissance",
    "fodsel", "fødsel", "födelse", "syntym", "urodzen",
)  # fmt: skip
# names of a date's record-keeping, not of the event (`birth_date_updated`)
_NOT_EVENT = ("updated", "modified", "created", "recorded", "registered", "opneming", "ingang")
_DATE_WORDS = ("date", "datum", "fecha", "data", "dt", "day", "year", "jaar", "jahr")
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
# GEDCOM: an optional qualifier, then day, month and year, or month and year, or a year alone
_GEDCOM = (
    rf"(?i)^(?:(?:ABT|AFT|BEF|EST|CAL|INT|FROM|TO|BET)\.?\s+)?(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})\s+)?"
    rf"\d{{3,4}}(?:\s+(?:AND|TO)\s+(?:\d{{1,2}}\s+)?(?:(?:{_MONTHS})\s+)?\d{{3,4}})?$"
)
SHARE = 0.85  # of the values that read as dates


def _has_stem(name: frozenset[str], stems: tuple[str, ...]) -> bool:
    return any(stem in token for token in name for stem in stems)


def event_category(name: frozenset[str]) -> str | None:
    """The category of the life event a column's name tokens speak of, else None."""
    if _has_stem(name, _NOT_EVENT):
        return None
    if _has_stem(name, _BIRTH_STEMS):
        return DATE_OF_BIRTH
    if _has_stem(name, LIFE_EVENT_STEMS):
        return DEMOGRAPHIC
    return None


@dataclass
class LifeEventDateRecognizer(Recognizer):
    """Dates under a life event's name; a birth's is the date of birth."""

    name: str = "life_event_date"
    strength: float = 0.6

    def __post_init__(self) -> None:
        self.categories = (DATE_OF_BIRTH, DEMOGRAPHIC)
        self.kinds = frozenset({TEXT, INTEGER})

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            event_category(signals.name) is not None
            and not signals.things
            and super().applies(values)
        )

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.max_digits() < 3  # every date form holds a year

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        category = event_category(values.signals.name)
        if category is None:
            return []
        stripped = values.stripped()
        gedcom = stripped.filter(pl.col(VALUE).str.contains(_GEDCOM))
        year = pl.col(VALUE).str.extract(r"(\d{3,4})\s*$").cast(pl.Int32, strict=False)
        this_year = values.options.today().year
        if gedcom.height >= SHARE * values.n_rows and gedcom[VALUE].n_unique() >= 3:
            if gedcom.filter(year > this_year).height:
                return []  # a year yet to come is no event of a life
            rows = gedcom[ROW]
        else:
            dates = parse_dates(values)
            if dates is None or dates.height < DATES_PARSED * values.n_rows:
                return []
            if dates.filter(pl.col("d") > values.options.today()).height:
                return []
            if dates["d"].n_unique() < 3:
                return []  # one or two days: a default, not each person's event
            rows = dates[ROW]
        examples = stripped.filter(pl.col(ROW).is_in(rows.implode()))[VALUE]
        return [
            self.evidence(
                category,
                rows.unique(),
                self.strength,
                {"pattern", "context"},
                examples.unique(maintain_order=True).head(2).to_list(),
            )
        ]


RECOGNIZERS = (LifeEventDateRecognizer(),)
