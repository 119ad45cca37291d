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


def _om_user_without_create(dbs, database: str, password: str) -> str:
    """An OpenMetadata user like upstream's: all rights on its own database, none to create another."""
    user = "om_user_%s" % database[-8:]
    admin = om_database.connect(dbs.fixture_engine, None)
    with admin.cursor() as cur:
        if dbs.engine == "mysql":
            cur.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
            cur.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@'127.0.0.1'" % database, (user,))
        else:
            cur.execute("CREATE ROLE %s LOGIN NOCREATEDB PASSWORD '%s'" % (user, password))
    admin.close()
    return user


def _drop_user(dbs, user: str) -> None:
    admin = om_database.connect(dbs.fixture_engine, None)
    with admin.cursor() as cur:
        if dbs.engine == "mysql":
            cur.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        else:
            cur.execute("DROP ROLE IF EXISTS %s" % user)
    admin.close()


def _restore_inventory(tmp_path: pathlib.Path, dbs, database: str, om_user: str, password: str,
                       **extra) -> pathlib.Path:
    inventory = write_inventory(tmp_path, dbs, database)
    data = yaml.safe_load(inventory.read_text())
    host = data["openmetadata"]["hosts"]["om-host-1"]
    host.update({"openmetadata_db_user": om_user, "openmetadata_db_password": password,
                 "openmetadata_db_host": "127.0.0.1"})
    host.update(extra)
    inventory = tmp_path / "restore-inventory.yml"
    inventory.write_text(yaml.safe_dump(data))
    return inventory


def test_restore_playbook_logs_in_as_the_admin_user_of_the_inventory(dbs, tmp_path):
    """The guide's inventory names an admin user: restore.yml restores as that user (the OpenMetadata
    user may not create a database), with the admin's password, from a path relative to where
    ansible-playbook ran; on PostgreSQL the restored database belongs to the OpenMetadata user."""
    source = dbs.build()
    target = dbs.new_name()
    backup = ansible_playbook(["-i", str(write_inventory(tmp_path, dbs, source)), "openmetadata.ops.backup"], tmp_path)
    assert backup.rc == 0, backup.output[-3000:]
    path = pathlib.Path(backup.result("Back up the OpenMetadata database")["path"])
    password = "Om-Pw-%s" % target[-6:]
    om_user = _om_user_without_create(dbs, source, password)
    try:
        restore_args = ["-e", "openmetadata_restore_backup=%s" % path.name,  # relative to cwd
                        "-e", "openmetadata_restore_db_name=%s" % target]
        # Without an admin user the OpenMetadata user cannot create the database: the failure this fixes.
        as_om_user = ansible_playbook(["-i", str(_restore_inventory(tmp_path, dbs, source, om_user, password)),
                                       "openmetadata.ops.restore"] + restore_args, tmp_path, cwd=path.parent)
        assert as_om_user.rc != 0 and not dbs.exists(target)
        assert as_om_user.result("Restore the backup and verify every table against the manifest")["failed"]

        admin = {"mysql": "root", "postgresql": "postgres"}[dbs.engine]
        inventory = _restore_inventory(tmp_path, dbs, source, om_user, password,
                                       openmetadata_db_admin_user=admin, openmetadata_db_admin_password="")
        run = ansible_playbook(["-i", str(inventory), "openmetadata.ops.restore"] + restore_args, tmp_path,
                               cwd=path.parent)
        assert run.rc == 0, run.output[-3000:]
        assert dbs.snapshot(target) == dbs.snapshot(source)
        if dbs.engine == "postgresql":
            conn = dbs.connect(target)
            with conn.cursor() as cur:
                cur.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (target,))
                assert cur.fetchone()[0] == om_user
            conn.close()
    finally:
        dbs.drop_all()  # the databases the user owns first
        _drop_user(dbs, om_user)


def test_restore_playbook_login_user_override_does_not_take_the_om_password(tmp_path):
    """openmetadata_restore_login_user without a password logs in without one (root here), not with
    the OpenMetadata user's password, which the server would refuse for root."""
    from harness import Databases  # pylint: disable=import-outside-toplevel
    dbs = Databases("mysql")
    try:
        source = dbs.build()
        target = dbs.new_name()
        backup = ansible_playbook(["-i", str(write_inventory(tmp_path, dbs, source)), "openmetadata.ops.backup"],
                                  tmp_path)
        path = backup.result("Back up the OpenMetadata database")["path"]
        inventory = _restore_inventory(tmp_path, dbs, source, "openmetadata_user", "not-root's-password")
        run = ansible_playbook(["-i", str(inventory), "openmetadata.ops.restore",
                                "-e", "openmetadata_restore_backup=%s" % path,
                                "-e", "openmetadata_restore_db_name=%s" % target,
                                "-e", "openmetadata_restore_login_user=root"], tmp_path)
        assert run.rc == 0, run.output[-3000:]
        assert dbs.snapshot(target) == dbs.snapshot(source)
    finally:
        dbs.drop_all()


def test_restore_playbook_refuses_a_relative_path_on_a_remote_host(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"openmetadata": {"hosts": {"om-remote": {
        "ansible_host": "192.0.2.1", "ansible_connection": "ssh"}}}}))
    run = ansible_playbook(["-i", str(inventory), "openmetadata.ops.restore",
                            "-e", "openmetadata_restore_backup=backups/x.sql.gz"], tmp_path, cwd=tmp_path)
    assert run.rc != 0
    msg = run.result("Check that a relative backup path can be resolved")["msg"]
    assert "relative path" in msg and "absolute path" in msg and "/var/backups/openmetadata/x.sql.gz" in msg
    assert not run.results("Restore the backup and verify every table against the manifest")
