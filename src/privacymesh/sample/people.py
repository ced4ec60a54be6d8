"""The subject pool: every fictional person the mesh knows about, with all their identifiers.

Faker (seeded per locale) supplies vocabularies only: first names per gender, surnames and street
names for each of the five locales. People are then assembled from those vocabularies with numpy
index arrays, so building 200,000 people costs the same few Faker calls as building 1,000. Every
product row later points at a person by pool index (`uid`), never by a Python loop over rows.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
import polars as pl
from faker import Faker

from privacymesh.sample import identifiers as ids
from privacymesh.sample.locales import MARKETS, Market
from privacymesh.sample.rng import faker_seed, stream
from privacymesh.sample.timeline import AS_OF_US, US_PER_DAY, dates, ts, uniform_seconds
from privacymesh.subjects import email_hash

POOL_PER_SCALE = 20_000
GB_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))

# (os, phone_model, user_agent): phone_model is a decoy: it sounds personal but names a product
DEVICES: tuple[tuple[str, str, str], ...] = (
    (
        "iOS 17.6",
        "iPhone 15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    ),
    (
        "iOS 18.1",
        "iPhone 16 Pro",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    ),
    (
        "iOS 16.7",
        "iPhone 13",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
    ),
    (
        "Android 14",
        "Pixel 8",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Android 15",
        "Pixel 9",
        "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Android 14",
        "Galaxy S24",
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Android 13",
        "Galaxy A54",
        "Mozilla/5.0 (Linux; Android 13; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/127.0.0.0 Mobile Safari/537.36",
    ),
    (
        "Android 14",
        "Redmi Note 13",
        "Mozilla/5.0 (Linux; Android 14; 23129RAA4G) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/129.0.0.0 Mobile Safari/537.36",
    ),
    (
        "macOS 14.6",
        "MacBook Air",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    ),
    (
        "Windows 11",
        "Surface Laptop 5",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    ),
)
DEVICE_WEIGHTS = np.array([0.14, 0.10, 0.06, 0.10, 0.06, 0.12, 0.10, 0.10, 0.12, 0.10])
SEGMENTS = np.array(["new", "loyal", "high_value", "at_risk", "dormant"])


@dataclass(frozen=True)
class Pool:
    """The subject pool and helpers to fan it out to product rows."""

    people: pl.DataFrame  # one row per subject, `uid` = row position
    activity: np.ndarray  # relative activity weight per subject (heavy users exist)
    created_us: np.ndarray  # account creation per subject, microseconds

    @property
    def size(self) -> int:
        return self.people.height

    def rows(self, uids: np.ndarray, *columns: str) -> pl.DataFrame:
        """Columns of the given subjects, one output row per entry of `uids` (repeats allowed)."""
        return self.people.select(columns)[np.asarray(uids, dtype=np.int64)]

    def sample(
        self,
        rng: np.random.Generator,
        n: int,
        *,
        created_before_us: int | None = None,
        eligible: np.ndarray | None = None,
        weighted: bool = True,
    ) -> np.ndarray:
        """`n` subject indices drawn with replacement, weighted by activity, among subjects
        created before `created_before_us` (and `eligible`, a boolean mask, if given)."""
        weight = self.activity.copy() if weighted else np.ones(self.size)
        if created_before_us is not None:
            weight[self.created_us >= created_before_us] = 0.0
        if eligible is not None:
            weight[~eligible] = 0.0
        return rng.choice(self.size, size=n, p=weight / weight.sum())


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters only: 'Ana Luiza' -> 'analuiza', 'Jürgen' -> 'jurgen'."""
    text = text.replace("ß", "ss")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalpha())


def _vocab(fake: Faker, fn: str, draws: int) -> np.ndarray:
    seen: dict[str, None] = {}
    for _ in range(draws):
        value = getattr(fake, fn)()
        if ascii_slug(value):
            seen.setdefault(value, None)
    return np.array(list(seen))


def _postal_codes(rng: np.random.Generator, market: Market, prefixes: np.ndarray) -> np.ndarray:
    n = len(prefixes)
    d = ids.random_digits(rng, n, 6)
    c = market.country
    if c == "US":
        return ids.join_str(prefixes, ids.digits_to_str(d[:, :2]))
    if c == "GB":
        letters = rng.choice(GB_INWARD_LETTERS, size=(n, 2))
        return ids.join_str(prefixes, " ", d[:, 0].astype(str), letters[:, 0], letters[:, 1])
    if c == "DE":
        return ids.join_str(prefixes, ids.digits_to_str(d[:, :3]))
    if c == "BR":
        return ids.join_str(
            prefixes, ids.digits_to_str(d[:, :3]), "-", ids.digits_to_str(d[:, 3:6])
        )
    return ids.join_str(prefixes, "0", ids.digits_to_str(d[:, :2]))  # IN PIN code


def market_people(
    seed: int, market: Market, n: int, namespace: str = "people"
) -> dict[str, np.ndarray]:
    """Names, address, phone and national id for `n` people of one market."""
    rng = stream(seed, f"{namespace}.{market.locale}")
    fake = Faker(market.locale)
    fake.seed_instance(faker_seed(seed, f"{namespace}.{market.locale}"))
    female = _vocab(fake, "first_name_female", 600)
    male = _vocab(fake, "first_name_male", 600)
    last = _vocab(fake, "last_name", 1200)
    streets = _vocab(fake, "street_name", 600)

    gender = rng.choice(np.array(["female", "male", "other"]), size=n, p=[0.49, 0.49, 0.02])
    both = np.concatenate([female, male])
    first = np.where(
        gender == "female",
        female[rng.integers(0, len(female), n)],
        np.where(
            gender == "male",
            male[rng.integers(0, len(male), n)],
            both[rng.integers(0, len(both), n)],
        ),
    )
    surname = last[rng.integers(0, len(last), n)]

    # cities weighted towards the largest, postal prefix drawn within the city
    city_w = 1.0 / np.arange(1, len(market.cities) + 1) ** 0.7
    city_idx = rng.choice(len(market.cities), size=n, p=city_w / city_w.sum())
    city = np.array([c.name for c in market.cities])[city_idx]
    pick = rng.random(n)
    prefix = np.array(
        [
            market.cities[ci].postal_prefixes[int(p * len(market.cities[ci].postal_prefixes))]
            for ci, p in zip(city_idx, pick, strict=True)
        ]
    )
    postal = _postal_codes(rng, market, prefix)
    lat0 = np.array([c.lat for c in market.cities])[city_idx]
    lon0 = np.array([c.lon for c in market.cities])[city_idx]
    home_lat = np.round(lat0 + rng.normal(0, 0.035, n), 5)
    home_lon = np.round(lon0 + rng.normal(0, 0.05, n), 5)

    number = rng.integers(1, 240, n).astype(str)
    street = streets[rng.integers(0, len(streets), n)]
    if market.country in ("US", "GB"):
        address = ids.join_str(number, " ", street)
    elif market.country == "DE":
        address = ids.join_str(street, " ", number)
    elif market.country == "BR":
        address = ids.join_str(street, ", ", number)
    else:
        address = ids.join_str(number, ", ", street)

    if market.country == "US":
        national, id_type = ids.us_ssn(rng, n), np.full(n, "US_SSN")
    elif market.country == "GB":
        national, id_type = ids.gb_nino(rng, n), np.full(n, "GB_NINO")
    elif market.country == "DE":
        national, id_type = ids.de_idnr(rng, n), np.full(n, "DE_IDNR")
    elif market.country == "BR":
        national, id_type = ids.br_cpf(rng, n), np.full(n, "BR_CPF")
    else:
        use_pan = rng.random(n) < 0.3
        initials = np.array([ascii_slug(s)[:1].upper() or "X" for s in surname])
        national = np.where(use_pan, ids.in_pan(rng, initials), ids.in_aadhaar(rng, n))
        id_type = np.where(use_pan, "IN_PAN", "IN_AADHAAR")

    slug_first = np.array([ascii_slug(x) for x in first])
    slug_last = np.array([ascii_slug(x) for x in surname])
    return {
        "first_name": first,
        "last_name": surname,
        "gender": gender,
        "city": city,
        "postal_code": postal,
        "street_address": address,
        "home_lat": home_lat,
        "home_lon": home_lon,
        "phone": ids.mobile_numbers(rng, market, n),
        "national_id": national,
        "national_id_type": id_type,
        "slug_first": slug_first,
        "slug_last": slug_last,
        "email_domain": rng.choice(
            np.array(market.email_domains), size=n, p=_domain_weights(len(market.email_domains))
        ),
    }


def _domain_weights(k: int) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1)
    return w / w.sum()


def pool_size(scale: float) -> int:
    return max(200, round(POOL_PER_SCALE * scale))


def build_pool(seed: int, scale: float) -> Pool:
    """Build the subject pool for a seed and scale."""
    n = pool_size(scale)
    rng = stream(seed, "people")
    shares = np.array([m.share for m in MARKETS])
    market_idx = rng.choice(len(MARKETS), size=n, p=shares / shares.sum())

    columns: dict[str, np.ndarray] = {}
    for mi, market in enumerate(MARKETS):
        rows = np.flatnonzero(market_idx == mi)
        part = market_people(seed, market, len(rows))
        for key, values in part.items():
            if key not in columns:
                dtype = values.dtype if values.dtype.kind == "f" else object
                columns[key] = np.empty(n, dtype=dtype)
            columns[key][rows] = values

    uid = np.arange(n)
    width = max(6, len(str(n)))
    user_id = np.char.add("u_", np.char.zfill(np.char.mod("%d", uid + 1), width))
    locale = np.array([m.locale for m in MARKETS])[market_idx]
    country = np.array([m.country for m in MARKETS])[market_idx]
    currency = np.array([m.currency for m in MARKETS])[market_idx]
    regulation = np.array([m.regulation for m in MARKETS])[market_idx]

    # account creation: 2019 .. two weeks before as_of, skewed towards recent years
    age_days = 14 + (2600 - 14) * rng.beta(1.1, 2.2, n)
    created_us = uniform_seconds(
        rng,
        AS_OF_US - (age_days * US_PER_DAY).astype(np.int64),
        AS_OF_US - (age_days * US_PER_DAY).astype(np.int64) + US_PER_DAY,
    )
    dob_days = (AS_OF_US // US_PER_DAY) - (rng.uniform(18.1, 85.0, n) * 365.25).astype(np.int64)
    device_idx = rng.choice(len(DEVICES), size=n, p=DEVICE_WEIGHTS / DEVICE_WEIGHTS.sum())
    card, brand = ids.card_numbers(rng, n)
    activity = rng.lognormal(0.0, 1.0, n)

    people = pl.DataFrame(
        {
            "uid": uid.astype(np.int64),
            "user_id": user_id.astype(str),
            "customer_ref": ids.customer_refs(rng, n),
            "locale": locale,
            "country": country,
            "currency": currency,
            "regulation": regulation,
            "first_name": columns["first_name"].astype(str),
            "last_name": columns["last_name"].astype(str),
            "gender": columns["gender"].astype(str),
            "city": columns["city"].astype(str),
            "postal_code": columns["postal_code"].astype(str),
            "street_address": columns["street_address"].astype(str),
            "home_lat": columns["home_lat"],
            "home_lon": columns["home_lon"],
            "phone": columns["phone"].astype(str),
            "national_id": columns["national_id"].astype(str),
            "national_id_type": columns["national_id_type"].astype(str),
            "slug_first": columns["slug_first"].astype(str),
            "slug_last": columns["slug_last"].astype(str),
            "email_domain": columns["email_domain"].astype(str),
            "email_pattern": rng.integers(0, 5, n),
            "email_number": np.where(rng.random(n) < 0.35, rng.integers(1, 100, n), -1),
            "device_id": ids.uuid4s(rng, n),
            "advertising_id": ids.uuid4s(rng, n, upper=True),
            "ip_address": ids.ipv4s(rng, n),
            "device_idx": device_idx,
            "card_number": card,
            "card_brand": brand,
            "iban": pl.Series(list(ids.ibans(rng, country)), dtype=pl.String),
            "segment": rng.choice(SEGMENTS, size=n, p=[0.2, 0.3, 0.15, 0.2, 0.15]),
        }
    ).with_columns(
        ts(created_us, "created_at"),
        dates(dob_days, "date_of_birth"),
        (pl.col("first_name") + " " + pl.col("last_name")).alias("full_name"),
        pl.Series("os", np.array([d[0] for d in DEVICES])[device_idx]),
        pl.Series("phone_model", np.array([d[1] for d in DEVICES])[device_idx]),
        pl.Series("user_agent", np.array([d[2] for d in DEVICES])[device_idx]),
    )
    people = _with_emails(people)
    digests = [email_hash(e) for e in people["email"]]
    people = people.with_columns(pl.Series("email_hash", digests)).drop(
        "email_pattern", "email_number", "slug_first", "slug_last", "email_domain"
    )
    return Pool(people=people, activity=activity, created_us=created_us)


def _with_emails(people: pl.DataFrame) -> pl.DataFrame:
    """Lower-case, unique, realistic addresses built from the person's name."""
    first, last = pl.col("slug_first"), pl.col("slug_last")
    local = (
        pl.when(pl.col("email_pattern") == 0)
        .then(pl.concat_str(first, pl.lit("."), last))
        .when(pl.col("email_pattern") == 1)
        .then(pl.concat_str(first, last))
        .when(pl.col("email_pattern") == 2)
        .then(pl.concat_str(first.str.slice(0, 1), last))
        .when(pl.col("email_pattern") == 3)
        .then(pl.concat_str(first, pl.lit("_"), last))
        .otherwise(pl.concat_str(last, pl.lit("."), first))
    )
    number = (
        pl.when(pl.col("email_number") >= 0)
        .then(pl.col("email_number").cast(pl.String))
        .otherwise(pl.lit(""))
    )
    people = people.with_columns(pl.concat_str(local, number).alias("_local"))
    candidate = pl.concat_str(pl.col("_local"), pl.lit("@"), pl.col("email_domain"))
    people = people.with_columns(candidate.alias("email"))
    # a repeated address gets the person's pool number (`.<n>` never arises from a pattern)
    people = people.with_columns(
        pl.when(pl.col("email").is_first_distinct())
        .then(pl.col("email"))
        .otherwise(
            pl.concat_str(
                pl.col("_local"),
                pl.lit("."),
                (pl.col("uid") + 1).cast(pl.String),
                pl.lit("@"),
                pl.col("email_domain"),
            )
        )
        .alias("email")
    )
    return people.drop("_local")
