"""The access and masking policy: what a role may read, for which purpose, and how each field is
masked for it. Built from two places:

- the product's contract: its roles (with a clearance), its purposes, each field's
  classification, PII category and `maskingRule`;
- the workspace's central policy file (`policy.yaml` at the workspace root, or the file named by
  `[policy] file = "..."` in privacymesh.toml; built-in defaults when there is none): roles valid
  across products, default masking rules per PII category and per classification, per-field
  overrides, which purposes need consent, read-only products and legal holds, DSAR deadlines,
  and where the audit log lives. `tests/platform/policy.yaml` is a commented reference file.

A field is shown clear when the role's clearance reaches its classification; otherwise it is
masked by, in order: the policy's per-field override, the contract's `maskingRule`, the policy's
rule for the field's PII category (longest key prefix), the policy's rule for its
classification. That decision, and how it masks a frame or compiles to SQL, is
`privacymesh.platform.query.model`; this module reads and checks the policy itself, which every
primitive shares (consent purposes, retention holds, DSAR deadlines, the audit log).
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from privacymesh.catalog import CLASSIFICATIONS, Catalog, DataProduct
from privacymesh.catalog.yaml_lines import (
    Path_,
    YamlSyntaxError,
    format_path,
    line_for,
    load_with_lines,
)
from privacymesh.masking import MaskRule
from privacymesh.platform.errors import PolicyError
from privacymesh.workspace import Workspace

POLICY_FILE = "policy.yaml"

DEFAULT_BY_CATEGORY: dict[str, str] = {
    "user.unique_id": "hash",
    "user.device.device_id": "hash",
    "user.device.cookie_id": "hash",
    "user.device.ip_address": "hash",
    "user.location.precise": "generalize",
    "user.demographic.date_of_birth": "generalize",
    "user.contact.address.postal_code": "generalize",
    "user.financial.credit_card": "partial",
    "user.financial.bank_account": "partial",
    "user.government_id": "redact",
    "user.authorization": "redact",
    "user.health_and_medical": "redact",
    "user.biometric": "redact",
    "user.content": "redact",
}
DEFAULT_BY_CLASSIFICATION: dict[str, str] = {
    "restricted": "redact",
    "confidential": "partial",
    "internal": "redact",
    "public": "none",
}
DEFAULT_DEADLINES = {"GDPR": "1 month", "UK GDPR": "1 month", "CCPA": "45 days", "LGPD": "15 days"}
DEFAULT_DEADLINES |= {"DPDP": "90 days", "VCDPA": "45 days", "CPA": "45 days"}
DEFAULT_EXTENSIONS = {"GDPR": "2 months", "UK GDPR": "2 months", "CCPA": "45 days"}
DEFAULT_EXTENSIONS |= {"VCDPA": "45 days", "CPA": "45 days"}
DEFAULT_REGULATION_BY_COUNTRY = {"US": "CCPA", "GB": "GDPR", "DE": "GDPR", "BR": "LGPD"}
DEFAULT_REGULATION_BY_COUNTRY |= {"IN": "DPDP"}
DEFAULT_PROPAGATION_SLA = {"streaming": "1 hour", "batch": "24 hours"}

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|h|days?|d|weeks?|w|months?|mo)\s*$", re.I
)


@dataclass(frozen=True)
class Duration:
    """A period from the policy file: `45 days`, `1 month`, `24 hours`. Months are calendar
    months (31 January + 1 month = 28/29 February), as GDPR Art. 12(3) counts them."""

    amount: float
    unit: str  # minutes | hours | days | months

    @classmethod
    def parse(cls, text: Any) -> Duration:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"not a duration: {text!r} (e.g. '45 days', '1 month', '24 hours')")
        amount, unit = float(match.group(1)), match.group(2).lower()
        if unit.startswith("mo"):
            return cls(amount, "months")
        if unit.startswith("mi"):
            return cls(amount, "minutes")
        if unit.startswith("h"):
            return cls(amount, "hours")
        if unit.startswith("w"):
            return cls(amount * 7, "days")
        return cls(amount, "days")

    def after(self, start: datetime) -> datetime:
        """`start` plus this period."""
        if self.unit == "months":
            months = start.month - 1 + int(self.amount)
            year, month = start.year + months // 12, months % 12 + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            return start.replace(year=year, month=month, day=day)
        return start + timedelta(**{self.unit: self.amount})

    def __str__(self) -> str:
        amount = int(self.amount) if self.amount == int(self.amount) else self.amount
        return f"{amount} {self.unit}"


@dataclass(frozen=True)
class PolicyRole:
    """A role granted by the central policy across products (`*`, `<domain>.*` or ids)."""

    name: str
    clearance: str = "internal"
    access: str = "read"
    products: tuple[str, ...] = ("*",)
    purposes: tuple[str, ...] = ()

    def covers(self, product: DataProduct) -> bool:
        return any(
            p == "*" or p == product.id or (p.endswith(".*") and p[:-2] == product.domain)
            for p in self.products
        )


@dataclass(frozen=True)
class Policy:
    """The central policy, merged with the built-in defaults."""

    file: Path | None = None
    digest: str = "builtin"
    roles: dict[str, PolicyRole] = field(default_factory=dict)
    by_category: dict[str, MaskRule] = field(default_factory=dict)
    by_classification: dict[str, MaskRule] = field(default_factory=dict)
    field_rules: dict[tuple[str, str], MaskRule] = field(default_factory=dict)
    consent_purposes: tuple[str, ...] | None = None
    declared_purposes_only: bool = True
    propagation_sla: dict[str, Duration] = field(default_factory=dict)
    read_only: frozenset[str] = frozenset()
    legal_hold: dict[str, str] = field(default_factory=dict)
    deadlines: dict[str, Duration] = field(default_factory=dict)
    extensions: dict[str, Duration] = field(default_factory=dict)
    regulation_by_country: dict[str, str] = field(default_factory=dict)
    erasure_exempt: dict[str, str] = field(default_factory=dict)
    audit_log: Path | None = None
    audit_fsync: bool = False

    @property
    def version(self) -> str:
        """Names the policy in evidence: the file and the first 12 hex of its SHA-256."""
        name = self.file.name if self.file else "builtin"
        return f"{name}@{self.digest[:12]}"

    def category_rule(self, category: str | None) -> tuple[MaskRule, str] | None:
        """The default rule of the longest matching category key, with that key."""
        if not category:
            return None
        best = max(
            (k for k in self.by_category if category == k or category.startswith(k + ".")),
            key=len,
            default=None,
        )
        return (self.by_category[best], best) if best else None


# ---- loading ---------------------------------------------------------------------------------


class _Reader:
    """Reads one policy file, raising a PolicyError with file, line and field on bad input."""

    def __init__(self, file: Path | None, lines: dict[Path_, int]):
        self.file, self.lines = file, lines

    def fail(self, path: Path_, message: str, hint: str | None = None) -> PolicyError:
        return PolicyError(
            message,
            file=self.file,
            field=format_path(path),
            line=line_for(self.lines, path),
            hint=hint,
        )

    def mapping(self, data: Any, path: Path_) -> dict[str, Any]:
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise self.fail(path, f"expected a mapping, found {type(data).__name__}")
        return data

    def strings(self, data: Any, path: Path_) -> tuple[str, ...]:
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
            raise self.fail(path, "expected a list of strings")
        return tuple(data)

    def rule(self, value: Any, path: Path_) -> MaskRule:
        try:
            return MaskRule.parse(str(value))
        except ValueError:
            raise self.fail(
                path,
                f"unknown masking rule {value!r}",
                hint="one of hash, partial, redact, generalize, none",
            ) from None

    def level(self, value: Any, path: Path_) -> str:
        if value not in CLASSIFICATIONS:
            raise self.fail(
                path,
                f"unknown classification {value!r}",
                hint="one of " + ", ".join(CLASSIFICATIONS),
            )
        return str(value)

    def duration(self, value: Any, path: Path_) -> Duration:
        try:
            return Duration.parse(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None


def policy_file(workspace: Workspace) -> Path | None:
    """The policy file of a workspace: `[policy] file`, else `policy.yaml` at the root."""
    named = workspace.section("policy").get("file")
    if named:
        path = Path(str(named))
        path = path if path.is_absolute() else workspace.root / path
        if not path.is_file():
            raise PolicyError(
                "policy file not found", file=path, field="policy.file", hint="fix privacymesh.toml"
            )
        return path
    default = workspace.root / POLICY_FILE
    return default if default.is_file() else None


def load_policy(workspace: Workspace, catalog: Catalog | None = None) -> Policy:
    """The workspace's policy, validated against the catalog when one is given."""
    file = policy_file(workspace)
    text = file.read_text("utf-8") if file else ""
    return parse_policy(text, file=file, catalog=catalog, root=workspace.root)


def parse_policy(
    text: str, *, file: Path | None = None, catalog: Catalog | None = None, root: Path | None = None
) -> Policy:
    """Parse policy YAML text (empty text: the defaults)."""
    try:
        data, lines = load_with_lines(text) if text.strip() else ({}, {})
    except YamlSyntaxError as exc:
        raise PolicyError(f"malformed YAML: {exc.message}", file=file, line=exc.line) from None
    r = _Reader(file, lines)
    data = r.mapping(data, ())
    known = {"version", "roles", "masking", "consent", "retention", "dsar", "audit"}
    for key in data:
        if key not in known:
            raise r.fail(
                (key,), f"unknown section {key!r}", hint="one of " + ", ".join(sorted(known))
            )

    roles = {}
    for name, spec in r.mapping(data.get("roles"), ("roles",)).items():
        spec = r.mapping(spec, ("roles", name))
        roles[str(name)] = PolicyRole(
            name=str(name),
            clearance=r.level(spec.get("clearance", "internal"), ("roles", name, "clearance")),
            access=str(spec.get("access", "read")),
            products=r.strings(spec.get("products", "*"), ("roles", name, "products")),
            purposes=r.strings(spec.get("purposes"), ("roles", name, "purposes")),
        )

    m = r.mapping(data.get("masking"), ("masking",))
    by_category = {k: MaskRule.parse(v) for k, v in DEFAULT_BY_CATEGORY.items()}
    for key, value in r.mapping(m.get("by_category"), ("masking", "by_category")).items():
        by_category[str(key)] = r.rule(value, ("masking", "by_category", key))
    by_class = {k: MaskRule.parse(v) for k, v in DEFAULT_BY_CLASSIFICATION.items()}
    for key, value in r.mapping(
        m.get("by_classification"), ("masking", "by_classification")
    ).items():
        r.level(key, ("masking", "by_classification", key))
        by_class[str(key)] = r.rule(value, ("masking", "by_classification", key))
    field_rules = {}
    for key, value in r.mapping(m.get("fields"), ("masking", "fields")).items():
        parts = str(key).split(".")
        if len(parts) != 3:
            raise r.fail(("masking", "fields", key), "expected <domain>.<product>.<field>")
        field_rules[(f"{parts[0]}.{parts[1]}", parts[2])] = r.rule(
            value, ("masking", "fields", key)
        )

    c = r.mapping(data.get("consent"), ("consent",))
    purposes = c.get("purposes")
    sla = {k: Duration.parse(v) for k, v in DEFAULT_PROPAGATION_SLA.items()}
    for key, value in r.mapping(c.get("propagation_sla"), ("consent", "propagation_sla")).items():
        sla[str(key)] = r.duration(value, ("consent", "propagation_sla", key))

    ret = r.mapping(data.get("retention"), ("retention",))
    hold = {
        str(k): str(v)
        for k, v in r.mapping(ret.get("legal_hold"), ("retention", "legal_hold")).items()
    }

    d = r.mapping(data.get("dsar"), ("dsar",))
    deadlines = {k: Duration.parse(v) for k, v in DEFAULT_DEADLINES.items()}
    for key, value in r.mapping(d.get("deadlines"), ("dsar", "deadlines")).items():
        deadlines[str(key)] = r.duration(value, ("dsar", "deadlines", key))
    extensions = {k: Duration.parse(v) for k, v in DEFAULT_EXTENSIONS.items()}
    for key, value in r.mapping(d.get("extensions"), ("dsar", "extensions")).items():
        extensions[str(key)] = r.duration(value, ("dsar", "extensions", key))
    by_country = dict(DEFAULT_REGULATION_BY_COUNTRY)
    by_country |= {
        str(k): str(v)
        for k, v in r.mapping(
            d.get("regulation_by_country"), ("dsar", "regulation_by_country")
        ).items()
    }
    exempt_raw = r.mapping(d.get("erasure_exempt"), ("dsar", "erasure_exempt"))
    exempt = {str(k): str(v) for k, v in exempt_raw.items()}

    a = r.mapping(data.get("audit"), ("audit",))
    log = a.get("log")
    log_path = None
    if log is not None:
        log_path = Path(str(log))
        if not log_path.is_absolute() and root is not None:
            log_path = root / log_path

    policy = Policy(
        file=file,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest() if file else "builtin",
        roles=roles,
        by_category=by_category,
        by_classification=by_class,
        field_rules=field_rules,
        consent_purposes=r.strings(purposes, ("consent", "purposes"))
        if purposes is not None
        else None,
        declared_purposes_only=bool(c.get("declared_purposes_only", True)),
        propagation_sla=sla,
        read_only=frozenset(r.strings(ret.get("read_only"), ("retention", "read_only"))),
        legal_hold=hold,
        deadlines=deadlines,
        extensions=extensions,
        regulation_by_country=by_country,
        erasure_exempt=exempt,
        audit_log=log_path,
        audit_fsync=bool(a.get("fsync", False)),
    )
    if catalog is not None:
        _check_against_catalog(policy, catalog, r)
    return policy


def _check_against_catalog(policy: Policy, catalog: Catalog, r: _Reader) -> None:
    """Every product, field and domain the policy names must exist in the catalog."""
    for (product_id, name), _ in policy.field_rules.items():
        key = f"{product_id}.{name}"
        product = catalog.products.get(product_id)
        if product is None:
            raise r.fail(("masking", "fields", key), f"unknown product {product_id!r}")
        if product.field(name) is None:
            raise r.fail(
                ("masking", "fields", key),
                f"product {product_id} has no field {name!r}",
                hint="fields are " + ", ".join(f.name for f in product.fields),
            )
    for role in policy.roles.values():
        for pattern in role.products:
            if pattern == "*":
                continue
            ok = (
                pattern[:-2] in catalog.domains
                if pattern.endswith(".*")
                else pattern in catalog.products
            )
            if not ok:
                raise r.fail(("roles", role.name, "products"), f"no product or domain {pattern!r}")
    for section, names in (
        (("retention", "read_only"), policy.read_only),
        (("retention", "legal_hold"), policy.legal_hold),
        (("dsar", "erasure_exempt"), policy.erasure_exempt),
    ):
        for product_id in names:
            if product_id not in catalog.products:
                raise r.fail((*section, product_id), f"unknown product {product_id!r}")
