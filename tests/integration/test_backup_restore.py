"""The promises of the backup and restore modules, through ansible-playbook, on real servers."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import pathlib
import stat

import pytest

from harness import FIXTURE_ENGINE, Databases
from fixtures import om_database


def backup_task(args, name="backup", **extra):
    task = {"name": name, "openmetadata.ops.backup": args, "register": "out"}
    task.update(extra)
    return task


def restore_task(args, name="restore", **extra):
    task = {"name": name, "openmetadata.ops.restore": args, "register": "restored"}
    task.update(extra)
    return task


def backup_files(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def schema_of(dbs, name: str) -> dict[str, list]:
    """What OpenMetadata depends on besides the rows: column definitions (generated
    expressions included), keys and indexes, per table."""
    conn = dbs.connect(name)
    out = {}
    try:
        with conn.cursor() as cur:
            for table in om_database.list_tables(dbs.fixture_engine, conn):
                if dbs.engine == "mysql":
                    cur.execute("SHOW CREATE TABLE `%s`" % table)
                    out[table] = [cur.fetchone()[1]]
                else:
                    cur.execute(
                        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attgenerated, "
                        "a.attidentity, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                        ('public."%s"' % table,))
                    columns = cur.fetchall()
                    cur.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
                                "ORDER BY indexname", (table,))
                    indexes = [row[0] for row in cur.fetchall()]
                    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE conrelid = %s::regclass ORDER BY conname", ('public."%s"' % table,))
                    out[table] = [columns, indexes, cur.fetchall()]
    finally:
        conn.close()
    return out


@pytest.mark.parametrize("method", ["native", "client"])
def test_round_trip_restores_every_table_identically(dbs, playbook, tmp_path, method):
    source = dbs.build()
    target = dbs.new_name()
    dest = tmp_path / "backups"
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(dest), method=method, openmetadata_version="1.1.7")),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}", expected_version="1.1.7"),
                     name="restore"),
    ])
    assert run.rc == 0, run.output[-3000:]
    backup = run.result("backup")
    assert backup["changed"] is True
    manifest = json.loads(pathlib.Path(backup["manifest_path"]).read_text())
    assert manifest["openmetadata_version"] == "1.1.7"
    assert manifest["schema_version"]["flyway"] and manifest["schema_version"]["native"]
    assert manifest["method"] == method

    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert schema_of(dbs, target) == schema_of(dbs, source)
    restored = run.result("restore")
    assert restored["changed"] is True
    assert restored["rows"] == {t: len(rows) for t, rows in dbs.snapshot(source).items()}


def test_restored_database_works_like_the_original(dbs, playbook, tmp_path):
    """Generated columns, keys and defaults work in the restored database: a new entity
    row gets its id and name from its JSON, and a duplicate is refused."""
    source = dbs.build()
    target = dbs.new_name()
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
    ])
    assert run.rc == 0, run.output[-3000:]
    conn = dbs.connect(target)
    doc = json.dumps({"id": "6b8f4bb4-0000-4000-8000-000000000001", "name": "restored_check",
                      "fullyQualifiedName": "svc.db.schema.restored_check", "updatedAt": 1, "updatedBy": "test",
                      "deleted": False})
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO table_entity (json, fqnHash) VALUES (%s, %s)", (doc, "restoredcheckhash"))
            cur.execute("SELECT id, name FROM table_entity WHERE fqnHash = %s", ("restoredcheckhash",))
            assert cur.fetchone() == ("6b8f4bb4-0000-4000-8000-000000000001", "restored_check")
        if dbs.engine == "postgresql":
            conn.commit()
        with pytest.raises(Exception):
            with conn.cursor() as cur:
                cur.execute("INSERT INTO table_entity (json, fqnHash) VALUES (%s, %s)", (doc, "restoredcheckhash"))
    finally:
        conn.close()


def test_backup_files_are_private_and_manifest_describes_the_dump(dbs, playbook, tmp_path):
    source = dbs.build()
    dest = tmp_path / "private"
    run = playbook([backup_task(dict(dbs.module_args(source), dest=str(dest)))])
    assert run.rc == 0, run.output[-3000:]
    out = run.result("backup")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    for path in (out["path"], out["manifest_path"]):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    manifest = out["manifest"]
    assert manifest["size"] == os.path.getsize(out["path"])
    with gzip.open(out["path"], "rb") as handle:
        text = handle.read()
    assert len(text) == manifest["uncompressed_size"]
    assert set(manifest["tables"]) == set(dbs.snapshot(source))
    assert manifest["collection_version"]
    assert manifest["engine"] == ("mariadb" if dbs.engine == "mysql" else "postgresql")


def test_second_run_reports_no_change_and_check_mode_writes_nothing(dbs, playbook, tmp_path):
    source = dbs.build()
    target = dbs.new_name()
    dest = tmp_path / "backups"
    tasks = [
        backup_task(dict(dbs.module_args(source), dest=str(dest))),
        restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
    ]
    dry = playbook(tasks, check=True)
    assert dry.rc == 0, dry.output[-3000:]
    assert dry.result("backup")["changed"] is True
    assert not dest.exists(), "check mode created the backup folder"
    assert not dbs.exists(target), "check mode created the target database"

    first = playbook(tasks)
    assert first.rc == 0 and first.changed == 2, first.output[-3000:]
    files = backup_files(dest)
    second = playbook(tasks)
    assert second.rc == 0, second.output[-3000:]
    assert second.changed == 0
    assert second.result("backup")["reused"] is True
    assert backup_files(dest) == files

    # The data changes: the next run must not reuse the old backup.
    conn = dbs.connect(source)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM tag_usage")
    conn.commit()
    conn.close()
    third = playbook(tasks[:1])
    assert third.result("backup")["changed"] is True
    assert len(backup_files(dest)) == len(files) + 2


def test_force_and_keep_retention(dbs, playbook, tmp_path):
    source = dbs.build()
    dest = tmp_path / "backups"
    for _round in range(3):
        run = playbook([backup_task(dict(dbs.module_args(source), dest=str(dest), force=True, keep=2))])
        assert run.rc == 0 and run.result("backup")["changed"] is True
    assert len([f for f in backup_files(dest) if f.endswith(".sql.gz")]) == 2
    assert len([f for f in backup_files(dest) if f.endswith(".manifest.json")]) == 2
    assert len(run.result("backup")["removed"]) == 2


# ----------------------------------------------------------------------------------------
# Bad input: a clear message, nothing changed
# ----------------------------------------------------------------------------------------

def test_unreachable_server_and_unknown_database(dbs, playbook, tmp_path):
    dest = tmp_path / "b"
    run = playbook([
        backup_task(dict(dbs.module_args("nowhere_db", login_port=1), dest=str(dest)), name="unreachable",
                    ignore_errors=True),
        backup_task(dict(dbs.module_args("no_such_database_xyz"), dest=str(dest)), name="unknown",
                    ignore_errors=True),
    ])
    assert "cannot reach" in run.result("unreachable")["msg"]
    assert "login_host" in run.result("unreachable")["msg"]
    assert "does not exist" in run.result("unknown")["msg"]
    assert not dest.exists(), "a failed backup created its folder"


def test_not_an_openmetadata_database_is_refused(dbs, playbook, tmp_path):
    name = dbs.new_name()
    conn = om_database.connect(dbs.fixture_engine, None)
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE %s" % name)
    conn.close()
    run = playbook([backup_task(dict(dbs.module_args(name), dest=str(tmp_path / "b")), ignore_errors=True)])
    assert "no OpenMetadata change-log tables" in run.result("backup")["msg"]
    assert backup_files(tmp_path / "b") == []


def test_wrong_password_mariadb(playbook, tmp_path, mariadb_user_with_password):
    args = {"engine": "mysql", "login_user": mariadb_user_with_password["user"], "login_password": "wrong-one",
            "dest": str(tmp_path / "b")}
    run = playbook([backup_task(args, ignore_errors=True)])
    msg = run.result("backup")["msg"]
    assert "access denied" in msg and "login_password" in msg
    assert "wrong-one" not in run.output


def test_wrong_password_postgresql(playbook, tmp_path, private_postgresql):
    args = {"engine": "postgresql", "login_port": private_postgresql["port"], "login_user": "postgres",
            "login_password": "wrong-one", "database": "postgres", "dest": str(tmp_path / "b")}
    run = playbook([backup_task(args, ignore_errors=True)])
    msg = run.result("backup")["msg"]
    assert "password authentication failed" in msg
    assert "wrong-one" not in run.output


def test_dest_that_is_a_file_or_read_only(dbs, playbook, tmp_path, read_only_dir):
    source = dbs.build()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(a_file)), name="file", ignore_errors=True),
        backup_task(dict(dbs.module_args(source), dest=str(read_only_dir / "sub")), name="readonly",
                    ignore_errors=True),
    ])
    assert "not a folder" in run.result("file")["msg"]
    assert "not writable" in run.result("readonly")["msg"] or "cannot" in run.result("readonly")["msg"]
    assert a_file.read_text() == "x"


def test_disk_full_during_the_dump_leaves_no_partial_file(dbs, playbook, small_filesystem):
    source = dbs.build(size_bytes=8 * 1024 * 1024)
    run = playbook([backup_task(dict(dbs.module_args(source), dest=str(small_filesystem), compress_level=1),
                                ignore_errors=True)])
    msg = run.result("backup")["msg"]
    assert "no space left" in msg and "partial file was removed" in msg
    assert backup_files(small_filesystem) == []


def test_corrupted_or_truncated_backup_leaves_the_target_untouched(dbs, playbook, tmp_path):
    source = dbs.build()
    dest = tmp_path / "b"
    made = playbook([backup_task(dict(dbs.module_args(source), dest=str(dest)))])
    dump = pathlib.Path(made.result("backup")["path"])
    original = dump.read_bytes()

    # A target that holds other data and would be wiped: it must survive a bad backup.
    existing = dbs.build(seed=7)
    before = dbs.snapshot(existing)
    fresh = dbs.new_name()

    corrupted = bytearray(original)
    corrupted[len(corrupted) // 2] ^= 0xFF
    for damaged, word in ((bytes(corrupted), "corrupted"), (original[: len(original) // 2], "truncated")):
        dump.write_bytes(damaged)
        run = playbook([
            restore_task(dict(dbs.module_args(existing), backup=str(dump), wipe=True), name="existing",
                         ignore_errors=True),
            restore_task(dict(dbs.module_args(fresh), backup=str(dump)), name="fresh", ignore_errors=True),
        ])
        for task in ("existing", "fresh"):
            result = run.result(task)
            assert result.get("failed") is True
            assert word in result["msg"] and "not touched" in result["msg"], result["msg"]
        assert dbs.snapshot(existing) == before
        assert not dbs.exists(fresh)


def broken_backup(dbs, playbook, tmp_path) -> pathlib.Path:
    """A backup whose files are intact (manifest sha256 matches) but whose SQL fails
    midway: one statement names a table that does not exist."""
    source = dbs.build()
    made = playbook([backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b")))])
    out = made.result("backup")
    dump = pathlib.Path(out["path"])
    with gzip.open(dump, "rb") as handle:
        text = handle.read()
    marker = b"INSERT INTO `tag_usage`" if dbs.engine == "mysql" else b'COPY "tag_usage"'
    assert marker in text
    dump.write_bytes(gzip.compress(text.replace(marker, marker.replace(b"tag_usage", b"no_such_table_zz"), 1)))
    manifest_path = pathlib.Path(out["manifest_path"])
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"] = hashlib.sha256(dump.read_bytes()).hexdigest()
    manifest["size"] = dump.stat().st_size
    manifest_path.write_text(json.dumps(manifest))
    return dump


def test_failed_statement_fails_the_restore_and_drops_the_database_it_created(dbs, playbook, tmp_path):
    dump = broken_backup(dbs, playbook, tmp_path)
    target = dbs.new_name()
    run = playbook([restore_task(dict(dbs.module_args(target), backup=str(dump)), ignore_errors=True)])
    msg = run.result("restore")["msg"]
    assert "failed" in msg and "no_such_table_zz" in msg and "dropped again" in msg
    assert not dbs.exists(target)


def test_failed_wipe_restore_leaves_the_existing_target_as_it_was(dbs, playbook, tmp_path):
    """The rollback case: replacing a live database must never leave it half-restored."""
    dump = broken_backup(dbs, playbook, tmp_path)
    existing = dbs.build(seed=5)
    before = dbs.snapshot(existing)
    run = playbook([restore_task(dict(dbs.module_args(existing), backup=str(dump), wipe=True), ignore_errors=True)])
    result = run.result("restore")
    assert result.get("failed") is True and "no_such_table_zz" in result["msg"]
    assert dbs.snapshot(existing) == before
    assert not dbs.exists(existing + "__omops_new")


def test_restore_refuses_non_empty_target_and_other_versions(dbs, playbook, tmp_path):
    source = dbs.build()
    other = dbs.build(seed=3)
    before = dbs.snapshot(other)
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"), openmetadata_version="1.1.7")),
        restore_task(dict(dbs.module_args(other), backup="{{ out.path }}"), name="nonempty", ignore_errors=True),
        restore_task(dict(dbs.module_args(dbs.new_name()), backup="{{ out.path }}", expected_version="1.2.0"),
                     name="version", ignore_errors=True),
    ])
    assert "not empty" in run.result("nonempty")["msg"] and "wipe" in run.result("nonempty")["msg"]
    assert "expected_version is 1.2.0" in run.result("version")["msg"]
    assert dbs.snapshot(other) == before


def test_wipe_replaces_a_non_empty_target(dbs, playbook, tmp_path):
    source = dbs.build()
    other = dbs.build(seed=3)
    run = playbook([
        backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
        restore_task(dict(dbs.module_args(other), backup="{{ out.path }}", wipe=True)),
    ])
    assert run.rc == 0, run.output[-3000:]
    assert dbs.snapshot(other) == dbs.snapshot(source)


def test_backup_of_another_engine_is_refused(playbook, tmp_path):
    """A MariaDB backup offered to PostgreSQL is refused before anything happens."""
    dbs_my = Databases("mysql")
    try:
        source = dbs_my.build()
        run = playbook([
            backup_task(dict(dbs_my.module_args(source), dest=str(tmp_path / "b"))),
            restore_task({"engine": "postgresql", "login_user": "postgres", "database": "never_created_x",
                          "backup": "{{ out.path }}"}, ignore_errors=True),
        ])
        assert "cannot be restored into postgresql" in run.result("restore")["msg"]
    finally:
        dbs_my.drop_all()


def test_fixture_engines_are_the_module_engines():
    assert set(FIXTURE_ENGINE.values()) == set(om_database.ENGINES)


def test_mariadb_float_columns_keep_their_exact_values(playbook, tmp_path):
    """MariaDB prints FLOAT with 6 digits; the dump must not round (1/3, 16777217, max)."""
    dbs = Databases("mysql")
    try:
        source = dbs.build()
        conn = dbs.connect(source)
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE float_check (id INT PRIMARY KEY, f FLOAT, d DOUBLE)")
            cur.execute("INSERT INTO float_check VALUES (1, 1/3, 1/3), (2, 16777216, 0.1), (3, 3.4028234e38, -0.0), "
                        "(4, 1.17549435e-38, 1e308), (5, NULL, NULL)")
        conn.commit()
        conn.close()
        target = dbs.new_name()
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
            restore_task(dict(dbs.module_args(target), backup="{{ out.path }}")),
        ])
        assert run.rc == 0, run.output[-3000:]
        conn = dbs.connect(source)
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM `%s`.float_check s JOIN `%s`.float_check t ON s.id = t.id "
                        "AND s.f <=> t.f AND s.d <=> t.d" % (source, target))
            assert cur.fetchone()[0] == 5
        conn.close()
    finally:
        dbs.drop_all()


def test_postgresql_native_backup_restores_into_another_schema(playbook, tmp_path):
    dbs = Databases("postgresql")
    try:
        source = dbs.build()
        target = dbs.new_name()
        run = playbook([
            backup_task(dict(dbs.module_args(source), dest=str(tmp_path / "b"))),
            restore_task(dict(dbs.module_args(target), schema="om_other", backup="{{ out.path }}")),
        ])
        assert run.rc == 0, run.output[-3000:]

        def indexes(name, schema):
            conn = dbs.connect(name)
            with conn.cursor() as cur:
                cur.execute("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2",
                            (schema,))
                found = cur.fetchall()
            conn.close()
            return found

        assert indexes(target, "om_other") == indexes(source, "public")
        assert indexes(target, "public") == []
    finally:
        dbs.drop_all()
