"""Which check runs on which product: the run's tasks, including the ones that cannot run."""

from __future__ import annotations

from dataclasses import dataclass

from privacymesh.catalog import Catalog, DataProduct
from privacymesh.checks.measures import reads_data
from privacymesh.checks.spec import CheckSpec
from privacymesh.engine import Registration


@dataclass(frozen=True)
class Task:
    """One check on one product (product None: mesh-wide). `blocked` says why it cannot run:
    it then yields an `error` result, never a silent pass."""

    check: CheckSpec
    product: DataProduct | None = None
    product_id: str | None = None
    domain: str | None = None
    blocked: str | None = None


def applies(spec: CheckSpec, product: DataProduct) -> bool:
    """Whether a product-scope check applies to a product, from its contract."""
    if spec.applies_to == "personal" and not product.has_personal_data:
        return False
    if product.product_kind not in spec.product_kinds:
        return False
    if "quality" in spec.requires and not product.quality:
        return False
    return not ("retention" in spec.requires and product.retention is None)


def plan_tasks(
    specs: list[CheckSpec],
    catalog: Catalog,
    registration: Registration,
    products: list[str] | None = None,
    domains: list[str] | None = None,
) -> list[Task]:
    """Tasks for the selected checks, products and domains. Invalid contracts and unreadable
    products become blocked tasks."""
    selected = catalog.select(products, domains)
    invalid = [
        c
        for c in catalog.invalid
        if (not domains or c.domain in domains)
        and (not products or c.id in products or c.address in products)
    ]
    tasks: list[Task] = []
    for spec in specs:
        if spec.scope == "mesh":
            tasks.append(Task(spec))
            continue
        for product in selected:
            if not applies(spec, product):
                continue
            blocked = None
            if product.id in registration.failed and reads_data(spec):
                reason = registration.failed[product.id]
                # a server the engine cannot read (or has no connector for) is declared,
                # not readable: never a pass
                blocked = (
                    reason
                    if reason.startswith(("declared, not readable", "declared, no connector"))
                    else f"product data unreadable: {reason}"
                )
            tasks.append(Task(spec, product, product.id, product.domain, blocked))
        for contract in invalid:
            first = next(i for i in contract.issues if i.severity == "error")
            tasks.append(
                Task(
                    spec,
                    None,
                    contract.address or contract.id or str(contract.file.name),
                    contract.domain,
                    f"contract does not validate: {first}",
                )
            )
    return tasks
