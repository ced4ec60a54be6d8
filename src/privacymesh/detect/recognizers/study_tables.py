"""What a table's subject makes of terse columns. In a study of patients with one disease or
treatment (a cancer registry, a transplant cohort: the table's name or a column says so) a
tumour's size, a count of nodes, a receptor level, a grade, a time to recurrence or a death flag
is the patient's health, whatever its own name; in a table of people with a criminal record
(released prisoners, offenders) their counts and flags (prior convictions, parole, the week of
re-arrest) are that record. The table decides before any value is read; the values need only
vary. Ids, names and demographics keep their own categories."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    FLOAT,
    INTEGER,
    ROW,
    TEMPORAL,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)
from privacymesh.detect.recognizers.criminal_history import CRIMINAL_HISTORY
from privacymesh.detect.recognizers.health import HEALTH

# column-name words of what is not a measure of the subject: the row's id, the person's name
# and demographics (their own recognizers), the record's bookkeeping
_NOT_MEASURE = words(
    "id", "identifier", "key", "uuid", "name", "firstname", "lastname", "surname", "age",
    "sex", "gender", "race", "ethnicity", "ethnic", "black", "white", "asian", "hispanic",
    "male", "female", "marital", "married", "mar", "education", "educ", "income", "country",
    "state", "region", "site", "center", "centre", "hospital", "created", "updated", "source",
    "batch", "version", "row", "index", "record", "fin", "financial", "employment", "job",
)  # fmt: skip
_KINDS = frozenset({TEXT, INTEGER, FLOAT, TEMPORAL})
MIN_DISTINCT = 2  # one value everywhere is a constant of the extract, not each person's


def _measure(values: ColumnValues) -> bool:
    name = values.signals.name
    return bool(name) and not name & _NOT_MEASURE and not any(t.endswith("id") for t in name)


@dataclass
class StudyMeasureRecognizer(Recognizer):
    """Any varying column of a disease study's table of patients, ids and demographics aside."""

    name: str = "study_measure"
    strength: float = 0.6

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.kinds = _KINDS

    def applies(self, values: ColumnValues) -> bool:
        return values.signals.study and _measure(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        return _varying(self, values, HEALTH)


@dataclass
class OffenderRecordRecognizer(Recognizer):
    """Counts and flags of a table of people with a criminal record: counts of cases, weeks to
    re-arrest, parole flags; ids and demographics aside."""

    name: str = "offender_record"
    strength: float = 0.6

    def __post_init__(self) -> None:
        self.categories = (CRIMINAL_HISTORY,)
        self.kinds = frozenset({TEXT, INTEGER})

    def applies(self, values: ColumnValues) -> bool:
        return values.signals.offenders and _measure(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        folded = values.folded()
        count = pl.col(VALUE).cast(pl.Int64, strict=False)
        flags = ("yes", "no", "y", "n", "true", "false")
        known = folded.filter(count.is_between(0, 520) | pl.col(VALUE).is_in(flags))
        if known.height < 0.9 * values.n_rows:
            return []  # words or large numbers: not a count or a flag of the person's record
        return _varying(self, values, CRIMINAL_HISTORY)


def _varying(recognizer: Recognizer, values: ColumnValues, category: str) -> list[Evidence]:
    if values.n_rows < 3:
        return []
    stripped = values.stripped().filter(pl.col(VALUE) != "")
    if stripped[VALUE].n_unique() < MIN_DISTINCT:
        return []
    examples = stripped[VALUE].unique(maintain_order=True).head(2).to_list()
    return [
        recognizer.evidence(
            category, stripped[ROW].unique(), recognizer.strength, {"context"}, examples
        )
    ]


RECOGNIZERS = (StudyMeasureRecognizer(), OffenderRecordRecognizer())
