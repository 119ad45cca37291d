"""End to end on a real Docker engine: a compose deployment of OpenMetadata 1.1.7 (server STAND-IN
image, REAL Elasticsearch 7.16.3 with a data volume holding an old index, REAL PostgreSQL 15 in a
container) upgraded to 1.2.5 by role server_docker, run twice; and, through playbooks/upgrade.yml,
the whole upgrade with no openmetadata_search_url (the reindex fills the REAL Elasticsearch 8.10.2
the compose project publishes, counted by asking that engine), a search service that publishes no port
(the host fails and is rolled back, unless the reindex is opted out: then the summary says so), a
migration that crashes, rolled back to 1.1.7 with every row as before; and the other shape, a
compose file whose server uses a MariaDB on the host.

The engine comes from `make docker-engine-up` (scripts/docker-engine.sh; DOCKER_HOST is read from
the environment or that script's socket). Without an engine these tests are skipped and say why.
"""
from __future__ import annotations

import fcntl
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import urllib.request
from typing import Any, Iterator

import pytest

from fixtures import om_database
from harness import ansible_playbook, free_port, unique_name

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "compose" / "e2e-1.1.7-postgres.yml"
HOST_DB_FIXTURE = REPO / "tests" / "fixtures" / "compose" / "e2e-1.1.7-hostdb.yml"
OUR_SOCKET = "unix://%s/docker.sock" % os.environ.get("OM_DOCKER_STATE", "/var/lib/openmetadata-ops-docker")
OLD_INDEX = "table_search_index"
# The OpenMetadata stand-in's bot token (tests/simulator/README.md).
STANDIN_JWT = ("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJpbmdlc3Rpb24tYm90IiwiaXNzIjoib3Blbi1tZXRhZGF0YS5vcmci"
               "LCJpc0JvdCI6dHJ1ZX0.c3RhbmQtaW4")


def _docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or OUR_SOCKET


def docker(*args: str, cwd: Any = None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, DOCKER_HOST=_docker_host())
    proc = subprocess.run(["docker", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError("docker %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr[-3000:]))
    return proc


@pytest.fixture(scope="session")
def docker_engine() -> str:
    try:
        answer = docker("info", "--format", "{{.ServerVersion}}", check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip("no Docker engine: %s (start one with `make docker-engine-up`)" % exc)
    if answer.returncode != 0:
        pytest.skip("no Docker engine answers at %s (start one with `make docker-engine-up`): %s"
                    % (_docker_host(), answer.stderr.strip()[:300]))
    if docker("compose", "version", check=False).returncode != 0:
        pytest.skip("the docker compose v2 plugin is missing (`make docker-engine-up` installs it)")
    # Images named like upstream's, built locally (cached by input hash).
    engines = ["elasticsearch-7.16.3", "elasticsearch-8.10.2"]  # what the images hold (no OpenSearch)
    if not all((REPO / ".build" / "search-engines" / name / "bin").exists() for name in engines):
        subprocess.run(["bash", str(REPO / "scripts" / "search-engines.sh"), *engines], cwd=REPO, check=True)
    env = dict(os.environ, DOCKER_HOST=_docker_host())
    # one builder at a time (pytest-xdist workers share the engine)
    with open(REPO / ".build" / "docker-images.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([sys.executable, "-m", "tests.docker.images"], cwd=REPO, env=env, check=True)
    return _docker_host()


def http_json(url: str, method: str = "GET") -> Any:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:  # a loaded 2-core machine: the JVMs answer slowly
        return json.loads(answer.read() or b"null")


def wait_for(check, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # pylint: disable=broad-except
            last = exc
        time.sleep(0.5)
    raise AssertionError("%s did not happen within %ss (last error: %s)" % (what, timeout, last))


class Deployment:
    """One compose project at 1.1.7 in a temp dir, with free host ports (never 3306/5432)."""

    fixture = FIXTURE
    engine = "postgresql"

    def __init__(self, root: pathlib.Path, db_port: int = 0) -> None:
        self.name = unique_name("omd").replace("_", "-")
        self.dir = root / self.name
        self.dir.mkdir()
        self.compose = self.dir / "docker-compose.yml"
        shutil.copy(self.fixture, self.compose)
        self.ports = {key: free_port() for key in ("DB", "SEARCH", "SERVER", "ADMIN")}
        if db_port:
            self.ports["DB"] = db_port
        self.env_lines = ["COMPOSE_PROJECT_NAME=%s" % self.name] + [
            "OM_TEST_%s_PORT=%d" % (key, port) for key, port in self.ports.items()]
        self.write_env()

    def write_env(self, *extra: str) -> None:
        (self.dir / ".env").write_text("\n".join(self.env_lines + list(extra)) + "\n")

    def compose_cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return docker("compose", *args, cwd=self.dir, check=check)

    @property
    def search_url(self) -> str:
        return "http://127.0.0.1:%d" % self.ports["SEARCH"]

    @property
    def server_url(self) -> str:
        return "http://127.0.0.1:%d" % self.ports["SERVER"]

    def start_1_1(self) -> None:
        self.compose_cmd("up", "--detach", "--wait", "postgresql", "elasticsearch")
        om_database.build("postgresql", "openmetadata_db", port=self.ports["DB"])
        self.compose_cmd("up", "--detach")
        self.server_1_1_running()

    def server_1_1_running(self) -> None:
        wait_for(lambda: http_json(self.server_url + "/api/v1/system/version")["version"] == "1.1.7",
                 "the 1.1.7 server answering")
        wait_for(lambda: http_json(self.search_url + "/_cluster/health"), "Elasticsearch 7.16.3 answering")
        http_json(self.search_url + "/" + OLD_INDEX, method="PUT")  # an index written by the old engine

    def rows(self) -> dict[str, list[tuple]]:
        conn = om_database.connect("postgresql", "openmetadata_db", port=self.ports["DB"])
        try:
            return {table: om_database.table_rows("postgresql", conn, table)
                    for table in om_database.list_tables("postgresql", conn)}
        finally:
            conn.close()

    def image_of(self, service: str) -> str:
        return self.compose_cmd("ps", "--all", "--format", "{{.Image}}", service).stdout.strip()

    def play_vars(self) -> dict[str, Any]:
        return {
            "openmetadata_compose_file": str(self.compose),
            "openmetadata_docker_host": _docker_host(),
            "openmetadata_target_version": "1.2.5",
            "openmetadata_server_url": self.server_url,
            "openmetadata_admin_url": "http://127.0.0.1:%d" % self.ports["ADMIN"],
            "openmetadata_server_start_timeout": 120,
            "openmetadata_server_poll_interval": 1,
            "openmetadata_server_stop_timeout": 5,
            "openmetadata_db_engine": "postgresql",
            "openmetadata_db_port": self.ports["DB"],
            "openmetadata_db_user": "postgres",
            "openmetadata_db_admin_user": "postgres",
            "openmetadata_backup_dir": str(self.dir / "backups"),
            # the compose file starts PostgreSQL with --work_mem=10MB, which ALTER SYSTEM cannot beat
            "openmetadata_db_tuning_scope": "database",
            "openmetadata_db_tuning_state_file": str(self.dir / "db_setting.json"),
        }

    def upgrade_inventory(self, tmp_path: pathlib.Path, **extra: Any) -> pathlib.Path:
        """An inventory for playbooks/upgrade.yml as a user writes it: openmetadata_deployment docker and
        no openmetadata_search_url (the reindex takes it from the compose project)."""
        host_vars = dict(self.play_vars(), **{
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable,
            "openmetadata_deployment": "docker", "openmetadata_db_host": "127.0.0.1",
            "openmetadata_db_password": "", "openmetadata_db_name": "openmetadata_db",
            "openmetadata_db_tuning_persist": "none",
            "openmetadata_upgrade_state_file": str(self.dir / "upgrade.json"),
            "openmetadata_report_dir": str(self.dir / "reports"),
            "openmetadata_accept_query_loss": True,
            "openmetadata_jwt_token": STANDIN_JWT,
            "openmetadata_reindex_poll_interval": 1,
        }, **extra)
        inventory = tmp_path / "docker-inventory.json"
        inventory.write_text(json.dumps({"openmetadata": {"hosts": {"docker-host": host_vars}}}))
        return inventory

    def unpublish_search_port(self) -> None:
        """The search service keeps running but the compose file no longer publishes its port (as many
        production files do): from the next `up` on, nothing on the host reaches it."""
        text = self.compose.read_text()
        published = '    ports:\n      - "127.0.0.1:${OM_TEST_SEARCH_PORT}:9200"\n'
        assert published in text
        self.compose.write_text(text.replace(published, ""))

    def search_indexes(self) -> dict[str, int]:
        """Index name -> documents, as the engine itself reports them (_cat/indices, after a refresh)."""
        http_json(self.search_url + "/_refresh", method="POST")
        return {i["index"]: int(i["docs.count"] or 0)
                for i in http_json(self.search_url + "/_cat/indices?format=json&h=index,docs.count")}

    def destroy(self) -> None:
        self.compose_cmd("down", "--volumes", "--timeout", "1", check=False)


class HostDatabaseDeployment(Deployment):
    """The other shape: no database in compose; the server (host network) uses a MariaDB on the host."""

    fixture = HOST_DB_FIXTURE
    engine = "mysql"

    def start_1_1(self) -> None:
        om_database.build("mariadb", "openmetadata_db", port=self.ports["DB"])
        self.compose_cmd("up", "--detach")
        self.server_1_1_running()

    def play_vars(self) -> dict[str, Any]:
        return dict(super().play_vars(), openmetadata_db_engine="mysql", openmetadata_db_user="root",
                    openmetadata_db_admin_user="root", openmetadata_db_tuning_persist="none")


@pytest.fixture
def deployment(docker_engine, tmp_path) -> Iterator[Deployment]:  # pylint: disable=unused-argument
    project = Deployment(tmp_path)
    try:
        project.start_1_1()
        yield project
    finally:
        project.destroy()


def test_upgrade_to_1_2_then_second_run_changes_nothing(deployment, playbook):
    original = deployment.compose.read_text()
    role = [{"role": "openmetadata.ops.server_docker"}]
    run = playbook([], roles=role, play_vars=deployment.play_vars())
    assert run.rc == 0, run.output[-4000:] + run.stderr[-2000:]
    assert http_json(deployment.server_url + "/api/v1/system/version")["version"] == "1.2.5"
    assert deployment.image_of("openmetadata-server") == "docker.getcollate.io/openmetadata/server:1.2.5"
    assert deployment.image_of("elasticsearch") == "docker.elastic.co/elasticsearch/elasticsearch:8.10.2"
    # the real 8.10.2 node started on a fresh volume: the 7.16.3 data (and its index) is gone
    wait_for(lambda: http_json(deployment.search_url + "/_cluster/health"), "Elasticsearch 8.10.2 answering")
    assert OLD_INDEX not in [i["index"] for i in http_json(deployment.search_url + "/_cat/indices?format=json")]
    # the 1.2 migrations ran on the real database
    conn = om_database.connect("postgresql", "openmetadata_db", port=deployment.ports["DB"])
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM server_change_log")
        assert "1.2.0" in {row[0] for row in cur.fetchall()}
    conn.close()
    text = deployment.compose.read_text()
    assert "DB_PARAMS: ${DB_PARAMS:-sslmode=prefer}" in text  # PostgreSQL: what 1.1 did with DB_USE_SSL=false
    assert "# the test (and the backup) reach the database here" in text
    saved = deployment.compose.with_name("docker-compose.yml.openmetadata-ops-1.1.7")
    assert saved.read_text() == original
    assert list((deployment.dir / "backups").glob("*.sql.gz"))

    again = playbook([], roles=role, play_vars=deployment.play_vars())
    assert again.rc == 0 and again.changed == 0, again.output[-3000:]


def test_compose_file_pointing_at_a_host_database(docker_engine, private_mariadb, playbook, tmp_path):
    """A compose deployment without a database service (server in the host network, MariaDB on the
    host, private instance): the same role upgrades it, a second run changes nothing."""
    project = HostDatabaseDeployment(tmp_path, db_port=private_mariadb["port"])
    try:
        project.start_1_1()
        role = [{"role": "openmetadata.ops.server_docker"}]
        run = playbook([], roles=role, play_vars=project.play_vars())
        assert run.rc == 0, run.output[-4000:]
        assert http_json(project.server_url + "/api/v1/system/version")["version"] == "1.2.5"
        assert project.image_of("elasticsearch") == "docker.elastic.co/elasticsearch/elasticsearch:8.10.2"
        text = project.compose.read_text()
        assert "DB_PARAMS: ${DB_PARAMS:-allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC}" in text
        assert "network_mode: host   # the database listens on the host's loopback only" in text
        again = playbook([], roles=role, play_vars=project.play_vars())
        assert again.rc == 0 and again.changed == 0, again.output[-3000:]
    finally:
        project.destroy()


def test_crashed_migration_rolls_back_to_1_1_with_identical_rows(deployment, tmp_path):
    """Through playbooks/upgrade.yml, as a user runs it: openmetadata_deployment: docker picks
    server_docker; its rescue restores the backup and runs the role's rollback."""
    before_rows = deployment.rows()
    original = deployment.compose.read_text()
    deployment.write_env('OM_STANDIN_FAULTS={"migration_crash_at": 3}')  # the 1.2.0 migration dies
    inventory = deployment.upgrade_inventory(tmp_path)
    run = ansible_playbook(["-i", str(inventory), str(REPO / "playbooks" / "upgrade.yml")], tmp_path)
    assert run.rc != 0, "the host must end failed (rolled back): " + run.output[-3000:]
    assert run.result("Run the migration service")["failed"] is True
    assert "was rolled back" in run.output, run.output[-4000:]
    assert http_json(deployment.server_url + "/api/v1/system/version")["version"] == "1.1.7"
    assert deployment.compose.read_text() == original
    assert deployment.image_of("elasticsearch") == "docker.elastic.co/elasticsearch/elasticsearch:7.16.3"
    wait_for(lambda: http_json(deployment.search_url + "/_cluster/health"), "Elasticsearch 7.16.3 answering again")
    assert deployment.rows() == before_rows


def summary_of(run) -> list[str]:
    return run.result("Print the summary")["msg"]


def test_upgrade_playbook_fills_the_new_search_engine_found_in_the_compose_project(deployment, tmp_path):
    """No openmetadata_search_url in the inventory (as `make sandbox-docker` and the user guide's Docker
    inventory): the reindex takes the engine from the compose project - its search service and the host port
    compose publishes - and fills the real Elasticsearch 8.10.2, which the test asks directly."""
    run = ansible_playbook(["-i", str(deployment.upgrade_inventory(tmp_path)), str(REPO / "playbooks" / "upgrade.yml")],
                           tmp_path)
    assert run.rc == 0, run.output[-4000:]
    # preflight checked the running 7.16.3 engine at the same published port (no "search engine: unknown")
    preflight = run.result("Find what is installed and judge the upgrade")
    assert preflight["search"]["url"] == deployment.search_url, preflight["search"]
    assert preflight["search"]["version"] == "7.16.3", preflight["search"]
    warnings = preflight["verdict"]["warnings"]
    assert not [w for w in warnings if "search engine" in w], warnings
    # the json callback lists a task of an included file once: the reindex's look is the one after the config phase
    assert not run.result("Find the search engine in the compose project (Docker, openmetadata_search_url not set)").get(
        "skipped"), "the reindex did not look for the engine again after the config phase"
    found = run.result("Take the search engine's URL from the compose project")
    assert found["ansible_facts"]["openmetadata_search_url"] == deployment.search_url, found
    assert run.result("Reindex through the OpenMetadata API and wait for the run")["status"] == "success"
    assert summary_of(run)[0] == "docker-host: upgraded", summary_of(run)
    # what the engine holds, by its own account (not the reindex module's)
    # (the 8.10.2 test distribution has no `GET /` handler: the node's version comes from _nodes/_local)
    assert [n["version"] for n in http_json(deployment.search_url + "/_nodes/_local")["nodes"].values()] == ["8.10.2"]
    indexes = deployment.search_indexes()
    om_indexes = {name: docs for name, docs in indexes.items() if name.endswith("_search_index")}
    assert om_indexes.get("table_search_index", 0) > 0, indexes
    assert sum(om_indexes.values()) > 0 and len(om_indexes) >= 5, indexes
    tables = http_json(deployment.search_url + "/table_search_index/_count")["count"]
    assert tables == om_indexes["table_search_index"] > 0


def test_no_search_endpoint_fails_the_host_and_rolls_back(deployment, tmp_path):
    """The compose file publishes no port of its search service and the inventory sets no URL: the reindex
    has nothing to fill, so the host fails with what to do and the upgrade is rolled back to 1.1.7."""
    deployment.unpublish_search_port()
    before_rows = deployment.rows()
    edited = deployment.compose.read_text()
    run = ansible_playbook(["-i", str(deployment.upgrade_inventory(tmp_path)), str(REPO / "playbooks" / "upgrade.yml")],
                           tmp_path)
    assert run.rc != 0, "the host must end failed (rolled back): " + run.output[-3000:]
    stop = run.result("Stop when the reindex has no search engine to fill")
    assert stop["failed"] is True
    assert "The reindex cannot run: no search engine was found" in stop["msg"], stop["msg"]
    assert "publishes no host port" in stop["msg"] and "openmetadata_post_upgrade_reindex=false" in stop["msg"]
    assert did_not_run_reindex(run)
    assert "was rolled back" in run.output, run.output[-4000:]
    assert summary_of(run)[0] == "docker-host: rolled back", summary_of(run)
    assert http_json(deployment.server_url + "/api/v1/system/version")["version"] == "1.1.7"
    assert deployment.compose.read_text() == edited
    assert deployment.image_of("elasticsearch") == "docker.elastic.co/elasticsearch/elasticsearch:7.16.3"
    assert deployment.rows() == before_rows


def test_opted_out_reindex_upgrades_and_says_search_is_empty(deployment, tmp_path):
    """The same deployment with the explicit opt-out: the upgrade stands and the summary says that search is empty."""
    deployment.unpublish_search_port()
    inventory = deployment.upgrade_inventory(tmp_path, openmetadata_post_upgrade_reindex=False)
    run = ansible_playbook(["-i", str(inventory), str(REPO / "playbooks" / "upgrade.yml")], tmp_path)
    assert run.rc == 0, run.output[-4000:]
    assert did_not_run_reindex(run)
    assert summary_of(run)[0] == "docker-host: upgraded; reindex skipped, search is empty", summary_of(run)
    assert http_json(deployment.server_url + "/api/v1/system/version")["version"] == "1.2.5"


def did_not_run_reindex(run) -> bool:
    started = [r for r in run.results("Start the reindex in the background") + run.results(
        "Reindex through the OpenMetadata API and wait for the run") if not r.get("skipped")]
    return not started
