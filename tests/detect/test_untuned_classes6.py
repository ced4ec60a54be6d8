"""Classes a third round of untuned sources exposed (French parliaments, Korea's National
Assembly, social accounts), each with values written here: French surnames and sex coded H/F,
names in a register's order; Korean names in Hanja, lists of names and a bill's proposer; numeric
account ids and several links in one value."""

from __future__ import annotations

import polars as pl

from detect.frames import categories, scan

NAME = "user.name"
LAST = "user.name.last"
GENDER = "user.demographic.gender"
URL = "user.contact.url"
USER_ID = "user.unique_id"
USERNAME = "user.account.username"


def _keys(result, column: str) -> frozenset[str]:
    return result.column(column).category_keys()


# --- 1. French names and sex ------------------------------------------------------------------

_PRENOMS = ["Camille", "Julien", "Sophie", "Thomas", "Claire", "Nicolas", "Élodie", "Mathieu"]
_NOMS = [
    "Kerdraon", "Quéffelec", "de Montclar", "Trévidic", "Le Guennec", "Abgrall", "d'Aubigny",
    "Pennaneac'h", "Cloarec", "du Plessis-Kervoas", "Guivarc'h", "Le Moal",
]  # fmt: skip


def _members(n: int, **columns: list) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "prenom": [_PRENOMS[i % 8] for i in range(n)],
            "sexe": ["F" if i % 2 else "H" for i in range(n)],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in columns.items())


def test_french_surnames_alone_under_a_family_name_are_last_names() -> None:
    mixed = [_NOMS[i % 12] for i in range(48)]
    assert LAST in _keys(scan(_members(48, nom_de_famille=mixed)), "nom_de_famille")
    upper = [_NOMS[(i * 5) % 12].upper() for i in range(48)]
    assert LAST in _keys(scan(_members(48, nom_collaborateur=upper)), "nom_collaborateur")


def test_a_bare_nom_outside_a_table_of_people_is_no_surname() -> None:
    # a list of towns under `nom`, with no column of a person's record beside it
    towns = ["Rennes", "Vannes", "Lorient", "Quimper", "Brest", "Morlaix", "Dinan", "Redon"]
    frame = pl.DataFrame(
        {"nom": [towns[i % 8] for i in range(40)], "population": [1000 + i for i in range(40)]}
    )
    assert not _keys(scan(frame), "nom") & {LAST, NAME}


def test_a_courtesy_title_upper_case_surname_and_given_name_is_a_name() -> None:
    people = [
        f"{'Mme' if i % 2 else 'M.'} {_NOMS[i % 12].upper()} {_PRENOMS[(i * 3) % 8]}"
        for i in range(40)
    ]
    assert NAME in _keys(scan(_members(40, collaborateur=people)), "collaborateur")
    # capitals then a word that is no given name: a product code and a label, not a person
    labels = [f"{code} {word}" for code in ("ZX", "KTM", "ABR") for word in ("Standard", "Plus")]
    assert NAME not in categories(labels * 7, "libelle")


def test_sex_coded_h_and_f_under_a_sex_name_is_gender() -> None:
    codes = ["H" if i % 3 else "F" for i in range(40)]
    assert GENDER in categories(codes, "sexe")
    assert GENDER in categories(codes, "sexe_collaborateur")
    assert GENDER in categories(codes, "genre")
    # the same letters under other names are no sex: sizes, a flag
    assert GENDER not in categories(codes, "taille")
    sizes = [["S", "M", "L", "H"][i % 4] for i in range(40)]
    assert GENDER not in categories(sizes, "taille")
    assert GENDER not in categories(codes, "code")


# --- 2. Korean names beyond single Hangul names -----------------------------------------------

_HANJA = ["金民浩", "李秀貞", "朴正勳", "崔允碩", "鄭惠媛", "姜東旭", "曺永植", "兪承敏", "權美羅"]
_HANGUL = ["김민호", "이수정", "박정훈", "최윤석", "정혜원", "강동욱", "조영식", "유승민", "권미라"]


def test_korean_names_in_hanja_are_names() -> None:
    names = [_HANJA[i % 9][0] + _HANJA[(i * 2) % 9][1:] for i in range(36)]
    # Korean text writes some Hanja with compatibility ideographs (李 as U+F9E1)
    names += ["\uf9e1" + _HANJA[i][1:] for i in range(4)]
    frame = pl.DataFrame({"name_kr": [_HANGUL[i % 9] for i in range(40)], "name_cn": names})
    assert NAME in _keys(scan(frame), "name_cn")


def test_lists_of_hangul_names_under_a_staff_name_are_names() -> None:
    staff = [*_HANGUL, "한지우", "오세영", "서다은", "신재호"]
    rows = [", ".join(staff[(i + j * 4) % 13] for j in range(2 + i % 3)) for i in range(30)]
    assert NAME in categories(rows, "aides")
    assert NAME in categories(rows, "sc_secrs")
    # the same lists under a name that says nothing of people, and lists of plain words
    assert NAME not in categories(rows, "codes")
    topics = ["정책", "예산", "국방", "교육", "환경", "이사", "조정", "김치", "박물관", "최고"]
    words = [", ".join(topics[(i + j * 3) % 10] for j in range(3)) for i in range(30)]
    assert NAME not in categories(words, "aides")


def test_a_bill_title_ending_with_its_proposer_names_the_member() -> None:
    laws = ["도로교통법", "주택임대차보호법", "국민연금법", "식품위생법", "전기사업법"]
    titles = [
        f"{laws[i % 5]} 일부개정법률안({_HANGUL[i % 9]}의원 등 {10 + i % 7}인)" for i in range(30)
    ]
    titles += [f"{laws[i % 5]} 일부개정법률안(대안)" for i in range(10)]
    assert NAME in categories(titles, "title")
    # the same titles with the member named in plain text, without the honorific and count
    plain = [f"{laws[i % 5]} 일부개정법률안 {_HANGUL[i % 9]} 제출" for i in range(40)]
    assert NAME not in categories(plain, "title")


# --- 3. account ids and links -----------------------------------------------------------------


def test_numeric_account_ids_under_a_platform_name_are_unique_ids() -> None:
    ids = [str(4_000_000_000 + i * 7_919_003) for i in range(20)]
    ids += [str(1_500_000_000_000_000_000 + i * 982_451_653) for i in range(20)]
    result = scan(_members(40, twitter_id=ids, instagram_user_id=[i[:12] for i in ids]))
    assert USER_ID in _keys(result, "twitter_id")
    assert USERNAME not in _keys(result, "twitter_id")
    assert USER_ID in _keys(result, "instagram_user_id")
    # handles under the same kind of name stay usernames
    handles = [f"@{p.lower()}_{n.lower()[:4]}" for p in _PRENOMS for n in ("Garnier", "Faure")]
    handles = [h.replace("é", "e") for h in handles * 3]
    assert USERNAME in _keys(scan(_members(48, twitter=handles)), "twitter")


def test_several_links_joined_in_one_value_are_urls_not_names() -> None:
    slugs = ["camillegarnier", "julien-lefevre", "sophie.rousseau", "thomasfaure", "claireb"]
    links = [
        f"https://www.{slugs[i % 5]}{i}.fr|https://twitter.com/{slugs[i % 5]}"
        + (f";https://www.facebook.com/{slugs[(i + 1) % 5]}" if i % 2 else "")
        for i in range(40)
    ]
    # a person's name written out in a decoded path is still the link's slug
    links[3] = "https://blogs.example.fr/blog/Camille%20Garnier|https://twitter.com/cgarnier"
    result = scan(_members(40, sites_web=links))
    assert _keys(result, "sites_web") == {URL}
    # links of things (a product's pages) in a table of no one are no person's site
    frame = pl.DataFrame({"product": [f"p{i}" for i in range(40)], "sites_web": links})
    assert URL not in _keys(scan(frame), "sites_web")


# --- 4. historical birth dates and occupations as words ---------------------------------------

_BIOGRAPHY_NAMES = ["Ada Whitfield", "Thomas Pryce", "Mary Ashdown", "John Kettering"]


def test_birth_dates_centuries_back_under_a_birth_name_are_birth_dates() -> None:
    dob = [f"{1450 + i * 9}-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}" for i in range(36)]
    dob += ["1712-14-31", "1688-02-30", None, None]  # slips of transcription, unknown dates
    frame = pl.DataFrame({"full_name": [_BIOGRAPHY_NAMES[i % 4] for i in range(40)], "dob": dob})
    assert "user.demographic.date_of_birth" in _keys(scan(frame), "dob")
    # the same dates under a name that says no birth are events (a charter, a building)
    frame = pl.DataFrame({"full_name": frame["full_name"], "dated": dob})
    assert "user.demographic.date_of_birth" not in _keys(scan(frame), "dated")


def test_occupations_as_lower_case_words_under_an_occupation_name_are_job_titles() -> None:
    jobs = ["cricketer", "historian", "botanist", "composer", "anglican priest", "poet"]
    jobs += ["rugby player", "naval surveyor", "novelist", "mountaineer", None, None]
    frame = pl.DataFrame(
        {
            "full_name": [_BIOGRAPHY_NAMES[i % 4] for i in range(48)],
            "occupation": [jobs[i % 12] for i in range(48)],
        }
    )
    assert "user.job_title" in _keys(scan(frame), "occupation")
    # agent nouns that are things, under a name that says no occupation
    things = ["printer", "scanner", "router", "monitor", "projector", "heater"] * 8
    frame = pl.DataFrame({"full_name": frame["full_name"], "device": things})
    assert "user.job_title" not in _keys(scan(frame), "device")
