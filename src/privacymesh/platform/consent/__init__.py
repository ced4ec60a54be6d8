"""Consent: may this subject's data be processed for this purpose at this time?

The rule, its records and the files' shapes are in `model`; the consent ledger, its lookups
and its changes in `ledger`; filtering many rows at once in `filtering`; propagation notices
in `notices`."""

from privacymesh.consent_rule import GRANT, latest_grants, latest_grants_sql
from privacymesh.platform.consent.ledger import ConsentLedger, read_events
from privacymesh.platform.consent.model import (
    APPLICATION_SCHEMA,
    APPLICATIONS_FILE,
    CONSENT_FILE,
    EPOCH,
    EVENT_SCHEMA,
    NOTICE_SCHEMA,
    NOTICES_FILE,
    SOURCES,
    ConsentChange,
    ConsentStatus,
    granted_at,
    to_us,
    utc_naive,
)
from privacymesh.platform.consent.notices import read_notices

__all__ = [
    "APPLICATIONS_FILE",
    "APPLICATION_SCHEMA",
    "CONSENT_FILE",
    "EPOCH",
    "EVENT_SCHEMA",
    "GRANT",
    "NOTICES_FILE",
    "NOTICE_SCHEMA",
    "SOURCES",
    "ConsentChange",
    "ConsentLedger",
    "ConsentStatus",
    "granted_at",
    "latest_grants",
    "latest_grants_sql",
    "read_events",
    "read_notices",
    "to_us",
    "utc_naive",
]
