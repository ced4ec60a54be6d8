"""Fixtures of the lake connectors: a real S3-protocol server (one per session), a fresh bucket
per test, and the server's keys in the environment."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from lake_servers import S3Server, running_s3_server


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
