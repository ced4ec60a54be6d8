"""The dashboard's data access: the workspace, a read-only snapshot of its ledger, and cached
reads of the read model (`read`).

Every page asks `ledger_access` for frames; nothing here recomputes a check. Queries run on a
snapshot of the ledger (see `privacymesh.views.snapshot`), so the dashboard never keeps the live
file locked, and are cached per snapshot and filter: a new run makes a new snapshot, and with it
fresh numbers. The hash chain is verified in the background, once per snapshot.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st

from privacymesh.errors import PrivacyMeshError
from privacymesh.ledger import Ledger, VerifyReport
from privacymesh.views import Snapshot, SnapshotStore, evidence
from privacymesh.workspace import Workspace, load_workspace

if TYPE_CHECKING:  # the catalog's parser is imported by the pages that read it, when they do
    from privacymesh.catalog import Catalog

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
WORKSPACE_ENV = "PRIVACYMESH_WORKSPACE"


@dataclass(frozen=True)
class Source:
    """What the pages read: the workspace, and the ledger snapshot (None: no ledger yet)."""

    workspace: Workspace
    snapshot: Snapshot | None
    problem: str | None = None  # why the ledger could not be read, in one line

    @property
    def has_ledger(self) -> bool:
        return self.snapshot is not None


@st.cache_resource(show_spinner=False)
def _workspace(path: str | None) -> Workspace:
    return load_workspace(path)


def workspace() -> Workspace:
    """The workspace named by $PRIVACYMESH_WORKSPACE, else the one above the current folder,
    else the one holding this dashboard."""
    named = os.environ.get(WORKSPACE_ENV)
    if named:
        return _workspace(named)
    try:
        return _workspace(None)
    except PrivacyMeshError:
        return _workspace(str(HERE.parent))


@st.cache_resource(show_spinner=False)
def _store(ledger_path: str) -> SnapshotStore:
    return SnapshotStore(ledger_path)


def source() -> Source:
    """The workspace and a current snapshot of its ledger (taken when the ledger changed)."""
    ws = workspace()
    try:
        snapshot = _store(str(ws.ledger_path)).current()
        if snapshot is not None:
            ledger_for(str(snapshot.path))  # raises when the file holds no ledger yet
    except PrivacyMeshError as exc:
        return Source(ws, None, str(exc))
    return Source(ws, snapshot)


@st.cache_resource(show_spinner=False, max_entries=3)
def ledger_for(snapshot_path: str) -> Ledger:
    """One read-only connection per snapshot, shared by every session (the Ledger serialises
    its own queries)."""
    return Ledger(snapshot_path, read_only=True)


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(snapshot_path: str, key: str, _call: Callable[[Ledger], Any]) -> Any:
    return _call(ledger_for(snapshot_path))


def read(snapshot: Snapshot, fn: Callable[..., T], *args: Any) -> T:
    """`fn(ledger, *args)` on the snapshot, cached by snapshot, function and arguments."""
    key = f"{fn.__module__}.{fn.__qualname__}{args!r}"
    return _cached(str(snapshot.path), key, lambda ledger: fn(ledger, *args))


# -- the catalog ----------------------------------------------------------------------------


def _catalog_stamp(folder: Path) -> str:
    files = sorted(folder.rglob("*.yaml")) if folder.is_dir() else []
    return ";".join(f"{f}:{f.stat().st_mtime_ns}" for f in files)


@st.cache_resource(show_spinner=False, max_entries=2)
def _catalog(folder: str, stamp: str) -> Catalog | None:
    # imported here: its schema validator takes seconds to import, and most pages never need it
    from privacymesh.catalog import load_catalog

    try:
        return load_catalog(Path(folder))
    except PrivacyMeshError:
        return None


def catalog(ws: Workspace) -> Catalog | None:
    """The workspace's catalog (reloaded when a contract changes); None when unreadable."""
    return _catalog(str(ws.catalog), _catalog_stamp(ws.catalog))


# -- chain verification, in the background --------------------------------------------------


class _Verifier:
    """Verifies each snapshot's chain once, on a worker thread."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-verify")
        self.jobs: dict[str, Future[VerifyReport]] = {}

    def submit(self, path: str) -> Future[VerifyReport]:
        if path not in self.jobs:
            self.jobs[path] = self.pool.submit(evidence.verify_ledger, path)
        return self.jobs[path]


@st.cache_resource(show_spinner=False)
def _verifier() -> _Verifier:
    return _Verifier()


def chain_status(snapshot: Snapshot, wait: float = 0.3) -> VerifyReport | Exception | None:
    """The snapshot's verification report; None while still verifying (after `wait` seconds);
    the exception when verification itself failed."""
    job = _verifier().submit(str(snapshot.path))
    try:
        return job.result(timeout=wait)
    except TimeoutError:
        return None
    except Exception as exc:
        return exc


def with_catalog(src: Source, fn: Callable[..., T], *args: Any) -> T:
    """`fn(ledger, catalog, *args)`, cached by snapshot, catalog state and arguments."""
    ws = src.workspace
    stamp = _catalog_stamp(ws.catalog)
    key = f"{fn.__module__}.{fn.__qualname__}|{hash(stamp)}|{args!r}"
    cat = _catalog(str(ws.catalog), stamp)
    return _cached(str(src.snapshot.path), key, lambda ledger: fn(ledger, cat, *args))
