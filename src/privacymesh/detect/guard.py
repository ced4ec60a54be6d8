"""One home for "do these texts hold raw personal data?": the full detector over text bound for
evidence (ledger results and findings, audit records, audit pack files).

Two shapes of question are answered here. `flagged_columns` and `column_hits` take whole
columns of text (the pack guard's files); `find_personal` takes loose texts and names each one
that carries a blocking category, so a caller can withhold exactly those values.

The ledger's own identifiers (run, result and finding ids, record hashes, fingerprints,
`sha256:` digests) are judged by their pattern, not by the detector, whose context rules would
take a 32-digit fingerprint for a cookie id. Masked samples (`j***@e***.com`) are not
recognised by the detector's design. `BLOCKING` lists the categories that count.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

import polars as pl

from privacymesh.detect.lexicon import first_name_series
from privacymesh.detect.options import ScanOptions
from privacymesh.detect.scanner import scan_frame

# Categories whose raw values must never be kept as evidence (fideslang keys and children).
BLOCKING = (
    "user.contact",
    "user.government_id",
    "user.financial.bank_account",
    "user.financial.credit_card",
    "user.device.ip_address",
    "user.device.device_id",
    "user.device.cookie_id",
    "user.location.precise",
    "user.authorization.credentials",
    "user.name",
    "user.demographic.date_of_birth",
)

OPTIONS = ScanOptions(sample_rows=None, min_hit_rate=0.0, max_examples=2, quasi_max_candidates=0)
SHARED_FRAME_ROWS = 2048
# names are judged by how much of a column they cover: one name among many other texts is
# diluted below the detector's confidence, so texts that may hold a name are also scanned in
# groups this small
NAME_GROUP = 8

_ID_TOKEN = r"(\d{8}T\d{6}Z-[0-9a-f]{6}(/[rf]\d+)?|(sha256:)?[0-9a-f]{16,64})"
IDENTIFIER = rf"^{_ID_TOKEN}$"
_ID_RE = re.compile(_ID_TOKEN)
_HEX_RE = re.compile(r"[0-9a-f]+")


_NAME_PARTS = ("user.name.first", "user.name.last")
_ONE_WORD = re.compile(r"[^\W\d_]+")


def blocking(category: str) -> bool:
    """Whether a detected category stops a value from being kept."""
    return any(category == b or category.startswith(b + ".") for b in BLOCKING)


def _hex_text(token: str) -> bool:
    """Whether a hex token decodes to mostly printable text (hex-encoded data, not a digest)."""
    raw = bytes.fromhex(token[: len(token) // 2 * 2])
    return sum(32 <= b < 127 for b in raw) >= 0.8 * len(raw)


def _identifier_tokens(tokens: pl.Series) -> pl.Series:
    """Per token: a ledger identifier (and, for a hex token, one that is not encoded text)."""
    is_id = tokens.str.contains(IDENTIFIER)
    hexes = tokens.str.replace("^sha256:", "").str.contains(r"^[0-9a-f]+$") & is_id
    suspicious = {
        t for t in tokens.filter(hexes).unique().to_list() if _hex_text(t.removeprefix("sha256:"))
    }
    return is_id & ~tokens.is_in(list(suspicious))


def identifier_column(series: pl.Series) -> bool:
    """Every value is a ledger identifier, alone or in a space-separated list."""
    tokens = series.drop_nulls().unique().str.split(" ").explode().drop_nulls()
    tokens = tokens.filter(tokens != "")
    return tokens.len() > 0 and bool(_identifier_tokens(tokens).all())


def _blocking_hits(frame: pl.DataFrame, table: str) -> dict[str, list[tuple[str, int, str]]]:
    """Per column: (category, hits, masked example) of the blocking categories found."""
    scan = scan_frame(frame, table=table, options=OPTIONS)
    return {
        column.column: hits
        for column in scan.columns
        if (
            hits := [
                (h.category, h.hits, h.examples[0] if h.examples else "-")
                for h in column.categories
                if blocking(h.category) and not h.masked_copy
            ]
        )
    }


def column_hits(series: pl.Series, table: str) -> list[tuple[str, int, str]]:
    """(category, hits, masked example) of the blocking categories found in one column."""
    return _blocking_hits(series.to_frame(), table).get(series.name, [])


def flagged_columns(columns: Iterable[pl.Series], table: str) -> set[str]:
    """Names of the columns holding a blocking category. Small columns share one padded frame
    (one scanner call); large ones are scanned alone, so none is padded to the largest."""
    columns = [c for c in columns if c.len()]
    small = [c for c in columns if c.len() <= SHARED_FRAME_ROWS]
    batches = [[c] for c in columns if c.len() > SHARED_FRAME_ROWS]
    if small:
        batches.append(small)
    flagged: set[str] = set()
    for batch in batches:
        height = max(c.len() for c in batch)
        frame = pl.DataFrame([c.extend_constant(None, height - c.len()) for c in batch])
        flagged |= set(_blocking_hits(frame, table))
    return flagged


def _categories(values: list[str]) -> list[str]:
    hits = _blocking_hits(pl.DataFrame({"text": values}, schema={"text": pl.String}), "evidence")
    return [category for category, _, _ in hits.get("text", [])]


def _attribute(values: list[str], found: dict[str, str]) -> None:
    """Name the values of a group that the detector flags, halving the group; a group that is
    flagged while neither half is counts as a whole (fail closed)."""
    categories = _categories(values)
    if not categories:
        return
    if len(values) == 1:
        found[values[0]] = categories[0]
        return
    before = len(found)
    middle = len(values) // 2
    _attribute(values[:middle], found)
    _attribute(values[middle:], found)
    if len(found) == before:
        found.update(dict.fromkeys(values, categories[0]))


def _may_hold_a_name(values: pl.Series) -> pl.Series:
    """Per value: whether one of its words is a known first name."""
    words = pl.DataFrame({"row": pl.int_range(0, values.len(), eager=True), "word": values})
    words = words.with_columns(pl.col("word").str.to_lowercase().str.extract_all(r"[^\W\d_]{2,}"))
    names = pl.DataFrame({"word": first_name_series()})
    hits = words.explode("word").join(names, on="word", how="semi")["row"].unique()
    return pl.Series("named", [False] * values.len(), dtype=pl.Boolean).scatter(hits, True)


# texts already judged clean (an audit log records the same roles, purposes and products over
# and over): each is scanned once per process
KNOWN_CLEAN = 65_536
_known_clean: OrderedDict[str, None] = OrderedDict()
_known_lock = threading.Lock()


def find_personal(texts: Iterable[str]) -> dict[str, str]:
    """Each distinct text carrying raw personal data of a blocking category, with the category
    found. Every distinct text is scanned once in one pooled call; only a flagged pool, and
    texts that may hold a name, are looked at more closely."""
    with _known_lock:
        fresh = [t for t in dict.fromkeys(texts) if t and t.strip() and t not in _known_clean]
    fresh = [t for t in fresh if not _is_identifier(t)]
    found = _find(fresh) if fresh else {}
    with _known_lock:
        for text in fresh:
            if text not in found:
                _known_clean[text] = None
        while len(_known_clean) > KNOWN_CLEAN:
            _known_clean.popitem(last=False)
    return found


def _is_identifier(text: str) -> bool:
    """The whole text is ledger identifiers (space-separated), none of them encoded text."""
    tokens = [t for t in text.split(" ") if t]
    hexes = [t.removeprefix("sha256:") for t in tokens]
    return bool(tokens) and all(
        _ID_RE.fullmatch(t) and not (_HEX_RE.fullmatch(h) and _hex_text(h))
        for t, h in zip(tokens, hexes, strict=True)
    )


def _find(candidates: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    _attribute(candidates, found)
    named = [
        v
        for v, maybe in zip(
            candidates, _may_hold_a_name(pl.Series(candidates, dtype=pl.String)), strict=True
        )
        if maybe and v not in found
    ]
    for start in range(0, len(named), NAME_GROUP):
        _attribute(named[start : start + NAME_GROUP], found)
    # one word that is also a first or last name ("line", "grant") names no one on its own
    return {
        text: category
        for text, category in found.items()
        if not (category in _NAME_PARTS and _ONE_WORD.fullmatch(text.strip()))
    }
