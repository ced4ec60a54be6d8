"""Hashed identifiers: hex digests (MD5, SHA-1, SHA-224, SHA-256, SHA-512) with the cardinality of
an identifier are pseudonymous identifiers (GDPR Recital 26); a column whose digests appear in a
known set (e.g. the identity map's email hashes) is one for certain. Low-cardinality digests
(hashed status codes) are not identifiers."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words
from privacymesh.detect.recognizers.identifiers import NOT_PERSONAL_IDS

PSEUDONYMOUS = "user.unique_id.pseudonymous"
HEX_DIGEST = (
    r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$"
)


@dataclass
class HashedIdentifierRecognizer(Recognizer):
    name: str = "hashed_identifier"
    strength: float = 0.65
    min_share: float = 0.8
    min_distinct: int = 50
    min_distinct_ratio: float = 0.5

    def __post_init__(self) -> None:
        self.categories = (PSEUDONYMOUS,)
        self.context = words(
            "hash", "hashed", "sha", "sha256", "sha1", "md5", "pseudonym", "pseudonymous",
            "pseudo", "token", "tokenized", "user", "email", "customer", "subject", "hem",
        )  # fmt: skip
        self.negative_context = words(
            "checksum", "etag", "commit", "revision", "git", "file", "blob", "content",
            "integrity", "manifest", "build", "image", "artifact", "object", "chunk", "sha256sum",
            "session", "sessionid", "digest", "title", "label", "document", "cache", "nonce",
        ) | NOT_PERSONAL_IDS  # fmt: skip

    def detect(self, values: ColumnValues) -> list[Evidence]:
        frame = values.folded()
        digests = frame.filter(pl.col(VALUE).str.contains(HEX_DIGEST))
        if digests.height == 0:
            return []
        examples = digests[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        out: list[Evidence] = []
        if values.known_hashes is not None and values.known_hashes.len() > 0:
            known = digests.filter(pl.col(VALUE).is_in(values.known_hashes.implode()))
            if known.height > 0:
                ev = self.evidence(
                    PSEUDONYMOUS,
                    known[ROW].unique(),
                    0.99,
                    {"pattern", "known_hash"},
                    known[VALUE].unique(maintain_order=True).head(3).to_list(),
                )
                ev.negative = frozenset()  # a match with the identity map is certain
                out.append(ev)
        share = digests.height / max(frame.height, 1)
        distinct = digests[VALUE].n_unique()
        identifier_like = distinct >= self.min_distinct or (
            distinct / max(digests.height, 1) >= self.min_distinct_ratio and distinct >= 3
        )
        # a digest named for what it hashes (a session, a file, a title) hashes no person
        named_thing = bool(self.negative_context & values.signals.name)
        if share >= self.min_share and identifier_like and not named_thing:
            out.append(
                self.evidence(
                    PSEUDONYMOUS,
                    digests[ROW].unique(),
                    self.strength,
                    {"pattern", "cardinality"},
                    examples.to_list(),
                )
            )
        return out


RECOGNIZERS = (HashedIdentifierRecognizer(),)
