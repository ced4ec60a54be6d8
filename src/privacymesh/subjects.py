"""How a data subject is identified: the identifier forms every part of privacymesh resolves
(the identity map's columns, a contract's `subjectKeyForm`, the identifier columns a check joins
on, the forms a governed view filters by)."""

from __future__ import annotations

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
