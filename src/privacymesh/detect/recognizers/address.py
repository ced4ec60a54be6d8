"""Postal addresses and postal codes. Street lines are found with street-type words from faker's
address providers of every locale (`Street`, `Marg`, `Rua`, `-straße`...); postal codes by
country format, strong where the format is distinctive (UK, Canada, Brazil CEP, ZIP+4), weak
where it is any run of digits (US ZIP, German PLZ, Indian PIN), which need context."""

from __future__ import annotations

import re
from functools import cache

from privacymesh.detect.lexicon import street_suffixes
from privacymesh.detect.recognizer import DIGITS, PatternRecognizer, words

ADDRESS = "user.contact.address"
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


STREET_ADDRESS = PatternRecognizer(
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


UK_POSTCODE = PatternRecognizer(
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

DISTINCT_POSTCODES = PatternRecognizer(
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

DIGIT_POSTCODES = PatternRecognizer(
    kinds=DIGITS,
    name="postal_code_digits",
    category=POSTAL_CODE,
    # US ZIP, German PLZ, French code postal (5 digits); Indian PIN (6, not starting with 0)
    pattern=r"\d{5}|[1-9]\d{2} ?\d{3}",
    anchored=True,
    reject=r"^0000|^99999",
    base=0.3,
    full_coverage=0.8,
    context=_POSTAL_WORDS,
    negative_context=_NOT_POSTAL,
)

RECOGNIZERS = (STREET_ADDRESS, UK_POSTCODE, DISTINCT_POSTCODES, DIGIT_POSTCODES)
