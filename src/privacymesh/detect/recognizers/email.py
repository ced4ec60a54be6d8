"""E-mail addresses: a candidate regex over whole columns, then a syntax validator."""

from __future__ import annotations

import re

from privacymesh.detect.recognizer import PatternRecognizer, words

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def valid_email(value: str) -> bool:
    """RFC 5321 shape: dot-atom local part of at most 64, a domain of valid labels, an
    alphabetic TLD."""
    local, _, domain = value.rpartition("@")
    if not local or len(local) > 64 or len(domain) > 253 or not _LOCAL.match(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not labels[-1].isalpha() or not 2 <= len(labels[-1]) <= 24:
        return False
    return all(_LABEL.match(label) for label in labels)


EMAIL = PatternRecognizer(
    name="email",
    category="user.contact.email",
    pattern=r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+",
    prefilter="@",
    validator=valid_email,
    base=0.95,
    context=words("email", "mail", "emailaddress", "correo", "courriel", "contact", "login"),
    negative_context=words("sent", "opened", "count", "template", "campaign", "bounce"),
)

RECOGNIZERS = (EMAIL,)
