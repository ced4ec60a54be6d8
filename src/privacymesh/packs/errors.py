"""Typed errors of the pack builder."""

from __future__ import annotations

from privacymesh.errors import PrivacyMeshError


class PackError(PrivacyMeshError):
    """A pack could not be built or read: bad options, no evidence in the period, bad files."""


class PersonalDataInPackError(PackError):
    """The detector found raw personal data in a file the builder produced; nothing is kept."""
