"""privacymesh in Airflow: a nightly DAG that runs the checks, then builds the audit pack.

Copy into your DAGs folder. The tasks run the privacymesh CLI installed on the worker, in
the workspace folder (PRIVACYMESH_WORKSPACE, the folder holding privacymesh.toml). Exit codes
of `privacymesh run`: 0 every check passed, 1 some failed (recorded; the pack still builds),
2 something could not run (the task fails)."""

from __future__ import annotations

import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

WORKSPACE = os.environ.get("PRIVACYMESH_WORKSPACE", "/srv/privacy")

with DAG(
    dag_id="privacymesh_nightly",
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,  # one writer at a time: the ledger takes one run after the other
    tags=["privacy"],
) as dag:
    run_checks = BashOperator(
        task_id="run_checks",
        # a failing check is a finding, not a broken task: only exit 2 fails the task
        bash_command="privacymesh run; code=$?; [ $code -le 1 ] || exit $code",
        cwd=WORKSPACE,
    )
    audit_pack = BashOperator(
        task_id="audit_pack",
        bash_command="privacymesh pack --no-pdf",
        cwd=WORKSPACE,
    )
    verify = BashOperator(
        task_id="verify_evidence",
        bash_command="privacymesh evidence verify",
        cwd=WORKSPACE,
    )
    run_checks >> audit_pack >> verify
