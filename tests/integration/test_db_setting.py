"""The promises of the db_setting module, through ansible-playbook, on private servers.

Every test gets a fresh private MariaDB or PostgreSQL (the shared ones are never touched),
keeps its state_file under tmp_path and, on MariaDB, its option file under the private
instance's conf.d (read by the server through ``!includedir``).
"""
from __future__ import annotations

import os
import json
import pathlib
import re
import stat
from typing import Any, Optional


from fixtures import om_database

MB20 = 20 * 1024 * 1024
MB64 = 64 * 1024 * 1024
PRIVILEGE = re.compile(r"SUPER|SYSTEM_VARIABLES_ADMIN", re.IGNORECASE)
UNITS = {"": 1, "k": 1024, "kb": 1024, "m": 1024 ** 2, "mb": 1024 ** 2, "g": 1024 ** 3, "gb": 1024 ** 3}


def to_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    assert match and match.group(2).lower() in UNITS, "not a size: %r" % text
    return int(match.group(1)) * UNITS[match.group(2).lower()]


def setting_task(args: dict[str, Any], name: str = "setting", **extra: Any) -> dict[str, Any]:
    task = {"name": name, "openmetadata.ops.db_setting": args, "register": "out"}
    task.update(extra)
    return task


def describe(run) -> str:
    return "rc=%s\n%s\n%s" % (run.rc, run.output[-4000:], run.stderr[-2000:])


def assert_ok(run) -> None:
    assert run.rc == 0 and run.failed == 0, describe(run)


# --- MariaDB helpers ---------------------------------------------------------------------------

def module_args(connection: dict[str, Any], tmp_path: pathlib.Path, extra: dict[str, Any]) -> dict[str, Any]:
    """db_setting arguments: the connection, 20MB, a state file under tmp_path, then ``extra``
    (a revert drops ``value`` unless the test gives one)."""
    args = dict(connection, value="20MB", state_file=str(tmp_path / "state.json"))
    args.update(extra)
    if args.get("state") == "reverted" and "value" not in extra:
        del args["value"]
    return args


def mysql_args(server: dict[str, Any], tmp_path: pathlib.Path, **extra: Any) -> dict[str, Any]:
    return module_args({"engine": "mysql", "login_host": "127.0.0.1", "login_port": server["port"],
                        "login_user": "root", "login_password": "", "name": "sort_buffer_size",
                        "option_file": server["option_file"]}, tmp_path, extra)


def mysql_revert_args(server: dict[str, Any], tmp_path: pathlib.Path, **extra: Any) -> dict[str, Any]:
    return mysql_args(server, tmp_path, state="reverted", **extra)


def mysql_global(server: dict[str, Any], name: str = "sort_buffer_size") -> int:
    """The global value as a brand-new connection sees it."""
    conn = om_database.connect("mariadb", None, port=server["port"], user="root")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT @@GLOBAL.%s" % name)
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def mysql_execute(server: dict[str, Any], sql: str) -> None:
    conn = om_database.connect("mariadb", None, port=server["port"], user="root")
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def option_file_values(path: pathlib.Path, name: str = "sort_buffer_size") -> list[str]:
    """The values of every active (uncommented) ``name = value`` line (- and _ are the same)."""
    pattern = re.compile(r"^\s*%s\s*=\s*(\S+)\s*$" % name.replace("_", "[-_]"), re.IGNORECASE)
    return [m.group(1) for m in map(pattern.match, path.read_text().splitlines()) if m]


# --- PostgreSQL helpers ------------------------------------------------------------------------

def pg_args(server: dict[str, Any], tmp_path: pathlib.Path, **extra: Any) -> dict[str, Any]:
    return module_args({"engine": "postgresql", "login_host": "127.0.0.1", "login_port": server["port"],
                        "login_user": server["user"], "login_password": server["password"],
                        "name": "work_mem"}, tmp_path, extra)


def pg_revert_args(server: dict[str, Any], tmp_path: pathlib.Path, **extra: Any) -> dict[str, Any]:
    return pg_args(server, tmp_path, state="reverted", **extra)


def pg_show(server: dict[str, Any], user: str = "om_user", password: str = "om-pass",
            database: str = "openmetadata_db") -> str:
    """SHOW work_mem from a brand-new password-authenticated connection."""
    conn = om_database.connect("postgresql", database, port=server["port"], user=user, password=password)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW work_mem")
            return cur.fetchone()[0]
    finally:
        conn.close()


def pg_role_settings(server: dict[str, Any], database: Optional[str] = None,
                     role: Optional[str] = None) -> list[tuple]:
    """pg_db_role_setting rows of a database (any role) or of a role (any database)."""
    conn = om_database.connect("postgresql", None, port=server["port"], user=server["user"],
                               password=server["password"])
    try:
        with conn.cursor() as cur:
            if database is not None:
                cur.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                            "WHERE d.datname = %s", (database,))
            else:
                cur.execute("SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                            "WHERE r.rolname = %s", (role,))
            return cur.fetchall()
    finally:
        conn.close()


def auto_conf(server: dict[str, Any]) -> str:
    return (pathlib.Path(server["conf_dir"]) / "postgresql.auto.conf").read_text()


# === MariaDB ===================================================================================

def test_mariadb_apply_persists_across_restart_and_revert_restores_original(private_mariadb, playbook, tmp_path):
    server = private_mariadb
    option_file = pathlib.Path(server["option_file"])
    original = mysql_global(server)
    assert original != MB20

    applied = playbook([setting_task(mysql_args(server, tmp_path))])
    assert_ok(applied)
    assert applied.result("setting")["changed"] is True
    assert mysql_global(server) == MB20
    assert option_file.exists()
    assert stat.S_IMODE(option_file.stat().st_mode) in (0o600, 0o644)
    assert [to_bytes(v) for v in option_file_values(option_file)] == [MB20], option_file.read_text()

    server["restart"]()
    assert mysql_global(server) == MB20, "the server did not keep the value after a restart"

    reverted = playbook([setting_task(mysql_revert_args(server, tmp_path))])
    assert_ok(reverted)
    assert reverted.result("setting")["changed"] is True
    assert mysql_global(server) == original
    assert not option_file.exists()

    server["restart"]()
    assert mysql_global(server) == original


def test_mariadb_apply_twice_second_run_changes_nothing(private_mariadb, playbook, tmp_path):
    assert_ok(playbook([setting_task(mysql_args(private_mariadb, tmp_path))]))
    again = playbook([setting_task(mysql_args(private_mariadb, tmp_path))])
    assert_ok(again)
    assert again.changed == 0, describe(again)


def test_mariadb_revert_twice_second_run_changes_nothing(private_mariadb, playbook, tmp_path):
    assert_ok(playbook([setting_task(mysql_args(private_mariadb, tmp_path))]))
    assert_ok(playbook([setting_task(mysql_revert_args(private_mariadb, tmp_path))]))
    again = playbook([setting_task(mysql_revert_args(private_mariadb, tmp_path))])
    assert_ok(again)
    assert again.changed == 0, describe(again)


def test_mariadb_state_file_is_private(private_mariadb, playbook, tmp_path):
    assert_ok(playbook([setting_task(mysql_args(private_mariadb, tmp_path))]))
    state_file = tmp_path / "state.json"
    assert state_file.exists()
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600


def test_mariadb_existing_option_file_line_edited_and_restored_byte_identical(
        private_mariadb, playbook, tmp_path):
    option_file = pathlib.Path(private_mariadb["option_file"])
    original = ("# tuned by hand for OpenMetadata, keep this comment\n"
                "[mysqld]\n"
                "max_connections = 151\n"
                "sort_buffer_size = 4M   \n"
                "# sort_buffer_size = 1M (old value)\n"
                "\n").encode()
    option_file.write_bytes(original)
    os.chmod(option_file, 0o644)

    assert_ok(playbook([setting_task(mysql_args(private_mariadb, tmp_path))]))
    text = option_file.read_text()
    assert [to_bytes(v) for v in option_file_values(option_file)] == [MB20], text
    assert "# tuned by hand for OpenMetadata, keep this comment" in text
    assert "max_connections = 151" in text

    assert_ok(playbook([setting_task(mysql_revert_args(private_mariadb, tmp_path))]))
    assert option_file.read_bytes() == original


def test_mariadb_at_least_never_lowers_a_larger_value(private_mariadb, playbook, tmp_path):
    mysql_execute(private_mariadb, "SET GLOBAL sort_buffer_size = %d" % MB64)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path))])
    assert_ok(run)
    assert run.result("setting")["changed"] is False
    assert mysql_global(private_mariadb) == MB64


def test_mariadb_exact_lowers_a_larger_value(private_mariadb, playbook, tmp_path):
    mysql_execute(private_mariadb, "SET GLOBAL sort_buffer_size = %d" % MB64)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path, mode="exact"))])
    assert_ok(run)
    assert run.result("setting")["changed"] is True
    assert mysql_global(private_mariadb) == MB20


def test_mariadb_equal_values_in_other_units_change_nothing(private_mariadb, playbook, tmp_path):
    assert_ok(playbook([setting_task(mysql_args(private_mariadb, tmp_path, value="20MB"))]))
    spellings = ["20M", "20971520", "20480kB"]
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path, value=v), name="as " + v) for v in spellings])
    assert_ok(run)
    for spelling in spellings:
        assert run.result("as " + spelling)["changed"] is False, spelling
    assert run.changed == 0


def test_mariadb_check_mode_changes_nothing(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path))], check=True)
    assert_ok(run)
    assert run.result("setting")["changed"] is True
    assert mysql_global(private_mariadb) == original
    assert not pathlib.Path(private_mariadb["option_file"]).exists()
    assert not (tmp_path / "state.json").exists()


def test_mariadb_diff_shows_before_and_after(private_mariadb, playbook, tmp_path):
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path))], check=True, diff=True)
    assert_ok(run)
    diff = run.result("setting").get("diff")
    assert diff, describe(run)
    diff = diff[0] if isinstance(diff, list) else diff
    assert isinstance(diff["before"], str) and isinstance(diff["after"], str)
    assert str(MB20) in diff["after"] or "20M" in diff["after"], diff
    assert str(MB20) not in diff["before"], diff


def test_mariadb_missing_privilege_fails_naming_it_and_changes_nothing(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    args = mysql_args(private_mariadb, tmp_path, login_user="om_user", login_password="om-pass")
    run = playbook([setting_task(args)])
    result = run.result("setting")
    assert result.get("failed") is True, describe(run)
    assert PRIVILEGE.search(result["msg"]), result["msg"]
    assert mysql_global(private_mariadb) == original
    assert not pathlib.Path(private_mariadb["option_file"]).exists()
    state = tmp_path / "state.json"
    assert not state.exists() or json.loads(state.read_text()) == {}, "a refused change left a record to revert"


def test_mariadb_revert_in_a_new_run_after_a_crash_restores_original(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    crashed = playbook([setting_task(mysql_args(private_mariadb, tmp_path)),
                        {"name": "crash", "ansible.builtin.fail": {"msg": "upgrade crashed"}}])
    assert crashed.result("setting")["changed"] is True
    assert crashed.failed == 1
    assert mysql_global(private_mariadb) == MB20

    reverted = playbook([setting_task(mysql_revert_args(private_mariadb, tmp_path))])
    assert_ok(reverted)
    assert mysql_global(private_mariadb) == original
    assert not pathlib.Path(private_mariadb["option_file"]).exists()


def test_mariadb_returns_before_after_and_effective_value(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path))])
    assert_ok(run)
    result = run.result("setting")
    assert result["name"] == "sort_buffer_size"
    assert result["effective_value"] == MB20
    assert to_bytes(result["before"]["runtime"]) == original
    assert result["before"]["persisted"] is None
    assert to_bytes(result["after"]["runtime"]) == MB20
    assert to_bytes(result["after"]["persisted"]) == MB20
    assert result["executed_queries"]


def test_mariadb_managed_fails_naming_the_parameter_group_setting(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path, managed=True))])
    result = run.result("setting")
    assert result.get("failed") is True, describe(run)
    for needle in ("parameter group", "sort_buffer_size", str(MB20)):
        assert needle in result["msg"], result["msg"]
    assert mysql_global(private_mariadb) == original
    assert not pathlib.Path(private_mariadb["option_file"]).exists()


def test_mariadb_managed_with_on_managed_warn_warns_and_changes_nothing(private_mariadb, playbook, tmp_path):
    original = mysql_global(private_mariadb)
    run = playbook([setting_task(mysql_args(private_mariadb, tmp_path, managed=True, on_managed="warn"))])
    assert_ok(run)
    result = run.result("setting")
    assert result["changed"] is False
    assert any("sort_buffer_size" in w for w in result.get("warnings", [])), result
    assert mysql_global(private_mariadb) == original
    assert not pathlib.Path(private_mariadb["option_file"]).exists()


# === PostgreSQL ================================================================================

def test_postgresql_system_scope_persists_across_restart_and_revert_restores_default(
        private_postgresql_restartable, playbook, tmp_path):
    server = private_postgresql_restartable
    assert pg_show(server) == "4MB"

    applied = playbook([setting_task(pg_args(server, tmp_path))])
    assert_ok(applied)
    assert applied.result("setting")["changed"] is True
    assert pg_show(server) == "20MB"

    server["restart"]()
    assert pg_show(server) == "20MB", "the server did not keep the value after a restart"

    reverted = playbook([setting_task(pg_revert_args(server, tmp_path))])
    assert_ok(reverted)
    assert reverted.result("setting")["changed"] is True
    assert pg_show(server) == "4MB"
    assert "work_mem" not in auto_conf(server)

    server["restart"]()
    assert pg_show(server) == "4MB"


def test_postgresql_database_scope_seen_by_every_user_of_the_database(private_postgresql_restartable, playbook,
                                                                      tmp_path):
    server = private_postgresql_restartable
    args = pg_args(server, tmp_path, scope="database", database="openmetadata_db")
    assert_ok(playbook([setting_task(args)]))
    assert pg_show(server, "om_user", "om-pass") == "20MB"
    assert pg_show(server, "other_user", "other-pass") == "20MB"
    assert pg_show(server, "om_user", "om-pass", database="postgres") == "4MB"
    assert "work_mem" not in auto_conf(server)

    assert_ok(playbook([setting_task(pg_revert_args(server, tmp_path, scope="database",
                                                    database="openmetadata_db"))]))
    assert pg_role_settings(server, database="openmetadata_db") == []
    assert pg_show(server, "om_user", "om-pass") == "4MB"


def test_postgresql_role_scope_seen_by_that_role_only(private_postgresql_restartable, playbook, tmp_path):
    server = private_postgresql_restartable
    args = pg_args(server, tmp_path, scope="role", role="om_user", database="openmetadata_db",
                   verify_user="om_user", verify_password="om-pass")
    assert_ok(playbook([setting_task(args)]))
    assert pg_show(server, "om_user", "om-pass") == "20MB"
    assert pg_show(server, "other_user", "other-pass") == "4MB"
    assert "work_mem" not in auto_conf(server)

    assert_ok(playbook([setting_task(pg_revert_args(server, tmp_path, scope="role", role="om_user",
                                                    database="openmetadata_db",
                                                    verify_user="om_user", verify_password="om-pass"))]))
    assert pg_role_settings(server, role="om_user") == []
    assert pg_show(server, "om_user", "om-pass") == "4MB"


def test_postgresql_returns_effective_value_in_bytes(private_postgresql_restartable, playbook, tmp_path):
    run = playbook([setting_task(pg_args(private_postgresql_restartable, tmp_path))])
    assert_ok(run)
    result = run.result("setting")
    assert result["effective_value"] == MB20
    assert result["name"] == "work_mem"
    assert to_bytes(result["before"]["runtime"]) == 4 * 1024 * 1024
    assert to_bytes(result["after"]["runtime"]) == MB20


def test_postgresql_apply_and_revert_twice_second_runs_change_nothing(private_postgresql_restartable, playbook,
                                                                      tmp_path):
    server = private_postgresql_restartable
    assert_ok(playbook([setting_task(pg_args(server, tmp_path))]))
    again = playbook([setting_task(pg_args(server, tmp_path, value="20480kB"))])
    assert_ok(again)
    assert again.changed == 0, describe(again)

    assert_ok(playbook([setting_task(pg_revert_args(server, tmp_path))]))
    again = playbook([setting_task(pg_revert_args(server, tmp_path))])
    assert_ok(again)
    assert again.changed == 0, describe(again)


def test_postgresql_check_mode_changes_nothing(private_postgresql_restartable, playbook, tmp_path):
    server = private_postgresql_restartable
    run = playbook([setting_task(pg_args(server, tmp_path))], check=True)
    assert_ok(run)
    assert run.result("setting")["changed"] is True
    assert pg_show(server) == "4MB"
    assert "work_mem" not in auto_conf(server)
    assert not (tmp_path / "state.json").exists()


def test_postgresql_revert_in_a_new_run_after_a_crash_restores_default(private_postgresql_restartable, playbook,
                                                                       tmp_path):
    server = private_postgresql_restartable
    crashed = playbook([setting_task(pg_args(server, tmp_path)),
                        {"name": "crash", "ansible.builtin.fail": {"msg": "upgrade crashed"}}])
    assert crashed.result("setting")["changed"] is True
    assert crashed.failed == 1
    assert pg_show(server) == "20MB"

    reverted = playbook([setting_task(pg_revert_args(server, tmp_path))])
    assert_ok(reverted)
    assert pg_show(server) == "4MB"
    assert "work_mem" not in auto_conf(server)


def test_postgresql_managed_fails_naming_the_parameter_group_setting(private_postgresql_restartable, playbook,
                                                                     tmp_path):
    server = private_postgresql_restartable
    run = playbook([setting_task(pg_args(server, tmp_path, managed=True))])
    result = run.result("setting")
    assert result.get("failed") is True, describe(run)
    for needle in ("parameter group", "work_mem"):
        assert needle in result["msg"], result["msg"]
    assert pg_show(server) == "4MB"
    assert "work_mem" not in auto_conf(server)


def test_db_tuning_role_applies_and_reverts_in_an_always_block(private_postgresql_restartable, playbook, tmp_path):
    """The upgrade's use: apply before the migrations, revert in `always` even when a step fails."""
    server = private_postgresql_restartable
    role_vars = {
        "openmetadata_db_engine": "postgresql", "openmetadata_db_port": server["port"],
        "openmetadata_db_admin_user": server["user"], "openmetadata_db_admin_password": server["password"],
        "openmetadata_db_user": "om_user", "openmetadata_db_password": "om-pass",
        "openmetadata_db_tuning_state_file": str(tmp_path / "state.json"),
    }
    run = playbook([{
        "name": "upgrade-like block",
        "block": [
            {"name": "apply",
             "ansible.builtin.include_role": {"name": "openmetadata.ops.db_tuning", "tasks_from": "apply"}},
            {"name": "see it",
             "ansible.builtin.set_fact": {"seen": "{{ openmetadata_db_tuning_result.effective_value }}"}},
            {"name": "a migration step fails", "ansible.builtin.fail": {"msg": "boom"}},
        ],
        "always": [
            {"name": "revert",
             "ansible.builtin.include_role": {"name": "openmetadata.ops.db_tuning", "tasks_from": "revert"}},
        ],
    }], play_vars=role_vars)
    assert run.rc != 0, describe(run)
    assert run.result("see it")["ansible_facts"]["seen"] in (20971520, "20971520")
    assert run.result("Put the DB setting back as it was before the upgrade")["changed"] is True
    assert pg_show(server) == "4MB"
