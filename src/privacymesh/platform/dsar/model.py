"""What a data subject request is: its records and files, when it is due, and how a subject
is recognised in a product (the subject key in its identity form, or an identifier token at a
word boundary in a text column)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.catalog import DataProduct, quote_ident, quote_literal
from privacymesh.platform.errors import PolicyError
from privacymesh.platform.identity import Subject
from privacymesh.platform.policy import Duration, Policy
from privacymesh.subjects import EXTRA_IDENTIFIERS, IDENTITY_FORMS

REQUESTS_FILE = "dsar_requests.parquet"
TASKS_FILE = "dsar_tasks.parquet"
TYPES = ("access", "erasure", "rectification")
ERASURE_CHECK = "platform.dsar.erasure"
VERIFY_CHECK = "platform.dsar.erasure_verification"
CONTROL_ID = "PM-DSAR-02"
ERASE_OPERATION = "dsar.erase"  # the ledger run of an erasure and its verification
REQUEST_SCHEMA: dict[str, Any] = {
    "request_id": pl.String,
    "user_id": pl.String,
    "type": pl.String,
    "regulation": pl.String,
    "received_at": pl.Datetime("us"),
    "extended": pl.Boolean,
    "status": pl.String,
    "completed_at": pl.Datetime("us"),
}
TASK_SCHEMA: dict[str, Any] = {
    "request_id": pl.String,
    "domain": pl.String,
    "product": pl.String,
    "status": pl.String,
    "completed_at": pl.Datetime("us"),
}
# identifier boundaries: no letter, digit or identifier punctuation right before or after
_LEFT = r"(?:^|[^A-Za-z0-9._+\-])"
_RIGHT = r"(?:$|[^A-Za-z0-9_+@\-]|\.(?:$|[^A-Za-z0-9]))"


@dataclass(frozen=True)
class Holding:
    """Where one product holds the subject: rows by its subject key, cells elsewhere."""

    product_id: str
    key_rows: int
    cells: dict[str, int] = field(default_factory=dict)
    rows: int = 0  # rows with the subject anywhere
    downstream_of: tuple[str, ...] = ()

    @property
    def holds(self) -> bool:
        return self.rows > 0


@dataclass(frozen=True)
class DsarRequest:
    """A request with its deadline and tasks."""

    request_id: str
    user_id: str
    type: str
    regulation: str
    received_at: datetime
    extended: bool
    status: str
    completed_at: datetime | None
    deadline: datetime | None
    tasks: tuple[dict[str, Any], ...] = ()

    def days_left(self, now: datetime) -> float | None:
        if self.deadline is None:
            return None
        return (self.deadline - now).total_seconds() / 86400

    def overdue(self, now: datetime) -> bool:
        if self.deadline is None:
            return False
        end = self.completed_at if self.status == "completed" and self.completed_at else now
        return end > self.deadline


@dataclass(frozen=True)
class ErasureItem:
    """One product's part of an erasure: what it held, what was erased, what is left."""

    product_id: str
    key_rows: int
    cells: dict[str, int]
    action: str  # erase | exempt | read-only | none
    reason: str | None = None
    rows_erased: int = 0
    cells_erased: int = 0
    residue_rows: int | None = None
    # a source with versions (PostgreSQL's WAL position): its version before and after
    version_before: str | None = None
    version_after: str | None = None
    # a source with earlier versions: what was removed of them, and what they still hold
    history: dict[str, Any] | None = None
    history_residue: dict[str, Any] | None = None

    @property
    def verified(self) -> bool:
        return self.residue_rows == 0 or self.action == "exempt"


@dataclass(frozen=True)
class ErasureOutcome:
    request_id: str
    applied: bool
    items: tuple[ErasureItem, ...]
    run_id: str | None = None
    subject_ref: str | None = None

    @property
    def residue(self) -> int:
        return sum((i.residue_rows or 0) for i in self.items if i.action != "exempt")

    @property
    def verified(self) -> bool:
        return self.applied and all(i.verified for i in self.items)


@dataclass(frozen=True)
class ExportResult:
    request_id: str
    folder: Path
    files: tuple[Path, ...]
    products: dict[str, int]


def deadline_for(policy: Policy, regulation: str, received: datetime, extended: bool) -> datetime:
    """When the answer is due under the regulation (its extension added when extended)."""
    base = policy.deadlines.get(regulation)
    if base is None:
        raise PolicyError(
            f"no DSAR deadline for regulation {regulation!r}",
            field="dsar.deadlines",
            hint="known: " + ", ".join(sorted(policy.deadlines)),
        )
    due = base.after(received)
    ext: Duration | None = policy.extensions.get(regulation)
    return ext.after(due) if extended and ext else due


def identifier_tokens(subject: Subject) -> list[str]:
    """Every text form of the subject's identifiers searched for residue."""
    tokens = []
    for name in (*IDENTITY_FORMS, *EXTRA_IDENTIFIERS):
        if name == "email":  # searched below in every encoding
            continue
        value = subject.identifiers.get(name)
        if value and len(str(value)) >= 6:
            tokens.append(str(value))
    email = subject.identifiers.get("email")
    if email:
        raw = email.encode("utf-8")
        tokens += [
            email,
            email.replace("@", "%40"),
            base64.b64encode(raw).decode("ascii"),
            base64.urlsafe_b64encode(raw).decode("ascii").rstrip("="),
            raw.hex(),
        ]
    return sorted(set(tokens), key=len, reverse=True)


def token_pattern(tokens: list[str]) -> str:
    """A case-insensitive RE2 pattern matching any token at identifier boundaries."""
    return "(?i)" + _LEFT + "(?:" + "|".join(re.escape(t) for t in tokens) + ")" + _RIGHT


def key_predicate(product: DataProduct, subject: Subject) -> str | None:
    form = product.subject_key_form or product.subject_key
    if not product.subject_key or form not in IDENTITY_FORMS:
        return None
    value = subject.form(form)
    if value is None:
        return None
    return f"{quote_ident(product.subject_key)} = {quote_literal(value)}"


TASK_MOVES = {"claimed": ("open",), "completed": ("open", "claimed")}
