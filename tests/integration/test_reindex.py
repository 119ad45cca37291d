"""openmetadata.ops.reindex through ansible-playbook against the OpenMetadata stand-in
(tests/simulator/openmetadata, the same one the upgrade tests use) on the shared MariaDB,
writing to the Elasticsearch/OpenSearch stand-in.

Servers: a migrated 1.2.5 (success, check mode, 401, verify), a 1.2.5 whose reindex fails, a
1.2.5 whose search engine never answers (timeout, and no second run while one is going), a 1.2.5
whose apps API answers 500, and a 1.1.7 (the 1.1 API, and 404 for the apps API)."""
from __future__ import annotations

import json
import os
import pathlib
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from typing import Any, Iterator, Optional

import pytest

from fixtures import om_database
from harness import REPO, free_port, run_playbook, unique_name
from search_support import index_names, seed
from simulator.search_engine import SearchEngineProcess

DEFAULT_TOKEN: Optional[str] = None


def token() -> str:
    global DEFAULT_TOKEN  # pylint: disable=global-statement
    if DEFAULT_TOKEN is None:
        sys.path.insert(0, str(REPO))
        from tests.simulator.openmetadata.conf import DEFAULT_JWT_TOKEN  # pylint: disable=import-outside-toplevel
        DEFAULT_TOKEN = DEFAULT_JWT_TOKEN
    return DEFAULT_TOKEN


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> pathlib.Path:
    out = tmp_path_factory.mktemp("om-dist")
    for version in ("1.1.7", "1.2.5"):
        subprocess.run([sys.executable, "-m", "tests.simulator.openmetadata.pack", "--version", version, "--out",
                        str(out)], cwd=str(REPO), check=True, capture_output=True)
    return out


class OmServer:
    """One stand-in OpenMetadata release unpacked, its database built (and migrated for 1.2), started."""

    def __init__(self, dist: pathlib.Path, folder: pathlib.Path, version: str, search_port: int,
                 faults: Optional[dict] = None) -> None:
        self.version = version
        self.db = unique_name("omr")
        self.port, self.admin_port = free_port(), free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(dist / ("openmetadata-%s.tar.gz" % version)) as archive:
            archive.extractall(folder)
        self.home = folder / ("openmetadata-%s" % version)
        self.env = dict(os.environ, DB_HOST="127.0.0.1", DB_PORT="3306", DB_USER="root", DB_USER_PASSWORD="",
                        OM_DATABASE=self.db, SERVER_PORT=str(self.port), SERVER_ADMIN_PORT=str(self.admin_port),
                        ELASTICSEARCH_HOST="127.0.0.1", ELASTICSEARCH_PORT=str(search_port),
                        DB_PARAMS="allowPublicKeyRetrieval=true&useSSL=false&serverTimezone=UTC"
                                  "&sessionVariables=sort_buffer_size=20971520")
        self.env.pop("OM_STANDIN_JWT_TOKEN", None)
        if faults:
            self.env["OM_STANDIN_FAULTS"] = json.dumps(faults)
        else:
            self.env.pop("OM_STANDIN_FAULTS", None)

    def start(self, search_port_after_migrate: Optional[int] = None) -> "OmServer":
        om_database.build("mariadb", self.db)
        if self.version.startswith("1.2"):
            self._run("bootstrap/bootstrap_storage.sh", "migrate-all")
        if search_port_after_migrate is not None:
            self.env["ELASTICSEARCH_PORT"] = str(search_port_after_migrate)
        self._run("bin/openmetadata.sh", "start")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/v1/system/version", timeout=2) as answer:
                    assert json.loads(answer.read())["version"] == self.version
                    return self
            except OSError:
                time.sleep(0.3)
        log = (self.home / "logs" / "catalog.log").read_text(errors="replace")[-3000:]
        raise RuntimeError("OpenMetadata stand-in %s did not start: %s" % (self.version, log))

    def _run(self, script: str, *args: str) -> None:
        proc = subprocess.run(["bash", str(self.home / script)] + list(args), cwd=str(self.home), env=self.env,
                              capture_output=True, text=True, check=False, timeout=300)
        assert proc.returncode == 0, "%s %s: %s %s" % (script, args, proc.stdout[-2000:], proc.stderr[-2000:])

    def stop(self) -> None:
        subprocess.run(["bash", str(self.home / "bin/openmetadata.sh"), "stop"], cwd=str(self.home), env=self.env,
                       capture_output=True, check=False)
        om_database.drop("mariadb", self.db)

    def runs(self) -> dict:
        request = urllib.request.Request(self.url + "/api/v1/apps/name/SearchIndexingApplication/status?limit=50",
                                         headers={"Authorization": "Bearer " + token()})
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())


@pytest.fixture(scope="module")
def search() -> Iterator[SearchEngineProcess]:
    with SearchEngineProcess("elasticsearch", "8.10.2") as engine:
        yield engine


def server(dist, tmp_path, version, search_port, **kwargs) -> OmServer:
    return OmServer(dist, tmp_path / ("om-%s" % version), version, search_port, **kwargs).start()


def reindex_task(name: str, om: OmServer, **args: Any) -> dict:
    module_args = {"server_url": om.url, "jwt_token": token(), "poll_interval": 0.3, "timeout": 60}
    module_args.update(args)
    return {"name": name, "openmetadata.ops.reindex": module_args, "register": "out", "ignore_errors": True}


NO_ALIAS_MSG = ("OpenMetadata %s has no clusterAlias (it appears in 1.3); its index names are never prefixed: "
                "remove cluster_alias / openmetadata_search_cluster_alias")


def describe(run) -> str:
    return "rc=%s\n%s\n%s" % (run.rc, run.output[-4000:], run.stderr[-2000:])


def test_apps_reindex_success_check_mode_and_bad_token(dist, search, tmp_path):
    om = server(dist, tmp_path, "1.2.5", search.port)
    try:
        seed(search.url, "someone_elses_index", 2)
        run = run_playbook([
            dict(reindex_task("check", om), check_mode=True),
            reindex_task("bad token", om, jwt_token="not-the-token"),
            reindex_task("reindex", om, verify_documents=True, search_url=search.url, batch_size=50),
            reindex_task("an alias 1.2 does not have", om, verify_documents=True, search_url=search.url,
                         cluster_alias="elsewhere"),
        ], tmp_path, diff=True)
        check = run.result("check")
        assert not check.get("failed") and check["changed"] and check["run"] is None, check
        assert check["api"] == "apps" and check["server_version"] == "1.2.5"
        # the seed configuration already recreates and lists every entity type: nothing to change
        assert not check["configuration_changed"] and len(check["configuration"]["entities"]) > 20, check
        assert "all" not in check["configuration"]["entities"]
        bad = run.result("bad token")
        assert bad["failed"] and bad["http_status"] == 401 and "jwt_token" in bad["msg"], bad
        assert "not-the-token" not in run.output
        done = run.result("reindex")
        assert not done.get("failed"), describe(run)
        assert done["changed"] and done["status"] == "success" and done["api"] == "apps"
        assert done["configuration"]["recreateIndex"] is True and done["configuration"]["batchSize"] == 50
        assert done["stats"]["jobStats"]["successRecords"] > 0
        assert done["documents"]["table_search_index"] > 0
        # 1.2 has no clusterAlias: refused before the app is changed or a run triggered
        wrong = run.result("an alias 1.2 does not have")
        assert wrong["failed"] and not wrong["changed"] and wrong["run"] is None, wrong
        assert wrong["msg"].startswith(NO_ALIAS_MSG % "1.2"), wrong["msg"]
        assert wrong["server_version"] == "1.2.5" and "triggered" not in wrong and "documents" not in wrong
        # one run was started (check mode, the 401 and the refused alias started none)
        assert om.runs()["paging"]["total"] == 1
        docs = index_names(search.url)
        assert docs["table_search_index"] == done["documents"]["table_search_index"]
        assert docs["someone_elses_index"] == 2
    finally:
        om.stop()


def test_failed_run(dist, search, tmp_path):
    om = server(dist, tmp_path, "1.2.5", search.port, faults={"reindex_fail": True})
    try:
        run = run_playbook([reindex_task("reindex", om)], tmp_path)
        result = run.result("reindex")
        assert result["failed"] and result["changed"], result
        assert "ended with status failed" in result["msg"] and "reindex_fail" in result["msg"], result["msg"]
    finally:
        om.stop()


def test_apps_api_500(dist, search, tmp_path):
    om = server(dist, tmp_path, "1.2.5", search.port, faults={"apps_api_500": True})
    try:
        run = run_playbook([reindex_task("reindex", om)], tmp_path)
        result = run.result("reindex")
        assert result["failed"] and not result["changed"] and result["http_status"] == 500, result
        assert "failed internally" in result["msg"]
    finally:
        om.stop()


def test_timeout_and_no_second_run(dist, search, tmp_path):
    # A search engine that accepts connections and never answers: the run hangs in the server. (migrate-all
    # writes the release's indexes to a search engine that answers; its es-migrate step would wait on the
    # silent one for every index.)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    om = OmServer(dist, tmp_path / "om-1.2.5", "1.2.5", search.port).start(
        search_port_after_migrate=silent.getsockname()[1])
    try:
        run = run_playbook([
            reindex_task("reindex", om, timeout=3),
            reindex_task("again while running", om, timeout=2),
        ], tmp_path)
        first = run.result("reindex")
        assert first["failed"] and first["changed"], first
        assert "did not finish within 3.0 s" in first["msg"] and "running" in first["msg"], first["msg"]
        second = run.result("again while running")
        assert second["failed"] and not second["changed"], second
        assert "still running" in second["msg"] and "not starting another run" in second["msg"]
        assert om.runs()["paging"]["total"] == 1
    finally:
        om.stop()
        silent.close()


def test_11_api_and_apps_404(dist, search, tmp_path):
    om = server(dist, tmp_path, "1.1.7", search.port)
    try:
        run = run_playbook([
            reindex_task("apps on 1.1", om, api="apps"),
            reindex_task("an alias 1.1 does not have", om, cluster_alias="prod"),
            reindex_task("auto on 1.1", om, verify_documents=True, search_url=search.url),
        ], tmp_path)
        refused = run.result("an alias 1.1 does not have")
        assert refused["failed"] and not refused["changed"] and refused["run"] is None, refused
        assert refused["msg"].startswith(NO_ALIAS_MSG % "1.1"), refused["msg"]
        apps = run.result("apps on 1.1")
        assert apps["failed"] and apps["http_status"] == 404 and "apps API arrived with OpenMetadata 1.2" in apps["msg"]
        auto = run.result("auto on 1.1")
        assert not auto.get("failed"), describe(run)
        assert auto["api"] == "search_reindex" and auto["status"] == "COMPLETED"
        assert auto["stats"]["jobStats"]["successRecords"] > 0
        assert auto["documents"]["table_search_index"] > 0
    finally:
        om.stop()


def test_unreachable_server(tmp_path):
    port = free_port()
    run = run_playbook([{"name": "reindex", "register": "out", "ignore_errors": True,
                         "openmetadata.ops.reindex": {"server_url": "http://127.0.0.1:%d" % port,
                                                      "jwt_token": "x", "api": "apps"}}], tmp_path)
    result = run.result("reindex")
    assert result["failed"] and not result["changed"] and "connection refused" in result["msg"]
