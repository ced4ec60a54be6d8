"""Special categories (GDPR art. 9): political opinion, religious belief, racial or ethnic
origin. A column whose whole vocabulary is such terms: written out (`Democrat`, `Catholic`,
`Hispanic or Latino`) it is strong evidence in a table of people; short codes (`D`/`R`/`I`) are
as likely grades or flags, so they are read only under a name that speaks of the category.
Party membership is also read without any list of parties: a column named for a party, in a
table of people, whose values are a few short names or abbreviations (`PSDB`, `自民`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from privacymesh.detect.context import tokens
from privacymesh.detect.lexicon import organization_words
from privacymesh.detect.recognizer import (
    ROW,
    VALUE,
    ColumnValues,
    Evidence,
    Recognizer,
    digit_free,
    words,
)

POLITICAL_OPINION = "user.demographic.political_opinion"
RELIGIOUS_BELIEF = "user.demographic.religious_belief"
RACE_ETHNICITY = "user.demographic.race_ethnicity"

IN_VOCABULARY = 0.95  # share of rows whose value is a term of the vocabulary (typos aside)
MAX_DISTINCT = 40  # a longer vocabulary is free text, not a category
# answers any such question may hold; they count towards the vocabulary, never as evidence
_NO_ANSWER = frozenset(
    (
        "other", "unknown", "none", "n/a", "na", "declined", "refused", "not stated",
        "not specified", "prefer not to say", "prefer not to answer", "no answer", "undisclosed",
        "missing", "-", "?", "not stated/inadequately described", "asked but declined",
    )
)  # fmt: skip

# fmt: off
_PARTIES = frozenset((
    "democrat", "democratic", "democratic party", "republican", "republican party",
    "independent", "libertarian", "green", "green party", "constitution", "reform",
    "conservative", "conservative party", "labour", "labour party", "labor", "liberal",
    "liberal democrat", "liberal democrats", "lib dem", "socialist", "communist", "snp",
    "plaid cymru", "ukip", "dup", "sinn fein", "sinn féin", "tory", "whig", "federalist",
    "populist", "progressive", "christian democrat", "social democrat", "social democratic",
    "cdu", "csu", "cdu/csu", "spd", "fdp", "afd", "die linke", "grüne", "gruene",
    "bündnis 90/die grünen", "psoe", "podemos", "vox", "ciudadanos", "morena", "pri", "pan",
    "psdb", "mdb", "pmdb", "psol", "ndp", "bloc québécois", "bloc quebecois",
    "renaissance", "rassemblement national", "la france insoumise", "les républicains",
    "democratic-farmer-labor", "farmer-labor", "popular democrat", "unaffiliated",
    "nonpartisan", "non-partisan", "no party", "no party preference", "decline to state",
    "centre-left", "centre-right", "center-left",
    "center-right", "far left", "far right", "moderate", "very liberal", "very conservative",
    "slightly liberal", "slightly conservative",
))
_PARTY_CODES = frozenset((
    "d", "r", "i", "l", "g", "c", "dem", "rep", "ind", "gop", "lib", "con", "lab", "grn",
    "np", "npa", "dfl", "ld", "u", "ref", "soc", "cons", "ndp", "ukip",
))
_RELIGIONS = frozenset((
    "christian", "christianity", "catholic", "roman catholic", "protestant", "orthodox",
    "eastern orthodox", "greek orthodox", "evangelical", "baptist", "methodist", "lutheran",
    "anglican", "episcopalian", "presbyterian", "pentecostal", "mormon", "lds",
    "latter-day saints", "jehovah's witness", "quaker", "adventist", "muslim", "islam",
    "islamic", "sunni", "shia", "shi'a", "jewish", "judaism", "hindu", "hinduism", "buddhist",
    "buddhism", "sikh", "sikhism", "jain", "jainism", "bahai", "bahá'í", "baha'i", "shinto",
    "taoist", "taoism", "confucian", "zoroastrian", "pagan", "wiccan", "atheist", "agnostic",
    "no religion", "nonreligious", "non-religious", "secular", "spiritual",
    "katholisch", "evangelisch", "römisch-katholisch", "muslimisch", "jüdisch", "konfessionslos",
    "católico", "católica", "catolico", "catolica", "evangélico", "evangélica", "ateo", "atea",
    "ateu", "musulmán", "musulmana", "judío", "judía", "catholique", "musulman", "musulmane",
    "juif", "juive", "athée", "bouddhiste", "hindou",
))
_ETHNICITIES = frozenset((
    "white", "black", "asian", "hispanic", "latino", "latina", "latinx", "hispanic or latino",
    "not hispanic or latino", "non-hispanic", "non hispanic", "non-hispanic white",
    "non-hispanic black", "african american", "black or african american", "caucasian",
    "native american", "american indian", "alaska native", "american indian or alaska native",
    "pacific islander", "native hawaiian", "native hawaiian or other pacific islander",
    "middle eastern", "middle eastern or north african", "arab", "multiracial", "mixed",
    "mixed race", "two or more races", "biracial", "indigenous", "aboriginal",
    "aboriginal and torres strait islander", "torres strait islander", "first nations",
    "inuit", "métis", "metis", "maori", "māori", "south asian", "east asian",
    "southeast asian", "white british", "white irish", "white other", "any other white background",
    "black african", "black caribbean", "black british", "asian british",
    "mixed white and black caribbean", "mixed white and black african", "mixed white and asian",
    "indian", "pakistani", "bangladeshi", "chinese", "filipino", "korean", "japanese",
    "vietnamese", "roma", "gypsy or irish traveller", "other race", "other ethnicity",
    "some other race", "nonhispanic", "not hispanic", "hawaiian", "alaskan native",
    # Australia's standard question on Indigenous status
    "aboriginal but not torres strait islander origin",
    "torres strait islander but not aboriginal origin",
    "both aboriginal and torres strait islander origin",
    "neither aboriginal nor torres strait islander origin",
))
# the same standard's codes (1 to 4, 9 not stated): read only under a name that says so
_INDIGENOUS_CODES = frozenset(("1", "2", "3", "4", "9"))
# India's social categories (castes and tribes as the reservation system groups them): a caste
# is a person's ethnic origin in law; written out or coded (SC, ST, OBC, GEN)
_CASTE_TERMS = frozenset((
    "scheduled caste", "scheduled castes", "scheduled tribe", "scheduled tribes",
    "other backward class", "other backward classes", "backward class", "backward classes",
    "most backward class", "most backward classes", "extremely backward class",
    "denotified tribe", "nomadic tribe", "dalit", "adivasi", "forward caste",
    "economically weaker section",
))
_CASTE_CODES = frozenset((
    "sc", "st", "obc", "gen", "general", "ur", "unreserved", "ews", "mbc", "ebc", "bc", "sbc",
    "nt", "vjnt", "open", "oc",
))
# fmt: on


def _terms(values: ColumnValues) -> pl.DataFrame | None:
    """(row, value) folded with blanks collapsed, or None when the column holds more distinct
    terms than a category has; shared by every special category (computed once per column)."""
    key = "special_category_terms"
    if key not in values.memo:
        folded = values.folded().with_columns(pl.col(VALUE).str.replace_all(r"\s+", " "))
        vocab = folded[VALUE].n_unique()
        values.memo[key] = None if vocab > MAX_DISTINCT else folded
    return values.memo[key]


@dataclass
class VocabularyRecognizer(Recognizer):
    """Every value a term of one special category's vocabulary (or a non-answer) and at least
    two distinct written-out terms, or, under a name that speaks of the category, two codes."""

    name: str = ""
    category: str = ""
    terms: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()
    named_words: frozenset[str] = frozenset()
    unwanted: frozenset[str] = frozenset()
    strength: float = 0.45  # written out, in a table of people
    elsewhere: float = 0.3  # written out, in a table whose rows are not people's
    coded: float = 0.25  # codes only: the name must carry it
    vocabulary: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        self.categories = (self.category,)
        self.context = self.named_words
        self.negative_context = self.unwanted
        self.vocabulary = self.terms | self.codes | _NO_ANSWER
        self._digit_free = digit_free(self.vocabulary)

    def ruled_out(self, values: ColumnValues) -> bool:
        # folding keeps digits: a column whose values all hold one holds no term without one
        return self._digit_free and values.all_hold_digit()

    def named(self, values: ColumnValues) -> bool:
        signals = values.signals
        return bool(self.context & (signals.name | signals.text)) or (
            signals.declared == self.category
        )

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        folded = _terms(values)
        if folded is None:
            return []
        known = folded.filter(pl.col(VALUE).is_in(pl.Series(sorted(self.vocabulary)).implode()))
        if known.height < IN_VOCABULARY * values.n_rows:
            return []
        seen = set(known[VALUE].unique().to_list())
        written = sorted(seen & self.terms)
        coded = sorted(seen & self.codes)
        if len(written) >= 2:
            people = values.signals.about_people
            strength, examples = (self.strength if people else self.elsewhere), written
        elif len(coded) >= 2 and self.named(values):
            strength, examples = self.coded, coded
        else:
            return []
        return [
            self.evidence(
                self.category,
                known[ROW].unique(),
                strength,
                {"dictionary"},
                examples[: values.options.max_examples],
            )
        ]


_PARTY_NAME_WORDS = words(
    "party", "partido", "partei", "parti", "partito", "partia", "partij", "politicalparty",
    "partyname", "partyabbreviation", "partyabbr", "partycode", "siglapartido", "sgpartido",
    "partidosigla", "caucus", "faction", "fraktion", "political", "politicalaffiliation",
    "partyaffiliation", "politics",
)  # fmt: skip
# how Japanese and Chinese write a party or a parliamentary group in a column name
_PARTY_NAME_PARTS = ("会派", "政党", "党派", "所属党", "党籍")
# a party that is not a political one: to a contract, a deal, a booking or a celebration
_NOT_PARTY = words(
    "id", "key", "uuid", "number", "no", "num", "nr", "third", "thirdparty", "counter",
    "counterparty", "contracting", "contract", "legal", "signing", "paying", "receiving",
    "related", "relatedparty", "responsible", "interested", "injured", "host", "size",
    "wedding", "birthday", "dinner", "type", "role", "count", "date", "time",
)  # fmt: skip
# what a party to a contract, a case or a deal is called: roles, not parties one belongs to
_ROLES = frozenset((
    "plaintiff", "defendant", "claimant", "respondent", "appellant", "appellee", "applicant",
    "buyer", "seller", "lessor", "lessee", "landlord", "tenant", "licensor", "licensee",
    "vendor", "customer", "supplier", "guarantor", "borrower", "lender", "employer",
    "employee", "contractor", "client", "agent", "principal", "party a", "party b",
    "first party", "second party", "third party", "witness", "beneficiary", "insurer",
    "insured",
))  # fmt: skip
PARTY_MAX_CHARS = 40  # a party's name or abbreviation, not a sentence
PARTY_MAX_WORDS = 6
PARTY_SHARE = 0.9  # of rows shaped like a party
PARTY_DISTINCT = 0.3  # at most this share of rows distinct (many members, few parties)
PARTY_STRENGTH = 0.55


@dataclass
class PartyMembershipRecognizer(Recognizer):
    """A column named for a party (`party`, `sgPartido`, `会派`) in a table of people whose
    values are a few short names or abbreviations: the party each person belongs to. No list
    of parties: the name, the table and the values' shape decide, so any country's parties
    are read; roles of a contract's parties and organisations' names are not."""

    name: str = "party_membership"

    def __post_init__(self) -> None:
        self.categories = (POLITICAL_OPINION,)
        self.context = _PARTY_NAME_WORDS
        self.negative_context = _NOT_PARTY

    def named(self, values: ColumnValues) -> bool:
        name = values.signals.name
        if name & _NOT_PARTY:
            return False
        return bool(name & _PARTY_NAME_WORDS) or any(p in values.name for p in _PARTY_NAME_PARTS)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        signals = values.signals
        # a party beside a person's name (`Name`, `Political Affiliation`): the named person's
        beside_name = "name" in signals.neighbors
        if values.n_rows < 2 or signals.things:
            return []
        if not (signals.about_people or beside_name):
            return []
        if not self.named(values):
            return []  # decided from the name and the table before any value is read
        frame = values.stripped()
        v = pl.col(VALUE)
        shaped = frame.filter(
            (v.str.len_chars() <= PARTY_MAX_CHARS)
            & (v.str.count_matches(r"\s+") < PARTY_MAX_WORDS)
            & v.str.contains(r"\p{L}")
        )
        if shaped.height < PARTY_SHARE * values.n_rows:
            return []
        distinct = shaped[VALUE].unique()
        if not 2 <= distinct.len() <= max(10, PARTY_DISTINCT * values.n_rows):
            return []
        folded = distinct.str.to_lowercase()
        roles = folded.is_in(pl.Series(sorted(_ROLES)).implode()).sum()
        # a firm's name has a word beside its suffix (`Acme Corp`); alone, a suffix may be a
        # party's abbreviation (`PT`, `SA`)
        firms = sum(1 for d in folded.to_list() if " " in d and tokens(d) & organization_words())
        if roles + firms > distinct.len() / 4:
            return []  # a contract's or a deal's parties: roles or organisations
        examples = distinct.head(values.options.max_examples).to_list()
        return [
            self.evidence(
                POLITICAL_OPINION, shaped[ROW].unique(), PARTY_STRENGTH, {"cardinality"}, examples
            )
        ]


@dataclass
class SocialCategoryRecognizer(VocabularyRecognizer):
    """India's social categories (`SC`, `ST`, `OBC`, `General`) of the people in a table: a
    caste or tribe is their ethnic origin. Codes need a name that says category or caste and a
    table of people; written out (`Scheduled Caste`) they are plain."""

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if not values.signals.about_people:
            return []
        found = super().detect(values)
        # `general` and `open` are everyday words: a code column needs one of the castes' own
        if found and not set(found[0].examples) & (self.terms | {"sc", "st", "obc"}):
            return []
        return found


RECOGNIZERS = (
    PartyMembershipRecognizer(),
    SocialCategoryRecognizer(
        name="social_category",
        category=RACE_ETHNICITY,
        terms=_CASTE_TERMS,
        codes=_CASTE_CODES,
        named_words=words(
            "caste",
            "castecategory",
            "category",
            "socialcategory",
            "reservation",
            "reservationcategory",
            "community",
            "jati",
            "tribe",
        ),
        unwanted=words("product", "item", "expense", "cost", "ticket", "vehicle", "budget"),
    ),
    VocabularyRecognizer(
        name="political_opinion",
        category=POLITICAL_OPINION,
        terms=_PARTIES,
        codes=_PARTY_CODES,
        named_words=words(
            "party",
            "political",
            "politics",
            "partisan",
            "affiliation",
            "partyaffiliation",
            "partyid",
            "partycode",
            "politicalparty",
            "ideology",
            "partei",
            "partido",
            "parti",
            "politicalview",
            "politicalopinion",
            "votingintention",
            "voteintention",
            "leaning",
            "politicalleaning",
            "partypreference",
            "voterparty",
            "caucus",
        ),
        unwanted=words("size", "grade", "class", "tier", "type", "shirt", "level", "status"),
    ),
    VocabularyRecognizer(
        name="religious_belief",
        category=RELIGIOUS_BELIEF,
        terms=_RELIGIONS,
        named_words=words(
            "religion",
            "religious",
            "faith",
            "belief",
            "denomination",
            "confession",
            "konfession",
            "religiao",
            "religião",
            "religión",
            "creed",
            "religiousaffiliation",
        ),
        unwanted=words("building", "church", "venue", "school", "site"),
    ),
    VocabularyRecognizer(
        name="race_ethnicity",
        category=RACE_ETHNICITY,
        terms=_ETHNICITIES,
        codes=_INDIGENOUS_CODES,
        named_words=words(
            "indigenous",
            "indigenousstatus",
            "aboriginality",
            "race",
            "ethnicity",
            "ethnic",
            "ethnicgroup",
            "ethnicorigin",
            "raceethnicity",
            "ancestry",
            "herkunft",
            "etnia",
            "raza",
            "raca",
            "raça",
            "ethnie",
        ),
        unwanted=words(
            "color",
            "colour",
            "paint",
            "cuisine",
            "food",
            "dish",
            "language",
            "lang",
            "product",
            "style",
            "breed",
            "theme",
            "font",
        ),
    ),
)
