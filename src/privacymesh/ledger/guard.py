"""The ledger's last-line guard against raw personal data.

The runner scans every text bound for the ledger with the full detector first
(`privacymesh.detect.guard`) and withholds what it finds; the ledger does not import the
detector. What it keeps is a cheap check for the most common slip, an unmasked e-mail address
in a result's measured values or reason or in a finding's detail. Such a result is recorded as
an `error` result that names what was withheld (the category and the value's SHA-256) and the
run's other results are kept; no value is ever refused into permanent, chained evidence.

An address counts as masked when its local part holds a mask character (`*`) next to the `@`
or anywhere in it (`jo***n@example.com`), or its domain does.
"""

from __future__ import annotations

import hashlib
import re

RAW_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+*\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
EMAIL = "user.contact.email"


def raw_email(text: str | None) -> str | None:
    """The first unmasked e-mail address in `text`, or None."""
    if not text:
        return None
    match = RAW_EMAIL.search(text)
    return match.group(0) if match else None


def digest(value: str) -> str:
    """How a withheld value is named: `sha256:` and the hex digest of its UTF-8 bytes."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def withheld_reason(where: str, categories: list[str], digests: list[str]) -> str:
    """The reason of a result withheld for carrying raw personal data."""
    kinds = ", ".join(dict.fromkeys(categories))
    return (
        f"withheld: the {where} carried raw personal data ({kinds}); the values are not kept, "
        f"only their SHA-256: {' '.join(dict.fromkeys(digests))}"
    )
