"""Index names, cluster alias, version gates and reindex status logic (no servers)."""
from __future__ import annotations

import pytest

from ansible_collections.openmetadata.ops.plugins.module_utils.api import om_reindex as r
from ansible_collections.openmetadata.ops.plugins.module_utils import releases
from ansible_collections.openmetadata.ops.plugins.module_utils.api import search as s


def test_names_per_version_and_alias():
    names_11 = s.wanted_names("1.1.7")
    assert len(names_11) == 15 and "glossary_search_index" in names_11
    assert "glossary_term_search_index" not in names_11
    names_12 = s.wanted_names("1.2")
    assert "search_entity_search_index" in names_12 and "stored_procedure_search_index" in names_12
    assert not any(n.startswith("prod_") for n in names_11 + names_12)
    assert s.wanted_names("1.1", "", names=["a_index"], extra_names=["b_index"], exclude_names=["a_index"]) == ["b_index"]


@pytest.mark.parametrize("bad", ["*", "table_*", "a,b", "_all", "Table_search_index", "a b"])
def test_wildcards_and_bad_names_refused(bad):
    with pytest.raises(ValueError):
        s.wanted_names("1.2", names=[bad])


def test_unknown_om_version():
    with pytest.raises(ValueError, match="no index names known"):
        s.om_minor("1.3.0")
    with pytest.raises(ValueError, match="1.2.99 is not an OpenMetadata release that exists"):
        s.om_minor("1.2.99")


@pytest.mark.parametrize("root,ok", [
    ({"version": {"number": "7.16.3", "build_flavor": "default"}}, False),
    ({"version": {"number": "8.10.1"}}, False),
    ({"version": {"number": "8.10.2"}}, True),
    ({"version": {"number": "8.11.0"}}, True),
    ({"version": {"distribution": "opensearch", "number": "2.5.0"}}, False),
    ({"version": {"distribution": "opensearch", "number": "2.7.0"}}, True),
    ({"version": {"distribution": "opensearch", "number": "1.3.9"}}, False),
])
def test_minimum_for_12(root, ok):
    engine = s.Engine(root)
    problem = s.version_problem(engine, om_version="1.2")
    assert (problem is None) == ok
    if not ok:
        assert ("OpenSearch 2.7.0" in problem) or ("Elasticsearch 8.10.2" in problem)


def test_required_minimum():
    engine = s.Engine({"version": {"distribution": "opensearch", "number": "2.7.0"}})
    assert s.required_minimum(False, "1.2", engine) is None
    assert s.required_minimum(True, "all", engine) == "2.7.0"
    assert s.required_minimum(True, "1.1", engine) == "1.3.0"
    assert s.required_minimum("2.9", "1.2", engine) == "2.9"
    with pytest.raises(ValueError):
        s.required_minimum("latest", "1.2", engine)


def test_not_a_root_document():
    with pytest.raises(Exception, match="version.number"):
        s.Engine({"hello": "world"})


@pytest.mark.parametrize("status,kind", [("success", "done"), ("COMPLETED", "done"), ("failed", "failed"),
                                         ("activeError", "failed"), ("ACTIVE_WITH_ERROR", "failed"),
                                         ("running", "running"), ("STARTED", "running"), ("active", "running"),
                                         (None, "unknown")])
def test_classify(status, kind):
    assert r.classify(status) == kind


def test_config_patch():
    current = {"entities": ["table", "user"], "recreateIndex": False, "batchSize": "100",
               "searchIndexMappingLanguage": "EN"}
    wanted = r.wanted_configuration(current, True, ["table"], 100)
    ops = r.config_patch(current, wanted)
    assert ops == [{"op": "replace", "path": "/appConfiguration/entities", "value": ["table"]},
                   {"op": "replace", "path": "/appConfiguration/recreateIndex", "value": True}]
    assert r.config_patch(wanted, wanted) == []
    keep = r.wanted_configuration({"entities": ["table", "user"]}, True, None, None)
    assert keep["entities"] == ["table", "user"]
    assert r.wanted_configuration({"entities": ["table"]}, True, ["all"], None)["entities"] == ["table"]
    assert r.wanted_configuration({}, True, None, None)["entities"] == ["all"]
    assert r.config_patch({}, {"recreateIndex": True}) == [
        {"op": "add", "path": "/appConfiguration/recreateIndex", "value": True}]


def test_failure_and_stats():
    record_12 = {"status": "failed", "failureContext": {"failure": {"message": "search engine down"}}}
    assert r.failure_message(record_12) == "search engine down"
    record_11 = {"status": "FAILED", "failure": {"jobError": {"lastFailedReason": "bulk rejected"}},
                 "stats": {"jobStats": {"totalRecords": 3}}}
    assert r.failure_message(record_11) == "bulk rejected"
    assert r.run_stats(record_11) == {"jobStats": {"totalRecords": 3}}
    ok = {"status": "success", "successContext": {"stats": {"jobStats": {"successRecords": 9}}}}
    assert r.run_stats(ok)["jobStats"]["successRecords"] == 9
    assert r.failure_message({"status": "failed"}) == "no failure details in the run record"


NO_ALIAS_MSG = ("OpenMetadata 1.2 has no clusterAlias (it appears in 1.3); its index names are never prefixed: "
                "remove cluster_alias / openmetadata_search_cluster_alias")


@pytest.mark.parametrize("om_version", ["1.1", "1.1.7", "1.2", "1.2.0", "1.2.5", "all"])
def test_11_and_12_names_are_never_prefixed(om_version):
    # no alias: the plain names; an alias: refused (the release has no clusterAlias), never prefixed
    names = s.wanted_names(om_version, "")
    assert "table_search_index" in names and not any(n.startswith("_") for n in names)
    assert s.wanted_names(om_version, None) == names
    for kwargs in ({}, {"names": ["table_search_index"]}, {"extra_names": ["x_index"]}):
        with pytest.raises(ValueError, match="have no clusterAlias|has no clusterAlias"):
            s.wanted_names(om_version, "prod", **kwargs)
    assert not s.has_cluster_alias("1.1" if om_version == "all" else om_version)


def test_alias_refusal_names_the_release_and_the_fix():
    with pytest.raises(ValueError) as info:
        s.wanted_names("1.2.5", "prod")
    assert str(info.value).startswith(NO_ALIAS_MSG)  # the minor, whatever release was given
    with pytest.raises(ValueError) as info:
        s.index_prefix("1.2", "prod")
    assert str(info.value).startswith(NO_ALIAS_MSG)
    with pytest.raises(ValueError, match=r"^OpenMetadata 1\.1 and 1\.2 have no clusterAlias \(it appears in 1\.3\)"):
        s.wanted_names("all", "prod")
    assert s.index_prefix("1.2", "") is None and s.index_prefix("1.1.7", None) is None


def test_prefix_rule_is_a_column_of_every_line():
    for line in releases.known_lines():
        assert "cluster_alias_since" in releases.line(line) and releases.index_names(line)
    assert releases.cluster_alias_since("1.1") is None and releases.cluster_alias_since("1.2") is None
    assert set(s.OPENMETADATA_INDEXES) == set(releases.known_lines())


def test_a_later_release_with_an_alias_is_an_addition(monkeypatch):
    # what a 1.3 row would do: prefix its own names only, from its first release on
    monkeypatch.setitem(releases.LINES, "1.3", {
        "releases": {"1.3.0": {"native": ()}, "1.3.2": {"native": ()}},
        "indexes": ["table_search_index", "api_service_search_index"], "cluster_alias_since": "1.3.0",
        "search_min": dict(releases.line("1.2")["search_min"]), "reindex_api": "apps", "hop": None})
    assert s.wanted_names("1.3", "prod") == ["prod_table_search_index", "prod_api_service_search_index"]
    assert s.wanted_names("1.3.2", "prod", names=["a_index"]) == ["prod_a_index"]
    assert s.wanted_names("1.3", "") == ["table_search_index", "api_service_search_index"]
    every = s.wanted_names("all", "prod")
    assert "table_search_index" in every and "prod_table_search_index" in every  # 1.1/1.2 plain, 1.3 prefixed
    assert not any(n.startswith("prod_") for n in every if n.endswith("report_data_index"))
    with pytest.raises(ValueError, match="1.2 has no clusterAlias"):
        s.wanted_names("1.2", "prod")
