"""Object storage over the S3 protocol: the file system of a `[sources.NAME]` table, and the
objects a contract's `location` names.

A source's settings (never the contract) say where the service is and how to sign in:
`endpoint` (an S3-compatible service; AWS when absent), `region`, and the keys by reference,
`access_key_id_env`/`_file` and `secret_access_key_env`/`_file` (optionally
`session_token_env`/`_file`); `anonymous = true` reads a public bucket. A contract's own
`endpointUrl` is never used: it must not redirect signed requests elsewhere. A source may
name a `location` (`s3://bucket/prefix/`) that its contracts' locations must lie under.
"""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pyarrow.fs as pafs

from privacymesh.sources.settings import resolve_secret, scrub, setting

if TYPE_CHECKING:
    from privacymesh.sources.base import Connector

GLOB_CHARS = "*?["


@dataclass(frozen=True)
class S3Location:
    """`s3://bucket/key-or-glob` split: `prefix` is the part before the first wildcard."""

    url: str
    bucket: str
    key: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parsed = urlparse(url)
        if parsed.scheme not in ("s3", "s3a") or not parsed.netloc:
            raise ValueError(f"{url!r} is not an s3://bucket/path location")
        return cls(url, parsed.netloc, parsed.path.lstrip("/"))

    @property
    def path(self) -> str:
        """The location as pyarrow's S3 file system names it (`bucket/key`)."""
        return f"{self.bucket}/{self.key}".rstrip("/")

    @property
    def has_glob(self) -> bool:
        return any(ch in self.key for ch in GLOB_CHARS)

    @property
    def prefix(self) -> str:
        cut = min((self.key.find(ch) for ch in GLOB_CHARS if ch in self.key), default=-1)
        key = self.key if cut < 0 else self.key[:cut].rsplit("/", 1)[0]
        return f"{self.bucket}/{key}".rstrip("/")


@dataclass(frozen=True)
class S3Access:
    """How to reach one source's bucket: endpoint, region and the resolved keys."""

    endpoint: str | None
    region: str
    access_key: str | None
    secret_key: str | None
    session_token: str | None = None
    anonymous: bool = False
    unsafe_rename: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.secret_key, self.session_token) if s)

    def filesystem(self) -> pafs.S3FileSystem:
        """pyarrow's S3 file system for this source."""
        options: dict[str, Any] = {"region": self.region, "anonymous": self.anonymous}
        if self.endpoint:
            parsed = urlparse(self.endpoint)
            options["endpoint_override"] = parsed.netloc or parsed.path
            options["scheme"] = parsed.scheme or "https"
        if not self.anonymous and self.access_key:
            options.update(
                access_key=self.access_key,
                secret_key=self.secret_key,
                session_token=self.session_token,
            )
        return pafs.S3FileSystem(**options)

    def storage_options(self) -> dict[str, str]:
        """The same access as object_store (delta-rs) storage options."""
        options = {"AWS_REGION": self.region}
        if self.endpoint:
            options["AWS_ENDPOINT_URL"] = self.endpoint
            if self.endpoint.startswith("http://"):
                options["AWS_ALLOW_HTTP"] = "true"
        if self.anonymous:
            options["AWS_SKIP_SIGNATURE"] = "true"
        elif self.access_key:
            options["AWS_ACCESS_KEY_ID"] = self.access_key
            options["AWS_SECRET_ACCESS_KEY"] = self.secret_key or ""
            if self.session_token:
                options["AWS_SESSION_TOKEN"] = self.session_token
        # delta-rs commits to S3 with a conditional put where the service has one; a
        # service without it (older MinIO, moto) needs the plain rename, safe for one writer
        if self.unsafe_rename:
            options["AWS_S3_ALLOW_UNSAFE_RENAME"] = "true"
        return options

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = scrub(text, secret)
        return text


def s3_access(connector: Connector) -> S3Access:
    """The access of a connector's source, secrets resolved (a `SourceError` names the source
    when a variable or file is missing). A server whose name the workspace does not declare is
    refused: the machine's own credentials would otherwise read whatever bucket a contract
    names."""
    settings = connector.settings
    if settings is None:
        raise connector.fail(
            "the workspace declares no source of this name",
            "add [sources.NAME] (endpoint, region, keys) to privacymesh.toml",
        )
    endpoint = setting(settings, "endpoint", None)
    anonymous = bool(setting(settings, "anonymous", False))
    signed = not anonymous

    def secret(key: str) -> str | None:
        return resolve_secret(settings, key) if signed else None

    return S3Access(
        endpoint=str(endpoint) if endpoint else None,
        region=str(setting(settings, "region", "us-east-1")),
        access_key=secret("access_key_id"),
        secret_key=secret("secret_access_key"),
        session_token=secret("session_token"),
        anonymous=anonymous,
        unsafe_rename=bool(setting(settings, "unsafe_rename", False)),
    )


def list_objects(fs: pafs.FileSystem, location: S3Location) -> list[pafs.FileInfo]:
    """The objects a location names, sorted by key: the one object, every object under a
    folder, or every object a glob matches (`*` also crosses `/`). A missing bucket raises
    FileNotFoundError, refused credentials OSError."""
    if not location.has_glob:
        info = fs.get_file_info(location.path)
        if info.type == pafs.FileType.File:
            return [info]
        if info.type == pafs.FileType.NotFound and not _bucket_exists(fs, location.bucket):
            raise FileNotFoundError(f"bucket {location.bucket!r} does not exist")
        infos = fs.get_file_info(pafs.FileSelector(location.path, recursive=True))
        pattern = None
    else:
        infos = fs.get_file_info(pafs.FileSelector(location.prefix, recursive=True))
        pattern = location.path
    files = [
        i
        for i in infos
        if i.type == pafs.FileType.File
        and not i.base_name.startswith((".", "_"))  # temporary and marker objects
        and (pattern is None or fnmatch.fnmatchcase(i.path, pattern))
    ]
    return sorted(files, key=lambda i: i.path)


def _bucket_exists(fs: pafs.FileSystem, bucket: str) -> bool:
    return fs.get_file_info(bucket).type != pafs.FileType.NotFound


def objects_version(files: list[pafs.FileInfo]) -> str:
    """A short digest of which objects there are and their size and modification time: it
    changes whenever an object is written, added or removed."""
    digest = hashlib.sha256()
    for i in files:
        mtime = i.mtime_ns if i.mtime_ns is not None else -1
        digest.update(f"{i.path}\0{i.size}\0{mtime}\n".encode())
    return digest.hexdigest()[:16]


def confine_location(connector: Connector, location: S3Location) -> S3Location:
    """The location, when it lies under the source's `location` (`s3://bucket/prefix/`), if
    the source names one: the source's keys then read only there, whatever a contract says."""
    allowed = connector.settings.get("location") if connector.settings else None
    if not allowed:
        return location
    prefix = S3Location.parse(str(allowed))
    root = prefix.path.rstrip("/") + "/"
    if location.path != prefix.path.rstrip("/") and not location.path.startswith(root):
        raise connector.fail(f"{location.url} is outside the source's location {allowed}")
    return location
