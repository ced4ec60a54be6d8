"""Propagation notices: one per product told of a consent change (those that process the
purpose, and those downstream of them), due by the policy's propagation SLA; acknowledging the
last notice of a withdrawal to a domain records the domain's application, which the consent
checks measure. `ConsentLedger.acknowledge` is `acknowledge` here."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from privacymesh.platform.consent.model import (
    APPLICATION_SCHEMA,
    APPLICATIONS_FILE,
    NOTICE_SCHEMA,
    NOTICES_FILE,
    utc_naive,
)
from privacymesh.platform.errors import ConsentError
from privacymesh.platform.sources import locked, write_parquet_atomic

if TYPE_CHECKING:
    from privacymesh.platform.consent.ledger import ConsentLedger


def write_notices(
    ledger: ConsentLedger, event: dict[str, Any], products: list[str], when: datetime
) -> tuple[str, ...]:
    if not products or ledger.platform_dir is None or ledger.catalog is None:
        return ()
    path = ledger.platform_dir / NOTICES_FILE
    with locked(path):
        current = read_notices(ledger.platform_dir)
        start = next_number(current["notice_id"], "cn-")
        rows = []
        for i, pid in enumerate(products):
            product = ledger.catalog.products[pid]  # type: ignore[union-attr]
            sla = ledger.policy.propagation_sla.get(product.processing_mode)
            rows.append(
                {
                    "notice_id": f"cn-{start + i:07d}",
                    "event_id": event["event_id"],
                    "user_id": event["user_id"],
                    "purpose": event["purpose"],
                    "action": event["action"],
                    "product": pid,
                    "domain": product.domain,
                    "processing_mode": product.processing_mode,
                    "issued_at": when,
                    "due_at": sla.after(when) if sla else None,
                    "applied_at": None,
                }
            )
        write_parquet_atomic(pl.concat([current, pl.DataFrame(rows, schema=NOTICE_SCHEMA)]), path)
    return tuple(r["notice_id"] for r in rows)


def acknowledge(
    ledger: ConsentLedger,
    event_id: str,
    product: str,
    at: datetime | None = None,
    *,
    actor: str | None = None,
) -> int:
    """Mark a product's notice of an event applied; returns how many notices changed.
    When the last notice of a withdrawal to a domain is applied, the domain's application
    is recorded in `consent_applications`, the table the consent checks measure. `actor`
    (default: the ledger's) is who the audit log names."""
    if ledger.platform_dir is None:
        return 0
    when = utc_naive(at)
    path = ledger.platform_dir / NOTICES_FILE
    with locked(path):
        current = read_notices(ledger.platform_dir)
        hit = (pl.col("event_id") == event_id) & (pl.col("product") == product)
        pending = current.filter(hit & pl.col("applied_at").is_null())
        if pending.height == 0:
            raise ConsentError(f"no pending notice of {event_id} for {product}")
        updated = current.with_columns(
            pl.when(hit & pl.col("applied_at").is_null())
            .then(pl.lit(when))
            .otherwise(pl.col("applied_at"))
            .alias("applied_at")
        )
        write_parquet_atomic(updated, path)
    notice = pending.row(0, named=True)
    domain_open = updated.filter(
        (pl.col("event_id") == event_id)
        & (pl.col("domain") == notice["domain"])
        & pl.col("applied_at").is_null()
    )
    if notice["action"] == "withdraw" and domain_open.height == 0:
        record_application(ledger, notice, when)
    if ledger.audit is not None:
        ledger.audit.record(
            ledger._actor(actor),
            "consent.ack",
            product,
            (),
            None,
            None,
            detail={"event_id": event_id},
        )
    return pending.height


def record_application(ledger: ConsentLedger, notice: dict[str, Any], when: datetime) -> None:
    assert ledger.platform_dir is not None
    path = ledger.platform_dir / APPLICATIONS_FILE
    with locked(path):
        current = (
            pl.read_parquet(path) if path.is_file() else pl.DataFrame(schema=APPLICATION_SCHEMA)
        )
        done = (pl.col("event_id") == notice["event_id"]) & (pl.col("domain") == notice["domain"])
        if current.filter(done).height:
            return
        row = {
            "domain": notice["domain"],
            "event_id": notice["event_id"],
            "user_id": notice["user_id"],
            "purpose": notice["purpose"],
            "applied_at": when,
        }
        new = pl.DataFrame([row], schema=APPLICATION_SCHEMA)
        new = new.select([c for c in current.columns if c in new.columns])
        write_parquet_atomic(pl.concat([current, new], how="diagonal_relaxed"), path)


def read_notices(platform_dir: Path) -> pl.DataFrame:
    path = platform_dir / NOTICES_FILE
    if not path.is_file():
        return pl.DataFrame(schema=NOTICE_SCHEMA)
    return pl.read_parquet(path).cast(NOTICE_SCHEMA)  # type: ignore[arg-type]


def next_number(ids: pl.Series, prefix: str) -> int:
    numbers = ids.str.strip_prefix(prefix).cast(pl.Int64, strict=False).drop_nulls()
    return int(numbers.max() or 0) + 1  # type: ignore[operator]
