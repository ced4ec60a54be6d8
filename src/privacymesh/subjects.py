"""How a data subject is identified: the identifier forms every part of privacymesh resolves
(the identity map's columns, a contract's `subjectKeyForm`, the identifier columns a check joins
on, the forms a governed view filters by)."""

from __future__ import annotations

import hashlib

IDENTITY_FORMS = ("user_id", "customer_ref", "email", "email_hash", "device_id")
"""Identifiers that name a subject on their own, in the identity map's column order."""
EXTRA_IDENTIFIERS = ("advertising_id", "phone")
"""Further identifiers searched for residue after an erasure."""
FORGOTTEN_ON_ERASURE = (
    "email",
    "advertising_id",
    "full_name",
    "phone",
    "postal_code",
    "date_of_birth",
    "gender",
)
"""What an erased subject's identity-map row forgets: it keeps only keys and the e-mail hash."""


def email_hash(email: str) -> str:
    """The `email_hash` form of an address: the hex SHA-256 of it trimmed and lower-cased."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def key_form(form: str) -> str:
    """The identity-map column a value in `form` is matched through (an e-mail by its hash)."""
    return "email_hash" if form == "email" else form


def key_value_sql(value: str, form: str) -> str:
    """SQL of a value in `form` (an SQL expression) as the identity map keeps its `key_form`:
    an e-mail as its hash, e-mail hashes and device ids lower-cased, other ids as they are."""
    text = f"CAST({value} AS VARCHAR)"
    if form == "email":
        return f"sha256(lower(trim({text})))"
    if form in ("email_hash", "device_id"):
        return f"lower({text})"
    return text
