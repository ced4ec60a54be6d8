"""What a check produces: a measurement per product (or domain), judged into a result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One exception, at column or row-group level: masked samples and counts only."""

    kind: str
    column: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Measurement:
    """What a measure or query found: named values, the population tested, findings."""

    values: dict[str, Any]
    population: int | None = None
    findings: list[Finding] = field(default_factory=list)
    query: str = ""
    domain: str | None = None
    product: str | None = None


@dataclass
class CheckResult:
    """One check on one product (or one domain for mesh-wide checks), with its verdict."""

    check_id: str
    product: str | None
    domain: str | None
    status: str
    values: dict[str, Any]
    threshold: dict[str, float]
    population: int | None
    exceptions: int | None
    query: str
    severity: str
    control_id: str
    started_at: datetime
    finished_at: datetime
    reason: str | None = None
    findings: list[Finding] = field(default_factory=list)
