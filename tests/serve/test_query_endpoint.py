"""The governed query endpoint over real sockets with psycopg 3: masked answers equal the
governed library's, refusals are ErrorResponses with a SQLSTATE and audited denials, and bad,
expired or missing tokens never reach the data."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psycopg
import pytest

from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.principals import Principal
from privacymesh.platform.query import GovernedSession
from privacymesh.serve.auth import auth_settings
from privacymesh.serve.query_endpoint import QueryEndpoint, governed_endpoint, role_and_purpose
from privacymesh.serve.tokens import issue, keygen
from privacymesh.workspace import Workspace, load_workspace

REPO = Path(__file__).resolve().parents[2]

ROLE, PURPOSE = "identity_analyst", "account_management"
USERS = 'SELECT * FROM "identity"."users" ORDER BY user_id'


@dataclass
class Endpoint:
    ws: Workspace
    endpoint: QueryEndpoint

    def token(self, sub: str = "ana", groups: list[str] | None = None, **kw) -> str:
        groups = ["grp-identity"] if groups is None else groups
        return issue(auth_settings(self.ws), self.ws.evidence / "token-signing.pem", sub,
                     groups=groups, **kw)  # fmt: skip

    def connect(self, token: str | None = None, role: str = ROLE, purpose: str = PURPOSE,
                **kw) -> psycopg.Connection:  # fmt: skip
        options = f"-c privacymesh.role={role} -c privacymesh.purpose={purpose}"
        return psycopg.connect(
            host="127.0.0.1", port=self.endpoint.port, user="typed-name", dbname="privacymesh",
            password=token or self.token(), options=options, connect_timeout=60,
            **({"autocommit": True} | kw),
        )  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workspace(root: Path, sample: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "privacymesh.toml").write_text(
        'name = "query endpoint test"\n[paths]\n'
        f'catalog = "{sample / "contracts"}"\nplatform = "{sample / "platform"}"\n'
        f'checks = "{REPO / "checks"}"\nevidence = "{root / "evidence"}"\nsample = "{sample}"\n'
        '[run]\nas_of = "2026-11-01T00:00:00"\n'
        '[auth]\nissuer = "https://id.test"\naudience = "privacymesh"\nleeway = 0\n'
        'jwks = "evidence/jwks.json"\n[auth.groups]\n"grp-identity" = ["identity_analyst"]\n'
    )
    keygen(root / "evidence" / "token-signing.pem", root / "evidence" / "jwks.json")
    return load_workspace(root)


@pytest.fixture(scope="module")
def served_pg(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    root = tmp_path_factory.mktemp("pg")
    sample = root / "sample"
    shutil.copytree(pristine, sample)
    ws = _workspace(root / "ws", sample)
    endpoint = governed_endpoint(ws, port=0).start()
    yield Endpoint(ws, endpoint)
    endpoint.stop()


def _governed(ws: Workspace, sql: str) -> pl.DataFrame:
    with GovernedSession(ws, principal=Principal("tester", None, "test")) as gov:
        return gov.sql(sql, ROLE, PURPOSE).frame


def _raw(ws: Workspace) -> pl.DataFrame:
    return pl.read_parquet(ws.sample / "products" / "identity" / "users.parquet")


def test_masked_answers_equal_the_governed_boundary(served_pg: Endpoint) -> None:
    with served_pg.connect() as con:
        cur = con.execute(USERS)
        names = [d.name for d in cur.description]
        rows = cur.fetchall()
    expected = _governed(served_pg.ws, USERS)
    assert names == expected.columns
    assert len(rows) == expected.height > 0
    got = pl.DataFrame(rows, schema=names, orient="row")
    for name in ("user_id", "email", "full_name", "gender", "country"):
        assert got[name].to_list() == expected[name].cast(pl.String).to_list()
    raw = _raw(served_pg.ws).sort("user_id")
    assert not set(got["email"]) & set(raw["email"])  # no raw email crosses the wire
    assert set(got["gender"]) == {"[REDACTED]"}
    assert len(got["user_id"][0]) == 16 and not set(got["user_id"]) & set(raw["user_id"])
    log = audit_sdk.open_log(served_pg.ws)
    allowed = log.query(actor="ana", decision="allow", product="identity.users")
    log.close()
    last = allowed.row(-1, named=True)  # the verified token's sub, not the startup user name
    assert (last["role"], last["purpose"], last["rows"]) == (ROLE, PURPOSE, expected.height)


def test_parameters_and_aggregates(served_pg: Endpoint) -> None:
    with served_pg.connect() as con:
        n = con.execute(
            'SELECT count(*) AS n FROM "identity"."users" WHERE country = %s', ["DE"]
        ).fetchone()[0]
        first = con.execute(
            'SELECT country, count(*) AS n FROM "identity"."users" GROUP BY 1 ORDER BY 2 DESC, 1 '
            "LIMIT %s",
            [1],
        ).fetchall()
        # psycopg prepares a statement run often (Parse once, then Bind/Describe/Execute)
        counts = [
            con.execute(
                'SELECT count(*) FROM "identity"."users" WHERE country = %s', [c]
            ).fetchone()[0]
            for c in ["DE"] * 7
        ]
    assert counts == [n] * 7
    raw = _raw(served_pg.ws)
    expected = _governed(served_pg.ws, 'SELECT * FROM "identity"."users"')
    assert n == expected.filter(pl.col("country") == "DE").height
    top = expected.group_by("country").len().sort(["len", "country"], descending=[True, False])
    assert first == [(top["country"][0], top["len"][0])]
    assert raw.height >= expected.height


def test_refused_relation_is_an_error_and_audited(served_pg: Endpoint) -> None:
    log = audit_sdk.open_log(served_pg.ws)
    before = log.query(actor="mallory", decision="deny").height
    with served_pg.connect(served_pg.token("mallory")) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="may not read"):
            con.execute('SELECT * FROM "payments"."transactions"')
        with pytest.raises(psycopg.errors.SyntaxErrorOrAccessRuleViolation, match="table function"):
            con.execute("SELECT * FROM read_parquet('/etc/passwd')")
        with pytest.raises(psycopg.errors.UndefinedTable):
            con.execute('SELECT * FROM "identity"."nope"')
        assert con.execute("SELECT 1 AS one").fetchone() == (1,)  # the connection still works
    denied = log.query(actor="mallory", decision="deny")
    assert denied.height == before + 3
    assert "payments.transactions" in denied["product"].to_list()
    log.close()


def test_bad_tokens_and_roles_are_refused(served_pg: Endpoint) -> None:
    ep = served_pg
    with pytest.raises(psycopg.OperationalError, match="signature does not verify"):
        forged = ep.token()
        ep.connect(forged[:-4] + ("AAAA" if not forged.endswith("AAAA") else "BBBB"))
    with pytest.raises(psycopg.OperationalError, match=r"(?s)not a JWT.*password is a bearer JWT"):
        ep.connect("hunter2")
    with pytest.raises(psycopg.OperationalError, match="expired"):
        ep.connect(ep.token(ttl=-120))
    with pytest.raises(psycopg.OperationalError, match="another audience"):
        ep.connect(ep.token(audience="elsewhere"))
    with pytest.raises(psycopg.OperationalError, match="may not act as role 'payments_analyst'"):
        ep.connect(role="payments_analyst", purpose="fraud_prevention")
    with pytest.raises(psycopg.OperationalError, match="may not act as role"):
        ep.connect(ep.token("nobody", groups=[]))
    log = audit_sdk.open_log(ep.ws)
    refusals = log.query(action="query.connect", decision="deny")
    log.close()
    assert refusals.height >= 6


def test_token_expiring_mid_session_stops_queries(served_pg: Endpoint) -> None:
    with served_pg.connect(served_pg.token(ttl=2)) as con:
        assert con.execute('SELECT count(*) FROM "identity"."users"').fetchone()[0] > 0
        time.sleep(2.5 + auth_settings(served_pg.ws).leeway)
        with pytest.raises(psycopg.errors.InvalidPassword, match="expired"):
            con.execute('SELECT count(*) FROM "identity"."users"')


def test_transactions_and_psql_style_simple_queries(served_pg: Endpoint) -> None:
    with served_pg.connect(autocommit=False) as con:  # psycopg sends BEGIN first
        assert con.execute('SELECT count(*) FROM "identity"."users"').fetchone()[0] > 0
        con.commit()
        cur = con.cursor()
        cur.execute("SELECT 1 AS a, 'x' AS b, NULL::INT AS c, 1.5::DOUBLE AS d", prepare=False)
        assert cur.fetchall() == [(1, "x", None, 1.5)]


def test_role_and_purpose_from_startup_parameters() -> None:
    opts = {"options": "-c privacymesh.role=a_b -c privacymesh.purpose=c", "database": "x"}
    assert role_and_purpose(opts) == ("a_b", "c")
    assert role_and_purpose({"options": "--privacymesh.role=r", "database": "r2.p"}) == ("r", None)
    assert role_and_purpose({"database": "growth_analyst.analytics"}) == (
        "growth_analyst",
        "analytics",
    )
    assert role_and_purpose({"database": "privacymesh"}) == (None, None)


def test_serve_command_starts_the_endpoint(served_pg: Endpoint) -> None:
    http, pg = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "privacymesh", "-w", str(served_pg.ws.root), "serve",
           "--port", str(http), "--pg-port", str(pg), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            try:
                with psycopg.connect(
                    host="127.0.0.1", port=pg, user="x", password=served_pg.token(),
                    dbname=f"{ROLE}.{PURPOSE}", autocommit=True, connect_timeout=5,
                ) as con:  # fmt: skip
                    n = con.execute('SELECT count(*) FROM "identity"."users"').fetchone()[0]
                break
            except psycopg.OperationalError:
                assert time.monotonic() < deadline, "endpoint not ready"
                time.sleep(0.3)
        assert n == _governed(served_pg.ws, USERS).height
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_failed_sign_ins_are_limited_per_address(served_pg: Endpoint) -> None:
    from privacymesh.serve.auth_limit import FailedAuthLimit

    backend = served_pg.endpoint.backend
    now = [1000.0]
    kept, backend.auth_limit = backend.auth_limit, FailedAuthLimit(2, 60, clock=lambda: now[0])
    log = audit_sdk.open_log(served_pg.ws)
    before = log.query(action="query.connect", decision="deny").height
    try:
        for _ in range(2):
            with pytest.raises(psycopg.OperationalError, match="not a JWT"):
                served_pg.connect("hunter2")
        for token in ("hunter2", "hunter3", served_pg.token()):  # a valid token waits too
            with pytest.raises(psycopg.OperationalError, match="too many failed") as caught:
                served_pg.connect(token)
            assert "retry after 60 s" in str(caught.value)
        now[0] += 60  # the window is over
        with served_pg.connect() as con:
            assert con.execute('SELECT count(*) FROM "identity"."users"').fetchone()[0] > 0
    finally:
        backend.auth_limit = kept
    reasons = log.query(action="query.connect", decision="deny")["detail"].to_list()[before:]
    log.close()
    # two refused tokens, then one record for the window's three refusals
    assert [json.loads(r)["reason"] for r in reasons] == [
        "not a JWT", "not a JWT", "too many failed authentications",
    ]  # fmt: skip
