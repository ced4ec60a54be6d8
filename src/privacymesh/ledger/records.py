"""What a check run hands to the ledger, and what the ledger hands back."""

from __future__ import annotations

import getpass
import hashlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from privacymesh.ledger.chain import canonical_json
from privacymesh.verdict import Status

if TYPE_CHECKING:
    from privacymesh.workspace import Workspace

Measured = Mapping[str, float | int | str | bool | None]

RECORDED_OPTION = "recorded"
"""The key of a run's options holding what it measured against besides the check specs: the
product records (owners, purposes, categories, retention), the accountable parties and each
contract's GX suite. Hashed into the chain with the run record."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _current_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (containers)
        return None


def _code_version() -> str:
    from privacymesh import __version__

    return f"privacymesh {__version__}"


@dataclass(frozen=True)
class RunInfo:
    """Who ran what, where, on which configuration. `run_id` and `started_at` default to a new
    id and now."""

    engine: str = "duckdb"
    workspace_config_hash: str | None = None
    catalog_fingerprint: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    actor: str | None = field(default_factory=_current_user)
    host: str | None = field(default_factory=socket.gethostname)
    code_version: str | None = field(default_factory=_code_version)
    started_at: datetime = field(default_factory=utc_now)
    run_id: str | None = None
    as_of: datetime | None = None
    """The reference time the checks measured against (defaults to `started_at`)."""
    checks: tuple[Mapping[str, Any], ...] = ()
    """The check specs the run executed, as JSON objects (id, control, SQL, parameters, ...)."""

    @property
    def coverage(self) -> str:
        """`full` when the run selected no checks, products or domains, else `partial`."""
        selected = any(self.options.get(key) for key in ("checks", "products", "domains"))
        return "partial" if selected else "full"

    @classmethod
    def for_workspace(cls, workspace: Workspace, **overrides: Any) -> RunInfo:
        """A RunInfo filled from a loaded workspace (its config hash and engine)."""
        values: dict[str, Any] = {
            "engine": workspace.engine.name,
            "workspace_config_hash": workspace.config_hash,
        }
        values.update(overrides)
        return cls(**values)


@dataclass(frozen=True)
class ResultRecord:
    """The outcome of one check on one product (or across products when `product_id` is None).

    `measured` maps metric names to numbers or strings; `threshold` is what they were compared
    with; `population` is how many items were tested and `exceptions` how many failed; an
    `error` result must give a `reason`. `domain` defaults to the product id's first part."""

    check_id: str
    status: str
    product_id: str | None = None
    domain: str | None = None
    measured: Measured = field(default_factory=dict)
    threshold: Mapping[str, Any] | None = None
    population: int | None = None
    exceptions: int | None = None
    reason: str | None = None
    query: str | None = None
    severity: str | None = None
    control_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def problems(self) -> list[str]:
        """What is wrong with this record (empty when it can be recorded)."""
        found = []
        if not self.check_id:
            found.append("check_id is empty")
        if self.status not in tuple(Status):
            found.append(f"status {self.status!r} is not one of {', '.join(Status)}")
        if self.status == Status.ERROR and not self.reason:
            found.append("an error result needs a reason")
        if not isinstance(self.measured, Mapping):
            found.append("measured must be a mapping of metric name to value")
        else:
            for key, value in self.measured.items():
                if not isinstance(key, str):
                    found.append(f"measured key {key!r} is not a string")
                elif not (value is None or isinstance(value, str | int | float | bool)):
                    found.append(f"measured[{key!r}] is a {type(value).__name__}")
        for name in ("population", "exceptions"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                found.append(f"{name} must be a non-negative integer, found {value!r}")
        return found


@dataclass(frozen=True)
class FindingRecord:
    """One thing a check found wrong, at column or row-group level. `detail` holds masked
    samples and counts only. `severity` defaults to the result's; `fingerprint` to
    `finding_fingerprint(check, product, column, kind)`."""

    kind: str
    column: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    severity: str | None = None
    fingerprint: str | None = None


@lru_cache(maxsize=65_536)
def finding_fingerprint(
    check_id: str, product_id: str | None, column: str | None, kind: str
) -> str:
    """A stable id of "the same finding" across runs: a hash of check, product, column, kind."""
    text = canonical_json(
        {"check_id": check_id, "product_id": product_id, "column": column, "kind": kind}
    )
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


@dataclass(frozen=True)
class ChainHead:
    """The last record of the chain: publish `seq` and `hash` to anchor the ledger."""

    seq: int
    hash: str
    table: str | None = None
    record_id: str | None = None
    updated_at: datetime | None = None

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True)
class RunSummary:
    """What a committed run recorded."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    result_count: int
    pass_count: int
    fail_count: int
    error_count: int
    skipped_count: int
    finding_count: int
    first_seq: int
    head: ChainHead
