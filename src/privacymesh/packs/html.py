"""`index.html`: the pack as one self-contained file (CSS inline, charts inline SVG, no script,
no external reference), rendered from `reports/pack/index.html.j2`."""

from __future__ import annotations

from pathlib import Path

from privacymesh.packs.model import PackModel
from privacymesh.packs.render import render
from privacymesh.verdict import BAND_DEFINITION

TEMPLATE = "pack/index.html.j2"
STYLES = ["common/base.css", "pack/pack.css"]
MAX_METRICS = 10  # measured values shown per result table; all of them are in data/


def pack_html(model: PackModel, reports: Path) -> str:
    """The pack's HTML text."""
    return render(
        reports,
        TEMPLATE,
        STYLES,
        model=model,
        max_metrics=MAX_METRICS,
        band_definition=BAND_DEFINITION,
    )


def write_html(html: str, out: Path) -> Path:
    out.write_text(html, "utf-8", newline="\n")
    return out
