"""The access decision: what a role may read of a product, for which purposes, and how each
field is masked for it (see `privacymesh.platform.policy` for the order of the rules). The same
decision masks a Polars frame (`mask_frame`, with `privacymesh.masking`) and compiles to SQL
(`select_sql`, with its DuckDB twin `masking_sql`), so governed queries, policy views and frames
agree value for value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from privacymesh import masking
from privacymesh.catalog import CLASSIFICATIONS, Catalog, DataProduct, quote_ident
from privacymesh.catalog.model import clearance_rank
from privacymesh.masking import MaskRule
from privacymesh.platform.errors import AccessDenied
from privacymesh.platform.policy import Policy
from privacymesh.platform.query import masking_sql
from privacymesh.subjects import IDENTITY_FORMS

_NUMERIC_TYPES = ("number", "integer", "double", "float", "decimal", "long", "int")


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
