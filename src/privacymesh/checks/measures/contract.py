"""Measures over contracts alone: the deployment gate and the retention policy."""

from __future__ import annotations

from privacymesh.catalog import DataProduct
from privacymesh.catalog.gate import GATE_RULES, evaluate_gate
from privacymesh.checks.measures import MeasureContext, measure
from privacymesh.checks.results import Finding, Measurement
from privacymesh.checks.spec import CheckSpec


@measure("contract_gate", reads_data=False)
def contract_gate(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    assert product is not None
    gate = evaluate_gate(product)
    findings = [
        Finding(
            "gate_rule_unmet",
            r.field,
            {
                "rule": r.rule,
                "requirement": GATE_RULES[r.rule],
                "problem": r.message,
                "severity": r.severity,
            },
        )
        for r in gate.reasons
    ]
    # a warning (a server not readable here, a shared id) is reported, not counted
    return [
        Measurement(
            values={
                "exceptions": len(gate.blocking),
                "rules_checked": gate.rules_checked,
                "rules_unmet": ", ".join(sorted({r.rule for r in gate.blocking})),
            },
            population=len(product.fields),
            findings=findings,
            query=f"deployment gate rules {', '.join(GATE_RULES)} over {product.file.name}",
        )
    ]


@measure("retention_policy", reads_data=False)
def retention_policy(
    ctx: MeasureContext,
    spec: CheckSpec,
    product: DataProduct | None,
) -> list[Measurement]:
    assert product is not None
    missing = product.retention is None
    findings = (
        [
            Finding(
                "retention_missing",
                None,
                {
                    "personal_fields": len(product.personal_fields),
                    "categories": sorted(
                        {f.pii_category for f in product.personal_fields if f.pii_category}
                    ),
                },
            )
        ]
        if missing
        else []
    )
    return [
        Measurement(
            values={
                "exceptions": int(missing),
                "retention_days": None if missing else product.retention.days,
            },  # type: ignore[union-attr]
            population=1,
            findings=findings,
            query=f"contract {product.file.name}: slaProperties[property=retention]",
        )
    ]
