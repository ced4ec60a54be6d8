"""Classes of issue 21 beyond places and national ids: device numbers, credentials in more
formats, birth dates in mixed formats, organisation names, epoch seconds and hex tokens. Each
class is built from a small hand-made frame, with its decoy beside it."""

from __future__ import annotations

import random
import string
import uuid
from datetime import date, timedelta

import polars as pl

from detect.frames import categories, scan
from privacymesh.detect import guard
from privacymesh.detect.lexicon import organization_words
from privacymesh.detect.recognizers.credentials import secret_rules
from privacymesh.detect.recognizers.devices import valid_device_number

DEVICE = "user.device.device_id"
CREDENTIALS = "user.authorization.credentials"
DOB = "user.demographic.date_of_birth"
PHONE = "user.contact.phone_number"
NAME = "user.name"
PSEUDO = "user.unique_id.pseudonymous"

RNG = random.Random(21)


def _token(k: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(k))


# -- device ids ---------------------------------------------------------------------------------


def test_device_numbers_are_validated_by_stdnum() -> None:
    assert valid_device_number("490154203237518")  # IMEI with its Luhn digit
    assert valid_device_number("35 20 99 00 17 61 48")  # IMEI body, spaced
    assert valid_device_number("3568680000414120")  # IMEISV
    assert valid_device_number("AF0123450ABCDE")  # MEID
    assert not valid_device_number("490154203237519")  # Luhn fails
    assert not valid_device_number("4111111111111111")  # a card number, no IMEI prefix
    assert not valid_device_number("12345678901234")


def test_device_numbers_under_a_meaningless_name() -> None:
    values = ["490154203237518", "35 20 99 00 17 61 48", "3568680000414120", "AF0123450ABCDE"]
    assert categories(values * 10, "ref_b") == {DEVICE}


def test_opaque_ids_beside_device_columns_are_device_ids_and_alone_are_not() -> None:
    uuids = [str(uuid.UUID(int=RNG.getrandbits(128), version=4)) for _ in range(40)]
    hexes = [f"{RNG.getrandbits(64):016x}" for _ in range(40)]
    imeis = ["490154203237518", "35 20 99 00 17 61 48", "3568680000414120", "AF0123450ABCDE"]
    table = pl.DataFrame({"imei": imeis * 10, "k1": uuids, "k2": hexes})
    scanned = scan(table)
    assert set(scanned.column("k1").category_keys()) == {DEVICE}
    assert set(scanned.column("k2").category_keys()) == {DEVICE}
    assert DEVICE not in categories(uuids, "k1")


# -- credentials --------------------------------------------------------------------------------


def test_detect_secrets_rules_are_used() -> None:
    rules = secret_rules()
    assert len(rules) >= 20
    assert any("AKIA" in r for r in rules)


def test_plaintext_passwords_salts_and_webhook_secrets() -> None:
    n = 30
    passwords = [_token(RNG.randrange(6, 14)) for _ in range(n)]
    salts = [_token(7) + "=" for _ in range(n)]
    assert categories(passwords, "password") == {CREDENTIALS}
    assert categories(salts, "PasswordSalt") == {CREDENTIALS}
    assert categories(["whsec_" + _token(32) for _ in range(n)], "c01") == {CREDENTIALS}
    hooks = [f"https://hooks.slack.com/services/T{_token(8)}/B{_token(8)}/{_token(24)}"]
    assert categories(hooks * n, "c02") == {CREDENTIALS}
    slack = ["xoxb-" + _token(10) + "-" + _token(12) for _ in range(n)]
    assert categories(slack, "c03") == {CREDENTIALS}
    # the same tokens under an ordinary name are codes, not secrets
    assert CREDENTIALS not in categories(passwords, "voucher_code")


def test_password_hashes_in_every_common_scheme() -> None:
    hashes = [
        "$2b$12$" + _token(53, string.ascii_letters + string.digits + "./"),
        "$argon2id$v=19$m=65536,t=3,p=4$" + _token(22) + "$" + _token(43),
        "$scrypt$ln=16,r=8,p=1$" + _token(22) + "$" + _token(43),
        "pbkdf2_sha256$600000$" + _token(22) + "$" + _token(43) + "=",
    ]
    assert categories(hashes * 10, "c04") == {CREDENTIALS}


# -- birth dates --------------------------------------------------------------------------------


def _birth_dates(n: int) -> list[date]:
    return [date(1940, 1, 1) + timedelta(days=RNG.randrange(0, 60 * 365)) for _ in range(n)]


def test_birth_dates_in_mixed_formats_and_with_midnight_times() -> None:
    formats = ["%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y"]
    dates = _birth_dates(40)
    mixed = [d.strftime(formats[i % 4]) for i, d in enumerate(dates)]
    assert categories(mixed, "dob") == {DOB}
    assert categories(mixed, "c07") == {DOB}
    midnight = [d.strftime("%Y-%m-%d 00:00:00") for d in dates]
    assert categories(midnight, "BirthDate") == {DOB}


def test_due_dates_are_not_birth_dates() -> None:
    due = [(date(1996, 7, 1) + timedelta(days=RNG.randrange(0, 300))) for _ in range(40)]
    values = [f"{d.month}/{d.day}/{d.year}" for d in due]
    # 30 years back looks like adults' birthdays; the name says what the dates are
    assert DOB not in categories(values, "RequiredDate")


# -- organisations taken for people --------------------------------------------------------------

ORGANIZATIONS = [
    "Australia Bike Retailer", "Allenson Cycles", "Advanced Bicycles", "Vista Road Bikes",
    "Mitchell Sports", "Morgan Bike Accessories", "Bergeron Cycles", "Greenwood Athletic Company",
    "New Moon Books", "Binnet & Hardley", "Algodata Infosystems", "Five Lakes Publishing",
    "Hawley Municipal", "Lucerne Publishing", "Hanari Carnes", "Toms Spezialitäten",
]  # fmt: skip


def test_organization_words_come_from_faker_locales() -> None:
    words = organization_words()
    assert {"gmbh", "ltda", "inc", "llc", "cycles", "municipal"} <= words
    assert "de" not in words and "con" not in words  # particles of people's names


def test_organization_and_site_names_are_not_people() -> None:
    values = ORGANIZATIONS * 2
    assert NAME not in categories(values, "Name")
    assert NAME not in categories(values, "ShipName")


def test_people_with_a_few_company_contacts_are_still_people() -> None:
    people = [
        "John Smith", "Maria Rossi", "Ana Souza", "Peter Miller", "Laura Brown", "Hans Müller",
        "Emma Wilson", "Carlos Pérez", "Sophie Martin", "James Taylor",
    ]  # fmt: skip
    assert NAME in categories(people * 3 + ["Allenson Cycles"], "contact_name")


# -- numbers taken for phones and hex tokens taken for hashed ids --------------------------------


def test_epoch_seconds_and_milliseconds_are_not_phones() -> None:
    seconds = [1_117_239_898 + RNG.randrange(10**8) for _ in range(40)]
    assert PHONE not in categories(seconds, "created", dtype=pl.Int64)
    assert PHONE not in categories([str(s * 1000 + 123) for s in seconds], "c08")


def test_long_digit_runs_without_country_code_are_not_phones() -> None:
    cards = ["35 20 99 00 17 61 48", "4901 5420 3237 518", "3568 6800 0041 4120"] * 10
    assert PHONE not in categories(cards, "c09")


def test_log_positions_are_not_phones_and_slashed_area_codes_still_are() -> None:
    positions = [f"wal 0/{RNG.randrange(10**6, 10**7)}" for _ in range(40)]
    assert PHONE not in categories(positions, "c10")
    assert guard.find_personal(["PostgreSQL 16 wal 0/1550340"]) == {}
    numbers = [f"030/{RNG.randrange(10**6, 10**7)}" for _ in range(40)]
    assert PHONE in categories(numbers, "telefon")


def test_hex_tokens_named_for_sessions_or_content_are_not_hashed_people() -> None:
    digests = [f"{RNG.getrandbits(256):064x}" for _ in range(40)]
    assert PSEUDO not in categories(digests, "session_sha256")
    assert PSEUDO not in categories(digests, "title_sha256")
    assert PSEUDO in categories(digests, "email_sha256")


# -- names in CJK scripts and their romanisations -------------------------------------------------

HAN_NAMES = [
    "唐一娜", "杜尔克", "蔡国庆", "王小明", "李娜", "张伟", "刘洋", "陈静", "杨帆", "黄磊", "吴敏",
    "赵云",
]  # fmt: skip
ROMANISED = [
    "Tang Yina", "Du Erke", "Cai Guoqing", "Wang Xiaoming", "Li Na", "Zhang Wei", "Liu Yang",
    "Chen Jing", "Yang Fan", "Huang Lei", "Wu Min", "Zhao Yun",
]  # fmt: skip
HAN_WORDS = [
    "中国", "经济", "发展", "时间", "问题", "工作", "学生", "电脑", "手机", "天气", "北京", "上海",
    "苹果", "音乐", "电影", "朋友",
]  # fmt: skip


def test_cjk_names_and_romanised_chinese_names() -> None:
    assert categories(HAN_NAMES * 3, "c10") == {NAME}
    assert categories(ROMANISED * 3, "c11") == {NAME}
    assert NAME not in categories(HAN_WORDS * 2, "c12")


# -- identifiers stored as numbers ---------------------------------------------------------------


def test_ipv4_addresses_stored_as_integers_need_their_name() -> None:
    ips = [
        (RNG.randrange(1, 223) << 24) + RNG.randrange(1, 2**24 - 1) for _ in range(40)
    ]  # fmt: skip
    assert "user.device.ip_address" in categories(ips, "client_ip", dtype=pl.Int64)
    assert "user.device.ip_address" not in categories(ips, "c13", dtype=pl.Int64)


# -- phones of several countries in one column ---------------------------------------------------


def test_national_format_phones_of_several_countries_in_one_column() -> None:
    from privacymesh.detect.options import DEFAULT_PHONE_REGIONS
    from privacymesh.detect.recognizers.phone import column_regions

    gb = [f"020 7946 0{i:03d}" for i in range(15)]
    us = [f"(415) 2{i + 10:02d}-{3000 + i:04d}" for i in range(15)]
    mixed = gb + us
    regions = column_regions(tuple(mixed), DEFAULT_PHONE_REGIONS)
    assert len(regions) >= 2 and "US" in regions
    scanned = scan(pl.DataFrame({"c14": mixed}))
    hit = scanned.column("c14").categories[0]
    assert hit.category == PHONE and hit.hit_rate == 1.0


def test_business_codes_in_capitals_are_not_names() -> None:
    codes = [
        "ALFKI", "ANATR", "ANTON", "AROUT", "BERGS", "BLAUS", "BLONP", "BOLID", "BONAP", "BOTTM",
        "BSBEV", "CACTU", "CENTC", "CHOPS", "COMMI", "CONSH", "DRACD", "DUMON",
    ]  # fmt: skip
    assert NAME not in categories(codes * 2, "CustomerID")
    # the same shapes written as names are names
    assert NAME in categories([c.title() for c in codes] * 2, "customer_name")


def test_the_probe_is_the_same_whatever_the_row_order() -> None:
    from dataclasses import replace

    from detect.frames import OPTIONS
    from privacymesh.detect.context import ContextSignals
    from privacymesh.detect.scanner import column_values

    values = [f"v{i}" for i in range(2000)]
    forward = column_values(pl.Series("c", values), ContextSignals(), OPTIONS)
    backward = column_values(pl.Series("c", values[::-1]), ContextSignals(), OPTIONS)
    assert forward is not None and backward is not None
    a, b = replace(forward).probe(), replace(backward).probe()
    assert 100 < a.height < 500
    assert sorted(a["value"].to_list()) == sorted(b["value"].to_list())
