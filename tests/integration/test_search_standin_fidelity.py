"""The Elasticsearch/OpenSearch stand-in against real nodes of the same version: the same status
codes and the same body shapes (keys and value types, recursively) for every call this collection
and the OpenMetadata stand-in make."""
from __future__ import annotations

import json
import uuid
from typing import Any, List, Tuple

import pytest

from search_nodes import REAL_VERSIONS, real_node
from search_support import http
from simulator.search_engine import SearchEngineProcess


def shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: shape(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "str"


def calls(url: str, prefix: str, flavor: str, version: str) -> List[Tuple[str, int, Any]]:
    """(label, status, body shape) of the calls, in order."""
    out: List[Tuple[str, int, Any]] = []

    def record(label: str, method: str, path: str, body: Any = None, ndjson: str = None, keep=None) -> Any:
        status, parsed, _headers = http(url + path, method, body, ndjson=ndjson)
        if keep is not None:
            parsed = keep(parsed)
        out.append((label, status, shape(parsed)))
        return parsed

    index, auto = prefix + "_table_search_index", prefix + "_auto"
    if not (flavor == "elasticsearch" and version.startswith("8.")):
        # the ES 8 integ-test distribution has no root endpoint (compared in test_root_document)
        record("root", "GET", "/")
    record("create", "PUT", "/" + index, {"mappings": {"properties": {"name": {"type": "keyword"}}}})
    record("create again", "PUT", "/" + index, {})
    bulk = "\n".join([json.dumps({"index": {"_index": index, "_id": "1"}}), json.dumps({"name": "a"}),
                      json.dumps({"index": {"_index": index, "_id": "2"}}), json.dumps({"name": "b"}),
                      json.dumps({"index": {"_index": auto, "_id": "1"}}), json.dumps({"x": 1})]) + "\n"
    record("bulk", "POST", "/_bulk", ndjson=bulk, keep=lambda b: dict(b, took=0))
    record("refresh", "POST", "/%s/_refresh" % index)
    count = record("count", "GET", "/%s/_count" % index)
    out.append(("count value", 0, count.get("count")))
    record("cat indices", "GET", "/_cat/indices?format=json&h=index,health,status,docs.count,uuid",
           keep=lambda rows: [r for r in rows if r["index"].startswith(prefix)])
    record("head", "HEAD", "/" + index)
    record("head missing", "HEAD", "/%s_missing" % prefix)
    record("delete missing", "DELETE", "/%s_missing" % prefix)
    record("count missing", "GET", "/%s_missing/_count" % prefix)
    record("wildcard delete", "DELETE", "/%s_*" % prefix)
    return out


@pytest.mark.parametrize("flavor,version", REAL_VERSIONS, ids=["%s-%s" % fv for fv in REAL_VERSIONS])
def test_same_status_and_shapes(flavor, version):
    node = real_node(flavor, version)
    prefix = "cmp" + uuid.uuid4().hex[:8]
    real = calls(node.url, prefix, flavor, version)
    with SearchEngineProcess(flavor, version) as engine:
        standin = calls(engine.url, prefix, flavor, version)
    assert [c[0] for c in standin] == [c[0] for c in real]
    for mine, theirs in zip(standin, real):
        assert mine[1] == theirs[1], "%s: status %s (stand-in) vs %s (real)" % (mine[0], mine[1], theirs[1])
        assert mine[2] == theirs[2], "%s: shape\n stand-in %s\n real     %s" % (mine[0], mine[2], theirs[2])
    # clean the real node (the wildcard delete was refused on 8)
    for name in (prefix + "_table_search_index", prefix + "_auto"):
        http("%s/%s" % (node.url, name), "DELETE")


def test_root_document_of_es8():
    """The ES 8 integ-test zip lacks GET / (HTTP 405) - search_index falls back to _nodes/_local there;
    the stand-in serves the root document of the full distribution."""
    node = real_node("elasticsearch", "8.10.2")
    status, body, headers = http(node.url + "/")
    assert status == 405 and headers.get("x-elastic-product") == "Elasticsearch", (status, body)
    with SearchEngineProcess("elasticsearch", "8.10.2") as engine:
        status, body, _headers = http(engine.url + "/")
        assert status == 200 and body["version"]["number"] == "8.10.2"
