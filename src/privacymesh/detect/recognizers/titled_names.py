"""Names written behind a title (`Dr. R. Gomez`, `Prof. Anneli Varga`, `Mrs Okafor`) in a column
that holds other things too: a provider column naming a doctor in some rows and a hospital or
practice in the rest. The title says the value is a person's name, so a share well under what
a column of bare names needs counts; values naming an organisation (`Dr. Lee's Family Clinic`)
are not read."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import member_of, organization_words
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words

NAME = "user.name"
# a title, then initials and capitalised words (at most three of them): a person's name
_TITLED = (
    r"^(?:Dr|Drs|Prof|Mr|Mrs|Ms|Mx|Miss|Dame|Sir|Doctor|Professor)\.?\s+"
    r"(?:\p{Lu}\.\s*){0,2}\p{Lu}[\p{Ll}'’\-]+(?:[\s\-]\p{Lu}[\p{Ll}'’\-]+){0,2}"
    r"(?:,?\s+(?:MD|M\.D\.|DO|PhD|RN|NP|PA-C|DDS|FRCS))?$"
)
TITLED_SHARE = 0.15  # of the column's values that are titled names
MIN_DISTINCT = 3  # `Dr Pepper` in a list of drinks is one brand, not a roll of doctors


@dataclass
class TitledNameRecognizer(Recognizer):
    name: str = "titled_name"
    strength: float = 0.55

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = words(
            "provider", "providername", "doctor", "physician", "clinician", "attending",
            "practitioner", "referrer", "name", "contact", "owner", "sender", "author",
        )  # fmt: skip
        self.negative_context = words("product", "brand", "drink", "item", "sku", "title")

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.all_hold_digit()

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        probe = values.probe()
        if probe.filter(pl.col(VALUE).str.contains(_TITLED)).height < TITLED_SHARE * probe.height:
            return []  # decided on about one value in eight of a long column
        titled = values.stripped().filter(pl.col(VALUE).str.contains(_TITLED))
        if titled.height < TITLED_SHARE * values.n_rows:
            return []
        parts = titled.with_columns(
            w=pl.col(VALUE).str.to_lowercase().str.extract_all(r"[\p{L}'’]+")
        ).explode("w")
        # a value holding an organisation's word names a practice, not its doctor
        org_rows = parts.filter(member_of(parts["w"], organization_words()))[ROW]
        people = titled.filter(~pl.col(ROW).is_in(org_rows.implode()))
        if people.height < TITLED_SHARE * values.n_rows:
            return []
        if people[VALUE].n_unique() < MIN_DISTINCT:
            return []
        examples = people[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(NAME, people[ROW].unique(), self.strength, {"pattern"}, examples)]


RECOGNIZERS = (TitledNameRecognizer(),)
