"""Role openmetadata.ops.search through ansible-playbook: the version gate, the index deletion
(check mode, second run changed=0, foreign indexes kept), the Docker hook and the reindex entry point."""
from __future__ import annotations

from harness import run_playbook
from search_support import index_names, seed
from simulator.search_engine import SearchEngineProcess
# dist is a fixture: importing it makes it available here
from test_reindex import OmServer, dist, token  # noqa: F401  pylint: disable=unused-import

OLD_INDEXES = {"table_search_index": 4, "user_search_index": 2, "glossary_search_index": 1}
FOREIGN = {"logs-2026.11": 3, "table_search_index_copy": 1}


def include(tasks_from: str = "main", **variables) -> dict:
    return {"name": "search role", "ansible.builtin.include_role": {"name": "openmetadata.ops.search",
                                                                    "tasks_from": tasks_from},
            "vars": variables}


def seeded(engine: SearchEngineProcess) -> None:
    for name, docs in list(OLD_INDEXES.items()) + list(FOREIGN.items()):
        seed(engine.url, name, docs)


def test_gate_and_delete_bare_metal(tmp_path):
    with SearchEngineProcess("elasticsearch", "8.10.2") as engine:
        seeded(engine)
        variables = {"openmetadata_search_url": engine.url, "openmetadata_target_version": "1.2.5",
                     "openmetadata_search_om_version": "1.1.7"}
        check = run_playbook([include(**variables)], tmp_path, check=True)
        assert check.rc == 0 and check.failed == 0, check.output[-3000:]
        assert index_names(engine.url) == dict(OLD_INDEXES, **FOREIGN)
        first = run_playbook([include(**variables)], tmp_path)
        assert first.rc == 0 and first.changed == 1, first.output[-3000:]
        deleted = first.result("Delete OpenMetadata's search indexes by exact name")
        assert deleted["deleted_documents"] == 7
        second = run_playbook([include(**variables)], tmp_path)
        assert second.rc == 0 and second.changed == 0
        assert index_names(engine.url) == FOREIGN


def test_gate_refuses_elasticsearch_7_and_changes_nothing(tmp_path):
    with SearchEngineProcess("elasticsearch", "7.16.3") as engine:
        seeded(engine)
        run = run_playbook([include(openmetadata_search_url=engine.url, openmetadata_target_version="1.2.5")],
                           tmp_path)
        assert run.rc != 0
        gate = run.result("Check that the search engine is new enough for OpenMetadata 1.2.5")
        assert gate["failed"] and "Elasticsearch 7.16.3" in gate["msg"] and "8.10.2" in gate["msg"]
        assert index_names(engine.url) == dict(OLD_INDEXES, **FOREIGN)


def test_docker_leaves_indexes_to_the_volume_removal(tmp_path):
    with SearchEngineProcess("elasticsearch", "7.16.3") as engine:
        seeded(engine)
        run = run_playbook([include(openmetadata_search_url=engine.url, openmetadata_deployment="docker")], tmp_path)
        assert run.rc == 0 and run.changed == 0, run.output[-3000:]
        assert index_names(engine.url) == dict(OLD_INDEXES, **FOREIGN)


def test_reindex_entry_point(dist, tmp_path):  # noqa: F811
    with SearchEngineProcess("opensearch", "2.7.0") as engine:
        om = OmServer(dist, tmp_path / "om", "1.2.5", engine.port).start()
        try:
            run = run_playbook([include("reindex", openmetadata_search_url=engine.url, openmetadata_server_url=om.url,
                                        openmetadata_jwt_token=token(), openmetadata_reindex_poll_interval=0.3,
                                        openmetadata_reindex_timeout=60)], tmp_path)
            assert run.rc == 0, run.output[-3000:]
            result = run.result("Reindex through the OpenMetadata API and wait for the run")
            assert result["status"] == "success" and result["documents"]["table_search_index"] > 0
        finally:
            om.stop()
