"""Person names, offline: dictionaries of first and last names from faker's locale providers.
In a name column every value is checked at once with vectorised `is_in` on its first and last
token; in free text capitalised word runs are candidates and a first-name followed by a
last-name confirms one."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from itertools import pairwise

import polars as pl

from privacymesh.detect.context import tokens
from privacymesh.detect.lexicon import (
    common_words,
    first_names,
    last_names,
    member_of,
    members_of,
    organization_words,
    prose_words,
    street_suffixes,
)
from privacymesh.detect.recognizer import (
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
    words,
)

NAME = "user.name"
FIRST = "user.name.first"
LAST = "user.name.last"

# offices a person holds, whose column holds the holder's name (`head_of_state`)
_OFFICES = words(
    "headofstate", "headofgovernment", "president", "primeminister", "monarch", "mayor",
    "governor", "chairman", "chairperson", "ceo", "founder",
)  # fmt: skip
_NAME_WORDS = words(
    "name", "names", "fullname", "firstname", "lastname", "surname", "forename", "givenname",
    "familyname", "first", "last", "given", "family", "nome", "sobrenome", "vorname",
    "nachname", "nombre", "apellido", "cognome", "nazwisko", "imie", "contact", "customer",
    "voornaam", "voornamen", "achternaam", "geslachtsnaam", "familienaam", "vornamen",
    "apellidos", "cognomi", "efternamn", "etternavn", "efternavn", "sukunimi", "prezime",
    "holder", "person", "recipient", "comment", "note", "notes", "message", "remarks",
    "cardholder", "patient", "employee", "owner", "author", "sender", "beneficiary", "maiden",
    "maidenname",
    *_OFFICES,
)  # fmt: skip
_NOT_PERSON = words(
    "product", "item", "sku", "company", "business", "brand", "store", "shop", "merchant",
    "vendor", "file", "filename", "host", "hostname", "app", "application", "service", "team",
    "project", "category", "campaign", "city", "street", "country", "region", "table", "column",
    "event", "model", "device", "domain", "title", "plan", "color", "colour", "gender", "sex",
)  # fmt: skip

_FRENCH_NAME_WORDS = words(
    "nom", "prenom", "prénom", "nomdefamille", "nomusage", "nomdusage", "patronyme",
    "nomdenaissance",
)  # fmt: skip

# a column named for a place or an address holds places: the people's names in it are
# streets, towns and counties named after someone (`Washington`, `Jefferson County`)
_PLACE_COLUMN = words(
    "city", "town", "suburb", "county", "country", "state", "region", "province", "district",
    "municipality", "village", "locality", "address", "addr", "street", "addressline",
    "line1", "line2", "shipaddress", "shipcity", "postcode", "zip", "borough", "parish",
    "birthplace", "placeofbirth", "hometown",
)  # fmt: skip


def names_a_place(values: ColumnValues) -> bool:
    """Whether the column's name says it holds a place or an address (and not a name)."""
    name = values.signals.name
    # the head of a state is a person, whatever place the office is named for
    return bool(name & _PLACE_COLUMN) and "name" not in name and not name & _OFFICES


_COMPANY = (
    r"(?i)\b(?:inc|llc|ltd|plc|gmbh|ag|kg|ohg|sa|s\.a|ltda|corp|co|group|holdings|partners|"
    r"and|und|e|y|et|&|sons|associates|company|limited|pvt|me|eireli)\b\.?|&"
)
# one to five words of letters (particles such as `da`, `van`, `de la` included), nothing else
_NAME_SHAPE = r"^\s*\p{Lu}[\p{L}\p{M}'’.\-]*(?:,?\s+[\p{L}\p{M}'’.\-]+){0,4}\s*$"
_UPPER_SURNAME_FIRST = (
    r"^\s*(?:(?i:m|mme|mlle|mr|mrs|ms)\.?\s+)?\p{Lu}{2,}(?:[\s'’\-]+(?:\p{Lu}{2,}|\p{Ll}{1,3}))*"
    r"\s+\p{Lu}\p{Ll}[\p{L}\p{M}\-]*$"
)
_PARTICLED_SURNAME = (
    r"^\s*(?:(?i:de|du|des|del|della|le|la|van|von|da|di)\s+|(?i:d)['’])+"
    r"\p{Lu}[\p{L}\p{M}'’\-]*(?:\s+\p{Lu}[\p{L}\p{M}'’\-]*)?\s*$"
)
_FLAGS = ("full", "partial", "single_first", "single_last", "single_shaped")
# fmt: off
_FIRST_WORDS = frozenset((
    "first", "firstname", "given", "givenname", "forename", "vorname", "nome", "prenom",
    "prénom", "nombre", "imie", "voornaam", "voornamen", "vornamen", "nombres", "fornavn",
    "förnamn", "fornamn", "etunimi",
))
# fmt: on
# fmt: off
_LAST_WORDS = frozenset((
    "last", "lastname", "surname", "family", "familyname", "nachname", "sobrenome", "apellido",
    "cognome", "nazwisko", "nom", "maiden", "maidenname", "achternaam", "geslachtsnaam",
    "familienaam", "apellidos", "cognomi", "efternamn", "etternavn", "efternavn", "sukunimi",
    "prezime",
))
# fmt: on


def _single_category(first_share: float, last_share: float, values: ColumnValues) -> str:
    """First or last name by which dictionary knows more of the values, else by the name."""
    if first_share - last_share > 0.1:
        return FIRST
    if last_share - first_share > 0.1:
        return LAST
    if values.signals.name & _FIRST_WORDS:
        return FIRST
    if values.signals.name & _LAST_WORDS:
        return LAST
    return NAME


# a number glued to the end of a word (`Maynard46`): test-data generators make each name
# unique that way
_NUMBER_SUFFIX = r"(\p{L})\d+\b"
NUMBERED_SHARE = 0.5
SHAPED_SHARE = 0.8  # of single words shaped like names, none known, for a column of names
SHAPED_NAMED_SHARE = 0.7


def names_a_name_part(values: ColumnValues) -> bool:
    """Whether the column's name says it holds a name or a part of one (`first`, `surname`,
    `maiden_name`), not a login."""
    return bool(values.signals.name & (_FIRST_WORDS | _LAST_WORDS | {"name", "fullname"}))


def without_number_suffixes(values: ColumnValues) -> ColumnValues:
    """The values with numbers glued to their words dropped, when most values carry one and
    the column is named for a name: generated names (`Jackie93 Okuneva707`) are still names."""
    if not names_a_name_part(values):
        return values
    suffixed = values.probe()[VALUE].str.contains(r"\p{L}\d+\b").mean() or 0.0
    if suffixed < NUMBERED_SHARE:
        return values
    frame = values.frame.with_columns(pl.col(VALUE).str.replace_all(_NUMBER_SUFFIX, "$1"))
    return replace(values, frame=frame)


_TITLES = (
    r"^(?i:(?:mr|mrs|ms|miss|mx|dr|prof|sr|sra|srta|herr|frau|shri|smt|sir|dame|mme|mlle)\.?"
    r"|m\.)\s+"
)
_SUFFIXES = r",?\s+(?i:jr|sr|ii|iii|iv|md|phd|dds|esq)\.?$"


def folded_tokens(value: pl.Expr) -> pl.Expr:
    """Lower-case, accent-free word tokens of a name (titles and suffixes dropped)."""
    clean = (
        value.str.strip_chars()
        .str.replace(_TITLES, "")
        .str.replace(_SUFFIXES, "")
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
    )
    return clean.str.extract_all(r"[\p{L}'\-]+")


ORGANIZATION_SHARE = 0.15


def organization_share(frame: pl.DataFrame, tokens: str | None = None) -> float:
    """Share of values with a company suffix or a word naming an organisation or site
    (`Cycles`, `Municipal`, `GmbH`) among their words (`folded_tokens` of the values, or the
    column `tokens` of `frame` that holds them already)."""
    if frame.height == 0:
        return 0.0
    words_of = pl.col(tokens) if tokens else folded_tokens(pl.col(VALUE))
    toks = frame.select(ROW, words_of.alias("t")).explode("t").drop_nulls("t")
    toks = toks.with_columns(pl.col("t").str.strip_chars(".,'"))
    org = toks.filter(member_of(toks["t"], organization_words()))
    return org[ROW].n_unique() / frame.height


ORGANIZATION_ROWS_SHARE = 0.3  # of a name column's values that name an organisation or site
_ROW_NAME_WORDS = words("name", "company", "companyname", "organisation", "organization")
THINGS_PENALTY = 0.6  # as the context's penalty for a table whose column names say "things"


def rows_are_organizations(values: ColumnValues) -> bool:
    """Whether the table's rows are organisations or sites by their values: a column named for
    a name holds organisation names (`Fricative Bookshop`, `Acme Ltd`), and no column is a
    person's or says whose row it is. Their addresses and places locate no person."""
    signals, table = values.signals, values.table
    if table is None or values.derived or signals.things or signals.about_people:
        return False
    for name in table.columns:
        if name == values.name or not tokens(name) & _ROW_NAME_WORDS:
            continue
        if table[name].dtype != pl.String:
            continue
        distinct = table[name].drop_nulls().unique().head(500)
        frame = pl.DataFrame({ROW: range(distinct.len()), VALUE: distinct})
        if distinct.len() and organization_share(frame) >= ORGANIZATION_ROWS_SHARE:
            return True
    return False


def lower_for_organizations(found: list[Evidence], values: ColumnValues) -> list[Evidence]:
    """Locating evidence in a table of organisations, weakened as the context would weaken it
    had the column names said so."""
    if found and rows_are_organizations(values):
        for ev in found:
            ev.strength = max(0.0, ev.strength - THINGS_PENALTY)
    return found


@dataclass
class NameColumnRecognizer(Recognizer):
    """A column whose values are person names: `First Last`, `Last, First`, or single names."""

    name: str = "person_name_column"

    def __post_init__(self) -> None:
        self.categories = (NAME, FIRST, LAST)
        self.context = _NAME_WORDS
        self.negative_context = _NOT_PERSON

    def ruled_out(self, values: ColumnValues) -> bool:
        # `detect` reads values made of letters only, unless it first drops numbers glued to
        # the words of a column named for a name
        return values.all_hold_digit() and not names_a_name_part(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 1 or names_a_place(values):
            return []
        values = without_number_suffixes(values)
        named_part = bool(values.signals.name & (_FIRST_WORDS | _LAST_WORDS))
        short = values.frame.filter(
            (pl.col(VALUE).str.len_chars() <= 80)
            & pl.col(VALUE).str.contains(r"^\s*\p{L}[\p{L}\p{M}'’.,\s-]*$")
        )
        if short.height < 0.3 * values.n_rows:
            return []
        # the words of each value, read by the organisation test and the name test alike
        short = short.with_columns(folded_tokens(pl.col(VALUE)).alias("t"))
        if organization_share(short, "t") >= ORGANIZATION_SHARE:
            return []  # a column of organisation or site names, some of which read as people
        short = short.filter(~pl.col(VALUE).str.contains(_COMPANY))
        distinct = short[VALUE].n_unique()
        if values.n_rows >= 50 and distinct < 10:
            return []  # a handful of values repeated: categories, not people
        toks = short.select(
            ROW,
            VALUE,
            pl.col(VALUE).str.contains(",").alias("comma"),
            "t",
        ).with_columns(
            n=pl.col("t").list.len(),
            a=pl.col("t").list.first(),
            z=pl.col("t").list.last().str.split("-").list.first(),
        )
        a, z = toks["a"], toks["z"]
        lexicons = (first_names(), last_names(), common_words())
        a_first, a_last, a_common = members_of(a, lexicons)
        z_first, z_last, z_common = members_of(z, lexicons)
        flags = (
            toks.with_columns(
                a_first=a_first,
                a_last=a_last,
                z_first=z_first,
                z_last=z_last,
                a_common=a_common,
                z_common=z_common,
                shaped=pl.col(VALUE).str.contains(_NAME_SHAPE),
            )
            .with_columns(
                both_common=pl.col("a_common") & pl.col("z_common"),
            )
            .with_columns(
                full=pl.col("n").is_between(2, 5)
                & ~pl.col("both_common")
                & (
                    (pl.col("a_first") & pl.col("z_last"))
                    | (pl.col("comma") & pl.col("a_last") & pl.col("z_first"))
                    # a register's order: the surname in capitals, then the given name
                    # (`M. DURAND Paul`, `LE GOFF de KERNEC Anne`)
                    | (pl.col(VALUE).str.contains(_UPPER_SURNAME_FIRST) & pl.col("z_first"))
                ),
                partial=pl.col("n").is_between(2, 5)
                & pl.col("shaped")
                & ~pl.col("a_common")
                & (pl.col("a_first") | pl.col("z_last")),
                single_first=(pl.col("n") == 1) & pl.col("a_first") & ~pl.col("a_common"),
                single_last=(pl.col("n") == 1) & pl.col("a_last") & ~pl.col("a_common"),
                # an unknown word in capitals only (`ALFKI`, `NWTB`) is a business code,
                # unless the column is named for a first or last name (`MACKAY`)
                single_shaped=(
                    (pl.col("n") == 1)
                    # a surname with its particles (`de Vaucelles`, `LE GALL`, `d'Orsay`)
                    | (pl.lit(named_part) & pl.col(VALUE).str.contains(_PARTICLED_SURNAME))
                )
                & (pl.col("shaped") | pl.col(VALUE).str.contains(_PARTICLED_SURNAME))
                & ~pl.col("a_common")
                & (pl.col(VALUE).str.contains(r"\p{Ll}") | named_part),
            )
        )
        n = values.n_rows
        share = dict(
            zip(
                _FLAGS,
                (x / n for x in flags.select(pl.col(f).sum() for f in _FLAGS).row(0)),
                strict=True,
            )
        )
        k = values.options.max_examples
        out: list[Evidence] = []
        if share["full"] >= 0.3:
            rows = flags.filter(pl.col("full") | pl.col("partial"))
            out.append(self._ev(NAME, rows, 0.5 + 0.45 * min(1.0, share["full"] / 0.7), k))
        elif share["partial"] >= 0.4:
            # shaped like names, one of the two parts known: out-of-dictionary surnames
            rows = flags.filter(pl.col("partial"))
            out.append(self._ev(NAME, rows, 0.35 + 0.3 * min(1.0, share["partial"] / 0.8), k))
        known = share["single_first"] + share["single_last"]
        varied = n < 20 or distinct >= max(10, 0.05 * n)
        # a column named for a first or last name needs fewer name-shaped words
        shaped_share = SHAPED_NAMED_SHARE if named_part else SHAPED_SHARE
        if varied and (known >= 0.5 or share["single_shaped"] >= shaped_share):
            rows = flags.filter(
                pl.col("single_first") | pl.col("single_last") | pl.col("single_shaped")
            )
            # name-shaped words with few of them known: context must confirm
            strength = 0.4 + 0.4 * min(1.0, known / 0.8) if known >= 0.5 else 0.3 + 0.4 * known
            category = _single_category(share["single_first"], share["single_last"], values)
            out.append(self._ev(category, rows, strength, k))
        signals = values.signals
        if out and signals.name & _FRENCH_NAME_WORDS and signals.about_people:
            # `nom` alone names anything (`nom_commune`); in a table of people it is a surname
            for ev in out:
                ev.words = ev.words | _FRENCH_NAME_WORDS
        if out and signals.things and not signals.about_people:
            # a bare `name` in a table of places or organisations (`cities.name`) is the
            # row's own name: it does not say the words are people's
            for ev in out:
                ev.words = ev.words - _GENERIC_NAME
        return out

    def _ev(self, category: str, rows: pl.DataFrame, strength: float, k: int) -> Evidence:
        examples = rows[VALUE].unique(maintain_order=True).head(k).to_list()
        return self.evidence(category, rows[ROW].unique(), strength, {"dictionary"}, examples)


# fmt: off
_PLACE_PREFIXES = frozenset((
    "north", "south", "east", "west", "new", "port", "lake", "mount", "fort", "saint", "san",
    "santa", "st", "upper", "lower", "old", "great", "little", "east", "west",
))
# fmt: on


@cache
def _street_words() -> frozenset[str]:
    return frozenset(w.lower() for w in street_suffixes())


def valid_name_in_text(candidate: str) -> bool:
    """Some word in the run is a first name and the next one a last name, not both common, and
    not a place (`West James`, `Morgan Street`, `Laura Mall`)."""
    toks = [t.lower() for t in candidate.split()]
    firsts, lasts, common, street = first_names(), last_names(), prose_words(), _street_words()
    for i, (a, b) in enumerate(pairwise(toks)):
        after = toks[i + 2] if i + 2 < len(toks) else ""
        if a in _PLACE_PREFIXES or b in street or after in street:
            continue
        if a in firsts and b.split("-")[0] in lasts and not (a in common and b in common):
            return True
    return False


def valid_loose_name_in_text(candidate: str) -> bool:
    """A known first name followed by a capitalised word that is no common or street word: a
    surname the dictionaries do not know (`Jerzy Romanowicz`)."""
    toks = [t.lower() for t in candidate.split()]
    firsts, common, street = first_names(), prose_words(), _street_words()
    for i, (a, b) in enumerate(pairwise(toks)):
        after = toks[i + 2] if i + 2 < len(toks) else ""
        if a in _PLACE_PREFIXES or b in street or after in street or len(b) < 3:
            continue
        if a in firsts and a not in common and b not in common and b not in firsts:
            return True
    return False


@dataclass
class NameInTextRecognizer(PatternRecognizer):
    """Names inside text; not in a column of short labels that are mostly organisation or site
    names (`Mitchell Sports`, `Hawley Municipal`), where a founder's name is no person's."""

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if names_a_place(values):
            return []
        if _labels_of_organizations(values) or _links(values):
            return []
        found = super().detect(values)
        if found and not values.signals.about_people:
            # a bare `name` in a table of things is the thing's name (a track, a product):
            # it does not say the names found inside are people's
            for ev in found:
                ev.words = ev.words - _GENERIC_NAME
        return found


_GENERIC_NAME = words("name", "names")
_LINK = r"(?i)^(?:https?://|www\.)\S"
LINKS_SHARE = 0.8


def _links(values: ColumnValues) -> bool:
    """Whether the column is links (most values start as a URL): words in a link's path are
    the site's, and a person's name there is a slug, not a name written down."""
    key = "links"
    if key not in values.memo:
        probe = values.probe()
        values.memo[key] = (
            probe.height > 0 and (probe[VALUE].str.contains(_LINK).mean() or 0.0) >= LINKS_SHARE
        )
    return values.memo[key]


def _labels_of_organizations(values: ColumnValues) -> bool:
    """Whether the column is short labels, mostly organisation or site names; kept in the
    column's memo, as both name-in-text recognizers ask it of the same values."""
    key = "labels_of_organizations"
    if key not in values.memo:
        labels = values.stripped().filter(pl.col(VALUE).str.len_chars() <= LABEL_CHARS)
        values.memo[key] = (
            labels.height >= 0.9 * values.frame.height
            and organization_share(labels) >= ORGANIZATION_SHARE
        )
    return values.memo[key]


LABEL_CHARS = 60
NAME_IN_TEXT = NameInTextRecognizer(
    name="person_name_text",
    category=NAME,
    pattern=r"\b\p{Lu}[\p{Ll}'’\-]+(?:[ \t]+\p{Lu}[\p{Ll}'’\-]+){1,3}\b",
    prefilter=r"\p{Lu}\p{Ll}+[ \t]+\p{Lu}\p{Ll}",
    validator=valid_name_in_text,
    base=0.7,
    full_coverage=0.05,
    context=_NAME_WORDS,
    negative_context=_NOT_PERSON,
    methods=("pattern", "dictionary"),
)

NAME_IN_TEXT_LOOSE = NameInTextRecognizer(
    name="person_name_text_loose",
    category=NAME,
    pattern=NAME_IN_TEXT.pattern,
    prefilter=NAME_IN_TEXT.prefilter,
    validator=valid_loose_name_in_text,
    base=0.45,
    full_coverage=0.05,
    context=NAME_IN_TEXT.context,
    negative_context=_NOT_PERSON,
    methods=("pattern", "dictionary"),
)

RECOGNIZERS = (NameColumnRecognizer(), NAME_IN_TEXT, NAME_IN_TEXT_LOOSE)
