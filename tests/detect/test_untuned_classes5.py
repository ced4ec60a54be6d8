"""Classes a fifth round of untuned sources exposed (parliaments and election candidates in
Brazil, Japan and India), each with values written here: Japanese names, party membership as
codes, demographics in words (social category, education, birthplace), a person's assets and
criminal cases, personal web sites; social-network handles read as e-mail, company ids and
vote counts read as national ids and postal codes."""

from __future__ import annotations

import polars as pl

from detect.frames import categories, scan

NAME = "user.name"
POLITICAL = "user.demographic.political_opinion"


def _keys(result, column: str) -> frozenset[str]:
    return result.column(column).category_keys()


# --- 1. Japanese person names -----------------------------------------------------------------

_FAMILY = ["山田", "川口", "佐藤", "中島", "小林", "松本", "井上", "木村", "石川", "藤田"]
_GIVEN = ["花子", "一郎", "健", "美咲", "大輔", "さくら", "翔太", "由美", "誠", "恵子"]
_FAMILY_KANA = ["やまだ", "かわぐち", "さとう", "なかじま", "こばやし", "まつもと", "いのうえ"]
_GIVEN_KANA = ["はなこ", "いちろう", "けん", "みさき", "だいすけ", "さくら", "しょうた"]


def _spaced(n: int) -> list[str]:
    return [f"{_FAMILY[i % 10]}\u3000{_GIVEN[(i * 3 + i // 10) % 10]}" for i in range(n)]


def test_japanese_names_with_an_ideographic_space_are_names() -> None:
    assert NAME in categories(_spaced(40), "giin")


def test_japanese_name_examples_are_the_same_on_every_scan() -> None:
    frame = pl.DataFrame({"giin": _spaced(200)})
    seen = {scan(frame).column("giin").categories[0].examples for _ in range(5)}
    assert len(seen) == 1


def test_kana_readings_of_japanese_names_are_names() -> None:
    readings = [
        f"{_FAMILY_KANA[i % 7]}\u3000{_GIVEN_KANA[(i * 3 + i // 7) % 7]}" for i in range(40)
    ]
    assert NAME in categories(readings, "yomi")
    katakana = ["ヤマダ\u3000ハナコ", "サトウ\u3000ケン", "コバヤシ\u3000ミサキ"] * 4
    katakana += ["マツモト\u3000ダイスケ", "イノウエ\u3000ショウタ", "カワグチ\u3000イチロウ"] * 4
    assert NAME in categories(katakana, "c1")


def test_names_with_an_honorific_and_lists_of_names_are_names() -> None:
    proposers = [
        f"{_FAMILY[i % 10]}{_GIVEN[(i + 3) % 10]}君" + (f"   外{i % 5}名" if i % 3 else "")
        for i in range(30)
    ]
    pairs = [(f"{_FAMILY[i]}{_GIVEN[i]}", f"{_FAMILY[i + 1]}{_GIVEN[i + 2]}") for i in range(6)]
    proposers += [f"{a}君及び{b}君" for a, b in pairs]
    assert NAME in categories(proposers, "c2")
    customers = [f"{_FAMILY[i % 10]}{'様' if i % 2 else '氏'}" for i in range(20)]
    customers += [f"{_FAMILY[i % 10]}{_GIVEN[i % 7]}さん" for i in range(20)]
    assert NAME in categories(customers, "c3")


def test_committees_parties_bills_and_titles_are_no_japanese_names() -> None:
    committees = ["環境委員会", "法務委員会", "財政金融委員会", "厚生労働委員会", "決算委員会"]
    assert NAME not in categories(committees * 8, "c4")
    parties = ["みらい党", "市民連合・無所属の会", "新しい政治の会", "緑の党", "地域政党こころ"]
    assert NAME not in categories(parties * 8, "c5")
    bills = [
        "道路交通法の一部を改正する法律案",
        "令和八年度一般会計予算",
        "地方自治法施行令の一部を改正する政令案",
        "海洋資源の保全に関する法律案",
        "国立公園の管理に関する決議案",
    ]
    assert NAME not in categories(bills * 8, "c6")
    chairs = ["環境委員長", "法務委員長", "議院運営委員長", "内閣委員長", "決算委員長"]
    assert NAME not in categories(chairs * 8, "c7")
    # two words with a blank between them that are no names
    phrases = ["東京\u3000本社", "大阪\u3000支店", "営業\u3000第一部", "総務\u3000課"]
    phrases += ["品質\u3000管理", "経理\u3000部"]
    assert NAME not in categories(phrases * 8, "c8")


# --- 2. party membership as a few short names or codes ---------------------------------------

_CODES = ["ALP", "CDR", "MNP", "PUV", "RSD", "TKP", "UNI", "PV"]


def _people(n: int, **columns: list) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "name": [f"{_FIRST[i % 8]} {_LAST[(i * 3) % 8]}" for i in range(n)],
            "gender": ["F" if i % 2 else "M" for i in range(n)],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in columns.items())


_FIRST = ["Ana", "Bruno", "Carla", "Diego", "Elena", "Fabio", "Gisele", "Hugo"]
_LAST = ["Souza", "Lima", "Rocha", "Alves", "Costa", "Pereira", "Ramos", "Teixeira"]


def test_party_codes_of_people_are_political_opinion() -> None:
    codes = [_CODES[(i * 5) % 8] for i in range(60)]
    result = scan(_people(60, party=codes))
    assert POLITICAL in _keys(result, "party")
    # a deputy's party under a Portuguese abbreviated name, with no other person word
    frame = pl.DataFrame(
        {
            "txNomeDeputado": [f"{_FIRST[i % 8]} {_LAST[i % 7]}" for i in range(40)],
            "sgPartido": [_CODES[i % 5] for i in range(40)],
            "vlrDespesa": [f"{100 + i * 7}.50" for i in range(40)],
        }
    )
    assert POLITICAL in _keys(scan(frame), "sgPartido")
    # a parliamentary group (会派) beside members' full names (議員氏名)
    groups = ["みらい", "改新", "民政", "無所属", "緑風"]
    frame = pl.DataFrame({"議員氏名": _spaced(40), "会派": [groups[i % 5] for i in range(40)]})
    assert POLITICAL in _keys(scan(frame), "会派")


def test_parties_to_contracts_matches_and_ids_are_no_political_opinion() -> None:
    firms = ["Norte Logistics Inc", "Acme Holdings Ltd", "Blue River GmbH", "Kestrel Corp"]
    contracts = pl.DataFrame(
        {
            "contract_no": [f"C-{1000 + i}" for i in range(40)],
            "party": [firms[i % 4] for i in range(40)],
            "contact_email": [f"legal{i}@example.com" for i in range(40)],
        }
    )
    assert POLITICAL not in _keys(scan(contracts), "party")
    roles = ["Buyer", "Seller", "Guarantor", "Buyer"]
    assert POLITICAL not in _keys(
        scan(_people(40, party=[roles[i % 4] for i in range(40)])), "party"
    )
    ids = [f"P{i % 9:03d}" for i in range(40)]
    assert POLITICAL not in _keys(scan(_people(40, party_id=ids)), "party_id")
    # a football match (`partido`) in a table of matches, not of people
    matches = pl.DataFrame(
        {
            "partido": [["Norte x Sul", "Leste x Oeste", "Sul x Leste"][i % 3] for i in range(30)],
            "fecha": [f"2026-03-{1 + i % 28:02d}" for i in range(30)],
            "goles_local": [i % 4 for i in range(30)],
        }
    )
    assert POLITICAL not in _keys(scan(matches), "partido")


# --- 3c. birthplace as a state code or a municipality ----------------------------------------

DEMOGRAPHIC = "user.demographic"
STATE = "user.contact.address.state"


def test_birthplace_as_state_code_or_small_town_is_demographic() -> None:
    states = ["SP", "RJ", "MG", "BA", "RS", "PE", "CE", "PR"]
    towns = ["Vila Serena", "Santa Rita do Norte", "Pedra Azul do Sul", "Campo Alegre", "Ribeira"]
    frame = _people(
        40,
        ufNascimento=[states[(i * 3) % 8] for i in range(40)],
        municipioNascimento=[towns[i % 5] for i in range(40)],
    )
    result = scan(frame)
    assert DEMOGRAPHIC in _keys(result, "ufNascimento")
    assert STATE not in _keys(result, "ufNascimento")  # a birthplace is no address
    assert DEMOGRAPHIC in _keys(result, "municipioNascimento")
    cities = ["Lyon", "Marseille", "Toulouse", "Nantes", "Bordeaux", "Lille"]
    frame = _people(30, lieu_naissance=[cities[i % 6] for i in range(30)])
    assert DEMOGRAPHIC in _keys(scan(frame), "lieu_naissance")


def test_place_columns_not_named_for_birth_stay_places() -> None:
    states = ["SP", "RJ", "MG", "BA", "RS", "PE", "CE", "PR"]
    result = scan(_people(40, uf=[states[(i * 3) % 8] for i in range(40)]))
    assert DEMOGRAPHIC not in _keys(result, "uf")
    # a branch's town, in a table of branches: neither a birthplace nor a person's place
    towns = ["Vila Serena", "Santa Rita do Norte", "Pedra Azul do Sul", "Campo Alegre", "Ribeira"]
    branches = pl.DataFrame(
        {
            "branch_code": [f"B{i:02d}" for i in range(20)],
            "municipio": [towns[i % 5] for i in range(20)],
        }
    )
    assert DEMOGRAPHIC not in _keys(scan(branches), "municipio")


# --- 3a. India's social category -------------------------------------------------------------

ETHNICITY = "user.demographic.race_ethnicity"


def test_social_categories_of_people_are_ethnic_origin() -> None:
    codes = ["GEN", "OBC", "SC", "ST", "GEN", "OBC"]
    result = scan(_people(48, category=[codes[i % 6] for i in range(48)]))
    assert ETHNICITY in _keys(result, "category")
    written = ["Scheduled Caste", "Scheduled Tribe", "Other Backward Class", "General"]
    result = scan(_people(40, caste=[written[i % 4] for i in range(40)]))
    assert ETHNICITY in _keys(result, "caste")


def test_category_codes_of_things_or_everyday_words_are_no_social_category() -> None:
    codes = ["GEN", "OBC", "SC", "ST"]
    products = pl.DataFrame(
        {"sku": [f"K-{i:04d}" for i in range(40)], "category": [codes[i % 4] for i in range(40)]}
    )
    assert ETHNICITY not in _keys(scan(products), "category")
    # `general` and `open` alone are no caste, even in a table of people
    plain = ["General", "Open", "General", "Open"]
    assert ETHNICITY not in _keys(scan(_people(40, category=plain * 10)), "category")


# --- 3b. education level in words ------------------------------------------------------------


def test_education_levels_of_people_are_demographic() -> None:
    levels = ["Graduate", "Post Graduate", "12th Pass", "10th Pass", "Doctorate", "Literate"]
    levels += ["Not Available", "8th Pass"]
    result = scan(_people(48, education=[levels[i % 8] for i in range(48)]))
    assert DEMOGRAPHIC in _keys(result, "education")
    escolaridade = ["Ensino médio completo", "Superior completo", "Mestrado", "Doutorado"]
    result = scan(_people(40, escolaridade=[escolaridade[i % 4] for i in range(40)]))
    assert DEMOGRAPHIC in _keys(result, "escolaridade")


def test_education_words_of_courses_are_no_demographic() -> None:
    levels = ["Graduate", "Post Graduate", "Doctorate", "Diploma"]
    courses = pl.DataFrame(
        {
            "course_code": [f"CS{100 + i}" for i in range(40)],
            "degree": [levels[i % 4] for i in range(40)],
        }
    )
    assert DEMOGRAPHIC not in _keys(scan(courses), "degree")
    # the same words in a people's column not named for education
    assert DEMOGRAPHIC not in _keys(
        scan(_people(40, status=[levels[i % 4] for i in range(40)])), "status"
    )


# --- 6. multi-word gender answers ------------------------------------------------------------

GENDER = "user.demographic.gender"


def test_multi_word_gender_answers_count_as_gender_terms() -> None:
    answers = ["Female", "Male", "Prefer not to say", "Non binary", "Not specified"]
    assert GENDER in categories([answers[i % 5] for i in range(40)], "c9")
    portuguese = ["Feminino", "Masculino", "Não informado"]
    assert GENDER in categories([portuguese[i % 3] for i in range(30)], "c10")


# --- 4a. a person's assets and liabilities, in India's digit grouping -------------------------

FINANCIAL = "user.financial"


def _indian(n: int) -> str:
    """`n` written with India's grouping: the last three digits, then pairs (1,23,45,678)."""
    text = str(n)
    head, tail = text[:-3], text[-3:]
    pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
    return ",".join([*pairs, tail]) if head else tail


def test_assets_and_liabilities_of_people_are_financial() -> None:
    assert _indian(12345678) == "1,23,45,678"
    assets = [f"Rs {_indian(1_500_000 + i * 7_919_123)} ~ {1 + i // 4} Crore+" for i in range(40)]
    debts = [_indian(0 if i % 5 == 0 else 250_000 + i * 131_071) for i in range(40)]
    result = scan(_people(40, ASSETS=assets, LIABILITIES=debts))
    assert FINANCIAL in _keys(result, "ASSETS")
    assert FINANCIAL in _keys(result, "LIABILITIES")


def test_assets_of_companies_are_no_personal_financial_data() -> None:
    firms = pl.DataFrame(
        {
            "company_name": [f"Firma {i} Ltd" for i in range(40)],
            "assets": [_indian(90_000_000 + i * 3_331_337) for i in range(40)],
        }
    )
    assert FINANCIAL not in _keys(scan(firms), "assets")


# --- 4b. counts of a person's criminal cases -------------------------------------------------

CRIMINAL = "user.criminal_history"


def test_counts_of_criminal_cases_of_people_are_criminal_history() -> None:
    counts = [str(i % 4 if i % 7 else 11) for i in range(45)] + ["Not Available"] * 3
    result = scan(_people(48, **{"CRIMINAL CASES": counts}))
    assert CRIMINAL in _keys(result, "CRIMINAL CASES")
    flags = ["Yes", "No", "No", "No"]
    result = scan(_people(40, has_criminal_record=[flags[i % 4] for i in range(40)]))
    assert CRIMINAL in _keys(result, "has_criminal_record")


def test_crime_counts_of_districts_and_other_counts_are_no_criminal_history() -> None:
    districts = pl.DataFrame(
        {
            "district": [f"D{i:02d}" for i in range(30)],
            "criminal_cases": [120 + i * 37 for i in range(30)],
        }
    )
    assert CRIMINAL not in _keys(scan(districts), "criminal_cases")
    # a person's count under a name that says nothing of crime
    assert CRIMINAL not in _keys(scan(_people(40, cases=[i % 5 for i in range(40)])), "cases")


# --- 4c. personal web sites, filled in a few rows --------------------------------------------

URL = "user.contact.url"


def test_personal_web_sites_in_a_few_rows_of_people_are_urls() -> None:
    sites = [None] * 200
    sites[3], sites[77], sites[150] = "www.anasouza.example", "http://brunolima.example/", None
    sites[190] = "https://carlarocha.example.net/blog"
    result = scan(_people(200, urlWebsite=sites))
    assert URL in _keys(result, "urlWebsite")


def test_web_sites_of_companies_and_document_links_are_no_personal_urls() -> None:
    firms = pl.DataFrame(
        {
            "company_name": [f"Firma {i}" for i in range(20)],
            "website": [f"https://firma{i}.example" for i in range(20)],
        }
    )
    assert URL not in _keys(scan(firms), "website")
    docs = [f"https://docs.example/claim/{1000 + i}.pdf" for i in range(40)]
    assert URL not in _keys(scan(_people(40, urlDocumento=docs)), "urlDocumento")


# --- 5a. social-network handles are user names, not e-mail -----------------------------------

USERNAME = "user.account.username"
EMAIL = "user.contact.email"


def test_social_network_profiles_are_user_names() -> None:
    profiles = [None] * 100
    handles = [
        "anasouza,  @AnaSouzaOficial",
        "https://twitter.com/brunolima,  https://www.facebook.com/bruno.lima",
        "@carla_rocha",
        "DiegoAlves,  diego.alves.oficial",
        "https://instagram.com/elenacosta",
        "fabio.pereira@mail.example",  # an e-mail someone typed where a handle belongs
    ]
    for i, handle in enumerate(handles):
        profiles[i * 15] = handle
    result = scan(_people(100, urlRedeSocial=profiles))
    assert USERNAME in _keys(result, "urlRedeSocial")


def test_social_words_elsewhere_are_no_user_names() -> None:
    # a table of campaigns, not of people, with the network each ran on
    campaigns = pl.DataFrame(
        {
            "campaign_code": [f"CMP-{i:03d}" for i in range(30)],
            "social_network": [["twitter", "facebook", "instagram"][i % 3] for i in range(30)],
        }
    )
    assert USERNAME not in _keys(scan(campaigns), "social_network")


# --- 5b. a company's number is no national id; vote counts are no postal codes ---------------

NATIONAL_ID = "user.government_id.national_identification_number"


def _cnpjs(n: int) -> list[int]:
    from stdnum.br import cnpj

    bases = [f"{10_000_000 + i * 7_654_321:08d}0001" for i in range(n)]
    return [int(b + cnpj.calc_check_digits(b)) for b in bases]


def test_company_numbers_under_a_name_for_both_or_beside_a_supplier_are_no_national_ids() -> None:
    companies = _cnpjs(3)
    claims = pl.DataFrame(
        {
            "txNomeDeputado": [f"{_FIRST[i % 8]} {_LAST[i % 7]}" for i in range(60)],
            "txtCNPJCPF": [companies[i % 3] for i in range(60)],
        }
    )
    assert NATIONAL_ID not in _keys(scan(claims), "txtCNPJCPF")
    suppliers = pl.DataFrame(
        {
            "txtFornecedor": [
                ["Papelaria Norte", "Grafica Sul", "Posto Leste"][i % 3] for i in range(60)
            ],
            "cnpj": [companies[i % 3] for i in range(60)],
        }
    )
    assert NATIONAL_ID not in _keys(scan(suppliers), "cnpj")


def test_company_numbers_of_customers_and_mixed_columns_with_cpfs_stay_national_ids() -> None:
    from stdnum.br import cpf

    customers = pl.DataFrame({"name": [f"Cliente {i}" for i in range(40)], "cnpj": _cnpjs(40)})
    assert NATIONAL_ID in _keys(scan(customers), "cnpj")
    people = [f"{100_000_000 + i * 3_456_789:09d}" for i in range(20)]
    cpfs = [int(b + cpf._calc_check_digits(b)) for b in people]
    mixed = pl.DataFrame(
        {"name": [f"Cliente {i}" for i in range(40)], "cnpj_cpf": _cnpjs(20) + cpfs}
    )
    assert NATIONAL_ID in _keys(scan(mixed), "cnpj_cpf")


POSTAL = "user.contact.address.postal_code"


def test_postal_vote_counts_are_no_postal_codes() -> None:
    votes = [str(1000 + (i * 7_919) % 8_000) for i in range(60)]
    result = scan(_people(60, **{"POSTAL VOTES": votes}))
    assert POSTAL not in _keys(result, "POSTAL VOTES")
    # postal codes under a postal name are still postal codes
    codes = [f"{10_000 + (i * 7_919) % 80_000:05d}" for i in range(60)]
    assert POSTAL in _keys(scan(_people(60, postal_code=codes)), "postal_code")


# --- datasciencedojo: ticket references, heads of state, a reference list of cities ---------

PHONE = "user.contact.phone_number"


def test_ticket_numbers_of_passengers_are_no_phone_numbers() -> None:
    # seven-digit references, some behind a booking office's prefix: valid local numbers
    tickets = [
        f"SOTON/Q {3_200_000 + i * 1_013}" if i % 4 == 0 else str(3_100_000 + i * 1_013)
        for i in range(60)
    ]
    result = scan(_people(60, Ticket=tickets))
    assert PHONE not in _keys(result, "Ticket")
    # the same numbers under a phone name are still phone numbers
    assert PHONE in _keys(scan(_people(60, phone=tickets)), "phone")


def test_a_head_of_state_is_a_person_whatever_place_the_office_names() -> None:
    heads = ["Maria Lindqvist", "Tomas Herrera Vidal", "Anneke de Vries", "Karl Gustavsson"]
    heads += ["Amina Diallo", "Jorge Ramos Prieto", "Helena Novak", "Samuel Okafor"]
    countries = pl.DataFrame(
        {
            "code": [f"C{i:02d}" for i in range(40)],
            "population": [1_000_000 + i * 37_000 for i in range(40)],
            "head_of_state": [heads[(i * 3) % 8] for i in range(40)],
        }
    )
    assert NAME in _keys(scan(countries), "head_of_state")


def test_names_in_a_reference_list_of_cities_are_places() -> None:
    towns = ["Amberg", "Bruck", "Celle", "Dinslaken", "Emden", "Forst", "Goch", "Hamm", "Isny"]
    towns += ["Jever", "Kehl", "Lahr", "Marl", "Nauen", "Olpe", "Penzberg", "Rees", "Selb"]
    cities = pl.DataFrame(
        {
            "id": list(range(36)),
            "name": [towns[i % 18] + ("" if i < 18 else "-Nord") for i in range(36)],
            "country_code": ["DEU"] * 36,
            "population": [20_000 + i * 1_733 for i in range(36)],
        }
    )
    from detect.frames import OPTIONS
    from privacymesh.detect import scan_frame

    assert NAME not in _keys(scan_frame(cities, "world.cities", options=OPTIONS), "name")
    # a place word that qualifies another noun (`multi_country_phones`) makes no list of places
    phones = pl.DataFrame(
        {
            "country": ["Germany", "France", "Spain"] * 10,
            "tel": [f"+49 30 {9_018_200 + i * 37}" for i in range(30)],
        }
    )
    found = _keys(scan_frame(phones, "crm.multi_country_phones", options=OPTIONS), "tel")
    assert PHONE in found


def test_ipadic_names_ship_inside_the_package_with_their_license() -> None:
    from privacymesh.detect.lexicon import IPADIC_NAMES, _ipadic_names

    names = _ipadic_names()
    assert len(names["family"]) > 10_000 and len(names["given"]) > 10_000
    assert {"佐藤", "鈴木", "高橋", "山田"} <= names["family"]
    assert {"サトウ", "スズキ"} <= names["family_reading"]
    assert not any(n.isascii() for n in names["family"])
    license = (IPADIC_NAMES.parent / "IPADIC-LICENSE.txt").read_text()
    assert "Nara Institute of Science" in license and "NO WARRANTY" in license
