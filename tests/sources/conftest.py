"""A real PostgreSQL for the source tests, started once per session."""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from postgres_server import PostgresServer, postgres_bin


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A running server on 127.0.0.1. Without PostgreSQL or the ADBC driver the tests are
    skipped on a developer's machine, with the reason; in CI (`CI` set) that is a failure."""
    missing = None
    if importlib.util.find_spec("adbc_driver_postgresql") is None:
        missing = "no ADBC PostgreSQL driver (pip install 'privacymesh[postgres]')"
    elif postgres_bin() is None:
        missing = "PostgreSQL is not installed (apt-get install postgresql)"
    elif os.geteuid() == 0 and not _has_user("postgres"):
        missing = "as root, the server runs as the `postgres` user, and there is none"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    bindir = postgres_bin()
    assert bindir is not None
    server = PostgresServer(bindir, "pw-" + secrets.token_hex(12))
    server.start()
    try:
        yield server
    finally:
        server.remove()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


PASSWORD_ENV = "PM_TEST_PG_PASSWORD"


def pg_source(postgres: PostgresServer, name: str = "shop_pg", **extra: object) -> str:
    """A `[sources.NAME]` table for the test server (the password by environment variable)."""
    lines = [
        f"[sources.{name}]",
        'type = "postgres"',
        'host = "127.0.0.1"',
        f"port = {postgres.port}",
        'database = "postgres"',
        'user = "pm_admin"',
        *(f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()),
    ]
    if not any(k.startswith("password") for k in extra):
        lines.append(f'password_env = "{PASSWORD_ENV}"')
    return "\n".join(lines) + "\n"


def move_orders_to_postgres(
    workspace: Path, postgres: PostgresServer, schema: str, name: str = "shop_pg"
) -> None:
    """The shop workspace with `shop.orders` served from PostgreSQL (`<schema>.orders`), the
    contract naming the source; the Parquet file stays beside it for comparison."""
    orders = pq.read_table(workspace / "data" / "orders.parquet")
    postgres.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    postgres.load(f"{schema}.orders", orders)
    contract = workspace / "contracts" / "shop.orders.odcs.yaml"
    text = contract.read_text()
    local = "  - {server: local, type: local, path: ../data/orders.parquet, format: parquet}"
    assert local in text
    # the contract's host is a placeholder: only the workspace says where the server is
    server = (
        f"  - {{server: {name}, type: postgres, host: pg.example.invalid, port: 5432, "
        f"database: shop, schema: {schema}}}"
    )
    contract.write_text(text.replace(local, server))
    with (workspace / "privacymesh.toml").open("a") as f:
        f.write(pg_source(postgres, name))


@pytest.fixture
def pg_workspace(
    shop_workspace: Path, postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The shop workspace with its orders in PostgreSQL, the password in the environment."""
    schema = "shop_" + secrets.token_hex(4)
    monkeypatch.setenv(PASSWORD_ENV, postgres.password)
    move_orders_to_postgres(shop_workspace, postgres, schema)
    return shop_workspace


# the object storage and lakehouse fixtures (S3 server, buckets, lake workspace)
from lake_fixtures import bucket, lake_workspace, s3_env, s3_server  # noqa: E402, F401
