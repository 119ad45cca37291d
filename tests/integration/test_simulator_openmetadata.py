"""The OpenMetadata stand-in itself (tests/simulator/openmetadata) against the real MariaDB and
PostgreSQL: migrate-all as 1.2.0 changes the database, re-run and resume behaviour, the sort-memory
rule, the pending-migrations refusal, failure knobs and the API shapes the collection relies on."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any, Iterator, Optional

import pytest

from fixtures import om_database
from harness import FIXTURE_ENGINE
from simulator.openmetadata.install import StandinSite
from simulator.openmetadata.releases import release
from simulator.openmetadata.statements import for_version
from simulator.search_engine import SearchEngineProcess


def sql(site: StandinSite, statement: str, args: Optional[tuple] = None) -> list[tuple]:
    conn = om_database.connect(FIXTURE_ENGINE[site.engine], site.database)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return list(cur.fetchall()) if cur.description else []
    finally:
        conn.close()


def logs_table(site: StandinSite) -> str:
    return "SERVER_MIGRATION_SQL_LOGS" if site.engine == "mysql" else "server_migration_sql_logs"


def change_log(site: StandinSite) -> str:
    return "SERVER_CHANGE_LOG" if site.engine == "mysql" else "server_change_log"


def logged(site: StandinSite, version: str) -> int:
    return int(sql(site, "SELECT COUNT(*) FROM %s WHERE version = %%s" % logs_table(site), (version,))[0][0])


def versions(site: StandinSite) -> dict[str, str]:
    return dict(sql(site, "SELECT version, migrationFileName FROM %s" % change_log(site)))


def columns(site: StandinSite, table: str) -> set[str]:
    rows = sql(site, "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND "
                     + ("table_schema = DATABASE()" if site.engine == "mysql" else "table_schema = 'public'"), (table,))
    return {r[0].lower() for r in rows}


def load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def statement_count(site: StandinSite, version: str, target: str = "1.2.5") -> int:
    schema, post = for_version(version, "mysql" if site.engine == "mysql" else "postgresql", release(target))
    return len(schema) + len(post)


@pytest.fixture
def site(dbs, tmp_path) -> Iterator[StandinSite]:
    name = dbs.build(hard_data=False)
    standin = StandinSite(tmp_path / "site", dbs.engine, name)
    standin.install("1.1.7", link=False)
    standin.install("1.2.5")
    yield standin
    standin.stop_all()


def call(site: StandinSite, method: str, path: str, body: Any = None, token: Optional[str] = "default",
         content_type: str = "application/json") -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(site.server_url + path, data=data, method=method)
    request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", "Bearer " + (site.token if token == "default" else token))
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            raw, status = answer.read().decode(), answer.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read().decode(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def test_migrate_all_changes_the_database_like_1_2_0(site):
    queries = int(sql(site, "SELECT COUNT(*) FROM query_entity")[0][0])
    conn = om_database.connect(FIXTURE_ENGINE[site.engine], site.database)
    try:
        assert om_database.count_broken_queries(FIXTURE_ENGINE[site.engine], conn) == om_database.BROKEN_QUERIES
    finally:
        conn.close()
    broken_ids = [r[0] for r in sql(site, om_database._BROKEN_QUERY_SQL.replace(  # pylint: disable=protected-access
        "SELECT COUNT(DISTINCT q.id)", "SELECT DISTINCT q.id"))]
    status = [r[0] for r in sql(site, "SELECT json FROM entity_extension_time_series WHERE extension = "
                                      "'pipeline.pipelineStatus'")]

    done = site.run_script("1.2.5", "migrate-all")
    assert done.returncode == 0, done.stdout[-3000:]
    assert "to run: 1.2.0, 1.2.1, 1.2.4" in done.stdout

    assert int(sql(site, "SELECT COUNT(*) FROM query_entity")[0][0]) == queries - om_database.BROKEN_QUERIES
    placeholders = ", ".join(["%s"] * len(broken_ids))
    assert sql(site, "SELECT COUNT(*) FROM entity_relationship WHERE fromId IN (%s) OR toId IN (%s)"
               % (placeholders, placeholders), tuple(broken_ids) * 2)[0][0] == 0
    cols = columns(site, "query_entity")
    assert "fqnhash" in cols and "namehash" not in cols and "deleted" not in cols
    assert "deleted" not in columns(site, "event_subscription_entity")
    service_names = {json.loads(r[0])["service"]["type"] if isinstance(r[0], str) else r[0]["service"]["type"]
                     for r in sql(site, "SELECT json FROM query_entity")}
    assert service_names == {"databaseService"}
    for table in ("domain_entity", "installed_apps", "apps_extension_time_series", "persona_entity", "doc_store"):
        assert columns(site, table), table
    after = [r[0] for r in sql(site, "SELECT json FROM entity_extension_time_series WHERE extension = "
                                     "'pipeline.pipelineStatus'")]
    assert sorted(load(v)["timestamp"] * 1000 for v in status) == sorted(load(v)["timestamp"] for v in after)
    domo = [load(r[0])["connection"]["config"] for r in
            sql(site, "SELECT json FROM pipeline_service_entity WHERE serviceType = 'DomoPipeline'")]
    assert domo and all("instanceDomain" in c and "sandboxDomain" not in c for c in domo)

    rows = versions(site)
    assert {"1.2.0", "1.2.1", "1.2.4"} <= set(rows)
    assert rows["1.2.0"] == str(site.release_dir("1.2.5") / "bootstrap/sql/migrations/native/1.2.0" /
                                ("mysql" if site.engine == "mysql" else "postgres"))
    assert logged(site, "1.2.0") == statement_count(site, "1.2.0")

    tables = ("query_entity", "entity_relationship", "entity_extension_time_series", "tag")
    before_rerun = {t: om_database.table_rows(FIXTURE_ENGINE[site.engine],
                                              om_database.connect(FIXTURE_ENGINE[site.engine], site.database), t)
                    for t in tables}
    again = site.run_script("1.2.5", "migrate-all")
    assert again.returncode == 0 and "to run: nothing" in again.stdout
    for table in tables:
        conn = om_database.connect(FIXTURE_ENGINE[site.engine], site.database)
        try:
            assert om_database.table_rows(FIXTURE_ENGINE[site.engine], conn, table) == before_rerun[table], table
        finally:
            conn.close()


def test_rerun_without_the_statement_log_fails_like_upstream(site):
    assert site.run_script("1.2.5", "migrate-all").returncode == 0
    sql(site, "DELETE FROM %s WHERE version LIKE '1.2%%'" % logs_table(site))
    sql(site, "DELETE FROM %s WHERE version LIKE '1.2%%'" % change_log(site))
    again = site.run_script("1.2.5", "migrate-all")
    assert again.returncode == 1
    assert "Failed to run sql -- Remove the deleted column from query_entity" in again.stdout
    assert ("1091" in again.stdout) if site.engine == "mysql" else ('"deleted"' in again.stdout)
    assert "Encountered Exception in MigrationWorkflow" in again.stdout


def test_crash_resume_and_pending_refusal(site):
    site.write_faults("1.2.5", {"migration_crash_at": 20})
    crashed = site.run_script("1.2.5", "migrate-all")
    assert crashed.returncode == 1
    assert "stand-in fault: crash at statement 20 of 1.2.0" in crashed.stdout
    assert logged(site, "1.2.0") == 19
    assert "1.2.0" not in versions(site)

    # A half-migrated database: the 1.2.5 server refuses to start with upstream's message.
    (site.release_dir("1.2.5") / "conf" / "standin-faults.json").unlink()
    site.run_script("1.2.5", "start")
    deadline = time.time() + 20
    log = site.release_dir("1.2.5") / "logs" / "catalog.log"
    while time.time() < deadline and "pending migrations" not in (log.read_text() if log.exists() else ""):
        time.sleep(0.2)
    assert "There are pending migrations to be run on the database. Please backup your data and run " \
           "`./bootstrap/bootstrap_storage.sh migrate-all`" in log.read_text()
    while time.time() < deadline and site.running_pids():
        time.sleep(0.1)  # the refused server exits right after logging
    assert site.running_pids() == {}
    validate = site.run_script("1.2.5", "validate")
    assert validate.returncode == 1 and "pending migrations" in validate.stdout

    resumed = site.run_script("1.2.5", "migrate-all")
    assert resumed.returncode == 0, resumed.stdout[-2000:]
    assert logged(site, "1.2.0") == statement_count(site, "1.2.0")
    assert {"1.2.0", "1.2.1", "1.2.4"} <= set(versions(site))


@pytest.mark.parametrize("engine", ["mysql"])
def test_killed_migration_leaves_a_resumable_database(site):
    site.write_faults("1.2.5", {"migration_crash_at": 5, "migration_crash_mode": "kill"})
    killed = site.run_script("1.2.5", "migrate-all")
    assert killed.returncode in (-9, 137)
    assert logged(site, "1.2.0") == 4
    (site.release_dir("1.2.5") / "conf" / "standin-faults.json").unlink()
    assert site.run_script("1.2.5", "migrate-all").returncode == 0


def test_sort_memory_below_20mb_fails_then_resumes(dbs, tmp_path):
    name = dbs.build(hard_data=False)
    low = StandinSite(tmp_path / "low", dbs.engine, name, sort_memory_ok=False)
    low.install("1.2.5")
    failed = low.run_script("1.2.5", "migrate-all")
    assert failed.returncode == 1
    assert "Out of sort memory" in failed.stdout and "needs at least 20971520" in failed.stdout
    schema, _post = for_version("1.2.0", dbs.engine if dbs.engine == "mysql" else "postgresql", release("1.2.5"))
    first_sort = next(i for i, s in enumerate(schema, start=1) if s.sorts)
    assert first_sort == (67 if dbs.engine == "mysql" else 76)
    assert logged(low, "1.2.0") == first_sort - 1
    ok = StandinSite(tmp_path / "ok", dbs.engine, name)
    ok.install("1.2.5")
    resumed = ok.run_script("1.2.5", "migrate-all")
    assert resumed.returncode == 0, resumed.stdout[-2000:]


@pytest.mark.parametrize("engine", ["postgresql"])
def test_postgres_1_2_0_release_bug_and_1_2_1_fix(dbs, tmp_path):
    name = dbs.build(hard_data=False)
    site = StandinSite(tmp_path / "s", dbs.engine, name)
    sql(site, "UPDATE ingestion_pipeline_entity SET json = (json::jsonb #- "
              "'{sourceConfig,config,viewParsingTimeoutLimit}')::json WHERE json #>> '{pipelineType}' = 'metadata'")
    site.install("1.2.0")
    broken = site.run_script("1.2.0", "migrate-all")
    assert broken.returncode == 1 and "violates not-null constraint" in broken.stdout
    site.install("1.2.5")
    fixed = site.run_script("1.2.5", "migrate-all")
    assert fixed.returncode == 0, fixed.stdout[-2000:]


@pytest.mark.parametrize("engine", ["mysql"])
def test_1_2_api_shapes_and_reindex(site, tmp_path):
    with SearchEngineProcess("elasticsearch", "8.10.2", data_dir=tmp_path / "es") as engine:
        site.search_url = engine.url
        # 1.2 has no elasticsearch.clusterAlias (it arrives with 1.3.0): its file has none, its names no prefix
        conf = (site.release_dir("1.2.5") / "conf" / "openmetadata.yaml").read_text()
        assert "clusterAlias" not in conf and "ELASTICSEARCH_CLUSTER_ALIAS" not in conf
        assert site.run_script("1.2.5", "migrate-all").returncode == 0
        site.start("1.2.5")
        status, version = call(site, "GET", "/api/v1/system/version", token=None)
        assert status == 200 and set(version) == {"version", "revision", "timestamp"} and version["version"] == "1.2.5"
        with urllib.request.urlopen(site.admin_url + "/healthcheck") as answer:
            assert json.loads(answer.read())["OpenMetadataServerHealthCheck"]["healthy"] is True
        assert call(site, "GET", "/api/v1/system/settings", token=None) == (
            401, {"code": 401, "message": "Not Authorized! Token not present"})
        assert call(site, "GET", "/api/v1/system/settings", token="nope")[0] == 401

        status, settings = call(site, "GET", "/api/v1/system/settings")
        assert status == 200 and settings["paging"]["total"] == len(settings["data"])
        login = {"config_type": "loginConfiguration",
                 "config_value": {"maxLoginFailAttempts": 5, "accessBlockTime": 300, "jwtTokenExpiryTime": 3600}}
        assert call(site, "PUT", "/api/v1/system/settings", login)[0] == 201
        assert call(site, "PUT", "/api/v1/system/settings", login)[0] == 200
        assert call(site, "GET", "/api/v1/system/settings/loginConfiguration") == (200, login)
        bad = {"config_type": "customLogoConfiguration", "config_value": {"customLogoUrl": "x"}}
        assert call(site, "PUT", "/api/v1/system/settings", bad)[0] == 400

        status, app = call(site, "GET", "/api/v1/apps/name/SearchIndexingApplication")
        assert status == 200 and app["appConfiguration"]["batchSize"] == "100"
        assert call(site, "GET", "/api/v1/apps/name/SearchIndexingApplication/runs/latest")[0] == 404
        patch = [{"op": "replace", "path": "/appConfiguration/recreateIndex", "value": True},
                 {"op": "replace", "path": "/appConfiguration/entities", "value": ["table", "query"]}]
        status, patched = call(site, "PATCH", "/api/v1/apps/%s" % app["id"], patch, content_type="application/json-patch+json")
        assert status == 200 and patched["appConfiguration"]["entities"] == ["table", "query"]
        assert call(site, "POST", "/api/v1/apps/trigger/SearchIndexingApplication") == (200, "Application Triggered")
        deadline = time.time() + 30
        while time.time() < deadline:
            status, runs = call(site, "GET", "/api/v1/apps/name/SearchIndexingApplication/status?offset=0&limit=1")
            if runs["data"] and runs["data"][0]["status"] not in ("running", "started"):
                break
            time.sleep(0.3)
        record = runs["data"][0]
        assert record["status"] == "success", record
        assert runs["paging"] == {"offset": 0, "total": 1}
        tables = int(sql(site, "SELECT COUNT(*) FROM table_entity")[0][0])
        queries = int(sql(site, "SELECT COUNT(*) FROM query_entity")[0][0])
        assert record["successContext"]["stats"]["jobStats"]["totalRecords"] == tables + queries
        with urllib.request.urlopen(engine.url + "/_cat/indices?format=json") as answer:
            indices = {i["index"]: int(i["docs.count"]) for i in json.loads(answer.read())}
        # (migrate-all may have created the release's other indexes, empty)
        with_documents = {name: docs for name, docs in indices.items() if docs}
        assert with_documents == {"table_search_index": tables, "query_search_index": queries}, indices
        status, page = call(site, "GET", "/api/v1/tables?limit=2")
        assert status == 200 and len(page["data"]) == 2 and "after" in page["paging"]
        fqn = page["data"][0]["fullyQualifiedName"]
        assert call(site, "GET", "/api/v1/tables/name/" + urllib.request.quote(fqn))[1]["id"] == page["data"][0]["id"]

        site.stop_all()
        site.write_faults("1.2.5", {"apps_api_500": True})
        site.start("1.2.5")
        assert call(site, "GET", "/api/v1/apps/name/SearchIndexingApplication")[0] == 500
        assert call(site, "GET", "/api/v1/system/version", token=None)[0] == 200


@pytest.mark.parametrize("engine", ["postgresql"])
def test_1_1_server_reindex_and_settings(site, tmp_path):
    with SearchEngineProcess("elasticsearch", "7.16.3", data_dir=tmp_path / "es") as engine:
        site.search_url = engine.url
        site.start("1.1.7")
        assert call(site, "GET", "/api/v1/system/version", token=None)[1]["version"] == "1.1.7"
        assert call(site, "GET", "/api/v1/apps/name/SearchIndexingApplication")[0] == 404
        login = {"config_type": "loginConfiguration", "config_value": {"maxLoginFailAttempts": 5}}
        assert call(site, "PUT", "/api/v1/system/settings", login)[0] == 400
        status, job = call(site, "POST", "/api/v1/search/reindex",
                           {"runMode": "batch", "entities": ["all"], "recreateIndex": True, "batchSize": 50})
        assert status == 201 and job["status"] == "RUNNING"
        deadline = time.time() + 30
        while time.time() < deadline and job["status"] == "RUNNING":
            time.sleep(0.3)
            job = call(site, "GET", "/api/v1/search/reindex/" + job["id"])[1]
        assert job["status"] == "COMPLETED", job
        with urllib.request.urlopen(engine.url + "/_cat/indices?format=json") as answer:
            names = {i["index"] for i in json.loads(answer.read())}
        assert len(names) == 15 and "glossary_search_index" in names and "table_search_index" in names
