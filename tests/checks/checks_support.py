"""Shared helpers of the consent, DSAR, rotation and cost check tests: run results looked up by
check and domain or product."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from privacymesh.checks.results import CheckResult
from privacymesh.runner import RunOutcome, run_checks
from privacymesh.workspace import load_workspace

AREAS = ["consent", "dsar", "rotation", "cost"]


@dataclass
class Outcome:
    """A run's results, looked up by check and domain (mesh checks) or product."""

    run: RunOutcome

    def get(self, check: str, domain: str | None = None, product: str | None = None) -> CheckResult:
        hits = [
            r
            for r in self.run.results
            if r.check_id == check
            and (product is None or r.product == product)
            and (product is not None or r.domain == domain)
        ]
        assert len(hits) == 1, f"{check} {domain or product}: {len(hits)} results"
        return hits[0]

    def rows(self, check: str) -> list[CheckResult]:
        return [r for r in self.run.results if r.check_id == check]

    def failing(self, check: str) -> set[str | None]:
        """Domains (or products, for product checks) whose result is a fail."""
        return {r.product or r.domain for r in self.rows(check) if r.status == "fail"}


def run_areas(root: Path, checks: list[str] | None = None) -> Outcome:
    """Run the checks (default: every consent/DSAR/rotation/cost check) without recording."""
    return Outcome(run_checks(load_workspace(root), checks or AREAS, record=False))


@dataclass
class SampleRun:
    """The generated sample mesh, its expected findings and one run of the checks on it."""

    root: Path
    findings: dict
    outcome: Outcome
    as_of: datetime

    def finding(self, check: str) -> dict:
        (hit,) = [f for f in self.findings["findings"] if f["check"] == check]
        return hit

    def platform(self, table: str) -> Path:
        return self.root / "platform" / f"{table}.parquet"
