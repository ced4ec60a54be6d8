"""Built-in measures: the test procedures that are Python over the catalog, the engine and the
PII detector rather than one SQL query. Registered by name; check files refer to the name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from privacymesh.catalog import Catalog, DataProduct
from privacymesh.checks.results import Measurement
from privacymesh.checks.spec import CheckSpec
from privacymesh.engine import Engine
from privacymesh.errors import CheckError

if TYPE_CHECKING:
    from privacymesh.workspace import Workspace


@dataclass
class MeasureContext:
    """What a measure may use; the PII scan of a product is computed once per run and shared."""

    workspace: Workspace | None
    catalog: Catalog
    engine: Engine
    as_of: datetime
    cache: dict[str, Any] = field(default_factory=dict)


def check_params(ctx: MeasureContext, spec: CheckSpec) -> dict[str, Any]:
    """A check's params: its file's defaults, overridden by the workspace's
    `[checks."<id>"]` table (deadlines, SLAs and thresholds belong in configuration)."""
    overrides = ctx.workspace.section("checks").get(spec.id, {}) if ctx.workspace else {}
    return {**spec.params, **(overrides if isinstance(overrides, dict) else {})}


MeasureFn = Callable[[MeasureContext, CheckSpec, DataProduct | None], list[Measurement]]
MEASURES: dict[str, MeasureFn] = {}
CONTRACT_ONLY: set[str] = set()


def measure(name: str, reads_data: bool = True) -> Callable[[MeasureFn], MeasureFn]:
    """Register a built-in measure under `name`; `reads_data=False` for measures over the
    contract alone, which still run when the product's data cannot be read."""

    def register(fn: MeasureFn) -> MeasureFn:
        MEASURES[name] = fn
        if not reads_data:
            CONTRACT_ONLY.add(name)
        return fn

    return register


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
    from privacymesh.checks.measures import conformance, contract, pii  # noqa: F401


__all__ = [
    "MEASURES",
    "MeasureContext",
    "check_params",
    "get_measure",
    "measure",
    "reads_data",
]
