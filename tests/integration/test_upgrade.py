"""End to end: playbooks/upgrade.yml takes a stand-in OpenMetadata 1.1.7 host to 1.2.5 on a real
MariaDB / PostgreSQL, or rolls it back with nothing lost.

Each test gets a private database server (the upgrade raises and persists sort_buffer_size /
work_mem: never on the shared servers), free ports, a temp folder, and a host built by the same
examples/sandbox/setup.yml that `make sandbox` runs: the 1.1.7 stand-in release unpacked and
started, an Elasticsearch stand-in with the 1.1 indexes, an OpenMetadata-shaped database with
sample data. Failures are injected with the stand-in's knobs (tests/simulator/README.md) in a
copy of the 1.2.5 release archive, so the old release is never affected.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import urllib.request
from typing import Any, Optional

import pytest
import yaml

from fixtures import om_database
from harness import ANSIBLE_PLAYBOOK, COLLECTIONS, REPO, PlaybookRun, ansible_playbook, free_port

SOURCE = "1.1.7"
TARGET = "1.2.5"
SANDBOX = REPO / "examples" / "sandbox"
UPGRADE = REPO / "playbooks" / "upgrade.yml"
SUMMARY_TASK = "Build the summary"


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> pathlib.Path:
    """The stand-in release archives, packed once per test session (worker)."""
    out = tmp_path_factory.mktemp("dist")
    for version in (SOURCE, TARGET):
        subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", version,
                        "--out", str(out)], cwd=str(REPO), check=True, capture_output=True)
    return out


def faulty_release(dist: pathlib.Path, folder: pathlib.Path, faults: dict[str, Any]) -> pathlib.Path:
    """A copy of the target archive whose conf/standin-faults.json holds ``faults``."""
    source = dist / ("openmetadata-%s.tar.gz" % TARGET)
    target = folder / source.name
    folder.mkdir(parents=True, exist_ok=True)
    data = json.dumps(faults).encode()
    with tarfile.open(source, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("openmetadata-%s/conf/standin-faults.json" % TARGET)
        info.size = len(data)
        info.mode = 0o644
        dst.addfile(info, io.BytesIO(data))
    return target


class UpgradeHost:  # pylint: disable=too-many-instance-attributes
    """One OpenMetadata host of the inventory, on this machine."""

    def __init__(self, engine: str, server: dict[str, Any], tmp_path: pathlib.Path, dist: pathlib.Path) -> None:
        self.engine = engine
        self.fixture_engine = "mariadb" if engine == "mysql" else "postgresql"
        self.server = server
        self.tmp = tmp_path
        self.work = tmp_path / "sandbox"
        self.dist = dist
        self.install_dir = self.work / "om" / "opt"
        self.app_port, self.admin_port, self.search_port = free_port(), free_port(), free_port()
        self.db_name = "openmetadata_db"
        self.release_archive = dist / ("openmetadata-%s.tar.gz" % TARGET)
        self.inventory = tmp_path / "inventory.yml"
        self.extra_vars: dict[str, Any] = {}

    # --- inventory ------------------------------------------------------------------------------
    def host_vars(self) -> dict[str, Any]:
        server = self.server
        variables: dict[str, Any] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "sandbox_work": str(self.work),
            "sandbox_host_dir": str(self.work / "om"),
            "sandbox_source_version": SOURCE,
            "sandbox_search_pid_file": str(self.work / "om" / "search.pid"),
            "sandbox_search_version": "8.10.2",
            "openmetadata_deployment": "bare_metal",
            "openmetadata_target_version": TARGET,
            "openmetadata_install_dir": str(self.install_dir),
            "openmetadata_release_archive": str(self.release_archive),
            "openmetadata_release_checksum": "sha256:" + hashlib.sha256(self.release_archive.read_bytes()).hexdigest(),
            "openmetadata_server_port": self.app_port,
            "openmetadata_admin_port": self.admin_port,
            "openmetadata_server_url": "http://127.0.0.1:%d" % self.app_port,
            "openmetadata_admin_url": "http://127.0.0.1:%d" % self.admin_port,
            "openmetadata_search_url": "http://127.0.0.1:%d" % self.search_port,
            "openmetadata_jwt_token": self.jwt_token(),
            "openmetadata_db_engine": self.engine,
            "openmetadata_db_host": "127.0.0.1",
            "openmetadata_db_port": server["port"],
            "openmetadata_db_name": self.db_name,
            "openmetadata_db_admin_user": server["user"],
            "openmetadata_db_admin_password": server["password"],
            "openmetadata_backup_dir": str(self.work / "om" / "backups"),
            "openmetadata_db_tuning_state_file": str(self.work / "om" / "db_setting.json"),
            "openmetadata_upgrade_state_file": str(self.work / "om" / "upgrade.json"),
            "openmetadata_report_dir": str(self.work / "om" / "reports"),
            # The fixture holds queries whose service chain is broken: preflight exports them, 1.2.0 deletes them.
            "openmetadata_accept_query_loss": True,
            "openmetadata_server_stop_timeout": 30,
            "openmetadata_server_start_timeout": 40,  # the slow-start knob is 8 s; a refused start waits this long
            "openmetadata_server_poll_interval": 1,
            "openmetadata_reindex_poll_interval": 0.5,
        }
        if self.engine == "mysql":
            # The OpenMetadata user has rights on its database only; root tunes and restores.
            variables.update(openmetadata_db_user="om_user", openmetadata_db_password="om-pass",
                             openmetadata_db_tuning_option_file=server["option_file"])
        else:
            variables.update(openmetadata_db_user=server["user"], openmetadata_db_password=server["password"],
                             openmetadata_db_tuning_scope="system")
        variables.update(self.extra_vars)
        return variables

    @staticmethod
    def jwt_token() -> str:
        from simulator.openmetadata import conf  # pylint: disable=import-outside-toplevel
        return conf.DEFAULT_JWT_TOKEN

    def write_inventory(self) -> None:
        self.inventory.write_text(yaml.safe_dump({"openmetadata": {"hosts": {"om": self.host_vars()}}}))

    # --- runs -----------------------------------------------------------------------------------
    def playbook(self, playbook: pathlib.Path, *args: str) -> PlaybookRun:
        self.write_inventory()
        return ansible_playbook(["-i", str(self.inventory), str(playbook)] + list(args), self.tmp)

    def playbook_tasks(self, tasks: list[dict[str, Any]], *args: str) -> PlaybookRun:
        """A one-play playbook of ``tasks`` against this host."""
        play = self.tmp / "tasks.yml"
        play.write_text(yaml.safe_dump([{"name": "tasks", "hosts": "om", "gather_facts": False, "tasks": tasks}]))
        return self.playbook(play, *args)

    def setup(self) -> None:
        run = self.playbook(SANDBOX / "setup.yml")
        assert run.rc == 0, "setup failed:\n%s\n%s" % (run.output[-4000:], run.stderr[-3000:])
        assert self.version() == SOURCE

    def upgrade(self, *args: str) -> PlaybookRun:
        return self.playbook(UPGRADE, *args)

    def teardown(self) -> None:
        self.playbook(SANDBOX / "reset.yml")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
                    "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "0",
                    "ANSIBLE_LOCAL_TEMP": str(self.tmp / ".ansible-tmp"),
                    "ANSIBLE_HOME": str(self.tmp / ".ansible-home")})
        return env

    # --- what the host looks like ---------------------------------------------------------------
    def version(self) -> Optional[str]:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/system/version" % self.app_port, timeout=5) as resp:
                return json.load(resp)["version"]
        except Exception:  # pylint: disable=broad-except
            return None

    def current_release(self) -> str:
        return os.path.basename(os.readlink(self.install_dir / "current"))

    def old_conf(self) -> bytes:
        return (self.install_dir / ("openmetadata-%s" % SOURCE) / "conf" / "openmetadata.yaml").read_bytes()

    def get_setting(self, name: str) -> dict[str, Any]:
        request = urllib.request.Request("http://127.0.0.1:%d/api/v1/system/settings/%s" % (self.app_port, name),
                                         headers={"Authorization": "Bearer " + self.jwt_token()})
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.load(resp)["config_value"]

    def record(self) -> dict[str, Any]:
        path = self.work / "om" / "upgrade.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def connect(self, database: Optional[str]):
        return om_database.connect(self.fixture_engine, database, port=self.server["port"],
                                   user=self.server["user"], password=self.server["password"])

    def snapshot(self) -> dict[str, str]:
        """sha256 of every table's rows, in a deterministic order."""
        conn = self.connect(self.db_name)
        try:
            return {table: hashlib.sha256(repr(om_database.table_rows(self.fixture_engine, conn, table)).encode())
                    .hexdigest() for table in om_database.list_tables(self.fixture_engine, conn)}
        finally:
            conn.close()

    def setting(self) -> tuple[str, bytes]:
        """The DB setting a new connection sees, and the bytes of where it is persisted."""
        conn = self.connect(self.db_name)
        try:
            with conn.cursor() as cur:
                if self.engine == "mysql":
                    cur.execute("SELECT @@GLOBAL.sort_buffer_size")
                    value = str(cur.fetchone()[0])
                    option_file = pathlib.Path(self.server["option_file"])
                    persisted = option_file.read_bytes() if option_file.exists() else b"<absent>"
                else:
                    cur.execute("SHOW work_mem")
                    value = cur.fetchone()[0]
                    persisted = (pathlib.Path(self.server["conf_dir"]) / "postgresql.auto.conf").read_bytes()
        finally:
            conn.close()
        return value, persisted

    def indexes(self) -> dict[str, int]:
        with urllib.request.urlopen("http://127.0.0.1:%d/_cat/indices?format=json" % self.search_port, timeout=5) as resp:
            return {row["index"]: int(row.get("docs.count") or 0) for row in json.load(resp)}

    def state(self) -> dict[str, Any]:
        return {"tables": self.snapshot(), "setting": self.setting(), "conf": self.old_conf(),
                "current": self.current_release(), "version": self.version()}


def summary(run: PlaybookRun) -> dict[str, Any]:
    return run.result(SUMMARY_TASK)["ansible_facts"]["openmetadata_upgrade_summary"]


def task_results(run: PlaybookRun, prefix: str) -> list[dict[str, Any]]:
    return [host for play in run.data.get("plays", []) for task in play.get("tasks", [])
            if task["task"]["name"].split(" : ")[-1].startswith(prefix) for host in task["hosts"].values()]


def explain(run: PlaybookRun) -> str:
    return "rc=%s\n%s\n%s" % (run.rc, run.output[-6000:], run.stderr[-3000:])


@pytest.fixture
def om_host(request, tmp_path, dist):
    """An OpenMetadata 1.1.7 host on a private server of the test's engine."""
    engine = request.param
    if engine == "mysql":
        server = request.getfixturevalue("private_mariadb")
    else:
        server = request.getfixturevalue("private_postgresql_restartable")
    host = UpgradeHost(engine, server, tmp_path, dist)
    if engine == "mysql":
        om_database.build("mariadb", host.db_name, port=server["port"], user="root", password="")
    else:
        om_database.build("postgresql", host.db_name, port=server["port"], user=server["user"],
                          password=server["password"])
    try:
        host.setup()
        yield host
    finally:
        host.teardown()


def assert_rolled_back(host: UpgradeHost, before: dict[str, Any], run: PlaybookRun, phase: str) -> None:
    assert run.rc != 0, "a rolled-back upgrade must fail the host\n" + explain(run)
    facts = summary(run)
    assert facts["result"] == "rolled back", explain(run)
    assert facts["rolled_back"]["failed_phase"] == phase, facts
    assert host.version() == SOURCE
    assert host.current_release() == "openmetadata-%s" % SOURCE
    after = host.state()
    assert after["conf"] == before["conf"], "the 1.1.7 openmetadata.yaml changed"
    assert after["setting"] == before["setting"], "the DB setting was not put back"
    changed = sorted(t for t in set(before["tables"]) | set(after["tables"])
                     if before["tables"].get(t) != after["tables"].get(t))
    assert not changed, "tables differ from before the upgrade: %s" % changed
    assert host.record()["status"] == "rolled_back"
    assert any(docs > 0 for docs in host.indexes().values()), "the 1.1 indexes were not recreated"


# --- the promises ---------------------------------------------------------------------------------

# MariaDB: test_user_guide_commands runs the same promises through the user guide's own commands.
@pytest.mark.parametrize("om_host", ["postgresql"], indirect=True)
def test_upgrade_check_mode_then_real_then_nothing_to_do(om_host):
    """--check changes nothing; the upgrade serves 1.2.5 with the DB setting (left low by the
    user) raised for the migration and put back, the old yaml's logo/login values in the settings
    API; a second run changes nothing."""
    host = om_host
    before = host.state()
    low = before["setting"][0]

    dry = host.upgrade("--check", "--diff")
    assert dry.rc == 0, explain(dry)
    assert summary(dry)["result"] == "check mode: nothing changed"
    assert host.state() == before, "check mode changed something"

    run = host.upgrade()
    assert run.rc == 0, explain(run)
    facts = summary(run)
    assert facts["result"] == "upgraded" and facts["version_before"] == SOURCE and facts["version_after"] == TARGET
    assert pathlib.Path(facts["backup"]).is_file()
    assert set(facts["phase_seconds"]) >= {"stop", "backup", "tune", "install", "config", "indexes", "migrate",
                                           "start", "post_upgrade"}
    tuned = task_results(run, "Raise the DB setting for the migrations to")
    assert tuned and tuned[0]["changed"], "the low %s was not raised for the migration" % low
    assert tuned[0]["effective_value"] >= 20 * 1024 * 1024
    assert host.version() == TARGET
    assert host.current_release() == "openmetadata-%s" % TARGET
    assert host.setting() == before["setting"], "DB setting %s not put back" % low
    assert host.old_conf() == before["conf"], "the old release's configuration was touched"
    assert host.record()["status"] == "finished"
    assert any(docs > 0 for docs in host.indexes().values()), "nothing was reindexed"
    assert host.get_setting("customLogoConfiguration")["customLogoUrlPath"] == "https://sandbox.example.com/logo.png"
    assert host.get_setting("loginConfiguration")["maxLoginFailAttempts"] == 5

    again = host.upgrade()
    assert again.rc == 0, explain(again)
    assert again.changed == 0, "second run changed something:\n" + explain(again)
    assert summary(again)["result"] == "already at the target: nothing to do"


@pytest.mark.parametrize("om_host", ["mysql"], indirect=True)
def test_a_cluster_alias_for_1_2_is_refused_before_anything_changes(om_host):
    """1.2 has no clusterAlias (it arrives with 1.3): a value for openmetadata_search_cluster_alias fails the
    run before the preflight, on bare metal and Docker alike, and nothing changes."""
    host = om_host
    before = host.state()
    for kind in ("bare_metal", "docker"):
        run = host.upgrade("-e", "openmetadata_search_cluster_alias=prod", "-e", "openmetadata_deployment=" + kind)
        assert run.rc != 0, explain(run)
        refused = task_results(run, "Refuse a search cluster alias the target release does not have")
        assert refused and refused[0].get("failed"), explain(run)
        assert refused[0]["msg"].startswith(
            "OpenMetadata 1.2 has no clusterAlias (it appears in 1.3); its index names are never prefixed: "
            "remove cluster_alias / openmetadata_search_cluster_alias."), refused[0]["msg"]
        assert not task_results(run, "Preflight checks (change nothing; refuse an unsupported path)"), kind
        assert host.state() == before, "a refused run changed something (%s)" % kind


# Part of the fault suite (marker faults, make faults), which injects these and more at each phase: in make test
# the rollback is proven by test_upgrade_search_migrate (migrate, both engines), test_upgrade_summary (start),
# test_docker_upgrade (migrate, post_upgrade), test_upgrade_cluster and test_user_guide_commands (rollback.yml).
FAILURES = {
    "mysql": [({"reindex_fail": True}, "post_upgrade")],
    "postgresql": [({"refuse_start": "injected: refusing to start"}, "start")],
}


@pytest.mark.faults
@pytest.mark.parametrize("om_host", ["mysql", "postgresql"], indirect=True)
def test_failures_roll_back_to_the_old_release_with_nothing_lost(om_host):
    """A server that refuses to start, a reindex that fails: each time 1.1.7 serves again, every table is
    row-identical to before, the DB setting and the 1.1.7 configuration are as they were."""
    host = om_host
    before = host.state()
    for number, (faults, phase) in enumerate(FAILURES[host.engine]):
        shutil.rmtree(host.install_dir / ("openmetadata-%s" % TARGET), ignore_errors=True)
        host.release_archive = faulty_release(host.dist, host.tmp / ("faulty%d" % number), faults)
        run = host.upgrade()
        assert_rolled_back(host, before, run, phase)


@pytest.mark.parametrize("om_host", ["mysql"], indirect=True)
def test_failed_pipeline_redeploy_fails_the_host_but_keeps_the_upgrade(om_host):
    """Airflow refusing the DAGs is no reason to throw a migrated server away: the host fails with what to
    do, 1.2.5 keeps serving, the run record says finished, and nothing is rolled back."""
    host = om_host
    host.release_archive = faulty_release(host.dist, host.tmp / "nodeploy", {"pipeline_deploy_fail": True})
    run = host.upgrade()
    assert run.rc != 0, explain(run)
    facts = summary(run)
    assert facts["result"].startswith("upgraded, but the ingestion pipelines were not all redeployed"), facts
    assert not facts["rolled_back"], facts
    failure = task_results(run, "Fail the host whose ingestion pipelines were not redeployed")
    assert failure and failure[0]["failed"], explain(run)
    assert "The server itself is upgraded" in failure[0]["msg"] and "Settings > Services" in failure[0]["msg"]
    assert host.version() == TARGET and host.current_release() == "openmetadata-%s" % TARGET
    assert host.record()["status"] == "finished"


@pytest.mark.parametrize("om_host", ["mysql"], indirect=True)
def test_interrupted_run_then_rerun_finishes(om_host):
    """ansible-playbook killed while the new release starts (slowly); the next run finishes the job
    (or rolls back and upgrades again) and puts the DB setting back."""
    host = om_host
    # slow enough that the rerun's checks find the killed run's 1.2.5 process running and not answering yet
    # (refused as a wrong openmetadata_server_url before the recovery knew better)
    host.release_archive = faulty_release(host.dist, host.tmp / "slow", {"start_delay_seconds": 20})
    before = host.state()
    host.write_inventory()
    proc = subprocess.Popen(  # pylint: disable=consider-using-with
        [ANSIBLE_PLAYBOOK, "-i", str(host.inventory), str(UPGRADE)], env=host.env(), start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline and host.record().get("phase") != "start":
            assert proc.poll() is None, "the run ended before it could be interrupted"
            time.sleep(0.2)
        assert host.record().get("phase") == "start"
        time.sleep(2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert host.record()["status"] == "in_progress"

    # the killed run could not release its locks: the rerun from this controller sees that its
    # ansible-playbook is gone and takes both over
    assert (host.work / "om" / "upgrade.json.lock").exists()
    rerun = host.upgrade()
    assert rerun.rc == 0, explain(rerun)
    assert summary(rerun)["result"] == "upgraded"
    for lock in ("Take this host's upgrade lock", "Take the database's upgrade guard"):
        taken = [result for result in task_results(rerun, lock) if "holder" in result]  # the module's, not the include's
        assert taken and taken[0]["took_over_from"]["pid"] == proc.pid, (lock, taken)
        assert any("which no longer runs" in warning for warning in taken[0]["warnings"]), taken
    assert not (host.work / "om" / "upgrade.json.lock").exists()
    assert host.version() == TARGET
    assert host.record()["status"] == "finished"
    assert host.setting() == before["setting"], "the DB setting was not put back after the interruption"
    assert host.old_conf() == before["conf"]
    assert host.upgrade().changed == 0


@pytest.mark.parametrize("om_host", ["postgresql"], indirect=True)
def test_system_setting_module_against_the_server(om_host):
    """check mode and --diff show the change and write nothing; the write lands; a second run
    changes nothing; a wrong token is a clear 401 and changes nothing; a 1.1 server has no
    loginConfiguration and says so."""
    host = om_host
    base = {"server_url": "http://127.0.0.1:%d" % host.app_port, "jwt_token": host.jwt_token(),
            "name": "customLogoConfiguration", "value": {"customLogoUrlPath": "https://example.com/logo.png",
                                                         "customMonogramUrlPath": ""}}

    def task(**overrides):
        args = dict(base)
        args.update(overrides)
        return [{"name": "setting", "openmetadata.ops.system_setting": args, "register": "out",
                 "ignore_errors": True}]

    def read():
        run = host.playbook_tasks(task(state="read", value=None))
        return run.result("setting")["value"]

    before = read()
    dry = host.playbook_tasks(task(), "--check", "--diff")
    result = dry.result("setting")
    assert result["changed"] and result["diff"]["after"]["customLogoConfiguration"]["customLogoUrlPath"].endswith("logo.png")
    assert read() == before

    first = host.playbook_tasks(task()).result("setting")
    assert first["changed"] and read()["customLogoUrlPath"] == "https://example.com/logo.png"
    assert not host.playbook_tasks(task()).result("setting")["changed"]

    denied = host.playbook_tasks(task(jwt_token="not-a-token", value={"customLogoUrlPath": "x"})).result("setting")
    assert denied["failed"] and denied["status"] == 401 and "token" in denied["msg"]
    assert read()["customLogoUrlPath"] == "https://example.com/logo.png"

    login = host.playbook_tasks(task(name="loginConfiguration", value={"maxLoginFailAttempts": 5})).result("setting")
    assert login["failed"] and "1.2.1" in login["msg"]
