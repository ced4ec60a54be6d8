"""The DSAR orchestrator: open a data subject request, plan one task per product that holds the
subject, track the deadline, and carry out access (an export package) and erasure (with a
verification that nothing is left).

    req = open_request(ws, "jane@example.com", "erasure", "GDPR")   # resolves every identifier
    erase_request(ws, req.request_id)                  # dry run: what would go, per product
    erase_request(ws, req.request_id, apply=True)      # erase, verify, record in the ledger
    export_request(ws, other_id, Path("out/pkg"))      # access package: JSON per product
    request_status(ws)                                 # requests with their deadlines

Requests and tasks live in the platform tables `dsar_requests` and `dsar_tasks` (the sample's
shape). A subject is found through the identity map by any identifier form; a product holds
them when its subject key has their identifier in the product's form, or when one of its text
columns carries one of their identifiers (user id, customer reference, e-mail and its base64,
base64url, hex and URL encodings, e-mail hash, device and advertising ids, phone number) at a
word boundary. Products downstream of a holder (lineage) get a task too: to review.

Erasure deletes the subject's rows and blanks the cells that carry their identifiers in other
rows, in every product it can write (all or nothing, see `sources`), turns the identity-map
entry into a tombstone (keys and e-mail hash kept, so checks can prove absence), then searches
every product again for the identifiers captured before: the erasure-residue check. Products
exempt by the policy (`dsar.erasure_exempt`, e.g. records kept under a legal obligation) keep
their rows and say why. The ledger gets one run: per product a `platform.dsar.erasure` result
(rows and cells erased) and a `platform.dsar.erasure_verification` result (residue found).
No record carries the subject's identifiers: only the request id and the audit pseudonym.
Every search and export reads the products through the workspace's engine (DuckDB or Spark);
the ledger run is recorded through the ledger's one writer (`ledger.operations`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.catalog import Catalog, DataProduct, quote_ident, quote_literal
from privacymesh.engine import Engine, open_engine
from privacymesh.ledger import ResultRecord
from privacymesh.ledger.operations import record_operation
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import read_events, utc_naive
from privacymesh.platform.dsar.model import (
    CONTROL_ID,
    ERASE_OPERATION,
    ERASURE_CHECK,
    REQUEST_SCHEMA,
    REQUESTS_FILE,
    TASK_MOVES,
    TASK_SCHEMA,
    TASKS_FILE,
    TYPES,
    VERIFY_CHECK,
    DsarRequest,
    ErasureItem,
    ErasureOutcome,
    ExportResult,
    Holding,
    deadline_for,
    identifier_tokens,
    key_predicate,
    token_pattern,
)
from privacymesh.platform.errors import DsarError, PolicyError
from privacymesh.platform.identity import IDENTITY_FILE, IdentityMap, Subject
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.principals import principal_of
from privacymesh.platform.sources import (
    RowChange,
    SourceRewrite,
    locked,
    source_info,
    write_parquet_atomic,
)
from privacymesh.sources.lake_table import history_measures
from privacymesh.sources.settings import source_settings
from privacymesh.subjects import FORGOTTEN_ON_ERASURE
from privacymesh.verdict import Status
from privacymesh.workspace import Workspace, load_workspace

# ---- shared ----------------------------------------------------------------------------------


@dataclass
class _Ctx:
    ws: Workspace
    catalog: Catalog
    policy: Policy
    identity: IdentityMap


def _ctx(workspace: Any) -> _Ctx:
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    return _Ctx(ws, catalog, policy, IdentityMap.load(ws.platform))


def _read(path: Path, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.read_parquet(path) if path.is_file() else pl.DataFrame(schema=schema)


def _text_columns(engine: Engine, product: DataProduct) -> list[str]:
    schema = engine.arrow(f"SELECT * FROM {product.view} LIMIT 0").schema
    return [f.name for f in schema if str(f.type) in ("string", "large_string", "string_view")]


def find_holdings(
    engine: Engine, catalog: Catalog, subject: Subject, tokens: list[str]
) -> dict[str, Holding]:
    """For every product: the subject's rows by key and the cells carrying an identifier."""
    pattern = quote_literal(token_pattern(tokens)) if tokens else None
    out: dict[str, Holding] = {}
    for product in sorted(catalog.products.values(), key=lambda p: p.id):
        if product.id in engine.registration.failed:
            from privacymesh.errors import SourceError

            raise SourceError(
                f"{product.id} could not be read: {engine.registration.failed[product.id]}",
                file=product.file,
            )
        key = key_predicate(product, subject)
        columns = _text_columns(engine, product) if pattern else []
        cell_preds = {c: f"regexp_matches({quote_ident(c)}, {pattern})" for c in columns}
        any_pred = " OR ".join([*([key] if key else []), *cell_preds.values()]) or "FALSE"
        items = [
            f"count(*) FILTER (WHERE {key or 'FALSE'}) AS k",
            f"count(*) FILTER (WHERE {any_pred}) AS a",
        ]
        items += [
            f"count(*) FILTER (WHERE {p}) AS {quote_ident('c_' + c)}" for c, p in cell_preds.items()
        ]
        row = engine.arrow(f"SELECT {', '.join(items)} FROM {product.view}").to_pylist()[0]
        cells = {c: int(row["c_" + c]) for c in columns if row["c_" + c]}
        out[product.id] = Holding(product.id, int(row["k"]), cells, int(row["a"]))
    holders = [pid for pid, h in out.items() if h.holds]
    for pid in holders:
        for down in catalog.downstream(pid):
            h = out[down]
            if not h.holds:
                out[down] = Holding(down, 0, {}, 0, (*h.downstream_of, pid))
    return out


def _task_products(holdings: dict[str, Holding]) -> list[str]:
    return sorted(pid for pid, h in holdings.items() if h.holds or h.downstream_of)


# ---- open ------------------------------------------------------------------------------------


def open_request(
    workspace: Workspace | Path | str | None,
    subject: str,
    type: str,
    regulation: str | None = None,
    *,
    received_at: datetime | None = None,
    extended: bool = False,
    actor: str | None = None,
) -> DsarRequest:
    """Record a request: resolve the subject, plan one task per product holding them (and
    per product downstream of those), and compute the deadline."""
    if type not in TYPES:
        raise DsarError(f"unknown request type {type!r}", field="type", hint=", ".join(TYPES))
    ctx = _ctx(workspace)
    actor = actor or principal_of(ctx.ws).name  # the audit log names who is verified
    person = ctx.identity.resolve(subject)
    reg = regulation or ctx.policy.regulation_by_country.get(person.country or "")
    if reg is None:
        raise DsarError(
            "no regulation given and none known for the subject's country", field="regulation"
        )
    received = utc_naive(received_at)
    due = deadline_for(ctx.policy, reg, received, extended)
    with open_engine(ctx.ws, ctx.catalog) as engine:
        holdings = find_holdings(engine, ctx.catalog, person, identifier_tokens(person))
    products = _task_products(holdings)
    requests_path = ctx.ws.platform / REQUESTS_FILE
    tasks_path = ctx.ws.platform / TASKS_FILE
    with locked(requests_path):
        requests = _read(requests_path, REQUEST_SCHEMA)
        numbers = requests["request_id"].str.strip_prefix("dsar-").cast(pl.Int64, strict=False)
        request_id = f"dsar-{int(numbers.max() or 0) + 1:05d}"  # type: ignore[operator]
        row = {
            "request_id": request_id,
            "user_id": person.user_id,
            "type": type,
            "regulation": reg,
            "received_at": received,
            "extended": extended,
            "status": "open",
            "completed_at": None,
        }
        new = pl.DataFrame([row], schema=REQUEST_SCHEMA)
        tasks = _read(tasks_path, TASK_SCHEMA)
        new_tasks = pl.DataFrame(
            [
                {
                    "request_id": request_id,
                    "domain": pid.split(".")[0],
                    "product": pid.split(".", 1)[1],
                    "status": "open",
                    "completed_at": None,
                }
                for pid in products
            ],
            schema=TASK_SCHEMA,
        )
        write_parquet_atomic(pl.concat([tasks, new_tasks.cast(tasks.schema)]), tasks_path)  # type: ignore[arg-type]
        write_parquet_atomic(pl.concat([requests, new.cast(requests.schema)]), requests_path)  # type: ignore[arg-type]
    log = audit_sdk.open_log(ctx.ws)
    log.record(
        actor,
        "dsar.open",
        None,
        (),
        None,
        1,
        subject=person.user_id,
        policy=ctx.policy.version,
        detail={
            "request_id": request_id,
            "type": type,
            "regulation": reg,
            "deadline": due.isoformat(),
            "tasks": {
                pid: {
                    "rows": holdings[pid].rows,
                    "downstream_of": list(holdings[pid].downstream_of),
                }
                for pid in products
            },
        },
    )
    log.close()
    return get_request(ctx.ws, request_id)


# ---- status ----------------------------------------------------------------------------------


def list_requests(
    workspace: Workspace | Path | str | None = None, *, open_only: bool = False
) -> list[DsarRequest]:
    """Every request (or the open ones) with its deadline and tasks, newest first."""
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    policy = load_policy(ws)
    requests = _read(ws.platform / REQUESTS_FILE, REQUEST_SCHEMA)
    tasks = _read(ws.platform / TASKS_FILE, TASK_SCHEMA)
    if open_only:
        requests = requests.filter(pl.col("status") != "completed")
    by_request: dict[str, list[dict[str, Any]]] = {}
    for t in tasks.filter(pl.col("request_id").is_in(requests["request_id"].implode())).to_dicts():
        by_request.setdefault(t["request_id"], []).append(t)
    out = []
    for r in requests.sort("received_at", descending=True).to_dicts():
        try:
            due = deadline_for(policy, r["regulation"], r["received_at"], bool(r["extended"]))
        except PolicyError:
            due = None
        out.append(
            DsarRequest(
                r["request_id"],
                r["user_id"],
                r["type"],
                r["regulation"],
                r["received_at"],
                bool(r["extended"]),
                r["status"],
                r["completed_at"],
                due,
                tuple(by_request.get(r["request_id"], [])),
            )
        )
    return out


def get_request(workspace: Workspace | Path | str | None, request_id: str) -> DsarRequest:
    for r in list_requests(workspace):
        if r.request_id == request_id:
            return r
    raise DsarError(
        f"unknown request {request_id!r}",
        field="request_id",
        hint="`privacymesh dsar status` lists them",
    )


def _complete(
    ws: Workspace, request_id: str, products: list[str] | None, when: datetime, request_done: bool
) -> None:
    """Mark tasks (all, or those of `products`) and, when `request_done`, the request complete."""
    tasks_path = ws.platform / TASKS_FILE
    requests_path = ws.platform / REQUESTS_FILE
    with locked(requests_path):
        tasks = _read(tasks_path, TASK_SCHEMA)
        hit = (pl.col("request_id") == request_id) & (pl.col("status") != "completed")
        if products is not None:
            names = pl.concat_str([pl.col("domain"), pl.lit("."), pl.col("product")])
            hit = hit & names.is_in(products)
        tasks = tasks.with_columns(
            pl.when(hit).then(pl.lit("completed")).otherwise(pl.col("status")).alias("status"),
            pl.when(hit).then(pl.lit(when)).otherwise(pl.col("completed_at")).alias("completed_at"),
        )
        write_parquet_atomic(tasks, tasks_path)
        if request_done:
            requests = _read(requests_path, REQUEST_SCHEMA)
            mine = (pl.col("request_id") == request_id) & (pl.col("status") != "completed")
            requests = requests.with_columns(
                pl.when(mine).then(pl.lit("completed")).otherwise(pl.col("status")).alias("status"),
                pl.when(mine)
                .then(pl.lit(when))
                .otherwise(pl.col("completed_at"))
                .alias("completed_at"),
            )
            write_parquet_atomic(requests, requests_path)


"""Which task states each new state may follow: a domain claims an open task, then completes
it (or completes it at once)."""


def move_task(
    workspace: Workspace | Path | str | None,
    request_id: str,
    product: str,
    status: str,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Claim (`claimed`) or complete (`completed`) one product's task of a request, as a
    domain's service account does; returns the task. Completing every task does not close
    the request: its export or verified erasure does."""
    if status not in TASK_MOVES:
        raise DsarError(
            f"unknown task status {status!r}", field="status", hint="claimed, completed"
        )
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    actor = actor or principal_of(ws).name
    tasks_path = ws.platform / TASKS_FILE
    when = utc_naive()
    with locked(ws.platform / REQUESTS_FILE):
        tasks = _read(tasks_path, TASK_SCHEMA)
        names = pl.concat_str([pl.col("domain"), pl.lit("."), pl.col("product")])
        hit = (pl.col("request_id") == request_id) & (names == product)
        mine = tasks.filter(hit)
        if mine.height == 0:
            raise DsarError(
                f"{request_id} has no task for {product!r}",
                field="product",
                hint="`privacymesh dsar status` lists a request's tasks",
            )
        before = str(mine["status"][0])
        if before not in TASK_MOVES[status]:
            raise DsarError(f"the task is {before}, it cannot become {status}", field="status")
        done = pl.lit(when) if status == "completed" else pl.col("completed_at")
        tasks = tasks.with_columns(
            pl.when(hit).then(pl.lit(status)).otherwise(pl.col("status")).alias("status"),
            pl.when(hit).then(done).otherwise(pl.col("completed_at")).alias("completed_at"),
        )
        write_parquet_atomic(tasks, tasks_path)
        task = tasks.filter(hit).row(0, named=True)
    with audit_sdk.open_log(ws) as log:
        log.record(
            actor,
            f"dsar.task.{'claim' if status == 'claimed' else 'complete'}",
            product,
            detail={"request_id": request_id, "from": before, "to": status},
        )
    return task


# ---- access ----------------------------------------------------------------------------------


def _json_ready(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def value(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v

    return [{k: value(v) for k, v in r.items()} for r in rows]


def export_request(
    workspace: Workspace | Path | str | None,
    request_id: str,
    out: Path,
    *,
    actor: str | None = None,
) -> ExportResult:
    """Write the subject's access package to `out` (a new or empty folder): one JSON file per
    product holding them, with the product's purposes, legal basis, categories of data,
    recipients, sources and retention (GDPR Art. 15), their consent history and identity-map
    entry, and an index. The one output that carries the subject's own data."""
    ctx = _ctx(workspace)
    actor = actor or principal_of(ctx.ws).name  # the audit log names who is verified
    request = get_request(ctx.ws, request_id)
    if request.type not in ("access", "rectification"):
        raise DsarError(
            f"{request_id} is an {request.type} request, not an access request", field="request_id"
        )
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DsarError(
            "the package folder exists and is not empty", file=out, hint="name a new folder"
        )
    person = ctx.identity.resolve(request.user_id)
    files: list[Path] = []
    counts: dict[str, int] = {}
    with open_engine(ctx.ws, ctx.catalog) as engine:
        packages = {}
        for product in sorted(ctx.catalog.products.values(), key=lambda p: p.id):
            key = key_predicate(product, person)
            if key is None:
                continue
            rows = engine.polars(f"SELECT * FROM {product.view} WHERE {key}")
            if rows.height == 0:
                continue
            counts[product.id] = rows.height
            packages[product.id] = _product_package(ctx.catalog, product, rows)
    out.mkdir(parents=True, exist_ok=True)
    (out / "products").mkdir(exist_ok=True)
    for pid, package in packages.items():
        path = out / "products" / f"{pid}.json"
        path.write_text(json.dumps(package, indent=2, ensure_ascii=False, default=str), "utf-8")
        files.append(path)
    consent = (
        read_events(ctx.ws.platform).filter(pl.col("user_id") == person.user_id).sort("event_time")
    )
    identity = ctx.identity.frame.filter(pl.col("user_id") == person.user_id)
    extra = {
        "consent.json": _json_ready(consent.to_dicts()),
        "identity.json": _json_ready(identity.to_dicts()),
    }
    for name, data in extra.items():
        path = out / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), "utf-8")
        files.append(path)
    index = {
        "request_id": request_id,
        "type": request.type,
        "regulation": request.regulation,
        "received_at": request.received_at.isoformat(),
        "generated_at": utc_naive().isoformat(),
        "products": {pid: f"products/{pid}.json" for pid in packages},
        "rows": counts,
        "also": ["consent.json", "identity.json"],
    }
    index_path = out / "index.json"
    index_path.write_text(json.dumps(index, indent=2), "utf-8")
    files.append(index_path)
    when = utc_naive()
    _complete(ctx.ws, request_id, None, when, request_done=True)
    log = audit_sdk.open_log(ctx.ws)
    log.record(
        actor,
        "dsar.export",
        None,
        (),
        None,
        1,
        subject=person.user_id,
        policy=ctx.policy.version,
        rows=sum(counts.values()),
        detail={"request_id": request_id, "products": counts, "files": len(files)},
    )
    log.close()
    return ExportResult(request_id, out, tuple(files), counts)


def _product_package(catalog: Catalog, product: DataProduct, rows: pl.DataFrame) -> dict[str, Any]:
    downstream = catalog.downstream(product.id)
    retention = product.retention
    return {
        "product": product.id,
        "description": product.purpose,
        "purposes": list(product.purposes),
        "legal_basis": product.legal_basis,
        "categories_of_data": sorted({f.pii_category for f in product.fields if f.pii_category}),
        "recipients": sorted({catalog.products[d].domain for d in downstream} | {product.domain}),
        "recipient_products": downstream,
        "sources": list(catalog.upstream(product.id)),
        "retention": (
            {"days": retention.days, "counted_from": retention.element, "basis": retention.driver}
            if retention
            else None
        ),
        "fields": [
            {"name": f.name, "category": f.pii_category, "description": f.description}
            for f in product.fields
        ],
        "rows": _json_ready(rows.to_dicts()),
    }


# ---- erasure ---------------------------------------------------------------------------------


def erase_request(
    workspace: Workspace | Path | str | None,
    request_id: str,
    *,
    apply: bool = False,
    actor: str | None = None,
) -> ErasureOutcome:
    """Erase the subject of an erasure request (a dry run unless `apply`); see the module doc."""
    ctx = _ctx(workspace)
    actor = actor or principal_of(ctx.ws).name  # the audit log names who is verified
    request = get_request(ctx.ws, request_id)
    if request.type != "erasure":
        raise DsarError(
            f"{request_id} is an {request.type} request, not an erasure", field="request_id"
        )
    person = ctx.identity.resolve(request.user_id)
    tokens = identifier_tokens(person)
    pattern = token_pattern(tokens) if tokens else None
    with open_engine(ctx.ws, ctx.catalog) as engine:
        holdings = find_holdings(engine, ctx.catalog, person, tokens)
    items = {pid: _erasure_item(ctx, h) for pid, h in holdings.items() if h.holds}
    log = audit_sdk.open_log(ctx.ws)
    ref = log.pseudonymize(person.user_id)
    if not apply:
        log.close()
        return ErasureOutcome(request_id, False, tuple(items.values()), None, ref)
    who = actor or audit_sdk.current_actor()
    with SourceRewrite(ctx.policy, source_settings(ctx.ws)) as rewrite:
        staged = {}
        for pid, item in items.items():
            if item.action != "erase":
                continue
            product = ctx.catalog.get(pid)
            key = key_predicate(product, person)
            cells = {
                c: f"regexp_matches({quote_ident(c)}, {quote_literal(pattern or '')})"
                for c in item.cells
            }
            staged[pid] = rewrite.stage(RowChange(product, key, cells))
        rewrite.commit()
    when = utc_naive()
    _tombstone(ctx, person.user_id, when)
    with open_engine(ctx.ws, ctx.catalog) as engine:
        after = find_holdings(engine, ctx.catalog, person, tokens)
    for pid, item in list(items.items()):
        s = staged.get(pid)
        items[pid] = ErasureItem(
            pid,
            item.key_rows,
            item.cells,
            item.action,
            item.reason,
            s.rows_deleted if s else 0,
            sum(s.cells_nulled.values()) if s else 0,
            after[pid].rows + _rows_in_history(s),
            s.version_before if s else None,
            s.version_after if s else None,
            s.history if s else None,
            s.history_residue if s else None,
        )
    for pid, h in after.items():  # residue in a product that held nothing before (should not be)
        if h.holds and pid not in items:
            items[pid] = ErasureItem(pid, 0, {}, "none", "found only after erasure", 0, 0, h.rows)
    done = [pid for pid, i in items.items() if i.verified]
    outcome = ErasureOutcome(request_id, True, tuple(items[k] for k in sorted(items)), None, ref)
    complete = outcome.verified
    task_products = [f"{t['domain']}.{t['product']}" for t in request.tasks]
    finished = [p for p in task_products if p in done or p not in items]
    _complete(ctx.ws, request_id, finished, when, request_done=complete)
    for item in outcome.items:
        log.record(
            who,
            "dsar.erase",
            item.product_id,
            sorted(item.cells),
            None,
            1,
            subject_ref=ref,
            decision="allow" if item.action == "erase" else "deny",
            policy=ctx.policy.version,
            rows=item.rows_erased,
            detail={
                "request_id": request_id,
                "action": item.action,
                "reason": item.reason,
                "cells_erased": item.cells_erased,
                "residue_rows": item.residue_rows,
            },
        )
    log.record(
        who,
        "dsar.verify",
        None,
        (),
        None,
        1,
        subject_ref=ref,
        policy=ctx.policy.version,
        decision="allow" if complete else "error",
        detail={"request_id": request_id, "residue_rows": outcome.residue, "verified": complete},
    )
    run_id = _record_erasure(ctx, request, outcome, who, log)
    log.close()
    return ErasureOutcome(outcome.request_id, True, outcome.items, run_id, ref)


def _rows_in_history(staged: Any) -> int:
    """Rows of the subject that earlier versions of a source still let a reader travel back to
    (Delta, Iceberg without `purge_history`): residue like any other."""
    residue = staged.history_residue if staged is not None else None
    return int(residue.get("rows", 0)) if residue else 0


def _erasure_item(ctx: _Ctx, holding: Holding) -> ErasureItem:
    product = ctx.catalog.get(holding.product_id)
    exempt = ctx.policy.erasure_exempt.get(product.id)
    if exempt:
        return ErasureItem(product.id, holding.key_rows, holding.cells, "exempt", exempt)
    info = source_info(product, ctx.policy, source_settings(ctx.ws))
    if info.connector is not None:
        info.connector.close()
    if not info.writable:
        return ErasureItem(product.id, holding.key_rows, holding.cells, "read-only", info.reason)
    return ErasureItem(product.id, holding.key_rows, holding.cells, "erase")


def _tombstone(ctx: _Ctx, user_id: str, when: datetime) -> None:
    """Forget the subject's personal data in the identity map; keep keys and e-mail hash."""
    path = ctx.ws.platform / IDENTITY_FILE
    with locked(path):
        frame = pl.read_parquet(path)
        mine = pl.col("user_id") == user_id
        updates = [
            pl.when(mine).then(None).otherwise(pl.col(c)).alias(c)
            for c in FORGOTTEN_ON_ERASURE
            if c in frame.columns
        ]
        if "status" in frame.columns:
            updates.append(
                pl.when(mine).then(pl.lit("erased")).otherwise(pl.col("status")).alias("status")
            )
        if "erased_at" in frame.columns:
            updates.append(
                pl.when(mine).then(pl.lit(when)).otherwise(pl.col("erased_at")).alias("erased_at")
            )
        write_parquet_atomic(frame.with_columns(updates), path)


def _record_erasure(
    ctx: _Ctx, request: DsarRequest, outcome: ErasureOutcome, actor: str, log: audit_sdk.AuditLog
) -> str:
    head = log.head()
    options = {
        "request_id": request.request_id,
        "regulation": request.regulation,
        "subject_ref": outcome.subject_ref,
        "policy": ctx.policy.version,
        "audit_head": f"{head.seq}:{head.hash}",
    }
    results: list[ResultRecord] = []
    for item in outcome.items:
        common = {"request_id": request.request_id, "subject_ref": outcome.subject_ref or ""}
        results.append(
            ResultRecord(
                check_id=ERASURE_CHECK,
                status=Status.PASS if item.action == "erase" else Status.SKIPPED,
                product_id=item.product_id,
                measured={
                    **common,
                    "action": item.action,
                    "rows_found": item.key_rows,
                    "rows_erased": item.rows_erased,
                    "cells_erased": item.cells_erased,
                    "version_before": item.version_before,
                    "version_after": item.version_after,
                    **history_measures(item.history, None),
                },
                population=item.key_rows + sum(item.cells.values()),
                exceptions=0,
                reason=item.reason,
                control_id=CONTROL_ID,
            )
        )
    for item in outcome.items:
        status = Status.PASS if item.verified else Status.FAIL
        reason = None
        if item.action == "exempt":
            reason = f"exempt: {item.reason}"
        elif not item.verified:
            reason = (
                f"{item.residue_rows} rows still carry the subject ({item.action}: {item.reason})"
            )
            in_history = (item.history_residue or {}).get("rows")
            if in_history:
                reason += (
                    f"; {in_history} of them in earlier versions time travel still reads "
                    "(set purge_history on the source to remove them with the erasure)"
                )
        results.append(
            ResultRecord(
                check_id=VERIFY_CHECK,
                status=status,
                product_id=item.product_id,
                measured={
                    "request_id": request.request_id,
                    "subject_ref": outcome.subject_ref or "",
                    "residue_rows": item.residue_rows or 0,
                    **history_measures(None, item.history_residue),
                },
                population=1,
                exceptions=0 if item.verified else 1,
                reason=reason,
                control_id=CONTROL_ID,
            )
        )
    results.append(
        ResultRecord(
            check_id=VERIFY_CHECK,
            status=Status.PASS if outcome.verified else Status.FAIL,
            product_id=None,
            domain="mesh",
            measured={
                "request_id": request.request_id,
                "subject_ref": outcome.subject_ref or "",
                "products_checked": len(ctx.catalog.products),
                "residue_rows": outcome.residue,
            },
            population=len(ctx.catalog.products),
            exceptions=sum(1 for i in outcome.items if not i.verified),
            reason=None if outcome.verified else "residue left: see the product results",
            control_id=CONTROL_ID,
        )
    )
    return record_operation(
        ctx.ws,
        ERASE_OPERATION,
        results,
        actor=actor,
        catalog_fingerprint=ctx.catalog.fingerprint,
        options=options,
        on_wait=None,
    ).run_id
