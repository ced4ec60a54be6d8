"""Person names written in Japanese: a family name and a given name apart (`山田　花子`, with
the ideographic space Japanese records put between them), the same in kana (`やまだ　はなこ`,
a name's reading), a name with an honorific (`山田花子君`, `山田様`), and lists of such names
(`山田花子君及び川口一郎君`, `山田花子君 外3名`: "and three others"). The family name must be
a known one (IPADIC's, shipped in `detect/data`), so committee, party and bill names do not read as
names; unspaced names without an honorific must split into a known family and given name."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import (
    japanese_family_names,
    japanese_family_readings,
    japanese_given_names,
)
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer
from privacymesh.detect.recognizers.person_name import _NAME_WORDS, _NOT_PERSON, NAME

_JP = r"\p{Han}\p{Hiragana}\p{Katakana}ー々ヶ"
# a value made of Japanese script, blanks and list punctuation only: the cheap probe
_SHAPE = rf"^[{_JP}\s、，,0-9０-９]{{2,60}}$"
_OTHERS = re.compile(r"\s*外\s*[0-9０-９一二三四五六七八九十]+\s*名\s*$")
_JOIN = re.compile(r"\s*(?:及び|および|並びに|、|，|,)\s*")
_HONORIFICS = ("さん", "さま", "君", "氏", "様", "殿")
_SPACE = re.compile(r"[\u3000 ]+")
# the same classes for Python's `re` (no Unicode properties there)
_KANA_CHARS = "\u3041-\u309f\u30a0-\u30ffー"
_SCRIPT = re.compile(f"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々ヶ{_KANA_CHARS}]+$")
_KANA = re.compile(f"^[{_KANA_CHARS}]+$")
MIN_SHARE = 0.7  # of a column's filled rows that hold names
PROBE_SHARE = 0.5
STRENGTH = 0.6
MAX_FAMILY = 4
MAX_GIVEN = 6


@dataclass
class JapaneseNameRecognizer(Recognizer):
    name: str = "japanese_person_name"

    def __post_init__(self) -> None:
        self.categories = (NAME,)
        self.context = _NAME_WORDS | frozenset(("furigana", "kana", "yomi", "shimei"))
        self.negative_context = _NOT_PERSON

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows == 0:
            return []
        probe = values.probe()
        if probe.height == 0:
            return []
        if probe.filter(pl.col(VALUE).str.contains(_SHAPE)).height < PROBE_SHARE * probe.height:
            return []  # mostly not Japanese script: no name list to read
        frame = values.stripped().filter(pl.col(VALUE).str.contains(_SHAPE))
        if frame.height < MIN_SHARE * values.n_rows:
            return []
        distinct = frame[VALUE].unique(maintain_order=True)
        named = pl.Series([is_name_list(v) for v in distinct.to_list()], dtype=pl.Boolean)
        found = distinct.filter(named)
        hits = frame.filter(pl.col(VALUE).is_in(found.implode()))
        if hits.height < MIN_SHARE * values.n_rows or found.len() < min(5, hits.height):
            return []
        examples = found.head(values.options.max_examples).to_list()
        return [self.evidence(NAME, hits[ROW].unique(), STRENGTH, {"dictionary"}, examples)]


def is_name_list(value: str) -> bool:
    """Whether `value` is one Japanese name or a list of them (with honorifics, "and N
    others")."""
    items = _JOIN.split(_OTHERS.sub("", value.strip()))
    return bool(items) and all(_is_name(item) for item in items)


def _is_name(item: str) -> bool:
    honorific = next((h for h in _HONORIFICS if item.endswith(h) and len(item) > len(h)), "")
    core = item[: len(item) - len(honorific)].strip()
    parts = _SPACE.split(core)
    if len(parts) == 2:
        family, given = parts
        if not (_SCRIPT.match(family) and _SCRIPT.match(given)):
            return False
        if len(family) > MAX_FAMILY or len(given) > MAX_GIVEN:
            return False
        if _KANA.match(family):
            return _katakana(family) in japanese_family_readings()
        return family in japanese_family_names()
    if len(parts) != 1 or not _SCRIPT.match(core) or _KANA.match(core):
        return False
    if honorific and core in japanese_family_names():
        return True  # a family name and an honorific (`山田様`)
    # no blank: a known family name, then a given name (known, or any after an honorific)
    for size in (3, 2, 1):
        rest = core[size:]
        if not 1 <= len(rest) <= MAX_GIVEN - 2 or core[:size] not in japanese_family_names():
            continue
        if honorific or rest in japanese_given_names():
            return True
    return False


def _katakana(text: str) -> str:
    """Hiragana turned into katakana, as IPADIC writes readings."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


RECOGNIZERS = (JapaneseNameRecognizer(),)
