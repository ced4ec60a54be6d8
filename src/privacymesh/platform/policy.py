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
classification. The same decision masks a Polars frame (`mask_frame`, with `privacymesh.masking`)
and compiles to SQL (`select_sql`, with its DuckDB twin), so governed queries, policy views and
frames agree value for value.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from privacymesh import masking
from privacymesh.catalog import CLASSIFICATIONS, Catalog, DataProduct, quote_ident
from privacymesh.catalog.model import clearance_rank
from privacymesh.catalog.yaml_lines import (
    Path_,
    YamlSyntaxError,
    format_path,
    line_for,
    load_with_lines,
)
from privacymesh.masking import MaskRule
from privacymesh.platform import masking_sql
from privacymesh.platform.errors import AccessDenied, PolicyError
from privacymesh.subjects import IDENTITY_FORMS
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
_NUMERIC_TYPES = ("number", "integer", "double", "float", "decimal", "long", "int")

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


# ---- decisions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldDecision:
    """How one field reaches a role: clear (`rule` none) or masked, and which policy said so."""

    name: str
    classification: str | None
    category: str | None
    logical_type: str | None
    rule: MaskRule
    source: str

    @property
    def masked(self) -> bool:
        return self.rule is not MaskRule.NONE

    @property
    def numeric(self) -> bool:
        return (self.logical_type or "").lower() in _NUMERIC_TYPES

    @property
    def integer(self) -> bool:
        return (self.logical_type or "").lower() in ("integer", "long", "int")


@dataclass(frozen=True)
class AccessDecision:
    """What one role sees of one product for one purpose."""

    product: DataProduct
    role: str
    clearance: str
    role_source: str  # contract | policy
    purpose: str | None
    consent_purposes: tuple[str, ...]
    fields: tuple[FieldDecision, ...]
    policy_version: str
    consent_note: str = ""

    @property
    def subject_column(self) -> str | None:
        return self.product.subject_key

    @property
    def subject_form(self) -> str | None:
        return self.product.subject_key_form or (
            self.product.subject_key if self.product.subject_key in IDENTITY_FORMS else None
        )

    @property
    def masked_fields(self) -> dict[str, str]:
        return {f.name: str(f.rule) for f in self.fields if f.masked}

    def evidence(self) -> dict[str, Any]:
        """The decision as audit detail: which policy, which clearance, what was masked."""
        return {
            "policy": self.policy_version,
            "contract_version": self.product.version,
            "role_source": self.role_source,
            "clearance": self.clearance,
            "consent_purposes": list(self.consent_purposes),
            "consent_note": self.consent_note,
            "masked": self.masked_fields,
        }


def role_for(
    policy: Policy, catalog: Catalog, product: DataProduct, role: str
) -> tuple[str, str, str, tuple[str, ...]]:
    """(clearance, access, source, allowed purposes) of `role` on `product`; AccessDenied when
    the role has no rights on it, or is unknown everywhere."""
    for r in product.roles:
        if r.name == role:
            return r.clearance, r.access, "contract", ()
    pr = policy.roles.get(role)
    if pr is not None and pr.covers(product):
        return pr.clearance, pr.access, "policy", pr.purposes
    known = pr is not None or any(
        r.name == role for p in catalog.products.values() for r in p.roles
    )
    if not known:
        raise AccessDenied(
            f"unknown role {role!r}",
            field="role",
            hint="roles of " + product.id + ": " + ", ".join(r.name for r in product.roles),
        )
    raise AccessDenied(
        f"role {role!r} may not read {product.id}",
        field="role",
        hint="roles of " + product.id + ": " + ", ".join(r.name for r in product.roles),
    )


def field_decision(policy: Policy, product: DataProduct, f: Any, clearance: str) -> FieldDecision:
    """The rule for one field under a clearance (see the module docstring for the order)."""

    def made(rule: MaskRule, source: str) -> FieldDecision:
        return FieldDecision(f.name, f.classification, f.pii_category, f.logical_type, rule, source)

    if clearance_rank(clearance) >= clearance_rank(f.classification):
        return made(MaskRule.NONE, "cleared")
    override = policy.field_rules.get((product.id, f.name))
    if override is not None:
        return made(override, "policy field")
    if f.masking_rule:
        return made(MaskRule.parse(f.masking_rule), "contract")
    by_cat = policy.category_rule(f.pii_category)
    if by_cat is not None:
        return made(by_cat[0], f"policy category {by_cat[1]}")
    level = f.classification if f.classification in CLASSIFICATIONS else "restricted"
    return made(
        policy.by_classification.get(level, MaskRule.REDACT), f"policy classification {level}"
    )


def decide(
    policy: Policy,
    catalog: Catalog,
    product_id: str,
    role: str,
    purpose: str | None,
    consent_purposes: frozenset[str],
) -> AccessDecision:
    """What `role` may see of a product for `purpose` (None: the strictest, consent for every
    consent-governed purpose the product declares). Raises AccessDenied or ContractError."""
    product = catalog.get(product_id)
    clearance, _access, source, allowed = role_for(policy, catalog, product, role)
    if purpose is not None:
        if policy.declared_purposes_only and purpose not in product.purposes:
            raise AccessDenied(
                f"purpose {purpose!r} is not declared by {product.id}",
                field="purpose",
                hint="declared purposes: " + (", ".join(product.purposes) or "none"),
            )
        if allowed and purpose not in allowed:
            raise AccessDenied(
                f"the policy role {role!r} may not use purpose {purpose!r}",
                field="purpose",
                hint="its purposes: " + ", ".join(allowed),
            )
        wanted: tuple[str, ...] = (purpose,) if purpose in consent_purposes else ()
    else:
        wanted = tuple(p for p in product.purposes if p in consent_purposes)
    note = "consent filter" if wanted else "no consent-governed purpose"
    if wanted and product.subject_key is None and not product.has_personal_data:
        wanted, note = (), "no subject and no personal data: aggregate, no consent filter"
    elif wanted and (
        product.subject_key is None
        or (product.subject_key_form or product.subject_key) not in IDENTITY_FORMS
    ):
        raise AccessDenied(
            f"consent for {', '.join(wanted)} cannot be enforced on {product.id}: it has no "
            "subject key the identity map resolves",
            field="subjectKey",
            hint="declare subjectKey and subjectKeyForm in the contract",
        )
    fields = tuple(field_decision(policy, product, f, clearance) for f in product.fields)
    return AccessDecision(
        product, role, clearance, source, purpose, wanted, fields, policy.version, note
    )


# ---- masking a frame, compiling to SQL -------------------------------------------------------


def _field_expr(d: FieldDecision, key: bytes) -> pl.Expr:
    col = pl.col(d.name)
    if not d.masked:
        return col
    if (
        d.rule is MaskRule.GENERALIZE
        and d.numeric
        and not (d.category or "").startswith("user.location")
    ):
        out = masking_sql.round_significant_expr(col)
        return (out.cast(pl.Int64) if d.integer else out).alias(d.name)
    return masking.mask(col, d.category or "", d.rule, key=key).alias(d.name)


def _field_sql(d: FieldDecision, column: str, key: bytes | masking_sql.SessionKey) -> str:
    if not d.masked:
        return column
    if (
        d.rule is MaskRule.GENERALIZE
        and d.numeric
        and not (d.category or "").startswith("user.location")
    ):
        out = masking_sql.round_significant(column)
        return f"CAST({out} AS BIGINT)" if d.integer else out
    return masking_sql.mask_sql(column, d.category or "", d.rule, key=key)


def mask_frame(frame: pl.DataFrame | pl.LazyFrame, decision: AccessDecision, key: bytes) -> Any:
    """The product's fields of `frame`, masked as the decision says (Polars expressions)."""
    return frame.select([_field_expr(d, key) for d in decision.fields])


def select_sql(
    decision: AccessDecision,
    source: str,
    consent_sources: dict[str, str],
    key: bytes | masking_sql.SessionKey,
) -> str:
    """The governed SELECT over `source` (a view or table function): masked fields, and only the
    rows whose subject is in every `consent_sources[purpose]` (a relation with one column per
    identifier form)."""
    items = [
        f"{_field_sql(d, 't.' + quote_ident(d.name), key)} AS {quote_ident(d.name)}"
        for d in decision.fields
    ]
    sql = f"SELECT {', '.join(items)} FROM {source} AS t"
    if decision.consent_purposes:
        column = quote_ident(decision.subject_column or "")
        form = quote_ident(decision.subject_form or "")
        conditions = [
            f"t.{column} IN (SELECT {form} FROM {consent_sources[p]})"
            for p in decision.consent_purposes
        ]
        sql += " WHERE " + " AND ".join(conditions)
    return sql
