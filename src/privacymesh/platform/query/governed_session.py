"""Governed queries (the governance sidecar, in process).

    with GovernedSession(workspace) as gov:
        result = gov.sql('SELECT country, count(*) AS n FROM "identity"."users" GROUP BY 1',
                         role="identity_analyst", purpose="account_management")
        result.frame                                             # a Polars frame
    privacymesh.platform.query("growth.web_events", "growth_analyst", "analytics")  # one product

A governed query is a boundary with two walls. First, every relation the query names is
resolved scope by scope (`privacymesh.platform.query.scope`: DuckDB's parser and sqlglot's scope
module must agree): one SELECT, no table functions, only registered products or CTEs in scope.
For each product the policy decides (`policy.decide`): the role must have rights on it, the
purpose must be one the product declares, and each field is clear or masked for the role's
clearance. Second, the query runs on a DuckDB database of its own per role and purpose, which
holds nothing but that role's governed relations as data: every field already masked, only the
rows of subjects with consent for the purpose. That database cannot reach files, extensions or
Python objects (`connection`: `enable_external_access`, replacement scans and extension loading
off, its configuration locked), so a query the first wall should have refused still reads
nothing raw. That database is DuckDB whatever the workspace's engine: it is the boundary itself
(external access off, configuration locked), which a Spark session cannot offer.
Every query, allowed, denied or failed, writes a record through the audit-log SDK (the SQL
itself only as a hash: it may hold literal values).

Overhead over the same plain query: the parse (cached per SQL text), the policy decision (cached
per product, role and purpose), a `stat` of the consent ledger and of each product's source,
and one audit append. The masking and the consent filter are paid once: a session materializes
each governed relation into its role's database and rebuilds it when its source or the consent
ledger changes. `materialize=False` (the one-shot CLI) keeps nothing between queries and
copies only the columns the query names. `benchmarks/platform_latency.py` measures both.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from privacymesh.catalog import Catalog, quote_ident
from privacymesh.engine import open_engine
from privacymesh.engine.duckdb_engine import DuckDBEngine
from privacymesh.errors import ContractError, SourceError, first_line
from privacymesh.ledger import RawPersonalDataError
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import CONSENT_FILE, ConsentLedger
from privacymesh.platform.errors import AccessDenied, QueryError
from privacymesh.platform.keys import derive, master_key
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.principals import Principal, principal_of, require_role
from privacymesh.platform.query.connection import (
    governed_connection,
    load_relation,
    source_stamp,
    without_values,
)
from privacymesh.platform.query.model import (
    AccessDecision,
    decide,
    select_sql,
)
from privacymesh.platform.query.scope import ParsedQuery, parse_query
from privacymesh.subjects import IDENTITY_FORMS
from privacymesh.workspace import Workspace, load_workspace

_PARSE_CACHE = 512


@dataclass(frozen=True)
class GovernedResult:
    """A governed query's rows and the decisions that shaped them."""

    frame: pl.DataFrame
    products: tuple[str, ...]
    decisions: tuple[AccessDecision, ...]
    audit_ids: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return self.frame.height


@dataclass
class _Governed:
    """One role and purpose: a DuckDB database of its own holding only the governed relations.
    `built` maps a product to the stamp (source file, consent generation) it was built from."""

    con: duckdb.DuckDBPyConnection
    lock: threading.Lock = field(default_factory=threading.Lock)
    built: dict[str, tuple[Any, ...]] = field(default_factory=dict)


class GovernedSession:
    """A long-lived governed query session over one workspace (thread-safe). Open it once and
    query many times; it is also a context manager.

    With `materialize` (the default) each product a role reads for a purpose is masked and
    consent-filtered once into that role's governed database, rebuilt when the product's source
    file or the consent ledger changes (a `stat` per query tells). Without it nothing is kept:
    each query copies the columns it names, masked, into a fresh governed database (the right
    choice for one query, as the CLI runs). Either way the query never runs where raw data is."""

    def __init__(
        self,
        workspace: Workspace | Path | str | None = None,
        *,
        principal: Principal | None = None,
        catalog: Catalog | None = None,
        policy: Policy | None = None,
        audit_log: audit_sdk.AuditLog | None = None,
        materialize: bool = True,
    ) -> None:
        self.ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
        self.catalog = catalog or catalog_for(self.ws.catalog)
        self.policy = policy or load_policy(self.ws, self.catalog)
        # who asks is established here, once: the audit log records this principal, and a
        # query may use only the roles granted to it
        self.principal = principal or principal_of(self.ws)
        self.actor = self.principal.name
        self.materialize = materialize
        self.audit = audit_log or audit_sdk.open_log(self.ws)
        self._master = master_key(self.ws.evidence)
        engine = open_engine(self.ws, self.catalog, name="duckdb")
        if not isinstance(engine, DuckDBEngine):
            raise QueryError("governed queries need the DuckDB engine", field="engine.kind")
        self.engine = engine
        self.database = str(engine.scalar("SELECT current_database()"))
        self._threads = int(engine.scalar("SELECT current_setting('threads')"))
        self._memory = str(engine.scalar("SELECT current_setting('memory_limit')"))
        self._parser = governed_connection(1)  # json_serialize_sql only: no data at all
        self._parse_lock = threading.Lock()
        self._parsed: OrderedDict[str, ParsedQuery] = OrderedDict()
        self._decisions: dict[tuple[str, str, str | None], AccessDecision] = {}
        self._governed: dict[tuple[str, str | None], _Governed] = {}
        self._state_lock = threading.Lock()
        self.consent = ConsentLedger.open(self.ws, catalog=self.catalog, policy=self.policy)
        self._consent_purposes = self.consent.consent_purposes
        self._consent_stamp = self._stamp()
        self._consent_built: set[str] = set()
        self._consent_generation = 0

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        for gov in self._governed.values():
            gov.con.close()
        self._parser.close()
        self.engine.close()

    def __enter__(self) -> GovernedSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the query -------------------------------------------------------------------------

    def parse(self, sql: str) -> ParsedQuery:
        with self._parse_lock:
            hit = self._parsed.get(sql)
            if hit is not None:
                self._parsed.move_to_end(sql)
                return hit
            parsed = parse_query(self._parser, sql, self.catalog)
            self._parsed[sql] = parsed
            if len(self._parsed) > _PARSE_CACHE:
                self._parsed.popitem(last=False)
            return parsed

    def decision(self, product_id: str, role: str, purpose: str | None) -> AccessDecision:
        """The policy's decision for one product, role and purpose (cached)."""
        key = (product_id, role, purpose)
        hit = self._decisions.get(key)
        if hit is None:
            hit = decide(
                self.policy, self.catalog, product_id, role, purpose, self._consent_purposes
            )
            self._decisions[key] = hit
        return hit

    def sql(self, sql: str, role: str, purpose: str) -> GovernedResult:
        """Run one SELECT as `role` for `purpose`; raises AccessDenied (also when the role is
        not granted to the session's principal), QueryError or ContractError (unknown product)
        before anything runs, QueryError (or SourceError) when it fails; every outcome is in
        the audit log."""
        require_role(
            self.principal, role, self.audit, action="query", purpose=purpose,
            policy=self.policy.version,
        )  # fmt: skip
        who = self.actor
        digest = hashlib.sha256(sql.encode("utf-8")).hexdigest()[:16]
        try:
            parsed = self.parse(sql)
        except (QueryError, ContractError) as exc:
            self._deny(who, None, role, purpose, exc, digest)
            raise
        decisions = []
        for pid in parsed.products:
            try:
                decisions.append(self.decision(pid, role, purpose))
            except AccessDenied as exc:
                self._deny(who, pid, role, purpose, exc, digest)
                raise
        try:
            self._refresh_consent()
            if self.materialize:
                gov = self._governed_for(role, purpose, decisions)
            else:
                gov = self._one_shot(decisions, parsed)
        except (duckdb.Error, pl.exceptions.PolarsError, pa.ArrowException, SourceError) as exc:
            self._failed(who, role, purpose, exc, digest)
            if isinstance(exc, SourceError):
                raise
            raise QueryError(
                f"the governed data could not be built: {without_values(first_line(exc))}",
                field="sql",
                hint="the products' data may not match their contracts",
            ) from None
        try:
            with gov.lock:
                table = gov.con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            # the governed database holds masked data only: its messages may be shown
            self._failed(who, role, purpose, exc, digest)
            raise QueryError(f"the query failed: {first_line(exc)}", field="sql") from None
        finally:
            if not self.materialize:
                gov.con.close()
        frame: pl.DataFrame = pl.from_arrow(table)  # type: ignore[assignment]
        ids = []
        if not decisions:  # reads no product (SELECT 1): still on the record
            rec = self.audit.record(
                who,
                "query",
                None,
                (),
                purpose,
                None,
                role=role,
                policy=self.policy.version,
                rows=frame.height,
                detail={"query": digest},
            )
            ids.append(rec.record_id)
        for d in decisions:
            names = [f.name for f in d.fields]
            read = names if parsed.star else [n for n in names if n in parsed.columns]
            subjects = None
            column = d.subject_column
            if column and column in frame.columns and frame.schema[column] == pl.String:
                subjects = frame[column].n_unique() - int(frame[column].null_count() > 0)
            rec = self.audit.record(
                who,
                "query",
                d.product.id,
                read,
                purpose,
                subjects,
                role=role,
                policy=d.policy_version,
                rows=frame.height,
                detail={**d.evidence(), "query": parsed.digest},
            )
            ids.append(rec.record_id)
        return GovernedResult(frame, parsed.products, tuple(decisions), tuple(ids))

    def _failed(self, actor: str, role: str, purpose: str, exc: Exception, digest: str) -> None:
        """Record a query that passed the checks but failed to run (the reason's type only)."""
        self.audit.record(
            actor,
            "query",
            None,
            (),
            purpose,
            None,
            role=role,
            decision="error",
            policy=self.policy.version,
            detail={"reason": type(exc).__name__, "query": digest},
        )

    def _deny(
        self, actor: str, product: str | None, role: str, purpose: str, exc: Exception, digest: str
    ) -> None:
        """Record a refused query; names typed by the caller are dropped if they look personal."""
        reason = getattr(exc, "message", str(exc))
        try:
            self.audit.record(
                actor,
                "query",
                product,
                (),
                purpose,
                None,
                role=role,
                decision="deny",
                policy=self.policy.version,
                detail={"reason": reason, "query": digest},
            )
        except RawPersonalDataError:
            self.audit.record(
                actor,
                "query",
                product,
                (),
                None,
                None,
                decision="deny",
                policy=self.policy.version,
                detail={
                    "reason": f"{type(exc).__name__} (the input held personal data: not logged)",
                    "query": digest,
                },
            )

    def product(
        self,
        product_id: str,
        role: str,
        purpose: str,
        *,
        limit: int | None = None,
    ) -> GovernedResult:
        """Every row of one product the role may see for the purpose, masked."""
        product = self.catalog.get(product_id)
        sql = f"SELECT * FROM {product.view}" + (f" LIMIT {int(limit)}" if limit else "")
        return self.sql(sql, role, purpose)

    # -- governed relations ----------------------------------------------------------------

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.ws.platform / CONSENT_FILE)
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size

    def _refresh_consent(self) -> None:
        """Reload the consent ledger when its file changed; rebuild the consent tables."""
        stamp = self._stamp()
        if stamp == self._consent_stamp:
            return
        with self._state_lock:
            if stamp == self._consent_stamp:
                return
            self.consent = ConsentLedger.open(self.ws, catalog=self.catalog, policy=self.policy)
            for purpose in self._consent_built:
                self._build_consent(purpose)
            self._consent_generation += 1
            self._consent_stamp = stamp

    def _build_consent(self, purpose: str) -> None:
        # in the raw engine: the governed databases never see the identity map
        forms = self.consent.identity.forms() if self.consent.identity is not None else None
        allowed = self.consent.consenting(purpose)
        table = allowed if forms is None else forms.join(allowed, on="user_id", how="semi")
        for form in IDENTITY_FORMS:
            if form not in table.columns:
                table = table.with_columns(pl.lit(None, pl.String).alias(form))
        self.engine.register_frame("_pm_consent", purpose, table.select(IDENTITY_FORMS))

    def _consent_table(self, purpose: str) -> str:
        if purpose not in self._consent_built:
            self._build_consent(purpose)
            self._consent_built.add(purpose)
        return f"{quote_ident(self.database)}._pm_consent.{quote_ident(purpose)}"

    def _governed_for(
        self, role: str, purpose: str | None, decisions: list[AccessDecision]
    ) -> _Governed:
        key = (role, purpose)
        gov = self._governed.get(key)
        stamps = [self._stamp_of(d) for d in decisions]
        if gov is not None and all(
            gov.built.get(d.product.id) == s for d, s in zip(decisions, stamps, strict=True)
        ):
            return gov
        with self._state_lock:
            gov = self._governed.get(key)
            if gov is None:
                gov = self._governed[key] = _Governed(
                    governed_connection(self._threads, self._memory)
                )
            for d, s in zip(decisions, stamps, strict=True):
                if gov.built.get(d.product.id) != s:
                    with gov.lock:
                        gov.built.pop(d.product.id, None)
                        self._load(gov, d, None)
                    gov.built[d.product.id] = s
            return gov

    def _one_shot(self, decisions: list[AccessDecision], parsed: ParsedQuery) -> _Governed:
        """A governed database for one query: only the columns it names (all for `*`)."""
        gov = _Governed(governed_connection(self._threads, self._memory))
        try:
            with self._state_lock:
                for d in decisions:
                    names = [f.name for f in d.fields]
                    wanted = None if parsed.star else [n for n in names if n in parsed.columns]
                    self._load(gov, d, wanted)
        except BaseException:
            gov.con.close()
            raise
        return gov

    def _stamp_of(self, d: AccessDecision) -> tuple[Any, ...]:
        consent = self._consent_generation if d.consent_purposes else None
        return (*source_stamp(d.product), consent)

    def _load(self, gov: _Governed, d: AccessDecision, columns: list[str] | None) -> None:
        """Mask and consent-filter one product in the raw engine, then copy the result (data,
        not a view) into the governed database."""
        product = d.product
        if product.id in self.engine.registration.failed:
            raise SourceError(
                f"{product.id} could not be read: {self.engine.registration.failed[product.id]}",
                file=product.file,
            )
        sources = {p: self._consent_table(p) for p in d.consent_purposes}
        raw = f"{quote_ident(self.database)}.{product.view}"
        key = derive(self._master, f"mask:{d.role}")
        body = select_sql(d, raw, sources, key)
        if columns is not None:
            keep = ", ".join(quote_ident(c) for c in columns) or "NULL AS _pm_no_column"
            body = f"SELECT {keep} FROM ({body})"
        with self.engine._lock:
            reader = self.engine.con.sql(body).to_arrow_reader()
            load_relation(gov.con, product.domain, product.name, reader)


# ---- convenience -----------------------------------------------------------------------------

_sessions: dict[str, GovernedSession] = {}
_sessions_lock = threading.Lock()


def session(workspace: Workspace | Path | str | None = None) -> GovernedSession:
    """A shared session per workspace and verified principal (opened on first use)."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    who = principal_of(ws)
    key = f"{ws.file}\0{who.name}\0{who.via}"
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = GovernedSession(ws, principal=who)
        return _sessions[key]


def query(
    product: str,
    role: str,
    purpose: str,
    *,
    workspace: Workspace | Path | str | None = None,
    limit: int | None = None,
) -> pl.DataFrame:
    """One product's rows as `role` may see them for `purpose`: rights checked, subjects without
    consent dropped, fields masked, access recorded in the audit log."""
    return session(workspace).product(product, role, purpose, limit=limit).frame


def query_sql(
    sql: str,
    role: str,
    purpose: str,
    *,
    workspace: Workspace | Path | str | None = None,
) -> GovernedResult:
    """A governed SELECT over products (see the module docstring)."""
    return session(workspace).sql(sql, role, purpose)
