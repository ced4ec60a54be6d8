"""A check run: plan, execute every task, record everything in the ledger in one transaction."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from privacymesh.catalog import Catalog, load_catalog
from privacymesh.checks.catalog import load_check_catalog
from privacymesh.checks.measures import (
    MeasureContext,
    WorkGroup,
    get_group,
    get_prefetch,
    get_prepare,
    heavy_work_done,
)
from privacymesh.checks.results import CheckResult
from privacymesh.checks.spec import CheckSpec
from privacymesh.engine import Engine, open_engine
from privacymesh.errors import CheckError
from privacymesh.runner.execute import run_task
from privacymesh.runner.plan import Task, plan_tasks
from privacymesh.runner.pool import WorkerPool, auto_workers
from privacymesh.runner.recorded import recorded_context
from privacymesh.runner.shared import release_shared
from privacymesh.runner.withhold import withhold_personal_data
from privacymesh.verdict import Status
from privacymesh.workspace import Workspace, as_of_from

if TYPE_CHECKING:
    from privacymesh.alerts import AlertReport
    from privacymesh.ledger import CommitOutcome

Progress = Callable[[int, int, str], None]


@dataclass
class RunOutcome:
    """Every result of a run, the run id in the ledger, and the spec errors met."""

    run_id: str | None
    results: list[CheckResult]
    spec_errors: list[CheckError] = field(default_factory=list)
    as_of: datetime | None = None
    spooled: Path | None = None  # the ledger stayed busy: the run waits here to be recorded
    spool_reason: str | None = None
    recovered: tuple[str, ...] = ()  # spooled runs of others recorded before this one
    alerts: AlertReport | None = None  # what the owners were told (when [alerts] is set)

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def exit_code(self) -> int:
        """0 all pass, 1 some fail, 2 some could not run (or the run is not yet recorded)."""
        if self.count(Status.ERROR) or self.spec_errors or self.spooled:
            return 2
        return 1 if self.count(Status.FAIL) else 0


def select_checks(specs: list[CheckSpec], ids: list[str] | None) -> list[CheckSpec]:
    """Checks by id or id prefix (`pii` selects every `pii.*` check)."""
    if not ids:
        return specs
    chosen = [s for s in specs if any(s.id == i or s.id.startswith(i + ".") for i in ids)]
    missing = [i for i in ids if not any(s.id == i or s.id.startswith(i + ".") for s in specs)]
    if missing:
        raise CheckError(
            f"unknown check(s): {', '.join(missing)}", hint="`privacymesh checks list` shows them"
        )
    return chosen


def execute_checks(
    ctx: MeasureContext,
    tasks: list[Task],
    domains: list[str] | None = None,
    progress: Progress | None = None,
    pool: WorkerPool | None = None,
) -> list[CheckResult]:
    """Run every task; each failure is an error result, and the run goes on. Measures with a
    prefetch hook get their heavy work submitted first (to `pool`, the context's workers);
    the SQL checks run while the workers compute, and the prefetched measures are collected
    last. Results keep the plan's order."""
    if pool is not None:
        pool.launch(expected_jobs(heavy_tasks(ctx, tasks)))
    _prepare(ctx, tasks)
    if pool is not None:
        pool.start()  # workers take each product's jobs as soon as its sample is read
    early = _prefetch(ctx, tasks)
    order = [i for i in range(len(tasks)) if i not in early] + sorted(early)
    by_task: dict[int, list[CheckResult]] = {}
    try:
        for done, i in enumerate(order, start=1):
            task = tasks[i]
            by_task[i] = run_task(task, ctx, domains)
            if progress:
                progress(done, len(tasks), f"{task.check.id} {task.product_id or ''}".strip())
    finally:
        release_shared(ctx)
    return [r for i in range(len(tasks)) for r in by_task[i]]


def _prepare(ctx: MeasureContext, tasks: list[Task]) -> None:
    """Each measure's once-per-run preparation; a failure is met again by its tasks."""
    for name in dict.fromkeys(t.check.measure for t in tasks if t.check.measure):
        hook = get_prepare(name)
        if hook is None:
            continue
        try:
            hook(ctx)
        except Exception:  # reported by the tasks themselves when they run
            continue


def _prefetch(ctx: MeasureContext, tasks: list[Task]) -> set[int]:
    """Submit the heavy work of every task whose measure has a prefetch hook, product by
    product: each product's sample is read once and its jobs go to the workers at once, so
    they start on the first product while this process reads the next. A failure here is
    left for the task itself to meet again and report as its error."""
    early: set[int] = set()
    rank = {p: n for n, p in enumerate(dict.fromkeys(t.product_id for t in tasks))}
    for i in sorted(range(len(tasks)), key=lambda i: rank[tasks[i].product_id]):
        task = tasks[i]
        hook = get_prefetch(task.check.measure)
        if hook is None or task.blocked or task.product is None:
            continue
        early.add(i)
        try:
            hook(ctx, task.check, task.product)
        except Exception:  # reported by the task itself when it runs
            continue
    return early


def heavy_tasks(ctx: MeasureContext, tasks: list[Task]) -> list[Task]:
    """The tasks whose heavy work is still to do: not those an earlier run's kept result
    (the scan cache) answers."""
    return [
        t
        for t in tasks
        if t.product is None or t.blocked or not heavy_work_done(ctx, t.check, t.product)
    ]


def expected_jobs(tasks: list[Task]) -> dict[WorkGroup, int]:
    """Worker jobs a plan will submit, per group: one per product and group (the PII checks
    share one scan of a product)."""
    pairs = {
        (group, t.product_id)
        for t in tasks
        if t.product is not None and not t.blocked
        for group in [get_group(t.check.measure)]
        if group is not None
    }
    return dict(Counter(group for group, _ in pairs))


def prefetch_products(tasks: list[Task]) -> int:
    """How many products have heavy (prefetched) work in a plan."""
    return len(
        {
            t.product_id
            for t in tasks
            if t.product is not None and not t.blocked and get_prefetch(t.check.measure)
        }
    )


def workers_for(workspace: Workspace | None, tasks: list[Task], requested: int | None) -> int:
    """Worker processes: the caller's number, else the workspace's `[run] workers`, else one
    per core when at least 8 products have heavy work left (the detector's scans; fewer do
    not repay starting workers)."""
    configured = workspace.section("run").get("workers") if workspace else None
    value = requested if requested is not None else configured
    if value is None or value == "auto":
        return auto_workers(prefetch_products(tasks))
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        raise CheckError(
            f'[run] workers must be a number or "auto", not {value!r}',
            file=workspace.file if workspace else None,
            field="run.workers",
        ) from None


def run_checks(
    workspace: Workspace,
    checks: list[str] | None = None,
    products: list[str] | None = None,
    domains: list[str] | None = None,
    *,
    record: bool = True,
    as_of: datetime | None = None,
    engine_kind: str | None = None,
    progress: Progress | None = None,
    catalog: Catalog | None = None,
    engine: Engine | None = None,
    workers: int | None = None,
) -> RunOutcome:
    """Run the matching checks over the matching products and record the run in the ledger.
    The engine (a caller's too) is sealed first and stays sealed: check SQL reaches nothing
    beyond the relations registered by then."""
    if record:  # a bad [ledger] setting is found before the checks run, not after
        from privacymesh.ledger import lock_timeout_for

        lock_timeout_for(workspace)
    catalog = catalog or load_catalog(workspace.catalog)
    checks_found = load_check_catalog(workspace)
    specs, spec_errors = checks_found.specs, checks_found.errors
    specs = select_checks(specs, checks)
    reference = as_of_from(workspace, as_of)
    # what the packs will quote (products, parties, GX suites), read before the checks run so
    # a bad [accountability] section stops the run before it spends its time
    context = recorded_context(workspace, catalog) if record else {}
    own_engine = engine is None
    engine = engine or open_engine(workspace, catalog, name=engine_kind)
    started = datetime.now(UTC)
    pool: WorkerPool | None = None
    try:
        # check files are untrusted: their SQL runs in a session that reaches nothing else
        engine.seal()
        tasks = plan_tasks(specs, catalog, engine.registration, products, domains)
        ctx = MeasureContext(workspace, catalog, engine, reference)
        # workers for the heavy work left to do: none when the kept scans answer it all
        pool = WorkerPool(workers_for(workspace, heavy_tasks(ctx, tasks), workers))
        ctx.workers = pool
        results = execute_checks(ctx, tasks, domains, progress, pool)
        # what each product's results read: source, table or file, version, rows
        read = engine.source_identities(
            list(dict.fromkeys(t.product.id for t in tasks if t.product is not None))
        )
    finally:
        if pool is not None:
            pool.close()
        if own_engine:
            engine.close()
    # nothing a result carries reaches the screen or the ledger before the detector saw it
    results, messages = withhold_personal_data(results, [str(e) for e in spec_errors])
    outcome = RunOutcome(None, results, spec_errors, reference)
    if record:
        from privacymesh.ledger.records import RECORDED_OPTION

        options = {
            "checks": checks or [],
            "products": products or [],
            "domains": domains or [],
            "as_of": reference.isoformat(),
            "spec_errors": messages,
            "sources": read,
            RECORDED_OPTION: context,
        }
        recorded = record_run(
            workspace,
            catalog,
            engine.name,
            started,
            options,
            results,
            as_of=reference,
            specs=[spec.record() for spec in specs],
        )
        outcome.run_id = recorded.run_id
        outcome.spooled, outcome.spool_reason = recorded.spooled, recorded.reason
        outcome.recovered = recorded.recovered
        if outcome.run_id and not outcome.spooled:
            from privacymesh.alerts import notify_after_run

            outcome.alerts = notify_after_run(workspace, catalog, outcome.run_id)
    return outcome


def record_run(
    workspace: Workspace,
    catalog: Catalog,
    engine_kind: str,
    started: datetime,
    options: dict[str, Any],
    results: list[CheckResult],
    *,
    as_of: datetime | None = None,
    specs: list[dict[str, Any]] | None = None,
) -> CommitOutcome:
    """Write a run and all its results and findings to the ledger, in one transaction. When
    another process holds the ledger, wait for it (`[ledger] lock_timeout`); when it stays
    busy, keep the run in the evidence folder's spool for the next writer to record."""
    from privacymesh.ledger import (
        FindingRecord,
        ResultRecord,
        RunInfo,
        RunWriter,
        commit_or_spool,
        lock_timeout_for,
    )
    from privacymesh.ledger.records import finding_fingerprint

    info = RunInfo.for_workspace(
        workspace,
        catalog_fingerprint=catalog.fingerprint,
        engine=engine_kind,
        options=json.loads(json.dumps(options)),
        started_at=started,
        as_of=as_of,
        checks=tuple(json.loads(json.dumps(specs or [], default=str))),
    )
    run = RunWriter.detached(info)
    for r in results:
        result_id = run.add_result(
            ResultRecord(
                check_id=r.check_id,
                status=r.status,
                product_id=r.product,
                domain=r.domain,
                measured=_scalars(r.values),
                threshold=r.threshold,
                population=r.population,
                exceptions=r.exceptions,
                reason=r.reason,
                query=r.query,
                severity=r.severity,
                control_id=r.control_id,
                started_at=r.started_at.replace(tzinfo=UTC),
                finished_at=r.finished_at.replace(tzinfo=UTC),
            )
        )
        if r.findings:
            run.add_findings(
                result_id,
                [
                    FindingRecord(
                        kind=f.kind,
                        column=f.column,
                        detail=f.detail,
                        # a mesh-wide check reports per domain: each domain's finding
                        # is its own, first seen and remediated on its own
                        fingerprint=finding_fingerprint(
                            r.check_id, r.product or f"domain:{r.domain}", f.column, f.kind
                        ),
                    )
                    for f in r.findings
                ],
            )
    from privacymesh.ledger.seal import Sealer

    workspace.evidence.mkdir(parents=True, exist_ok=True)
    return commit_or_spool(
        workspace.ledger_path,
        run,
        lock_timeout=lock_timeout_for(workspace),
        sealer=Sealer.for_workspace(workspace),  # signs and anchors the head
    )


def _scalars(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if v is None or isinstance(v, str | int | float | bool) else json.dumps(v)
        for k, v in values.items()
    }
