"""Fixtures of the lake connectors (conftest.py imports them): a real S3-protocol server (one
per session), a fresh bucket per test, the server's keys in the environment, and the shop
workspace with its orders also on S3, in Delta and in Iceberg."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import deltalake
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from lake_data import s3_source, write_orders_contract
from lake_servers import S3Server, running_s3_server
from pyiceberg.catalog.sql import SqlCatalog


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    name = f"mesh-{secrets.token_hex(4)}"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """The server, with its keys in the variables `lake_data.s3_source` names."""
    for key, value in s3_server.env().items():
        monkeypatch.setenv(key, value)
    return s3_server


ICEBERG_SOURCE = (
    '[sources.lakehouse]\ntype = "iceberg"\ncatalog_db = "lake/catalog.db"\n'
    'warehouse = "lake/warehouse"\n'
)


@pytest.fixture
def lake_workspace(shop_workspace: Path, s3_env: S3Server, bucket: str) -> Path:
    """The shop workspace plus the same orders three more times: as Parquet objects on S3
    (`shop.orders_s3`), as a local Delta table (`shop.orders_delta`) and as an Iceberg table
    (`shop.orders_iceberg`)."""
    root = shop_workspace
    orders = pq.read_table(root / "data" / "orders.parquet")
    fs = pafs.S3FileSystem(
        access_key=s3_env.access_key,
        secret_key=s3_env.secret_key,
        endpoint_override=s3_env.endpoint.removeprefix("http://"),
        scheme="http",
    )
    pq.write_table(orders, f"{bucket}/orders/part-0.parquet", filesystem=fs)
    deltalake.write_deltalake(str(root / "lake" / "orders"), orders)
    (root / "lake" / "warehouse").mkdir()
    catalog = SqlCatalog(
        "lakehouse",
        uri=f"sqlite:///{root / 'lake' / 'catalog.db'}",
        warehouse=(root / "lake" / "warehouse").as_uri(),
    )
    catalog.create_namespace("shop")
    catalog.create_table("shop.orders_iceberg", schema=orders.schema).append(orders)
    contracts = root / "contracts"
    s3 = {"server": "lake", "type": "s3", "location": f"s3://{bucket}/orders/*.parquet"}
    write_orders_contract(contracts, {**s3, "format": "parquet"}, "orders_s3")
    delta = {"server": "local", "type": "local", "path": "../lake/orders", "format": "delta"}
    write_orders_contract(contracts, delta, "orders_delta")
    iceberg = {"server": "lakehouse", "type": "custom", "format": "iceberg", "schema": "shop"}
    write_orders_contract(contracts, iceberg, "orders_iceberg")
    with (root / "privacymesh.toml").open("a") as f:
        f.write(s3_source(s3_env) + ICEBERG_SOURCE)
    return root
