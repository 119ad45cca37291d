"""Native backups with parallel jobs (``jobs: 2``) on the real servers: the same dump as one
job, a restore identical to the source, and one view of the data for every job."""
from __future__ import annotations

# pytest injects fixtures by parameter name, which pylint reads as shadowing.
# pylint: disable=redefined-outer-name

import gzip
import json
import pathlib
import threading

import pytest

from harness import ADMIN
from test_backup_restore import backup_task, restore_task, schema_of
from test_backup_restore_objects import add_every_kind_of_object, catalog_of

from ansible_collections.openmetadata.ops.plugins.module_utils.database import parallel
from ansible_collections.openmetadata.ops.plugins.module_utils.database.backup import take_backup
from ansible_collections.openmetadata.ops.plugins.module_utils.database.db import DbParams


def params_of(dbs, name: str) -> DbParams:
    return DbParams(engine=dbs.engine, host="127.0.0.1", port=ADMIN[dbs.engine]["login_port"],
                    user=ADMIN[dbs.engine]["login_user"], database=name)


def sql_of(path: str) -> bytes:
    return gzip.decompress(pathlib.Path(path).read_bytes())


def test_two_jobs_write_the_same_dump_and_restore_identically(dbs, playbook, tmp_path):
    source = dbs.build(size_bytes=2 * 1024 * 1024)
    add_every_kind_of_object(dbs, source)
    target = dbs.new_name()
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "one")), name="one job"),
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "two"), jobs=2), name="two jobs"),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
    ])
    assert run.rc == 0, run.output[-3000:]
    one, two = run.result("one job"), run.result("two jobs")
    assert two["jobs"] == 2 and one["jobs"] == 1 and not two.get("warnings")
    assert sql_of(two["path"]) == sql_of(one["path"])  # several gzip members, the same SQL text
    manifests = [json.loads(pathlib.Path(r["manifest_path"]).read_text()) for r in (one, two)]
    assert manifests[0]["tables"] == manifests[1]["tables"]
    assert manifests[1]["uncompressed_size"] == len(sql_of(two["path"]))
    assert [p.name for p in (tmp_path / "two").iterdir() if p.name.startswith(".")] == []  # no segments left
    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert schema_of(dbs, target) == schema_of(dbs, source)
    assert catalog_of(dbs, target) == catalog_of(dbs, source)


def _count(dbs, name: str, table: str) -> int:
    conn = dbs.connect(name)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM %s" % table)
            return cur.fetchone()[0]
    finally:
        conn.close()


def _add_tag(dbs, name: str, tag: str) -> None:
    conn = dbs.connect(name)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO tag_usage (source, tagFQN, labelType, state, tagFQNHash, targetFQNHash) "
                        "VALUES (0, %s, 0, 1, %s, %s)", (tag, tag, tag))
        conn.commit()
    finally:
        conn.close()


def test_a_write_committed_while_the_jobs_start_is_in_none_of_them(dbs, tmp_path, monkeypatch):
    """PostgreSQL: the jobs import the main transaction's snapshot, so a row committed after
    it began is in no job's view. MySQL: the jobs start their snapshots under LOCK TABLES,
    so the write waits until every job has its view, and is in none of them either."""
    source = dbs.build()
    before = _count(dbs, source, "tag_usage")
    writers: list[threading.Thread] = []
    original = parallel.TableJobs.__init__

    def start_jobs_after_a_write(self, *args, **kwargs):
        writer = threading.Thread(target=_add_tag, args=(dbs, source, "omops.parallel.test"))
        writer.start()
        writers.append(writer)
        if dbs.engine == "postgresql":
            writer.join()  # committed before any job starts
        else:
            writer.join(timeout=1)
            assert writer.is_alive(), "the write must wait for the lock that holds the jobs' view"
        original(self, *args, **kwargs)

    monkeypatch.setattr(parallel.TableJobs, "__init__", start_jobs_after_a_write)
    result = take_backup(params_of(dbs, source), str(tmp_path), jobs=2)
    for writer in writers:
        writer.join(timeout=60)
    assert writers and result["jobs"] == 2
    assert result["rows"]["tag_usage"] == before
    assert b"omops.parallel.test" not in sql_of(result["path"])
    assert _count(dbs, source, "tag_usage") == before + 1  # the write went through after all


@pytest.mark.parametrize("engine", ["mysql"], indirect=True)
def test_mysql_jobs_fall_back_to_one_connection_while_a_writer_holds_a_table(dbs, tmp_path, monkeypatch):
    """A running OpenMetadata with a write transaction open: the lock that would give every
    job one view cannot be had in time, so the backup reads over its one connection."""
    source = dbs.build()
    monkeypatch.setattr(parallel, "LOCK_WAIT_SECONDS", 1)
    busy = dbs.connect(source)
    try:
        with busy.cursor() as cur:
            cur.execute("START TRANSACTION")
            cur.execute("INSERT INTO tag_usage (source, tagFQN, labelType, state, tagFQNHash, targetFQNHash) "
                        "VALUES (0, 'uncommitted', 0, 1, 'u', 'u')")
        result = take_backup(params_of(dbs, source), str(tmp_path), jobs=2)
    finally:
        busy.rollback()
        busy.close()
    assert result["jobs"] == 1
    assert "LOCK TABLES" in result["warnings"][0] and "one connection" in result["warnings"][0]
    assert b"uncommitted" not in sql_of(result["path"])


def test_restore_with_two_jobs_is_identical_and_still_verified(dbs, playbook, tmp_path):
    """MySQL: the INSERTs and the verification run over two connections; PostgreSQL ignores
    jobs (one transaction). Either way the restored database equals the source."""
    source = dbs.build(size_bytes=1024 * 1024)
    add_every_kind_of_object(dbs, source)
    target = dbs.new_name()
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"), jobs=2)),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}", jobs=2)),
    ])
    assert run.rc == 0, run.output[-3000:]
    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert schema_of(dbs, target) == schema_of(dbs, source)
    assert catalog_of(dbs, target) == catalog_of(dbs, source)


@pytest.mark.parametrize("engine", ["mysql"], indirect=True)
def test_a_failing_insert_under_two_jobs_fails_the_restore_and_drops_what_it_made(dbs, tmp_path):
    from ansible_collections.openmetadata.ops.plugins.module_utils.database.restore import (  # pylint: disable=import-outside-toplevel
        RestoreError, restore_backup,
    )
    source = dbs.build()
    result = take_backup(params_of(dbs, source), str(tmp_path))
    text = sql_of(result["path"])
    broken = text.replace(b"INSERT INTO `tag_usage` (", b"INSERT INTO `tag_usage` (`no_such_column`, ", 1)
    assert broken != text
    path = pathlib.Path(result["path"])
    path.write_bytes(gzip.compress(broken))
    manifest_path = pathlib.Path(result["manifest_path"])
    manifest = json.loads(manifest_path.read_text())
    import hashlib  # pylint: disable=import-outside-toplevel
    manifest.update(size=path.stat().st_size, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    manifest_path.write_text(json.dumps(manifest))
    target = dbs.new_name()
    with pytest.raises(RestoreError, match="no_such_column"):
        restore_backup(params_of(dbs, target), str(path), jobs=2)
    assert not dbs.exists(target)


def test_a_job_that_fails_fails_the_backup_and_leaves_nothing(dbs, tmp_path, monkeypatch):
    """A table a job cannot read fails the backup with a BackupError naming it; no dump,
    no manifest and no segment folder remain."""
    from ansible_collections.openmetadata.ops.plugins.module_utils.database import backup  # pylint: disable=import-outside-toplevel
    from ansible_collections.openmetadata.ops.plugins.module_utils.database import mysql_engine, postgresql_engine  # pylint: disable=import-outside-toplevel
    source = dbs.build()
    if dbs.engine == "mysql":
        original = mysql_engine.dump_table

        def failing(conn, table, write, on_rows=None):
            if table == "tag_usage":
                raise RuntimeError("cannot read tag_usage")
            return original(conn, table, write, on_rows)
        monkeypatch.setattr(mysql_engine, "dump_table", failing)
    else:
        original = postgresql_engine.copy_out_columns

        def failing(cur, schema, table, column_list, write, on_rows=None):
            if table == "tag_usage":
                raise RuntimeError("cannot read tag_usage")
            return original(cur, schema, table, column_list, write, on_rows)
        monkeypatch.setattr(postgresql_engine, "copy_out_columns", failing)
    with pytest.raises(backup.BackupError, match="tag_usage"):
        take_backup(params_of(dbs, source), str(tmp_path), jobs=2)
    assert list(tmp_path.iterdir()) == []
