"""Governed queries (the governance sidecar, in process) and policy views.

    with GovernedSession(workspace) as gov:
        result = gov.sql('SELECT country, count(*) AS n FROM "identity"."users" GROUP BY 1',
                         role="identity_analyst", purpose="account_management")
        result.frame                                             # a Polars frame
    privacymesh.platform.query("growth.web_events", "growth_analyst", "analytics")  # one product

A governed query is one SELECT over products named `"<domain>"."<product>"`. Before it runs,
its syntax tree (DuckDB's own parser) is checked: one SELECT, no table functions, no catalog- or
platform-qualified tables, only registered products (or the query's own CTEs). For each
product the policy decides (`policy.decide`): the role must have rights on it, the purpose must
be one the product declares, and each field is clear or masked for the role's clearance. The
query then runs on a cursor whose default catalog holds, under the products' own names, the
governed relations: every field masked in SQL (the DuckDB twin of `privacymesh.masking`), only
the rows of subjects with consent for the purpose now. The raw views are not reachable from
it. Every query, allowed, denied or failed, writes a record through the audit-log SDK (the SQL
itself only as a hash: it may hold literal values).

Overhead over the same plain query: the parse (cached per SQL text), the policy decision (cached
per product, role and purpose), a `stat` of the consent ledger and of each product's source,
and one audit append. The masking and the consent filter are paid once: a session materializes
each governed relation in memory and rebuilds it when its source or the consent ledger changes
(`materialize=False` keeps them as views, which costs the masking's pattern compilation on every
query; the one-shot CLI uses that). `benchmarks/platform_latency.py` measures both.

`write_policy_views` writes the same views into a DuckDB file of their own (and its SQL beside
it), over the products' files and a live view of the consent ledger, for BI tools.
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

from privacymesh.catalog import Catalog, DataProduct, quote_ident, quote_literal
from privacymesh.engine import open_engine
from privacymesh.engine.duckdb_engine import DuckDBEngine, file_reader
from privacymesh.errors import ContractError, first_line
from privacymesh.ledger import RawPersonalDataError
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import CONSENT_FILE, ConsentLedger
from privacymesh.platform.errors import AccessDenied, PolicyError, QueryError
from privacymesh.platform.identity import FORMS, IDENTITY_FILE
from privacymesh.platform.keys import derive, master_key
from privacymesh.platform.policy import AccessDecision, Policy, decide, load_policy, select_sql
from privacymesh.platform.principals import Principal, principal_of, require_role
from privacymesh.workspace import Workspace, load_workspace

_PARSE_CACHE = 512


@dataclass(frozen=True)
class ParsedQuery:
    """What a query reads: products, referenced column names, and whether it selects `*`."""

    products: tuple[str, ...]
    columns: frozenset[str]
    star: bool
    digest: str


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


def parse_query(con: duckdb.DuckDBPyConnection, sql: str, catalog: Catalog) -> ParsedQuery:
    """Check a query's syntax tree and name the products it reads (see the module doc)."""
    raw = con.execute("SELECT json_serialize_sql(?)", [sql]).fetchall()[0][0]
    tree = json.loads(raw)
    if tree.get("error"):
        message = tree.get("error_message", "cannot parse")
        if "Only SELECT" in message:
            message = "only a single SELECT statement may run as a governed query"
        raise QueryError(message, field="sql")
    statements = tree.get("statements", [])
    if len(statements) != 1:
        raise QueryError(
            f"a governed query is one SELECT statement, found {len(statements)}", field="sql"
        )
    tables: list[tuple[str, str, str]] = []
    ctes: set[str] = set()
    columns: set[str] = set()
    star = False
    stack: list[Any] = [statements[0]]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == "BASE_TABLE":
            tables.append(
                (
                    node.get("catalog_name", ""),
                    node.get("schema_name", ""),
                    node.get("table_name", ""),
                )
            )
        elif kind == "TABLE_FUNCTION":
            name = (node.get("function") or {}).get("function_name", "?")
            raise QueryError(
                f"table function {name}() is not allowed in a governed query",
                field="sql",
                hint='read products by name, e.g. FROM "payments"."transactions"',
            )
        elif kind == "COLUMN_REF":
            names = node.get("column_names") or []
            if names:
                columns.add(str(names[-1]))
        elif kind in ("STAR", "COLUMNS"):
            star = True
        cte_map = node.get("cte_map")
        if isinstance(cte_map, dict):
            for entry in cte_map.get("map", []):
                ctes.add(str(entry.get("key", "")).lower())
        stack.extend(v for k, v in node.items() if isinstance(v, dict | list))
    products: list[str] = []
    for catalog_name, schema, table in tables:
        if catalog_name:
            raise QueryError(
                f"catalog-qualified table {catalog_name}.{schema}.{table} is not allowed",
                field="sql",
                hint='name products as "<domain>"."<product>"',
            )
        if not schema:
            if table.lower() in ctes:
                continue
            raise QueryError(
                f"unknown table {table!r}",
                field="sql",
                hint='name products as "<domain>"."<product>"',
            )
        pid = f"{schema}.{table}"
        catalog.get(pid)  # ContractError for an unknown product, with a hint
        if pid not in products:
            products.append(pid)
    digest = hashlib.sha256(sql.encode("utf-8")).hexdigest()[:16]
    return ParsedQuery(tuple(products), frozenset(columns), star, digest)


@dataclass
class _Governed:
    """One role and purpose: an in-memory catalog of governed relations and a cursor using it.
    `built` maps a product to the stamp (source file, consent generation) it was built from."""

    name: str
    cursor: duckdb.DuckDBPyConnection
    lock: threading.Lock = field(default_factory=threading.Lock)
    built: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    schemas: set[str] = field(default_factory=set)


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
    consent-filtered once into an in-memory table, rebuilt when the product's source file or the
    consent ledger changes (a `stat` per query tells): masking expressions compile their
    patterns when a query is bound, which costs milliseconds per masked column, so a sidecar
    answering many queries pays it once. Without it the governed relations are views (the
    right choice for one query, as the CLI runs)."""

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
        self._parser = engine.con.cursor()
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
            gov.cursor.close()
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
        before anything runs."""
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
        self._refresh_consent()
        gov = self._governed_for(role, purpose, decisions)
        try:
            with gov.lock:
                table = gov.cursor.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            first = first_line(exc)
            self.audit.record(
                who,
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
            raise QueryError(f"the query failed: {first}", field="sql") from None
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

    # -- governed views --------------------------------------------------------------------

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
        forms = self.consent.identity.forms() if self.consent.identity is not None else None
        allowed = self.consent.consenting(purpose)
        table = allowed if forms is None else forms.join(allowed, on="user_id", how="semi")
        for form in FORMS:
            if form not in table.columns:
                table = table.with_columns(pl.lit(None, pl.String).alias(form))
        self.engine.register_frame("_pm_consent", purpose, table.select(FORMS))

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
                name = f"pm_gov_{len(self._governed) + 1}"
                self.engine.execute(f"ATTACH ':memory:' AS {name}")
                cursor = self.engine.con.cursor()
                cursor.execute(f"USE {name}").fetchall()
                gov = self._governed[key] = _Governed(name, cursor)
            for d, s in zip(decisions, stamps, strict=True):
                if gov.built.get(d.product.id) != s:
                    with gov.lock:
                        self._create_relation(gov, d)
                    gov.built[d.product.id] = s
            return gov

    def _stamp_of(self, d: AccessDecision) -> tuple[Any, ...]:
        if not self.materialize:
            return ("view",)
        consent = self._consent_generation if d.consent_purposes else None
        return (*source_stamp(d.product), consent)

    def _create_relation(self, gov: _Governed, d: AccessDecision) -> None:
        product = d.product
        if product.id in self.engine.registration.failed:
            from privacymesh.errors import SourceError

            raise SourceError(
                f"{product.id} could not be read: {self.engine.registration.failed[product.id]}",
                file=product.file,
            )
        if product.domain not in gov.schemas:
            self.engine.execute(
                f"CREATE SCHEMA IF NOT EXISTS {gov.name}.{quote_ident(product.domain)}"
            )
            gov.schemas.add(product.domain)
        sources = {p: self._consent_table(p) for p in d.consent_purposes}
        raw = f"{quote_ident(self.database)}.{product.view}"
        key = derive(self._master, f"mask:{d.role}")
        body = select_sql(d, raw, sources, key)
        kind = "TABLE" if self.materialize else "VIEW"
        self.engine.execute(f"CREATE OR REPLACE {kind} {gov.name}.{product.view} AS {body}")


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
class ViewsResult:
    """What `write_policy_views` wrote."""

    database: Path
    script: Path
    role: str
    purpose: str | None
    products: tuple[str, ...]
    skipped: dict[str, str]
    masked: dict[str, dict[str, str]]


def _consent_view_sql(platform: Path, purpose: str) -> str:
    events = f"read_parquet({quote_literal(str(platform / CONSENT_FILE))})"
    identity = f"read_parquet({quote_literal(str(platform / IDENTITY_FILE))})"
    now = "CAST(current_timestamp AT TIME ZONE 'UTC' AS TIMESTAMP)"
    latest = (
        f"SELECT user_id FROM {events} WHERE purpose = {quote_literal(purpose)} "
        f"AND event_time <= {now} "
        "QUALIFY row_number() OVER "
        "(PARTITION BY user_id ORDER BY event_time DESC, event_id DESC) = 1 "
        "AND action = 'grant'"
    )
    return f"SELECT {', '.join(FORMS)} FROM {identity} WHERE user_id IN ({latest})"


def write_policy_views(
    workspace: Workspace | Path | str | None,
    role: str,
    *,
    purpose: str | None = None,
    out: Path | None = None,
    principal: Principal | None = None,
) -> ViewsResult:
    """Write the role's governed views to a DuckDB file (default
    `<evidence>/views/<role>[.<purpose>].duckdb`) and the SQL script beside it. Without a
    purpose a row needs its subject's consent for every consent-governed purpose the product
    declares. Views read the products' files and the consent ledger live."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    who = principal or principal_of(ws)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    with audit_sdk.open_log(ws) as denials:
        require_role(who, role, denials, action="policy.views", purpose=purpose,
                     policy=policy.version)  # fmt: skip
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
    key = derive(master_key(ws.evidence), f"mask:{role}")
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
    script.write_text(header + ";\n".join(statements) + ";\n", "utf-8")
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
    return ViewsResult(
        out, script, role, purpose, tuple(d.product.id for d in decisions), skipped, masked
    )


def _unviewable(product: DataProduct) -> str | None:
    server = product.server
    if server is None or server.type != "local" or server.path is None:
        return "only file-backed products (Parquet, CSV) can be exposed as standalone views"
    return None
