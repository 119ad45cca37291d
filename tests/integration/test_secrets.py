"""The database password never shows: not in the process list during a client dump,
not in the task result or the log, not left behind in a file."""
from __future__ import annotations

import glob
import os
import pathlib
import tempfile
import threading

from harness import run_playbook, unique_name
from fixtures import om_database


def command_lines() -> list[str]:
    lines = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as handle:
                lines.append(handle.read().replace(b"\0", b" ").decode("utf-8", "replace"))
        except OSError:
            continue
    return lines


def watch_process_list(run, secret: str, client: str):
    """Run ``run`` in a thread and read every process's argv until it ends."""
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("run", run()))
    thread.start()
    leaked, saw_client = [], 0
    while thread.is_alive():
        for line in command_lines():
            if client in line and "--version" not in line:
                saw_client += 1
            if secret in line:
                leaked.append(line)
    thread.join()
    return outcome["run"], leaked, saw_client


def temp_files_holding(secret: str) -> list[str]:
    """Files in our private temp folders that still hold this test's password. (Other tests
    running in parallel have folders of their own there, so the folders alone prove nothing.)"""
    found = []
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "openmetadata-ops-*", "**"), recursive=True):
        try:
            with open(path, "rb") as handle:
                if secret.encode() in handle.read():
                    found.append(path)
        except OSError:  # a folder, or removed meanwhile
            continue
    return found


def check_no_leak(run, secret: str, leaked: list[str], saw_client: int, client: str, dest: pathlib.Path):
    assert run.rc == 0, run.output[-3000:]
    assert saw_client > 0, "the %s process was never seen: the dump was too quick to watch" % client
    assert leaked == []
    assert secret not in run.output and secret not in run.stderr
    for path in dest.iterdir():
        assert secret.encode() not in path.read_bytes()


def test_mariadb_client_dump_keeps_the_password_secret(tmp_path, mariadb_user_with_password):
    secret = mariadb_user_with_password["password"]
    name = unique_name()
    om_database.build("mariadb", name, size_bytes=40 * 1024 * 1024)
    try:
        args = {"engine": "mysql", "login_user": mariadb_user_with_password["user"], "login_password": secret,
                "database": name, "dest": str(tmp_path / "b"), "method": "client"}
        task = {"name": "backup", "openmetadata.ops.backup": args}
        run, leaked, saw = watch_process_list(lambda: run_playbook([task], tmp_path, verbosity=3), secret, "-dump")
        check_no_leak(run, secret, leaked, saw, "mariadb-dump", tmp_path / "b")
        assert temp_files_holding(secret) == [], "the credentials file was left behind"
    finally:
        om_database.drop("mariadb", name)


def test_postgresql_client_dump_keeps_the_password_secret(tmp_path, private_postgresql):
    secret = private_postgresql["password"]
    port = private_postgresql["port"]
    name = unique_name()
    om_database.build("postgresql", name, size_bytes=40 * 1024 * 1024, port=port, password=secret)
    args = {"engine": "postgresql", "login_port": port, "login_user": "postgres", "login_password": secret,
            "database": name, "dest": str(tmp_path / "b"), "method": "client"}
    task = {"name": "backup", "openmetadata.ops.backup": args}
    run, leaked, saw = watch_process_list(lambda: run_playbook([task], tmp_path, verbosity=3), secret, "pg_dump")
    check_no_leak(run, secret, leaked, saw, "pg_dump", tmp_path / "b")
    assert temp_files_holding(secret) == [], "the PGPASSFILE was left behind"


def test_native_backup_result_and_log_never_show_the_password(tmp_path, private_postgresql):
    secret = private_postgresql["password"]
    port = private_postgresql["port"]
    name = unique_name()
    om_database.build("postgresql", name, port=port, password=secret)
    args = {"engine": "postgresql", "login_port": port, "login_user": "postgres", "login_password": secret,
            "database": name, "dest": str(tmp_path / "b")}
    run = run_playbook([{"name": "backup", "openmetadata.ops.backup": args, "register": "out"},
                        {"name": "show", "ansible.builtin.debug": {"var": "out"}}], tmp_path, verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    assert secret not in run.output and secret not in run.stderr
