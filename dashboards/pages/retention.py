"""Retention: rows kept past their declared period per product over time, products without a
retention policy."""

import plotly.express as px
import polars as pl
import streamlit as st
from layout import current_scope, current_source, empty, no_ledger, plot, table
from ledger_access import read

from privacymesh.views import retention

st.title("Retention")
st.markdown(
    f"Rows older than the retention their contract declares (`{retention.EXPIRED_CHECK}`), "
    f"and products holding personal data with no retention policy (`{retention.POLICY_CHECK}`)."
)
src = current_source()
if not no_ledger(src):
    scope = current_scope()
    latest = read(src.snapshot, retention.expired_rows_latest, scope)
    missing = read(src.snapshot, retention.products_without_policy, scope)
    over = latest.filter(pl.col("expired_rows").fill_null(0) > 0)
    cols = st.columns(4)
    cols[0].metric("Products checked", latest.height)
    cols[1].metric("Products keeping expired rows", over.height)
    cols[2].metric("Expired rows", int(latest["expired_rows"].fill_null(0).sum()))
    cols[3].metric("Products without a policy", missing.height)

    st.subheader("Expired rows per product over time")
    trend = read(src.snapshot, retention.expired_rows_trend, scope)
    if trend.height:
        shown = trend.filter(pl.col("expired_rows").max().over("product_id") > 0)
        if shown.height:
            fig = px.line(
                shown.to_pandas(),
                x="day",
                y="expired_rows",
                color="product_id",
                markers=True,
                labels={"day": "", "expired_rows": "rows past retention", "product_id": ""},
            )
        else:
            fig = px.line(
                trend.group_by("day").agg(pl.col("expired_rows").sum()).sort("day").to_pandas(),
                x="day",
                y="expired_rows",
                markers=True,
                labels={"day": "", "expired_rows": "rows past retention (all products)"},
            )
        plot(fig, dates=True)
    else:
        empty(
            f"No `{retention.EXPIRED_CHECK}` results in this period.",
            "Widen the period, or run `privacymesh run --check retention`.",
        )

    st.subheader("Latest per product")
    if latest.height:
        table(latest)
    st.subheader("Products without a retention policy")
    if missing.height:
        table(missing)
    elif latest.height:
        st.success("Every product holding personal data declares its retention.")
