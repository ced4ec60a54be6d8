"""E-mail addresses: a candidate regex over whole columns, then a syntax validator."""

from __future__ import annotations

import re

from privacymesh.detect.recognizer import ColumnValues, Evidence, PatternRecognizer, words
from privacymesh.detect.recognizers.devices import mostly_user_agents

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


class EmailRecognizer(PatternRecognizer):
    """E-mail addresses anywhere in a value, except in a column of user-agent strings: the
    address a crawler's string carries is how to reach its operator, not the requester."""

    def detect(self, values: ColumnValues) -> list[Evidence]:
        found = super().detect(values)
        return [] if found and mostly_user_agents(values) else found


EMAIL = EmailRecognizer(
    name="email",
    category="user.contact.email",
    pattern=r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+",
    prefilter="@",
    validator=valid_email,
    base=0.95,
    context=words("email", "mail", "emailaddress", "correo", "courriel", "contact", "login"),
    negative_context=words("sent", "opened", "count", "template", "campaign", "bounce"),
)

# an address on a host with no top-level domain (`ana.ruiz@internalmail`, an intranet's mail):
# the shape alone is also a package pin or a login on a machine, so the column must be made of
# them or be named for e-mail
HOST_EMAIL_SHARE = 0.8
_HOST = r"[A-Za-z][A-Za-z0-9-]{1,62}"


class HostEmailRecognizer(PatternRecognizer):
    """`local@host` as the whole value: counted where such values make up the column
    (`HOST_EMAIL_SHARE`) or the column's name or contract speaks of e-mail."""

    def detect(self, values: ColumnValues) -> list[Evidence]:
        found = super().detect(values)
        named = self.context & (values.signals.name | values.signals.text)
        return [
            ev
            for ev in found
            if named or ev.estimated_hits >= HOST_EMAIL_SHARE * max(values.n_rows, 1)
        ]


def valid_host_email(value: str) -> bool:
    local = value.rpartition("@")[0]
    # a local part with a letter: `4.17.21@next` or `2@latest` are versions, not mailboxes
    return bool(_LOCAL.match(local)) and len(local) <= 64 and any(c.isalpha() for c in local)


HOST_EMAIL = HostEmailRecognizer(
    name="email_no_tld",
    category="user.contact.email",
    pattern=rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_HOST}",
    anchored=True,
    prefilter="@",
    validator=valid_host_email,
    base=0.65,
    full_coverage=0.9,
    context=EMAIL.context,
    negative_context=EMAIL.negative_context
    | words(
        "package", "dependency", "version", "image", "tag", "host", "hostname", "server", "dsn",
        "uri", "url", "connection", "ssh", "target", "node", "release",
    ),
)  # fmt: skip

RECOGNIZERS = (EMAIL, HOST_EMAIL)
