"""Context signals: the column name, its contract description, tags and declared category, and
its neighbours' names. They move a recognizer's confidence up or down; they never decide alone
(a category with no value evidence is never reported)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from privacymesh.detect.options import ColumnContext
from privacymesh.detect.taxonomy import related

if TYPE_CHECKING:
    from privacymesh.detect.recognizer import Evidence

NAME_BOOST = 0.3
TEXT_BOOST = 0.25  # description, tags: written by the product owner
NEIGHBOR_BOOST = 0.1
DECLARED_BOOST = 0.2
NEGATIVE_PENALTY = 0.3

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9a-zA-Z\u00c0-\uffff]+")


def tokens(text: str | None) -> frozenset[str]:
    """Lower-case word tokens of a name or sentence, with camelCase split
    (`dateOfBirth` -> {date, of, birth}) and the joined form kept (`date_of_birth` -> also
    `dateofbirth`)."""
    if not text:
        return frozenset()
    spaced = _CAMEL.sub(" ", text)
    parts = [p.lower() for p in _SPLIT.split(spaced) if p]
    out = set(parts)
    out.update(p[:-1] for p in parts if len(p) > 3 and p.endswith("s"))  # phones -> phone
    if len(parts) > 1:
        out.add("".join(parts))
        out.update(a + b for a, b in pairwise(parts))
    return frozenset(out)


# column-name words of a table whose rows are organisations or sites, and words that show a
# person's own record (a table with both is about people who work somewhere)
_THING_WORDS = frozenset(
    (
        "company",
        "companyname",
        "supplier",
        "vendor",
        "publisher",
        "store",
        "shop",
        "merchant",
        "airport",
        "warehouse",
        "office",
        "branch",
        "organisation",
        "organization",
        "institution",
        "facility",
        "plant",
        "depot",
        "venue",
        "hospital",
        "school",
        "university",
        "bank",
        "hotel",
        "restaurant",
        "iata",
        "icao",
        "agency",
        "manufacturer",
        "retailer",
        "shipper",
        "carrier",
    )
)
# column-name words that name the organisation a row is (its customer is then a company)
_ORGANIZATION_NAME_WORDS = frozenset(
    (
        "company",
        "companyname",
        "organisation",
        "organization",
        "supplier",
        "vendor",
        "publisher",
        "manufacturer",
        "merchant",
        "agency",
        "institution",
        "employer",
        "business",
        "firm",
    )
)
_PERSON_WORDS = frozenset(
    (
        "firstname",
        "lastname",
        "surname",
        "givenname",
        "forename",
        "familyname",
        "birthdate",
        "dateofbirth",
        "dob",
        "birthday",
        "gender",
        "sex",
        "ssn",
        "email",
        "emailaddress",
        "age",
        "maritalstatus",
        "nationality",
        "fname",
        "lname",
        "au_fname",
        "au_lname",
        "passport",
        # the same in Portuguese and Spanish records (a deputy's sex, birth date, CPF)
        "sexo",
        "nascimento",
        "datanascimento",
        "fechanacimiento",
        "nomecivil",
        "cpf",
        "curp",
        # French records (a member's sex, first name, family name, birth date)
        "sexe",
        "prenom",
        "prénom",
        "nomdefamille",
        "datedenaissance",
        # a couple's record (a genealogy's families, a register's marriages)
        "husband",
        "wife",
    )
)
# column-name parts of a person's record in Japanese and Chinese, which names do not split into
# words (`議員氏名`: a member's full name; `生年月日`: birth date; `性別`: sex)
_CJK_PERSON_PARTS = ("氏名", "本名", "姓名", "生年月日", "出生日期", "性別", "性别", "ふりがな")
_PLACE_COLUMN_WORDS = frozenset(
    (
        "id",
        "code",
        "name",
        "zip",
        "zipcode",
        "postal",
        "postcode",
        "latitude",
        "lat",
        "longitude",
        "lon",
        "lng",
        "city",
        "state",
        "county",
        "country",
        "region",
        "province",
        "timezone",
        "elevation",
        "population",
        "area",
        "iata",
        "icao",
        "fips",
        "geonameid",
    )
)
# whose id a column holds when it is a person's
_WHO_WORDS = frozenset(
    (
        "user",
        "customer",
        "member",
        "patient",
        "client",
        "employee",
        "person",
        "subscriber",
        "account",
        "contact",
        "guest",
        "student",
        "driver",
        "rider",
        "visitor",
        # who holds a property, a lease or a listing: its address is then theirs
        "owner",
        "ownerid",
        "tenant",
        "tenantid",
        "resident",
        "residentid",
        "occupant",
        "landlord",
        "homeowner",
        "seller",
        "sellerid",
        "buyerid",
        "lessee",
        "borrower",
        "applicant",
        # elected officials and those who stand for office
        "candidate",
        "deputy",
        "deputado",
        "deputada",
        "parlamentar",
        "legislator",
        "senator",
        "councillor",
        "councilor",
        "politician",
    )
)
# ids that always name a person (a customer or client may be a company)
_PERSON_ID_WORDS = frozenset(
    (
        "user",
        "userid",
        "member",
        "memberid",
        "patient",
        "employee",
        "employeeid",
        "person",
        "subscriber",
        "guest",
        "student",
        "driver",
        "rider",
        "visitor",
        "citizen",
    )
)
# table names whose rows are places or organisations (a `hr_locations`, a `mflix_theaters`);
# their tokens are matched singular and plural alike (`tokens` drops a trailing s)
_THING_TABLE_WORDS = frozenset(
    (
        "location",
        "place",
        "site",
        "venue",
        "facility",
        "facilitie",
        "office",
        "store",
        "shop",
        "outlet",
        "branch",
        "branche",
        "warehouse",
        "depot",
        "plant",
        "factory",
        "theater",
        "theatre",
        "cinema",
        "airport",
        "station",
        "port",
        "terminal",
        "hospital",
        "clinic",
        "school",
        "campus",
        "building",
        "premise",
        "restaurant",
        "hotel",
        "museum",
        "library",
        "librarie",
        "park",
        "stadium",
        "company",
        "companie",
        "supplier",
        "vendor",
        "publisher",
        "manufacturer",
        "merchant",
        "organisation",
        "organization",
        "institution",
        "agency",
        "agencie",
        "carrier",
        "shipper",
        "partner",
        "bank",
        "dealer",
        "dealership",
        "reseller",
        "retailer",
        "distributor",
        "distributioncenter",
        # real estate: listings and properties for sale or rent, located by their own address
        "property",
        "propertie",
        "listing",
        "realestate",
        "realty",
        "apartment",
    )
)
# the last word of a table's name when the table is a reference list of places (`cities`,
# `world_countries`); elsewhere in a name they qualify another noun (`multi_country_phones`)
_PLACE_LIST_WORDS = frozenset(
    (
        "city",
        "cities",
        "town",
        "towns",
        "country",
        "countries",
        "district",
        "districts",
        "municipality",
        "municipalities",
        "province",
        "provinces",
    )
)
# table-name words that also name where someone was (`locations` of a device, `places` a
# user saved): they say "places" only when the rows are keyed by their own id (`location_id`)
_AMBIGUOUS_PLACE_WORDS = frozenset(("location", "place", "site", "premise", "building"))
# table-name words of events: rows someone made (a visit, a trip), whatever place they name
_EVENT_WORDS = frozenset(
    (
        "visit",
        "event",
        "log",
        "history",
        "trip",
        "ride",
        "checkin",
        "ping",
        "track",
        "tracking",
        "session",
        "movement",
        "position",
        "trace",
        "journey",
        "booking",
        "order",
        "delivery",
        "shipment",
        "attendance",
    )
)
_LOCATING = ("user.contact.address", "user.location")
THING_PENALTY = 0.6  # places and coordinates in a table of things locate the things
# a switchboard or a shared mailbox in a table of organisations reaches the organisation; its
# number is as valid as a person's, so only the table can say whose it is
CHANNEL_PENALTY = 0.8
_CHANNELS = ("user.contact.phone_number", "user.contact.fax_number", "user.contact.email")
# column-name words of a person to reach at an organisation: its phone and e-mail are theirs
_CONTACT_PERSON_WORDS = frozenset(
    (
        "contact",
        "contactname",
        "contactperson",
        "firstname",
        "lastname",
        "surname",
        "givenname",
        "familyname",
        "person",
        "attention",
        "attn",
        "representative",
        "manager",
        "owner",
    )
)
# a column saying where the row is headquartered: the rows are organisations, whatever other
# columns count (an insurer's members, its customers)
_HEADQUARTERS_WORDS = frozenset(("headquarters", "headquartered", "hq", "headoffice"))
# a column naming the organisation a person works for, and one naming their profession: the
# table lists people at their workplace (clinicians at a hospital), and its address columns
# are the workplace's
_WORKPLACE_WORDS = frozenset(
    (
        "organization",
        "organisation",
        "organizationid",
        "organisationid",
        "facility",
        "facilityid",
        "practice",
        "practiceid",
        "hospital",
        "hospitalid",
        "clinic",
        "clinicid",
        "institution",
        "institutionid",
    )
)
_PROFESSION_WORDS = frozenset(
    (
        "speciality",
        "specialty",
        "specialism",
        "specialization",
        "specialisation",
        "profession",
        "occupation",
        "discipline",
    )
)
# columns of a person's private record: with one of them the addresses are the person's own
_PRIVATE_WORDS = frozenset(
    (
        "birthdate",
        "dateofbirth",
        "dob",
        "birthday",
        "ssn",
        "email",
        "emailaddress",
        "age",
        "maritalstatus",
        "nationality",
        "passport",
        "home",
    )
)


# column-name and table-name words of a clinical record: a table holding one is about patients'
# care, so its measures, events and notes are their health
_CLINICAL_WORDS = frozenset(
    (
        "patient", "patientid", "diagnosis", "diagnoses", "diagnosiscode", "prescription",
        "medication", "medications", "symptom", "symptoms", "clinical", "medical", "encounter",
        "encounters", "admission", "admissions", "vital", "vitals", "heartrate",
        "bloodpressure", "systolic", "diastolic", "bmi", "glucose", "cholesterol", "spo2",
        "allergy", "allergies", "icd", "icd10", "snomed", "hipaa", "ehr", "emr", "mrn",
        "physician", "clinician", "doctornotes", "clinicalnotes", "comorbidity", "triage",
        "healthrecord", "medicalrecord", "dischargedate", "admissiondate",
    )
)  # fmt: skip


# table-name and column-name words of a study of patients with one disease or treatment (a
# cancer registry, a transplant cohort): every measure in it is about the patients' health
_STUDY_WORDS = frozenset(
    (
        "cancer", "tumor", "tumour", "oncology", "transplant", "transplants", "carcinoma",
        "leukemia", "leukaemia", "lymphoma", "melanoma", "dialysis", "clinicaltrial", "cohort",
        "survival", "menopause", "chemotherapy", "chemo", "metastasis",
    )
)  # fmt: skip
# table-name words of a table of people with a criminal record (released prisoners, parolees)
_OFFENDER_WORDS = frozenset(
    (
        "recidivism", "offender", "offenders", "prisoner", "prisoners", "inmate", "inmates",
        "parolee", "parolees", "convict", "convicts", "probationer", "probationers", "arrestee",
        "arrestees", "defendant", "defendants",
    )
)  # fmt: skip


def study_record(columns: list[str], table: str | None) -> bool:
    """Whether the table's name or a column's says it studies patients with one disease or
    treatment (`breast_cancer`, `kidney_transplant`, a `menopause` column)."""
    names: set[str] = set(table_words(table))
    for c in columns:
        names |= tokens(c)
    return bool(names & _STUDY_WORDS)


def offender_record(table: str | None) -> bool:
    """Whether the table's name says its rows are people with a criminal record."""
    return bool(table_words(table) & _OFFENDER_WORDS)


def clinical_record(
    columns: list[str], table: str | None, contract: dict[str, ColumnContext] | None
) -> bool:
    """Whether a table's columns, its name or its contract's data subjects say it records
    patients' care (a patient id, a diagnosis, a heart rate, `hipaa_patients`)."""
    names: set[str] = set(table_words(table))
    for c in columns:
        names |= tokens(c)
    for ctx in (contract or {}).values():
        for subject in ctx.data_subjects:
            names |= tokens(subject)
    return bool(names & _CLINICAL_WORDS)


def table_words(table: str | None) -> frozenset[str]:
    """Tokens of a table's own name: the last part of a dotted or slashed address
    (`crm.customers`, `oracle/hr_locations`, `retail__stores`), so a domain's name does not
    speak for its tables."""
    if not table:
        return frozenset()
    return tokens(re.split(r"[./]", table)[-1])


def _head_word(table: str | None) -> str:
    """The last word of a table's own name, lower case (`world_cities` -> `cities`)."""
    if not table:
        return ""
    parts = _SPLIT.split(_CAMEL.sub(" ", re.split(r"[./]", table)[-1]))
    words = [p.lower() for p in parts if p]
    return words[-1] if words else ""


def things_reason(columns: list[str], table: str | None = None) -> str:
    """Why a table holds places or organisations rather than people (`table: locations`,
    `columns: store`), or "" when it does not: its name or its columns say so and no column
    is part of a person's own record or holds a person's id."""
    names: set[str] = set()
    for c in columns:
        names |= tokens(c)
    if names & _HEADQUARTERS_WORDS:
        return "columns: headquarters"
    if names & _WORKPLACE_WORDS and names & _PROFESSION_WORDS and not names & _PRIVATE_WORDS:
        return WORKPLACE_REASON
    words = table_words(table)
    person = names & (_PERSON_WORDS | _PERSON_ID_WORDS)
    mailbox = person <= _MAILBOX_WORDS and not names & _CONTACT_PERSON_WORDS
    if mailbox and words & _ORGANIZATION_TABLE_WORDS:
        person = set()  # an e-mail column of a table named for organisations: their mailbox
    if person:
        return ""  # rows of a person's own record or of a person's actions
    own = words & _THING_TABLE_WORDS
    keyed = {w for w in own & _AMBIGUOUS_PLACE_WORDS if {f"{w}id", f"{w}code"} & names}
    if own & _AMBIGUOUS_PLACE_WORDS and _gazetteer(columns):
        keyed |= own & _AMBIGUOUS_PLACE_WORDS  # a geocoding cache: places and where they are
    own = (own - _AMBIGUOUS_PLACE_WORDS) | keyed
    if _head_word(table) in _PLACE_LIST_WORDS:
        own = own | {_head_word(table)}
    if own and not names & _WHO_WORDS and not words & _EVENT_WORDS:
        return f"table: {table_name(table)}"
    return "columns: organisations or sites" if describes_things(columns) else ""


# columns of a gazetteer or a geocoding cache: what a place is called and where it lies
_PLACE_ATTRIBUTES = frozenset(
    (
        "address", "country", "countryname", "countrycode", "continent", "latitude", "longitude",
        "lat", "lon", "lng", "long", "city", "region", "state", "province", "postcode", "zip",
        "timezone", "elevation", "altitude", "geohash", "population", "placename", "bbox",
    )
)  # fmt: skip


def _gazetteer(columns: list[str]) -> bool:
    """Whether every column is an attribute of a place and the places have coordinates."""
    names = [tokens(c) for c in columns]
    located = any(n & {"latitude", "lat"} for n in names)
    return located and len(columns) >= 3 and all(n & _PLACE_ATTRIBUTES for n in names)


_MAILBOX_WORDS = frozenset(("email", "emailaddress"))
# table-name words of organisations (not of sites, whose e-mail column may be a person's)
_ORGANIZATION_TABLE_WORDS = frozenset(
    (
        "company", "companie", "organisation", "organization", "institution", "agency",
        "agencie", "supplier", "vendor", "publisher", "manufacturer", "merchant", "carrier",
        "shipper", "partner", "bank", "dealer", "reseller", "retailer", "distributor",
        "insurer", "payer",
    )
)  # fmt: skip
WORKPLACE_REASON = "columns: the workplace of the organisation beside them"


def reaches_organizations(columns: list[str], reason: str) -> bool:
    """Whether phone numbers and e-mails in a table of things reach the things: the table is
    one of organisations (not of people at their workplace) and no column names a person to
    reach there."""
    if not reason or reason == WORKPLACE_REASON:
        return False
    names: set[str] = set()
    for c in columns:
        names |= tokens(c)
    return not names & _CONTACT_PERSON_WORDS


def subject_link(
    columns: list[str], table: str | None, contract: dict[str, ColumnContext] | None
) -> bool:
    """Whether the table's contract ties its rows to people: a declared subject key among its
    columns, or a declared data subject the table is named for (`customer` for `customers`)."""
    for ctx in (contract or {}).values():
        if ctx.subject_key and ctx.subject_key in columns:
            return True
        subjects: set[str] = set()
        for subject in ctx.data_subjects:
            subjects |= tokens(subject)
        if subjects & table_words(table):
            return True
    return False


def table_name(table: str | None) -> str:
    return re.split(r"[./]", table or "")[-1]


def describes_things(columns: list[str]) -> bool:
    """Whether a table's column names say its rows are organisations or sites, with no column
    of a person's own record."""
    names: set[str] = set()
    for c in columns:
        names |= tokens(c)
    if names & (_PERSON_WORDS | _PERSON_ID_WORDS):
        return False  # rows of a person's own record or of a person's actions
    if names & _WHO_WORDS and not names & _ORGANIZATION_NAME_WORDS:
        return False  # someone's records (a customer's shipment) that mention a carrier or store
    if names & _THING_WORDS:
        return True
    # every column names a place or its code: a reference table of places
    return (
        len(columns) >= 3
        and not names & _WHO_WORDS
        and all(tokens(c) & _PLACE_COLUMN_WORDS for c in columns)
    )


def names_someone(columns: list[str]) -> bool:
    """Whether the table's rows belong to someone: a column of a person's own record, or one
    holding whose row it is (`CustomerId` beside an invoice's billing address)."""
    names: set[str] = set()
    for c in columns:
        names |= tokens(c)
    return bool(names & (_PERSON_WORDS | _PERSON_ID_WORDS | _WHO_WORDS | _PAYER_WORDS))


# columns of a payer's or recipient's details: the row is someone's bill or parcel
_PAYER_WORDS = frozenset(("billing", "payer", "buyer", "recipient", "consignee", "cardholder"))


def describes_people(columns: list[str]) -> bool:
    """Whether some column name is part of a person's own record (name, birth date, e-mail)."""
    return any(tokens(c) & _PERSON_WORDS or any(p in c for p in _CJK_PERSON_PARTS) for c in columns)


@dataclass(frozen=True)
class ContextSignals:
    """Token sets a recognizer's context words are matched against."""

    name: frozenset[str] = field(default_factory=frozenset)
    text: frozenset[str] = field(default_factory=frozenset)
    neighbors: frozenset[str] = field(default_factory=frozenset)
    declared: str | None = None
    # the table holds records of things (organisations, sites), not of people: places and
    # addresses in it locate those things
    things: bool = False
    people: bool = False  # some column of the table is part of a person's own record
    someone: bool = False  # or some column says whose row it is (a customer id)
    things_reason: str = ""  # why the table is taken for one of things (`table: locations`)
    # phones and e-mails in the table reach the organisations (switchboards, shared mailboxes)
    org_channels: bool = False
    # the table records patients' care: its measures, events and notes are health data
    clinical: bool = False
    # the table studies patients with one disease or treatment: its measures are their health
    study: bool = False
    # the table's rows are people with a criminal record: its counts and flags are that record
    offenders: bool = False

    @property
    def about_people(self) -> bool:
        """The table's rows belong to people: part of a person's record, or it says whose
        row each is."""
        return self.people or self.someone

    @classmethod
    def build(
        cls,
        column: str,
        ctx: ColumnContext | None,
        neighbor_names: list[str],
        table: list[str] | None = None,
        table_name: str | None = None,
        contract: dict[str, ColumnContext] | None = None,
    ) -> ContextSignals:
        """Signals of `column` in a table of columns `table` named `table_name`; `contract` is
        the whole table's contract context (its subject key and data subjects speak for every
        column, declared or not)."""
        columns = table or []
        reason = things_reason(columns, table_name)
        linked = subject_link(columns, table_name, contract)
        if linked:
            reason = ""  # the contract says whose rows these are: places in them are theirs
        text: set[str] = set()
        if ctx is not None:
            text |= tokens(ctx.description)
            for tag in ctx.tags:
                text |= tokens(tag)
        neighbors: set[str] = set()
        for n in neighbor_names:
            neighbors |= tokens(n)
        return cls(
            name=tokens(column),
            text=frozenset(text),
            neighbors=frozenset(neighbors),
            declared=ctx.category if ctx is not None else None,
            things=bool(reason),
            people=describes_people(columns),
            someone=names_someone(columns) or linked,
            things_reason=reason,
            org_channels=reaches_organizations(columns, reason),
            clinical=clinical_record(columns, table_name, contract) and not reason,
            study=study_record(columns, table_name) and not reason,
            offenders=offender_record(table_name) and not reason,
        )

    def for_key(self, key: str) -> ContextSignals:
        """Signals for a value nested under a JSON key: the key is its name."""
        return replace(self, name=tokens(key) | self.name)

    def adjustment(
        self, category: str, words: frozenset[str], negative: frozenset[str]
    ) -> tuple[float, bool]:
        """(confidence change, whether context raised it) for one recognizer's words."""
        delta = 0.0
        if words & self.name:
            delta += NAME_BOOST
        elif words & self.text:
            delta += TEXT_BOOST
        elif words & self.neighbors:
            delta += NEIGHBOR_BOOST
        if self.declared and related(self.declared, category):
            delta += DECLARED_BOOST
        raised = delta > 0
        if self.things and category.startswith(_LOCATING):
            delta -= THING_PENALTY
        elif self.org_channels and category.startswith(_CHANNELS):
            delta -= CHANNEL_PENALTY
        if negative & self.name or (negative & self.text and not words & self.name):
            delta -= NEGATIVE_PENALTY
        return delta, raised

    def explain(
        self, category: str, words: frozenset[str], negative: frozenset[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(what raised, what lowered) a recognizer's confidence, as `where: word` strings in
        the order `adjustment` weighs them (only the first matching place raises)."""
        raised: list[str] = []
        for where, found in (("name", self.name), ("contract", self.text)):
            if words & found:
                raised += [f"{where}: {w}" for w in sorted(words & found)]
                break
        else:
            raised += [f"neighbour: {w}" for w in sorted(words & self.neighbors)]
        if self.declared and related(self.declared, category):
            raised.append(f"declared: {self.declared}")
        lowered = [f"name: {w}" for w in sorted(negative & self.name)]
        located = self.things and category.startswith(_LOCATING)
        if located or (self.org_channels and category.startswith(_CHANNELS)):
            lowered.append(self.things_reason)
        if not words & self.name:
            lowered += [f"contract: {w}" for w in sorted(negative & self.text)]
        return tuple(raised), tuple(lowered)


def set_aside(
    evidence: list[Evidence], reported: frozenset[str], min_confidence: float
) -> tuple[str, ...]:
    """Categories the values showed but the table's kind set aside (`category: table: x`):
    places that would have been reported were the table not one of places or organisations."""
    out: dict[str, str] = {}
    for ev in evidence:
        why = [w for w in ev.lowered_by if w.startswith(("table:", "columns:"))]
        if not why or ev.category in reported or ev.category in out:
            continue
        if ev.strength + ev.context_delta + THING_PENALTY >= min_confidence:
            out[ev.category] = f"{ev.category}: {why[0]}"
    return tuple(sorted(out.values()))
