"""The mixed sample mesh: a copy of the repository's sample workspace in which some products
live in PostgreSQL, some on the S3-protocol server, one in a Delta table and one in an Iceberg
table, each written from the sample's own Parquet by the source's own client, the contracts
naming the sources and `privacymesh.toml` saying where they are. Used by the mixed-mesh test
and by benchmarks/sources.py."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import deltalake
import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import yaml
from lake_servers import S3Server
from pyiceberg.catalog.sql import SqlCatalog

REPO = Path(__file__).parents[2]

# where each moved product lives; every other product stays a local Parquet file. The
# PostgreSQL products are smaller than the detector's sample (10,000 rows): a sample drawn at
# the source is every row, as DuckDB's is, so the two meshes scan the same rows.
PLACEMENT = {
    "lending.applications": "postgres",
    "marketing.audience_export": "postgres",
    "growth.web_events": "s3",
    "crm.customers": "s3",
    "support.tickets": "delta",
    "hr.employees": "iceberg",
}
PG_PASSWORD_ENV = "PM_MIXED_PG_PASSWORD"
S3_KEY_ENV, S3_SECRET_ENV = "PM_MIXED_S3_KEY_ID", "PM_MIXED_S3_SECRET"


def copy_sample(root: Path) -> Path:
    """The repository's sample workspace (contracts, products, platform tables, checks)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "privacymesh.toml", root / "privacymesh.toml")
    shutil.copytree(REPO / "checks", root / "checks")
    shutil.copytree(REPO / "data" / "sample", root / "data" / "sample")
    return root


def _contract(root: Path, product_id: str) -> Path:
    domain, name = product_id.split(".")
    return root / "data" / "sample" / "contracts" / domain / f"{name}.odcs.yaml"


def _parquet(root: Path, product_id: str) -> Path:
    domain, name = product_id.split(".")
    return root / "data" / "sample" / "products" / domain / f"{name}.parquet"


def _set_server(root: Path, product_id: str, server: dict[str, Any]) -> None:
    path = _contract(root, product_id)
    data = yaml.safe_load(path.read_text())
    data["servers"] = [server]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _s3_fs(s3: S3Server) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(
        access_key=s3.access_key,
        secret_key=s3.secret_key,
        endpoint_override=s3.endpoint.removeprefix("http://"),
        scheme="http",
        region=s3.region,
    )


def mix(root: Path, s3: S3Server, bucket: str, postgres: Any, pg_schema: str) -> dict[str, str]:
    """Move the products of `PLACEMENT` out of the sample copy at `root` (their Parquet files
    are removed, so nothing can read them by mistake); the environment variables the
    workspace names, to set before running."""
    s3.client().create_bucket(Bucket=bucket)
    fs = _s3_fs(s3)
    postgres.execute(f"DROP SCHEMA IF EXISTS {pg_schema} CASCADE", f"CREATE SCHEMA {pg_schema}")
    lake = root / "lake"
    (lake / "warehouse").mkdir(parents=True)
    iceberg = SqlCatalog(
        "mesh_iceberg",
        uri=f"sqlite:///{lake / 'catalog.db'}",
        warehouse=(lake / "warehouse").as_uri(),
    )
    for product_id, place in PLACEMENT.items():
        domain, name = product_id.split(".")
        source = _parquet(root, product_id)
        table = pq.read_table(source)
        if place == "postgres":
            postgres.load(f"{pg_schema}.{name}", table)
            server = {
                "server": "mesh_pg",
                "type": "postgres",
                "host": "pg.example.invalid",
                "port": 5432,
                "database": "postgres",
                "schema": pg_schema,
            }
        elif place == "s3":
            # the same file as one object: DuckDB's reservoir sample depends on how rows
            # arrive, so only the same layout draws the same sample (test_s3.py reads
            # products of several objects)
            pq.write_table(table, f"{bucket}/{domain}/{name}/part-0.parquet", filesystem=fs)
            location = f"s3://{bucket}/{domain}/{name}/*.parquet"
            server = {"server": "mesh_s3", "type": "s3", "location": location, "format": "parquet"}
        elif place == "delta":
            folder = lake / "delta" / name
            deltalake.write_deltalake(str(folder), table)
            relative = Path("..", "..", "..", "..", "lake", "delta", name).as_posix()
            server = {"server": "local", "type": "local", "path": relative, "format": "delta"}
        else:
            if not iceberg.namespace_exists(domain):
                iceberg.create_namespace(domain)
            created = iceberg.create_table(f"{domain}.{name}", schema=_iceberg_schema(table))
            created.append(table.cast(_iceberg_schema(table)))
            server = {
                "server": "mesh_iceberg",
                "type": "custom",
                "format": "iceberg",
                "schema": domain,
            }
        _set_server(root, product_id, server)
        source.unlink()
    with (root / "privacymesh.toml").open("a") as f:
        f.write(
            "\n[sources.mesh_pg]\n"
            'type = "postgres"\nhost = "127.0.0.1"\n'
            f'port = {postgres.port}\ndatabase = "postgres"\nuser = "pm_admin"\n'
            f'password_env = "{PG_PASSWORD_ENV}"\n'
            "\n[sources.mesh_s3]\n"
            f'type = "s3"\nendpoint = "{s3.endpoint}"\nregion = "{s3.region}"\n'
            f'access_key_id_env = "{S3_KEY_ENV}"\nsecret_access_key_env = "{S3_SECRET_ENV}"\n'
            "\n[sources.mesh_iceberg]\n"
            'type = "iceberg"\ncatalog_db = "lake/catalog.db"\nwarehouse = "lake/warehouse"\n'
        )
    return {
        PG_PASSWORD_ENV: postgres.password,
        S3_KEY_ENV: s3.access_key,
        S3_SECRET_ENV: s3.secret_key,
    }


def _iceberg_schema(table: pa.Table) -> pa.Schema:
    """Iceberg keeps times in microseconds: the sample's nanosecond columns, if any, are
    stored as microseconds (the values are whole microseconds)."""
    fields = [
        f.with_type(pa.timestamp("us", f.type.tz))
        if pa.types.is_timestamp(f.type) and f.type.unit == "ns"
        else f
        for f in table.schema
    ]
    return pa.schema(fields)
