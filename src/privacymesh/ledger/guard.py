"""A last-line guard against raw personal data in the ledger.

The detector masks samples before they reach the ledger (`j***@example.com`); the ledger stores
what it is given. This guard only rejects the obvious slip, an unmasked e-mail address in a
finding's detail or a result's measured values, so that it never becomes permanent,
hash-chained evidence. An address counts as masked when its local part holds a mask character
(`*`) next to the `@` or anywhere in it (`jo***n@example.com`), or its domain does.
"""

from __future__ import annotations

import re

from privacymesh.ledger.errors import RawPersonalDataError

RAW_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+*\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


def reject_raw_emails(text: str, where: str) -> None:
    """Raise RawPersonalDataError when `text` holds an unmasked e-mail address."""
    match = RAW_EMAIL.search(text)
    if match is None:
        return
    value = match.group(0)
    local, _, domain = value.partition("@")
    shown = f"{local[:1]}***@{domain}"
    raise RawPersonalDataError(
        f"raw e-mail address ({shown}) in {where}",
        field=where,
        hint="the ledger keeps masked samples and counts only: mask samples before recording",
    )
