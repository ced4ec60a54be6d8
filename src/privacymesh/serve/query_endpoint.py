"""The governed query endpoint: PostgreSQL clients (psql, psycopg, BI tools) connect, sign in
with a bearer token (JWT) as their password, and every query they send runs through the governed
boundary (`privacymesh.platform.query`): relations resolved, rights checked, consent filtered,
fields masked, access audited with the verified principal.

    psql "host=127.0.0.1 port=5433 user=ana dbname=privacymesh \
          options='-c privacymesh.role=identity_analyst -c privacymesh.purpose=account_management'"
    (PGPASSWORD=<jwt>)

The role and purpose are startup parameters (`-c privacymesh.role=... -c privacymesh.purpose=...`
in `options`), or, for tools that cannot set options, the database name `<role>.<purpose>`.
The user name is not trusted: the token's `sub` is who is asking. The token is checked again on
every query (a cached verification), so an expired or revoked token stops working mid-session.
Refusals are ErrorResponses with a SQLSTATE (28P01 bad token, 28000 role not granted, 42501
access denied, 42P01 unknown product, 42000 refused query) and are in the audit log as denials.

The protocol runs on asyncio; each query runs on a worker thread (the governed session is
thread-safe), so a slow query does not hold up other connections.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import shlex
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from privacymesh.errors import ContractError, PrivacyMeshError, SourceError
from privacymesh.platform import audit as audit_sdk
from privacymesh.platform.errors import AccessDenied, QueryError
from privacymesh.platform.principals import Principal, require_role
from privacymesh.platform.query import GovernedSession
from privacymesh.serve import pgwire as wire
from privacymesh.serve.auth import InvalidToken, TokenVerifier, auth_settings
from privacymesh.serve.auth_limit import FailedAuthLimit, TooManyFailures
from privacymesh.serve.settings import serve_settings
from privacymesh.workspace import Workspace

DEFAULT_PG_PORT = 5433
log = logging.getLogger("privacymesh.serve.query")

ROLE_SETTING = "privacymesh.role"
PURPOSE_SETTING = "privacymesh.purpose"
_TRANSACTION = re.compile(
    r"\s*(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b[\w\s]*;?\s*\Z", re.IGNORECASE
)
_SESSIONS = 32  # governed sessions kept, one per principal (each holds its roles' data)


class QuerySession(Protocol):
    """What one signed-in connection runs its queries on."""

    def run(self, sql: str) -> pl.DataFrame: ...


class Backend(Protocol):
    """Signs a connection in: its user, password and startup parameters, to a QuerySession
    (or AccessDenied)."""

    def open(
        self, user: str, password: str, params: dict[str, str], peer: str = "unknown"
    ) -> QuerySession: ...

    def close(self) -> None: ...


def role_and_purpose(params: dict[str, str]) -> tuple[str | None, str | None]:
    """The role and purpose of the startup parameters: `-c privacymesh.role=...` in `options`,
    else a database named `<role>.<purpose>`."""
    found: dict[str, str] = {}
    try:
        words = shlex.split(params.get("options", ""))
    except ValueError:
        words = []
    for i, word in enumerate(words):
        setting = None
        if word == "-c" and i + 1 < len(words):
            setting = words[i + 1]
        elif (word.startswith("-c") and len(word) > 2) or word.startswith("--"):
            setting = word[2:]
        if setting and "=" in setting:
            key, _, value = setting.partition("=")
            found[key.strip().lower().replace("-", "_")] = value.strip()
    role, purpose = found.get(ROLE_SETTING), found.get(PURPOSE_SETTING)
    database = params.get("database", "")
    if role is None and database.count(".") == 1:
        role, _, db_purpose = database.partition(".")
        purpose = purpose or db_purpose
    return role or None, purpose or None


@dataclass
class GovernedQuery:
    """A connection's queries: as `role` for `purpose`, on the principal's governed session;
    the token is verified again for every query."""

    backend: GovernedBackend
    token: str
    session: GovernedSession
    role: str
    purpose: str

    def run(self, sql: str) -> pl.DataFrame:
        self.backend.verify(self.token)
        return self.session.sql(sql, self.role, self.purpose).frame


class GovernedBackend:
    """Tokens verified against the workspace's JWKS; one governed session per principal, all
    writing to one audit log."""

    def __init__(self, workspace: Workspace):
        self.ws = workspace
        self.verifier = TokenVerifier(auth_settings(workspace))
        failures = serve_settings(workspace).auth_failures
        self.auth_limit = FailedAuthLimit(failures.limit, failures.window)
        self.audit = audit_sdk.open_log(workspace)
        self._sessions: OrderedDict[tuple[str, frozenset[str] | None], GovernedSession] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        try:
            return self.verifier.verify(token)
        except InvalidToken as exc:
            self.audit.record(
                "anonymous", "query.connect", decision="deny",
                detail={"reason": exc.message, "via": "pgwire"},
            )  # fmt: skip
            raise

    def open(
        self, user: str, password: str, params: dict[str, str], peer: str = "unknown"
    ) -> QuerySession:
        throttled = self.auth_limit.throttled(peer)
        if throttled is not None:  # refused before the token is read; audited once a window
            wait, first = throttled
            if first:
                self.audit.record(
                    "anonymous", "query.connect", decision="deny",
                    detail={"reason": "too many failed authentications", "via": "pgwire"},
                )  # fmt: skip
            raise TooManyFailures(wait)
        try:
            who = self.verify(password)
        except InvalidToken:
            self.auth_limit.failed(peer)
            raise
        role, purpose = role_and_purpose(params)
        if role is None or purpose is None:
            missing = "role" if role is None else "purpose"
            self.audit.record(
                who.name, "query.connect", decision="deny",
                detail={"reason": f"no {missing} given", "via": "pgwire"},
            )  # fmt: skip
            raise AccessDenied(
                f"no {missing} given",
                field=missing,
                hint="connect with options='-c privacymesh.role=<role> "
                "-c privacymesh.purpose=<purpose>' (or dbname=<role>.<purpose>)",
            )
        require_role(who, role, self.audit, action="query.connect", purpose=purpose)
        return GovernedQuery(self, password, self._session(who), role, purpose)

    def _session(self, who: Principal) -> GovernedSession:
        key = (who.name, who.roles)
        with self._lock:
            hit = self._sessions.get(key)
            if hit is not None:
                self._sessions.move_to_end(key)
                return hit
        session = GovernedSession(self.ws, principal=who, audit_log=self.audit)
        with self._lock:
            if key in self._sessions:  # another connection opened it meanwhile
                session.close()
                return self._sessions[key]
            self._sessions[key] = session
            while len(self._sessions) > _SESSIONS:
                # not closed here: connections still holding it keep working; it is freed
                # with the last of them
                self._sessions.popitem(last=False)
            return session

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()
        self.audit.close()


def sqlstate(exc: BaseException, *, signing_in: bool = False) -> str:
    """The SQLSTATE a refusal or failure is reported with."""
    if isinstance(exc, InvalidToken):
        return "28P01"
    if isinstance(exc, TooManyFailures):
        return "08004"  # the server rejected the connection
    if isinstance(exc, AccessDenied):
        return "28000" if signing_in else "42501"
    if isinstance(exc, ContractError):
        return "42P01"
    if isinstance(exc, QueryError):
        return "42000"
    if isinstance(exc, SourceError):
        return "58030"
    return "XX000"


def _error(exc: BaseException, *, fatal: bool = False) -> bytes:
    if isinstance(exc, PrivacyMeshError):
        code = sqlstate(exc, signing_in=fatal)
        hint = exc.hint
        if isinstance(exc, InvalidToken) and hint and "Authorization" in hint:
            hint = "the password is a bearer JWT (`privacymesh token issue` mints one)"
        return wire.error_response(code, exc.message, hint=hint, fatal=fatal)
    if isinstance(exc, wire.ProtocolError):
        return wire.error_response("08P01", str(exc), fatal=fatal)
    return wire.error_response("XX000", "internal error (see the server log)", fatal=fatal)


@dataclass
class _Portal:
    sql: str
    frame: pl.DataFrame | None = None
    sent: bool = False


@dataclass
class _Connection:
    session: QuerySession
    statements: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    portals: dict[str, _Portal] = field(default_factory=dict)
    status: bytes = b"I"  # I idle, T in a transaction, E failed transaction
    skipping: bool = False  # after an error in the extended protocol: skip to Sync


class QueryEndpoint:
    """The PostgreSQL-protocol server over a backend. `start()` runs it on a thread of its own
    (for `privacymesh serve` and tests); `stop()` closes it."""

    def __init__(
        self,
        backend: Backend,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PG_PORT,
        *,
        run_in_thread: bool = True,
    ):
        self.backend = backend
        self.host = host
        self.port = port
        self.run_in_thread = run_in_thread
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> QueryEndpoint:
        self._thread = threading.Thread(target=self._main, name="pg-endpoint", daemon=True)
        self._thread.start()
        self._started.wait(30)
        if self._failure is not None:
            raise self._failure
        return self

    def _main(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._serve, self.host, self.port)
            )
            self.port = int(self._server.sockets[0].getsockname()[1])
        except BaseException as exc:  # reported to start()
            self._failure = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        loop.run_forever()
        loop.close()

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def shut() -> None:
            server.close()
            await server.wait_closed()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shut(), loop)
        if self._thread is not None:
            self._thread.join(10)
        self.backend.close()

    async def _call(self, fn: Callable[..., object], *args: object) -> object:
        if not self.run_in_thread:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    # -- one connection --------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            conn = await self._sign_in(reader, writer)
            if conn is not None:
                await self._loop_messages(conn, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except wire.ProtocolError as exc:
            writer.write(_error(exc, fatal=True))
        except Exception:  # one connection failing never stops the server
            log.exception("query endpoint connection failed")
        finally:
            try:
                await writer.drain()
                writer.close()
            except (ConnectionError, RuntimeError):
                pass

    async def _sign_in(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> _Connection | None:
        while True:
            code, body = await wire.read_startup(reader)
            if code in (wire.SSL_REQUEST, wire.GSSENC_REQUEST):
                writer.write(b"N")  # no TLS here: bind to loopback, or terminate TLS in front
                await writer.drain()
                continue
            if code == wire.CANCEL_REQUEST:
                return None
            break
        if code >> 16 != 3:
            raise wire.ProtocolError("only protocol version 3 is supported")
        params = wire.startup_parameters(body)
        unknown = [k for k in params if k.startswith("_pq_.")]
        if code & 0xFFFF or unknown:
            writer.write(wire.negotiate_version(unknown))
        writer.write(wire.auth_request(3))  # cleartext password: the token
        await writer.drain()
        kind, payload = await wire.read_message(reader)
        if kind != b"p":
            raise wire.ProtocolError("expected a password message")
        password = payload.rstrip(b"\0").decode("utf-8", "replace")
        try:
            peer = writer.get_extra_info("peername")
            session = await self._call(
                self.backend.open,
                params.get("user", ""),
                password,
                params,
                str(peer[0]) if peer else "unknown",
            )
        except PrivacyMeshError as exc:
            writer.write(_error(exc, fatal=True))
            return None
        except Exception as exc:  # the client gets a message; the log gets the trace
            log.exception("query endpoint sign-in failed")
            writer.write(_error(exc, fatal=True))
            return None
        out = [wire.auth_request(0)]
        for name, value in (
            ("server_version", "16.0 (privacymesh)"),
            ("server_encoding", "UTF8"),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("TimeZone", "UTC"),
            ("integer_datetimes", "on"),
            ("standard_conforming_strings", "on"),
            ("IntervalStyle", "postgres"),
            ("is_superuser", "off"),
            ("default_transaction_read_only", "on"),
            ("application_name", params.get("application_name", "")),
        ):
            out.append(wire.parameter_status(name, value))
        out.append(wire.backend_key(os.getpid(), secrets.randbits(31)))
        out.append(wire.ready(b"I"))
        writer.write(b"".join(out))
        await writer.drain()
        return _Connection(session)  # type: ignore[arg-type]

    async def _loop_messages(
        self, conn: _Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            kind, payload = await wire.read_message(reader)
            if kind == b"X":
                return
            if kind == b"Q":
                writer.write(await self._simple(conn, wire.Payload(payload).cstr()))
            elif kind == b"S":
                conn.skipping = False
                writer.write(wire.ready(conn.status))
            elif kind == b"H":
                pass
            elif conn.skipping:
                continue
            else:
                try:
                    writer.write(await self._extended(conn, kind, wire.Payload(payload)))
                except (PrivacyMeshError, wire.ProtocolError) as exc:
                    writer.write(_error(exc))
                    conn.skipping = True
            await writer.drain()

    def _control(self, conn: _Connection, sql: str) -> bytes | None:
        """BEGIN, COMMIT and ROLLBACK are accepted (every query only reads): their tag."""
        match = _TRANSACTION.match(sql)
        if not match:
            return None
        word = match.group(1).upper().split()[0]
        if word in ("BEGIN", "START"):
            conn.status = b"T" if conn.status == b"I" else conn.status
            return wire.command_complete("BEGIN")
        rollback = word in ("ROLLBACK", "ABORT") or conn.status == b"E"
        conn.status = b"I"
        return wire.command_complete("ROLLBACK" if rollback else "COMMIT")

    async def _run(self, conn: _Connection, sql: str) -> pl.DataFrame:
        if conn.status == b"E":
            raise QueryError(
                "current transaction is aborted, commands ignored until end of transaction block",
                field="sql",
            )
        try:
            return await self._call(conn.session.run, sql)  # type: ignore[return-value]
        except PrivacyMeshError:
            if conn.status == b"T":
                conn.status = b"E"
            raise

    async def _simple(self, conn: _Connection, sql: str) -> bytes:
        if not sql.strip().strip(";").strip():
            return wire.EMPTY_QUERY + wire.ready(conn.status)
        control = self._control(conn, sql)
        if control is not None:
            return control + wire.ready(conn.status)
        try:
            frame = await self._run(conn, sql)
        except PrivacyMeshError as exc:
            return _error(exc) + wire.ready(conn.status)
        body = wire.row_description(frame) + wire.data_rows(frame)
        return body + wire.command_complete(f"SELECT {frame.height}") + wire.ready(conn.status)

    async def _extended(self, conn: _Connection, kind: bytes, p: wire.Payload) -> bytes:
        if kind == b"P":
            name, sql = p.cstr(), p.cstr()
            oids = [p.i32() for _ in range(p.i16())]
            conn.statements[name] = (sql, oids)
            return wire.PARSE_COMPLETE
        if kind == b"B":
            return self._bind(conn, p)
        if kind == b"D":
            what, name = p.take(1), p.cstr()
            if what == b"S":
                sql, oids = self._statement(conn, name)
                count = max((int(m) for m in re.findall(r"\$(\d+)", sql)), default=0)
                oids = oids + [wire.TEXT] * (count - len(oids))
                return wire.parameter_description(oids) + wire.NO_DATA
            portal = self._portal(conn, name)
            if _TRANSACTION.match(portal.sql) or not portal.sql.strip().strip(";").strip():
                return wire.NO_DATA
            if portal.frame is None:
                portal.frame = await self._run(conn, portal.sql)
            return wire.row_description(portal.frame)
        if kind == b"E":
            name = p.cstr()
            portal = self._portal(conn, name)
            if not portal.sql.strip().strip(";").strip():
                return wire.EMPTY_QUERY
            control = self._control(conn, portal.sql)
            if control is not None:
                return control
            if portal.frame is None:
                portal.frame = await self._run(conn, portal.sql)
            frame, portal.sent = portal.frame, True
            return wire.data_rows(frame) + wire.command_complete(f"SELECT {frame.height}")
        if kind == b"C":
            what, name = p.take(1), p.cstr()
            (conn.statements if what == b"S" else conn.portals).pop(name, None)
            return wire.CLOSE_COMPLETE
        raise wire.ProtocolError(f"unsupported message {kind!r}")

    def _statement(self, conn: _Connection, name: str) -> tuple[str, list[int]]:
        if name not in conn.statements:
            raise wire.ProtocolError(f"prepared statement {name!r} does not exist")
        return conn.statements[name]

    def _portal(self, conn: _Connection, name: str) -> _Portal:
        if name not in conn.portals:
            raise wire.ProtocolError(f"portal {name!r} does not exist")
        return conn.portals[name]

    def _bind(self, conn: _Connection, p: wire.Payload) -> bytes:
        portal, statement = p.cstr(), p.cstr()
        sql, oids = self._statement(conn, statement)
        formats = [p.i16() for _ in range(p.i16())]
        values: list[wire.Parameter] = []
        count = p.i16()
        for i in range(count):
            length = p.i32()
            raw = None if length == -1 else p.take(length)
            binary = (formats[i] if len(formats) > 1 else (formats[0] if formats else 0)) == 1
            oid = oids[i] if i < len(oids) else 0
            values.append(wire.parameter(oid, raw, binary))
        results = [p.i16() for _ in range(p.i16())]
        if any(results):
            raise wire.ProtocolError("binary results are not supported: request text")
        conn.portals[portal] = _Portal(wire.bind_parameters(sql, values))
        return wire.BIND_COMPLETE


def governed_endpoint(
    workspace: Workspace, host: str = "127.0.0.1", port: int = DEFAULT_PG_PORT
) -> QueryEndpoint:
    """The governed query endpoint of a workspace (not started)."""
    return QueryEndpoint(GovernedBackend(workspace), host, port)
