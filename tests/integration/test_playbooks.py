"""playbooks/backup.yml and playbooks/restore.yml, run by FQCN against an inventory,
the way the README tells operators to."""
from __future__ import annotations

import pathlib
import sys

import yaml

from harness import ansible_playbook
from fixtures import om_database


def write_inventory(tmp_path: pathlib.Path, dbs, database: str) -> pathlib.Path:
    host_vars = {
        "ansible_connection": "local",
        "ansible_python_interpreter": sys.executable,
        "openmetadata_db_engine": dbs.engine,
        "openmetadata_db_user": dbs.module_args(database)["login_user"],
        "openmetadata_db_password": "",
        "openmetadata_db_port": dbs.module_args(database)["login_port"],
        "openmetadata_db_name": database,
        "openmetadata_backup_dir": str(tmp_path / "backups"),
        "openmetadata_version": "1.1.7",
    }
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"openmetadata": {"hosts": {"om-host-1": host_vars}}}))
    return inventory


def test_backup_and_restore_playbooks_by_fqcn(dbs, tmp_path):
    source = dbs.build()
    target = dbs.new_name()
    inventory = write_inventory(tmp_path, dbs, source)

    backup = ansible_playbook(["-i", str(inventory), "openmetadata.ops.backup"], tmp_path)
    assert backup.rc == 0, backup.output[-3000:] + backup.stderr[-2000:]
    path = backup.result("Back up the OpenMetadata database")["path"]
    again = ansible_playbook(["-i", str(inventory), "openmetadata.ops.backup"], tmp_path)
    assert again.rc == 0 and again.changed == 0

    restore_args = ["-i", str(inventory), "openmetadata.ops.restore", "-e", "openmetadata_restore_backup=%s" % path,
                    "-e", "openmetadata_restore_db_name=%s" % target,
                    "-e", "openmetadata_restore_expected_version=1.1"]
    dry = ansible_playbook(restore_args + ["--check"], tmp_path)
    assert dry.rc == 0 and not dbs.exists(target)
    restore = ansible_playbook(restore_args, tmp_path)
    assert restore.rc == 0, restore.output[-3000:]
    assert dbs.snapshot(target) == dbs.snapshot(source)
    assert ansible_playbook(restore_args, tmp_path).changed == 0


def test_restore_playbook_without_a_backup_says_what_to_set(dbs, tmp_path):
    inventory = write_inventory(tmp_path, dbs, "unused")
    run = ansible_playbook(["-i", str(inventory), "openmetadata.ops.restore"], tmp_path)
    assert run.rc != 0
    assert "openmetadata_restore_backup" in run.result("Check that a backup was named")["msg"]


def test_restore_as_superuser_gives_tables_to_the_openmetadata_user(playbook, tmp_path):
    """PostgreSQL: restoring as postgres must leave a database the OpenMetadata user owns."""
    from harness import Databases  # pylint: disable=import-outside-toplevel
    dbs = Databases("postgresql")
    role = "om_owner_%s" % tmp_path.name[-6:].lower().replace("-", "_")
    admin = om_database.connect("postgresql", None)
    with admin.cursor() as cur:
        cur.execute("DROP ROLE IF EXISTS %s" % role)
        cur.execute("CREATE ROLE %s LOGIN" % role)
    try:
        source = dbs.build()
        target = dbs.new_name()
        run = playbook([
            {"name": "backup", "openmetadata.ops.backup": dict(dbs.module_args(source), dest=str(tmp_path / "b")),
             "register": "out"},
            {"name": "restore", "openmetadata.ops.restore": dict(dbs.module_args(target), backup="{{ out.path }}",
                                                                 owner=role)},
        ])
        assert run.rc == 0, run.output[-3000:]
        conn = dbs.connect(target)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (target,))
            assert cur.fetchone()[0] == role
            cur.execute("SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
                        "AND c.relkind IN ('r', 'S')")
            assert [row[0] for row in cur.fetchall()] == [role]
        conn.close()
    finally:
        dbs.drop_all()
        with admin.cursor() as cur:
            cur.execute("DROP ROLE IF EXISTS %s" % role)
        admin.close()
