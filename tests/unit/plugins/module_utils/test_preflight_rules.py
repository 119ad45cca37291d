"""The preflight rules (module_utils/preflight.py) and the pure helpers of om_info, without services."""
from __future__ import annotations

import copy
import os

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.api import om_info
from ansible_collections.openmetadata.ops.plugins.module_utils import preflight

GOOD_FACTS = {
    "server": {"version": "1.1.7", "healthy": True, "error": None},
    "db": {"reachable": True, "engine": "mysql", "flavor": "mariadb", "server_version": "10.11.6-MariaDB",
           "database": "openmetadata_db", "host": "127.0.0.1:3306", "schema_version": {"flyway": "014", "native": "1.1.5"},
           "sort_setting": {"name": "sort_buffer_size", "value": "2097152", "bytes": 2097152}, "size_bytes": 10 << 20,
           "error": None},
    "query_loss": {"count": 0, "total": 30, "samples": [], "error": None},
    "search": {"url": "http://es:9200", "distribution": "elasticsearch", "version": "8.10.2", "error": None},
    "java": {"version": "17.0.9", "major": 17, "executable": "/usr/bin/java", "source": "PATH", "error": None},
    "deployment": {"kind": "bare_metal", "error": None,
                   "bare_metal": {"install_dir": "/opt/openmetadata", "current_version": "1.1.7"}},
    "disk": {"path": "/var/backups/openmetadata", "checked": "/var", "free_bytes": 100 << 30, "error": None},
}
INTENT = {"target_version": "1.2.5", "deployment": "bare_metal"}


def judge(facts_change=None, **intent):
    facts = copy.deepcopy(GOOD_FACTS)
    for path, value in (facts_change or {}).items():
        node = facts
        keys = path.split(".")
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return preflight.evaluate(facts, dict(INTENT, **intent))


def codes(verdict):
    return [p["code"] for p in verdict["problems"]]


def test_a_supported_path_has_no_problem_and_a_plan():
    verdict = judge()
    assert verdict["ok"] and verdict["source"] == "1.1.7" and verdict["installed"] == "1.1.7"
    assert any(step.startswith("raise sort_buffer_size from 2.0 MiB") for step in verdict["plan"])
    assert verdict["plan"][0].startswith("stop OpenMetadata 1.1.7")


@pytest.mark.parametrize("change, intent, code", [
    ({}, {"target_version": "1.3.1"}, "target_not_supported"),
    ({}, {"target_version": "latest"}, "target_invalid"),
    ({"server.version": "1.0.6", "deployment.bare_metal.current_version": "1.0.6"}, {}, "source_not_supported"),
    ({}, {"source_version": "1.2.4", "target_version": "1.2.2"}, "downgrade"),
    ({"server.version": "1.2.4"}, {"target_version": "1.2.2"}, "target_older_than_installed"),
    ({"deployment.kind": None, "deployment.error": "unknown deployment kind 'k8s'"}, {}, "deployment_unknown"),
    ({"db.reachable": False, "db.error": "cannot reach MySQL"}, {}, "db_unreachable"),
    ({"disk.free_bytes": 1 << 20}, {}, "disk_space"),
    ({"java.major": 11, "java.version": "11.0.2"}, {}, "java_too_old"),
    ({"java.major": None, "java.error": "no java"}, {}, "java_missing"),
    ({"search.version": "7.16.3"}, {}, "search_too_old"),
    ({"query_loss.count": 3}, {}, "query_loss"),
    ({}, {"ingestion_hosts": [{"host": "i1", "version": "3.11.4"}]}, "ingestion_python"),
    ({}, {"ingestion_hosts": [{"item": "i2", "rc": 127, "msg": "No such file"}]}, "ingestion_python_unknown"),
    ({"search.url": None, "search.error": "no URL", "search.version": None}, {"required": ["search"]},
     "search_unavailable"),
    ({"search.error": "Connection refused", "search.version": None}, {}, "search_unreachable"),
    ({"server.version": None, "server.error": "Connection refused", "deployment.bare_metal.running": True}, {},
     "server_unreachable"),
    ({"db_admin": {"user": "root", "reachable": False, "error": "Access denied", "problems": []}}, {},
     "db_admin_login"),
    ({"db_admin": {"user": "om", "reachable": True, "error": None, "problems": ["om may not raise x"]}}, {},
     "db_admin_privileges"),
    ({"disk.unsafe": "/b is world-writable"}, {}, "backup_dir_unsafe"),
    ({"disk.writable": False}, {}, "backup_dir_not_writable"),
])
def test_each_refusal(change, intent, code):
    assert code in codes(judge(change, **intent))


def test_refusals_are_waived_where_the_plan_says_so():
    assert judge({"search.version": "7.16.3"}, search_replace_planned=True)["ok"]
    docker = {"search.version": "7.16.3", "deployment.kind": "docker", "java.major": 11}
    assert judge(docker)["ok"]  # docker: the compose file moves the engine; Java lives in the image
    assert judge({"query_loss.count": 3}, accept_query_loss=True)["ok"]
    assert judge({"java.major": 8}, java_home="/opt/jdk8")["problems"][0]["msg"].startswith("the JDK at")
    # no URL given: unknown, not required: a warning (a URL that is given must answer)
    assert judge({"search.url": None, "search.error": "no URL", "search.version": None})["ok"]
    # a server that does not answer and is not known to run: the source comes from elsewhere, a warning
    assert judge({"server.version": None, "server.error": "refused", "deployment.bare_metal.running": False})["ok"]
    for version in ("3.8.18", "3.9.1", "3.10.13"):
        assert judge(ingestion_hosts=[{"host": "i", "version": version}])["ok"]
    # a server process left by an interrupted run (killed while the new release started): the recovery stops it
    silent = {"server.version": None, "server.error": "refused", "deployment.bare_metal.running": True}
    resumed = judge(silent, interrupted_phase="start")
    assert resumed["ok"] and any("an earlier run stopped during start" in w for w in resumed["warnings"]), resumed


def test_a_host_at_the_target_gets_no_plan_and_no_problem():
    verdict = judge({"server.version": "1.2.5", "deployment.bare_metal.current_version": "1.2.5",
                     "query_loss.count": 3, "disk.free_bytes": 1})
    assert verdict["ok"] and verdict["at_target"] and verdict["plan"] == [] and verdict["losses"] == []
    assert verdict["warnings"] == ["OpenMetadata 1.2.5 is already installed: nothing to do"]
    assert not judge()["at_target"]


def test_every_problem_is_listed_in_one_verdict():
    verdict = judge({"disk.writable": False, "search.error": "refused", "search.version": None,
                     "db_admin": {"user": "root", "reachable": False, "error": "Access denied", "problems": []}},
                    target_version="1.2.99")
    assert {"backup_dir_not_writable", "search_unreachable", "db_admin_login", "target_invalid"} <= set(codes(verdict))


def test_source_falls_back_to_the_change_log_with_a_warning():
    verdict = judge({"server.version": None, "server.error": "refused", "deployment.bare_metal.current_version": None})
    assert verdict["source"] == "1.1.5" and verdict["ok"]
    assert any("change log" in w for w in verdict["warnings"])
    verdict = judge({"server.version": None, "deployment.bare_metal.current_version": None,
                     "db.schema_version": {"flyway": None, "native": None}})
    assert "source_unknown" in codes(verdict)


def test_markdown_report_lists_problems_plan_and_samples():
    facts = copy.deepcopy(GOOD_FACTS)
    facts["query_loss"] = {"count": 1, "total": 2, "samples": [
        {"name": "q|1", "checksum": "abc", "query": "SELECT `x` FROM t", "truncated": True, "used_in": ["svc.db.s.t"]}]}
    verdict = preflight.evaluate(facts, INTENT)
    text = preflight.render_markdown({"host": "h", "generated_at": "now", "facts": facts, "verdict": verdict,
                                      "query_export": "/r/lost-queries.json"})
    assert "REFUSED (1 problem)" in text and "**query_loss**" in text
    assert "`SELECT 'x' FROM t...`" in text and "/r/lost-queries.json" in text
    assert "1. stop OpenMetadata 1.1.7" in text


@pytest.mark.parametrize("text, major", [("17.0.9", 17), ("1.8.0_392", 8), ("21", 21), ("11.0.21", 11)])
def test_java_major(text, major):
    assert om_info.java_major(text) == major


def test_java_facts_reads_stderr_of_java_version(tmp_path):
    def run(argv):
        assert argv == [str(tmp_path / "bin" / "java"), "-version"]
        return 0, "", 'openjdk version "17.0.9" 2023-10-17\nOpenJDK Runtime Environment\n'
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").write_text("")
    os.chmod(tmp_path / "bin" / "java", 0o755)
    facts = om_info.java_facts(run, str(tmp_path))
    assert facts["major"] == 17 and facts["source"] == "java_home"
    assert om_info.java_facts(run, str(tmp_path / "none"))["error"].endswith("(check openmetadata_java_home)")


def test_free_space_of_a_folder_not_created_yet(tmp_path):
    facts = om_info.free_space(str(tmp_path / "a" / "b"))
    assert facts["checked"] == str(tmp_path) and facts["free_bytes"] > 0


def test_deployment_detection(tmp_path):
    (tmp_path / "openmetadata-1.1.7").mkdir()
    (tmp_path / "openmetadata-1.1.10").mkdir()
    (tmp_path / "current").symlink_to("openmetadata-1.1.10")
    bare = om_info.bare_metal_facts(lambda argv: (1, "", ""), str(tmp_path), "openmetadata", lambda name: None)
    assert bare["current_version"] == "1.1.10"
    assert [r["version"] for r in bare["releases"]] == ["1.1.7", "1.1.10"]
    assert om_info.detect_deployment("auto", bare, None)["kind"] == "bare_metal"
    assert om_info.detect_deployment("auto", {"releases": []}, {"images": None})["kind"] is None
    assert "unknown deployment kind" in om_info.detect_deployment("k8s", None, None)["error"]


def test_urls_in_facts_carry_no_credentials():
    assert om_info.shown_url("https://elastic:s3cret@es.local:9200/") == "https://es.local:9200/"
    assert om_info.shown_url("http://127.0.0.1:8585") == "http://127.0.0.1:8585"
    facts = om_info.search_facts({"url": "http://u:p@127.0.0.1:9", "timeout": 1})
    assert facts["url"] == "http://127.0.0.1:9" and "p@" not in str(facts)


def test_an_unhealthy_server_is_a_warning():
    verdict = judge({"server.healthy": False, "server.health_error": "HTTP 500"})
    assert verdict["ok"] and any("healthcheck" in w and "HTTP 500" in w for w in verdict["warnings"])
