"""Recognizers that judge a column as a whole: names, usernames, addresses, postal codes, dates
of birth, gender, age, geolocation."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import polars as pl

from detect.frames import REFERENCE, categories, scan

NAME = "user.name"
FIRST = "user.name.first"
LAST = "user.name.last"
USERNAME = "user.account.username"
ADDRESS = "user.contact.address"
POSTAL = "user.contact.address.postal_code"
DOB = "user.demographic.date_of_birth"
GENDER = "user.demographic.gender"
AGE = "user.demographic.age_range"
PRECISE = "user.location.precise"
IMPRECISE = "user.location.imprecise"

PEOPLE = [
    "John Smith",
    "Maria Silva",
    "Hans Müller",
    "Priya Sharma",
    "Emily Johnson",
    "Carlos Pereira",
    "Anna Schmidt",
    "Rahul Gupta",
    "Sarah Brown",
    "Lucas Souza",
    "Smith, John",
    "Dr. Laura Wilson",
    "JAMES TAYLOR",
    "Ana Costa",
    "David Jones",
]


def test_full_names_in_a_column() -> None:
    assert NAME in categories(PEOPLE, "customer_name")
    assert NAME in categories(PEOPLE, "c07")  # only the values tell


def test_first_and_last_name_columns() -> None:
    firsts = [
        "John",
        "Maria",
        "Hans",
        "Priya",
        "Emily",
        "Carlos",
        "Anna",
        "Rahul",
        "Sarah",
        "Lucas",
        "Olivia",
        "Mohammed",
        "Sofia",
        "Jonas",
        "Isabella",
    ]
    lasts = [
        "Smith",
        "Silva",
        "Müller",
        "Sharma",
        "Johnson",
        "Pereira",
        "Schmidt",
        "Gupta",
        "Brown",
        "Souza",
        "Wilson",
        "Costa",
        "Jones",
        "Becker",
        "Patel",
    ]
    assert FIRST in categories(firsts, "first_name")
    assert LAST in categories(lasts, "last_name")


def test_product_names_are_not_people() -> None:
    products = [
        f"{a} {m} {t}"
        for a in ("Ergonomic", "Rustic", "Sleek")
        for m in ("Steel", "Cotton", "Granite")
        for t in ("Chair", "Lamp")
    ]
    assert NAME not in categories(products, "name")  # a decoy: the name sounds personal


def test_names_inside_free_text() -> None:
    rng = random.Random(3)
    filler = ["Order shipped on time.", "Package arrived damaged.", "Refund was processed."]
    texts = [rng.choice(filler) for _ in range(200)]
    for i in range(0, 200, 20):  # 5% of rows mention a person
        texts[i] = f"Spoke with {PEOPLE[i // 20]} about the refund."
    assert NAME in categories(texts, "ticket_body")


def test_street_names_are_not_people() -> None:
    addresses = ["12 Morgan Street", "4 West James Road", "77 Laura Mall", "5 Steven Green Lane"]
    assert NAME not in categories(addresses * 10, "notes")


def test_usernames() -> None:
    handles = [
        "jsmith84",
        "maria.silva",
        "hans_mueller",
        "priya.s",
        "emilyj_92",
        "csouza",
        "anna.schmidt",
        "rgupta7",
        "sbrown_",
        "lucas.souza99",
    ]
    assert USERNAME in categories(handles * 3, "username")
    statuses = ["active", "pending", "closed"] * 10
    assert USERNAME not in categories(statuses, "status")


def test_street_addresses_in_many_countries() -> None:
    addresses = [
        "7631 Johnson Village Suite 690",
        "Wesackstraße 26",
        "Rua Augusta, 1200",
        "221B Baker Street",
        "Flat 7\nJones Light",
        "76, Chandra Ganj",
        "al. Barska 12",
        "488 Viale Caulonia",
        "Calle Mayor, 5",
        "10 Downing St",
    ]
    assert categories(addresses * 3, "c07") & {ADDRESS, ADDRESS + ".street"}


def test_postal_codes_distinctive_and_plain() -> None:
    uk = ["SW1A 1AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH"]
    assert POSTAL in categories(uk * 5, "c07")  # a distinctive format: values alone
    zips = ["94107", "10001", "60614", "02139", "73301", "30301", "98101", "33101"]
    assert POSTAL in categories(zips * 5, "zip")  # five digits: context confirms
    assert POSTAL not in categories(zips * 5, "c07")  # ...and never alone
    assert POSTAL not in categories(zips * 5, "amount")


def test_dates_of_birth_and_event_dates() -> None:
    rng = random.Random(4)
    births = [REFERENCE - timedelta(days=rng.randint(20 * 365, 80 * 365)) for _ in range(100)]
    assert DOB in categories(births, "c07", dtype=pl.Date)  # the distribution tells
    assert DOB in categories([d.isoformat() for d in births], "dob")  # as text too
    recent = [REFERENCE - timedelta(days=rng.randint(0, 400)) for _ in range(100)]
    assert DOB not in categories(recent, "created_date", dtype=pl.Date)
    times = [datetime(1980, 1, 1) + timedelta(minutes=rng.randint(0, 10**7)) for _ in range(100)]
    assert DOB not in categories(times, "c08")  # timestamps with times of day


def test_gender_in_several_languages_and_sizes_decoy() -> None:
    assert GENDER in categories(["female", "male", "non-binary"] * 10, "c07")
    assert GENDER in categories(["weiblich", "männlich", "divers"] * 10, "geschlecht")
    assert GENDER in categories(["F", "M"] * 15, "sex")
    assert GENDER not in categories(["S", "M", "L", "XL"] * 10, "size")


def test_age_needs_context() -> None:
    ages = [str(a) for a in range(18, 78)]
    assert AGE in categories(ages, "age")
    assert AGE not in categories(ages, "quantity")


def test_latitude_longitude_columns_precise_and_coarse() -> None:
    rng = random.Random(5)
    lat = [round(51.5 + rng.uniform(-0.2, 0.2), 5) for _ in range(50)]
    lon = [round(-0.12 + rng.uniform(-0.2, 0.2), 5) for _ in range(50)]
    named = scan(pl.DataFrame({"latitude": lat, "longitude": lon}))
    assert PRECISE in named.column("latitude").category_keys()
    assert PRECISE in named.column("longitude").category_keys()
    opaque = scan(pl.DataFrame({"id": range(50), "x1": lat, "x2": lon}))  # a neighbouring pair
    assert PRECISE in opaque.column("x1").category_keys()
    coarse = scan(
        pl.DataFrame({"lat": [round(x, 2) for x in lat], "lon": [round(x, 2) for x in lon]})
    )
    assert coarse.column("lat").category_keys() == {IMPRECISE}


def test_a_lone_float_column_is_not_a_location() -> None:
    rng = random.Random(6)
    rates = [round(rng.uniform(0.5, 2.0), 5) for _ in range(50)]
    assert not categories(rates, "fx_rate")
    assert not categories(rates, "c07")


def test_coordinates_in_text() -> None:
    points = ["51.50740,-0.12780", "48.85661, 2.35222", "POINT(-73.98565 40.74844)"] * 10
    assert PRECISE in categories(points, "c07")


def test_reference_date_fixture_is_fixed() -> None:
    assert date(2026, 11, 1) == REFERENCE
