"""The deterministic sample data mesh.

`generate(out, scale, seed, progress)` writes twelve domains of data products (Parquet), their
ODCS contracts, the platform tables (identity map, consent, processing log, DSARs, rotation,
support, costs, headcount), `expected_findings.yaml` (every seeded problem with exact counts) and
`sample.yaml`. Same seed and scale give byte-identical files. See docs/sample.md.
"""

from privacymesh.sample.generate import PLATFORM_TABLES, SampleManifest, generate
from privacymesh.sample.timeline import AS_OF

__all__ = ["AS_OF", "PLATFORM_TABLES", "SampleManifest", "generate"]
