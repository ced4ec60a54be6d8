"""How a result is judged: its status, and the severity of the check behind it."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A result's status. A check run yields pass, fail or error; the platform also records
    skipped (work that could not be done here, e.g. a read-only source)."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


class Severity(StrEnum):
    """A check's severity, least to most severe."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def weight(self) -> int:
        """1 (low) to 4 (critical): how much a failure counts in a score."""
        return list(Severity).index(self) + 1


MOST_SEVERE_FIRST: tuple[Severity, ...] = tuple(reversed(Severity))
