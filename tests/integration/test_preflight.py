"""Role openmetadata.ops.preflight and module openmetadata.ops.info through ansible-playbook, against the
real MariaDB/PostgreSQL, the OpenMetadata stand-in (1.1.7 bare-metal release, running), the search-engine
stand-in, the host's JDK 17 and pyenv Pythons: each refusal with its message, the reports, the export
written first, the facts set, and check mode changing nothing."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from typing import Any, Iterator, Optional

import pytest
import yaml

from fixtures import om_database
from harness import ADMIN, REPO, PlaybookRun, ansible_playbook, free_port, unique_name
from simulator.openmetadata import conf

JDK17 = pathlib.Path("/usr/lib/jvm/java-17-openjdk-amd64")
PYENV = pathlib.Path(os.environ.get("PYENV_ROOT", str(pathlib.Path.home() / ".pyenv"))) / "versions"


def pyenv_python(prefix: str) -> Optional[str]:
    found = sorted(PYENV.glob("%s*/bin/python" % prefix)) if PYENV.exists() else []
    return str(found[-1]) if found else None


@pytest.fixture(scope="module")
def search_engines() -> Iterator[dict[str, str]]:
    from tests.simulator.search_engine import SearchEngineProcess  # pylint: disable=import-outside-toplevel
    new = SearchEngineProcess(version="8.10.2").start()
    old = SearchEngineProcess(version="7.16.3").start()
    try:
        yield {"8.10.2": new.url, "7.16.3": old.url}
    finally:
        new.stop()
        old.stop()


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("releases")
    for version in ("1.1.7", "1.2.5"):
        subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", version, "--out",
                        str(out)], cwd=str(REPO), check=True, capture_output=True)
    return out


def archive_vars(releases: pathlib.Path, version: str = "1.2.5") -> dict[str, str]:
    archive = releases / ("openmetadata-%s.tar.gz" % version)
    return {"openmetadata_release_archive": str(archive),
            "openmetadata_release_checksum": "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest()}


class Preflight:
    """One OpenMetadata host (bare metal, under tmp_path) plus optional ingestion hosts, all local."""

    def __init__(self, dbs, tmp_path: pathlib.Path, search_url: str, releases: pathlib.Path) -> None:
        self.dbs = dbs
        self.tmp = tmp_path
        self.name = dbs.build(hard_data=False)
        self.install_dir = tmp_path / "opt"
        self.install(self.install_dir, "1.1.7")
        self.reports = tmp_path / "reports"
        self.vars: dict[str, Any] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "openmetadata_target_version": "1.2.5",
            "openmetadata_deployment": "bare_metal",
            "openmetadata_db_engine": dbs.engine,
            "openmetadata_db_host": "127.0.0.1",
            "openmetadata_db_port": ADMIN[dbs.engine]["login_port"],
            "openmetadata_db_user": ADMIN[dbs.engine]["login_user"],
            "openmetadata_db_password": "",
            "openmetadata_db_name": self.name,
            "openmetadata_install_dir": str(self.install_dir),
            "openmetadata_service_name": "omtest-no-such-unit",
            "openmetadata_server_url": "http://127.0.0.1:%d" % free_port(),
            "openmetadata_admin_url": "http://127.0.0.1:%d" % free_port(),
            "openmetadata_search_url": search_url,
            "openmetadata_java_home": str(JDK17),
            "openmetadata_backup_dir": str(tmp_path / "backups"),
            "openmetadata_report_dir": str(self.reports),
            "openmetadata_accept_query_loss": True,
            "openmetadata_jwt_token": conf.DEFAULT_JWT_TOKEN,
            **archive_vars(releases),
        }
        self.ingestion: dict[str, str] = {}

    @staticmethod
    def install(install_dir: pathlib.Path, version: str) -> None:
        release = install_dir / ("openmetadata-%s" % version)
        (release / "bin").mkdir(parents=True, exist_ok=True)
        script = release / "bin" / "openmetadata.sh"
        if not script.exists():  # an unpacked stand-in release keeps its own
            script.write_text("#!/bin/sh\n")
        link = install_dir / "current"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(release.name)

    def run(self, check: bool = False, **overrides: Any) -> PlaybookRun:
        host_vars = dict(self.vars, **overrides)
        inventory: dict[str, Any] = {"all": {"hosts": {"omhost": host_vars}, "children": {}}}
        if self.ingestion:
            inventory["all"]["children"]["openmetadata_ingestion"] = {"hosts": {
                host: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                       "openmetadata_ingestion_python": python} for host, python in self.ingestion.items()}}
        path = self.tmp / "inventory.yml"
        path.write_text(yaml.safe_dump(inventory))
        args = ["-i", str(path), str(REPO / "playbooks" / "preflight.yml"), "-e", "openmetadata_hosts=omhost"]
        return ansible_playbook(args + (["--check"] if check else []), self.tmp)

    def report(self) -> dict[str, Any]:
        return json.loads((self.reports / "preflight.json").read_text())


@pytest.fixture
def host(dbs, tmp_path, search_engines, releases) -> Preflight:
    return Preflight(dbs, tmp_path, search_engines["8.10.2"], releases)


def problems(run: PlaybookRun) -> dict[str, str]:
    info = run.result("Find what is installed and judge the upgrade")
    return {p["code"]: p["msg"] for p in info["verdict"]["problems"]}


def refused(run: PlaybookRun, code: str, text: str) -> str:
    assert run.rc != 0, run.output[-2000:]
    found = problems(run)
    assert code in found, found
    assert text in found[code], found[code]
    failure = run.result("Refuse an upgrade that must not start")
    assert failure.get("failed") and text in failure["msg"]
    return found[code]


# ---------------------------------------------------------------------------------------------------
# A path that is fine
# ---------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def running_standin(host: Preflight, releases: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[dict[str, Any]]:
    """The 1.1.7 stand-in release unpacked under tmp_path and serving: yields the overrides that point at it."""
    home = tmp_path / "om"
    with tarfile.open(releases / "openmetadata-1.1.7.tar.gz") as archive:
        archive.extractall(home)  # our own archive
    Preflight.install(home, "1.1.7")  # current -> the real unpacked release
    app, admin = free_port(), free_port()
    env = dict(os.environ, SERVER_PORT=str(app), SERVER_ADMIN_PORT=str(admin), DB_HOST="127.0.0.1",
               OM_DATABASE=host.name, DB_USER=host.vars["openmetadata_db_user"], DB_USER_PASSWORD="",
               DB_PORT=str(host.vars["openmetadata_db_port"]))
    if host.dbs.engine == "postgresql":
        env.update(DB_DRIVER_CLASS="org.postgresql.Driver", DB_SCHEME="postgresql")
    script = home / "openmetadata-1.1.7" / "bin" / "openmetadata.sh"
    subprocess.run(["bash", str(script), "start"], env=env, check=True, capture_output=True, timeout=60)
    try:
        _wait_for("http://127.0.0.1:%d/api/v1/system/version" % app)
        yield {"openmetadata_install_dir": str(home), "openmetadata_server_url": "http://127.0.0.1:%d" % app,
               "openmetadata_admin_url": "http://127.0.0.1:%d" % admin}
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, check=False, capture_output=True, timeout=60)


def test_ready_upgrade_reports_facts_plan_and_losses(host, releases, tmp_path):
    """The running 1.1.7 stand-in, real DB, ES 8.10.2 stand-in, JDK 17: no problem; reports and facts."""
    with running_standin(host, releases, tmp_path) as server:
        before = host.dbs.snapshot(host.name)
        run = host.run(**server)
        after = host.dbs.snapshot(host.name)
    assert run.rc == 0, run.output[-3000:]
    assert before == after
    info = run.result("Find what is installed and judge the upgrade")
    assert info["server"]["version"].startswith("1.1.7") and info["server"]["healthy"] is True
    assert info["db"]["schema_version"] == {"flyway": "014", "native": "1.1.5"}
    assert info["db"]["flavor"] == ("mariadb" if host.dbs.engine == "mysql" else "postgresql")
    assert info["db"]["sort_setting"]["name"] == ("sort_buffer_size" if host.dbs.engine == "mysql" else "work_mem")
    assert info["db"]["sort_setting"]["bytes"] > 0 and info["db"]["size_bytes"] > 0
    assert info["search"]["distribution"] == "elasticsearch" and info["search"]["version"] == "8.10.2"
    assert info["java"]["major"] == 17
    assert info["deployment"]["kind"] == "bare_metal"
    assert info["deployment"]["bare_metal"]["current_version"] == "1.1.7"
    assert info["disk"]["free_bytes"] > 0
    assert info["query_loss"]["count"] == om_database.BROKEN_QUERIES
    verdict = info["verdict"]
    assert verdict["ok"] and verdict["source"] == "1.1.7" and verdict["target"] == "1.2.5"
    assert any("migrate-all" in step and "deletes 6 saved queries" in step for step in verdict["plan"])
    # the fact the upgrade uses, and the source version found
    fact = run.result("Remember what preflight found (used by the upgrade)")["ansible_facts"]["openmetadata_preflight"]
    assert fact["ok"] and fact["query_loss_count"] == 6 and fact["source_version"] == "1.1.7"
    assert run.result("Remember the source version found")["ansible_facts"]["openmetadata_source_version"] == "1.1.7"
    # reports and the export
    report = host.report()
    assert report["verdict"]["ok"] and report["facts"]["query_loss"]["count"] == 6
    markdown = (host.reports / "preflight.md").read_text()
    for heading in ("What will change, in order", "What will be lost", "Queries the 1.2.0 migration deletes"):
        assert heading in markdown
    exported = json.loads((host.reports / "lost-queries.json").read_text())
    assert exported["count"] == 6 and exported["source_version"] == "1.1.7"
    summary = run.result("Summary")["msg"]
    assert summary[0].endswith("ready") and "Will be lost:" in summary


def _wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("%s did not answer" % url)


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_a_bot_token_the_running_server_refuses(host, releases, tmp_path):
    """The post-upgrade steps need the token after the migration: a wrong or empty one is refused before."""
    with running_standin(host, releases, tmp_path) as server:
        wrong = token_refused(host.run(openmetadata_jwt_token="an-expired-token", **server), "HTTP 401")
        empty = token_refused(host.run(openmetadata_jwt_token="", **server), "openmetadata_jwt_token is empty")
        skipped = host.run(openmetadata_jwt_token="", openmetadata_preflight_check_token=False, **server)
        accepted = host.run(**server)
    assert "Settings > Bots" in wrong
    assert "openmetadata_preflight_check_token: false" in empty
    assert skipped.rc == 0, skipped.output[-2000:]
    assert accepted.rc == 0, accepted.output[-2000:]
    assert "an-expired-token" not in wrong and "an-expired-token" not in accepted.output


def token_refused(run: PlaybookRun, text: str) -> str:
    """The token problem is judged after the info module: it is in the fact and the failure, not the module result."""
    assert run.rc != 0, run.output[-2000:]
    fact = run.result("Remember what preflight found (used by the upgrade)")["ansible_facts"]["openmetadata_preflight"]
    found = {p["code"]: p["msg"] for p in fact["problems"]}
    assert "bot_token" in found and text in found["bot_token"], found
    assert text in run.result("Refuse an upgrade that must not start")["msg"]
    return found["bot_token"]


def test_check_mode_changes_nothing_and_still_reports(host):
    before = host.dbs.snapshot(host.name)
    run = host.run(check=True, openmetadata_accept_query_loss=False)
    assert host.dbs.snapshot(host.name) == before
    refused(run, "query_loss", "will delete 6 of")
    # the export is written before the refusal, in check mode too (it is what keeps the queries)
    assert json.loads((host.reports / "lost-queries.json").read_text())["count"] == 6
    assert not host.report()["verdict"]["ok"]
    assert "openmetadata_accept_query_loss: true" in (host.reports / "preflight.md").read_text()
    assert run.changed == 0 or run.results("Export the queries the 1.2.0 migration will delete (before anything else)")
    second = host.run(check=True, openmetadata_accept_query_loss=False)
    assert not second.result("Export the queries the 1.2.0 migration will delete (before anything else)")["changed"]
    assert second.changed == 0


COMPOSE = """\
name: omtest
services:
  mysql:
    image: docker.getcollate.io/openmetadata/db:1.1.7
  elasticsearch:
    image: docker.elastic.co/elasticsearch/elasticsearch:7.16.3
  openmetadata-server:
    image: docker.getcollate.io/openmetadata/server:1.1.7
"""


@pytest.mark.parametrize("engine", ["mysql"])
def test_docker_deployment_is_detected_from_the_compose_file(host, tmp_path, search_engines):
    if not shutil.which("docker"):
        pytest.skip("no docker CLI")
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(COMPOSE)
    # auto: no bare-metal install dir, a compose file -> docker; the installed version from the server image
    run = host.run(openmetadata_deployment="auto", openmetadata_install_dir=str(tmp_path / "none"),
                   openmetadata_compose_file=str(compose), openmetadata_search_url=search_engines["7.16.3"],
                   openmetadata_java_home=str(tmp_path / "no-jdk"))
    info = run.result("Find what is installed and judge the upgrade")
    docker = info["deployment"]["docker"]
    assert info["deployment"]["kind"] == "docker"
    if docker["error"]:
        pytest.skip("docker compose cannot run here: %s" % docker["error"])
    assert docker["project"] == "omtest" and docker["server_image_version"] == "1.1.7"
    assert "docker.elastic.co/elasticsearch/elasticsearch:7.16.3" in docker["images"]
    # ES 7.16.3 is replaced by the docker phase and Java lives in the image: no problem in the facts; the
    # server check then finds the old images absent from the local store (a rollback would need a registry)
    assert info["verdict"]["problems"] == [], info["verdict"]["problems"]
    assert run.rc != 0
    refusal = run.result("Refuse an upgrade that must not start")["msg"]
    assert "(1 problem(s)" in refusal and "not all in the local Docker store" in refusal, refusal
    assert info["verdict"]["source"] == "1.1.7"
    assert any("rewrite the compose file" in step for step in info["verdict"]["plan"])


# ---------------------------------------------------------------------------------------------------
# Each refusal, with its message
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["mysql"])
@pytest.mark.parametrize("code, overrides, text", [
    ("target_not_supported", {"openmetadata_target_version": "1.3.0"}, "is not a release this collection supports"),
    ("target_invalid", {"openmetadata_target_version": "1.2.99"}, "1.2.99 is not an OpenMetadata release that exists"),
    ("target_invalid", {"openmetadata_target_version": "v1.2.5-rc"}, "is not a release version"),
    ("downgrade", {"openmetadata_source_version": "1.2.1", "openmetadata_target_version": "1.2.0"}, "downgrade"),
])
def test_refusal(host, code, overrides, text):
    before = host.dbs.snapshot(host.name)
    refused(host.run(**overrides), code, text)
    assert host.dbs.snapshot(host.name) == before


@pytest.mark.parametrize("engine", ["mysql"])
def test_every_problem_is_refused_in_one_failure(host):
    """Four independent problems at once: each is listed with its own message, in one failure."""
    before = host.dbs.snapshot(host.name)
    run = host.run(openmetadata_source_version="1.0.5", openmetadata_deployment="kubernetes",
                   openmetadata_backup_safety_factor=1e9, openmetadata_accept_query_loss=False)
    for code, text in (("source_not_supported", "1.0.5 is not a release this collection supports"),
                       ("deployment_unknown", "set openmetadata_deployment to bare_metal or docker"),
                       ("disk_space", "below the estimated backup size"),
                       ("query_loss", "openmetadata_accept_query_loss: true")):
        refused(run, code, text)
    assert "(4 problem(s)" in run.result("Refuse an upgrade that must not start")["msg"]
    assert host.dbs.snapshot(host.name) == before


@pytest.mark.parametrize("engine", ["mysql"])
def test_ordinary_mistakes_are_all_refused_in_one_failure_before_anything_stops(host, read_only_dir):
    """A wrong admin password, a read-only backup folder, an unreachable search URL and a corrupt archive: the
    four mistakes that used to cost a stop, a backup and a rollback, each named, in one refusal."""
    before = host.dbs.snapshot(host.name)
    run = host.run(openmetadata_db_admin_user="root", openmetadata_db_admin_password="not-the-password",
                   openmetadata_backup_dir=str(read_only_dir / "backups"),
                   openmetadata_search_url="http://127.0.0.1:%d" % free_port(),
                   openmetadata_release_checksum="sha256:" + "0" * 64)
    for code, text in (("db_admin_login", "openmetadata_db_admin_password"),
                       ("backup_dir_not_writable", str(read_only_dir)),
                       ("search_unreachable", "openmetadata_search_url")):
        refused(run, code, text)
    # the server role's check runs after the facts; its problem joins the same refusal and the reports
    refusal = run.result("Refuse an upgrade that must not start")["msg"]
    assert "not sha256:" + "0" * 64 in refusal and "nothing was installed" in refusal
    report = host.report()
    assert {"db_admin_login", "server_check"} <= {p["code"] for p in report["verdict"]["problems"]}
    assert "**server_check**" in (host.reports / "preflight.md").read_text()
    assert host.dbs.snapshot(host.name) == before


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_an_admin_that_may_not_raise_the_sort_setting(host):
    import pymysql  # pylint: disable=import-outside-toplevel
    user, password = unique_name("omnosuper"), "Pw-%s" % unique_name("x")
    conn = pymysql.connect(host="127.0.0.1", port=host.vars["openmetadata_db_port"], user="root", password="")
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, password))
            cur.execute("GRANT ALL ON `%s`.* TO %%s@'127.0.0.1'" % host.name, (user,))
            cur.execute("SELECT @@GLOBAL.sort_buffer_size")
            # a value above the shared server's, whatever earlier tests left there, so the tune phase must raise it
            wanted = "%dMB" % ((cur.fetchone()[0] >> 20) + 8)
        message = refused(host.run(openmetadata_db_admin_user=user, openmetadata_db_admin_password=password,
                                   openmetadata_db_tuning_value=wanted),
                          "db_admin_privileges", "may not raise sort_buffer_size")
        assert "SUPER" in message and "--skip-tags tune" in message
        waived = host.run(openmetadata_db_admin_user=user, openmetadata_db_admin_password=password,
                          openmetadata_db_tuning_value=wanted, openmetadata_preflight_check_tuning=False)
        assert waived.rc == 0, waived.output[-2000:]
        assert password not in waived.output
    finally:
        with conn.cursor() as cur:
            cur.execute("DROP USER IF EXISTS %s@'127.0.0.1'", (user,))
        conn.close()


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_unsafe_backup_folders(host, tmp_path):
    open_dir = tmp_path / "open"
    open_dir.mkdir(mode=0o777)
    open_dir.chmod(0o777)
    refused(host.run(openmetadata_backup_dir=str(open_dir)), "backup_dir_unsafe", "world-writable")
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    refused(host.run(openmetadata_backup_dir=str(tmp_path / "link")), "backup_dir_unsafe",
            "set openmetadata_backup_dir to the real folder")


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_a_running_server_that_does_not_answer_at_its_url(host, releases, tmp_path):
    with running_standin(host, releases, tmp_path) as where:
        wrong = dict(where, openmetadata_server_url="http://127.0.0.1:%d" % free_port())
        message = refused(host.run(**wrong), "server_unreachable", "process runs but it does not answer")
        assert wrong["openmetadata_server_url"] in message


@pytest.mark.parametrize("engine", ["mysql"])
def test_a_host_at_the_target_is_told_only_that(host, releases, tmp_path):
    Preflight.install(host.install_dir, "1.2.5")
    run = host.run()
    assert run.rc == 0, run.output[-2000:]
    verdict = run.result("Find what is installed and judge the upgrade")["verdict"]
    assert verdict["at_target"] and verdict["plan"] == [] and verdict["problems"] == []
    summary = run.result("Summary")["msg"]
    assert summary == ["omhost: OpenMetadata 1.2.5 is already installed: nothing to do"], summary


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_a_target_older_than_installed(host):
    Preflight.install(host.install_dir, "1.2.3")
    message = refused(host.run(openmetadata_target_version="1.2.0"), "target_older_than_installed",
                      "older than the installed 1.2.3")
    assert "openmetadata_target_version to 1.2.3 or newer" in message


def test_refuses_an_unreachable_database(host):
    message = refused(host.run(openmetadata_db_port=free_port()), "db_unreachable", "unreachable")
    assert "openmetadata_db_host" in message


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_java_older_than_17_and_a_bad_java_home(host, tmp_path):
    jdk11 = tmp_path / "jdk11"
    (jdk11 / "bin").mkdir(parents=True)
    java = jdk11 / "bin" / "java"
    # What `java -version` of an OpenJDK 11 prints (on stderr).
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.21\" 2023-10-17' >&2\n"
                    "echo 'OpenJDK Runtime Environment (build 11.0.21+9)' >&2\n")
    java.chmod(0o755)
    message = refused(host.run(openmetadata_java_home=str(jdk11)), "java_too_old", "is Java 11.0.21")
    assert "needs Java 17" in message
    refused(host.run(openmetadata_java_home=str(tmp_path / "no-jdk")), "java_home_invalid",
            "does not hold a working Java")
    # Docker runs Java in the image: the host's Java does not matter there.
    info = host.run(openmetadata_java_home=str(jdk11), openmetadata_deployment="docker")
    assert "java_too_old" not in problems(info)


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_an_old_search_engine_unless_it_is_replaced(host, search_engines):
    old = search_engines["7.16.3"]
    message = refused(host.run(openmetadata_search_url=old), "search_too_old", "Elasticsearch 7.16.3")
    assert "older than 8.10.2" in message and "openmetadata_search_replace_planned" in message
    run = host.run(openmetadata_search_url=old, openmetadata_search_replace_planned=True)
    assert run.rc == 0, run.output[-2000:]


@pytest.mark.parametrize("engine", ["mysql"])
def test_refuses_ingestion_hosts_outside_python_38_to_310(host):
    py310, py311 = pyenv_python("3.10"), pyenv_python("3.11") or sys.executable
    if not py310:
        pytest.fail("no Python 3.10 under pyenv", pytrace=False)
    host.ingestion = {"ingest_ok": py310, "ingest_new": py311, "ingest_broken": "/nonexistent/python"}
    run = host.run()
    found = problems(run)
    assert "ingestion host ingest_new runs Python 3.11" in found["ingestion_python"]
    assert "supports Python 3.8 to 3.10" in found["ingestion_python"]
    assert "ingest_broken" in found["ingestion_python_unknown"]
    assert not any("ingest_ok" in msg for msg in found.values())
    host.ingestion = {"ingest_ok": py310}
    assert host.run().rc == 0


# ---------------------------------------------------------------------------------------------------
# The info module alone
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["postgresql"])
def test_info_reports_the_sort_setting_a_new_session_gets(dbs, playbook):
    """ALTER DATABASE ... SET work_mem changes new sessions only: info must see it (a global SHOW would not)."""
    name = dbs.build(hard_data=False)
    conn = dbs.connect(name)
    with conn.cursor() as cur:
        cur.execute("ALTER DATABASE \"%s\" SET work_mem = '24MB'" % name)
    conn.close()
    run = playbook([{"name": "info", "openmetadata.ops.info": dict(dbs.module_args(name), gather=["db"])}], check=True)
    result = run.result("info")
    assert result["db"]["sort_setting"] == {"name": "work_mem", "value": "24MB", "bytes": 24 << 20}
    assert not result["changed"] and result["query_loss"]["count"] == om_database.BROKEN_QUERIES
    assert set(result) >= {"db", "query_loss", "report", "report_markdown"} and "server" not in result


@pytest.mark.parametrize("engine", ["mysql"])
def test_info_fails_only_for_a_required_part(dbs, playbook):
    name = dbs.build(hard_data=False)
    args = dict(dbs.module_args(name), gather=["db", "server"], server_url="http://127.0.0.1:%d" % free_port(),
                admin_url="")
    run = playbook([{"name": "tolerant", "openmetadata.ops.info": args},
                    {"name": "strict", "openmetadata.ops.info": dict(args, required=["server"])}])
    tolerant, strict = run.result("tolerant"), run.result("strict")
    assert not tolerant.get("failed") and tolerant["server"]["version"] is None
    assert "connection refused" in tolerant["server"]["error"] and tolerant["server"]["healthy"] is None
    assert strict["failed"] and strict["msg"].startswith("required parts could not be read: server: Cannot reach")
