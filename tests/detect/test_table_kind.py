"""Whether a table describes people or things: addresses and coordinates in a table of places or
organisations locate those, unless the table also ties its rows to a person. Tables are written
to Parquet and read back, as a product's file would be."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from detect.frames import OPTIONS
from privacymesh.detect import ColumnContext, TableScan, scan_frame
from privacymesh.detect.context import table_words, things_reason

STREETS = [
    "12 Baker Street", "48 Elm Avenue", "7 Harbour Road", "301 Pine Street", "95 Mill Lane",
    "18 Henry Street", "24 Pearl Street", "72 Francis Street", "110 Baxter Street",
    "5 Station Road",
]  # fmt: skip
CITIES = [
    "Boston", "Chicago", "Denver", "Seattle", "Houston", "Phoenix", "Dallas", "Atlanta",
    "Portland", "Austin",
]  # fmt: skip
STATES = ["MA", "IL", "CO", "WA", "TX", "AZ", "TX", "GA", "OR", "TX"]
ZIPS = ["02110", "60601", "80202", "98101", "77002", "85004", "75201", "30303", "97204", "78701"]
LATS = [42.3601, 41.8781, 39.7392, 47.6062, 29.7604, 33.4484, 32.7767, 33.749, 45.5152, 30.2672]
LONS = [-71.0589, -87.6298, -104.9903, -122.3321, -95.3698, -112.074, -96.797, -84.388,
        -122.6784, -97.7431]  # fmt: skip
FIRST = ["John", "Maria", "Emily", "David", "Sarah", "James", "Laura", "Daniel", "Anna", "Paul"]
LAST = ["Smith", "Garcia", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore", "Clark",
        "Hall"]  # fmt: skip

ADDRESS_KEYS = ("user.contact.address", "user.location")


def _located(columns: dict[str, list], name: str, tmp_path: Path) -> pl.DataFrame:
    """Ten rows repeated five times (so the columns are not reference lists), via Parquet."""
    path = tmp_path / f"{name}.parquet"
    pl.DataFrame({k: v * 5 for k, v in columns.items()}).write_parquet(path)
    return pl.read_parquet(path)


def _place_columns() -> dict[str, list]:
    return {
        "street_address": STREETS,
        "city": CITIES,
        "state": STATES,
        "postal_code": ZIPS,
        "latitude": LATS,
        "longitude": LONS,
    }


def _scan(frame: pl.DataFrame, table: str, **kwargs) -> TableScan:
    return scan_frame(frame, table, options=OPTIONS, **kwargs)


def _flagged(result: TableScan, column: str) -> set[str]:
    return {k for k in result.column(column).category_keys() if k.startswith(ADDRESS_KEYS)}


def test_a_customers_table_keeps_its_addresses_and_coordinates(tmp_path: Path) -> None:
    frame = _located(
        {"customer_id": list(range(10)), "first_name": FIRST, "last_name": LAST} | _place_columns(),
        "customers",
        tmp_path,
    )
    result = _scan(frame, "crm.customers")
    for column in ("street_address", "city", "postal_code", "latitude", "longitude"):
        assert _flagged(result, column), column
    assert result.column("latitude").set_aside == ()


def test_an_offices_table_is_not_a_persons_address(tmp_path: Path) -> None:
    frame = _located({"office_id": list(range(10))} | _place_columns(), "offices", tmp_path)
    result = _scan(frame, "corp.offices")
    assert result.personal_columns == ()
    # the verdict says what was set aside and why
    aside = result.column("latitude").set_aside
    assert aside == ("user.location.precise: table: offices",)
    assert result.column("street_address").to_dict()["set_aside"][0].endswith("table: offices")


def test_a_theaters_table_named_only_by_its_table(tmp_path: Path) -> None:
    # no column says "store" or "company": only the table's name tells what the rows are
    frame = _located({"theater_code": list(range(10))} | _place_columns(), "theaters", tmp_path)
    assert _scan(frame, "cinema/mflix_theaters").personal_columns == ()
    # the same columns under a neutral table name are taken as someone's
    assert _flagged(_scan(frame, "sales.records"), "latitude")


def test_a_person_column_makes_a_places_table_about_people(tmp_path: Path) -> None:
    frame = _located(
        {"first_name": FIRST, "last_name": LAST} | _place_columns(), "locations", tmp_path
    )
    result = _scan(frame, "hr.locations")
    assert _flagged(result, "street_address") and _flagged(result, "latitude")


def test_the_contract_ties_a_places_table_to_people(tmp_path: Path) -> None:
    frame = _located(
        {"site_id": list(range(10)), "holder_ref": list(range(10))} | _place_columns(),
        "sites",
        tmp_path,
    )
    assert _scan(frame, "field.sites").personal_columns == ()
    # a declared subject key among the columns: every row is someone's
    keyed = {"holder_ref": ColumnContext(subject_key="holder_ref")}
    assert _flagged(_scan(frame, "field.sites", context=keyed), "latitude")
    # a declared data subject the table is named for
    frame = _located({"n": list(range(10))} | _place_columns(), "venues", tmp_path)
    subjects = {"n": ColumnContext(data_subjects=("venue",))}
    assert _flagged(_scan(frame, "events.venues", context=subjects), "city")


def test_a_locations_table_needs_its_own_key_to_be_one_of_places(tmp_path: Path) -> None:
    # `locations` also names where someone was: rows keyed by `location_id` are places, a log
    # of positions without it is someone's
    positions = {"visit_no": list(range(10)), "latitude": LATS, "longitude": LONS}
    frame = _located(positions, "locations", tmp_path)
    assert _flagged(_scan(frame, "app.locations"), "latitude")
    keyed = _located({"location_id": list(range(10))} | _place_columns(), "locs", tmp_path)
    assert _scan(keyed, "hr.locations").personal_columns == ()
    # a table of visits names a place but records what someone did there
    visits = _located({"visit_no": list(range(10))} | _place_columns(), "visits", tmp_path)
    assert _flagged(_scan(visits, "retail.venue_visits"), "latitude")


def test_table_words_read_the_tables_own_name() -> None:
    assert "location" in table_words("oracle/hr_locations")
    assert "store" in table_words("retail.stores")
    # a domain named for stores does not make its customers table one of stores
    assert "store" not in table_words("stores.customers")
    assert things_reason(["city", "latitude"], "stores.customers") == ""
    assert things_reason(["city", "latitude"], "geo.warehouses") == "table: warehouses"
    assert things_reason(["city", "latitude"], "geo.locations") == ""
    assert things_reason(["location_id", "city"], "geo.locations") == "table: locations"
    assert things_reason(["city", "email"], "geo.warehouses") == ""
