"""A patient's record beyond diagnoses: vital signs as bare numbers (a weight, a heart rate, a
blood pressure), medical events and what they found (an admission, its reason and result, a
drug prescribed) and clinicians' free-text notes. A number or a word says nothing alone; under
a vital's or an event's name in a table that records patients' care it is that patient's
health. Notes are read from their words: clinical vocabulary in most of them."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    DIGITS,
    FLOAT,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)
from privacymesh.detect.recognizers.health import HEALTH

# names of vital signs and routine measurements of a body
_VITALS = words(
    "weight", "height", "heartrate", "pulse", "bloodpressure", "bp", "systolic", "diastolic",
    "bmi", "temperature", "bodytemperature", "temp", "glucose", "bloodsugar", "cholesterol",
    "hba1c", "spo2", "oxygensaturation", "o2sat", "respiratoryrate", "respiration", "waist",
    "hdl", "ldl", "triglycerides", "creatinine", "hemoglobin", "haemoglobin", "bodyfat",
    "restingheartrate",
)  # fmt: skip
# names of what happened to a patient and what it found
_EVENTS = words(
    "diagnosis", "diagnoses", "condition", "conditions", "symptom", "symptoms", "complaint",
    "reason", "result", "results", "finding", "findings", "procedure", "procedures",
    "treatment", "treatments", "prescription", "prescriptions", "medication", "medications",
    "medicine", "drug", "drugs", "dosage", "dose", "allergy", "allergies", "immunization",
    "vaccine", "vaccination", "event", "eventtype", "eventname", "encounter", "admission",
    "details", "detail", "labresult", "observation", "observations", "therapy",
    "surgery", "injury", "illness", "disease", "comorbidity", "outcome",
)  # fmt: skip
# names that say the column is about the record, not its content (a date, an id, a count)
_NOT_CONTENT = words(
    "id", "date", "time", "timestamp", "at", "by", "code", "count", "number", "no", "status",
    "provider", "facility", "hospital", "clinic", "location", "unit",
)  # fmt: skip
_NOTES = words(
    "note", "notes", "doctornotes", "clinicalnotes", "nursenotes", "comment", "comments",
    "remark", "remarks", "summary", "narrative", "history", "anamnesis", "assessment",
    "progressnotes", "soap",
)  # fmt: skip
_NUMBER = r"^\d{1,4}(?:[.,]\d+)?$"
_PRESSURE = r"^\d{2,3}\s*/\s*\d{2,3}$"  # 120/80
VITAL_SHARE = 0.9  # of the values that are plausible measurements
EVENT_SHARE = 0.8  # of the values written in words
NOTE_SHARE = 0.4  # of the notes holding clinical vocabulary (in a clinical table)
NOTE_SHARE_ELSEWHERE = 0.6  # in another table of people
# words of clinical writing: care, findings, drugs and doses
_CLINICAL_TEXT = (
    r"(?i)\b(?:patient|symptoms?|diagnos(?:is|ed|es)|prescri(?:bed|ption)|medications?"
    r"|\d+\s?mg|dosage|dose|treatment|therapy|admitted|admission|discharged|blood pressure"
    r"|heart rate|blood glucose|pain|surgery|surgical|clinical|physician|examination|chronic"
    r"|acute|fever|nausea|cough|infection|inflammation|fracture|hypertension|diabetes|asthma"
    r"|migraines?|arthritis|cardiologist|prognosis|biopsy|mri|ct scan|x-ray|lesion|tumou?r"
    r"|hemorrhage|haemorrhage|injury|allerg(?:y|ic)|vaccin\w*|cholesterol|insulin|antibiotics?"
    r"|disorder|syndrome|obstetric|pregnan\w*|postoperative|respiratory|cardiac)\b"
)


def in_care_record(values: ColumnValues) -> bool:
    """The table records patients' care and its rows are people's (or the contract declares
    health data)."""
    signals = values.signals
    someone = signals.about_people
    return (signals.clinical and someone) or (signals.declared or "").startswith(HEALTH)


def _named(values: ColumnValues, vocabulary: frozenset[str]) -> bool:
    name = values.signals.name
    return bool(name & vocabulary) and not name & _NOT_CONTENT


@dataclass
class VitalSignRecognizer(Recognizer):
    """Numbers under a vital's name (`weight`, `heart_rate`, `bp`) in a patient's record: a
    product's weight or a building's height is in a table of things, never of patients."""

    name: str = "vital_sign"
    kinds: frozenset[str] = DIGITS | {FLOAT}
    strength: float = 0.3  # the vital's name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.context = _VITALS
        self.negative_context = words("product", "item", "package", "parcel", "shipping")

    def applies(self, values: ColumnValues) -> bool:
        return _named(values, _VITALS) and in_care_record(values) and super().applies(values)

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.max_digits() == 0

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        stripped = values.stripped()
        number = pl.col(VALUE).str.replace(",", ".").cast(pl.Float64, strict=False)
        measured = stripped.filter(
            pl.col(VALUE).str.contains(_PRESSURE)
            | (pl.col(VALUE).str.contains(_NUMBER) & (number > 0) & (number < 1000))
        )
        if measured.height < VITAL_SHARE * values.n_rows or measured[VALUE].n_unique() < 3:
            return []  # one or two levels: a flag or a unit, not each patient's measure
        examples = measured[VALUE].unique(maintain_order=True).head(2).to_list()
        return [
            self.evidence(HEALTH, measured[ROW].unique(), self.strength, {"distribution"}, examples)
        ]


@dataclass
class MedicalEventRecognizer(Recognizer):
    """Words under an event's or a finding's name (`event_type`, `reason`, `result`,
    `prescription`, JSON `details`) in a patient's record: an e-commerce return's reason or a
    web log's event type sits in a table of orders or requests, never of patients."""

    name: str = "medical_event"
    strength: float = 0.3  # the event's name raises it to a verdict
    on_derived: bool = False  # the whole value (JSON details included) is the patient's

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.context = _EVENTS
        self.negative_context = words("return", "refund", "order", "payment", "shipping")

    def applies(self, values: ColumnValues) -> bool:
        return _named(values, _EVENTS) and in_care_record(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        stripped = values.stripped()
        # an empty JSON object or list is a blank, not an event
        filled = stripped.filter(~pl.col(VALUE).str.contains(r"^(?:\{\s*\}|\[\s*\])$"))
        # words, not dates, numbers or codes: at least three letters in a row
        worded = filled.filter(pl.col(VALUE).str.contains(r"\p{L}{3}"))
        if filled.height == 0 or worded.height < EVENT_SHARE * filled.height:
            return []
        examples = worded[VALUE].unique(maintain_order=True).head(2).to_list()
        return [
            self.evidence(HEALTH, worded[ROW].unique(), self.strength, {"dictionary"}, examples)
        ]


@dataclass
class ClinicalNoteRecognizer(Recognizer):
    """Free-text notes (`notes`, `doctor_notes`) written about a person's care: symptoms,
    diagnoses, drugs and doses in most of them. A CRM's or a ticket's notes speak of orders and
    calls; they are left alone."""

    name: str = "clinical_note"
    strength: float = 0.35  # the note's name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (HEALTH,)
        self.context = _NOTES
        self.negative_context = words("release", "ticket", "commit", "order", "invoice")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        someone = signals.about_people or in_care_record(values)
        return _named(values, _NOTES) and someone and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        text = values.stripped().filter(pl.col(VALUE).str.len_chars() >= 15)
        if text.height < 0.5 * values.n_rows:
            return []  # short codes or flags, not notes
        clinical = text.filter(pl.col(VALUE).str.contains(_CLINICAL_TEXT))
        share = NOTE_SHARE if values.signals.clinical else NOTE_SHARE_ELSEWHERE
        if clinical.height < share * values.n_rows or clinical[VALUE].n_unique() < 3:
            return []
        examples = clinical[VALUE].unique(maintain_order=True).head(1).to_list()
        return [
            self.evidence(HEALTH, clinical[ROW].unique(), self.strength, {"dictionary"}, examples)
        ]


RECOGNIZERS = (VitalSignRecognizer(), MedicalEventRecognizer(), ClinicalNoteRecognizer())
