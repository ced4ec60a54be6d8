"""Overview: compliance posture per domain, its trend, open findings, this week's top risks."""

import plotly.express as px
import polars as pl
import streamlit as st
from layout import SEVERITY_COLOURS, current_scope, current_source, no_ledger, plot, small_table
from ledger_access import view

from privacymesh.views import posture

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

    left, right = st.columns(2)
    with left:
        st.subheader("Score per domain")
        if by_domain.height:
            fig = px.bar(
                by_domain.to_pandas(),
                x="score",
                y="domain",
                orientation="h",
                color="score",
                color_continuous_scale="RdYlGn",
                range_color=(0, 100),
                range_x=(0, 100),
                text="score",
                hover_data=["checks", "failing", "errors"],
            )
            fig.update_layout(coloraxis_showscale=False, yaxis_title="", xaxis_title="score")
            plot(fig, height=max(300, 28 * by_domain.height + 80))
        else:
            st.caption("No results as of the end of this period.")
    with right:
        st.subheader("Trend over runs")
        trend = view(src.snapshot, posture.posture_trend, scope)
        if trend.height:
            fig = px.line(
                trend.to_pandas(),
                x="point",
                y="score",
                color="domain",
                markers=True,
                range_y=(0, 102),
                labels={"point": "", "score": "score"},
            )
            plot(fig, height=max(300, 28 * by_domain.height + 80), dates=True)
        else:
            st.caption("No runs inside this period: widen the period in the sidebar.")

    left, right = st.columns(2)
    with left:
        st.subheader("Open findings by severity")
        if findings.height:
            fig = px.bar(
                findings.to_pandas(),
                x="domain",
                y="findings",
                color="severity",
                color_discrete_map=SEVERITY_COLOURS,
                category_orders={"severity": list(SEVERITY_COLOURS)},
            )
            plot(fig)
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
