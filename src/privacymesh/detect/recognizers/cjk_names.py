"""Person names in Chinese, Japanese and Korean script (a known family name, then one to three
characters) and romanised Chinese names (a known romanised family name, then a given name made of
one or two pinyin syllables: `Tang Yina`). Dictionaries come from faker's CJK locales."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import cjk_family_names, member_of, romanised_cjk_surnames
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer
from privacymesh.detect.recognizers.person_name import _NAME_WORDS, _NOT_PERSON, NAME

_CJK_NAME = r"^[\p{Han}\p{Hangul}\p{Katakana}\p{Hiragana}]{2,4}$"
_INITIAL = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
_FINAL = (
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|in|un|vn|ia|ie"
    r"|iu|ua|uo|ui|ve|ue|a|o|e|i|u|v)"
)
_SYLLABLE = _INITIAL + _FINAL
_ROMANISED = rf"(?i)^\s*\p{{Lu}}\p{{Ll}}+\s+(?:{_SYLLABLE}){{1,2}}(?:[-' ]?(?:{_SYLLABLE}))?\s*$"
MIN_SHARE = 0.8  # a column of words starts with a family-name character often enough
STRENGTH = 0.55
PROBE_SHARE = 0.5  # of the probed values, shaped like names, before the column is read


@dataclass
class CjkNameRecognizer(Recognizer):
    name: str = "cjk_person_name"

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = _NAME_WORDS | frozenset(("pinyin", "romanised", "romanized", "xingming"))
        self.negative_context = _NOT_PERSON

    def ruled_out(self, values: ColumnValues) -> bool:
        return values.all_hold_digit()  # both name shapes are letters and blanks only

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        probe = values.probe()
        if probe.height == 0 or (
            probe.filter(pl.col(VALUE).str.contains(_CJK_NAME)).height < PROBE_SHARE * probe.height
            and probe.filter(pl.col(VALUE).str.contains(_ROMANISED)).height
            < PROBE_SHARE * probe.height
        ):
            return []  # too few values shaped like either kind of name
        frame = values.stripped()
        script = frame.filter(pl.col(VALUE).str.contains(_CJK_NAME))
        hits = script.filter(_starts_with_surname(script[VALUE]))
        if script.height < MIN_SHARE * values.n_rows:
            roman = frame.filter(pl.col(VALUE).str.contains(_ROMANISED))
            first = roman[VALUE].str.extract(r"^\s*(\S+)").str.to_lowercase()
            hits = roman.filter(member_of(first, romanised_cjk_surnames()))
        if hits.height < MIN_SHARE * values.n_rows or hits[VALUE].n_unique() < min(10, hits.height):
            return []
        examples = hits[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        return [
            self.evidence(NAME, hits[ROW].unique(), STRENGTH, {"dictionary"}, examples.to_list())
        ]


def _starts_with_surname(values: pl.Series) -> pl.Series:
    """Whether each value begins with a known family name of one or two characters. Korean
    text writes Hanja readings with compatibility ideographs (`李` as U+F9E1): NFKC makes them
    the unified characters the dictionary holds."""
    surnames = cjk_family_names()
    values = values.str.normalize("NFKC")
    one = member_of(values.str.slice(0, 1), surnames)
    two = member_of(values.str.slice(0, 2), surnames)
    return one | two


RECOGNIZERS = (CjkNameRecognizer(),)
