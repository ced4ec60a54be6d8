"""Overview: compliance posture per domain, its trend, open findings, this week's top risks."""

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st
from layout import (
    SEVERITY_COLOURS,
    current_scope,
    current_source,
    finish,
    no_ledger,
    shared_figure,
    show,
    small_table,
)
from ledger_access import view
from plotly.colors import sample_colorscale

from privacymesh.views import posture


@shared_figure
def score_bars(by_domain: pl.DataFrame, height: int) -> go.Figure:
    """The score per domain, as bars coloured red (0) to green (100)."""
    fig = px.bar(
        by_domain.to_pandas(),
        x="score",
        y="domain",
        orientation="h",
        range_x=(0, 100),
        text="score",
        hover_data=["checks", "failing", "errors"],
    )
    # the colours themselves, not the scores on a colour axis: plotly.js would read each
    # score as a colour for the text on the bars too, and warn about every one
    shades = (by_domain["score"].fill_null(0).clip(0, 100) / 100).to_list()
    fig.update_traces(marker_color=sample_colorscale("RdYlGn", shades))
    fig.update_layout(yaxis_title="", xaxis_title="score")
    return finish(fig, height=height)


@shared_figure
def trend_lines(trend: pl.DataFrame, height: int) -> go.Figure:
    """The score per domain over the runs of the period."""
    fig = px.line(
        trend.to_pandas(),
        x="point",
        y="score",
        color="domain",
        markers=True,
        range_y=(0, 102),
        labels={"point": "", "score": "score"},
    )
    return finish(fig, height=height, dates=True)


@shared_figure
def findings_bars(findings: pl.DataFrame) -> go.Figure:
    """Open findings per domain, stacked by severity."""
    fig = px.bar(
        findings.to_pandas(),
        x="domain",
        y="findings",
        color="severity",
        color_discrete_map=SEVERITY_COLOURS,
        category_orders={"severity": list(SEVERITY_COLOURS)},
    )
    return finish(fig)


st.title("Compliance posture")
src = current_source()
if not no_ledger(src):
    scope = current_scope()
    overall = view(src.snapshot, posture.posture_overall, scope)
    by_domain = view(src.snapshot, posture.posture_by_domain, scope)
    findings = view(src.snapshot, posture.open_findings_by_severity, scope)
    score = overall["score"][0] if overall.height else None
    cols = st.columns(5)
    cols[0].metric("Posture score (mesh)", "-" if score is None else f"{score:.1f}")
    cols[1].metric("Checks counted", int(overall["checks"][0]) if overall.height else 0)
    cols[2].metric("Failing", int(overall["failing"][0] or 0) if overall.height else 0)
    cols[3].metric("Could not run", int(overall["errors"][0] or 0) if overall.height else 0)
    cols[4].metric("Open findings", int(findings["findings"].sum()) if findings.height else 0)
    st.caption(posture.SCORE_DEFINITION)

    chart_height = max(300, 28 * by_domain.height + 80)
    left, right = st.columns(2)
    with left:
        st.subheader("Score per domain")
        if by_domain.height:
            show(score_bars(by_domain, chart_height))
        else:
            st.caption("No results as of the end of this period.")
    with right:
        st.subheader("Trend over runs")
        trend = view(src.snapshot, posture.posture_trend, scope)
        if trend.height:
            show(trend_lines(trend, chart_height))
        else:
            st.caption("No runs inside this period: widen the period in the sidebar.")

    left, right = st.columns(2)
    with left:
        st.subheader("Open findings by severity")
        if findings.height:
            show(findings_bars(findings))
        else:
            st.success("No open findings.")
    with right:
        st.subheader("Domains")
        small_table(by_domain.drop("last_checked"))

    st.subheader("Top risks this week")
    st.caption(
        "Failing checks, or checks that could not run, in the last 7 days of the period: most "
        "severe first, then most exceptions."
    )
    risks = view(src.snapshot, posture.top_risks, scope)
    if risks.height:
        small_table(risks.with_columns(pl.col("reason").str.slice(0, 160)))
    else:
        st.success("No failing checks in the last 7 days of the period.")
