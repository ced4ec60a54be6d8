"""Typed errors of the platform primitives. Each says what was wrong and, where it helps, which
file or field and a hint; the CLI prints one line and exits 2. Raised before anything is
written, so bad input changes nothing."""

from __future__ import annotations

from privacymesh.errors import PrivacyMeshError


class PlatformError(PrivacyMeshError):
    """Base of the platform's errors."""


class PolicyError(PlatformError):
    """The central policy file is malformed or names something the catalog does not have."""


class AccessDenied(PlatformError):
    """A role may not read a product, or not for this purpose."""


class UnknownSubjectError(PlatformError):
    """No data subject with this identifier in the identity map or the consent ledger."""


class UnknownPurposeError(PlatformError):
    """A purpose the consent ledger and the catalog do not know."""


class ReadOnlySourceError(PlatformError):
    """A product's source cannot (or may not) be written by privacymesh."""


class ConsentError(PlatformError):
    """A consent change that cannot be recorded (e.g. withdrawing consent never given)."""


class DsarError(PlatformError):
    """A DSAR request that is unknown or not in a state for the operation."""


class QueryError(PlatformError):
    """A governed query that is not a single SELECT over registered products."""


class KeyFileError(PlatformError):
    """A key file that others may read, or that does not hold a key."""
