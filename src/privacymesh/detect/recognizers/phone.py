"""Phone numbers in many regions: a loose candidate regex, then `phonenumbers` on each distinct
candidate (international form first, else the configured regions)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import polars as pl

from privacymesh.detect.context import tokens
from privacymesh.detect.lexicon import country_code
from privacymesh.detect.options import ScanOptions
from privacymesh.detect.recognizer import (
    DIGITS,
    INTEGER,
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    PatternRecognizer,
    words,
)
from privacymesh.detect.recognizers.health_ids import medicare_numbers

# A run of digits with phone separators; dates, times and decimals are rejected below.
_PATTERN = r"(?:\+\d|\(\d|\b\d)[\d\s().\-/]{5,20}\d(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?\b"
NULL_SAMPLE = 50  # candidates re-drawn with random digits to measure the chance rate
REGION_SAMPLE = 50  # national-format candidates that elect the column's regions
_REJECT = (
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$|^\d+\.\d+$"
    r"|^\d{1,3}(?:\.\d{1,3}){3}$|^\d{3}-\d{2}-\d{4}$|^\d{3}\.\d{3}\.\d{3}-\d{2}$"
    r"|^\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}$"
    r"|^\d{5}-\d{3}$"  # a Brazilian postal code (CEP), not a number to call
    # one digit before a slash: a log position (PostgreSQL's `0/1550340`) or a fraction; an
    # area code written before a slash has two digits or more (`030/1234567`)
    r"|^\d/"
)


@dataclass
class PhoneRecognizer(PatternRecognizer):
    """Validates with phonenumbers: `+` numbers in their own country; national numbers in the one
    region (of `phone_regions`) that validates most of the column's candidates, so that a column
    is judged as a country's numbers, not as "valid somewhere"."""

    def validate(self, distinct: pl.Series, options: ScanOptions) -> pl.Series:
        regions = column_regions(
            tuple(distinct.head(NULL_SAMPLE).to_list()), options.national_regions()
        )
        return pl.Series([_valid_in(v, regions) for v in distinct.to_list()], dtype=pl.Boolean)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.categories = (self.category, FAX)

    def applies(self, values: ColumnValues) -> bool:
        return not names_other_numbers(values) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if epoch_share(values) >= EPOCH_SHARE:
            return []  # seconds or milliseconds since 1970: event times, not numbers to call
        if medicare_numbers(values):
            return []  # card numbers whose check digit holds, not numbers to call
        regions = row_regions(values)
        if regions is None:
            found = in_market(super().detect(values), values, self.candidates(values))
        else:
            found = self.detect_by_row(values, regions)
        return as_fax(mostly_numbers(found, values), values)

    def detect_by_row(self, values: ColumnValues, regions: pl.DataFrame) -> list[Evidence]:
        """Each national-format number validated in the country of its own row (a customer
        table of many countries); rows without a country fall back to the column's regions."""
        cands = self.candidates(values)
        if cands.height == 0:
            return []
        cands = cands.join(regions, on=ROW, how="left")
        fallback = column_regions(
            tuple(cands["cand"].unique(maintain_order=True).head(NULL_SAMPLE).to_list()),
            values.options.national_regions(),
        )
        pairs = cands.select("cand", "region").unique(maintain_order=True)
        limit = min(values.options.max_validate, self.max_validate or values.options.max_validate)
        if pairs.height > limit:
            pairs = pairs.sample(limit, seed=values.options.seed)
        items = list(zip(pairs["cand"].to_list(), pairs["region"].to_list(), strict=True))
        ok = [_valid_in(c, (r,) if r else fallback) for c, r in items]
        checked = pairs.with_columns(ok=pl.Series(ok, dtype=pl.Boolean))
        per_row = cands.join(checked, on=["cand", "region"], how="inner", nulls_equal=True)
        per_row = per_row.group_by(ROW).agg(pl.col("ok").any())
        valid_rows = per_row.filter(pl.col("ok"))[ROW]
        if valid_rows.len() == 0:
            return []
        est_valid = valid_rows.len() * cands[ROW].n_unique() / max(per_row.height, 1)
        hit_rate = min(1.0, est_valid / values.n_rows)
        rng = random.Random(values.options.seed)
        null = [
            ("".join(rng.choice(_DIGITS) if ch.isdigit() else ch for ch in c), r)
            for c, r in items[:NULL_SAMPLE]
        ]
        chance = sum(_valid_in(c, (r,) if r else fallback) for c, r in null) / max(len(null), 1)
        strength = self.strength(sum(ok) / max(len(ok), 1), chance, hit_rate)
        examples = checked.filter(pl.col("ok"))["cand"].unique(maintain_order=True)
        ev = self.evidence(
            self.category,
            valid_rows,
            strength,
            {"pattern", "validator"},
            examples.head(values.options.max_examples * 4).to_list(),
        )
        ev.estimated_hits = est_valid
        ev.methods.add("context")
        return [ev]

    def chance_for(self, distinct: pl.Series, options: ScanOptions) -> float:
        """How often numbers shaped like these are valid by chance: the same candidates with
        their digits re-drawn at random (seeded) are validated the same way. Random 9-digit order
        numbers are valid almost always; random `+44 20 ...` numbers rarely."""
        sample = tuple(distinct.head(NULL_SAMPLE).to_list())
        if not sample:
            return 0.0
        regions = column_regions(sample, options.national_regions())
        rng = random.Random(options.seed)
        shuffled = [
            "".join(rng.choice(_DIGITS) if ch.isdigit() else ch for ch in v) for v in sample
        ]
        return sum(_valid_in(v, regions) for v in shuffled) / len(shuffled)

    def strength(self, valid_ratio: float, chance: float, hit_rate: float) -> float:
        """As the base rule, and weaker when numbers of this shape are valid by chance anyway
        (a validator that accepts nearly everything tells little)."""
        informative = min(1.0, (1.0 - chance) / 0.5)
        return super().strength(valid_ratio, chance, hit_rate) * informative


_DIGITS = "0123456789"
FAX = "user.contact.fax_number"
_COUNTRY_WORDS = frozenset(
    ("country", "countrycode", "nation", "land", "pais", "pays", "countryid", "cc", "iso2")
)
COUNTRY_SHARE = 0.8  # of a country column's distinct values that name a country


def row_regions(values: ColumnValues) -> pl.DataFrame | None:
    """(row, region) from a column of the same table named for a country whose values name
    countries (`Germany`, `DE`, `DEU`); None when the table has none."""
    table = values.table
    if table is None or values.derived:
        return None
    for name in table.columns:
        if name == values.name or not tokens(name) & _COUNTRY_WORDS:
            continue
        column = table[name]
        if column.dtype != pl.String:
            continue
        distinct = column.drop_nulls().unique().head(500).to_list()
        codes = {v: country_code(v) for v in distinct}
        if not distinct or sum(c is not None for c in codes.values()) < COUNTRY_SHARE * len(
            distinct
        ):
            continue
        mapping = pl.DataFrame(
            {"v": list(codes), "region": list(codes.values())},
            schema={"v": pl.String, "region": pl.String},
        )
        rows = pl.DataFrame({"v": column}).with_row_index(ROW)
        return rows.join(mapping, on="v", how="left").select(ROW, "region")
    return None


_FAX_WORDS = frozenset({"fax", "faxnumber", "telefax", "faxno"})
# column-name words of numbers that are never numbers to call: postal codes, amounts, counts
# and the references of tickets and bookings
_OTHER_NUMBER_WORDS = frozenset(
    (
        "zip", "zipcode", "postcode", "postalcode", "postal", "plz", "cep", "pincode",
        "revenue", "amount", "price", "cost", "total", "balance", "income", "salary", "sales",
        "turnover", "profit", "expense", "budget", "quantity", "qty", "votes", "ticket",
        "ticketno", "ticketnumber", "booking", "reservation", "receipt", "voucher", "pnr",
    )
)  # fmt: skip
INTEGER_SHARE = 0.5  # of an integer column's values that must be valid numbers


def names_other_numbers(values: ColumnValues) -> bool:
    """Whether the column's name says its numbers are postal codes, amounts, counts or ticket
    references (and not phones): a ZIP+4 code or a round revenue is a valid number somewhere,
    but not one to call. Decided from the name alone, before any value is read."""
    name = values.signals.name
    return bool(name & _OTHER_NUMBER_WORDS) and not name & PHONE_WORDS


def mostly_numbers(found: list[Evidence], values: ColumnValues) -> list[Evidence]:
    """Numbers stored as integers are phone numbers only when most of them are: a column of
    integers is one kind of number, and a few among many organisation or account ids that
    read as valid numbers are chance."""
    if values.kind != INTEGER or values.n_rows == 0 or PHONE_WORDS & values.signals.name:
        return found
    return [ev for ev in found if ev.estimated_hits >= INTEGER_SHARE * values.n_rows]


MARKET_SHARE = 0.8  # of a column's numbers written in the declared market's national format
MARKET_INFORMATIVE = 0.75
_SEPARATED = r"\d[\s\-/().]+\d"


def in_market(found: list[Evidence], values: ColumnValues, cands: pl.DataFrame) -> list[Evidence]:
    """National-format numbers of a market the workspace declares. Some numbering plans (the
    German one) accept most digit runs, so validation alone tells little; numbers written as
    that country writes them (its trunk prefix, grouped digits) in a country the mesh serves
    are phone numbers all the same. Raises the evidence to what a fairly informative validator
    gives, and says so."""
    markets = values.options.markets
    if not markets or not found or cands.height == 0:
        return found
    sample = cands["cand"].unique(maintain_order=True).head(REGION_SAMPLE)
    national = [c for c in sample.to_list() if not c.startswith(("+", "00"))]
    if len(national) < MARKET_SHARE * sample.len():
        return found
    region = best_region(tuple(national), values.options.national_regions())
    if region not in markets:
        return found
    prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
    written = pl.Series(national, dtype=pl.String)
    shaped = written.str.starts_with(prefix or "\x00") & written.str.contains(_SEPARATED)
    valid = sum(_valid(c, region) for c in national)
    if shaped.mean() < MARKET_SHARE or valid < MARKET_SHARE * len(national):  # type: ignore[operator]
        return found
    for ev in found:
        if ev.recognizer == PHONE.name:
            share = min(1.0, ev.estimated_hits / max(values.n_rows, 1))
            ev.strength = max(ev.strength, PHONE.base * MARKET_INFORMATIVE * min(1.0, share / 0.8))
            ev.raised_by = (*ev.raised_by, f"market: {region}")
    return found


def as_fax(found: list[Evidence], values: ColumnValues) -> list[Evidence]:
    """Phone evidence in a column named for a fax is a fax number (fideslang has its own key)."""
    if _FAX_WORDS & values.signals.name:
        for ev in found:
            ev.category = FAX
    return found


# 2000-01-01 to 2040-01-01 in seconds; milliseconds are the same times a thousand times over
EPOCH_RANGE = (946_684_800, 2_208_988_800)
EPOCH_SHARE = 0.9
NATIONAL_MAX_DIGITS = 12  # a trunk prefix and the longest national significant numbers in use


def epoch_share(values: ColumnValues) -> float:
    """Share of values that are whole numbers of seconds or milliseconds since 1970 falling in
    this century's first decades."""
    if values.max_digits() < 10:
        return 0.0
    digits = values.stripped().filter(pl.col(VALUE).str.contains(r"^\d{10}(?:\d{3})?$"))
    if digits.height == 0:
        return 0.0
    n = pl.col(VALUE).cast(pl.Int64, strict=False)
    seconds = pl.when(n >= EPOCH_RANGE[0] * 1000).then(n // 1000).otherwise(n)
    inside = digits.select(seconds.is_between(*EPOCH_RANGE).sum()).item()
    return inside / max(values.frame.height, 1)


@lru_cache(maxsize=256)
def best_region(sample: tuple[str, ...], regions: tuple[str, ...]) -> str | None:
    """The region in which most national-format candidates are valid (None when all are `+`)."""
    national = [v for v in sample if not v.startswith(("+", "00"))][:REGION_SAMPLE]
    if not national:
        return None
    best, best_count = regions[0], -1
    for region in regions:
        count = sum(_valid(v, region) for v in national)
        if count > best_count:
            best, best_count = region, count
        if count == len(national):
            break  # all valid: no region can do better
    return best


MIN_REGION_SHARE = 0.2  # of a column's national-format numbers, for a further region to count


@lru_cache(maxsize=256)
def column_regions(sample: tuple[str, ...], regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions a column's national-format numbers come from: the best one, then each
    further region that validates a fair share of the numbers the earlier ones did not. A
    customer table of several countries is judged country by country, not against one."""
    best = best_region(sample, regions)
    if best is None:
        return ()
    national = [v for v in sample if not v.startswith(("+", "00"))][:REGION_SAMPLE]
    chosen = [best]
    left = [v for v in national if not _valid(v, best)]
    while left:
        counts = {r: sum(_valid(v, r) for v in left) for r in regions if r not in chosen}
        if not counts:
            break
        region = max(counts, key=lambda r: (counts[r], -regions.index(r)))
        if counts[region] < MIN_REGION_SHARE * len(national):
            break
        chosen.append(region)
        left = [v for v in left if not _valid(v, region)]
    return tuple(chosen)


def _valid_in(text: str, regions: tuple[str, ...]) -> bool:
    """Valid in its own country code, or in one of `regions` when it has none."""
    if not regions or text.startswith(("+", "00")):
        return _valid(text, None)
    return any(_valid(text, r) for r in regions)


@lru_cache(maxsize=1 << 16)
def _valid(text: str, region: str | None) -> bool:
    """A valid number in its own country code, or in `region` when it has none. Cached: the
    region election, the validation and the chance measure ask about the same numbers."""
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15:
        return False
    if digits > NATIONAL_MAX_DIGITS and not text.startswith(("+", "00")):
        return False  # longer runs without a country code are card, device or account numbers
    candidate = "+" + text[2:] if text.startswith("00") else text
    if not candidate.startswith("+") and region is None:
        return False
    try:
        number = phonenumbers.parse(candidate, None if candidate.startswith("+") else region)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(number))


PHONE_WORDS = words(
    "phone", "tel", "telephone", "mobile", "cell", "msisdn", "fax", "telefone", "telefon",
    "handy", "celular", "contact", "whatsapp", "phonenumber",
)  # fmt: skip

PHONE = PhoneRecognizer(
    kinds=DIGITS,
    name="phone_number",
    category="user.contact.phone_number",
    pattern=_PATTERN,
    prefilter=r"\d[\d\s().\-/]{5,}\d",
    reject=_REJECT,
    # digit runs inside UUIDs and hex tokens are no numbers
    skip_values=r"^\s*[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\s*$"
    r"|^\s*[0-9A-Fa-f]{16,}\s*$",
    normalize=lambda e: e.str.strip_chars(),
    base=0.85,
    max_validate=200,
    methods=("pattern", "validator"),
    context=PHONE_WORDS,
    negative_context=words("model", "brand", "os", "case", "plan", "make", "version", "imei"),
)


def _possible(text: str, regions: tuple[str, ...]) -> bool:
    """A number of a possible length in its own country code or in one of `regions`."""
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= NATIONAL_MAX_DIGITS + (3 if text.startswith(("+", "00")) else 0):
        return False
    candidate = "+" + text[2:] if text.startswith("00") else text
    for region in (None,) if candidate.startswith("+") else regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return True
    return False


@dataclass
class PhoneShapeRecognizer(PatternRecognizer):
    """Numbers of a possible length, assigned or not: sample and test data hold numbers no
    numbering plan assigns (`555` numbers, old national formats) beside valid ones. Too weak
    to count alone; a column named for a phone makes them count."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.categories = (self.category, FAX)

    def validate(self, distinct: pl.Series, options: ScanOptions) -> pl.Series:
        regions = options.national_regions()
        return pl.Series([_possible(v, regions) for v in distinct.to_list()], dtype=pl.Boolean)

    def applies(self, values: ColumnValues) -> bool:
        # without a phone name the shape alone says nothing: decided before any gate runs
        return bool(self.context & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if epoch_share(values) >= EPOCH_SHARE:
            return []
        return as_fax(PatternRecognizer.detect(self, values), values)


PHONE_SHAPE = PhoneShapeRecognizer(
    kinds=DIGITS,
    name="phone_number_shape",
    category="user.contact.phone_number",
    pattern=_PATTERN,
    prefilter=PHONE.prefilter,
    reject=_REJECT.replace(r"|^\d{1,3}(?:\.\d{1,3}){3}$", ""),
    skip_values=PHONE.skip_values,
    normalize=PHONE.normalize,
    base=0.3,
    full_coverage=0.6,
    max_validate=100,
    methods=("pattern",),
    context=PHONE.context,
    negative_context=PHONE.negative_context,
)

RECOGNIZERS = (PHONE, PHONE_SHAPE)
