"""Korean person names beyond one name a cell: lists of names in Hangul under a name that says
whose they are (aides, secretaries, staff), and the proposing member a bill's title ends with
(`...법률안(홍길동의원 등 10인)`: member 홍길동 and nine others), read only with the honorific
and the count, never from plain text."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words
from privacymesh.detect.recognizers.cjk_names import _starts_with_surname
from privacymesh.detect.recognizers.person_name import _NAME_WORDS, _NOT_PERSON, NAME

_HANGUL_NAME = r"^\p{Hangul}{2,4}$"
# names in a list are parted by commas, middle dots, slashes or blanks
_SEPARATORS = r"\s*[,，、·/;]\s*|\s+"
# column-name words for the people a row lists
_LIST_WORDS = words(
    "aide", "aides", "secretary", "secretaries", "secr", "secrs", "staff", "assistant",
    "assistants", "members", "names", "보좌관", "비서", "비서관", "직원",
)  # fmt: skip
LIST_SHARE = 0.8  # of a column's rows whose every part is a Korean name
LIST_STRENGTH = 0.55

# `(<name>의원 등 <n>인)`: a member (의원) and others (등) counted in persons (인)
_PROPOSER = r"\((\p{Hangul}{2,4})\s*의원\s*(?:등|외)\s*\d+\s*인\)"
PROPOSER_SHARE = 0.2  # of a column's rows naming a proposer: the column carries names
PROPOSER_STRENGTH = 0.6


@dataclass
class KoreanNameListRecognizer(Recognizer):
    """Two or more Hangul names a cell (`김민지, 박서준`), each starting with a family name, under
    a column named for the people listed."""

    name: str = "korean_name_list"

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = _LIST_WORDS | _NAME_WORDS
        self.negative_context = _NOT_PERSON

    def applies(self, values: ColumnValues) -> bool:
        return bool(self.context & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        probe = values.probe()
        if probe.filter(pl.col(VALUE).str.contains(r"\p{Hangul}")).height < 0.5 * probe.height:
            return []
        parts = (
            values.stripped()
            .select(ROW, pl.col(VALUE).str.replace_all(_SEPARATORS, "\n").str.split("\n"))
            .explode(VALUE)
            .filter(pl.col(VALUE).str.len_chars() > 0)
        )
        named = parts.with_columns(
            ok=pl.col(VALUE).str.contains(_HANGUL_NAME) & _starts_with_surname(parts[VALUE])
        )
        per_row = named.group_by(ROW).agg(pl.col("ok").all(), pl.len().alias("n"))
        lists = per_row.filter(pl.col("ok"))
        several = lists.filter(pl.col("n") >= 2).height
        if lists.height < LIST_SHARE * values.n_rows or several < 0.3 * lists.height:
            return []
        hits = named.filter(pl.col(ROW).is_in(lists[ROW].implode()))
        if hits[VALUE].n_unique() < min(10, hits.height):
            return []
        examples = hits[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        return [
            self.evidence(
                NAME, lists[ROW], LIST_STRENGTH, {"dictionary", "pattern"}, examples.to_list()
            )
        ]


@dataclass
class KoreanProposerRecognizer(Recognizer):
    """A bill's title naming its proposing member with the honorific and the count of
    co-proposers; government and committee bills name no one, so a share of rows suffices."""

    name: str = "korean_bill_proposer"

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = _NAME_WORDS | words("proposer", "proposers", "발의자", "제안자")
        self.negative_context = frozenset()

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0 or not values.probe()[VALUE].str.contains("의원").any():
            return []
        found = values.stripped().select(ROW, pl.col(VALUE).str.extract(_PROPOSER, 1)).drop_nulls()
        hits = found.filter(_starts_with_surname(found[VALUE]))
        if hits.height < PROPOSER_SHARE * values.n_rows or hits[VALUE].n_unique() < min(
            5, hits.height
        ):
            return []
        examples = hits[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        return [
            self.evidence(
                NAME,
                hits[ROW].unique(),
                PROPOSER_STRENGTH,
                {"pattern", "dictionary"},
                examples.to_list(),
            )
        ]


RECOGNIZERS = (KoreanNameListRecognizer(), KoreanProposerRecognizer())
