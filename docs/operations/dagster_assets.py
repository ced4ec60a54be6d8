"""privacymesh in Dagster: the nightly check run and the audit pack as two assets.

Load with `dagster dev -f dagster_assets.py` (or add `defs` to your code location). The
workspace is the folder holding privacymesh.toml, from $PRIVACYMESH_WORKSPACE."""

# no `from __future__ import annotations`: Dagster reads the context's annotation as a type
import os

import dagster as dg

from privacymesh.packs import PackOptions, build_pack
from privacymesh.runner import run_checks
from privacymesh.workspace import Workspace, load_workspace


def workspace() -> Workspace:
    """Read at run time, so a deployment can move the workspace without a code change."""
    return load_workspace(os.environ.get("PRIVACYMESH_WORKSPACE", "."))


@dg.asset(group_name="privacy")
def privacymesh_run(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Every check over every registered product, recorded in the evidence ledger. A check
    that could not run (status error) fails the asset: it is never read as a pass."""
    outcome = run_checks(workspace())
    counts = {s: outcome.count(s) for s in ("pass", "fail", "error")}
    context.log.info(f"run {outcome.run_id}: {counts}")
    if outcome.exit_code == 2:
        raise dg.Failure(f"run {outcome.run_id} could not check everything: {counts}")
    return dg.MaterializeResult(metadata={"run_id": outcome.run_id, **counts})


@dg.asset(group_name="privacy", deps=[privacymesh_run])
def audit_pack(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """The audit pack of the current quarter, rebuilt from the ledger after each run."""
    result = build_pack(workspace(), PackOptions(pdf=False))
    context.log.info(f"pack {result.pack_id} in {result.root}")
    return dg.MaterializeResult(
        metadata={"pack": str(result.root), "files": len(result.files)}
    )


nightly = dg.ScheduleDefinition(
    name="privacymesh_nightly",
    target=dg.AssetSelection.groups("privacy"),
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
)

defs = dg.Definitions(assets=[privacymesh_run, audit_pack], schedules=[nightly])
