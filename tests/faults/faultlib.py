"""Helpers of the fault-injection suite (marker ``faults``; docs/reliability.md): one fault at a time, end to end.

Every test runs the real playbooks/upgrade.yml (or restore.yml) with ansible-playbook against stand-in
OpenMetadata hosts built by examples/sandbox/setup.yml, exactly as tests/integration/test_upgrade.py does
(its UpgradeHost), on a MariaDB / PostgreSQL server of the suite's own: the tests stop and start it, so
never the shared one. To keep CI short one host per engine is shared by the tests of a module (each
test starts from 1.1.7 serving and must leave it so; a test that left it otherwise makes the next one
build it again), and the tests of one module stay on one xdist worker (--dist loadfile).

What a test checks after a fault is computed here, with the suite's own SQL (not the collection's
code): every table's rows (sha256 of the sorted rows) and row counts, the DB setting and where it is
persisted, the old release's openmetadata.yaml bytes, the version that serves, the backup's dump
against its manifest (sha256 and per-table row counts).
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import importlib.util
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from types import SimpleNamespace
from typing import Any, Callable, Iterator, Optional


HERE = pathlib.Path(__file__).resolve().parent
INTEGRATION = HERE.parent / "integration"
if str(INTEGRATION) not in sys.path:
    sys.path.insert(0, str(INTEGRATION))

# pylint: disable=wrong-import-position
from fixtures import om_database  # noqa: E402
from harness import ANSIBLE_PLAYBOOK, PlaybookRun, free_port, pg_bin  # noqa: E402
import test_upgrade  # noqa: E402
from test_upgrade import SANDBOX, SOURCE, TARGET, UPGRADE, UpgradeHost, faulty_release  # noqa: E402,F401  # pylint: disable=unused-import
from test_upgrade import dist  # noqa: E402,F401  pylint: disable=unused-import


def _integration_conftest():
    """tests/integration/conftest.py's private-server helpers (its fixtures are not visible from here)."""
    spec = importlib.util.spec_from_file_location("om_integration_conftest", INTEGRATION / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_IC = _integration_conftest()

REMOVE = object()  # an extra_vars value that removes the variable from the inventory
PHASES = ["stop", "backup", "tune", "install", "config", "indexes", "migrate", "start", "post_upgrade"]


# --- private database servers that a test may stop and start ------------------------------------

class PrivateMariaDB(_IC._PrivateMariaDB):  # pylint: disable=protected-access
    def info(self) -> dict[str, Any]:
        return {"port": self.port, "socket": str(self.socket), "conf_d": str(self.conf_d),
                "option_file": str(self.conf_d / "99-openmetadata-ops.cnf"), "user": "root", "password": "",
                "server": self}


class PrivatePostgreSQL:
    """initdb + pg_ctl on a free port (scram on 127.0.0.1), with stop() and start() of its own."""

    def __init__(self, base: pathlib.Path) -> None:
        self.base = base
        self.datadir = base / "data"
        self.log = base / "log"
        self.port = free_port()
        self.password = "Sup3r-S3cret-%s" % uuid.uuid4().hex[:8]
        self.as_postgres = _IC._as_user("postgres")  # pylint: disable=protected-access
        self.options = "-p %d -k %s -c listen_addresses=127.0.0.1" % (self.port, base)

    def _pg_ctl(self, *args: str) -> None:
        proc = subprocess.run(self.as_postgres + [pg_bin("pg_ctl"), "-D", str(self.datadir)] + list(args),
                              capture_output=True, text=True, check=False, timeout=300)
        if proc.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError("pg_ctl %s failed: %s\n%s\n%s" % (args[-1], proc.stdout, proc.stderr, tail))

    def install(self) -> None:
        os.chmod(self.base, 0o755)
        pwfile = self.base / "pw"
        pwfile.write_text(self.password + "\n")
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
            shutil.chown(pwfile, "postgres")
        subprocess.run(self.as_postgres + [pg_bin("initdb"), "-D", str(self.datadir), "-U", "postgres",
                                           "--pwfile", str(pwfile), "--auth-host=scram-sha-256", "--auth-local=trust"],
                       check=True, capture_output=True)

    def start(self) -> None:
        self._pg_ctl("-w", "-l", str(self.log), "-o", self.options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("-w", "-m", mode, "stop")

    def destroy(self) -> None:
        subprocess.run(self.as_postgres + [pg_bin("pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"],
                       check=False, capture_output=True)

    def info(self) -> dict[str, Any]:
        return {"port": self.port, "user": "postgres", "password": self.password, "socket_dir": str(self.base),
                "conf_dir": str(self.datadir), "log": str(self.log), "server": self}


@contextlib.contextmanager
def private_server(engine: str) -> Iterator[dict[str, Any]]:
    base = pathlib.Path(tempfile.mkdtemp(prefix="om-faults-%s-" % engine))
    try:
        if engine == "mysql":
            server: Any = PrivateMariaDB(base)
            server.install()
            server.start()
            server.bootstrap_accounts()
        else:
            server = PrivatePostgreSQL(base)
            server.install()
            server.start()
        try:
            yield server.info()
        finally:
            if engine == "mysql":
                server.stop()
            else:
                server.destroy()
    finally:
        shutil.rmtree(base, ignore_errors=True)


# --- the suite's own view of a database ---------------------------------------------------------

def _tables(engine: str, conn: Any) -> list[str]:
    with conn.cursor() as cur:
        if engine == "mysql":
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
                        "AND table_type = 'BASE TABLE'")
        else:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                        "AND table_type = 'BASE TABLE'")
        return sorted(str(row[0]) for row in cur.fetchall())


def table_digests(engine: str, conn: Any) -> dict[str, tuple[int, str]]:
    """table -> (row count, sha256 of its rows sorted by their text), every column as the server prints it."""
    digests = {}
    for table in _tables(engine, conn):
        quoted = "`%s`" % table if engine == "mysql" else '"%s"' % table
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM %s" % quoted)
            rows = sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row))
                          for row in cur.fetchall())
        digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


def verify_backup(dump: pathlib.Path) -> dict[str, int]:
    """The dump's sha256 equals its manifest's and the gzip reads to the end; returns the manifest's row counts."""
    manifest_path = pathlib.Path(str(dump)[: -len(".sql.gz")] + ".manifest.json")
    assert manifest_path.is_file(), "no manifest beside %s" % dump
    manifest = json.loads(manifest_path.read_text())
    assert (dump.parent / manifest["file"]) == dump, manifest["file"]
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["sha256"], "%s does not match its manifest" % dump
    with gzip.open(dump, "rb") as handle:
        while handle.read(1 << 20):
            pass
    tables = manifest["tables"]
    if isinstance(tables, dict):
        return {name: int(entry["rows"] if isinstance(entry, dict) else entry) for name, entry in tables.items()}
    return {entry["name"]: int(entry["rows"]) for entry in tables}


class FaultHost(UpgradeHost):
    """UpgradeHost with what the fault tests need: runs they can watch and kill, the suite's own checks."""

    def __init__(self, engine: str, server: dict[str, Any], tmp_path: pathlib.Path, dist_dir: pathlib.Path) -> None:
        super().__init__(engine, server, tmp_path, dist_dir)
        self.db_server = server["server"]
        self.default_archive = self.release_archive
        self.ready = False
        self.cleanups: list[Callable[[], Any]] = []

    def host_vars(self) -> dict[str, Any]:
        variables = super().host_vars()
        return {k: v for k, v in variables.items() if v is not REMOVE}

    # --- building and rebuilding ------------------------------------------------------------------
    def build(self) -> None:
        if self.engine == "mysql":
            om_database.build("mariadb", self.db_name, port=self.server["port"], user="root", password="")
        else:
            om_database.build("postgresql", self.db_name, port=self.server["port"], user=self.server["user"],
                              password=self.server["password"])
        self.setup()
        self.ready = True

    def rebuild(self) -> None:
        """Back to a fresh 1.1.7 host (after a test that upgraded it or left it changed)."""
        self.extra_vars = {}
        self.release_archive = self.default_archive
        self.teardown()
        for path in (self.work / "om" / "upgrade.json", self.work / "om" / "db_setting.json"):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.install_dir, ignore_errors=True)
        shutil.rmtree(self.work / "om" / "backups", ignore_errors=True)
        self.build()

    def fresh(self) -> dict[str, Any]:
        """The host serving 1.1.7 as set up (rebuilt when an earlier test left it otherwise); its state."""
        self.extra_vars = {}
        self.release_archive = self.default_archive
        if not self.ready or self.version() != SOURCE or self.record().get("status") not in (None, "rolled_back"):
            self.rebuild()
        shutil.rmtree(self.install_dir / ("openmetadata-%s" % TARGET), ignore_errors=True)
        # an earlier test's rollback keeps its backup: this test's checks of the folder are about its own run
        backups = self.work / "om" / "backups"
        for leftover in (backups.iterdir() if backups.is_dir() else []):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
        return self.full_state()

    # --- the suite's own checks ---------------------------------------------------------------------
    def digests(self) -> dict[str, tuple[int, str]]:
        conn = self.connect(self.db_name)
        try:
            return table_digests(self.engine, conn)
        finally:
            conn.close()

    def backups_listing(self) -> list[str]:
        folder = self.work / "om" / "backups"
        return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else ["<absent>"]

    def full_state(self) -> dict[str, Any]:
        return {"tables": self.digests(), "setting": self.setting(), "conf": self.old_conf(),
                "current": self.current_release(), "version": self.version()}

    # --- runs a test can watch and interrupt ---------------------------------------------------------
    @property
    def task_log(self) -> pathlib.Path:
        return self.tmp / "tasks.log"

    def watched_env(self) -> dict[str, str]:
        """env() plus the suite's callback, which writes each task's name as it starts to task_log."""
        env = self.env()
        env.update({"ANSIBLE_CALLBACK_PLUGINS": str(HERE / "callback_plugins"),
                    "ANSIBLE_CALLBACKS_ENABLED": "fault_task_log", "OM_FAULTS_TASK_LOG": str(self.task_log)})
        return env

    def tasks_started(self) -> list[str]:
        return self.task_log.read_text().splitlines() if self.task_log.exists() else []

    def start_run(self, playbook: pathlib.Path = UPGRADE, *args: str) -> subprocess.Popen:
        self.write_inventory()
        self.task_log.unlink(missing_ok=True)
        out = self.tmp / ("run-%s.json" % uuid.uuid4().hex[:6])
        handle = out.open("w")
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [ANSIBLE_PLAYBOOK, "-i", str(self.inventory), str(playbook)] + list(args), env=self.watched_env(),
            start_new_session=True, stdout=handle, stderr=subprocess.PIPE, text=True)
        proc.out_path = out  # type: ignore[attr-defined]
        handle.close()
        return proc

    @contextlib.contextmanager
    def watched_run(self, playbook: pathlib.Path = UPGRADE, *args: str) -> Iterator[subprocess.Popen]:
        """start_run(), and the run killed if the test fails before it ends (never left running under the next test)."""
        proc = self.start_run(playbook, *args)
        try:
            yield proc
        except BaseException:
            if proc.poll() is None:
                self.kill_run(proc)
            raise

    @staticmethod
    def finish_run(proc: subprocess.Popen, timeout: float = 1200) -> PlaybookRun:
        try:
            _stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            _stdout, stderr = proc.communicate()
        output = proc.out_path.read_text()  # type: ignore[attr-defined]
        return PlaybookRun(SimpleNamespace(returncode=proc.returncode, stderr=stderr or ""), output)

    @staticmethod
    def kill_run(proc: subprocess.Popen) -> None:
        """SIGKILL the controller's ansible-playbook and every process of its session (as a killed CI job)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()

    def wait_for(self, proc: Optional[subprocess.Popen], check: Callable[[], Any], what: str,
                 timeout: float = 900) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            if proc is not None and proc.poll() is not None:
                run = self.finish_run(proc)
                raise AssertionError("the run ended before %s\n%s" % (what, explain(run)))
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s" % what)

    def wait_phase(self, proc: subprocess.Popen, phase: str) -> None:
        """Until the run starts the step of ``phase`` (its bookkeeping is done, its own tasks begin)."""
        self.wait_for(proc, lambda: "Run phase %s" % phase in self.tasks_started(), "phase %s" % phase)

    def module_pids(self, module: str) -> list[int]:
        """PIDs of the AnsiballZ processes of ``module`` run for this host (their parameters name its folders)."""
        marker = str(self.work).encode()
        found = []
        for entry in pathlib.Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            script = next((a for a in argv if a.endswith(("AnsiballZ_%s.py" % module).encode())), None)
            if script is None or any(a.endswith(b"async_wrapper.py") for a in argv):
                continue
            with contextlib.suppress(OSError):
                if marker in pathlib.Path(script.decode()).read_bytes():
                    found.append(int(entry.name))
        return found

    def lock_table(self, table: str) -> Any:
        """A session that holds ``table`` so that any reader waits (the backup is caught in the middle)."""
        conn = self.connect(self.db_name)
        cur = conn.cursor()
        if self.engine == "mysql":
            cur.execute("LOCK TABLES `%s` WRITE" % table)
        else:
            conn.autocommit = False
            cur.execute('LOCK TABLE "%s" IN ACCESS EXCLUSIVE MODE' % table)
        return conn

    def server_running(self, version: str) -> bool:
        """The release's server process is alive (by its logs/catalog.pid; a zombie counts as gone)."""
        pid_file = self.install_dir / ("openmetadata-%s" % version) / "logs" / "catalog.pid"
        try:
            pid = int(pid_file.read_text().strip())
            return ") Z " not in pathlib.Path("/proc/%d/stat" % pid).read_text()
        except (OSError, ValueError):
            return False

    def search_restart_args(self) -> list[str]:
        om = self.work / "om"
        return [sys.executable, str(SANDBOX / "sandbox_ctl.py"), "start-search", "--version", "8.10.2",
                "--port", str(self.search_port), "--data-dir", str(om / "search-data"),
                "--pid-file", str(om / "search.pid"), "--log", str(om / "search.log")]

    def stop_search(self) -> None:
        pid = int((self.work / "om" / "search.pid").read_text().strip())
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and pathlib.Path("/proc/%d" % pid).exists():
            status = pathlib.Path("/proc/%d/stat" % pid).read_text() if pathlib.Path("/proc/%d" % pid).exists() else ""
            if ") Z " in status:
                break
            time.sleep(0.05)

    def start_search(self) -> None:
        subprocess.run(self.search_restart_args(), check=True, capture_output=True, cwd=str(test_upgrade.REPO))


def explain(run: PlaybookRun) -> str:
    """The failed tasks of a run with their messages, then the end of its stderr."""
    failed = ["%s on %s: %s" % (task["task"]["name"], name, str(result.get("msg"))[:800])
              for play in run.data.get("plays", []) for task in play.get("tasks", [])
              for name, result in task["hosts"].items() if result.get("failed") or result.get("unreachable")]
    return "rc=%s\n%s\nstderr: %s" % (run.rc, "\n".join(failed) or run.output[-3000:], run.stderr[-1500:])


def report(facts: dict[str, Any], rows_lost: int, **extra: Any) -> None:
    """With OM_FAULTS_REPORT=<file>, one JSON line per outcome (docs/reliability.md's table is made from them)."""
    path = os.environ.get("OM_FAULTS_REPORT")
    if not path:
        return
    line = {"test": os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0], "result": facts.get("result"),
            "failed_phase": (facts.get("rolled_back") or {}).get("failed_phase"),
            "rollback_seconds": (facts.get("phase_seconds") or {}).get("rollback"),
            "total_seconds": facts.get("total_seconds"), "rows_lost": rows_lost}
    line.update(extra)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def summary_of(run: PlaybookRun) -> dict[str, Any]:
    return test_upgrade.summary(run)


def assert_rolled_back(host: FaultHost, before: dict[str, Any], run: PlaybookRun, phase: str,
                       db_restored: bool) -> dict[str, Any]:
    """1.1.7 serves, every table row-identical (the suite's own checksums), the DB setting and the old
    configuration as they were, the backup intact, and the summary saying what the rollback did."""
    assert run.rc != 0, "a rolled-back upgrade must fail the host\n" + explain(run)
    facts = summary_of(run)
    assert facts["result"] == "rolled back", explain(run)
    rollback = facts["rolled_back"]
    assert rollback["failed_phase"] == phase, rollback
    assert host.version() == SOURCE, "1.1.7 does not serve after the rollback"
    assert host.current_release() == "openmetadata-%s" % SOURCE
    after = host.full_state()
    changed = sorted(t for t in set(before["tables"]) | set(after["tables"])
                     if before["tables"].get(t) != after["tables"].get(t))
    assert not changed, "tables differ from before the upgrade: %s" % changed
    assert after["setting"] == before["setting"], "the DB setting was not put back"
    assert after["conf"] == before["conf"], "the 1.1.7 openmetadata.yaml changed"
    assert host.record()["status"] == "rolled_back"
    steps = rollback.get("steps", [])
    restored = [s for s in steps if s.startswith("restored ")]
    if db_restored:
        assert restored, "the summary does not say the database was restored: %s" % steps
        assert os.path.basename(facts["backup"]) in restored[0], (restored, facts["backup"])
    else:
        assert not restored, "the database was restored though the run had not touched it: %s" % steps
    assert steps and steps[-1].startswith("%s serving" % SOURCE), steps
    if facts["backup"] != "none":
        rows = verify_backup(pathlib.Path(facts["backup"]))
        expected = {t: n for t, (n, _checksum) in before["tables"].items()}
        assert {t: rows[t] for t in rows} == {t: expected[t] for t in rows}, "the backup's row counts differ"
    assert any(docs > 0 for docs in host.indexes().values()), "the 1.1 indexes were not recreated"
    report(facts, 0, steps=steps)
    return facts
