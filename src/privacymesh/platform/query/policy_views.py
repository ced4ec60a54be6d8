"""Policy views for BI tools: `write_policy_views` writes the governed query's masking and consent
filter as SQL views into a DuckDB file of their own (and their SQL beside it), over the
products' files and a live view of the consent ledger. Hashed columns read their key from
session variables (`<views>.key.sql`, mode 0600), never from the views' text, and that key is
not the governed query's."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from privacymesh.catalog import DataProduct, quote_ident, quote_literal
from privacymesh.consent_rule import latest_grants_sql
from privacymesh.engine.duckdb_engine import file_reader
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import CONSENT_FILE, ConsentLedger
from privacymesh.platform.errors import AccessDenied, PolicyError
from privacymesh.platform.identity import IDENTITY_FILE
from privacymesh.platform.keys import derive, master_key, write_private
from privacymesh.platform.policy import load_policy
from privacymesh.platform.principals import Principal, principal_of, require_role
from privacymesh.platform.query.masking_sql import SessionKey, hmac_pads
from privacymesh.platform.query.model import (
    AccessDecision,
    decide,
    select_sql,
)
from privacymesh.subjects import IDENTITY_FORMS
from privacymesh.workspace import Workspace, load_workspace

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
