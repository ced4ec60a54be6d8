"""Data and workspaces of the lake connector tests: the shop's orders as Arrow, its contract
pointed at another server, and a workspace with `[sources.*]` tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import yaml
from lake_servers import S3Server

GOOD = Path(__file__).parents[1] / "catalog" / "contracts" / "good"
# the shop's orders again, where `lake_workspace` (lake_fixtures.py) puts them
LAKE = ("shop.orders_s3", "shop.orders_delta", "shop.orders_iceberg")


def orders_table() -> pa.Table:
    """The shop's five orders (tests/conftest.py writes the same as Parquet)."""
    return pa.table(
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
            "ordered_at": pa.array(
                [datetime(2026, 1, d) for d in (1, 1, 2, 3, 3)], pa.timestamp("us")
            ),
        }
    )


def write_orders_contract(folder: Path, server: dict, name: str = "orders") -> Path:
    """The good shop orders contract with its servers replaced (and the product renamed)."""
    data = yaml.safe_load((GOOD / "shop.orders.odcs.yaml").read_text())
    data["servers"] = [server]
    data["id"] = f"shop.{name}"
    data["name"] = data["dataProduct"] = name
    data["schema"][0]["name"] = data["schema"][0]["physicalName"] = name
    for sla in data["slaProperties"]:  # the retention element names the object
        sla["element"] = sla["element"].replace("orders.", f"{name}.")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"shop.{name}.odcs.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def write_workspace(root: Path, sources: str) -> Path:
    """A workspace over `root/contracts` with the given `[sources.*]` tables (TOML text)."""
    (root / "contracts").mkdir(parents=True, exist_ok=True)
    (root / "privacymesh.toml").write_text(
        'name = "lake"\n[paths]\ncatalog = "contracts"\n[engine]\nkind = "duckdb"\n'
        '[run]\nas_of = "2026-06-01T00:00:00"\n' + sources
    )
    return root


def s3_source(server: S3Server, name: str = "lake", prefix: str = "PM_TEST_S3") -> str:
    """A `[sources.NAME]` table for the test server, its keys named by environment variables."""
    return (
        f'[sources.{name}]\ntype = "s3"\nendpoint = "{server.endpoint}"\n'
        f'region = "{server.region}"\naccess_key_id_env = "{prefix}_KEY_ID"\n'
        f'secret_access_key_env = "{prefix}_SECRET"\nunsafe_rename = true\n'
    )
