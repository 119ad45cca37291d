"""One fault each, injected into a real upgrade run of a FaultHost (conftest.py); shared by the per-engine modules.

Each function starts from the host serving 1.1.7, injects its fault at its phase, lets the run end and
checks the outcome: rolled back with nothing lost (assert_rolled_back) or upgraded. It returns the summary.
"""
from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import subprocess
import time
import uuid
from typing import Any

from faultlib import (TARGET, FaultHost, assert_rolled_back, explain, faulty_release, report, summary_of,
                      verify_backup)


def _hold_backup(host: FaultHost, before: dict[str, Any], proc: subprocess.Popen) -> Any:
    """Once the server is being stopped (preflight is over), lock a table so that the backup waits on it."""
    host.wait_phase(proc, "stop")
    return host.lock_table(sorted(before["tables"])[-1])


def backup_process_killed(host: FaultHost) -> dict[str, Any]:
    before = host.fresh()
    with host.watched_run() as proc:
        lock = _hold_backup(host, before, proc)
        try:
            pids = host.wait_for(proc, lambda: host.module_pids("backup"), "the backup process")
            time.sleep(1)
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        finally:
            lock.close()
        run = host.finish_run(proc)
    facts = assert_rolled_back(host, before, run, "backup", db_restored=False)
    assert not [n for n in host.backups_listing() if n.endswith(".sql.gz")], host.backups_listing()
    # the reason names what happened, not async_wrapper's "No start of json char found" traceback
    assert "backup process of %s ended without a result" % host.db_name in explain(run), explain(run)
    assert "Traceback" not in explain(run), explain(run)
    return facts


def db_down_during_backup(host: FaultHost) -> dict[str, Any]:
    """The database server goes down under the running backup (and comes back, as after a crash and restart)."""
    before = host.fresh()
    with host.watched_run() as proc:
        lock = _hold_backup(host, before, proc)
        try:
            host.wait_for(proc, lambda: host.module_pids("backup"), "the backup process")
            time.sleep(1)
            host.db_server.stop()
        finally:
            with contextlib.suppress(Exception):
                lock.close()
            host.db_server.start()
        run = host.finish_run(proc)
    facts = assert_rolled_back(host, before, run, "backup", db_restored=False)
    assert not [n for n in host.backups_listing() if n.endswith(".sql.gz")], host.backups_listing()
    return facts


def db_down_during_migration(host: FaultHost) -> dict[str, Any]:
    """The database server goes down while migrate-all runs (statement 30 of 1.2.0), then comes back."""
    before = host.fresh()
    pause = host.tmp / ("pause-%s" % uuid.uuid4().hex[:6])
    pause.write_text("")
    host.release_archive = faulty_release(host.dist, host.tmp / ("dbdown-%s" % pause.name),
                                          {"migration_pause_file": str(pause), "migration_pause_at": 30})
    reached = pathlib.Path(str(pause) + ".reached")
    with host.watched_run() as proc:
        try:
            host.wait_for(proc, reached.exists, "the migration at statement 30")
            migrate_pid = int(reached.read_text())
            host.db_server.stop()
        finally:
            pause.unlink(missing_ok=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and pathlib.Path("/proc/%d" % migrate_pid).exists():
            with contextlib.suppress(OSError):
                if ") Z " in pathlib.Path("/proc/%d/stat" % migrate_pid).read_text():
                    break
            time.sleep(0.05)
        host.db_server.start()
        run = host.finish_run(proc)
    return assert_rolled_back(host, before, run, "migrate", db_restored=True)


def fill(path: pathlib.Path) -> None:
    """Write zeros to ``path`` until its filesystem has no byte left (unbuffered: ENOSPC on the write)."""
    with path.open("wb", buffering=0) as filler:
        for size in (1 << 20, 4096, 1):
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * size)


def disk_full_at_backup(host: FaultHost) -> dict[str, Any]:
    """The backup folder's filesystem (a 64 MiB tmpfs) is filled up by another writer once preflight passed."""
    before = host.fresh()
    mount = host.tmp / ("full-%s" % uuid.uuid4().hex[:6])
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mount)], check=True,
                   capture_output=True)
    try:
        folder = mount / "backups"
        host.extra_vars["openmetadata_backup_dir"] = str(folder)
        with host.watched_run() as proc:
            host.wait_phase(proc, "stop")
            fill(mount / "filler")
            run = host.finish_run(proc)
        facts = assert_rolled_back(host, before, run, "backup", db_restored=False)
        leftovers = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        assert not leftovers, "the failed backup left files behind: %s" % leftovers
        return facts
    finally:
        host.extra_vars.pop("openmetadata_backup_dir", None)
        subprocess.run(["umount", str(mount)], check=False)


def migration_crash(host: FaultHost, statement: int, mode: str) -> dict[str, Any]:
    before = host.fresh()
    host.release_archive = faulty_release(host.dist, host.tmp / ("crash-%d-%s" % (statement, mode)),
                                          {"migration_crash_at": statement, "migration_crash_mode": mode})
    run = host.upgrade()
    return assert_rolled_back(host, before, run, "migrate", db_restored=True)


def server_refuses_to_start(host: FaultHost) -> dict[str, Any]:
    before = host.fresh()
    host.release_archive = faulty_release(host.dist, host.tmp / "refuse",
                                          {"refuse_start": "injected: refusing to start"})
    run = host.upgrade()
    return assert_rolled_back(host, before, run, "start", db_restored=True)


def search_unreachable_at_migration(host: FaultHost) -> dict[str, Any]:
    """es-migrate finds no search engine (upstream logs and exits 0). Either the upgrade completes (the reindex
    after the start builds the indexes; the host is then left on the target and the next test rebuilds it), or
    the run refuses a migration whose indexes were not written and rolls back with nothing lost."""
    before = host.fresh()
    host.release_archive = faulty_release(host.dist, host.tmp / "nosearch-migrate",
                                          {"migration_search_unreachable": True})
    run = host.upgrade()
    if run.rc != 0:  # the server role refuses a migration that left the indexes unwritten: a rollback
        return assert_rolled_back(host, before, run, "migrate", db_restored=True)
    facts = summary_of(run)
    assert facts["result"] == "upgraded", facts
    assert host.version() == TARGET
    assert host.setting() == before["setting"], "the DB setting was not put back"
    assert host.old_conf() == before["conf"]
    assert host.record()["status"] == "finished"
    assert any(docs > 0 for docs in host.indexes().values()), "no index was built"
    rows = verify_backup(pathlib.Path(facts["backup"]))
    assert rows == {t: n for t, (n, _checksum) in before["tables"].items() if t in rows}
    host.ready = False
    report(facts, 0)
    return facts


def search_down_at_reindex(host: FaultHost) -> dict[str, Any]:
    """The search engine dies once the new release serves (post_upgrade: reindex) and is back for the rollback."""
    before = host.fresh()
    with host.watched_run() as proc:
        host.wait_phase(proc, "post_upgrade")
        host.stop_search()
        try:
            host.wait_for(proc, lambda: not host.server_running(TARGET), "the rollback stopping the new release")
        finally:
            host.start_search()
        run = host.finish_run(proc)
    return assert_rolled_back(host, before, run, "post_upgrade", db_restored=True)


def controller_killed_then_run_again(host: FaultHost, phase: str) -> dict[str, Any]:
    """ansible-playbook SIGKILLed once the run starts ``phase``, then run again (test_interrupted_*.py)."""
    before = host.fresh()
    with host.watched_run() as proc:
        host.wait_phase(proc, phase)
        time.sleep(0.3)  # inside the phase: its step's first tasks run
        host.kill_run(proc)
    record = host.record()
    assert record["status"] == "in_progress", record

    started = time.monotonic()
    rerun = host.upgrade()
    assert rerun.rc == 0, explain(rerun)
    facts = summary_of(rerun)
    assert facts["result"] == "upgraded", facts
    if phase not in ("start", "post_upgrade"):
        recovered = facts["recovered_interrupted_run"]
        assert recovered, "the rerun did not say it recovered the interrupted run: %s" % facts
    assert host.version() == TARGET and host.current_release() == "openmetadata-%s" % TARGET
    assert host.record()["status"] == "finished"
    assert host.setting() == before["setting"], "the DB setting was not put back after the interruption"
    assert host.old_conf() == before["conf"], "the 1.1.7 openmetadata.yaml changed"
    rows = verify_backup(pathlib.Path(facts["backup"]))
    assert rows == {t: n for t, (n, _checksum) in before["tables"].items() if t in rows}, "the backup lost rows"
    assert set(rows) == {t for t in before["tables"] if t in rows} and rows, rows
    host.ready = False  # upgraded: the next test builds 1.1.7 again
    report(facts, 0, rerun_seconds=round(time.monotonic() - started, 1))
    return facts
