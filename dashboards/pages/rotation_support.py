"""Rotation and support: a quarter-by-domain calendar of privacy-engineer embeds, gaps,
engineer load, the support SLA and the self-service share."""

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from layout import FamilyPage, Feature, current_source, empty, family_page, plot

# a text value `2026-Q1: 2, 2026-Q2: 0, ...` (rotation.coverage), drawn as the calendar
QUARTER_TEXT = "weeks_by_quarter"

ROTATION = FamilyPage(
    "operations",
    intro=(
        "Privacy engineers embed with each domain for two weeks a quarter. Below: the embeds "
        "per quarter and domain, the quarters left without one, each engineer's load, and how "
        "the domains' privacy questions are answered (SLA, self-service share). Values are the "
        "`rotation.*` and `support.*` checks' measurements."
    ),
    features=(
        Feature(
            "Quarters short of the target",
            r"^rotation\.coverage$",
            r"^(exceptions|min_weeks_in_a_quarter)$",
            reference=r"^target_weeks$",
            note="exceptions: quarters below the target weeks; the dashed line is the target.",
        ),
        Feature(
            "Engineer load",
            r"^rotation\.engineer_load$",
            r"^(max_concurrent_embeds|over_allocated_weeks|unregistered_weeks)$",
            note="Embeds at once per engineer at the peak, and weeks over the allowed load.",
        ),
        Feature(
            "Support SLA",
            r"^(rotation|support)\..*sla",
            r"^(within_sla_share)$",
            reference=r"^target_share$",
            note="Share of the domains' privacy questions answered within the SLA.",
        ),
        Feature(
            "Self-service share",
            r"^(rotation|support)\..*self_service",
            r"^self_service_share$",
            reference=r"^target_share$",
            note="Share answered by documentation or the bot, without an engineer.",
        ),
    ),
    focus="weeks|load|self_service",
)


def calendar(measured: pl.DataFrame, results: pl.DataFrame) -> None:
    """Heatmap: domain x quarter, embedded weeks per cell."""
    st.subheader("Embeds per quarter and domain")
    text = measured.filter((pl.col("metric") == QUARTER_TEXT) & pl.col("text").is_not_null())
    if text.height == 0:
        empty("No quarter-by-domain values recorded yet:", "`rotation.coverage` records them.")
        return
    cells = (
        text.select("domain", pl.col("text").str.split(", ").alias("cell"))
        .explode("cell")
        .select(
            "domain",
            pl.col("cell").str.split_exact(": ", 1).struct.rename_fields(["quarter", "weeks"]),
        )
        .unnest("cell")
        .with_columns(pl.col("weeks").cast(pl.Float64, strict=False))
        .drop_nulls("weeks")
    )
    wide = cells.pivot(on="quarter", index="domain", values="weeks", aggregate_function="sum")
    wide = wide.sort("domain")
    quarters = sorted(c for c in wide.columns if c != "domain")
    z = wide.select(quarters).to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=quarters,
            y=wide["domain"].to_list(),
            texttemplate="%{z} wk",
            colorscale=[[0, "#c62828"], [0.5, "#fff59d"], [1, "#2e7d32"]],
            zmin=0,
            zmax=max(2.0, float(cells["weeks"].max() or 0)),
            hovertemplate="%{y} · %{x}: %{z} weeks<extra></extra>",
            colorbar={"title": "weeks"},
        )
    )
    plot(fig, height=max(320, 30 * wide.height + 120))
    st.caption("Red cells are gaps: quarters in which the domain had no embedded engineer.")


family_page(current_source(), ROTATION, extra=calendar)
