"""Overview: compliance posture per domain, its trend, open findings, this week's top risks.

The landing page draws its charts with Vega-Lite (Streamlit's own chart engine, through
Altair) where the other pages use Plotly: a returning user sees it drawn in under two seconds,
where Plotly's start-up and drawing in the browser alone take longer
(benchmarks/dashboard_load.py measures both)."""

import altair as alt
import polars as pl
import streamlit as st
from layout import (
    SEVERITY_COLORS,
    current_scope,
    current_source,
    no_ledger,
    shared_figure,
    small_table,
)
from ledger_access import read

from privacymesh.verdict import BAND_DEFINITION
from privacymesh.views import checks, headline, posture
from privacymesh.views import findings as finding_views

BAND_COLORS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}  # as the packs'


@shared_figure
def score_bars(by_domain: pl.DataFrame, height: int) -> alt.LayerChart:
    """The score per domain, as bars colored by band (one definition: privacymesh.verdict),
    the score at their end."""
    data = by_domain.select("domain", "score", "checks", "failing", "errors").with_columns(
        headline.band_of(pl.col("score"))
    )
    base = alt.Chart(data).encode(
        y=alt.Y("domain:N", title=None, sort=None),
        x=alt.X("score:Q", title="score", scale=alt.Scale(domain=[0, 100])),
        tooltip=["domain", "score", "band", "checks", "failing", "errors"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "band:N",
            scale=alt.Scale(domain=list(BAND_COLORS), range=list(BAND_COLORS.values())),
            legend=None,
        )
    )
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text("score:Q", format=".1f"))
    return (bars + labels).properties(height=height)


@shared_figure
def trend_lines(trend: pl.DataFrame, height: int) -> alt.Chart:
    """The score per domain over the runs of the period (a marker per point while they are
    few enough to tell apart; a color per domain, for up to twenty)."""
    longest = trend.group_by("domain").len()["len"].max() or 0
    return (
        alt.Chart(trend.select("point", "domain", "score"))
        .mark_line(point=longest <= 31)
        .encode(
            x=alt.X("point:T", title=None, axis=alt.Axis(format="%Y-%m-%d")),
            y=alt.Y("score:Q", title="score", scale=alt.Scale(domain=[0, 102])),
            color=alt.Color("domain:N", title="domain", scale=alt.Scale(scheme="tableau20")),
            tooltip=[alt.Tooltip("point:T", format="%Y-%m-%d"), "domain", "score"],
        )
        .properties(height=height)
    )


@shared_figure
def findings_bars(findings: pl.DataFrame) -> alt.Chart:
    """Open findings per domain, stacked by severity (most severe at the bottom)."""
    order = list(SEVERITY_COLORS)
    data = findings.select("domain", "severity", "findings").with_columns(
        rank=pl.col("severity").replace_strict(order, range(len(order)), default=len(order))
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("domain:N", title=None),
            y=alt.Y("findings:Q", title="findings"),
            color=alt.Color(
                "severity:N",
                scale=alt.Scale(domain=order, range=list(SEVERITY_COLORS.values())),
            ),
            order=alt.Order("rank:Q"),
            tooltip=["domain", "severity", "findings"],
        )
        .properties(height=380)
    )


def show(chart: alt.TopLevelMixin) -> None:
    st.altair_chart(chart, width="stretch")


def first_screen(src: object, scope: object, by_domain: pl.DataFrame) -> None:
    """Leadership's questions first: cost and FTE against the previous quarter, exposure and
    whether it improves, the worst three domains (computed as the leadership report does)."""
    spend, fte = headline.compliance_cost(
        read(src.snapshot, checks.latest_measurements, "cost.", scope)
    )
    lives = read(src.snapshot, finding_views.finding_table, scope)
    exposure = headline.exposure(lives, scope.since)
    cols = st.columns(4)
    cols[0].metric(
        f"Compliance cost {spend.quarter or ''}".strip(),
        headline.money(spend.now),
        delta=None if spend.change is None else headline.change(spend.change),
        delta_color="inverse",
        help=f"Previous quarter {headline.money(spend.before)} (cost.compliance_spend, mesh).",
    )
    cols[1].metric(
        f"Compliance FTE {fte.quarter or ''}".strip(),
        "-" if fte.now is None else f"{fte.now:.1f}",
        delta=None if fte.change is None else headline.change(fte.change),
        delta_color="inverse",
        help="Average FTE per month on compliance; previous quarter "
        + ("-" if fte.before is None else f"{fte.before:.1f}")
        + " (cost.compliance_fte, mesh).",
    )
    cols[2].metric(
        "Exposure: open findings",
        f"{exposure.open_now:,} ({exposure.high_now:,} crit./high)",
        delta=f"{exposure.open_now - exposure.open_at_start:+,} ({exposure.direction})",
        delta_color="inverse",
        help="Against the findings open at the start of the period.",
    )
    worst = headline.worst_domains(by_domain)
    cols[3].markdown(
        "**Worst domains**  \n"
        + "  \n".join(
            f"{r['domain']}: {r['score']:.1f} ({r['band']})" for r in worst.iter_rows(named=True)
        )
        if worst.height
        else "**Worst domains**  \nnone scored"
    )
    st.caption(BAND_DEFINITION)


st.title("Compliance posture")
src = current_source()
if not no_ledger(src):
    scope = current_scope()
    overall = read(src.snapshot, posture.posture_overall, scope)
    by_domain = read(src.snapshot, posture.posture_by_domain, scope)
    first_screen(src, scope, by_domain)
    findings = read(src.snapshot, posture.open_findings_by_severity, scope)
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
        st.subheader("Trend over full runs")
        trend = read(src.snapshot, posture.posture_trend, scope)
        if trend.height:
            show(trend_lines(trend, chart_height))
        else:
            st.caption(
                "No full run inside this period (one covering every check on every product): "
                "partial runs update the scores but are not trend points. Widen the period."
            )

    left, right = st.columns(2)
    with left:
        st.subheader("Open findings by severity")
        if findings.height:
            show(findings_bars(findings))
        else:
            st.success("No open findings.")
    with right:
        st.subheader("Domains")
        small_table(by_domain.drop("last_checked").with_columns(headline.band_of(pl.col("score"))))

    st.subheader("Top risks this week")
    st.caption(
        "Failing checks, or checks that could not run, in the last 7 days of the period: most "
        "severe first, then most exceptions."
    )
    risks = read(src.snapshot, posture.top_risks, scope)
    if risks.height:
        small_table(risks.with_columns(pl.col("reason").str.slice(0, 160)))
    else:
        st.success("No failing checks in the last 7 days of the period.")
