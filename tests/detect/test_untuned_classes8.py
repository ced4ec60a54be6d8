"""Classes a fifth round of untuned sources exposed (a Dutch population register, a genealogy,
cancer and transplant studies, released prisoners, senators), each with values written here:
national ids under their own language's names, surnames and sex codes in other languages,
register and study dates, health study data in a study's table, party names, places of a
person's life events, and a geocoding cache that is no one's address."""

from __future__ import annotations

import random

import polars as pl

from detect.frames import OPTIONS, scan
from privacymesh.detect import scan_frame

NATIONAL_ID = "user.government_id.national_identification_number"
PASSPORT = "user.government_id.passport_number"

N = 40


def _keys(result, column: str) -> frozenset[str]:
    return result.column(column).category_keys()


def _eleven_check(start: int) -> str:
    """The next 9-digit number from `start` whose weighted digit sum passes the 11-check (the
    rule of the Dutch citizen service number)."""
    n = start
    while True:
        d = [int(c) for c in f"{n:09d}"]
        if (sum(x * w for x, w in zip(d[:8], range(9, 1, -1), strict=True)) - d[8]) % 11 == 0:
            return f"{n:09d}"
        n += 1


# --- 1. national ids under their own language's names ------------------------------------------


def test_citizen_numbers_under_their_own_languages_name_are_national_ids() -> None:
    numbers = [_eleven_check(231_000_000 + i * 104_729) for i in range(N)]
    frame = pl.DataFrame(
        {
            "Burgerservicenummer ouder": numbers,
            "c07": numbers[::-1],  # no helpful name: the checksum alone, far above chance
            "Voornamen": ["Maarten", "Ilse", "Joost", "Femke"] * (N // 4),
        }
    )
    result = scan(frame)
    assert NATIONAL_ID in _keys(result, "Burgerservicenummer ouder")
    assert NATIONAL_ID in _keys(result, "c07")


def test_random_nine_digit_numbers_are_no_national_ids() -> None:
    rng = random.Random(21)
    numbers = [str(rng.randrange(100_000_000, 999_999_999)) for _ in range(N)]
    result = scan(pl.DataFrame({"c07": numbers, "order_ref": numbers[::-1]}))
    assert NATIONAL_ID not in _keys(result, "c07")
    assert NATIONAL_ID not in _keys(result, "order_ref")


def test_travel_documents_and_the_register_number_by_name() -> None:
    letters = "CFGHJKLMNPRTVWXYZ"
    documents = [
        "".join(letters[(i * k + 3) % len(letters)] for k in (1, 2, 5))
        + "".join(str((i * k + 7) % 10) for k in (3, 1, 4, 1, 5, 9))
        for i in range(N)
    ]
    register = [5_210_000_000 + i * 7_321_113 for i in range(N)]
    frame = pl.DataFrame(
        {
            "Nummer reisdocument": documents,
            "A-nummer persoon": register,
            "batch_code": documents[::-1],
            "batch_number": register[::-1],
        }
    )
    result = scan(frame)
    assert PASSPORT in _keys(result, "Nummer reisdocument")
    assert NATIONAL_ID in _keys(result, "A-nummer persoon")
    assert not {PASSPORT, NATIONAL_ID} & _keys(result, "batch_code")
    assert not {PASSPORT, NATIONAL_ID} & _keys(result, "batch_number")


# --- 2. surnames and sex in other languages ----------------------------------------------------

LAST = "user.name.last"
GENDER = "user.demographic.gender"
_SURNAMES = ["de Wit", "Verhoeven", "Brouwer", "van Leeuwen", "Dekker", "Postma", "Kuiper",
             "Hendriks", "Schouten", "van der Berg"]  # fmt: skip


def test_surnames_alone_under_other_languages_names_are_last_names() -> None:
    frame = pl.DataFrame(
        {
            "Voornamen": ["Sanne", "Bram", "Lotte", "Thijs", "Eva"] * (N // 5),
            "Geslachtsnaam": [_SURNAMES[i % 10] for i in range(N)],
            "achternaam_ouder": [_SURNAMES[(i * 3) % 10] for i in range(N)],
            "Geslachtsaanduiding": ["M", "V", "V", "M", "O"] * (N // 5),
        }
    )
    result = scan(frame)
    assert LAST in _keys(result, "Geslachtsnaam")
    assert LAST in _keys(result, "achternaam_ouder")
    assert GENDER in _keys(result, "Geslachtsaanduiding")


def test_the_same_letters_under_other_names_are_no_sex() -> None:
    frame = pl.DataFrame(
        {
            "sku": [f"SKU-{i}" for i in range(N)],
            "maat": ["M", "V", "V", "M", "O"] * (N // 5),
            "c07": ["K", "V", "O", "M", "V"] * (N // 5),
        }
    )
    result = scan(frame)
    assert GENDER not in _keys(result, "maat")
    assert GENDER not in _keys(result, "c07")


# --- 3. dates of a person's life events --------------------------------------------------------

DOB = "user.demographic.date_of_birth"
DEMOGRAPHIC = "user.demographic"
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def test_register_dates_as_text_and_numbers_under_event_names() -> None:
    frame = pl.DataFrame(
        {
            "Voornamen": ["Sanne", "Bram", "Lotte", "Thijs", "Eva"] * (N // 5),
            "Geboortedatum": [19_520_000 + (i * 7 % 12 + 1) * 100 + i % 27 + 1 for i in range(N)],
            "Datum huwelijkssluiting": [
                f"{1975 + i % 30}{(i * 5) % 12 + 1:02d}{(i * 3) % 28 + 1:02d}" for i in range(N)
            ],
            "Datum van opneming": [f"2024{(i % 9) + 1:02d}15" for i in range(N)],
        }
    )
    result = scan(frame)
    assert DOB in _keys(result, "Geboortedatum")
    assert DEMOGRAPHIC in _keys(result, "Datum huwelijkssluiting")
    assert not {DOB, DEMOGRAPHIC} & _keys(result, "Datum van opneming")


def test_genealogy_dates_with_qualifiers_and_partial_forms() -> None:
    def gedcom(i: int) -> str:
        year = 1650 + (i * 37) % 300
        month = _MONTHS[i % 12]
        forms = (f"{i % 28 + 1} {month} {year}", f"ABT {year}", f"{month} {year}",
                 f"AFT {year}", str(year))  # fmt: skip
        return "  " + forms[i % 5]  # padded, as exports pad them

    frame = pl.DataFrame(
        {
            "name": [f"Ingrid /Holm{i}/" for i in range(N)],
            "birth_date": [gedcom(i) for i in range(N)],
            "death_date": [gedcom(i + 3) for i in range(N)],
            "catalogue_year": [gedcom(i) for i in range(N)],
        }
    )
    result = scan(frame)
    assert DOB in _keys(result, "birth_date")
    assert DEMOGRAPHIC in _keys(result, "death_date")
    assert not {DOB, DEMOGRAPHIC} & _keys(result, "catalogue_year")


def test_dates_yet_to_come_are_no_deaths() -> None:
    frame = pl.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(N)],
            "death_date": [f"{2030 + i % 20}-0{i % 9 + 1}-1{i % 9}" for i in range(N)],
        }
    )
    assert DEMOGRAPHIC not in _keys(scan(frame), "death_date")


# --- 4. a study's and an offender table's terse columns ----------------------------------------

HEALTH = "user.health_and_medical"
CRIMINAL = "user.criminal_history"


def _terse_measures() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(1, N + 1)),
            "age": [38 + (i * 7) % 40 for i in range(N)],
            "size": [8 + (i * 13) % 70 for i in range(N)],
            "grade": [1 + i % 3 for i in range(N)],
            "nodes": [(i * 5) % 17 for i in range(N)],
            "survtime": [200 + (i * 97) % 2400 for i in range(N)],
            "censdead": [i % 2 for i in range(N)],
            "dxdate": [f"{(i % 27) + 1:02d}-{(i % 12) + 1:02d}-{1985 + i % 8}" for i in range(N)],
        }
    )


def test_terse_columns_of_a_disease_study_are_health() -> None:
    frame = _terse_measures()
    result = scan_frame(frame, "oncology.breast_cancer", options=OPTIONS)
    for column in ("size", "grade", "nodes", "survtime", "censdead", "dxdate"):
        assert HEALTH in _keys(result, column), column
    assert HEALTH not in _keys(result, "id")
    assert HEALTH not in _keys(result, "age")


def test_the_same_columns_elsewhere_are_no_health() -> None:
    frame = _terse_measures().drop("age")
    result = scan_frame(frame, "shop.inventory", options=OPTIONS)
    for column in ("size", "grade", "nodes", "survtime", "censdead", "dxdate"):
        assert HEALTH not in _keys(result, column), column


def test_counts_and_flags_of_released_prisoners_are_criminal_history() -> None:
    frame = pl.DataFrame(
        {
            "age": [19 + (i * 7) % 30 for i in range(N)],
            "wk": [1 + (i * 11) % 52 for i in range(N)],
            "paroled": ["yes", "no", "no", "yes"] * (N // 4),
            "priors": [(i * 3) % 9 for i in range(N)],
        }
    )
    result = scan_frame(frame, "justice.released_prisoners", options=OPTIONS)
    for column in ("wk", "paroled", "priors"):
        assert CRIMINAL in _keys(result, column), column
    assert CRIMINAL not in _keys(result, "age")
    staff = scan_frame(frame, "hr.training_sessions", options=OPTIONS)
    for column in ("wk", "paroled", "priors"):
        assert CRIMINAL not in _keys(staff, column), column


# --- 5. parties in English, places of life events, a geocoding cache ---------------------------

POLITICAL = "user.demographic.political_opinion"
PRECISE = "user.location.precise"
COUNTRY = "user.contact.address.country"
_PARTIES = ["Liberal Party", "Conservative Party", "New Democratic Party", "Independent",
            "Progressive Senate Group"]  # fmt: skip


def test_party_affiliation_beside_a_name_is_political_opinion() -> None:
    frame = pl.DataFrame(
        {
            "Name": [f"Whitcombe, Harriet {i}" for i in range(N)],
            "Political Affiliation at Appointment": [_PARTIES[i % 5] for i in range(N)],
            "Academic Affiliation": [f"University of Place {i % 4}" for i in range(N)],
        }
    )
    result = scan(frame)
    assert POLITICAL in _keys(result, "Political Affiliation at Appointment")
    assert POLITICAL not in _keys(result, "Academic Affiliation")


def test_places_of_a_persons_death_burial_and_marriage() -> None:
    places = [
        "St Mary's Church,Windsor,England",
        "Palace,Copenhagen,Denmark",
        "Cathedral,Madrid,Spain",
        "Castle,Stockholm,Sweden",
        "Abbey,Paris,France",
    ]
    frame = pl.DataFrame(
        {
            "name": [f"Astrid /Vasa{i}/" for i in range(N)],
            "death_place": [places[i % 5] for i in range(N)],
            "burial_place": [places[(i + 2) % 5] for i in range(N)],
            "marriage_place": [places[(i + 4) % 5] for i in range(N)],
        }
    )
    result = scan(frame)
    for column in ("death_place", "burial_place", "marriage_place"):
        assert DEMOGRAPHIC in _keys(result, column), column


def test_a_geocoding_cache_is_no_ones_address_or_location() -> None:
    frame = pl.DataFrame(
        {
            "address": [f"Hall {i},Lund,Sweden" for i in range(N)],
            "country_name": ["Sweden", "Norway", "Denmark", "Finland"] * (N // 4),
            "country_code": ["SE", "NO", "DK", "FI"] * (N // 4),
            "latitude": [55.7 + i * 0.137 for i in range(N)],
            "longitude": [13.1 + i * 0.211 for i in range(N)],
        }
    )
    cache = scan_frame(frame, "genealogy.places", options=OPTIONS)
    for column in ("country_name", "latitude", "longitude"):
        assert not {PRECISE, COUNTRY} & _keys(cache, column), column
    # the same coordinates where a person's id keys the rows: their places
    visits = scan_frame(frame.with_columns(user_id=pl.Series([f"u{i}" for i in range(N)])),
                        "app.places", options=OPTIONS)  # fmt: skip
    assert PRECISE in _keys(visits, "latitude")


def test_a_residence_under_the_registers_own_word_is_a_city() -> None:
    # half of them too small for a gazetteer, as a register's villages are
    towns = ["Zwolle", "Leiden", "Deventer", "Alkmaar", "Workum", "Joure", "Lemmer", "Makkum"]
    frame = pl.DataFrame(
        {
            "Voornamen": ["Sanne", "Bram", "Lotte", "Thijs", "Eva"] * (N // 5),
            "Woonplaatsnaam": [towns[(i * 3) % 8] for i in range(N)],
            "c07": [towns[(i * 5) % 8] for i in range(N)],
        }
    )
    result = scan(frame)
    assert "user.contact.address.city" in _keys(result, "Woonplaatsnaam")
    assert "user.contact.address.city" not in _keys(result, "c07")


def test_a_coded_race_and_a_couples_divorce_flag() -> None:
    people = pl.DataFrame(
        {
            "age": [21 + (i * 7) % 40 for i in range(N)],
            "race": [(i * 3) % 2 for i in range(N)],
            "lap": [(i * 5) % 2 for i in range(N)],
        }
    )
    result = scan(people)
    assert "user.demographic.race_ethnicity" in _keys(result, "race")
    assert not _keys(result, "lap")
    couples = pl.DataFrame(
        {
            "husband": [f"@I{i}@" for i in range(N)],
            "wife": [f"@I{i + 500}@" for i in range(N)],
            "divorced": ["Y" if i % 7 == 0 else None for i in range(N)],
        }
    )
    marital = "user.demographic.marital_status"
    assert marital in _keys(scan(couples), "divorced")
    stock = couples.rename({"husband": "sku", "wife": "bin"})
    assert marital not in _keys(scan(stock), "divorced")
