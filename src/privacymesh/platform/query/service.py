"""Governed queries (the governance sidecar, in process) and policy views.

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
Python objects (`enable_external_access`, replacement scans and extension loading off, its
configuration locked), so a query the first wall should have refused still reads nothing raw.
That database is DuckDB whatever the workspace's engine: it is the boundary itself (external
access off, configuration locked), which a Spark session cannot offer.
Every query, allowed, denied or failed, writes a record through the audit-log SDK (the SQL
itself only as a hash: it may hold literal values).

Overhead over the same plain query: the parse (cached per SQL text), the policy decision (cached
per product, role and purpose), a `stat` of the consent ledger and of each product's source,
and one audit append. The masking and the consent filter are paid once: a session materializes
each governed relation into its role's database and rebuilds it when its source or the consent
ledger changes. `materialize=False` (the one-shot CLI) keeps nothing between queries and
copies only the columns the query names. `benchmarks/platform_latency.py` measures both.

`write_policy_views` writes the same views into a DuckDB file of their own (and its SQL beside
it), over the products' files and a live view of the consent ledger, for BI tools. Hashed
columns read their key from session variables (`<views>.key.sql`, mode 0600), never from the
views' text, and that key is not the governed query's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from privacymesh.catalog import Catalog, DataProduct, quote_ident, quote_literal
from privacymesh.consent_rule import latest_grants_sql
from privacymesh.engine import open_engine
from privacymesh.engine.duckdb_engine import DuckDBEngine, file_reader
from privacymesh.errors import ContractError, SourceError, first_line
from privacymesh.ledger import RawPersonalDataError
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import CONSENT_FILE, ConsentLedger
from privacymesh.platform.errors import AccessDenied, PolicyError, QueryError
from privacymesh.platform.identity import IDENTITY_FILE
from privacymesh.platform.keys import derive, master_key, write_private
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.principals import Principal, principal_of, require_role
from privacymesh.platform.query.masking_sql import SessionKey, hmac_pads
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


_LOCKED_DOWN = {
    "enable_external_access": False,  # no files, COPY, ATTACH of files, INSTALL/LOAD
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
}


def governed_connection(
    threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An empty in-memory DuckDB database that cannot reach files, extensions or the calling
    Python frames, its configuration locked. Relations reach it only as data (`load_relation`)."""
    con = duckdb.connect(":memory:", config=dict(_LOCKED_DOWN))
    con.execute("SET python_enable_replacements = false")  # no scans of Python variables
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {quote_literal(memory_limit)}")
    con.execute("SET lock_configuration = true")
    return con


def load_relation(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, data: pa.RecordBatchReader
) -> None:
    """Copy `data` into `schema.name` of a governed connection (replacing it)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
    con.register("_pm_load", data)
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE {quote_ident(schema)}.{quote_ident(name)} AS "
            "SELECT * FROM _pm_load"
        )
    finally:
        con.unregister("_pm_load")


_QUOTED = re.compile(r"'(?:[^']|'')*'")


def _without_values(message: str) -> str:
    """An engine error with its quoted literals hidden: over raw data they may be values."""
    return _QUOTED.sub("'…'", message)


def source_stamp(product: DataProduct) -> tuple[Any, ...]:
    """What changes when a product's data changes: its file's (or database's) mtime and size."""
    server = product.server
    path = None
    if server is not None:
        path = server.path if server.type == "local" else server.database
    if path is None or any(ch in str(path) for ch in "*?["):
        return ("unknown",)
    try:
        st = os.stat(path)
    except OSError:
        return ("missing",)
    return (st.st_mtime_ns, st.st_size)


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
        engine = open_engine(self.ws, self.catalog, kind="duckdb")
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
                f"the governed data could not be built: {_without_values(first_line(exc))}",
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


# ---- policy views for BI tools ---------------------------------------------------------------


@dataclass(frozen=True)
class PolicyViewsResult:
    """What `write_policy_views` wrote."""

    database: Path
    script: Path
    key_script: Path
    role: str
    purpose: str | None
    products: tuple[str, ...]
    skipped: dict[str, str]
    masked: dict[str, dict[str, str]]


def _consent_view_sql(platform: Path, purpose: str) -> str:
    events = f"read_parquet({quote_literal(str(platform / CONSENT_FILE))})"
    identity = f"read_parquet({quote_literal(str(platform / IDENTITY_FILE))})"
    now = "CAST(current_timestamp AT TIME ZONE 'UTC' AS TIMESTAMP)"
    latest = latest_grants_sql(events, quote_literal(purpose), now)
    return f"SELECT {', '.join(IDENTITY_FORMS)} FROM {identity} WHERE user_id IN ({latest})"


def write_policy_views(
    workspace: Workspace | Path | str | None,
    role: str,
    *,
    purpose: str | None = None,
    out: Path | None = None,
    principal: Principal | None = None,
) -> PolicyViewsResult:
    """Write the role's governed views to a DuckDB file (default
    `<evidence>/views/<role>[.<purpose>].duckdb`) and the SQL script beside it. Without a
    purpose a row needs its subject's consent for every consent-governed purpose the product
    declares. Views read the products' files and the consent ledger live.

    Hashed columns take their key from two session variables that `<out>.key.sql` (written
    0600) sets; the views and their script hold no key, and without it hashed values are NULL.
    That key is derived for the views (`views:<role>`), not the governed query's `mask:<role>`:
    a BI user holds it in their session, so pseudonyms reversed with it are only the views'."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    who = principal or principal_of(ws)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    with audit_sdk.open_log(ws) as denials:
        require_role(who, role, denials, action="policy.views", purpose=purpose,
                     policy=policy.version)  # fmt: skip
    views_key = derive(master_key(ws.evidence), f"views:{role}")  # refused before any write
    consent = ConsentLedger.open(ws, catalog=catalog, policy=policy)
    consent_purposes = consent.consent_purposes
    if purpose is not None and purpose not in consent.purposes:
        consent._check_purpose(purpose)
    decisions: list[AccessDecision] = []
    skipped: dict[str, str] = {}
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        if (
            purpose is not None
            and purpose not in product.purposes
            and policy.declared_purposes_only
        ):
            continue
        try:
            d = decide(policy, catalog, product.id, role, purpose, consent_purposes)
        except AccessDenied as exc:
            if "may not read" in exc.message or "unknown role" in exc.message:
                continue
            skipped[product.id] = exc.message
            continue
        reason = _unviewable(product)
        if reason:
            skipped[product.id] = reason
            continue
        decisions.append(d)
    if not decisions:
        known = any(r.name == role for p in catalog.products.values() for r in p.roles)
        raise AccessDenied(
            f"role {role!r} may read no product" + (f" for purpose {purpose!r}" if purpose else ""),
            field="role",
            hint=None
            if known or role in policy.roles
            else "the role is in no contract and not in the policy",
        )
    key = SessionKey(f"privacymesh_{role}_hash_ipad", f"privacymesh_{role}_hash_opad")
    needed = sorted({p for d in decisions for p in d.consent_purposes})
    statements = ["CREATE SCHEMA IF NOT EXISTS _policy"]
    sources = {}
    for p in needed:
        name = f"_policy.{quote_ident('consent__' + re.sub(r'[^a-z0-9_]', '_', p.lower()))}"
        statements.append(f"CREATE OR REPLACE VIEW {name} AS {_consent_view_sql(ws.platform, p)}")
        sources[p] = name
    for domain in sorted({d.product.domain for d in decisions}):
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(domain)}")
    for d in decisions:
        server = d.product.server
        assert server is not None and server.path is not None
        reader = file_reader(server.path, server.format)
        statements.append(
            f"CREATE OR REPLACE VIEW {d.product.view} AS {select_sql(d, reader, sources, key)}"
        )
    generated = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    manifest = {
        "role": role,
        "purpose": purpose,
        "policy": policy.version,
        "generated_at": generated.isoformat() + "Z",
        "products": {d.product.id: d.evidence() for d in decisions},
    }
    statements.append(
        "CREATE OR REPLACE TABLE _policy.manifest AS SELECT "
        f"{quote_literal(json.dumps(manifest, sort_keys=True))} AS manifest"
    )
    stem = role + (f"__{purpose}" if purpose else "")
    out = Path(out or ws.evidence / "views" / f"{stem}.duckdb")
    clash = {out.stem, out.name.split(".")[0]} & set(catalog.domains)
    if clash:
        raise PolicyError(
            f"a views file named {out.name} makes {clash.pop()}.<product> ambiguous in DuckDB "
            "(the file's catalog takes its name)",
            file=out,
            hint="name it after the role, e.g. marketing_analyst.duckdb",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.with_name(f".pm_views_{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {quote_literal(str(temp))} AS pm_views_build").fetchall()
        con.execute("USE pm_views_build").fetchall()
        for statement in statements:
            con.execute(statement).fetchall()
        con.execute("USE memory").fetchall()
        con.execute("DETACH pm_views_build").fetchall()
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(temp, out)
    script = out.with_suffix(".sql")
    header = (
        f"-- privacymesh policy views for role {role}"
        + (f", purpose {purpose}" if purpose else ", every consent-governed purpose")
        + f"\n-- policy {policy.version}; generated {manifest['generated_at']}\n"
    )
    script.write_text(
        header
        + f"-- hashed columns need the session key: run {out.stem}.key.sql first\n"
        + ";\n".join(statements)
        + ";\n",
        "utf-8",
    )
    key_script = out.with_suffix(".key.sql")
    ipad, opad = hmac_pads(views_key)
    write_private(
        key_script,
        (
            f"-- privacymesh views key for role {role}: run in the BI session before reading "
            f"{out.name} (keep it 0600)\n"
            f"SET VARIABLE {quote_ident(key.ipad_variable)} = unhex('{ipad.hex()}');\n"
            f"SET VARIABLE {quote_ident(key.opad_variable)} = unhex('{opad.hex()}');\n"
        ).encode(),
    )
    masked = {d.product.id: d.masked_fields for d in decisions}
    log = audit_sdk.open_log(ws)
    log.record(
        who.name,
        "policy.views",
        None,
        (),
        purpose,
        None,
        role=role,
        policy=policy.version,
        detail={
            "products": [d.product.id for d in decisions],
            "masked": masked,
            "skipped": skipped,
        },
    )
    log.close()
    return PolicyViewsResult(
        out,
        script,
        key_script,
        role,
        purpose,
        tuple(d.product.id for d in decisions),
        skipped,
        masked,
    )


def _unviewable(product: DataProduct) -> str | None:
    server = product.server
    if server is None or server.type != "local" or server.path is None:
        return "only file-backed products (Parquet, CSV) can be exposed as standalone views"
    return None
