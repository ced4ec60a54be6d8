"""Spark Connect's error names the client package that is missing and the extra that has it."""

from __future__ import annotations

import socket
import sys

import pytest

pytest.importorskip("pyspark")

from privacymesh.engine.spark_engine import connect_session
from privacymesh.errors import WorkspaceError


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_missing_connect_client_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # a None entry makes `import grpc` fail as it does where grpcio is not installed
    for name in [m for m in sys.modules if m == "grpc" or m.startswith("grpc.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "grpc", None)
    # on an xdist worker __main__ is execnet's `-c` bootstrap, with no spec and no file, which
    # pyspark's connect package takes for its own doctest run: it would exit, not raise
    monkeypatch.setattr(sys.modules["__main__"], "__file__", "privacymesh", raising=False)
    with pytest.raises(WorkspaceError) as info:
        connect_session(f"sc://127.0.0.1:{_free_port()}")
    assert "client package that is missing" in str(info.value)
    assert "grpcio" in str(info.value)
    assert "pyspark[connect]" in (info.value.hint or "")
