"""What the audit log holds: the standard record, its columns, and the rule that no record
carries raw personal data (the detector's guard decides)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from privacymesh.detect.guard import find_personal
from privacymesh.ledger.errors import RawPersonalDataError
from privacymesh.platform.errors import PlatformError

LOG_FILE = "audit.jsonl"
SCHEMA: dict[str, pl.DataType] = {
    "seq": pl.Int64(),
    "record_id": pl.String(),
    "at": pl.String(),
    "actor": pl.String(),
    "action": pl.String(),
    "product": pl.String(),
    "fields": pl.List(pl.String()),
    "purpose": pl.String(),
    "subjects": pl.Int64(),
    "subject_ref": pl.String(),
    "role": pl.String(),
    "decision": pl.String(),
    "policy": pl.String(),
    "rows": pl.Int64(),
    "detail": pl.String(),
    "prev_hash": pl.String(),
    "hash": pl.String(),
}
"""The standard record: `at` is ISO-8601 UTC; `decision` is allow, deny or error; `policy` names
the policy version that decided; `detail` is the canonical JSON of the extra detail."""


class AuditError(PlatformError):
    """The audit log could not be written or read."""


@dataclass(frozen=True)
class AuditRecord:
    """One written record, as stored."""

    seq: int
    record_id: str
    at: str
    actor: str | None
    action: str
    product: str | None
    fields: tuple[str, ...]
    purpose: str | None
    subjects: int | None
    subject_ref: str | None
    role: str | None
    decision: str
    policy: str | None
    rows: int | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return []


def refuse_personal_data(content: dict[str, Any], detail: dict[str, Any], action: str) -> None:
    """Refuse a record whose texts the detector recognises as raw personal data."""
    texts = _strings({k: v for k, v in content.items() if k not in ("at", "detail")})
    found = find_personal(texts + _strings(detail))
    if found:
        raise RawPersonalDataError(
            f"raw personal data ({', '.join(sorted(set(found.values())))}) in the audit record "
            f"of {action}",
            field=action,
            hint="the audit log keeps pseudonyms and masked values only",
        )
