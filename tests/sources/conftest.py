"""A real PostgreSQL for the source tests, started once per session."""

from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from postgres_server import (
    PASSWORD_ENV,
    PostgresServer,
    move_orders_to_postgres,
    postgres_bin,
    remove_abandoned_clusters,
)


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
    remove_abandoned_clusters(bindir)  # left running by a pytest killed before its teardown
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
