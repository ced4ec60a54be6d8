"""Shared fixtures: small hand-built catalogs with real Parquet and CSV files."""

from __future__ import annotations

import os
import shutil
import tempfile
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


def pytest_configure(config: pytest.Config) -> None:
    """Keep the detector's built word lists in a folder of this session, never in ~/.cache: a
    test then never reads lists another checkout left there. The xdist workers and every
    subprocess inherit the variable, so the lists are built once per session."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller has set it
    from privacymesh.detect.lexicon import CACHE_ENV

    folder = tempfile.mkdtemp(prefix="privacymesh-test-cache-")
    os.environ[CACHE_ENV] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


HERE = Path(__file__).parent
REPO = HERE.parent
CONTRACTS = HERE / "catalog" / "contracts"


# `make test` runs pytest on two workers (`-n 2`). A worker takes one group of tests at a time:
# a module (a notebook) by default, so a module's fixtures are built once and a notebook's cells
# run in order in one kernel; the tests that share something costly to start (the Spark JVM, the
# PostgreSQL cluster and S3 server of the source tests, the recorded runs of the packs, dashboard
# and history tests, the checks' sample run) form one group across modules, so only one worker
# starts it. The group is found from the test's path, the only thing xdist's controller sees
# (and pytest 9.2 ignores xdist_group's node-id suffix). First match wins.
WORKER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("spark", ("tests/engine_spark/", "tests/sources/test_postgres_spark.py",
               "tests/sources/test_lake_spark.py")),
    ("sources", ("tests/sources/", "tests/catalog/test_odcs_examples.py",
                 "tests/catalog/test_real_world_contracts.py")),
    ("recorded_runs", ("tests/packs/", "tests/dashboard/", "tests/views/test_history.py")),
    ("checks_sample", ("tests/runner/test_sample_findings.py", "tests/checks/test_sample_")),
)  # fmt: skip


def worker_group(nodeid: str) -> str:
    """The group of the test `nodeid`: a shared resource's, else its module's."""
    module = nodeid.split("::", 1)[0]
    for group, prefixes in WORKER_GROUPS:
        if module.startswith(prefixes):
            return group
    return module


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """xdist's scope scheduling, with `worker_group` as the scope."""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_group(nodeid)

    return GroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, queue the long groups first (Spark, then any group holding a test
    marked slow, or a notebook), so that no worker starts one near the end: the controller hands
    out groups in the order the workers collected them (`--no-loadscope-reorder`)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    groups = {id(item): worker_group(item.nodeid) for item in items}
    long = {
        groups[id(item)]
        for item in items
        if item.get_closest_marker("slow") or item.path.suffix == ".ipynb"
    }

    def rank(item: pytest.Item) -> int:
        group = groups[id(item)]
        return 0 if group == "spark" else 1 if group in long else 2

    items.sort(key=rank)  # stable: collection order within a rank


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


@pytest.fixture(scope="session")
def generated_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample mesh at scale 0.05, seed 42, generated once per session (per xdist worker).
    Never written to: a fixture that needs the sample copies it (a copy takes a fraction of a
    second, a generation several seconds)."""
    from privacymesh.sample import generate

    root = tmp_path_factory.mktemp("generated_sample") / "sample"
    generate(root, scale=0.05, seed=42)
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
def history_ws(tmp_path_factory: pytest.TempPathFactory, generated_sample: Path) -> Workspace:
    """A scale-0.05 sample mesh whose ledger holds the twelve weekly runs of the sample's
    history (2026-08-16 to the pinned 2026-11-01), built once per session."""
    import json

    from privacymesh.sample.history import record_history

    root = tmp_path_factory.mktemp("history")
    shutil.copytree(generated_sample, root / "sample")
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
