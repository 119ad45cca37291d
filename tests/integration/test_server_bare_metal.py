"""Role openmetadata.ops.server_bare_metal through ansible-playbook, against a stand-in install
(tests/simulator/openmetadata) in a temp folder on the real MariaDB and PostgreSQL."""
from __future__ import annotations

import os
import pathlib
import stat
import subprocess
import threading
from typing import Any, Iterator

import pytest

from fixtures import om_database
from harness import FIXTURE_ENGINE, change_log_versions, run_playbook
from simulator.openmetadata.install import StandinSite

ROLE = "openmetadata.ops.server_bare_metal"


@pytest.fixture
def site(dbs, tmp_path) -> Iterator[StandinSite]:
    name = dbs.build(hard_data=False)
    standin = StandinSite(tmp_path / "site", dbs.engine, name)
    standin.pack("1.1.7", "1.2.5")
    standin.install("1.1.7")
    standin.start("1.1.7")
    yield standin
    standin.stop_all()


def role_vars(site: StandinSite, **extra: Any) -> dict[str, Any]:
    archive = site.archives["1.2.5"]
    values = {
        "openmetadata_install_dir": str(site.install_dir),
        "openmetadata_source_version": "1.1.7",
        "openmetadata_target_version": "1.2.5",
        "openmetadata_release_archive": archive["archive"],
        "openmetadata_release_checksum": "sha256:" + archive["sha256"],
        "openmetadata_server_url": site.server_url,
        "openmetadata_admin_url": site.admin_url,
        "openmetadata_service_name": "openmetadata-standin-absent",
        "openmetadata_server_env": site.env(),
        "openmetadata_server_start_timeout": 30,
        "openmetadata_server_stop_timeout": 20,
        "openmetadata_server_poll_interval": 1,
    }
    values.update(extra)
    return values


def run_role(site: StandinSite, tmp_path: pathlib.Path, tasks_from: str = "main", check: bool = False,
             verbosity: int = 0, **extra: Any):
    task = {"name": "server role", "ansible.builtin.include_role": {"name": ROLE, "tasks_from": tasks_from}}
    return run_playbook([task], tmp_path, check=check, play_vars=role_vars(site, **extra), verbosity=verbosity)


def query_count(site: StandinSite) -> int:
    conn = om_database.connect(FIXTURE_ENGINE[site.engine], site.database)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM query_entity")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def test_upgrade_then_nothing_to_do(site, tmp_path):
    before = query_count(site)
    old_conf = site.release_dir("1.1.7") / "conf" / "openmetadata.yaml"
    edited = old_conf.read_text().replace("${OPENMETADATA_CLUSTER_NAME:-openmetadata}", "${OPENMETADATA_CLUSTER_NAME:-acme}")
    edited = edited.replace('customLogoUrlPath: ${OM_CUSTOM_LOGO_URL_PATH:-""}', 'customLogoUrlPath: "https://cdn.example/logo.png"')
    old_conf.write_text(edited)
    env_script = site.release_dir("1.1.7") / "conf" / "openmetadata-env.sh"
    env_script.write_text(env_script.read_text() + 'export OPENMETADATA_HEAP_OPTS="-Xmx3G -Xms3G"\n')
    old_pid = site.running_pids()["openmetadata-1.1.7"]
    run = run_role(site, tmp_path)
    assert run.rc == 0, run.output[-3000:]
    assert run.changed > 0
    assert site.get("/api/v1/system/version", token=False)["version"] == "1.2.5"
    assert os.readlink(site.install_dir / "current") == str(site.release_dir("1.2.5"))
    assert (site.release_dir("1.1.7") / "conf" / "openmetadata.yaml").exists()  # kept for a rollback
    assert not pathlib.Path("/proc/%d" % old_pid).exists() or "openmetadata-1.1.7" not in site.running_pids()
    assert query_count(site) == before - om_database.BROKEN_QUERIES
    assert site.get("/api/v1/queries?limit=1")["paging"]["total"] == before - om_database.BROKEN_QUERIES
    migrated = run.result("Report the versions the migration completed")
    assert migrated["changed"] is True and "1.2.4" in migrated["msg"], migrated
    assert run.result("Run migrate-all")["changed"] is False  # changed is read from SERVER_CHANGE_LOG, not the log
    # No search engine here (the conf's default localhost:9200) and no openmetadata_search_url: a warning, no failure.
    assert "could not write" in run.result("Warn about search indexes the migration could not write")["msg"]
    config = run.result("Merge the old settings into the new release's openmetadata.yaml")
    assert config["removed_settings"]["customLogoConfiguration"]["customLogoUrlPath"] == "https://cdn.example/logo.png"
    new_conf = (site.release_dir("1.2.5") / "conf" / "openmetadata.yaml").read_text()
    assert "${OPENMETADATA_CLUSTER_NAME:-acme}" in new_conf and "logoConfig" not in new_conf
    assert old_conf.read_text() == edited  # the old release keeps its own file for a rollback
    assert "-Xmx3G" in (site.release_dir("1.2.5") / "conf" / "openmetadata-env.sh").read_text()

    again = run_role(site, tmp_path)
    assert again.rc == 0, again.output[-3000:]
    assert again.changed == 0, [t for t in again.results() if t.get("changed")]


def test_check_mode_changes_nothing(site, tmp_path):
    before = query_count(site)
    pid = site.running_pids()["openmetadata-1.1.7"]
    run = run_role(site, tmp_path, check=True)
    assert run.rc == 0, run.output[-3000:]
    assert site.running_pids() == {"openmetadata-1.1.7": pid}
    assert os.readlink(site.install_dir / "current") == str(site.release_dir("1.1.7"))
    assert not site.release_dir("1.2.5").exists()
    assert query_count(site) == before
    assert site.get("/api/v1/system/version", token=False)["version"] == "1.1.7"


@pytest.mark.parametrize("engine", ["mysql"])
def test_bad_checksum_changes_nothing(site, tmp_path):
    pid = site.running_pids()["openmetadata-1.1.7"]
    run = run_role(site, tmp_path, openmetadata_release_checksum="sha256:" + "0" * 64)
    assert run.rc != 0
    assert "not sha256:" + "0" * 64 in run.output or "nothing was installed" in run.output
    assert site.running_pids() == {"openmetadata-1.1.7": pid}  # never stopped
    assert not site.release_dir("1.2.5").exists()


@pytest.mark.parametrize("engine", ["mysql"])
def test_old_java_is_refused_before_anything_changes(site, tmp_path):
    fake = tmp_path / "jdk11" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text('#!/bin/sh\necho \'openjdk version "11.0.21" 2023-10-17\' >&2\n')
    (fake / "java").chmod(0o755)
    pid = site.running_pids()["openmetadata-1.1.7"]
    run = run_role(site, tmp_path, openmetadata_java_home=str(fake.parent))
    assert run.rc != 0
    assert "needs Java 17 or newer" in run.output
    assert site.running_pids() == {"openmetadata-1.1.7": pid}


def test_low_sort_memory_fails_the_migration_with_a_clear_message(dbs, tmp_path):
    name = dbs.build(hard_data=False)
    site = StandinSite(tmp_path / "site", dbs.engine, name, sort_memory_ok=False)
    site.pack("1.1.7", "1.2.5")
    site.install("1.1.7")
    try:
        run = run_role(site, tmp_path)
        assert run.rc != 0
        message = run.result("Report a failed migration")["msg"]
        assert "Out of sort memory" in message and "20MB" in message and "db_tuning" in message
        assert os.readlink(site.install_dir / "current") == str(site.release_dir("1.2.5"))
    finally:
        site.stop_all()


@pytest.mark.parametrize("engine", ["postgresql"])
def test_start_failure_reports_the_log(site, tmp_path):
    site.stop_all()
    site.install("1.2.5", link=False)
    site.write_faults("1.2.5", {"refuse_start": "disk on fire"})
    run = run_role(site, tmp_path, openmetadata_server_start_timeout=4)
    assert run.rc != 0
    message = run.result("Report a server that did not become healthy")["msg"]
    assert "disk on fire" in message


@pytest.mark.parametrize("engine", ["mysql"])
def test_stop_and_switch_back_entry_points(site, tmp_path):
    run = run_role(site, tmp_path)
    assert run.rc == 0, run.output[-3000:]
    stopped = run_role(site, tmp_path, tasks_from="stop")
    assert stopped.rc == 0 and stopped.changed == 1
    assert site.running_pids() == {}
    back = run_role(site, tmp_path, tasks_from="switch_back")
    assert back.rc == 0 and back.changed == 1
    assert os.readlink(site.install_dir / "current") == str(site.release_dir("1.1.7"))


def test_install_from_url_verifies_the_checksum(tmp_path):
    """tasks_from=install with an http URL (get_url + checksum), then the same with a wrong checksum."""
    import functools  # pylint: disable=import-outside-toplevel
    import http.server  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel

    standin = StandinSite(tmp_path / "url", "mysql", "not_used")
    archive = standin.pack("1.2.5")["1.2.5"]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(standin.releases))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/openmetadata-1.2.5.tar.gz" % server.server_address[1]
    try:
        wrong = run_role(standin, tmp_path, tasks_from="install", openmetadata_release_archive=url,
                         openmetadata_release_checksum="sha256:" + "1" * 64)
        assert wrong.rc != 0 and not standin.release_dir("1.2.5").exists()
        done = run_role(standin, tmp_path, tasks_from="install", openmetadata_release_archive=url)
        assert done.rc == 0, done.output[-3000:]
        assert (standin.release_dir("1.2.5") / "version.txt").read_text().strip() == "1.2.5"
        assert os.readlink(standin.install_dir / "current") == str(standin.release_dir("1.2.5"))
        assert archive["sha256"]
        again = run_role(standin, tmp_path, tasks_from="install", openmetadata_release_archive=url)
        assert again.rc == 0 and again.changed == 0
    finally:
        server.shutdown()
        server.server_close()


def test_migrate_changed_only_when_server_change_log_changes(site, tmp_path):
    """The migrate phase reads SERVER_CHANGE_LOG before and after migrate-all: changed the first time, not
    changed on the migrated database (migrate-all ran again and found nothing to do). The DB credentials go to
    openmetadata.ops.info as options (no_log), never on a command line."""
    site.stop_all()
    site.install("1.2.5")
    before = change_log_versions(site.engine, site.database)
    assert "1.2.0" not in before
    first = run_role(site, tmp_path, tasks_from="migrate")
    assert first.rc == 0, first.output[-3000:]
    after = change_log_versions(site.engine, site.database)
    assert set(after) - set(before) == {"1.2.0", "1.2.1", "1.2.4"}
    report = first.result("Report the versions the migration completed")
    # Changed: the report, and the environment file the first run writes (0600, read by the wrapper shell).
    assert report["changed"] is True and first.changed == 2, [t for t in first.results() if t.get("changed")]
    assert first.result("Write the server's environment file (0600)")["changed"] is True
    read = first.result("Read SERVER_CHANGE_LOG after the migration")
    assert read["db"]["change_log"]["native"] == sorted(after, key=lambda v: tuple(int(p) for p in v.split(".")))

    again = run_role(site, tmp_path, tasks_from="migrate")
    assert again.rc == 0, again.output[-3000:]
    assert again.result("Run migrate-all")["rc"] == 0  # it did run, on a migrated database
    assert again.result("Report the versions the migration completed")["changed"] is False
    assert again.changed == 0, [t for t in again.results() if t.get("changed")]
    assert change_log_versions(site.engine, site.database) == after

    dry = run_role(site, tmp_path, tasks_from="migrate", check=True)
    assert dry.rc == 0 and dry.changed == 0, dry.output[-3000:]


@pytest.mark.parametrize("engine", ["postgresql"])
def test_unreachable_search_at_migrate_fails_after_the_database_part(site, tmp_path):
    """upstream's es-migrate logs the indexes it cannot write and exits 0; with a search engine the upgrade
    manages (openmetadata_search_url), the migrate phase fails on it, naming the search host, after the
    database part has committed (the upgrade's rescue then restores the backup)."""
    from harness import free_port  # pylint: disable=import-outside-toplevel
    site.stop_all()
    site.search_url = "http://127.0.0.1:%d" % free_port()  # nothing listens there
    site.install("1.2.5")
    run = run_role(site, tmp_path, tasks_from="migrate", openmetadata_server_env=site.env(),
                   openmetadata_search_url=site.search_url)
    assert run.rc != 0
    assert run.result("Run migrate-all")["rc"] == 0  # as upstream: es-migrate errors do not fail the script
    message = run.result("Report search indexes the migration could not write")["msg"]
    assert "could not write the search indexes" in message and site.search_url.split("//")[1] in message, message
    assert "1.2.4" in change_log_versions(site.engine, site.database)  # the database part committed before es-migrate
    assert run.result("Report the versions the migration completed")["changed"] is True


class CommandLineWatch:
    """Reads every process's command line (/proc/*/cmdline) every few milliseconds in a thread and keeps
    those that hold ``secret``, and whether it ever saw a command line holding each of ``expect``."""

    def __init__(self, secret: str, expect: tuple[str, ...], interval: float = 0.02) -> None:
        self.secret = secret.encode()
        self.expect = {word: False for word in expect}
        self.leaks: list[str] = []
        self.samples = 0
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for entry in pathlib.Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    line = (entry / "cmdline").read_bytes()
                except OSError:
                    continue  # gone in the meantime
                if self.secret in line:
                    leak = "%s: %s" % (entry.name, line.replace(b"\0", b" ").decode(errors="replace"))
                    if leak not in self.leaks:
                        self.leaks.append(leak)
                for word in self.expect:
                    if word.encode() in line:
                        self.expect[word] = True
            self.samples += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "CommandLineWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.mark.parametrize("engine", ["mysql"])
def test_db_password_never_on_a_command_line_nor_in_verbose_output(dbs, mariadb_user_with_password, tmp_path):
    """Issue 17 section 3: the DB password of openmetadata_server_env reaches migrate-all and openmetadata.sh start
    through a 0600 file, never through a command line (ps) or the -vvv output."""
    name = dbs.build(hard_data=False)
    password = mariadb_user_with_password["password"]
    site = StandinSite(tmp_path / "site", "mysql", name, user=mariadb_user_with_password["user"], password=password)
    site.pack("1.1.7", "1.2.5")
    site.install("1.1.7")
    site.start("1.1.7")
    try:
        # The watch sees a secret on a command line when there is one (a control, so that a silent watch fails).
        with CommandLineWatch(password, ()) as control:
            subprocess.run(["/bin/sh", "-c", "sleep 0.5", password], check=True)
        assert control.leaks, "the command-line watch missed a process holding the secret"

        with CommandLineWatch(password, ("migrate-all", "openmetadata.sh")) as watch:
            run = run_role(site, tmp_path, verbosity=3)
        assert run.rc == 0, run.output[-3000:] + run.stderr[-2000:]
        assert watch.expect == {"migrate-all": True, "openmetadata.sh": True}, (watch.expect, watch.samples)
        assert not watch.leaks, watch.leaks
        assert "ESTABLISH LOCAL CONNECTION" in run.output  # -vvv was on
        assert password not in run.output and password not in run.stderr
        assert site.get("/api/v1/system/version", token=False)["version"] == "1.2.5"  # the password did arrive
        env_file = site.install_dir / "openmetadata-server-env.sh"
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        assert "export DB_USER_PASSWORD=%s\n" % password in env_file.read_text()  # nothing to quote in this one

        with CommandLineWatch(password, ()) as watch:
            again = run_role(site, tmp_path)
        assert again.rc == 0, again.output[-3000:]
        assert again.changed == 0, [t for t in again.results() if t.get("changed")]  # the file's content is stable
        assert not watch.leaks, watch.leaks
        assert password not in again.output
    finally:
        site.stop_all()
