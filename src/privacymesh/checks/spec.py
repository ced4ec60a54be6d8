"""A check as an examiner reads it: one YAML file under `checks/`, parsed into a typed spec."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from privacymesh.catalog.model import PRODUCT_KINDS
from privacymesh.errors import CheckError
from privacymesh.verdict import Severity

SCOPES = ("product", "mesh")
APPLIES = ("all", "personal")
SHARED_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Control:
    """The control a check evidences, e.g. PM-RET-01 and its statement."""

    id: str
    statement: str


@dataclass(frozen=True)
class Threshold:
    """Pass when `min <= value <= max` (either bound optional)."""

    min: float | None = None
    max: float | None = None

    def passes(self, value: float | None) -> bool:
        if value is None:
            return False
        if self.min is not None and value < self.min:
            return False
        return not (self.max is not None and value > self.max)

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f">= {self.min:g}")
        if self.max is not None:
            parts.append(f"<= {self.max:g}")
        return " and ".join(parts) or "any"

    def to_dict(self) -> dict[str, float]:
        return {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}


@dataclass(frozen=True)
class CheckSpec:
    """One check: what it tests, on what, how, and when it passes."""

    id: str
    title: str
    control: Control
    regulations: tuple[str, ...]
    severity: str
    schedule: str
    procedure: str
    file: Path
    scope: str = "product"
    applies_to: str = "all"
    product_kinds: tuple[str, ...] = PRODUCT_KINDS  # the file's `applies_to.kinds`
    requires: tuple[str, ...] = ()
    sql: str | None = None
    spark_sql: str | None = None
    measure: str | None = None
    metric: str = "exceptions"
    threshold: Threshold = field(default_factory=Threshold)
    params: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, str] = field(default_factory=dict)
    """Named queries the check's SQL reads as `{{ shared.NAME }}`: computed once per run into
    a table, not once per product (for example the erased subjects every product is probed
    for)."""

    def record(self) -> dict[str, Any]:
        """The spec as a run records it in the ledger: everything an examiner needs to read
        the control and re-run the test (control text, SQL or measure, threshold, parameters),
        and the file's name (not its path)."""
        return {
            "id": self.id,
            "title": self.title,
            "control": {"id": self.control.id, "statement": self.control.statement},
            "regulations": list(self.regulations),
            "severity": self.severity,
            "schedule": self.schedule,
            "procedure": self.procedure,
            "file": self.file.name,
            "scope": self.scope,
            "applies_to": self.applies_to,
            "kinds": list(self.product_kinds),
            "requires": list(self.requires),
            "sql": self.sql,
            "spark_sql": self.spark_sql,
            "measure": self.measure,
            "metric": self.metric,
            "threshold": self.threshold.to_dict(),
            "params": self.params,
            "shared": self.shared,
        }


# libyaml's parser under PyYAML's safe constructor: the same values as `yaml.safe_load`, parsed
# in C (the pure-Python parser took most of a run's time to load its check files)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_check(file: Path) -> CheckSpec:
    """Parse one check file; raise CheckError naming the file and field on any problem."""
    try:
        raw = yaml.load(file.read_text("utf-8"), Loader=_SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise CheckError(f"cannot read check: {exc}", file=file) from exc
    if not isinstance(raw, dict):
        raise CheckError("a check file must be a YAML mapping", file=file)

    def need(key: str, kind: type = str) -> Any:
        value = raw.get(key)
        if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
            raise CheckError(
                f"missing or wrong type, expected {kind.__name__}", file=file, field=key
            )
        return value

    control = need("control", dict)
    if not {"id", "statement"} <= set(control):
        raise CheckError("a control needs an id and a statement", file=file, field="control")
    applies = raw.get("applies_to", {}) or {}
    if not isinstance(applies, dict):
        raise CheckError(
            "expected a mapping (products, kinds, requires)", file=file, field="applies_to"
        )
    spec = CheckSpec(
        id=need("id"),
        title=need("title"),
        control=Control(str(control["id"]), str(control["statement"]).strip()),
        regulations=tuple(str(r) for r in need("regulations", list)),
        severity=need("severity"),
        schedule=need("schedule"),
        procedure=str(need("procedure")).strip(),
        file=file,
        scope=str(raw.get("scope", "product")),
        applies_to=str(applies.get("products", "all")),
        product_kinds=tuple(applies.get("kinds", PRODUCT_KINDS)),
        requires=tuple(applies.get("requires", ())),
        sql=raw.get("sql"),
        spark_sql=raw.get("spark_sql"),
        measure=raw.get("measure"),
        metric=str(raw.get("metric", "exceptions")),
        threshold=Threshold(**(raw.get("threshold") or {})),
        params=dict(raw.get("params") or {}),
        shared=_shared(raw.get("shared"), file),
    )
    _check_values(spec)
    return spec


def _shared(raw: object, file: Path) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CheckError("expected a mapping of name to SQL", file=file, field="shared")
    for name, sql in raw.items():
        if not isinstance(name, str) or not SHARED_NAME.fullmatch(name):
            raise CheckError(
                f"{name!r} is not a shared query name",
                file=file,
                field="shared",
                hint="lower case letters, digits and _, starting with a letter",
            )
        if not isinstance(sql, str) or not sql.strip():
            raise CheckError("expected a SQL query", file=file, field=f"shared.{name}")
    return dict(raw)


def _check_values(spec: CheckSpec) -> None:
    choices = (
        ("severity", spec.severity, tuple(Severity)),
        ("scope", spec.scope, SCOPES),
        ("applies_to.products", spec.applies_to, APPLIES),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            raise CheckError(
                f"{value!r} is not one of {', '.join(allowed)}", file=spec.file, field=name
            )
    unknown = set(spec.product_kinds) - set(PRODUCT_KINDS)
    if unknown:
        raise CheckError(
            f"unknown product kind(s) {sorted(unknown)}",
            file=spec.file,
            field="applies_to.kinds",
            hint=", ".join(PRODUCT_KINDS),
        )
    if bool(spec.sql) == bool(spec.measure):
        raise CheckError("a check has either `sql` or `measure`, exactly one", file=spec.file)
    if spec.shared and not spec.sql:
        raise CheckError("only a SQL check has shared queries", file=spec.file, field="shared")
    valid_schedule(spec.schedule, spec.file, "schedule")


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _cron_days(field: str) -> str:
    """A cron day-of-week field (0 or 7 = Sunday, names allowed, lists, ranges, steps) as the
    day names APScheduler reads: its own numbers start at Monday = 0, so a number passed
    through would fire a day late."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = 0, 6
        else:
            lo, _, hi = span.partition("-")
            first = _cron_day(lo)
            last = _cron_day(hi) if hi else (6 if step else first)
        every = int(step) if step else 1
        if every < 1 or last < first:
            raise ValueError(f"bad day-of-week range {part!r}")
        days.update(d % 7 for d in range(first, last + 1, every))
    return ",".join(_CRON_DAYS[d] for d in sorted(days))


def _cron_day(token: str) -> int:
    token = token.strip()
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token)  # 7 stays 7 so that `5-7` is a range; days are taken modulo 7
    if token[:3] in _CRON_DAYS and len(token) == 3:
        return _CRON_DAYS.index(token)
    raise ValueError(f"not a day of the week: {token!r}")


def cron_trigger(schedule: str):  # type: ignore[no-untyped-def]
    """The APScheduler trigger of a five-field cron expression, read as cron reads it."""
    from apscheduler.triggers.cron import CronTrigger

    fields = schedule.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=_cron_days(weekday),
        timezone="UTC",
    )


def valid_schedule(schedule: str, file: Path | None, field: str) -> None:
    """CheckError unless `schedule` is a five-field cron expression."""
    try:
        cron_trigger(schedule)
    except ValueError as exc:
        raise CheckError(
            f"not a cron expression: {schedule!r} ({exc})",
            file=file,
            field=field,
            hint="e.g. '0 2 * * *' for 02:00 daily",
        ) from exc


def load_checks(folder: Path) -> tuple[list[CheckSpec], list[CheckError]]:
    """Every `*.yaml` under `folder`, sorted by id; bad files are returned as errors, not raised."""
    specs: list[CheckSpec] = []
    errors: list[CheckError] = []
    seen: dict[str, Path] = {}
    for file in sorted(folder.rglob("*.yaml")):
        try:
            spec = load_check(file)
        except CheckError as exc:
            errors.append(exc)
            continue
        if spec.id in seen:
            errors.append(
                CheckError(
                    f"duplicate check id {spec.id!r} (also {seen[spec.id]})", file=file, field="id"
                )
            )
            continue
        seen[spec.id] = file
        specs.append(spec)
    return sorted(specs, key=lambda s: s.id), errors
