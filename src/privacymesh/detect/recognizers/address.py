"""Postal addresses and postal codes. Street lines are found with street-type words from faker's
address providers of every locale (`Street`, `Marg`, `Rua`, `-straße`...); postal codes by
country format, strong where the format is distinctive (UK, Canada, Brazil CEP, ZIP+4), weak
where it is any run of digits (US ZIP, German PLZ, Indian PIN), which need context."""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from privacymesh.detect.lexicon import street_suffixes
from privacymesh.detect.recognizer import (
    DIGITS,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
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

RECOGNIZERS = (STREET_ADDRESS, STREET_NAME, UK_POSTCODE, DISTINCT_POSTCODES, DIGIT_POSTCODES)
