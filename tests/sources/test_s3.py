"""Files on the S3-protocol server: read lazily, recorded, rewritten with a swap, faults named."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest
from lake_data import orders_table, s3_source, write_orders_contract, write_workspace
from lake_servers import S3Server

from privacymesh.catalog import DataProduct, load_catalog
from privacymesh.errors import SourceError
from privacymesh.sources import open_connector
from privacymesh.sources.s3 import JOURNAL_PREFIX, S3FilesConnector
from privacymesh.sources.settings import source_settings
from privacymesh.workspace import load_workspace


def _product(
    root: Path, location: str, fmt: str = "parquet", settings_name: str = "lake"
) -> tuple[DataProduct, object]:
    server = {"server": "lake", "type": "s3", "location": location, "format": fmt}
    write_orders_contract(root / "contracts", server)
    ws = load_workspace(root)
    catalog = load_catalog(ws.catalog, ws)
    product = catalog.get("shop.orders")
    return product, source_settings(ws)[settings_name]


def _put_orders(server: S3Server, bucket: str) -> None:
    """The orders as two Parquet objects (three and two rows) and a CSV the glob must skip."""
    fs = _fs(server)
    table = orders_table()
    pq.write_table(table.slice(0, 3), f"{bucket}/orders/part-0.parquet", filesystem=fs)
    pq.write_table(table.slice(3), f"{bucket}/orders/part-1.parquet", filesystem=fs)
    with fs.open_output_stream(f"{bucket}/orders/notes.csv") as out:
        out.write(b"a,b\n1,2\n")


def _fs(server: S3Server) -> pafs.S3FileSystem:
    return pafs.S3FileSystem(
        access_key=server.access_key,
        secret_key=server.secret_key,
        endpoint_override=server.endpoint.removeprefix("http://"),
        scheme="http",
        region=server.region,
    )


def test_a_glob_of_parquet_objects_is_read_and_recorded(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    root = write_workspace(tmp_path, s3_source(s3_env))
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    connector = open_connector(product, settings)
    assert isinstance(connector, S3FilesConnector)
    data = connector.dataset().to_table(columns=["customer_id", "amount"])
    assert data.num_rows == 5
    assert sorted(data.column("customer_id").to_pylist()) == ["c1", "c1", "c2", "c3", "c4"]
    identity = connector.identity()
    assert identity["source"] == "lake"
    assert identity["location"] == f"s3://{bucket}/orders/*.parquet"
    assert (identity["files"], identity["rows"]) == (2, 5)
    assert len(identity["version"]) == 16
    assert connector.count("\"customer_id\" = 'c1'") == 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_objects_are_read_and_are_read_only(
    tmp_path: Path, s3_env: S3Server, bucket: str, fmt: str
) -> None:
    import pyarrow.csv as pacsv

    fs = _fs(s3_env)
    table = orders_table().drop_columns(["ordered_at"])
    with fs.open_output_stream(f"{bucket}/orders/all.{fmt}") as out:
        if fmt == "csv":
            pacsv.write_csv(table, out)
        else:
            rows = table.select(["order_id", "customer_id", "amount"]).to_pylist()
            lines = "".join(json.dumps(r) + "\n" for r in rows)
            out.write(lines.encode())
    root = write_workspace(tmp_path, s3_source(s3_env))
    product, settings = _product(root, f"s3://{bucket}/orders/", fmt)
    connector = open_connector(product, settings)
    assert connector.dataset().to_table().column("amount").to_pylist() == [
        10.0,
        20.5,
        7.25,
        100.0,
        3.0,
    ]
    assert connector.read_only == f"{fmt} objects are read-only: rewrite them at the source"
    with pytest.raises(SourceError, match="read-only"):
        connector.delete("\"customer_id\" = 'c1'")


def test_erasure_rewrites_only_the_objects_it_changes_with_a_swap(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    fs = _fs(s3_env)
    untouched = fs.get_file_info(f"{bucket}/orders/part-1.parquet")
    root = write_workspace(tmp_path, s3_source(s3_env))
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    connector = open_connector(product, settings)
    outcome = connector.delete("\"customer_id\" = 'c1'")
    assert outcome.rows == 2
    assert (outcome.before["rows"], outcome.after["rows"]) == (5, 3)
    assert outcome.before["version"] != outcome.after["version"]
    listed = s3_env.client().list_objects_v2(Bucket=bucket)["Contents"]
    keys = sorted(o["Key"] for o in listed if not o["Key"].endswith("/"))  # folder markers
    assert keys == ["orders/notes.csv", "orders/part-0.parquet", "orders/part-1.parquet"]
    left = pq.read_table(f"{bucket}/orders/part-0.parquet", filesystem=fs)
    assert left.column("order_id").to_pylist() == ["o2"]
    assert left.schema == orders_table().schema
    after = fs.get_file_info(f"{bucket}/orders/part-1.parquet")
    assert (after.mtime_ns, after.size) == (untouched.mtime_ns, untouched.size)
    # nothing left to delete: no object is written again
    again = connector.delete("\"customer_id\" = 'c1'")
    assert again.rows == 0 and again.before["version"] == again.after["version"]


def test_a_missing_bucket_is_an_error_naming_the_source(tmp_path: Path, s3_env: S3Server) -> None:
    root = write_workspace(tmp_path, s3_source(s3_env))
    product, settings = _product(root, "s3://no-such-bucket/orders/*.parquet")
    with pytest.raises(SourceError) as caught:
        open_connector(product, settings).dataset()
    assert "source 'lake' (s3)" in caught.value.message
    assert "no-such-bucket" in caught.value.message


def test_refused_keys_are_an_error_that_never_shows_the_secret(
    tmp_path: Path, s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _put_orders(s3_server, bucket)
    wrong = "planted-wrong-secret-2f9a"
    monkeypatch.setenv("PM_TEST_S3_KEY_ID", s3_server.access_key)
    monkeypatch.setenv("PM_TEST_S3_SECRET", wrong)
    root = write_workspace(tmp_path, s3_source(s3_server))
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    with pytest.raises(SourceError) as caught:
        open_connector(product, settings).dataset()
    assert "source 'lake' (s3): cannot list" in caught.value.message
    assert "SIGNATURE_DOES_NOT_MATCH" in caught.value.message
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)


def test_an_unset_key_variable_is_named(tmp_path: Path, s3_server: S3Server, bucket: str) -> None:
    root = write_workspace(tmp_path, s3_source(s3_server, prefix="PM_TEST_UNSET"))
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    with pytest.raises(SourceError, match="PM_TEST_UNSET_KEY_ID is not set"):
        open_connector(product, settings).dataset()


def test_dsar_erasure_blanks_cells_in_the_same_rewrite(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    root = write_workspace(tmp_path, s3_source(s3_env))
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    connector = open_connector(product, settings)
    outcome = connector.delete(
        "\"order_id\" = 'o4'", {"email": "regexp_matches(\"email\", 'ann@')"}
    )
    assert (outcome.rows, outcome.cells) == (1, {"email": 2})
    data = connector.dataset().to_table().sort_by("order_id")
    assert data.column("order_id").to_pylist() == ["o1", "o2", "o3", "o5"]
    assert data.column("email").to_pylist() == [None, "bo@example.org", None, "di@example.com"]


def test_an_s3_server_the_workspace_does_not_declare_is_refused(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    root = write_workspace(tmp_path, s3_source(s3_env, name="other"))
    product, _ = _product(root, f"s3://{bucket}/orders/*.parquet", settings_name="other")
    # no [sources.lake]: the machine's own credentials are never tried
    with pytest.raises(SourceError, match="the workspace declares no source of this name"):
        open_connector(product, None).dataset()


def test_a_location_outside_the_sources_prefix_is_refused(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    source = s3_source(s3_env) + f'location = "s3://{bucket}/shared/"\n'
    root = write_workspace(tmp_path, source)
    product, settings = _product(root, f"s3://{bucket}/orders/*.parquet")
    with pytest.raises(SourceError, match="outside the source's location"):
        open_connector(product, settings).dataset()


def _journal_keys(server: S3Server, bucket: str) -> list[str]:
    listed = server.client().list_objects_v2(Bucket=bucket, Prefix="orders/")
    return [o["Key"] for o in listed.get("Contents", []) if "/.privacymesh-erasure-" in o["Key"]]


def _customers(server: S3Server, bucket: str, key: str) -> list[str]:
    table = pq.read_table(f"{bucket}/orders/{key}", filesystem=_fs(server))
    return sorted(table.column("customer_id").to_pylist())


C1_OR_C3 = "\"customer_id\" IN ('c1', 'c3')"  # o1, o3 in part-0; o4 in part-1


def test_a_rewrite_that_stops_between_two_objects_is_resumed(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    root = write_workspace(tmp_path, s3_source(s3_env))
    connector = open_connector(*_product(root, f"s3://{bucket}/orders/*.parquet"))
    journal = connector.stage(C1_OR_C3)
    assert [s.target.rsplit("/", 1)[1] for s in journal.swaps] == [
        "part-0.parquet",
        "part-1.parquet",
    ]
    assert [(s.rows_kept, s.rows_deleted) for s in journal.swaps] == [(1, 2), (1, 1)]
    assert _journal_keys(s3_env, bucket) == [journal.key.split("/", 1)[1]]
    # the second object's staged copy is lost: the swap stops after the first object
    s3_env.client().delete_object(Bucket=bucket, Key=journal.swaps[1].staged.split("/", 1)[1])
    with pytest.raises(SourceError, match=r"stopped after 1 of 2 objects.*journal"):
        connector.swap(journal)
    assert _customers(s3_env, bucket, "part-0.parquet") == ["c2"]  # new
    assert _customers(s3_env, bucket, "part-1.parquet") == ["c3", "c4"]  # old, whole
    recorded = json.loads(
        s3_env.client().get_object(Bucket=bucket, Key=journal.key.split("/", 1)[1])["Body"].read()
    )
    assert [s["done"] for s in recorded["swaps"]] == [True, False]
    # keys, sizes and counts, never a value: the random bucket name and erasure id in the keys
    # are set aside first, as they may hold any pair of hex letters such as "c1"
    token = journal.key.rsplit(JOURNAL_PREFIX, 1)[1].removesuffix(".json")
    text = json.dumps(recorded).replace(bucket, "BUCKET").replace(token, "ID")
    assert "BUCKET/orders/.part-1.parquet.ID.staged" in text
    for value in ("o1", "o3", "o4", "c1", "c3", "ann@", "cy@"):
        assert value not in text

    # the erasure run again resumes the journal and rewrites what is left
    again = open_connector(*_product(root, f"s3://{bucket}/orders/*.parquet"))
    outcome = again.delete(C1_OR_C3)
    assert outcome.rows == 3  # two swapped before the stop, one now
    assert (outcome.before["rows"], outcome.after["rows"]) == (3, 2)
    assert _customers(s3_env, bucket, "part-1.parquet") == ["c4"]
    assert _journal_keys(s3_env, bucket) == []
    listed = s3_env.client().list_objects_v2(Bucket=bucket, Prefix="orders/")["Contents"]
    assert not [o["Key"] for o in listed if o["Key"].rsplit("/", 1)[1].startswith(".")]


def test_staged_objects_left_by_a_crash_are_swapped_by_the_next_erasure(
    tmp_path: Path, s3_env: S3Server, bucket: str
) -> None:
    _put_orders(s3_env, bucket)
    root = write_workspace(tmp_path, s3_source(s3_env))
    connector = open_connector(*_product(root, f"s3://{bucket}/orders/*.parquet"))
    connector.stage(C1_OR_C3)  # the process stops after staging: nothing swapped yet
    assert _customers(s3_env, bucket, "part-0.parquet") == ["c1", "c1", "c2"]
    again = open_connector(*_product(root, f"s3://{bucket}/orders/*.parquet"))
    resumed = again.resume()
    assert [s.done for j in resumed for s in j.swaps] == [True, True]
    assert _customers(s3_env, bucket, "part-0.parquet") == ["c2"]
    assert _customers(s3_env, bucket, "part-1.parquet") == ["c4"]
    assert _journal_keys(s3_env, bucket) == []
