"""The consent API: may this subject's data be processed for this purpose (at this time)?

    ledger = ConsentLedger.open(workspace)
    ledger.is_permitted("u_000123", "marketing")                     # now
    ledger.is_permitted("u_000123", "marketing", at=datetime(2026, 5, 1))
    ledger.filter(frame, "analytics", subject="user_id", time="visited_at")    # Polars
    ledger.filter_relation(con, rel, "analytics", subject="user_id", time="ts")  # DuckDB
    ledger.revoke("u_000123", "marketing", source="support")          # event + notices

The consent ledger is `platform/consent_events.parquet` (ISO/IEC 27560-shaped records: subject,
purpose, grant or withdraw, time, source, notice version, regulation). A subject may process
data for a purpose at time t when their latest event for it at or before t is a grant.

Single checks read an in-memory index built once from the ledger: for each (subject, purpose)
the sorted event times and whether each was a grant, searched with `bisect`. Batch checks are
one join, never a loop over rows: each row meets the subject's latest event at or before the
row's time. Two equivalent forms: the textbook ASOF join (`method="asof"`), and, by default, a
join to the purpose's validity intervals (grant to next event) on the subject, which needs no
sort, which makes it the faster; tests hold both to the same rows.

Recording a grant or a withdrawal appends an event to the ledger (rewritten
atomically under a lock) and one propagation notice per product that processes the purpose and
per product downstream of it in the lineage graph (`platform/consent_notices.parquet`, due by
the policy's propagation SLA for the product's processing mode). `acknowledge` marks a notice
applied; when a domain has applied every notice of a withdrawal, its application is appended to
`platform/consent_applications.parquet`, which the consent checks (propagation lag, never
applied) measure, so a withdrawal recorded here stays "not applied" there until its domains
acknowledge it.

The consent ledger is the platform's own store (Parquet files read with Polars), not a product:
it is read directly, not through the engine. DuckDB appears only as the type of a caller's
relation (`filter_relation`, which the governed query's DuckDB database uses).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from time import time_ns
from typing import Any

import polars as pl

from privacymesh.catalog import Catalog
from privacymesh.consent_rule import GRANT, IS_GRANT, validity_intervals
from privacymesh.platform.consent import filtering
from privacymesh.platform.consent import notices as propagation
from privacymesh.platform.consent.model import (
    CONSENT_FILE,
    EVENT_SCHEMA,
    NOTICE_SCHEMA,
    SOURCES,
    ConsentChange,
    ConsentStatus,
    granted_at,
    latest_grants,
    to_us,
    utc_naive,
)
from privacymesh.platform.errors import ConsentError, UnknownPurposeError, UnknownSubjectError
from privacymesh.platform.identity import IdentityMap
from privacymesh.platform.policy import Policy
from privacymesh.platform.sources import locked, write_parquet_atomic

_WORKSPACE_LOG: Any = object()  # `open`'s default: the workspace's own audit log


class ConsentLedger:
    """The consent ledger with its lookup index. Build it with `open(workspace)`, or from a
    frame of events (`ConsentLedger(events)`) for in-memory use."""

    def __init__(
        self,
        events: pl.DataFrame,
        *,
        subjects: Iterable[str] | None = None,
        purposes: Iterable[str] | None = None,
        identity: IdentityMap | None = None,
        catalog: Catalog | None = None,
        policy: Policy | None = None,
        platform_dir: Path | None = None,
        audit: Any = None,
        actor: str | None = None,
        workspace: Any = None,
    ) -> None:
        self.identity = identity
        self._workspace = workspace
        self.catalog = catalog
        self.policy = policy or Policy()
        self.platform_dir = platform_dir
        self.audit = audit
        self.actor = actor
        self._set_events(events)
        known = set(subjects) if subjects is not None else set()
        if identity is not None:
            known.update(identity.user_ids.to_list())
        self._subjects = known | set(self.events["user_id"].unique().to_list())
        declared = set(purposes or ())
        if catalog is not None:
            declared.update(p for prod in catalog.products.values() for p in prod.purposes)
        self._purposes = declared | set(self.events["purpose"].unique().to_list())

    @classmethod
    def open(
        cls,
        workspace: Any = None,
        *,
        catalog: Catalog | None = None,
        policy: Policy | None = None,
        audit: Any = _WORKSPACE_LOG,
        actor: str | None = None,
    ) -> ConsentLedger:
        """The consent ledger of a workspace, with its identity map, catalog and policy. Its
        changes, checks and acknowledgements are written to the workspace's audit log (or to
        `audit`; None writes none) as `actor`, by default the verified principal."""
        from privacymesh.platform import audit as audit_sdk
        from privacymesh.platform.catalog_cache import catalog_for
        from privacymesh.platform.policy import load_policy
        from privacymesh.workspace import Workspace, load_workspace

        ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
        if audit is _WORKSPACE_LOG:
            audit = audit_sdk.open_log(ws)
        catalog = catalog or catalog_for(ws.catalog)
        policy = policy or load_policy(ws, catalog)
        return cls(
            read_events(ws.platform),
            identity=IdentityMap.load(ws.platform),
            catalog=catalog,
            policy=policy,
            platform_dir=ws.platform,
            audit=audit,
            actor=actor,
            workspace=ws,
        )

    def _actor(self, actor: str | None = None) -> str:
        """Who the audit log names: the caller's `actor`, else the verified principal of the
        workspace (resolved when first needed), else the OS user."""
        if actor or self.actor:
            return str(actor or self.actor)
        from privacymesh.platform.audit import current_actor
        from privacymesh.platform.principals import principal_of

        self.actor = principal_of(self._workspace).name if self._workspace else current_actor()
        return self.actor

    # -- state -----------------------------------------------------------------------------

    def _set_events(self, events: pl.DataFrame, keep_index: bool = False) -> None:
        missing = {"user_id", "purpose", "action", "event_time"} - set(events.columns)
        if missing:
            raise ConsentError(f"consent events lack columns: {', '.join(sorted(missing))}")
        if "event_id" not in events.columns:
            events = events.with_row_index("event_id").with_columns(
                pl.format("ce-{}", pl.col("event_id"))
            )
        self.events = events.with_columns(pl.col("event_time").cast(pl.Datetime("us"))).sort(
            ["event_time", "event_id"]
        )
        if not keep_index:  # else the caller updates the index itself (one event appended)
            self._index: dict[tuple[str, str], tuple[list[int], list[bool]]] | None = None
        self._validity: dict[tuple[str, int], pl.DataFrame] = getattr(self, "_validity", {})
        self.version = getattr(self, "version", 0) + 1

    def _build_index(self) -> dict[tuple[str, str], tuple[list[int], list[bool]]]:
        grouped = (
            self.events.select(
                "user_id",
                "purpose",
                pl.col("event_time").dt.epoch("us").alias("t"),
                IS_GRANT.alias("g"),
            )
            .group_by(["user_id", "purpose"], maintain_order=True)
            .agg("t", "g")
        )
        return {
            (u, p): (t, g)
            for u, p, t, g in zip(
                grouped["user_id"].to_list(),
                grouped["purpose"].to_list(),
                grouped["t"].to_list(),
                grouped["g"].to_list(),
                strict=True,
            )
        }

    def build_index(self) -> None:
        """Build the lookup index now (it is otherwise built on the first check)."""
        if self._index is None:
            self._index = self._build_index()

    @property
    def purposes(self) -> frozenset[str]:
        """Every purpose in the ledger or declared by a product."""
        return frozenset(self._purposes)

    @property
    def consent_purposes(self) -> frozenset[str]:
        """Purposes that need consent: the policy's list, else those in the ledger."""
        if self.policy.consent_purposes is not None:
            return frozenset(self.policy.consent_purposes)
        return frozenset(self.events["purpose"].unique().to_list())

    def _check_purpose(self, purpose: str) -> None:
        if purpose not in self._purposes:
            raise UnknownPurposeError(
                f"unknown purpose {purpose!r}",
                field="purpose",
                hint="purposes: " + ", ".join(sorted(self._purposes)),
            )

    def _unknown_subject(self) -> UnknownSubjectError:
        return UnknownSubjectError(
            "unknown subject: not in the identity map or the consent ledger",
            field="subject",
            hint="give the subject's user id (u_000123); `consent check` also takes other forms",
        )

    # -- single checks ---------------------------------------------------------------------

    def is_permitted(self, subject: str, purpose: str, at: datetime | None = None) -> bool:
        """Whether the subject's latest event for the purpose at or before `at` (default now)
        is a grant. `subject` is a user id."""
        index = self._index
        if index is None:
            index = self._index = self._build_index()
        entry = index.get((subject, purpose))
        if entry is None:
            if subject not in self._subjects:
                raise self._unknown_subject()
            self._check_purpose(purpose)
            return False
        times, grants = entry
        t = to_us(at) if at is not None else time_ns() // 1000
        i = bisect_right(times, t)
        return i > 0 and grants[i - 1]

    def user_id(self, subject: str) -> str:
        """The user id of any identifier form (through the identity map when there is one)."""
        if subject in self._subjects:
            return subject
        if self.identity is None:
            raise self._unknown_subject()
        return self.identity.user_id(subject)

    def status(self, subject: str, purpose: str, at: datetime | None = None) -> ConsentStatus:
        """The decision with the event behind it and the notices still propagating."""
        uid = self.user_id(subject)
        self._check_purpose(purpose)
        when = utc_naive(at)
        permitted = self.is_permitted(uid, purpose, when)
        last = self.events.filter(
            (pl.col("user_id") == uid)
            & (pl.col("purpose") == purpose)
            & (pl.col("event_time") <= when)
        ).tail(1)
        row = last.row(0, named=True) if last.height else {}
        pending = overdue = 0
        notices = self.notices(pending_only=True)
        if notices.height:
            mine = notices.filter((pl.col("user_id") == uid) & (pl.col("purpose") == purpose))
            pending = mine.height
            overdue = mine.filter(pl.col("due_at") < when).height
        return ConsentStatus(
            uid,
            purpose,
            when,
            permitted,
            row.get("event_id"),
            row.get("action"),
            row.get("event_time"),
            row.get("source"),
            row.get("notice_version"),
            pending,
            overdue,
        )

    def check(self, subject: str, purpose: str, at: datetime | None = None) -> ConsentStatus:
        """`status`, written to the audit log as a consent check (what an operator's lookup of
        one subject is; the batch filters and `is_permitted` are not logged one by one)."""
        status = self.status(subject, purpose, at)
        if self.audit is not None:
            self.audit.record(
                self._actor(),
                "consent.check",
                None,
                (),
                purpose,
                1,
                subject=status.user_id,
                policy=self.policy.version,
                detail={"permitted": status.permitted, "event_id": status.event_id},
            )
        return status

    # -- batch checks ----------------------------------------------------------------------

    def purpose_events(self, purpose: str) -> pl.DataFrame:
        """One purpose's events as (user_id, event_time, granted), one per subject and instant
        (the later event id wins a tie), sorted by time."""
        self._check_purpose(purpose)
        return (
            self.events.filter(pl.col("purpose") == purpose)
            .select("user_id", "event_time", IS_GRANT.alias("granted"))
            .unique(subset=["user_id", "event_time"], keep="last", maintain_order=True)
        )

    def consenting(self, purpose: str, at: datetime | None = None) -> pl.DataFrame:
        """The user ids whose consent for the purpose holds at `at` (default now)."""
        self._check_purpose(purpose)
        events = self.events.lazy().filter(pl.col("purpose") == purpose)
        return latest_grants(events, utc_naive(at)).select("user_id").sort("user_id").collect()

    def subject_ids(self, lf: pl.LazyFrame, subject: str, form: str) -> tuple[pl.LazyFrame, str]:
        if form == "user_id":
            return lf, subject
        if self.identity is None:
            raise ConsentError(
                f"subject form {form!r} needs the identity map", field="subject_form"
            )
        forms = self.identity.forms()
        if form not in forms.columns:
            raise ConsentError(f"the identity map has no {form!r} column", field="subject_form")
        mapping = forms.select(pl.col(form), pl.col("user_id").alias("_pm_uid")).drop_nulls(form)
        return lf.join(mapping.lazy(), left_on=subject, right_on=form, how="left"), "_pm_uid"

    def validity(self, purpose: str) -> pl.DataFrame:
        """The purpose's consent as validity intervals: (user_id, start, end) from each grant to
        the subject's next event for the purpose (end null: still valid). A time t is covered
        exactly when the latest event at or before t is a grant."""
        key = (purpose, self.version)
        hit = self._validity.get(key)
        if hit is None:
            self._check_purpose(purpose)
            hit = (
                validity_intervals(self.events.filter(pl.col("purpose") == purpose))
                .filter(pl.col("granted"))
                .select(
                    pl.col("user_id").alias("_pm_user"),
                    pl.col("event_time").alias("_pm_start"),
                    pl.col("valid_until").alias("_pm_end"),
                )
                .collect()
            )
            self._validity = {
                key: hit,
                **{k: v for k, v in self._validity.items() if k[1] == self.version},
            }
        return hit

    # the batch filters live in `filtering`, each a method here (the ledger is their first argument)
    filter = filtering.filter_frame
    filter_relation = filtering.filter_relation

    # -- recording changes -----------------------------------------------------------------

    def grant(self, subject: str, purpose: str, **kwargs: Any) -> ConsentChange:
        """Record a grant (or a re-confirmation) and notify downstream products."""
        return self._record("grant", subject, purpose, **kwargs)

    def revoke(self, subject: str, purpose: str, **kwargs: Any) -> ConsentChange:
        """Record a withdrawal and notify downstream products; from `at` on, checks for the
        purpose answer no. Withdrawing consent that does not hold is an error."""
        return self._record("withdraw", subject, purpose, **kwargs)

    def notice_products(self, purpose: str) -> list[str]:
        """Products told of a change: those keyed by subject that declare the purpose, and
        every product keyed by subject downstream of them (aggregates hold no subject)."""
        if self.catalog is None:
            return []
        products = self.catalog.products
        direct = [p.id for p in products.values() if purpose in p.purposes and p.subject_key]
        found = set(direct)
        for pid in direct:
            found.update(d for d in self.catalog.downstream(pid) if products[d].subject_key)
        return sorted(found)

    def _record(
        self,
        action: str,
        subject: str,
        purpose: str,
        *,
        source: str = "api",
        notice_version: str | None = None,
        regulation: str | None = None,
        at: datetime | None = None,
        actor: str | None = None,
    ) -> ConsentChange:
        if self.platform_dir is None:
            raise ConsentError(
                "this ledger is in memory only", hint="open it with ConsentLedger.open(workspace)"
            )
        uid = self.user_id(subject)
        self._check_purpose(purpose)
        if source not in SOURCES:
            raise ConsentError(
                f"unknown source {source!r}", field="source", hint=", ".join(SOURCES)
            )
        when = utc_naive(at)
        path = self.platform_dir / CONSENT_FILE
        with locked(path):
            current = read_events(self.platform_dir)
            if action == "withdraw" and not granted_at(current, uid, purpose, when):
                raise ConsentError(
                    f"no consent for {purpose!r} to withdraw at {when:%Y-%m-%d %H:%M:%S}",
                    field="purpose",
                    hint="`privacymesh consent check` shows the subject's consent",
                )
            event_id = next_id(current["event_id"], "ce-", 7)
            mine = current.filter(pl.col("user_id") == uid).tail(1)
            row = {
                "event_id": event_id,
                "user_id": uid,
                "purpose": purpose,
                "action": action,
                "event_time": when,
                "source": source,
                "notice_version": notice_version or _latest(current, "notice_version"),
                "regulation": regulation or self._regulation(uid, mine),
            }
            new = pl.DataFrame(
                [row], schema={c: current.schema.get(c, t) for c, t in EVENT_SCHEMA.items()}
            )
            updated = pl.concat([current, new.select(current.columns)], how="vertical_relaxed")
            products = self.notice_products(purpose)
            write_parquet_atomic(updated, path)
            self._set_events(updated, keep_index=current.height == self.events.height)
            if self._index is not None:
                times, grants = self._index.setdefault((uid, purpose), ([], []))
                i = bisect_right(times, to_us(when))
                times.insert(i, to_us(when))
                grants.insert(i, action == GRANT)
            notice_ids = self._write_notices(row, products, when)
        change = ConsentChange(event_id, uid, purpose, action, when, tuple(products), notice_ids)
        if self.audit is not None:
            self.audit.record(
                self._actor(actor),
                f"consent.{'grant' if action == GRANT else 'revoke'}",
                None,
                (),
                purpose,
                1,
                subject=uid,
                policy=self.policy.version,
                detail={
                    "event_id": event_id,
                    "source": source,
                    "notices": len(notice_ids),
                    "products": list(products),
                },
            )
        return change

    def _regulation(self, uid: str, mine: pl.DataFrame) -> str | None:
        if mine.height and mine["regulation"][0]:
            return str(mine["regulation"][0])
        if self.identity is not None:
            country = self.identity.resolve(uid).country
            return self.policy.regulation_by_country.get(country or "")
        return None

    def notices(self, pending_only: bool = False) -> pl.DataFrame:
        """Propagation notices (all, or those not yet applied)."""
        if self.platform_dir is None:
            return pl.DataFrame(schema=NOTICE_SCHEMA)
        frame = propagation.read_notices(self.platform_dir)
        return frame.filter(pl.col("applied_at").is_null()) if pending_only else frame

    # notices live in `notices`, each a method here (the ledger is their first argument)
    acknowledge = propagation.acknowledge
    _write_notices = propagation.write_notices


def read_events(platform_dir: Path) -> pl.DataFrame:
    path = platform_dir / CONSENT_FILE
    if not path.is_file():
        return pl.DataFrame(schema=EVENT_SCHEMA)
    return pl.read_parquet(path)


def next_id(ids: pl.Series, prefix: str, width: int) -> str:
    return f"{prefix}{propagation.next_number(ids, prefix):0{width}d}"


def _latest(frame: pl.DataFrame, column: str) -> str | None:
    if column not in frame.columns or frame.height == 0:
        return None
    values = frame[column].drop_nulls()
    return str(values.max()) if values.len() else None
