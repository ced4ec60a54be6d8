"""Typed errors of the evidence ledger."""

from __future__ import annotations

from privacymesh.errors import PrivacyMeshError


class LedgerError(PrivacyMeshError):
    """The ledger could not be opened, read or written (locked, newer schema, bad record)."""


class RawPersonalDataError(LedgerError):
    """A record handed to the ledger carries what looks like raw personal data."""


class LedgerBusyError(LedgerError):
    """Another process held the ledger for longer than this one would wait."""
