"""Helpers of the Spark tests: a workspace over a generated mesh, for either engine."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).parents[2]
AS_OF = "2026-11-01T00:00:00"
# small data: codegen and adaptive planning cost more than they save on a few thousand rows
SPARK_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.ui.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.adaptive.enabled": "false",
}


def write_workspace(root: Path, mesh: Path, engine: str, checks: Path | None = None) -> Path:
    """A workspace over `mesh` (a generated sample mesh) running `engine`."""
    root.mkdir(parents=True, exist_ok=True)
    conf = "".join(f'"{k}" = "{v}"\n' for k, v in SPARK_CONF.items())
    (root / "privacymesh.toml").write_text(
        f'name = "{engine}"\n'
        "[paths]\n"
        f'catalog = "{mesh / "contracts"}"\n'
        f'platform = "{mesh / "platform"}"\n'
        f'checks = "{checks or REPO / "checks"}"\n'
        'evidence = "evidence"\n'
        "[engine]\n"
        f'kind = "{engine}"\n'
        'master = "local[2]"\n'
        "[engine.spark_conf]\n"
        f"{conf}"
        "[run]\n"
        f'as_of = "{AS_OF}"\n'
    )
    return root
