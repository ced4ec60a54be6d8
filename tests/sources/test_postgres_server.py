"""The fixture's server is real (SQL over TCP with a password), and what its driver sends is
made plain Arrow: PostgreSQL's NUMERIC arrives as text and must be read as a number."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from postgres_server import PostgresServer, remove_abandoned_clusters, running

from privacymesh.sources.postgres import plain_arrow

pg = pytest.importorskip(
    "adbc_driver_postgresql.dbapi", reason="pip install 'privacymesh[postgres]'"
)


def test_numeric_results_are_numbers(postgres) -> None:
    postgres.execute("CREATE SCHEMA IF NOT EXISTS probe")
    postgres.load("probe.t", pa.table({"a": [1, 2, 3]}))
    with pg.connect(postgres.uri()) as con, con.cursor() as cur:
        cur.execute("SELECT sum(a) AS s, avg(a) AS m, 2.50::numeric(5, 2) AS d FROM probe.t")
        raw = cur.fetch_arrow_table()
    assert raw.column("s").to_pylist() == ["6"]  # the driver's text
    plain = plain_arrow(raw)
    assert plain.to_pylist() == [{"s": 6.0, "m": 2.0, "d": Decimal("2.50")}]
    assert plain.schema.field("d").type == pa.decimal128(5, 2)


# a session that starts its cluster and is killed before its teardown
ABANDONING_SESSION = """
import sys
sys.path.insert(0, sys.argv[1])
from postgres_server import PostgresServer, postgres_bin
server = PostgresServer(postgres_bin(), "pw-abandoned")
server.start()
print(server.root, flush=True)
sys.stdin.read()
"""


def test_a_cluster_left_by_a_killed_session_is_removed_by_the_next(
    postgres: PostgresServer,
) -> None:
    session = subprocess.Popen(
        [sys.executable, "-c", ABANDONING_SESSION, str(Path(__file__).parent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert session.stdout is not None
    root = Path(session.stdout.readline().strip())  # its cluster runs
    session.kill()
    session.wait()
    server = int((root / "data" / "postmaster.pid").read_text().split()[0])
    assert running(server)  # pg_ctl detached it: it outlives the session
    removed = remove_abandoned_clusters(postgres.bindir)
    assert root in removed and not root.exists()
    assert not running(server)
    # this session's own cluster runs on
    assert postgres.root not in removed
    postgres.execute("SELECT 1")
