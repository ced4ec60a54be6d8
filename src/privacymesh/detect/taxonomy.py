"""Data-category keys the detector may emit: fideslang's default taxonomy plus the few
extensions privacymesh adds under existing parents where fideslang has no key."""

from __future__ import annotations

from functools import cache

# privacymesh extensions: key -> (parent, description). Only where fideslang has no key.
EXTENSIONS: dict[str, tuple[str, str]] = {
    "user.government_id.tax_identification_number": (
        "user.government_id",
        "A tax identification number issued by a government (e.g. Brazil CNPJ, India PAN).",
    ),
}


@cache
def fideslang_keys() -> frozenset[str]:
    """Every data-category key of fideslang's default taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)


def valid_keys() -> frozenset[str]:
    """fideslang's keys plus privacymesh's extensions."""
    return fideslang_keys() | frozenset(EXTENSIONS)


def is_valid_key(key: str) -> bool:
    return key in valid_keys()


def is_personal(key: str) -> bool:
    """A category under `user` is personal; `system.*` is operational data."""
    return key == "user" or key.startswith("user.")


def related(a: str, b: str) -> bool:
    """True when one key equals the other or is its ancestor (`user.name` ~ `user.name.first`)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")
