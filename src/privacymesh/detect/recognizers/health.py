"""Health data about a person: diagnoses written as text (`Acute bronchitis (disorder)`,
`Type 2 diabetes`) and as SNOMED CT concept ids (digits whose last is a Verhoeff check digit
behind a partition code). A list of conditions describes no one; beside a patient (a table whose
rows are someone's) each row is that person's health."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from stdnum import verhoeff

from privacymesh.detect.recognizer import (
    DIGITS,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)

HEALTH = "user.health_and_medical"
_HEALTH_WORDS = words(
    "diagnosis", "diagnoses", "condition", "conditions", "problem", "disease", "illness",
    "symptom", "complaint", "snomed", "sct", "icd", "icd10", "disorder", "comorbidity",
)  # fmt: skip
_NOT_HEALTH = words("product", "item", "weather", "road", "vehicle", "machine", "asset")

# SNOMED CT's semantic tags, which its descriptions carry at the end
_SEMANTIC_TAG = r"(?i)\((?:disorder|finding|procedure|situation|morphologic abnormality|event)\)$"
_CLINICAL = (
    r"(?i)\b(?:disease|disorder|syndrome|infection|cancer|carcinoma|tumou?r|diabetes|hypertension"
    r"|asthma|pneumonia|bronchitis|fracture|injury|sprain|concussion|allergy|allergic|an(?:a)?emia"
    r"|obesity|depression|anxiety|dementia|stroke|epilepsy|arthritis|osteoporosis|migraine"
    r"|sepsis|covid-19|influenza|hepatitis|hiv|pregnancy|miscarriage|overdose|addiction)\b"
    # the suffixes of inflammations, conditions, tumours and pains, at a word's end
    r"|(?:itis|osis|emia|oma|pathy|algia)\b"
)
TEXT_SHARE = 0.5  # of the values that read as a condition
CODE_SHARE = 0.8  # of the values that are valid SNOMED CT concept ids
_CODE = r"^\d{6,18}$"
DECLARED = 0.3  # outside a table of people: read only because the contract declares health data


def beside_someone(values: ColumnValues) -> bool:
    """Whether the table's rows are someone's (or the contract declares health data): elsewhere
    no name or neighbour can raise a list of conditions to a finding, so it is not read."""
    signals = values.signals
    return signals.about_people or (signals.declared or "").startswith(HEALTH)


def valid_snomed_concept(value: str) -> bool:
    """A SNOMED CT concept id: 6 to 18 digits, partition `00` (core) or `10` (an extension's)
    before the Verhoeff check digit."""
    return (
        6 <= len(value) <= 18
        and value[-3:-1] in ("00", "10")
        and value[0] != "0"
        and bool(verhoeff.is_valid(value))
    )


# one pass over each value: a semantic tag or a clinical word
_READS_CLINICAL = f"{_SEMANTIC_TAG}|{_CLINICAL}"


def _reads_clinical() -> pl.Expr:
    return pl.col(VALUE).str.contains(_READS_CLINICAL)


@dataclass
class DiagnosisTextRecognizer(Recognizer):
    name: str = "diagnosis_text"
    strength: float = 0.55  # beside a patient

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.context = _HEALTH_WORDS
        self.negative_context = _NOT_HEALTH

    def applies(self, values: ColumnValues) -> bool:
        return beside_someone(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        probe = values.probe()
        if probe.filter(_reads_clinical()).height < TEXT_SHARE * probe.height:
            return []  # decided on about one value in eight of a long column
        folded = values.folded().filter(pl.col(VALUE).str.len_chars() <= 200)
        if folded.height < TEXT_SHARE * values.n_rows:
            return []
        hits = folded.filter(_reads_clinical())
        if hits.height < TEXT_SHARE * values.n_rows or hits[VALUE].n_unique() < 3:
            return []
        strength = self.strength if values.signals.about_people else DECLARED
        examples = hits[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(HEALTH, hits[ROW].unique(), strength, {"dictionary"}, examples)]


@dataclass
class SnomedCodeRecognizer(Recognizer):
    name: str = "snomed_code"
    kinds: frozenset[str] = DIGITS
    strength: float = 0.55  # beside a patient

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.context = _HEALTH_WORDS
        self.negative_context = _NOT_HEALTH

    def applies(self, values: ColumnValues) -> bool:
        return beside_someone(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3 or values.max_digits() < 6:
            return []
        probe = values.probe()
        if probe.filter(pl.col(VALUE).str.contains(_CODE)).height < CODE_SHARE * probe.height:
            return []  # decided on about one value in eight of a long column
        codes = values.stripped().filter(pl.col(VALUE).str.contains(_CODE))
        if codes.height < CODE_SHARE * values.n_rows:
            return []
        distinct = codes[VALUE].unique().sort().head(values.options.max_validate).to_list()
        if len(distinct) < 3:
            return []
        valid = [v for v in distinct if valid_snomed_concept(v)]
        if len(valid) < CODE_SHARE * len(distinct):
            return []
        rows = codes.filter(pl.col(VALUE).is_in(valid))[ROW].unique()
        strength = self.strength if values.signals.about_people else DECLARED
        return [self.evidence(HEALTH, rows, strength, {"pattern", "validator"}, valid[:2])]


RECOGNIZERS = (DiagnosisTextRecognizer(), SnomedCodeRecognizer())
