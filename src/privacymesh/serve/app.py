"""The HTTP application: consent, DSAR and audit APIs over the platform primitives, behind
bearer tokens (see `auth`), with health, readiness and Prometheus metrics.

Every API call carries `Authorization: Bearer <jwt>`; the token's principal must hold a role
the `[serve.rights]` table grants for the API, and a refusal is written to the audit log.
Subjects travel in request bodies, never in paths or query strings, so access logs and
proxies do not see them."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import tempfile
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from privacymesh import __version__
from privacymesh.errors import PrivacyMeshError, WorkspaceError
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform import dsar
from privacymesh.platform.errors import (
    AccessDenied,
    DsarError,
    UnknownSubjectError,
)
from privacymesh.platform.principals import Principal
from privacymesh.serve import fast_check
from privacymesh.serve.auth import InvalidToken, TokenVerifier, auth_settings
from privacymesh.serve.auth_limit import FailedAuthLimit, TooManyFailures
from privacymesh.serve.consent_state import ConsentState
from privacymesh.serve.fast_check import FastConsentCheck
from privacymesh.serve.observe import Metrics, ObserveMiddleware, log
from privacymesh.serve.propagation import NoticeSender, batches
from privacymesh.serve.settings import ServeSettings, serve_settings
from privacymesh.workspace import Workspace

_bearer = HTTPBearer(auto_error=False, description="A JWT from the workspace's issuer.")


# ---- request and response bodies -------------------------------------------------------------


class ConsentQuery(BaseModel):
    subject: str = Field(description="User id, customer reference, e-mail, its hash or device id.")
    purpose: str
    at: datetime | None = Field(None, description="ISO time (UTC when naive); default now.")


class ConsentDecision(BaseModel):
    user_id: str
    purpose: str
    permitted: bool


class BatchQuery(BaseModel):
    purpose: str
    subjects: list[str] = Field(max_length=100_000, description="User ids.")
    at: datetime | None = Field(None, description="One time for every subject; default now.")
    times: list[datetime] | None = Field(None, description="Or one time per subject.")


class BatchDecision(BaseModel):
    purpose: str
    permitted: list[bool]
    count: int


class ConsentChangeBody(BaseModel):
    subject: str
    purpose: str
    source: Literal["web", "app", "api", "support", "gpc"] = "api"
    notice_version: str | None = None
    regulation: str | None = None
    at: datetime | None = None


class ConsentChangeOut(BaseModel):
    event_id: str
    user_id: str
    purpose: str
    action: str
    at: datetime
    products: list[str]
    notice_ids: list[str]


class Ack(BaseModel):
    event_id: str
    product: str = Field(description="The product id (domain.product) that applied the change.")


class AckOut(BaseModel):
    event_id: str
    product: str
    acknowledged: int


class Notice(BaseModel):
    notice_id: str
    event_id: str
    action: str
    purpose: str
    product: str
    domain: str
    issued_at: datetime | None
    due_at: datetime | None
    applied_at: datetime | None


class DsarOpen(BaseModel):
    subject: str
    type: Literal["access", "erasure", "rectification"]
    regulation: str | None = None
    extended: bool = False


class Task(BaseModel):
    request_id: str
    domain: str
    product: str
    status: str
    completed_at: datetime | None = None


class DsarOut(BaseModel):
    request_id: str
    type: str
    regulation: str
    received_at: datetime
    status: str
    completed_at: datetime | None
    deadline: datetime | None
    overdue: bool
    tasks: list[Task]


class EraseBody(BaseModel):
    apply: bool = Field(False, description="False: a dry run listing what would be erased.")


class ErasureItemOut(BaseModel):
    product_id: str
    action: str
    reason: str | None
    rows_erased: int
    cells_erased: int
    residue_rows: int | None


class ErasureOut(BaseModel):
    request_id: str
    applied: bool
    verified: bool
    run_id: str | None
    items: list[ErasureItemOut]


class ExportOut(BaseModel):
    request_id: str
    products: dict[str, int]
    files: dict[str, Any] = Field(description="Each file of the access package, as JSON.")


class AuditAppend(BaseModel):
    action: str = Field(min_length=1, max_length=200)
    product: str | None = None
    fields: list[str] = []
    purpose: str | None = None
    subjects: int | None = None
    subject: str | None = Field(None, description="Stored only as its pseudonym.")
    role: str | None = None
    decision: Literal["allow", "deny", "error"] = "allow"
    policy: str | None = None
    rows: int | None = None
    detail: dict[str, Any] = {}


class AuditAppended(BaseModel):
    seq: int
    record_id: str
    at: str
    hash: str
    prev_hash: str


class AuditVerified(BaseModel):
    ok: bool
    records: int
    head_seq: int
    head_hash: str
    first_break: str | None


class Problem(BaseModel):
    error: str
    field: str | None = None
    hint: str | None = None


# ---- the services ---------------------------------------------------------------------------


class Services:
    """What the routes share: the workspace, its settings, the consent state, the audit log."""

    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self.settings: ServeSettings = serve_settings(workspace)
        self.verifier = TokenVerifier(auth_settings(workspace))
        self.metrics = Metrics()
        self.audit = audit_sdk.open_log(workspace)
        self.consent: ConsentState | None = None
        self.sender = NoticeSender(self.settings, self.audit, self.metrics)
        failures = self.settings.auth_failures
        self.auth_limit = FailedAuthLimit(failures.limit, failures.window)
        self.ready = False

    def allowed(self, who: Principal, right: str) -> bool:
        """Whether the principal holds a role that `[serve.rights]` grants `right`."""
        return who.roles is None or bool(who.roles & self.settings.rights[right])

    def deny(self, who: Principal | None, right: str, reason: str) -> None:
        self.metrics.denials.labels(reason).inc()
        self.audit.record(
            who.name if who else "anonymous",
            f"serve.{right}",
            decision="deny",
            detail={"reason": reason, "via": who.via if who else "none"},
        )


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def client_address(scope: Any) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


THROTTLED = "too many failed authentications"


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; a missing or invalid token is refused (401) and audited, and an
    address past its limit of refusals is answered 429, audited once per window."""
    svc = services(request)
    address = client_address(request.scope)
    throttled = svc.auth_limit.throttled(address)
    if throttled is not None:
        wait, first = throttled
        if first:
            svc.deny(None, "auth", THROTTLED)
        else:
            svc.metrics.denials.labels(THROTTLED).inc()
        raise TooManyFailures(wait)
    if credentials is None:
        svc.auth_limit.failed(address)
        svc.deny(None, "auth", "no bearer token")
        raise InvalidToken("no bearer token", hint="send Authorization: Bearer <jwt>")
    try:
        who = svc.verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        svc.auth_limit.failed(address)
        svc.deny(None, "auth", exc.message)
        raise
    request.state.principal = who
    return who


Caller = Annotated[Principal, Depends(principal)]


def require(right: str) -> Any:
    """A dependency: the caller must hold one of the roles `[serve.rights]` grants `right`."""

    async def check(request: Request, who: Caller) -> Principal:
        svc = services(request)
        if svc.allowed(who, right):
            return who
        svc.deny(who, right, "role not granted")
        raise AccessDenied(
            f"{who.name} holds no role that may use {right}",
            field="role",
            hint=f"roles that may: {', '.join(sorted(svc.settings.rights[right]))}",
        )

    return Depends(check)


def domain_account(svc: Services, who: Principal, product: str, right: str) -> None:
    """Only a service account of the product's domain acts for it."""
    assert svc.consent is not None
    domain = svc.consent.product_domain(product) or product.split(".")[0]
    if domain not in svc.settings.domains_of(who.name):
        svc.deny(who, right, "not a service account of the product's domain")
        raise AccessDenied(
            f"{who.name} does not act for domain {domain!r}",
            field="product",
            hint=f"[serve.domains.{domain}] accounts lists who does",
        )


# ---- the application ------------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the APIs (what `/openapi.json` serves; docs/openapi.json)."""
    return create_app(None).openapi()


def create_app(workspace: Workspace | None) -> FastAPI:
    """The FastAPI application for one workspace (None: routes only, for the OpenAPI
    document); `ServiceApp` wraps it with metrics, logs and the consent check's fast path."""
    svc = Services(workspace) if workspace is not None else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assert svc is not None and workspace is not None
        svc.consent = await asyncio.to_thread(ConsentState, workspace, svc.audit)
        await asyncio.to_thread(_warm_up)
        await svc.sender.start()
        pending = svc.consent.notices(pending_only=True)
        svc.sender.send(batches(pending.to_dicts(), svc.settings))
        svc.ready = True
        log.info("ready", extra={"fields": {"workspace": workspace.name}})
        yield
        svc.ready = False
        # a change whose request was cancelled at the grace deadline still runs in its thread:
        # let it finish before the audit log closes
        await asyncio.to_thread(svc.consent.quiesce)
        await svc.sender.stop()
        svc.audit.close()
        log.info("stopped", extra={"fields": {}})

    app = FastAPI(
        title="privacymesh platform services",
        version=__version__,
        description="Consent, DSAR and audit APIs of a privacymesh workspace. Every `/v1` call "
        "carries a bearer JWT; subjects travel in bodies, never in paths.",
        lifespan=lifespan,
        responses={
            401: {"model": Problem, "description": "Missing or invalid token"},
            403: {"model": Problem, "description": "Role without the right"},
            422: {"model": Problem, "description": "Invalid input"},
            429: {"model": Problem, "description": "Too many failed authentications"},
        },
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: /docs is our own page
        redoc_url=None,
    )
    app.state.services = svc
    _errors(app)
    _operations(app)
    _consent_routes(app)
    _dsar_routes(app)
    _audit_routes(app)
    return app


class ServiceApp:
    """The ASGI application uvicorn runs: metrics and logs around the consent check's fast
    path around the FastAPI application (outside the framework's own middleware, so the hot
    path pays for none of it)."""

    def __init__(self, workspace: Workspace, *, log_requests: bool = True):
        self.fastapi = create_app(workspace)
        self.services: Services = self.fastapi.state.services
        route = next(r for r in self.fastapi.routes if getattr(r, "path", "") == fast_check.PATH)
        fast = FastConsentCheck(self.fastapi, self.services, route)
        self._app = ObserveMiddleware(fast, self.services.metrics, log_requests)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)


def _warm_up() -> None:
    """Load the personal-data guard every audit record passes through now, so the first
    consent change is not the one that waits for it."""
    from privacymesh.detect.guard import find_personal

    find_personal(["serve warm-up: consent.revoke marketing notices 3"])


def _problem(status: int, exc: PrivacyMeshError, headers: dict[str, str] | None = None) -> Any:
    body = {"error": exc.message, "field": exc.field, "hint": exc.hint}
    return JSONResponse(body, status_code=status, headers=headers)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(TooManyFailures)
    async def throttled(_: Request, exc: TooManyFailures) -> Any:
        return _problem(429, exc, {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(InvalidToken)
    async def invalid_token(_: Request, exc: InvalidToken) -> Any:
        return _problem(401, exc, {"WWW-Authenticate": 'Bearer error="invalid_token"'})

    @app.exception_handler(AccessDenied)
    async def denied(_: Request, exc: AccessDenied) -> Any:
        return _problem(403, exc)

    @app.exception_handler(UnknownSubjectError)
    async def unknown(_: Request, exc: UnknownSubjectError) -> Any:
        return _problem(404, exc)

    @app.exception_handler(PrivacyMeshError)
    async def bad_input(_: Request, exc: PrivacyMeshError) -> Any:
        # bad input (an unknown purpose, a consent change that cannot be, a record carrying
        # personal data) is 422; an unknown DSAR request is 404
        status = 404 if isinstance(exc, DsarError) and "unknown request" in exc.message else 422
        if isinstance(exc, WorkspaceError):
            status = 503  # the workspace itself is broken: not the caller's fault
        return _problem(status, exc)


def _operations(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"model": Problem}})
    async def ready(request: Request) -> Any:
        """The consent ledger is loaded and the server is not shutting down."""
        if not services(request).ready:
            return JSONResponse({"error": "not ready"}, status_code=503)
        return {"status": "ready"}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Any:
        """The APIs at a glance, with no script: the OpenAPI document is the contract."""
        return HTMLResponse(docs_page(app.openapi()), headers=DOCS_HEADERS)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics(request: Request) -> Any:
        """Prometheus metrics: requests, latencies, denials, consent decisions, deliveries."""
        data = generate_latest(services(request).metrics.registry)
        return PlainTextResponse(data, media_type=CONTENT_TYPE_LATEST)


DOCS_HEADERS = {
    # nothing may load, run or frame: the page is static text and one link
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def docs_page(document: dict[str, Any]) -> str:
    """An HTML list of the operations of an OpenAPI document (escaped; no script or style)."""
    info = document.get("info", {})
    rows = []
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            summary = op.get("summary") or op.get("description", "").split("\n")[0]
            rows.append(
                f"<tr><td>{html.escape(method.upper())}</td><td><code>{html.escape(path)}</code>"
                f"</td><td>{html.escape(summary)}</td></tr>"
            )
    title = html.escape(f"{info.get('title', '')} {info.get('version', '')}".strip())
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
        f"<h1>{title}</h1><p>{html.escape(info.get('description', ''))}</p>"
        '<p>The contract: <a href="/openapi.json">/openapi.json</a> (OpenAPI '
        f"{html.escape(str(document.get('openapi', '')))}).</p>"
        "<table><tr><th>method</th><th>path</th><th>what</th></tr>"
        + "".join(rows)
        + "</table></html>"
    )


def _consent_routes(app: FastAPI) -> None:
    tags = ["consent"]

    @app.post("/v1/consent/check", tags=tags)
    async def check(
        body: ConsentQuery, request: Request, who: Any = require("consent_check")
    ) -> ConsentDecision:
        """May the subject's data be processed for the purpose at `at` (default now)? Answered
        from memory: the latest event at or before `at` is a grant."""
        svc = services(request)
        assert svc.consent is not None
        uid, permitted = svc.consent.check(body.subject, body.purpose, body.at)
        svc.metrics.consent_checks.labels("yes" if permitted else "no").inc()
        return ConsentDecision(user_id=uid, purpose=body.purpose, permitted=permitted)

    @app.post("/v1/consent/check-batch", tags=tags)
    def check_batch(
        body: BatchQuery, request: Request, who: Any = require("consent_check")
    ) -> BatchDecision:
        """One purpose, many subjects (user ids), one join: `permitted[i]` answers
        `subjects[i]`. Unknown subjects are not permitted."""
        svc = services(request)
        assert svc.consent is not None
        answers = svc.consent.check_batch(body.purpose, body.subjects, body.at, body.times)
        return BatchDecision(purpose=body.purpose, permitted=answers, count=sum(answers))

    def change(action: str, body: ConsentChangeBody, svc: Services, who: Principal) -> Any:
        assert svc.consent is not None
        made = svc.consent.change(
            action,
            body.subject,
            body.purpose,
            source=body.source,
            notice_version=body.notice_version,
            regulation=body.regulation,
            at=body.at,
            actor=who.name,
        )
        notices = svc.consent.notices(pending_only=True)
        mine = [n for n in notices.to_dicts() if n["event_id"] == made.event_id]
        svc.sender.send(batches(mine, svc.settings))
        out = asdict(made)
        out["products"], out["notice_ids"] = list(made.products), list(made.notice_ids)
        return ConsentChangeOut(**out)

    @app.post("/v1/consent/grant", tags=tags)
    async def grant(
        body: ConsentChangeBody, request: Request, who: Any = require("consent_change")
    ) -> ConsentChangeOut:
        """Record a grant; notices go to each consumer domain's webhook."""
        svc = services(request)
        return await asyncio.to_thread(change, "grant", body, svc, who)

    @app.post("/v1/consent/withdraw", tags=tags)
    async def withdraw(
        body: ConsentChangeBody, request: Request, who: Any = require("consent_change")
    ) -> ConsentChangeOut:
        """Record a withdrawal; from `at` on checks answer no, and notices go to each consumer
        domain's webhook until the domain acknowledges them."""
        svc = services(request)
        return await asyncio.to_thread(change, "withdraw", body, svc, who)

    @app.get("/v1/consent/notices", tags=tags)
    def notices(request: Request, who: Caller, pending: bool = True) -> list[Notice]:
        """Propagation notices: a domain's service account sees its domains' notices, a
        consent writer all of them."""
        svc = services(request)
        assert svc.consent is not None
        frame = svc.consent.notices(pending_only=pending)
        if not (who.roles is None or who.roles & svc.settings.rights["consent_change"]):
            mine = svc.settings.domains_of(who.name)
            if not mine:
                svc.deny(who, "consent_notices", "not a service account of any domain")
                raise AccessDenied(f"{who.name} acts for no domain", field="role")
            frame = frame.filter(frame["domain"].is_in(sorted(mine)))
        return [Notice(**n) for n in frame.to_dicts()]

    @app.post("/v1/consent/notices/ack", tags=tags)
    def acknowledge(body: Ack, request: Request, who: Caller) -> AckOut:
        """The product's domain applied the change: recorded so the propagation-lag checks
        measure from acknowledgements. Only the domain's service accounts may acknowledge."""
        svc = services(request)
        assert svc.consent is not None
        domain_account(svc, who, body.product, "consent_ack")
        count = svc.consent.acknowledge(body.event_id, body.product, who.name)
        return AckOut(event_id=body.event_id, product=body.product, acknowledged=count)


def _request_out(r: dsar.DsarRequest) -> DsarOut:
    from privacymesh.platform.consent import utc_naive

    return DsarOut(
        request_id=r.request_id,
        type=r.type,
        regulation=r.regulation,
        received_at=r.received_at,
        status=r.status,
        completed_at=r.completed_at,
        deadline=r.deadline,
        overdue=r.overdue(utc_naive()),
        tasks=[Task(**t) for t in r.tasks],
    )


def _dsar_routes(app: FastAPI) -> None:
    tags = ["dsar"]

    @app.post("/v1/dsar/requests", tags=tags, status_code=201)
    def open_request(body: DsarOpen, request: Request, who: Any = require("dsar")) -> DsarOut:
        """Open a request: the subject is resolved, one task is planned per product holding
        them, and the deadline follows the regulation's clock."""
        ws = services(request).ws
        made = dsar.open_request(
            ws, body.subject, body.type, body.regulation, extended=body.extended, actor=who.name
        )
        return _request_out(made)

    @app.get("/v1/dsar/requests/{request_id}", tags=tags)
    def status(request_id: str, request: Request, who: Any = require("dsar")) -> DsarOut:
        """A request's status, deadline and tasks."""
        return _request_out(dsar.get_request(services(request).ws, request_id))

    @app.post("/v1/dsar/requests/{request_id}/export", tags=tags)
    def export(request_id: str, request: Request, who: Any = require("dsar")) -> ExportOut:
        """The subject's access package, returned in the response (the one answer that
        carries their own data, to the DSAR officer only)."""
        ws = services(request).ws
        with tempfile.TemporaryDirectory(prefix="pm-export-") as tmp:
            out = Path(tmp) / "package"
            result = dsar.export_request(ws, request_id, out, actor=who.name)
            files = {
                str(p.relative_to(out)): _json_file(p) for p in sorted(result.files) if p.is_file()
            }
        return ExportOut(request_id=request_id, products=result.products, files=files)

    @app.post("/v1/dsar/requests/{request_id}/erase", tags=tags)
    def erase(
        request_id: str, body: EraseBody, request: Request, who: Any = require("dsar")
    ) -> ErasureOut:
        """Erase the subject everywhere it can (a dry run unless `apply`), then verify."""
        out = dsar.erase_request(services(request).ws, request_id, apply=body.apply, actor=who.name)
        items = [
            ErasureItemOut(
                product_id=i.product_id,
                action=i.action,
                reason=i.reason,
                rows_erased=i.rows_erased,
                cells_erased=i.cells_erased,
                residue_rows=i.residue_rows,
            )
            for i in out.items
        ]
        return ErasureOut(
            request_id=out.request_id,
            applied=out.applied,
            verified=out.verified,
            run_id=out.run_id,
            items=items,
        )

    @app.get("/v1/dsar/tasks", tags=tags)
    def tasks(request: Request, who: Caller) -> list[Task]:
        """Open and claimed tasks of the domains the caller is a service account of."""
        svc = services(request)
        mine = svc.settings.domains_of(who.name)
        if not mine:
            svc.deny(who, "dsar_tasks", "not a service account of any domain")
            raise AccessDenied(f"{who.name} acts for no domain", field="role")
        found = []
        for r in dsar.list_requests(svc.ws, open_only=True):
            found += [Task(**t) for t in r.tasks if t["domain"] in mine]
        return [t for t in found if t.status != "completed"]

    def move(request_id: str, product: str, status: str, request: Request, who: Principal) -> Task:
        svc = services(request)
        if svc.consent is None:
            raise WorkspaceError("not ready")
        domain_account(svc, who, product, "dsar_task")
        return Task(**dsar.move_task(svc.ws, request_id, product, status, actor=who.name))

    @app.post("/v1/dsar/requests/{request_id}/tasks/{product}/claim", tags=tags)
    def claim(request_id: str, product: str, request: Request, who: Caller) -> Task:
        """The product's domain takes the task (its service accounts only)."""
        return move(request_id, product, "claimed", request, who)

    @app.post("/v1/dsar/requests/{request_id}/tasks/{product}/complete", tags=tags)
    def complete(request_id: str, product: str, request: Request, who: Caller) -> Task:
        """The product's domain finished the task (its service accounts only)."""
        return move(request_id, product, "completed", request, who)


def _json_file(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def _audit_routes(app: FastAPI) -> None:
    tags = ["audit"]

    @app.post("/v1/audit/records", tags=tags, status_code=201)
    def append(
        body: AuditAppend, request: Request, who: Any = require("audit_append")
    ) -> AuditAppended:
        """Append a record as the verified caller (the body cannot name another actor).
        A record whose texts look like raw personal data is refused (422)."""
        svc = services(request)
        record = svc.audit.record(
            who.name,
            body.action,
            body.product,
            body.fields,
            body.purpose,
            body.subjects,
            role=body.role,
            decision=body.decision,
            policy=body.policy,
            rows=body.rows,
            subject=body.subject,
            detail=body.detail,
        )
        return AuditAppended(
            seq=record.seq,
            record_id=record.record_id,
            at=record.at,
            hash=record.hash,
            prev_hash=record.prev_hash,
        )

    @app.get("/v1/audit/verify", tags=tags)
    def verify(request: Request, who: Any = require("audit_read")) -> AuditVerified:
        """Recompute the hash chain of the whole log."""
        report = services(request).audit.verify()
        brk = report.first_break
        return AuditVerified(
            ok=report.ok,
            records=report.records_total,
            head_seq=report.head.seq,
            head_hash=report.head.hash,
            first_break=None if brk is None else str(brk),
        )
