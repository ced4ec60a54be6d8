"""The one table of check families: every check of the built-in catalog has a family, and the
longest matching prefix wins."""

from __future__ import annotations

from pathlib import Path

import yaml

from privacymesh.families import FAMILIES, OTHER, family_of

REPO = Path(__file__).resolve().parents[1]


def test_the_longest_prefix_wins() -> None:
    assert family_of("dsar.erasure_verified").key == "erasure"
    assert family_of("dsar.deadline_met").key == "dsar"
    assert family_of("dsr.open").key == "dsar"
    assert family_of("contract.conformance").key == "gate"
    assert family_of("nothing.like.this") is OTHER


def test_keys_are_unique_and_every_built_in_check_has_a_family() -> None:
    assert len({f.key for f in FAMILIES}) == len(FAMILIES)
    ids = [yaml.safe_load(p.read_text())["id"] for p in sorted((REPO / "checks").glob("*.yaml"))]
    assert ids
    homeless = [i for i in ids if family_of(i) is OTHER]
    assert homeless == []
