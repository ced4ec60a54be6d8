"""Built-in measures: the test procedures that are Python over the catalog, the engine and the
PII detector rather than one SQL query. Registered by name; check files refer to the name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from privacymesh.catalog import Catalog, DataProduct
from privacymesh.checks.measures.jobs import InProcess, Workers, WorkGroup
from privacymesh.checks.overrides import SCHEDULE, merged_params, override_tables
from privacymesh.checks.results import Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.engine import Engine
from privacymesh.errors import CheckError

if TYPE_CHECKING:
    import polars as pl

    from privacymesh.detect import ScanOptions
    from privacymesh.detect.sparse import SparseRows
    from privacymesh.workspace import Workspace


@dataclass
class MeasureContext:
    """What a measure may use. A product's sample and its PII scan are computed once per run
    and shared by every measure that needs them; CPU-heavy work goes to `workers`."""

    workspace: Workspace | None
    catalog: Catalog
    engine: Engine
    as_of: datetime
    cache: dict[str, Any] = field(default_factory=dict)
    workers: Workers = field(default_factory=InProcess)

    def sample(self, product: DataProduct, rows: int, seed: int) -> pl.DataFrame:
        """A reproducible sample of the product (the engine's), read once per run."""
        samples: dict[tuple[str, int, int], pl.DataFrame] = self.cache.setdefault("samples", {})
        key = (product.id, int(rows), int(seed))
        if key not in samples:
            samples[key] = self.engine.sample(product.view, int(rows), int(seed))
        return samples[key]

    def sample_for_scan(
        self, product: DataProduct, options: ScanOptions, total: int
    ) -> tuple[pl.DataFrame, SparseRows | None]:
        """The sample (as `sample` reads it, and kept for every measure) and the sparse
        pre-filter's rows of a product: from one pass over its data unless this run has
        already read the sample."""
        from privacymesh.detect.product import product_sample, product_sparse_rows

        samples: dict[tuple[str, int, int], pl.DataFrame] = self.cache.setdefault("samples", {})
        key = (product.id, int(options.sample_rows or 0), int(options.seed))
        if key in samples or options.sample_rows is None:
            frame = self.sample(product, key[1], key[2])
            return frame, product_sparse_rows(product, self.engine, options, total, frame)
        frame, sparse = product_sample(product, self.engine, options, total)
        samples[key] = frame
        return frame, sparse

    def kept_sample(self, product: DataProduct) -> pl.DataFrame | None:
        """A sample of the product this run has already read, if any (of any size or seed)."""
        samples: dict[tuple[str, int, int], pl.DataFrame] = self.cache.get("samples", {})
        return next((frame for key, frame in samples.items() if key[0] == product.id), None)


def params_for(workspace: Workspace | None, spec: CheckSpec) -> dict[str, Any]:
    """A check's params: its file's defaults, overridden by the workspace's
    `[checks."<id>"]` table (deadlines, SLAs and thresholds belong in configuration), typed
    as the file's (`checks.overrides`)."""
    table = override_tables(workspace.settings).get(spec.id) if workspace else None
    if not isinstance(table, dict):
        return dict(spec.params)
    return merged_params(spec, {k: v for k, v in table.items() if k != SCHEDULE}, workspace.file)


def check_params(ctx: MeasureContext, spec: CheckSpec) -> dict[str, Any]:
    """`params_for` the run's workspace."""
    return params_for(ctx.workspace, spec)


MeasureFn = Callable[[MeasureContext, CheckSpec, DataProduct | None], list[Measurement]]
PrefetchFn = Callable[[MeasureContext, CheckSpec, DataProduct], object]
MEASURES: dict[str, MeasureFn] = {}
PREFETCH: dict[str, PrefetchFn] = {}
GROUPS: dict[str, WorkGroup] = {}
PREPARE: dict[str, Callable[[MeasureContext], None]] = {}
PrefetchDone = Callable[[MeasureContext, CheckSpec, DataProduct], bool]
DONE: dict[str, PrefetchDone] = {}
CONTRACT_ONLY: set[str] = set()


def measure(
    name: str,
    reads_data: bool = True,
    prefetch: PrefetchFn | None = None,
    group: WorkGroup | None = None,
    prepare: Callable[[MeasureContext], None] | None = None,
    done: PrefetchDone | None = None,
) -> Callable[[MeasureFn], MeasureFn]:
    """Register a built-in measure under `name`; `reads_data=False` for measures over the
    contract alone, which still run when the product's data cannot be read. `prefetch` starts
    a product's heavy work early (it submits jobs to the context's workers, of `group`); the
    measure itself then only waits for it. `prepare` runs once per run before the workers start
    (to `share` what every job needs). `done` says when a product's heavy work is already
    done (kept from an earlier run): it then needs no worker."""

    def register(fn: MeasureFn) -> MeasureFn:
        MEASURES[name] = fn
        if not reads_data:
            CONTRACT_ONLY.add(name)
        if prefetch is not None:
            PREFETCH[name] = prefetch
        if group is not None:
            GROUPS[name] = group
        if prepare is not None:
            PREPARE[name] = prepare
        if done is not None:
            DONE[name] = done
        return fn

    return register


def get_prefetch(name: str | None) -> PrefetchFn | None:
    """The measure's prefetch hook, if it has one."""
    _load_builtin()
    return PREFETCH.get(name or "")


def get_prepare(name: str | None) -> Callable[[MeasureContext], None] | None:
    """The measure's once-per-run preparation, if it has one."""
    _load_builtin()
    return PREPARE.get(name or "")


def heavy_work_done(ctx: MeasureContext, spec: CheckSpec, product: DataProduct) -> bool:
    """Whether the task's heavy (prefetched) work is already done, kept from an earlier run."""
    _load_builtin()
    hook = DONE.get(spec.measure or "")
    return hook is not None and hook(ctx, spec, product)


def get_group(name: str | None) -> WorkGroup | None:
    """The worker group of the measure's jobs, if it has any."""
    _load_builtin()
    return GROUPS.get(name or "")


def reads_data(spec: CheckSpec) -> bool:
    """Whether a check needs the product's data (SQL checks always do)."""
    _load_builtin()
    return spec.measure not in CONTRACT_ONLY


def get_measure(name: str) -> MeasureFn:
    _load_builtin()
    try:
        return MEASURES[name]
    except KeyError:
        raise CheckError(
            f"unknown measure {name!r}", hint="known: " + ", ".join(sorted(MEASURES))
        ) from None


def _load_builtin() -> None:
    # imported for their registrations
    from privacymesh.checks.measures import conformance, contract, pii, quality  # noqa: F401


__all__ = [
    "MEASURES",
    "MeasureContext",
    "WorkGroup",
    "Workers",
    "check_params",
    "get_group",
    "get_measure",
    "get_prefetch",
    "get_prepare",
    "heavy_work_done",
    "measure",
    "params_for",
    "reads_data",
]
