"""National identity, social security and personal tax numbers of every country python-stdnum
knows (it ships well over a hundred number formats; those that identify a person are chosen by
their own descriptions). A column is judged as one id family: the share of values valid in any
of the country formats counts, so a column mixing several countries' ids is found even when no
single format covers much of it. Formats that accept most random numbers tell nothing: each is
measured against the same values with their digits re-drawn at random (seeded)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import polars as pl

from privacymesh.detect.recognizer import (
    DIGITS,
    ROW,
    ColumnValues,
    Evidence,
    Recognizer,
    lift,
    words,
)
from privacymesh.detect.recognizers.devices import valid_device_number
from privacymesh.detect.recognizers.health_ids import health_identifier, medicare_numbers
from privacymesh.detect.recognizers.payment import valid_card

NATIONAL_ID = "user.government_id.national_identification_number"
PASSPORT = "user.government_id.passport_number"

_PERSONAL = re.compile(
    r"(?i)personal|person\b|physical person|national|identity|citizen|birth number|social sec"
    r"|social insurance|resident|individual|passport|patient|health number|pupil|student"
    r"|foreigner|taxpayer|tax file|tax code for individuals|voter|identification number"
)
_NOT_PERSONAL = re.compile(
    r"(?i)compan|business|\bvat\b|enterprise|organi[sz]ation|corporat|bank|postal|postcode"
    r"|securities|invoice|meter|drug|school|routing|employer|preparer|trade register"
    r"|company register|register of|receipt|payment|excise|\bentit|establishment|juríd"
    r"|association|creditor|real estate|energy"
    r"|classification|legal"
)
SAMPLE = 40  # distinct values validated per column, each against every format
PROBE_STEP = 2  # every other sampled value probes a format before all are validated
MIN_SHARE = 0.3  # of the column's values shaped like an id number
# one country's format alone: nearly every value passes it, at most this share of random ones
SINGLE_SHARE = 0.8
SINGLE_CHANCE = 0.3
SINGLE_MIN = 10  # distinct values: two or three passing say nothing
BASE = 0.5
_SHAPE = r"^[0-9A-Za-z][0-9A-Za-z ./-]{4,22}$"
_DIGITS = "0123456789"
# an amount or a measurement (1671.74), never an id however its digits validate
_DECIMAL = r"^-?\d+\.\d+$"


@cache
def id_modules() -> tuple[tuple[ModuleType, str], ...]:
    """(stdnum module, category) of every format that identifies a person."""
    from stdnum.util import get_module_name, get_number_modules

    found = []
    for module in get_number_modules():
        if module.__name__.count(".") != 2:
            continue  # generic algorithms (luhn, iso7064) and international codes
        name = get_module_name(module)
        if _PERSONAL.search(name) and not _NOT_PERSONAL.search(name):
            category = PASSPORT if "passport" in name.lower() else NATIONAL_ID
            found.append((module, category))
    return tuple(found)


@cache
def id_words() -> frozenset[str]:
    """Column-name words of these formats: their short names (`pesel`, `bsn`, `cpr`, `dni`)."""
    out = set()
    for module, _ in id_modules():
        out.add(module.__name__.rsplit(".", 1)[1].strip("_").lower())
    return frozenset(out)


_NAME_WORD = re.compile(r"[^\W\d_]{6,}")
# words of the formats' own-language names that say only "number", "person" or "public": a
# column named `numero_pedido` is an order's
_GENERIC_NATIVE = frozenset(
    ("numeric", "número", "numéro", "numarası", "persona", "public", "electoral", "registro",
     "economico", "operatore")
)  # fmt: skip
_NATIONALITY = re.compile(r"(ian|ish|ese|egian)$")


def _name_parts(name: str) -> tuple[str, str, str]:
    """A format's name as (lead, own-language name, English gloss): `BSN (Burgerservicenummer,
    the Dutch citizen identification number)`; a name with one part in brackets is a gloss."""
    lead, _, rest = name.partition("(")
    segments = rest.rsplit(")", 1)[0].split(",")
    if len(segments) == 1:
        return lead, "", segments[0]
    return lead, segments[0], ",".join(segments[1:])


@cache
def native_id_words() -> frozenset[str]:
    """Column-name words in each country's own language for its person numbers, read from the
    formats' names (`Burgerservicenummer`, `Henkilötunnus`, `Documento Nacional de Identidad`):
    words of the lead and the own-language name that no format's English gloss uses."""
    from stdnum.util import get_module_name

    names = [get_module_name(module) for module, _ in id_modules()]
    gloss = {w.lower() for n in names for w in _NAME_WORD.findall(_name_parts(n)[2])}
    out = set()
    for name in names:
        lead, native, _ = _name_parts(name)
        for part in (lead, native, *re.findall(r'"([^"]+)"', name)):
            out.update(w.lower() for w in _NAME_WORD.findall(part))
    return frozenset(w for w in out - gloss - _GENERIC_NATIVE if not _NATIONALITY.search(w))


def native_compound_words() -> frozenset[str]:
    """The long compounds among them (`burgerservicenummer`, `personnummer`): a name holding one
    says "this person's number" even where no checksum confirms the values."""
    return frozenset(w for w in native_id_words() if len(w) >= 12)


def _valid(module: ModuleType, value: str) -> bool:
    if value.isascii() and value.isdigit() and not _digits_fit(module, len(value)):
        return False
    try:
        return bool(module.is_valid(value))
    except Exception:  # a library validator must never crash a scan
        return False


def _length_probes(n: int) -> tuple[str, ...]:
    runs = (digit * n for digit in "0159")
    return (*runs, ("1234567890" * 3)[:n], ("9876543210" * 3)[:n])


@cache
def _digits_fit(module: ModuleType, n: int) -> bool:
    """Whether a value of `n` digits can be valid in the format: False when the format refuses
    each of several `n`-digit probes for its length alone. Most formats take one or two
    lengths, and a column of numbers mostly has one or two: this spares the format's own
    (slower, per character) cleaning of every value it could never accept."""
    from stdnum.exceptions import InvalidLength

    for probe in _length_probes(n):
        try:
            module.validate(probe)
        except InvalidLength:
            continue
        except Exception:  # refused for another reason: the length itself may be right
            return True
        return True
    return False


def redrawn(sample: list[str], seed: int) -> list[str]:
    """The values with their digits re-drawn at random (seeded), each value's first character
    kept: a format that takes any number behind a leading `0` (Costa Rica's cédula) would read
    a column of national phone numbers, which all start so, far above chance otherwise."""
    rng = random.Random(seed)
    return [
        v[:1] + "".join(rng.choice(_DIGITS) if c.isdigit() else c for c in v[1:]) for v in sample
    ]


@dataclass
class NationalIdRecognizer(Recognizer):
    """Values shaped like id numbers, validated by every person-identifying stdnum format."""

    name: str = "national_id_any_country"

    def __post_init__(self) -> None:
        self.categories = (NATIONAL_ID, PASSPORT)
        self.kinds = DIGITS
        self.context = words(
            "national", "nationalid", "id", "identity", "citizen", "ssn", "tax", "taxpayer",
            "tin", "personal", "document", "idnumber", "identification", "insurance", "social",
            "passport", "cedula", "dni", "nif", "cpf", "personnummer",
        ) | id_words() | native_id_words()  # fmt: skip
        self.negative_context = words(
            "order", "invoice", "sku", "product", "amount", "price", "total", "count", "phone",
            "created", "updated", "timestamp", "epoch", "time", "zip", "postal", "account",
            "imei", "meid", "device", "serial", "card", "iban", "isbn", "ean", "gtin", "barcode",
        )  # fmt: skip

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        probe = values.probe()
        if probe.filter(pl.col("value").str.contains(_SHAPE)).height < MIN_SHARE * probe.height:
            return []  # few values shaped like id numbers
        shaped = values.stripped().filter(
            pl.col("value").str.contains(_SHAPE)
            & (pl.col("value").str.count_matches(r"\d") >= 5)
            & ~pl.col("value").str.contains(_DECIMAL)
        )
        if shaped.height < MIN_SHARE * values.n_rows:
            return []
        if medicare_numbers(values):
            return []  # health insurance card numbers, with a check digit of their own
        distinct = shaped["value"].unique().sort()
        if distinct.len() > SAMPLE:
            distinct = distinct.sample(SAMPLE, seed=values.options.seed).sort()
        # device, card and health identifier numbers carry their own check digits: not people's
        # national ids (an organisation's HPI-O is no one's)
        sample = [
            v
            for v in distinct.to_list()
            if not (valid_device_number(v) or valid_card(v) or health_identifier(v))
        ]
        if len(sample) < MIN_SHARE * distinct.len():
            return []
        null = redrawn(sample, values.options.seed)
        valid_any = [False] * len(sample)
        null_any = [False] * len(null)
        per_category: dict[str, int] = {}
        # one country's format far above its own chance: formats that take nearly any number of
        # that length (several countries' tax numbers) drown it in the union's chance
        best_single = 0.0
        for module, category in id_modules():
            # most formats read none of a column's values: a few decide that cheaply
            probed: dict[int, bool] = {}
            for i in range(0, len(sample), PROBE_STEP):
                probed[i] = _valid(module, sample[i])
                if probed[i]:
                    break
            else:
                continue
            ok = [probed[i] if i in probed else _valid(module, v) for i, v in enumerate(sample)]
            hits = sum(ok)
            if not hits:
                continue
            chance = [_valid(module, v) for v in null]
            own_chance = sum(chance) / len(null)
            if (
                len(sample) >= SINGLE_MIN
                and hits >= SINGLE_SHARE * len(sample)
                and own_chance <= SINGLE_CHANCE
            ):
                best_single = max(best_single, lift(hits / len(sample), own_chance))
            valid_any = [a or b for a, b in zip(valid_any, ok, strict=True)]
            null_any = [a or b for a, b in zip(null_any, chance, strict=True)]
            per_category[category] = per_category.get(category, 0) + hits
        share = sum(valid_any) / len(sample)
        if share == 0:
            return []
        chance = sum(null_any) / len(null)
        strength = BASE * max(lift(share, chance) * min(1.0, (1.0 - chance) / 0.5), best_single)
        if strength <= 0:
            return []
        good = pl.Series("value", [v for v, ok in zip(sample, valid_any, strict=True) if ok])
        category = max(per_category, key=lambda c: (per_category[c], c))
        # rows whose value was not in the sample count in the share validated
        rows = shaped.filter(pl.col("value").is_in(good.implode()))[ROW].unique()
        ev = self.evidence(category, rows, strength, {"pattern", "validator"}, good.to_list())
        ev.estimated_hits = share * shaped.height
        return [ev]


# column-name words that say "a person's national number" on their own (a bare `id` does not)
_ID_NAME_WORDS = words(
    "ssn", "socsec", "socialsecurity", "socialsecuritynumber", "national", "nationalid",
    "nationalidnumber", "nationalidentifier", "nin", "nino", "sin", "personalnumber",
    "personnummer", "idcard", "identitycard", "identitynumber", "citizenid", "taxpayerid",
    "cedula", "dni", "nie", "cpf", "curp", "rut", "pesel", "bsn", "aadhaar", "nric", "hetu",
    "passport", "passportnumber", "passportno",
    # the Dutch register's administration number (`A-nummer`), which stdnum does not know
    "anummer", "administratienummer",
)  # fmt: skip
_ID_SHAPE = r"^[0-9A-Za-z][0-9A-Za-z ./-]{4,22}$"
DISTINCT_SHARE = 0.5  # one number per person (a record may repeat): most values differ


@dataclass
class NationalIdByNameRecognizer(Recognizer):
    """Id numbers no checksum confirms (sample databases invent them, and many countries'
    numbers carry none) under a column name that says they are national ids: values shaped
    like id numbers, nearly all distinct. Weak alone; it applies only under such a name."""

    name: str = "national_id_named"

    def __post_init__(self) -> None:
        self.categories = (NATIONAL_ID, PASSPORT)
        self.kinds = DIGITS
        self.context = (
            _ID_NAME_WORDS | (id_words() - {"id", "tin", "vat"}) | native_compound_words()
        )
        self.negative_context = words("type", "kind", "issuer", "country", "expiry", "issued")

    def applies(self, values: ColumnValues) -> bool:
        return bool(self.context & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        shaped = values.stripped().filter(
            pl.col("value").str.contains(_ID_SHAPE)
            & (pl.col("value").str.count_matches(r"\d") >= 5)
            & ~pl.col("value").str.contains(_DECIMAL)
        )
        if shaped.height < 0.9 * values.n_rows:
            return []
        if shaped["value"].n_unique() < DISTINCT_SHARE * shaped.height:
            return []  # values shared by many rows are codes or categories
        category = PASSPORT if "passport" in " ".join(values.signals.name) else NATIONAL_ID
        examples = shaped["value"].unique(maintain_order=True).head(values.options.max_examples)
        return [self.evidence(category, shaped[ROW].unique(), 0.3, {"pattern"}, examples.to_list())]


RECOGNIZERS = (NationalIdRecognizer(), NationalIdByNameRecognizer())
