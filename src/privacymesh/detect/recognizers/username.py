"""Usernames and handles: one token of letters, digits, dots and underscores that embeds a
person's name (`jsmith84`, `maria.silva`, `@dev_kumar`), in a column of many distinct values."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from privacymesh.detect.lexicon import (
    EMBED_SAMPLE,
    embeds_any,
    member_of,
    person_names,
    username_fragment_set,
)
from privacymesh.detect.recognizer import ROW, VALUE, ColumnValues, Evidence, Recognizer, words
from privacymesh.detect.recognizers.person_name import names_a_name_part

USERNAME = "user.account.username"
_HANDLE = r"^@?[A-Za-z][A-Za-z0-9._]{2,31}$"
# a Windows down-level logon name (`CORP\\jsmith`): the handle follows the domain
_DOMAIN = r"^[a-z0-9][a-z0-9.-]{0,62}\\"
# one prefix and a number (`u_001126`, `usr-42`): a generated id, not a handle someone chose
_GENERATED = r"^([a-z]{1,6})[._-]?\d+$"
GENERATED_SHARE = 0.9


@dataclass
class UsernameRecognizer(Recognizer):
    name: str = "username"
    strength: float = 0.55  # handles that embed names
    unnamed: float = 0.35  # handles without a known name: context must confirm

    def __post_init__(self) -> None:
        self.categories = (USERNAME,)
        self.context = words(
            "user", "username", "login", "handle", "screenname", "nick", "nickname", "account",
            "userid", "alias", "author", "twitter", "instagram", "github", "slack", "owner",
        )  # fmt: skip
        self.negative_context = words(
            "status", "type", "category", "code", "sku", "product", "color", "colour", "state",
            "country", "city", "slug", "path", "file", "host", "hostname", "service", "tag",
            "event", "action", "model", "plan", "currency", "method", "channel", "source",
            # drugs and diagnoses are one word each that may embed a name's letters
            "prescription", "medication", "medicine", "drug", "diagnosis", "symptom",
        )  # fmt: skip

    def detect(self, values: ColumnValues) -> list[Evidence]:
        if values.n_rows < 3:
            return []
        low = values.folded()[VALUE].str.replace(_DOMAIN, "")
        lowered = values.frame.with_columns(low.alias("low")).filter(
            pl.col("low").str.contains(_HANDLE)
        )
        if lowered.height < 0.6 * values.n_rows:
            return []
        distinct = lowered["low"].n_unique()
        if distinct < 0.3 * lowered.height and distinct < 100:
            return []
        plain = lowered["low"].str.strip_chars_start("@")
        if generated_ids(plain):
            return []
        is_name = member_of(plain, person_names())
        if is_name.mean() >= 0.5:
            return []  # a column of plain names, not handles
        if names_a_name_part(values):
            bare = plain.str.replace(r"\d+$", "")
            if member_of(bare, person_names()).mean() >= 0.5:
                return []  # generated names made unique by a number (`Jackie93`), not handles
        # a handle mixes letters with digits, dots or underscores, or embeds a person's name;
        # the name test runs on a sample of distinct handles, so shares are estimated from it
        frame = lowered.with_columns(
            plain=plain,
            is_name=is_name,
            shaped=plain.str.contains(r"[a-z][._]?\d|[a-z][._][a-z]"),
        )
        sample = frame.unique("plain", maintain_order=True).head(EMBED_SAMPLE)
        named_values = sample.filter(
            embeds_any(sample["plain"], username_fragment_set()) & ~sample["is_name"]
        )["plain"]
        named = pl.col("plain").is_in(named_values.implode())
        named_share = named_values.len() / max(sample.height, 1)
        handle_share = sample.select((pl.col("shaped") | named).mean()).item()
        share = handle_share * lowered.height / values.n_rows
        if share < 0.5:
            return []
        hits = frame.filter(pl.col("shaped") | named)
        examples = hits[VALUE].unique(maintain_order=True).head(values.options.max_examples)
        base = self.strength if named_share >= 0.5 else self.unnamed
        strength = base * (0.8 + 0.2 * min(1.0, share / 0.8))
        ev = self.evidence(
            USERNAME, hits[ROW].unique(), strength, {"pattern", "dictionary"}, examples.to_list()
        )
        ev.estimated_hits = share * values.n_rows
        return [ev]


def generated_ids(handles: pl.Series) -> bool:
    """Whether nearly all values are one short prefix and a number (`u_001126`): ids a system
    numbered, which the identifier recognizer reads by whose they are."""
    prefix = handles.str.extract(_GENERATED, 1).drop_nulls()
    if prefix.len() < GENERATED_SHARE * handles.len():
        return False
    top = prefix.value_counts(sort=True).row(0)[1]
    return top >= GENERATED_SHARE * handles.len()


RECOGNIZERS = (UsernameRecognizer(),)
