"""Places from gazetteers and national ids of every country stdnum knows: found under the names
people use, and not where the table describes things or lists places for reference."""

from __future__ import annotations

import random

import polars as pl
from stdnum.dk import cpr
from stdnum.nl import bsn
from stdnum.pl import pesel
from stdnum.se import personnummer

from detect.frames import categories, scan
from privacymesh.detect.context import describes_people, describes_things
from privacymesh.detect.recognizers.national_ids import id_modules, id_words

CITY = "user.contact.address.city"
STATE = "user.contact.address.state"
COUNTRY = "user.contact.address.country"
NATIONAL_ID = "user.government_id.national_identification_number"


def _people(**columns: list) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    names = ["Ana Souza", "John Smith", "Maria Rossi", "Li Wei", "Hans Müller", "Emma Brown"]
    return pl.DataFrame({"first_name": [names[i % len(names)] for i in range(n)], **columns})


def test_city_region_country_and_time_zone_of_a_person() -> None:
    cities = ["São José dos Campos", "Stuttgart", "Montréal", "Oslo", "Calgary", "Lyon"] * 5
    states = ["SP", "QC", "AB", "NSW", "CA", "BY"] * 5
    countries = ["Brazil", "Germany", "Canada", "Norway", "France", "USA"] * 5
    zones = ["Europe/Berlin", "America/Sao_Paulo", "Asia/Tokyo", "Europe/Oslo"] * 7 + ["UTC"] * 2
    scanned = scan(_people(city=cities, state=states, country=countries, tz=zones))
    assert set(scanned.column("city").category_keys()) == {CITY}
    assert set(scanned.column("state").category_keys()) == {STATE}
    assert set(scanned.column("country").category_keys()) == {COUNTRY}
    assert set(scanned.column("tz").category_keys()) == {"user.location.imprecise"}


def test_a_misspelt_minority_does_not_hide_a_city_column() -> None:
    suburbs = ["carlingford", "surrey hills", "prairei", "bondi", "glebe", "chatswood"] * 5
    scanned = scan(_people(suburb=suburbs))
    assert set(scanned.column("suburb").category_keys()) == {CITY}


def test_place_names_alone_under_a_meaningless_name_are_not_enough() -> None:
    cities = ["Stuttgart", "Oslo", "Calgary", "Lyon", "Porto", "Dublin"] * 5
    assert categories(cities, "c07") == set()


def test_places_of_organizations_and_reference_lists_are_not_a_persons() -> None:
    cities = ["Boston", "Washington", "Berkeley", "Chicago", "Dallas", "Paris"] * 5
    firms = pl.DataFrame(
        {"company_name": [f"Firm {i}" for i in range(30)], "city": cities, "country": ["USA"] * 30}
    )
    scanned = scan(firms)
    assert scanned.column("city").category_keys() == frozenset()
    assert scanned.column("country").category_keys() == frozenset()
    towns = [
        "Birgunj",
        "Ziguinchor",
        "Dhule",
        "Oslo",
        "Lyon",
        "Calgary",
        "Porto",
        "Dublin",
        "Madrid",
        "Quito",
        "Lima",
        "Bogota",
        "Austin",
        "Denver",
        "Boston",
        "Seattle",
        "Houston",
        "Phoenix",
        "Miami",
        "Atlanta",
        "Tampa",
        "Omaha",
        "Tulsa",
        "Fresno",
        "Mesa",
        "Oakland",
        "Tucson",
        "Toledo",
        "Reno",
        "Boise",
        "Leeds",
        "Bristol",
        "Cardiff",
        "Bergen",
        "Turin",
        "Genoa",
        "Bari",
        "Nice",
        "Lille",
        "Nantes",
    ]
    reference = pl.DataFrame({"city_id": list(range(len(towns))), "city": towns})
    assert scan(reference).column("city").category_keys() == frozenset()


def test_table_kind_from_column_names() -> None:
    assert describes_things(["stor_id", "StoreName", "city"])
    assert describes_things(["CompanyName", "Address", "City"])
    assert not describes_things(["CompanyName", "FirstName", "City"])
    assert describes_people(["au_fname", "city"]) and not describes_people(["city", "zip"])


def _valid_numbers(module, width: int, n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        v = "".join(rng.choice("0123456789") for _ in range(width))
        if module.is_valid(v):
            out.append(v)
    return out


def test_every_country_format_of_stdnum_that_names_a_person_is_used() -> None:
    names = {m.__name__ for m, _ in id_modules()}
    assert len(names) >= 60
    assert {"stdnum.pl.pesel", "stdnum.nl.bsn", "stdnum.se.personnummer"} <= names
    # company and VAT numbers identify no person
    assert not names & {"stdnum.fr.siren", "stdnum.de.vat", "stdnum.br.cnpj", "stdnum.au.abn"}
    assert {"pesel", "bsn", "cpr"} <= id_words()


def test_national_ids_of_one_country_under_a_national_id_name() -> None:
    values = _valid_numbers(pesel, 11, 30)
    assert categories(values, "national_id") == {NATIONAL_ID}
    assert categories(values, "pesel") == {NATIONAL_ID}


def test_a_column_mixing_several_countries_ids_is_one_family() -> None:
    mixed = (
        _valid_numbers(pesel, 11, 10)
        + _valid_numbers(bsn, 9, 10)
        + [cpr.format(v) for v in _valid_numbers(cpr, 10, 10)]
    )
    assert personnummer.is_valid("811228-9874")
    assert categories(mixed, "national_id") == {NATIONAL_ID}


def test_random_numbers_and_sequences_are_no_national_ids() -> None:
    rng = random.Random(5)
    randoms = [str(rng.randrange(10**10, 10**11)) for _ in range(40)]
    assert NATIONAL_ID not in categories(randoms, "ref_code")
    seq = [str(1_000_000 + i) for i in range(40)]
    assert NATIONAL_ID not in categories(seq, "record_id")
    epoch = [1_117_239_898 + 3_600 * i for i in range(40)]
    assert NATIONAL_ID not in categories(epoch, "created", dtype=pl.Int64)


def test_coordinates_and_places_of_a_reference_table_of_places() -> None:
    assert describes_things(["zip_code", "latitude", "longitude", "city", "state", "county"])
    assert not describes_things(["user_id", "latitude", "longitude"])
    rng = random.Random(8)
    n = 40
    table = pl.DataFrame(
        {
            "zip_code": [f"{rng.randrange(1000, 99999):05d}" for _ in range(n)],
            "latitude": [rng.uniform(25, 48) for _ in range(n)],
            "longitude": [rng.uniform(-120, -70) for _ in range(n)],
            "city": ["Amherst", "Boston", "Austin", "Denver", "Tampa"] * 8,
        }
    )
    scanned = scan(table)
    for column in table.columns:
        assert scanned.column(column).category_keys() == frozenset(), column
    people = table.with_columns(pl.Series("user_id", [f"u{i:05d}" for i in range(n)]))
    assert "user.location.precise" in scan(people).column("latitude").category_keys()


def test_a_persons_events_at_a_store_are_not_a_table_of_things() -> None:
    assert not describes_things(["visit_id", "user_id", "store_id", "latitude", "longitude"])
    assert describes_things(["store_id", "store_name", "latitude", "longitude"])


def test_amounts_are_not_national_ids() -> None:
    """Money and measurements with decimals (a cost of 1671.74) are never read as ids, whatever
    country's check digits their digits happen to pass."""
    # amounts whose digits pass some country's id check (found with stdnum), repeated
    amounts = ["1037.67", "1111.44", "1148.81", "1814.68", "1925.82", "2702.83", "1671.74"]
    df = pl.DataFrame({"value": amounts * 20})
    found = {h.category for h in scan(df).column("value").categories}
    assert "user.government_id.national_identification_number" not in found
