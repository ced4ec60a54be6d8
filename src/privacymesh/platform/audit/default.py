"""The process's default audit log, opened from the workspace, and the module-level calls
that write to it (`audit.record`, `audit.query`, `audit.verify`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.ledger.records import ChainHead
from privacymesh.ledger.verify import VerifyReport
from privacymesh.platform.audit.log import AuditLog
from privacymesh.platform.audit.model import (
    LOG_FILE,
    AuditRecord,
)
from privacymesh.platform.keys import master_key

_default: AuditLog | None = None
_default_lock = threading.Lock()


def open_log(workspace: Any = None, path: Path | None = None) -> AuditLog:
    """The audit log of a workspace (policy `[audit] log`, default `<evidence>/audit.jsonl`,
    or `path`), keyed with the workspace key and resolving subjects through its identity map."""
    from privacymesh.platform.identity import IdentityMap
    from privacymesh.platform.policy import load_policy
    from privacymesh.workspace import Workspace, load_workspace

    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    policy = load_policy(ws)
    path = path or policy.audit_log or ws.evidence / LOG_FILE
    identity: IdentityMap | None = None

    def resolve(subject: str) -> str:
        nonlocal identity
        if identity is None:
            identity = IdentityMap.load(ws.platform)
        return identity.user_id(subject)

    return AuditLog(
        path,
        key=master_key(ws.evidence),
        fsync=policy.audit_fsync,
        resolve_subject=resolve,
        on_close=_anchor_head(ws, path),
    )


def _anchor_head(ws: Any, path: Path) -> Callable[[ChainHead], object] | None:
    """Sign and push the log's head to the workspace's anchors when an appending log closes."""
    from privacymesh.ledger.seal import Sealer

    sealer = Sealer.for_workspace(ws, audit_path=path)
    return sealer.anchor_audit if sealer is not None and sealer.settings.anchors else None


def configure(log: AuditLog | Path | str | None = None, workspace: Any = None) -> AuditLog:
    """Set the log that the module-level functions use (a log, a path, or a workspace's)."""
    global _default
    with _default_lock:
        if isinstance(log, AuditLog):
            _default = log
        elif log is not None:
            _default = AuditLog(log)
        else:
            _default = open_log(workspace)
        return _default


def default_log() -> AuditLog:
    """The configured log, else the log of the workspace found from the current folder."""
    global _default
    with _default_lock:
        if _default is None:
            _default = open_log(None)
        return _default


def record(
    actor: str | None,
    action: str,
    product: str | None = None,
    fields: Sequence[str] = (),
    purpose: str | None = None,
    subjects: int | None = None,
    **kwargs: Any,
) -> AuditRecord:
    """Append one record to the default log (see `AuditLog.record`)."""
    return default_log().record(actor, action, product, fields, purpose, subjects, **kwargs)


def query(**filters: Any) -> pl.DataFrame:
    """Records of the default log matching the filters (see `AuditLog.query`)."""
    return default_log().query(**filters)


def verify(expect_head: ChainHead | tuple[int, str] | None = None) -> VerifyReport:
    """Verify the default log's chain."""
    return default_log().verify(expect_head)
