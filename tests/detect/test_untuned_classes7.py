"""Classes a fourth round of untuned sources exposed (patients' records, a telecom's customers,
census and bank records, a web log, an e-commerce table), each with values written here:
vitals, medical events and clinical notes; Yes/No and 0/1 answers about a person; census and
bank categories; durations taken for coordinates and user agents taken for e-mail."""

from __future__ import annotations

import polars as pl

from detect.frames import scan

HEALTH = "user.health_and_medical"
NAME = "user.name"
USERNAME = "user.account.username"
AGE = "user.demographic.age_range"
MARITAL = "user.demographic.marital_status"
DEMOGRAPHIC = "user.demographic"
FINANCIAL = "user.financial"
JOB = "user.job_title"
DEVICE = "user.device"
EMAIL = "user.contact.email"
PRECISE = "user.location.precise"

N = 40
_FIRST = ["Maren", "Tobias", "Ilse", "Rafael", "Noor", "Dmitri", "Lucia", "Oskar"]
_LAST = ["Halvorsen", "Quintero", "Bakker", "Ferreira", "Lindqvist", "Okafor", "Moreau", "Kowal"]


def _keys(result, column: str) -> frozenset[str]:
    return result.column(column).category_keys()


def _patients(n: int = N, **columns: list) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "patient_id": [f"P{7300 + i}" for i in range(n)],
            "first_name": [_FIRST[i % 8] for i in range(n)],
            "last_name": [_LAST[(i * 3) % 8] for i in range(n)],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in columns.items())


# --- 1. health data in a patient's record ------------------------------------------------------


def test_vitals_as_bare_numbers_in_a_patients_record_are_health() -> None:
    frame = _patients(
        weight_kg=[58.5 + (i * 7) % 41 for i in range(N)],
        height=[150 + (i * 5) % 38 for i in range(N)],
        heart_rate=[58 + (i * 11) % 47 for i in range(N)],
        blood_pressure=[f"{105 + (i * 3) % 40}/{65 + (i * 7) % 25}" for i in range(N)],
    )
    result = scan(frame)
    for column in ("weight_kg", "height", "heart_rate", "blood_pressure"):
        assert HEALTH in _keys(result, column), column


def test_weights_and_heights_of_things_are_no_health() -> None:
    products = pl.DataFrame(
        {
            "sku": [f"SKU-{4400 + i}" for i in range(N)],
            "product_name": [f"Shelf unit {i}" for i in range(N)],
            "weight": [1.5 + (i * 7) % 41 for i in range(N)],
            "height": [30 + (i * 5) % 90 for i in range(N)],
        }
    )
    result = scan(products)
    assert HEALTH not in _keys(result, "weight")
    assert HEALTH not in _keys(result, "height")
    # a people table that records no care: a warehouse worker's badge and a box's weight
    staff = pl.DataFrame(
        {
            "first_name": [_FIRST[i % 8] for i in range(N)],
            "last_name": [_LAST[i % 8] for i in range(N)],
            "parcel_weight": [2 + (i * 3) % 17 for i in range(N)],
        }
    )
    assert HEALTH not in _keys(scan(staff), "parcel_weight")


_EVENTS = ["Admission", "Lab test", "Imaging", "Discharge", "Follow-up visit"]
_REASONS = [
    "Shortness of breath on exertion", "Persistent lower back pain", "Routine prenatal check",
    "Suspected kidney stones", "Dizziness after falls", "Wound review after appendectomy",
]  # fmt: skip
_RESULTS = ["Admitted for observation", "Elevated creatinine", "No fracture seen", "Stable"]
_DRUGS = ["Atorvastatin", "Omeprazole", "Levothyroxine", "Amlodipine", "Sertraline", "Warfarin"]


def test_medical_events_and_their_findings_in_a_patients_record_are_health() -> None:
    frame = _patients(
        event_type=[_EVENTS[i % 5] for i in range(N)],
        reason=[_REASONS[i % 6] for i in range(N)],
        result=[_RESULTS[i % 4] for i in range(N)],
        prescription=[_DRUGS[i % 6] for i in range(N)],
        details=[
            '{"severity": "moderate", "site": "left knee"}' if i % 3 else "{}" for i in range(N)
        ],
    )
    result = scan(frame)
    for column in ("event_type", "reason", "result", "prescription", "details"):
        assert HEALTH in _keys(result, column), column
    # a drug's name is one word that may hold a name's letters: not a username
    assert USERNAME not in _keys(result, "prescription")


def test_reasons_and_event_types_outside_a_patients_record_are_no_health() -> None:
    returns = pl.DataFrame(
        {
            "order_id": [f"SO-{91000 + i}" for i in range(N)],
            "customer_id": [f"C{500 + i % 13}" for i in range(N)],
            "reason": [
                ["Wrong size", "Damaged on arrival", "Changed my mind"][i % 3] for i in range(N)
            ],
            "result": [["Refunded", "Replaced", "Rejected"][i % 3] for i in range(N)],
        }
    )
    result = scan(returns)
    assert HEALTH not in _keys(result, "reason")
    assert HEALTH not in _keys(result, "result")
    weblog = pl.DataFrame(
        {
            "user_id": [f"u{300 + i % 9}" for i in range(N)],
            "event_type": [
                ["page_view", "click", "scroll", "add_to_cart"][i % 4] for i in range(N)
            ],
        }
    )
    assert HEALTH not in _keys(scan(weblog), "event_type")
    servers = pl.DataFrame(
        {
            "hostname": [f"node-{i:02d}.internal" for i in range(N)],
            "health": [["ok", "degraded", "unreachable"][i % 3] for i in range(N)],
            "result": [["pass", "fail"][i % 2] for i in range(N)],
        }
    )
    result = scan(servers)
    assert HEALTH not in _keys(result, "health")
    assert HEALTH not in _keys(result, "result")


def test_clinical_notes_are_health_beside_the_name_they_hold() -> None:
    notes = [
        f"Dear {_FIRST[i % 8]} {_LAST[(i * 3) % 8]}, please keep taking {_DRUGS[i % 6]} "
        f"{10 * (1 + i % 4)} mg daily as prescribed; your symptoms should ease within a week."
        if i % 2
        else f"{_FIRST[i % 8]} {_LAST[(i * 3) % 8]} reports chest pain at night. Blood pressure "
        f"is stable; we will review the dose at the next appointment."
        for i in range(N)
    ]
    result = scan(_patients(doctor_notes=notes))
    assert {HEALTH, NAME} <= _keys(result, "doctor_notes")


def test_a_crm_s_notes_are_no_health() -> None:
    notes = [
        f"Called about invoice {3300 + i}; will send the revised quote on Friday."
        if i % 2
        else f"Asked for a demo of the reporting module, follow up with team {i % 5}."
        for i in range(N)
    ]
    frame = pl.DataFrame(
        {
            "customer_id": [f"C{900 + i}" for i in range(N)],
            "email": [f"buyer{i}@example.org" for i in range(N)],
            "notes": notes,
        }
    )
    assert HEALTH not in _keys(scan(frame), "notes")


# --- 2. coded answers about a person -----------------------------------------------------------


def _customers(**columns: list) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "customer_id": [f"{4100 + i}-QXZ" for i in range(N)],
            "gender": [["Female", "Male"][i % 2] for i in range(N)],
        }
    )
    return frame.with_columns(pl.Series(k, v) for k, v in columns.items())


def test_yes_no_and_zero_one_answers_under_a_personal_fact_are_that_fact() -> None:
    yes_no = [["Yes", "No", "No"][i % 3] for i in range(N)]
    frame = _customers(
        SeniorCitizen=[1 if i % 5 == 0 else 0 for i in range(N)],
        Partner=yes_no,
        Dependents=yes_no[::-1],
        smoker=[["Y", "N"][i % 2] for i in range(N)],
        default=[["no", "no", "yes", "unknown"][i % 4] for i in range(N)],
        housing=[["yes", "no"][i % 2] for i in range(N)],
        has_children=[["true", "false"][(i // 3) % 2] for i in range(N)],
    )
    result = scan(frame)
    assert AGE in _keys(result, "SeniorCitizen")
    assert MARITAL in _keys(result, "Partner")
    assert DEMOGRAPHIC in _keys(result, "Dependents")
    assert HEALTH in _keys(result, "smoker")
    assert FINANCIAL in _keys(result, "default")
    assert FINANCIAL in _keys(result, "housing")
    assert DEMOGRAPHIC in _keys(result, "has_children")


def test_service_flags_and_other_codes_are_no_personal_fact() -> None:
    yes_no = [["Yes", "No"][i % 2] for i in range(N)]
    frame = _customers(
        PhoneService=yes_no,
        PaperlessBilling=yes_no[::-1],
        OnlineSecurity=yes_no,
        Churn=yes_no,
        is_active=[["true", "false"][i % 2] for i in range(N)],
        verified=[1 if i % 3 else 0 for i in range(N)],
    )
    result = scan(frame)
    for column in ("PhoneService", "PaperlessBilling", "OnlineSecurity", "Churn", "is_active"):
        assert not _keys(result, column), column
    assert not _keys(result, "verified")
    # a setting's default in a table of settings, and a partner flag in a table of no one
    settings = pl.DataFrame(
        {
            "setting": [f"feature_{i}" for i in range(N)],
            "default": [["true", "false"][i % 2] for i in range(N)],
            "partner": yes_no,
        }
    )
    result = scan(settings)
    assert not _keys(result, "default")
    assert not _keys(result, "partner")
    # under a personal fact's name, values that are no two-valued code: a count of children
    counts = _customers(children=[i % 5 for i in range(N)])
    assert DEMOGRAPHIC not in _keys(scan(counts), "children")


# --- 3. census and bank categories --------------------------------------------------------------

_EDUCATION = [("HS-grad", 9), ("Bachelors", 13), ("11th", 7), ("Assoc-voc", 11),
              ("Masters", 14), ("Some-college", 10), ("7th-8th", 4), ("Doctorate", 16)]  # fmt: skip
_MARITAL = ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed"]
_ROLES = ["Husband", "Wife", "Own-child", "Not-in-family", "Unmarried", "Other-relative"]
_OCCUPATIONS = ["Exec-managerial", "Craft-repair", "Adm-clerical", "Sales", "Tech-support",
                "Farming-fishing", "Machine-op-inspct"]  # fmt: skip
_COUNTRIES = ["United-States", "Mexico", "Philippines", "El-Salvador", "Canada", "?"]


def test_census_categories_of_a_person_are_found() -> None:
    frame = pl.DataFrame(
        {
            "age": [23 + (i * 7) % 50 for i in range(N)],
            "gender": [["Female", "Male"][i % 2] for i in range(N)],
            "education": [_EDUCATION[i % 8][0] for i in range(N)],
            "education_num": [_EDUCATION[i % 8][1] for i in range(N)],
            "marital_status": [_MARITAL[i % 5] for i in range(N)],
            "relationship": [_ROLES[i % 6] for i in range(N)],
            "occupation": [_OCCUPATIONS[i % 7] for i in range(N)],
            "native_country": [_COUNTRIES[0 if i % 3 else (i // 3) % 6] for i in range(N)],
            "capital_gain": [0 if i % 4 else 1000 + 731 * i for i in range(N)],
            "income_bracket": [["<=50K", ">50K"][i % 3 == 0] for i in range(N)],
        }
    )
    result = scan(frame)
    assert DEMOGRAPHIC in _keys(result, "education")
    assert DEMOGRAPHIC in _keys(result, "education_num")
    assert MARITAL in _keys(result, "marital_status")
    assert DEMOGRAPHIC in _keys(result, "relationship")
    assert JOB in _keys(result, "occupation")
    assert DEMOGRAPHIC in _keys(result, "native_country")
    assert FINANCIAL in _keys(result, "capital_gain")
    assert FINANCIAL in _keys(result, "income_bracket")


_BANK_JOBS = ["admin.", "blue-collar", "technician", "services", "management", "retired",
              "self-employed"]  # fmt: skip


def test_bank_clients_job_education_and_balance_are_found() -> None:
    frame = pl.DataFrame(
        {
            "age": [25 + (i * 7) % 45 for i in range(N)],
            "job": [_BANK_JOBS[i % 7] for i in range(N)],
            "marital": [["married", "single", "divorced"][i % 3] for i in range(N)],
            "education": [["primary", "secondary", "tertiary", "unknown"][i % 4] for i in range(N)],
            "balance": [(i * 977) % 5200 - 400 for i in range(N)],
        }
    )
    result = scan(frame)
    assert JOB in _keys(result, "job")
    assert DEMOGRAPHIC in _keys(result, "education")
    assert FINANCIAL in _keys(result, "balance")


def test_the_same_words_outside_a_table_of_people_are_no_personal_data() -> None:
    accounts = pl.DataFrame(
        {
            "account_id": [f"A-{i:04d}" for i in range(N)],
            "company": [f"Nordlys Trading {i}" for i in range(N)],
            "relationship": [["Customer", "Partner", "Prospect"][i % 3] for i in range(N)],
        }
    )
    assert DEMOGRAPHIC not in _keys(scan(accounts), "relationship")
    batch = pl.DataFrame(
        {
            "job_id": list(range(N)),
            "job": [["services", "management", "support"][i % 3] for i in range(N)],
            "duration_s": [12 + i for i in range(N)],
        }
    )
    assert JOB not in _keys(scan(batch), "job")
    # bands that are no one's income: a tax table's brackets
    taxes = pl.DataFrame(
        {
            "tax_bracket": [["<=10K", "10K-40K", ">40K"][i % 3] for i in range(N)],
            "rate": [[0.1, 0.2, 0.4][i % 3] for i in range(N)],
        }
    )
    assert FINANCIAL not in _keys(scan(taxes), "tax_bracket")


# --- 4. names among organisations and in subject lines ----------------------------------------

_SITES = ["Riverside General Hospital", "Northgate Family Practice", "St. Brigid's Hospital",
          "Harbour View Medical Center", "Elm Street Clinic", "Westfield Ortho Group"]  # fmt: skip
_DOCTORS = ["Dr. M. Halvorsen", "Dr. Tobias Quintero", "Dr. I. Bakker", "Dr. R. Okafor",
            "Dr. Lucia Moreau", "Prof. Dmitri Kowal"]  # fmt: skip


def test_doctors_named_among_hospitals_in_a_provider_column_are_names() -> None:
    # a doctor in one row in three, a hospital or practice in the rest
    providers = [_DOCTORS[(i // 3) % 6] if i % 3 == 0 else _SITES[i % 6] for i in range(60)]
    frame = _patients(60, provider_name=providers)
    assert NAME in _keys(scan(frame), "provider_name")


def test_practices_named_for_a_doctor_and_a_drink_are_no_names() -> None:
    practices = [f"Dr. {_LAST[(i // 3) % 8]}'s Family Clinic" if i % 3 == 0 else _SITES[i % 6]
                 for i in range(60)]  # fmt: skip
    frame = pl.DataFrame({"facility_id": [f"F{i}" for i in range(60)], "provider_name": practices})
    assert NAME not in _keys(scan(frame), "provider_name")
    drinks = [["Dr Pepper", "Root Beer", "Cream Soda", "Ginger Ale"][i % 4] for i in range(60)]
    products = pl.DataFrame({"sku": [f"D{i}" for i in range(60)], "product_name": drinks})
    assert NAME not in _keys(scan(products), "product_name")


_SUBJECTS = [
    "quarterly volumes for review", "revised gas nominations", "Meeting moved to 3pm",
    "Updated curve file", "storage report", "Re: contract amendments", "lunch on thursday?",
    "FW: pipeline maintenance notice", "draft press release", "credit limits",
]  # fmt: skip


def test_names_in_a_few_subject_lines_are_names() -> None:
    lines = [_SUBJECTS[i % 10] for i in range(60)]
    lines[4] = "access request for tobias halvorsen"
    lines[17] = "hello maren"
    lines[33] = "Judge Quintero's ruling this morning"
    lines[48] = "call notes with lucia ferreira"
    frame = pl.DataFrame({"email_body": ["see below"] * 60, "subject_line": lines})
    assert NAME in _keys(scan(frame), "subject_line")


def test_subject_lines_and_school_subjects_without_names_are_no_names() -> None:
    lines = [_SUBJECTS[i % 10] for i in range(60)]
    assert NAME not in _keys(scan(pl.DataFrame({"subject_line": lines})), "subject_line")
    lessons = ["Mathematics", "History", "Biology", "Art and Design", "Physical Education"]
    frame = pl.DataFrame(
        {
            "student_id": [f"S{i}" for i in range(60)],
            "subject": [lessons[i % 5] for i in range(60)],
        }
    )
    assert NAME not in _keys(scan(frame), "subject")


# --- 5. false alarms ----------------------------------------------------------------------------


def test_durations_and_averages_with_many_decimals_are_no_coordinates() -> None:
    frame = pl.DataFrame(
        {
            "email": [f"shopper{i}@example.net" for i in range(N)],
            "Avg. Session Length": [31.0 + ((i * 37) % 61) / 17.0 + i / 7919 for i in range(N)],
            "Time on App": [10.0 + ((i * 13) % 47) / 13.0 + i / 6007 for i in range(N)],
            "Time on Website": [35.0 + ((i * 29) % 53) / 19.0 + i / 5003 for i in range(N)],
            "Length of Membership": [0.5 + ((i * 17) % 59) / 11.0 + i / 4001 for i in range(N)],
        }
    )
    result = scan(frame)
    for column in frame.columns[1:]:
        assert not _keys(result, column) & {PRECISE, "user.location.imprecise"}, column
    # coordinates named as such keep their verdict
    places = pl.DataFrame(
        {
            "email": [f"rider{i}@example.net" for i in range(N)],
            "latitude": [59.9 + i / 997 for i in range(N)],
            "longitude": [10.7 + i / 1009 for i in range(N)],
        }
    )
    assert PRECISE in _keys(scan(places), "latitude")


_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/{v}.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 13_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.{v} Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_{v} like Mac OS X) AppleWebKit/605.1.15 Mobile",
]


def test_user_agent_strings_are_devices_not_e_mail() -> None:
    agents = [_AGENTS[i % 4].format(v=90 + i % 9) for i in range(N - 3)]
    # crawlers' strings carry their operator's contact address
    agents += [f"LinkSurveyBot/2.{i} (+https://crawler.example.com; ops{i}@crawler.example.com)"
               for i in range(3)]  # fmt: skip
    frame = pl.DataFrame({"clientip": [f"203.0.113.{i}" for i in range(N)], "agent": agents})
    keys = _keys(scan(frame), "agent")
    assert DEVICE in keys
    assert EMAIL not in keys
    # the same strings under a name that says nothing: no e-mail either
    assert EMAIL not in _keys(scan(frame.rename({"agent": "c07"})), "c07")
    # a handful of strings shared by every row (a fleet of the same phones) single no one out
    fleet = pl.DataFrame({"user_id": [f"u{i}" for i in range(N)], "user_agent": [
        _AGENTS[i % 4].format(v=96) for i in range(N)
    ]})  # fmt: skip
    assert DEVICE not in _keys(scan(fleet), "user_agent")
    # e-mail addresses in a column of messages stay e-mail
    messages = [f"Please reply to desk{i}@example.org about the booking" for i in range(N)]
    assert EMAIL in _keys(scan(pl.DataFrame({"message": messages})), "message")
