"""Long steps show progress: roles backup and search (tasks_from: reindex) run their module as an
async job and print a status line per round, through ansible-playbook, on the real MariaDB and
PostgreSQL and the OpenMetadata stand-in.

No timing asserts: the backup is held on a table lock that the test releases only after the dump
is seen waiting on it (so some rounds print while it waits), and the reindex runs against a stand-in
slowed by its reindex_batch_delay_seconds knob. The assertions are about what the lines say."""
from __future__ import annotations

import concurrent.futures
import json
import pathlib
import re
import threading
import time
from typing import Any, Callable, Optional

import pytest

from fixtures import om_database
from harness import Databases, run_playbook
from simulator.search_engine import SearchEngineProcess
from test_reindex import OmServer, dist, token  # noqa: F401  pylint: disable=unused-import

ASYNC_KEYS = {"ansible_job_id", "finished", "started", "results_file", "stdout", "stderr", "stdout_lines",
              "stderr_lines", "attempts", "failed_when_result"}


class ProgressWatcher:
    """Keeps every distinct content of the progress files a role writes in ``folder`` (TMPDIR)."""

    def __init__(self, folder: pathlib.Path, pattern: str) -> None:
        self.folder = folder
        self.pattern = pattern
        self.seen: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            for path in self.folder.glob(self.pattern):
                try:
                    text = path.read_text()
                except OSError:
                    continue
                if text and (not self.seen or self.seen[-1] != text):
                    self.seen.append(text)
            time.sleep(0.05)

    def wait_for(self, check: Callable[[dict], bool], what: str, timeout: float = 120) -> dict:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for text in reversed(self.seen):
                data = json.loads(text)
                if check(data):
                    return data
            time.sleep(0.1)
        raise AssertionError("the progress file never showed %s; seen: %s" % (what, self.seen[-3:]))

    def files(self) -> list[pathlib.Path]:
        return list(self.folder.glob(self.pattern))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def wait_for_rounds(scratch: pathlib.Path, count: int, timeout: float = 180) -> None:
    """Wait until the playbook started with TMPDIR=scratch has read its progress file ``count``
    times (each round runs one slurp module process): a round that starts after this has seen
    what the file said before. /proc tells the processes of this run apart from other tests'."""
    marker = ("TMPDIR=%s" % scratch).encode()
    seen: set[bytes] = set()  # the module's path: one per task run (the shell wrappers name it too)
    deadline = time.time() + timeout
    while time.time() < deadline:
        for proc in pathlib.Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                found = re.search(rb"[^\s'\x00]*AnsiballZ_slurp\.py", (proc / "cmdline").read_bytes())
                if found and marker in (proc / "environ").read_bytes():
                    seen.add(found.group(0))
            except OSError:
                continue
        if len(seen) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the playbook did not read its progress file %d times in %d s" % (count, timeout))


def lines_of(run, task: str) -> list[str]:
    return [result["msg"] for result in run.results(task) if "msg" in result]


def numbers(line: str, unit: str) -> Optional[tuple[int, int]]:
    found = re.search(r"([\d,]+)/([\d,?]+) %s" % unit, line)
    if not found or "?" in found.group(2):
        return None
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def backup_role(database: str, dest: pathlib.Path, engine: str, user: str, password: str, **extra: Any) -> dict:
    variables = {"openmetadata_db_engine": engine, "openmetadata_db_host": "127.0.0.1",
                 "openmetadata_db_user": user, "openmetadata_db_password": password,
                 "openmetadata_db_name": database, "openmetadata_backup_dir": str(dest),
                 "openmetadata_backup_poll_interval": 1, "openmetadata_version": "1.1.7"}
    variables.update(extra)
    return {"name": "backup role", "ansible.builtin.include_role": {"name": "openmetadata.ops.backup"},
            "vars": variables}


class TableLock:
    """Holds a table so that a dump reaching it waits (MariaDB LOCK TABLES ... WRITE, PostgreSQL
    LOCK TABLE ... ACCESS EXCLUSIVE in an open transaction)."""

    def __init__(self, dbs, database: str, table: str) -> None:
        self.conn = dbs.connect(database)
        self.engine = dbs.engine
        with self.conn.cursor() as cur:
            if self.engine == "mysql":
                cur.execute("LOCK TABLES `%s` WRITE" % table)
            else:
                cur.execute("BEGIN")
                cur.execute('LOCK TABLE "%s" IN ACCESS EXCLUSIVE MODE' % table)

    def release(self) -> None:
        if self.conn is None:
            return
        with self.conn.cursor() as cur:
            cur.execute("UNLOCK TABLES" if self.engine == "mysql" else "ROLLBACK")
        self.conn.close()
        self.conn = None


@pytest.fixture
def account(dbs, request) -> dict:
    """MariaDB: an account with a password (the progress file must never hold it)."""
    if dbs.engine == "mysql":
        return request.getfixturevalue("mariadb_user_with_password")
    return {"user": "postgres", "password": ""}


def test_backup_prints_growing_progress_and_ends_like_the_foreground_backup(dbs, account, tmp_path, monkeypatch):
    database = dbs.build()
    conn = dbs.connect(database)
    try:
        tables = om_database.list_tables(dbs.fixture_engine, conn)
    finally:
        conn.close()
    # A data table two thirds down the dump order (the change-log tables are read before the dump).
    data_tables = sorted(t for t in tables if "change_log" not in t.lower())
    held = data_tables[len(data_tables) * 2 // 3]
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    watcher = ProgressWatcher(scratch, "openmetadata-backup.*.progress.json")
    lock = TableLock(dbs, database, held)
    dest = tmp_path / "backups"
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(run_playbook, [backup_role(database, dest, dbs.engine, account["user"],
                                                            account["password"])], tmp_path)
            try:
                if dbs.engine == "mysql":  # waits when it reaches the table's data
                    waiting = watcher.wait_for(lambda d: d.get("current_table") == held and d["state"] == "running",
                                               "the dump waiting on %s" % held)
                    assert 0 < waiting["tables_done"] < waiting["tables_total"] == len(tables), waiting
                else:  # PostgreSQL: the table definitions are all read first, and they wait already
                    waiting = watcher.wait_for(lambda d: d.get("phase") == "reading the table definitions",
                                               "the dump reading the table definitions")
                wait_for_rounds(scratch, 2)  # so at least one round prints while the dump waits
            finally:
                lock.release()  # before the pool waits for the playbook, even when an assert failed
            run = future.result(timeout=600)
    finally:
        lock.release()
        watcher.stop()
    assert run.rc == 0, run.output[-3000:] + run.stderr[-2000:]

    lines = lines_of(run, "Backup progress")
    assert len(lines) >= 2, lines
    assert all(line.startswith("backup of %s: " % database) for line in lines), lines
    tables_seen = [numbers(line, "tables") for line in lines]
    rows_seen = [numbers(line, "rows") for line in lines]
    assert all(seen is not None for seen in tables_seen + rows_seen), lines
    assert [t[0] for t in tables_seen] == sorted(t[0] for t in tables_seen), lines  # never goes back
    assert tables_seen[0][0] < tables_seen[-1][0] == len(tables), lines
    assert rows_seen[0][0] < rows_seen[-1][0], lines
    if dbs.engine == "mysql":
        # A round may also land after the lock is released (e.g. while the dump is verified): the line that
        # names the held table is one of those before the last, not necessarily the one just before it.
        assert "dumping" in lines[0] and any(("table %s" % held) in line for line in lines[:-1]), lines
    else:
        assert "reading the table definitions: 0/%d tables" % len(tables) in lines[0], lines
    assert lines[-1].startswith("backup of %s: done (written)" % database), lines

    result = run.result("Back up the OpenMetadata database")
    assert result["changed"] is True and not result.get("failed"), result
    manifest = json.loads(pathlib.Path(result["manifest_path"]).read_text())
    assert result["manifest"] == manifest
    assert rows_seen[-1] == (sum(t["rows"] for t in manifest["tables"].values()),) * 2, (lines[-1], manifest)
    counted = sum(len(rows) for rows in dbs.snapshot(database).values())  # counted apart from the backup's own code
    assert rows_seen[-1] == (counted, counted), (lines[-1], counted)
    assert run.changed == 1  # only the backup; the launch, the rounds and the clean-up change nothing

    # The same backup in the foreground (force: a new file) holds the same data and returns the same keys.
    fg = run_playbook([backup_role(database, dest, dbs.engine, account["user"], account["password"],
                                   openmetadata_backup_async=False, openmetadata_backup_force=True)], tmp_path)
    assert fg.rc == 0, fg.output[-3000:]
    foreground = fg.result("Back up the OpenMetadata database")
    assert foreground["manifest"]["tables"] == manifest["tables"]
    assert foreground["manifest"]["sha256"] == manifest["sha256"]  # the same bytes: reproducible gzip
    assert set(result) - ASYNC_KEYS == set(foreground) - ASYNC_KEYS, (sorted(result), sorted(foreground))
    assert not lines_of(fg, "Backup progress")

    # A second background run finds the same data backed up: changed=0, one line that says so.
    again = run_playbook([backup_role(database, dest, dbs.engine, account["user"], account["password"])],
                         tmp_path)
    assert again.rc == 0 and again.changed == 0, again.output[-3000:]
    assert again.result("Back up the OpenMetadata database")["reused"] is True
    # done within openmetadata_backup_quiet_seconds: no status line, the role's last line says what it found
    assert not lines_of(again, "Backup progress"), lines_of(again, "Backup progress")
    assert again.result("Show what the backup holds")["msg"].startswith("Reused "), again.result("Show what the backup holds")

    assert watcher.seen and not watcher.files(), "the progress file must be removed after the run"
    states = [json.loads(text) for text in watcher.seen]
    assert {s["state"] for s in states} == {"running", "done"}
    if account["password"]:
        assert not [text for text in watcher.seen if account["password"] in text]
        assert account["password"] not in run.output + again.output


def test_backup_failure_in_the_job_keeps_its_message_and_check_mode_runs_in_the_foreground(
        dbs, tmp_path, monkeypatch):
    database = dbs.build()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    user = "root" if dbs.engine == "mysql" else "postgres"
    missing = database + "_missing"
    failed = {}
    for mode in (True, False):
        run = run_playbook([dict(backup_role(missing, tmp_path / "b", dbs.engine, user, "",
                                             openmetadata_backup_async=mode), ignore_errors=True)], tmp_path)
        result = run.result("Back up the OpenMetadata database")
        assert result.get("failed") and result["msg"], result
        failed[mode] = result["msg"]
    assert failed[True] == failed[False] and missing in failed[True], failed
    assert not list(scratch.glob("openmetadata-backup.*")), "the progress file must be removed after a failure"
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())

    check = run_playbook([backup_role(database, tmp_path / "c", dbs.engine, user, "")], tmp_path, check=True)
    assert check.rc == 0, check.output[-3000:]
    result = check.result("Back up the OpenMetadata database")
    assert result["changed"] is True and result["manifest"] is None and "would write" in result["msg"], result
    assert not lines_of(check, "Backup progress") and not (tmp_path / "c").exists()
    # the role names no file it never wrote (issue 19), only the folder
    shown = check.result("Show what the backup holds")["msg"]
    assert shown.startswith("Would write a new backup under %s (check mode" % (tmp_path / "c")), shown
    assert ".sql.gz" not in shown, shown


def backup_processes_of(tmp_path: pathlib.Path) -> list[int]:
    """PIDs of backup module processes started by this test's playbook (its TMPDIR is in their environment).
    Not async_wrapper's watcher, which names the module further on and lingers up to its poll step."""
    marker = ("TMPDIR=%s" % tmp_path).encode()
    pids = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if not any(arg.endswith(b"AnsiballZ_backup.py") for arg in argv[:2]):  # python AnsiballZ_backup.py
                continue
            if marker in (proc / "environ").read_bytes().split(b"\0"):
                pids.append(int(proc.name))
        except (OSError, ValueError):
            continue  # not a process, or gone
    return pids


def test_backup_that_outlives_its_time_limit_stops_itself_and_says_what_to_raise(engine, tmp_path, monkeypatch):
    dbs = Databases(engine)  # PostgreSQL: the dump waits inside libpq, where only a cancel request reaches it
    try:
        database = dbs.build()
        monkeypatch.setenv("TMPDIR", str(tmp_path))
        lock = TableLock(dbs, database, "table_entity")  # the dump waits there until it is stopped
        try:
            user = "root" if engine == "mysql" else "postgres"
            run = run_playbook([dict(backup_role(database, tmp_path / "b", engine, user, "",
                                                 openmetadata_backup_async_timeout=4,
                                                 openmetadata_backup_quiet_seconds=1), ignore_errors=True)], tmp_path)
            # stopped means stopped: no backup process of this run is left waiting for the lock
            left = backup_processes_of(tmp_path)
        finally:
            lock.release()
        time.sleep(3)  # a backup that escaped the stop would now finish and write its files
    finally:
        dbs.drop_all()
    assert not left, "backup processes still running after the stop: %s" % left
    stop = run.result("Stop on a backup that outlived its time limit")
    assert stop.get("failed") and "openmetadata_backup_async_timeout (4 s)" in stop["msg"], stop
    assert "was stopped: its partial file was removed" in stop["msg"] and "raise" in stop["msg"], stop
    assert run.result("Back up the OpenMetadata database").get("time_limit_reached") is True
    lines = lines_of(run, "Backup progress")
    stopped = "stopped after openmetadata_backup_async_timeout (4 s)"
    assert lines[-1].startswith("backup of %s: failed (" % database) and lines[-1].endswith(stopped), lines
    if engine == "mysql":  # PostgreSQL waits for the lock earlier, while it reads the table definitions
        assert "failed (dumping)" in lines[-1] and "at table table_entity" in lines[-1], lines
    assert not list(tmp_path.glob("openmetadata-backup.*.progress.json"))
    assert not list((tmp_path / "b").glob("*")), "left in the backup folder"  # hidden partial files too


# ---------------------------------------------------------------------------------------------------
# reindex (roles search and post_upgrade) against the OpenMetadata stand-in


@pytest.fixture(scope="module")
def search():
    with SearchEngineProcess("elasticsearch", "8.10.2") as engine:
        yield engine


def reindex_role(om: OmServer, search_url: str, tasks_from: str = "reindex", **extra: Any) -> dict:
    variables = {"openmetadata_server_url": om.url, "openmetadata_jwt_token": token(),
                 "openmetadata_search_url": search_url, "openmetadata_reindex_poll_interval": 0.3,
                 "openmetadata_reindex_progress_interval": 1, "openmetadata_reindex_timeout": 120,
                 "openmetadata_reindex_batch_size": 20}
    variables.update(extra)
    return {"name": "reindex role", "ansible.builtin.include_role": {"name": "openmetadata.ops.search",
                                                                     "tasks_from": tasks_from},
            "vars": variables}


def test_reindex_prints_the_run_stats_as_they_grow(dist, search, tmp_path, monkeypatch):  # noqa: F811
    pause = tmp_path / "hold-the-reindex"
    pause.write_text("")
    om = OmServer(dist, tmp_path / "om", "1.2.5", search.port, faults={"reindex_pause_file": str(pause)}).start()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    watcher = ProgressWatcher(scratch, "openmetadata-reindex.*.progress.json")
    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            future = pool.submit(run_playbook, [reindex_role(om, search.url)], tmp_path)
            try:
                held = watcher.wait_for(lambda d: (d.get("success_records") or 0) > 0, "records indexed")
                assert held["state"] == "running" and held["success_records"] < held["total_records"], held
                wait_for_rounds(scratch, 2)  # so at least one round prints while the run is held
            finally:
                pause.unlink()
            run = future.result(timeout=600)
    finally:
        watcher.stop()
        om.stop()
    assert run.rc == 0, run.output[-3000:] + run.stderr[-2000:]
    lines = lines_of(run, "Reindex progress")
    counted = [numbers(line, "records") for line in lines]
    counted = [c for c in counted if c is not None]
    assert len(counted) >= 2, lines
    assert [c[0] for c in counted] == sorted(c[0] for c in counted), lines
    assert any(done < total for done, total in counted), lines  # a line while the run was going
    assert any(line.startswith("reindex: running, ") for line in lines), lines
    result = run.result("Reindex through the OpenMetadata API and wait for the run")
    assert result["status"] == "success" and result["changed"] is True, result
    job = result["stats"]["jobStats"]
    assert lines[-1] == "reindex: done (success), %s/%s records, 0 failed" % (
        "{:,}".format(job["successRecords"]), "{:,}".format(job["totalRecords"])), lines
    assert result["documents"]["table_search_index"] > 0
    assert watcher.seen and not watcher.files()
    assert not [text for text in watcher.seen if token() in text]


def test_reindex_failure_in_the_job_keeps_its_message(dist, search, tmp_path):  # noqa: F811
    om = OmServer(dist, tmp_path / "om", "1.2.5", search.port, faults={"reindex_fail": True}).start()
    try:
        # status lines from the first round (a failing job ends before the default quiet 5 s)
        run = run_playbook([dict(reindex_role(om, search.url, openmetadata_reindex_quiet_seconds=0),
                                 ignore_errors=True)], tmp_path)
    finally:
        om.stop()
    result = run.result("Reindex through the OpenMetadata API and wait for the run")
    assert result.get("failed") and result["changed"] is True, result
    assert "ended with status failed" in result["msg"] and "stand-in fault: reindex_fail" in result["msg"], result
    lines = lines_of(run, "Reindex progress")
    assert lines and lines[-1].startswith("reindex: failed"), lines
