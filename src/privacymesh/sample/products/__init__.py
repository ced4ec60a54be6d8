"""The data products of the sample mesh, one module per domain.

Each module declares its products (`SPECS`, what the contracts say) and builds them
(`build(ctx)`, what the data holds). Modules are built in `DOMAINS` order, so a derived product
may read the frames of domains listed before it.
"""

from __future__ import annotations

from types import ModuleType

from privacymesh.sample.products import (
    analytics,
    crm,
    finance,
    fraud,
    growth,
    hr,
    identity,
    lending,
    logistics,
    marketing,
    payments,
    support,
)
from privacymesh.sample.products.spec import ProductSpec

DOMAINS: tuple[ModuleType, ...] = (
    identity,
    payments,
    lending,
    fraud,
    marketing,
    growth,
    analytics,
    support,
    crm,
    logistics,
    hr,
    finance,
)
SPECS: tuple[ProductSpec, ...] = tuple(spec for module in DOMAINS for spec in module.SPECS)
SPEC_BY_ID: dict[str, ProductSpec] = {spec.id: spec for spec in SPECS}
DOMAIN_NAMES: tuple[str, ...] = tuple(module.DOMAIN for module in DOMAINS)

__all__ = ["DOMAINS", "DOMAIN_NAMES", "SPECS", "SPEC_BY_ID", "ProductSpec"]
