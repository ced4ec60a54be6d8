"""Coded answers about a person: a two-valued code (Yes/No, Y/N, 0/1, True/False) under a name
that states a personal fact (`SeniorCitizen`, `Partner`, `Dependents`, `smoker`, `default`,
`housing`) in a table of people. The values only show that the column is a flag; the name says
which fact, so it decides the category. A service's flags (`PhoneService`, `Churn`,
`is_active`) name no fact about the person and are not read."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import (
    BOOLEAN,
    DIGITS,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    words,
)

AGE = "user.demographic.age_range"
MARITAL = "user.demographic.marital_status"
DEMOGRAPHIC = "user.demographic"
HEALTH = "user.health_and_medical"
FINANCIAL = "user.financial"
RACE = "user.demographic.race_ethnicity"

# a word that states the fact wherever it stands in the name (`has_children`, `is_smoker`)
# fmt: off
_FACTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (AGE, ("seniorcitizen", "elderly", "pensioner", "over65", "underage", "isminor")),
    (MARITAL, ("married", "ismarried", "spouse", "hasspouse", "haspartner", "cohabiting",
               "divorced", "widowed")),
    (DEMOGRAPHIC, ("dependents", "dependants", "hasdependents", "hasdependants", "children",
                   "haschildren", "kids", "haskids", "isparent", "veteran", "isveteran",
                   "immigrant", "foreignborn")),
    (HEALTH, ("smoker", "smoking", "smokes", "issmoker", "pregnant", "pregnancy", "ispregnant",
              "disabled", "disability", "hasdisability", "handicap", "handicapped", "diabetic",
              "diabetes", "hypertension", "drinker", "alcoholic", "obese")),
    (FINANCIAL, ("creditdefault", "defaulted", "hasdefaulted", "hasloan", "personalloan",
                 "housingloan", "mortgage", "hasmortgage", "homeowner", "ownshome", "ownhome",
                 "bankrupt", "bankruptcy", "hascrcard", "hascreditcard", "insolvent")),
)
# fmt: on
_FACT_WORDS = {word: category for category, names in _FACTS for word in names}
# a word that means many things (a default setting, a loan's id, a partner company): it states
# the fact only when it is the whole name
_WHOLE_NAMES: dict[str, str] = {
    "partner": MARITAL,
    "default": FINANCIAL,
    "housing": FINANCIAL,
    "loan": FINANCIAL,
    "senior": AGE,
    # a race coded as a flag (1 for one group): the name alone says which fact
    "race": RACE,
    "ethnicity": RACE,
}
_ORDER = (HEALTH, FINANCIAL, MARITAL, RACE, AGE, DEMOGRAPHIC)  # the first a name states wins
# the two-valued codes, and answers that say nothing (kept out of the code)
_CODES = (
    frozenset(("yes", "no")),
    frozenset(("y", "n")),
    frozenset(("0", "1")),
    frozenset(("true", "false")),
    frozenset(("t", "f")),
    frozenset(("si", "no")),
    frozenset(("sim", "não")),
    frozenset(("ja", "nein")),
    frozenset(("oui", "non")),
)
_NO_ANSWER = frozenset(("unknown", "", "na", "n/a", "?", "-", "none", "not known"))
ANSWERED = 0.5  # of the rows holding one of the two codes (the rest say nothing)


def stated_fact(name: str, name_tokens: frozenset[str]) -> str | None:
    """The category of the personal fact a column's name states, or None."""
    whole = re.sub(r"[^a-z0-9]", "", name.lower())
    found = {_WHOLE_NAMES[whole]} if whole in _WHOLE_NAMES else set()
    found |= {_FACT_WORDS[t] for t in name_tokens if t in _FACT_WORDS}
    return next((c for c in _ORDER if c in found), None)


@dataclass
class CodedAnswerRecognizer(Recognizer):
    name: str = "coded_answer"
    kinds: frozenset[str] = DIGITS | {BOOLEAN}  # a Boolean column is a flag too
    strength: float = 0.3  # the name that states the fact raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = _ORDER
        self.context = frozenset(_FACT_WORDS) | frozenset(_WHOLE_NAMES)
        self.negative_context = words("count", "rate", "pct", "percent", "amount", "id", "date")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            signals.about_people
            and stated_fact(values.name, signals.name) is not None
            and super().applies(values)
        )

    def ruled_out(self, values: ColumnValues) -> bool:
        # no code nor no-answer holds two digits: a value that does is no answer of this kind
        return values.max_digits() > 1

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        folded = values.folded()
        distinct = folded[VALUE].unique()
        if distinct.len() > len(_NO_ANSWER) + 2:
            return []  # more than two answers: a count or a category, not a flag
        vocab = set(distinct.to_list()) - _NO_ANSWER
        if not vocab or not any(vocab <= code for code in _CODES):
            return []
        coded = folded.filter(pl.col(VALUE).is_in(sorted(vocab)))
        if coded.height < ANSWERED * values.n_rows:
            return []  # mostly no answer
        category = stated_fact(values.name, values.signals.name)
        if category is None:
            return []
        examples = sorted(vocab)[:2]
        rows = coded[ROW].unique()
        return [self.evidence(category, rows, self.strength, {"dictionary"}, examples)]


RECOGNIZERS = (CodedAnswerRecognizer(),)
