"""Data-category keys the detector may emit: fideslang's default taxonomy and nothing else, so
any key it reports can be copied into a contract. A finer privacymesh distinction (a tax id
among national ids) travels in a hit's `details`, never in the key."""

from __future__ import annotations

from privacymesh.detect.lexicon import stored_lexicon


@stored_lexicon  # importing fideslang's taxonomy costs more than a scan of a small table
def fideslang_keys() -> frozenset[str]:
    """Every data-category key of fideslang's default taxonomy."""
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)


def valid_keys() -> frozenset[str]:
    """The keys a recognizer may emit: fideslang's."""
    return fideslang_keys()


def is_valid_key(key: str) -> bool:
    return key in valid_keys()


def is_personal(key: str) -> bool:
    """A category under `user` is personal; `system.*` is operational data."""
    return key == "user" or key.startswith("user.")


def related(a: str, b: str) -> bool:
    """True when one key equals the other or is its ancestor (`user.name` ~ `user.name.first`)."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


# contact channels are families of their own (an e-mail is not an address); elsewhere the
# family is the first two levels of the key (`user.device`, `user.financial`)
_OWN_FAMILIES = ("user.contact.email", "user.contact.phone_number", "user.contact.address")


def family(key: str) -> str:
    """The family a key belongs to: `user.device.device_id` -> `user.device`."""
    for root in _OWN_FAMILIES:
        if key == root or key.startswith(root + "."):
            return root
    if key == "user.contact.fax_number":
        return "user.contact.phone_number"
    return ".".join(key.split(".")[:2])


def same_family(declared: str | None, detected: str) -> bool:
    """Whether a declared key covers a detected one at the family level: a declared
    `user.device` covers `user.device.device_id`, a declared `user.device.cookie_id` a detected
    sibling `user.device.device_id`."""
    return declared is not None and (
        related(declared, detected) or family(declared) == family(detected)
    )
