"""Post-upgrade redeploy of the ingestion pipelines (roles/post_upgrade tasks pipelines.yml) against
the OpenMetadata stand-in 1.2.5 on the real MariaDB / PostgreSQL, and the stand-in's
/api/v1/services/ingestionPipelines endpoints themselves (tests/simulator/openmetadata/pipelines.py).

The database is the 1.1.7 fixture migrated by the stand-in's migrate-all, plus extra pipelines so
the list spans many pages, some of them never deployed (those must not be deployed now).
"""
from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Iterator

import pytest

from fixtures import om_database
from harness import FIXTURE_ENGINE
from simulator.openmetadata.db import fqn_hash
from simulator.openmetadata.install import StandinSite

TARGET = "1.2.5"
EXTRA = 23  # with the fixture's own pipelines the list is several pages of 4
PIPELINES = "/api/v1/services/ingestionPipelines"


def _load(value: Any) -> Any:
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def add_pipelines(site: StandinSite, count: int) -> None:
    """Copies of a fixture pipeline under new names; every third one never deployed."""
    conn = om_database.connect(FIXTURE_ENGINE[site.engine], site.database)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT json FROM ingestion_pipeline_entity")
            model = _load(cur.fetchone()[0])
            service_fqn = model["fullyQualifiedName"].rsplit(".", 1)[0]
            for number in range(count):
                doc = copy.deepcopy(model)
                doc.update(id=str(uuid.uuid4()), name="extra_%02d" % number, deployed=number % 3 != 0,
                           fullyQualifiedName="%s.extra_%02d" % (service_fqn, number))
                cur.execute("INSERT INTO ingestion_pipeline_entity (json, fqnHash) VALUES (%s, %s)",
                            (json.dumps(doc), fqn_hash(doc["fullyQualifiedName"])))
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def served(dbs, tmp_path) -> Iterator[StandinSite]:
    name = dbs.build(hard_data=False)
    site = StandinSite(tmp_path / "site", dbs.engine, name)
    site.install(TARGET)
    done = site.run_script(TARGET, "migrate-all")
    assert done.returncode == 0, done.stdout[-3000:]
    add_pipelines(site, EXTRA)
    site.start(TARGET)
    yield site
    site.stop_all()


def call(site: StandinSite, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(site.server_url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", "Bearer " + site.token)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read().decode())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode())


def all_pipelines(site: StandinSite) -> list[dict[str, Any]]:
    status, body = call(site, "GET", PIPELINES + "?limit=1000")
    assert status == 200, body
    return body["data"]


def dag_configs(site: StandinSite) -> dict[str, dict[str, Any]]:
    folder = site.release_dir(TARGET) / "standin-airflow" / "dag_generated_configs"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")} if folder.is_dir() else {}


def redeploy(playbook, site: StandinSite, page: int = 4, check: bool = False):
    return playbook([{"name": "Redeploy", "ansible.builtin.include_role": {
        "name": "openmetadata.ops.post_upgrade", "tasks_from": "pipelines"}}],
        play_vars={"openmetadata_server_url": site.server_url, "openmetadata_jwt_token": site.token,
                   "openmetadata_target_version": TARGET, "openmetadata_post_upgrade_pipelines_limit": page},
        check=check)


def explain(run) -> str:
    return "rc=%s\n%s\n%s" % (run.rc, run.output[-5000:], run.stderr[-2000:])


def test_redeploy_reads_every_page_and_deploys_only_the_deployed(served, playbook):
    site = served
    before = all_pipelines(site)
    deployed = {p["name"] for p in before if p["deployed"]}
    never = {p["name"] for p in before if not p["deployed"]}
    assert len(before) > 10 and never and deployed, "the fixture must span pages and hold both kinds"
    assert dag_configs(site) == {}

    run = redeploy(playbook, site)
    assert run.rc == 0, explain(run)
    pages = run.results("List a page of the ingestion pipelines")
    assert len(pages) == -(-len(before) // 4), "every page of 4 must be read once"
    configs = dag_configs(site)
    assert set(configs) == deployed, "only (and all) the deployed pipelines get their DAG rewritten"
    assert {c["deployedByServer"] for c in configs.values()} == {TARGET}
    said = run.result("Say how many pipelines were redeployed")["msg"]
    assert "Redeployed %d of %d" % (len(deployed), len(before)) in said
    assert run.result("Redeploy the pipelines that were deployed")["changed"]
    after = {p["name"]: p["deployed"] for p in all_pipelines(site)}
    assert after == {p["name"]: p["deployed"] for p in before}, "a redeploy changes no pipeline's deployed flag"


def test_a_failing_deploy_names_the_pipeline_and_the_fix(served, playbook):
    site = served
    victim = sorted(p["fullyQualifiedName"] for p in all_pipelines(site) if p["deployed"])[0]
    site.stop_all()
    site.write_faults(TARGET, {"pipeline_deploy_fail": [victim]})
    site.start(TARGET)

    run = redeploy(playbook, site, page=1000)
    assert run.rc != 0, explain(run)
    msg = run.result("Fail when a pipeline was not redeployed")["msg"]
    assert "Redeploying 1 of" in msg and victim in msg, msg
    assert "airflow API returned 503" in msg and "Settings > Services" in msg, msg
    others = {p["name"] for p in all_pipelines(site) if p["deployed"] and p["fullyQualifiedName"] != victim}
    assert set(dag_configs(site)) == others, "one failure must not stop the other deploys"


def test_standin_pipeline_endpoints(served):
    site = served
    status, first = call(site, "GET", PIPELINES)
    assert status == 200 and len(first["data"]) == 10 and first["paging"]["total"] > 10
    assert all(isinstance(p["deployed"], bool) and "id" in p for p in first["data"])
    status, second = call(site, "GET", PIPELINES + "?limit=10&after=" + first["paging"]["after"])
    assert status == 200 and second["paging"]["before"]
    assert not {p["id"] for p in first["data"]} & {p["id"] for p in second["data"]}
    assert call(site, "GET", PIPELINES + "?limit=1000001")[0] == 400
    assert call(site, "GET", PIPELINES + "?fields=nonsense")[0] == 400
    status, with_status = call(site, "GET", PIPELINES + "?fields=pipelineStatuses&limit=1000")
    assert status == 200 and any("pipelineStatuses" in p for p in with_status["data"])

    never = next(p for p in with_status["data"] if not p["deployed"])
    status, answer = call(site, "POST", PIPELINES + "/deploy/" + never["id"])
    assert status == 200 and answer["code"] == 200 and answer["platform"] == "Airflow"
    assert call(site, "GET", PIPELINES + "/" + never["id"])[1]["deployed"] is True
    assert call(site, "GET", PIPELINES + "/name/" + never["fullyQualifiedName"])[1]["id"] == never["id"]

    missing = str(uuid.uuid4())
    assert call(site, "POST", PIPELINES + "/deploy/" + missing)[0] == 404
    status, answers = call(site, "POST", PIPELINES + "/bulk/deploy", [never["id"], missing])
    assert status == 200 and [a["code"] for a in answers] == [200, 500]
    assert answers[1]["reason"].startswith("Error deploying [%s] due to [" % missing)
    assert call(site, "POST", PIPELINES + "/bulk/deploy", {"ids": []})[0] == 400
