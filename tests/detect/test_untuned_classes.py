"""Classes the untuned sources exposed: birth dates told from other dates, ages as fractions,
special categories (political opinion, religion, ethnicity), a job title every row shares, and
listings whose addresses are the property's unless the table is keyed by its owner."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from detect.frames import OPTIONS, categories, scan
from privacymesh.detect import scan_frame

DOB = "user.demographic.date_of_birth"
AGE = "user.demographic.age_range"
POLITICAL = "user.demographic.political_opinion"
RELIGION = "user.demographic.religious_belief"
ETHNICITY = "user.demographic.race_ethnicity"
JOB = "user.job_title"


def _spread_dates(n: int, first: date, days: int, step: int = 7919) -> list[date]:
    """`n` dates spread over `days` days from `first`, in a scrambled but fixed order."""
    return [first + timedelta(days=(i * step) % days) for i in range(n)]


def _term_dates(n: int) -> list[date]:
    """Dates clustered on a few days, as terms, hires or sessions start: one day in January
    of every other year, over 60 years."""
    return [date(1947 + 2 * (i % 30), 1, 3 + i % 3) for i in range(n)]


# --- 1. birth dates versus other dates ---------------------------------------------------


def test_people_born_long_ago_under_a_birth_name_are_birth_dates() -> None:
    # historical records (born 1850-1930): outside a living person's window, but named for birth
    born = _spread_dates(200, date(1850, 1, 1), 80 * 365)
    for name in ("birthday", "dob", "born", "date_of_birth"):
        assert DOB in categories(born, name), name
    # the same dates under a neutral name are not judged from values alone: too old to be alive
    assert DOB not in categories(born, "d1")


@pytest.mark.parametrize(
    "fmt", ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%d %b %Y"]
)
def test_a_birth_name_reads_every_supported_format(fmt: str) -> None:
    born = [d.strftime(fmt) for d in _spread_dates(120, date(1950, 1, 1), 50 * 365)]
    assert DOB in categories(born, "birthday")


def test_a_birth_name_reads_mixed_formats_and_childrens_birthdays() -> None:
    born = _spread_dates(120, date(2012, 1, 1), 10 * 365)  # children: median age 9
    mixed = [d.strftime(("%Y-%m-%d", "%d %B %Y", "%m/%d/%Y")[i % 3]) for i, d in enumerate(born)]
    assert DOB in categories(mixed, "dob")
    # future dates are no birthdays, whatever the name
    assert DOB not in categories(_spread_dates(120, date(2027, 1, 1), 3 * 365), "dob")


def test_event_dates_are_not_birth_dates_even_when_they_look_like_them() -> None:
    # spread like a population's birth dates, but named for events
    spread = _spread_dates(300, date(1950, 1, 1), 50 * 365)
    assert DOB in categories(spread, "d1")  # the distribution alone reads as birth dates
    for name in ("termstart", "hire_date", "createdAt", "term_end", "due", "signup_date"):
        assert DOB not in categories(spread, name), name


def test_dates_clustered_on_a_few_days_are_not_birth_dates() -> None:
    terms = _term_dates(300)  # ages 13 to 80 and a plausible median, but 90 distinct days
    assert DOB not in categories(terms, "d1")
    # under a birth name the values are trusted: a cohort may share birthdays
    assert DOB in categories(terms, "birthdate")


def test_a_birth_date_beside_a_term_start_in_one_table() -> None:
    frame = pl.DataFrame(
        {
            "firstname": ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay"] * 50,
            "birthday": [d.isoformat() for d in _spread_dates(300, date(1900, 1, 1), 60 * 365)],
            "termstart": [d.isoformat() for d in _term_dates(300)],
        }
    )
    result = scan(frame)
    assert DOB in result.column("birthday").category_keys()
    assert result.column("termstart").category_keys() == frozenset()


def test_a_neighbor_speaking_of_birth_vouches_for_a_neutral_date() -> None:
    kids = [d.isoformat() for d in _spread_dates(200, date(2014, 1, 1), 8 * 365)]  # median 8
    places = ["Boston", "Leeds", "Lyon", "Porto"] * 50
    alone = scan(pl.DataFrame({"d1": kids, "notes": places}))
    assert DOB not in alone.column("d1").category_keys()  # children: no adult population
    beside = scan(pl.DataFrame({"d1": kids, "birthplace": places}))
    assert DOB in beside.column("d1").category_keys()
    # but not dates that cluster on a few days, whatever stands beside them
    terms = [d.isoformat() for d in _term_dates(200)]
    clustered = scan(pl.DataFrame({"d1": terms, "birthplace": places}))
    assert DOB not in clustered.column("d1").category_keys()


# --- 2. age as a number --------------------------------------------------------------------


def test_fractional_ages_under_an_age_name() -> None:
    ages = [round(25 + (i * 37 % 500) / 10, 1) for i in range(200)]  # 25.0 .. 74.9
    for name in ("age", "age_years", "ageyrs", "AgeInYears"):
        assert AGE in categories(ages, name), name
    # whole ages as integers, too
    assert AGE in categories([int(a) for a in ages], "age")


def test_fractions_in_the_age_range_without_an_age_name_are_not_ages() -> None:
    ratios = [round(25 + (i * 37 % 500) / 10, 1) for i in range(200)]
    for name in ("temperature", "avg_age", "score", "x3"):
        assert AGE not in categories(ratios, name), name
    # out of range: not ages even when named
    assert AGE not in categories([150.5 + i for i in range(50)], "age")


# --- 3. special categories ------------------------------------------------------------------


def test_party_codes_need_a_party_name() -> None:
    codes = ["D", "R", "D", "R", "I", "D", "R", "R"] * 20
    assert POLITICAL in categories(codes, "party")
    assert POLITICAL in categories(codes, "party_affiliation")
    # the same letters under another name are grades or flags
    assert POLITICAL not in categories(codes, "grade")
    assert POLITICAL not in categories(codes, "c07")


def test_written_out_parties_need_a_name_or_a_table_of_people() -> None:
    parties = ["Democrat", "Republican", "Independent", "Libertarian"] * 25
    frame = pl.DataFrame({"first_name": ["Ann", "Bob", "Cid", "Dee"] * 25, "leaning": parties})
    assert POLITICAL in scan(frame).column("leaning").category_keys()
    # the vocabulary alone, in a column named for nothing, stays below reporting
    assert POLITICAL not in categories(parties, "c07")
    # other words in the column: not a vocabulary of parties
    mixed = ["Democrat", "Republican", "banana", "table"] * 25
    assert POLITICAL not in categories(mixed, "party")


def test_religion_and_ethnicity_by_name_and_vocabulary() -> None:
    faiths = ["Catholic", "Muslim", "Jewish", "Hindu", "None", "Protestant"] * 20
    assert RELIGION in categories(faiths, "religion")
    origins = ["White", "Black or African American", "Asian", "Hispanic or Latino"] * 25
    assert ETHNICITY in categories(origins, "ethnicity")
    assert ETHNICITY in categories(origins, "race")
    # colours of a product are not origins
    colors = ["White", "Black", "White", "Black"] * 25
    assert ETHNICITY not in categories(colors, "colour")
    assert ETHNICITY not in categories(origins, "c07")


# --- 4. job titles --------------------------------------------------------------------------


def test_one_title_shared_by_a_team_is_each_persons_job() -> None:
    frame = pl.DataFrame(
        {
            "Name": ["Caroline Kingsley", "Michael Jones", "Jonathan Bradley", "Jennifer Wu"],
            "Title__c": ["Senior Broker"] * 4,
            "Email__c": ["a@x.example", "b@x.example", "c@x.example", "d@x.example"],
        }
    )
    assert JOB in scan(frame).column("Title__c").category_keys()
    # beside only a `name` column, too
    named = frame.select("Name", "Title__c")
    assert JOB in scan(named).column("Title__c").category_keys()
    # a single title in a table of things is a label
    things = pl.DataFrame({"product": ["Widget"] * 4, "title": ["Senior Broker"] * 4})
    assert JOB not in scan(things).column("title").category_keys()


# --- 5. listings and properties -------------------------------------------------------------

STREETS = ["18 Henry St", "24 Pearl St", "72 Francis St", "32 Prince St", "110 Baxter St"]
CITIES = ["Cambridge", "Boston", "Cambridge", "Boston", "Brookline"]
ZIPS = ["02139", "02110", "02138", "02111", "02445"]
LATS = [42.3601, 42.3555, 42.3736, 42.3521, 42.3318]
LONS = [-71.1052, -71.0565, -71.1097, -71.0612, -71.1212]


def _listing(extra: dict[str, list], tmp_path: Path) -> pl.DataFrame:
    columns = {
        "Address__c": STREETS,
        "City__c": CITIES,
        "Zip__c": ZIPS,
        "Location__Latitude__s": LATS,
        "Location__Longitude__s": LONS,
        "Price__c": [925000, 640000, 1200000, 775000, 510000],
    } | extra
    path = tmp_path / "properties.parquet"
    pl.DataFrame({k: v * 4 for k, v in columns.items()}).write_parquet(path)
    return pl.read_parquet(path)


def _address_keys(table, column: str) -> set[str]:
    keys = table.column(column).category_keys()
    return {k for k in keys if k.startswith(("user.contact.address", "user.location"))}


def test_a_properties_table_locates_the_properties(tmp_path: Path) -> None:
    frame = _listing({"Beds__c": [3, 2, 4, 3, 2]}, tmp_path)
    for table in ("realestate/properties", "crm.listings"):
        result = scan_frame(frame, table, options=OPTIONS)
        assert result.personal_columns == (), table
        assert result.column("City__c").set_aside  # says what it set aside, and why


def test_a_properties_table_keyed_by_its_owner_is_personal(tmp_path: Path) -> None:
    for key in ("owner_id", "person_id", "tenant_id"):
        frame = _listing({key: [11, 12, 13, 14, 15]}, tmp_path)
        result = scan_frame(frame, "registry/properties", options=OPTIONS)
        for column in ("Address__c", "City__c", "Location__Latitude__s"):
            assert _address_keys(result, column), (key, column)
