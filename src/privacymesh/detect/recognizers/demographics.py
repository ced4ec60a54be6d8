"""Demographics: dates of birth (a date column whose values read as birthdays: days, all in the
past, ages of adults and children), gender (a column whose whole vocabulary is gender terms, in
several languages), age (small integers, which need context) and the education a person
completed (levels in words, under an education name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import language_names, member_of
from privacymesh.detect.recognizer import (
    DIGITS,
    FLOAT,
    ROW,
    TEMPORAL,
    TEXT,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    digit_free,
    words,
)

DATE_OF_BIRTH = "user.demographic.date_of_birth"
GENDER = "user.demographic.gender"
AGE = "user.demographic.age_range"

DATES_PARSED = 0.85  # share of distinct values that must read as dates (typos and blanks aside)
OLDEST = 125  # years: the oldest people recorded, with a margin for typing slips
IN_LIFE = 0.95  # share of dates within a lifetime before the reference date
# a column named for birth may hold people long dead (historical records): only the future is
# ruled out, and the window reaches back further
OLDEST_NAMED = 250
OLDEST_HISTORICAL = 2000  # years back a named birth date of a table of people may go
MAX_DAY_SHARE = 0.03  # no single date holds more of an unnamed column's rows than this
MIN_YEARS = 10  # birth dates of a population spread over at least this many years
_DATE_FORMATS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d",
    "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%b %d %Y", "%d-%b-%Y", "%Y-%b-%d",
)  # fmt: skip
# stems of column-name tokens naming an event of a person's life, in the languages of the
# registers that record them (`huwelijkssluiting`, `deathdate`, `Sterbedatum`, `fallecimiento`)
LIFE_EVENT_STEMS = (
    "marriage", "married", "wedding", "huwelijk", "partnerschap", "heirat", "eheschlie",
    "matrimon", "casament", "mariage", "death", "overlijd", "overleden", "sterbe", "todes",
    "fallecim", "defunc", "obito", "óbito", "deces", "décès", "burial", "buried", "begrafen",
    "beerdig", "entierr", "divorc", "scheiding", "scheidung", "baptis", "christen", "doop",
    "taufe",
)  # fmt: skip
# stems of event dates: a column whose name holds one (`termstart`, `hiredate`, `created_at`)
# records when something happened, never when someone was born
_EVENT_STEMS = (
    "start", "begin", "term", "created", "updated", "modified", "due", "hire", "joined",
    "signup", "regist", "login", "expir", "issue", "valid", "effective", "renew", "booking",
    "order", "ship", "deliver", "purchase", "paid", "payment", "invoice", "settle", "posted",
    "deadline", "schedul", "planned", "maturity", "elect", "sworn", "appointed", "enrol",
    "admission", "admitted", "discharge", "visit", "death", "died", "deceased", "closed",
    "opened", "release", "publish", "timestamp", "event", "finish", "expires",
)  # fmt: skip
_EVENT_WORDS = frozenset(("end", "ended", "last", "first", "since", "until", "from", "to"))


def parse_dates(values: ColumnValues) -> pl.DataFrame | None:
    """(row, d) with d a Date: the typed column when it is a date, else the string format that
    parses most values. None when fewer than 90% parse or timestamps carry times of day."""
    raw = values.raw
    if raw is not None and raw.dtype == pl.Date:
        return values.frame.select(ROW, pl.Series("d", raw.drop_nulls()))
    if raw is not None and isinstance(raw.dtype, pl.Datetime):
        kept = raw.drop_nulls()
        seconds = (
            kept.dt.hour().cast(pl.Int64) * 3600
            + kept.dt.minute().cast(pl.Int64) * 60
            + kept.dt.second().cast(pl.Int64)
        )
        if seconds.len() and seconds.max() != 0:
            return None  # events have times of day; birthdays do not
        return values.frame.select(ROW, pl.Series("d", kept.dt.date()))
    # a date written with a midnight time (`1962-02-18 00:00:00`) is still a day
    day = pl.col(VALUE).str.replace(r"[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?$", "")
    text = values.stripped().with_columns(day).filter(pl.col(VALUE).str.len_chars() <= 20)
    if text.height < 0.9 * values.frame.height or text.height == 0:
        return None
    distinct = text[VALUE].unique().sort()
    if distinct.len() > values.options.max_validate:
        distinct = distinct.sample(values.options.max_validate, seed=values.options.seed)
    # each value in the first format that reads it: one column may mix several formats
    parsed = pl.select(
        pl.coalesce(pl.lit(distinct).str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS)
    ).to_series()
    if parsed.len() - parsed.null_count() < DATES_PARSED * distinct.len():
        return None
    return text.select(
        ROW,
        pl.coalesce(pl.col(VALUE).str.to_date(fmt, strict=False) for fmt in _DATE_FORMATS).alias(
            "d"
        ),
    ).drop_nulls("d")


@dataclass
class BirthDateRecognizer(Recognizer):
    name: str = "date_of_birth"
    kinds: frozenset[str] = frozenset({TEXT, TEMPORAL})
    strength: float = 0.55

    def __post_init__(self) -> None:
        self.categories = (DATE_OF_BIRTH,)
        self.context = words(
            "birth", "dob", "born", "birthday", "bday", "birthdate", "dateofbirth",
            "geburtsdatum", "geburtstag", "geboren", "nascimento", "nacimiento", "naissance",
            "birthplace", "birthcountry", "birthcity", "geburtsort",
        )  # fmt: skip
        self.negative_context = words(
            "created", "updated", "modified", "event", "order", "purchase", "ship", "shipped",
            "delivery", "expiry", "expires", "expiration", "start", "end", "hire", "hired",
            "joined", "signup", "registered", "login", "last", "timestamp", "paid", "due",
            "issued", "valid", "renewal", "booking", "effective", "settlement", "posted",
            "required", "deadline", "scheduled", "planned", "maturity", "invoice",
        )  # fmt: skip

    def ruled_out(self, values: ColumnValues) -> bool:
        # every format of `_DATE_FORMATS` reads a day or a year in digits
        return values.kind == TEXT and values.max_digits() == 0

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        named = self.named_for_birth(values)
        if not named and self.named_for_event(values):
            return []
        dates = parse_dates(values)
        if dates is None or dates.height < DATES_PARSED * values.n_rows:
            return []
        today = pl.lit(values.options.today())
        ages = dates.with_columns(age=(today - pl.col("d")).dt.total_days() / 365.25)
        oldest = OLDEST_NAMED if named else OLDEST
        if named and values.signals.about_people:
            # a table of people named for birth may record persons of past centuries
            # (a biography, a genealogy): only dates yet to come are no birth dates
            oldest = OLDEST_HISTORICAL
        stats = ages.select(
            in_life=pl.col("age").is_between(0, oldest).mean(),
            adult=(pl.col("age") >= 14).mean(),
            median=pl.col("age").median(),
            distinct=pl.col("d").n_unique(),
            top_day=pl.col("d").value_counts(sort=True).struct.field("count").first(),
            years=pl.col("d").dt.year().n_unique(),
        ).row(0, named=True)
        if stats["in_life"] < IN_LIFE:
            return []
        # a neighbour speaking of birth (`birthplace`, `birth_country`) vouches for a neutral
        # name: who was born is then settled, the dates need only not cluster
        beside = bool(self.context & values.signals.neighbors)
        if not named and not self.birth_like_spread(stats, dates.height, beside):
            return []
        examples = ages["d"].cast(pl.String).head(values.options.max_examples).to_list()
        return [
            self.evidence(
                DATE_OF_BIRTH, ages[ROW].unique(), self.strength, {"distribution"}, examples
            )
        ]

    def named_for_birth(self, values: ColumnValues) -> bool:
        """The column's name, contract text or declared category speaks of birth."""
        signals = values.signals
        return bool(self.context & (signals.name | signals.text)) or (
            signals.declared == DATE_OF_BIRTH
        )

    @staticmethod
    def named_for_event(values: ColumnValues) -> bool:
        """The column's name says it records when something happened (`termstart`)."""
        name = values.signals.name
        return bool(name & _EVENT_WORDS) or any(
            stem in token for token in name for stem in (*_EVENT_STEMS, *LIFE_EVENT_STEMS)
        )

    @staticmethod
    def birth_like_spread(stats: dict, n_dates: int, beside: bool = False) -> bool:
        """Unnamed dates read as birth dates only when they look like a population's: mostly
        adults, a plausible median age (unless a neighbour speaks of birth), spread over many
        years, no date shared by many rows (terms, hires and deadlines cluster on a few days)."""
        return (
            (beside or (stats["adult"] >= 0.75 and 20 <= (stats["median"] or 0) <= 80))
            and stats["distinct"] >= min(20, 0.5 * n_dates)
            and stats["years"] >= (2 if beside else min(MIN_YEARS, stats["distinct"]))
            and stats["top_day"] <= max(2, MAX_DAY_SHARE * n_dates)
        )


# fmt: off
GENDER_TERMS = frozenset((
    "m", "f", "male", "female", "man", "woman", "men", "women", "boy", "girl", "nonbinary",
    "non-binary", "non_binary", "nb", "x", "u", "other", "unknown", "unspecified", "diverse",
    "d", "divers", "w", "männlich", "maennlich", "weiblich", "masculino", "feminino",
    "masculina", "femenino", "femenina", "mulher", "homem", "hombre", "mujer", "masculin",
    "féminin", "feminin", "homme", "femme", "trans", "transgender", "agender", "genderqueer",
    "intersex", "prefer_not_to_say", "prefer-not-to-say", "not_specified", "undisclosed",
    "n/a", "na", "indeterminate", "indeterminate sex", "intersex or indeterminate",
    "asked but declined", "declined", "not asked", "not stated", "not recorded", "unsure",
    "prefer not to say", "not specified", "non binary", "nao informado", "não informado",
))
# fmt: on
# fmt: off
_GENDER_CORE = frozenset((
    "m", "f", "male", "female", "man", "woman", "men", "women", "nonbinary", "non-binary", "w",
    "männlich", "weiblich", "masculino", "feminino", "masculina", "femenino", "femenina",
    "mulher", "homem", "hombre", "mujer", "homme", "femme",
))
# fmt: on


# gender terms only under a name that says sex: the French H (homme), the Dutch V (vrouw) and
# O (onbekend), the Nordic and Polish K (kvinne, kvinna, kobieta) and their words
_SEX_NAMED = frozenset(
    ("h", "v", "o", "k", "vrouw", "onbekend", "mann", "frau", "kvinne", "kvinna", "mand",
     "kobieta", "mezczyzna", "mężczyzna", "nainen", "mies", "donna", "uomo")
)  # fmt: skip


# a coded term's display text (`Identifies as female gender (finding)`, SNOMED's), read as
# the term it names
_SEMANTIC_TAG = re.compile(r"\s*\((?:finding|qualifier value|observable entity)\)$")
_IDENTIFIES = re.compile(r"^identifies as\s+")
_GENDER_WORD = re.compile(r"\s+gender$|^gender\s+")


def gender_term(value: str) -> str:
    """A folded value with the wording of coded gender-identity answers taken off."""
    plain = _IDENTIFIES.sub("", _SEMANTIC_TAG.sub("", value), count=1)
    return _GENDER_WORD.sub("", plain, count=1).strip()


@dataclass
class GenderRecognizer(Recognizer):
    """Every value is a gender term and at least two core terms occur."""

    name: str = "gender"

    def __post_init__(self) -> None:
        self.categories = (GENDER,)
        self.context = words(
            "gender", "sex", "sexe", "geschlecht", "sexo", "genero", "gênero", "genre",
            "geslacht", "geslachtsaanduiding", "sesso", "kon", "kön", "køn", "kjonn", "kjønn",
            "plec", "płeć", "sukupuoli",
        )  # fmt: skip
        self.negative_context = words("size", "shirt", "tshirt", "grade", "class", "type", "tier")

    def ruled_out(self, values: ColumnValues) -> bool:
        # `gender_term` removes words only: a value holding a digit reads as no term
        return values.all_hold_digit() and digit_free(GENDER_TERMS)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        folded = values.folded()
        vocab = folded[VALUE].unique()
        if vocab.len() > 12:
            return []
        # coded answers (`Identifies as female gender (finding)`) read as the terms they name
        terms = {gender_term(v) for v in vocab.to_list()}
        # H (homme) beside F is the French coding of sex; alone, H is too many other things
        # (a size, an hour), so only a column named for sex reads it
        known, core_terms = GENDER_TERMS, _GENDER_CORE
        if self.context & values.signals.name:
            known, core_terms = known | _SEX_NAMED, core_terms | _SEX_NAMED
        if not terms <= known:
            return []
        core = terms & core_terms
        if len(core) < 2 and not (len(core) == 1 and values.n_rows <= 3):
            return []
        letters_only = all(len(v) <= 1 for v in core)
        strength = 0.55 if letters_only else 0.75
        return [
            self.evidence(
                GENDER,
                folded[ROW].unique(),
                strength,
                {"dictionary", "distribution"},
                sorted(core)[:2],
            )
        ]


@dataclass
class AgeRecognizer(Recognizer):
    """Ages in years, whole (`42`) or fractional (`64.3`), between 0 and 120 with a spread: any
    count or measure could look so, so context must confirm; a fractional column is read only
    when its name or contract speaks of age (ratios and averages fill the same range)."""

    name: str = "age"
    kinds: frozenset[str] = DIGITS | {FLOAT}
    strength: float = 0.3

    def __post_init__(self) -> None:
        self.categories = (AGE,)
        self.context = words(
            "age", "alter", "idade", "edad", "years", "yearsold", "agegroup", "ageyears",
            "ageyrs", "ageinyears", "yrs", "aged", "agey", "ageatdeath", "ageatentry",
        )  # fmt: skip
        self.negative_context = words(
            "days", "account", "tenure", "item", "product", "stock", "inventory", "order",
            "qty", "quantity", "count", "page", "retry", "attempt", "score", "version",
            "avg", "average", "mean", "median", "ratio", "rate", "pct", "percent", "share",
            "building", "vehicle", "car", "house", "property", "asset", "equipment",
        )  # fmt: skip

    def applies(self, values: ColumnValues) -> bool:
        if not super().applies(values):
            return False
        if values.kind != FLOAT:
            return True
        signals = values.signals
        return bool(self.context & (signals.name | signals.text)) or signals.declared == AGE

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.max_digits() == 0  # no number from 0 to 120 is written without a digit

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        nums = values.stripped().select(
            ROW, pl.col(VALUE).cast(pl.Float64, strict=False).alias("n")
        )
        ok = nums.filter(pl.col("n").is_between(0, 120))
        if ok.height < 0.95 * values.n_rows or ok["n"].n_unique() < min(10, values.n_rows):
            return []
        if ok["n"].floor().n_unique() < min(5, values.n_rows):
            return []  # fractions of one or two whole numbers: a measure, not ages
        examples = ok["n"].cast(pl.String).head(values.options.max_examples).to_list()
        return [self.evidence(AGE, ok[ROW].unique(), self.strength, {"distribution"}, examples)]


MARITAL_STATUS = "user.demographic.marital_status"
# fmt: off
MARITAL_TERMS = frozenset((
    "single", "married", "divorced", "widowed", "widow", "widower", "separated", "partnered",
    "domestic partnership", "civil partnership", "civil union", "engaged", "unmarried",
    "never married", "cohabiting", "annulled", "ledig", "verheiratet", "geschieden",
    "verwitwet", "getrennt", "soltero", "soltera", "casado", "casada", "divorciado",
    "divorciada", "viudo", "viuda", "solteiro", "solteira", "viúvo", "viúva", "célibataire",
    "celibataire", "marié", "mariée", "marie", "mariee", "divorcé", "divorcée", "veuf", "veuve",
    "s", "m", "d", "w", "u", "unknown", "other", "n/a", "na", "prefer not to say",
    # the US census's wording (`Married-civ-spouse`, hyphens read as spaces)
    "married civ spouse", "married spouse absent", "married af spouse", "never married",
))
# fmt: on
_MARITAL_LETTERS = frozenset(("s", "m", "d", "w", "u"))
_MARITAL_CORE = MARITAL_TERMS - _MARITAL_LETTERS - {"unknown", "other", "n/a", "na", "marie"}


@dataclass
class MaritalStatusRecognizer(Recognizer):
    """Every value is a marital-status term: written out it counts alone; single letters
    (`S`, `M`) are as likely sizes or codes, so context must confirm them."""

    name: str = "marital_status"

    def __post_init__(self) -> None:
        self.categories = (MARITAL_STATUS,)
        self.context = words(
            "marital", "maritalstatus", "civil", "civilstatus", "familienstand", "estadocivil",
            "married", "spouse", "relationship",
        )  # fmt: skip
        self.negative_context = words("size", "shirt", "tshirt", "grade", "class", "tier", "type")

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.all_hold_digit() and digit_free(MARITAL_TERMS)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        # `Never-married`, `never_married`: the census and many exports join words so
        folded = values.folded().with_columns(pl.col(VALUE).str.replace_all(r"[-_]", " "))
        vocab = folded[VALUE].unique()
        if vocab.len() > 12 or not vocab.is_in(pl.Series(sorted(MARITAL_TERMS)).implode()).all():
            return []
        core = sorted(set(vocab.to_list()) & _MARITAL_CORE)
        letters = sorted(set(vocab.to_list()) & _MARITAL_LETTERS)
        if len(core) >= 2:
            strength, examples = 0.7, core[:2]
        elif len(letters) >= 2 and {"s", "m"} <= set(letters):
            strength, examples = 0.3, letters[:2]  # `S`/`M` alone: a size until named
        else:
            return []
        return [
            self.evidence(MARITAL_STATUS, folded[ROW].unique(), strength, {"dictionary"}, examples)
        ]


# fmt: off
PRONOUNS = frozenset((
    "he", "him", "his", "himself", "she", "her", "hers", "herself", "they", "them", "their",
    "theirs", "themself", "themselves", "xe", "xem", "xyr", "xyrs", "xemself", "ze", "zir",
    "zirs", "zirself", "hir", "hirs", "hirself", "ey", "em", "eir", "eirs", "emself", "fae",
    "faer", "faers", "faerself", "it", "its", "itself", "any", "all",
))
# fmt: on
_PRONOUN_NO_ANSWER = frozenset(("unknown", "other", "declined", "asked but declined", "n/a"))


@dataclass
class PronounsRecognizer(Recognizer):
    """A column of pronoun sets (`she/her`, `they/them/theirs`): what a person asked to be
    called by, part of their gender (fideslang has no key of its own for it)."""

    name: str = "pronouns"
    strength: float = 0.7

    def __post_init__(self) -> None:
        self.categories = (GENDER,)
        self.context = words("pronoun", "pronouns", "preferredpronouns")

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2 or "/" not in values.chars():
            return []
        folded = values.folded()
        if folded[VALUE].n_unique() > 40:
            return []
        parts = folded.with_columns(p=pl.col(VALUE).str.split("/"))
        sets = parts.filter(
            (pl.col("p").list.len() >= 2)
            & pl.col("p")
            .list.eval(pl.element().str.strip_chars().is_in(sorted(PRONOUNS)))
            .list.all()
        )
        answers = folded.filter(pl.col(VALUE).is_in(sorted(_PRONOUN_NO_ANSWER)))
        if sets.height == 0 or sets.height + answers.height < 0.9 * values.n_rows:
            return []
        examples = sets[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(GENDER, sets[ROW].unique(), self.strength, {"dictionary"}, examples)]


LANGUAGE = "user.demographic.language"
LANGUAGE_SHARE = 0.9  # of a column's values that name a language


@dataclass
class LanguageRecognizer(Recognizer):
    """A column whose values name languages (`Greek`, `Cantonese`, `Yugambal`), under a name that
    says language, in a table of people: the language a person speaks or asked to be spoken
    to in. Filled in a few rows only, it is still each of those people's."""

    name: str = "language"
    strength: float = 0.35  # in a table of people
    elsewhere: float = 0.1  # a film's or a book's language describes no one

    def __post_init__(self) -> None:
        self.categories = (LANGUAGE,)
        self.context = words(
            "language", "lang", "languages", "spokenlanguage", "mothertongue", "nativelanguage",
            "preferredlanguage", "sprache", "idioma", "lingua", "langue",
        )  # fmt: skip
        self.negative_context = words("programming", "code", "film", "movie", "book", "ui")

    def applies(self, values: ColumnValues) -> bool:
        return bool(self.context & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        folded = values.folded()
        if folded[VALUE].n_unique() > 200:
            return []
        named = folded.filter(member_of(folded[VALUE], language_names()))
        if named.height == 0 or named.height < LANGUAGE_SHARE * values.n_rows:
            return []
        someone = values.signals.about_people
        strength = self.strength if someone else self.elsewhere
        examples = named[VALUE].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(LANGUAGE, named[ROW].unique(), strength, {"dictionary"}, examples)]


EDUCATION = "user.demographic"
EDUCATION_SHARE = 0.8  # of a column's rows that are levels of education (or no answer)
# fmt: off
_EDUCATION_TERMS = frozenset((
    # English, India's affidavits among them
    "illiterate", "literate", "no schooling", "no formal education", "primary", "primary school",
    "elementary", "elementary school", "middle school", "secondary", "secondary school",
    "high school", "high school graduate", "high school diploma", "ged", "some high school",
    "some college", "college", "associate", "associate degree", "associates", "diploma",
    "vocational", "vocational training", "trade school", "undergraduate", "graduate",
    "graduate professional", "post graduate", "postgraduate", "post-graduate", "bachelor",
    "bachelors", "bachelor's", "bachelor's degree", "bachelors degree", "master", "masters",
    "master's", "master's degree", "masters degree", "mba", "doctorate", "doctoral", "phd",
    "ph.d.", "ph.d", "professional degree", "a levels", "a-levels", "gcse", "gcses",
    # the US census's levels (`HS-grad`, `Assoc-acdm`, hyphens read as spaces) and a bank's
    "hs grad", "assoc acdm", "assoc voc", "prof school", "preschool", "kindergarten",
    "tertiary", "pos graduacao", "pós graduação",
    # Portuguese, Spanish, French, German, Italian
    "fundamental", "médio", "medio", "superior", "técnico", "tecnico",
    "analfabeto", "alfabetizado", "ensino fundamental", "fundamental incompleto",
    "fundamental completo", "ensino médio", "ensino medio", "médio incompleto",
    "médio completo", "medio completo", "ensino superior", "superior incompleto",
    "superior completo", "pós-graduação", "pos-graduacao", "especialização", "mestrado",
    "doutorado", "sin estudios", "primaria", "secundaria", "bachillerato", "licenciatura",
    "grado", "maestría", "maestria", "doctorado", "formación profesional", "sans diplôme",
    "brevet", "baccalauréat", "baccalaureat", "bac", "licence", "doctorat", "cap", "bts",
    "hauptschulabschluss", "realschulabschluss", "mittlere reife", "abitur", "fachabitur",
    "ausbildung", "bachelorabschluss", "masterabschluss", "diplom", "promotion", "laurea",
    "laurea magistrale", "dottorato", "licenza media", "diploma di maturità",
    # Japanese
    "中卒", "高卒", "短大卒", "大卒", "大学院卒", "専門学校卒", "中学校卒業", "高校卒業",
    "大学卒業", "大学院修了", "博士", "修士", "学士",
))
_EDUCATION_NO_ANSWER = frozenset((
    "others", "other", "not available", "n/a", "na", "none", "unknown", "not stated",
    "-", "nil", "not given",
))
# fmt: on
# grades and years of school written as ordinals (`10th pass`, `12th grade`, `class 8`)
_SCHOOL_YEAR = (
    r"^(?:\d{1,2}(?:st|nd|rd|th)\s*(?:pass|passed|grade|std|standard|class|fail)"
    r"|class \d{1,2}|grade \d{1,2}"
    # a bare grade or a span of grades (`11th`, `7th-8th`), as the census writes them
    r"|\d{1,2}(?:st|nd|rd|th)(?: \d{1,2}(?:st|nd|rd|th))?)$"
)

# `Ensino médio completo`, `Secondary (incomplete)`: the level with its stage taken off
_LEVEL_PREFIX = r"^(?:ensino|educação|educacao|nível|nivel|level|educación|educacion) "
_LEVEL_SUFFIX = r" \(?(?:completo|completa|incompleto|incompleta|complete|incomplete|completed)\)?$"


@dataclass
class EducationRecognizer(Recognizer):
    """The level of education a person completed, in words (`Graduate`, `12th Pass`,
    `Ensino médio completo`, `大卒`), under a name that says education, in a table of people.
    A course catalogue's `level` describes no one: both the name and the table must speak."""

    name: str = "education_level"
    strength: float = 0.3  # the name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (EDUCATION,)
        self.context = words(
            "education", "educationlevel", "educational", "qualification", "qualifications",
            "schooling", "degree", "highestdegree", "diploma", "escolaridade", "escolaridad",
            "grauinstrucao", "grauinstrução", "instrucao", "instrução", "estudios",
            "niveleducativo", "formation", "diplome", "bildung", "bildungsabschluss",
            "schulabschluss", "istruzione", "titolodistudio", "学歴", "最終学歴",
        )  # fmt: skip
        self.negative_context = words("course", "program", "programme", "module", "subject")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(self.context & signals.name) and signals.about_people and super().applies(values)
        )

    def detect(self, values: ColumnValues) -> list[Evidence]:
        folded = values.folded().with_columns(
            pl.col(VALUE)
            .str.replace_all(r"[\s_-]+", " ")
            .str.replace(_LEVEL_PREFIX, "")
            .str.replace(_LEVEL_SUFFIX, "")
        )
        if folded[VALUE].n_unique() > 60:
            return []  # free text, not a level
        term = pl.col(VALUE).is_in(pl.Series(sorted(_EDUCATION_TERMS)).implode())
        level = term | pl.col(VALUE).str.contains(_SCHOOL_YEAR)
        blank = pl.col(VALUE).is_in(pl.Series(sorted(_EDUCATION_NO_ANSWER)).implode())
        marked = folded.with_columns(level=level, blank=blank)
        levels = marked.filter(pl.col("level"))
        known = levels.height + marked.filter(pl.col("blank")).height
        if known < EDUCATION_SHARE * values.n_rows or levels[VALUE].n_unique() < 2:
            return []
        examples = levels[VALUE].unique(maintain_order=True).head(2).to_list()
        return [
            self.evidence(EDUCATION, levels[ROW].unique(), self.strength, {"dictionary"}, examples)
        ]


# names of the number that codes a level of education or counts its years (`education_num`,
# `years_of_schooling`)
_EDUCATION_CODE_NAMES = words("education", "schooling", "escolaridade", "escolaridad", "bildung")
EDUCATION_CODE_MAX = 30  # levels and years of schooling are small whole numbers


@dataclass
class EducationCodeRecognizer(Recognizer):
    """The level of education as a number (the census's `education_num`, years of schooling)
    under an education name in a table of people: a small whole number with a few levels."""

    name: str = "education_code"
    kinds: frozenset[str] = DIGITS
    strength: float = 0.3  # the name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (EDUCATION,)
        self.context = _EDUCATION_CODE_NAMES
        self.negative_context = words("course", "program", "programme", "module", "subject")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(_EDUCATION_CODE_NAMES & signals.name)
            and signals.about_people
            and super().applies(values)
        )

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.max_digits() == 0

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        number = pl.col(VALUE).cast(pl.Int64, strict=False)
        levels = values.stripped().select(ROW, number.alias("n"))
        coded = levels.filter(pl.col("n").is_between(0, EDUCATION_CODE_MAX))
        if coded.height < 0.95 * values.n_rows or coded["n"].n_unique() < 3:
            return []
        examples = coded["n"].unique().sort().head(2).cast(pl.String).to_list()
        return [
            self.evidence(EDUCATION, coded[ROW].unique(), self.strength, {"dictionary"}, examples)
        ]


HOUSEHOLD = "user.demographic"
# a person's place in a household, as censuses and surveys record it (hyphens read as spaces)
# fmt: off
_HOUSEHOLD_TERMS = frozenset((
    "husband", "wife", "spouse", "partner", "unmarried partner", "own child", "child", "son",
    "daughter", "stepchild", "foster child", "adopted child", "grandchild", "parent", "father",
    "mother", "parent in law", "son in law", "daughter in law", "sibling", "brother", "sister",
    "other relative", "relative", "not in family", "nonrelative", "non relative",
    "unrelated", "roommate", "housemate", "boarder", "lodger", "head", "householder",
    "head of household", "reference person", "unmarried", "grandparent",
))
_HOUSEHOLD_NO_ANSWER = frozenset(("unknown", "other", "?", "n/a", "na", "-"))
# fmt: on
# fmt: off
_HOUSEHOLD_NAMES = words(
    "relationship", "relation", "household", "householdrole", "relationtohead",
    "relationshiptohead", "familyrole", "familyrelationship", "relationshipstatus",
)
# fmt: on


@dataclass
class HouseholdRoleRecognizer(Recognizer):
    """A person's relationship within their household (`Husband`, `Own-child`,
    `Not-in-family`), under a relationship name in a table of people."""

    name: str = "household_role"
    strength: float = 0.3  # the name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (HOUSEHOLD,)
        self.context = _HOUSEHOLD_NAMES
        self.negative_context = words("customer", "account", "vendor", "supplier", "business")

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        return (
            bool(_HOUSEHOLD_NAMES & signals.name)
            and signals.about_people
            and super().applies(values)
        )

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.all_hold_digit()

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        folded = values.folded().with_columns(pl.col(VALUE).str.replace_all(r"[\s_-]+", " "))
        if folded[VALUE].n_unique() > 30:
            return []
        roles = folded.filter(pl.col(VALUE).is_in(sorted(_HOUSEHOLD_TERMS)))
        blank = folded.filter(pl.col(VALUE).is_in(sorted(_HOUSEHOLD_NO_ANSWER)))
        if roles.height + blank.height < 0.9 * values.n_rows or roles[VALUE].n_unique() < 2:
            return []
        examples = roles[VALUE].unique(maintain_order=True).head(2).to_list()
        return [
            self.evidence(HOUSEHOLD, roles[ROW].unique(), self.strength, {"dictionary"}, examples)
        ]


RECOGNIZERS = (
    BirthDateRecognizer(),
    EducationRecognizer(),
    EducationCodeRecognizer(),
    HouseholdRoleRecognizer(),
    GenderRecognizer(),
    PronounsRecognizer(),
    LanguageRecognizer(),
    AgeRecognizer(),
    MaritalStatusRecognizer(),
)
