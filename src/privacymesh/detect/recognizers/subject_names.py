"""Names in short lines under a subject's name (an e-mail's or a ticket's subject): a few rows in
ten may name someone (`access for mike grigsby`, `hello susan`, `Judge Rosenthal's order`),
often in lower case, which the capitalised-name search does not read. Only a given name and a
family name (a word no dictionary of common words holds) together, a greeting then a given
name, or a title then a family name count."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import first_names, member_of, prose_words
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words

NAME = "user.name"
_SUBJECT_NAMES = words("subject", "subjectline", "subj", "headline", "emailsubject", "topic")
_GREETINGS = frozenset(("hello", "hi", "hey", "dear", "thanks", "attn", "congratulations"))
_TITLES = frozenset(
    ("judge", "dr", "mr", "mrs", "ms", "prof", "senator", "governor", "mayor", "commissioner")
)
SHORT_CHARS = 160  # a subject line, not a message body
SHORT_SHARE = 0.8
MIN_ROWS = 2  # one name could be a chance pair of words


@dataclass
class SubjectLineNameRecognizer(Recognizer):
    name: str = "subject_line_name"
    strength: float = 0.35  # the subject's name raises it to a verdict

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = _SUBJECT_NAMES
        self.negative_context = words("course", "school", "grade", "exam", "category")

    def applies(self, values: ColumnValues) -> bool:
        return bool(_SUBJECT_NAMES & values.signals.name) and super().applies(values)

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        folded = values.folded()
        short = folded.filter(pl.col(VALUE).str.len_chars() <= SHORT_CHARS)
        if short.height < SHORT_SHARE * values.n_rows:
            return []
        # each word beside the one after it (a possessive's `'s` taken off)
        found = pl.col(VALUE).str.extract_all(r"[\p{L}][\p{L}'’\-]*")
        pairs = (
            short.select(ROW, w=found.list.eval(pl.element().str.replace(r"['’]s$", "")))
            .with_columns(nxt=pl.col("w").list.shift(-1))
            .explode(["w", "nxt"])
            .drop_nulls(["w", "nxt"])
        )
        if pairs.height == 0:
            return []
        common = prose_words()
        w, nxt = pairs["w"], pairs["nxt"]
        plain_first = member_of(w, first_names()) & ~member_of(w, common)
        # a family name the dictionaries may not know: any word of three letters or more that
        # is no common word
        plain_last = ~member_of(nxt, common) & (nxt.str.len_chars() >= 3)
        given_next = member_of(nxt, first_names()) & ~member_of(nxt, common)
        hit = (
            (plain_first & plain_last)
            | (member_of(w, _GREETINGS) & given_next)
            | (member_of(w, _TITLES) & plain_last)
        )
        rows = pairs.filter(hit)[ROW].unique()
        named = short.filter(pl.col(ROW).is_in(rows.implode()))
        if named.height < MIN_ROWS or named[VALUE].n_unique() < MIN_ROWS:
            return []
        examples = named[VALUE].unique(maintain_order=True).head(1).to_list()
        return [self.evidence(NAME, named[ROW].unique(), self.strength, {"dictionary"}, examples)]


RECOGNIZERS = (SubjectLineNameRecognizer(),)
