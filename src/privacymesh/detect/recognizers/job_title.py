"""Job titles: a column whose values are mostly occupations (`Sales Manager`, `Chief Executive
Officer`, `Nurse`), read by their head words from an occupation lexicon. A job title describes a
person only where the table's rows are people's (an employee, a customer's contact): in a
reference table of jobs it is a list of roles, so the value evidence is weak there."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import member_of, occupation_heads
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words

JOB_TITLE = "user.job_title"
MIN_SHARE = 0.6  # of the values whose words include an occupation's head word
MAX_WORDS = 8  # longer values are sentences, not titles
# neighbours that hold a person's name: a `title` beside them is that person's job
_NAME_NEIGHBORS = frozenset(
    ("name", "fullname", "contactname", "employeename", "staffname", "agentname", "brokername")
)


# a clinician's specialty names their work (`Psychiatry`, `Family Practice`): read as a job
# title under a column name that says specialty
_SPECIALTY_NAMES = words(
    "speciality", "specialty", "specialities", "specialism", "specialisation",
    "specialization", "discipline", "profession",
)  # fmt: skip
SPECIALTY_HEADS = frozenset(
    (
        "medicine", "practice", "psychiatry", "psychology", "therapy", "surgery", "optometry",
        "chiropractic", "cardiology", "dermatology", "neurology", "oncology", "pediatrics",
        "paediatrics", "radiology", "anesthesiology", "anaesthesia", "anaesthetics",
        "obstetrics", "gynecology", "gynaecology", "orthopedics", "orthopaedics", "urology",
        "nephrology", "gastroenterology", "endocrinology", "rheumatology", "ophthalmology",
        "pathology", "dentistry", "podiatry", "audiology", "physiotherapy", "nursing",
        "midwifery", "pharmacy", "pulmonology", "hematology", "haematology", "geriatrics",
        "immunology", "otolaryngology", "osteopathy", "dietetics", "nutrition", "counselling",
        "counseling", "neurosurgery",
    )
)  # fmt: skip


# a column named for what a person does for a living: under it, in a table of people, an
# agent noun (`cricketer`, `historian`, `botanist`) or a common role is read as an occupation
# though the occupation lists do not hold it
_OCCUPATION_NAMES = words(
    "occupation", "occupations", "profession", "job", "beruf", "profissao", "profissão",
    "ocupacao", "ocupação", "ocupacion", "ocupación", "metier", "métier",
)  # fmt: skip
_AGENT_NOUN = r"^\p{L}{2,}(?:er|or|ist|ian|eer|ant|ent|smith|wright|man|woman|person)$"
_ROLE_HEADS = frozenset(
    (
        "player", "priest", "poet", "minister", "soldier", "monk", "nun", "bishop", "judge",
        "personnel", "diplomat", "missionary", "chef", "artisan", "cleric", "clergy", "pilot",
        "sailor", "lawyer", "nurse", "midwife", "scholar", "athlete", "cook", "maid",
    )
)  # fmt: skip


# the words of occupation groups as censuses and surveys code them (`Exec-managerial`,
# `Adm-clerical`, `blue-collar`, `admin.`): under an occupation name in a table of people each
# is a person's line of work, though no single title
_OCCUPATION_GROUP_WORDS = frozenset(
    (
        "managerial", "management", "clerical", "specialty", "professional", "prof", "repair",
        "craft", "sales", "service", "services", "serv", "cleaners", "handlers", "farming",
        "fishing", "forestry", "transport", "moving", "inspct", "tech", "support",
        "protective", "armed", "forces", "military", "admin", "administrative", "adm",
        "collar", "technician", "entrepreneur", "retired", "employed", "unemployed",
        "housemaid", "student", "homemaker", "housewife", "labourer", "laborer", "executive",
        "exec", "trades", "agriculture", "construction", "production", "operator",
    )
)  # fmt: skip


@dataclass
class JobTitleRecognizer(Recognizer):
    name: str = "job_title"
    strength: float = 0.45  # in a table of people
    elsewhere: float = 0.15  # in a table whose rows are not people's

    def __post_init__(self) -> None:
        self.categories = (JOB_TITLE,)
        self.context = words(
            "title", "jobtitle", "job", "position", "role", "occupation", "profession",
            "designation", "function", "beruf", "cargo", "puesto", "poste", "contacttitle",
        ) | _SPECIALTY_NAMES  # fmt: skip
        self.negative_context = words(
            "film", "movie", "book", "song", "track", "album", "product", "page", "video",
            "course", "episode", "article", "post", "event", "task", "ticket", "document",
        )  # fmt: skip

    def applies(self, values: ColumnValues) -> bool:
        # the value evidence alone stays below any reporting threshold: without a title-like
        # name, contract text, neighbour or declared category the column is not read
        signals = values.signals
        named = self.context & (signals.name | signals.text | signals.neighbors) or (
            signals.declared == JOB_TITLE
        )
        return bool(named) and super().applies(values)

    @staticmethod
    def among_people(values: ColumnValues) -> bool:
        """The table's rows are people's: a column of a person's own record or whose row it is,
        or a neighbour holding a person's name."""
        signals = values.signals
        return signals.about_people or bool(signals.neighbors & _NAME_NEIGHBORS)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 2:
            return []
        folded = values.folded()
        distinct = folded.select(pl.col(VALUE).unique()).to_series()
        someone = self.among_people(values)
        # one title shared by every row is still each person's job (a team of brokers)
        if distinct.len() < (1 if someone else 2):
            return []
        parts = distinct.str.replace_all(r"[^\w&]+", " ").str.strip_chars().str.split(" ")
        short = parts.list.len() <= MAX_WORDS
        tokens = pl.DataFrame({VALUE: distinct, "word": parts}).filter(short).explode("word")
        # a plural (`Registered Nurses`, a profession's name) is read as its singular
        singular = tokens["word"].str.replace(r"(?:ies)$", "y").str.replace(r"([^s])s$", "$1")
        known = member_of(tokens["word"], occupation_heads()) | member_of(
            singular, occupation_heads()
        )
        if values.signals.name & _SPECIALTY_NAMES:
            known = known | member_of(tokens["word"], SPECIALTY_HEADS)
        if values.signals.name & _OCCUPATION_NAMES and someone:
            agent = tokens["word"].str.contains(_AGENT_NOUN) | member_of(singular, _ROLE_HEADS)
            group = member_of(tokens["word"], _OCCUPATION_GROUP_WORDS)
            known = known | agent.fill_null(False) | group
        heads = tokens.filter(known)[VALUE].unique()
        hit = folded.filter(pl.col(VALUE).is_in(heads.implode()))
        share = hit.height / values.n_rows
        if share < MIN_SHARE:
            return []
        base = self.strength if someone else self.elsewhere
        strength = base * (0.8 + 0.2 * min(1.0, share / 0.9))
        examples = values.stripped().filter(pl.col(ROW).is_in(hit[ROW].implode()))[VALUE]
        return [
            self.evidence(
                JOB_TITLE,
                hit[ROW].unique(),
                strength,
                {"dictionary"},
                examples.unique(maintain_order=True).head(values.options.max_examples).to_list(),
            )
        ]


RECOGNIZERS = (JobTitleRecognizer(),)
