"""A real PostgreSQL server for tests: Debian's binaries, initdb into a temporary folder, a free
port on 127.0.0.1, password (scram) authentication. As root (CI, containers) the server runs as
the `postgres` system user, since initdb refuses root.

pg_ctl detaches the server, so a pytest killed before its teardown leaves it running; each
cluster's folder therefore names the process that made it, and the next session stops and
deletes the clusters whose maker is gone (`remove_abandoned_clusters`)."""

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
PREFIX = "pm-pg-"
OWNER_FILE = "owner.pid"  # the id of the process that made the cluster


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


def server_user() -> str | None:
    """The user the server runs as: `postgres` as root, else the current user (None)."""
    return "postgres" if os.geteuid() == 0 else None


def run_tool(bindir: Path, tool: str, *args: str) -> None:
    """Run one of PostgreSQL's programs as the server's user."""
    cmd = [str(bindir / tool), *args]
    user = server_user()
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def running(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, ended but not yet reaped, does not)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def remove_abandoned_clusters(bindir: Path) -> list[Path]:
    """Stop and delete every cluster whose making process has ended; returns their folders. A
    folder naming no maker (being made, or by an older fixture) is left alone, and so is one
    whose maker runs: another session's live cluster."""
    removed = []
    for root in sorted(Path(tempfile.gettempdir()).glob(f"{PREFIX}*")):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if running(owner):
            continue
        data = root / "data"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):  # the server is already gone
                run_tool(bindir, "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
        removed.append(root)
    return removed


class PostgresServer:
    """One throw-away cluster. `start`/`stop` may be called again (the fault tests stop it)."""

    def __init__(self, bindir: Path, password: str) -> None:
        self.bindir = bindir
        self.password = password
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / OWNER_FILE).write_text(str(os.getpid()))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user = server_user()
        if self.user:
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
        run_tool(self.bindir, tool, *args)

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
