# -*- coding: utf-8 -*-
# Copyright: (c) 2026, openmetadata.ops contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
"""One run at a time (issue 17 section 2): host_lock on the managed host and db_lock in the real
databases, through ansible-playbook as a user runs them. Two runs started together, a lock left by
a killed run (its PID gone, or reused by another process), a run on another controller, and the
backup that never carries the database's guard."""
from __future__ import annotations

import concurrent.futures
import gzip
import json
import pathlib
import socket
import subprocess
from typing import Any, Iterator

import pytest

from harness import run_playbook
from fixtures import om_database

GUARD = "openmetadata_ops_run_lock"


def read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def this_controller(pid: int, **extra: Any) -> dict[str, Any]:
    """An owner on this controller (the tests run ansible-playbook here) for the process ``pid``."""
    stat = read("/proc/%d/stat" % pid)
    owner = {"controller": socket.gethostname(), "boot_id": read("/proc/sys/kernel/random/boot_id"),
             "pid": pid, "pid_start": stat.rsplit(")", 1)[-1].split()[19], "user": "someone",
             "started_at": "2026-12-07T10:00:00Z"}
    owner.update(extra)
    return owner


@pytest.fixture
def other_run() -> Iterator[subprocess.Popen]:
    """A live process standing for another ansible-playbook run of this controller."""
    proc = subprocess.Popen(["sleep", "600"])
    yield proc
    proc.kill()
    proc.wait()


def host_lock(path: pathlib.Path, **extra: Any) -> dict[str, Any]:
    return {"name": "lock", "openmetadata.ops.host_lock": dict({"path": str(path)}, **extra), "register": "lock",
            "ignore_errors": True}


def test_a_live_run_keeps_its_host_lock_and_the_refusal_says_who_and_what_to_do(tmp_path, other_run):
    path = tmp_path / "state" / "upgrade.json.lock"
    path.parent.mkdir()
    holder = this_controller(other_run.pid)
    path.write_text(json.dumps(holder))
    before = path.read_bytes()

    run = run_playbook([host_lock(path)], tmp_path)
    result = run.result("lock")
    assert result.get("failed") and result["holder_state"] == "alive", result
    assert "another run is upgrading this host: ansible-playbook pid %d on %s (user someone)" % (
        other_run.pid, socket.gethostname()) in result["msg"], result["msg"]
    assert "Wait for it to end; nothing was changed" in result["msg"]
    assert path.read_bytes() == before

    # check mode refuses the same way and writes nothing
    check = run_playbook([host_lock(path)], tmp_path, check=True)
    assert check.result("lock")["holder_state"] == "alive" and path.read_bytes() == before

    # the holder is gone: the next run takes the lock over and says from whom
    other_run.kill()
    other_run.wait()
    taken = run_playbook([host_lock(path)], tmp_path).result("lock")
    assert not taken.get("failed") and taken["changed"] is True, taken
    assert taken["took_over_from"]["pid"] == other_run.pid
    assert any("which no longer runs" in warning for warning in taken.get("warnings", [])), taken
    now = json.loads(path.read_text())
    assert now["controller"] == socket.gethostname() and now["pid"] != other_run.pid
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_reused_pid_does_not_keep_a_dead_runs_lock(tmp_path, other_run):
    path = tmp_path / "upgrade.lock"
    # the PID lives, but it started at another time: another process got the dead run's PID
    path.write_text(json.dumps(this_controller(other_run.pid, pid_start="1")))
    taken = run_playbook([host_lock(path)], tmp_path).result("lock")
    assert not taken.get("failed") and taken["took_over_from"]["pid_start"] == "1", taken


def test_a_run_of_another_controller_is_taken_over_only_with_break_lock(tmp_path, other_run):
    path = tmp_path / "upgrade.lock"
    holder = this_controller(other_run.pid, controller="awx-job-1234-abcd")
    path.write_text(json.dumps(holder))
    refused = run_playbook([host_lock(path)], tmp_path).result("lock")
    assert refused.get("failed") and refused["holder_state"] == "unknown", refused
    assert "cannot be seen from this controller" in refused["msg"] and "break_lock" in refused["msg"]
    assert json.loads(path.read_text()) == holder

    broken = run_playbook([host_lock(path, break_lock=True)], tmp_path).result("lock")
    assert not broken.get("failed") and broken["took_over_from"]["controller"] == "awx-job-1234-abcd", broken
    assert any("as break_lock asked" in warning for warning in broken["warnings"])


def test_a_run_takes_its_own_lock_again_and_releases_only_its_own(tmp_path, other_run):
    path = tmp_path / "upgrade.lock"
    run = run_playbook([
        {"name": "take", "openmetadata.ops.host_lock": {"path": str(path)}},
        {"name": "again", "openmetadata.ops.host_lock": {"path": str(path)}},
        {"name": "release", "openmetadata.ops.host_lock": {"path": str(path), "state": "absent"}},
        {"name": "release again", "openmetadata.ops.host_lock": {"path": str(path), "state": "absent"}},
    ], tmp_path)
    assert run.rc == 0, run.output[-2000:]
    assert [run.result(name)["changed"] for name in ("take", "again", "release", "release again")] == [
        True, False, True, False]
    assert not path.exists()

    holder = this_controller(other_run.pid)
    path.write_text(json.dumps(holder))
    release = run_playbook([{"name": "release", "openmetadata.ops.host_lock": {"path": str(path), "state": "absent"}}],
                           tmp_path).result("release")
    assert release["changed"] is False and release["holder"]["pid"] == other_run.pid
    assert json.loads(path.read_text()) == holder  # another run's lock is never removed


def hold_and_release(module: str, args: dict[str, Any], tmp_path: pathlib.Path) -> Any:
    """One run: take the lock, hold it 4 s, release it."""
    return run_playbook([
        {"name": "take", module: args},
        {"name": "hold", "ansible.builtin.wait_for": {"timeout": 4}},
        {"name": "release", module: dict(args, state="absent")},
    ], tmp_path)


def two_runs_together(module: str, args: dict[str, Any], tmp_path: pathlib.Path) -> list[Any]:
    folders = [tmp_path / "run1", tmp_path / "run2"]
    for folder in folders:
        folder.mkdir()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda folder: hold_and_release(module, args, folder), folders))


def test_two_runs_started_together_on_one_host_one_waits_for_nothing_and_is_refused(tmp_path):
    path = tmp_path / "upgrade.lock"
    runs = two_runs_together("openmetadata.ops.host_lock", {"path": str(path)}, tmp_path)
    assert sorted(run.rc for run in runs) == [0, 2], [run.output[-1500:] for run in runs]
    loser = next(run for run in runs if run.rc != 0)
    assert "another run is upgrading this host" in loser.result("take")["msg"]
    assert not loser.results("release")  # the refused run stopped there
    assert not path.exists()  # the winner released it


def guard_exists(dbs, name: str) -> bool:
    conn = dbs.connect(name)
    try:
        return GUARD in om_database.list_tables(dbs.fixture_engine, conn)
    finally:
        conn.close()


def test_two_runs_on_one_database_from_two_hosts_one_is_refused(dbs, tmp_path):
    name = dbs.build()
    runs = two_runs_together("openmetadata.ops.db_lock", dbs.module_args(name), tmp_path)
    assert sorted(run.rc for run in runs) == [0, 2], [run.output[-1500:] for run in runs]
    loser = next(run for run in runs if run.rc != 0)
    assert "another run is upgrading this database" in loser.result("take")["msg"], loser.result("take")
    assert not guard_exists(dbs, name)


def test_database_guard_is_taken_over_from_a_dead_run_and_never_in_a_backup(dbs, tmp_path, other_run):
    name = dbs.build()
    args = dbs.module_args(name)
    take = {"name": "take", "openmetadata.ops.db_lock": args, "register": "guard", "ignore_errors": True}
    assert run_playbook([take], tmp_path).result("take")["changed"] is True
    assert guard_exists(dbs, name)

    # the guard is no data: the backup (native and client) leaves it out, and finds its earlier backup again
    backups = run_playbook([
        {"name": "native", "openmetadata.ops.backup": dict(args, dest=str(tmp_path / "b"))},
        {"name": "client", "openmetadata.ops.backup": dict(args, dest=str(tmp_path / "c"), method="client")},
    ], tmp_path)
    for task in ("native", "client"):
        result = backups.result(task)
        assert not result.get("failed"), result
        assert GUARD not in result["manifest"]["tables"]
        with gzip.open(result["path"], "rt", encoding="utf-8", errors="replace") as dump:
            assert GUARD not in dump.read(), task

    # the guard of a live run of this controller stays; once that run is gone it is taken over
    conn = dbs.connect(name)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE %s SET owner = %%s" % GUARD, (json.dumps(this_controller(other_run.pid)),))
        conn.commit()
    finally:
        conn.close()
    refused = run_playbook([take], tmp_path).result("take")
    assert refused.get("failed") and refused["holder_state"] == "alive", refused
    other_run.kill()
    other_run.wait()
    taken = run_playbook([take], tmp_path).result("take")
    assert not taken.get("failed") and taken["took_over_from"]["pid"] == other_run.pid, taken
    released = run_playbook([{"name": "release", "openmetadata.ops.db_lock": dict(args, state="absent")}],
                            tmp_path)
    # released by another run of this controller than the one that took it over: refused, guard kept
    assert released.result("release")["changed"] is False and guard_exists(dbs, name)
    # a run that takes it (over from the finished run) and releases it leaves no guard
    cycle = run_playbook([take, {"name": "release", "openmetadata.ops.db_lock": dict(args, state="absent")}], tmp_path)
    assert cycle.result("release")["changed"] is True and not guard_exists(dbs, name)
