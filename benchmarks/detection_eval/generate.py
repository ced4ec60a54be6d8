"""A deterministic, labelled evaluation set for PII detection.

Tables of synthetic data in five locales (en_US, en_GB, de_DE, pt_BR, en_IN) made with faker and
checksum generators, plus shared decoy and operational tables. Every column carries a label: the
set of fideslang categories it holds (empty when not personal) and a tag saying what makes it
hard (`plain`, `opaque`, `decoy`, `sparse`, `json`, `encoded`, `hashed`, `context`, `nonpersonal`).

Numbers that exist in reality only when valid (phone numbers, national ids, cards) are generated
valid: the checksum-invalid ones are negatives, tested in tests/detect/.

    python -m benchmarks.detection_eval.generate     # writes benchmarks/data/detection_eval/
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import phonenumbers
import polars as pl
from faker import Faker
from stdnum import verhoeff

LOCALES = ("en_US", "en_GB", "de_DE", "pt_BR", "en_IN")
REGION = {"en_US": "US", "en_GB": "GB", "de_DE": "DE", "pt_BR": "BR", "en_IN": "IN"}
REFERENCE_DATE = date(2026, 11, 1)
VERSION = 5  # bump when the generator changes: the saved set is rebuilt

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
NAME = "user.name"
FIRST = "user.name.first"
LAST = "user.name.last"
DOB = "user.demographic.date_of_birth"
GENDER = "user.demographic.gender"
AGE = "user.demographic.age_range"
ADDRESS = "user.contact.address"
POSTAL = "user.contact.address.postal_code"
NATID = "user.government_id.national_identification_number"
TAXID = NATID  # a tax id is a national id (fideslang has no tax-id key)
PASSPORT = "user.government_id.passport_number"
CARD = "user.financial.credit_card"
BANK = "user.financial.bank_account"
IP = "user.device.ip_address"
DEVICE = "user.device.device_id"
COOKIE = "user.device.cookie_id"
UID = "user.unique_id"
PSEUDO = "user.unique_id.pseudonymous"
CRED = "user.authorization.credentials"
PRECISE = "user.location.precise"
IMPRECISE = "user.location.imprecise"
USERNAME = "user.account.username"
COUNTRY = "user.contact.address.country"


@dataclass
class EvalColumn:
    table: str
    column: str
    categories: tuple[str, ...]
    tag: str

    @property
    def personal(self) -> bool:
        return bool(self.categories)


@dataclass
class EvalTable:
    name: str
    frame: pl.DataFrame
    labels: list[EvalColumn]
    known_hashes: list[str] = field(default_factory=list)


class TableBuilder:
    """Collects columns and labels of one table."""

    def __init__(self, name: str, rows: int) -> None:
        self.name, self.rows = name, rows
        self.data: dict[str, list] = {}
        self.labels: list[EvalColumn] = []
        self.known: list[str] = []

    def add(self, column: str, values: list, categories: tuple[str, ...] = (), tag: str = "plain"):
        assert len(values) == self.rows, column
        self.data[column] = values
        self.labels.append(EvalColumn(self.name, column, categories, tag))

    def build(self) -> EvalTable:
        return EvalTable(self.name, pl.DataFrame(self.data, strict=False), self.labels, self.known)


# ---- value generators ------------------------------------------------------------------------


def valid_phones(
    fake: Faker, region: str, n: int, rng: random.Random, e164: bool = False
) -> list[str]:
    """Faker phone numbers that phonenumbers accepts (real numbers are valid ones)."""
    out: list[str] = []
    while len(out) < n:
        raw = fake.phone_number()
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(parsed):
            continue
        if e164:
            raw = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        out.append(raw)
    return out


def nino(rng: random.Random) -> str:
    first = "ABCEGHJKLMNOPRSTWXYZ"
    second = "ABCEGHJKLMNPRSTWXYZ"
    while True:
        prefix = rng.choice(first) + rng.choice(second)
        if prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            break
    digits = "".join(rng.choice(string.digits) for _ in range(6))
    spaced = rng.random() < 0.5
    body = f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} " if spaced else prefix + digits
    return body + rng.choice("ABCD")


def aadhaar(rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + "".join(rng.choice(string.digits) for _ in range(10))
    number = body + verhoeff.calc_check_digit(body)
    return f"{number[:4]} {number[4:8]} {number[8:]}" if rng.random() < 0.6 else number


def bcrypt_like(rng: random.Random) -> str:
    alphabet = "./" + string.ascii_letters + string.digits
    return "$2b$12$" + "".join(rng.choice(alphabet) for _ in range(53))


def argon2_like(rng: random.Random) -> str:
    def b64(n: int) -> str:
        return base64.b64encode(rng.randbytes(n)).decode().rstrip("=")

    return f"$argon2id$v=19$m=65536,t=3,p=4${b64(16)}${b64(32)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng: random.Random, sub: str) -> str:
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64url(
        json.dumps({"sub": sub, "iat": rng.randint(1_600_000_000, 1_800_000_000)}).encode()
    )
    return f"{header}.{payload}.{b64url(rng.randbytes(32))}"


def token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def sparse(
    rng: random.Random, n: int, rate: float, hit: Callable[[], str], miss: Callable[[], str]
):
    """A text column where about `rate` of the values carry a personal value."""
    k = max(1, round(n * rate))
    hits = set(rng.sample(range(n), k))
    return [hit() if i in hits else miss() for i in range(n)]


GENDERS = {
    "en_US": ["female", "male", "non-binary"],
    "en_GB": ["F", "M"],
    "de_DE": ["weiblich", "männlich", "divers"],
    "pt_BR": ["feminino", "masculino"],
    "en_IN": ["Female", "Male"],
}


def birth_dates(rng: random.Random, n: int) -> list[date]:
    return [REFERENCE_DATE - timedelta(days=rng.randint(18 * 365, 90 * 365)) for _ in range(n)]


def recent_times(rng: random.Random, n: int) -> list[datetime]:
    base = datetime(2026, 1, 1)
    return [base + timedelta(seconds=rng.randint(0, 300 * 86400)) for _ in range(n)]


# ---- per-locale tables -----------------------------------------------------------------------


def customers(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    region = REGION[locale]
    t = TableBuilder(f"{locale.lower()}.customers", rows)
    t.add("customer_id", [fake.uuid4() for _ in range(rows)], (UID,), "context")
    t.add("full_name", [fake.name() for _ in range(rows)], (NAME,))
    t.add("first_name", [fake.first_name() for _ in range(rows)], (FIRST,))
    t.add("last_name", [fake.last_name() for _ in range(rows)], (LAST,))
    t.add("email", [fake.email() for _ in range(rows)], (EMAIL,))
    t.add("phone", valid_phones(fake, region, rows, rng), (PHONE,))
    t.add("date_of_birth", birth_dates(rng, rows), (DOB,))
    t.add("gender", [rng.choice(GENDERS[locale]) for _ in range(rows)], (GENDER,))
    t.add("street_address", [fake.street_address() for _ in range(rows)], (ADDRESS,))
    t.add("postal_code", [fake.postcode() for _ in range(rows)], (POSTAL,))
    if locale == "en_US":
        t.add("ssn", [fake.ssn() for _ in range(rows)], (NATID,))
    elif locale == "en_GB":
        t.add("ni_number", [nino(rng) for _ in range(rows)], (NATID,))
    elif locale == "pt_BR":
        t.add("cpf", [fake.cpf() for _ in range(rows)], (NATID,))
        t.add("cnpj", [fake.cnpj() for _ in range(rows)], (TAXID,))
    elif locale == "en_IN":
        t.add("aadhaar", [aadhaar(rng) for _ in range(rows)], (NATID,))
        t.add("pan", [fake.pan() for _ in range(rows)], (TAXID,))
    if locale != "en_IN":
        t.add("iban", [fake.iban() for _ in range(rows)], (BANK,))
    t.add("passport_number", [fake.passport_number() for _ in range(rows)], (PASSPORT,), "context")
    t.add("card_number", [fake.credit_card_number() for _ in range(rows)], (CARD,))
    t.add("loyalty_tier", [rng.choice(["bronze", "silver", "gold"]) for _ in range(rows)])
    t.add("signup_at", recent_times(rng, rows))
    t.add("lifetime_value", [round(rng.uniform(0, 5000), 2) for _ in range(rows)])
    t.add("marketing_opt_in", [rng.random() < 0.4 for _ in range(rows)])
    # a customer's country describes the person (issue 21's places class)
    countries = [rng.choice(["US", "GB", "DE", "BR", "IN"]) for _ in range(rows)]
    t.add("country_code", countries, (COUNTRY,))
    return t.build()


def events(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    region = REGION[locale]
    t = TableBuilder(f"{locale.lower()}.events", rows)
    t.add("c01", [fake.ipv4_public() for _ in range(rows)], (IP,), "opaque")
    t.add("c02", [fake.ipv6() for _ in range(rows)], (IP,), "opaque")
    t.add("c03", [fake.mac_address() for _ in range(rows)], (DEVICE,), "opaque")
    emails = [fake.email() for _ in range(rows)]
    t.add("c04", emails, (EMAIL,), "opaque")
    t.add("c05", valid_phones(fake, region, rows, rng, e164=True), (PHONE,), "opaque")
    coords = [(float(fake.latitude()), float(fake.longitude())) for _ in range(rows)]
    t.add("c06", [f"{a:.5f},{b:.5f}" for a, b in coords], (PRECISE,), "opaque")
    t.add("c07", [fake.user_agent() for _ in range(rows)], (), "nonpersonal")
    t.add("c08", [rng.choice(["view", "click", "add_to_cart", "purchase"]) for _ in range(rows)])
    t.add("c09", [rng.randint(1_760_000_000_000, 1_790_000_000_000) for _ in range(rows)])
    t.add("c10", [round(rng.uniform(0, 600), 3) for _ in range(rows)], (), "nonpersonal")
    t.add("ref", [base64.b64encode(e.encode()).decode() for e in emails], (EMAIL,), "encoded")
    phones = valid_phones(fake, region, rows, rng)
    payload = [
        json.dumps(
            {
                "event": rng.choice(["login", "checkout"]),
                "ctx": {
                    "user": {"contact": {"mail": fake.email()}, "phones": [phones[i]]},
                    "geo": {"lat": round(coords[i][0], 6), "lon": round(coords[i][1], 6)},
                },
                "items": [{"sku": f"SKU-{rng.randint(1000, 9999)}", "qty": rng.randint(1, 3)}],
            }
        )
        for i in range(rows)
    ]
    t.add("payload", payload, (EMAIL, PHONE, PRECISE), "json")
    t.add("device_id", [fake.uuid4() for _ in range(rows)], (DEVICE,), "context")
    t.add("advertising_id", [fake.uuid4().upper() for _ in range(rows)], (DEVICE,), "context")
    ga = [
        f"GA1.2.{rng.randint(10**8, 10**10)}.{rng.randint(1_600_000_000, 1_800_000_000)}"
        for _ in range(rows)
    ]
    t.add("c11", ga, (COOKIE,), "opaque")
    t.add("anonymous_id", [fake.uuid4() for _ in range(rows)], (COOKIE,), "context")
    t.add("page_url", [fake.uri() for _ in range(rows)], (), "nonpersonal")
    t.add("order_id", [fake.uuid4() for _ in range(rows)], (), "decoy")
    return t.build()


def notes(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    region = REGION[locale]
    t = TableBuilder(f"{locale.lower()}.notes", rows)

    def text() -> str:
        return fake.text(max_nb_chars=160).replace("\n", " ")

    t.add(
        "ticket_text",
        sparse(rng, rows, 0.03, lambda: f"{text()} Reach me at {fake.email()} please.", text),
        (EMAIL,),
        "sparse",
    )
    phones = iter(valid_phones(fake, region, rows, rng))
    t.add(
        "agent_notes",
        sparse(rng, rows, 0.04, lambda: f"Customer called from {next(phones)}. {text()}", text),
        (PHONE,),
        "sparse",
    )
    t.add(
        "comment",
        sparse(
            rng, rows, 0.05, lambda: f"Spoke with {fake.name()} about the order. {text()}", text
        ),
        (NAME,),
        "sparse",
    )
    t.add("review_text", [text() for _ in range(rows)], (), "nonpersonal")
    t.add(
        "delivery_instructions",
        sparse(
            rng,
            rows,
            0.3,
            lambda: f"Leave at {fake.street_address()}, side door.",
            lambda: rng.choice(["Leave at the door", "Ring twice", "Call on arrival", ""]),
        ),
        (ADDRESS,),
        "sparse",
    )
    t.add(
        "log_line",
        sparse(
            rng,
            rows,
            0.05,
            lambda: json.dumps(
                {"lvl": "warn", "msg": "rate limited", "client": fake.ipv4_public()}
            ),
            lambda: json.dumps({"lvl": "info", "msg": "ok", "ms": rng.randint(1, 900)}),
        ),
        (IP,),
        "sparse",
    )
    return t.build()


def accounts(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    t = TableBuilder(f"{locale.lower()}.accounts", rows)
    t.add("username", [fake.user_name() for _ in range(rows)], (USERNAME,))
    t.add(
        "c2",
        [fake.user_name() + str(rng.randint(1, 99)) for _ in range(rows)],
        (USERNAME,),
        "opaque",
    )
    t.add("password_hash", [bcrypt_like(rng) for _ in range(rows)], (CRED,))
    t.add("c3", [argon2_like(rng) for _ in range(rows)], (CRED,), "opaque")
    t.add("api_key", [f"sk_live_{token(rng, 24)}" for _ in range(rows)], (CRED,))
    t.add("session_token", [jwt(rng, str(rng.randint(1, 10**6))) for _ in range(rows)], (CRED,))
    t.add(
        "aws_key",
        ["AKIA" + token(rng, 16, string.ascii_uppercase + string.digits) for _ in range(rows)],
        (CRED,),
    )
    t.add("age", [rng.randint(18, 90) for _ in range(rows)], (AGE,), "context")
    t.add("account_status", [rng.choice(["active", "suspended", "closed"]) for _ in range(rows)])
    t.add("last_login", recent_times(rng, rows))
    t.add("quantity", [rng.randint(1, 100) for _ in range(rows)], (), "decoy")
    return t.build()


def geo(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    t = TableBuilder(f"{locale.lower()}.locations", rows)
    coords = [fake.local_latlng(country_code=REGION[locale]) or fake.latlng() for _ in range(rows)]
    lat = [float(c[0]) + rng.uniform(-0.05, 0.05) for c in coords]
    lon = [float(c[1]) + rng.uniform(-0.05, 0.05) for c in coords]
    # the coordinates of people's visits: a `store_id` here made it a table of stores, whose
    # coordinates locate no one (the corpus's place_coordinates decoys)
    t.add("visit_no", [rng.randint(1, 40) for _ in range(rows)])
    t.add("latitude", [round(x, 6) for x in lat], (PRECISE,))
    t.add("longitude", [round(x, 6) for x in lon], (PRECISE,))
    t.add("x1", [round(x, 5) for x in lat], (PRECISE,), "opaque")
    t.add("x2", [round(x, 5) for x in lon], (PRECISE,), "opaque")
    t.add("approx_lat", [round(x, 2) for x in lat], (IMPRECISE,))
    t.add("approx_lon", [round(x, 2) for x in lon], (IMPRECISE,))
    t.add("fx_rate", [round(rng.uniform(0.5, 2.0), 5) for _ in range(rows)], (), "decoy")
    t.add("discount", [round(rng.uniform(0, 0.5), 2) for _ in range(rows)], (), "nonpersonal")
    return t.build()


def encoded(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    region = REGION[locale]
    t = TableBuilder(f"{locale.lower()}.encoded", rows)
    t.add(
        "blob1",
        [base64.b64encode(fake.email().encode()).decode() for _ in range(rows)],
        (EMAIL,),
        "encoded",
    )
    phones = valid_phones(fake, region, rows, rng, e164=True)
    t.add("blob2", [p.encode().hex() for p in phones], (PHONE,), "encoded")
    t.add(
        "tracking_url",
        [
            "https://t.example.com/c?e="
            + urllib.parse.quote(fake.email(), safe="")
            + f"&u={rng.randint(1, 9999)}"
            for _ in range(rows)
        ],
        (EMAIL,),
        "encoded",
    )
    ids = {
        "en_US": lambda: fake.ssn(),
        "en_GB": lambda: nino(rng),
        "de_DE": lambda: fake.iban(),
        "pt_BR": lambda: fake.cpf(),
        "en_IN": lambda: aadhaar(rng),
    }[locale]
    id_category = BANK if locale == "de_DE" else NATID
    t.add(
        "state",
        [b64url(json.dumps({"v": 2, "subject": {"doc": ids()}}).encode()) for _ in range(rows)],
        (id_category,),
        "encoded",
    )
    t.add(
        "envelope",
        [
            json.dumps(
                {
                    "kind": "msg",
                    "data": base64.b64encode(
                        json.dumps({"to": fake.email(), "n": rng.randint(1, 9)}).encode()
                    ).decode(),
                }
            )
            for _ in range(rows)
        ],
        (EMAIL,),
        "encoded",
    )
    t.add(
        "noise_b64",
        [base64.b64encode(rng.randbytes(24)).decode() for _ in range(rows)],
        (),
        "decoy",
    )
    t.add(
        "sku_hex",
        [f"SKU-{rng.randint(1000, 99999)}".encode().hex() for _ in range(rows)],
        (),
        "decoy",
    )
    return t.build()


def hashed(locale: str, rows: int, seed: int) -> EvalTable:
    fake, rng = Faker(locale), random.Random(seed)
    fake.seed_instance(seed)
    t = TableBuilder(f"{locale.lower()}.identity", rows)
    emails = [fake.email().lower() for _ in range(rows)]
    sha = [hashlib.sha256(e.encode()).hexdigest() for e in emails]
    t.add("email_sha256", sha, (PSEUDO,), "hashed")
    t.add("c5", [hashlib.md5(e.encode()).hexdigest() for e in emails], (PSEUDO,), "hashed")
    statuses = ["new", "active", "churned", "paused", "vip"]
    t.add(
        "segment_md5",
        [hashlib.md5(rng.choice(statuses).encode()).hexdigest() for _ in range(rows)],
        (),
        "decoy",
    )
    t.add("segment_score", [round(rng.random(), 3) for _ in range(rows)], (), "nonpersonal")
    t.known = sha[: rows // 2]
    return t.build()


# ---- held out: another generator's word lists --------------------------------------------------

HELDOUT_LOCALES = ("en", "de", "pt-br", "es", "it", "pl")
HELDOUT_REGION = {"en": "US", "de": "DE", "pt-br": "BR", "es": "ES", "it": "IT", "pl": "PL"}


def heldout(locale: str, rows: int, seed: int) -> EvalTable:
    """People made by `mimesis`, whose name, street and username lists are its own: the name
    dictionaries of privacymesh come from faker, so this table measures them out of sample."""
    from mimesis import Address, Finance, Locale, Person, Text

    loc = Locale(locale)
    person, address, rng = Person(loc, seed=seed), Address(loc, seed=seed), random.Random(seed)
    text, finance = Text(loc, seed=seed), Finance(loc, seed=seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    t = TableBuilder(f"heldout_{locale.replace('-', '_')}.people", rows)
    t.add("full_name", [person.full_name() for _ in range(rows)], (NAME,), "heldout")
    t.add("first_name", [person.first_name() for _ in range(rows)], (FIRST,), "heldout")
    t.add("surname", [person.last_name() for _ in range(rows)], (LAST,), "heldout")
    t.add("c1", [person.full_name() for _ in range(rows)], (NAME,), "heldout")
    t.add("email", [person.email() for _ in range(rows)], (EMAIL,), "heldout")
    phones: list[str] = []
    region = HELDOUT_REGION[locale]
    while len(phones) < rows:
        raw = person.phone_number()
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(raw, region)):
                phones.append(raw)
        except phonenumbers.NumberParseException:
            continue
    t.add("phone", phones, (PHONE,), "heldout")
    t.add("username", [person.username() for _ in range(rows)], (USERNAME,), "heldout")
    t.add("address", [address.address() for _ in range(rows)], (ADDRESS,), "heldout")
    t.add("postal_code", [address.postal_code() for _ in range(rows)], (POSTAL,), "heldout")
    t.add(
        "comment",
        sparse(
            rng,
            rows,
            0.05,
            lambda: f"Spoke with {person.full_name()} about the order.",
            lambda: fake.sentence(),
        ),
        (NAME,),
        "heldout",
    )
    # (mimesis' prose is left out: its quotes name real people, Haskell Curry, Bjarne Stroustrup)
    t.add("company", [finance.company() for _ in range(rows)], (), "heldout")
    t.add("word", [text.word() for _ in range(rows)], (), "heldout")
    return t.build()


# ---- shared decoy and operational tables -----------------------------------------------------

_ADJ = ["Ergonomic", "Rustic", "Sleek", "Durable", "Compact", "Premium", "Classic", "Modern"]
_MAT = ["Steel", "Wooden", "Cotton", "Granite", "Leather", "Bamboo", "Copper", "Plastic"]
_THING = ["Chair", "Table", "Lamp", "Backpack", "Kettle", "Desk", "Bottle", "Jacket", "Shelf"]
_PHONES = [
    "iPhone 14 Pro",
    "iPhone 15",
    "Galaxy S23",
    "Galaxy A54",
    "Pixel 8",
    "Moto G84",
    "Redmi Note 12",
    "OnePlus 11",
]
_COLORS = ["Rose", "Amber", "Olive", "Ruby", "Jade", "Navy", "Ivory", "Charcoal", "Sky Blue"]


def products(rows: int, seed: int) -> EvalTable:
    fake, rng = Faker("en_US"), random.Random(seed)
    fake.seed_instance(seed)
    t = TableBuilder("shared.products", rows)
    t.add(
        "name",
        [f"{rng.choice(_ADJ)} {rng.choice(_MAT)} {rng.choice(_THING)}" for _ in range(rows)],
        (),
        "decoy",
    )
    t.add("sku", [f"SKU-{rng.randint(10000, 99999)}" for _ in range(rows)])
    t.add("price", [round(rng.uniform(1, 900), 2) for _ in range(rows)])
    t.add("currency", [rng.choice(["USD", "EUR", "GBP", "BRL", "INR"]) for _ in range(rows)])
    t.add("description", [fake.catch_phrase() for _ in range(rows)], (), "nonpersonal")
    t.add("url", [f"https://shop.example.com/p/{rng.randint(1, 10**6)}" for _ in range(rows)])
    t.add("ean", [fake.ean13() for _ in range(rows)], (), "decoy")
    t.add("isbn", [fake.isbn13() for _ in range(rows)], (), "decoy")
    t.add("color", [rng.choice(_COLORS) for _ in range(rows)], (), "decoy")
    t.add("size", [rng.choice(["S", "M", "L", "XL"]) for _ in range(rows)], (), "decoy")
    t.add("brand", [fake.company() for _ in range(rows)], (), "decoy")
    t.add("phone_model", [rng.choice(_PHONES) for _ in range(rows)], (), "decoy")
    t.add("email_sent", [rng.random() < 0.5 for _ in range(rows)], (), "decoy")
    t.add("email_open_count", [rng.randint(0, 40) for _ in range(rows)], (), "decoy")
    t.add(
        "tracking_number",
        ["1Z" + token(rng, 16, string.ascii_uppercase + string.digits) for _ in range(rows)],
    )
    return t.build()


def operations(rows: int, seed: int) -> EvalTable:
    rng = random.Random(seed)
    t = TableBuilder("shared.operations", rows)
    t.add("request_id", [str(_uuid(rng)) for _ in range(rows)])
    t.add("trace_id", [rng.randbytes(16).hex() for _ in range(rows)], (), "decoy")
    builds = [rng.randbytes(20).hex() for _ in range(12)]
    t.add("build_sha", [rng.choice(builds) for _ in range(rows)], (), "decoy")
    t.add("file_checksum", [rng.randbytes(32).hex() for _ in range(rows)], (), "decoy")
    t.add("http_status", [rng.choice([200, 200, 201, 404, 500]) for _ in range(rows)])
    t.add("latency_ms", [rng.randint(1, 4000) for _ in range(rows)])
    t.add("host", [f"web-{rng.randint(1, 24):02d}" for _ in range(rows)])
    t.add("region", [rng.choice(["eu-west-1", "us-east-1", "ap-south-1"]) for _ in range(rows)])
    t.add(
        "app_version",
        [f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}" for _ in range(rows)],
    )
    created = [REFERENCE_DATE - timedelta(days=rng.randint(0, 700)) for _ in range(rows)]
    t.add("created_date", created, (), "decoy")
    t.add("expiry_date", [d + timedelta(days=rng.randint(30, 3000)) for d in created], (), "decoy")
    t.add("amount_cents", [rng.randint(10000, 99999) for _ in range(rows)], (), "decoy")
    t.add("fx_rate", [round(rng.uniform(0.2, 90.0), 4) for _ in range(rows)], (), "decoy")
    t.add("completion_pct", [round(rng.uniform(0, 100), 1) for _ in range(rows)])
    t.add("country", [rng.choice(["US", "GB", "DE", "BR", "IN", "FR"]) for _ in range(rows)])
    t.add("order_ref", [f"ORD-{rng.randint(10**8, 10**9 - 1)}" for _ in range(rows)])
    t.add("order_number", [str(rng.randint(10**9, 10**10 - 1)) for _ in range(rows)], (), "decoy")
    return t.build()


def _uuid(rng: random.Random):
    import uuid

    return uuid.UUID(bytes=rng.randbytes(16), version=4)


# ---- the set ---------------------------------------------------------------------------------

LOCALE_TABLES = (customers, events, notes, accounts, geo, encoded, hashed)


def build(rows: int = 2000, seed: int = 7) -> list[EvalTable]:
    """Every evaluation table, deterministic for (rows, seed)."""
    tables = []
    for li, locale in enumerate(LOCALES):
        for ti, make in enumerate(LOCALE_TABLES):
            tables.append(make(locale, rows, seed * 1000 + li * 100 + ti))
    for hi, locale in enumerate(HELDOUT_LOCALES):
        tables.append(heldout(locale, rows, seed * 1000 + 900 + hi))
    tables.append(products(rows, seed + 1))
    tables.append(operations(rows, seed + 2))
    return tables


DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "detection_eval"


def save(tables: list[EvalTable], folder: Path = DATA_DIR) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for t in tables:
        path = folder / f"{t.name}.parquet"
        t.frame.write_parquet(path)
        index.append(
            {
                "table": t.name,
                "file": path.name,
                "known_hashes": t.known_hashes,
                "labels": [
                    {"column": c.column, "categories": list(c.categories), "tag": c.tag}
                    for c in t.labels
                ],
            }
        )
    (folder / "labels.json").write_text(json.dumps(index, indent=1))


def load(rows: int = 2000, seed: int = 7, folder: Path | None = None) -> list[EvalTable]:
    """The saved set when it matches (rows, seed), else a fresh build (and save)."""
    folder = folder or DATA_DIR / f"rows{rows}_seed{seed}"
    meta = folder / "meta.json"
    if meta.exists() and json.loads(meta.read_text()) == {
        "rows": rows,
        "seed": seed,
        "version": VERSION,
    }:
        index = json.loads((folder / "labels.json").read_text())
        return [
            EvalTable(
                entry["table"],
                pl.read_parquet(folder / entry["file"]),
                [
                    EvalColumn(entry["table"], x["column"], tuple(x["categories"]), x["tag"])
                    for x in entry["labels"]
                ],
                entry["known_hashes"],
            )
            for entry in index
        ]
    tables = build(rows, seed)
    save(tables, folder)
    meta.write_text(json.dumps({"rows": rows, "seed": seed, "version": VERSION}))
    return tables


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    built = load()
    cols = sum(len(t.labels) for t in built)
    personal = sum(c.personal for t in built for c in t.labels)
    print(
        f"{len(built)} tables, {cols} columns ({personal} personal) "
        f"in {time.perf_counter() - start:.1f}s"
    )
