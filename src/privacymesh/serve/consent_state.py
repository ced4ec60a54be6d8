"""The server's consent ledger: opened once, checked from memory, reloaded when another process
(the CLI, a second server) changed the ledger file. Changes go through the ledger's own
`grant`/`revoke`/`acknowledge`, one at a time."""

from __future__ import annotations

import os
import threading
from datetime import datetime
from typing import Any

import polars as pl

from privacymesh.platform.consent import (
    CONSENT_FILE,
    ConsentChange,
    ConsentLedger,
    read_events,
    utc_naive,
)
from privacymesh.platform.errors import ConsentError
from privacymesh.workspace import Workspace


class ConsentState:
    """One workspace's consent ledger held in memory for checks."""

    def __init__(self, workspace: Workspace, audit: Any):
        self.ws = workspace
        self._path = workspace.platform / CONSENT_FILE
        # checks hold it only for a lookup; a change holds it while the ledger file is rewritten
        self._lock = threading.RLock()
        self.ledger = ConsentLedger.open(workspace, audit=audit)
        self.ledger.build_index()
        self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _fresh(self) -> ConsentLedger:
        stamp = self._file_stamp()
        if stamp != self._stamp:  # written by someone else: read it again
            old = self.ledger
            ledger = ConsentLedger(
                read_events(self.ws.platform),
                identity=old.identity,
                catalog=old.catalog,
                policy=old.policy,
                platform_dir=old.platform_dir,
                audit=old.audit,
                workspace=self.ws,
            )
            ledger.build_index()
            self.ledger, self._stamp = ledger, stamp
        return self.ledger

    def check(self, subject: str, purpose: str, at: datetime | None) -> tuple[str, bool]:
        """(user id, permitted) from the in-memory index."""
        with self._lock:
            ledger = self._fresh()
            uid = ledger.user_id(subject)
            return uid, ledger.is_permitted(uid, purpose, at)  # refuses an unknown purpose

    def check_batch(
        self, purpose: str, subjects: list[str], at: datetime | None, times: list[datetime] | None
    ) -> list[bool]:
        """For each subject (a user id), whether the purpose is permitted at `at` (or at its own
        time): one join over the whole batch. Unknown subjects are not permitted."""
        frame = pl.DataFrame({"user_id": subjects}, schema={"user_id": pl.String})
        frame = frame.with_row_index("_row")
        if times is not None:
            if len(times) != len(subjects):
                raise ConsentError("times and subjects differ in length", field="times")
            frame = frame.with_columns(pl.Series("_at", times, dtype=pl.Datetime("us")))
        with self._lock:
            ledger = self._fresh()
            kept = ledger.filter(  # refuses an unknown purpose
                frame,
                purpose,
                time="_at" if times is not None else None,
                at=utc_naive(at) if at is not None else None,
            )
        allowed = frame["_row"].is_in(kept["_row"].implode())  # type: ignore[index]
        return allowed.to_list()

    def change(self, action: str, subject: str, purpose: str, **kwargs: Any) -> ConsentChange:
        """A grant or withdrawal recorded by the ledger (file, index, notices, audit)."""
        with self._lock:
            ledger = self._fresh()
            record = ledger.grant if action == "grant" else ledger.revoke
            change = record(subject, purpose, **kwargs)
            self._stamp = self._file_stamp()
            return change

    def acknowledge(self, event_id: str, product: str, actor: str) -> int:
        with self._lock:
            return self._fresh().acknowledge(event_id, product, actor=actor)

    def quiesce(self) -> None:
        """Wait until a change under way has been written (file, notices, audit record)."""
        with self._lock:
            pass

    def notices(self, pending_only: bool) -> pl.DataFrame:
        return self.ledger.notices(pending_only=pending_only)

    def product_domain(self, product: str) -> str | None:
        catalog = self.ledger.catalog
        found = catalog.products.get(product) if catalog is not None else None
        return found.domain if found is not None else None
