"""privacymesh leadership dashboard: `privacymesh dashboard` (or `streamlit run dashboards/app.py`).

Read-only on the evidence ledger (and the catalog): the posture per domain, PII exposure,
retention, consent, DSARs, rotation and support, cost and headcount, and the evidence itself.
The workspace comes from $PRIVACYMESH_WORKSPACE, else from the current folder upward.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the pages import the dashboard's own modules
    sys.path.insert(0, str(HERE))

import streamlit as st  # noqa: E402
from layout import chain_badge, header, sidebar_filters  # noqa: E402
from ledger_access import source  # noqa: E402

PAGES = (
    ("overview.py", "Overview", ":material/monitoring:"),
    ("pii_exposure.py", "PII exposure", ":material/fingerprint:"),
    ("retention.py", "Retention", ":material/auto_delete:"),
    ("consent.py", "Consent", ":material/how_to_reg:"),
    ("dsars.py", "DSARs", ":material/assignment_ind:"),
    ("rotation_support.py", "Rotation and support", ":material/groups:"),
    ("cost_headcount.py", "Cost and headcount", ":material/payments:"),
    ("evidence.py", "Evidence", ":material/verified:"),
)

st.set_page_config(page_title="privacymesh", page_icon="🛡️", layout="wide")
src = source()
st.session_state["pm_source"] = src
scope = sidebar_filters(src)
page = st.navigation(
    [
        st.Page(HERE / "pages" / file, title=title, icon=icon, default=i == 0)
        for i, (file, title, icon) in enumerate(PAGES)
    ]
)
chain_slot = header(src, scope)
try:
    page.run()
finally:  # the chain status last: its first check of a snapshot starts the verification
    if chain_slot is not None:
        with chain_slot:
            chain_badge(src)
