"""Context signals: the column name, its contract description, tags and declared category, and
its neighbours' names. They move a recognizer's confidence up or down; they never decide alone
(a category with no value evidence is never reported)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

from privacymesh.detect.options import ColumnContext
from privacymesh.detect.taxonomy import related

NAME_BOOST = 0.3
TEXT_BOOST = 0.25  # description, tags: written by the product owner
NEIGHBOUR_BOOST = 0.1
DECLARED_BOOST = 0.2
NEGATIVE_PENALTY = 0.3

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9a-zA-Z\u00c0-\uffff]+")


def tokens(text: str | None) -> frozenset[str]:
    """Lower-case word tokens of a name or sentence, with camelCase split
    (`dateOfBirth` -> {date, of, birth}) and the joined form kept (`date_of_birth` -> also
    `dateofbirth`)."""
    if not text:
        return frozenset()
    spaced = _CAMEL.sub(" ", text)
    parts = [p.lower() for p in _SPLIT.split(spaced) if p]
    out = set(parts)
    out.update(p[:-1] for p in parts if len(p) > 3 and p.endswith("s"))  # phones -> phone
    if len(parts) > 1:
        out.add("".join(parts))
        out.update(a + b for a, b in pairwise(parts))
    return frozenset(out)


@dataclass(frozen=True)
class ContextSignals:
    """Token sets a recognizer's context words are matched against."""

    name: frozenset[str] = field(default_factory=frozenset)
    text: frozenset[str] = field(default_factory=frozenset)
    neighbours: frozenset[str] = field(default_factory=frozenset)
    declared: str | None = None

    @classmethod
    def build(
        cls, column: str, ctx: ColumnContext | None, neighbour_names: list[str]
    ) -> ContextSignals:
        text: set[str] = set()
        if ctx is not None:
            text |= tokens(ctx.description)
            for tag in ctx.tags:
                text |= tokens(tag)
        neighbours: set[str] = set()
        for n in neighbour_names:
            neighbours |= tokens(n)
        return cls(
            name=tokens(column),
            text=frozenset(text),
            neighbours=frozenset(neighbours),
            declared=ctx.category if ctx is not None else None,
        )

    def for_key(self, key: str) -> ContextSignals:
        """Signals for a value nested under a JSON key: the key is its name."""
        return replace(self, name=tokens(key) | self.name)

    def adjustment(
        self, category: str, words: frozenset[str], negative: frozenset[str]
    ) -> tuple[float, bool]:
        """(confidence change, whether context raised it) for one recognizer's words."""
        delta = 0.0
        if words & self.name:
            delta += NAME_BOOST
        elif words & self.text:
            delta += TEXT_BOOST
        elif words & self.neighbours:
            delta += NEIGHBOUR_BOOST
        if self.declared and related(self.declared, category):
            delta += DECLARED_BOOST
        raised = delta > 0
        if negative & self.name or (negative & self.text and not words & self.name):
            delta -= NEGATIVE_PENALTY
        return delta, raised

    def explain(
        self, category: str, words: frozenset[str], negative: frozenset[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(what raised, what lowered) a recognizer's confidence, as `where: word` strings in
        the order `adjustment` weighs them (only the first matching place raises)."""
        raised: list[str] = []
        for where, found in (("name", self.name), ("contract", self.text)):
            if words & found:
                raised += [f"{where}: {w}" for w in sorted(words & found)]
                break
        else:
            raised += [f"neighbour: {w}" for w in sorted(words & self.neighbours)]
        if self.declared and related(self.declared, category):
            raised.append(f"declared: {self.declared}")
        lowered = [f"name: {w}" for w in sorted(negative & self.name)]
        if not words & self.name:
            lowered += [f"contract: {w}" for w in sorted(negative & self.text)]
        return tuple(raised), tuple(lowered)
