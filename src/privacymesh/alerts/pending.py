"""Which alerts a run calls for, read from the ledger: a check whose result on a product turns
to fail or error in this run, from pass or as its first result (`new_failure`), and an open
finding past its due date (`finding_due`, due dates as `views.findings` computes them). Each
carries counts and ids only, never a value."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import polars as pl

from privacymesh.catalog import Catalog
from privacymesh.ledger import Ledger
from privacymesh.verdict import Status
from privacymesh.views.findings import DuePolicy, finding_table
from privacymesh.views.scope import Scope

# the status a result turns to, and the one before it on the same check and product (NULL for
# the first); skipped work says nothing about the product and is left out of the sequence
NEW_FAILURES = f"""
    WITH judged AS (
        SELECT result_id, run_id, check_id, product_id, domain, status, severity, exceptions,
               seq,
               lag(status) OVER (PARTITION BY check_id, product_id, domain ORDER BY seq)
                   AS previous
        FROM main.results
        WHERE status IN ('{Status.PASS}', '{Status.FAIL}', '{Status.ERROR}')
    )
    SELECT j.result_id, j.check_id, j.product_id, j.domain, j.status, j.severity, j.exceptions,
           (SELECT count(*) FROM main.findings f WHERE f.result_id = j.result_id) AS findings
    FROM judged j
    WHERE j.run_id = $run AND j.status IN ('{Status.FAIL}', '{Status.ERROR}')
      AND (j.previous IS NULL OR j.previous = '{Status.PASS}')
    ORDER BY j.seq
"""


@dataclass(frozen=True)
class Alert:
    """One thing an owner is told. `reference` is the result id of a new failure or the
    fingerprint of a due finding; `dedup_key` is the same for the same transition. `status`
    is the result's (fail or error) for a new failure."""

    trigger: str  # new_failure | finding_due (the ledger's alerts.kind)
    run_id: str
    check_id: str
    product_id: str | None
    domain: str | None
    severity: str | None
    owners: tuple[str, ...]
    reference: str
    exceptions: int | None
    findings: int | None = None
    due_at: str | None = None
    link: str | None = None
    status: str | None = None

    @property
    def owner(self) -> str | None:
        return ", ".join(self.owners) or None

    @property
    def dedup_key(self) -> str:
        target = self.product_id or f"domain:{self.domain}"
        if self.trigger == "new_failure":  # this pass -> fail transition, in this run
            return f"new_failure|{self.check_id}|{target}|{self.run_id}"
        return f"finding_due|{self.reference}|{self.due_at}"

    def title(self) -> str:
        target = self.product_id or f"domain {self.domain}"
        if self.trigger == "new_failure" and self.status == Status.ERROR:
            return f"{self.check_id} ended in error on {target}: the product could not be checked"
        if self.trigger == "new_failure":
            return f"{self.check_id} started failing on {target}"
        return f"a finding of {self.check_id} on {target} is past its due date"

    def to_dict(self) -> dict[str, Any]:
        # receivers read the trigger as `kind`, as the ledger's alerts table names it
        data = {"kind": self.trigger, **asdict(self)}
        del data["trigger"]
        data["owners"] = list(self.owners)
        data["title"] = self.title()
        return data


def run_to_alert(ledger: Ledger, run_id: str | None) -> str | None:
    """The given run, or the newest one."""
    if run_id:
        return run_id
    runs = ledger.sql("SELECT run_id FROM main.runs ORDER BY seq DESC LIMIT 1")
    return runs["run_id"][0] if runs.height else None


def owners_of(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return {pid: p.owners for pid, p in catalog.products.items()}


def pending_alerts(
    ledger: Ledger,
    catalog: Catalog,
    run_id: str,
    policy: DuePolicy,
    link: str | None = None,
) -> list[Alert]:
    """The new failures of a run and the findings past due at the newest run."""
    owners = owners_of(catalog)

    def alert(trigger: str, row: dict[str, Any], reference: str, **more: Any) -> Alert:
        return Alert(
            trigger=trigger,
            run_id=run_id,
            check_id=row["check_id"],
            product_id=row["product_id"],
            domain=row["domain"],
            severity=row["severity"],
            owners=owners.get(row["product_id"] or "", ()),
            reference=reference,
            **more,
        )

    alerts = [
        alert(
            "new_failure",
            row,
            row["result_id"],
            exceptions=row["exceptions"],
            findings=row["findings"],
            status=row["status"],
        )
        for row in ledger.sql(NEW_FAILURES, {"run": run_id}).iter_rows(named=True)
    ]
    frame = pl.DataFrame(
        {"product_id": list(owners), "owner": [", ".join(o) for o in owners.values()]},
        schema={"product_id": pl.String, "owner": pl.String},
    )
    due = finding_table(ledger, Scope(), frame, policy, open_only=True).filter(pl.col("overdue"))
    alerts += [
        alert(
            "finding_due",
            row,
            row["fingerprint"],
            exceptions=None,
            due_at=row["due_at"].date().isoformat() if row["due_at"] else None,
        )
        for row in due.iter_rows(named=True)
    ]
    if link:
        alerts = [_with_link(a, link) for a in alerts]
    return alerts


def _with_link(alert: Alert, template: str) -> Alert:
    url = template.format(
        reference=alert.reference,
        check=alert.check_id,
        product=alert.product_id or "",
        run_id=alert.run_id,
    )
    return replace(alert, link=url)
