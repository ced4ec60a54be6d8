"""The workspace: `privacymesh.toml` says where the catalog, evidence and templates live, which
checks run beside the built-in ones and which engine runs them. Found from the current
directory upward."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from privacymesh.content import builtin_folder, is_builtin
from privacymesh.errors import WorkspaceError

WORKSPACE_FILE = "privacymesh.toml"
ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class EngineConfig:
    """Which engine runs checks, and where. `database` is a DuckDB file path or `:memory:`;
    `master` is Spark's master URL (`local[2]`, `spark://...`, `yarn`) or a Spark Connect URL
    (`sc://host:15002`); `spark_conf` holds Spark settings from `[engine.spark_conf]`. `name`
    is the engine, read from the file's `[engine] kind` key."""

    name: str = "duckdb"
    database: str = ":memory:"
    master: str = "local[2]"
    threads: int | None = None
    memory_limit: str | None = None
    spark_conf: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Workspace:
    """A resolved workspace: absolute paths and engine settings. `check_folders` are the
    workspace's own check folders, read after the built-in checks (`privacymesh.checks.catalog`);
    `reports` is the built-in templates folder unless `paths.reports` names another."""

    root: Path
    name: str
    catalog: Path
    platform: Path
    check_folders: tuple[Path, ...]
    evidence: Path
    reports: Path
    sample: Path
    engine: EngineConfig = field(default_factory=EngineConfig)
    settings: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    # ISO 3166-1 alpha-2 codes of the countries the mesh serves (`markets = ["DE", "AT"]`):
    # the detector reads national-format phone numbers as these countries' first
    markets: tuple[str, ...] = ()

    @property
    def file(self) -> Path:
        return self.root / WORKSPACE_FILE

    @property
    def ledger_path(self) -> Path:
        return self.evidence / "ledger.duckdb"

    def section(self, name: str) -> dict[str, Any]:
        """A free-form settings table from the file (e.g. `[consent]`), empty when absent."""
        value = self.settings.get(name, {})
        return value if isinstance(value, dict) else {}


def find_workspace_file(start: Path | None = None) -> Path:
    """The nearest `privacymesh.toml` at or above `start` (default: the current directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / WORKSPACE_FILE
        if candidate.is_file():
            return candidate
    raise WorkspaceError(
        f"no {WORKSPACE_FILE} found in {here} or any folder above it",
        hint="run from inside a workspace or pass --workspace PATH",
    )


def load_workspace(path: Path | str | None = None) -> Workspace:
    """Load a workspace from a file or folder path, or search upward from the current folder."""
    if path is None:
        file = find_workspace_file()
    else:
        path = Path(path)
        file = path / WORKSPACE_FILE if path.is_dir() else path
        if not file.is_file():
            raise WorkspaceError(f"workspace file not found: {file}")
    raw_bytes = file.read_bytes()
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"not valid TOML: {exc}", file=file) from exc

    root = file.parent.resolve()
    paths = raw.get("paths", {})
    if not isinstance(paths, dict):
        raise WorkspaceError("[paths] must be a table", file=file, field="paths")

    def folder(key: str, default: str | Path) -> Path:
        value = paths.get(key, default)
        if not isinstance(value, str | Path):
            raise WorkspaceError(
                f"expected a path string, found {type(value).__name__}",
                file=file,
                field=f"paths.{key}",
            )
        p = Path(value)
        return p if p.is_absolute() else root / p

    engine_raw = raw.get("engine", {})
    name = engine_raw.get("kind", "duckdb")
    if name not in ENGINES:
        raise WorkspaceError(
            f"unknown engine {name!r}",
            file=file,
            field="engine.kind",
            hint=f"one of {', '.join(ENGINES)}",
        )
    database = str(engine_raw.get("database", ":memory:"))
    if database != ":memory:" and not Path(database).is_absolute():
        database = str(root / database)
    engine = EngineConfig(
        name=name,
        database=database,
        master=str(engine_raw.get("master", "local[2]")),
        threads=engine_raw.get("threads"),
        memory_limit=engine_raw.get("memory_limit"),
        spark_conf=_spark_conf(engine_raw.get("spark_conf", {}), file),
    )
    return Workspace(
        root=root,
        name=str(raw.get("name", root.name)),
        catalog=folder("catalog", "data/sample/contracts"),
        platform=folder("platform", "data/sample/platform"),
        check_folders=_check_folders(raw, root, file),
        evidence=folder("evidence", "evidence"),
        reports=folder("reports", builtin_folder("reports")),
        sample=folder("sample", "data/sample"),
        engine=engine,
        settings=raw,
        config_hash=hashlib.sha256(raw_bytes).hexdigest(),
        markets=_markets(raw.get("markets", []), file),
    )


def _markets(value: Any, file: Path) -> tuple[str, ...]:
    """`markets`: a list of ISO 3166-1 alpha-2 country codes, upper-cased and de-duplicated."""
    import pycountry

    hint = 'ISO 3166-1 alpha-2 country codes, e.g. markets = ["DE", "AT"]'
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorkspaceError(
            "expected a list of country codes", file=file, field="markets", hint=hint
        )
    codes: list[str] = []
    for i, code in enumerate(value):
        upper = code.strip().upper()
        if len(upper) != 2 or pycountry.countries.get(alpha_2=upper) is None:
            raise WorkspaceError(
                f"unknown country code {code!r}", file=file, field=f"markets[{i}]", hint=hint
            )
        if upper not in codes:
            codes.append(upper)
    return tuple(codes)


def _spark_conf(value: Any, file: Path) -> dict[str, str]:
    """`[engine.spark_conf]`: Spark settings such as `"spark.driver.memory" = "4g"`."""
    if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
        raise WorkspaceError(
            "expected a table of Spark settings",
            file=file,
            field="engine.spark_conf",
            hint='e.g. "spark.driver.memory" = "4g"',
        )
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in value.items()}


def as_of_from(workspace: Workspace | None, override: datetime | None = None) -> datetime:
    """The reference time checks measure against: an override, the workspace's `[run] as_of`
    (a pinned sample mesh), or now, in UTC."""
    if override is not None:
        return override
    pinned = workspace.section("run").get("as_of") if workspace else None
    if pinned:
        value = pinned if isinstance(pinned, datetime) else datetime.fromisoformat(str(pinned))
        return value.replace(tzinfo=None)
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _check_folders(raw: dict[str, Any], root: Path, file: Path) -> tuple[Path, ...]:
    """The workspace's own check folders: `paths.checks` and `[checks] paths`, relative to the
    workspace; the built-in folder is left out when named (it is always read first)."""
    section = raw.get("checks", {})
    if not isinstance(section, dict):
        raise WorkspaceError("[checks] must be a table", file=file, field="checks")
    for key in ("paths", "disable"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise WorkspaceError(
                "expected a list of strings",
                file=file,
                field=f"checks.{key}",
                hint=f"{key} = [...]",
            )
    named = list(section.get("paths", []))
    legacy = raw.get("paths", {}).get("checks")
    if legacy is not None:
        if not isinstance(legacy, str):
            raise WorkspaceError("expected a path string", file=file, field="paths.checks")
        named.insert(0, legacy)
    folders: list[Path] = []
    for value in named:
        folder = Path(value) if Path(value).is_absolute() else root / value
        if not is_builtin(folder, "checks") and folder not in folders:
            folders.append(folder)
    return tuple(folders)
