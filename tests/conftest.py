"""Shared fixtures: small hand-built catalogs with real Parquet and CSV files."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import settings

from privacymesh.workspace import Workspace, load_workspace

# property tests judge values, never time: a loaded CI machine must not fail them on a deadline
settings.register_profile("privacymesh", deadline=None)
settings.load_profile("privacymesh")

# wide, colourless terminal output so assertions see whole table rows
os.environ["COLUMNS"] = "200"
os.environ["NO_COLOR"] = "1"

HERE = Path(__file__).parent
REPO = HERE.parent
CONTRACTS = HERE / "catalog" / "contracts"


def write_shop_data(folder: Path) -> None:
    """The data behind tests/catalog/contracts/good: 5 orders, their daily totals, an export."""
    folder.mkdir(parents=True, exist_ok=True)
    orders = pl.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["c1", "c2", "c1", "c3", "c4"],
            "email": [
                "ann@example.com",
                "bo@example.org",
                "ann@example.com",
                "cy@example.net",
                "di@example.com",
            ],
            "amount": [10.0, 20.5, 7.25, 100.0, 3.0],
            "ordered_at": [datetime(2026, 1, d) for d in (1, 1, 2, 3, 3)],
        }
    )
    orders.write_parquet(folder / "orders.parquet")
    totals = (
        orders.group_by(pl.col("ordered_at").dt.date().alias("day"))
        .agg(pl.col("amount").sum().alias("total"))
        .sort("day")
    )
    totals.write_csv(folder / "order_totals.csv")
    totals.select("total").write_parquet(folder / "order_export.parquet")


@pytest.fixture
def shop_catalog(tmp_path: Path) -> Path:
    """A copy of the good shop catalog with its data, as a folder `contracts/` under tmp."""
    root = tmp_path / "catalog"
    shutil.copytree(CONTRACTS / "good", root / "contracts")
    write_shop_data(root / "data")
    return root / "contracts"


@pytest.fixture
def shop_workspace(shop_catalog: Path) -> Path:
    """A workspace file pointing at the shop catalog."""
    root = shop_catalog.parent
    (root / "platform").mkdir()
    pl.DataFrame({"user_id": ["c1"], "email_hash": ["x"]}).write_parquet(
        root / "platform" / "identity_map.parquet"
    )
    checks = root / "checks"
    shutil.copytree(REPO / "checks", checks)
    (root / "privacymesh.toml").write_text(
        'name = "shop"\n[paths]\ncatalog = "contracts"\nplatform = "platform"\n'
        'checks = "checks"\n[engine]\nkind = "duckdb"\n[run]\nas_of = "2026-06-01T00:00:00"\n'
    )
    return root


# The sample mesh with twelve weeks of history, for the views, packs and dashboard tests. Its
# workspace keeps the checks whose results move with the reference time and the cheap catalog
# checks (the rest are disabled, so every weekly run is a full run of this workspace's catalog),
# which keeps twelve runs within seconds.
HISTORY_CHECKS = (
    "contract.gate", "retention.missing_policy", "retention.expired_rows", "dsar.deadline",
    "dsar.task_deadline", "consent.never_applied", "cost.compliance_spend", "rotation.coverage",
)  # fmt: skip


@pytest.fixture(scope="session")
def history_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A scale-0.05 sample mesh whose ledger holds the twelve weekly runs of the sample's
    history (2026-08-16 to the pinned 2026-11-01), built once per session."""
    import json

    from privacymesh.sample import generate
    from privacymesh.sample.history import record_history

    root = tmp_path_factory.mktemp("history")
    generate(root / "sample", scale=0.05, seed=42)
    disabled = sorted(
        p.stem for p in (REPO / "checks").glob("*.yaml") if p.stem not in HISTORY_CHECKS
    )
    (root / "privacymesh.toml").write_text(
        'name = "history mesh"\n[paths]\ncatalog = "sample/contracts"\n'
        'platform = "sample/platform"\nevidence = "evidence"\nsample = "sample"\n'
        f'reports = "{(REPO / "reports").as_posix()}"\n[engine]\nkind = "duckdb"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
        f"[checks]\ndisable = {json.dumps(disabled)}\n"
        '[accountability]\ncontroller = "History Bank plc"\ndpo = "Data Protection Office"\n'
        'preparer = "Privacy engineering"\n',
        "utf-8",
    )
    ws = load_workspace(root)
    outcomes = record_history(ws)
    assert all(o.run_id for o in outcomes)
    return ws
