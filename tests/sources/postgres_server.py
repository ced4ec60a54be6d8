"""A real PostgreSQL server for tests: Debian's binaries, initdb into a temporary folder, a free
port on 127.0.0.1, password (scram) authentication. As root (CI, containers) the server runs as
the `postgres` system user, since initdb refuses root."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ADMIN = "pm_admin"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, None when there is none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4])
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One throw-away cluster. `start`/`stop` may be called again (the fault tests stop it)."""

    def __init__(self, bindir: Path, password: str) -> None:
        self.bindir = bindir
        self.password = password
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pm-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user: str | None = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.root.chmod(0o700)
        pwfile = self.root / "pw"
        pwfile.write_text(password)
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            ADMIN,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-sync",
        )
        pwfile.unlink()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c log_statement=all"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def uri(self, database: str = "postgres") -> str:
        return f"postgresql://{ADMIN}:{self.password}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str, database: str = "postgres") -> None:
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.uri(database), autocommit=True) as con, con.cursor() as cur:
            for sql in statements:
                cur.execute(sql)

    def load(self, table: str, data: pa.Table, database: str = "postgres") -> None:
        """Create `table` (schema.name) from an Arrow table (replacing it)."""
        import adbc_driver_postgresql.dbapi as pg

        with pg.connect(self.uri(database)) as con, con.cursor() as cur:
            schema, _, name = table.rpartition(".")
            cur.adbc_ingest(name, data, mode="replace", db_schema_name=schema or None)
            con.commit()

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


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
