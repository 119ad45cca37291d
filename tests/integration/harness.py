"""Helpers of the integration tests: ansible-playbook runs and the databases a test uses.

The shared servers (``make services``) are MariaDB at 127.0.0.1:3306 (root, no password)
and PostgreSQL at 127.0.0.1:5432 (trust).
"""
from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import uuid
from typing import Any, Optional

import pytest
import yaml

from fixtures import om_database

REPO = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS = REPO / ".build" / "collections"
# `make compat` points these at an older ansible-core to keep meta/runtime.yml honest.
ANSIBLE_PLAYBOOK = (os.environ.get("OM_TEST_ANSIBLE_PLAYBOOK")
                    or str(pathlib.Path(sys.executable).parent / "ansible-playbook"))
EXTRA_COLLECTIONS = os.environ.get("OM_TEST_EXTRA_COLLECTIONS", "")

# module engine name -> fixture engine name
FIXTURE_ENGINE = {"mysql": "mariadb", "postgresql": "postgresql"}
ADMIN = {
    "mysql": {"login_user": "root", "login_password": "", "login_port": 3306},
    "postgresql": {"login_user": "postgres", "login_password": "", "login_port": 5432},
}


def unique_name(prefix: str = "omt") -> str:
    return "%s_%s" % (prefix, uuid.uuid4().hex[:10])


class PlaybookRun:
    """The outcome of one ansible-playbook run (json callback)."""

    def __init__(self, proc: subprocess.CompletedProcess, output: str) -> None:
        self.rc = proc.returncode
        self.output = output
        self.stderr = proc.stderr
        try:
            self.data = json.loads(output[output.index("{"):])
        except ValueError:
            self.data = {"plays": [], "stats": {}}

    def results(self, task_name: Optional[str] = None) -> list[dict[str, Any]]:
        found = []
        for play in self.data.get("plays", []):
            for task in play.get("tasks", []):
                name = task["task"]["name"]
                if task_name is None or name == task_name or name.endswith(" : " + task_name):
                    found.extend(task["hosts"].values())
        return found

    def result(self, task_name: str) -> dict[str, Any]:
        matches = self.results(task_name)
        assert matches, "task %r did not run; output:\n%s\n%s" % (task_name, self.output[-3000:], self.stderr[-2000:])
        return matches[0]

    @property
    def changed(self) -> int:
        return sum(host.get("changed", 0) for host in self.data.get("stats", {}).values())

    @property
    def failed(self) -> int:
        return sum(host.get("failures", 0) + host.get("unreachable", 0)
                   for host in self.data.get("stats", {}).values())


def run_playbook(tasks: list[dict[str, Any]], tmp_path: pathlib.Path, check: bool = False, diff: bool = False,
                 extra_args: Optional[list[str]] = None, play_vars: Optional[dict[str, Any]] = None,
                 roles: Optional[list[Any]] = None, verbosity: int = 0) -> PlaybookRun:
    """Write a one-play playbook for localhost and run it with ansible-playbook."""
    play: dict[str, Any] = {"name": "integration", "hosts": "localhost", "gather_facts": False}
    if play_vars:
        play["vars"] = play_vars
    if roles:
        play["roles"] = roles
    play["tasks"] = tasks
    playbook = tmp_path / ("play_%s.yml" % uuid.uuid4().hex[:6])
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    argv = ["-i", str(inventory), str(playbook)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    if verbosity:
        argv.append("-" + "v" * verbosity)
    return ansible_playbook(argv + (extra_args or []), tmp_path)


def ansible_playbook(args: list[str], tmp_path: pathlib.Path, cwd: Optional[pathlib.Path] = None) -> PlaybookRun:
    """Run ansible-playbook as a user would, with this checkout as openmetadata.ops
    (from ``cwd`` when given, with PWD set to it as a shell does)."""
    env = dict(os.environ)
    if cwd is not None:
        env["PWD"] = str(cwd)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": ":".join(filter(None, [str(COLLECTIONS), EXTRA_COLLECTIONS])),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / ".ansible-tmp"),
        "ANSIBLE_HOME": str(tmp_path / ".ansible-home"),
    })
    proc = subprocess.run([ANSIBLE_PLAYBOOK] + args, capture_output=True, text=True, env=env, check=False,
                          timeout=900, cwd=cwd)
    return PlaybookRun(proc, proc.stdout)


class Databases:
    """Creates fixture databases and drops every database a test used."""

    def __init__(self, engine_name: str) -> None:
        self.engine = engine_name
        self.fixture_engine = FIXTURE_ENGINE[engine_name]
        self.names: list[str] = []

    def build(self, **kwargs: Any) -> str:
        name = self.new_name()
        om_database.build(self.fixture_engine, name, **kwargs)
        return name

    def new_name(self) -> str:
        name = unique_name()
        self.names.append(name)
        return name

    def connect(self, name: str):
        return om_database.connect(self.fixture_engine, name)

    def exists(self, name: str) -> bool:
        conn = om_database.connect(self.fixture_engine, None)
        try:
            with conn.cursor() as cur:
                if self.engine == "mysql":
                    cur.execute("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (name,))
                else:
                    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                return cur.fetchone() is not None
        finally:
            conn.close()

    def snapshot(self, name: str) -> dict[str, list[tuple]]:
        """Every row of every table, in a deterministic order."""
        conn = self.connect(name)
        try:
            return {table: om_database.table_rows(self.fixture_engine, conn, table)
                    for table in om_database.list_tables(self.fixture_engine, conn)}
        finally:
            conn.close()

    def module_args(self, name: str, **extra: Any) -> dict[str, Any]:
        args = {"engine": self.engine, "login_host": "127.0.0.1", "database": name}
        args.update(ADMIN[self.engine])
        args.update(extra)
        return args

    def drop_all(self) -> None:
        for name in self.names:
            try:
                om_database.drop(self.fixture_engine, name)
            except Exception:  # pylint: disable=broad-except
                pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin(name: str) -> str:
    versions = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/%s" % name))
    if not versions:
        pytest.fail("PostgreSQL server binaries not installed (run make services)", pytrace=False)
    return str(versions[-1])


def change_log_versions(engine: str, database: str) -> list[str]:
    """The versions in SERVER_CHANGE_LOG of an OpenMetadata database on the shared server (sorted)."""
    table = "SERVER_CHANGE_LOG" if engine == "mysql" else "server_change_log"
    conn = om_database.connect(FIXTURE_ENGINE[engine], database)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM %s" % table)
            return sorted(str(row[0]) for row in cur.fetchall())
    finally:
        conn.close()
