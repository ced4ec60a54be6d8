"""Classes a fourth round of untuned sources exposed (health records, clinicians, insurers,
Australian health identifiers, system logs), each with values written here: organisations'
places and switchboards, postal codes and amounts read as phones, package versions read as IP
addresses; names made unique by a number, licence and Medicare numbers in their own family;
Australian health identifiers; demographics, diagnoses and healthcare costs of patients."""

from __future__ import annotations

import polars as pl
from stdnum import luhn, verhoeff

from detect.frames import categories, scan
from privacymesh.detect import scan_frame

PHONE = "user.contact.phone_number"
EMAIL = "user.contact.email"
IP = "user.device.ip_address"
CITY = "user.contact.address.city"
STATE = "user.contact.address.state"
POSTAL = "user.contact.address.postal_code"
STREET = "user.contact.address.street"
PRECISE = "user.location.precise"
USERNAME = "user.account.username"
FIRST = "user.name.first"
LAST = "user.name.last"
NAME = "user.name"
UNIQUE_ID = "user.unique_id"
LICENSE = "user.government_id.drivers_license_number"
NATIONAL_ID = "user.government_id.national_identification_number"
GOVERNMENT_ID = "user.government_id"
INSURANCE_ID = "user.health_and_medical.insurance_beneficiary_id"
HEALTH = "user.health_and_medical"
ETHNICITY = "user.demographic.race_ethnicity"
GENDER = "user.demographic.gender"
LANGUAGE = "user.demographic.language"
DEMOGRAPHIC = "user.demographic"
JOB = "user.job_title"
FINANCIAL = "user.financial"


def _keys(result, column: str) -> frozenset[str]:
    return result.column(column).category_keys()


def _locating(keys: frozenset[str]) -> set[str]:
    return {k for k in keys if k.startswith(("user.contact.address", "user.location"))}


# --- 1a. postal codes, amounts and organisation ids are no phone numbers --------------------


def _zip_codes(n: int) -> list[str]:
    # ZIP+4 codes (9 digits with a dash) and plain ZIPs, as an address export mixes them
    return [f"0{1000 + i * 37 % 8999:04d}-{(i * 7919) % 10000:04d}" for i in range(n)]


def test_zip_plus_four_codes_are_postal_codes_not_phone_numbers() -> None:
    found = categories(_zip_codes(60), "zip")
    assert PHONE not in found
    assert POSTAL in found


def test_round_amounts_named_for_revenue_are_no_phone_numbers() -> None:
    revenue = [float(2_000_000 + i * 104_700) for i in range(12)]
    frame = pl.DataFrame({"phone": [f"+1 617 555 01{i:02d}" for i in range(12)]})
    frame = frame.with_columns(pl.Series("revenue", revenue))
    result = scan(frame)
    assert PHONE not in _keys(result, "revenue")


def test_a_few_phone_shaped_numbers_among_integer_ids_are_chance() -> None:
    # sixteen-digit organisation ids, and a few eleven-digit ones that read as valid numbers
    ids = [8_003_624_600_000_000 + i * 91_733 for i in range(80)]
    ids += [21_987_650_000 + k * 1_013 for k in range(8)]
    assert PHONE not in categories(ids, "identifier_value", dtype=pl.Int64)
    # integers that are phone numbers, most of the column: still phone numbers
    numbers = [442_079_496_000 + k * 1_013 for k in range(40)]  # London numbers, no + sign
    assert PHONE in categories(numbers, "c1", dtype=pl.Int64)


# --- 1b. a workplace's places in a table of the people working there -------------------------


def _clinicians(n: int) -> dict[str, list]:
    orgs = ["7f1c2a90-0001", "7f1c2a90-0002", "7f1c2a90-0003"]
    towns = ["Worcester", "Springfield", "Lowell"]
    return {
        "id": [f"c-{i:04d}" for i in range(n)],
        "organization": [orgs[i % 3] for i in range(n)],
        "name": [f"{['Maria', 'James', 'Aisha'][i % 3]} Lopez" for i in range(n)],
        "gender": ["F", "M", "F"] * (n // 3),
        "speciality": ["GENERAL PRACTICE", "PSYCHIATRY", "PHYSICAL THERAPY"] * (n // 3),
        "address": [["12 Main St", "40 Elm St", "7 Oak Ave"][i % 3] for i in range(n)],
        "city": [towns[i % 3] for i in range(n)],
        "state": ["MA"] * n,
        "zip": [["01608", "01103", "01852"][i % 3] for i in range(n)],
        "lat": [[42.2626, 42.1015, 42.6334][i % 3] for i in range(n)],
        "lon": [[-71.8023, -72.5898, -71.3162][i % 3] for i in range(n)],
    }


def test_the_places_of_clinicians_belong_to_the_organization_beside_them() -> None:
    result = scan_frame(pl.DataFrame(_clinicians(30)), "ehr.providers")
    for column in ("address", "city", "zip", "lat", "lon"):
        assert not _locating(_keys(result, column)), column
    # the same columns in a table of patients locate the patients
    patients = _clinicians(30)
    del patients["organization"], patients["speciality"]
    patients["birthdate"] = [f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}" for i in range(30)]
    result = scan_frame(pl.DataFrame(patients), "ehr.patients")
    assert CITY in _keys(result, "city")
    assert PRECISE in _keys(result, "lat")


def test_an_insurers_headquarters_are_not_a_persons_address() -> None:
    frame = pl.DataFrame(
        {
            "name": ["Harbor Health", "Blue Ridge Mutual", "Keystone Care", "Summit Plans"] * 3,
            "address": ["100 Federal St", "2 Beacon Rd", "55 Market St", "9 Grant Ave"] * 3,
            "city": ["Boston", "Richmond", "Philadelphia", "Denver"] * 3,
            "state_headquartered": ["MA", "VA", "PA", "CO"] * 3,
            "zip": ["02110", "23219", "19106", "80202"] * 3,
            "unique_customers": list(range(12)),
            "member_months": list(range(100, 112)),
        }
    )
    result = scan_frame(frame, "claims.payers")
    for column in ("address", "city", "state_headquartered", "zip"):
        assert not _locating(_keys(result, column)), column


# --- 1c. package versions are no IPv4 addresses -----------------------------------------------


def test_dotted_versions_after_a_tilde_are_not_ip_addresses() -> None:
    lines = [
        f"Loaded package Update_KB40{i:02d}~4f2b9c~x86~~6.{i % 3}.{i % 4}.{i % 5}, state {i}"
        for i in range(40)
    ]
    assert IP not in categories(lines, "content")
    logged = [f"session opened from 10.{i}.7.{20 + i} port 22" for i in range(40)]
    assert IP in categories(logged, "content")


# --- 1d. an organisation's switchboard and shared mailbox ----------------------------------


def test_switchboards_and_mailboxes_of_organizations_reach_no_person() -> None:
    frame = pl.DataFrame(
        {
            "name": ["Riverbend Clinic", "Northgate Pharmacy", "Lakeside Hospital"] * 4,
            "phone": [f"+61 2 9555 01{i:02d}" for i in range(12)],
            "email": [f"reception@site{i}.example.org" for i in range(12)],
            "city": ["Sydney", "Perth", "Hobart"] * 4,
        }
    )
    result = scan_frame(frame, "registry.organizations")
    assert PHONE not in _keys(result, "phone")
    assert EMAIL not in _keys(result, "email")
    # a contact person named in the same table: the phone and e-mail are theirs
    named = frame.with_columns(contact_name=pl.Series(["Ana Silva", "Tom Reid", "Li Wei"] * 4))
    result = scan_frame(named, "registry.organizations")
    assert PHONE in _keys(result, "phone")
    assert EMAIL in _keys(result, "email")


# --- 2. the right family ------------------------------------------------------------------


_FIRSTS = [
    "Maynard", "Curtis", "Jackie", "Gene", "Rosalind", "Harvey", "Tamara", "Oscar", "Wendell",
    "Priscilla", "Dorian", "Lucille",
]  # fmt: skip
_LASTS = [
    "Fischer", "Schmidt", "Morrison", "Cooper", "Hughes", "Barker", "Sullivan", "Doyle",
    "Gallagher", "Whitaker", "Prentice", "Holloway",
]  # fmt: skip


def test_names_made_unique_by_a_number_are_names_under_a_name_column() -> None:
    firsts = [f"{_FIRSTS[i % 12]}{100 + i * 7}" for i in range(40)]
    lasts = [f"{_LASTS[i % 12]}{300 + i * 11}" for i in range(40)]
    frame = pl.DataFrame({"first": firsts, "last": lasts, "maiden": lasts[::-1]})
    result = scan(frame)
    assert _keys(result, "first") == {FIRST}
    assert _keys(result, "last") == {LAST}
    assert _keys(result, "maiden") == {LAST}
    # the same values as logins are user names
    assert USERNAME in categories(firsts, "login")


def test_upper_case_surnames_under_a_family_name_column() -> None:
    surnames = ["OKONKWO", "VEITCHLEY", "BRANAGH", "QUILLAN", "DARROCH", "MERIWEN"] * 3
    assert LAST in categories(surnames, "name_family")
    # business codes in capitals under a neutral name stay codes
    assert not categories(["ALKFI", "BRTQW", "CXNMO", "DRWVB", "EKLPZ", "FQWNM"] * 3, "ref")


def test_license_numbers_under_a_license_name_are_licenses_not_user_ids() -> None:
    numbers = [f"S{99_900_000 + i * 4_567:08d}" for i in range(30)]
    for name in ("drivers", "drivers_license", "dl_number"):
        found = categories(numbers, name)
        assert LICENSE in found, name
        assert UNIQUE_ID not in found, name
    assert LICENSE not in categories(numbers, "driver_id")


def _medicare(base: str, position: str = "") -> str:
    weights = (1, 3, 7, 9, 1, 3, 7, 9)
    check = sum(int(d) * w for d, w in zip(base, weights, strict=True)) % 10
    return f"{base}{check}1{position}"


def test_medicare_numbers_as_integers_are_insurance_ids_not_phone_numbers() -> None:
    cards = [int(_medicare(f"{2 + i % 5}{4_120_000 + i * 3_301:07d}")) for i in range(20)]
    found = categories(cards, "patient_card", dtype=pl.Int64)
    assert INSURANCE_ID in found
    assert PHONE not in found
    with_position = [
        int(_medicare(f"{3 + i % 3}{5_550_000 + i * 7_919:07d}", "2")) for i in range(20)
    ]
    found = categories(with_position, "identifier2_value", dtype=pl.Int64)
    assert INSURANCE_ID in found and PHONE not in found


def test_australian_phone_numbers_are_phone_numbers_only() -> None:
    mobiles = [f"04{12_345_000 + i * 37:08d}" for i in range(20)]
    landlines = [f"0{2 + i % 4}{70_100_000 + i * 211:08d}" for i in range(20)]
    # a format of another country that takes any number behind a leading 0 tells nothing
    for numbers, name in ((mobiles, "mobile"), (landlines, "telecom_value")):
        found = categories(numbers, name)
        assert PHONE in found, name
        assert NATIONAL_ID not in found, name


# --- 3. Australian health and professional identifiers -------------------------------------


def _luhn16(prefix: str, body: int) -> str:
    stem = f"{prefix}{body:09d}"
    return stem + luhn.calc_check_digit(stem)


def test_individual_healthcare_identifiers_are_found_by_their_check_digit() -> None:
    ihis = [_luhn16("800360", 833_364_000 + i * 1_717) for i in range(30)]
    assert NATIONAL_ID in categories(ihis, "identifier_value")
    assert NATIONAL_ID in categories([int(v) for v in ihis], "identifier_value", dtype=pl.Int64)
    # a wrong check digit in every value: no identifier
    broken = [v[:-1] + str((int(v[-1]) + 1) % 10) for v in ihis]
    assert NATIONAL_ID not in categories(broken, "identifier_value")


def test_clinician_identifiers_but_not_organization_ones() -> None:
    hpiis = [_luhn16("800361", 656_671_000 + i * 913) + " " for i in range(30)]
    assert GOVERNMENT_ID in categories(hpiis, "identifier_value")
    hpios = [_luhn16("800362", 246_000_000 + i * 913) for i in range(30)]
    assert not {k for k in categories(hpios, "identifier_value") if k.startswith("user.gov")}


def test_medicare_numbers_as_text_with_spaces() -> None:
    cards = [_medicare(f"{2 + i % 5}{4_120_000 + i * 3_301:07d}") for i in range(20)]
    spaced = [f"{c[:4]} {c[4:9]} {c[9]}" for c in cards]
    assert INSURANCE_ID in categories(spaced, "card")
    broken = [c[:8] + str((int(c[8]) + 5) % 10) + c[9:] for c in cards]
    assert INSURANCE_ID not in categories(broken, "card")


def test_ahpra_registration_numbers_with_a_boards_code() -> None:
    numbers = [f"{['MED', 'NMW', 'PHA'][i % 3]}{1_000_234_500 + i * 97:010d}" for i in range(24)]
    assert GOVERNMENT_ID in categories(numbers, "registration")
    # three letters no board uses, then ten digits: a product or batch code
    assert GOVERNMENT_ID not in categories([f"XQZ{v[3:]}" for v in numbers], "registration")


# --- 4. demographics, diagnoses and healthcare costs of patients ---------------------------


def _patients(n: int, **extra: list) -> pl.DataFrame:
    frame = {
        "given_name": [_FIRSTS[i % 8] for i in range(n)],
        "birth_date": [f"19{40 + i % 50}-0{1 + i % 9}-2{i % 8}" for i in range(n)],
    }
    frame.update(extra)
    return pl.DataFrame(frame)


def test_ethnicity_and_indigenous_status() -> None:
    n = 24
    result = scan(
        _patients(
            n,
            ethnicity=["nonhispanic"] * (n - 3) + ["hispanic"] * 3,
            indigenous_status=(["1", "4", "9", "2"] * n)[:n],
            indigenous_status_display=(
                [
                    "Neither Aboriginal nor Torres Strait Islander origin",
                    "Aboriginal but not Torres Strait Islander origin",
                    "Not stated/inadequately described",
                ]
                * n
            )[:n],
            visit_count=(["1", "4", "9", "2"] * n)[:n],
        )
    )
    for column in ("ethnicity", "indigenous_status", "indigenous_status_display"):
        assert ETHNICITY in _keys(result, column), column
    assert ETHNICITY not in _keys(result, "visit_count")


def test_gender_identity_pronouns_and_recorded_sex() -> None:
    n = 18
    result = scan(
        _patients(
            n,
            gender_identity=(
                [
                    "Identifies as female gender (finding)",
                    "Identifies as male gender (finding)",
                    "Identifies as gender nonbinary",
                    "Asked But Declined",
                ]
                * n
            )[:n],
            pronouns=(["she/her/hers", "he/him/his", "they/them/theirs"] * n)[:n],
            recorded_sex=(["Female", "Male", "Intersex", "Indeterminate sex"] * n)[:n],
            shirt_size=(["S", "M", "L", "XL"] * n)[:n],
        )
    )
    for column in ("gender_identity", "pronouns", "recorded_sex"):
        assert GENDER in _keys(result, column), column
    assert GENDER not in _keys(result, "shirt_size")
    # pronoun sets are read without the name too; words with slashes are not
    assert GENDER in categories(["she/her", "they/them", "he/him"] * 5, "c1")
    assert GENDER not in categories(["red/blue", "in/out", "on/off"] * 5, "c1")


def test_a_preferred_language_filled_in_a_few_rows() -> None:
    n = 30
    spoken = ["Vietnamese", "Arabic", "Gamilaraay"] + [None] * (n - 3)
    result = scan(_patients(n, preferred_language=spoken))
    assert LANGUAGE in _keys(result, "preferred_language")
    # a film's language describes no one
    films = pl.DataFrame({"title": [f"Film {i}" for i in range(9)], "language": ["French"] * 9})
    assert LANGUAGE not in _keys(scan_frame(films, "catalog.films"), "language")


def test_birthplace_as_town_state_and_country_and_a_county() -> None:
    n = 20
    born = (["Worcester  Massachusetts  US", "Austin, Texas, US", "Leeds, England"] * n)[:n]
    counties = (["Essex County", "Hampden County", "Travis County", "Plymouth County"] * n)[:n]
    result = scan(_patients(n, birthplace=born, county=counties))
    assert _keys(result, "birthplace") == {DEMOGRAPHIC}
    assert STATE in _keys(result, "county")


def test_small_towns_under_a_city_name_in_a_table_of_people() -> None:
    n = 20
    towns = (["Quarrytown", "Wattle Flat", "Emu Crossing", "Bellbird Creek", "Koorawatha"] * n)[:n]
    result = scan(_patients(n, address_city=towns))
    assert CITY in _keys(result, "address_city")
    # the same values in no person's table: no city of anyone
    alone = scan_frame(pl.DataFrame({"city": towns, "code": list(range(n))}), "ref.towns")
    assert CITY not in _keys(alone, "city")


def test_clinical_specialties_and_plural_professions_are_job_titles() -> None:
    n = 18
    result = scan(
        _patients(
            n,
            speciality=(["PSYCHIATRY", "FAMILY PRACTICE", "DERMATOLOGY"] * n)[:n],
            profession=(["Registered Nurses", "Surgeons", "Pharmacists"] * n)[:n],
        )
    )
    assert JOB in _keys(result, "speciality")
    assert JOB in _keys(result, "profession")


def _snomed(item: int) -> str:
    stem = f"{item}00"  # partition 00: a core concept
    return stem + verhoeff.calc_check_digit(stem)


def test_diagnoses_beside_a_patient_are_health_data() -> None:
    n = 24
    text = [
        "Acute tonsillitis (disorder)",
        "Sprain of wrist",
        "Essential hypertension",
        "Type 2 diabetes",
        "Fracture of ankle",
        "Seasonal allergic rhinitis",
    ]
    codes = [_snomed(4_412_300 + i * 17) for i in range(6)]
    frame = pl.DataFrame(
        {
            "patient": [f"p-{i % 7}" for i in range(n)],
            "code": (codes * n)[:n],
            "description": (text * n)[:n],
        }
    )
    result = scan_frame(frame, "ehr.conditions")
    assert HEALTH in _keys(result, "code")
    assert HEALTH in _keys(result, "description")
    # a reference list of conditions describes no one
    reference = frame.drop("patient")
    result = scan_frame(reference, "terminology.concepts")
    assert HEALTH not in _keys(result, "code")
    assert HEALTH not in _keys(result, "description")
    # codes whose check digit fails are no SNOMED concepts
    broken = [c[:-1] + str((int(c[-1]) + 1) % 10) for c in codes]
    result = scan_frame(frame.with_columns(code=pl.Series((broken * n)[:n])), "ehr.conditions")
    assert HEALTH not in _keys(result, "code")


def test_a_patients_healthcare_expenses_and_coverage() -> None:
    n = 20
    result = scan(
        _patients(
            n,
            healthcare_expenses=[120_000.5 + i * 7_331.25 for i in range(n)],
            healthcare_coverage=[2_000.75 + i * 911.5 for i in range(n)],
        )
    )
    assert FINANCIAL in _keys(result, "healthcare_expenses")
    assert FINANCIAL in _keys(result, "healthcare_coverage")
