"""Opening a data subject request (one task per product that holds the subject or is
downstream of one) and tracking it: the requests with their deadlines, a task's moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh.catalog import Catalog
from privacymesh.engine import open_engine
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.catalog_cache import catalog_for
from privacymesh.platform.consent import utc_naive
from privacymesh.platform.dsar.holdings import find_holdings, task_products
from privacymesh.platform.dsar.model import (
    REQUEST_SCHEMA,
    REQUESTS_FILE,
    TASK_MOVES,
    TASK_SCHEMA,
    TASKS_FILE,
    TYPES,
    DsarRequest,
    deadline_for,
    identifier_tokens,
)
from privacymesh.platform.errors import DsarError, PolicyError
from privacymesh.platform.identity import IdentityMap
from privacymesh.platform.policy import Policy, load_policy
from privacymesh.platform.principals import principal_of
from privacymesh.platform.sources import (
    locked,
    write_parquet_atomic,
)
from privacymesh.workspace import Workspace, load_workspace


@dataclass
class DsarContext:
    """What every DSAR operation reads: the workspace, its catalog, policy and identity map."""

    ws: Workspace
    catalog: Catalog
    policy: Policy
    identity: IdentityMap


def dsar_context(workspace: Any) -> DsarContext:
    ws = workspace if isinstance(workspace, Workspace) else load_workspace(workspace)
    catalog = catalog_for(ws.catalog)
    policy = load_policy(ws, catalog)
    return DsarContext(ws, catalog, policy, IdentityMap.load(ws.platform))


def _read(path: Path, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.read_parquet(path) if path.is_file() else pl.DataFrame(schema=schema)


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
    ctx = dsar_context(workspace)
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
    products = task_products(holdings)
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


def complete_tasks(
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
