"""openmetadata.ops.search_index through ansible-playbook, against the Elasticsearch/OpenSearch
stand-in at each engine version and against real nodes (Maven Central integ-test distributions).

OpenMetadata 1.1 and 1.2 never prefix their index names (no clusterAlias before 1.3): tests that share a
real node give the indexes that are not OpenMetadata's a prefix of their own, so those never meet."""
from __future__ import annotations

import uuid
from typing import Any, Iterator

import pytest

from harness import run_playbook
from search_nodes import real_node
from search_support import http, index_names, make_ca_and_cert, seed
from simulator.search_engine import SearchEngineProcess

STANDINS = [("elasticsearch", "7.16.3"), ("elasticsearch", "8.10.2"), ("opensearch", "2.7.0"),
            ("opensearch", "2.11.1")]
REALS = [("elasticsearch", "7.16.3"), ("elasticsearch", "8.10.2"), ("opensearch", "2.11.1")]
CLUSTERS = [pytest.param(("standin",) + c, id="standin-%s-%s" % c) for c in STANDINS] + \
           [pytest.param(("real",) + c, id="real-%s-%s" % c) for c in REALS]


class Cluster:
    def __init__(self, kind: str, flavor: str, version: str, url: str) -> None:
        self.kind, self.flavor, self.version, self.url = kind, flavor, version, url


@pytest.fixture(params=CLUSTERS)
def cluster(request) -> Iterator[Cluster]:
    kind, flavor, version = request.param
    if kind == "real":
        yield Cluster(kind, flavor, version, real_node(flavor, version).url)
        return
    with SearchEngineProcess(flavor, version) as engine:
        yield Cluster(kind, flavor, version, engine.url)


@pytest.fixture
def standin8() -> Iterator[SearchEngineProcess]:
    with SearchEngineProcess("elasticsearch", "8.10.2") as engine:
        yield engine


def alias() -> str:
    return "t" + uuid.uuid4().hex[:8]


def task(name: str, **args: Any) -> dict:
    return {"name": name, "openmetadata.ops.search_index": args, "register": "out", "ignore_errors": True}


def describe(run) -> str:
    return "rc=%s\n%s\n%s" % (run.rc, run.output[-4000:], run.stderr[-2000:])


NO_ALIAS_MSG = ("OpenMetadata 1.2 has no clusterAlias (it appears in 1.3); its index names are never prefixed: "
                "remove cluster_alias / openmetadata_search_cluster_alias")


def test_absent_deletes_only_openmetadata_indexes(cluster, tmp_path):
    # 1.2's index names are never prefixed (it has no clusterAlias), so these are the plain names; the
    # foreign ones carry this test's own prefix so that they never meet another test's.
    prefix = alias()
    ours = {"table_search_index": 3, "user_search_index": 1, "query_search_index": 0}
    foreign = {prefix + "_custom_logs": 2, prefix + "_table_search_index": 1,
               "table_search_index_" + prefix: 1}
    for name in ours:
        http("%s/%s" % (cluster.url, name), "DELETE")  # left by an earlier test on a shared node
    for name, docs in list(ours.items()) + list(foreign.items()):
        seed(cluster.url, name, docs)
    common = {"url": cluster.url, "om_version": "1.2"}
    run = run_playbook([
        task("alias refused", state="absent", cluster_alias=prefix, **common),
        task("alias refused for 1.2.5", state="absent", url=cluster.url, om_version="1.2.5", cluster_alias=prefix),
        task("alias refused for all", state="absent", url=cluster.url, cluster_alias=prefix),
        task("alias refused for 1.1", state="read", url=cluster.url, om_version="1.1", cluster_alias=prefix),
        task("info", **common),
        dict(task("absent check", state="absent", **common), check_mode=True),
        task("absent", state="absent", **common),
        task("absent again", state="absent", **common),
    ], tmp_path, diff=True)
    assert run.rc == 0, describe(run)
    refused = run.result("alias refused")
    assert refused.get("failed") and not refused["changed"], refused
    assert refused["msg"].startswith(NO_ALIAS_MSG), refused["msg"]
    assert "deleted" not in refused and "engine" not in refused, refused  # failed before the engine was asked
    assert run.result("alias refused for 1.2.5")["msg"].startswith(NO_ALIAS_MSG)
    both = run.result("alias refused for all")
    assert both.get("failed") and not both["changed"] and "1.1 and 1.2 have no clusterAlias" in both["msg"], both
    assert "OpenMetadata 1.1 has no clusterAlias" in run.result("alias refused for 1.1")["msg"]

    info = run.result("info")  # the refusals deleted nothing
    assert not info.get("failed") and not info["changed"], info
    assert info["engine"]["distribution"] == cluster.flavor and info["engine"]["version"] == cluster.version
    assert info["indexes"] == ours
    assert "team_search_index" in info["missing"]
    assert not any(name.startswith(prefix) for name in info["wanted"])
    assert info["other_index_count"] >= len(foreign)

    check = run.result("absent check")
    assert check["changed"] and sorted(d["name"] for d in check["deleted"]) == sorted(ours)
    assert check["deleted_documents"] == 4
    absent = run.result("absent")
    assert absent["changed"] and not absent.get("failed"), absent
    assert {d["name"]: d["docs_count"] for d in absent["deleted"]} == ours
    assert absent["indexes"] == {}
    again = run.result("absent again")
    assert not again["changed"] and again["deleted"] == [], again

    left = index_names(cluster.url)
    for name in ours:
        assert name not in left
    for name, docs in foreign.items():
        assert left.get(name) == docs, "foreign index %s was touched" % name


def test_min_version_gate(cluster, tmp_path):
    common = {"url": cluster.url, "state": "present", "min_version": True}
    run = run_playbook([
        task("for 1.2", om_version="1.2", **common),
        task("for 1.1", om_version="1.1", **common),
        task("explicit", om_version="1.2", url=cluster.url, state="present", min_version="99.0.0"),
        task("info only", om_version="1.2", url=cluster.url, state="read", min_version="99.0.0"),
    ], tmp_path)
    for_12 = run.result("for 1.2")
    if (cluster.flavor, cluster.version[0]) == ("elasticsearch", "7"):
        assert for_12.get("failed"), for_12
        assert "8.10.2" in for_12["msg"] and "Elasticsearch 7.16.3" in for_12["msg"], for_12["msg"]
    else:
        assert not for_12.get("failed"), for_12
        assert for_12["version_ok"] and not for_12["changed"]
    assert not run.result("for 1.1").get("failed")
    explicit = run.result("explicit")
    assert explicit.get("failed") and "99.0.0" in explicit["msg"]
    info = run.result("info only")
    assert not info.get("failed") and info["version_ok"] is False


def test_default_names_options_and_wildcards(standin8, tmp_path):
    url = standin8.url
    for name in ("table_search_index", "glossary_term_search_index", "entity_report_data_index", "logs-2026",
                 "my_extra_index"):
        seed(url, name, 1)
    run = run_playbook([
        task("only 1.1 names, one excluded, one extra", url=url, om_version="1.1", state="absent",
             exclude_names=["entity_report_data_index"], extra_names=["my_extra_index"]),
        task("1.2 names", url=url, om_version="1.2.5", state="read"),
        task("given names", url=url, names=["logs-2026"], state="read"),
        task("wildcard refused", url=url, names=["*_search_index"], state="absent"),
        task("bad om_version", url=url, om_version="0.13", state="read"),
    ], tmp_path)
    first = run.result("only 1.1 names, one excluded, one extra")
    assert sorted(d["name"] for d in first["deleted"]) == ["my_extra_index", "table_search_index"], first
    second = run.result("1.2 names")
    assert second["indexes"] == {"glossary_term_search_index": 1, "entity_report_data_index": 1}, second
    assert run.result("given names")["indexes"] == {"logs-2026": 1}
    wildcard = run.result("wildcard refused")
    assert wildcard.get("failed") and "not an exact index name" in wildcard["msg"]
    assert "no index names known for OpenMetadata 0.13" in run.result("bad om_version")["msg"]
    assert set(index_names(url)) == {"glossary_term_search_index", "entity_report_data_index", "logs-2026"}


def test_unreachable_and_not_a_search_engine(tmp_path):
    from harness import free_port
    import socket
    port = free_port()
    silent = socket.socket()  # accepts connections, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        run = run_playbook([
            task("refused", url="http://127.0.0.1:%d" % port, state="absent"),
            task("bad url", url="127.0.0.1:9200", state="read"),
            task("silent", url="http://127.0.0.1:%d" % silent.getsockname()[1], state="absent", timeout=1.5),
        ], tmp_path)
    finally:
        silent.close()
    silent_result = run.result("silent")
    assert silent_result["failed"] and "within 1.5 s (timeout)" in silent_result["msg"], silent_result["msg"]
    refused = run.result("refused")
    assert refused.get("failed") and not refused["changed"]
    assert "connection refused" in refused["msg"] and str(port) in refused["msg"], refused["msg"]
    assert "not a URL" in run.result("bad url")["msg"]


def test_basic_auth_and_api_key(tmp_path):
    with SearchEngineProcess("elasticsearch", "8.10.2", username="elastic", password="s3cret-pw",
                             api_key="key1:abcdef") as engine:
        seed(engine.url, "table_search_index", 2, auth=("elastic", "s3cret-pw"))
        run = run_playbook([
            task("no credentials", url=engine.url),
            task("wrong password", url=engine.url, username="elastic", password="wrong-pw"),
            task("basic", url=engine.url, username="elastic", password="s3cret-pw", om_version="1.2"),
            task("api key id:key", url=engine.url, api_key="key1:abcdef", state="absent"),
        ], tmp_path, verbosity=0)
        assert "s3cret-pw" not in run.output and "abcdef" not in run.output
        no_creds = run.result("no credentials")
        assert no_creds["failed"] and no_creds["status"] == 401 and "credentials" in no_creds["msg"]
        wrong = run.result("wrong password")
        assert wrong["failed"] and wrong["status"] == 401 and "unable to authenticate user [elastic]" in wrong["msg"]
        assert run.result("basic")["indexes"] == {"table_search_index": 2}
        assert run.result("api key id:key")["deleted"] == [{"name": "table_search_index", "docs_count": 2}]
    with SearchEngineProcess("opensearch", "2.11.1", username="admin", password="os-pw") as engine:
        run = run_playbook([task("opensearch wrong", url=engine.url, username="admin", password="nope")], tmp_path)
        wrong = run.result("opensearch wrong")
        assert wrong["failed"] and wrong["status"] == 401 and "Unauthorized" in wrong["msg"]


def test_tls_with_own_ca(tmp_path):
    ca, cert, key = make_ca_and_cert(tmp_path)
    with SearchEngineProcess("opensearch", "2.7.0", tls_cert=cert, tls_key=key) as engine:
        assert engine.url.startswith("https://")
        run = run_playbook([
            task("ca bundle", url=engine.url, ca_path=str(ca), state="present", min_version=True),
            task("no ca", url=engine.url),
            task("verify off", url=engine.url, validate_certs=False),
            task("plain http to tls", url=engine.url.replace("https", "http"), timeout=5),
        ], tmp_path)
        ok = run.result("ca bundle")
        assert not ok.get("failed") and ok["engine"]["version"] == "2.7.0", ok
        no_ca = run.result("no ca")
        assert no_ca["failed"] and "ca_path" in no_ca["msg"] and "validate_certs" in no_ca["msg"], no_ca["msg"]
        assert not run.result("verify off").get("failed")
        assert run.result("plain http to tls").get("failed")


def test_data_dir_survives_restart_and_es8_refuses_a_716_folder(tmp_path):
    data = tmp_path / "es-data"
    with SearchEngineProcess("elasticsearch", "7.16.3", data_dir=data) as engine:
        seed(engine.url, "table_search_index", 5)
    with SearchEngineProcess("elasticsearch", "7.16.3", data_dir=data) as engine:
        assert index_names(engine.url) == {"table_search_index": 5}
    refused = SearchEngineProcess("elasticsearch", "8.10.2", data_dir=data)
    with pytest.raises(RuntimeError, match=r"cannot upgrade a node from version \[7.16.3\] directly"):
        refused.start()


def test_es8_refuses_wildcard_delete_like_the_real_node(standin8):
    seed(standin8.url, "a_search_index", 1)
    status, body, _headers = http(standin8.url + "/a_*", "DELETE")
    assert status == 400 and body["error"]["type"] == "illegal_argument_exception"
    assert "a_search_index" in index_names(standin8.url)
