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


class Band(StrEnum):
    """Red, amber or green: how a posture score (0-100) reads at a glance."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


GREEN_FROM = 90.0
AMBER_FROM = 70.0
BAND_DEFINITION = (
    f"Bands: green from a posture score of {GREEN_FROM:g}, amber from {AMBER_FROM:g}, red below "
    f"{AMBER_FROM:g} (a domain without results has no band)."
)
"""The one definition of the bands, shown wherever they are (dashboard, packs, leadership)."""


def band(score: float | None) -> Band | None:
    """The band of a posture score; None when there is no score."""
    if score is None or score != score:  # NaN: nothing was counted
        return None
    return Band.GREEN if score >= GREEN_FROM else Band.AMBER if score >= AMBER_FROM else Band.RED
